//! Splitting work over samples across threads.
//!
//! The hot loops (decoding samples, aggregating stacks, weighing edges) are
//! independent per sample, so they run over consecutive chunks of samples on
//! a few scoped threads and their results are combined in chunk order. All
//! combining is integer addition (or order-independent flags), so the result
//! is the same whatever the number of threads.

/// Runs `f` over consecutive chunks of `0..n` samples, on several threads
/// when `n` is large, and returns the chunks' results in order. The thread
/// count is the available parallelism (at most 4), or `PPROFX_THREADS`.
pub fn in_parallel<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    const MIN_PER_THREAD: usize = 50_000;
    let threads = std::env::var("PPROFX_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |c| c.get().min(4)))
        .clamp(1, (n / MIN_PER_THREAD).max(1));
    if threads == 1 {
        return vec![f(0..n)];
    }
    let per = n.div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * per).min(n)..((t + 1) * per).min(n);
                scope.spawn(move || f(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
