//! A byte buffer filled from a reader, bounded by a cap.
//!
//! [`BoundedBuf`] is how every source is read into memory: its capacity
//! doubles as data arrives but never exceeds the cap + 1 bytes (one byte
//! more tells that the input is over the cap), so memory follows what
//! actually arrives, and a declared size is reserved only when the caller
//! finds it plausible. It is zeroed as it grows, a megabyte at a time, so
//! that each byte is zeroed once, just before it is read into.

use std::io::{self, Read};

/// How much of the buffer is zeroed ahead of a read.
const STEP: usize = 1 << 20;

/// What one [`BoundedBuf::read_from`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// Read this many bytes (more than zero).
    Data(usize),
    /// The reader is at its end.
    End,
    /// The buffer holds more than the cap.
    OverCap,
}

/// Bytes read so far, at most the cap + 1 of them (see the module docs).
pub struct BoundedBuf {
    /// Zeroed or read bytes; `v[..filled]` is what was read.
    v: Vec<u8>,
    filled: usize,
    /// The cap + 1: the most this buffer holds.
    limit: usize,
}

impl BoundedBuf {
    /// A buffer for at most `max_size` bytes (+1), with `reserve` bytes
    /// reserved up front (capped).
    pub fn new(max_size: u64, reserve: usize) -> BoundedBuf {
        let limit = usize::try_from(max_size.saturating_add(1)).unwrap_or(usize::MAX);
        BoundedBuf {
            v: Vec::with_capacity(reserve.min(limit)),
            filled: 0,
            limit,
        }
    }

    /// The cap.
    pub fn max_size(&self) -> u64 {
        (self.limit as u64).saturating_sub(1)
    }

    /// Reserves room for `total` bytes in all (capped).
    pub fn reserve_total(&mut self, total: usize) {
        let total = total.min(self.limit);
        if total > self.v.capacity() {
            self.v.reserve_exact(total - self.v.len());
        }
    }

    /// The bytes read so far.
    pub fn data(&self) -> &[u8] {
        &self.v[..self.filled]
    }

    /// How many bytes were read.
    pub fn len(&self) -> usize {
        self.filled
    }

    /// True before anything was read.
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// The bytes read, as a vector.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.v.truncate(self.filled);
        self.v
    }

    /// The vector's capacity (for tests of the growth).
    pub fn capacity(&self) -> usize {
        self.v.capacity()
    }

    /// One read from `r` into the buffer.
    pub fn read_from(&mut self, r: &mut dyn Read) -> io::Result<Filled> {
        if self.filled >= self.limit {
            return Ok(Filled::OverCap);
        }
        if self.filled == self.v.len() {
            if self.v.len() == self.v.capacity() {
                let want = self
                    .v
                    .capacity()
                    .saturating_mul(2)
                    .max(64 << 10)
                    .min(self.limit);
                self.v.reserve_exact(want - self.v.len());
            }
            let room = (self.v.capacity() - self.v.len()).min(STEP);
            self.v.resize(self.v.len() + room, 0);
        }
        loop {
            match r.read(&mut self.v[self.filled..]) {
                Ok(0) => return Ok(Filled::End),
                Ok(n) => {
                    self.filled += n;
                    return Ok(if self.filled >= self.limit {
                        Filled::OverCap
                    } else {
                        Filled::Data(n)
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads `r` to its end; `Ok(false)` when it holds more than the cap.
    pub fn read_to_end(&mut self, r: &mut dyn Read) -> io::Result<bool> {
        loop {
            match self.read_from(r)? {
                Filled::Data(_) => {}
                Filled::End => return Ok(true),
                Filled::OverCap => return Ok(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_never_passes_the_cap() {
        let mut b = BoundedBuf::new(1_000_000, 0);
        let mut zeros = io::repeat(7);
        assert!(!b.read_to_end(&mut zeros).unwrap());
        assert_eq!(b.len(), 1_000_001);
        assert!(b.capacity() <= 1_000_001, "{}", b.capacity());
    }

    #[test]
    fn a_reservation_of_the_exact_size_plus_one_is_enough() {
        let data = vec![3u8; 300_000];
        let mut b = BoundedBuf::new(1 << 30, 300_001);
        assert!(b.read_to_end(&mut &data[..]).unwrap());
        assert_eq!(b.capacity(), 300_001);
        assert_eq!(b.into_vec(), data);
    }

    #[test]
    fn exactly_the_cap_is_allowed() {
        let data = vec![3u8; 5000];
        let mut b = BoundedBuf::new(5000, 0);
        assert!(b.read_to_end(&mut &data[..]).unwrap());
        let mut b = BoundedBuf::new(4999, 0);
        assert!(!b.read_to_end(&mut &data[..]).unwrap());
    }
}
