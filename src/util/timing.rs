//! Stage timings on standard error when `PPROFX_TIMINGS` is set, for
//! benchmarking the load path and the reports (`pprofx: STAGE: N ms (cpu M
//! ms) at T ms, rss R MiB`). The CPU time is the whole process's (every
//! thread, user and system) over the stage: on a shared machine it is the
//! steadier figure. R is the resident memory when the stage ended (Linux).
//! `T` is when the stage ended, counted from the first timer started, so that
//! stages on different threads can be put on one time line.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// When the first timer started.
static START: OnceLock<Instant> = OnceLock::new();

/// Times consecutive stages; does nothing unless `PPROFX_TIMINGS` is set.
pub struct Timer(Option<(Instant, Duration)>);

impl Timer {
    /// Starts timing if `PPROFX_TIMINGS` is set.
    pub fn from_env() -> Self {
        Timer(std::env::var_os("PPROFX_TIMINGS").map(|_| {
            let now = Instant::now();
            START.get_or_init(|| now);
            (now, cpu_time())
        }))
    }

    /// Prints the time since the last lap (or the start) as `stage`.
    pub fn lap(&mut self, stage: &str) {
        if let Some((t, cpu)) = self.0 {
            let now = cpu_time();
            crate::note!(
                "pprofx: {stage}: {:.1} ms (cpu {:.1} ms) at {:.0} ms, rss {} MiB",
                t.elapsed().as_secs_f64() * 1e3,
                now.saturating_sub(cpu).as_secs_f64() * 1e3,
                START.get().map_or(0.0, |s| s.elapsed().as_secs_f64() * 1e3),
                resident_mib()
            );
            self.0 = Some((Instant::now(), now));
        }
    }
}

/// The process's resident memory in MiB (0 where unknown).
fn resident_mib() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf only reads a system constant.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
        std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |pages| (pages * page) >> 20)
    }
    #[cfg(not(target_os = "linux"))]
    0
}

/// The process's CPU time so far (user + system, all threads).
fn cpu_time() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the zeroed struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a rusage for this process.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let tv = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
            };
            return tv(u.ru_utime) + tv(u.ru_stime);
        }
    }
    Duration::ZERO
}
