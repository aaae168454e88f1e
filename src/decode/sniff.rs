//! What a file that is not a profile looks like, in plain words.
//!
//! When the bytes are neither profile.proto nor one of the Go runtime's text
//! formats, the decoder's own fault ("unexpected wire type 4 for field 13")
//! means nothing to someone who passed an HTML page or a binary by mistake.
//! [`describe`] recognises the common mistakes (a web page, an executable,
//! JSON, a folded-stacks file, another compressor, plain text) from the
//! first bytes; anything else keeps the decoder's message, which is the
//! useful one for a damaged profile.

/// A short description of what `data` is, if it is recognisably not a
/// profile; `None` when it might be a damaged profile.
pub fn describe(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(4096)];
    let magic = |m: &[u8]| head.starts_with(m);
    if magic(b"\x7fELF")
        || magic(b"\xfe\xed\xfa\xce")
        || magic(b"\xfe\xed\xfa\xcf")
        || magic(b"\xce\xfa\xed\xfe")
        || magic(b"\xcf\xfa\xed\xfe")
        || (magic(b"MZ") && data.len() > 64)
    {
        return Some("it is an executable; pprofx reads profiles (for example `go tool pprof`'s `cpu.pprof`), not binaries".into());
    }
    let compressors: [(&[u8], &str); 5] = [
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"BZh", "bzip2"),
        (b"\x04\x22\x4d\x18", "lz4"),
        (b"PK\x03\x04", "zip"),
    ];
    for (m, name) in compressors {
        if magic(m) {
            return Some(format!(
                "it is {name}-compressed; decompress it first (pprofx reads gzip itself)"
            ));
        }
    }
    if !looks_like_text(head) {
        return None;
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    let lower: String = trimmed
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<head")
    {
        return Some(
            "it is an HTML page (is the URL or path right? e.g. /debug/pprof/heap)".into(),
        );
    }
    if lower.starts_with("<?xml") || lower.starts_with("<svg") {
        return Some("it is an XML or SVG file".into());
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Some(
            "it is JSON (pprofx reads profile.proto; a speedscope or Chrome trace file is not one)"
                .into(),
        );
    }
    let first = trimmed.lines().next().unwrap_or("");
    if is_folded_line(first) {
        return Some(
            "it is folded stacks (`a;b;c 12`, flame graph input), not a pprof profile".into(),
        );
    }
    let shown: String = first.chars().take(40).collect();
    let more = if first.chars().count() > 40 {
        "…"
    } else {
        ""
    };
    Some(format!(
        "it is a text file that no pprof text format matches (it starts {:?})",
        format!("{shown}{more}")
    ))
}

/// Mostly printable UTF-8 text (tabs and line ends allowed).
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut at the end of the window is fine.
        Err(e) if e.valid_up_to() + 4 >= head.len() && e.valid_up_to() > 0 => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    control * 100 <= text.chars().count()
}

/// `frame;frame;frame COUNT`, as flamegraph.pl and inferno read.
fn is_folded_line(line: &str) -> bool {
    let Some((stack, count)) = line.trim_end().rsplit_once(' ') else {
        return false;
    };
    stack.contains(';') && !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_mistakes_are_named() {
        let d = |b: &[u8]| describe(b).unwrap_or_default();
        assert!(d(b"\x7fELF\x02\x01\x01").contains("executable"));
        assert!(d(b"<!DOCTYPE html><html>").contains("HTML"));
        assert!(d(b"  {\"shared\": {}}").contains("JSON"));
        assert!(d(b"main;work;spin 12\nmain;idle 3\n").contains("folded"));
        assert!(d(b"\x28\xb5\x2f\xfd\x00").contains("zstd"));
        assert!(d(b"hello world\n").contains("starts \"hello world\""));
    }

    #[test]
    fn damaged_profiles_keep_the_decoders_message() {
        // A profile.proto start (sample_type, a small submessage) is binary.
        assert_eq!(describe(b"\x0a\x04\x08\x01\x10\x02\xff\xff"), None);
        assert_eq!(describe(&[0xa3, 0x01, 0x00, 0x17]), None);
    }
}
