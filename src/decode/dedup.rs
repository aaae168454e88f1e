//! Finds the samples whose packed location ids are the same bytes as an
//! earlier sample's, so that the decoder stores (and the report later
//! aggregates) each distinct stack once per chunk.
//!
//! The table is open addressing with linear probing over 16-byte slots
//! that hold a 32-bit tag of the hash beside the key's place in the input:
//! a lookup that misses costs one cache line, and a hit one more, in the
//! input, to compare the bytes. A 5M-sample profile keeps a million stacks
//! per chunk, far beyond the caches, so the decoder hashes a batch of
//! samples ahead and asks for their slots with [`Dedup::prefetch`] before it
//! looks them up.
//!
//! It gives up on a chunk whose first [`Dedup::PROBE`] samples are nearly
//! all distinct (most real profiles: the runtime already merged equal
//! stacks), so that those pay only for the probe.

use foldhash::fast::RandomState;

/// One slot: `k1` is 1 + the stack's index (0: empty), `tag` the hash's
/// high half, `key` the key's start (40 bits) and length (24 bits).
#[derive(Clone, Copy, Default)]
struct Slot {
    tag: u32,
    k1: u32,
    key: u64,
}

/// The stack table of one chunk of samples (see the module docs).
pub(super) struct Dedup {
    slots: Vec<Slot>,
    /// Stacks in the table.
    len: usize,
    hasher: RandomState,
    on: bool,
    seen: usize,
    hits: usize,
    /// Samples of the chunk after the probe.
    remaining: usize,
}

impl Dedup {
    /// Samples looked at before deciding whether the chunk repeats stacks.
    pub(super) const PROBE: usize = 4096;
    const LEN_BITS: u32 = 24;

    /// A table for a chunk of `samples` samples.
    pub(super) fn new(samples: usize) -> Dedup {
        Dedup {
            slots: Vec::new(),
            len: 0,
            hasher: RandomState::default(),
            on: true,
            seen: 0,
            hits: 0,
            remaining: samples.saturating_sub(Self::PROBE),
        }
    }

    /// False once the chunk turned out not to repeat stacks.
    #[inline]
    pub(super) fn is_on(&self) -> bool {
        self.on
    }

    /// The hash of the location bytes `buf[start..end]` (0 once the table
    /// is off: it is then never used).
    #[inline]
    pub(super) fn hash(&self, buf: &[u8], start: usize, end: usize) -> u64 {
        if !self.on {
            return 0;
        }
        std::hash::BuildHasher::hash_one(&self.hasher, &buf[start..end])
    }

    /// Where a lookup of `hash` begins (the table must not be empty).
    #[inline(always)]
    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// Asks the CPU to start loading the slot where a lookup of `hash`
    /// begins.
    #[inline(always)]
    pub(super) fn prefetch(&self, hash: u64) {
        if !self.slots.is_empty() {
            crate::util::prefetch::prefetch(&self.slots[self.home(hash)]);
        }
    }

    /// Asks the CPU to start loading the input bytes a lookup of `hash`
    /// will compare with, if its first slot holds a stack of that tag (call
    /// it some time after [`Dedup::prefetch`], when the slot has arrived).
    #[inline(always)]
    pub(super) fn prefetch_key(&self, buf: &[u8], hash: u64) {
        if self.slots.is_empty() {
            return;
        }
        let s = self.slots[self.home(hash)];
        if s.k1 != 0 && s.tag == (hash >> 32) as u32 {
            crate::util::prefetch::prefetch_at(buf, unpack(s.key).0);
        }
    }

    /// The stack of an earlier sample with location bytes `buf[start..end]`,
    /// whose hash (from [`Dedup::hash`]) is `hash`.
    #[inline]
    pub(super) fn find(
        &mut self,
        buf: &[u8],
        start: usize,
        end: usize,
        hash: u64,
    ) -> Option<usize> {
        if !self.on {
            return None;
        }
        self.seen += 1;
        if self.seen == Self::PROBE {
            if self.hits * 16 < self.seen {
                self.on = false;
                self.slots = Vec::new();
                return None;
            }
            // As many more distinct stacks as the probe's share suggests.
            let distinct = (self.seen - self.hits) as f64 / self.seen as f64;
            let more = (self.remaining as f64 * distinct) as usize;
            self.grow(buf, self.len + more);
        }
        if self.slots.is_empty() {
            return None;
        }
        let key = &buf[start..end];
        let (mask, tag) = (self.slots.len() - 1, (hash >> 32) as u32);
        let mut i = self.home(hash);
        loop {
            let s = self.slots[i];
            if s.k1 == 0 {
                return None;
            }
            if s.tag == tag {
                let (s_start, s_len) = unpack(s.key);
                if s_len == key.len() && buf.get(s_start..s_start + s_len) == Some(key) {
                    self.hits += 1;
                    return Some(s.k1 as usize - 1);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Remembers that stack `k` has location bytes `buf[start..end]`, whose
    /// hash is `hash`. A stack whose place or index does not fit a slot is
    /// not remembered (its samples are then decoded each time).
    #[inline]
    pub(super) fn insert(&mut self, buf: &[u8], start: usize, end: usize, k: usize, hash: u64) {
        if !self.on {
            return;
        }
        let len = end - start;
        let (Some(key), Ok(k1)) = (pack(start, len), u32::try_from(k + 1)) else {
            return;
        };
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow(buf, (self.len + 1).max(Self::PROBE));
        }
        self.put(
            Slot {
                tag: (hash >> 32) as u32,
                k1,
                key,
            },
            hash,
        );
    }

    fn put(&mut self, slot: Slot, hash: u64) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        while self.slots[i].k1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.len += 1;
    }

    /// Makes room for `stacks` stacks at a load of at most one half,
    /// rehashing the stacks held (their bytes are read again).
    fn grow(&mut self, buf: &[u8], stacks: usize) {
        let want = stacks.saturating_mul(2).next_power_of_two();
        if want <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); want]);
        self.len = 0;
        for s in old.into_iter().filter(|s| s.k1 != 0) {
            let (start, len) = unpack(s.key);
            let hash = std::hash::BuildHasher::hash_one(&self.hasher, &buf[start..start + len]);
            self.put(s, hash);
        }
    }
}

/// A key's start and length in one word, if they fit.
fn pack(start: usize, len: usize) -> Option<u64> {
    let (start, len) = (start as u64, len as u64);
    (start >> (64 - Dedup::LEN_BITS) == 0 && len >> Dedup::LEN_BITS == 0)
        .then_some(start << Dedup::LEN_BITS | len)
}

fn unpack(key: u64) -> (usize, usize) {
    (
        (key >> Dedup::LEN_BITS) as usize,
        (key & ((1 << Dedup::LEN_BITS) - 1)) as usize,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(d: &mut Dedup, buf: &[u8], r: std::ops::Range<usize>) -> Option<usize> {
        let h = d.hash(buf, r.start, r.end);
        d.find(buf, r.start, r.end, h)
    }

    #[test]
    fn finds_equal_bytes_at_other_places_and_grows() {
        // Sample i's key is the two bytes [i % 300, i % 300 / 256 + 1]: 300
        // distinct keys, each seen many times, laid out one after another.
        let n = 20_000;
        let mut buf = Vec::new();
        for i in 0..n {
            buf.extend_from_slice(&[(i % 300) as u8, (i % 300 / 256 + 1) as u8]);
        }
        let mut d = Dedup::new(n);
        let mut stacks = 0;
        for i in 0..n {
            let r = 2 * i..2 * i + 2;
            match find(&mut d, &buf, r.clone()) {
                Some(k) => assert_eq!(k, i % 300, "sample {i}"),
                None => {
                    assert_eq!(stacks, i % 300, "sample {i} is new");
                    let h = d.hash(&buf, r.start, r.end);
                    d.insert(&buf, r.start, r.end, stacks, h);
                    stacks += 1;
                }
            }
        }
        assert_eq!(stacks, 300);
        assert!(d.on);
    }

    #[test]
    fn keys_of_other_lengths_differ() {
        let buf = [1u8, 2, 1, 2, 3];
        let mut d = Dedup::new(10);
        let h = d.hash(&buf, 0, 2);
        assert_eq!(d.find(&buf, 0, 2, h), None);
        d.insert(&buf, 0, 2, 0, h);
        assert_eq!(find(&mut d, &buf, 2..4), Some(0));
        assert_eq!(find(&mut d, &buf, 2..5), None);
    }

    #[test]
    fn turns_off_on_distinct_chunks() {
        let n = Dedup::PROBE * 2;
        let buf: Vec<u8> = (0..n as u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut d = Dedup::new(n);
        for i in 0..n {
            let (s, e) = (4 * i, 4 * i + 4);
            assert_eq!(find(&mut d, &buf, s..e), None);
            let h = d.hash(&buf, s, e);
            d.insert(&buf, s, e, i, h);
        }
        assert!(!d.on);
        assert!(d.slots.is_empty());
    }

    #[test]
    fn packing_refuses_what_does_not_fit() {
        assert_eq!(unpack(pack(12345, 678).unwrap()), (12345, 678));
        assert_eq!(pack(0, 1 << 24), None);
        assert_eq!(pack(1 << 40, 1), None);
    }
}
