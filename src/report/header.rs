//! The legend lines above a report.
//!
//! pprof prints the profile's identity (`File:`, `Build ID:`, comments,
//! `Type:`, `Doc:`, `Time:`, `Duration:`) and then the report's own summary
//! (`Showing nodes accounting for …`, `Dropped N nodes …`, `Showing top N
//! nodes out of M`). [`ProfileHeader`] holds the first part as data (for
//! JSON too) and renders it; [`summary_lines`] renders the second.

use serde::Serialize;

use super::Formatter;
use crate::graph::analysis::TrimmedGraph;
use crate::model::measurement;
use crate::model::Profile;
use crate::util::go::go_base;

/// The profile-identity part of a report header, as data.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileHeader {
    /// Base name of the main mapping's file, if any.
    pub file: Option<String>,
    /// Build id of the main mapping, if any.
    pub build_id: Option<String>,
    /// All comments (the text header shows those not starting with `#`).
    pub comments: Vec<String>,
    /// The sample type label (`mean_` prefixed under `--mean`).
    #[serde(rename = "type")]
    pub type_label: String,
    /// Documentation URL, if any.
    pub doc_url: Option<String>,
    /// Collection time, ns since the epoch (0 = unknown).
    pub time_nanos: i64,
    /// Collection duration in ns (0 = unknown).
    pub duration_nanos: i64,
}

impl ProfileHeader {
    /// Reads the header fields of `p` for a report of type `type_label`.
    pub fn new(p: &Profile, type_label: &str) -> Self {
        let main = p.mappings.first();
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ProfileHeader {
            file: main
                .and_then(|m| non_empty(p.str(m.filename)))
                .map(|f| go_base(&f).to_string()),
            build_id: main.and_then(|m| non_empty(p.str(m.build_id))),
            comments: p.comments.iter().map(|&c| p.str(c).to_string()).collect(),
            type_label: type_label.to_string(),
            doc_url: non_empty(p.str(p.doc_url)),
            time_nanos: p.time_nanos,
            duration_nanos: p.duration_nanos,
        }
    }

    /// pprof's `ProfileLabels`: the identity lines, with the total formatted by `fmt`.
    pub fn lines(&self, total: i64, fmt: &Formatter) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(f) = &self.file {
            out.push(format!("File: {f}"));
        }
        if let Some(b) = &self.build_id {
            out.push(format!("Build ID: {b}"));
        }
        out.extend(
            self.comments
                .iter()
                .filter(|c| !c.starts_with('#'))
                .cloned(),
        );
        if !self.type_label.is_empty() {
            out.push(format!("Type: {}", self.type_label));
        }
        if let Some(d) = &self.doc_url {
            out.push(format!("Doc: {d}"));
        }
        if self.time_nanos != 0 {
            out.push(format!("Time: {}", format_time(self.time_nanos)));
        }
        if self.duration_nanos != 0 {
            let duration = measurement::label(self.duration_nanos, "nanoseconds");
            let (nanos, unit) = measurement::scale(total, &fmt.sample_unit, "nanoseconds");
            let ratio = if unit == "ns" && nanos != 0.0 {
                format!(
                    "({})",
                    measurement::percentage(nanos as i64, self.duration_nanos)
                )
            } else {
                String::new()
            };
            out.push(format!(
                "Duration: {duration}, Total samples = {} {ratio}",
                fmt.format(total)
            ));
        }
        out
    }
}

/// Go's `time.Unix(0, ns).Format("2006-01-02 15:04:05 MST")` in the local
/// time zone (`TZ`, else the system's).
pub fn format_time(nanos: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_nanosecond(i128::from(nanos)) else {
        return nanos.to_string();
    };
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
}

/// pprof's `reportLabels` tail: what the shown nodes account for, what was
/// dropped, and how many nodes are shown.
pub fn summary_lines(g: &TrimmedGraph, total: i64, fmt: &Formatter) -> Vec<String> {
    let shown_total: i64 = g.nodes.iter().fold(0i64, |a, n| a.wrapping_add(n.flat));
    let mut out = vec![format!(
        "Showing nodes accounting for {}, {} of {} total",
        fmt.format(shown_total),
        measurement::percentage(shown_total, total).trim(),
        fmt.format(total)
    )];
    if total != 0 {
        if g.dropped_nodes > 0 {
            let cutoff = ((total as f64 * g.nodefraction) as i64).wrapping_abs();
            out.push(format!(
                "Dropped {} {} (cum <= {})",
                g.dropped_nodes,
                if g.dropped_nodes > 1 { "nodes" } else { "node" },
                fmt.format(cutoff)
            ));
        }
        let count = g.nodes.len();
        if count > 0 && count < g.orig_count {
            out.push(format!("Showing top {count} nodes out of {}", g.orig_count));
        }
    }
    out
}
