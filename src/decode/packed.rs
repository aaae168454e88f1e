//! Packed location ids decoded four at a time with SSSE3.
//!
//! A sample's location ids are a packed list of varints, nearly all of one
//! to three bytes. Read one by one, each id costs about 39 instructions
//! (cachegrind, `real-cpu-merged`): its length, a variable shift and mask,
//! then its bits put together. Here the continuation bits of sixteen bytes
//! come out of one `pmovmskb`; their first twelve index a table that says
//! where the first four ids lie, one `pshufb` moves each id's bytes into a
//! 32-bit lane of its own, and three masks and shifts put the 7-bit groups
//! together in all four lanes at once. An id of four bytes or more, the
//! end of the list, or an unknown id ends the fast part; the caller reads
//! the rest one by one, as before.
//!
//! Ten decodes of `real-cpu-merged` (887k ids each, on one thread): 961M
//! → 800M instructions in all, the ids' share about halved (cachegrind),
//! 8.0–8.5 → 7.3–7.4 ms a decode. merge-300: CPU 1.795 → 1.755 s (8
//! interleaved pairs). `top` of the generated profiles, whose samples
//! mostly share stacks decoded once, did not change.

/// Whether this CPU can run [`push_blocks`] (checked once).
#[cfg(target_arch = "x86_64")]
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("ssse3")
}

/// Where the first four varints of twelve bytes lie, for one pattern of
/// their continuation bits.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Block {
    /// Byte `j` of lane `k` is the block's byte `shuffle[4 * k + j]`, or
    /// zero where it has the high bit set.
    shuffle: [u8; 16],
    /// Varints placed: 4, or fewer when one of four bytes or more comes
    /// first (0: the first).
    count: u8,
    /// Bytes they take.
    used: u8,
}

/// [`Block::shuffle`] for each of the 4096 patterns of twelve continuation
/// bits.
#[cfg(target_arch = "x86_64")]
static SHUFFLES: [[u8; 16]; 4096] = {
    let blocks = blocks();
    let mut table = [[0u8; 16]; 4096];
    let mut m = 0;
    while m < 4096 {
        table[m] = blocks[m].shuffle;
        m += 1;
    }
    table
};

/// [`Block::count`] and [`Block::used`] of each pattern, as `count | used
/// << 3`: the next block's place waits on this load alone, and a table of
/// 4 KB stays in the first-level cache (the whole blocks, 72 KB, did not:
/// the loop waited on a second-level load a block).
#[cfg(target_arch = "x86_64")]
static STEPS: [u8; 4096] = {
    let blocks = blocks();
    let mut table = [0u8; 4096];
    let mut m = 0;
    while m < 4096 {
        table[m] = blocks[m].count | blocks[m].used << 3;
        m += 1;
    }
    table
};

#[cfg(target_arch = "x86_64")]
const fn blocks() -> [Block; 4096] {
    let none = Block {
        shuffle: [0x80; 16],
        count: 0,
        used: 0,
    };
    let mut table = [none; 4096];
    let mut m = 0usize;
    while m < 4096 {
        let mut e = none;
        let (mut start, mut b) = (0usize, 0usize);
        while b < 12 && e.count < 4 {
            if m & (1 << b) == 0 {
                // Byte b ends a varint of bytes start..=b.
                let len = b + 1 - start;
                if len > 3 {
                    break;
                }
                let k = e.count as usize;
                let mut j = 0;
                while j < len {
                    e.shuffle[4 * k + j] = (start + j) as u8;
                    j += 1;
                }
                e.count += 1;
                start = b + 1;
                e.used = start as u8;
            }
            b += 1;
        }
        table[m] = e;
        m += 1;
    }
    table
}

/// Decodes ids from `buf[*i..end]` four at a time, writing their indices
/// (`get`) to `frames` from `*n` on, and advances `*i` and `*n` past them.
/// A block is the sixteen bytes from `*i`, which may run past `end` (the
/// sample's other fields follow its ids) but not past `buf`: bytes from
/// `end` on count as continuation bytes, so no id ends among them. Stops
/// before a block whose first id is four bytes or more, cut short by `end`
/// or unknown to `get`, leaving the rest to the caller.
///
/// # Safety
///
/// The CPU must support SSSE3 ([`available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn push_blocks(
    buf: &[u8],
    i: &mut usize,
    end: usize,
    frames: &mut [std::mem::MaybeUninit<u32>],
    n: &mut usize,
    get: impl Fn(u64) -> Option<u32>,
) {
    use std::arch::x86_64::*;
    let end = end.min(buf.len());
    while *i < end && *i + 16 <= buf.len() {
        let Some(room) = frames.get_mut(*n..*n + 4) else {
            return;
        };
        let bytes: &[u8; 16] = buf[*i..*i + 16].try_into().expect("sixteen bytes");
        // SAFETY: SSSE3 is enabled on this function (the caller checked);
        // the load reads the sixteen bytes of `bytes`, unaligned, and the
        // store writes the four lanes to a local array.
        let (ids, step) = unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().cast());
            // Bytes from `end` on: continuation bytes, ending no id.
            let past = (0xfff_usize << (end - *i).min(12)) & 0xfff;
            let m = (_mm_movemask_epi8(v) as usize | past) & 0xfff;
            let step = STEPS[m];
            let x = _mm_shuffle_epi8(v, _mm_loadu_si128(SHUFFLES[m].as_ptr().cast()));
            let lo = _mm_and_si128(x, _mm_set1_epi32(0x7f));
            let mid = _mm_and_si128(_mm_srli_epi32(x, 1), _mm_set1_epi32(0x3f80));
            let hi = _mm_and_si128(_mm_srli_epi32(x, 2), _mm_set1_epi32(0x1f_c000));
            let mut ids = [0u32; 4];
            _mm_storeu_si128(
                ids.as_mut_ptr().cast(),
                _mm_or_si128(_mm_or_si128(lo, mid), hi),
            );
            (ids, step)
        };
        let count = (step & 7) as usize;
        if count == 0 {
            return;
        }
        let mut bad = false;
        for (slot, &id) in room.iter_mut().zip(&ids).take(count) {
            let idx = get(u64::from(id));
            bad |= idx.is_none();
            slot.write(idx.unwrap_or(0));
        }
        if bad {
            return;
        }
        *n += count;
        *i += (step >> 3) as usize;
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The varints of a block, read one by one: up to four of at most
    /// three bytes, and the bytes they take.
    fn by_hand(bytes: &[u8]) -> (Vec<u32>, usize) {
        let (mut ids, mut at) = (Vec::new(), 0);
        while ids.len() < 4 {
            let len = match bytes[at..12].iter().position(|&b| b < 0x80) {
                Some(p) if p < 3 => p + 1,
                _ => break,
            };
            let v = bytes[at..at + len]
                .iter()
                .enumerate()
                .fold(0u32, |v, (j, &b)| v | u32::from(b & 0x7f) << (7 * j));
            ids.push(v);
            at += len;
        }
        (ids, at)
    }

    #[test]
    fn every_pattern_of_continuation_bits_places_its_varints() {
        if !available() {
            eprintln!("skipped: no SSSE3");
            return;
        }
        for m in 0..4096usize {
            // Bytes whose high bits follow the pattern, their low bits
            // varied with the pattern so every lane sees different values.
            let bytes: Vec<u8> = (0..16usize)
                .map(|j| {
                    let cont = j < 12 && m & (1 << j) != 0;
                    ((m * 7 + j * 13) % 128) as u8 | if cont { 0x80 } else { 0 }
                })
                .collect();
            let (want, used) = by_hand(&bytes);
            let mut frames = vec![std::mem::MaybeUninit::new(0u32); 4];
            let (mut i, mut n) = (0usize, 0usize);
            // SAFETY: SSSE3 was checked above.
            unsafe {
                push_blocks(&bytes, &mut i, 16, &mut frames, &mut n, |id| {
                    Some(id as u32)
                })
            };
            if want.is_empty() {
                assert_eq!((i, n), (0, 0), "mask {m:#x}");
                continue;
            }
            // One block only: sixteen bytes leave no second one.
            assert_eq!(n, want.len(), "mask {m:#x}");
            assert_eq!(i, used, "mask {m:#x}");
            // SAFETY: the first `n` frames were written.
            let got: Vec<u32> = frames[..n]
                .iter()
                .map(|f| unsafe { f.assume_init() })
                .collect();
            assert_eq!(got, want, "mask {m:#x}");
        }
    }

    #[test]
    fn ids_past_the_end_of_the_list_are_left_alone() {
        if !available() {
            return;
        }
        // Ten one-byte ids, then bytes of the next field that would read
        // as ids too.
        let bytes: Vec<u8> = (1..=32u8).collect();
        for end in 0..=10 {
            let mut frames = vec![std::mem::MaybeUninit::new(0u32); 32];
            let (mut i, mut n) = (0usize, 0usize);
            // SAFETY: SSSE3 was checked above.
            unsafe {
                push_blocks(&bytes, &mut i, end, &mut frames, &mut n, |id| {
                    Some(id as u32)
                })
            };
            assert_eq!((i, n), (end, end), "end {end}");
        }
        // An id cut short by the end: the ids before it, then a stop.
        let bytes = [
            1u8, 2, 0x85, 0x01, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        ];
        let mut frames = vec![std::mem::MaybeUninit::new(0u32); 32];
        let (mut i, mut n) = (0usize, 0usize);
        // SAFETY: SSSE3 was checked above.
        unsafe { push_blocks(&bytes, &mut i, 3, &mut frames, &mut n, |id| Some(id as u32)) };
        assert_eq!((i, n), (2, 2));
    }

    #[test]
    fn an_unknown_id_stops_before_its_block() {
        if !available() {
            return;
        }
        let bytes: Vec<u8> = (1..=32u8).collect();
        let mut frames = vec![std::mem::MaybeUninit::new(0u32); 32];
        let (mut i, mut n) = (0usize, 0usize);
        // SAFETY: SSSE3 was checked above.
        unsafe {
            push_blocks(&bytes, &mut i, 32, &mut frames, &mut n, |id| {
                (id != 7).then_some(id as u32)
            })
        };
        // Blocks of four one-byte ids: 1–4 pass, 5–8 hold the unknown 7.
        assert_eq!((i, n), (4, 4));
    }
}
