//! From a command line's sources and base profiles to the one profile the
//! reports read, with pprof's rules.
//!
//! Every source is loaded concurrently (a few worker threads, one file at a
//! time each); the sources are combined ([`crate::combine::merge::combine`]: common
//! sample types, finest units, merged when there are several), the base
//! profiles likewise, and the base is then applied
//! ([`crate::combine::merge::apply_base`]: `-base` subtracts, `-diff_base` labels the
//! base samples `pprof::base=true` so that the total is the base's, and
//! `-normalize` first scales the source to the base's totals).
//!
//! Unlike pprof, which merges whatever it could fetch and only warns about the
//! rest, any source that cannot be loaded is an error: a report silently
//! missing one of its inputs is worse than no report.

pub mod merge;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::decode::{load, LoadOptions};
use crate::error::LoadError;
use crate::model::Profile;
use merge::MergeError;

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

/// Loads and combines the sources and bases of `spec` into one profile.
pub fn load_profile(spec: &SourceSpec, opts: &LoadOptions) -> Result<Profile, SourceError> {
    if spec.sources.is_empty() {
        return Err(SourceError::NoSources);
    }
    if spec.normalize && spec.base.is_empty() {
        return Err(SourceError::NormalizeWithoutBase);
    }
    let all: Vec<String> = spec.sources.iter().chain(&spec.base).cloned().collect();
    let mut profiles = load_all(&all, opts)?;
    let merging = all.len() > 1;
    if merging {
        for p in &mut profiles {
            merge::ensure_mapping(p);
        }
    }
    let bases = profiles.split_off(spec.sources.len());
    let p = combine_chunked(profiles)?;
    if bases.is_empty() {
        return Ok(p);
    }
    let base = combine_chunked(bases)?;
    Ok(merge::apply_base(p, base, spec.diff_base, spec.normalize)?)
}

/// pprof merges sources in chunks of 128, each chunk into the running result.
const CHUNK: usize = 128;

/// [`merge::combine`] chunk by chunk, as pprof's fetcher does (this only
/// matters for headers and id order when there are more than 128 sources).
fn combine_chunked(ps: Vec<Profile>) -> Result<Profile, MergeError> {
    let mut acc: Option<Profile> = None;
    let mut it = ps.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Profile> = it.by_ref().take(CHUNK).collect();
        let c = merge::combine(chunk)?;
        acc = Some(match acc {
            None => c,
            Some(a) => merge::combine(vec![a, c])?,
        });
    }
    acc.ok_or(MergeError::NoCommonSampleTypes)
}
