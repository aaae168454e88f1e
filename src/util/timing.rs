//! Stage timings on standard error when `PPROFX_TIMINGS` is set, for
//! benchmarking the load path and the reports (`pprofx: STAGE: N ms`).

use std::time::Instant;

fn cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Times consecutive stages; does nothing unless `PPROFX_TIMINGS` is set.
pub struct Timer(Option<(Instant, f64)>);

impl Timer {
    /// Starts timing if `PPROFX_TIMINGS` is set.
    pub fn from_env() -> Self {
        Timer(std::env::var_os("PPROFX_TIMINGS").map(|_| (Instant::now(), cpu())))
    }

    /// Prints the time since the last lap (or the start) as `stage`.
    pub fn lap(&mut self, stage: &str) {
        if let Some((t, c)) = self.0 {
            eprintln!(
                "pprofx: {stage}: {:.1} ms (thread cpu {:.1} ms)",
                t.elapsed().as_secs_f64() * 1e3,
                cpu() - c
            );
            self.0 = Some((Instant::now(), cpu()));
        }
    }
}
