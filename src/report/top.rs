//! The `top` report: pprof's flat table of the heaviest nodes.
//!
//! [`TopReport::build`] trims the graph and collects the rows as raw numbers;
//! [`TopReport::write_text`] prints them in `go tool pprof -top`'s exact
//! layout, [`TopReport::to_json`] as a JSON document for scripts.

use std::io::{self, Write};

use serde::Serialize;

use super::header::{summary_lines, ProfileHeader};
use super::Formatter;
use crate::graph::analysis::Analysis;

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct TopRow {
    /// pprof's printable node name.
    pub name: String,
    /// `inline`, `partial-inline`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline: Option<&'static str>,
    /// Flat value, raw, in the sample unit.
    pub flat: i64,
    /// Cum value, raw, in the sample unit.
    pub cum: i64,
}

/// The `top` report as data.
#[derive(Debug, Clone)]
pub struct TopReport {
    /// Profile identity (omitted from text under `--compact_labels`).
    pub header: ProfileHeader,
    /// Whether the identity lines are printed.
    pub compact: bool,
    /// The report's summary lines ("Showing nodes accounting for …").
    pub summary: Vec<String>,
    /// Rows in report order.
    pub rows: Vec<TopRow>,
    /// pprof's total: Σ|value| of all samples, before filters (after them
    /// under `relative_percentages`).
    pub total: i64,
    /// The sample type name and unit of the values.
    pub sample_type: (String, String),
    /// Nodes dropped by the node fraction.
    pub dropped_nodes: usize,
    /// Nodes left after the node fraction.
    pub node_count: usize,
    /// Value formatting, with the output unit already chosen.
    pub formatter: Formatter,
}

impl TopReport {
    /// Builds the report from an analysis (`nodecount` defaults to all nodes).
    pub fn build(an: &Analysis<'_>) -> TopReport {
        let g = an.trim();
        let mut formatter = Formatter::for_analysis(an);
        formatter.select_output_unit(g.nodes.iter().map(|n| (n.flat, n.cum)), an.total);
        let mut summary = an.opts.filters.legend();
        summary.extend(summary_lines(&g, an.total, &formatter));
        let rows = g
            .nodes
            .iter()
            .map(|n| {
                let label = g.inline_label(n.node);
                TopRow {
                    name: n.name.clone(),
                    inline: (!label.is_empty()).then(|| label.trim_matches(['(', ')'])),
                    flat: n.flat,
                    cum: n.cum,
                }
            })
            .collect();
        TopReport {
            header: ProfileHeader::new(&an.profile, &an.sel.type_label),
            compact: an.opts.compact_labels,
            summary,
            rows,
            total: an.total,
            sample_type: (an.sel.type_name.clone(), an.sel.unit.clone()),
            dropped_nodes: g.dropped_nodes,
            node_count: g.orig_count,
            formatter,
        }
    }

    /// Writes the report in `go tool pprof -top`'s layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let f = &self.formatter;
        let mut labels = if self.compact {
            Vec::new()
        } else {
            self.header.lines(self.total, f)
        };
        labels.extend(self.summary.iter().cloned());
        writeln!(w, "{}", labels.join("\n"))?;
        writeln!(
            w,
            "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
            "flat", "flat", "sum", "cum", "cum"
        )?;
        let mut sum = 0i64;
        for r in &self.rows {
            sum = sum.wrapping_add(r.flat);
            let inline = match r.inline {
                Some(l) => format!(" ({l})"),
                None => String::new(),
            };
            let columns = f.columns(r.flat, sum, r.cum, self.total);
            writeln!(w, "{columns}  {}{inline}", r.name)?;
        }
        Ok(())
    }

    /// The report as JSON (schema in the README, `schema_version` 1).
    pub fn to_json(&self) -> serde_json::Value {
        let header_lines = if self.compact {
            Vec::new()
        } else {
            self.header.lines(self.total, &self.formatter)
        };
        serde_json::json!({
            "schema_version": 1,
            "report": "top",
            "profile": self.header,
            "sample_type": { "type": self.sample_type.0, "unit": self.sample_type.1 },
            "total": self.total,
            "output_unit": self.formatter.output_unit,
            "divide_by": 1.0 / self.formatter.ratio,
            "shown_total": self.rows.iter().fold(0i64, |a, r| a.wrapping_add(r.flat)),
            "dropped_nodes": self.dropped_nodes,
            "node_count": self.node_count,
            "legend": header_lines.into_iter().chain(self.summary.iter().cloned()).collect::<Vec<_>>(),
            "rows": self.rows,
        })
    }
}
