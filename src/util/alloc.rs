//! A global allocator that can ask Linux for transparent huge pages on
//! mid-sized blocks: off unless `PPROFX_HUGEPAGES=1` is set.
//!
//! The tables a report looks up at random (node slots, location-to-node
//! maps, hash tables of a few megabytes) miss the TLB on nearly every access
//! with 4 KiB pages once they outgrow a few megabytes. With the hint on,
//! [`HugePages`] passes every request to the system allocator and, for
//! blocks from [`HugePages::THRESHOLD`] to [`HugePages::MAX`] bytes, marks
//! their whole 2 MiB pages `MADV_HUGEPAGE`, so the kernel backs them with
//! huge pages where it can (under `madvise` or `always`; under `never` the
//! hint is ignored). Larger blocks (the inflated input, the frame arena)
//! are read and written front to back and never get it.
//!
//! The hint is off by default because on the virtual machine of
//! BENCHMARKS.md a huge page costs far more to fault in than it saves. Its
//! free memory goes back to the host a few seconds after it is freed, so a
//! command run after a pause (as people run them) finds its huge pages
//! cold: each fault waits for the host to back 2 MiB afresh, and with
//! `defrag=madvise` the kernel may compact memory first. Run after 3 s of
//! idle, four times each, hint on against off (median wall time): `top` of
//! the 1M-sample profile 0.55 against 0.46 s, of the 150k-sample one 0.155
//! against 0.125 s, `top -base` of the two 300k-record heap profiles 0.99
//! against 0.55 s, the merge of two 200k-sample profiles 0.87 against
//! 0.565 s, the merge of 300 profiles 1.245 against 1.15 s; run back to
//! back, the two were even. (Earlier machines measured the hint at 8–18 ms
//! saved on `top` of the 150k-sample profile, run back to back.)
//! `PPROFX_HUGEPAGES=1` in the environment turns it on (read once, with
//! `getenv`, which does not allocate). Elsewhere than Linux it is the
//! system allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicU8, Ordering};

/// The system allocator, with huge-page hints on mid-sized blocks when
/// `PPROFX_HUGEPAGES=1` (see the module docs).
pub struct HugePages;

impl HugePages {
    /// Blocks at least this large get the hint.
    pub const THRESHOLD: usize = 2 << 20;
    /// Blocks larger than this do not (filled front to back, they gain
    /// little from huge pages: see the module docs).
    pub const MAX: usize = 64 << 20;
}

// SAFETY: every call is forwarded unchanged to `System`; the hint only
// changes how the kernel backs pages the block already owns.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if new_size > layout.size() {
            advise(p, new_size);
        }
        p
    }
}

/// Whether the hint is wanted: 0 not known yet, 1 yes, 2 no.
#[cfg(target_os = "linux")]
static WANTED: AtomicU8 = AtomicU8::new(0);

/// True when `PPROFX_HUGEPAGES=1` is set.
#[cfg(target_os = "linux")]
fn wanted() -> bool {
    match WANTED.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            // SAFETY: getenv reads the environment without allocating; the
            // name is NUL-terminated, and the value is only read here, at
            // once (no thread of pprofx changes the environment).
            let on = unsafe {
                let v = libc::getenv(c"PPROFX_HUGEPAGES".as_ptr());
                !v.is_null() && *v == b'1' as libc::c_char && *v.add(1) == 0
            };
            WANTED.store(if on { 1 } else { 2 }, Ordering::Relaxed);
            on
        }
    }
}

/// Marks the 2 MiB pages inside `[p, p + size)` for huge pages, if `size`
/// is in the hinted range.
#[inline]
fn advise(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if (HugePages::THRESHOLD..=HugePages::MAX).contains(&size) && !p.is_null() && wanted() {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + size) & !(HUGE - 1);
        if end > start {
            // SAFETY: the range lies inside a block the allocator just
            // handed out; madvise with MADV_HUGEPAGE changes no contents and
            // its failure is harmless, so the result is ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, size);
}

/// Returns the allocator's free memory to the system where it can (glibc's
/// `malloc_trim`: every arena, free pages inside the heap included). Long
/// running servers call it after freeing a large structure; memory freed
/// on one thread's arena is otherwise kept for that arena alone.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Keeps the memory pprofx frees for its own later blocks, on any thread,
/// instead of handing it back to the kernel (glibc: one arena for every
/// thread, blocks of up to 32 MiB from the heap, and free memory at the
/// heap's top kept up to 1 GiB). Called before profiles are combined.
///
/// Combining frees and allocates large blocks over and over: each input
/// is inflated and decoded into buffers of megabytes, merged, and dropped,
/// and the merge then grows its own arrays. glibc otherwise maps such
/// blocks afresh each time, and every page is faulted in and zeroed again,
/// which on a virtual machine that hands freed memory back to its host
/// costs 1.5–2 µs a page. With one arena, what a loading thread frees is
/// there for the merging thread too. Measured on the merge of 300
/// profiles (the thresholds alone, when only that merge asked for them):
/// page faults 52-79k -> 25k, system time 0.34-0.56 s -> 0.15-0.17 s, wall
/// time about a tenth less, peak RSS 77-81 MiB -> 134-137 MiB. With one
/// arena too, asked for whenever profiles are combined, interleaved pairs
/// (medians): merge 2×200k 0.570 -> 0.550 s, CPU 0.900 -> 0.835 s, page
/// faults 76-78k -> 59-60k (the thresholds alone gained nothing there, and
/// one arena alone about a third as much); `top -base` of the two heap
/// profiles 0.620 -> 0.570 s; merge-300 unchanged.
/// Must be called before the threads that combine start, for them to
/// share the one arena.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's limits and thresholds;
    // it is safe to call at any time, from any thread (threads that already
    // have an arena keep it).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
