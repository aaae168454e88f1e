//! A global allocator that asks Linux for transparent huge pages on
//! mid-sized blocks.
//!
//! The tables a report looks up at random (node slots, location-to-node
//! maps, hash tables of a few megabytes) miss the TLB on nearly every access
//! with 4 KiB pages once they outgrow a few megabytes. [`HugePages`] passes
//! every request to the system allocator and, for blocks from
//! [`HugePages::THRESHOLD`] to [`HugePages::MAX`] bytes, marks their whole
//! 2 MiB pages `MADV_HUGEPAGE`, so the kernel backs them with huge pages
//! where it can (under `madvise` or `always`; under `never` the hint is
//! ignored).
//!
//! Larger blocks (the inflated input, the frame arena) are read and written
//! front to back, so huge pages save them little, and on a virtual machine
//! they can cost a great deal: free 2 MiB blocks are the ones the guest
//! hands back to the host, so a huge-page fault often waits for the host to
//! back 2 MiB afresh, and with `defrag=madvise` it may compact memory
//! first. Measured on the 2-core machine of BENCHMARKS.md, `top` of the
//! 5M-sample profile took 4.1–6.9 s (3.4–6.2 s of it in the kernel) with
//! every large block hinted, and 2.6–3.0 s with the hint kept to blocks of
//! at most 64 MiB, as fast as with no hint at all; the 1M-sample profile
//! keeps its huge-page speed. `PPROFX_HUGEPAGES=0` in the environment turns
//! the hint off (read once, with `getenv`, which does not allocate).
//! Elsewhere than Linux it is the system allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicU8, Ordering};

/// The system allocator, with huge-page hints on large blocks (see the module docs).
pub struct HugePages;

impl HugePages {
    /// Blocks at least this large get the hint.
    pub const THRESHOLD: usize = 2 << 20;
    /// Blocks larger than this do not (see the module docs).
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

/// False when `PPROFX_HUGEPAGES=0` is set.
#[cfg(target_os = "linux")]
fn wanted() -> bool {
    match WANTED.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            // SAFETY: getenv reads the environment without allocating; the
            // name is NUL-terminated, and the value is only read here, at
            // once (no thread of pprofx changes the environment).
            let off = unsafe {
                let v = libc::getenv(c"PPROFX_HUGEPAGES".as_ptr());
                !v.is_null() && *v == b'0' as libc::c_char && *v.add(1) == 0
            };
            WANTED.store(if off { 2 } else { 1 }, Ordering::Relaxed);
            !off
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

/// Keeps the memory pprofx frees for its own later blocks instead of
/// handing it back to the kernel (glibc: blocks of up to 32 MiB come from
/// the heap, and free memory at the heap's top is kept up to 1 GiB).
///
/// For work that frees and allocates blocks of the same sizes over and over
/// (merging many inputs, each decoded into buffers of a few megabytes and
/// dropped after its merge): glibc otherwise maps such blocks afresh each
/// time, and every page of every input is faulted in and zeroed by the
/// kernel again. Memory stays bounded by the largest working set, not by
/// the number of inputs. Measured on the merge of 300 profiles: page faults
/// 52-79k -> 25k, system time 0.34-0.56 s -> 0.15-0.17 s, wall time about a
/// tenth less, peak RSS 77-81 MiB -> 134-137 MiB; on a merge of two inputs,
/// where nothing is freed before the other is loaded, it gained nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes two of the allocator's thresholds; it
    // is safe to call at any time, from any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
