//! Getting a profile's bytes: files, standard input, gunzip.
//!
//! A source is a path or `-` for standard input. Regular files are
//! memory-mapped (no copy); pipes and standard input are read into memory.
//! Gzip is recognised by its magic bytes, never by the file name, and
//! inflated with a cap on the output size so that a small hostile file cannot
//! exhaust memory. Raw (uncompressed) protobuf passes through untouched.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;

use flate2::read::MultiGzDecoder;

use crate::error::LoadError;
use crate::model::Profile;

/// Default cap on the decompressed size of one profile: 4 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 4 << 30;

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

/// Options for loading a profile.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Cap on the decompressed size, in bytes (also on a fetched body).
    pub max_size: u64,
    /// How remote sources are fetched (`--seconds`, `--timeout`).
    pub fetch: crate::fetch::FetchOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_size: DEFAULT_MAX_SIZE,
            fetch: crate::fetch::FetchOptions::default(),
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

/// True if `data` starts with the gzip magic bytes.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Inflates `data` if it is gzip, enforcing `max_size`; otherwise returns it as is.
pub fn decompress(data: Bytes, max_size: u64) -> Result<Bytes, LoadError> {
    if !is_gzip(&data) {
        if data.len() as u64 > max_size {
            return Err(LoadError::TooLarge { limit: max_size });
        }
        return Ok(data);
    }
    // The trailer's ISIZE is the last member's size modulo 2^32: only a hint.
    let hint = if data.len() >= 18 {
        let t = &data[data.len() - 4..];
        u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]]))
    } else {
        0
    };
    // Deflate cannot expand more than ~1032:1, which bounds a lying trailer.
    let bound = (data.len() as u64).saturating_mul(1032);
    let mut out = Vec::with_capacity(hint.min(max_size).min(bound) as usize);
    let mut dec = MultiGzDecoder::new(&data[..]).take(max_size.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|e| LoadError::Gzip(gzip_message(&e)))?;
    if out.len() as u64 > max_size {
        return Err(LoadError::TooLarge { limit: max_size });
    }
    Ok(Bytes::Owned(out))
}

fn gzip_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated gzip stream".to_string(),
        _ => e.to_string(),
    }
}

/// Reads, inflates and decodes one profile source: a file, `-` (standard
/// input), or a URL (fetched, see [`crate::fetch`]).
pub fn load(source: &str, opts: &LoadOptions) -> Result<Profile, LoadError> {
    if let Some(target) = crate::fetch::remote_target(source, &opts.fetch) {
        return crate::fetch::load_remote(&target, opts);
    }
    parse(read_source(source)?, opts)
}

/// Inflates and decodes a profile's bytes: profile.proto, gzipped or not,
/// else the Go runtime's text formats.
pub fn parse(raw: Bytes, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let t = std::time::Instant::now();
    let data = decompress(raw, opts.max_size)?;
    if std::env::var_os("PPROFX_TIMINGS").is_some() {
        eprintln!("pprofx: gunzip: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    match crate::decode::decode(&data) {
        Ok(p) => Ok(p),
        Err(e @ crate::error::DecodeError::Concatenated) => Err(e.into()),
        // Not profile.proto: the Go runtime's text formats, as pprof tries them.
        Err(e) => match crate::legacy::parse(&data) {
            None => Err(e.into()),
            Some(r) => r.map_err(LoadError::Legacy),
        },
    }
}
