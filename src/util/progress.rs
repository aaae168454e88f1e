//! A one-line progress bar on stderr for long jobs over many inputs.
//!
//! It shows only when stderr is a terminal and the job has already taken a
//! while (one second, or `PPROFX_PROGRESS_AFTER_MS`), redraws at most ten
//! times a second, and erases itself when the job ends, so that scripts,
//! pipes and quick runs never see it. The bar is coloured unless `NO_COLOR`
//! is set (to anything but the empty string).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A progress bar over `total` steps (see the module doc). Steps can be
/// counted from several threads.
pub struct Progress {
    what: &'static str,
    total: AtomicUsize,
    done: AtomicUsize,
    start: Instant,
    after: Duration,
    enabled: bool,
    color: bool,
    /// When the bar was last drawn, and whether it is on screen.
    drawn: Mutex<(Option<Instant>, bool)>,
}

impl Progress {
    /// A bar for `total` steps of `what` ("profiles"); it draws nothing
    /// unless stderr is a terminal.
    pub fn new(what: &'static str, total: usize) -> Progress {
        let after = std::env::var("PPROFX_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Progress {
            what,
            total: AtomicUsize::new(total),
            done: AtomicUsize::new(0),
            start: Instant::now(),
            after,
            enabled: std::io::stderr().is_terminal(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            drawn: Mutex::new((None, false)),
        }
    }

    /// A bar that never draws.
    pub fn hidden() -> Progress {
        let mut p = Progress::new("", 0);
        p.enabled = false;
        p
    }

    /// More steps than first thought (a second pass over some inputs).
    pub fn add_total(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    /// One more step is finished: redraws if it is time to.
    pub fn step(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.start;
        if elapsed < self.after {
            return;
        }
        let mut drawn = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
        if drawn
            .0
            .is_some_and(|t| now - t < Duration::from_millis(100))
        {
            return;
        }
        let total = self.total.load(Ordering::Relaxed);
        let line = render(
            self.what,
            done,
            total,
            elapsed,
            terminal_width(),
            self.color,
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        *drawn = (Some(now), true);
    }

    /// Erases the bar if it was drawn.
    pub fn finish(&self) {
        let mut drawn = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
        if drawn.1 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            drawn.1 = false;
        }
    }

    /// Whether the bar is on screen.
    #[cfg(test)]
    fn shown(&self) -> bool {
        self.drawn.lock().unwrap_or_else(PoisonError::into_inner).1
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The terminal's width from `COLUMNS`, else 80.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&w: &usize| w >= 20)
        .unwrap_or(80)
}

/// The bar's text: `[#####.....] 1,234/10,000 profiles  12.3 s, ~5 s left`,
/// fitted to `width` columns (the escape codes of the colour not counted).
pub fn render(
    what: &str,
    done: usize,
    total: usize,
    elapsed: Duration,
    width: usize,
    color: bool,
) -> String {
    let secs = elapsed.as_secs_f64();
    let mut tail = format!(
        " {}/{} {what}  {secs:.1} s",
        group(done),
        group(total.max(done))
    );
    if done > 0 && done < total {
        let left = secs / done as f64 * (total - done) as f64;
        tail.push_str(&format!(", ~{left:.0} s left"));
    }
    let bar = width.saturating_sub(tail.chars().count() + 3).min(40);
    if bar < 5 {
        return tail.trim_start().to_string();
    }
    let filled = (bar * done.min(total)).checked_div(total).unwrap_or(bar);
    let (on, off) = if color {
        ("\x1b[36m", "\x1b[0m")
    } else {
        ("", "")
    };
    format!(
        "[{on}{}{off}{}]{tail}",
        "#".repeat(filled),
        ".".repeat(bar - filled)
    )
}

/// `1234567` as `1,234,567`.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_bar_that_fits() {
        let s = render("profiles", 2500, 10_000, Duration::from_secs(5), 80, false);
        assert!(
            s.ends_with("] 2,500/10,000 profiles  5.0 s, ~15 s left"),
            "{s}"
        );
        assert_eq!(s.chars().count(), 79, "one column left free: {s}");
        let (on, off) = (s.matches('#').count(), s.matches('.').count() - 1);
        assert_eq!(on, (on + off) / 4, "a quarter done: {s}");
        let narrow = render("profiles", 1, 3, Duration::ZERO, 20, false);
        assert_eq!(narrow, "1/3 profiles  0.0 s, ~0 s left");
    }

    #[test]
    fn colour_only_without_no_color() {
        let c = render("profiles", 1, 2, Duration::from_secs(1), 80, true);
        assert!(c.contains("\x1b[36m"));
        let plain = render("profiles", 1, 2, Duration::from_secs(1), 80, false);
        assert!(!plain.contains('\x1b'));
    }

    #[test]
    fn a_hidden_bar_draws_nothing() {
        let p = Progress::hidden();
        p.step();
        assert!(!p.shown());
    }
}
