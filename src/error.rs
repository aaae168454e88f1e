//! Typed errors of the library.
//!
//! Every stage that can fail on user input returns one of these, so that the
//! binary can print a single line `pprofx: FILE: what is wrong` and tests can
//! match on the kind of fault. Messages are lower-case fragments meant to be
//! prefixed with the input's name.

use std::io;

use thiserror::Error;

/// Why a profile could not be loaded (read, inflated or decoded).
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file or stream could not be read.
    #[error("{}", io_message(.0))]
    Io(#[from] std::io::Error),
    /// The gzip stream is corrupt or truncated.
    #[error("decompressing profile: {0}")]
    Gzip(String),
    /// The decompressed profile exceeds the configured size cap.
    #[error("decompressed size exceeds the limit of {limit} bytes (use --max_size to raise it)")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The input is empty.
    #[error("empty input file")]
    Empty,
    /// Recognisably not a profile: what it is instead (an HTML page, an
    /// executable, JSON, folded stacks…).
    #[error("not a profile: {0}")]
    NotProfile(String),
    /// The bytes are not a valid profile.proto message, or break pprof's rules.
    #[error("parsing profile: {0}")]
    Decode(#[from] DecodeError),
    /// A text (legacy) profile whose header was recognised but whose body is invalid.
    #[error("parsing profile: {0}")]
    Legacy(String),
    /// A remote source could not be fetched, or did not send a profile.
    #[error("{0}")]
    Fetch(#[from] FetchError),
}

/// An I/O error as a short lower-case phrase, without Rust's "(os error N)".
pub(crate) fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// A protobuf-level or validity fault found while decoding a profile.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended in the middle of a field.
    #[error("truncated input at byte {offset} ({what})")]
    Truncated {
        /// Byte offset (within the decompressed message) where the fault was found.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// A varint longer than 10 bytes.
    #[error("malformed varint at byte {offset}")]
    BadVarint {
        /// Byte offset of the varint.
        offset: usize,
    },
    /// A wire type this decoder cannot accept for the field (or groups).
    #[error("unexpected wire type {wire_type} for field {field} at byte {offset}")]
    WireType {
        /// The field number.
        field: u64,
        /// The wire type seen.
        wire_type: u8,
        /// Byte offset of the tag.
        offset: usize,
    },
    /// Field number 0, which protobuf forbids.
    #[error("invalid field number 0 at byte {offset}")]
    ZeroField {
        /// Byte offset of the tag.
        offset: usize,
    },
    /// A second `time_nanos` field: two profiles were concatenated.
    #[error("concatenated profiles detected")]
    Concatenated,
    /// A string index points past the end of the string table.
    #[error(
        "malformed profile format: string index {index} out of range (table has {len} strings)"
    )]
    StringIndex {
        /// The offending index.
        index: i64,
        /// Size of the string table.
        len: usize,
    },
    /// The string table does not start with the empty string.
    #[error("string_table[0] must be ''")]
    FirstString,
    /// A sample has a different number of values than there are sample types.
    #[error("mismatch: sample has {values} values vs. {types} types")]
    ValueCount {
        /// Values in the sample.
        values: usize,
        /// Declared sample types.
        types: usize,
    },
    /// An id of 0, which pprof reserves.
    #[error("found {what} with reserved id=0")]
    ZeroId {
        /// "mapping", "location" or "function".
        what: &'static str,
    },
    /// Two entities of the same kind share an id.
    #[error("multiple {what}s with same id: {id}")]
    DuplicateId {
        /// "mapping", "location" or "function".
        what: &'static str,
        /// The repeated id.
        id: u64,
    },
    /// A reference to an id that is not defined.
    #[error("{from} refers to unknown {what} id {id}")]
    UnknownId {
        /// Where the reference is ("sample 3", "location 7").
        from: String,
        /// "location" or "function".
        what: &'static str,
        /// The missing id.
        id: u64,
    },
    /// A Line with function_id 0.
    #[error("location id: {location} has a line with nil function")]
    NilFunction {
        /// The location id.
        location: u64,
    },
    /// Samples present but no sample types declared.
    #[error("missing sample type information")]
    MissingSampleTypes,
    /// No string table at all (not even the mandatory empty string).
    #[error("malformed profile format: no string table")]
    NoStringTable,
    /// A top-level field whose declared length reaches past the size cap
    /// (found while the input is still arriving, see `decode::framing`).
    #[error("field {field} at byte {offset} declares {len} bytes, more than the limit of {limit} bytes (see --max_size)")]
    FieldTooLarge {
        /// The field number.
        field: u64,
        /// Byte offset of its key.
        offset: usize,
        /// The declared length.
        len: u64,
        /// The cap (`--max_size`).
        limit: u64,
    },
    /// A count or size that does not fit this decoder's 32-bit indices.
    #[error("profile too large: more than 2^32 {what}")]
    Overflow {
        /// What overflowed.
        what: &'static str,
    },
}

/// A fault in the report options (sample index, unit, divisor…).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OptionError {
    /// The profile declares no sample types.
    #[error("profile has no samples")]
    NoSampleTypes,
    /// A numeric sample index out of range.
    #[error("sample_index {index} is outside the range [0..{max}]")]
    SampleIndexRange {
        /// What the user gave.
        index: String,
        /// Highest valid index.
        max: usize,
    },
    /// A sample index name that matches no sample type.
    #[error("sample_index {name:?} must be one of: [{choices}]")]
    SampleIndexName {
        /// What the user gave.
        name: String,
        /// The valid names, space separated.
        choices: String,
    },
    /// `--divide_by=0`.
    #[error("zero divisor specified")]
    ZeroDivisor,
    /// A regular expression (e.g. the profile's drop_frames) failed to compile.
    #[error("failed to compile regexp {pattern}: {message}")]
    Regex {
        /// The pattern.
        pattern: String,
        /// The compiler's message.
        message: String,
    },
    /// A filter option (`focus`, `tagfocus`…) is not a valid regexp.
    #[error("parsing {option} regexp {pattern:?}: {message}")]
    FilterRegex {
        /// The option.
        option: String,
        /// The pattern.
        pattern: String,
        /// The compiler's message (one line).
        message: String,
    },
}

/// Why a remote source could not be fetched. Messages are lower-case
/// fragments to follow `pprofx: SOURCE: `.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with a status other than 200.
    #[error("server response: {status}{}", detail.as_deref().map(|d| format!(" - {d}")).unwrap_or_default())]
    Status {
        /// Code and reason, e.g. `404 Not Found`.
        status: String,
        /// The error text a Go pprof handler sends with it, if any.
        detail: Option<String>,
    },
    /// Nothing listens on the port.
    #[error("cannot connect to {0}: connection refused")]
    Refused(String),
    /// The host name does not resolve.
    #[error("cannot resolve host {0}")]
    HostNotFound(String),
    /// The deadline passed.
    #[error("no complete answer within {0} (see --timeout)")]
    Timeout(String),
    /// A network or protocol failure.
    #[error("{0}")]
    Network(String),
    /// `https` without the `tls` feature.
    #[error("https needs pprofx built with the `tls` cargo feature")]
    NoTls,
    /// `--tls_cert`, `--tls_key` or `--tls_ca` unusable.
    #[error("{0}")]
    TlsFiles(String),
    /// A scheme other than http and https.
    #[error("unsupported URL scheme {0:?} (use http or https)")]
    Scheme(String),
    /// The body is bigger than `--max_size`.
    #[error("response exceeds the limit of {0} bytes (use --max_size to raise it)")]
    TooLarge(u64),
    /// An HTML page instead of a profile.
    #[error(
        "not a profile: the server sent an HTML page (is the path right? e.g. /debug/pprof/heap)"
    )]
    Html,
    /// A body that is neither profile.proto nor a known text format.
    #[error("not a profile{}: {error}", content_type.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    NotProfile {
        /// The response's Content-Type.
        content_type: Option<String>,
        /// Why it did not parse.
        error: String,
    },
}

/// An I/O error as a short phrase, without Rust's "(os error N)".
pub fn io_phrase(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
