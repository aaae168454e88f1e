//! Reports built on the sample graph, and what they share.
//!
//! A report takes the sample graph of a profile (an [`Analysis`]: value
//! selection, pruning, node map, weights, total), trims the graph as pprof
//! does, and produces plain data (rows of raw integers and
//! names). Rendering that data as pprof's text or as JSON lives beside each
//! report; numbers are formatted only through [`Formatter`] (pprof's
//! measurement rules), so every report prints values the same way.

pub mod callgrind;
pub mod comments;
pub mod dot;
pub mod header;
pub mod labels;
pub mod list;
pub mod proto;
pub mod raw;
pub mod source;
pub mod tags;
pub mod top;
pub mod traces;
pub mod tree;
pub mod version;

use crate::graph::analysis::Analysis;
use crate::model::measurement;

/// A report that prints as pprof's text or as a JSON document.
pub trait Render {
    /// Writes the report in `go tool pprof`'s text layout.
    fn write_text(&self, w: &mut dyn std::io::Write) -> std::io::Result<()>;
    /// The report as JSON (`schema_version` 1, schemas in the README).
    fn to_json(&self) -> serde_json::Value;
}

/// Implements [`Render`] with the types' own `write_text` and `to_json`.
macro_rules! render_with_inherent_methods {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn write_text(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
                <$t>::write_text(self, w)
            }
            fn to_json(&self) -> serde_json::Value {
                <$t>::to_json(self)
            }
        }
    )*};
}

render_with_inherent_methods!(
    top::TopReport,
    traces::TracesReport<'_>,
    tags::TagsReport,
    raw::RawReport<'_>,
    comments::CommentsReport,
    tree::TreeReport,
    list::ListReport
);

/// Formats values the way pprof's reports do: divide_by applied (truncated to
/// an integer), then scaled to the report's output unit.
#[derive(Debug, Clone)]
pub struct Formatter {
    /// Unit of the raw values.
    pub sample_unit: String,
    /// Unit to print in (`minimum` until [`Formatter::select_output_unit`] picks one).
    pub output_unit: String,
    /// 1/divide_by.
    pub ratio: f64,
}

impl Formatter {
    /// A formatter for values in `sample_unit`, printed as `unit` asks.
    pub fn new(sample_unit: &str, unit: &str, divide_by: f64) -> Self {
        Formatter {
            sample_unit: sample_unit.to_string(),
            output_unit: unit.to_string(),
            ratio: 1.0 / divide_by,
        }
    }

    /// A formatter for the values of `an` (unit not yet selected).
    pub fn for_analysis(an: &Analysis<'_>) -> Self {
        Formatter::new(&an.sel.unit, &an.opts.unit, an.opts.divide_by)
    }

    fn apply_ratio(&self, v: i64) -> i64 {
        let r = self.ratio;
        if r > 0.0 && r != 1.0 {
            (v as f64 * r) as i64
        } else {
            v
        }
    }

    /// The value as the report prints it, e.g. `1.10s`, `8192kB`, `0`.
    pub fn format(&self, v: i64) -> String {
        measurement::scaled_label(self.apply_ratio(v), &self.sample_unit, &self.output_unit)
    }

    /// The five value columns shared by the top and tree rows: flat, flat%,
    /// sum%, cum, cum% (`%10s %s %s %10s %s`), percentages of `total`.
    pub fn columns(&self, flat: i64, sum: i64, cum: i64, total: i64) -> String {
        format!(
            "{:>10} {} {} {:>10} {}",
            self.format(flat),
            measurement::percentage(flat, total),
            measurement::percentage(sum, total),
            self.format(cum),
            measurement::percentage(cum, total)
        )
    }

    /// pprof's `minimum` unit rule: one unit for the whole report, chosen from
    /// the smallest non-zero value shown and the report total, so values down
    /// to 0.01 of the unit appear. `values` yields (flat, cum) of the shown nodes.
    pub fn select_output_unit(&mut self, values: impl Iterator<Item = (i64, i64)>, total: i64) {
        self.select_output_unit_with(values, total, true);
    }

    /// [`Formatter::select_output_unit`]; without `hundredths` the unit is
    /// the smallest value's own (callgrind prints integers only).
    pub fn select_output_unit_with(
        &mut self,
        values: impl Iterator<Item = (i64, i64)>,
        total: i64,
        hundredths: bool,
    ) {
        if self.output_unit != "minimum" {
            return;
        }
        let (mut min, mut any) = (0i64, false);
        for (flat, cum) in values {
            any = true;
            let mut node_min = flat.unsigned_abs() as i64;
            if node_min == 0 {
                node_min = cum.unsigned_abs() as i64;
            }
            if node_min > 0 && (min == 0 || node_min < min) {
                min = node_min;
            }
        }
        if !any {
            return;
        }
        let mut max = total;
        if min == 0 {
            min = max;
        }
        min = self.apply_ratio(min);
        max = self.apply_ratio(max);
        let (_, min_unit) = measurement::scale(min, &self.sample_unit, "minimum");
        let (_, max_unit) = measurement::scale(max, &self.sample_unit, "minimum");
        let mut unit = min_unit.clone();
        if hundredths && min_unit != max_unit && min.saturating_mul(100) < max {
            unit = measurement::scale(min.saturating_mul(100), &self.sample_unit, "minimum").1;
        }
        self.output_unit = if unit.is_empty() {
            self.sample_unit.clone()
        } else {
            unit
        };
    }
}
