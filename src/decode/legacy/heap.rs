//! Heap profiles in text form (`/debug/pprof/heap?debug=1`, `allocs?debug=1`).
//!
//! The first line is `heap profile: N: N [N: N] @ heap/RATE` (or
//! `heap_v2/RATE`, `heapprofile`, `growthz`, `fragmentationz`); every other
//! line that is not blank or a `#` comment is a record
//! `inuse_count: inuse_bytes [alloc_count: alloc_bytes] @ 0xPC 0xPC …`, until
//! a memory-map section. Go's `heap/RATE` header gives twice the sampling
//! rate; Go's records are sampled, and each is unsampled as pprof does:
//! multiplied by `1/(1 − e^(−avg/rate))` where `avg` is the average object
//! size. The profile gets the four types `alloc_objects`, `alloc_space`,
//! `inuse_objects`, `inuse_space` (or `objects`, `space` when the alloc
//! columns carry nothing new), period type `space/bytes`, a numeric label
//! `bytes` (the object size) on every sample, addresses moved back by one
//! byte onto the call instruction, and pprof's allocator drop_frames.

use std::sync::OnceLock;

use regex::Regex;

use super::{
    hex_addresses, is_memory_map_sentinel, is_space_or_comment, Builder, Parsed, TextSymbols,
};

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] *@ *(heap[_a-z0-9]*)/?([0-9]*)",
        )
        .expect("static regex")
    })
}

fn other_header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ (growthz?|fragmentationz?)",
        )
        .expect("static regex")
    })
}

fn sample_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @([ x0-9a-f]*)")
            .expect("static regex")
    })
}

/// The unsampling of one record (pprof's `scaleHeapSample`).
pub(crate) fn unsample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

/// Parses a heap profile; `None` if the first line is not a heap header.
/// With `symbols`, addresses are symbolized from the `#` lines.
pub fn parse(lines: &[&str], symbols: Option<&TextSymbols>) -> Parsed {
    let first = lines.first()?;
    let (mut period, mut v2, mut has_alloc) = (1i64, false, false);
    if let Some(h) = header_re().captures(first) {
        let g = |i: usize| h.get(i).map_or("", |m| m.as_str());
        if !g(6).is_empty() {
            period = g(6).parse().ok()?;
        } else {
            period = 0;
        }
        has_alloc = (g(3) != g(1) && g(3) != "0") || (g(4) != g(2) && g(4) != "0");
        match g(5) {
            "heapz_v2" | "heap_v2" => v2 = true,
            "heapprofile" => period = 1,
            "heap" => {
                v2 = true;
                period /= 2;
            }
            _ => return None,
        }
    } else if !other_header_re().is_match(first) {
        return None;
    }
    Some(parse_body(&lines[1..], period, v2, has_alloc, symbols))
}

fn parse_body(
    lines: &[&str],
    period: i64,
    v2: bool,
    has_alloc: bool,
    symbols: Option<&TextSymbols>,
) -> Result<crate::Profile, String> {
    let mut b = Builder::new().with_symbols(symbols);
    b.period("space", "bytes", period);
    if has_alloc {
        b.sample_type("alloc_objects", "count");
        b.sample_type("alloc_space", "bytes");
        b.sample_type("inuse_objects", "count");
        b.sample_type("inuse_space", "bytes");
    } else {
        b.sample_type("objects", "count");
        b.sample_type("space", "bytes");
    }
    let mut stack = Vec::new();
    let mut rest: &[&str] = &[];
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if is_space_or_comment(line) {
            continue;
        }
        if is_memory_map_sentinel(line) {
            rest = &lines[i..];
            break;
        }
        let Some(c) = sample_re().captures(line) else {
            return Err("unexpected number of sample values: got 0, want 6".to_string());
        };
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        let mut values = Vec::with_capacity(4);
        let mut blocksize = 0i64;
        let mut add = |count: &str, size: &str, what: &str| -> Result<(), String> {
            let bad = || format!("malformed sample: {line}");
            let mut count: i64 = count.parse().map_err(|_| bad())?;
            let mut size: i64 = size.parse().map_err(|_| bad())?;
            if count == 0 && size != 0 {
                return Err(format!("{what} count was 0 but {what} bytes was {size}"));
            }
            if count != 0 {
                blocksize = size.wrapping_div(count);
                if v2 {
                    (count, size) = unsample(count, size, period);
                }
            }
            values.push(count);
            values.push(size);
            Ok(())
        };
        if has_alloc {
            add(g(3), g(4), "allocation")?;
        }
        add(g(1), g(2), "inuse")?;
        let addrs = hex_addresses(g(5)).map_err(|e| format!("malformed sample: {line}: {e}"))?;
        b.stack(&addrs, &mut stack);
        let label = b.num_label("bytes", blocksize);
        b.sample(&stack, &values, &[label]);
    }
    Ok(b.finish_legacy(rest))
}
