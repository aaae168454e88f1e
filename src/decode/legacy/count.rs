//! Count profiles in text form (`goroutine?debug=1`, `threadcreate?debug=1`).
//!
//! After optional blank or `#` lines, the header `TYPE profile: total N`;
//! then records `COUNT @ 0xPC 0xPC …`, each followed by Go's symbolized `#`
//! lines, which pprof ignores (so, here too, frames are bare addresses,
//! unless [`super::TextOptions::symbols`] asks for them). A
//! record without addresses (`19 @`, as threadcreate writes for threads with
//! no stack) is malformed, as in pprof. The profile has one sample type
//! `TYPE/count`, period 1, and addresses moved back by one byte.

use std::sync::OnceLock;

use regex::Regex;

use super::{is_space_or_comment, Builder, Parsed, TextSymbols, MALFORMED};
use crate::util::go::parse_int_base0;

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\A(\S+) profile: total [0-9]+\z").expect("static regex"))
}

fn record_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\A([0-9]+) @(( 0x[0-9a-f]+)+)\z").expect("static regex"))
}

/// Parses a count profile; `None` if the header is not there.
/// With `symbols`, addresses are symbolized from the `#` lines.
pub fn parse(lines: &[&str], symbols: Option<&TextSymbols>) -> Parsed {
    let at = lines.iter().position(|l| !is_space_or_comment(l))?;
    let header = lines[at];
    let ty = header_re().captures(header)?.get(1)?.as_str().to_string();
    let mut b = Builder::new().with_symbols(symbols);
    b.period(&ty, "count", 1);
    b.sample_type(&ty, "count");
    let mut stack = Vec::new();
    let mut pcs = Vec::new();
    let mut rest: &[&str] = &[];
    for (i, line) in lines.iter().enumerate().skip(at + 1) {
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with("---") {
            rest = &lines[i..];
            break;
        }
        let Some(c) = record_re().captures(line) else {
            return Some(Err(MALFORMED.to_string()));
        };
        let (Some(n), Some(addrs)) = (c.get(1), c.get(2)) else {
            return Some(Err(MALFORMED.to_string()));
        };
        let Some(n) = parse_int_base0(n.as_str()) else {
            return Some(Err(MALFORMED.to_string()));
        };
        pcs.clear();
        for a in addrs.as_str().split_whitespace() {
            let Some(a) = a
                .strip_prefix("0x")
                .and_then(|h| u64::from_str_radix(h, 16).ok())
            else {
                return Some(Err(MALFORMED.to_string()));
            };
            pcs.push(a);
        }
        b.stack(&pcs, &mut stack);
        b.sample(&stack, &[n], &[]);
    }
    Some(Ok(b.finish_legacy(rest)))
}
