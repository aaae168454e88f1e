//! Goroutine dumps (`/debug/pprof/goroutine?debug=2`, or a panic's
//! traceback), which pprof cannot read.
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
//! Each goroutine's header gives its state (`chan receive`) and, when it has
//! been blocked for at least a minute, the minutes waiting; each frame is a
//! function (its arguments stripped) followed by `file:line`. Goroutines with
//! the same function-level stack (the sequence of function names), state,
//! wait time and creator are counted together as one sample of type
//! `goroutine/count`, with string labels `state`, `wait_minutes` (`0` when
//! not shown) and `created_by` (the creating function, when shown), so that
//! `tags`, tag filters and diffs can use them. The sample's frames carry the
//! file and line of the first goroutine of the group. The "created by" frame
//! is not part of the stack (it is not on the goroutine's stack, and Go's
//! `debug=0` profiles do not show it either). Lines that fit none of these
//! shapes are skipped.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::{Builder, Parsed};

/// One goroutine of the dump.
#[derive(Default)]
struct Goroutine {
    state: String,
    wait_minutes: String,
    created_by: String,
    /// (function, file, line), leaf first.
    frames: Vec<(String, String, i64)>,
}

/// Parses `goroutine N [state…]:` into (state, minutes).
fn header(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let open = rest.find('[')?;
    let close = rest.rfind("]:")?;
    if close < open {
        return None;
    }
    let inside = &rest[open + 1..close];
    let mut parts = inside.split(", ");
    let state = parts.next().unwrap_or("").trim().to_string();
    let mut minutes = "0".to_string();
    for p in parts {
        if let Some(m) = p.trim().strip_suffix(" minutes") {
            if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() {
                minutes = m.to_string();
            }
        }
    }
    Some((state, minutes))
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
        if let Some((state, wait_minutes)) = header(t) {
            goroutines.extend(cur.take());
            cur = Some(Goroutine {
                state,
                wait_minutes,
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
    let mut groups: HashMap<(Vec<&str>, &str, &str, &str), usize, RandomState> = HashMap::default();
    let mut order: Vec<(usize, i64)> = Vec::new();
    for (gi, g) in goroutines.iter().enumerate() {
        let names: Vec<&str> = g.frames.iter().map(|f| f.0.as_str()).collect();
        let key = (
            names,
            g.state.as_str(),
            g.wait_minutes.as_str(),
            g.created_by.as_str(),
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
        b.sample(&stack, &[count], &labels);
    }
    Some(Ok(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            header("goroutine 7 [chan receive, 3 minutes]:"),
            Some(("chan receive".into(), "3".into()))
        );
        assert_eq!(
            header("goroutine 1 [running]:"),
            Some(("running".into(), "0".into()))
        );
        assert_eq!(
            header("goroutine 9 gp=0x1 m=nil [syscall, 12 minutes, locked to thread]:"),
            Some(("syscall".into(), "12".into()))
        );
        assert_eq!(header("goroutine x [running]:"), None);
        assert_eq!(header("goroutine 1 ]: ["), None);
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
