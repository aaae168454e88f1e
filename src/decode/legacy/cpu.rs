//! The legacy binary CPU profile (gperftools' `profilez`, Go before 1.9,
//! Java agents), read as pprof reads it.
//!
//! The file is a sequence of machine words, 32 or 64 bits, little- or
//! big-endian: the first layout (32-bit little, 32-bit big, 64-bit little,
//! 64-bit big, in pprof's order) whose header reads `0, 3, K, PERIOD, 0`
//! with `K` 0 (C++) or 1 (Java) and `PERIOD > 0` (microseconds) wins. Then
//! records `COUNT, N, PC₁ … PCₙ` (leaf first) until the end marker
//! `0, 1, 0`; what follows is text.
//!
//! * **C++** (`K = 0`): return addresses after the leaf move back one byte
//!   onto their call; a frame that most samples share in second position
//!   (all but one in 32) is the signal handler's, and is removed (twice at
//!   most); the text after the samples is a memory map (`/proc/self/maps`
//!   lines); a leaf duplicated as its caller plus one is removed.
//! * **Java** (`K = 1`): addresses are symbol ids, not moved; the text holds
//!   `0xID function (file:line)` lines ([`super::java`]), and addresses
//!   are then cleared.
//!
//! Sample types `samples/count` and `cpu/nanoseconds` (COUNT × period),
//! period type `cpu/nanoseconds`. A layout whose records run past the end
//! of the data is not this format (`None`), as in pprof.

use super::{java, maps, Builder, Parsed};

/// One word reader: the value and the rest, or `None` past the end.
type Word = fn(&[u8]) -> Option<(u64, &[u8])>;

fn le32(b: &[u8]) -> Option<(u64, &[u8])> {
    let (w, rest) = b.split_first_chunk::<4>()?;
    Some((u64::from(u32::from_le_bytes(*w)), rest))
}

fn be32(b: &[u8]) -> Option<(u64, &[u8])> {
    let (w, rest) = b.split_first_chunk::<4>()?;
    Some((u64::from(u32::from_be_bytes(*w)), rest))
}

fn le64(b: &[u8]) -> Option<(u64, &[u8])> {
    let (w, rest) = b.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*w), rest))
}

fn be64(b: &[u8]) -> Option<(u64, &[u8])> {
    let (w, rest) = b.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*w), rest))
}

/// pprof's order of layouts.
const LAYOUTS: [Word; 4] = [le32, be32, le64, be64];

/// Parses a binary CPU profile; `None` if no layout's header fits.
pub fn parse(data: &[u8]) -> Parsed {
    for word in LAYOUTS {
        let Some((header, rest)) = header(data, word) else {
            continue;
        };
        let [0, 3, kind @ (0 | 1), period, 0] = header else {
            continue;
        };
        if period == 0 {
            continue;
        }
        let period = (period as i64).wrapping_mul(1000);
        return if kind == 0 {
            cpp(rest, period, word)
        } else {
            java_cpu(rest, period, word)
        };
    }
    None
}

/// The five header words and what follows.
fn header(data: &[u8], word: Word) -> Option<([u64; 5], &[u8])> {
    let mut out = [0u64; 5];
    let mut rest = data;
    for slot in &mut out {
        let (v, r) = word(rest)?;
        *slot = v;
        rest = r;
    }
    Some((out, rest))
}

/// One record: its count and addresses.
struct Record {
    count: u64,
    addrs: Vec<u64>,
}

/// pprof's `parseCPUSamples`: the records and the bytes after the end
/// marker (empty when there is none), or `None` when a record does not fit.
fn records(mut b: &[u8], word: Word, adjust: bool) -> Option<(Vec<Record>, &[u8])> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (count, r) = word(b)?;
        let (n, r) = word(r)?;
        b = r;
        if n > (b.len() / 4) as u64 {
            return None;
        }
        let mut addrs = Vec::with_capacity(n as usize);
        for _ in 0..n {
            // pprof reads missing words as 0 (the bound above is for 32-bit
            // words) and stops after this record.
            match word(b) {
                Some((a, r)) => {
                    addrs.push(a);
                    b = r;
                }
                None => {
                    addrs.push(0);
                    b = &[];
                }
            }
        }
        if count == 0 && n == 1 && addrs[0] == 0 {
            return Some((out, b));
        }
        if adjust {
            for a in addrs.iter_mut().skip(1) {
                *a = a.wrapping_sub(1);
            }
        }
        out.push(Record { count, addrs });
    }
    Some((out, b))
}

/// Removes the signal handler's frame (pprof's heuristic: the second frame
/// of all samples but one in 32, up to two times).
fn strip_handler_frames(records: &mut [Record]) {
    for _ in 0..2 {
        let margin = records.len() / 32;
        let mut counts: std::collections::HashMap<u64, usize> = Default::default();
        for r in records.iter() {
            if let Some(&a) = r.addrs.get(1) {
                *counts.entry(a).or_default() += 1;
            }
        }
        // At most one address can reach the bar, so the order of the map
        // (random in pprof) does not matter.
        let Some(&handler) = counts
            .iter()
            .find(|&(_, &c)| c >= records.len() - margin)
            .map(|(a, _)| a)
        else {
            continue;
        };
        for r in records.iter_mut() {
            if r.addrs.len() > 1 && r.addrs[1] == handler {
                r.addrs.remove(1);
            }
        }
    }
}

/// The C++ (and old Go) layout.
fn cpp(rest: &[u8], period: i64, word: Word) -> Parsed {
    let (mut records, text) = records(rest, word, true)?;
    strip_handler_frames(&mut records);
    let mut b = Builder::new();
    b.period("cpu", "nanoseconds", period);
    b.sample_type("samples", "count");
    b.sample_type("cpu", "nanoseconds");
    // Locations in first-use order over the final stacks (pprof renumbers
    // them so); then a leaf duplicated as its caller + 1 is dropped, its
    // location kept.
    let mut stack = Vec::new();
    for r in &records {
        stack.clear();
        stack.extend(r.addrs.iter().map(|&a| b.address(a)));
        if r.addrs.len() > 1 && r.addrs[0] == r.addrs[1].wrapping_add(1) {
            stack.remove(1);
        }
        let count = r.count as i64;
        b.sample(&stack, &[count, count.wrapping_mul(period)], &[]);
    }
    let text = crate::util::rawbytes::decode(text);
    let lines: Vec<&str> = text.lines().collect();
    Some(Ok(b.finish_with_mappings(maps::parse_lines(&lines))))
}

/// The Java layout: symbol ids resolved from the text after the samples.
fn java_cpu(rest: &[u8], period: i64, word: Word) -> Parsed {
    let (records, text) = records(rest, word, false)?;
    let mut b = Builder::new();
    b.period("cpu", "nanoseconds", period);
    b.sample_type("samples", "count");
    b.sample_type("cpu", "nanoseconds");
    let samples: Vec<java::Sample> = records
        .into_iter()
        .map(|r| {
            let count = r.count as i64;
            java::Sample {
                addrs: r.addrs,
                values: vec![count, count.wrapping_mul(period)],
                bytes: None,
            }
        })
        .collect();
    let text = crate::util::rawbytes::decode(text);
    Some(java::finish(b, &samples, &text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of a given layout.
    fn encode(words: &[u64], word: usize, big: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for &w in words {
            match (word, big) {
                (4, false) => out.extend((w as u32).to_le_bytes()),
                (4, true) => out.extend((w as u32).to_be_bytes()),
                (_, false) => out.extend(w.to_le_bytes()),
                (_, true) => out.extend(w.to_be_bytes()),
            }
        }
        out
    }

    #[test]
    fn every_layout_reads_the_same_profile() {
        let words = [
            0, 3, 0, 10000, 0, // header: C++, 10ms
            2, 3, 0x1000, 0x2001, 0x3001, // record
            1, 2, 0x1100, 0x3001, // record
            0, 1, 0, // end
        ];
        for (size, big) in [(4, false), (4, true), (8, false), (8, true)] {
            let mut data = encode(&words, size, big);
            data.extend(b"00000000-00010000 r-xp 00000000 00:00 0 /bin/x\n");
            let p = parse(&data).unwrap().unwrap();
            assert_eq!(p.period, 10_000_000);
            assert_eq!(p.sample_type_names(), ["samples", "cpu"]);
            assert_eq!(p.samples.values, [2, 20_000_000, 1, 10_000_000]);
            // Callers moved back one byte.
            let a: Vec<u64> = p
                .samples
                .stack(0)
                .iter()
                .map(|&l| p.locations.address[l as usize])
                .collect();
            assert_eq!(a, [0x1000, 0x2000, 0x3000]);
            assert_eq!(p.str(p.mappings[0].filename), "/bin/x");
        }
    }

    #[test]
    fn not_this_format() {
        assert!(parse(b"").is_none());
        assert!(parse(&encode(&[0, 3, 0, 0, 0], 8, false)).is_none());
        // A record longer than the data.
        assert!(parse(&encode(&[0, 3, 0, 1, 0, 1, 99, 1], 8, false)).is_none());
        assert!(parse(b"\x0a\x02hello").is_none());
    }

    #[test]
    fn handler_frames_and_duplicate_leaves_go() {
        // Every sample has 0x50 second: the handler's frame.
        let words = [
            0, 3, 0, 1, 0, //
            1, 3, 0x10, 0x51, 0x21, //
            1, 3, 0x11, 0x51, 0x31, //
            1, 3, 0x41, 0x51, 0x41, // leaf = caller + 1 after adjustment
            0, 1, 0,
        ];
        let p = parse(&encode(&words, 8, false)).unwrap().unwrap();
        let stacks: Vec<Vec<u64>> = (0..p.samples.len())
            .map(|s| {
                p.samples
                    .stack(s)
                    .iter()
                    .map(|&l| p.locations.address[l as usize])
                    .collect()
            })
            .collect();
        assert_eq!(stacks, [vec![0x10, 0x20], vec![0x11, 0x30], vec![0x41]]);
    }
}
