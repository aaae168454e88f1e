//! Sample labels as pprof's decoder groups them.
//!
//! The file stores a flat list of `Label`s per sample; pprof turns it into a
//! map of string labels (key → values) and a map of numeric labels (key →
//! values, with units). A label whose string index is non-zero is a string
//! label; otherwise it is numeric if its number or unit index is non-zero,
//! and dropped if neither is. [`SampleLabels::of`] does this grouping for one
//! sample (keys in first-seen order; reports sort them as they need), and
//! [`NumLabelUnits`] picks the display unit of each numeric key over the
//! whole profile, as pprof's `NumLabelUnits` does.

use std::collections::HashMap;

use crate::model::Profile;

/// One sample's labels, grouped by key.
#[derive(Debug, Clone, Default)]
pub struct SampleLabels<'p> {
    /// String labels: key and its values, in file order.
    pub strs: Vec<(&'p str, Vec<&'p str>)>,
    /// Numeric labels, in first-seen key order.
    pub nums: Vec<NumLabel<'p>>,
}

/// The numeric values of one key in one sample.
#[derive(Debug, Clone, Default)]
pub struct NumLabel<'p> {
    /// The key.
    pub key: &'p str,
    /// The values, in file order.
    pub values: Vec<i64>,
    /// Units per value (padded with `""`), or empty when no value has a unit.
    pub units: Vec<&'p str>,
}

impl<'p> SampleLabels<'p> {
    /// Groups the labels of the profile's sample `s` (a profile index).
    pub fn of(p: &'p Profile, s: usize) -> Self {
        let mut out = SampleLabels::default();
        for l in p.samples.labels(s) {
            let key = p.str(l.key);
            if l.str != 0 {
                let value = p.str(l.str);
                match out.strs.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, vs)) => vs.push(value),
                    None => out.strs.push((key, vec![value])),
                }
            } else if l.is_numeric() {
                let i = match out.nums.iter().position(|n| n.key == key) {
                    Some(i) => i,
                    None => {
                        out.nums.push(NumLabel {
                            key,
                            ..NumLabel::default()
                        });
                        out.nums.len() - 1
                    }
                };
                let n = &mut out.nums[i];
                if l.num_unit != 0 {
                    n.units.resize(n.values.len(), "");
                    n.units.push(p.str(l.num_unit));
                }
                n.values.push(l.num);
            }
        }
        for n in &mut out.nums {
            if !n.units.is_empty() && n.units.len() < n.values.len() {
                n.units.resize(n.values.len(), "");
            }
        }
        out
    }

    /// True if the sample has no label at all.
    pub fn is_empty(&self) -> bool {
        self.strs.is_empty() && self.nums.is_empty()
    }
}

/// The display unit of every numeric label key of a profile.
#[derive(Debug, Clone, Default)]
pub struct NumLabelUnits {
    units: HashMap<String, String>,
    /// Keys seen with several units: (key, unit used, other units sorted).
    pub conflicts: Vec<(String, String, Vec<String>)>,
}

impl NumLabelUnits {
    /// Scans every sample of `p`: a key's unit is the first non-empty unit
    /// seen with it; keys never seen with a unit get `bytes` (`alignment`,
    /// `request`) or their own name.
    pub fn of(p: &Profile) -> Self {
        let mut units: HashMap<String, String> = HashMap::new();
        let mut ignored: HashMap<String, Vec<String>> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        for s in 0..p.samples.len() {
            for n in SampleLabels::of(p, s).nums {
                if !keys.iter().any(|k| k == n.key) {
                    keys.push(n.key.to_string());
                }
                for &u in &n.units {
                    if u.is_empty() {
                        continue;
                    }
                    match units.get(n.key) {
                        None => {
                            units.insert(n.key.to_string(), u.to_string());
                        }
                        Some(want) if want != u => {
                            let v = ignored.entry(n.key.to_string()).or_default();
                            if !v.iter().any(|x| x == u) {
                                v.push(u.to_string());
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for k in keys {
            units.entry(k.clone()).or_insert_with(|| match k.as_str() {
                "alignment" | "request" => "bytes".to_string(),
                _ => k.clone(),
            });
        }
        let mut conflicts: Vec<(String, String, Vec<String>)> = ignored
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                let used = units.get(&k).cloned().unwrap_or_default();
                (k, used, v)
            })
            .collect();
        conflicts.sort();
        NumLabelUnits { units, conflicts }
    }

    /// The unit of numeric key `key` (the key itself if never seen).
    pub fn unit<'a>(&'a self, key: &'a str) -> &'a str {
        self.units.get(key).map_or(key, String::as_str)
    }

    /// pprof's warnings about keys seen with several units.
    pub fn warnings(&self) -> Vec<String> {
        self.conflicts
            .iter()
            .map(|(k, used, others)| {
                format!(
                    "For tag {k} used unit {used}, also encountered unit(s) {}",
                    others.join(", ")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Label, Samples, StringTable};

    fn profile(labels: Vec<Label>) -> Profile {
        let mut strings = StringTable::default();
        for s in ["", "k", "v", "n", "bytes", "request"] {
            strings.push(s);
        }
        Profile {
            strings,
            samples: Samples {
                stack_ends: vec![0],
                stack_locs: vec![],
                stack_of: vec![],
                values: vec![1],
                label_ends: vec![labels.len() as u32],
                labels,
            },
            ..Profile::default()
        }
    }

    fn label(key: u32, str: u32, num: i64, num_unit: u32) -> Label {
        Label {
            key,
            str,
            num,
            num_unit,
            kept_zero: false,
        }
    }

    #[test]
    fn grouped_as_pprof_decodes_them() {
        let p = profile(vec![
            label(1, 2, 0, 0), // k:v
            label(1, 2, 7, 0), // k:v again (string wins over number)
            label(3, 0, 0, 0), // dropped: no string, number or unit
            label(3, 0, 5, 0), // n:5
            label(3, 0, 6, 4), // n:6 bytes -> units ["", "bytes"]
            label(5, 0, 9, 0), // request:9, no unit
        ]);
        let l = SampleLabels::of(&p, 0);
        assert_eq!(l.strs, vec![("k", vec!["v", "v"])]);
        assert_eq!(l.nums.len(), 2);
        assert_eq!((l.nums[0].key, &l.nums[0].values[..]), ("n", &[5, 6][..]));
        assert_eq!(l.nums[0].units, ["", "bytes"]);
        assert!(l.nums[1].units.is_empty());
        let units = NumLabelUnits::of(&p);
        assert_eq!(units.unit("n"), "bytes");
        assert_eq!(units.unit("request"), "bytes");
        assert_eq!(units.unit("other"), "other");
        assert!(units.warnings().is_empty());
    }
}
