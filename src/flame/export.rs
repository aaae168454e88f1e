//! Exports of the stack tree and name escaping.
//!
//! * [`write_folded`]: Brendan Gregg's folded stacks, one line per stack,
//!   `root;child;leaf WEIGHT`, sorted by frame names;
//! * [`write_speedscope`]: speedscope's JSON file format (one "sampled"
//!   profile, weights in the sample unit);
//! * [`escape_frame`]: the escaping every frame name gets before it enters
//!   folded text, so that a name can neither split a frame (`;`), end a line,
//!   nor carry characters XML forbids;
//!
//! Files are written with [`crate::util::output::write_output`].

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::StackTree;

/// True for characters [`escape_frame`] percent-encodes.
fn needs_escape(c: char, first: bool) -> bool {
    matches!(c, '%' | ';' | '\u{7f}' | '\u{fffe}' | '\u{ffff}')
        || (c.is_control() && c != '\t' && (c as u32) < 0x80)
        || (first && c == '#')
}

/// Escapes a frame name for folded stacks by percent-encoding (as UTF-8
/// bytes, `%XX`) the characters that would break the format or XML: `%`
/// itself, `;` (the frame separator), ASCII control characters other than
/// tab (newlines end a line), DEL, U+FFFE/U+FFFF, and a leading `#` (a line
/// starting with `# ` is a comment to inferno). Decoding `%XX` restores the
/// name exactly; every other character passes unchanged.
pub fn escape_frame(name: &str) -> Cow<'_, str> {
    if !name
        .chars()
        .enumerate()
        .any(|(i, c)| needs_escape(c, i == 0))
    {
        return Cow::Borrowed(name);
    }
    Cow::Owned(percent_encode(name, |i, c| needs_escape(c, i == 0)))
}

/// Percent-encodes (as UTF-8 bytes, `%XX`) the characters of `s` for which
/// `bad(index, char)` holds.
fn percent_encode(s: &str, bad: impl Fn(usize, char) -> bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        if bad(i, c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes what XML 1.0 cannot carry from free text (titles, units): ASCII
/// control characters other than tab, newline and carriage return become
/// `%XX`, as do U+FFFE and U+FFFF. Markup characters are left to the XML
/// writer, which escapes them.
pub fn xml_text(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(percent_encode(s, |_, c| bad(c)))
}

/// The tree's stacks as folded lines (without newline), sorted by frame
/// names, names escaped by [`escape_frame`].
pub fn folded_lines(tree: &StackTree) -> Vec<String> {
    let names = escaped_names(tree);
    tree.stacks()
        .into_iter()
        .map(|(path, w)| {
            let mut line = String::new();
            push_folded(&mut line, &names, &path, w);
            line
        })
        .collect()
}

/// Writes the tree as folded stacks (`a;b;c 123`, one per line), one line at
/// a time: an unpruned tree of a large profile makes hundreds of megabytes
/// of text, which is never held in memory at once.
pub fn write_folded(tree: &StackTree, w: &mut dyn Write) -> io::Result<()> {
    let names = escaped_names(tree);
    let mut line = String::new();
    for (path, weight) in tree.stacks() {
        line.clear();
        push_folded(&mut line, &names, &path, weight);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The tree's frame names escaped for folded lines.
fn escaped_names(tree: &StackTree) -> Vec<Cow<'_, str>> {
    tree.names.iter().map(|n| escape_frame(n)).collect()
}

/// Appends one folded line (without newline): the path's names joined by
/// `;`, a space, the weight.
fn push_folded(line: &mut String, names: &[Cow<'_, str>], path: &[u32], weight: u64) {
    for (i, &f) in path.iter().enumerate() {
        if i > 0 {
            line.push(';');
        }
        line.push_str(&names[f as usize]);
    }
    line.push(' ');
    line.push_str(&weight.to_string());
}

/// speedscope's file format (`https://www.speedscope.app/file-format-schema.json`).
#[derive(Serialize)]
struct SpeedscopeFile<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    exporter: &'static str,
    name: &'a str,
    #[serde(rename = "activeProfileIndex")]
    active_profile_index: u32,
    shared: Shared<'a>,
    profiles: [SampledProfile<'a>; 1],
}

#[derive(Serialize)]
struct Shared<'a> {
    frames: Vec<Frame<'a>>,
}

#[derive(Serialize)]
struct Frame<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SampledProfile<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    name: &'a str,
    unit: &'static str,
    #[serde(rename = "startValue")]
    start_value: u64,
    #[serde(rename = "endValue")]
    end_value: u64,
    samples: Vec<Vec<u32>>,
    weights: Vec<u64>,
}

/// speedscope's name for a pprof sample unit (`none` if it has none).
pub fn speedscope_unit(unit: &str) -> &'static str {
    match unit {
        "nanoseconds" | "nanosecond" | "ns" => "nanoseconds",
        "microseconds" | "microsecond" | "us" => "microseconds",
        "milliseconds" | "millisecond" | "ms" => "milliseconds",
        "seconds" | "second" | "s" => "seconds",
        "bytes" | "byte" | "B" => "bytes",
        _ => "none",
    }
}

/// Writes the tree as a speedscope JSON file: one "sampled" profile whose
/// samples are the tree's stacks (frame indices root first) with their self
/// weights, named `name`, in `unit` (a pprof unit, mapped by [`speedscope_unit`]).
pub fn write_speedscope(
    tree: &StackTree,
    name: &str,
    unit: &str,
    w: &mut dyn Write,
) -> io::Result<()> {
    let stacks = tree.stacks();
    let end_value = stacks.iter().fold(0u64, |a, s| a.saturating_add(s.1));
    let (samples, weights) = stacks.into_iter().unzip();
    let file = SpeedscopeFile {
        schema: "https://www.speedscope.app/file-format-schema.json",
        exporter: "pprofx",
        name,
        active_profile_index: 0,
        shared: Shared {
            frames: tree.names.iter().map(|n| Frame { name: n }).collect(),
        },
        profiles: [SampledProfile {
            ty: "sampled",
            name,
            unit: speedscope_unit(unit),
            start_value: 0,
            end_value,
            samples,
            weights,
        }],
    };
    serde_json::to_writer(&mut *w, &file).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_reversible_and_separator_free() {
        assert_eq!(escape_frame("main.f"), "main.f");
        assert_eq!(escape_frame("a;b"), "a%3Bb");
        assert_eq!(escape_frame("x\ny\r"), "x%0Ay%0D");
        assert_eq!(escape_frame("100%"), "100%25");
        assert_eq!(escape_frame("# c#"), "%23 c#");
        assert_eq!(escape_frame("<a href='x'>\t"), "<a href='x'>\t");
        assert_eq!(escape_frame("\u{1}\u{ffff}"), "%01%EF%BF%BF");
        assert_eq!(xml_text("t\u{0}\n"), "t%00\n");
    }
}
