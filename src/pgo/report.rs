//! `pprofx pgo report`: the compiler's call-site edges with their hot set,
//! the callees' size classes when known, devirtualization candidates and
//! plain-words warnings, as text or JSON.
//!
//! # Devirtualization candidates: what a profile can and cannot tell
//!
//! The compiler devirtualizes an interface call or a call through a function
//! value by adding a direct call to the callee with the heaviest edge at that
//! call site (same caller, same offset), whatever its share. Whether a call
//! is indirect is in the source, not in the profile. From the profile alone:
//!
//! - a call site with **several callees** is an indirect call, or several
//!   calls on one line (profiles have no columns). When the callees are
//!   methods of the same name on different receivers (`(*Rect).Area`,
//!   `Circle.Area`) it is almost surely an interface call; when they are
//!   plain functions it is a function-value call or several direct calls;
//! - a **closure** called by a function other than the one that made it was
//!   called through a function value (Go 1.27 does not devirtualize to a
//!   closure, nor to a method through a function value);
//! - an indirect call that always saw **one** callee looks exactly like a
//!   direct call, and cannot be listed (the compiler, which sees the call,
//!   still devirtualizes it).

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::costs::{Inlinability, InlineCosts, SizeClass};
use super::edges::{Edge, EdgeTable};
use super::hot::{hot_set, percent, HotSet};
use super::input::Loaded;
use super::names::{self, CalleeKind};
use super::{CDF_THRESHOLD, DEFAULT_BUDGET, HOT_BUDGET};

/// The runtime's asynchronous preemption entry: in a profile it is a signal
/// that landed at some instruction of the caller, not a call.
const PREEMPT: &str = "runtime.asyncPreempt";

/// A warning, in plain words, with a stable kind for scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `no_start_line`, `short_profile`, `not_go_callee`, ...
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

impl Warning {
    /// A warning of `kind`.
    pub fn new(kind: &'static str, message: String) -> Self {
        Warning { kind, message }
    }
}

/// Options of the report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The hot set's CDF threshold in percent (the compiler's
    /// `-d=pgoinlinecdfthreshold`, default 99).
    pub cdf_threshold: f64,
    /// Edges listed in the text table (`None` = all); JSON lists all.
    pub edgecount: Option<usize>,
    /// Callee costs from `go build -gcflags=-m=2`.
    pub costs: Option<InlineCosts>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            cdf_threshold: CDF_THRESHOLD,
            edgecount: Some(50),
            costs: None,
        }
    }
}

/// What is known about a callee's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalleeSize {
    /// The class with respect to PGO's budgets.
    pub class: SizeClass,
    /// The compiler's cost, when it printed one.
    pub cost: Option<i64>,
    /// Why it can never be inlined (class `never`).
    pub reason: Option<String>,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct EdgeRow {
    /// The edge.
    pub edge: Edge,
    /// Σ weights of this edge and all heavier ones.
    pub cum_weight: i64,
    /// In the hot set.
    pub hot: bool,
    /// What the callee is.
    pub callee_kind: CalleeKind,
    /// The callee's size class, when a `-m=2` log names it.
    pub callee_size: Option<CalleeSize>,
}

/// What kind of indirect call a candidate site looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevirtKind {
    /// Methods of one name on several receivers: an interface call.
    Interface {
        /// The method name.
        method: String,
    },
    /// Functions and closures: a call through a function value (or several
    /// direct calls on one line).
    FuncValue,
    /// Callees of different kinds: most likely several calls on one line.
    Mixed,
}

impl DevirtKind {
    fn name(&self) -> &'static str {
        match self {
            DevirtKind::Interface { .. } => "interface",
            DevirtKind::FuncValue => "func_value",
            DevirtKind::Mixed => "mixed",
        }
    }
}

/// What the compiler does at a candidate site, if the call is indirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevirtOutcome {
    /// A guarded direct call to the pick.
    Devirtualized,
    /// The pick is not Go code (no IR: assembly, C, `runtime.asyncPreempt`):
    /// the compiler gives up at this site.
    BlockedNotGo,
    /// The pick is a closure: Go 1.27 does not devirtualize to closures.
    Closure,
    /// Callees of different kinds: nothing can be said.
    Unclear,
}

impl DevirtOutcome {
    fn name(self) -> &'static str {
        match self {
            DevirtOutcome::Devirtualized => "devirtualized",
            DevirtOutcome::BlockedNotGo => "blocked",
            DevirtOutcome::Closure => "closure",
            DevirtOutcome::Unclear => "unclear",
        }
    }

    /// What the compiler does, in words.
    fn verdict(self, kind: &DevirtKind, pick: &str) -> String {
        match (self, kind) {
            (DevirtOutcome::Devirtualized, DevirtKind::Interface { method }) => format!(
                "an interface call of {method}: the compiler adds a direct call to {pick}, \
                 taken when the dynamic type matches"
            ),
            (DevirtOutcome::Devirtualized, _) => format!(
                "a function-value call (or several calls on one line): the compiler adds a \
                 direct call to {pick}, taken when the function pointer matches"
            ),
            (DevirtOutcome::BlockedNotGo, _) => format!(
                "the heaviest edge goes to {pick}, which is not Go code: the compiler picks \
                 it, finds no body and does not devirtualize this call"
            ),
            (DevirtOutcome::Closure, _) => format!(
                "the heaviest callee {pick} is a closure: Go 1.27 does not devirtualize to \
                 closures"
            ),
            (DevirtOutcome::Unclear, _) => {
                "callees of different kinds: most likely several calls on one line".to_string()
            }
        }
    }
}

/// A call site that looks like an interface or function-value call.
#[derive(Debug, Clone)]
pub struct DevirtSite {
    /// The caller.
    pub caller: String,
    /// The call site's offset.
    pub call_site_offset: i64,
    /// The call's file and line, when known.
    pub call_site: Option<(String, i64)>,
    /// Σ weights of every edge at the site.
    pub weight: i64,
    /// The callees with their weights, heaviest first.
    pub callees: Vec<(String, i64)>,
    /// The callee the compiler would pick.
    pub pick: String,
    /// Its weight.
    pub pick_weight: i64,
    /// The weight of the callees that fit the call (same method name for an
    /// interface call, non-Go callees included): the pick's share is of this.
    pub share_of: i64,
    /// The kind of call.
    pub kind: DevirtKind,
    /// What the compiler does.
    pub outcome: DevirtOutcome,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct PgoReport {
    /// The inputs.
    pub sources: Vec<String>,
    /// The edges in the compiler's order, with sample type and total.
    pub table: EdgeTable,
    /// The hot set.
    pub hot: HotSet,
    /// The CDF threshold used.
    pub cdf_threshold: f64,
    /// One row per edge, in the compiler's order.
    pub rows: Vec<EdgeRow>,
    /// Devirtualization candidates, heaviest first.
    pub devirt: Vec<DevirtSite>,
    /// Warnings, in plain words.
    pub warnings: Vec<Warning>,
    /// The compiler accepts the profile (it has `start_line`).
    pub accepted: bool,
    /// Rows of the text table.
    pub edgecount: Option<usize>,
    /// A `-m=2` log was given.
    pub costs_given: bool,
}

/// `1 edge`, `2 edges`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes a weight of `sample_type` in words (`42 samples`, `1.5s of CPU`).
fn weight_words(w: i64, sample_type: Option<&str>) -> String {
    match sample_type {
        Some("cpu/nanoseconds") => format!("{:.2}s of CPU", w as f64 / 1e9),
        Some("samples/count") => format!("{w} samples"),
        _ => format!("{w}"),
    }
}

fn call_site_text(cs: &Option<(String, i64)>) -> Option<String> {
    cs.as_ref().map(|(f, l)| format!("{f}:{l}"))
}

impl PgoReport {
    /// Builds the report of loaded inputs.
    pub fn build(sources: &[String], loaded: Loaded, opts: &ReportOptions) -> Self {
        let Loaded {
            table,
            has_start_line,
            mut warnings,
        } = loaded;
        let hot = hot_set(&table, opts.cdf_threshold);
        let mut cum: i64 = 0;
        let rows: Vec<EdgeRow> = table
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| {
                cum = cum.wrapping_add(e.weight);
                let callee_kind = CalleeKind::of(&e.key.callee, &e.callee_file);
                let callee_size = opts.costs.as_ref().and_then(|c| {
                    let entry = c.lookup(&e.callee_file, e.callee_start_line)?;
                    let class = SizeClass::of(&entry.verdict, DEFAULT_BUDGET, HOT_BUDGET)?;
                    let (cost, reason) = match &entry.verdict {
                        Inlinability::Cost(c) => (*c, None),
                        Inlinability::TooComplex(c) => (Some(*c), None),
                        Inlinability::Never(r) => (None, Some(r.clone())),
                    };
                    Some(CalleeSize {
                        class,
                        cost,
                        reason,
                    })
                });
                EdgeRow {
                    edge: e.clone(),
                    cum_weight: cum,
                    hot: i < hot.count,
                    callee_kind,
                    callee_size,
                }
            })
            .collect();
        let devirt = devirt_sites(&table);
        let mut report = PgoReport {
            sources: sources.to_vec(),
            table,
            hot,
            cdf_threshold: opts.cdf_threshold,
            rows,
            devirt,
            warnings: Vec::new(),
            accepted: has_start_line,
            edgecount: opts.edgecount,
            costs_given: opts.costs.is_some(),
        };
        warnings.extend(report.edge_warnings());
        report.warnings = warnings;
        report
    }

    /// Warnings about the edges themselves.
    fn edge_warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        let t = &self.table;
        let st = t.sample_type.as_deref();
        let n = self.rows.len();
        if n == 0 {
            out.push(Warning::new(
                "no_edges",
                "the profile has no call edges (no samples, only zero values, or only \
                 one-frame stacks): go build -pgo accepts it and changes nothing"
                    .to_string(),
            ));
            return out;
        }
        let hot = self.hot.count;
        if n >= 10 && hot * 10 >= n * 9 {
            out.push(Warning::new(
                "short_profile",
                format!(
                    "{hot} of {n} call-site edges ({:.0}%) are hot: the profile is too short \
                     to tell hot from cold (total weight {}). PGO then raises the inlining \
                     budget at nearly every call it saw, which grows the binary for little \
                     gain. Collect a longer profile of representative load (the Go \
                     documentation suggests 30 s or more) or merge several",
                    hot as f64 * 100.0 / n as f64,
                    weight_words(t.total_weight, st)
                ),
            ));
        }
        // Preemption signals, which the compiler takes for calls.
        let preempt: Vec<&EdgeRow> = self
            .rows
            .iter()
            .filter(|r| r.edge.key.callee == PREEMPT)
            .collect();
        if !preempt.is_empty() {
            let w: i64 = preempt.iter().map(|r| r.edge.weight).sum();
            let blocked = self
                .devirt
                .iter()
                .filter(|d| d.outcome == DevirtOutcome::BlockedNotGo && d.pick == PREEMPT)
                .count();
            out.push(Warning::new(
                "async_preemption",
                format!(
                    "{:.2}% of the weight ({}) goes to {PREEMPT}: asynchronous \
                     preemption signals that landed in the caller, not calls. The compiler \
                     counts them as calls{}. A profile taken on a less loaded machine has \
                     fewer of them",
                    percent(w, t.total_weight),
                    count(preempt.len(), "edge", "edges"),
                    if blocked > 0 {
                        format!(
                            ", and at {blocked} indirect call site(s) they outweigh the real \
                             callees and block devirtualization (see below)"
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        // Callees the inliner cannot take.
        let not_go: Vec<&EdgeRow> = self
            .rows
            .iter()
            .filter(|r| r.callee_kind != CalleeKind::Go && r.edge.key.callee != PREEMPT)
            .collect();
        if !not_go.is_empty() {
            let hot_rows: Vec<&&EdgeRow> = not_go.iter().filter(|r| r.hot).collect();
            let w: i64 = hot_rows.iter().map(|r| r.edge.weight).sum();
            let mut names: Vec<String> = Vec::new();
            for r in &not_go {
                let name = if r.edge.key.callee.is_empty() {
                    "an unsymbolized address".to_string()
                } else {
                    format!("{} ({})", r.edge.key.callee, r.callee_kind.describe())
                };
                if !names.contains(&name) && names.len() < 5 {
                    names.push(name);
                }
            }
            out.push(Warning::new(
                "not_go_callee",
                format!(
                    "{} ({} hot, {:.2}% of the weight) call functions that \
                     are not Go code, which the compiler cannot inline: {}{}",
                    count(not_go.len(), "call-site edge", "call-site edges"),
                    hot_rows.len(),
                    percent(w, t.total_weight),
                    names.join(", "),
                    if not_go.len() > names.len() {
                        ", ..."
                    } else {
                        ""
                    }
                ),
            ));
        }
        // Hot callers without start_line in a profile that has it elsewhere.
        if self.accepted && !t.serialized {
            let missing: Vec<&EdgeRow> = self
                .rows
                .iter()
                .filter(|r| r.hot && r.edge.caller_start_line == 0)
                .collect();
            if !missing.is_empty() {
                let w: i64 = missing.iter().map(|r| r.edge.weight).sum();
                out.push(Warning::new(
                    "caller_without_start_line",
                    format!(
                        "{} ({:.2}% of the weight) are in functions without \
                         start_line (such as {}): their offsets are absolute lines, which \
                         match no call in the compiler",
                        count(missing.len(), "hot call site", "hot call sites"),
                        percent(w, t.total_weight),
                        missing[0].edge.key.caller
                    ),
                ));
            }
        }
        // Equal weights across the boundary.
        if self.hot.count < n && self.hot.threshold_weight > 0 {
            let ties = self.rows[self.hot.count..]
                .iter()
                .filter(|r| r.edge.weight == self.hot.threshold_weight)
                .count();
            if ties > 0 {
                out.push(Warning::new(
                    "threshold_ties",
                    format!(
                        "{} as much as the last hot one ({}): only the \
                         compiler's tie order (caller, callee, offset) kept them out of the \
                         hot set, so a slightly different profile will swap them",
                        count(ties, "cold edge weighs", "cold edges weigh"),
                        self.hot.threshold_weight
                    ),
                ));
            }
        }
        out
    }

    /// Writes the edges as `go tool preprofile` does.
    pub fn write_preprofile(&self, w: &mut dyn Write) -> io::Result<()> {
        super::serial::write(&self.table, w)
    }

    /// The size column of a row.
    fn size_text(r: &EdgeRow) -> String {
        if let Some(s) = &r.callee_size {
            return match s.cost {
                Some(c) => format!("{} {c}", s.class.name()),
                None => s.class.name().to_string(),
            };
        }
        match r.callee_kind {
            CalleeKind::Go => String::new(),
            CalleeKind::Assembly => "asm".to_string(),
            CalleeKind::NotGo => "not Go".to_string(),
            CalleeKind::Unknown => "no symbol".to_string(),
        }
    }

    /// The report as text.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let t = &self.table;
        let st = t.sample_type.as_deref();
        writeln!(w, "Profile: {}", self.sources.join(" "))?;
        match st {
            Some(s) => writeln!(
                w,
                "Weights: {s} (the first samples/count or cpu/nanoseconds sample type)"
            )?,
            None => writeln!(w, "Weights: as in the go tool preprofile output")?,
        }
        writeln!(
            w,
            "Total weight: {} in {} call-site edges",
            t.total_weight,
            t.edges.len()
        )?;
        if !t.edges.is_empty() {
            writeln!(
                w,
                "Hot: {} edges, the heaviest {}% of the weight (threshold weight {}, {:.2}% of the total)",
                self.hot.count,
                trim_float(self.cdf_threshold),
                self.hot.threshold_weight,
                self.hot.threshold_percent
            )?;
            writeln!(
                w,
                "     callees at hot call sites may be inlined up to cost {HOT_BUDGET} instead of {DEFAULT_BUDGET}"
            )?;
        }
        if !self.accepted {
            writeln!(
                w,
                "go build -pgo rejects this profile (no Function.start_line)"
            )?;
        }
        if !self.warnings.is_empty() {
            writeln!(w, "Warnings:")?;
            for wa in &self.warnings {
                writeln!(w, "  - {}", wa.message)?;
            }
        }
        if self.rows.is_empty() {
            return Ok(());
        }
        let shown = match self.edgecount {
            Some(n) if n < self.rows.len() => {
                writeln!(
                    w,
                    "Showing {n} of {} edges (--edgecount=0 lists all)",
                    self.rows.len()
                )?;
                n
            }
            _ => self.rows.len(),
        };
        let rows = &self.rows[..shown];
        let sites: Vec<String> = rows
            .iter()
            .map(|r| call_site_text(&r.edge.call_site).unwrap_or_else(|| "?".to_string()))
            .collect();
        let sizes: Vec<String> = rows.iter().map(Self::size_text).collect();
        let ww = rows
            .iter()
            .map(|r| r.edge.weight.to_string().len())
            .max()
            .unwrap_or(0)
            .max(6);
        let sw = sites.iter().map(|s| s.len()).max().unwrap_or(0).max(9);
        let zw = sizes.iter().map(|s| s.len()).max().unwrap_or(0).max(6);
        writeln!(
            w,
            "{:>ww$} {:>7} {:>7}  {:3}  {:zw$}  {:sw$}  caller:offset -> callee",
            "weight", "%", "cum%", "hot", "callee", "call site"
        )?;
        for ((r, site), size) in rows.iter().zip(&sites).zip(&sizes) {
            let e = &r.edge;
            writeln!(
                w,
                "{:>ww$} {:>6.2}% {:>6.2}%  {:3}  {:zw$}  {:sw$}  {}:{} -> {}{}",
                e.weight,
                percent(e.weight, t.total_weight),
                percent(r.cum_weight, t.total_weight),
                if r.hot { "HOT" } else { "" },
                size,
                site,
                e.key.caller,
                e.key.call_site_offset,
                e.key.callee,
                if e.inlined { " (inline)" } else { "" }
            )?;
        }
        if self.costs_given {
            writeln!(
                w,
                "callee: small (cost ≤ {DEFAULT_BUDGET}: inlined anyway), medium (inlined only \
                 at hot call sites), large (cost > {HOT_BUDGET}), never (cannot be inlined)"
            )?;
        }
        self.write_devirt_text(w)
    }

    fn write_devirt_text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w)?;
        if self.devirt.is_empty() {
            writeln!(
                w,
                "Devirtualization: no call site with several callees or a closure called \
                 through a function value"
            )?;
        } else {
            let shown = self
                .devirt
                .len()
                .min(self.edgecount.unwrap_or(usize::MAX).max(1));
            writeln!(
                w,
                "Devirtualization candidates ({} call sites{}): at an interface or \
                 function-value call the compiler adds a direct call to the heaviest callee",
                self.devirt.len(),
                if shown < self.devirt.len() {
                    format!(", showing {shown}")
                } else {
                    String::new()
                }
            )?;
            let sites: Vec<String> = self.devirt[..shown]
                .iter()
                .map(|d| call_site_text(&d.call_site).unwrap_or_else(|| "?".to_string()))
                .collect();
            let sw = sites.iter().map(|s| s.len()).max().unwrap_or(0).max(9);
            writeln!(
                w,
                "{:>8} {:>7} {:>7}  {:10}  {:13}  {:sw$}  caller:offset -> pick",
                "weight", "share", "callees", "kind", "outcome", "call site"
            )?;
            for (d, site) in self.devirt[..shown].iter().zip(&sites) {
                writeln!(
                    w,
                    "{:>8} {:>6.1}% {:>7}  {:10}  {:13}  {:sw$}  {}:{} -> {}",
                    d.weight,
                    percent(d.pick_weight, d.share_of),
                    d.callees.len(),
                    d.kind.name(),
                    d.outcome.name(),
                    site,
                    d.caller,
                    d.call_site_offset,
                    d.pick
                )?;
            }
        }
        writeln!(
            w,
            "(A profile shows an indirect call only when it saw several callees at one \
             site, or a closure called outside its function; one with a single callee looks \
             like a direct call. Profiles have no columns: several calls on one line also \
             give several callees.)"
        )
    }

    /// The report as JSON (`schema_version` 1).
    pub fn to_json(&self) -> Value {
        let t = &self.table;
        let edges: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let e = &r.edge;
                json!({
                    "caller": e.key.caller,
                    "callee": e.key.callee,
                    "call_site_offset": e.key.call_site_offset,
                    "weight": e.weight,
                    "hot": r.hot,
                    "call_site": call_site_text(&e.call_site),
                    "cum_weight": r.cum_weight,
                    "inlined": e.inlined,
                    "callee_kind": r.callee_kind,
                    "callee_size": r.callee_size.as_ref().map(|s| json!({
                        "class": s.class,
                        "cost": s.cost,
                        "reason": s.reason,
                    })),
                })
            })
            .collect();
        let devirt: Vec<Value> = self
            .devirt
            .iter()
            .map(|d| {
                json!({
                    "caller": d.caller,
                    "call_site_offset": d.call_site_offset,
                    "call_site": call_site_text(&d.call_site),
                    "weight": d.weight,
                    "kind": d.kind.name(),
                    "method": match &d.kind { DevirtKind::Interface { method } => Some(method), _ => None },
                    "outcome": d.outcome.name(),
                    "hottest_callee": d.pick,
                    "hottest_weight": d.pick_weight,
                    "share": d.pick_weight as f64 / d.share_of as f64,
                    "verdict": d.outcome.verdict(&d.kind, &d.pick),
                    "callees": d.callees.iter().map(|(c, w)| json!({"callee": c, "weight": w})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let warnings: Vec<Value> = self
            .warnings
            .iter()
            .map(|w| json!({"kind": w.kind, "message": w.message}))
            .collect();
        json!({
            "schema_version": 1,
            "report": "pgo",
            "profiles": self.sources,
            "sample_type": t.sample_type,
            "accepted_by_compiler": self.accepted,
            "total_weight": t.total_weight,
            "threshold_weight": self.hot.threshold_weight,
            "threshold_percent": self.hot.threshold_percent,
            "cdf_threshold_percent": self.cdf_threshold,
            "edge_count": t.edges.len(),
            "hot_edge_count": self.hot.count,
            "inline_budget": {"default": DEFAULT_BUDGET, "hot": HOT_BUDGET},
            "edges": edges,
            "devirtualization": devirt,
            "warnings": warnings,
        })
    }
}

impl crate::report::Render for PgoReport {
    fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        PgoReport::write_text(self, w)
    }
    fn to_json(&self) -> Value {
        PgoReport::to_json(self)
    }
}

/// `99` for 99.0, `99.5` for 99.5.
fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The closure's enclosing function: `main.f` for `main.f.func1.2`.
fn closure_parent(name: &str) -> Option<&str> {
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let mut start = slash + name[slash..].find('.')? + 1;
    while let Some(dot) = name[start..].find('.') {
        let part_start = start + dot + 1;
        let part = name[part_start..].split('.').next().unwrap_or("");
        let closure = ["func", "gowrap", "deferwrap"].iter().any(|p| {
            part.strip_prefix(p)
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        });
        if closure {
            return Some(&name[..start + dot]);
        }
        start = part_start;
    }
    None
}

/// The call sites that look like interface or function-value calls: two or
/// more Go callees at one (caller, offset), or one closure called from
/// outside the function that made it. The pick follows the compiler's
/// `findHotConcreteCallee`: the heaviest edge (ties: Go code first, then the
/// smaller name) among the callees that fit the call, where a callee without
/// Go code (no IR) always fits and then blocks the devirtualization.
pub fn devirt_sites(t: &EdgeTable) -> Vec<DevirtSite> {
    let mut groups: HashMap<(&str, i64), Vec<&Edge>> = HashMap::new();
    let mut order: Vec<(&str, i64)> = Vec::new();
    for e in &t.edges {
        let k = (e.key.caller.as_str(), e.key.call_site_offset);
        groups
            .entry(k)
            .or_insert_with(|| {
                order.push(k);
                Vec::new()
            })
            .push(e);
    }
    struct Callee<'a> {
        edge: &'a Edge,
        go: bool,
        sym: Option<names::GoSymbol>,
    }
    let mut out = Vec::new();
    for k in order {
        if CalleeKind::of(k.0, "") != CalleeKind::Go {
            continue;
        }
        let mut callees: Vec<Callee> = groups[&k]
            .iter()
            .filter(|e| e.weight > 0)
            .map(|e| Callee {
                edge: e,
                go: CalleeKind::of(&e.key.callee, &e.callee_file) == CalleeKind::Go,
                sym: names::parse(&e.key.callee),
            })
            .collect();
        callees.sort_by(|a, b| {
            b.edge
                .weight
                .cmp(&a.edge.weight)
                .then_with(|| b.go.cmp(&a.go))
                .then_with(|| a.edge.key.callee.cmp(&b.edge.key.callee))
        });
        let go: Vec<&Callee> = callees.iter().filter(|c| c.go).collect();
        let is_method = |c: &Callee| c.sym.as_ref().is_some_and(|s| s.receiver.is_some());
        let is_closure = |c: &Callee| c.sym.as_ref().is_some_and(|s| s.closure);
        let kind = if go.len() == 1 {
            // One Go callee: an indirect call only if a closure made elsewhere.
            let Some(parent) = closure_parent(&go[0].edge.key.callee) else {
                continue;
            };
            if k.0 == parent || k.0.starts_with(&format!("{parent}.")) {
                continue;
            }
            DevirtKind::FuncValue
        } else if go.len() < 2 {
            continue;
        } else if let Some(method) = go
            .iter()
            .find(|c| is_method(c))
            .and_then(|c| c.sym.as_ref())
            .map(|s| s.name.clone())
            .filter(|m| {
                go.iter()
                    .filter(|c| is_method(c) && c.sym.as_ref().is_some_and(|s| &s.name == m))
                    .count()
                    >= 2
            })
        {
            DevirtKind::Interface { method }
        } else if go.iter().all(|c| !is_method(c)) {
            DevirtKind::FuncValue
        } else {
            DevirtKind::Mixed
        };
        let fits = |c: &Callee| {
            !c.go
                || match &kind {
                    DevirtKind::Interface { method } => {
                        is_method(c) && c.sym.as_ref().is_some_and(|s| &s.name == method)
                    }
                    DevirtKind::FuncValue => !is_method(c),
                    DevirtKind::Mixed => true,
                }
        };
        let Some(pick) = callees.iter().find(|c| fits(c)) else {
            continue;
        };
        let outcome = if kind == DevirtKind::Mixed {
            DevirtOutcome::Unclear
        } else if !pick.go {
            DevirtOutcome::BlockedNotGo
        } else if is_closure(pick) {
            DevirtOutcome::Closure
        } else {
            DevirtOutcome::Devirtualized
        };
        out.push(DevirtSite {
            caller: k.0.to_string(),
            call_site_offset: k.1,
            call_site: pick.edge.call_site.clone(),
            weight: callees.iter().map(|c| c.edge.weight).sum(),
            callees: callees
                .iter()
                .map(|c| (c.edge.key.callee.clone(), c.edge.weight))
                .collect(),
            pick: pick.edge.key.callee.clone(),
            pick_weight: pick.edge.weight,
            share_of: callees
                .iter()
                .filter(|c| fits(c))
                .map(|c| c.edge.weight)
                .sum(),
            kind,
            outcome,
        });
    }
    out.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.caller.cmp(&b.caller))
            .then_with(|| a.call_site_offset.cmp(&b.call_site_offset))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgo::edges::EdgeKey;

    fn edge(caller: &str, callee: &str, off: i64, w: i64) -> Edge {
        Edge {
            key: EdgeKey {
                caller: caller.into(),
                callee: callee.into(),
                call_site_offset: off,
            },
            weight: w,
            call_site: Some(("x.go".into(), 10 + off)),
            caller_start_line: 10,
            callee_file: "x.go".into(),
            callee_start_line: 1,
            inlined: false,
        }
    }

    #[test]
    fn closure_parents() {
        assert_eq!(closure_parent("main.f.func1"), Some("main.f"));
        assert_eq!(closure_parent("main.f.func1.2"), Some("main.f"));
        assert_eq!(closure_parent("a/b.c.(*T).M.func3"), Some("a/b.c.(*T).M"));
        assert_eq!(closure_parent("main.f"), None);
        assert_eq!(closure_parent("main.(*T).M"), None);
    }

    #[test]
    fn devirtualization_kinds() {
        let mut asm = edge("main.apply", "runtime.asyncPreempt", 3, 9);
        asm.callee_file = "runtime/preempt_amd64.s".into();
        let t = EdgeTable::from_edges(
            vec![
                edge("main.sum", "main.(*Rect).Area", 3, 60),
                edge("main.sum", "main.Circle.Area", 3, 30),
                edge("main.sum", "main.(*Poly).Area", 3, 10),
                edge("main.sum", "main.helper", 3, 70),
                edge("main.two", "main.a", 1, 5),
                edge("main.two", "main.b", 1, 7),
                edge("sort.insertionSort_func", "main.g.func1", 4, 9),
                edge("main.g", "main.g.func1", 2, 9),
                edge("main.mix", "main.(*T).Write", 2, 4),
                edge("main.mix", "main.h", 2, 4),
                edge("main.one", "main.k", 1, 50),
                asm,
                edge("main.apply", "main.square", 3, 8),
                edge("main.apply", "main.cube", 3, 1),
            ],
            None,
        );
        let d = devirt_sites(&t);
        let got: Vec<(&str, &str, &str, &str, i64, i64)> = d
            .iter()
            .map(|s| {
                (
                    s.caller.as_str(),
                    s.kind.name(),
                    s.outcome.name(),
                    s.pick.as_str(),
                    s.pick_weight,
                    s.share_of,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                // helper (70) is another call on the line: not a method of that name.
                (
                    "main.sum",
                    "interface",
                    "devirtualized",
                    "main.(*Rect).Area",
                    60,
                    100
                ),
                (
                    "main.apply",
                    "func_value",
                    "blocked",
                    "runtime.asyncPreempt",
                    9,
                    18
                ),
                ("main.two", "func_value", "devirtualized", "main.b", 7, 12),
                (
                    "sort.insertionSort_func",
                    "func_value",
                    "closure",
                    "main.g.func1",
                    9,
                    9
                ),
                ("main.mix", "mixed", "unclear", "main.(*T).Write", 4, 8),
            ]
        );
    }

    #[test]
    fn warnings_in_plain_words() {
        let mut edges: Vec<Edge> = (0..20)
            .map(|i| edge(&format!("main.f{i:02}"), "main.g", 1, 1))
            .collect();
        edges.push(edge("main.h", "crypto/sha256.block", 1, 5));
        edges[20].callee_file = "sha256block_amd64.s".into();
        let table = EdgeTable::from_edges(edges, Some("samples/count".into()));
        let loaded = Loaded {
            table,
            has_start_line: true,
            warnings: Vec::new(),
        };
        let r = PgoReport::build(&["p".into()], loaded, &ReportOptions::default());
        let kinds: Vec<&str> = r.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, ["short_profile", "not_go_callee"]);
        assert!(r.warnings[1]
            .message
            .contains("crypto/sha256.block (assembly)"));
        let mut text = Vec::new();
        r.write_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("Total weight: 25 in 21 call-site edges"),
            "{text}"
        );
        assert!(text.contains("HOT  asm"), "{text}");
    }
}
