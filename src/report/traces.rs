//! The `traces` report: every sample's stack, one block per sample.
//!
//! As `go tool pprof -traces`: the full profile header (even under
//! `--compact_labels`), then for each sample of the view (profile order,
//! samples without frames skipped) its string labels, its numeric labels
//! (auto-scaled in the key's unit), and its frames leaf first, the sample
//! value on the first one. Every line of a location but its last is marked
//! `(inline)`. Trimming options do not apply, nor does any file name
//! trimming (`--trim_path`, `--source_path`, `/proc/self/cwd/`): pprof only
//! cleans the paths here.

use std::io::{self, Write};

use super::header::ProfileHeader;
use super::labels::{NumLabelUnits, SampleLabels};
use super::Formatter;
use crate::graph::analysis::Analysis;
use crate::graph::{NodeMap, NodeOptions};
use crate::model::measurement;

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// One frame of a trace.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Node id (an index of the report's names).
    pub node: u32,
    /// True for every line of a location but its last (an inlined call).
    pub inline: bool,
}

/// One sample as the report shows it.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The profile's index of the sample (for its labels).
    pub sample: usize,
    /// The sample's value (mean-divided under `--mean`), raw, in the sample unit.
    pub value: i64,
    /// Frames, leaf first.
    pub frames: Vec<Frame>,
}

/// The `traces` report as data.
pub struct TracesReport<'a> {
    an: &'a Analysis<'a>,
    /// Profile identity (always printed).
    pub header: ProfileHeader,
    /// The traces in profile order.
    pub traces: Vec<Trace>,
    /// Display units of numeric labels.
    pub units: NumLabelUnits,
    /// Value formatting (`--unit`, `--divide_by`; each value scaled on its own).
    pub formatter: Formatter,
    names: Vec<String>,
}

impl<'a> TracesReport<'a> {
    /// Collects the traces of the analysis' view.
    pub fn build(an: &'a Analysis<'a>) -> Self {
        let p: &crate::model::Profile = &an.profile;
        let view = &an.view;
        // pprof's traces name files as the profile has them: no trim_path or
        // source_path rewriting (only the graph reports apply those).
        let opts = NodeOptions {
            granularity: an.opts.granularity,
            noinlines: an.opts.noinlines,
            ..NodeOptions::default()
        };
        let nodes = NodeMap::build_untrimmed(p, view, &opts);
        let mut traces = Vec::new();
        let mut used = vec![false; nodes.len()];
        for i in 0..view.len(p) {
            let mut frames = Vec::new();
            for &loc in view.stack(p, i) {
                let locn = nodes.location(loc);
                for (k, &node) in locn.iter().enumerate() {
                    used[node as usize] = true;
                    frames.push(Frame {
                        node,
                        inline: k + 1 != locn.len(),
                    });
                }
            }
            if frames.is_empty() {
                continue;
            }
            let values = view.values(p, i);
            let mut value = values[an.sel.index];
            if an.sel.mean {
                let d = values[0];
                if d != 0 {
                    value = value.wrapping_div(d);
                }
            }
            traces.push(Trace {
                sample: view.sample(i),
                value,
                frames,
            });
        }
        let names = used
            .iter()
            .enumerate()
            .map(|(n, &u)| {
                if u {
                    nodes.printable_name(n as u32)
                } else {
                    String::new()
                }
            })
            .collect();
        TracesReport {
            an,
            header: ProfileHeader::new(p, &an.sel.type_label),
            traces,
            units: NumLabelUnits::of(p),
            formatter: Formatter::for_analysis(an),
            names,
        }
    }

    /// The label lines of a trace, as pprof prints them: string labels
    /// sorted, then numeric labels sorted (each line ends in `\n`).
    fn label_lines(&self, t: &Trace) -> Vec<String> {
        let labels = SampleLabels::of(&self.an.profile, t.sample);
        let mut strs: Vec<String> = labels
            .strs
            .iter()
            .map(|(k, vs)| format!("{k:>10}:  {}\n", vs.join(" ")))
            .collect();
        strs.sort();
        let mut nums: Vec<String> = labels
            .nums
            .iter()
            .map(|n| {
                let unit = self.units.unit(n.key);
                let vs: Vec<String> = n
                    .values
                    .iter()
                    .map(|&v| measurement::label(v, unit))
                    .collect();
                format!("{:>10}:  {}\n", n.key, vs.join(" "))
            })
            .collect();
        nums.sort();
        strs.extend(nums);
        strs
    }

    /// Writes the report in `go tool pprof -traces`' layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let header = self.header.lines(self.an.total, &self.formatter);
        writeln!(w, "{}", header.join("\n"))?;
        for t in &self.traces {
            writeln!(w, "{SEPARATOR}")?;
            for l in self.label_lines(t) {
                w.write_all(l.as_bytes())?;
            }
            for (i, f) in t.frames.iter().enumerate() {
                let value = if i == 0 {
                    self.formatter.format(t.value)
                } else {
                    String::new()
                };
                let inline = if f.inline { " (inline)" } else { "" };
                writeln!(w, "{value:>10}   {}{inline}", self.names[f.node as usize])?;
            }
        }
        writeln!(w, "{SEPARATOR}")
    }

    /// The report as JSON (`schema_version` 1, schema in the README).
    pub fn to_json(&self) -> serde_json::Value {
        let p: &crate::model::Profile = &self.an.profile;
        let traces: Vec<serde_json::Value> = self
            .traces
            .iter()
            .map(|t| {
                let labels = SampleLabels::of(p, t.sample);
                let strs: serde_json::Map<String, serde_json::Value> = labels
                    .strs
                    .iter()
                    .map(|(k, vs)| (k.to_string(), serde_json::json!(vs)))
                    .collect();
                let nums: Vec<serde_json::Value> = labels
                    .nums
                    .iter()
                    .map(|n| {
                        serde_json::json!({
                            "key": n.key,
                            "values": n.values,
                            "unit": self.units.unit(n.key),
                        })
                    })
                    .collect();
                let frames: Vec<serde_json::Value> = t
                    .frames
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "name": self.names[f.node as usize],
                            "inline": f.inline,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "value": t.value,
                    "labels": strs,
                    "num_labels": nums,
                    "frames": frames,
                })
            })
            .collect();
        serde_json::json!({
            "schema_version": 1,
            "report": "traces",
            "profile": self.header,
            "sample_type": sample_type_json(self.an),
            "total": self.an.total,
            "legend": self.header.lines(self.an.total, &self.formatter),
            "traces": traces,
        })
    }
}

/// `{"type": …, "unit": …}` of the analysis' chosen value.
pub(super) fn sample_type_json(an: &Analysis<'_>) -> serde_json::Value {
    serde_json::json!({ "type": an.sel.type_name, "unit": an.sel.unit })
}
