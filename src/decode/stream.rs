//! Reading a profile's bytes as they arrive, within bounds.
//!
//! [`read`] takes any byte stream (standard input, a pipe, a URL's body, an
//! upload), inflates it as it arrives when it starts with gzip's magic bytes,
//! and shows the growing bytes to a [`Framing`] after every read, so that
//! junk stops the read within its first kilobytes ([`Stop::Fault`]).
//! Memory follows what actually arrives: the buffer
//! ([`BoundedBuf`]) grows by doubling, but never past `--max_size` + 1 bytes,
//! and a declared size (`Content-Length`) is reserved at once only when it
//! fits under the cap. [`fill`] is the loop itself; the gzip
//! files of [`super::gzip`] use it too.

use std::cell::Cell;
use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use super::framing::{Fault, Framing};
use super::gzip::{gzip_message, is_gzip};
use crate::error::LoadError;
use crate::util::bounded::{BoundedBuf, Filled};

/// Why a read stopped before the end of a valid-looking input.
#[derive(Debug)]
pub enum Stop {
    /// The source failed, the gzip stream is corrupt, or the input is over
    /// `--max_size`.
    Error(LoadError),
    /// The bytes cannot be a profile; `prefix` is what was read (inflated),
    /// enough to tell why (see [`Fault`]).
    Fault {
        /// What is wrong.
        fault: Fault,
        /// The bytes read so far, inflated.
        prefix: Vec<u8>,
    },
}

impl From<LoadError> for Stop {
    fn from(e: LoadError) -> Stop {
        Stop::Error(e)
    }
}

/// The bounds of one read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The cap on the (inflated) size, `--max_size`.
    pub max_size: u64,
    /// The size the source announced (`Content-Length`), if any: reserved
    /// up front when it fits the cap, for an input that is not gzip.
    pub expected: Option<u64>,
}

/// Reads `r` to its end, inflating it if it is gzip and checking its framing
/// as it grows (see the module docs). `source_err` turns the source's own
/// I/O errors into load errors (a URL's timeout, a pipe's failure).
pub fn read(
    r: impl Read,
    limits: &Limits,
    source_err: &dyn Fn(io::Error) -> LoadError,
) -> Result<Vec<u8>, Stop> {
    let failed = Cell::new(false);
    let mut src = Source {
        inner: r,
        failed: &failed,
    };
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match src.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(source_err(e).into()),
        }
    }
    let mut framing = Framing::new(limits.max_size);
    let rest = (&head[..got]).chain(&mut src);
    if is_gzip(&head[..got]) {
        let mut buf = BoundedBuf::new(limits.max_size, 0);
        let mut dec = MultiGzDecoder::new(rest);
        match fill(&mut dec, &mut buf, Some(&mut framing), usize::MAX) {
            Ok(_) => Ok(buf.into_vec()),
            Err(FillStop::Io(e)) if failed.get() => Err(source_err(e).into()),
            Err(stop) => Err(stop.into_stop(buf)),
        }
    } else {
        // One byte more than announced: the read that finds the end needs room.
        let reserve = limits
            .expected
            .filter(|&n| n <= limits.max_size)
            .map_or(0, |n| n as usize + 1);
        let mut buf = BoundedBuf::new(limits.max_size, reserve);
        let mut rest = rest;
        match fill(&mut rest, &mut buf, Some(&mut framing), usize::MAX) {
            Ok(_) => Ok(buf.into_vec()),
            Err(FillStop::Io(e)) => Err(source_err(e).into()),
            Err(stop) => Err(stop.into_stop(buf)),
        }
    }
}

/// A reader that notes whether an error came from it (and not from the gzip
/// decoder reading it).
struct Source<'a, R> {
    inner: R,
    failed: &'a Cell<bool>,
}

impl<R: Read> Read for Source<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if e.kind() != io::ErrorKind::Interrupted {
                self.failed.set(true);
            }
        })
    }
}

/// Why [`fill`] stopped early.
#[derive(Debug)]
pub(crate) enum FillStop {
    /// The reader failed (the source, or the gzip decoder).
    Io(io::Error),
    /// More than `--max_size` bytes.
    TooLarge,
    /// The framing check failed.
    Fault(Fault),
}

impl FillStop {
    /// As a [`Stop`], for a reader whose I/O errors are gzip's.
    pub(crate) fn into_stop(self, buf: BoundedBuf) -> Stop {
        let limit = buf.max_size();
        match self {
            FillStop::Io(e) => Stop::Error(LoadError::Gzip(gzip_message(&e))),
            FillStop::TooLarge => Stop::Error(LoadError::TooLarge { limit }),
            FillStop::Fault(fault) => Stop::Fault {
                fault,
                prefix: buf.into_vec(),
            },
        }
    }
}

/// Reads `r` into `buf` until its end (`Ok(true)`) or until `buf` holds at
/// least `stop_at` bytes (`Ok(false)`), checking the framing after every
/// read when one is given.
pub(crate) fn fill(
    r: &mut dyn Read,
    buf: &mut BoundedBuf,
    mut framing: Option<&mut Framing>,
    stop_at: usize,
) -> Result<bool, FillStop> {
    loop {
        if buf.len() >= stop_at {
            return Ok(false);
        }
        match buf.read_from(r).map_err(FillStop::Io)? {
            Filled::End => return Ok(true),
            Filled::OverCap => return Err(FillStop::TooLarge),
            Filled::Data(_) => {}
        }
        if let Some(f) = framing.as_deref_mut() {
            f.check(buf.data()).map_err(FillStop::Fault)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn no_source(e: io::Error) -> LoadError {
        LoadError::Io(e)
    }

    /// A reader of `pattern` over and over, in reads of at most 9 kB.
    struct Endless {
        pattern: &'static [u8],
        at: usize,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(9_000);
            for b in &mut buf[..n] {
                *b = self.pattern[self.at % self.pattern.len()];
                self.at += 1;
            }
            Ok(n)
        }
    }

    #[test]
    fn valid_looking_bytes_stop_at_the_cap() {
        // An unknown field (16) = 0, over and over: valid-looking protobuf.
        let limits = Limits {
            max_size: 100_000,
            expected: None,
        };
        let r = Endless {
            pattern: b"\x80\x01\x00",
            at: 0,
        };
        assert!(matches!(
            read(r, &limits, &no_source),
            Err(Stop::Error(LoadError::TooLarge { limit: 100_000 }))
        ));
    }

    #[test]
    fn junk_stops_early_and_keeps_what_was_read() {
        let r = Endless {
            pattern: b"\0",
            at: 0,
        };
        let limits = Limits {
            max_size: 4 << 30,
            expected: None,
        };
        match read(r, &limits, &no_source) {
            Err(Stop::Fault { fault, prefix }) => {
                assert_eq!(fault, Fault::Decode { offset: 0 });
                assert!(prefix.len() < 1 << 20, "{}", prefix.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_endless_gzip_of_zeros_stops_early() {
        // 1 GiB of zeros, gzipped (about 1 MB), read as a stream.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mb = vec![0u8; 1 << 20];
        for _ in 0..1024 {
            e.write_all(&mb).unwrap();
        }
        let gz = e.finish().unwrap();
        let limits = Limits {
            max_size: 4 << 30,
            expected: None,
        };
        match read(&gz[..], &limits, &no_source) {
            Err(Stop::Fault { fault, prefix }) => {
                assert_eq!(fault, Fault::Decode { offset: 0 });
                assert!(prefix.len() < 4 << 20, "{}", prefix.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn source_errors_are_the_sources_and_gzip_errors_gzips() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "slow"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(0x1f);
                if n > 1 {
                    buf[1] = 0x8b;
                }
                self.0 -= n;
                Ok(n)
            }
        }
        let limits = Limits {
            max_size: 1 << 20,
            expected: None,
        };
        let mapped = |e: io::Error| LoadError::Io(io::Error::other(format!("source: {e}")));
        // The gzip header is cut by the source's failure: the source's error.
        match read(Failing(2), &limits, &mapped) {
            Err(Stop::Error(LoadError::Io(e))) => assert_eq!(e.to_string(), "source: slow"),
            other => panic!("{other:?}"),
        }
        // A corrupt gzip header: gzip's error.
        let bad = [0x1f, 0x8b, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            read(&bad[..], &limits, &mapped),
            Err(Stop::Error(LoadError::Gzip(_)))
        ));
    }

    #[test]
    fn a_plausible_declared_size_is_reserved_once() {
        let mut data = b"heap profile: 1: 2 [3: 4] @ heap/1048576\n".to_vec();
        while data.len() < 300_000 {
            data.extend_from_slice(b"1: 2 [3: 4] @ 0x1\n");
        }
        data.truncate(300_000);
        let limits = Limits {
            max_size: 1 << 30,
            expected: Some(300_000),
        };
        let out = read(&data[..], &limits, &no_source).unwrap();
        assert_eq!(out.len(), 300_000);
        assert!(out.capacity() <= 300_001, "{}", out.capacity());
    }
}
