//! Java agent profiles: `--- heapz 1 ---` and `--- contentionz 1 ---` text
//! profiles (`format = java`), and the symbol section they share with the
//! Java binary CPU profile ([`super::cpu`]), read as pprof reads them.
//!
//! A text profile is its header line, `name = value` attributes (`format`
//! must be `java`; heap: `resolution`, the unit of the space column;
//! contention: `resolution`, the unit of the delay column, `sampling period`
//! and `ms since reset`; any other attribute means another format), records
//! `VALUE COUNT @ 0xID …` (COUNT first in the profile), then symbol lines
//! `0xID function (file:line)`, `0xID function (library path)` or
//! `0xID name` (`STUB` for JIT stubs). Heap records are unsampled at pprof's
//! fixed 512 KiB rate and carry a `bytes` label (the average object size);
//! contention records are multiplied by the sampling period.
//!
//! Symbol ids become locations without addresses (ids without a symbol line
//! keep their mapping, pprof's fake one, but lose their address too); a
//! function is one per name (the file of its first symbol line).

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::{Builder, LegacyError, Parsed};
use crate::model::{Line, Profile};
use crate::util::go::parse_int_base0;

/// One record, before its symbol ids are resolved.
pub(crate) struct Sample {
    /// Symbol ids, leaf first.
    pub addrs: Vec<u64>,
    /// Values, one per sample type.
    pub values: Vec<i64>,
    /// The `bytes` numeric label (heap).
    pub bytes: Option<i64>,
}

/// Go's `\s` (ASCII only).
const SP: &str = r"[\t\n\f\r ]";

fn attribute_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([0-9A-Za-z_ ]+)=([0-9A-Za-z_ ]+)").expect("static regex"))
}

fn sample_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r" *([0-9]+) +([0-9]+) +@ +([ x0-9a-f]*)").expect("static regex"))
}

fn location_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r"^{SP}*0x([[:xdigit:]]+){SP}+(.*){SP}*$")).expect("static regex")
    })
}

fn file_line_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r"^(.*){SP}+\((.+):(-?[[:digit:]]+)\)$")).expect("static regex")
    })
}

fn path_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!(r"^(.*){SP}+\((.*)\)$")).expect("static regex"))
}

/// Go's `filepath.Base` (Unix).
fn base(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    p.rsplit('/').next().unwrap_or(p)
}

/// Go's `strings.TrimSpace` for the ASCII spaces that matter here.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{85}' || c == '\u{a0}')
}

/// The kind of a text profile.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heap,
    Contention,
}

/// Parses a Java heapz or contentionz text profile; `None` if the first line
/// is neither header or an attribute says it is another format.
pub fn parse(text: &str) -> Parsed {
    let (first, mut rest) = text.split_once('\n')?;
    let kind = match trim(first) {
        "--- heapz 1 ---" => Kind::Heap,
        "--- contentionz 1 ---" => Kind::Contention,
        _ => return None,
    };
    let mut b = Builder::new();
    let (mut period, mut duration) = (0i64, 0i64);
    let mut types: Option<String> = None;
    let mut period_type = false;
    // Attributes: complete lines only, up to the first that is not one.
    while let Some((line, after)) = rest.split_once('\n') {
        let line = trim(line);
        if !line.is_empty() {
            let Some(c) = attribute_re().captures(line) else {
                break;
            };
            let (attr, value) = (trim(&c[1]), trim(&c[2]));
            match (kind, attr) {
                (_, "format") => {
                    if value != "java" {
                        return None;
                    }
                }
                (_, "resolution") => types = Some(value.to_string()),
                (Kind::Contention, "sampling period") => {
                    period_type = true;
                    period = match parse_int_base0(value) {
                        Some(v) => v,
                        None => {
                            return Some(Err(format!(
                                "failed to parse attribute {line}: invalid syntax"
                            )))
                        }
                    };
                }
                (Kind::Contention, "ms since reset") => match parse_int_base0(value) {
                    Some(ms) => duration = ms.wrapping_mul(1_000_000),
                    None => {
                        return Some(Err(format!(
                            "failed to parse attribute {line}: invalid syntax"
                        )))
                    }
                },
                _ => return None,
            }
        }
        rest = after;
    }
    if period_type {
        b.period("contentions", "count", period);
    }
    b.profile().duration_nanos = duration;
    if let Some(unit) = &types {
        match kind {
            Kind::Heap => {
                b.sample_type("inuse_objects", "count");
                b.sample_type("inuse_space", unit);
            }
            Kind::Contention => {
                b.sample_type("contentions", "count");
                b.sample_type("delay", unit);
            }
        }
    }
    // Records: complete lines only, up to the first that is not one.
    let mut samples = Vec::new();
    while let Some((line, after)) = rest.split_once('\n') {
        let line = trim(line);
        if !line.is_empty() {
            let Some(c) = sample_re().captures(line) else {
                break;
            };
            let addrs = match super::hex_addresses(&c[3]) {
                Ok(a) => a,
                Err(e) => return Some(Err(format!("malformed sample: {line}: {e}"))),
            };
            // Java profiles have the count second.
            let (Some(mut count), Some(mut value)) =
                (parse_int_base0(&c[2]), parse_int_base0(&c[1]))
            else {
                return Some(Err(format!("parsing sample {line}: invalid syntax")));
            };
            let mut bytes = None;
            match kind {
                Kind::Heap => {
                    if count == 0 {
                        return Some(Err(format!(
                            "parsing sample {line}: second value must be non-zero"
                        )));
                    }
                    bytes = Some(value / count);
                    (count, value) = super::heap::unsample(count, value, 524_288);
                }
                Kind::Contention => {
                    if period != 0 {
                        count = count.wrapping_mul(period);
                        value = value.wrapping_mul(period);
                    }
                }
            }
            samples.push(Sample {
                addrs,
                values: vec![count, value],
                bytes,
            });
        }
        rest = after;
    }
    Some(finish(b, &samples, rest))
}

/// pprof's `parseJavaLocations` and what follows it: resolves the symbol
/// ids of `samples` from the symbol lines in `text`, builds the samples
/// (locations and functions numbered in first-use order), gives ids without
/// a symbol pprof's fake mapping, clears all addresses, and checks that each
/// sample has one value per sample type.
pub(crate) fn finish(
    mut b: Builder<'_>,
    samples: &[Sample],
    text: &str,
) -> Result<Profile, LegacyError> {
    let used: std::collections::HashSet<u64> = samples
        .iter()
        .flat_map(|s| s.addrs.iter().copied())
        .collect();
    // Per id: (function, line); per function name: its file.
    let mut symbols: HashMap<u64, (String, i64)> = HashMap::new();
    let mut files: HashMap<String, String> = HashMap::new();
    for line in text.split('\n') {
        let line = trim(line);
        if line.is_empty() {
            continue;
        }
        let Some(c) = location_re().captures(line) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(&c[1], 16) else {
            return Err(format!(
                "parsing sample {line}: strconv.ParseUint: parsing {:?}: value out of range",
                &c[1]
            ));
        };
        if !used.contains(&addr) {
            continue;
        }
        let what = c.get(2).map_or("", |m| m.as_str());
        let (func, file, lineno) = if let Some(f) = file_line_re().captures(what) {
            let n = f[3].parse::<i64>().ok().filter(|&n| n > 0).unwrap_or(0);
            (f[1].to_string(), f[2].to_string(), n)
        } else if let Some(f) = path_re().captures(what) {
            (f[1].to_string(), base(&f[2]).to_string(), 0)
        } else if what.contains("generated stub/JIT") {
            ("STUB".to_string(), String::new(), 0)
        } else {
            (what.to_string(), String::new(), 0)
        };
        files.entry(func.clone()).or_insert(file);
        symbols.insert(addr, (func, lineno));
    }
    let mut stack = Vec::new();
    for s in samples {
        stack.clear();
        for &a in &s.addrs {
            let loc = match b.by_address.get(&a) {
                Some(&l) => l,
                None => {
                    let lines: Vec<Line> = match symbols.get(&a) {
                        Some((func, line)) => {
                            let file = files.get(func).map_or("", String::as_str);
                            vec![Line {
                                function: b.function(func, file),
                                line: *line,
                                column: 0,
                            }]
                        }
                        None => Vec::new(),
                    };
                    // Symbolized ids have no address (and so no mapping).
                    let address = if lines.is_empty() { a } else { 0 };
                    let l = b.push_location(address, &lines);
                    b.by_address.insert(a, l);
                    l
                }
            };
            stack.push(loc);
        }
        let labels = match s.bytes {
            Some(v) => vec![b.num_label("bytes", v)],
            None => Vec::new(),
        };
        b.sample(&stack, &s.values, &labels);
    }
    let types = b.p.sample_types.len();
    if let Some(s) = samples.iter().find(|s| s.values.len() != types) {
        return Err(format!(
            "malformed profile: mismatch: sample has {} values vs. {types} types",
            s.values.len()
        ));
    }
    let mut p = b.finish_with_mappings(Vec::new());
    p.locations.address.iter_mut().for_each(|a| *a = 0);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAP: &str = "--- heapz 1 ---\nformat = java\nresolution = bytes\n\
        2048 2 @ 0x1 0x2\n 512 1 @ 0x3\n\n 0x1 a.B.f (B.java:10)\n 0x2 a.C.g (lib/libc.so)\n 0x3 GC\n";

    #[test]
    fn heap() {
        let p = parse(HEAP).unwrap().unwrap();
        assert_eq!(p.sample_type_names(), ["inuse_objects", "inuse_space"]);
        let names: Vec<&str> = p.functions.iter().map(|f| p.str(f.name)).collect();
        assert_eq!(names, ["a.B.f", "a.C.g", "GC"]);
        assert_eq!(p.str(p.functions[1].filename), "libc.so");
        assert!(p.locations.address.iter().all(|&a| a == 0));
        // Unsampled at 512 KiB: 2 objects of 1 KiB become more.
        assert!(p.samples.values[0] > 2);
        assert_eq!(p.samples.labels(0)[0].num, 1024);
    }

    #[test]
    fn other_formats_are_not_read() {
        assert!(parse("--- heapz 1 ---\nformat = cpp\n").is_none());
        assert!(parse("--- contentionz 1 ---\ncycles/second = 5\n").is_none());
        assert!(parse("--- heapz 2 ---\n").is_none());
        let bad = "--- heapz 1 ---\nresolution = bytes\n1 0 @ 0x1\n";
        assert!(parse(bad).unwrap().is_err());
    }

    #[test]
    fn contention_multiplies_by_the_period() {
        let t = "--- contentionz 1 ---\nformat = java\nresolution = microseconds\n\
            sampling period = 100\nms since reset = 5\n 7 2 @ 0x5\n 0x5 X.y (X.java:3)\n";
        let p = parse(t).unwrap().unwrap();
        assert_eq!(p.sample_type_names(), ["contentions", "delay"]);
        assert_eq!(p.samples.values, [200, 700]);
        assert_eq!(p.period, 100);
        assert_eq!(p.duration_nanos, 5_000_000);
    }
}
