//! Goroutine dumps (`/debug/pprof/goroutine?debug=2`, `goroutineleak?debug=2`,
//! or a panic's traceback), which pprof cannot read.
//!
//! A dump is a sequence of blocks separated by blank lines:
//!
//! ```text
//! goroutine 7 [chan receive, 3 minutes]:
//! main.worker(0xc000010000)
//!         /src/main.go:42 +0x4c
//! created by main.main in goroutine 1
//!         /src/main.go:30 +0x25
//! ```
//!
//! The header is Go's `goroutineheader` (Go 1.27's grammar, older ones
//! included): `goroutine ID`, with `GOTRACEBACK=system` ` gp=… m=…`, then
//! in brackets the status (a wait reason such as `chan receive (nil chan)`)
//! followed by the status words ` (leaked)` (found by the goroutine leak
//! detector), ` (scan)`, ` (durable)`, then `, N minutes` (blocked at least a
//! minute), `, locked to thread`, `, synctest bubble N`; then, from Go 1.27
//! (modules declaring `go 1.27`, unless `GODEBUG=tracebacklabels=0`), the
//! goroutine's pprof labels ` {key: value, …}` (sorted by key; a key or
//! value with characters other than letters, digits, `.`, `/` and `_` is
//! quoted with Go's escapes); then `:`.
//!
//! Each frame is a function (its arguments stripped) followed by
//! `file:line`. Goroutines with the same function-level stack (the sequence
//! of function names), state, wait time, creator and labels are counted
//! together as one sample of type `goroutine/count`, with string labels
//! `state` (the status with its status words: `chan send (leaked)`,
//! `syscall, locked to thread`), `wait_minutes` (`0` when not shown),
//! `created_by` (the creating function, when shown), and the goroutine's
//! own labels, as the `debug=0` profile has them, so that `tags`, tag
//! filters, diffs and flame graphs can use them. The sample's frames carry
//! the file and line of the first goroutine of the group. The "created by"
//! frame is not part of the stack (it is not on the goroutine's stack, and
//! Go's `debug=0` profiles do not show it either). Lines that fit none of
//! these shapes are skipped.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::{Builder, Parsed};

/// One goroutine of the dump.
#[derive(Default)]
struct Goroutine {
    state: String,
    wait_minutes: String,
    created_by: String,
    /// The header's labels, in the dump's order.
    labels: Vec<(String, String)>,
    /// (function, file, line), leaf first.
    frames: Vec<(String, String, i64)>,
}

/// What a goroutine header says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Header {
    /// The status and its status words, without the wait time.
    state: String,
    /// Minutes blocked (`0` when not shown).
    minutes: String,
    /// The pprof labels (Go 1.27).
    labels: Vec<(String, String)>,
}

/// Parses `goroutine N [state…]:` and Go 1.27's `goroutine N [state…] {k: v}:`.
fn header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    let after = &rest[close + 1..];
    let labels = if after == ":" {
        Vec::new()
    } else {
        let body = after.strip_prefix(" {")?.strip_suffix(':')?;
        parse_labels(body)?
    };
    let inside = &rest[open + 1..close];
    let mut minutes = "0".to_string();
    let mut state: Vec<&str> = Vec::new();
    for (i, part) in inside.split(", ").enumerate() {
        let minute = part
            .strip_suffix(" minutes")
            .filter(|m| i > 0 && !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
        match minute {
            Some(m) => minutes = m.to_string(),
            None => state.push(part),
        }
    }
    Some(Header {
        state: state.join(", ").trim().to_string(),
        minutes,
        labels,
    })
}

/// Parses `k: v, k: v}` (the labels after ` {`, with the closing brace).
fn parse_labels(mut s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(rest) = s.strip_prefix('}') {
        return rest.is_empty().then_some(out);
    }
    loop {
        let (key, rest) = token(s, ": ")?;
        let rest = rest.strip_prefix(": ")?;
        let (value, rest) = token(rest, ", ")?;
        out.push((key, value));
        if let Some(r) = rest.strip_prefix(", ") {
            s = r;
        } else {
            let r = rest.strip_prefix('}')?;
            return r.is_empty().then_some(out);
        }
    }
}

/// One key or value: a quoted string (Go's runtime escapes: `\n`, `\r`,
/// `\t`, `\\`, `\"`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`), else the text up to
/// `stop` or `}`. Returns it and the rest.
fn token<'a>(s: &'a str, stop: &str) -> Option<(String, &'a str)> {
    let Some(quoted) = s.strip_prefix('"') else {
        let end = [s.find(stop), s.find('}')]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(s.len());
        return Some((s[..end].to_string(), &s[end..]));
    };
    let mut bytes: Vec<u8> = Vec::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let value = crate::util::rawbytes::decode(&bytes).into_owned();
                return Some((value, &quoted[i + 1..]));
            }
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |chars: &mut std::str::CharIndices<'_>, n: usize| -> Option<u32> {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    Some(v)
                };
                match e {
                    'n' => bytes.push(b'\n'),
                    'r' => bytes.push(b'\r'),
                    't' => bytes.push(b'\t'),
                    'x' => bytes.push(u8::try_from(hex(&mut chars, 2)?).ok()?),
                    'u' | 'U' => {
                        let c = char::from_u32(hex(&mut chars, if e == 'u' { 4 } else { 8 })?)?;
                        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    other => bytes.extend_from_slice(other.encode_utf8(&mut [0; 4]).as_bytes()),
                }
            }
            c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    None
}

/// The function name of a frame line: the text before its final
/// parenthesised argument list.
fn function_name(line: &str) -> &str {
    let line = line.trim_end();
    if !line.ends_with(')') {
        return line;
    }
    let mut depth = 0i32;
    for (i, c) in line.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return &line[..i];
                }
            }
            _ => {}
        }
    }
    line
}

/// Parses `\t/path/file.go:123 +0x1d` into (file, line).
fn location(line: &str) -> Option<(String, i64)> {
    let t = line.trim();
    let t = match t.rfind(" +0x") {
        Some(i) => &t[..i],
        None => t,
    };
    let t = t.split(" fp=").next().unwrap_or(t).trim_end();
    let colon = t.rfind(':')?;
    let n = t[colon + 1..].parse().ok()?;
    Some((t[..colon].to_string(), n))
}

/// Parses a goroutine dump; `None` unless the first non-blank line is a
/// goroutine header.
pub fn parse(lines: &[&str]) -> Parsed {
    let first = lines.iter().find(|l| !l.trim().is_empty())?;
    header(first.trim())?;
    let mut goroutines: Vec<Goroutine> = Vec::new();
    let mut cur: Option<Goroutine> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let t = line.trim();
        if let Some(h) = header(t) {
            goroutines.extend(cur.take());
            cur = Some(Goroutine {
                state: h.state,
                wait_minutes: h.minutes,
                labels: h.labels,
                ..Goroutine::default()
            });
            continue;
        }
        let Some(g) = cur.as_mut() else { continue };
        if t.is_empty() || line.starts_with(char::is_whitespace) {
            continue;
        }
        let next_loc = lines.get(i).and_then(|l| {
            if l.starts_with('\t') || l.starts_with("    ") {
                location(l)
            } else {
                None
            }
        });
        if let Some(creator) = t.strip_prefix("created by ") {
            let name = creator.split(" in goroutine ").next().unwrap_or(creator);
            g.created_by = name.trim().to_string();
            if next_loc.is_some() {
                i += 1;
            }
            continue;
        }
        if t.starts_with("...") {
            continue;
        }
        if let Some((file, ln)) = next_loc {
            i += 1;
            g.frames.push((function_name(t).to_string(), file, ln));
        }
    }
    goroutines.extend(cur.take());

    let mut b = Builder::new();
    b.period("goroutine", "count", 1);
    b.sample_type("goroutine", "count");
    // Group by function-level stack and labels; keep first-seen order.
    type Key<'a> = (
        Vec<&'a str>,
        &'a str,
        &'a str,
        &'a str,
        &'a [(String, String)],
    );
    let mut groups: HashMap<Key<'_>, usize, RandomState> = HashMap::default();
    let mut order: Vec<(usize, i64)> = Vec::new();
    for (gi, g) in goroutines.iter().enumerate() {
        let names: Vec<&str> = g.frames.iter().map(|f| f.0.as_str()).collect();
        let key = (
            names,
            g.state.as_str(),
            g.wait_minutes.as_str(),
            g.created_by.as_str(),
            g.labels.as_slice(),
        );
        match groups.get(&key) {
            Some(&k) => order[k].1 += 1,
            None => {
                groups.insert(key, order.len());
                order.push((gi, 1));
            }
        }
    }
    for (gi, count) in order {
        let g = &goroutines[gi];
        let stack: Vec<u32> = g
            .frames
            .iter()
            .map(|(f, file, line)| b.frame(f, file, *line))
            .collect();
        let mut labels = vec![
            b.str_label("state", &g.state),
            b.str_label("wait_minutes", &g.wait_minutes),
        ];
        if !g.created_by.is_empty() {
            labels.push(b.str_label("created_by", &g.created_by));
        }
        for (k, v) in &g.labels {
            labels.push(b.str_label(k, v));
        }
        b.sample(&stack, &[count], &labels);
    }
    Some(Ok(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (state, minutes) of a header.
    fn state(line: &str) -> Option<(String, String)> {
        header(line).map(|h| (h.state, h.minutes))
    }

    #[test]
    fn headers() {
        assert_eq!(
            state("goroutine 7 [chan receive, 3 minutes]:"),
            Some(("chan receive".into(), "3".into()))
        );
        assert_eq!(
            state("goroutine 1 [running]:"),
            Some(("running".into(), "0".into()))
        );
        assert_eq!(
            state("goroutine 9 gp=0x1 m=nil [syscall, 12 minutes, locked to thread]:"),
            Some(("syscall, locked to thread".into(), "12".into()))
        );
        assert_eq!(state("goroutine x [running]:"), None);
        assert_eq!(state("goroutine 1 ]: ["), None);
    }

    #[test]
    fn go_1_27_headers() {
        let h = header(
            "goroutine 19 [chan send (leaked), 2 minutes] {handler: /api/orders, tenant: t3}:",
        )
        .unwrap();
        assert_eq!(h.state, "chan send (leaked)");
        assert_eq!(h.minutes, "2");
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(h.labels, [kv("handler", "/api/orders"), kv("tenant", "t3")]);
        for (line, want) in [
            ("goroutine 5 [running (scan)]:", "running (scan)"),
            (
                "goroutine 6 [chan receive (durable), synctest bubble 3]:",
                "chan receive (durable), synctest bubble 3",
            ),
            (
                "goroutine 6 [select (durable), 5 minutes, locked to thread, synctest bubble 12]:",
                "select (durable), locked to thread, synctest bubble 12",
            ),
            (
                "goroutine 8 [sync.Cond.Wait (leaked) (scan)]:",
                "sync.Cond.Wait (leaked) (scan)",
            ),
            ("goroutine 8 [GC worker (idle)]:", "GC worker (idle)"),
        ] {
            assert_eq!(header(line).unwrap().state, want, "{line}");
        }
        // Quoted keys and values, with Go's escapes; empty ones.
        let h = header(r#"goroutine 3 [sleep] {"a b": "x, y}: \"q\" \u00e9\t\x80", k: , "": v}:"#)
            .unwrap();
        assert_eq!(h.labels[0].0, "a b");
        assert_eq!(
            crate::util::rawbytes::unescape_bytes(&h.labels[0].1).as_ref(),
            b"x, y}: \"q\" \xc3\xa9\t\x80"
        );
        assert_eq!(h.labels[1], kv("k", ""));
        assert_eq!(h.labels[2], kv("", "v"));
        // Not headers: a broken label list, no colon.
        assert!(header("goroutine 3 [sleep] {a: b").is_none());
        assert!(header("goroutine 3 [sleep] {\"a: b}:").is_none());
        assert!(header("goroutine 3 [sleep]").is_none());
    }

    #[test]
    fn frames() {
        assert_eq!(
            function_name("main.(*Registry).holdForever(0x0?)"),
            "main.(*Registry).holdForever"
        );
        assert_eq!(
            function_name("sync.(*Mutex).Lock(...)"),
            "sync.(*Mutex).Lock"
        );
        assert_eq!(function_name("main.f[...](...)"), "main.f[...]");
        assert_eq!(
            location("\t/src/main.go:42 +0x4c"),
            Some(("/src/main.go".into(), 42))
        );
        assert_eq!(location("\tmain.go:7"), Some(("main.go".into(), 7)));
    }

    #[test]
    fn dump() {
        let text = "goroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n\n\
            goroutine 2 [select, 2 minutes]:\nmain.f(0x1)\n\t/m.go:9 +0x2\ncreated by main.main in goroutine 1\n\t/m.go:4 +0x3\n\n\
            goroutine 3 [select, 2 minutes]:\nmain.f(0x1)\n\t/m.go:10 +0x2\ncreated by main.main in goroutine 1\n\t/m.go:4 +0x3\n";
        let lines: Vec<&str> = text.lines().collect();
        let p = parse(&lines).unwrap().unwrap();
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples.values, [1, 2]);
        assert_eq!(p.samples.stack(1).len(), 1);
    }
}
