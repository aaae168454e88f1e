//! pprof's `-tagroot` / `-tagleaf`: label values as pseudo frames.
//!
//! For each listed label key, every sample gets one extra frame whose
//! function name is the sample's values of that key (string values, then
//! numeric ones formatted in the report's unit, joined by `,`; empty when the
//! sample lacks the key) and whose file name is the key. `tagroot` frames go
//! above the stack's root (the first key rootmost), `tagleaf` frames below
//! its leaf (the last key leafmost). As in pprof this happens after the
//! profile's drop_frames and before the report's filters, so `-focus` can
//! match the pseudo frames and every report (top, traces, dot…) sees them.
//!
//! The profile is immutable, so [`add_label_frames`] builds a new one: the
//! view's stacks and lines materialized, plus the new functions and
//! locations appended after the existing ones (pprof numbers them after the
//! largest ids, in the order samples first need them).

use std::collections::HashMap;

use crate::model::measurement::scaled_label;
use crate::model::{Function, Line, Locations, Profile, Samples, NONE};
use crate::view::View;

/// A profile with the label frames added, and whether any sample had the keys.
#[derive(Debug)]
pub struct LabelFrames {
    /// The new profile: the view's samples with pseudo frames, no other change.
    pub profile: Profile,
    /// pprof's warnings for keys that matched no sample
    /// (`TagRoot expression matched no samples`).
    pub messages: Vec<String>,
}

/// Adds the pseudo frames of `root_keys` and `leaf_keys` to the samples of
/// `view` (see the module docs); numeric values are formatted for `unit`
/// (the report's `-unit`). Returns `None` when both lists are empty.
pub fn add_label_frames(
    p: &Profile,
    view: &View,
    root_keys: &[String],
    leaf_keys: &[String],
    unit: &str,
) -> Option<LabelFrames> {
    let root_keys: Vec<&str> = root_keys
        .iter()
        .map(String::as_str)
        .filter(|k| !k.is_empty())
        .collect();
    let leaf_keys: Vec<&str> = leaf_keys
        .iter()
        .map(String::as_str)
        .filter(|k| !k.is_empty())
        .collect();
    if root_keys.is_empty() && leaf_keys.is_empty() {
        return None;
    }
    let mut out = p.clone();

    // The view's lines, per location.
    let nloc = p.locations.len();
    let mut locations = Locations {
        id: p.locations.id.clone(),
        mapping: p.locations.mapping.clone(),
        address: p.locations.address.clone(),
        is_folded: p.locations.is_folded.clone(),
        line_ends: Vec::with_capacity(nloc),
        lines: Vec::with_capacity(p.locations.lines.len()),
    };
    for l in 0..nloc as u32 {
        locations.lines.extend_from_slice(view.lines(p, l));
        locations.line_ends.push(locations.lines.len() as u32);
    }

    let mut next_loc_id = p.locations.id.iter().copied().max().unwrap_or(0) + 1;
    let mut next_fn_id = p.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let mut interned: HashMap<(String, String), u32> = HashMap::new();
    let mut strings: HashMap<String, u32> = HashMap::new();

    let nv = p.num_values();
    let mut samples = Samples::default();
    let (mut root_matched, mut leaf_matched) = (false, false);
    let mut roots = Vec::new();
    let mut leaves = Vec::new();
    for i in 0..view.len(p) {
        let s = view.sample(i);
        let mut make = |keys: &[&str], locs: &mut Vec<u32>| -> bool {
            locs.clear();
            let mut matched = false;
            for k in keys.iter().rev() {
                let values = label_values(p, s, k, unit);
                matched |= !values.is_empty();
                let key = (values.join(","), k.to_string());
                let loc = match interned.get(&key) {
                    Some(&l) => l,
                    None => {
                        let mut intern = |text: &str| -> u32 {
                            *strings
                                .entry(text.to_string())
                                .or_insert_with(|| out.strings.push(text).unwrap_or(0))
                        };
                        let function = Function {
                            id: next_fn_id,
                            name: intern(&key.0),
                            system_name: 0,
                            filename: intern(&key.1),
                            start_line: 0,
                        };
                        next_fn_id += 1;
                        out.functions.push(function);
                        let l = locations.id.len() as u32;
                        locations.id.push(next_loc_id);
                        next_loc_id += 1;
                        locations.mapping.push(NONE);
                        locations.address.push(0);
                        locations.is_folded.push(false);
                        locations.lines.push(Line {
                            function: (out.functions.len() - 1) as u32,
                            line: 0,
                            column: 0,
                        });
                        locations.line_ends.push(locations.lines.len() as u32);
                        interned.insert(key, l);
                        l
                    }
                };
                locs.push(loc);
            }
            matched
        };
        root_matched |= make(&root_keys, &mut roots);
        leaf_matched |= make(&leaf_keys, &mut leaves);
        samples.stack_locs.extend_from_slice(&leaves);
        samples.stack_locs.extend_from_slice(view.stack(p, i));
        samples.stack_locs.extend_from_slice(&roots);
        samples.stack_ends.push(samples.stack_locs.len() as u32);
        samples
            .values
            .extend_from_slice(&p.samples.values[s * nv..(s + 1) * nv]);
        samples.labels.extend_from_slice(p.samples.labels(s));
        samples.label_ends.push(samples.labels.len() as u32);
    }
    out.locations = locations;
    out.samples = samples;

    let mut messages = Vec::new();
    if !root_keys.is_empty() && !root_matched {
        messages.push("TagRoot expression matched no samples".to_string());
    }
    if !leaf_keys.is_empty() && !leaf_matched {
        messages.push("TagLeaf expression matched no samples".to_string());
    }
    Some(LabelFrames {
        profile: out,
        messages,
    })
}

/// pprof's `formatLabelValues`: the string values of `key` in sample `s`,
/// then its numeric values formatted for `unit` (none of them when the
/// units do not pair up with the values).
fn label_values(p: &Profile, s: usize, key: &str, unit: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut nums: Vec<i64> = Vec::new();
    let mut units: Vec<&str> = Vec::new();
    for l in p.samples.labels(s) {
        if p.str(l.key) != key {
            continue;
        }
        if l.str != 0 {
            values.push(p.str(l.str).to_string());
        } else if l.is_numeric() {
            if l.num_unit != 0 {
                units.resize(nums.len(), "");
                units.push(p.str(l.num_unit));
            }
            nums.push(l.num);
        }
    }
    if nums.len() != units.len() && !units.is_empty() {
        return values;
    }
    for (i, &v) in nums.iter().enumerate() {
        values.push(if units.is_empty() {
            scaled_label(v, "", "")
        } else {
            scaled_label(v, units[i], unit)
        });
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Label, StringTable};

    /// One location `main` (id 7), two samples: one labelled
    /// `k=a, k=b, n=2048 bytes`, one without labels.
    fn profile() -> Profile {
        let mut strings = StringTable::default();
        for s in ["", "main", "k", "a", "b", "n", "bytes"] {
            strings.push(s);
        }
        Profile {
            strings,
            functions: vec![Function {
                id: 3,
                name: 1,
                ..Function::default()
            }],
            locations: Locations {
                id: vec![7],
                mapping: vec![NONE],
                address: vec![0],
                is_folded: vec![false],
                line_ends: vec![1],
                lines: vec![Line {
                    function: 0,
                    line: 1,
                    column: 0,
                }],
            },
            samples: Samples {
                stack_ends: vec![1, 2],
                stack_locs: vec![0, 0],
                stack_of: vec![],
                values: vec![5, 7],
                label_ends: vec![3, 3],
                labels: vec![
                    Label {
                        key: 2,
                        str: 3,
                        ..Label::default()
                    },
                    Label {
                        key: 2,
                        str: 4,
                        ..Label::default()
                    },
                    Label {
                        key: 5,
                        num: 2048,
                        num_unit: 6,
                        ..Label::default()
                    },
                ],
            },
            sample_types: vec![Default::default()],
            ..Default::default()
        }
    }

    fn names(p: &Profile, s: usize) -> Vec<String> {
        p.samples
            .stack(s)
            .iter()
            .map(|&l| {
                let f = &p.functions[p.locations.lines(l)[0].function as usize];
                format!("{}@{}", p.str(f.name), p.str(f.filename))
            })
            .collect()
    }

    #[test]
    fn frames_at_root_and_leaf() {
        let p = profile();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let got = add_label_frames(
            &p,
            &View::all(),
            &keys(&["k", "n"]),
            &keys(&["n"]),
            "minimum",
        )
        .unwrap();
        assert!(got.messages.is_empty());
        let q = &got.profile;
        // Leaf first: the leaf frame, the stack, then the roots (first key rootmost).
        assert_eq!(names(q, 0), ["2kB@n", "main@", "2kB@n", "a,b@k"]);
        assert_eq!(names(q, 1), ["@n", "main@", "@n", "@k"]);
        // New ids follow the largest existing ones, in order of first use.
        assert_eq!(q.locations.id[1..], [8, 9, 10, 11]);
        assert_eq!(q.functions[1].id, 4);
    }

    #[test]
    fn unmatched_keys_warn() {
        let p = profile();
        let got = add_label_frames(&p, &View::all(), &["zz".to_string()], &[], "minimum").unwrap();
        assert_eq!(got.messages, ["TagRoot expression matched no samples"]);
        assert!(add_label_frames(&p, &View::all(), &[], &[String::new()], "minimum").is_none());
    }
}
