//! Memory-map sections of legacy text profiles, and how locations are
//! attached to mappings.
//!
//! A section starts after a line containing `--- Memory map: ---` or
//! `MAPPED_LIBRARIES:` and holds `/proc/self/maps` lines
//! (`start-end perms offset dev inode file`) or the brief form
//! (`start-end [perms] file [(@offset)] [build-id]`). Non-executable entries
//! are skipped; glog prefixes (`file.cc:12] `) are removed; `name=value` lines
//! define `$name` substitutions for the lines after them; other lines are
//! ignored. pprof's heuristics follow: adjacent pieces of one file are joined,
//! the main binary (the first named mapping that is not a shared library or
//! `[special]`) moves first, a leading `/anon_hugepage` piece is dropped, a
//! main binary whose start minus offset is 0x400000 is rebased, and every
//! location with an address goes to the mapping containing it, else to one
//! fake mapping covering the whole address space.

use std::sync::OnceLock;

use regex::Regex;

use super::is_memory_map_sentinel;

/// A mapping as read from the section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawMapping {
    /// Start address.
    pub start: u64,
    /// End address (exclusive).
    pub limit: u64,
    /// File offset.
    pub offset: u64,
    /// Object file name.
    pub file: String,
    /// Build id.
    pub build_id: String,
}

const HEX_RANGE: &str = r"^\s*(?:0x)?([[:xdigit:]]+)[\s-]?\s*(?:0x)?([[:xdigit:]]+):?";
const PERM: &str = r"(?:\s+([-rwxp]+))?";

fn proc_maps_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(
            r"{HEX_RANGE}{PERM}(?:\s+([[:xdigit:]]+))?\s+[[:xdigit:]]+:[[:xdigit:]]+\s+[[:digit:]]+(?:\s+(\S+))?"
        );
        Regex::new(&pat).expect("static regex")
    })
}

fn brief_maps_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(
            r"{HEX_RANGE}{PERM}(?:\s+(\S+))?(?:\s+\(@([[:xdigit:]]+)\))?(?:\s+([[:xdigit:]]+))?"
        );
        Regex::new(&pat).expect("static regex")
    })
}

fn log_prefix_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[^\[\]]+:[0-9]+\]\s").expect("static regex"))
}

fn lib_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([.]so$|[.]so[._][0-9]+)").expect("static regex"))
}

/// Replaces, left to right, the first matching `$name` (in definition order).
fn substitute(line: &str, attrs: &[(String, String)]) -> String {
    if attrs.is_empty() {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    'outer: while !rest.is_empty() {
        for (k, v) in attrs {
            if !k.is_empty() && rest.starts_with(k.as_str()) {
                out.push_str(v);
                rest = &rest[k.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// One entry: `Ok(Some)` a mapping, `Ok(None)` a skipped (non-executable)
/// one, `Err(())` not a mapping line.
fn entry(line: &str) -> Result<Option<RawMapping>, ()> {
    let (start, end, perm, offset, file, build_id);
    if let Some(c) = proc_maps_re().captures(line) {
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        (start, end, perm, offset, file, build_id) = (g(1), g(2), g(3), g(4), g(5), "");
    } else if let Some(c) = brief_maps_re().captures(line) {
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        (start, end, perm, file, offset, build_id) = (g(1), g(2), g(3), g(4), g(5), g(6));
    } else {
        return Err(());
    }
    if !perm.is_empty() && !perm.contains('x') {
        return Ok(None);
    }
    let hex = |s: &str| u64::from_str_radix(s, 16).map_err(|_| ());
    Ok(Some(RawMapping {
        start: hex(start)?,
        limit: hex(end)?,
        offset: if offset.is_empty() { 0 } else { hex(offset)? },
        file: file.to_string(),
        build_id: build_id.to_string(),
    }))
}

/// The mappings of the memory-map section that starts at or after `lines[0]`.
pub fn parse_section(lines: &[&str]) -> Vec<RawMapping> {
    let Some(at) = lines.iter().position(|l| is_memory_map_sentinel(l)) else {
        return Vec::new();
    };
    parse_lines(&lines[at + 1..])
}

/// The mappings of `lines`, all of them memory-map lines (pprof's
/// `ParseMemoryMap`, as the binary CPU format uses it after its samples).
pub fn parse_lines(lines: &[&str]) -> Vec<RawMapping> {
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for raw in lines {
        let unlogged = match log_prefix_re().find(raw) {
            Some(m) => &raw[m.end()..],
            None => raw,
        };
        let line = substitute(unlogged, &attrs);
        match entry(&line) {
            Ok(Some(m)) => out.push(m),
            Ok(None) => {}
            Err(()) => {
                if let Some((k, v)) = line.split_once('=') {
                    attrs.push((format!("${}", k.trim()), v.trim().to_string()));
                }
            }
        }
    }
    out
}

fn adjacent(a: &RawMapping, b: &RawMapping) -> bool {
    if !a.file.is_empty() && !b.file.is_empty() && a.file != b.file {
        return false;
    }
    if !a.build_id.is_empty() && !b.build_id.is_empty() && a.build_id != b.build_id {
        return false;
    }
    if a.limit != b.start {
        return false;
    }
    if a.offset != 0 && b.offset != 0 {
        let offset = a.offset.wrapping_add(a.limit.wrapping_sub(a.start));
        if offset != b.offset {
            return false;
        }
    }
    true
}

/// pprof's mapping heuristics (join adjacent pieces, main binary first, drop
/// a leading `/anon_hugepage`, rebase at 0x400000).
pub fn massage(mut maps: Vec<RawMapping>) -> Vec<RawMapping> {
    if maps.len() > 1 {
        let mut joined: Vec<RawMapping> = Vec::with_capacity(maps.len());
        for m in maps {
            match joined.last_mut() {
                Some(last) if adjacent(last, &m) => {
                    last.limit = m.limit;
                    if !m.file.is_empty() {
                        last.file = m.file;
                    }
                    if !m.build_id.is_empty() {
                        last.build_id = m.build_id;
                    }
                }
                _ => joined.push(m),
            }
        }
        maps = joined;
    }
    let main = maps.iter().position(|m| {
        let file = m.file.replace("(deleted)", "");
        let file = file.trim();
        !file.is_empty() && !lib_re().is_match(file) && !file.starts_with('[')
    });
    if let Some(i) = main {
        maps.swap(0, i);
    }
    if maps.len() > 1
        && maps[0].file.starts_with("/anon_hugepage")
        && maps[0].limit == maps[1].start
    {
        maps.remove(0);
    }
    if let Some(m) = maps.first_mut() {
        if m.start.wrapping_sub(m.offset) == 0x40_0000 {
            m.start = 0x40_0000;
            m.offset = 0;
        }
    }
    maps
}

/// The mapping index of each address (`None` for address 0), adding pprof's
/// fake mapping to `maps` when an address fits none.
pub fn assign(maps: &mut Vec<RawMapping>, addresses: &[u64]) -> Vec<Option<usize>> {
    let mut fake = None;
    let mut out = Vec::with_capacity(addresses.len());
    for &a in addresses {
        if a == 0 {
            out.push(None);
            continue;
        }
        if let Some(i) = maps.iter().position(|m| m.start <= a && a < m.limit) {
            out.push(Some(i));
            continue;
        }
        if let Some(i) = maps
            .iter()
            .position(|m| m.offset != 0 && m.start.wrapping_sub(m.offset) <= a && a < m.start)
        {
            let m = &mut maps[i];
            m.start = m.start.wrapping_sub(m.offset);
            m.offset = 0;
            out.push(Some(i));
            continue;
        }
        let i = *fake.get_or_insert_with(|| {
            maps.push(RawMapping {
                limit: u64::MAX,
                ..RawMapping::default()
            });
            maps.len() - 1
        });
        out.push(Some(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let lines = [
            "1 @ 0x401000",
            "--- Memory map: ---",
            "00400000-00452000 r-xp 00000000 08:02 173521 /bin/prog",
            "00651000-00652000 rw-p 00051000 08:02 173521 /bin/prog",
            "7f0000000000-7f0000010000 r-xp 00000000 08:02 1 /lib/libc.so.6",
            "lib=/opt/lib",
            "0x7f1000000000-0x7f1000001000 $lib/libx.so (@1000) abcdef",
            "garbage",
        ];
        let maps = massage(parse_section(&lines));
        assert_eq!(maps.len(), 3);
        assert_eq!(maps[0].file, "/bin/prog");
        assert_eq!(maps[2].file, "/opt/lib/libx.so");
        assert_eq!(maps[2].offset, 0x1000);
        assert_eq!(maps[2].build_id, "abcdef");
        let mut maps = maps;
        let a = assign(&mut maps, &[0x401000, 0, 0x10]);
        assert_eq!(a, [Some(0), None, Some(3)]);
        assert_eq!(maps[3].limit, u64::MAX);
    }

    #[test]
    fn substitution_is_left_to_right() {
        let attrs = vec![
            ("$a".to_string(), "1".to_string()),
            ("$ab".to_string(), "2".to_string()),
        ];
        assert_eq!(substitute("x$ab$a", &attrs), "x1b1");
    }
}
