//! From a command line's sources and base profiles to the one profile the
//! reports read, with pprof's rules.
//!
//! The source arguments are expanded first ([`expand`]: `@FILE` lists,
//! directories, globs). The sources are then loaded by a few worker threads
//! and combined as they arrive ([`stream::merge_sources`]: common sample
//! types, finest units, merged when there are several, in pprof's chunks of
//! 128), in memory bounded by the merged profile plus a few inputs; the base
//! profiles likewise, and the base is then applied
//! ([`crate::combine::merge::apply_base`]: `-base` subtracts, `-diff_base`
//! labels the base samples `pprof::base=true` so that the total is the
//! base's, and `-normalize` first scales the source to the base's totals).
//! A progress bar shows on a terminal when this takes more than a second.
//!
//! Unlike pprof, which merges whatever it could fetch and only warns about the
//! rest, any source that cannot be loaded is an error: a report silently
//! missing one of its inputs is worse than no report. With
//! [`SourceSpec::skip_bad`] such sources are skipped instead and counted in
//! one line at the end.
//!
//! ## Associativity
//!
//! Merging is associative: merging the merges of shards of a list (each
//! written with `pprofx merge`) gives the same `top` and `raw` as merging the
//! whole list at once, so a fleet can merge shards anywhere, in any grouping,
//! and merge the results. Two of pprof's rules make exceptions, both rare:
//! pprof's `Time:` is the earliest time unless a profile without one (time 0)
//! comes later, so shards that mix profiles with and without a time can
//! disagree on `Time:`; and when values cancel (negative values, as in
//! profiles made with `-base`), a sample that sums to zero in one shard is
//! dropped there, so `raw` can list the surviving samples in another order
//! (the values, and so `top`, are the same). Sample types must be the same
//! in all shards: the common types of the whole list can be fewer than a
//! shard's.

pub mod expand;
pub mod merge;
pub mod merger;
pub mod stream;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::decode::{load, LoadOptions};
use crate::error::LoadError;
use crate::model::Profile;
use crate::util::progress::Progress;
use expand::ExpandError;
use merge::MergeError;
use stream::{Skipped, StreamOptions};

/// What to load: sources, optional base profiles and how to apply them.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec {
    /// The profiles to report on (merged when several).
    pub sources: Vec<String>,
    /// Base profiles (merged when several), subtracted from the sources.
    pub base: Vec<String>,
    /// The base is a diff base (`-diff_base`): base samples are labelled
    /// `pprof::base=true` and percentages are relative to the base.
    pub diff_base: bool,
    /// Scale the sources to the base's totals first (`-normalize`).
    pub normalize: bool,
    /// Skip sources that cannot be loaded (`--skip_bad`) instead of
    /// stopping at the first; they are counted in one line on stderr.
    pub skip_bad: bool,
}

/// A failure while loading or combining sources.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// One source could not be loaded.
    #[error("{source}: {error}")]
    Load {
        /// The source (path, `-`).
        source: String,
        /// Why.
        #[source]
        error: LoadError,
    },
    /// The profiles cannot be combined.
    #[error("{0}")]
    Merge(#[from] MergeError),
    /// `-normalize` without a base profile.
    #[error("must have base profile to normalize by")]
    NormalizeWithoutBase,
    /// No source at all.
    #[error("no profile to read")]
    NoSources,
    /// A `@FILE` list, a directory or a glob could not be expanded.
    #[error("{0}")]
    Expand(#[from] ExpandError),
    /// With `skip_bad`, no source (or no base) could be loaded.
    #[error("none of the {count} {what} could be read ({first})")]
    NoneLoaded {
        /// "source profiles" or "base profiles".
        what: &'static str,
        /// How many were tried.
        count: usize,
        /// The first one's error, `FILE: why`.
        first: String,
    },
}

/// The profile of a command line and what was skipped on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The profile the reports read.
    pub profile: Profile,
    /// How many profiles were read (sources and bases).
    pub inputs: usize,
    /// Sources and bases skipped because they could not be loaded (only
    /// with [`SourceSpec::skip_bad`]).
    pub skipped: Vec<Skipped>,
}

impl Loaded {
    /// The one line that reports the skipped inputs, if any:
    /// `skipped 2 of 300 profiles that could not be read: a.pb: why; b.pb: why`
    /// (the first three named).
    pub fn skipped_note(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let named: Vec<String> = self
            .skipped
            .iter()
            .take(3)
            .map(|s| format!("{}: {}", s.source, s.error))
            .collect();
        let more = if self.skipped.len() > 3 { "; …" } else { "" };
        Some(format!(
            "skipped {} of {} profiles that could not be read: {}{more}",
            self.skipped.len(),
            self.skipped.len() + self.inputs,
            named.join("; ")
        ))
    }
}

/// Loads one source (a file, `-` or a URL): the call every loading path of
/// this module goes through.
pub fn load_one(source: &str, opts: &LoadOptions) -> Result<Profile, LoadError> {
    load(source, opts)
}

/// Loads every path of `list` with up to `threads` workers, in order.
pub fn load_all(list: &[String], opts: &LoadOptions) -> Result<Vec<Profile>, SourceError> {
    if list.len() == 1 {
        return load(&list[0], opts)
            .map(|p| vec![p])
            .map_err(|error| SourceError::Load {
                source: list[0].clone(),
                error,
            });
    }
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(list.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Profile, LoadError>>>> =
        Mutex::new((0..list.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(src) = list.get(i) else { break };
                let r = load(src, opts);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (src, r) in list.iter().zip(results) {
        match r {
            Some(Ok(p)) => out.push(p),
            Some(Err(error)) => {
                return Err(SourceError::Load {
                    source: src.clone(),
                    error,
                })
            }
            None => {
                return Err(SourceError::Load {
                    source: src.clone(),
                    error: LoadError::Io(std::io::Error::other("not loaded")),
                })
            }
        }
    }
    Ok(out)
}

/// Loads and combines the sources and bases of `spec` into one profile,
/// printing on stderr the line about skipped sources, if any.
pub fn load_profile(spec: &SourceSpec, opts: &LoadOptions) -> Result<Profile, SourceError> {
    let loaded = load_sources(spec, opts)?;
    if let Some(note) = loaded.skipped_note() {
        crate::note!("pprofx: {note}");
    }
    Ok(loaded.profile)
}

/// Loads and combines the sources and bases of `spec` into one profile (see
/// the module doc): the library's entry point for any number of sources.
pub fn load_sources(spec: &SourceSpec, opts: &LoadOptions) -> Result<Loaded, SourceError> {
    if spec.sources.is_empty() {
        return Err(SourceError::NoSources);
    }
    if spec.normalize && spec.base.is_empty() {
        return Err(SourceError::NormalizeWithoutBase);
    }
    let sources = expand::expand_sources(&spec.sources)?;
    let base = expand::expand_sources(&spec.base)?;
    if sources.len() == 1 && base.is_empty() {
        // One profile: read as it is, nothing combined.
        let profile = load_all(&sources, opts)?
            .pop()
            .ok_or(SourceError::NoSources)?;
        return Ok(Loaded {
            profile,
            inputs: 1,
            skipped: Vec::new(),
        });
    }
    // Several profiles: what one input frees is kept for the next and for
    // the merge, on every thread.
    crate::util::alloc::keep_freed_memory();
    let so = StreamOptions {
        skip_bad: spec.skip_bad,
        ensure_mapping: true,
    };
    let progress = Progress::new("profiles", sources.len() + base.len());
    let mut timer = crate::util::timing::Timer::from_env();
    // Sources and bases are merged side by side, as pprof fetches them.
    let (src, b) = std::thread::scope(|s| {
        let b = (!base.is_empty())
            .then(|| s.spawn(|| stream::merge_sources(&base, opts, so, &progress)));
        let src = stream::merge_sources(&sources, opts, so, &progress);
        let b = b.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        (src, b)
    });
    progress.finish();
    timer.lap("sources merged");
    let src = src?;
    let mut skipped = src.skipped;
    let mut inputs = src.loaded;
    let Some(p) = src.profile else {
        return Err(none_loaded("source profiles", &skipped));
    };
    let Some(b) = b else {
        return Ok(Loaded {
            profile: p,
            inputs,
            skipped,
        });
    };
    let b = b?;
    let Some(bp) = b.profile else {
        return Err(none_loaded("base profiles", &b.skipped));
    };
    inputs += b.loaded;
    skipped.extend(b.skipped);
    let profile = merge::apply_base(p, bp, spec.diff_base, spec.normalize)?;
    timer.lap("base applied");
    Ok(Loaded {
        profile,
        inputs,
        skipped,
    })
}

fn none_loaded(what: &'static str, skipped: &[Skipped]) -> SourceError {
    SourceError::NoneLoaded {
        what,
        count: skipped.len(),
        first: skipped
            .first()
            .map(|s| format!("{}: {}", s.source, s.error))
            .unwrap_or_default(),
    }
}
