//! The merge engine behind [`crate::combine::merge::merge`]: profiles added
//! one at a time into one output model, with pprof's keys and id order.
//!
//! A [`Merger`] holds only the merged result. Each added profile gets dense
//! tables from its own indices (strings, mappings, functions, locations) to
//! the merged ones, filled the first time an entity is used, so every entity
//! of an input is keyed and looked up once however many samples use it.
//! Samples are then found by their mapped stack and label set in a hash
//! table that stores only sample numbers and compares against the merged
//! arrays: no per-sample key is built or allocated. Label sets are keyed by
//! pprof's encoding of sorted labels once per distinct set of an input.
//!
//! The output is what pprof's `profile.Merge` makes of the same inputs in the
//! same order: entities and samples numbered 1..n in order of first use,
//! headers combined as `combineHeaders` does, input samples whose values are
//! all zero skipped, and the result re-merged (compacted) when some merged
//! samples sum to zero. Because the output only depends on the inputs in
//! order, a merger can take its inputs as they arrive and drop each one
//! after [`Merger::add`]: memory is the merged profile plus one input.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use crate::model::{Function, Label, Line, Mapping, Profile, Samples, ValueType, NONE};

type Map<K, V> = HashMap<K, V, RandomState>;

/// pprof's mapping key: size rounded up to 4 KiB, offset, build id or file.
#[derive(PartialEq, Eq, Hash)]
struct MappingKey {
    size: u64,
    offset: u64,
    build_id_or_file: u32,
}

/// Per-input tables from the input's indices to the merged ones ([`NONE`]
/// until first used).
struct InputMaps {
    strings: Vec<u32>,
    mappings: Vec<Option<(u32, i64)>>,
    functions: Vec<u32>,
    locations: Vec<u32>,
    /// Label lists of this input (its string indices) to merged label sets.
    label_sets: Map<Vec<Label>, u32>,
}

/// Builds a merged profile from profiles added in order (see the module doc).
pub struct Merger {
    out: Profile,
    hasher: RandomState,
    strings: HashTable<u32>,
    mapping_keys: Map<MappingKey, u32>,
    functions: HashTable<u32>,
    locations: HashTable<u32>,
    /// Each merged location's address relative to its mapping's start (its key).
    loc_key_addr: Vec<u64>,
    label_index: Map<Box<[u8]>, u32>,
    label_sets: Vec<Box<[Label]>>,
    samples: HashTable<u32>,
    stack_ends: Vec<u32>,
    stack_locs: Vec<u32>,
    values: Vec<i64>,
    /// Label set of each merged sample, [`NONE`] for none.
    sample_labels: Vec<u32>,
    nv: usize,
    lines: Vec<Line>,
    stack: Vec<u32>,
}

/// The hash of a sample key: its merged stack and label set.
#[inline]
fn sample_hash(h: &RandomState, stack: &[u32], set: u32) -> u64 {
    h.hash_one((stack, set))
}

/// The hash of a location key (pprof's: address relative to the mapping,
/// mapping, each line's function and line, the last line's column, folded).
fn location_hash(h: &RandomState, addr: u64, mapping: u32, folded: bool, lines: &[Line]) -> u64 {
    let mut s = h.build_hasher();
    addr.hash(&mut s);
    mapping.hash(&mut s);
    folded.hash(&mut s);
    lines.len().hash(&mut s);
    for l in lines {
        l.function.hash(&mut s);
        l.line.hash(&mut s);
    }
    lines.last().map_or(0, |l| l.column).hash(&mut s);
    s.finish()
}

/// Whether two line lists have the same location key part.
fn same_lines(a: &[Line], b: &[Line]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.function == y.function && x.line == y.line)
        && a.last().map(|l| l.column) == b.last().map(|l| l.column)
}

fn function_hash(h: &RandomState, f: &Function) -> u64 {
    h.hash_one((f.name, f.system_name, f.filename, f.start_line))
}

#[inline]
fn stack_of<'a>(ends: &[u32], locs: &'a [u32], i: u32) -> &'a [u32] {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &locs[start..ends[i] as usize]
}

impl Merger {
    /// An empty merger whose output has `first`'s sample types, period type
    /// and drop/keep frames (pprof takes them from the first profile). The
    /// other headers are combined from the profiles as they are added.
    pub fn new(first: &Profile) -> Merger {
        let mut m = Merger {
            out: Profile::default(),
            hasher: RandomState::default(),
            strings: HashTable::new(),
            mapping_keys: Map::default(),
            functions: HashTable::new(),
            locations: HashTable::new(),
            loc_key_addr: Vec::new(),
            label_index: Map::default(),
            label_sets: Vec::new(),
            samples: HashTable::new(),
            stack_ends: Vec::new(),
            stack_locs: Vec::new(),
            values: Vec::new(),
            sample_labels: Vec::new(),
            nv: first.num_values(),
            lines: Vec::new(),
            stack: Vec::new(),
        };
        m.intern("");
        let vt = |m: &mut Merger, v: ValueType| ValueType {
            ty: m.intern(first.str(v.ty)),
            unit: m.intern(first.str(v.unit)),
        };
        m.out.sample_types = first.sample_types.iter().map(|&t| vt(&mut m, t)).collect();
        m.out.period_type = vt(&mut m, first.period_type);
        m.out.drop_frames = m.intern(first.str(first.drop_frames));
        m.out.keep_frames = m.intern(first.str(first.keep_frames));
        m
    }

    /// pprof's check before a merge: `p` has the merger's period type and
    /// sample types (names and units, in order).
    pub fn check(&self, p: &Profile) -> Result<(), super::merge::MergeError> {
        super::merge::check_compatible(&self.out, p)
    }

    /// Number of samples merged so far.
    pub fn len(&self) -> usize {
        self.sample_labels.len()
    }

    /// True if no sample has been merged yet.
    pub fn is_empty(&self) -> bool {
        self.sample_labels.is_empty()
    }

    fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let strs = &self.out.strings;
        if let Some(&i) = self.strings.find(hash, |&i| strs.get(i) == s) {
            return i;
        }
        let Some(i) = self.out.strings.push(s) else {
            return 0;
        };
        let (strs, hasher) = (&self.out.strings, &self.hasher);
        self.strings
            .insert_unique(hash, i, |&j| hasher.hash_one(strs.get(j)));
        i
    }

    #[inline]
    fn map_string(&mut self, p: &Profile, maps: &mut InputMaps, s: u32) -> u32 {
        match maps.strings.get(s as usize) {
            Some(&m) if m != NONE => m,
            Some(_) => {
                let m = self.intern(p.str(s));
                maps.strings[s as usize] = m;
                m
            }
            None => 0,
        }
    }

    /// pprof's `combineHeaders`, one profile at a time: earliest time (a
    /// later zero time replaces it, as in pprof), summed durations, largest
    /// period, comments without duplicates, the first default sample type
    /// and doc URL.
    fn fold_headers(&mut self, p: &Profile) {
        let o = &mut self.out;
        if o.time_nanos == 0 || p.time_nanos < o.time_nanos {
            o.time_nanos = p.time_nanos;
        }
        o.duration_nanos = o.duration_nanos.wrapping_add(p.duration_nanos);
        if o.period == 0 || o.period < p.period {
            o.period = p.period;
        }
        for &c in &p.comments {
            let c = self.intern(p.str(c));
            if !self.out.comments.contains(&c) {
                self.out.comments.push(c);
            }
        }
        if self.out.default_sample_type == 0 {
            self.out.default_sample_type = self.intern(p.str(p.default_sample_type));
        }
        if self.out.doc_url == 0 {
            self.out.doc_url = self.intern(p.str(p.doc_url));
        }
    }

    /// Adds `p`, which must have the merger's sample types (the caller
    /// checks; a profile with another number of values is ignored).
    pub fn add(&mut self, p: &Profile) {
        if p.num_values() != self.nv {
            return;
        }
        let mut timer = crate::util::timing::Timer::from_env();
        self.fold_headers(p);
        let mut maps = InputMaps {
            strings: vec![NONE; p.strings.len()],
            mappings: vec![None; p.mappings.len()],
            functions: vec![NONE; p.functions.len()],
            locations: vec![NONE; p.locations.len()],
            label_sets: Map::default(),
        };
        if self.out.mappings.is_empty() && !p.mappings.is_empty() {
            // pprof maps the first input's first mapping (the main binary) first.
            self.map_mapping(p, &mut maps, 0);
        }
        let nv = self.nv;
        {
            let (ends, locs, hasher) = (&self.stack_ends, &self.stack_locs, &self.hasher);
            let labels = &self.sample_labels;
            self.samples.reserve(p.samples.len(), |&i| {
                sample_hash(hasher, stack_of(ends, locs, i), labels[i as usize])
            });
        }
        let mut stack = std::mem::take(&mut self.stack);
        for s in 0..p.samples.len() {
            let values = &p.samples.values[s * nv..(s + 1) * nv];
            if values.iter().all(|&v| v == 0) {
                continue;
            }
            stack.clear();
            for &l in p.samples.stack(s) {
                let m = match maps.locations.get(l as usize) {
                    Some(&m) if m != NONE => m,
                    _ => self.map_location(p, &mut maps, l),
                };
                stack.push(m);
            }
            let labels = p.samples.labels(s);
            let set = if labels.is_empty() {
                NONE
            } else {
                match maps.label_sets.get(labels) {
                    Some(&i) => i,
                    None => {
                        let i = self.label_set(p, labels);
                        maps.label_sets.insert(labels.to_vec(), i);
                        i
                    }
                }
            };
            let hash = sample_hash(&self.hasher, &stack, set);
            let (ends, locs, sl) = (&self.stack_ends, &self.stack_locs, &self.sample_labels);
            let found = self.samples.find(hash, |&i| {
                sl[i as usize] == set && stack_of(ends, locs, i) == &stack[..]
            });
            if let Some(&i) = found {
                let row = &mut self.values[i as usize * nv..(i as usize + 1) * nv];
                for (a, &v) in row.iter_mut().zip(values) {
                    *a = a.wrapping_add(v);
                }
                continue;
            }
            let idx = self.sample_labels.len() as u32;
            self.stack_locs.extend_from_slice(&stack);
            self.stack_ends.push(self.stack_locs.len() as u32);
            self.values.extend_from_slice(values);
            self.sample_labels.push(set);
            let (ends, locs, sl, hasher) = (
                &self.stack_ends,
                &self.stack_locs,
                &self.sample_labels,
                &self.hasher,
            );
            self.samples.insert_unique(hash, idx, |&i| {
                sample_hash(hasher, stack_of(ends, locs, i), sl[i as usize])
            });
        }
        self.stack = stack;
        timer.lap("merge: add");
    }

    /// The merged label set of a sample's labels: keyed by pprof's encoding
    /// (string labels by sorted key, then numeric labels with their units),
    /// its labels in the order pprof writes them. [`NONE`] when the labels
    /// carry nothing.
    fn label_set(&mut self, p: &Profile, labels: &[Label]) -> u32 {
        let gl = go_labels(p, labels);
        let mut key = Vec::new();
        for (k, vals) in &gl.strs {
            put_str(&mut key, k);
            put_uvarint(&mut key, vals.len() as u64);
            for v in vals {
                put_str(&mut key, v);
            }
        }
        for (k, vals, units) in &gl.nums {
            put_str(&mut key, k);
            put_uvarint(&mut key, vals.len() as u64);
            for &v in vals {
                put_uvarint(&mut key, v as u64);
            }
            put_uvarint(&mut key, units.len() as u64);
            for u in units {
                put_str(&mut key, u);
            }
        }
        if key.is_empty() {
            return NONE;
        }
        if let Some(&i) = self.label_index.get(&key[..]) {
            return i;
        }
        let mut out = Vec::new();
        for (k, vals) in &gl.strs {
            for v in vals {
                out.push(Label {
                    key: self.intern(k),
                    str: self.intern(v),
                    num: 0,
                    num_unit: 0,
                    kept_zero: false,
                });
            }
        }
        for (k, vals, units) in &gl.nums {
            for (i, &v) in vals.iter().enumerate() {
                let unit = if units.is_empty() {
                    0
                } else {
                    self.intern(units.get(i).copied().unwrap_or(""))
                };
                out.push(Label {
                    key: self.intern(k),
                    str: 0,
                    num: v,
                    num_unit: unit,
                    kept_zero: v == 0,
                });
            }
        }
        let i = self.label_sets.len() as u32;
        self.label_sets.push(out.into_boxed_slice());
        self.label_index.insert(key.into_boxed_slice(), i);
        i
    }

    fn map_mapping(&mut self, p: &Profile, maps: &mut InputMaps, i: u32) -> Option<(u32, i64)> {
        let src = *p.mappings.get(i as usize)?;
        if let Some(mi) = maps.mappings[i as usize] {
            return Some(mi);
        }
        let size = src.memory_limit.wrapping_sub(src.memory_start);
        let size = size.wrapping_add(0xfff);
        let size = size - size % 0x1000;
        let build_id = self.map_string(p, maps, src.build_id);
        let file = self.map_string(p, maps, src.filename);
        let key = MappingKey {
            size,
            offset: src.file_offset,
            build_id_or_file: if build_id != 0 { build_id } else { file },
        };
        if let Some(&m) = self.mapping_keys.get(&key) {
            let start = self.out.mappings[m as usize].memory_start;
            let mi = (m, (start as i64).wrapping_sub(src.memory_start as i64));
            maps.mappings[i as usize] = Some(mi);
            return Some(mi);
        }
        let idx = self.out.mappings.len() as u32;
        self.out.mappings.push(Mapping {
            id: u64::from(idx) + 1,
            filename: file,
            build_id,
            ..src
        });
        self.mapping_keys.insert(key, idx);
        maps.mappings[i as usize] = Some((idx, 0));
        Some((idx, 0))
    }

    fn map_function(&mut self, p: &Profile, maps: &mut InputMaps, f: u32) -> u32 {
        let Some(&src) = p.functions.get(f as usize) else {
            return NONE;
        };
        if maps.functions[f as usize] != NONE {
            return maps.functions[f as usize];
        }
        let key = Function {
            id: 0,
            name: self.map_string(p, maps, src.name),
            system_name: self.map_string(p, maps, src.system_name),
            filename: self.map_string(p, maps, src.filename),
            start_line: src.start_line,
        };
        let hash = function_hash(&self.hasher, &key);
        let fs = &self.out.functions;
        let found = self.functions.find(hash, |&i| {
            let g = &fs[i as usize];
            (g.name, g.system_name, g.filename, g.start_line)
                == (key.name, key.system_name, key.filename, key.start_line)
        });
        let idx = match found {
            Some(&i) => i,
            None => {
                let idx = self.out.functions.len() as u32;
                self.out.functions.push(Function {
                    id: u64::from(idx) + 1,
                    ..key
                });
                let (fs, hasher) = (&self.out.functions, &self.hasher);
                self.functions
                    .insert_unique(hash, idx, |&i| function_hash(hasher, &fs[i as usize]));
                idx
            }
        };
        maps.functions[f as usize] = idx;
        idx
    }

    fn map_location(&mut self, p: &Profile, maps: &mut InputMaps, l: u32) -> u32 {
        let locs = &p.locations;
        let li = l as usize;
        if li >= locs.len() {
            return NONE;
        }
        let mi = self.map_mapping(p, maps, locs.mapping[li]);
        let offset = mi.map_or(0, |m| m.1);
        let address = (locs.address[li] as i64).wrapping_add(offset) as u64;
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        for ln in locs.lines(l) {
            lines.push(Line {
                function: self.map_function(p, maps, ln.function),
                line: ln.line,
                column: ln.column,
            });
        }
        let (key_addr, mapping) = match mi {
            Some((m, _)) => (
                address.wrapping_sub(self.out.mappings[m as usize].memory_start),
                m,
            ),
            None => (address, NONE),
        };
        let folded = locs.is_folded[li];
        let hash = location_hash(&self.hasher, key_addr, mapping, folded, &lines);
        let (out, ka) = (&self.out.locations, &self.loc_key_addr);
        let found = self.locations.find(hash, |&i| {
            let i = i as usize;
            out.mapping[i] == mapping
                && ka[i] == key_addr
                && out.is_folded[i] == folded
                && same_lines(out.lines(i as u32), &lines)
        });
        let idx = match found {
            Some(&i) => i,
            None => {
                let out = &mut self.out.locations;
                let idx = out.id.len() as u32;
                out.id.push(u64::from(idx) + 1);
                out.mapping.push(mapping);
                out.address.push(address);
                out.is_folded.push(folded);
                out.lines.extend_from_slice(&lines);
                out.line_ends.push(out.lines.len() as u32);
                self.loc_key_addr.push(key_addr);
                let (out, ka, hasher) = (&self.out.locations, &self.loc_key_addr, &self.hasher);
                self.locations.insert_unique(hash, idx, |&i| {
                    let j = i as usize;
                    location_hash(
                        hasher,
                        ka[j],
                        out.mapping[j],
                        out.is_folded[j],
                        out.lines(i),
                    )
                });
                idx
            }
        };
        self.lines = lines;
        maps.locations[li] = idx;
        idx
    }

    /// The merged profile as it stands (zero samples included).
    fn into_profile(self) -> Profile {
        let mut out = self.out;
        let mut s = Samples {
            stack_ends: self.stack_ends,
            stack_locs: self.stack_locs,
            values: self.values,
            label_ends: Vec::with_capacity(self.sample_labels.len()),
            labels: Vec::new(),
        };
        for &set in &self.sample_labels {
            if set != NONE {
                s.labels.extend_from_slice(&self.label_sets[set as usize]);
            }
            s.label_ends.push(s.labels.len() as u32);
        }
        out.samples = s;
        out
    }

    /// The merged profile. When some merged samples sum to zero it is
    /// compacted as pprof does by merging it once more on its own
    /// ([`compact`]): they are dropped with everything only they used, and
    /// the rest is numbered again in order of first use.
    pub fn finish(self) -> Profile {
        let nv = self.nv;
        let has_zero = nv > 0
            && self
                .values
                .chunks_exact(nv)
                .any(|r| r.iter().all(|&v| v == 0));
        let out = self.into_profile();
        if has_zero {
            compact(out)
        } else {
            out
        }
    }
}

/// What pprof's `Merge` of the single merged profile `p` gives, without
/// its hashing: `p`'s entities are already unique by pprof's keys, so the
/// merge only drops the samples whose values are all zero and renumbers
/// what the others use in order of first use (the first mapping first, then
/// each location's mapping and functions when the location is first used).
/// Strings no longer used stay in the table.
pub fn compact(mut p: Profile) -> Profile {
    let nv = p.num_values();
    let n = p.samples.len();
    let keep: Vec<bool> = (0..n)
        .map(|s| {
            p.samples.values[s * nv..(s + 1) * nv]
                .iter()
                .any(|&v| v != 0)
        })
        .collect();
    let mut new_map = vec![NONE; p.mappings.len()];
    let mut new_fn = vec![NONE; p.functions.len()];
    let mut new_loc = vec![NONE; p.locations.len()];
    let (mut maps, mut fns, mut locs_order) = (Vec::new(), Vec::new(), Vec::new());
    if !p.mappings.is_empty() {
        new_map[0] = 0;
        maps.push(0u32);
    }
    for s in (0..n).filter(|&s| keep[s]) {
        for &l in p.samples.stack(s) {
            let Some(slot) = new_loc.get(l as usize) else {
                continue;
            };
            if *slot != NONE {
                continue;
            }
            let m = p.locations.mapping[l as usize];
            if let Some(nm) = new_map.get_mut(m as usize) {
                if *nm == NONE {
                    *nm = maps.len() as u32;
                    maps.push(m);
                }
            }
            for ln in p.locations.lines(l) {
                if let Some(nf) = new_fn.get_mut(ln.function as usize) {
                    if *nf == NONE {
                        *nf = fns.len() as u32;
                        fns.push(ln.function);
                    }
                }
            }
            new_loc[l as usize] = locs_order.len() as u32;
            locs_order.push(l);
        }
    }
    let remap = |t: &[u32], i: u32| t.get(i as usize).copied().unwrap_or(NONE);
    p.mappings = maps
        .iter()
        .enumerate()
        .map(|(i, &m)| Mapping {
            id: i as u64 + 1,
            ..p.mappings[m as usize]
        })
        .collect();
    p.functions = fns
        .iter()
        .enumerate()
        .map(|(i, &f)| Function {
            id: i as u64 + 1,
            ..p.functions[f as usize]
        })
        .collect();
    let old = std::mem::take(&mut p.locations);
    let locs = &mut p.locations;
    for (i, &l) in locs_order.iter().enumerate() {
        locs.id.push(i as u64 + 1);
        locs.mapping.push(remap(&new_map, old.mapping[l as usize]));
        locs.address.push(old.address[l as usize]);
        locs.is_folded.push(old.is_folded[l as usize]);
        for ln in old.lines(l) {
            locs.lines.push(Line {
                function: remap(&new_fn, ln.function),
                ..*ln
            });
        }
        locs.line_ends.push(locs.lines.len() as u32);
    }
    let old = std::mem::take(&mut p.samples);
    let s = &mut p.samples;
    for i in (0..n).filter(|&i| keep[i]) {
        s.stack_locs
            .extend(old.stack(i).iter().map(|&l| remap(&new_loc, l)));
        s.stack_ends.push(s.stack_locs.len() as u32);
        s.values
            .extend_from_slice(&old.values[i * nv..(i + 1) * nv]);
        s.labels.extend_from_slice(old.labels(i));
        s.label_ends.push(s.labels.len() as u32);
    }
    p
}

/// A sample's labels in pprof's in-memory form: string labels by key, and
/// numeric labels by key with their units (empty, or one per value), keys
/// sorted.
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
