//! The `tags` report: how the sample value splits over each label's values.
//!
//! As `go tool pprof -tags`: for every label key (sorted by name), the sum of
//! the values of the samples carrying it, then one row per label value
//! (heaviest first, ties by text), aligned by Go's `text/tabwriter` (right
//! aligned, padding 1), a blank line after each key. Numeric label values
//! are printed in the key's unit (scaled as `--unit` asks) and aggregated by
//! that text. No header.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::labels::{NumLabelUnits, SampleLabels};
use super::traces::sample_type_json;
use super::Formatter;
use crate::graph::analysis::Analysis;
use crate::model::measurement;

/// One value of a label key.
#[derive(Debug, Clone, Serialize)]
pub struct TagValue {
    /// The value as printed (numeric values scaled and labelled with their unit).
    pub name: String,
    /// Sum of the sample values carrying it, raw, in the sample unit.
    pub weight: i64,
}

/// One label key.
#[derive(Debug, Clone, Serialize)]
pub struct TagKey {
    /// The key.
    pub key: String,
    /// Sum over the key's values (a sample with two values counts twice).
    pub total: i64,
    /// The unit of the key's numeric values, if it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Values in report order.
    pub values: Vec<TagValue>,
}

/// The `tags` report as data.
#[derive(Debug, Clone)]
pub struct TagsReport {
    /// Keys in report order.
    pub keys: Vec<TagKey>,
    /// pprof's report total.
    pub total: i64,
    /// The sample type name and unit of the values.
    pub sample_type: serde_json::Value,
    /// Value formatting.
    pub formatter: Formatter,
}

/// Per key while summing: total, numeric unit, weight per value text.
type KeySums = (i64, Option<String>, HashMap<String, i64>);

/// pprof's tag order: larger |weight| first when weights differ, then by text.
fn tag_order(a: (i64, &str), b: (i64, &str)) -> std::cmp::Ordering {
    if a.0 != b.0 {
        b.0.unsigned_abs().cmp(&a.0.unsigned_abs())
    } else {
        a.1.cmp(b.1)
    }
}

impl TagsReport {
    /// Sums the sample values per label key and value over the analysis' view.
    pub fn build(an: &Analysis<'_>) -> Self {
        let p: &crate::model::Profile = &an.profile;
        let units = NumLabelUnits::of(p);
        let mut map: HashMap<String, KeySums> = HashMap::new();
        for i in 0..an.view.len(p) {
            let s = an.view.sample(i);
            let v = p.values(s)[an.sel.index];
            let labels = SampleLabels::of(p, s);
            for (k, vs) in &labels.strs {
                let e = map.entry(k.to_string()).or_default();
                for &val in vs {
                    e.0 = e.0.wrapping_add(v);
                    let w = e.2.entry(val.to_string()).or_default();
                    *w = w.wrapping_add(v);
                }
            }
            for n in &labels.nums {
                let unit = units.unit(n.key);
                let e = map.entry(n.key.to_string()).or_default();
                e.1 = Some(unit.to_string());
                for &nv in &n.values {
                    let text = measurement::scaled_label(nv, unit, &an.opts.unit);
                    e.0 = e.0.wrapping_add(v);
                    let w = e.2.entry(text).or_default();
                    *w = w.wrapping_add(v);
                }
            }
        }
        let mut keys: Vec<TagKey> = map
            .into_iter()
            .map(|(key, (total, unit, vals))| {
                let mut values: Vec<TagValue> = vals
                    .into_iter()
                    .map(|(name, weight)| TagValue { name, weight })
                    .collect();
                values.sort_by(|a, b| tag_order((a.weight, &a.name), (b.weight, &b.name)));
                TagKey {
                    key,
                    total,
                    unit,
                    values,
                }
            })
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        TagsReport {
            keys,
            total: an.total,
            sample_type: sample_type_json(an),
            formatter: Formatter::for_analysis(an),
        }
    }

    /// Writes the report in `go tool pprof -tags`' layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let f = &self.formatter;
        let total = self.total;
        let mut text = String::new();
        for k in &self.keys {
            if total > 0 {
                text.push_str(&format!(
                    "{}:\t Total {} of {} ({})\n",
                    k.key,
                    f.format(k.total),
                    f.format(total),
                    measurement::percentage(k.total, total)
                ));
            } else {
                text.push_str(&format!(
                    "{}:\t Total {} of {}\n",
                    k.key,
                    f.format(k.total),
                    f.format(total)
                ));
            }
            for v in &k.values {
                if total > 0 {
                    text.push_str(&format!(
                        " \t{} ({}):\t {}\n",
                        f.format(v.weight),
                        measurement::percentage(v.weight, total),
                        v.name
                    ));
                } else {
                    text.push_str(&format!(" \t{}:\t {}\n", f.format(v.weight), v.name));
                }
            }
            text.push('\n');
        }
        w.write_all(align_right(&text).as_bytes())
    }

    /// The report as JSON (`schema_version` 1, schema in the README).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": "tags",
            "sample_type": self.sample_type,
            "total": self.total,
            "tags": self.keys,
        })
    }
}

/// Go's `text/tabwriter` with `AlignRight`, padding 1, padchar `' '` and no
/// minimum width, applied to a whole text: tab-terminated cells are right
/// aligned per column block (consecutive lines having that column), the text
/// after a line's last tab is written as is. `\v` counts as a tab.
pub fn align_right(text: &str) -> String {
    let body = text.strip_suffix('\n');
    let terminated = body.is_some();
    let body = body.unwrap_or(text);
    if text.is_empty() {
        return String::new();
    }
    let lines: Vec<Vec<&str>> = body
        .split('\n')
        .map(|l| l.split(['\t', '\x0b']).collect())
        .collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    let tw = TabWriter { lines: &lines };
    tw.format(&mut out, &mut widths, 0, lines.len());
    if !terminated {
        out.pop();
    }
    out
}

struct TabWriter<'a, 'b> {
    lines: &'b [Vec<&'a str>],
}

impl TabWriter<'_, '_> {
    fn cells(&self, line: usize) -> usize {
        self.lines[line].len() - 1
    }

    fn format(&self, out: &mut String, widths: &mut Vec<usize>, mut line0: usize, line1: usize) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column >= self.cells(this) {
                this += 1;
                continue;
            }
            self.write_lines(out, widths, line0, this);
            line0 = this;
            let mut width = 0;
            while this < line1 && column < self.cells(this) {
                width = width.max(self.lines[this][column].chars().count() + 1);
                this += 1;
            }
            widths.push(width);
            self.format(out, widths, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(out, widths, line0, line1);
    }

    fn write_lines(&self, out: &mut String, widths: &[usize], line0: usize, line1: usize) {
        for line in &self.lines[line0..line1] {
            for (j, cell) in line.iter().enumerate() {
                if let Some(&w) = widths.get(j) {
                    let n = w.saturating_sub(cell.chars().count());
                    out.extend(std::iter::repeat_n(' ', n));
                }
                out.push_str(cell);
            }
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::align_right;

    #[test]
    fn tabwriter_right_alignment() {
        let t = "bytes:\t Total 3 of 3\n \t1 (x):\t a\n \t10 (y):\t b\n\nk:\t Total\n";
        assert_eq!(
            align_right(t),
            " bytes: Total 3 of 3\n         1 (x): a\n        10 (y): b\n\n k: Total\n"
        );
        assert_eq!(align_right(""), "");
    }
}
