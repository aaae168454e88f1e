//! The early look at a profile's bytes while they arrive.
//!
//! A source read as a stream (standard input, a URL's body, a gzip member
//! being inflated) is shown to a [`Framing`] after every read, so that junk
//! stops the read within its first kilobytes instead of after `--max_size`
//! bytes. It follows the two shapes a profile can have:
//!
//! * **profile.proto**: the top-level fields of the `Profile` message are
//!   walked as the decoder's first pass walks them (field keys, the wire type
//!   each field must have, the second `time_nanos` of concatenated profiles),
//!   without looking inside sub-messages. Beyond what the decoder rejects, a
//!   field whose declared length reaches past `--max_size` cannot fit, and a
//!   singular field (`period`, `time_nanos`, `doc_url`…) repeated more than
//!   [`SINGULAR_LIMIT`] times is not something a profile writer does: an
//!   endless run of `x` bytes is valid protobuf (field 15 over and over).
//! * **the Go runtime's text formats**: the first meaningful line must be one
//!   of their headers, exactly as [`legacy::looks_like_text`] decides, and no
//!   line may be longer than [`LINE_LIMIT`].
//!
//! The read is given up only when both shapes are ruled out, and never before
//! [`legacy::HEAD`] bytes (or the end) are in: with that much, decoding what
//! was read fails with the same message as decoding the whole input would
//! ([`Fault::Decode`]: the decoder walks the same top-level fields first, the
//! text parsers and [`super::sniff`] look no further), so the loader reports
//! it that way.

use super::legacy;

/// A singular field of `Profile` seen more often than this is implausible.
pub const SINGULAR_LIMIT: u32 = 1000;

/// The longest line a text profile may have (the Go runtime's lines are a
/// few kilobytes at most: a stack of addresses, a label set).
pub const LINE_LIMIT: usize = 4 << 20;

/// Why the bytes read so far cannot be the start of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Not profile.proto (a top-level field breaks the decoder's rules at
    /// byte `offset`) and not a text profile: decoding the bytes read so far
    /// fails as decoding the whole input would.
    Decode {
        /// Offset of the first top-level field the decoder rejects.
        offset: usize,
    },
    /// A top-level field declares more bytes than `--max_size` allows.
    FieldTooLarge {
        /// The field number.
        field: u64,
        /// Offset of its key.
        offset: usize,
        /// The declared length.
        len: u64,
    },
    /// profile.proto that no profile writer produces.
    Implausible(String),
    /// A text profile with a line longer than [`LINE_LIMIT`].
    LineTooLong {
        /// The line's number (from 1).
        line: u64,
    },
}

/// The incremental check (see the module docs). Feed it the bytes read so
/// far, which may only grow between calls.
#[derive(Debug)]
pub struct Framing {
    proto: Proto,
    text: Text,
}

impl Framing {
    /// A check for an input capped at `max_size` bytes.
    pub fn new(max_size: u64) -> Framing {
        Framing {
            proto: Proto {
                limit: max_size,
                ..Proto::default()
            },
            text: Text::default(),
        }
    }

    /// Looks at the new part of `data` (everything read so far); an error
    /// when the bytes cannot be the start of a profile.
    pub fn check(&mut self, data: &[u8]) -> Result<(), Fault> {
        self.proto.walk(data);
        self.text.scan(data);
        if data.len() < legacy::HEAD {
            return Ok(());
        }
        match (&self.proto.dead, &self.text.state) {
            (Some(_), TextState::Dead(Some(line))) => Err(Fault::LineTooLong { line: *line }),
            (Some(p), TextState::Dead(None)) => Err(p.clone()),
            _ => Ok(()),
        }
    }
}

/// The walk over profile.proto's top-level fields.
#[derive(Debug, Default)]
struct Proto {
    limit: u64,
    /// Offset of the next key.
    pos: usize,
    dead: Option<Fault>,
    time_seen: bool,
    time_nanos: u64,
    /// Occurrences of each singular field (by number).
    singular: [u32; 16],
}

/// A varint at `data[*i..]`: `None` when more bytes are needed, `Some(Err)`
/// when it is longer than ten bytes (the decoder's limit).
fn varint(data: &[u8], i: &mut usize) -> Option<Result<u64, ()>> {
    let mut v = 0u64;
    for shift in 0..10 {
        let &b = data.get(*i + shift)?;
        v |= u64::from(b & 0x7f) << (shift * 7);
        if b < 0x80 {
            *i += shift + 1;
            return Some(Ok(v));
        }
    }
    Some(Err(()))
}

impl Proto {
    fn walk(&mut self, data: &[u8]) {
        while self.dead.is_none() && self.pos < data.len() {
            let at = self.pos;
            let mut i = at;
            let decode = Fault::Decode { offset: at };
            let key = match varint(data, &mut i) {
                None => return,
                Some(Err(())) => {
                    self.dead = Some(decode);
                    return;
                }
                Some(Ok(k)) => k,
            };
            let (field, wire) = (key >> 3, (key & 7) as u8);
            // The wire type each field must have, as the decoder's first pass
            // checks it; unknown fields may have any but the group types.
            let wire_ok = match field {
                0 => false,
                1..=6 | 11 => wire == 2,
                7..=10 | 12 | 14 | 15 => wire == 0,
                13 => wire == 0 || wire == 2,
                _ => matches!(wire, 0 | 1 | 2 | 5),
            };
            if !wire_ok {
                self.dead = Some(decode);
                return;
            }
            match wire {
                0 => {
                    let v = match varint(data, &mut i) {
                        None => return,
                        Some(Err(())) => {
                            self.dead = Some(decode);
                            return;
                        }
                        Some(Ok(v)) => v,
                    };
                    if field == 9 {
                        // The decoder's sign of two concatenated profiles.
                        if self.time_seen && self.time_nanos != 0 {
                            self.dead = Some(decode);
                            return;
                        }
                        self.time_seen = true;
                        self.time_nanos = v;
                    }
                }
                1 => i += 8,
                5 => i += 4,
                _ => {
                    let len = match varint(data, &mut i) {
                        None => return,
                        Some(Err(())) => {
                            self.dead = Some(decode);
                            return;
                        }
                        Some(Ok(v)) => v,
                    };
                    if (i as u64).saturating_add(len) > self.limit {
                        self.dead = Some(Fault::FieldTooLarge {
                            field,
                            offset: at,
                            len,
                        });
                        return;
                    }
                    i += len as usize;
                }
            }
            if matches!(field, 7..=12 | 14 | 15) {
                let n = &mut self.singular[field as usize];
                *n += 1;
                if *n > SINGULAR_LIMIT {
                    self.dead = Some(Fault::Implausible(format!(
                        "it repeats field {field} of profile.proto ({}) more than {SINGULAR_LIMIT} times, which no profile writer does",
                        singular_name(field)
                    )));
                    return;
                }
            }
            self.pos = i;
        }
    }
}

/// The name of a singular field of `Profile`.
fn singular_name(field: u64) -> &'static str {
    match field {
        7 => "drop_frames",
        8 => "keep_frames",
        9 => "time_nanos",
        10 => "duration_nanos",
        11 => "period_type",
        12 => "period",
        14 => "default_sample_type",
        _ => "doc_url",
    }
}

/// The look at the text formats.
#[derive(Debug, Default)]
struct Text {
    state: TextState,
    /// Start of the current (unfinished) line.
    line_start: usize,
    /// Bytes already scanned for line ends.
    scanned: usize,
    /// Complete lines so far.
    lines: u64,
}

#[derive(Debug, Default)]
enum TextState {
    /// The header line is not complete yet.
    #[default]
    Undecided,
    /// A text profile's header was seen.
    Alive,
    /// Not a text profile: no header (`None`) or a line too long (its number).
    Dead(Option<u64>),
}

impl Text {
    fn scan(&mut self, data: &[u8]) {
        if let TextState::Undecided = self.state {
            self.decide(data);
        }
        if let TextState::Alive = self.state {
            let new = &data[self.scanned..];
            if let Some(last) = new.iter().rposition(|&b| b == b'\n') {
                self.lines += new[..=last].iter().filter(|&&b| b == b'\n').count() as u64;
                self.line_start = self.scanned + last + 1;
            }
            self.scanned = data.len();
            if data.len() - self.line_start > LINE_LIMIT {
                self.state = TextState::Dead(Some(self.lines + 1));
            }
        }
    }

    /// Decides from the first meaningful line, once it is complete (or once
    /// [`legacy::HEAD`] bytes are in), exactly as the text parsers will.
    fn decide(&mut self, data: &[u8]) {
        if data.len() >= legacy::HEAD {
            self.set(legacy::looks_like_text(data));
            return;
        }
        while let Some(nl) = data[self.scanned..].iter().position(|&b| b == b'\n') {
            let end = self.scanned + nl;
            let line = String::from_utf8_lossy(&data[self.line_start..end]);
            self.lines += 1;
            self.scanned = end + 1;
            self.line_start = end + 1;
            if !legacy::is_space_or_comment(&line) {
                // The first meaningful line is complete: the text parsers'
                // own test on everything up to it decides.
                self.set(legacy::looks_like_text(&data[..=end]));
                return;
            }
        }
        self.scanned = data.len();
    }

    fn set(&mut self, text: bool) {
        self.state = if text {
            TextState::Alive
        } else {
            TextState::Dead(None)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `data` in pieces of `step` bytes; the first fault, if any.
    fn feed(data: &[u8], step: usize, max: u64) -> Option<(usize, Fault)> {
        let mut f = Framing::new(max);
        let mut n = 0;
        while n < data.len() {
            n = (n + step).min(data.len());
            if let Err(fault) = f.check(&data[..n]) {
                return Some((n, fault));
            }
        }
        None
    }

    fn repeat(unit: &[u8], n: usize) -> Vec<u8> {
        unit.iter().copied().cycle().take(n).collect()
    }

    #[test]
    fn zeros_and_random_bytes_fail_in_the_first_kilobytes() {
        let zeros = vec![0u8; 1 << 20];
        assert_eq!(
            feed(&zeros, 4096, 4 << 30),
            Some((legacy::HEAD, Fault::Decode { offset: 0 }))
        );
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let random: Vec<u8> = (0..4 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let (at, _) = feed(&random, 8192, 4 << 30).expect("random bytes fail");
        assert!(at <= 1 << 20, "failed only after {at} bytes");
    }

    #[test]
    fn valid_looking_endless_runs_are_implausible() {
        // `x` is field 15 (doc_url) = 120, again and again.
        let (at, fault) = feed(&repeat(b"x", 1 << 20), 4096, 4 << 30).expect("fails");
        assert_eq!(at, legacy::HEAD);
        assert!(
            matches!(fault, Fault::Implausible(ref m) if m.contains("doc_url")),
            "{fault:?}"
        );
        // `z` is field 15 with wire type 2: a length of 122, then skipped bytes.
        assert!(feed(&repeat(b"z", 1 << 20), 4096, 4 << 30).is_some());
    }

    #[test]
    fn a_field_longer_than_the_cap_fails() {
        // string_table entry of 2^40 bytes.
        let mut d = vec![0x32, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        d.resize(legacy::HEAD, b'a');
        assert_eq!(
            feed(&d, 1024, 4 << 30),
            Some((
                legacy::HEAD,
                Fault::FieldTooLarge {
                    field: 6,
                    offset: 0,
                    len: 1 << 40
                }
            ))
        );
        // The same under a bigger cap is only waiting for its bytes.
        assert_eq!(feed(&d, 1024, 1 << 50), None);
    }

    #[test]
    fn real_profiles_pass_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/profiles");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let raw = std::fs::read(e.path()).unwrap();
            let data = if raw.starts_with(&[0x1f, 0x8b]) {
                let mut v = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(&raw[..]),
                    &mut v,
                )
                .unwrap();
                v
            } else {
                raw
            };
            for step in [1, 7, 4096, 1 << 20] {
                assert_eq!(feed(&data, step, 4 << 30), None, "{}", e.path().display());
            }
            n += 1;
        }
        assert!(n >= 5);
    }

    #[test]
    fn text_profiles_pass_and_endless_lines_fail() {
        let mut heap = b"heap profile: 1: 2 [3: 4] @ heap/1048576\n".to_vec();
        for _ in 0..10_000 {
            heap.extend_from_slice(b"1: 2 [3: 4] @ 0x1 0x2 0x3\n");
        }
        assert_eq!(feed(&heap, 100, 4 << 30), None);
        // Blank and comment lines before the header are skipped, as pprof does.
        let mut late = b"\n# a comment\n   \n".to_vec();
        late.extend_from_slice(&heap);
        assert_eq!(feed(&late, 3, 4 << 30), None);
        // A header, then a line without end: wrong for both shapes.
        let mut endless = b"goroutine profile: total 3\n".to_vec();
        endless.resize(LINE_LIMIT + (1 << 20), b'a');
        let (at, fault) = feed(&endless, 1 << 16, 4 << 30).expect("fails");
        assert_eq!(fault, Fault::LineTooLong { line: 2 });
        assert!(at <= LINE_LIMIT + (1 << 17), "{at}");
        // No header: text is ruled out on the first complete line.
        let mut prose = b"hello world\n".to_vec();
        prose.resize(legacy::HEAD, b'.');
        assert!(feed(&prose, 64, 4 << 30).is_some());
    }

    #[test]
    fn concatenated_profiles_fail_like_the_decoder() {
        // time_nanos = 5, then again: the second profile's header.
        let mut d = vec![0x48, 0x05, 0x48, 0x07];
        d.resize(legacy::HEAD, 0x50); // field 10 = 0x50 wire 0 ... varints of 0x50
        assert_eq!(
            feed(&d, 1 << 16, 4 << 30),
            Some((legacy::HEAD, Fault::Decode { offset: 2 }))
        );
    }
}
