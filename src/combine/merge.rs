//! Combining several profiles into one, with pprof's rules.
//!
//! [`combine`] is what pprof does with the sources of one command line:
//! keep only the sample types every profile has (in the first profile's
//! order), rescale values and periods to the finest unit of each type, and,
//! when there are at least two profiles, [`merge`] them with the engine in
//! [`crate::combine::merger`]: mappings, functions and locations are
//! de-duplicated by pprof's keys, samples are keyed by their merged stack and
//! their labels and summed, samples whose values are all zero are dropped,
//! and the result is compacted so that it only holds what its samples
//! reference. Ids are renumbered 1..n in order of first use, as pprof does,
//! so `-raw` and written profiles look the same.
//!
//! The rules that look at all profiles at once (common sample types, finest
//! units) are decided from their headers alone ([`plan`], one [`Plan`] per
//! profile, applied by [`apply_plan`]), so that a streaming merge can decide
//! them before it reads any samples ([`crate::combine::stream`]).
//!
//! [`apply_base`] implements `-base` / `-diff_base` / `-normalize` on top.

use std::collections::HashMap;

use thiserror::Error;

use crate::combine::merger::Merger;
use crate::model::measurement;
use crate::model::{Label, Profile, Samples, ValueType};

/// Why profiles could not be combined.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// No sample type is shared by all profiles.
    #[error("profiles have empty common sample type list")]
    NoCommonSampleTypes,
    /// A profile lacks a type the others share (a type listed twice elsewhere).
    #[error("{0:?} sample type is not found in profile")]
    MissingSampleType(String),
    /// Types that cannot be rescaled to one another (e.g. `cpu` and `space`).
    #[error("{what}: incompatible types: {a} {b}")]
    IncompatibleTypes {
        /// "period type" or "sample types".
        what: &'static str,
        /// The first type, `{type unit}`.
        a: String,
        /// The second type.
        b: String,
    },
    /// Period or sample types differ after rescaling.
    #[error("incompatible {what} {a} and {b}")]
    Incompatible {
        /// "period types" or "sample types".
        what: &'static str,
        /// The first profile's types.
        a: String,
        /// The other profile's types.
        b: String,
    },
}

fn vt_names(p: &Profile, v: ValueType) -> (&str, &str) {
    (p.str(v.ty), p.str(v.unit))
}

fn vt_string(p: &Profile, v: ValueType) -> String {
    let (t, u) = vt_names(p, v);
    format!("{{{t} {u}}}")
}

fn types_string(p: &Profile) -> String {
    let v: Vec<String> = p.sample_types.iter().map(|&t| vt_string(p, t)).collect();
    format!("[{}]", v.join(" "))
}

/// Index of `s` in `p`'s string table, added if missing.
pub fn string_index(p: &mut Profile, s: &str) -> u32 {
    if s.is_empty() && !p.strings.is_empty() {
        return 0;
    }
    if let Some(i) = p.strings.iter().position(|x| x == s) {
        return i as u32;
    }
    if p.strings.is_empty() {
        p.strings.push("");
        if s.is_empty() {
            return 0;
        }
    }
    p.strings.push(s).unwrap_or(0)
}

/// Keeps only the samples for which `keep` is true.
pub fn retain_samples(p: &mut Profile, keep: &[bool]) {
    if keep.iter().all(|&k| k) {
        return;
    }
    let nv = p.num_values();
    let old = std::mem::take(&mut p.samples);
    let mut s = Samples::default();
    for (i, &k) in keep.iter().enumerate().take(old.len()) {
        if !k {
            continue;
        }
        s.stack_locs.extend_from_slice(old.stack(i));
        s.stack_ends.push(s.stack_locs.len() as u32);
        s.values
            .extend_from_slice(&old.values[i * nv..(i + 1) * nv]);
        s.labels.extend_from_slice(old.labels(i));
        s.label_ends.push(s.labels.len() as u32);
    }
    p.samples = s;
}

/// pprof's `ScaleN`: multiplies value column `i` by `ratios[i]` (rounded),
/// and drops samples whose rescaled values are all zero. Nothing happens when
/// every ratio is 1.
pub fn scale_n(p: &mut Profile, ratios: &[f64]) {
    if ratios.iter().all(|&r| r == 1.0) || ratios.len() != p.num_values() {
        return;
    }
    let nv = p.num_values();
    let n = p.samples.len();
    let mut keep = vec![false; n];
    for (s, k) in keep.iter_mut().enumerate() {
        let row = &mut p.samples.values[s * nv..(s + 1) * nv];
        for (v, &r) in row.iter_mut().zip(ratios) {
            if r != 1.0 {
                *v = (*v as f64 * r).round() as i64;
                *k |= *v != 0;
            }
        }
    }
    retain_samples(p, &keep);
}

/// What the combining rules need to know of one profile: its sample types,
/// period type and default sample type, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeHeader {
    /// `(type, unit)` of each sample value, in order.
    pub types: Vec<(String, String)>,
    /// `(type, unit)` of the period (empty strings for none: pprof's
    /// decoder gives every profile a period type).
    pub period_type: (String, String),
    /// The default sample type's name (empty for none).
    pub default: String,
}

impl TypeHeader {
    /// The header of `p`.
    pub fn of(p: &Profile) -> TypeHeader {
        let vt = |v: ValueType| {
            let (t, u) = vt_names(p, v);
            (t.to_string(), u.to_string())
        };
        TypeHeader {
            types: p.sample_types.iter().map(|&t| vt(t)).collect(),
            period_type: vt(p.period_type),
            default: p.str(p.default_sample_type).to_string(),
        }
    }

    /// True if no type name is listed twice (then the rules keep every type
    /// of profiles that all have this header, and change nothing).
    pub fn has_distinct_types(&self) -> bool {
        self.types
            .iter()
            .enumerate()
            .all(|(i, t)| self.types[..i].iter().all(|u| u.0 != t.0))
    }
}

/// What pprof's combining rules do to one profile: which value columns it
/// keeps (in which order) and to which units they and the period are
/// rescaled. Made by [`plan`] from the headers of all the profiles combined.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Columns to keep, in order; `None` keeps them all as they are.
    remap: Option<Vec<usize>>,
    /// The default sample type after the columns change.
    default: String,
    /// The unit to rescale the period to, if any.
    period_unit: Option<String>,
    /// The unit to rescale each kept column to, if any.
    units: Vec<Option<String>>,
}

/// pprof's `CompatibilizeSampleTypes` then `ScaleProfiles`, decided from the
/// headers alone: the sample types present in all profiles (in the first
/// profile's order; a type listed twice in a profile is dropped), then the
/// finest unit of each type and of the period. One [`Plan`] per header, in
/// order; errors are pprof's, in pprof's order.
pub fn plan(headers: &[TypeHeader]) -> Result<Vec<Plan>, MergeError> {
    let Some(first) = headers.first() else {
        return Ok(Vec::new());
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for h in headers {
        for t in &h.types {
            *counts.entry(t.0.as_str()).or_insert(0) += 1;
        }
    }
    let common: Vec<&str> = first
        .types
        .iter()
        .map(|t| t.0.as_str())
        .filter(|name| counts.get(name) == Some(&headers.len()))
        .collect();
    if common.is_empty() {
        return Err(MergeError::NoCommonSampleTypes);
    }
    // Compatibilize: each profile's columns of the common types.
    let mut plans = Vec::with_capacity(headers.len());
    let mut types: Vec<Vec<&(String, String)>> = Vec::with_capacity(headers.len());
    for h in headers {
        let mut remap = Vec::with_capacity(common.len());
        let mut default = None;
        for name in &common {
            let idx = h
                .types
                .iter()
                .position(|t| t.0 == *name)
                .ok_or_else(|| MergeError::MissingSampleType(name.to_string()))?;
            if *name == h.default {
                default = Some(h.default.clone());
            }
            remap.push(idx);
        }
        let identity = remap.iter().enumerate().all(|(i, &j)| i == j);
        types.push(remap.iter().map(|&j| &h.types[j]).collect());
        let unchanged = identity && remap.len() == h.types.len();
        plans.push(Plan {
            default: if unchanged {
                h.default.clone()
            } else {
                default.unwrap_or_else(|| common[0].to_string())
            },
            remap: (!unchanged).then_some(remap),
            period_unit: None,
            units: vec![None; common.len()],
        });
    }
    // Scale: the finest unit of the period and of each type.
    let periods: Vec<(String, String)> = headers.iter().map(|h| h.period_type.clone()).collect();
    let period = common_value_type(&periods, "period type")?;
    let mut units = Vec::with_capacity(common.len());
    for i in 0..common.len() {
        let ts: Vec<(String, String)> = types.iter().map(|t| t[i].clone()).collect();
        units.push(common_value_type(&ts, "sample types")?.map(|t| t.1));
    }
    for plan in &mut plans {
        plan.period_unit = period.as_ref().map(|p| p.1.clone());
        plan.units.clone_from(&units);
    }
    Ok(plans)
}

/// Applies `plan` to `p`: drops and reorders value columns, rescales values
/// (rounded; samples whose rescaled values are all zero are dropped, as by
/// pprof's `ScaleN`) and the period.
pub fn apply_plan(plan: &Plan, p: &mut Profile) {
    if let Some(remap) = &plan.remap {
        p.default_sample_type = string_index(p, &plan.default);
        let nv = p.num_values();
        let old = std::mem::take(&mut p.samples.values);
        let mut values = Vec::with_capacity(p.samples.len() * remap.len());
        for row in old.chunks_exact(nv.max(1)) {
            values.extend(remap.iter().map(|&j| row[j]));
        }
        p.samples.values = values;
        p.sample_types = remap.iter().map(|&j| p.sample_types[j]).collect();
    }
    if let Some(unit) = &plan.period_unit {
        let from = p.str(p.period_type.unit).to_string();
        p.period = measurement::scale(p.period, &from, unit).0 as i64;
        p.period_type.unit = string_index(p, unit);
    }
    let mut ratios = vec![1.0; p.num_values()];
    for (i, u) in plan.units.iter().enumerate().take(ratios.len()) {
        if let Some(unit) = u {
            let from = p.str(p.sample_types[i].unit).to_string();
            ratios[i] = measurement::scale(1, &from, unit).0;
            p.sample_types[i].unit = string_index(p, unit);
        }
    }
    scale_n(p, &ratios);
}

/// pprof's `compatibleValueTypes`.
fn compatible_value_types(a: (&str, &str), b: (&str, &str)) -> bool {
    if a.0.strip_suffix('s').unwrap_or(a.0) != b.0.strip_suffix('s').unwrap_or(b.0) {
        return false;
    }
    if a.1 == b.1 {
        return true;
    }
    let fa = measurement::unit_family(a.1);
    fa.is_some() && fa == measurement::unit_family(b.1)
}

/// pprof's `CommonValueType`: the finest of compatible types, `None` for
/// fewer than two.
fn common_value_type(
    ts: &[(String, String)],
    what: &'static str,
) -> Result<Option<(String, String)>, MergeError> {
    if ts.len() <= 1 {
        return Ok(None);
    }
    let mut min = ts[0].clone();
    for t in &ts[1..] {
        if !compatible_value_types((&min.0, &min.1), (&t.0, &t.1)) {
            return Err(MergeError::IncompatibleTypes {
                what,
                a: format!("{{{} {}}}", min.0, min.1),
                b: format!("{{{} {}}}", t.0, t.1),
            });
        }
        if measurement::scale(1, &t.1, &min.1).0 < 1.0 {
            min = t.clone();
        }
    }
    Ok(Some(min))
}

/// pprof's `combineProfiles`: compatibilize, rescale, and merge when there is
/// more than one profile (a single profile is returned as is).
pub fn combine(mut ps: Vec<Profile>) -> Result<Profile, MergeError> {
    let headers: Vec<TypeHeader> = ps.iter().map(TypeHeader::of).collect();
    let plans = plan(&headers)?;
    for (p, plan) in ps.iter_mut().zip(&plans) {
        apply_plan(plan, p);
    }
    if ps.len() == 1 {
        return Ok(ps.pop().unwrap_or_default());
    }
    merge(&ps)
}

/// Labels the samples `key=value` (replacing their string values of `key`),
/// as pprof's `SetLabel`.
pub fn set_label(p: &mut Profile, key: &str, value: &str) {
    let k = string_index(p, key);
    let v = string_index(p, value);
    let old = std::mem::take(&mut p.samples.labels);
    let old_ends = std::mem::take(&mut p.samples.label_ends);
    let mut start = 0usize;
    for end in old_ends {
        for l in &old[start..end as usize] {
            if !(l.key == k && l.str != 0) {
                p.samples.labels.push(*l);
            }
        }
        p.samples.labels.push(Label {
            key: k,
            str: v,
            num: 0,
            num_unit: 0,
            kept_zero: false,
        });
        p.samples.label_ends.push(p.samples.labels.len() as u32);
        start = end as usize;
    }
}

/// pprof's `compatible`: identical period type and sample types.
pub fn check_compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
    if vt_names(a, a.period_type) != vt_names(b, b.period_type) {
        return Err(MergeError::Incompatible {
            what: "period types",
            a: vt_string(a, a.period_type),
            b: vt_string(b, b.period_type),
        });
    }
    let same = a.sample_types.len() == b.sample_types.len()
        && a.sample_types
            .iter()
            .zip(&b.sample_types)
            .all(|(&x, &y)| vt_names(a, x) == vt_names(b, y));
    if !same {
        return Err(MergeError::Incompatible {
            what: "sample types",
            a: types_string(a),
            b: types_string(b),
        });
    }
    Ok(())
}

/// pprof's `Normalize`: scales each value type of `p` by Σbase/Σp.
pub fn normalize(p: &mut Profile, base: &Profile) -> Result<(), MergeError> {
    check_compatible(p, base)?;
    let nv = p.num_values();
    let sums = |q: &Profile| {
        let mut s = vec![0i64; nv];
        for row in q.samples.values.chunks_exact(nv.max(1)) {
            for (a, &v) in s.iter_mut().zip(row) {
                *a = a.wrapping_add(v);
            }
        }
        s
    };
    let (b, s) = (sums(base), sums(p));
    let ratios: Vec<f64> = b
        .iter()
        .zip(&s)
        .map(|(&b, &s)| if s == 0 { 0.0 } else { b as f64 / s as f64 })
        .collect();
    scale_n(p, &ratios);
    Ok(())
}

/// `-base` / `-diff_base`: the base is (optionally labelled `pprof::base=true`
/// and the source normalized to it) negated and merged into the source.
pub fn apply_base(
    mut p: Profile,
    mut base: Profile,
    diff_base: bool,
    normalize_to_base: bool,
) -> Result<Profile, MergeError> {
    if diff_base {
        set_label(&mut base, "pprof::base", "true");
    }
    if normalize_to_base {
        normalize(&mut p, &base)?;
    }
    let n = base.num_values();
    scale_n(&mut base, &vec![-1.0; n]);
    combine(vec![p, base])
}

/// pprof's `Merge`: headers combined, entities de-duplicated, samples summed,
/// zero samples removed, result compacted (see [`Merger`]). The profiles
/// must have identical period and sample types (see [`combine`]).
pub fn merge(ps: &[Profile]) -> Result<Profile, MergeError> {
    let Some(first) = ps.first() else {
        return Ok(Profile::default());
    };
    for p in &ps[1..] {
        check_compatible(first, p)?;
    }
    let mut m = Merger::new(first);
    for p in ps {
        m.add(p);
    }
    Ok(m.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::legacy::Builder;

    /// A profile with the given types and one sample per row (stack: one address each).
    fn profile(types: &[&str], rows: &[&[i64]], time: i64) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        for t in types {
            b.sample_type(t, "count");
        }
        for (i, r) in rows.iter().enumerate() {
            let l = b.address(0x1000 + i as u64);
            b.sample(&[l], r, &[]);
        }
        let mut p = b.finish();
        p.time_nanos = time;
        p.duration_nanos = 5;
        p
    }

    #[test]
    fn common_types_follow_the_first_profile() {
        let a = profile(&["x", "y", "z"], &[&[1, 2, 3]], 0);
        let b = profile(&["z", "x"], &[&[30, 10]], 0);
        let m = combine(vec![a, b]).unwrap();
        assert_eq!(m.sample_type_names(), ["x", "z"]);
        // Same address, no labels: one sample, summed after reordering.
        assert_eq!(m.samples.values, [11, 33]);
        assert_eq!(m.str(m.default_sample_type), "x");
        let dup = profile(&["x", "x"], &[&[1, 1]], 0);
        assert_eq!(
            combine(vec![dup]).unwrap_err(),
            MergeError::NoCommonSampleTypes
        );
    }

    #[test]
    fn headers_follow_pprof() {
        let a = profile(&["x"], &[&[1]], 5);
        let b = profile(&["x"], &[&[1]], 0);
        // pprof's quirk: a later zero time replaces an earlier one.
        let m = merge(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(m.time_nanos, 0);
        let m = merge(&[b, a]).unwrap();
        assert_eq!(m.time_nanos, 5);
        assert_eq!(m.duration_nanos, 10);
        assert_eq!(m.samples.values, [2]);
    }

    #[test]
    fn scale_n_drops_samples_whose_scaled_values_are_zero() {
        let mut p = profile(&["x", "y"], &[&[5, 1], &[0, 0], &[3, 8]], 0);
        scale_n(&mut p, &[1.0, 0.1]);
        // Only rescaled columns decide: [5, 0] goes although 5 != 0.
        assert_eq!(p.samples.values, [3, 1]);
        assert_eq!(p.samples.len(), 1);
        let mut q = profile(&["x"], &[&[0], &[2]], 0);
        scale_n(&mut q, &[1.0]);
        assert_eq!(q.samples.len(), 2, "ratio 1 changes nothing");
    }

    #[test]
    fn cancelling_samples_are_compacted_away() {
        let a = profile(&["x"], &[&[4], &[1]], 0);
        let mut b = a.clone();
        b.samples.values = vec![-4, 0];
        let m = merge(&[a, b]).unwrap();
        assert_eq!(m.samples.values, [1]);
        assert_eq!(m.locations.len(), 1);
        assert_eq!(m.locations.address, [0x1001]);
        assert_eq!(m.locations.id, [1]);
    }
}
