//! From a source's bytes to a [`Profile`]: gunzip, then profile.proto or
//! the legacy text formats.
//!
//! [`load`] is the whole chain for one source: open it ([`crate::source`], a
//! file, `-` or a URL), inflate it when it is gzip ([`gzip`], sniffed by
//! magic bytes, capped by `--max_size`), decode it with the hand-written
//! protobuf decoder ([`protobuf`], its packed location ids four at a time
//! where the CPU has SSSE3: `packed`) or, when it is not profile.proto, with
//! the Go runtime's text formats ([`legacy`]). Streams (standard input,
//! pipes, URLs; [`parse_reader`] for any other reader) are read as they
//! arrive ([`stream`]) and mapped gzip files inflated after a first checked
//! stretch ([`gzip::inflate_checked`]): the [`framing`] check stops junk, an
//! endless download or a gzip bomb within its first kilobytes, and memory
//! never grows past the cap. The decoder then runs on the whole buffer.
//! [`symbolize`] is pprof's name clean-up, applied after loading.

mod dedup;
pub mod framing;
pub mod gzip;
pub mod legacy;
mod packed;
pub mod protobuf;
pub mod sniff;
pub mod stream;
pub mod symbolize;

use std::io::{self, IsTerminal, Read};

use crate::error::{io_phrase, DecodeError, FetchError, LoadError};
use crate::model::Profile;
use crate::source::fetch::{self, format_duration, Progress, Response, Target};
use crate::source::{capture, Bytes, Input};

use framing::Fault;
use gzip::is_gzip;
use stream::{Limits, Stop};

/// Default cap on the decompressed size of one profile: 4 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 4 << 30;

/// Options for loading a profile.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Cap on the decompressed size, in bytes (also on a fetched body).
    pub max_size: u64,
    /// Symbolize `debug=1` text profiles from their `#` lines (pprof ignores
    /// them; `pprofx diff` uses them). Default off, for pprof's output.
    pub text_symbols: bool,
    /// How remote sources are fetched (`--seconds`, `--timeout`).
    pub fetch: fetch::FetchOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_size: DEFAULT_MAX_SIZE,
            text_symbols: false,
            fetch: fetch::FetchOptions::default(),
        }
    }
}

/// Reads, inflates and decodes one profile source: a file, `-` (standard
/// input), or a URL (fetched, see [`crate::source::fetch`]).
pub fn load(source: &str, opts: &LoadOptions) -> Result<Profile, LoadError> {
    if let Some(target) = fetch::remote_target(source, &opts.fetch) {
        return load_remote(&target, opts);
    }
    load_input(crate::source::open(source)?, opts)
}

/// Inflates and decodes an opened source (see [`crate::source::open`]).
pub fn load_input(input: Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    match input {
        Input::Mapped(m) => parse(Bytes::Mapped(m), opts),
        Input::Stream(s) => parse_reader(s, opts),
    }
}

/// Inflates and decodes a profile's bytes in memory: profile.proto, gzipped
/// or not, else the Go runtime's text formats.
pub fn parse(raw: Bytes, opts: &LoadOptions) -> Result<Profile, LoadError> {
    if !is_gzip(&raw) {
        if raw.len() as u64 > opts.max_size {
            return Err(LoadError::TooLarge {
                limit: opts.max_size,
            });
        }
        return decode_inflated(&raw, opts);
    }
    let mut timer = crate::util::timing::Timer::from_env();
    let data = gzip::inflate_checked(&raw, opts.max_size).map_err(|stop| stop_error(stop, opts))?;
    timer.lap("gunzip");
    drop(raw);
    decode_inflated(&data, opts)
}

/// Reads, inflates and decodes a profile from any reader (standard input, a
/// pipe, an upload), as it arrives and within `--max_size` (see the module
/// docs).
pub fn parse_reader(r: impl Read, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let mut timer = crate::util::timing::Timer::from_env();
    let limits = Limits {
        max_size: opts.max_size,
        expected: None,
    };
    let data = stream::read(r, &limits, &LoadError::Io).map_err(|stop| stop_error(stop, opts))?;
    timer.lap("read+gunzip");
    decode_inflated(&data, opts)
}

/// Decodes inflated bytes: profile.proto, else the Go runtime's text formats.
fn decode_inflated(data: &[u8], opts: &LoadOptions) -> Result<Profile, LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    match protobuf::decode(data) {
        Ok(p) => Ok(p),
        Err(e @ DecodeError::Concatenated) => Err(e.into()),
        // Not profile.proto: the Go runtime's text formats, as pprof tries them.
        Err(e) => match legacy::parse_with(
            data,
            legacy::TextOptions {
                symbols: opts.text_symbols,
            },
        ) {
            None => Err(match sniff::describe(data) {
                Some(what) => LoadError::NotProfile(what),
                None => e.into(),
            }),
            Some(r) => r.map_err(LoadError::Legacy),
        },
    }
}

/// The error of a read that stopped early. A framing fault is reported as
/// decoding the bytes read so far reports it, which is what decoding the
/// whole input would say (see [`framing`]).
fn stop_error(stop: Stop, opts: &LoadOptions) -> LoadError {
    let (fault, prefix) = match stop {
        Stop::Error(e) => return e,
        Stop::Fault { fault, prefix } => (fault, prefix),
    };
    match fault {
        Fault::Decode { offset } => match decode_inflated(&prefix, opts) {
            Err(e) => e,
            Ok(_) => LoadError::NotProfile(format!(
                "it is neither profile.proto nor a text profile (from byte {offset} on)"
            )),
        },
        Fault::FieldTooLarge { field, offset, len } => {
            LoadError::Decode(DecodeError::FieldTooLarge {
                field,
                offset,
                len,
                limit: opts.max_size,
            })
        }
        Fault::Implausible(what) => LoadError::NotProfile(what),
        Fault::LineTooLong { line } => LoadError::Legacy(format!(
            "line {line} is longer than {} bytes",
            framing::LINE_LIMIT
        )),
    }
}

/// Loads a remote source: announces it, fetches it (with a progress line on
/// a terminal while a capture runs), reads the body as it arrives (like a
/// stream, see the module docs), decodes it and saves it.
pub fn load_remote(target: &Target, opts: &LoadOptions) -> Result<Profile, LoadError> {
    crate::note!("Fetching profile over HTTP from {}", target.url);
    let progress = target.duration.and_then(|d| {
        let tty = io::stderr().is_terminal();
        if !tty {
            crate::note!("Please wait... ({})", format_duration(d));
        }
        tty.then(|| Progress::start(d, target.timeout)).flatten()
    });
    let fetched = fetch::fetch(target, opts.max_size).map(|response| {
        let Response {
            body,
            content_type,
            content_length,
        } = response;
        let mut tee = Tee::new(body);
        let limits = Limits {
            max_size: opts.max_size,
            expected: content_length,
        };
        let body_error =
            |e: io::Error| LoadError::Fetch(fetch::body_error(e, target, opts.max_size));
        let read = stream::read(&mut tee, &limits, &body_error);
        (read, tee, content_type)
    });
    drop(progress);
    let (read, tee, content_type) = fetched?;
    let html = looks_like_html(content_type.as_deref(), tee.head());
    let gzipped = tee.gzipped();
    let parsed = match read {
        Ok(data) => decode_inflated(&data, opts),
        Err(stop) => Err(stop_error(stop, opts)),
    };
    let profile = match parsed {
        Ok(p) => p,
        Err(
            e @ (LoadError::TooLarge { .. }
            | LoadError::Gzip(_)
            | LoadError::Fetch(_)
            | LoadError::Decode(DecodeError::FieldTooLarge { .. })),
        ) => return Err(e),
        Err(_) if html => return Err(FetchError::Html.into()),
        Err(LoadError::NotProfile(what)) => {
            return Err(FetchError::NotProfile {
                content_type,
                error: what,
            }
            .into())
        }
        Err(e) => {
            return Err(FetchError::NotProfile {
                content_type,
                error: e.to_string(),
            }
            .into())
        }
    };
    match capture::save(gzipped.as_deref(), &profile) {
        Ok(path) => crate::note!("Saved profile in {}", path.display()),
        Err(e) => crate::note!("pprofx: could not save profile: {}", io_phrase(&e)),
    }
    Ok(profile)
}

/// A body reader that keeps what the capture needs: every byte of a gzipped
/// body (saved as it came), else the first [`Tee::HEAD`] bytes (to tell an
/// HTML page).
struct Tee<R> {
    inner: R,
    copy: Vec<u8>,
}

impl<R: Read> Tee<R> {
    const HEAD: usize = 4096;

    fn new(inner: R) -> Self {
        Tee {
            inner,
            copy: Vec::new(),
        }
    }

    fn head(&self) -> &[u8] {
        &self.copy[..self.copy.len().min(Self::HEAD)]
    }

    /// The whole body, if it is gzip.
    fn gzipped(self) -> Option<Vec<u8>> {
        is_gzip(&self.copy).then_some(self.copy)
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut magic = [0u8; 2];
        for (slot, &b) in magic.iter_mut().zip(self.copy.iter().chain(&buf[..n])) {
            *slot = b;
        }
        let keep = if is_gzip(&magic) {
            n
        } else {
            n.min(Self::HEAD.saturating_sub(self.copy.len()))
        };
        self.copy.extend_from_slice(&buf[..keep]);
        Ok(n)
    }
}
/// An HTML content type, or a body that starts like markup.
fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}
