//! `go tool preprofile`'s output format (`cmd/internal/pgo`, "GO PREPROFILE
//! V1"): the header line, then for each edge in the compiler's order three
//! lines: the caller, the callee, and `OFFSET WEIGHT`. The go command writes
//! it once per build and every compile reads it instead of the profile.
//!
//! [`write`] produces exactly `go tool preprofile`'s bytes for an
//! [`EdgeTable`]; [`parse`] reads the format back with the compiler's rules
//! (lines split at `\n`, a trailing `\r` dropped, duplicate edges refused).

use std::io::{self, Write};

use super::edges::{Edge, EdgeKey, EdgeTable};
use super::PgoError;

/// The first line of the format, with its newline.
pub const HEADER: &str = "GO PREPROFILE V1\n";

/// True if `data` starts with the serialized format's header.
pub fn is_serialized(data: &[u8]) -> bool {
    data.starts_with(HEADER.as_bytes())
}

/// Writes `t` as `go tool preprofile` does.
pub fn write(t: &EdgeTable, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(HEADER.as_bytes())?;
    for e in &t.edges {
        writeln!(w, "{}", e.key.caller)?;
        writeln!(w, "{}", e.key.callee)?;
        writeln!(w, "{} {}", e.key.call_site_offset, e.weight)?;
    }
    Ok(())
}

/// Reads the serialized format (the compiler's `FromSerialized`): edges in
/// file order, total = Σ weights.
pub fn parse(data: &[u8]) -> Result<EdgeTable, PgoError> {
    let err = |m: String| PgoError::Serialized(m);
    let text = std::str::from_utf8(data)
        .map_err(|_| err("preprocessed profile is not UTF-8 text".to_string()))?;
    let mut lines = text.split_inclusive('\n').map(|l| {
        let l = l.strip_suffix('\n').unwrap_or(l);
        l.strip_suffix('\r').unwrap_or(l)
    });
    match lines.next() {
        None => return Err(err("preprocessed profile missing header".to_string())),
        Some(h) if format!("{h}\n") != HEADER => {
            return Err(err(format!(
                "preprocessed profile malformed header; got {h:?} want {HEADER:?}"
            )))
        }
        Some(_) => {}
    }
    let mut edges: Vec<Edge> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut total: i64 = 0;
    while let Some(caller) = lines.next() {
        let callee = lines
            .next()
            .ok_or_else(|| err("preprocessed profile entry missing callee".to_string()))?;
        let numbers = lines
            .next()
            .ok_or_else(|| err("preprocessed profile entry missing weight".to_string()))?;
        let fields: Vec<&str> = numbers.split(' ').collect();
        let [offset, weight] = fields.as_slice() else {
            return Err(err(format!(
                "preprocessed profile entry got {} fields, want 2: {numbers:?}",
                fields.len()
            )));
        };
        let offset: i64 = parse_go_int(offset).ok_or_else(|| {
            err(format!(
                "preprocessed profile error processing call line: {offset:?}"
            ))
        })?;
        let weight: i64 = parse_go_int(weight).ok_or_else(|| {
            err(format!(
                "preprocessed profile error processing call weight: {weight:?}"
            ))
        })?;
        let key = EdgeKey {
            caller: caller.to_string(),
            callee: callee.to_string(),
            call_site_offset: offset,
        };
        if !seen.insert(key.clone()) {
            return Err(err(format!(
                "preprocessed profile contains duplicate edge {caller} -> {callee} at offset {offset}"
            )));
        }
        total = total.wrapping_add(weight);
        edges.push(Edge {
            key,
            weight,
            call_site: None,
            caller_start_line: 0,
            callee_file: String::new(),
            callee_start_line: 0,
            inlined: false,
        });
    }
    Ok(EdgeTable {
        edges,
        total_weight: total,
        sample_type: None,
        samples: 0,
        serialized: true,
    })
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits only.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "GO PREPROFILE V1\nmain.a\nmain.b\n3 10\nmain.a\nmain.c\n-2 4\n";
        let t = parse(text.as_bytes()).unwrap();
        assert_eq!(t.total_weight, 14);
        assert_eq!(t.edges[1].key.call_site_offset, -2);
        let mut out = Vec::new();
        write(&t, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }

    #[test]
    fn faults() {
        assert!(parse(b"").is_err());
        assert!(parse(b"GO PREPROFILE V2\n").is_err());
        assert!(parse(b"GO PREPROFILE V1\na\nb\n").is_err());
        assert!(parse(b"GO PREPROFILE V1\na\nb\n1 2 3\n").is_err());
        assert!(parse(b"GO PREPROFILE V1\na\nb\n1 x\n").is_err());
        assert!(parse(b"GO PREPROFILE V1\na\nb\n1 2\na\nb\n1 3\n").is_err());
        // CRLF line ends are read as the compiler's scanner reads them.
        let t = parse(b"GO PREPROFILE V1\r\na\r\nb\r\n1 2\r\n").unwrap();
        assert_eq!(t.edges[0].key.callee, "b");
        assert!(is_serialized(b"GO PREPROFILE V1\n"));
        assert!(!is_serialized(b"\x1f\x8b"));
    }
}
