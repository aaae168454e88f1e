//! The `raw` report: the profile itself, as pprof's `Profile.String()`.
//!
//! As `go tool pprof -raw`: comments, period, time and duration, then every
//! sample of the view (all values, location ids leaf first, labels), every
//! location with the lines the view gives it (after drop_frames; only the
//! last line and no columns under `--noinlines`), and every mapping (an
//! empty one with id 1 for a profile without mappings, as pprof adds). No
//! header; value selection, granularity and trimming options do not apply.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::labels::SampleLabels;
use crate::graph::analysis::Analysis;
use crate::model::{Line, NONE};

/// pprof's option overrides for `raw`: addresses granularity, no trimming.
pub fn raw_options(
    mut opts: crate::graph::analysis::ReportOptions,
) -> crate::graph::analysis::ReportOptions {
    opts.granularity = crate::graph::Granularity::Addresses;
    opts.trim = false;
    opts
}

/// The `raw` report (rendered straight from the analysis' view).
pub struct RawReport<'a> {
    an: &'a Analysis<'a>,
}

impl<'a> RawReport<'a> {
    /// The raw dump of the analysis' profile and view.
    pub fn build(an: &'a Analysis<'a>) -> Self {
        RawReport { an }
    }

    /// The lines of location `l` as the report prints them.
    fn lines(&self, l: u32) -> Vec<Line> {
        let an = self.an;
        let lines = an.view.lines(&an.profile, l);
        if an.opts.noinlines {
            lines
                .last()
                .map(|&line| vec![Line { column: 0, ..line }])
                .unwrap_or_default()
        } else {
            lines.to_vec()
        }
    }

    /// Writes the report in `go tool pprof -raw`'s layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let p: &crate::model::Profile = &self.an.profile;
        let view = &self.an.view;
        let mut out = String::new();
        for &c in &p.comments {
            let _ = writeln!(out, "Comment: {}", p.str(c));
        }
        if p.doc_url != 0 && !p.str(p.doc_url).is_empty() {
            let _ = writeln!(out, "Doc: {}", p.str(p.doc_url));
        }
        let _ = writeln!(
            out,
            "PeriodType: {} {}",
            p.str(p.period_type.ty),
            p.str(p.period_type.unit)
        );
        let _ = writeln!(out, "Period: {}", p.period);
        if p.time_nanos != 0 {
            let _ = writeln!(out, "Time: {}", go_time_string(p.time_nanos));
        }
        if p.duration_nanos != 0 {
            let d = go_duration_string(p.duration_nanos);
            let _ = writeln!(out, "Duration: {}", d.chars().take(4).collect::<String>());
        }
        out.push_str("Samples:\n");
        let dflt = p.str(p.default_sample_type);
        let mut types = String::new();
        for t in &p.sample_types {
            let ty = p.str(t.ty);
            let mark = if ty == dflt { "[dflt]" } else { "" };
            let _ = write!(types, "{ty}/{}{mark} ", p.str(t.unit));
        }
        out.push_str(types.trim());
        out.push('\n');
        w.write_all(out.as_bytes())?;
        for i in 0..view.len(p) {
            out.clear();
            for v in view.values(p, i) {
                let _ = write!(out, " {v:>10}");
            }
            out.push_str(": ");
            for &l in view.stack(p, i) {
                let _ = write!(out, "{} ", p.locations.id[l as usize]);
            }
            out.push('\n');
            let labels = SampleLabels::of(p, view.sample(i));
            if !labels.strs.is_empty() {
                let mut ls: Vec<String> = labels
                    .strs
                    .iter()
                    .map(|(k, vs)| format!("{k}:[{}]", vs.join(" ")))
                    .collect();
                ls.sort();
                let _ = writeln!(out, "{:16}{}", "", ls.join(" "));
            }
            if !labels.nums.is_empty() {
                let mut ls: Vec<String> = labels
                    .nums
                    .iter()
                    .map(|n| {
                        let vs: Vec<String> = if n.units.len() == n.values.len() {
                            n.values
                                .iter()
                                .zip(&n.units)
                                .map(|(v, u)| format!("{v} {u}"))
                                .collect()
                        } else {
                            n.values.iter().map(|v| v.to_string()).collect()
                        };
                        format!("{}:[{}]", n.key, vs.join(" "))
                    })
                    .collect();
                ls.sort();
                let _ = writeln!(out, "{:16}{}", "", ls.join(" "));
            }
            w.write_all(out.as_bytes())?;
        }
        w.write_all(b"Locations\n")?;
        let locs = &p.locations;
        for l in 0..locs.len() {
            out.clear();
            let mut head = format!("{:>6}: {:#x} ", locs.id[l], locs.address[l]);
            let m = locs.mapping[l];
            if m != NONE {
                if let Some(mapping) = p.mappings.get(m as usize) {
                    let _ = write!(head, "M={} ", mapping.id);
                }
            } else if p.mappings.is_empty() {
                // pprof gives a profile without mappings one empty mapping
                // (id 1) holding every location.
                head.push_str("M=1 ");
            }
            if locs.is_folded[l] {
                head.push_str("[F] ");
            }
            let lines = self.lines(l as u32);
            if lines.is_empty() {
                out.push_str(&head);
                out.push('\n');
            }
            for line in &lines {
                out.push_str(&head);
                match p.functions.get(line.function as usize) {
                    Some(f) => {
                        let (name, sys) = (p.str(f.name), p.str(f.system_name));
                        let _ = write!(
                            out,
                            "{name} {}:{}:{} s={}",
                            p.str(f.filename),
                            line.line,
                            line.column,
                            f.start_line
                        );
                        if name != sys {
                            let _ = write!(out, "({sys})");
                        }
                    }
                    None => out.push_str("??"),
                }
                out.push('\n');
                head = " ".repeat(13);
            }
            w.write_all(out.as_bytes())?;
        }
        w.write_all(b"Mappings\n")?;
        if p.mappings.is_empty() {
            w.write_all(b"1: 0x0/0x0/0x0   \n")?;
        }
        for m in &p.mappings {
            let mut bits = String::new();
            for (set, b) in [
                (m.has_functions, "[FN]"),
                (m.has_filenames, "[FL]"),
                (m.has_line_numbers, "[LN]"),
                (m.has_inline_frames && !self.an.opts.noinlines, "[IN]"),
            ] {
                if set {
                    bits.push_str(b);
                }
            }
            writeln!(
                w,
                "{}: {:#x}/{:#x}/{:#x} {} {} {bits}",
                m.id,
                m.memory_start,
                m.memory_limit,
                m.file_offset,
                p.str(m.filename),
                p.str(m.build_id)
            )?;
        }
        Ok(())
    }

    /// The report as JSON (`schema_version` 1, schema in the README): the
    /// profile's fields with raw values.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let p: &crate::model::Profile = &self.an.profile;
        let view = &self.an.view;
        let vt = |t: &crate::model::ValueType| json!({"type": p.str(t.ty), "unit": p.str(t.unit)});
        let samples: Vec<serde_json::Value> = (0..view.len(p))
            .map(|i| {
                let labels = SampleLabels::of(p, view.sample(i));
                let strs: serde_json::Map<String, serde_json::Value> = labels
                    .strs
                    .iter()
                    .map(|(k, vs)| (k.to_string(), json!(vs)))
                    .collect();
                let nums: Vec<serde_json::Value> = labels
                    .nums
                    .iter()
                    .map(|n| json!({"key": n.key, "values": n.values, "units": n.units}))
                    .collect();
                let ids: Vec<u64> = view
                    .stack(p, i)
                    .iter()
                    .map(|&l| p.locations.id[l as usize])
                    .collect();
                json!({
                    "values": view.values(p, i),
                    "locations": ids,
                    "labels": strs,
                    "num_labels": nums,
                })
            })
            .collect();
        let locs = &p.locations;
        let locations: Vec<serde_json::Value> = (0..locs.len())
            .map(|l| {
                let m = locs.mapping[l];
                let mapping = p.mappings.get(m as usize).map(|m| m.id);
                let lines: Vec<serde_json::Value> = self
                    .lines(l as u32)
                    .iter()
                    .map(|line| {
                        let f = p.functions.get(line.function as usize);
                        json!({
                            "function": f.map(|f| p.str(f.name)),
                            "system_name": f.map(|f| p.str(f.system_name)),
                            "file": f.map(|f| p.str(f.filename)),
                            "start_line": f.map(|f| f.start_line),
                            "line": line.line,
                            "column": line.column,
                        })
                    })
                    .collect();
                json!({
                    "id": locs.id[l],
                    "address": locs.address[l],
                    "mapping": mapping,
                    "is_folded": locs.is_folded[l],
                    "lines": lines,
                })
            })
            .collect();
        let mappings: Vec<serde_json::Value> = p
            .mappings
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "memory_start": m.memory_start,
                    "memory_limit": m.memory_limit,
                    "file_offset": m.file_offset,
                    "file": p.str(m.filename),
                    "build_id": p.str(m.build_id),
                    "has_functions": m.has_functions,
                    "has_filenames": m.has_filenames,
                    "has_line_numbers": m.has_line_numbers,
                    "has_inline_frames": m.has_inline_frames && !self.an.opts.noinlines,
                })
            })
            .collect();
        json!({
            "schema_version": 1,
            "report": "raw",
            "comments": p.comments.iter().map(|&c| p.str(c)).collect::<Vec<_>>(),
            "doc_url": p.str(p.doc_url),
            "period_type": vt(&p.period_type),
            "period": p.period,
            "time_nanos": p.time_nanos,
            "duration_nanos": p.duration_nanos,
            "sample_types": p.sample_types.iter().map(vt).collect::<Vec<_>>(),
            "default_sample_type": p.str(p.default_sample_type),
            "samples": samples,
            "locations": locations,
            "mappings": mappings,
        })
    }
}

/// Go's `time.Time.String()` of `time.Unix(0, nanos)` in the local time zone:
/// `2006-01-02 15:04:05.999999999 -0700 MST` (fraction without trailing zeros).
pub fn go_time_string(nanos: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_nanosecond(i128::from(nanos)) else {
        return nanos.to_string();
    };
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz)
        .strftime("%Y-%m-%d %H:%M:%S%.f %z %Z")
        .to_string()
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `3.12s`, `1.5ms`, `2µs`, `7ns`, `0s`.
pub fn go_duration_string(d: i64) -> String {
    /// The digits of `v % 10^prec` without trailing zeros, after a dot (or
    /// nothing when they are all zero).
    fn frac(v: u64, prec: u32) -> String {
        let digits = format!("{:0width$}", v % 10u64.pow(prec), width = prec as usize);
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        }
    }
    let sign = if d < 0 { "-" } else { "" };
    let u = d.unsigned_abs();
    let body = if u == 0 {
        "0s".to_string()
    } else if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}{}µs", u / 1_000, frac(u, 3))
    } else if u < 1_000_000_000 {
        format!("{}{}ms", u / 1_000_000, frac(u, 6))
    } else {
        let secs = u / 1_000_000_000;
        let mut s = format!("{}{}s", secs % 60, frac(u, 9));
        let mins = secs / 60;
        if mins > 0 {
            s = format!("{}m{s}", mins % 60);
            let hours = mins / 60;
            if hours > 0 {
                s = format!("{hours}h{s}");
            }
        }
        s
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::go_duration_string as d;

    #[test]
    fn durations_as_go_prints_them() {
        assert_eq!(d(0), "0s");
        assert_eq!(d(7), "7ns");
        assert_eq!(d(1_500), "1.5µs");
        assert_eq!(d(1_500_000), "1.5ms");
        assert_eq!(d(3_123_456_789), "3.123456789s");
        assert_eq!(d(3_600_000_000_000), "1h0m0s");
        assert_eq!(d(33_010_000_000_000), "9h10m10s");
        assert_eq!(d(-90_000_000_000), "-1m30s");
        assert_eq!(d(i64::MIN), "-2562047h47m16.854775808s");
    }
}
