//! Rendering a [`DiffReport`] as a text table or as JSON.
//!
//! Numbers go through [`Formatter`] and [`crate::model::measurement`] only. Both
//! outputs are pure functions of the report, so identical inputs give
//! identical bytes.
//!
//! # JSON schema (`schema_version` 1)
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "report": "diff",
//!   "mode": "absolute" | "interval" | "share",
//!   "by": "function" | "stack",
//!   "metric": "flat" | "cum",          // value of function rows
//!   "sample_type": {"type": "inuse_space", "unit": "bytes"},
//!   "noise": {"kind": "exact" | "heap" | "proportion" | "poisson", "rate"?: int},
//!   "base": SNAPSHOT, "new": SNAPSHOT,  // first and last input
//!   "snapshots": [SNAPSHOT, …],         // every input, base first
//!   "interval_nanos": int | null,       // new.time_nanos − base.time_nanos
//!   "total": {"base": int, "new": int, "delta": int,
//!             "per_second": {"base","new","delta"}|null},  // share mode with durations
//!   "rows": [ROW, …],                   // table order
//!   "rows_total": int,                  // rows before hiding/limiting
//!   "hidden_same": int,                 // rows not listed: `same` ones (--show_same lists
//!                                       // them), or under --growth_only all not growing
//!   "pruned": {"rows": int,             // every row not listed (also past -nodecount)
//!              "same", "not_growing", "below_min_delta",
//!              "beyond_nodecount": int,                     // why
//!              "base_value", "new_value", "delta": int,  // Σ over them, sample unit
//!              "delta_share_pp": float,
//!              "overlapping": bool,     // cum rows: the sums count samples twice
//!              "largest": string|null}, // hidden row with the largest change
//!   "thresholds": {"fail_on_growth": int|null, "fail_on_share_pp": float|null,
//!                  "min_confidence": float|null},
//!   "violations": [{"rule", "name", "value", "limit"}, …],  // crossing rows; exit 3 if any
//!   "warnings": [string, …]
//! }
//! SNAPSHOT = {"file", "build_id", "time_nanos", "duration_nanos", "period", "total"}
//! ROW = {"name", "status": "new"|"gone"|"grew"|"shrank"|"same",
//!        "base", "new", "delta",            // raw integers in the sample unit
//!        "delta_rel": float|null,           // delta / base (null when base = 0)
//!        "share_base", "share_new": float,  // fractions of each total
//!        "delta_share_pp": float,           // percentage points
//!        "confidence_p": float|null, "confidence": "exact"|"high"|"medium"|"low"|"none",
//!        "samples": [float, float]|null,    // sample counts behind the test
//!        "objects": {"base","new","delta"}|null, "avg_object_size": int|null,  // heap
//!        "per_second": {"base","new","delta"}|null,   // share mode with durations
//!        "series": [int, …]|null, "monotonic": bool}  // ≥ 3 snapshots
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::{DiffReport, DiffRow, Mode, NoiseModel, SnapshotInfo, Status};
use crate::model::measurement;
use crate::report::header::format_time;
use crate::report::Formatter;

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Output unit: `minimum`/`auto` (each value in its best unit) or a unit.
    pub unit: String,
    /// Divide displayed values by this.
    pub divide_by: f64,
    /// List `same` rows too.
    pub show_same: bool,
    /// List only growing rows (`new`, `grew`).
    pub growth_only: bool,
    /// Show at most this many rows (`None`: all).
    pub nodecount: Option<usize>,
    /// `--min_delta`: rows whose change is below this floor are not listed
    /// (with the text as given, for the footer). CI gates still see them.
    pub min_delta: Option<(super::gate::NoiseFloor, String)>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            unit: "auto".to_string(),
            divide_by: 1.0,
            show_same: false,
            growth_only: false,
            nodecount: None,
            min_delta: None,
        }
    }
}

/// Rows left out of the table, why, and what they account for (§4.2 of the
/// diff note: the table ends with a footer saying so).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pruned {
    /// Rows not listed.
    pub rows: usize,
    /// Of them, `same` rows (listed with `--show_same`).
    pub same: usize,
    /// Of them, rows that changed but did not grow (hidden by `--growth_only`).
    pub not_growing: usize,
    /// Of them, rows whose change is below `--min_delta`.
    pub below_min_delta: usize,
    /// Of them, rows past `-nodecount`.
    pub beyond_nodecount: usize,
    /// Σ base of the hidden rows (raw, in the sample unit).
    pub base_value: i64,
    /// Σ new of the hidden rows.
    pub new_value: i64,
    /// Σ Δ of the hidden rows.
    pub delta: i64,
    /// Σ Δshare of the hidden rows, in percentage points.
    pub delta_share_pp: f64,
    /// True when rows overlap (cum values of functions), so the sums above
    /// count some samples more than once; [`Pruned::largest`] is the
    /// meaningful figure then.
    pub overlapping: bool,
    /// The hidden row with the largest |primary metric|, if any.
    pub largest: Option<String>,
}

/// The rows to list and the ones left out.
pub struct Visible<'r> {
    /// Rows in table order.
    pub rows: Vec<&'r DiffRow>,
    /// `same` rows hidden, or under `growth_only` all rows that did not
    /// grow (JSON `hidden_same`, kept for compatibility).
    pub hidden_same: usize,
    /// Everything left out, with reasons and sums.
    pub pruned: Pruned,
}

/// The rows to list under `o`, and what is hidden.
pub fn visible_rows<'r>(r: &'r DiffReport, o: &RenderOptions) -> Visible<'r> {
    let mut pruned = Pruned {
        overlapping: r.by == super::Keying::Function && r.metric == super::Metric::Cum,
        ..Pruned::default()
    };
    let mut hidden: Vec<&DiffRow> = Vec::new();
    let mut rows: Vec<&DiffRow> = Vec::new();
    for row in &r.rows {
        if o.growth_only && !row.status.is_growth() {
            if row.status == Status::Same {
                pruned.same += 1;
            } else {
                pruned.not_growing += 1;
            }
            hidden.push(row);
        } else if !o.growth_only && !o.show_same && row.status == Status::Same {
            pruned.same += 1;
            hidden.push(row);
        } else if o.min_delta.as_ref().is_some_and(|(f, _)| f.hides(row)) {
            pruned.below_min_delta += 1;
            hidden.push(row);
        } else {
            rows.push(row);
        }
    }
    let hidden_same = pruned.same + pruned.not_growing;
    if let Some(n) = o.nodecount {
        if rows.len() > n {
            pruned.beyond_nodecount = rows.len() - n;
            hidden.extend(rows.drain(n..));
        }
    }
    pruned.rows = hidden.len();
    let mut largest: Option<&DiffRow> = None;
    for row in &hidden {
        pruned.base_value = pruned.base_value.wrapping_add(row.base);
        pruned.new_value = pruned.new_value.wrapping_add(row.new);
        pruned.delta = pruned.delta.wrapping_add(row.delta);
        pruned.delta_share_pp += row.delta_share_pp;
        let key = |x: &DiffRow| (x.primary(r.mode).abs(), x.delta.unsigned_abs());
        if row.status != Status::Same
            && largest
                .is_none_or(|l| key(row).partial_cmp(&key(l)) == Some(std::cmp::Ordering::Greater))
        {
            largest = Some(row);
        }
    }
    pruned.largest = largest.map(|l| l.name.clone());
    Visible {
        rows,
        hidden_same,
        pruned,
    }
}

/// The footer line under the table when rows are hidden: how many, why,
/// and what they account for.
fn footer(r: &DiffReport, v: &Visible<'_>, o: &RenderOptions, f: &Formatter) -> Option<String> {
    let p = &v.pruned;
    if p.rows == 0 {
        return None;
    }
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut why = Vec::new();
    if p.same > 0 {
        why.push(format!("{} unchanged (--show_same)", p.same));
    }
    if p.not_growing > 0 {
        why.push(format!("{} not growing (--growth_only)", p.not_growing));
    }
    if let (n @ 1.., Some((_, text))) = (p.below_min_delta, &o.min_delta) {
        why.push(format!("{n} below --min_delta={text}"));
    }
    if p.beyond_nodecount > 0 {
        why.push(format!(
            "{} beyond -nodecount={}",
            p.beyond_nodecount,
            o.nodecount.unwrap_or_default()
        ));
    }
    let mut line = format!(
        "{} hidden: {}",
        plural(p.rows, "row", "rows"),
        why.join(", ")
    );
    let share = if r.mode == Mode::Share {
        format!(", Δshare {}", signed_float(p.delta_share_pp, 2, "pp"))
    } else {
        String::new()
    };
    if !p.overlapping {
        line.push_str(&format!(
            "; accounting for {} → {}, Δ {}{share}",
            f.format(p.base_value),
            f.format(p.new_value),
            signed(f, p.delta)
        ));
    }
    if let Some(name) = &p.largest {
        if let Some(row) = r.rows.iter().find(|x| &x.name == name) {
            let change = if r.mode == Mode::Share {
                signed_float(row.delta_share_pp, 2, "pp")
            } else {
                signed(f, row.delta)
            };
            line.push_str(&format!("; largest change among them {change} ({name})"));
        }
    }
    Some(line)
}

fn formatter(r: &DiffReport, o: &RenderOptions) -> Formatter {
    let unit = if o.unit == "minimum" { "auto" } else { &o.unit };
    let div = if o.divide_by == 0.0 { 1.0 } else { o.divide_by };
    Formatter::new(&r.unit, unit, div)
}

fn signed(f: &Formatter, v: i64) -> String {
    let s = f.format(v);
    if v > 0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

fn signed_float(x: f64, prec: usize, suffix: &str) -> String {
    let s = measurement::format_go_f(x, prec);
    let zero = measurement::format_go_f(0.0, prec);
    let neg_zero = format!("-{zero}");
    if s == zero || s == neg_zero {
        format!("{zero}{suffix}")
    } else if x > 0.0 {
        format!("+{s}{suffix}")
    } else {
        format!("{s}{suffix}")
    }
}

fn pct(x: f64) -> String {
    format!("{}%", measurement::format_go_f(x * 100.0, 1))
}

fn delta_rel(row: &DiffRow) -> String {
    match (row.status, row.delta_rel) {
        (Status::New, _) => "new".to_string(),
        (Status::Gone, _) => "gone".to_string(),
        (_, Some(r)) => signed_float(r * 100.0, 1, "%"),
        (_, None) => "-".to_string(),
    }
}

fn confidence(row: &DiffRow) -> String {
    match row.confidence_p {
        Some(p) => format!(
            "{} p={}",
            row.confidence.name(),
            measurement::format_go_g(p, 2)
        ),
        None => row.confidence.name().to_string(),
    }
}

struct Table {
    head: Vec<&'static str>,
    /// true = left aligned.
    left: Vec<bool>,
    rows: Vec<Vec<String>>,
}

fn table(r: &DiffReport, rows: &[&DiffRow], f: &Formatter) -> Table {
    let heap = matches!(r.noise, NoiseModel::Heap { .. });
    let share_mode = r.mode == Mode::Share;
    let per_sec = rows.iter().any(|x| x.per_second.is_some());
    let sampled = matches!(r.noise, NoiseModel::Proportion);
    let trend = r.snapshots.len() >= 3;
    let mut head = vec!["status"];
    let mut left = vec![true];
    let mut push = |h: &'static str, l: bool| {
        head.push(h);
        left.push(l);
    };
    if share_mode {
        push("Δshare", false);
        push("share base → new", false);
        push("base", false);
        push("new", false);
        push("Δ", false);
        push("Δ%", false);
        if per_sec {
            push("per second base → new", false);
        }
    } else {
        push("Δ", false);
        push("base", false);
        push("new", false);
        push("Δ%", false);
        push("share base → new", false);
    }
    if heap {
        push("Δobjects", false);
        push("avg size", false);
    }
    if sampled {
        push("samples", false);
    }
    push("confidence", true);
    if trend {
        push("series", false);
        push("trend", true);
    }
    push("name", true);

    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut c = vec![row.status.name().to_string()];
        let shares = format!("{} → {}", pct(row.share_base), pct(row.share_new));
        if share_mode {
            c.push(signed_float(row.delta_share_pp, 2, "pp"));
            c.push(shares);
            c.push(f.format(row.base));
            c.push(f.format(row.new));
            c.push(signed(f, row.delta));
            c.push(delta_rel(row));
            if per_sec {
                c.push(match row.per_second {
                    Some(p) => format!("{}/s → {}/s", f.format(p.base), f.format(p.new)),
                    None => String::new(),
                });
            }
        } else {
            c.push(signed(f, row.delta));
            c.push(f.format(row.base));
            c.push(f.format(row.new));
            c.push(delta_rel(row));
            c.push(shares);
        }
        if heap {
            c.push(match row.objects {
                Some(o) if o.delta > 0 => format!("+{}", measurement::label(o.delta, "count")),
                Some(o) => measurement::label(o.delta, "count"),
                None => String::new(),
            });
            c.push(
                row.avg_object_size
                    .map(|s| measurement::label(s, "bytes"))
                    .unwrap_or_default(),
            );
        }
        if sampled {
            c.push(match row.samples {
                Some((b, n)) => format!(
                    "{} → {}",
                    measurement::format_go_f(b, 0),
                    measurement::format_go_f(n, 0)
                ),
                None => String::new(),
            });
        }
        c.push(confidence(row));
        if trend {
            let series: Vec<String> = row.series.iter().flatten().map(|&v| f.format(v)).collect();
            c.push(series.join(" → "));
            c.push(if row.monotonic { "monotonic" } else { "" }.to_string());
        }
        c.push(row.name.clone());
        out.push(c);
    }
    Table {
        head,
        left,
        rows: out,
    }
}

fn write_table(w: &mut dyn Write, t: &Table) -> io::Result<()> {
    let n = t.head.len();
    let mut widths: Vec<usize> = t.head.iter().map(|h| h.chars().count()).collect();
    for r in &t.rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if i + 1 == n {
                s.push_str(c);
            } else if t.left[i] {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let head: Vec<String> = t.head.iter().map(|h| h.to_string()).collect();
    writeln!(w, "{}", line(&head))?;
    for r in &t.rows {
        writeln!(w, "{}", line(r))?;
    }
    Ok(())
}

/// Share mode with both durations known: the totals per second of wall time.
fn total_per_second(r: &DiffReport) -> Option<super::Pair> {
    let (b, n) = (r.base(), r.new_snapshot());
    (r.mode == Mode::Share && b.duration_nanos > 0 && n.duration_nanos > 0).then(|| {
        let (pb, pn) = (
            super::per_second(b.total, b.duration_nanos),
            super::per_second(n.total, n.duration_nanos),
        );
        super::Pair {
            base: pb,
            new: pn,
            delta: pn.wrapping_sub(pb),
        }
    })
}

fn mode_line(r: &DiffReport) -> &'static str {
    match r.mode {
        Mode::Absolute => "absolute (a gauge: values compared as they are, no normalization)",
        Mode::Interval => {
            "interval (a counter since process start: Δ is the activity between the snapshots)"
        }
        Mode::Share => {
            "share (per-collection samples: rows ranked by the change of their share, in percentage points)"
        }
    }
}

fn snapshot_line(label: &str, s: &SnapshotInfo, f: &Formatter) -> String {
    let mut out = format!("{label} {}", s.file);
    if s.time_nanos != 0 {
        out.push_str(&format!(", {}", format_time(s.time_nanos)));
    }
    if s.duration_nanos != 0 {
        out.push_str(&format!(
            ", duration {}",
            measurement::label(s.duration_nanos, "nanoseconds")
        ));
    }
    out.push_str(&format!(", total {}", f.format(s.total)));
    out
}

/// Writes the text report.
pub fn write_text(w: &mut dyn Write, r: &DiffReport, o: &RenderOptions) -> io::Result<()> {
    let f = formatter(r, o);
    writeln!(w, "Type: {} ({})", r.sample_type, r.unit)?;
    writeln!(w, "Mode: {}", mode_line(r))?;
    let n = r.snapshots.len();
    for (i, s) in r.snapshots.iter().enumerate() {
        let label = if i == 0 {
            "Base:".to_string()
        } else if i + 1 == n {
            "New: ".to_string()
        } else {
            format!("T{}:  ", i + 1)
        };
        writeln!(w, "{}", snapshot_line(&label, s, &f))?;
    }
    let (tb, tn) = (r.base().total, r.new_snapshot().total);
    let d = tn.wrapping_sub(tb);
    let rel = if tb != 0 {
        format!(" ({})", signed_float(d as f64 / tb as f64 * 100.0, 1, "%"))
    } else {
        String::new()
    };
    let mut change = format!(
        "Total: {} → {}, Δ {}{rel}",
        f.format(tb),
        f.format(tn),
        signed(&f, d)
    );
    if let Some(dt) = r.interval_nanos().filter(|&dt| dt != 0) {
        change.push_str(&format!(" over {}", measurement::label(dt, "nanoseconds")));
    }
    writeln!(w, "{change}")?;
    if let Some(ps) = total_per_second(r) {
        writeln!(
            w,
            "Per second of wall time: {}/s → {}/s, Δ {}/s",
            f.format(ps.base),
            f.format(ps.new),
            signed(&f, ps.delta)
        )?;
    }
    let rows_are = match (r.by, r.metric) {
        (super::Keying::Stack, _) => "stacks (root;…;leaf, function level)",
        (_, super::Metric::Flat) => "functions, flat (own) values",
        (_, super::Metric::Cum) => "functions, cum (inclusive) values",
    };
    let noise = match r.noise {
        NoiseModel::Exact => "exact counts (no sampling noise)".to_string(),
        NoiseModel::Heap { rate } => format!(
            "heap sampling every {} (binomial test on sampled objects)",
            measurement::label(rate, "bytes")
        ),
        NoiseModel::Proportion => "two-proportion test on sample counts".to_string(),
        NoiseModel::Poisson => "binomial test on event counts".to_string(),
    };
    writeln!(w, "Rows: {rows_are}; confidence: {noise}")?;
    if n >= 3 {
        writeln!(
            w,
            "Trend: \"monotonic\" marks rows that grew in each of the {} intervals",
            n - 1
        )?;
    }
    for warning in &r.warnings {
        writeln!(w, "Warning: {warning}")?;
    }
    let visible = visible_rows(r, o);
    let (rows, hidden) = (&visible.rows, visible.hidden_same);
    let changed = r.rows.len() - hidden;
    let mut summary = format!(
        "Showing {} of {} changed rows",
        rows.len().min(changed),
        changed
    );
    if hidden > 0 {
        summary.push_str(&format!(
            "; {hidden} unchanged rows not shown (--show_same)"
        ));
    }
    writeln!(w, "{summary}")?;
    write_table(w, &table(r, rows, &f))?;
    if let Some(line) = footer(r, &visible, o, &f) {
        writeln!(w, "{line}")?;
    }
    if !r.violations.is_empty() {
        writeln!(w)?;
        writeln!(w, "Thresholds crossed ({}):", r.violations.len())?;
        for v in &r.violations {
            let (value, limit) = match v.rule {
                "fail_on_growth" => (signed(&f, v.value as i64), f.format(v.limit as i64)),
                "fail_on_share" => (
                    signed_float(v.value, 2, "pp"),
                    signed_float(v.limit, 2, "pp"),
                ),
                _ => (
                    measurement::format_go_g(v.value, 4),
                    measurement::format_go_g(v.limit, 4),
                ),
            };
            writeln!(w, "  {}: {} {value} > {limit}", v.rule, v.name)?;
        }
        let names: Vec<&str> = r.violations.iter().map(|v| v.name.as_str()).collect();
        let crossing: Vec<&DiffRow> = r
            .rows
            .iter()
            .filter(|row| names.contains(&row.name.as_str()))
            .collect();
        if !crossing.is_empty() {
            write_table(w, &table(r, &crossing, &f))?;
        }
    }
    Ok(())
}

/// `sample_type` in JSON.
#[derive(Serialize)]
struct JsonType<'a> {
    #[serde(rename = "type")]
    ty: &'a str,
    unit: &'a str,
}

/// `total` in JSON.
#[derive(Serialize)]
struct JsonTotal {
    base: i64,
    new: i64,
    delta: i64,
    per_second: Option<super::Pair>,
}

/// `thresholds` in JSON.
#[derive(Serialize)]
struct JsonThresholds {
    fail_on_growth: Option<i64>,
    fail_on_share_pp: Option<f64>,
    min_confidence: Option<f64>,
}

/// The JSON document (see the module docs for the schema).
#[derive(Serialize)]
pub struct JsonDiff<'a> {
    schema_version: u32,
    report: &'static str,
    mode: Mode,
    by: super::Keying,
    metric: super::Metric,
    sample_type: JsonType<'a>,
    noise: NoiseModel,
    base: &'a SnapshotInfo,
    new: &'a SnapshotInfo,
    snapshots: &'a [SnapshotInfo],
    interval_nanos: Option<i64>,
    total: JsonTotal,
    rows: Vec<&'a DiffRow>,
    rows_total: usize,
    hidden_same: usize,
    pruned: Pruned,
    thresholds: JsonThresholds,
    violations: &'a [super::Violation],
    warnings: &'a [String],
}

/// The JSON document of `r` (schema version 1, see the module docs).
pub fn to_json<'a>(r: &'a DiffReport, o: &RenderOptions, gates: &super::Gates) -> JsonDiff<'a> {
    let visible = visible_rows(r, o);
    let (tb, tn) = (r.base().total, r.new_snapshot().total);
    JsonDiff {
        schema_version: 1,
        report: "diff",
        mode: r.mode,
        by: r.by,
        metric: r.metric,
        sample_type: JsonType {
            ty: &r.sample_type,
            unit: &r.unit,
        },
        noise: r.noise,
        base: r.base(),
        new: r.new_snapshot(),
        snapshots: &r.snapshots,
        interval_nanos: r.interval_nanos(),
        total: JsonTotal {
            base: tb,
            new: tn,
            delta: tn.wrapping_sub(tb),
            per_second: total_per_second(r),
        },
        rows: visible.rows,
        rows_total: r.rows.len(),
        hidden_same: visible.hidden_same,
        pruned: visible.pruned,
        thresholds: JsonThresholds {
            fail_on_growth: gates.growth_limit(&r.unit).ok().flatten(),
            fail_on_share_pp: gates.share_pp,
            min_confidence: gates.min_confidence,
        },
        violations: &r.violations,
        warnings: &r.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_numbers() {
        assert_eq!(signed_float(1.5, 2, "pp"), "+1.50pp");
        assert_eq!(signed_float(-1.5, 2, "pp"), "-1.50pp");
        assert_eq!(signed_float(0.001, 2, "pp"), "0.00pp");
        assert_eq!(signed_float(-0.001, 2, "pp"), "0.00pp");
        assert_eq!(signed_float(-0.0, 1, "%"), "0.0%");
        let f = Formatter::new("bytes", "auto", 1.0);
        assert_eq!(signed(&f, 1536), "+1.50kB");
        assert_eq!(signed(&f, -1536), "-1.50kB");
        assert_eq!(signed(&f, 0), "0");
        assert_eq!(measurement::label(41120, "count"), "41120");
        assert_eq!(pct(0.8898), "89.0%");
    }
}
