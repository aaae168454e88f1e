//! Dense location ids written as packed varints four at a time with SSSE3.
//!
//! The mirror of the decoder's `decode::packed`: a merged profile numbers
//! its locations 1..=n, so a sample's ids are `index + 1`, nearly all of
//! one to three varint bytes. Written one by one, each id takes a loop of
//! compares, shifts and byte stores. Here four ids are spread into 32-bit
//! lanes of three 7-bit groups each (masks and shifts), their continuation
//! bits set by two compares, and two `movmskps` give the lengths of the
//! four varints as an index into a table of 81 shuffles; one `pshufb`
//! moves the bytes of all four together and one unaligned store writes
//! them. Ids of 2²¹ or more (four varint bytes) are never handed here: the
//! caller checks once that every id of the profile is below that.

/// The largest id [`write_dense`] takes: three varint bytes.
pub(super) const MAX_ID: u64 = (1 << 21) - 1;

/// Whether this CPU can run [`write_dense`] (checked once).
#[cfg(target_arch = "x86_64")]
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("ssse3")
}

/// Where the bytes of four lanes go, for one pattern of their lengths.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Pack {
    /// Output byte `p` is lane byte `shuffle[p]` (0x80: zero).
    shuffle: [u8; 16],
    /// Bytes the four varints take.
    used: u8,
}

/// [`Pack`] for each index `long | longer << 4`, where bit `k` of `long`
/// says lane `k` takes two bytes or more and of `longer` three.
#[cfg(target_arch = "x86_64")]
static PACKS: [Pack; 256] = packs();

#[cfg(target_arch = "x86_64")]
const fn packs() -> [Pack; 256] {
    let none = Pack {
        shuffle: [0x80; 16],
        used: 0,
    };
    let mut table = [none; 256];
    let mut m = 0usize;
    while m < 256 {
        let mut e = none;
        let mut at = 0usize;
        let mut k = 0usize;
        while k < 4 {
            let len = 1 + (m >> k & 1) + (m >> (k + 4) & 1);
            let mut j = 0;
            while j < len {
                e.shuffle[at] = (4 * k + j) as u8;
                at += 1;
                j += 1;
            }
            k += 1;
        }
        e.used = at as u8;
        table[m] = e;
        m += 1;
    }
    table
}

/// Appends the varints of `index + 1` for each of `locs` to `out`. Every
/// `index + 1` must be at most [`MAX_ID`] for the bytes to be right (a
/// larger one is written wrong, never out of `out`'s bounds).
///
/// # Safety
///
/// The CPU must support SSSE3 ([`available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn write_dense(out: &mut Vec<u8>, locs: &[u32]) {
    use std::arch::x86_64::*;
    // Three bytes an id, and the last block's store of sixteen bytes.
    out.reserve(locs.len() * 3 + 16);
    let mut n = out.len();
    let blocks = locs.chunks_exact(4);
    let rest = blocks.remainder();
    for four in blocks {
        debug_assert!(four.iter().all(|&l| u64::from(l) < MAX_ID));
        // SAFETY: SSSE3 is enabled on this function (the caller checked).
        // The load reads the four ids of `four`. The store writes sixteen
        // bytes from `n`, inside the room reserved above: each block before
        // this one wrote at most twelve, so `n + 16` is at most
        // `len + 3 * locs.len() + 16`.
        unsafe {
            let v = _mm_add_epi32(_mm_loadu_si128(four.as_ptr().cast()), _mm_set1_epi32(1));
            let long = _mm_cmpgt_epi32(v, _mm_set1_epi32(0x7f));
            let longer = _mm_cmpgt_epi32(v, _mm_set1_epi32(0x3fff));
            let lo = _mm_and_si128(v, _mm_set1_epi32(0x7f));
            let mid = _mm_and_si128(_mm_slli_epi32(v, 1), _mm_set1_epi32(0x7f00));
            let hi = _mm_and_si128(_mm_slli_epi32(v, 2), _mm_set1_epi32(0x7f_0000));
            let more = _mm_or_si128(
                _mm_and_si128(long, _mm_set1_epi32(0x80)),
                _mm_and_si128(longer, _mm_set1_epi32(0x8000)),
            );
            let x = _mm_or_si128(_mm_or_si128(lo, mid), _mm_or_si128(hi, more));
            let m = _mm_movemask_ps(_mm_castsi128_ps(long)) as usize
                | (_mm_movemask_ps(_mm_castsi128_ps(longer)) as usize) << 4;
            let e = &PACKS[m & 0xff];
            let packed = _mm_shuffle_epi8(x, _mm_loadu_si128(e.shuffle.as_ptr().cast()));
            _mm_storeu_si128(out.as_mut_ptr().add(n).cast(), packed);
            n += e.used as usize;
        }
    }
    // SAFETY: the bytes up to `n` were written by the stores above, inside
    // the reserved room.
    unsafe { out.set_len(n) };
    for &l in rest {
        let mut v = u64::from(l) + 1;
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// `prefix`, then the varints of `locs` written one by one.
    fn by_hand(prefix: &[u8], locs: &[u32]) -> Vec<u8> {
        let mut out = prefix.to_vec();
        for &l in locs {
            let mut v = u64::from(l) + 1;
            while v >= 0x80 {
                out.push(v as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        out
    }

    /// `prefix`, then the varints of `locs` written by [`write_dense`];
    /// `None` on a CPU without SSSE3.
    fn simd(prefix: &[u8], locs: &[u32]) -> Option<Vec<u8>> {
        if !available() {
            eprintln!("no SSSE3: nothing to test");
            return None;
        }
        let mut out = prefix.to_vec();
        // SAFETY: SSSE3 was checked above.
        unsafe { write_dense(&mut out, locs) };
        Some(out)
    }

    #[test]
    fn every_length_pattern_is_written_as_varints_one_by_one() {
        // The bounds of each length, as ids: index + 1.
        let edges: [u32; 8] = [0, 1, 0x7e, 0x7f, 0x3ffe, 0x3fff, 0x1f_fffd, 0x1f_fffe];
        for a in edges {
            for b in edges {
                for c in edges {
                    for d in edges {
                        let locs = [a, b, c, d, b, a];
                        let Some(out) = simd(&[9], &locs) else {
                            return;
                        };
                        assert_eq!(out, by_hand(&[9], &locs), "{locs:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn lists_of_every_length_keep_their_order_and_no_more_bytes() {
        let mut x = 12345u64;
        for len in 0..70 {
            let locs: Vec<u32> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % MAX_ID) as u32 >> ((x >> 20) % 21)
                })
                .collect();
            let Some(out) = simd(&[], &locs) else {
                return;
            };
            assert_eq!(out, by_hand(&[], &locs), "{locs:?}");
        }
    }
}
