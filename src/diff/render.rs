//! Rendering a [`DiffReport`] as a text table or as JSON.
//!
//! Numbers go through [`Formatter`] and [`crate::model::measurement`] only. Both
//! outputs are pure functions of the report, so identical inputs give
//! identical bytes.
//!
//! The text fits a terminal: at most [`TEXT_WIDTH`] columns, the columns that
//! matter for the mode, long function names elided in the middle (package
//! and function kept) and stacks shown as their leaf-most distinctive
//! frames ([`Namer`]); `--wide` ([`RenderOptions::wide`]) prints every column
//! and full names. The CLI lists the [`TEXT_ROWS`] largest changes unless
//! `-nodecount` says otherwise; the JSON has every row.
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
//!   "interval_nanos": int | null,       // new.time_nanos − base.time_nanos; null when
//!                                       // a time is unknown or NEW is older than BASE
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
//!   "warnings": [string, …],
//!   "out_of_order": null | {"file", "before", "by_nanos": int > 0, "pair": bool}
//!                                       // `file` was taken before `before`, an earlier
//!                                       // argument (pair: they are NEW and BASE)
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

use std::collections::HashMap;

use super::{DiffReport, DiffRow, Mode, NoiseModel, SnapshotInfo, Status};
use crate::model::measurement;
use crate::report::header::format_time;
use crate::report::Formatter;
use crate::util::names;

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
    /// Show at most this many rows, those with the largest change (`None`
    /// or `Some(0)`: all). The text report's default is [`TEXT_ROWS`]; the
    /// JSON lists every row unless told otherwise.
    pub nodecount: Option<usize>,
    /// `--min_delta`: rows whose change is below this floor are not listed
    /// (with the text as given, for the footer). CI gates still see them.
    pub min_delta: Option<(super::gate::NoiseFloor, String)>,
    /// `--wide`: every column and full names (stacks), lines as long as
    /// they need. Otherwise the text fits [`TEXT_WIDTH`] columns.
    pub wide: bool,
}

/// Rows the text report lists unless `-nodecount` says otherwise.
pub const TEXT_ROWS: usize = 20;

/// The width the text report fits (without `--wide`).
pub const TEXT_WIDTH: usize = 120;

impl RenderOptions {
    /// The row limit for the text report from `-nodecount` as given (`None`:
    /// not given, so [`TEXT_ROWS`]; 0 or less: every row).
    pub fn text_nodecount(given: Option<i64>) -> Option<usize> {
        match given {
            None => Some(TEXT_ROWS),
            Some(n) if n <= 0 => None,
            Some(n) => usize::try_from(n).ok(),
        }
    }
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
            wide: false,
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
    if let Some(n) = o.nodecount.filter(|&n| n > 0 && rows.len() > n) {
        // The n largest changes (|primary metric|, then |Δ|, then report
        // order), listed in report order: growth first, the largest
        // shrinkage last.
        let mut rank: Vec<usize> = (0..rows.len()).collect();
        let key = |x: &DiffRow| (x.primary(r.mode).abs(), x.delta.unsigned_abs());
        rank.sort_by(|&a, &b| {
            let (ka, kb) = (key(rows[a]), key(rows[b]));
            kb.0.total_cmp(&ka.0).then(kb.1.cmp(&ka.1)).then(a.cmp(&b))
        });
        let mut listed = vec![false; rows.len()];
        for &i in &rank[..n] {
            listed[i] = true;
        }
        pruned.beyond_nodecount = rows.len() - n;
        let all = std::mem::take(&mut rows);
        for (row, keep) in all.into_iter().zip(listed) {
            if keep {
                rows.push(row);
            } else {
                hidden.push(row);
            }
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
fn footer(
    r: &DiffReport,
    v: &Visible<'_>,
    o: &RenderOptions,
    f: &Formatter,
    namer: &Namer<'_>,
) -> Option<String> {
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
            "{} with smaller changes (-nodecount=0 lists all)",
            p.beyond_nodecount
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
            let name = namer.show(name, 60);
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

/// The table of `rows`: every column with full names under `wide`, else the
/// columns that matter for the mode, names shortened so that lines fit
/// [`TEXT_WIDTH`].
fn table(r: &DiffReport, rows: &[&DiffRow], f: &Formatter, namer: &Namer<'_>) -> Table {
    let mut t = if namer.wide {
        wide_table(r, rows, f)
    } else {
        narrow_table(r, rows, f)
    };
    let n = t.head.len();
    let mut widths: Vec<usize> = t.head.iter().map(|h| h.chars().count()).collect();
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    // Everything before the name column, with the two-space gaps (one
    // before the name).
    let used: usize = widths.iter().sum::<usize>() + 2 * n;
    let budget = TEXT_WIDTH.saturating_sub(used).max(24);
    t.head.push("name");
    t.left.push(true);
    for (cells, row) in t.rows.iter_mut().zip(rows) {
        cells.push(namer.show(&row.name, budget));
    }
    t
}

/// The default columns: the primary change first, then base → new, Δ%, and
/// only the extras that tell rows apart (objects for heap, the confidence
/// when there is sampling noise, the trend of three or more snapshots).
fn narrow_table(r: &DiffReport, rows: &[&DiffRow], f: &Formatter) -> Table {
    let heap = matches!(r.noise, NoiseModel::Heap { .. });
    let noisy = r.noise != NoiseModel::Exact;
    let trend = r.snapshots.len() >= 3;
    let mut head = Vec::new();
    if r.mode == Mode::Share {
        head.extend(["Δshare", "share base → new", "Δ", "Δ%"]);
    } else {
        head.extend(["Δ", "base", "new", "Δ%"]);
    }
    if heap {
        head.push("Δobjects");
    }
    if noisy {
        head.push("confidence");
    }
    if trend {
        head.push("trend");
    }
    let left = head
        .iter()
        .map(|h| matches!(*h, "confidence" | "trend"))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut c = Vec::with_capacity(head.len() + 1);
        if r.mode == Mode::Share {
            c.push(signed_float(row.delta_share_pp, 2, "pp"));
            c.push(format!("{} → {}", pct(row.share_base), pct(row.share_new)));
            c.push(signed(f, row.delta));
        } else {
            c.push(signed(f, row.delta));
            c.push(f.format(row.base));
            c.push(f.format(row.new));
        }
        c.push(delta_rel(row));
        if heap {
            c.push(objects(row));
        }
        if noisy {
            c.push(match row.confidence {
                super::Confidence::None => String::new(),
                conf => conf.name().to_string(),
            });
        }
        if trend {
            c.push(if row.monotonic { "monotonic" } else { "" }.to_string());
        }
        out.push(c);
    }
    Table {
        head,
        left,
        rows: out,
    }
}

fn objects(row: &DiffRow) -> String {
    match row.objects {
        Some(o) if o.delta > 0 => format!("+{}", measurement::label(o.delta, "count")),
        Some(o) => measurement::label(o.delta, "count"),
        None => String::new(),
    }
}

/// `--wide`: every column.
fn wide_table(r: &DiffReport, rows: &[&DiffRow], f: &Formatter) -> Table {
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
            c.push(objects(row));
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
        out.push(c);
    }
    Table {
        head,
        left,
        rows: out,
    }
}

/// How row names are shown: in full under `--wide`; otherwise function
/// names elided in the middle ([`names::elide_text`]) and stacks as their
/// leaf-most distinctive frames.
pub struct Namer<'r> {
    wide: bool,
    /// Stack rows: a trie of every row's frames, leaf first, counting the
    /// rows through each node.
    trie: Option<SuffixTrie<'r>>,
}

/// Frame paths leaf first, merged: node ids by (parent, frame), and how
/// many stacks pass through (or end at) each node.
struct SuffixTrie<'r> {
    children: HashMap<(u32, &'r str), u32>,
    count: Vec<u32>,
}

impl<'r> SuffixTrie<'r> {
    fn new(stacks: impl Iterator<Item = &'r str>) -> SuffixTrie<'r> {
        let mut t = SuffixTrie {
            children: HashMap::new(),
            count: vec![0],
        };
        for s in stacks {
            let mut node = 0u32;
            for frame in s.rsplit(';') {
                let next = t.count.len() as u32;
                node = *t.children.entry((node, frame)).or_insert(next);
                if node == next {
                    t.count.push(0);
                }
                t.count[node as usize] += 1;
            }
        }
        t
    }

    /// How many leaf-side frames of `stack` tell it apart from every other
    /// stack (all of them when none do).
    fn distinct_suffix(&self, frames: &[&str]) -> usize {
        let mut node = 0u32;
        for (k, frame) in frames.iter().rev().enumerate() {
            match self.children.get(&(node, *frame)) {
                Some(&n) => node = n,
                None => return k + 1,
            }
            if self.count[node as usize] <= 1 {
                return k + 1;
            }
        }
        frames.len()
    }
}

impl<'r> Namer<'r> {
    /// The namer of `r`'s rows.
    pub fn new(r: &'r DiffReport, wide: bool) -> Namer<'r> {
        let trie = (!wide && r.by == super::Keying::Stack)
            .then(|| SuffixTrie::new(r.rows.iter().map(|x| x.name.as_str())));
        Namer { wide, trie }
    }

    /// `name` in at most `budget` characters (in full under `--wide`).
    pub fn show(&self, name: &str, budget: usize) -> String {
        if self.wide || name.chars().count() <= budget {
            return name.to_string();
        }
        match &self.trie {
            Some(trie) => stack_display(trie, name, budget),
            None => names::elide_text(name, budget),
        }
    }
}

/// A stack (`root;…;leaf`) in `budget` characters: the frame where it
/// becomes distinct from every other stack (walking from the leaf) and the
/// leaf, then the root, that frame's callers and the frames below it as
/// they fit; `…` stands for frames left out.
fn stack_display(trie: &SuffixTrie<'_>, name: &str, budget: usize) -> String {
    let frames: Vec<&str> = name.split(';').collect();
    let n = frames.len();
    let d = n - trie.distinct_suffix(&frames).clamp(1, n);
    let mut keep = vec![false; n];
    keep[d] = true;
    keep[n - 1] = true;
    let render = |keep: &[bool]| -> String {
        let mut parts: Vec<&str> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            if keep[i] {
                parts.push(f);
            } else if i == 0 || keep[i - 1] {
                parts.push("…");
            }
        }
        parts.join(";")
    };
    let fits = |keep: &[bool]| render(keep).chars().count() <= budget;
    if !fits(&keep) {
        // Even two frames are too long: shorten them.
        let lead = if d > 0 { "…;" } else { "" };
        if d == n - 1 {
            let room = budget.saturating_sub(lead.chars().count()).max(1);
            return format!("{lead}{}", names::elide_text(frames[d], room));
        }
        let gap = if d + 1 < n - 1 { ";…;" } else { ";" };
        let room = budget
            .saturating_sub(lead.chars().count() + gap.chars().count())
            .max(2);
        let leaf = names::elide_text(frames[n - 1], room / 2);
        let room = room.saturating_sub(leaf.chars().count()).max(1);
        return format!("{lead}{}{gap}{leaf}", names::elide_text(frames[d], room));
    }
    // The root (the goroutine's or thread's start function), then callers of
    // the distinct frame as far as they fit, then the frames towards the
    // leaf.
    let grow = |keep: &mut Vec<bool>, order: &mut dyn Iterator<Item = usize>| {
        for i in order {
            keep[i] = true;
            if !fits(keep) {
                keep[i] = false;
                break;
            }
        }
    };
    grow(&mut keep, &mut std::iter::once(0));
    grow(&mut keep, &mut (0..d).rev());
    grow(&mut keep, &mut (d + 1..n - 1));
    render(&keep)
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

fn snapshot_line(label: &str, s: &SnapshotInfo, f: &Formatter, wide: bool) -> String {
    let file = if wide {
        s.file.clone()
    } else {
        names::elide_text(&s.file, 60)
    };
    let mut out = format!("{label} {file}");
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

/// Writes prose lines: as they are under `--wide`, else wrapped at spaces to
/// [`TEXT_WIDTH`] (continuations indented by two spaces).
struct Prose<'w> {
    w: &'w mut dyn Write,
    wide: bool,
}

impl Prose<'_> {
    fn line(&mut self, text: &str) -> io::Result<()> {
        if self.wide {
            return writeln!(self.w, "{text}");
        }
        for l in wrap(text, TEXT_WIDTH) {
            writeln!(self.w, "{l}")?;
        }
        Ok(())
    }
}

/// `text` wrapped at spaces into lines of at most `width` characters where
/// words allow; continuation lines start with two spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    let indent = text.len() - text.trim_start().len();
    let lead = &text[..indent];
    for word in text[indent..].split(' ') {
        let ww = word.chars().count();
        if cur_w > 0 && cur_w + 1 + ww > width {
            out.push(std::mem::take(&mut cur));
            cur.push_str(lead);
            cur.push_str("  ");
            cur_w = cur.chars().count();
            cur.push_str(word);
            cur_w += ww;
            continue;
        }
        if cur_w == 0 {
            cur.push_str(lead);
            cur_w = lead.chars().count();
        } else {
            cur.push(' ');
            cur_w += 1;
        }
        cur.push_str(word);
        cur_w += ww;
    }
    out.push(cur);
    out
}

/// Writes the text report: at most [`TEXT_WIDTH`] columns unless `--wide`.
pub fn write_text(w: &mut dyn Write, r: &DiffReport, o: &RenderOptions) -> io::Result<()> {
    let f = formatter(r, o);
    let namer = Namer::new(r, o.wide);
    let mut p = Prose { w, wide: o.wide };
    p.line(&format!("Type: {} ({})", r.sample_type, r.unit))?;
    p.line(&format!("Mode: {}", mode_line(r)))?;
    let n = r.snapshots.len();
    for (i, s) in r.snapshots.iter().enumerate() {
        let label = if i == 0 {
            "Base:".to_string()
        } else if i + 1 == n {
            "New: ".to_string()
        } else {
            format!("T{}:  ", i + 1)
        };
        p.line(&snapshot_line(&label, s, &f, o.wide))?;
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
    } else if let Some(oo) = &r.out_of_order {
        let by = measurement::label(oo.by_nanos, "nanoseconds");
        if oo.pair {
            change.push_str(&format!("; NEW was taken {by} before BASE (swapped?)"));
        } else {
            change.push_str("; the profiles are not in time order");
        }
    }
    p.line(&change)?;
    if let Some(ps) = total_per_second(r) {
        p.line(&format!(
            "Per second of wall time: {}/s → {}/s, Δ {}/s",
            f.format(ps.base),
            f.format(ps.new),
            signed(&f, ps.delta)
        ))?;
    }
    let rows_are = match (r.by, r.metric, o.wide) {
        (super::Keying::Stack, _, true) => "stacks (root;…;leaf, function level)",
        (super::Keying::Stack, _, false) => {
            "stacks root;…;leaf (… = frames left out; --wide shows them)"
        }
        (_, super::Metric::Flat, _) => "functions, flat (own) values",
        (_, super::Metric::Cum, _) => "functions, cum (inclusive) values",
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
    p.line(&format!("Rows: {rows_are}; confidence: {noise}"))?;
    if n >= 3 {
        p.line(&format!(
            "Trend: \"monotonic\" marks rows that grew in each of the {} intervals",
            n - 1
        ))?;
    }
    // Inputs out of time order are told on the Total line (and by the CLI
    // on stderr), not twice.
    let order = r.out_of_order.as_ref().map(|o| o.message());
    for warning in r.warnings.iter().filter(|w| Some(*w) != order.as_ref()) {
        p.line(&format!("Warning: {warning}"))?;
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
    p.line(&summary)?;
    write_table(p.w, &table(r, rows, &f, &namer))?;
    if let Some(line) = footer(r, &visible, o, &f, &namer) {
        p.line(&line)?;
    }
    if !r.violations.is_empty() {
        writeln!(p.w)?;
        p.line(&format!("Thresholds crossed ({}):", r.violations.len()))?;
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
            let name = namer.show(&v.name, 80);
            p.line(&format!("  {}: {name} {value} > {limit}", v.rule))?;
        }
        let names: Vec<&str> = r.violations.iter().map(|v| v.name.as_str()).collect();
        let crossing: Vec<&DiffRow> = r
            .rows
            .iter()
            .filter(|row| names.contains(&row.name.as_str()))
            .collect();
        if !crossing.is_empty() {
            write_table(p.w, &table(r, &crossing, &f, &namer))?;
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
    out_of_order: Option<&'a super::OutOfOrder>,
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
        out_of_order: r.out_of_order.as_ref(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Confidence, Keying, Metric};
    use super::*;

    fn row(name: &str, base: i64, new: i64) -> DiffRow {
        let delta = new - base;
        DiffRow {
            name: name.to_string(),
            status: match delta.signum() {
                1 => Status::Grew,
                -1 => Status::Shrank,
                _ => Status::Same,
            },
            base,
            new,
            delta,
            delta_rel: (base != 0).then(|| delta as f64 / base as f64),
            share_base: 0.0,
            share_new: 0.0,
            delta_share_pp: 0.0,
            confidence_p: None,
            confidence: Confidence::Exact,
            samples: None,
            objects: None,
            avg_object_size: None,
            per_second: None,
            series: None,
            monotonic: false,
        }
    }

    fn report(by: Keying, rows: Vec<DiffRow>) -> DiffReport {
        let snap = |file: &str, time_nanos| SnapshotInfo {
            file: file.to_string(),
            build_id: None,
            time_nanos,
            duration_nanos: 0,
            period: 1,
            total: 100,
        };
        let mut rows = rows;
        super::super::sort_rows(&mut rows, Mode::Absolute);
        DiffReport {
            mode: Mode::Absolute,
            by,
            metric: Metric::Flat,
            sample_type: "goroutine".to_string(),
            unit: "count".to_string(),
            noise: NoiseModel::Exact,
            snapshots: vec![snap("a", 2), snap("b", 1)],
            rows,
            violations: Vec::new(),
            warnings: Vec::new(),
            out_of_order: None,
        }
    }

    #[test]
    fn nodecount_keeps_the_largest_changes_in_report_order() {
        let r = report(
            Keying::Function,
            vec![
                row("up3", 0, 3),
                row("up1", 0, 1),
                row("down5", 5, 0),
                row("down2", 2, 0),
                row("same", 4, 4),
            ],
        );
        let o = RenderOptions {
            nodecount: Some(2),
            ..Default::default()
        };
        let v = visible_rows(&r, &o);
        let names: Vec<&str> = v.rows.iter().map(|x| x.name.as_str()).collect();
        // Growth first, the largest shrink last; up1 and down2 are smaller.
        assert_eq!(names, ["up3", "down5"]);
        assert_eq!(v.pruned.beyond_nodecount, 2);
        assert_eq!(v.pruned.same, 1);
        assert_eq!(v.pruned.largest.as_deref(), Some("down2"));
        // 0 and None: every row.
        for n in [None, Some(0)] {
            let o = RenderOptions {
                nodecount: n,
                ..Default::default()
            };
            assert_eq!(visible_rows(&r, &o).rows.len(), 4);
        }
        assert_eq!(RenderOptions::text_nodecount(None), Some(TEXT_ROWS));
        assert_eq!(RenderOptions::text_nodecount(Some(0)), None);
        assert_eq!(RenderOptions::text_nodecount(Some(-1)), None);
        assert_eq!(RenderOptions::text_nodecount(Some(7)), Some(7));
    }

    #[test]
    fn stacks_show_their_distinct_leaf_side_frames() {
        let a = "main.serve;net/http.(*conn).serve;net/http.(*conn).readRequest;bufio.(*Reader).Fill;internal/poll.(*FD).Read;runtime.gopark";
        let b = "main.worker;sync.(*WaitGroup).Wait;sync.runtime_Semacquire;runtime.semacquire1;runtime.gopark";
        let c = "main.other;sync.(*Mutex).Lock;sync.runtime_Semacquire;runtime.semacquire1;runtime.gopark";
        let r = report(
            Keying::Stack,
            vec![row(a, 1, 5), row(b, 1, 4), row(c, 1, 3)],
        );
        let n = Namer::new(&r, false);
        // Room for everything: the stack as it is.
        assert_eq!(n.show(b, 200), b);
        // b is told apart from c by its WaitGroup frame; the root first.
        assert_eq!(
            n.show(b, 60),
            "main.worker;sync.(*WaitGroup).Wait;…;runtime.gopark"
        );
        assert_eq!(n.show(b, 44), "…;sync.(*WaitGroup).Wait;…;runtime.gopark");
        assert_eq!(n.show(b, 40), "…;sync.…Wait;…;runtime.gopark");
        // a is distinct from its leaf's caller on.
        assert_eq!(
            n.show(a, 60),
            "main.serve;…;internal/poll.(*FD).Read;runtime.gopark"
        );
        // Too narrow for two whole frames: the frames are elided.
        let tiny = n.show(b, 30);
        assert!(tiny.chars().count() <= 30, "{tiny}");
        assert!(tiny.starts_with("…;") && tiny.contains("Wait"), "{tiny}");
        // --wide: in full.
        assert_eq!(Namer::new(&r, true).show(a, 10), a);
        // Function rows: elided in the middle.
        let f = report(Keying::Function, vec![row("x", 1, 2)]);
        assert_eq!(
            Namer::new(&f, false).show("github.com/a/b/pkg.(*T).Method", 20),
            "…/pkg.(*T).Method"
        );
    }

    #[test]
    fn text_fits_its_width() {
        assert_eq!(wrap("a b c", 3), vec!["a b", "  c"]);
        assert_eq!(wrap("abc", 1), vec!["abc"]);
        assert_eq!(wrap("  x y", 4), vec!["  x", "    y"]);
        let long: String = (0..40).map(|i| format!("w{i} ")).collect();
        for l in wrap(long.trim(), 30) {
            assert!(l.chars().count() <= 30, "{l}");
        }
        // A swapped pair: the Total line says so, no negative duration.
        let mut r = report(Keying::Function, vec![row("f", 1, 2)]);
        r.out_of_order = super::super::time_order(&[("a", 2_000_000_000), ("b", 1_000_000_000)]);
        assert_eq!(r.interval_nanos(), None);
        let mut out = Vec::new();
        write_text(&mut out, &r, &RenderOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Δ 0 (0.0%); NEW was taken 1s before BASE (swapped?)\n"),
            "{text}"
        );
        assert!(!text.contains(" -1s"), "{text}");
    }

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
