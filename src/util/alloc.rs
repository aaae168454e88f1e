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
//!
//! It also gives the few large arrays that grow input by input (the merged
//! stacks) mappings of their own when [`reserve_movable`] asks, so that
//! growing them moves pages instead of copying them.

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
        #[cfg(target_os = "linux")]
        if movable::wanted(layout.size(), layout.align()) {
            let p = movable::map(layout.size());
            if !p.is_null() {
                advise(p, layout.size());
                return p;
            }
        }
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
        #[cfg(target_os = "linux")]
        if let Some(slot) = movable::entry(ptr, layout.size()) {
            movable::unmap(slot, ptr, layout.size());
            return;
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        #[cfg(target_os = "linux")]
        {
            let mapped = movable::entry(ptr, layout.size());
            let wanted = movable::wanted(new_size, layout.align());
            if let Some(slot) = mapped.filter(|_| new_size >= MOVABLE_FROM) {
                let p = movable::remap(slot, ptr, layout.size(), new_size);
                if !p.is_null() {
                    advise(p, new_size);
                    return p;
                }
            }
            if mapped.is_some() || wanted {
                // Into a mapping of its own, or out of one: into the heap
                // when shrunk below the size the table is looked in for,
                // into a new block when the kernel would not move it.
                // SAFETY: the new layout is valid (the caller's guarantee
                // for `realloc`), and both blocks hold the smaller size.
                unsafe {
                    let new = Layout::from_size_align_unchecked(new_size, layout.align());
                    let p = self.alloc(new);
                    if !p.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    return p;
                }
            }
        }
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

/// Blocks from this size that [`reserve_movable`] asks for are mapped on
/// their own ([`movable`]).
const MOVABLE_FROM: usize = 8 << 20;

/// The allocator's threshold for blocks mapped on their own
/// ([`keep_freed_memory`]).
const MAPPED_FROM: usize = 32 << 20;

/// Reserves room in `v` for `additional` more items, as `Vec::reserve`
/// does, in a block of its own mapping when it is large (from
/// [`MOVABLE_FROM`] bytes) and pprofx's allocator is [`HugePages`]. Growing
/// such a block again moves its pages to a larger mapping (`mremap`),
/// where a block inside glibc's heap is copied into fresh pages: the merged
/// stacks of merge 2×200k, 19 MB copied and 5k pages faulted in at the
/// second input, 17–25 ms. glibc maps blocks of [`MAPPED_FROM`] bytes on
/// their own too, but serves them from a free block of its heap when it
/// has one, and a merge keeps the inputs' freed buffers there.
pub fn reserve_movable<T>(v: &mut Vec<T>, additional: usize) {
    if v.capacity() - v.len() >= additional {
        return;
    }
    #[cfg(target_os = "linux")]
    movable::WANTED.with(|w| w.set(true));
    v.reserve(additional);
    #[cfg(target_os = "linux")]
    movable::WANTED.with(|w| w.set(false));
}

/// Blocks mapped on their own at [`reserve_movable`]'s request: asked for
/// by a flag of the calling thread, and known afterwards by their address
/// in a small table, which only frees and reallocations of blocks of
/// [`MOVABLE_FROM`] bytes or more look in.
#[cfg(target_os = "linux")]
mod movable {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    thread_local! {
        /// Set while [`super::reserve_movable`] grows an array.
        pub(super) static WANTED: Cell<bool> = const { Cell::new(false) };
    }

    /// The blocks' addresses (0: a free entry). A block that finds no free
    /// entry is left to glibc.
    static BLOCKS: [AtomicUsize; 16] = [const { AtomicUsize::new(0) }; 16];

    const PAGE: usize = 4096;

    fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(PAGE)
    }

    /// Whether a block of `size` bytes and `align` is to be mapped now.
    pub(super) fn wanted(size: usize, align: usize) -> bool {
        size >= super::MOVABLE_FROM && align <= PAGE && WANTED.with(Cell::get)
    }

    /// The table entry of block `p`, if it is one of these.
    pub(super) fn entry(p: *mut u8, size: usize) -> Option<&'static AtomicUsize> {
        if size < super::MOVABLE_FROM {
            return None;
        }
        BLOCKS
            .iter()
            .find(|b| b.load(Ordering::Acquire) == p as usize)
    }

    /// A new mapping of `size` bytes, entered in the table; null when
    /// the table is full or the kernel refuses.
    pub(super) fn map(size: usize) -> *mut u8 {
        let Some(slot) = BLOCKS.iter().find(|b| {
            b.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a fresh private anonymous mapping; no memory is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped_len(size),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            slot.store(0, Ordering::Release);
            return std::ptr::null_mut();
        }
        slot.store(p as usize, Ordering::Release);
        p.cast()
    }

    /// Moves block `p` (entry `slot`) of `old` bytes to `new` bytes;
    /// null (the block unchanged) when the kernel refuses.
    pub(super) fn remap(slot: &AtomicUsize, p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: `p` is a mapping of `mapped_len(old)` bytes made by `map`
        // (its table entry says so), which MREMAP_MAYMOVE may move.
        let q = unsafe {
            libc::mremap(
                p.cast(),
                mapped_len(old),
                mapped_len(new),
                libc::MREMAP_MAYMOVE,
            )
        };
        if q == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        slot.store(q as usize, Ordering::Release);
        q.cast()
    }

    /// Unmaps block `p` (entry `slot`) of `size` bytes.
    pub(super) fn unmap(slot: &AtomicUsize, p: *mut u8, size: usize) {
        slot.store(0, Ordering::Release);
        // SAFETY: `p` is a mapping of `mapped_len(size)` bytes made by
        // `map` or `remap`, no longer in use (its owner frees it).
        unsafe { libc::munmap(p.cast(), mapped_len(size)) };
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
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM as libc::c_int);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A block asked for as [`reserve_movable`] asks: the flag set around
    /// the call.
    fn movable_alloc(layout: Layout) -> *mut u8 {
        movable::WANTED.with(|w| w.set(true));
        // SAFETY: a valid layout of nonzero size.
        let p = unsafe { HugePages.alloc(layout) };
        movable::WANTED.with(|w| w.set(false));
        p
    }

    #[test]
    fn a_movable_block_keeps_its_bytes_as_it_grows_and_shrinks() {
        let size = MOVABLE_FROM + 12345;
        let layout = Layout::from_size_align(size, 8).unwrap();
        let p = movable_alloc(layout);
        assert!(!p.is_null());
        assert!(movable::entry(p, size).is_some(), "mapped on its own");
        // SAFETY: `p` holds `size` bytes; each realloc below is given the
        // layout the block has then, and the block is freed once.
        unsafe {
            for i in 0..size {
                *p.add(i) = (i % 251) as u8;
            }
            // Grown: moved as a mapping, still in the table.
            let big = 3 * MAPPED_FROM;
            let q = HugePages.realloc(p, layout, big);
            assert!(!q.is_null());
            assert!(movable::entry(q, big).is_some());
            assert!((0..size).all(|i| *q.add(i) == (i % 251) as u8));
            *q.add(big - 1) = 7;
            // Shrunk below the table's sizes: back into the heap.
            let small = 4096;
            let r = HugePages.realloc(q, Layout::from_size_align(big, 8).unwrap(), small);
            assert!(!r.is_null());
            assert!(
                movable::entry(q, big).is_none(),
                "the mapping left the table"
            );
            assert!((0..small).all(|i| *r.add(i) == (i % 251) as u8));
            HugePages.dealloc(r, Layout::from_size_align(small, 8).unwrap());
        }
    }

    #[test]
    fn only_large_blocks_asked_for_are_mapped() {
        // SAFETY: valid layouts; each block is freed with its own layout.
        unsafe {
            let small = Layout::from_size_align(MOVABLE_FROM - 1, 8).unwrap();
            let p = movable_alloc(small);
            assert!(movable::entry(p, MOVABLE_FROM).is_none());
            HugePages.dealloc(p, small);
            // Large, but not asked for: glibc's.
            let large = Layout::from_size_align(MOVABLE_FROM, 8).unwrap();
            let q = HugePages.alloc(large);
            assert!(movable::entry(q, MOVABLE_FROM).is_none());
            HugePages.dealloc(q, large);
        }
    }

    #[test]
    fn reserve_movable_reserves_like_reserve() {
        let mut v: Vec<u32> = vec![1, 2, 3];
        reserve_movable(&mut v, 10);
        assert!(v.capacity() >= 13);
        assert_eq!(v, [1, 2, 3]);
        let cap = v.capacity();
        reserve_movable(&mut v, 1);
        assert_eq!(v.capacity(), cap, "room enough: nothing moves");
    }
}
