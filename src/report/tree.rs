//! The `tree` and `peek` reports: each node with its callers and callees.
//!
//! As `go tool pprof -tree` / `-peek=REGEX`: the trimmed graph (tree: at most
//! 80 nodes unless `--nodecount` says otherwise; peek: no trimming at all),
//! in `top` order; per node a block with its incoming edges (weight, share of
//! the node's cum, caller), the node's own row, and its outgoing edges.
//! Edges are sorted by |weight| (heaviest first), then caller name, then
//! callee name; self edges never appear. `peek` prints only the nodes whose
//! printable name matches the regex, and fails if none does.

use std::collections::HashMap;
use std::io::{self, Write};

use regex::Regex;
use serde::Serialize;

use super::header::{summary_lines, ProfileHeader};
use super::traces::sample_type_json;
use super::Formatter;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::model::measurement::percentage;

const SEPARATOR: &str = "----------------------------------------------------------+-------------";
const LEGEND: &str = "      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 ";

/// pprof's option overrides for `tree`: 80 nodes unless a count is given.
pub fn tree_options(mut opts: ReportOptions) -> ReportOptions {
    opts.nodecount.get_or_insert(80);
    opts
}

/// pprof's option overrides for `peek`: no trimming.
pub fn peek_options(mut opts: ReportOptions) -> ReportOptions {
    opts.trim = false;
    opts
}

/// An edge as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TreeEdge {
    /// The node at the other end (caller for incoming, callee for outgoing).
    pub name: String,
    /// Sum of the values of the samples taking the edge, raw, in the sample unit.
    pub weight: i64,
    /// True if every contribution was an inlined call.
    pub inline: bool,
    /// True if the edge jumps over nodes that were trimmed away.
    pub residual: bool,
}

/// One node block.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    /// pprof's printable node name.
    pub name: String,
    /// Flat value, raw.
    pub flat: i64,
    /// Cum value, raw.
    pub cum: i64,
    /// Incoming edges in report order.
    pub callers: Vec<TreeEdge>,
    /// Outgoing edges in report order.
    pub callees: Vec<TreeEdge>,
}

/// The `tree` / `peek` report as data.
#[derive(Debug, Clone)]
pub struct TreeReport {
    /// `"tree"` or `"peek"`.
    pub kind: &'static str,
    /// Profile identity (omitted from text under `--compact_labels`).
    pub header: ProfileHeader,
    /// Whether the identity lines are printed.
    pub compact: bool,
    /// The report's summary lines ("Showing nodes accounting for …").
    pub summary: Vec<String>,
    /// The node blocks printed, in report order.
    pub nodes: Vec<TreeNode>,
    /// True if the trimmed graph has nodes (the closing separator is printed).
    pub any_node: bool,
    /// pprof's total.
    pub total: i64,
    /// The sample type name and unit of the values.
    pub sample_type: serde_json::Value,
    /// Value formatting, with the output unit chosen.
    pub formatter: Formatter,
}

/// Why a peek report could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeekError {
    /// The regex does not compile.
    BadRegex(String, String),
    /// No node name matches.
    NoMatch(String),
}

impl std::fmt::Display for PeekError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeekError::BadRegex(rx, e) => write!(f, "parsing argument regexp {rx}: {e}"),
            PeekError::NoMatch(rx) => write!(f, "no matches found for regexp: {rx}"),
        }
    }
}

impl std::error::Error for PeekError {}

/// pprof's edge order: larger |weight| first when weights differ, then
/// caller name, then callee name.
fn edge_order(a: (&TreeEdge, &str, &str), b: (&TreeEdge, &str, &str)) -> std::cmp::Ordering {
    if a.0.weight != b.0.weight {
        b.0.weight.unsigned_abs().cmp(&a.0.weight.unsigned_abs())
    } else {
        a.1.cmp(b.1).then_with(|| a.2.cmp(b.2))
    }
}

impl TreeReport {
    /// The tree report over the analysis (build it with [`tree_options`]).
    pub fn tree(an: &Analysis<'_>) -> Self {
        Self::build(an, None, "tree")
    }

    /// The peek report for `regex` (build the analysis with [`peek_options`]).
    pub fn peek(an: &Analysis<'_>, regex: &str) -> Result<Self, PeekError> {
        let rx = crate::view::regex::go_regex(regex).map_err(|e| {
            PeekError::BadRegex(regex.to_string(), crate::view::regex::regex_message(&e))
        })?;
        // No node can match: say so before walking every stack for edges.
        let any = (0..an.nodes.len() as u32)
            .filter(|&i| an.weights.is_present(i as usize))
            .any(|i| rx.is_match(&an.nodes.printable_name(i)));
        if !any {
            return Err(PeekError::NoMatch(regex.to_string()));
        }
        let r = Self::build(an, Some(&rx), "peek");
        if r.nodes.is_empty() {
            return Err(PeekError::NoMatch(regex.to_string()));
        }
        Ok(r)
    }

    fn build(an: &Analysis<'_>, rx: Option<&Regex>, kind: &'static str) -> Self {
        let g = an.trim_all_edges();
        let mut formatter = Formatter::for_analysis(an);
        formatter.select_output_unit(g.nodes.iter().map(|n| (n.flat, n.cum)), an.total);
        let mut summary = an.opts.filters.legend();
        summary.extend(summary_lines(&g, an.total, &formatter));
        let mut names: HashMap<u32, String> =
            g.nodes.iter().map(|n| (n.node, n.name.clone())).collect();
        for &(a, b) in g.edges.keys() {
            for n in [a, b] {
                names.entry(n).or_insert_with(|| an.nodes.printable_name(n));
            }
        }
        let mut ins: HashMap<u32, Vec<(u32, TreeEdge)>> = HashMap::new();
        let mut outs: HashMap<u32, Vec<(u32, TreeEdge)>> = HashMap::new();
        for (&(from, to), e) in &g.edges {
            let edge = |name: &String| TreeEdge {
                name: name.clone(),
                weight: e.weight,
                inline: e.inline,
                residual: e.residual,
            };
            ins.entry(to).or_default().push((from, edge(&names[&from])));
            outs.entry(from).or_default().push((to, edge(&names[&to])));
        }
        let mut nodes = Vec::new();
        for n in &g.nodes {
            if rx.is_some_and(|rx| !rx.is_match(&n.name)) {
                continue;
            }
            let mut callers = ins.remove(&n.node).unwrap_or_default();
            callers
                .sort_by(|a, b| edge_order((&a.1, &a.1.name, &n.name), (&b.1, &b.1.name, &n.name)));
            let mut callees = outs.remove(&n.node).unwrap_or_default();
            callees
                .sort_by(|a, b| edge_order((&a.1, &n.name, &a.1.name), (&b.1, &n.name, &b.1.name)));
            nodes.push(TreeNode {
                name: n.name.clone(),
                flat: n.flat,
                cum: n.cum,
                callers: callers.into_iter().map(|(_, e)| e).collect(),
                callees: callees.into_iter().map(|(_, e)| e).collect(),
            });
        }
        TreeReport {
            kind,
            header: ProfileHeader::new(&an.profile, &an.sel.type_label),
            compact: an.opts.compact_labels,
            summary,
            nodes,
            any_node: !g.nodes.is_empty(),
            total: an.total,
            sample_type: sample_type_json(an),
            formatter,
        }
    }

    fn legend(&self) -> Vec<String> {
        let mut labels = if self.compact {
            Vec::new()
        } else {
            self.header.lines(self.total, &self.formatter)
        };
        labels.extend(self.summary.iter().cloned());
        labels
    }

    /// Writes the report in `go tool pprof -tree`'s (or `-peek`'s) layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let f = &self.formatter;
        writeln!(w, "{}", self.legend().join("\n"))?;
        writeln!(w, "{SEPARATOR}")?;
        writeln!(w, "{LEGEND}")?;
        let mut flat_sum = 0i64;
        for n in &self.nodes {
            writeln!(w, "{SEPARATOR}")?;
            let edge = |w: &mut dyn Write, e: &TreeEdge| {
                writeln!(
                    w,
                    "{:>50} {} |   {}{}",
                    f.format(e.weight),
                    percentage(e.weight, n.cum),
                    e.name,
                    if e.inline { " (inline)" } else { "" }
                )
            };
            for e in &n.callers {
                edge(w, e)?;
            }
            flat_sum = flat_sum.wrapping_add(n.flat);
            let columns = f.columns(n.flat, flat_sum, n.cum, self.total);
            writeln!(w, "{columns}                | {}", n.name)?;
            for e in &n.callees {
                edge(w, e)?;
            }
        }
        if self.any_node {
            writeln!(w, "{SEPARATOR}")?;
        }
        Ok(())
    }

    /// The report as JSON (`schema_version` 1, schema in the README).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": self.kind,
            "profile": self.header,
            "sample_type": self.sample_type,
            "total": self.total,
            "output_unit": self.formatter.output_unit,
            "divide_by": 1.0 / self.formatter.ratio,
            "legend": self.legend(),
            "nodes": self.nodes,
        })
    }
}
