//! gperftools' `threadz` text profile, read as pprof reads it.
//!
//! After optional blank or `#` lines, either `--- threadz N ---` (then any
//! lines up to the first that starts with `-`) or directly the first thread
//! header `--- Thread ID (name: NAME/TID) stack: ---`. Each thread's lines
//! up to the next `---` line hold its stack: every `0x…` number on them
//! (the `PC:` line, the frames, the `creator:` line) is an address, the
//! leaf first; a thread marked `[same as previous thread]` adds one to the
//! previous sample instead. The threads end at `---- no stack trace for`
//! or at the memory map (`--- Memory map: ---`), which must come: a dump
//! that ends inside a thread is malformed, as in pprof. Addresses after the
//! leaf move back one byte onto their call; a leaf duplicated as its caller
//! plus one is dropped. Sample type and period type `thread/count`.

use std::sync::OnceLock;

use regex::Regex;

use super::{hex_addresses, is_memory_map_sentinel, is_space_or_comment, maps, Builder, Parsed};

fn threadz_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"--- threadz [0-9]+ ---").expect("static regex"))
}

fn thread_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"--- Thread ([[:xdigit:]]+) \(name: (.*)/([0-9]+)\) stack: ---")
            .expect("static regex")
    })
}

const UNRECOGNIZED: &str = "unrecognized profile format";

/// Parses a threadz profile; `None` if its first line is neither header.
pub fn parse(lines: &[&str]) -> Parsed {
    // A scanner over `lines`: `line` is the current one ("" past the end,
    // as Go's scanner gives it).
    let mut at = lines.iter().position(|l| !is_space_or_comment(l))?;
    let get = |i: usize| lines.get(i).copied().unwrap_or("");
    let mut line = get(at);
    if threadz_re().is_match(line) {
        loop {
            at += 1;
            line = get(at);
            if at >= lines.len() || is_memory_map_sentinel(line) || line.starts_with('-') {
                break;
            }
        }
    } else if !thread_re().is_match(line) {
        return None;
    }
    let mut b = Builder::new();
    b.period("thread", "count", 1);
    b.sample_type("thread", "count");
    let mut stacks: Vec<(Vec<u64>, i64)> = Vec::new();
    while !is_memory_map_sentinel(line) {
        if line.starts_with("---- no stack trace for") {
            break;
        }
        if !thread_re().is_match(line) {
            return Some(Err(UNRECOGNIZED.to_string()));
        }
        // The thread's lines, up to the next `---` line.
        let mut addrs = Vec::new();
        let mut same_as_previous = false;
        let mut next = line;
        let mut ended = false;
        while at + 1 < lines.len() {
            at += 1;
            let l = lines[at].trim();
            next = l;
            if l.is_empty() {
                continue;
            }
            if l.starts_with("---") {
                ended = true;
                break;
            }
            if l.contains("same as previous thread") {
                same_as_previous = true;
                continue;
            }
            match hex_addresses(l) {
                Ok(a) => addrs.extend(a),
                Err(e) => return Some(Err(format!("malformed sample: {l}: {e}"))),
            }
        }
        if !ended {
            // Out of lines inside the thread: `next` is the last one, which
            // the checks above reject (unless it is the memory map's).
            at = lines.len();
        }
        line = next;
        if same_as_previous || addrs.is_empty() {
            if let Some(last) = stacks.last_mut() {
                last.1 += 1;
            }
            continue;
        }
        for a in addrs.iter_mut().skip(1) {
            *a = a.wrapping_sub(1);
        }
        stacks.push((addrs, 1));
    }
    // The memory map follows the sentinel (searched from the current line).
    let rest = &lines[at.min(lines.len())..];
    let mut stack = Vec::new();
    for (addrs, count) in &stacks {
        stack.clear();
        stack.extend(addrs.iter().map(|&a| b.address(a)));
        if addrs.len() > 1 && addrs[0] == addrs[1].wrapping_add(1) {
            stack.remove(1);
        }
        b.sample(&stack, &[*count], &[]);
    }
    Some(Ok(b.finish_with_mappings(maps::parse_section(rest))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads() {
        let text = "--- threadz 1 ---\n\n\
            --- Thread 1 (name: main/1) stack: ---\n  PC: 0x100: f\n  0x201: main\n\
            --- Thread 2 (name: t/2) stack: ---\n  PC: 0x300: g\n      creator: 0x401\n\
            --- Thread 3 (name: t/3) stack: ---\n  [same as previous thread]\n\
            --- Memory map: ---\n  0-1000: /bin/x\n";
        let lines: Vec<&str> = text.lines().collect();
        let p = parse(&lines).unwrap().unwrap();
        assert_eq!(p.samples.values, [1, 2]);
        let a: Vec<u64> = p
            .samples
            .stack(1)
            .iter()
            .map(|&l| p.locations.address[l as usize])
            .collect();
        assert_eq!(a, [0x300, 0x400]);
        assert_eq!(p.str(p.mappings[0].filename), "/bin/x");
    }

    #[test]
    fn a_dump_must_end_with_the_map() {
        let text = "--- Thread 1 (name: main/1) stack: ---\n  PC: 0x100: f\n";
        let lines: Vec<&str> = text.lines().collect();
        assert!(parse(&lines).unwrap().is_err());
        assert!(parse(&["hello"]).is_none());
    }
}
