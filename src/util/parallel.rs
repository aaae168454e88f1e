//! Splitting work over samples across threads.
//!
//! The hot loops (decoding samples, aggregating stacks, weighing edges) are
//! independent per sample, so they run over consecutive chunks of samples on
//! a few scoped threads and their results are combined in chunk order. All
//! combining is integer addition (or order-independent flags), so the result
//! is the same whatever the number of threads. [`join`] runs two
//! independent passes (say, one over locations and one over samples) at the
//! same time.

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

/// Runs `f` on each job, one thread per job (the first on the calling
/// thread), and returns the results in job order.
pub fn run_each<J: Send, T: Send>(jobs: Vec<J>, f: impl Fn(J) -> T + Sync) -> Vec<T> {
    let mut jobs = jobs.into_iter();
    let Some(first) = jobs.next() else {
        return Vec::new();
    };
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.map(|job| scope.spawn(move || f(job))).collect();
        let mut results = Vec::with_capacity(handles.len() + 1);
        results.push(f(first));
        for h in handles {
            results.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        results
    })
}

/// Runs `a` on the calling thread and `b` on another at the same time, when
/// `together` and more than one thread is allowed; else one after the
/// other. Returns both results.
pub fn join<A, B: Send>(
    together: bool,
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !together || max_threads() < 2 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let hb = scope.spawn(b);
        let ra = a();
        (
            ra,
            hb.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    })
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
