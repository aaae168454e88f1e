//! Where a profile's bytes come from: files, standard input and URLs.
//!
//! A source is a path, `-` for standard input, or a URL. Regular files are
//! memory-mapped (no copy); pipes and standard input are read into memory.
//! URLs are fetched by [`fetch`] with pprof's rules, and [`capture`] saves
//! what was fetched, as pprof saves its captures. Nothing here looks inside
//! the bytes: [`crate::decode`] inflates and parses them.

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

/// Reads the raw bytes of `source` (`-` = standard input).
pub fn read_source(source: &str) -> Result<Bytes, LoadError> {
    if source == "-" {
        let mut v = Vec::new();
        io::stdin().lock().read_to_end(&mut v)?;
        return Ok(Bytes::Owned(v));
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
            return Ok(Bytes::Mapped(m));
        }
    }
    let mut v = Vec::with_capacity(meta.len() as usize);
    (&file).read_to_end(&mut v)?;
    Ok(Bytes::Owned(v))
}
