//! A hint to the CPU to start loading a value into the cache before it is
//! read, for loops whose next addresses are known a little ahead but would
//! otherwise each wait for memory (the decoder's jumps from message to
//! message, its stack table's slots).

/// Asks the CPU to start loading the cache line that holds `value`. A no-op
/// on other architectures than x86_64.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults and reads nothing
        // into the program; SSE is part of the x86_64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(value as *const T as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// [`prefetch`] of `slice[index]`; nothing when `index` is out of range
/// (a guess ahead of the data that ran past its end).
#[inline(always)]
pub fn prefetch_at<T>(slice: &[T], index: usize) {
    if let Some(value) = slice.get(index) {
        prefetch(value);
    }
}
