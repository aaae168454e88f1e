//! Where a profile's bytes come from: files, standard input and URLs.
//!
//! A source is a path, `-` for standard input, or a URL. [`open`] maps
//! regular files into memory (no copy) and hands everything else (standard
//! input, pipes, devices) out as a [`Stream`] to be read as it arrives:
//! [`crate::decode`] reads streams in bounded steps, inflating and checking
//! them as they grow, never all at once. URLs are fetched by [`fetch`] with
//! pprof's rules, and [`capture`] saves what was fetched, as pprof saves its
//! captures. Nothing here looks inside the bytes.

pub mod capture;
pub mod fetch;

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;

use crate::error::LoadError;

/// The bytes of a source, owned or mapped.
pub enum Bytes {
    /// Read into memory (stdin, pipes, inflated data).
    Owned(Vec<u8>),
    /// A read-only mapping of a regular file.
    Mapped(memmap2::Mmap),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// An opened source.
pub enum Input {
    /// A regular file, mapped.
    Mapped(memmap2::Mmap),
    /// Anything else, read as it arrives.
    Stream(Stream),
}

/// A byte stream whose first bytes can be looked at before it is read
/// ([`Stream::peek`]).
pub struct Stream {
    head: Vec<u8>,
    pos: usize,
    inner: Box<dyn Read + Send>,
}

impl Stream {
    /// A stream over `inner`.
    pub fn new(inner: Box<dyn Read + Send>) -> Stream {
        Stream {
            head: Vec::new(),
            pos: 0,
            inner,
        }
    }

    /// The first `n` bytes (fewer at the end of the stream), without
    /// consuming them.
    pub fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.head.len() < n {
            let old = self.head.len();
            self.head.resize(n, 0);
            match self.inner.read(&mut self.head[old..]) {
                Ok(0) => {
                    self.head.truncate(old);
                    break;
                }
                Ok(k) => self.head.truncate(old + k),
                Err(e) => {
                    self.head.truncate(old);
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
        Ok(&self.head[self.pos..self.head.len().min(self.pos + n)])
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Opens `source` (`-` = standard input): a regular file is mapped, anything
/// else is a stream.
pub fn open(source: &str) -> Result<Input, LoadError> {
    if source == "-" {
        return Ok(Input::Stream(Stream::new(Box::new(io::stdin()))));
    }
    let file = File::open(source)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(LoadError::Io(io::Error::other("is a directory")));
    }
    if meta.is_file() && meta.len() > 0 {
        // SAFETY: the mapping is read-only and private to this process. If another
        // process truncates the file while it is mapped, reads may fault; profiles
        // are not expected to change while pprofx reads them.
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Input::Mapped(m));
        }
    }
    Ok(Input::Stream(Stream::new(Box::new(file))))
}

/// Reads the raw bytes of `source` (`-` = standard input), at most
/// `max_size` of them from a stream (a longer stream is
/// [`LoadError::TooLarge`]); a regular file is mapped whatever its size.
pub fn read_source(source: &str, max_size: u64) -> Result<Bytes, LoadError> {
    match open(source)? {
        Input::Mapped(m) => Ok(Bytes::Mapped(m)),
        Input::Stream(s) => read_all(s, max_size).map(Bytes::Owned),
    }
}

/// Reads `r` to its end, failing once it passes `max_size` bytes.
pub fn read_all(mut r: impl Read, max_size: u64) -> Result<Vec<u8>, LoadError> {
    let mut buf = crate::util::bounded::BoundedBuf::new(max_size, 0);
    if !buf.read_to_end(&mut r)? {
        return Err(LoadError::TooLarge { limit: max_size });
    }
    Ok(buf.into_vec())
}
