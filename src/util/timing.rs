//! Stage timings on standard error when `PPROFX_TIMINGS` is set, for
//! benchmarking the load path and the reports (`pprofx: STAGE: N ms`).

use std::time::Instant;

/// Times consecutive stages; does nothing unless `PPROFX_TIMINGS` is set.
pub struct Timer(Option<Instant>);

impl Timer {
    /// Starts timing if `PPROFX_TIMINGS` is set.
    pub fn from_env() -> Self {
        Timer(std::env::var_os("PPROFX_TIMINGS").map(|_| Instant::now()))
    }

    /// Prints the time since the last lap (or the start) as `stage`.
    pub fn lap(&mut self, stage: &str) {
        if let Some(t) = self.0 {
            eprintln!("pprofx: {stage}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
            self.0 = Some(Instant::now());
        }
    }
}
