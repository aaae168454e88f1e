//! Combining several profiles into one, with pprof's rules.
//!
//! [`combine`] is what pprof does with the sources of one command line:
//! keep only the sample types every profile has (in the first profile's
//! order), rescale values and periods to the finest unit of each type, and,
//! when there are at least two profiles, [`merge`] them. The merge builds a
//! new [`Profile`] directly (no intermediate prost message): mappings,
//! functions and locations are de-duplicated by pprof's keys, samples are
//! keyed by their merged stack and their labels and summed, samples whose
//! values are all zero are dropped, and the result is compacted so that it
//! only holds what its samples reference. Ids are renumbered 1..n in order of
//! first use, as pprof does, so `-raw` and written profiles look the same.
//!
//! [`apply_base`] implements `-base` / `-diff_base` / `-normalize` on top.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use thiserror::Error;

use crate::model::measurement;
use crate::model::{Function, Label, Line, Mapping, Profile, Samples, ValueType, NONE};

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

type Map<K, V> = HashMap<K, V, RandomState>;

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

/// pprof's `CompatibilizeSampleTypes`: keeps the sample types present in all
/// profiles, in the first profile's order.
pub fn compatibilize_sample_types(ps: &mut [Profile]) -> Result<(), MergeError> {
    let Some(first) = ps.first() else {
        return Ok(());
    };
    // pprof counts each type name over all profiles' type lists, and keeps
    // the first profile's types seen as often as there are profiles.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in ps.iter() {
        for &t in &p.sample_types {
            *counts.entry(p.str(t.ty)).or_insert(0) += 1;
        }
    }
    let common: Vec<String> = first
        .sample_types
        .iter()
        .map(|&t| first.str(t.ty))
        .filter(|name| counts.get(name) == Some(&ps.len()))
        .map(str::to_string)
        .collect();
    drop(counts);
    if common.is_empty() {
        return Err(MergeError::NoCommonSampleTypes);
    }
    for p in ps.iter_mut() {
        let mut remap = Vec::with_capacity(common.len());
        let mut default = None;
        let dflt = p.str(p.default_sample_type).to_string();
        for name in &common {
            let idx = p
                .sample_types
                .iter()
                .position(|&t| p.str(t.ty) == name)
                .ok_or_else(|| MergeError::MissingSampleType(name.clone()))?;
            if *name == dflt {
                default = Some(p.default_sample_type);
            }
            remap.push(idx);
        }
        let identity = remap.iter().enumerate().all(|(i, &j)| i == j);
        if identity && remap.len() == p.sample_types.len() {
            continue;
        }
        p.default_sample_type = default.unwrap_or(p.sample_types[remap[0]].ty);
        let nv = p.num_values();
        let old = std::mem::take(&mut p.samples.values);
        let mut values = Vec::with_capacity(p.samples.len() * remap.len());
        for row in old.chunks_exact(nv.max(1)) {
            values.extend(remap.iter().map(|&j| row[j]));
        }
        p.samples.values = values;
        p.sample_types = remap.iter().map(|&j| p.sample_types[j]).collect();
    }
    Ok(())
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

/// pprof's `ScaleProfiles`: rescales periods and values to the finest unit.
pub fn scale_profiles(ps: &mut [Profile]) -> Result<(), MergeError> {
    if ps.is_empty() {
        return Ok(());
    }
    let pts: Vec<(String, String)> = ps
        .iter()
        .map(|p| {
            let (t, u) = vt_names(p, p.period_type);
            (t.to_string(), u.to_string())
        })
        .collect();
    let period_type = common_value_type(&pts, "period type")?;
    let n = ps[0].sample_types.len();
    if let Some(p) = ps.iter().find(|p| p.sample_types.len() != n) {
        return Err(MergeError::Incompatible {
            what: "sample types",
            a: types_string(&ps[0]),
            b: types_string(p),
        });
    }
    let mut common = Vec::with_capacity(n);
    for i in 0..n {
        let ts: Vec<(String, String)> = ps
            .iter()
            .map(|p| {
                let (t, u) = vt_names(p, p.sample_types[i]);
                (t.to_string(), u.to_string())
            })
            .collect();
        common.push(common_value_type(&ts, "sample types")?);
    }
    for p in ps.iter_mut() {
        if let Some((_, unit)) = &period_type {
            let from = p.str(p.period_type.unit).to_string();
            p.period = measurement::scale(p.period, &from, unit).0 as i64;
            p.period_type.unit = string_index(p, unit);
        }
        let mut ratios = vec![1.0; n];
        for (i, c) in common.iter().enumerate() {
            if let Some((_, unit)) = c {
                let from = p.str(p.sample_types[i].unit).to_string();
                ratios[i] = measurement::scale(1, &from, unit).0;
                p.sample_types[i].unit = string_index(p, unit);
            }
        }
        scale_n(p, &ratios);
    }
    Ok(())
}

/// pprof's `combineProfiles`: compatibilize, rescale, and merge when there is
/// more than one profile (a single profile is returned as is).
pub fn combine(mut ps: Vec<Profile>) -> Result<Profile, MergeError> {
    compatibilize_sample_types(&mut ps)?;
    scale_profiles(&mut ps)?;
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
fn check_compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
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
/// zero samples removed, result compacted. The profiles must have identical
/// period and sample types (see [`combine`]).
pub fn merge(ps: &[Profile]) -> Result<Profile, MergeError> {
    let Some(first) = ps.first() else {
        return Ok(Profile::default());
    };
    for p in &ps[1..] {
        check_compatible(first, p)?;
    }
    let mut m = Merger::new(ps);
    for p in ps {
        m.add(p);
    }
    let out = m.finish();
    let nv = out.num_values();
    let has_zero = nv > 0
        && out
            .samples
            .values
            .chunks_exact(nv)
            .any(|r| r.iter().all(|&v| v == 0));
    if has_zero {
        let mut m = Merger::new(std::slice::from_ref(&out));
        m.add(&out);
        return Ok(m.finish());
    }
    Ok(out)
}

#[derive(PartialEq, Eq, Hash)]
struct MappingKey {
    size: u64,
    offset: u64,
    build_id_or_file: u32,
}

#[derive(PartialEq, Eq, Hash)]
struct LocationKey {
    addr: u64,
    mapping: u64,
    /// (function id, line) per line, then the last line's column (pprof's key
    /// keeps only that column).
    lines: Vec<(u32, i64)>,
    last_column: i64,
    folded: bool,
}

#[derive(PartialEq, Eq, Hash)]
struct FunctionKey {
    start_line: i64,
    name: u32,
    system_name: u32,
    filename: u32,
}

/// Builds the merged profile.
struct Merger {
    out: Profile,
    strings: Map<String, u32>,
    mapping_keys: Map<MappingKey, u32>,
    location_keys: Map<LocationKey, u32>,
    function_keys: Map<FunctionKey, u32>,
    sample_keys: Map<Vec<u8>, u32>,
    /// Label set (index into `label_sets`) of each output sample.
    sample_labels: Vec<Option<u32>>,
    /// Distinct label sets: (sample key part, output labels).
    label_sets: Vec<(Vec<u8>, Vec<Label>)>,
    sample_stacks: Vec<Vec<u32>>,
}

/// A sample's labels in pprof's in-memory form: string labels by key, and
/// numeric labels by key with their units (empty, or one per value).
struct GoLabels<'a> {
    strs: Vec<(&'a str, Vec<&'a str>)>,
    nums: Vec<(&'a str, Vec<i64>, Vec<&'a str>)>,
}

fn go_labels<'a>(p: &'a Profile, labels: &[Label]) -> GoLabels<'a> {
    let mut strs: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut nums: Vec<(&str, Vec<i64>, Vec<&str>)> = Vec::new();
    for l in labels {
        let key = p.str(l.key);
        if l.str != 0 {
            match strs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(p.str(l.str)),
                None => strs.push((key, vec![p.str(l.str)])),
            }
        } else if l.is_numeric() {
            let i = match nums.iter().position(|(k, _, _)| *k == key) {
                Some(i) => i,
                None => {
                    nums.push((key, Vec::new(), Vec::new()));
                    nums.len() - 1
                }
            };
            let (_, vals, units) = &mut nums[i];
            if l.num_unit != 0 {
                while units.len() < vals.len() {
                    units.push("");
                }
                units.push(p.str(l.num_unit));
            }
            vals.push(l.num);
        }
    }
    for (_, vals, units) in &mut nums {
        if !units.is_empty() {
            while units.len() < vals.len() {
                units.push("");
            }
        }
    }
    strs.sort_by(|a, b| a.0.cmp(b.0));
    nums.sort_by(|a, b| a.0.cmp(b.0));
    GoLabels { strs, nums }
}

fn put_uvarint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_uvarint(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

/// Per-source memo tables (source index → output index).
struct SourceMaps {
    mappings: Vec<Option<(u32, i64)>>,
    functions: Vec<u32>,
    locations: Vec<u32>,
}

impl Merger {
    fn new(ps: &[Profile]) -> Merger {
        let first = &ps[0];
        let mut m = Merger {
            out: Profile::default(),
            strings: Map::default(),
            mapping_keys: Map::default(),
            location_keys: Map::default(),
            function_keys: Map::default(),
            sample_keys: Map::default(),
            sample_labels: Vec::new(),
            label_sets: Vec::new(),
            sample_stacks: Vec::new(),
        };
        m.intern("");
        // Headers (pprof's combineHeaders).
        let (mut time, mut duration, mut period) = (0i64, 0i64, 0i64);
        let mut comments: Vec<u32> = Vec::new();
        let (mut default_type, mut doc_url) = (0u32, 0u32);
        for p in ps {
            if time == 0 || p.time_nanos < time {
                time = p.time_nanos;
            }
            duration = duration.wrapping_add(p.duration_nanos);
            if period == 0 || period < p.period {
                period = p.period;
            }
            for &c in &p.comments {
                let c = m.intern(p.str(c));
                if !comments.contains(&c) {
                    comments.push(c);
                }
            }
            if default_type == 0 {
                default_type = m.intern(p.str(p.default_sample_type));
            }
            if doc_url == 0 {
                doc_url = m.intern(p.str(p.doc_url));
            }
        }
        let vt = |m: &mut Merger, v: ValueType| ValueType {
            ty: m.intern(first.str(v.ty)),
            unit: m.intern(first.str(v.unit)),
        };
        m.out.sample_types = first.sample_types.iter().map(|&t| vt(&mut m, t)).collect();
        m.out.period_type = vt(&mut m, first.period_type);
        m.out.drop_frames = m.intern(first.str(first.drop_frames));
        m.out.keep_frames = m.intern(first.str(first.keep_frames));
        m.out.time_nanos = time;
        m.out.duration_nanos = duration;
        m.out.period = period;
        m.out.comments = comments;
        m.out.default_sample_type = default_type;
        m.out.doc_url = doc_url;
        m
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.out.strings.push(s).unwrap_or(0);
        self.strings.insert(s.to_string(), i);
        i
    }

    fn add(&mut self, p: &Profile) {
        let mut maps = SourceMaps {
            mappings: vec![None; p.mappings.len()],
            functions: vec![NONE; p.functions.len()],
            locations: vec![NONE; p.locations.len()],
        };
        if self.out.mappings.is_empty() && !p.mappings.is_empty() {
            self.map_mapping(p, &mut maps, 0);
        }
        let nv = p.num_values();
        let mut key = Vec::with_capacity(64);
        let mut stack = Vec::new();
        let mut label_cache: Map<Vec<(u32, u32, i64, u32)>, u32> = Map::default();
        for s in 0..p.samples.len() {
            let values = &p.samples.values[s * nv..(s + 1) * nv];
            if values.iter().all(|&v| v == 0) {
                continue;
            }
            key.clear();
            stack.clear();
            for &l in p.samples.stack(s) {
                let ml = self.map_location(p, &mut maps, l);
                stack.push(ml);
                put_uvarint(&mut key, u64::from(ml) + 1);
            }
            put_uvarint(&mut key, 0);
            let labels = p.samples.labels(s);
            let set = if labels.is_empty() {
                None
            } else {
                let raw: Vec<(u32, u32, i64, u32)> = labels
                    .iter()
                    .map(|l| (l.key, l.str, l.num, l.num_unit))
                    .collect();
                Some(match label_cache.get(&raw) {
                    Some(&i) => i,
                    None => {
                        let i = self.label_set(p, labels);
                        label_cache.insert(raw, i);
                        i
                    }
                })
            };
            if let Some(i) = set {
                key.extend_from_slice(&self.label_sets[i as usize].0);
            }
            if let Some(&i) = self.sample_keys.get(&key) {
                let row = &mut self.out.samples.values[i as usize * nv..(i as usize + 1) * nv];
                for (a, &v) in row.iter_mut().zip(values) {
                    *a = a.wrapping_add(v);
                }
                continue;
            }
            let idx = self.sample_stacks.len() as u32;
            self.sample_keys.insert(key.clone(), idx);
            self.out.samples.values.extend_from_slice(values);
            self.sample_stacks.push(stack.clone());
            self.sample_labels.push(set);
        }
    }

    /// Registers a sample's label set: its part of the sample key (pprof's
    /// encoding of sorted keys and values) and its labels in the output, in
    /// the order pprof writes them (string labels by key, then numeric ones).
    fn label_set(&mut self, p: &Profile, labels: &[Label]) -> u32 {
        let gl = go_labels(p, labels);
        let mut key = Vec::new();
        let mut out = Vec::new();
        for (k, vals) in &gl.strs {
            put_str(&mut key, k);
            put_uvarint(&mut key, vals.len() as u64);
            for v in vals {
                put_str(&mut key, v);
                let l = Label {
                    key: self.intern(k),
                    str: self.intern(v),
                    num: 0,
                    num_unit: 0,
                    kept_zero: false,
                };
                out.push(l);
            }
        }
        for (k, vals, units) in &gl.nums {
            put_str(&mut key, k);
            put_uvarint(&mut key, vals.len() as u64);
            for (i, &v) in vals.iter().enumerate() {
                put_uvarint(&mut key, v as u64);
                let unit = if units.is_empty() {
                    0
                } else {
                    self.intern(units.get(i).copied().unwrap_or(""))
                };
                let l = Label {
                    key: self.intern(k),
                    str: 0,
                    num: v,
                    num_unit: unit,
                    kept_zero: v == 0,
                };
                out.push(l);
            }
            put_uvarint(&mut key, units.len() as u64);
            for u in units {
                put_str(&mut key, u);
            }
        }
        self.label_sets.push((key, out));
        (self.label_sets.len() - 1) as u32
    }

    fn map_mapping(&mut self, p: &Profile, maps: &mut SourceMaps, i: u32) -> Option<(u32, i64)> {
        if i == NONE {
            return None;
        }
        if let Some(mi) = maps.mappings[i as usize] {
            return Some(mi);
        }
        let src = &p.mappings[i as usize];
        let size = src.memory_limit.wrapping_sub(src.memory_start);
        let size = size.wrapping_add(0xfff);
        let size = size - size % 0x1000;
        let build_id = p.str(src.build_id);
        let file = p.str(src.filename);
        let bof = if !build_id.is_empty() {
            self.intern(build_id)
        } else if !file.is_empty() {
            self.intern(file)
        } else {
            0
        };
        let key = MappingKey {
            size,
            offset: src.file_offset,
            build_id_or_file: bof,
        };
        if let Some(&m) = self.mapping_keys.get(&key) {
            let start = self.out.mappings[m as usize].memory_start;
            let mi = (m, (start as i64).wrapping_sub(src.memory_start as i64));
            maps.mappings[i as usize] = Some(mi);
            return Some(mi);
        }
        let idx = self.out.mappings.len() as u32;
        let mapping = Mapping {
            id: u64::from(idx) + 1,
            memory_start: src.memory_start,
            memory_limit: src.memory_limit,
            file_offset: src.file_offset,
            filename: self.intern(file),
            build_id: self.intern(build_id),
            has_functions: src.has_functions,
            has_filenames: src.has_filenames,
            has_line_numbers: src.has_line_numbers,
            has_inline_frames: src.has_inline_frames,
        };
        self.out.mappings.push(mapping);
        self.mapping_keys.insert(key, idx);
        maps.mappings[i as usize] = Some((idx, 0));
        Some((idx, 0))
    }

    fn map_function(&mut self, p: &Profile, maps: &mut SourceMaps, f: u32) -> u32 {
        if maps.functions[f as usize] != NONE {
            return maps.functions[f as usize];
        }
        let src = p.functions[f as usize];
        let key = FunctionKey {
            start_line: src.start_line,
            name: self.intern(p.str(src.name)),
            system_name: self.intern(p.str(src.system_name)),
            filename: self.intern(p.str(src.filename)),
        };
        let idx = match self.function_keys.get(&key) {
            Some(&i) => i,
            None => {
                let idx = self.out.functions.len() as u32;
                self.out.functions.push(Function {
                    id: u64::from(idx) + 1,
                    name: key.name,
                    system_name: key.system_name,
                    filename: key.filename,
                    start_line: key.start_line,
                });
                self.function_keys.insert(key, idx);
                idx
            }
        };
        maps.functions[f as usize] = idx;
        idx
    }

    fn map_location(&mut self, p: &Profile, maps: &mut SourceMaps, l: u32) -> u32 {
        if maps.locations[l as usize] != NONE {
            return maps.locations[l as usize];
        }
        let locs = &p.locations;
        let mi = self.map_mapping(p, maps, locs.mapping[l as usize]);
        let offset = mi.map_or(0, |m| m.1);
        let address = (locs.address[l as usize] as i64).wrapping_add(offset) as u64;
        let lines: Vec<Line> = locs
            .lines(l)
            .iter()
            .map(|ln| Line {
                function: self.map_function(p, maps, ln.function),
                line: ln.line,
                column: ln.column,
            })
            .collect();
        let (key_addr, key_mapping) = match mi {
            Some((m, _)) => {
                let mp = &self.out.mappings[m as usize];
                (address.wrapping_sub(mp.memory_start), mp.id)
            }
            None => (address, 0),
        };
        let key = LocationKey {
            addr: key_addr,
            mapping: key_mapping,
            lines: lines.iter().map(|ln| (ln.function, ln.line)).collect(),
            last_column: lines.last().map_or(0, |ln| ln.column),
            folded: locs.is_folded[l as usize],
        };
        let idx = match self.location_keys.get(&key) {
            Some(&i) => i,
            None => {
                let out = &mut self.out.locations;
                let idx = out.id.len() as u32;
                out.id.push(u64::from(idx) + 1);
                out.mapping.push(mi.map_or(NONE, |m| m.0));
                out.address.push(address);
                out.is_folded.push(key.folded);
                out.lines.extend_from_slice(&lines);
                out.line_ends.push(out.lines.len() as u32);
                self.location_keys.insert(key, idx);
                idx
            }
        };
        maps.locations[l as usize] = idx;
        idx
    }

    fn finish(mut self) -> Profile {
        let mut s = Samples {
            values: std::mem::take(&mut self.out.samples.values),
            ..Samples::default()
        };
        for (stack, labels) in self.sample_stacks.iter().zip(&self.sample_labels) {
            s.stack_locs.extend_from_slice(stack);
            s.stack_ends.push(s.stack_locs.len() as u32);
            if let Some(set) = labels {
                s.labels
                    .extend_from_slice(&self.label_sets[*set as usize].1);
            }
            s.label_ends.push(s.labels.len() as u32);
        }
        self.out.samples = s;
        self.out
    }
}

/// Gives a profile without mappings pprof's fake mapping (id 1, all zero),
/// attached to every location, as pprof's fetcher does before merging.
pub fn ensure_mapping(p: &mut Profile) {
    if !p.mappings.is_empty() {
        return;
    }
    p.mappings.push(Mapping {
        id: 1,
        ..Mapping::default()
    });
    for m in &mut p.locations.mapping {
        *m = 0;
    }
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
