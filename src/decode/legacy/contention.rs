//! Contention profiles in text form (`mutex?debug=1`, `block?debug=1`).
//!
//! The first line is `--- mutex:`, `--- contention:` or `--- contentionz `;
//! then `key = value` attributes (`cycles/second`, `sampling period`,
//! `ms since reset`, `discarded samples`; any other key means another
//! format); then records `CYCLES COUNT @ 0xPC …`. As in pprof, with a
//! sampling period the count is multiplied by it and the delay converted from
//! cycles to nanoseconds (`cycles × period / GHz`). Sample types
//! `contentions/count`, `delay/nanoseconds`; period type `contentions/count`.

use std::sync::OnceLock;

use regex::Regex;

use super::{hex_addresses, is_space_or_comment, Builder, Parsed, TextSymbols};
use crate::util::go::parse_int_base0;

fn sample_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([0-9]+) *([0-9]+) @([ x0-9a-f]*)").expect("static regex"))
}

/// Parses a contention profile; `None` if it is not one.
/// With `symbols`, addresses are symbolized from the `#` lines.
pub fn parse(lines: &[&str], symbols: Option<&TextSymbols>) -> Parsed {
    let first = lines.first()?;
    if !(first.starts_with("--- contentionz ")
        || first.starts_with("--- mutex:")
        || first.starts_with("--- contention:"))
    {
        return None;
    }
    let mut b = Builder::new().with_symbols(symbols);
    let (mut period, mut cpu_hz, mut duration) = (1i64, 0i64, 0i64);
    let mut i = 1;
    while i < lines.len() {
        let line = lines[i].trim();
        if is_space_or_comment(line) {
            i += 1;
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let Some((key, value)) = line.split_once('=') else {
            break;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "cycles/second" => cpu_hz = parse_int_base0(value)?,
            "sampling period" => period = parse_int_base0(value)?,
            "ms since reset" => duration = parse_int_base0(value)?.wrapping_mul(1_000_000),
            "discarded samples" => {}
            _ => return None,
        }
        i += 1;
    }
    b.period("contentions", "count", period);
    b.sample_type("contentions", "count");
    b.sample_type("delay", "nanoseconds");
    b.profile().duration_nanos = duration;
    let mut stack = Vec::new();
    let mut rest: &[&str] = &[];
    for (j, raw) in lines.iter().enumerate().skip(i) {
        let line = raw.trim();
        if line.starts_with("---") {
            rest = &lines[j..];
            break;
        }
        if is_space_or_comment(line) {
            continue;
        }
        let c = sample_re().captures(line)?;
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        let bad = || format!("malformed sample: {line}");
        let Ok(mut delay) = g(1).parse::<i64>() else {
            return Some(Err(bad()));
        };
        let Ok(mut count) = g(2).parse::<i64>() else {
            return Some(Err(bad()));
        };
        if period > 0 {
            if cpu_hz > 0 {
                let ghz = cpu_hz as f64 / 1e9;
                delay = (delay as f64 * period as f64 / ghz) as i64;
            }
            count = count.wrapping_mul(period);
        }
        let addrs = match hex_addresses(g(3)) {
            Ok(a) => a,
            Err(e) => return Some(Err(format!("malformed sample: {line}: {e}"))),
        };
        b.stack(&addrs, &mut stack);
        b.sample(&stack, &[count, delay], &[]);
    }
    Some(Ok(b.finish_legacy(rest)))
}
