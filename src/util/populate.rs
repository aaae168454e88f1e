//! Faulting a large fresh buffer's pages in on another core while one
//! thread fills it.
//!
//! The first write to each 4 KiB page of a fresh block traps into the
//! kernel, which must find and zero a page; on a virtual machine whose
//! freed memory goes back to the host, that costs 2–4 µs a page (a 604 MB
//! buffer: about half a second). Where one thread fills a buffer front to
//! back while the other cores wait (inflating a single gzip member),
//! [`while_filling`] has a helper thread fault the pages in ahead of it
//! with `MADV_POPULATE_WRITE`, which changes no byte of the buffer: a page
//! the filler has already written is left as it is. Elsewhere than Linux,
//! on one core, on a kernel without the advice (before 5.14) or on a small
//! buffer, the work runs alone.

use std::sync::atomic::{AtomicBool, Ordering};

/// Buffers smaller than this are filled without a helper: their faults
/// cost a few milliseconds at most, and only large inputs were measured.
pub const MIN: usize = 32 << 20;

/// How much the helper faults in per call, so that it stops soon after the
/// filler is done.
const STEP: usize = 4 << 20;

/// Runs `fill(buf)` while another thread faults in the pages of `buf`'s
/// first `ahead` bytes, front to back (see the module docs). `buf` may be
/// uninitialized (`MaybeUninit`): the helper never reads or writes it. `ahead`
/// bounds what a buffer sized from an untrusted claim (a gzip trailer) can
/// cost before the filler finds the claim false: pages past it are only
/// faulted in as they are written.
pub fn while_filling<T, R>(buf: &mut [T], ahead: usize, fill: impl FnOnce(&mut [T]) -> R) -> R {
    let len = std::mem::size_of_val(buf).min(ahead);
    let start = buf.as_mut_ptr() as usize;
    let done = AtomicBool::new(false);
    // On one thread `join` runs the two in turn, and the helper, finding
    // the filler done, returns at once.
    let together = len >= MIN && cfg!(target_os = "linux");
    let (r, ()) = crate::util::parallel::join(
        together,
        || {
            let r = fill(buf);
            done.store(true, Ordering::Relaxed);
            r
        },
        || populate(start, len, &done),
    );
    r
}

/// Faults in the whole pages of `[start, start + len)` in steps until done
/// is set or the advice fails.
fn populate(start: usize, len: usize, done: &AtomicBool) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        const MADV_POPULATE_WRITE: libc::c_int = 23;
        let mut at = start.next_multiple_of(PAGE);
        let end = (start + len) & !(PAGE - 1);
        while at < end && !done.load(Ordering::Relaxed) {
            let n = STEP.min(end - at);
            // SAFETY: the range lies inside a live buffer borrowed for the
            // whole scope; MADV_POPULATE_WRITE only maps its pages writable
            // and changes none of its bytes. A kernel without it answers
            // EINVAL, and the helper stops.
            if unsafe { libc::madvise(at as *mut libc::c_void, n, MADV_POPULATE_WRITE) } != 0 {
                return;
            }
            at += n;
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, len, done);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_leaves_what_the_filler_wrote() {
        let mut buf = vec![0u8; MIN + 12345];
        let sum = while_filling(&mut buf, usize::MAX, |b| {
            for (i, x) in b.iter_mut().enumerate() {
                *x = (i % 251) as u8;
            }
            b.len()
        });
        assert_eq!(sum, MIN + 12345);
        assert!(buf.iter().enumerate().all(|(i, &x)| x == (i % 251) as u8));
    }

    /// How many of the whole pages of `buf[range]` are in memory
    /// (`mincore`), and how many there are.
    #[cfg(target_os = "linux")]
    fn resident(buf: &[u8], range: std::ops::Range<usize>) -> (usize, usize) {
        const PAGE: usize = 4096;
        let start = (buf.as_ptr() as usize + range.start).next_multiple_of(PAGE);
        let end = (buf.as_ptr() as usize + range.end) & !(PAGE - 1);
        let pages = (end - start) / PAGE;
        let mut vec = vec![0u8; pages];
        // SAFETY: the range lies inside `buf`, page-aligned; mincore writes
        // one byte per page into `vec`, which has that many.
        let r = unsafe { libc::mincore(start as *mut libc::c_void, end - start, vec.as_mut_ptr()) };
        assert_eq!(r, 0, "mincore");
        (vec.iter().filter(|&&b| b & 1 != 0).count(), pages)
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_helper_stops_at_its_bound() {
        if crate::util::parallel::max_threads() < 2 {
            return;
        }
        // A buffer sized from a false claim: the filler writes nothing and
        // takes its time, as a failing inflate might.
        let mut buf = vec![0u8; 4 * MIN];
        let (past, pages) = while_filling(&mut buf, MIN, |b| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            resident(b, 2 * MIN..4 * MIN)
        });
        // Unbounded, the helper would have faulted these in long before.
        assert!(pages > 0);
        assert_eq!(past, 0, "pages past the bound faulted in");
    }
}
