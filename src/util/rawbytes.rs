//! Strings that are not valid UTF-8, carried through `&str` code.
//!
//! Profiles may hold names that are not UTF-8 (profile.proto strings are
//! bytes to pprof; the text formats too). pprof prints such bytes as they
//! are. pprofx keeps every string a Rust `&str` (so filters, regexes,
//! hashing and sorting stay as fast as they are), and carries each byte
//! that is not part of valid UTF-8 as one code point of the last private-use
//! plane, `U+10FF00 + byte` (`U+10FF80`..`U+10FFFF`, four bytes each:
//! `F4 8F BE|BF xx`). Valid strings, the usual case, are stored as they
//! are: only the decoders' slow path (after the UTF-8 check failed) calls
//! [`push_escaped`].
//!
//! Output undoes the escape: [`Unescape::raw`] writes the original bytes
//! back (text reports, as pprof prints them) and [`Unescape::valid`] writes U+FFFD
//! instead (JSON, SVG, HTML, which must stay valid UTF-8, as Go's
//! `encoding/json` does). Both pass bytes through untouched unless some
//! string was escaped in this process ([`any_escaped`]), so ordinary
//! profiles pay nothing, and a profile that really contains those
//! private-use characters is only misread when it also holds invalid
//! UTF-8. [`unescape_bytes`] gives the original bytes of one string (for
//! writing profile.proto back).
//!
//! One escaped byte is one character, as one invalid byte is one rune
//! (`utf8.RuneError`) to Go: widths and `.` in regexes count it once.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once any string has been escaped.
static ESCAPED: AtomicBool = AtomicBool::new(false);

/// Whether any string was escaped in this process (so output must be
/// unescaped).
pub fn any_escaped() -> bool {
    ESCAPED.load(Ordering::Relaxed)
}

/// The escape of byte `b` (0x80..=0xFF).
fn escape(b: u8) -> char {
    char::from_u32(0x10_FF00 + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Appends `bytes` to `out`, valid UTF-8 as is and every other byte as its
/// escape. Returns whether anything was escaped.
pub fn push_escaped(bytes: &[u8], out: &mut String) -> bool {
    let mut rest = bytes;
    let mut escaped = false;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // `valid` is valid UTF-8 by the error's contract.
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(after.len()).max(1);
                for &b in &after[..bad] {
                    out.push(escape(b));
                }
                escaped = true;
                rest = &after[bad..];
            }
        }
    }
    if escaped {
        ESCAPED.store(true, Ordering::Relaxed);
    }
    escaped
}

/// `bytes` as a string: borrowed when valid UTF-8, else with the invalid
/// bytes escaped.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut s = String::with_capacity(bytes.len() + 8);
            push_escaped(bytes, &mut s);
            Cow::Owned(s)
        }
    }
}

/// The byte an escape at the start of `b` stands for, if `b` starts with
/// one (`F4 8F BE|BF xx`).
fn escaped_byte(b: &[u8]) -> Option<u8> {
    match *b {
        [0xF4, 0x8F, 0xBE, x, ..] if (0x80..0xC0).contains(&x) => Some(x),
        [0xF4, 0x8F, 0xBF, x, ..] if (0x80..0xC0).contains(&x) => Some(x + 0x40),
        _ => None,
    }
}

/// Rewrites `data` with each escape replaced by `with(byte)`; borrowed when
/// there is none.
fn replace<'a>(data: &'a [u8], with: &dyn Fn(u8, &mut Vec<u8>)) -> Cow<'a, [u8]> {
    let Some(first) = find_escape(data, 0) else {
        return Cow::Borrowed(data);
    };
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..first]);
    let mut i = first;
    while i < data.len() {
        match escaped_byte(&data[i..]) {
            Some(b) => {
                with(b, &mut out);
                i += 4;
            }
            None => {
                let next = find_escape(data, i + 1).unwrap_or(data.len());
                out.extend_from_slice(&data[i..next]);
                i = next;
            }
        }
    }
    Cow::Owned(out)
}

/// The position of the next escape at or after `from`.
fn find_escape(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < data.len() {
        let at = i + data[i..].iter().position(|&b| b == 0xF4)?;
        if escaped_byte(&data[at..]).is_some() {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The original bytes of a string that may hold escapes.
pub fn unescape_bytes(s: &str) -> Cow<'_, [u8]> {
    replace(s.as_bytes(), &|b, out| out.push(b))
}

/// `s` with each escape replaced by U+FFFD (always valid UTF-8).
pub fn to_valid(s: &str) -> Cow<'_, str> {
    match replace(s.as_bytes(), &|_, out| {
        out.extend_from_slice("\u{FFFD}".as_bytes())
    }) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        Cow::Owned(v) => Cow::Owned(String::from_utf8(v).unwrap_or_default()),
    }
}

/// A writer that undoes escapes on their way to `W`: to the original bytes
/// ([`Unescape::raw`]) or to U+FFFD ([`Unescape::valid`]). An escape split
/// between two writes is held back until the next write, a flush or the
/// end.
pub struct Unescape<W: Write> {
    inner: W,
    raw: bool,
    active: bool,
    /// The start of an escape cut by the end of the last write.
    held: Vec<u8>,
}

impl<W: Write> Unescape<W> {
    /// Writes the original bytes of escapes (text reports).
    pub fn raw(inner: W) -> Self {
        Unescape {
            inner,
            raw: true,
            active: any_escaped(),
            held: Vec::new(),
        }
    }

    /// Writes U+FFFD for escapes (JSON, SVG, HTML).
    pub fn valid(inner: W) -> Self {
        let mut w = Unescape::raw(inner);
        w.raw = false;
        w
    }

    /// Writes what is held back.
    fn release(&mut self) -> io::Result<()> {
        let held = std::mem::take(&mut self.held);
        self.inner.write_all(&held)
    }

    fn emit(&mut self, data: &[u8]) -> io::Result<()> {
        let out = if self.raw {
            replace(data, &|b, out| out.push(b))
        } else {
            replace(data, &|_, out| out.extend_from_slice("\u{FFFD}".as_bytes()))
        };
        self.inner.write_all(&out)
    }
}

/// How many bytes at the end of `data` could start an escape that the next
/// write completes.
fn partial_tail(data: &[u8]) -> usize {
    let n = data.len();
    for k in (1..=3.min(n)).rev() {
        let tail = &data[n - k..];
        let fits = match tail {
            [0xF4] | [0xF4, 0x8F] => true,
            [0xF4, 0x8F, x] => *x == 0xBE || *x == 0xBF,
            _ => false,
        };
        if fits {
            return k;
        }
    }
    0
}

impl<W: Write> Write for Unescape<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.active {
            return self.inner.write(buf);
        }
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(buf);
        let keep = partial_tail(&data);
        let (now, later) = data.split_at(data.len() - keep);
        self.emit(now)?;
        self.held = later.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.release()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Unescape<W> {
    fn drop(&mut self) {
        let _ = self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes: Vec<u8> = (0u8..=255).chain([b'a', 0xC3, 0xA9, 0xE2, 0x82]).collect();
        let s = decode(&bytes);
        assert!(matches!(s, Cow::Owned(_)));
        assert!(any_escaped());
        assert_eq!(unescape_bytes(&s), bytes.as_slice());
        // One character per invalid byte; valid sequences kept.
        assert_eq!(s.chars().count(), 128 + 128 + 1 + 1 + 2);
        assert!(s.contains("aé"));
        let v = to_valid(&s);
        assert_eq!(v.chars().filter(|&c| c == '\u{FFFD}').count(), 128 + 2);
        assert!(matches!(decode(b"plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn writers_undo_escapes_across_writes() {
        let s = decode(b"x\xff\x80y").into_owned();
        let b = s.as_bytes();
        let run = |raw: bool, parts: &[&[u8]]| {
            let mut out = Vec::new();
            let mut w = if raw {
                Unescape::raw(&mut out)
            } else {
                Unescape::valid(&mut out)
            };
            for p in parts {
                w.write_all(p).unwrap();
            }
            drop(w);
            out
        };
        for cut in 0..=b.len() {
            let out = run(true, &[&b[..cut], &b[cut..]]);
            assert_eq!(out, b"x\xff\x80y", "cut at {cut}");
        }
        assert_eq!(run(false, &[b]), "x\u{FFFD}\u{FFFD}y".as_bytes());
        // A held-back prefix that is not an escape is written as it was.
        assert_eq!(run(true, &[&[b'a', 0xF4, 0x8F]]), [b'a', 0xF4, 0x8F]);
    }
}
