//! Merging many sources in bounded memory, with pprof's exact result.
//!
//! pprof's fetcher reads the sources in chunks of [`CHUNK`]: it loads a
//! chunk's profiles all at once, combines them ([`merge::combine`]:
//! common sample types, finest units, merge), and combines each chunk's
//! result into the result so far. [`merge_sources`] produces the same
//! profile while holding only the result so far, one chunk's running merge
//! and a few inputs being loaded:
//!
//! * A few threads load the inputs in order ([`load_in_order`]); at most a
//!   window of loaded profiles waits for the merge, so memory does not grow
//!   with the number of inputs.
//! * Within a chunk, while every input has the same sample types, units and
//!   period type as the chunk's first (the common case: a fleet's profiles of
//!   one kind), pprof's combining rules change nothing but what [`plan`]
//!   says for identical headers, so each input is planned, added to the
//!   chunk's [`Merger`] and dropped as soon as it is loaded. A chunk of one
//!   profile is that profile as it is, as in pprof.
//! * When an input's header differs, the rules depend on every header of the
//!   chunk. The chunk is then read twice: once for the headers, and once more
//!   to plan, add and drop each input (files are read again; standard input
//!   and URLs, which cannot be, are kept in memory from the first reading).
//! * The chunk's result is combined into the result so far exactly as
//!   pprof combines chunks ([`merge::combine`]); when the two have the same
//!   header, by adding it to the merger of the result so far, which is kept
//!   unfinished from chunk to chunk while nothing in it sums to zero
//!   (`fold`).
//!
//! So the result is byte for byte what pprof's fetcher makes of the same
//! sources, for any number of them. An input that cannot be loaded stops the
//! merge with its name, or is skipped and reported with `skip_bad` (pprof
//! always skips them, with a warning per input).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::merge::{self, apply_plan, plan, Plan, TypeHeader};
use super::merger::Merger;
use super::SourceError;
use crate::decode::LoadOptions;
use crate::error::LoadError;
use crate::model::Profile;
use crate::util::progress::Progress;

/// pprof merges sources in chunks of this many, each chunk into the result
/// so far (this matters for headers and id order when values cancel).
pub const CHUNK: usize = 128;

/// How to merge a list of sources.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamOptions {
    /// Skip inputs that cannot be loaded (they are listed in
    /// [`Streamed::skipped`]) instead of stopping at the first.
    pub skip_bad: bool,
    /// Give profiles without mappings pprof's fake mapping (done when the
    /// command line has more than one profile, sources and bases together).
    pub ensure_mapping: bool,
}

/// An input that could not be loaded and was skipped.
#[derive(Debug)]
pub struct Skipped {
    /// The source as given.
    pub source: String,
    /// Why it could not be loaded.
    pub error: LoadError,
}

/// The result of [`merge_sources`].
#[derive(Debug)]
pub struct Streamed {
    /// The combined profile; `None` if no input could be loaded.
    pub profile: Option<Profile>,
    /// How many inputs were loaded and merged.
    pub loaded: usize,
    /// The inputs skipped (only with [`StreamOptions::skip_bad`]).
    pub skipped: Vec<Skipped>,
}

/// Loads and combines `list` with pprof's rules, chunk by chunk, in bounded
/// memory (see the module doc). `progress` advances once per input read.
/// Callers ask for [`crate::util::alloc::keep_freed_memory`] first, before
/// any thread starts, so that inputs loaded after others were merged and
/// dropped reuse their memory ([`crate::combine::load_sources`] does).
pub fn merge_sources(
    list: &[String],
    opts: &LoadOptions,
    so: StreamOptions,
    progress: &Progress,
) -> Result<Streamed, SourceError> {
    let mut out = Streamed {
        profile: None,
        loaded: 0,
        skipped: Vec::new(),
    };
    // The loaders keep the cores busy: each merge runs on one thread.
    let busy = list.len() > loader_window();
    // One pool of loading threads for the whole list: chunk boundaries are
    // only points in the stream of loaded profiles.
    let items: Vec<usize> = (0..list.len()).collect();
    let new_chunk = || Chunk {
        one_thread: busy,
        ..Chunk::default()
    };
    let mut chunk = new_chunk();
    let mut acc = Acc::Empty;
    load_in_order(list, &items, opts, |i, r| {
        if i > 0 && i % CHUNK == 0 {
            let done = std::mem::replace(&mut chunk, new_chunk());
            let c = done.finish(list, opts, so, progress)?;
            fold(&mut acc, c, busy)?;
        }
        progress.step();
        chunk.take(i, r, list, so, &mut out)
    })?;
    let c = chunk.finish(list, opts, so, progress)?;
    fold(&mut acc, c, busy)?;
    out.profile = match acc {
        Acc::Empty => None,
        Acc::Profile(p) => Some(p),
        Acc::Live(m) => Some(m.finish()),
    };
    Ok(out)
}

/// The result so far of [`merge_sources`]: nothing yet, a profile, or a
/// merger that is that profile not yet finished (see [`fold`]).
#[allow(clippy::large_enum_variant)] // one, for the whole merge
enum Acc {
    Empty,
    Profile(Profile),
    Live(Merger),
}

/// Combines a chunk's result into the result so far, as pprof does
/// (`combineProfiles` of the two: compatibilize, rescale, merge).
///
/// When the two have the same header, with no type listed twice, the rules
/// change neither, and the combination is a merge of the two. Its merger is
/// then kept unfinished as the result so far, and the next chunk's result
/// is added to it: a fresh merger given the finished result would make the
/// same entities, samples and headers in the same order (a merged profile
/// merged again is itself, and each header is folded from the first's),
/// unless finishing compacted it, so a merger in which a sample sums to
/// zero is finished at once ([`settle`]). The first chunk's merger is kept
/// so too, so the result so far is never merged again from scratch.
fn fold(acc: &mut Acc, chunk: Acc, one_thread: bool) -> Result<(), SourceError> {
    let c = match (&acc, chunk) {
        (_, Acc::Empty) => return Ok(()),
        // The first chunk's result is the result so far, merger and all.
        (Acc::Empty, c) => {
            *acc = c;
            return Ok(());
        }
        (_, Acc::Profile(c)) => c,
        (_, Acc::Live(m)) => m.finish(),
    };
    let header = TypeHeader::of(&c);
    let plain = header.has_distinct_types();
    *acc = match std::mem::replace(acc, Acc::Empty) {
        Acc::Empty => Acc::Profile(c),
        Acc::Profile(a) if plain && TypeHeader::of(&a) == header => {
            let mut m = merger_for(&a, one_thread);
            m.add(&a);
            // Dropped before `c` is added, as a chunk's first input is.
            drop(a);
            m.add(&c);
            settle(m)
        }
        Acc::Profile(a) => Acc::Profile(merge::combine(vec![a, c])?),
        Acc::Live(mut m) if plain && m.type_header() == header => {
            m.add(&c);
            settle(m)
        }
        Acc::Live(m) => Acc::Profile(merge::combine(vec![m.finish(), c])?),
    };
    Ok(())
}

/// A merger for profiles like `first`, adding on one thread when
/// `one_thread` (the loaders keep the cores busy), else on every core.
fn merger_for(first: &Profile, one_thread: bool) -> Merger {
    let mut m = Merger::new(first);
    if one_thread {
        m.set_threads(1);
    }
    m
}

/// A merger kept unfinished as the result so far, or finished when a
/// sample sums to zero (finishing compacts it, see [`fold`]).
fn settle(m: Merger) -> Acc {
    if m.has_zero_sum() {
        Acc::Profile(m.finish())
    } else {
        Acc::Live(m)
    }
}

/// Where a chunk's merge stands.
#[derive(Default)]
#[allow(clippy::large_enum_variant)] // one per chunk in flight
enum Phase {
    /// Nothing loaded yet.
    #[default]
    Start,
    /// One profile, kept as it is (a chunk of one is not merged).
    One(Profile),
    /// Every input so far has the first one's header: merged as they came.
    Many(Merger),
    /// Headers differ: only headers are collected; merged in a second pass.
    Mixed,
}

/// Whether `source` can be read a second time (a regular file).
fn rereadable(source: &str) -> bool {
    source != "-" && std::path::Path::new(source).is_file()
}

/// One chunk of sources being combined.
#[derive(Default)]
struct Chunk {
    phase: Phase,
    /// The header of every input loaded (by source index).
    headers: Vec<(usize, TypeHeader)>,
    /// The plan of inputs with the first one's header.
    same_plan: Option<Plan>,
    /// Inputs that cannot be read again, kept for a second pass.
    kept: HashMap<usize, Profile>,
    /// Whether its merges add on one thread (see [`merger_for`]).
    one_thread: bool,
}

impl Chunk {
    /// Takes source `i`'s loading result.
    fn take(
        &mut self,
        i: usize,
        r: Result<Profile, LoadError>,
        list: &[String],
        so: StreamOptions,
        out: &mut Streamed,
    ) -> Result<(), SourceError> {
        let mut p = match r {
            Ok(p) => p,
            Err(error) => return skip_or_fail(so, &list[i], error, out),
        };
        out.loaded += 1;
        if so.ensure_mapping {
            p.ensure_mapping();
        }
        let h = TypeHeader::of(&p);
        let same = self.headers.first().is_some_and(|(_, h0)| *h0 == h);
        self.headers.push((i, h));
        let keep = !rereadable(&list[i]);
        let kept = &mut self.kept;
        self.phase = match std::mem::take(&mut self.phase) {
            Phase::Start if self.headers[0].1.has_distinct_types() => Phase::One(p),
            Phase::Start => {
                kept_if(keep, kept, i, p);
                Phase::Mixed
            }
            Phase::One(mut first) if same => {
                let first_i = self.headers[0].0;
                let h0 = self.headers[0].1.clone();
                let pl = self.same_plan.insert(plan(&[h0.clone(), h0])?.remove(0));
                apply_plan(pl, &mut first);
                apply_plan(pl, &mut p);
                let mut m = merger_for(&first, self.one_thread);
                m.add(&first);
                // Dropped (unless kept) before the second input is added,
                // so that the merge reuses its memory instead of faulting
                // in fresh pages.
                kept_if(!rereadable(&list[first_i]), kept, first_i, first);
                m.add(&p);
                kept_if(keep, kept, i, p);
                Phase::Many(m)
            }
            Phase::One(first) => {
                let first_i = self.headers[0].0;
                kept_if(!rereadable(&list[first_i]), kept, first_i, first);
                kept_if(keep, kept, i, p);
                Phase::Mixed
            }
            Phase::Many(mut m) if same => {
                if let Some(pl) = &self.same_plan {
                    apply_plan(pl, &mut p);
                }
                m.add(&p);
                kept_if(keep, kept, i, p);
                Phase::Many(m)
            }
            Phase::Many(_) | Phase::Mixed => {
                kept_if(keep, kept, i, p);
                Phase::Mixed
            }
        };
        Ok(())
    }

    /// The chunk's combined profile ([`Acc::Empty`] when none of its inputs
    /// loaded); its merger left unfinished when finishing would not change
    /// it (see [`settle`]).
    fn finish(
        self,
        list: &[String],
        opts: &LoadOptions,
        so: StreamOptions,
        progress: &Progress,
    ) -> Result<Acc, SourceError> {
        Ok(match self.phase {
            Phase::Start => Acc::Empty,
            Phase::One(p) => Acc::Profile(p),
            Phase::Many(m) => settle(m),
            Phase::Mixed => Acc::Profile(merge_mixed(
                list,
                &self.headers,
                self.kept,
                opts,
                so,
                progress,
                self.one_thread,
            )?),
        })
    }
}

fn kept_if(keep: bool, kept: &mut HashMap<usize, Profile>, i: usize, p: Profile) {
    if keep {
        kept.insert(i, p);
    }
}

fn skip_or_fail(
    so: StreamOptions,
    source: &str,
    error: LoadError,
    out: &mut Streamed,
) -> Result<(), SourceError> {
    if !so.skip_bad {
        return Err(SourceError::Load {
            source: source.to_string(),
            error,
        });
    }
    out.skipped.push(Skipped {
        source: source.to_string(),
        error,
    });
    Ok(())
}

/// The second pass over a chunk whose headers differ: plan from all
/// headers, then load each input again (or take the one kept), apply its
/// plan and merge it.
fn merge_mixed(
    list: &[String],
    headers: &[(usize, TypeHeader)],
    mut kept: HashMap<usize, Profile>,
    opts: &LoadOptions,
    so: StreamOptions,
    progress: &Progress,
    one_thread: bool,
) -> Result<Profile, SourceError> {
    let hs: Vec<TypeHeader> = headers.iter().map(|(_, h)| h.clone()).collect();
    let plans = plan(&hs)?;
    let reload: Vec<usize> = headers
        .iter()
        .map(|(i, _)| *i)
        .filter(|i| !kept.contains_key(i))
        .collect();
    progress.add_total(reload.len());
    let mut merger: Option<Merger> = None;
    let mut single: Option<Profile> = None;
    let mut next = 0usize;
    let mut take = |p: Profile| -> Result<(), SourceError> {
        let (i, h) = &headers[next];
        let mut p = p;
        if so.ensure_mapping {
            p.ensure_mapping();
        }
        if TypeHeader::of(&p) != *h {
            return Err(SourceError::Load {
                source: list[*i].clone(),
                error: LoadError::Io(std::io::Error::other(
                    "changed while the profiles were being merged",
                )),
            });
        }
        apply_plan(&plans[next], &mut p);
        next += 1;
        if headers.len() == 1 {
            single = Some(p);
            return Ok(());
        }
        match &mut merger {
            None => {
                let mut m = merger_for(&p, one_thread);
                m.add(&p);
                merger = Some(m);
            }
            Some(m) => {
                m.check(&p)?;
                m.add(&p);
            }
        }
        Ok(())
    };
    // Inputs kept in memory and inputs read again, merged in source order.
    let mut flush_kept = |upto: usize,
                          take: &mut dyn FnMut(Profile) -> Result<(), SourceError>|
     -> Result<(), SourceError> {
        for (i, _) in headers {
            if *i >= upto {
                break;
            }
            if let Some(p) = kept.remove(i) {
                take(p)?;
            }
        }
        Ok(())
    };
    load_in_order(list, &reload, opts, |i, r| {
        progress.step();
        flush_kept(i, &mut take)?;
        match r {
            Ok(p) => take(p),
            Err(error) => Err(SourceError::Load {
                source: list[i].clone(),
                error,
            }),
        }
    })?;
    flush_kept(usize::MAX, &mut take)?;
    match (single, merger) {
        (Some(p), _) => Ok(p),
        (None, Some(m)) => Ok(m.finish()),
        (None, None) => Err(merge::MergeError::NoCommonSampleTypes.into()),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The number of loading threads: the available parallelism, at most 4.
fn loader_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
}

/// This many profiles may always be loaded and not yet merged at a time
/// (one per loading thread and one more).
fn loader_window() -> usize {
    loader_threads() + 1
}

/// More profiles than [`loader_window`] may wait to be merged, up to this
/// many, while their files come to at most [`LOAD_AHEAD_BYTES`].
///
/// Inputs differ in size (a fleet's, and the benchmark's: one large
/// profile, then two small ones, in turn), so with room for only a few the
/// loaders stopped whenever the merge was busy with a large one, and the
/// merge waited whenever they were busy. merge-300, 4 runs each: median
/// wall 1.38 s with 3 profiles ahead, 1.15 s with 8, 1.08 s with 16, 1.14 s
/// with 32; peak RSS 122, 141, 175, 240 MiB.
const LOAD_AHEAD: usize = 16;

/// The file bytes (gzipped, as stored) of the profiles loaded ahead of the
/// merge beyond [`loader_window`]: decoded, a profile takes a few times its
/// file's size, so memory stays bounded for large inputs too.
const LOAD_AHEAD_BYTES: u64 = 32 << 20;

/// Whether one more profile may start loading while `ahead` are loaded or
/// loading and not yet merged, their files `bytes` in all, the next file
/// `next` bytes: always within `window`, and beyond it up to [`LOAD_AHEAD`]
/// profiles while the files stay within [`LOAD_AHEAD_BYTES`].
fn may_load_next(ahead: usize, window: usize, bytes: u64, next: u64) -> bool {
    ahead < window || (ahead < LOAD_AHEAD && bytes.saturating_add(next) <= LOAD_AHEAD_BYTES)
}

/// What a source counts for against [`LOAD_AHEAD_BYTES`]: its file's size,
/// or a quarter of the budget for what is not a file (standard input, a URL).
fn load_weight(src: &str) -> u64 {
    std::fs::metadata(src)
        .ok()
        .filter(|m| m.is_file())
        .map_or(LOAD_AHEAD_BYTES / 4, |m| m.len())
}

/// Loads the sources `items` (indices into `list`) on a few threads and
/// hands each result to `f` in order, on the calling thread. At most
/// [`LOAD_AHEAD`] profiles are loaded ahead of `f`, and beyond one per
/// thread only while their files come to [`LOAD_AHEAD_BYTES`], so memory
/// is bounded however long the list. An error from `f` stops
/// the loading and is returned.
pub fn load_in_order(
    list: &[String],
    items: &[usize],
    opts: &LoadOptions,
    mut f: impl FnMut(usize, Result<Profile, LoadError>) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    if items.is_empty() {
        return Ok(());
    }
    let threads = loader_threads().min(items.len()).max(1);
    let window = threads + 1;
    debug_assert!(window <= loader_window());
    let weights: Vec<u64> = if items.len() > window {
        items.iter().map(|&i| load_weight(&list[i])).collect()
    } else {
        vec![0; items.len()]
    };
    struct State {
        next: usize,
        consumed: usize,
        /// The weights of the items started and not yet consumed.
        ahead: u64,
        ready: HashMap<usize, Result<Profile, LoadError>>,
        stop: bool,
    }
    let state = Mutex::new(State {
        next: 0,
        consumed: 0,
        ahead: 0,
        ready: HashMap::new(),
        stop: false,
    });
    let may_start =
        |st: &State| may_load_next(st.next - st.consumed, window, st.ahead, weights[st.next]);
    let (space, ready) = (Condvar::new(), Condvar::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut st = lock(&state);
                    loop {
                        if st.stop || st.next >= items.len() {
                            return;
                        }
                        if may_start(&st) {
                            st.ahead += weights[st.next];
                            st.next += 1;
                            break st.next - 1;
                        }
                        st = space.wait(st).unwrap_or_else(PoisonError::into_inner);
                    }
                };
                let src = &list[items[i]];
                let r = catch_unwind(AssertUnwindSafe(|| super::load_one(src, opts)))
                    .unwrap_or_else(|_| {
                        Err(LoadError::Io(std::io::Error::other(
                            "internal error while loading",
                        )))
                    });
                lock(&state).ready.insert(i, r);
                ready.notify_all();
            });
        }
        let mut run = || -> Result<(), SourceError> {
            for (i, &item) in items.iter().enumerate() {
                let r = {
                    let mut st = lock(&state);
                    loop {
                        if let Some(r) = st.ready.remove(&i) {
                            st.consumed = i + 1;
                            st.ahead -= weights[i];
                            break r;
                        }
                        st = ready.wait(st).unwrap_or_else(PoisonError::into_inner);
                    }
                };
                space.notify_all();
                f(item, r)?;
            }
            Ok(())
        };
        // However `run` ends, by an error, a panic in `f` or every item
        // taken, the loaders are told to stop: the scope waits for them,
        // and one waiting for room would otherwise wait for ever.
        struct StopLoaders<'a>(&'a Mutex<State>, &'a Condvar);
        impl Drop for StopLoaders<'_> {
            fn drop(&mut self) {
                lock(self.0).stop = true;
                self.1.notify_all();
            }
        }
        let _stop = StopLoaders(&state, &space);
        run()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_load_ahead_within_the_window_always_and_beyond_it_within_the_budget() {
        let mb = 1 << 20;
        // Within the window: whatever the files weigh.
        assert!(may_load_next(2, 3, 10 * LOAD_AHEAD_BYTES, LOAD_AHEAD_BYTES));
        // Beyond it: while the files fit, and never past LOAD_AHEAD.
        assert!(may_load_next(3, 3, 20 * mb, 12 * mb));
        assert!(!may_load_next(3, 3, 20 * mb, 13 * mb));
        assert!(may_load_next(LOAD_AHEAD - 1, 3, 0, 0));
        assert!(!may_load_next(LOAD_AHEAD, 3, 0, 0));
        assert!(!may_load_next(5, 3, u64::MAX, 1));
    }

    /// `n` copies of a one-sample profile in a fresh directory (removed
    /// when it drops), as sources.
    fn sources(n: usize) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = crate::model::fixture::encoded(&[&[1]], &[(&[1], 1)]);
        let list = (0..n)
            .map(|i| {
                let path = dir.path().join(format!("{i:02}.pb"));
                std::fs::write(&path, &bytes).unwrap();
                path.to_string_lossy().into_owned()
            })
            .collect();
        (dir, list)
    }

    #[test]
    fn a_panic_while_merging_stops_the_loaders_instead_of_hanging() {
        let (dir, list) = sources(40);
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = std::thread::spawn(move || {
            let items: Vec<usize> = (0..list.len()).collect();
            let r = catch_unwind(AssertUnwindSafe(|| {
                load_in_order(&list, &items, &LoadOptions::default(), |i, _| {
                    assert!(i != 5, "a merge that fails at the sixth input");
                    Ok(())
                })
            }));
            tx.send(r.is_err()).unwrap();
        });
        let panicked = rx.recv_timeout(std::time::Duration::from_secs(60));
        drop(dir);
        assert_eq!(panicked, Ok(true), "the panic reached the caller");
        worker.join().unwrap();
    }

    #[test]
    fn many_sources_arrive_in_order_and_a_bad_one_with_its_error() {
        let (_dir, list) = sources(40);
        // Source 17 is not a profile.
        std::fs::write(&list[17], b"junk").unwrap();
        let items: Vec<usize> = (0..list.len()).collect();
        let mut seen = Vec::new();
        load_in_order(&list, &items, &LoadOptions::default(), |i, r| {
            assert_eq!(r.is_err(), i == 17, "source {i}");
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, items);
    }
}
