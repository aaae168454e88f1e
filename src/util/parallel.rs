//! Splitting work over samples across threads.
//!
//! The hot loops (decoding samples, aggregating stacks, weighing edges) are
//! independent per sample, so they run over consecutive chunks of samples on
//! a few threads and their results are combined in chunk order. All
//! combining is integer addition (or order-independent flags), so the result
//! is the same whatever the number of threads. [`join`] runs two
//! independent passes (say, one over locations and one over samples) at the
//! same time. Both hand their work to a small pool of threads started once
//! (`pool`), and run what no idle thread takes on the calling thread.

/// Runs `f` over consecutive chunks of `0..n` samples, on several threads
/// when `n` is large, and returns the chunks' results in order. The thread
/// count is the available parallelism (at most 4), or `PPROFX_THREADS`.
pub fn in_parallel<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    run_each(split(n), f)
}

/// Fewest items per thread worth a thread of their own.
const MIN_PER_THREAD: usize = 50_000;

/// The chunks [`in_parallel`] splits `0..n` into: one per thread, in order.
pub fn split(n: usize) -> Vec<std::ops::Range<usize>> {
    split_into(n, threads_for(n))
}

/// Whether [`in_parallel`] runs `0..n` on more than one thread: the size
/// from which other work over as many items is worth a thread too.
pub fn is_split(n: usize) -> bool {
    threads_for(n) > 1
}

/// The threads [`in_parallel`] gives `0..n`.
fn threads_for(n: usize) -> usize {
    max_threads().clamp(1, (n / MIN_PER_THREAD).max(1))
}

/// `0..n` cut into `threads` consecutive ranges of (nearly) equal length.
pub fn split_into(n: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let threads = threads.max(1);
    let per = n.div_ceil(threads);
    (0..threads)
        .map(|t| (t * per).min(n)..((t + 1) * per).min(n))
        .collect()
}

/// Runs `f` on each job, the first on the calling thread and the others
/// on idle workers of the pool ([`pool`]), or on the calling thread too
/// when none is idle, and returns the results in job order. A panic in
/// any job is passed on once every job has ended.
pub fn run_each<J: Send, T: Send>(jobs: Vec<J>, f: impl Fn(J) -> T + Sync) -> Vec<T> {
    let n = jobs.len();
    let results: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let latch = pool::Latch::default();
    let (f, results_ref) = (&f, &results);
    let mut inline = Vec::new();
    let mut jobs = jobs.into_iter().enumerate();
    let first = jobs.next();
    for (i, job) in jobs {
        let task = move || {
            let r = f(job);
            *results_ref[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        };
        if let Err(task) = pool::hand(&latch, task) {
            inline.push(task);
        }
    }
    let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some((_, job)) = first {
            let r = f(job);
            *results[0].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
        for task in inline {
            task();
        }
    }));
    // Every task handed out borrows this frame: wait for them all, even
    // when a job of this thread panicked.
    let theirs = latch.wait();
    if let Err(e) = mine {
        std::panic::resume_unwind(e);
    }
    if let Some(e) = theirs {
        std::panic::resume_unwind(e);
    }
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every job ran")
        })
        .collect()
}

/// Runs `a` on the calling thread and `b` on an idle worker of the pool at
/// the same time, when `together` and one is idle; else one after the
/// other. Returns both results.
pub fn join<A, B: Send>(
    together: bool,
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !together || max_threads() < 2 {
        return (a(), b());
    }
    let slot = std::sync::Mutex::new(None);
    let latch = pool::Latch::default();
    let slot_ref = &slot;
    let handed = pool::hand(&latch, move || {
        *slot_ref.lock().unwrap_or_else(|e| e.into_inner()) = Some(b());
    });
    let ra = std::panic::catch_unwind(std::panic::AssertUnwindSafe(a));
    let theirs = latch.wait();
    let ra = ra.unwrap_or_else(|e| std::panic::resume_unwind(e));
    if let Some(e) = theirs {
        std::panic::resume_unwind(e);
    }
    if let Err(b) = handed {
        b();
    }
    let rb = slot
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .expect("b ran");
    (ra, rb)
}

/// The workers [`run_each`] and [`join`] hand jobs to: threads started
/// once, on first use, that sleep until given a task.
///
/// A thread started for each job, as before, was often put on the core of
/// the thread that started it while the other core sat idle, and ran only
/// once that thread was done with its own part (a merge's passes over
/// 200k samples: half of them ran one part after the other). A sleeping
/// worker woken up is put on an idle core.
///
/// There are as many workers as [`max_threads`]: one fewer left a merge's
/// two loaders, each decoding its input in two parts, one worker between
/// them, and one loader ran both its parts in turn (merge 2×200k: the
/// inputs loaded 9 ms later).
mod pool {
    use std::any::Any;
    use std::sync::{Condvar, Mutex, OnceLock, PoisonError};

    /// A task with its borrows' lifetime erased (see [`hand`]).
    type Task = Box<dyn FnOnce() + Send + 'static>;

    /// What a panic left: its payload.
    type Payload = Box<dyn Any + Send + 'static>;

    /// Counts the tasks handed out for one call and keeps the first panic.
    #[derive(Default)]
    pub(super) struct Latch {
        state: Mutex<(usize, Option<Payload>)>,
        done: Condvar,
    }

    impl Latch {
        /// Waits until every task handed out with this latch has ended;
        /// returns the first panic's payload, if one panicked.
        pub(super) fn wait(&self) -> Option<Payload> {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            while s.0 > 0 {
                s = self.done.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
            s.1.take()
        }

        fn finish(&self, panic: Option<Payload>) {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.0 -= 1;
            if s.1.is_none() {
                s.1 = panic;
            }
            if s.0 == 0 {
                self.done.notify_all();
            }
        }
    }

    /// One worker: its next task, and whether a caller has claimed it.
    struct Worker {
        next: Mutex<(bool, Option<Task>)>,
        wake: Condvar,
    }

    fn workers() -> &'static [Worker] {
        static WORKERS: OnceLock<&'static [Worker]> = OnceLock::new();
        WORKERS.get_or_init(|| {
            let count = super::max_threads();
            let all: &'static [Worker] = Vec::leak(
                (0..count)
                    .map(|_| Worker {
                        next: Mutex::new((false, None)),
                        wake: Condvar::new(),
                    })
                    .collect(),
            );
            for w in all {
                let run = std::thread::Builder::new()
                    .name("pprofx-worker".into())
                    .spawn(move || work(w));
                if run.is_err() {
                    // Never claimed: `hand` skips a worker marked busy.
                    w.next.lock().unwrap_or_else(PoisonError::into_inner).0 = true;
                }
            }
            all
        })
    }

    fn work(w: &'static Worker) {
        loop {
            let task = {
                let mut next = w.next.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if let Some(t) = next.1.take() {
                        break t;
                    }
                    next = w.wake.wait(next).unwrap_or_else(PoisonError::into_inner);
                }
            };
            task();
            w.next.lock().unwrap_or_else(PoisonError::into_inner).0 = false;
        }
    }

    /// Gives `task` to an idle worker, counted by `latch`, or gives it back
    /// when every worker is busy (the caller then runs it itself, so that a
    /// job that hands out jobs never waits for a worker).
    ///
    /// The task may borrow from the caller's frame: the caller must call
    /// `latch.wait()` before that frame ends, on every path (a panic too),
    /// which [`super::run_each`] and [`super::join`] do.
    pub(super) fn hand<'a, F: FnOnce() + Send + 'a>(latch: &'a Latch, task: F) -> Result<(), F> {
        if super::max_threads() < 2 {
            return Err(task);
        }
        let Some(w) = workers().iter().find(|w| {
            let mut next = w.next.lock().unwrap_or_else(PoisonError::into_inner);
            !std::mem::replace(&mut next.0, true)
        }) else {
            return Err(task);
        };
        latch.state.lock().unwrap_or_else(PoisonError::into_inner).0 += 1;
        let wrapped: Box<dyn FnOnce() + Send + 'a> = Box::new(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            latch.finish(r.err());
        });
        // SAFETY: only the lifetime is changed. The task borrows data of
        // lifetime 'a (the latch among it), and the caller waits on the
        // latch before 'a ends (see above), by which time the worker has
        // run the task and dropped it: `finish` is its last use of a borrow.
        let task: Task = unsafe { std::mem::transmute(wrapped) };
        let mut next = w.next.lock().unwrap_or_else(PoisonError::into_inner);
        next.1 = Some(task);
        w.wake.notify_one();
        Ok(())
    }
}

/// The thread count for large inputs: `PPROFX_THREADS`, else the available
/// parallelism (at most 4). Asked once: finding the parallelism reads the
/// cgroup files on every call.
pub fn max_threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::env::var("PPROFX_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |c| c.get().min(4)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_both_results_together_or_in_turn() {
        for together in [true, false] {
            let data: Vec<u64> = (1..=1000).collect();
            let (a, b) = join(
                together,
                || data.iter().sum::<u64>(),
                || data.iter().map(|x| x * x).sum::<u64>(),
            );
            assert_eq!((a, b), (500_500, 333_833_500), "together: {together}");
        }
    }

    #[test]
    fn join_passes_a_panic_of_the_second_on() {
        let r = std::panic::catch_unwind(|| join(true, || 1, || -> u32 { panic!("b failed") }));
        assert!(r.is_err());
    }

    #[test]
    fn run_each_returns_every_result_in_job_order() {
        // More jobs than workers: the rest run on the calling thread.
        for jobs in [0usize, 1, 2, 3, 17] {
            let got = run_each((0..jobs).collect(), |j| j * 10);
            assert_eq!(got, (0..jobs).map(|j| j * 10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn jobs_that_hand_out_jobs_finish() {
        // Every worker may be busy with an outer job: the inner ones then
        // run on the thread that asked, never waiting for a worker.
        let got = run_each((0..4u64).collect(), |i| {
            let inner = run_each((0..4u64).collect(), |j| {
                let (a, b) = join(true, || i * j, || i + j);
                a + b
            });
            inner.iter().sum::<u64>()
        });
        let want: Vec<u64> = (0..4u64)
            .map(|i| (0..4u64).map(|j| i * j + i + j).sum())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_panic_in_a_job_is_passed_on_and_the_pool_still_works() {
        let r = std::panic::catch_unwind(|| {
            run_each(vec![0, 1, 2, 3], |j| {
                if j == 2 {
                    panic!("job 2 failed");
                }
                j
            })
        });
        let e = r.expect_err("the panic is passed on");
        assert_eq!(e.downcast_ref::<&str>(), Some(&"job 2 failed"));
        for _ in 0..3 {
            assert_eq!(run_each(vec![1, 2, 3], |j| j + 1), [2, 3, 4]);
        }
    }

    #[test]
    fn callers_on_several_threads_share_the_pool() {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4u64)
                .map(|t| {
                    s.spawn(move || {
                        (0..50u64)
                            .map(|k| run_each(vec![t, k, t + k], |x| x * 2).iter().sum::<u64>())
                            .sum::<u64>()
                    })
                })
                .collect();
            for (t, h) in handles.into_iter().enumerate() {
                let t = t as u64;
                let want: u64 = (0..50u64).map(|k| 2 * (t + k + t + k)).sum();
                assert_eq!(h.join().unwrap(), want);
            }
        });
    }

    #[test]
    fn is_split_says_whether_in_parallel_uses_several_threads() {
        for n in [0, 1, 49_999, 50_000, 99_999, 100_000, 1_000_000] {
            assert_eq!(is_split(n), split(n).len() > 1, "{n}");
        }
        assert!(!is_split(MIN_PER_THREAD * 2 - 1));
        assert_eq!(is_split(MIN_PER_THREAD * 2), max_threads() > 1);
    }

    #[test]
    fn split_into_covers_the_range_in_order() {
        for (n, t) in [(0, 2), (1, 2), (10, 3), (7, 1), (5, 8)] {
            let ranges = split_into(n, t);
            assert_eq!(ranges.len(), t);
            let flat: Vec<usize> = ranges.into_iter().flatten().collect();
            assert_eq!(flat, (0..n).collect::<Vec<_>>(), "n {n} t {t}");
        }
    }
}
