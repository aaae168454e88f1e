//! A session: the sources loaded once, the profile every report reads.
//!
//! [`Session::load`] reads, merges and applies the base profiles of a
//! command line's sources ([`crate::combine`]), then the load-time options
//! (pprof's name clean-up, `-add_comment`). The profile is immutable from
//! then on: every command of the shell and every request of the web UI
//! reads the same one.

use crate::combine::{load_profile, SourceError, SourceSpec};
use crate::decode::LoadOptions;
use crate::model::Profile;

/// How to load a session's sources.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Sources, base profiles and how to combine them.
    pub spec: SourceSpec,
    /// How each source is read (size cap, fetch options).
    pub load: LoadOptions,
    /// Keep names exactly as the profile has them (`-symbolize=none`);
    /// otherwise C++-looking names are simplified, as pprof's symbolizer does.
    pub raw_names: bool,
    /// A comment to add to the profile (`-add_comment`).
    pub add_comment: Option<String>,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A source could not be loaded or the sources could not be combined.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The comment could not be added.
    #[error("too many strings to add a comment")]
    Comment,
}

/// The loaded profile of a session and where it came from.
pub struct Session {
    /// The profile the reports read (sources merged, base applied).
    pub profile: Profile,
    /// The sources as given, for messages (`cpu.pb.gz`, `a.pb b.pb`).
    pub sources: Vec<String>,
}

impl Session {
    /// Loads the sources of `opts`.
    pub fn load(opts: &SourceOptions) -> Result<Session, SessionError> {
        let mut profile = load_profile(&opts.spec, &opts.load)?;
        if !opts.raw_names {
            crate::decode::symbolize::simplify_names(&mut profile);
        }
        if let Some(c) = &opts.add_comment {
            let idx = profile.strings.push(c).ok_or(SessionError::Comment)?;
            profile.comments.push(idx);
        }
        Ok(Session {
            profile,
            sources: opts.spec.sources.clone(),
        })
    }

    /// A session over a profile already in memory.
    pub fn from_profile(profile: Profile, name: &str) -> Session {
        Session {
            profile,
            sources: vec![name.to_string()],
        }
    }

    /// The sources as one subject for messages (`a.pb.gz b.pb.gz`).
    pub fn name(&self) -> String {
        self.sources.join(" ")
    }

    /// The names of the profile's sample types, in order.
    pub fn sample_types(&self) -> Vec<String> {
        let p = &self.profile;
        p.sample_types
            .iter()
            .map(|t| p.str(t.ty).to_string())
            .collect()
    }

    /// Every function name of the profile, sorted, without duplicates (for
    /// completion).
    pub fn function_names(&self) -> Vec<String> {
        let p = &self.profile;
        let mut names: Vec<String> = p
            .functions
            .iter()
            .map(|f| p.str(f.name).to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}
