//! Comparing profiles: `pprofx diff BASE NEW [NEWER…]`.
//!
//! The definition followed is §4 of the team's diff note
//! (`docs/diff-semantics.md`):
//!
//! * **Identity.** Every snapshot is aggregated *separately*, through its own
//!   [`Analysis`] built with the same [`ReportOptions`] (so the same
//!   drop_frames, granularity and, later, filters), and with the same sample
//!   type, resolved **by name** on each side. Rows are keyed by printable
//!   name: one row per function ([`Keying::Function`], flat or cum value) or
//!   per function-level stack ([`Keying::Stack`]: the frames' printable
//!   names root first, joined by `;`; addresses and line numbers are ignored
//!   at the default granularity, so a moved call site is not a change).
//! * **Mode** ([`Mode`]), chosen from the sample type: gauges (`inuse_*`,
//!   `goroutine`) are compared as absolute values; counters since process
//!   start (`alloc_*`, `contentions`, `delay`) as the activity between the
//!   snapshots; per-collection values (`cpu`, `samples`, `wall`) as the change
//!   of their share of the total, in percentage points.
//! * **Rows** ([`DiffRow`]) carry base, new, signed Δ, Δ%, shares, a
//!   confidence against sampling noise ([`Confidence`]), heap extras
//!   (objects, average size), and with three or more snapshots the series and
//!   whether the row grew in every interval (`monotonic`).
//! * **Order** is deterministic: the mode's primary metric descending (Δ, or
//!   Δshare in share mode), then |Δ| descending, then name.
//! * **Gates** ([`Gates`]) turn the report into a CI check; crossing rows are
//!   listed in [`DiffReport::violations`].
//!
//! The module works on decoded [`Profile`]s only, so any source (proto files,
//! text dumps, URLs) can feed it. Rendering lives in [`render`]. A diff flame
//! graph draws from a [`Keying::Stack`] report: every row is one stack
//! (`root;…;leaf`) with its base and new values.

pub mod gate;
pub mod render;
pub mod stats;

use std::collections::HashMap;

use serde::Serialize;

use crate::error::OptionError;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::model::Profile;
use crate::view::select;

pub use gate::{GateError, Gates, Violation};

/// How two values of a row are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Gauges (in-use memory, goroutines): Δ = new − base, no normalization.
    Absolute,
    /// Counters since process start (alloc_*, contentions, delay): Δ is the
    /// activity between the snapshots.
    Interval,
    /// Per-collection values (cpu, samples, wall): the primary metric is the
    /// change of the row's share of the total, in percentage points.
    Share,
}

impl Mode {
    /// The default mode for a sample type name (§4.1).
    pub fn for_sample_type(name: &str) -> Mode {
        match name {
            "alloc_space" | "alloc_objects" | "contentions" | "delay" => Mode::Interval,
            "cpu" | "samples" | "sample" | "wall" => Mode::Share,
            _ => Mode::Absolute,
        }
    }

    /// Parses `absolute`, `share` or `interval`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "absolute" | "abs" => Some(Mode::Absolute),
            "share" => Some(Mode::Share),
            "interval" => Some(Mode::Interval),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Absolute => "absolute",
            Mode::Interval => "interval",
            Mode::Share => "share",
        }
    }
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Keying {
    /// One row per node (function at the default granularity).
    Function,
    /// One row per stack of node names, root first.
    Stack,
}

impl Keying {
    /// The default keying for a sample type: goroutine profiles are compared
    /// by stack (one row per leaking call path), everything else by function.
    pub fn for_sample_type(name: &str) -> Keying {
        if name == "goroutine" || name == "goroutineleak" {
            Keying::Stack
        } else {
            Keying::Function
        }
    }

    /// Parses `function`/`functions` or `stack`/`stacks`.
    pub fn parse(s: &str) -> Option<Keying> {
        match s {
            "function" | "functions" | "func" => Some(Keying::Function),
            "stack" | "stacks" => Some(Keying::Stack),
            _ => None,
        }
    }
}

/// Which value of a function row is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Samples whose leaf is the node (the allocation site, the hot code).
    Flat,
    /// Samples whose stack holds the node (counted once per sample).
    Cum,
}

/// Options of a diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Report options applied to every snapshot (sample index, granularity,
    /// drop_frames…). `mean` is not supported.
    pub report: ReportOptions,
    /// Forced mode; `None` = from the sample type.
    pub mode: Option<Mode>,
    /// Forced keying; `None` = from the sample type.
    pub by: Option<Keying>,
    /// Forced value of function rows; `None` = flat, or cum in share mode.
    pub metric: Option<Metric>,
    /// CI thresholds.
    pub gates: Gates,
    /// Stack rows: drop the leaf-side `runtime.*` frames (gopark, chanrecv…)
    /// so goroutines blocked the same way from the same code group together.
    pub trim_runtime: bool,
}

/// Why a diff could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// Fewer than two snapshots.
    #[error("diff needs at least two profiles (BASE NEW)")]
    TooFew,
    /// A setting the profiles do not satisfy (a sample index they lack…).
    #[error("{0}")]
    Option(#[from] OptionError),
    /// `--mean` was given.
    #[error("diff compares totals; -mean is not supported")]
    Mean,
    /// The profiles do not share the chosen sample type (or its unit).
    #[error("incompatible profiles: {0}")]
    Incompatible(String),
    /// A threshold that does not parse or does not fit the sample unit.
    #[error("{0}")]
    Gate(#[from] GateError),
}

impl DiffError {
    /// The exit status for this error, as in every pprofx command: 1 when
    /// the profiles cannot be compared (incompatible, or a setting they do
    /// not satisfy), 2 for a usage error (too few profiles, `-mean`, a
    /// threshold that does not parse).
    pub fn exit_code(&self) -> u8 {
        match self {
            DiffError::Incompatible(_) | DiffError::Option(_) => 1,
            _ => 2,
        }
    }
}

/// The noise model of the compared sample type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoiseModel {
    /// Values are exact counts (goroutines; rate-1 heap, block or mutex
    /// profiles): no p-value, every change is real.
    Exact,
    /// Go heap sampling: sampled object counts recovered from bytes, objects
    /// and the sampling rate; conditional binomial test.
    Heap {
        /// MemProfileRate (bytes).
        rate: i64,
    },
    /// Per-collection sampling (CPU): two-proportion z-test on sample counts.
    Proportion,
    /// Other sampled counters: conditional binomial test on event counts.
    Poisson,
}

/// How confident we are that a row's change is not sampling noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Exact counts: the change is real.
    Exact,
    /// p < 0.01.
    High,
    /// p < 0.05.
    Medium,
    /// p ≥ 0.05.
    Low,
    /// No change to test.
    None,
}

impl Confidence {
    fn from_p(p: f64) -> Confidence {
        if p < 0.01 {
            Confidence::High
        } else if p < 0.05 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
            Confidence::None => "none",
        }
    }
}

/// Status of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Absent (zero) in the base, present in the new profile.
    New,
    /// Present in the base, absent (zero) in the new profile.
    Gone,
    /// The primary metric rose.
    Grew,
    /// The primary metric fell.
    Shrank,
    /// The primary metric did not change.
    Same,
}

impl Status {
    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Gone => "gone",
            Status::Grew => "grew",
            Status::Shrank => "shrank",
            Status::Same => "same",
        }
    }

    /// True for `new` and `grew`.
    pub fn is_growth(self) -> bool {
        matches!(self, Status::New | Status::Grew)
    }
}

/// A pair of integers, base and new, with their difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// Base value.
    pub base: i64,
    /// New value.
    pub new: i64,
    /// `new − base`.
    pub delta: i64,
}

impl Pair {
    fn of(base: i64, new: i64) -> Pair {
        Pair {
            base,
            new,
            delta: new.wrapping_sub(base),
        }
    }
}

/// One row of the diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    /// Printable name: a function (at the granularity), or a stack
    /// (`root;…;leaf`).
    pub name: String,
    /// new / gone / grew / shrank / same.
    pub status: Status,
    /// Value in the base (first) profile, raw, in the sample unit.
    pub base: i64,
    /// Value in the new (last) profile.
    pub new: i64,
    /// `new − base`.
    pub delta: i64,
    /// `delta / base`; `None` when base is 0 (new rows).
    pub delta_rel: Option<f64>,
    /// `base / base total`.
    pub share_base: f64,
    /// `new / new total`.
    pub share_new: f64,
    /// `share_new − share_base`, in percentage points.
    pub delta_share_pp: f64,
    /// p-value of the change against sampling noise (`None`: exact or no change).
    pub confidence_p: Option<f64>,
    /// Confidence class.
    pub confidence: Confidence,
    /// Sample counts behind the confidence (base, new), when sampled.
    pub samples: Option<(f64, f64)>,
    /// Heap profiles: objects in base and new.
    pub objects: Option<Pair>,
    /// Heap profiles: average object size in the new profile (bytes), else base.
    pub avg_object_size: Option<i64>,
    /// Share mode with durations: value per second of wall time.
    pub per_second: Option<Pair>,
    /// Three or more snapshots: the value in each.
    pub series: Option<Vec<i64>>,
    /// Three or more snapshots: the primary metric rose in every interval.
    pub monotonic: bool,
}

impl DiffRow {
    /// The mode's primary metric (Δ in absolute/interval mode, Δshare in pp
    /// in share mode) as a float for ordering.
    pub fn primary(&self, mode: Mode) -> f64 {
        match mode {
            Mode::Share => self.delta_share_pp,
            _ => self.delta as f64,
        }
    }
}

/// One input profile as the diff saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    /// The name the caller gave (a file name).
    pub file: String,
    /// Build id of the main mapping, if any.
    pub build_id: Option<String>,
    /// Collection time, ns since the epoch (0 = unknown).
    pub time_nanos: i64,
    /// Collection duration in ns (0 = unknown).
    pub duration_nanos: i64,
    /// The sampling period.
    pub period: i64,
    /// pprof's total of the compared value (Σ|value| of all samples).
    pub total: i64,
}

/// A computed diff: all rows (including `same`), sorted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The mode in force.
    pub mode: Mode,
    /// How rows are keyed.
    pub by: Keying,
    /// Which value of function rows (stacks: always flat).
    pub metric: Metric,
    /// Sample type name.
    pub sample_type: String,
    /// Unit of the values.
    pub unit: String,
    /// The noise model used for confidences.
    pub noise: NoiseModel,
    /// The snapshots, base first.
    pub snapshots: Vec<SnapshotInfo>,
    /// All rows in report order.
    pub rows: Vec<DiffRow>,
    /// Thresholds crossed (in row order).
    pub violations: Vec<Violation>,
    /// Things the user should know (restarts, different processes, inputs
    /// in the wrong time order…).
    pub warnings: Vec<String>,
    /// Inputs given in the wrong time order (see [`time_order`]), if any.
    pub out_of_order: Option<OutOfOrder>,
}

/// Two inputs given in the wrong time order: `file` was taken `by_nanos`
/// (> 0) before `before`, which comes earlier on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutOfOrder {
    /// The later argument, taken first.
    pub file: String,
    /// The earlier argument, taken later.
    pub before: String,
    /// How much earlier `file` was taken, in ns (positive).
    pub by_nanos: i64,
    /// True when the two are the only inputs (BASE and NEW).
    pub pair: bool,
}

impl OutOfOrder {
    /// One line for the user: what is out of order, and what to do.
    pub fn message(&self) -> String {
        let by = crate::model::measurement::label(self.by_nanos, "nanoseconds");
        if self.pair {
            format!(
                "NEW {} was taken {by} before BASE {}: swapped? (give the older profile first)",
                self.file, self.before
            )
        } else {
            format!(
                "{} was taken {by} before {}, which comes earlier in the arguments: give the profiles oldest first",
                self.file, self.before
            )
        }
    }
}

/// The first pair of neighbouring inputs, given as `(name, time_nanos)` in
/// argument order, whose times (both known, i.e. not 0) run backwards.
pub fn time_order(inputs: &[(&str, i64)]) -> Option<OutOfOrder> {
    inputs.windows(2).find_map(|w| {
        let ((a, ta), (b, tb)) = (w[0], w[1]);
        (ta != 0 && tb != 0 && tb < ta).then(|| OutOfOrder {
            file: b.to_string(),
            before: a.to_string(),
            by_nanos: ta.saturating_sub(tb),
            pair: inputs.len() == 2,
        })
    })
}

impl DiffReport {
    /// The base snapshot.
    pub fn base(&self) -> &SnapshotInfo {
        &self.snapshots[0]
    }

    /// The newest snapshot.
    pub fn new_snapshot(&self) -> &SnapshotInfo {
        &self.snapshots[self.snapshots.len() - 1]
    }

    /// Time between the first and the last snapshot, when both times are
    /// known and the last is not earlier than the first (never negative; see
    /// [`DiffReport::out_of_order`]).
    pub fn interval_nanos(&self) -> Option<i64> {
        let (b, n) = (self.base().time_nanos, self.new_snapshot().time_nanos);
        (b != 0 && n != 0 && n >= b).then(|| n.wrapping_sub(b))
    }

    /// True if any threshold was crossed.
    pub fn crossed(&self) -> bool {
        !self.violations.is_empty()
    }
}

/// Per-row sums on one side.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    value: i64,
    objects: i64,
    space: i64,
    count: f64,
}

/// One snapshot aggregated.
struct Side {
    rows: HashMap<String, Acc>,
    /// Σ count over all samples (the n of the proportion test).
    count_total: f64,
    info: SnapshotInfo,
}

/// Column indices used by the noise model and heap extras.
#[derive(Debug, Clone, Copy)]
struct Columns {
    value: usize,
    objects: Option<usize>,
    space: Option<usize>,
    count: Option<usize>,
}

/// Computes the diff of `snapshots` (base first), each a caller-chosen name
/// and a decoded profile.
pub fn diff(snapshots: &[(&str, &Profile)], opts: &DiffOptions) -> Result<DiffReport, DiffError> {
    if snapshots.len() < 2 {
        return Err(DiffError::TooFew);
    }
    if opts.report.mean {
        return Err(DiffError::Mean);
    }
    // Resolve the type on the base, then by name on every other side.
    let base = snapshots[0].1;
    if base.sample_types.is_empty() {
        return Err(DiffError::Incompatible(format!(
            "{} has no sample types",
            snapshots[0].0
        )));
    }
    let sel = select::select(base, &opts.report.sample_index, false)?;
    let type_name = sel.type_name.clone();
    let unit = sel.unit.clone();
    opts.gates.growth_limit(&unit)?;
    let mode = opts
        .mode
        .unwrap_or_else(|| Mode::for_sample_type(&type_name));
    let by = opts
        .by
        .unwrap_or_else(|| Keying::for_sample_type(&type_name));
    let metric = match by {
        Keying::Stack => Metric::Flat,
        Keying::Function => opts.metric.unwrap_or(if mode == Mode::Share {
            Metric::Cum
        } else {
            Metric::Flat
        }),
    };

    let mut sides = Vec::with_capacity(snapshots.len());
    let mut noise = None;
    for &(name, p) in snapshots {
        let names = p.sample_type_names();
        let Some(index) = names.iter().position(|n| *n == type_name) else {
            return Err(DiffError::Incompatible(format!(
                "{name} has no sample type {type_name:?} (it has: {})",
                names.join(" ")
            )));
        };
        let their_unit = p.str(p.sample_types[index].unit);
        if their_unit != unit {
            return Err(DiffError::Incompatible(format!(
                "{type_name} is in {unit} in {} but in {their_unit} in {name}",
                snapshots[0].0
            )));
        }
        let mut ro = opts.report.clone();
        ro.sample_index = index.to_string();
        ro.mean = false;
        let analysis = Analysis::new(p, ro)?;
        let (model, cols) = noise_model(p, &type_name, index, mode);
        // The model of the base decides; later sides only supply columns.
        let model = *noise.get_or_insert(model);
        let trim = opts.trim_runtime && by == Keying::Stack;
        sides.push(aggregate(name, &analysis, by, metric, model, cols, trim));
    }
    let noise = noise.unwrap_or(NoiseModel::Exact);
    let mut warnings = Vec::new();
    let times: Vec<(&str, i64)> = sides
        .iter()
        .map(|s| (s.info.file.as_str(), s.info.time_nanos))
        .collect();
    let out_of_order = time_order(&times);
    if let Some(o) = &out_of_order {
        warnings.push(o.message());
    }
    if mode == Mode::Interval {
        interval_warnings(&sides, &unit, &mut warnings);
    }

    let first = &sides[0];
    let last = &sides[sides.len() - 1];
    // Union of keys, deterministic order.
    let mut keys: Vec<&String> = sides.iter().flat_map(|s| s.rows.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let heap = matches!(noise, NoiseModel::Heap { .. });
    let zero = Acc::default();
    let mut rows: Vec<DiffRow> = keys
        .into_iter()
        .map(|k| {
            let b = first.rows.get(k).unwrap_or(&zero);
            let n = last.rows.get(k).unwrap_or(&zero);
            let mut row = make_row(k, b, n, first, last, mode, noise);
            if heap {
                row.objects = Some(Pair::of(b.objects, n.objects));
                let (sp, ob) = if n.objects > 0 {
                    (n.space, n.objects)
                } else {
                    (b.space, b.objects)
                };
                row.avg_object_size = (ob > 0).then(|| sp / ob);
            }
            if sides.len() >= 3 {
                let series: Vec<Acc> = sides
                    .iter()
                    .map(|s| *s.rows.get(k).unwrap_or(&zero))
                    .collect();
                row.monotonic = series
                    .windows(2)
                    .zip(sides.windows(2))
                    .all(|(w, s)| match mode {
                        Mode::Share => {
                            share(w[1].value, s[1].info.total) > share(w[0].value, s[0].info.total)
                        }
                        _ => w[1].value > w[0].value,
                    });
                row.series = Some(series.iter().map(|a| a.value).collect());
            }
            row
        })
        .collect();
    sort_rows(&mut rows, mode);

    let mut report = DiffReport {
        mode,
        by,
        metric,
        sample_type: type_name,
        unit,
        noise,
        snapshots: sides.into_iter().map(|s| s.info).collect(),
        rows,
        violations: Vec::new(),
        warnings,
        out_of_order,
    };
    report.violations = opts.gates.evaluate(&report);
    Ok(report)
}

/// Sorts rows: primary metric descending, |Δ| descending, name.
pub fn sort_rows(rows: &mut [DiffRow], mode: Mode) {
    rows.sort_by(|a, b| {
        b.primary(mode)
            .total_cmp(&a.primary(mode))
            .then_with(|| b.delta.unsigned_abs().cmp(&a.delta.unsigned_abs()))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// `v / total` (0 when the total is 0).
fn share(v: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        v as f64 / total as f64
    }
}

fn make_row(
    name: &str,
    b: &Acc,
    n: &Acc,
    first: &Side,
    last: &Side,
    mode: Mode,
    noise: NoiseModel,
) -> DiffRow {
    let delta = n.value.wrapping_sub(b.value);
    let share_base = share(b.value, first.info.total);
    let share_new = share(n.value, last.info.total);
    let delta_share_pp = share_new * 100.0 - share_base * 100.0;
    let status = if b.value == 0 && n.value != 0 {
        Status::New
    } else if n.value == 0 && b.value != 0 {
        Status::Gone
    } else {
        let up = match mode {
            Mode::Share => delta_share_pp.partial_cmp(&0.0),
            _ => Some(delta.cmp(&0)),
        };
        match up {
            Some(std::cmp::Ordering::Greater) => Status::Grew,
            Some(std::cmp::Ordering::Less) => Status::Shrank,
            _ => Status::Same,
        }
    };
    let changed = status != Status::Same;
    let (confidence_p, samples) = match noise {
        NoiseModel::Exact => (None, None),
        NoiseModel::Proportion => (
            changed
                .then(|| {
                    stats::two_proportion_p(b.count, first.count_total, n.count, last.count_total)
                })
                .flatten(),
            Some((b.count, n.count)),
        ),
        NoiseModel::Heap { .. } | NoiseModel::Poisson => {
            let p = if !changed {
                None
            } else if delta >= 0 {
                Some(stats::binomial_tail_p(b.count, n.count))
            } else {
                Some(stats::binomial_tail_p(n.count, b.count))
            };
            (p, Some((b.count, n.count)))
        }
    };
    let confidence = if !changed {
        Confidence::None
    } else {
        match (noise, confidence_p) {
            (NoiseModel::Exact, _) => Confidence::Exact,
            (_, Some(p)) => Confidence::from_p(p),
            (_, None) => Confidence::Low,
        }
    };
    let per_second =
        (mode == Mode::Share && first.info.duration_nanos > 0 && last.info.duration_nanos > 0)
            .then(|| {
                Pair::of(
                    per_second(b.value, first.info.duration_nanos),
                    per_second(n.value, last.info.duration_nanos),
                )
            });
    DiffRow {
        name: name.to_string(),
        status,
        base: b.value,
        new: n.value,
        delta,
        delta_rel: (b.value != 0).then(|| delta as f64 / b.value as f64),
        share_base,
        share_new,
        delta_share_pp,
        confidence_p,
        confidence,
        samples,
        objects: None,
        avg_object_size: None,
        per_second,
        series: None,
        monotonic: false,
    }
}

/// `v` per second of a collection lasting `duration_nanos`.
pub fn per_second(v: i64, duration_nanos: i64) -> i64 {
    if duration_nanos <= 0 {
        return 0;
    }
    let r = v as f64 * 1e9 / duration_nanos as f64;
    if r.is_finite() {
        r.round() as i64
    } else {
        0
    }
}

/// The noise model and the columns it reads.
fn noise_model(p: &Profile, type_name: &str, index: usize, mode: Mode) -> (NoiseModel, Columns) {
    let names = p.sample_type_names();
    let find = |n: &str| names.iter().position(|x| *x == n);
    let mut cols = Columns {
        value: index,
        objects: None,
        space: None,
        count: None,
    };
    // Go heap: X_space / X_objects pairs.
    let stem = type_name
        .strip_suffix("_space")
        .or_else(|| type_name.strip_suffix("_objects"));
    if let Some(stem) = stem {
        let (o, s) = (
            find(&format!("{stem}_objects")),
            find(&format!("{stem}_space")),
        );
        if let (Some(o), Some(s)) = (o, s) {
            cols.objects = Some(o);
            cols.space = Some(s);
            if p.period <= 1 {
                return (NoiseModel::Exact, cols);
            }
            return (NoiseModel::Heap { rate: p.period }, cols);
        }
    }
    if type_name == "goroutine" || type_name == "goroutineleak" {
        return (NoiseModel::Exact, cols);
    }
    if mode == Mode::Share || matches!(type_name, "cpu" | "samples" | "sample" | "wall") {
        cols.count = names
            .iter()
            .position(|n| *n == "samples" || *n == "sample")
            .filter(|&i| p.str(p.sample_types[i].unit) == "count");
        return (NoiseModel::Proportion, cols);
    }
    if p.period <= 1 {
        return (NoiseModel::Exact, cols);
    }
    cols.count = find("contentions");
    (NoiseModel::Poisson, cols)
}

/// Sampled count a sample stands for.
#[inline]
fn sample_count(values: &[i64], cols: &Columns, model: NoiseModel, period: i64) -> f64 {
    match model {
        NoiseModel::Exact => 0.0,
        NoiseModel::Heap { .. } => {
            let (Some(o), Some(s)) = (cols.objects, cols.space) else {
                return 0.0;
            };
            let (obj, bytes) = (values[o] as f64, values[s] as f64);
            if obj <= 0.0 || bytes <= 0.0 || period <= 0 {
                return obj.max(0.0);
            }
            obj * (1.0 - (-(bytes / obj) / period as f64).exp())
        }
        NoiseModel::Proportion | NoiseModel::Poisson => match cols.count {
            Some(c) => values[c] as f64,
            None if period > 0 => values[cols.value] as f64 / period as f64,
            None => values[cols.value] as f64,
        },
    }
}

fn aggregate(
    file: &str,
    a: &Analysis<'_>,
    by: Keying,
    metric: Metric,
    model: NoiseModel,
    cols: Columns,
    trim_runtime: bool,
) -> Side {
    let p: &crate::model::Profile = &a.profile;
    let nodes = &a.nodes;
    // Node → row-name id (several nodes can print the same name).
    let mut name_ids: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let node_name: Vec<u32> = (0..nodes.len() as u32)
        .map(|n| {
            let s = nodes.printable_name(n);
            let next = names.len() as u32;
            *name_ids.entry(s.clone()).or_insert_with(|| {
                names.push(s);
                next
            })
        })
        .collect();
    let mut accs: Vec<Acc> = Vec::new();
    let mut stack_ids: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut stack_keys: Vec<Vec<u32>> = Vec::new();
    if by == Keying::Function {
        accs = vec![Acc::default(); names.len()];
    }
    let runtime: Vec<bool> = names.iter().map(|n| n.starts_with("runtime.")).collect();
    let mut stamp: Vec<u32> = vec![0; names.len()];
    let mut frames: Vec<u32> = Vec::new();
    let mut count_total = 0.0;
    let view = &a.view;
    for i in 0..view.len(p) {
        let values = view.values(p, i);
        let add = Acc {
            value: values[cols.value],
            objects: cols.objects.map_or(0, |c| values[c]),
            space: cols.space.map_or(0, |c| values[c]),
            count: sample_count(values, &cols, model, p.period),
        };
        count_total += add.count;
        if add.value == 0 && add.objects == 0 && add.count == 0.0 {
            continue;
        }
        // Frames leaf first, inlined frames expanded.
        frames.clear();
        for &loc in view.stack(p, i) {
            frames.extend(nodes.location(loc).iter().map(|&n| node_name[n as usize]));
        }
        match (by, metric) {
            (Keying::Function, Metric::Flat) => {
                if let Some(&leaf) = frames.first() {
                    accs[leaf as usize].add(&add);
                }
            }
            (Keying::Function, Metric::Cum) => {
                let mark = i as u32 + 1;
                for &f in &frames {
                    if stamp[f as usize] != mark {
                        stamp[f as usize] = mark;
                        accs[f as usize].add(&add);
                    }
                }
            }
            (Keying::Stack, _) => {
                if trim_runtime {
                    let keep = frames
                        .iter()
                        .position(|&f| !runtime[f as usize])
                        .unwrap_or(frames.len().saturating_sub(1));
                    frames.drain(..keep);
                }
                if frames.is_empty() {
                    continue;
                }
                let id = match stack_ids.get(&frames) {
                    Some(&id) => id,
                    None => {
                        let id = stack_keys.len() as u32;
                        stack_ids.insert(frames.clone(), id);
                        stack_keys.push(frames.clone());
                        accs.push(Acc::default());
                        id
                    }
                };
                accs[id as usize].add(&add);
            }
        }
    }
    let mut rows: HashMap<String, Acc> = HashMap::new();
    let key_names: Vec<String> = match by {
        Keying::Function => names.clone(),
        Keying::Stack => stack_keys
            .iter()
            .map(|k| {
                k.iter()
                    .rev()
                    .map(|&f| names[f as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .collect(),
    };
    for (k, acc) in key_names.into_iter().zip(accs) {
        if acc.value == 0 && acc.objects == 0 {
            continue;
        }
        rows.entry(k).or_default().add(&acc);
    }
    let main = p.mappings.first();
    Side {
        rows,
        count_total,
        info: SnapshotInfo {
            file: file.to_string(),
            build_id: main
                .map(|m| p.str(m.build_id).to_string())
                .filter(|s| !s.is_empty()),
            time_nanos: p.time_nanos,
            duration_nanos: p.duration_nanos,
            period: p.period,
            total: a.total,
        },
    }
}

impl Acc {
    fn add(&mut self, o: &Acc) {
        self.value = self.value.wrapping_add(o.value);
        self.objects = self.objects.wrapping_add(o.objects);
        self.space = self.space.wrapping_add(o.space);
        self.count += o.count;
    }
}

fn interval_warnings(sides: &[Side], unit: &str, out: &mut Vec<String>) {
    for w in sides.windows(2) {
        let (a, b) = (&w[0].info, &w[1].info);
        if a.time_nanos != 0 && b.time_nanos != 0 && b.time_nanos < a.time_nanos {
            // Given in the wrong order: the report says so once (out_of_order);
            // a falling total is then no sign of a restart.
            continue;
        }
        if b.total < a.total {
            out.push(format!(
                "the counter total fell from {} to {} ({} → {}): the process probably restarted; Δ is not the activity between the snapshots",
                a.file,
                b.file,
                crate::model::measurement::label(a.total, unit),
                crate::model::measurement::label(b.total, unit)
            ));
        } else if a.build_id != b.build_id {
            out.push(format!(
                "{} and {} come from different builds: Δ of counters since start is not interval activity",
                a.file, b.file
            ));
        } else if a.time_nanos != 0 && b.time_nanos == a.time_nanos {
            out.push(format!(
                "{} was taken at the same time as {}: Δ of counters since start is not interval activity",
                b.file, a.file
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_out_of_time_order() {
        assert_eq!(time_order(&[("a", 1), ("b", 2)]), None);
        assert_eq!(time_order(&[("a", 2), ("b", 2)]), None);
        // Unknown times (0) say nothing.
        assert_eq!(time_order(&[("a", 5), ("b", 0)]), None);
        let o = time_order(&[("a", 3_000_000), ("b", 1_000_000)]).unwrap();
        assert_eq!((o.file.as_str(), o.before.as_str()), ("b", "a"));
        assert_eq!((o.by_nanos, o.pair), (2_000_000, true));
        assert_eq!(
            o.message(),
            "NEW b was taken 2ms before BASE a: swapped? (give the older profile first)"
        );
        let o = time_order(&[("a", 1), ("b", 3), ("c", 2)]).unwrap();
        assert_eq!(
            (o.file.as_str(), o.before.as_str(), o.pair),
            ("c", "b", false)
        );
        assert!(o.message().contains("give the profiles oldest first"));
    }
}
