//! From a source's bytes to a [`Profile`]: gunzip, then profile.proto or
//! the legacy text formats.
//!
//! [`load`] is the whole chain for one source: read the bytes
//! ([`crate::source`], a file, `-` or a URL), inflate them when they are gzip
//! ([`gzip`], sniffed by magic bytes, capped by `--max_size`), decode them
//! with the hand-written protobuf decoder ([`protobuf`]) or, when they are
//! not profile.proto, with the Go runtime's text formats ([`legacy`]).
//! [`symbolize`] is pprof's name clean-up, applied after loading.

pub mod gzip;
pub mod legacy;
pub mod protobuf;
pub mod sniff;
pub mod symbolize;

use std::io::{self, IsTerminal};

use crate::error::{io_phrase, FetchError, LoadError};
use crate::model::Profile;
use crate::source::fetch::{self, format_duration, Fetched, Progress, Target};
use crate::source::{capture, read_source, Bytes};

use gzip::{decompress, gunzip, is_gzip};

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
    parse(read_source(source)?, opts)
}

/// Inflates and decodes a profile's bytes: profile.proto, gzipped or not,
/// else the Go runtime's text formats.
pub fn parse(raw: Bytes, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let mut timer = crate::util::timing::Timer::from_env();
    let data = decompress(raw, opts.max_size)?;
    timer.lap("gunzip");
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    match protobuf::decode(&data) {
        Ok(p) => Ok(p),
        Err(e @ crate::error::DecodeError::Concatenated) => Err(e.into()),
        // Not profile.proto: the Go runtime's text formats, as pprof tries them.
        Err(e) => match legacy::parse_with(
            &data,
            legacy::TextOptions {
                symbols: opts.text_symbols,
            },
        ) {
            None => Err(match sniff::describe(&data) {
                Some(what) => LoadError::NotProfile(what),
                None => e.into(),
            }),
            Some(r) => r.map_err(LoadError::Legacy),
        },
    }
}

/// Loads a remote source: announces it, fetches it (with a progress line on
/// a terminal while a capture runs), parses it like a file and saves it.
pub fn load_remote(target: &Target, opts: &LoadOptions) -> Result<Profile, LoadError> {
    eprintln!("Fetching profile over HTTP from {}", target.url);
    let progress = target.duration.and_then(|d| {
        let tty = io::stderr().is_terminal();
        if !tty {
            eprintln!("Please wait... ({})", format_duration(d));
        }
        tty.then(|| Progress::start(d, target.timeout)).flatten()
    });
    let fetched = fetch::fetch(target, opts.max_size);
    drop(progress);
    let Fetched { body, content_type } = fetched?;
    let html = looks_like_html(content_type.as_deref(), &body);
    // A gzipped body is saved as it came; anything else as the parsed profile.
    let (parsed, gzipped) = if is_gzip(&body) {
        let raw = gunzip(&body, opts.max_size);
        let parsed = raw.and_then(|raw| parse(Bytes::Owned(raw), opts));
        (parsed, Some(body))
    } else {
        (parse(Bytes::Owned(body), opts), None)
    };
    let profile = match parsed {
        Ok(p) => p,
        Err(e @ (LoadError::TooLarge { .. } | LoadError::Gzip(_))) => return Err(e),
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
        Ok(path) => eprintln!("Saved profile in {}", path.display()),
        Err(e) => eprintln!("pprofx: could not save profile: {}", io_phrase(&e)),
    }
    Ok(profile)
}

/// An HTML content type, or a body that starts like markup.
fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}
