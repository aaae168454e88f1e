//! The merge engine behind [`crate::combine::merge::merge`]: profiles added
//! one at a time into one output model, with pprof's keys and id order.
//!
//! A [`Merger`] holds only the merged result. Each added profile gets dense
//! tables from its own indices (strings, mappings, functions, locations) to
//! the merged ones, filled the first time an entity is used, so every entity
//! of an input is keyed and looked up once however many samples use it.
//! Samples are then found by their mapped stack and label set in a hash
//! table that stores only sample numbers and compares against the merged
//! arrays: no per-sample key is built or allocated. The merged samples'
//! stacks are kept in one array in order of first use (each input's new
//! stacks are copied there once the input is added), which the merged
//! profile takes as it is. Label sets are keyed once per distinct label
//! list of an input, by pprof's grouping of sorted labels written with
//! merged string ids ([`LabelSets::find_or_add`]).
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

/// A merged location's key as one record, so that a lookup that finds it
/// reads one place and its lines rather than four arrays (finding every
/// location of each of 300 inputs was a fifth of a merge's own time), and
/// its hash, so that growing the table hashes nothing again.
#[derive(Clone, Copy)]
struct LocKey {
    /// The address relative to the mapping's start.
    key_addr: u64,
    hash: u64,
    mapping: u32,
    /// Where its lines are in the merged `lines`.
    lines_start: u32,
    lines_len: u32,
    folded: bool,
}

impl LocKey {
    fn lines(&self) -> std::ops::Range<usize> {
        self.lines_start as usize..(self.lines_start + self.lines_len) as usize
    }
}

/// Per-input tables from the input's indices to the merged ones ([`NONE`]
/// until first used).
struct InputMaps {
    strings: Vec<u32>,
    mappings: Vec<Option<(u32, i64)>>,
    functions: Vec<u32>,
    locations: Vec<u32>,
}

impl InputMaps {
    /// Tables for `p` with nothing mapped yet.
    fn new(p: &Profile) -> InputMaps {
        InputMaps {
            strings: vec![NONE; p.strings.len()],
            mappings: vec![None; p.mappings.len()],
            functions: vec![NONE; p.functions.len()],
            locations: vec![NONE; p.locations.len()],
        }
    }
}

/// The merged label sets by their key ([`LabelSets::find_or_add`]): set `i`'s
/// key words and labels are its ranges of `keys` and `labels`. Apart from
/// the rest of the merger, so that an input's label lists are mapped on
/// one thread while its locations are on another.
#[derive(Default)]
struct LabelSets {
    index: HashTable<u32>,
    keys: Vec<u64>,
    key_ends: Vec<u32>,
    labels: Vec<Label>,
    label_ends: Vec<u32>,
    /// Scratch space for a label set's key and its labels' order.
    key: Vec<u64>,
    order: Vec<(u32, u32)>,
}

/// A sample's labels as (merged key id, index into its list), grouped by key.
type Grouped<'a> = &'a [(u32, u32)];

impl LabelSets {
    /// The merged label set of a sample's labels, its labels in the order
    /// pprof writes them; [`NONE`] when the labels carry nothing.
    ///
    /// pprof keeps a sample's labels as maps from each key to its values
    /// (numeric ones with their units: none, or one per value, `""` where a
    /// value has none), and merges samples by an encoding of those maps with
    /// sorted keys. The same groups come from the label list sorted stably
    /// by key, string labels first. The key here is those groups written
    /// with merged string ids instead of the strings (equal ids are equal
    /// strings), as words: a key that is already merged costs an array
    /// lookup per string, a short sort and one hash of a few words, where
    /// pprof's key hashed every string's bytes. Keys equal exactly when the
    /// label maps are equal; pprof's byte encoding, which has no marker
    /// between its string and numeric parts, could in principle also make
    /// two different maps of crafted keys equal, which this key does not.
    /// The labels' strings are merged first, in the order pprof's merge
    /// meets them ([`Merger::intern_label_strings`]); `ids` are the input's
    /// merged strings.
    fn find_or_add(
        &mut self,
        hasher: &RandomState,
        p: &Profile,
        ids: &[u32],
        labels: &[Label],
    ) -> u32 {
        let id = |s: u32| ids.get(s as usize).copied().unwrap_or(0);
        // A numeric label without a unit has `""` where its group has units.
        let unit_id = |l: &Label| if l.num_unit == 0 { 0 } else { id(l.num_unit) };
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        for (i, l) in labels.iter().enumerate() {
            if l.str != 0 {
                order.push((id(l.key), i as u32));
            }
        }
        let ns = order.len();
        for (i, l) in labels.iter().enumerate() {
            if l.is_numeric() {
                order.push((id(l.key), i as u32));
            }
        }
        // Stable: a key's values stay in the order the sample lists them.
        order[..ns].sort_by_key(|&(k, _)| k);
        order[ns..].sort_by_key(|&(k, _)| k);
        let (strs, nums) = order.split_at(ns);
        let label = |&(_, i): &(u32, u32)| &labels[i as usize];
        let has_units = |g: &[(u32, u32)]| g.iter().any(|e| label(e).num_unit != 0);
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for g in strs.chunk_by(|a, b| a.0 == b.0) {
            key.extend([u64::from(g[0].0), g.len() as u64]);
            key.extend(g.iter().map(|e| u64::from(id(label(e).str))));
        }
        if !nums.is_empty() {
            key.push(u64::MAX);
        }
        for g in nums.chunk_by(|a, b| a.0 == b.0) {
            key.extend([u64::from(g[0].0), g.len() as u64]);
            key.extend(g.iter().map(|e| label(e).num as u64));
            if has_units(g) {
                key.push(g.len() as u64);
                key.extend(g.iter().map(|e| u64::from(unit_id(label(e)))));
            } else {
                key.push(0);
            }
        }
        let set = if key.is_empty() {
            NONE
        } else {
            let hash = hasher.hash_one(&key[..]);
            let (keys, ends) = (&self.keys, &self.key_ends);
            let found = self
                .index
                .find(hash, |&i| key_words(keys, ends, i) == &key[..]);
            match found {
                Some(&i) => i,
                None => self.add_new(hasher, hash, &key, (strs, nums), (p, labels), ids),
            }
        };
        self.key = key;
        self.order = order;
        set
    }

    /// Adds the label set of key `key` (its hash `hash`), whose string and
    /// numeric labels are `strs` and `nums` ((merged key id, index into
    /// `labels`), grouped by key), with its labels in pprof's order: groups
    /// by key string, string labels first. Returns its number. `labels`
    /// are of `p`, whose strings are merged as `ids`; the groups are put in
    /// order by `p`'s strings, which are the merged ones.
    fn add_new(
        &mut self,
        hasher: &RandomState,
        hash: u64,
        key: &[u64],
        (strs, nums): (Grouped<'_>, Grouped<'_>),
        (p, labels): (&Profile, &[Label]),
        ids: &[u32],
    ) -> u32 {
        let id = |s: u32| ids.get(s as usize).copied().unwrap_or(0);
        let key_string = |g: &[(u32, u32)]| p.str(labels[g[0].1 as usize].key);
        let by_key_string = |a: &&[(u32, u32)], b: &&[(u32, u32)]| key_string(a).cmp(key_string(b));
        let mut str_groups: Vec<&[(u32, u32)]> = strs.chunk_by(|a, b| a.0 == b.0).collect();
        str_groups.sort_by(by_key_string);
        let mut num_groups: Vec<&[(u32, u32)]> = nums.chunk_by(|a, b| a.0 == b.0).collect();
        num_groups.sort_by(by_key_string);
        for &(key, i) in str_groups.iter().copied().flatten() {
            self.labels.push(Label {
                key,
                str: id(labels[i as usize].str),
                num: 0,
                num_unit: 0,
                kept_zero: false,
            });
        }
        for g in num_groups {
            let units = g.iter().any(|&(_, i)| labels[i as usize].num_unit != 0);
            for &(key, i) in g {
                let l = &labels[i as usize];
                self.labels.push(Label {
                    key,
                    str: 0,
                    num: l.num,
                    // A label without a unit has `""` where its group has units.
                    num_unit: if units && l.num_unit != 0 {
                        id(l.num_unit)
                    } else {
                        0
                    },
                    kept_zero: l.num == 0,
                });
            }
        }
        let i = self.key_ends.len() as u32;
        self.label_ends.push(self.labels.len() as u32);
        self.keys.extend_from_slice(key);
        self.key_ends.push(self.keys.len() as u32);
        let (keys, ends) = (&self.keys, &self.key_ends);
        self.index
            .insert_unique(hash, i, |&j| hasher.hash_one(key_words(keys, ends, j)));
        i
    }

    /// Makes room for `sets` more sets of `labels` labels in all, as if
    /// each were new (see [`Merger::prepare_label_lists`]).
    fn reserve(&mut self, hasher: &RandomState, sets: usize, labels: usize) {
        self.key_ends.reserve(sets);
        self.label_ends.reserve(sets);
        self.labels.reserve(labels);
        // A key has at most four words per label and three per list.
        self.keys.reserve(4 * labels + 3 * sets);
        let (keys, ends) = (&self.keys, &self.key_ends);
        self.index
            .reserve(sets, |&j| hasher.hash_one(key_words(keys, ends, j)));
    }

    /// The labels of merged label set `set`.
    fn labels_of(&self, set: u32) -> &[Label] {
        &self.labels[ends_range(&self.label_ends, set as usize)]
    }

    /// How many sets there are.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.key_ends.len()
    }
}

/// Builds a merged profile from profiles added in order (see the module doc).
pub struct Merger {
    out: Profile,
    hasher: RandomState,
    strings: HashTable<u32>,
    /// Each merged string's hash, so that growing `strings` hashes no
    /// text again (the second input of merge 2×200k: 66k strings, 3–4 ms
    /// on one thread).
    string_hashes: Vec<u64>,
    mapping_keys: Map<MappingKey, u32>,
    functions: HashTable<u32>,
    locations: HashTable<u32>,
    /// Each merged location's key, in one place (see [`LocKey`]).
    loc_keys: Vec<LocKey>,
    /// The merged label sets ([`LabelSets::find_or_add`]).
    label_sets: LabelSets,
    /// The merged samples, spread over shards by their key's hash so that
    /// large inputs are looked up on several threads.
    shards: Vec<Shard>,
    /// Every merged sample in order of first use: `local << 2 | shard`.
    order: Vec<u32>,
    /// The stacks of the merged samples, in order of first use, so that
    /// the merged profile takes them as they are; `frame_ends[i]` is where
    /// the stack of sample `order[i]` ends.
    frames: Vec<u32>,
    frame_ends: Vec<u32>,
    nv: usize,
    lines: Vec<Line>,
    /// Per input sample: its stack mapped to merged locations (at the
    /// input's own offsets), its label set, its key's hash.
    mapped: Vec<u32>,
    sets: Vec<u32>,
    hashes: Vec<u64>,
    /// Inputs with at least this many samples are cut into `threads` ranges.
    parallel_min: usize,
    /// An input's new locations and label lists are mapped on two threads
    /// when there are at least this many of each ([`MAP_TOGETHER`]).
    map_together: usize,
    threads: usize,
    /// Whether [`Merger::add`] first tries to find all of an input's
    /// locations (off only in tests, to compare with the ordered mapping).
    find_known: bool,
}

/// Number of sample shards (a power of two; `order` packs the shard in 2 bits).
const SHARDS: usize = 4;

/// Inputs with at least this many samples are looked up on several threads.
const PARALLEL_SAMPLES: usize = 20_000;

/// How many samples ahead the add asks for a sample's slot (and half as
/// many for its stack and values).
const AHEAD: usize = 16;

/// An input's new locations and its label lists are mapped on two threads
/// when there are at least this many of each.
const MAP_TOGETHER: usize = 4096;

/// An input sample with this label set is skipped (its values are all zero).
const SKIP: u32 = NONE - 1;

/// A slot of a shard's table: a merged sample, with a tag of its key's hash
/// (never 0; 0 marks an empty slot) and what its key is compared by, so
/// that a lookup reads its slot and the stack, and nothing else.
#[derive(Clone, Copy, Default)]
struct Slot {
    tag: u32,
    set: u32,
    local: u32,
    start: u32,
    len: u32,
}

/// The tag of a key's hash in its slot.
#[inline]
fn tag_of(hash: u64) -> u32 {
    (hash >> 32) as u32 | 1
}

/// Some of the merged samples: a table of them by key, their stacks,
/// values and label sets.
///
/// The table is open-addressed (linear probing, at most half full) rather
/// than a `hashbrown` table, so that the slot a lookup starts at is known
/// from the hash alone: [`Merger::add`] knows every input sample's hash
/// before it looks any up, and asks for the slots (and then the stacks and
/// values they point at) a few samples ahead ([`Shard::prefetch_slot`],
/// [`Shard::prefetch_sample`]). Without that, three quarters of a lookup's
/// time on a merge of 300 inputs was spent waiting for the slot's memory.
#[derive(Default)]
struct Shard {
    /// A power of two in length (or empty).
    slots: Vec<Slot>,
    /// Slots in use.
    used: usize,
    values: Vec<i64>,
    /// `(start, len, set)` of each sample of the shard: where its stack is
    /// in the merger's `frames`, or, for a sample made by the input being
    /// added (numbered `settled` or more), in that input's mapped stacks
    /// until [`Merger::add`] copies it to `frames` ([`Shard::settle`]). A
    /// slot holds the same start as its sample's `meta`.
    meta: Vec<(u32, u32, u32)>,
    /// The shard's samples before the input being added.
    settled: u32,
    /// The hash of each sample's key, so that growing the table places the
    /// samples again without hashing their stacks (on merge 2×200k, the
    /// second input's growth rehashed 6M frames: 2 % of the run's CPU).
    hashes: Vec<u64>,
}

impl Shard {
    /// Adds input sample `s` (key `stack`/`set`, hash `hash`; its stack is
    /// at `at` in the input's mapped stacks `mapped`): sums its values into
    /// the sample with the same key, or makes a new sample and returns its
    /// number in the shard and its slot. `frames` are the merger's.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        hash: u64,
        stack: &[u32],
        at: u32,
        set: u32,
        values: &[i64],
        frames: &[u32],
        mapped: &[u32],
    ) -> Option<(u32, u32)> {
        if (self.used + 1) * 2 > self.slots.len() {
            self.grow(self.used + 1);
        }
        let nv = values.len();
        let mask = self.slots.len() - 1;
        let tag = tag_of(hash);
        let mut i = hash as usize & mask;
        loop {
            let sl = self.slots[i];
            if sl.tag == 0 {
                break;
            }
            if sl.tag == tag
                && sl.set == set
                && sl.len as usize == stack.len()
                && self.stack(sl.local, sl.start, frames, mapped)[..stack.len()] == *stack
            {
                let i = sl.local as usize;
                for (a, &v) in self.values[i * nv..(i + 1) * nv].iter_mut().zip(values) {
                    *a = a.wrapping_add(v);
                }
                return None;
            }
            i = (i + 1) & mask;
        }
        let local = self.meta.len() as u32;
        self.values.extend_from_slice(values);
        let len = stack.len() as u32;
        self.meta.push((at, len, set));
        self.hashes.push(hash);
        self.slots[i] = Slot {
            tag,
            set,
            local,
            start: at,
            len,
        };
        self.used += 1;
        Some((local, i as u32))
    }

    /// The frames from sample `local`'s stack start `start` on: in `frames`,
    /// or in `mapped` for a sample of the input being added.
    #[inline]
    fn stack<'a>(&self, local: u32, start: u32, frames: &'a [u32], mapped: &'a [u32]) -> &'a [u32] {
        let all = if local < self.settled { frames } else { mapped };
        &all[start as usize..]
    }

    /// Sample `local`, made by the input being added, now has its stack at
    /// `start` in the merger's `frames`; `slot` is where [`Shard::add`] put
    /// it (looked for again should the table have grown since).
    fn settle(&mut self, local: u32, start: u32, slot: u32) {
        self.meta[local as usize].0 = start;
        let mask = self.slots.len() - 1;
        let mut i = slot as usize & mask;
        if self.slots[i].tag == 0 || self.slots[i].local != local {
            let hash = self.hashes[local as usize];
            i = hash as usize & mask;
            while self.slots[i].tag == 0 || self.slots[i].local != local {
                i = (i + 1) & mask;
            }
        }
        self.slots[i].start = start;
    }

    /// Makes the table big enough for `need` samples at most half full,
    /// placing the samples again by their keys' hashes.
    fn grow(&mut self, need: usize) {
        let cap = need.saturating_mul(2).next_power_of_two().max(16);
        if cap <= self.slots.len() {
            return;
        }
        self.slots = vec![Slot::default(); cap];
        let mask = cap - 1;
        for (local, (&hash, &(start, len, set))) in self.hashes.iter().zip(&self.meta).enumerate() {
            let mut i = hash as usize & mask;
            while self.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = Slot {
                tag: tag_of(hash),
                set,
                local: local as u32,
                start,
                len,
            };
        }
    }

    /// Starts loading the slot a lookup of `hash` begins at.
    #[inline]
    fn prefetch_slot(&self, hash: u64) {
        if !self.slots.is_empty() {
            let home = hash as usize & (self.slots.len() - 1);
            crate::util::prefetch::prefetch_at(&self.slots, home);
        }
    }

    /// Starts loading the stack and values of the sample in the slot a
    /// lookup of `hash` begins at, if it has the hash's tag (the sample the
    /// lookup usually finds). Best after [`Shard::prefetch_slot`] had time.
    #[inline]
    fn prefetch_sample(&self, hash: u64, nv: usize, frames: &[u32], mapped: &[u32]) {
        if self.slots.is_empty() {
            return;
        }
        let sl = self.slots[hash as usize & (self.slots.len() - 1)];
        if sl.tag == tag_of(hash) {
            let stack = self.stack(sl.local, sl.start, frames, mapped);
            crate::util::prefetch::prefetch_at(stack, 0);
            crate::util::prefetch::prefetch_at(&self.values, sl.local as usize * nv);
        }
    }

    /// Makes room for `samples` more samples (their values; their stacks
    /// go to the merger's `frames`), so that adding them never grows a
    /// buffer by copying it: on a large
    /// input, each doubling copied the shard into fresh pages (a third of
    /// `top -base`'s page faults on the two 300k-record heap profiles).
    ///
    /// A buffer that must grow gets room for three times as much more (the
    /// extra at most 64 MiB): the next input is often as large (the second
    /// of two), and room never written costs no memory, while growing again
    /// would copy the first input's samples (on merge 2×200k, 2 % of the
    /// run's CPU).
    fn reserve(&mut self, samples: usize, nv: usize) {
        fn ahead<T>(v: &mut Vec<T>, more: usize) {
            if v.capacity() - v.len() < more {
                let cap = (64 << 20) / std::mem::size_of::<T>().max(1);
                v.reserve(more.saturating_add(more.saturating_mul(2).min(cap)));
            }
        }
        ahead(&mut self.meta, samples);
        ahead(&mut self.hashes, samples);
        ahead(&mut self.values, samples * nv);
        self.grow(self.used + samples);
    }
}

/// Strings, functions and locations of an input are found in blocks of
/// this many: each block's keys are hashed and their likely merged entries
/// prefetched before any is compared, so that the block's waits for memory
/// overlap instead of following one another.
const FIND_BLOCK: usize = 16;

/// How many locations ahead [`Merger::map_new_locations`] asks for an
/// input location's entries.
const LOCATIONS_AHEAD: usize = 8;

/// How many function names [`Merger::mostly_new_functions`] looks up.
const NAME_SAMPLE: usize = 256;

/// The entry a lookup of `hash` in `table` would compare first ([`NONE`]
/// if none), for prefetching what it points at.
fn first_candidate(table: &HashTable<u32>, hash: u64) -> u32 {
    table.iter_hash(hash).next().map_or(NONE, |&i| i)
}

/// `shards` dealt out to `threads` threads (shard `k` to thread `k %
/// threads`), each thread's as an array indexed by shard.
fn shard_groups(shards: &mut [Shard], threads: usize) -> Vec<[Option<&mut Shard>; SHARDS]> {
    let mut groups: Vec<[Option<&mut Shard>; SHARDS]> = (0..threads)
        .map(|_| std::array::from_fn(|_| None))
        .collect();
    for (k, sh) in shards.iter_mut().enumerate() {
        groups[k % threads][k] = Some(sh);
    }
    groups
}

/// The shard of a key's hash (bits the shard's table does not use for its
/// slots' places).
#[inline]
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize & (SHARDS - 1)
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

impl Merger {
    /// An empty merger whose output has `first`'s sample types, period type
    /// and drop/keep frames (pprof takes them from the first profile). The
    /// other headers are combined from the profiles as they are added.
    pub fn new(first: &Profile) -> Merger {
        let mut m = Merger {
            out: Profile::default(),
            hasher: RandomState::default(),
            strings: HashTable::new(),
            string_hashes: Vec::new(),
            mapping_keys: Map::default(),
            functions: HashTable::new(),
            locations: HashTable::new(),
            loc_keys: Vec::new(),
            label_sets: LabelSets::default(),
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            order: Vec::new(),
            frames: Vec::new(),
            frame_ends: Vec::new(),
            nv: first.num_values(),
            lines: Vec::new(),
            mapped: Vec::new(),
            sets: Vec::new(),
            hashes: Vec::new(),
            parallel_min: PARALLEL_SAMPLES,
            map_together: MAP_TOGETHER,
            threads: crate::util::parallel::max_threads(),
            find_known: true,
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

    /// Adds large inputs on at most `threads` threads (at least one). One
    /// when other threads keep the cores busy, as loaders do in a merge of
    /// many inputs: there, splitting the add over threads only added work
    /// (merge-300: 14 % more CPU, 16 % more wall time).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// pprof's check before a merge: `p` has the merger's period type and
    /// sample types (names and units, in order).
    pub fn check(&self, p: &Profile) -> Result<(), super::merge::MergeError> {
        super::merge::check_compatible(&self.out, p)
    }

    /// Number of samples merged so far.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True if no sample has been merged yet.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        if let Some(i) = self.string_index(s, hash) {
            return i;
        }
        let Some(i) = self.out.strings.push(s) else {
            return 0;
        };
        debug_assert_eq!(i as usize, self.string_hashes.len());
        self.string_hashes.push(hash);
        let hashes = &self.string_hashes;
        self.strings.insert_unique(hash, i, |&j| hashes[j as usize]);
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

    /// Makes room in the entity tables and arrays for every string,
    /// function and location of `p` to be new. Then mapping never rehashes
    /// a table (which hashes every merged key again) nor copies an array
    /// into a larger one. Inputs that share most entities with the merged
    /// ones (a fleet's profiles of one binary) make the room once; on the
    /// merge of two 200k-sample profiles of different programs, the second
    /// input's strings rehashed their table, a tenth of its mapping.
    fn reserve_for(&mut self, p: &Profile) {
        let hasher = &self.hasher;
        let out = &mut self.out;
        out.strings.reserve(p.strings.len(), p.strings.text_len());
        out.functions.reserve(p.functions.len());
        let locs = &mut out.locations;
        let n = p.locations.len();
        locs.id.reserve(n);
        locs.mapping.reserve(n);
        locs.address.reserve(n);
        locs.is_folded.reserve(n);
        locs.line_ends.reserve(n);
        locs.lines.reserve(p.locations.lines.len());
        self.loc_keys.reserve(n);
        let out = &self.out;
        self.string_hashes.reserve(p.strings.len());
        let hashes = &self.string_hashes;
        self.strings
            .reserve(p.strings.len(), |&i| hashes[i as usize]);
        self.functions.reserve(p.functions.len(), |&i| {
            function_hash(hasher, &out.functions[i as usize])
        });
        let keys = &self.loc_keys;
        self.locations.reserve(n, |&i| keys[i as usize].hash);
    }

    /// Adds `p`, which must have the merger's sample types (the caller
    /// checks; a profile with another number of values is ignored).
    pub fn add(&mut self, p: &Profile) {
        if p.num_values() != self.nv {
            return;
        }
        let mut timer = crate::util::timing::Timer::from_env();
        self.fold_headers(p);
        let mut maps = InputMaps::new(p);
        self.reserve_for(p);
        let known = self.find_known && self.find_all_locations(p, &mut maps);
        timer.lap("merge: find");
        if self.out.mappings.is_empty() && !p.mappings.is_empty() {
            // pprof maps the first input's first mapping (the main binary) first.
            self.map_mapping(p, &mut maps, 0);
        }
        let nv = self.nv;
        let n = p.samples.len();
        // Samples may share stacks: `range_of(s)` is where sample `s`'s stack
        // lies in `stack_locs` (and in `mapped`).
        let ends = &p.samples.stack_ends;
        let range_of = |s: usize| ends_range(ends, p.samples.stack_index(s));
        let is_zero = |s: usize| {
            p.samples.values[s * nv..(s + 1) * nv]
                .iter()
                .all(|&v| v == 0)
        };
        // Large inputs are cut into one range of samples per thread.
        let ranges = if n >= self.parallel_min {
            crate::util::parallel::split_into(n, self.threads)
        } else {
            std::iter::once(0..n).collect()
        };
        let mut mapped = std::mem::take(&mut self.mapped);
        let mut sets = std::mem::take(&mut self.sets);
        let mut hashes = std::mem::take(&mut self.hashes);
        // Step 3 writes every frame's slot, on several threads: filling
        // the buffer first was a serial pass over fresh pages (22 MB for a
        // 200k-sample CPU profile, about 30 ms).
        let frames = ends.last().map_or(0, |&e| e as usize);
        mapped.clear();
        mapped.reserve(frames);
        sets.clear();
        sets.resize(n, SKIP);
        hashes.clear();
        hashes.resize(n, 0);
        // Each range's share of the per-sample buffers.
        let mut jobs = Vec::with_capacity(ranges.len());
        {
            let (mut s_rest, mut h_rest) = (&mut sets[..], &mut hashes[..]);
            for r in &ranges {
                let (sv, sr) = std::mem::take(&mut s_rest).split_at_mut(r.len());
                let (h, hr) = std::mem::take(&mut h_rest).split_at_mut(r.len());
                jobs.push((r.clone(), sv, h));
                (s_rest, h_rest) = (sr, hr);
            }
        }
        // 1. Each range lists, in order, the locations it uses first, and
        // numbers the label lists it meets (sets: SKIP for zero samples,
        // NONE for no labels, else the range's label list number).
        let firsts = {
            let locmap = &maps.locations;
            let shares = p.samples.shares_stacks();
            crate::util::parallel::run_each(jobs, |(r, sv, h)| {
                let mut seen = vec![0u64; p.locations.len().div_ceil(64)];
                // Samples that share a stack walk it once: the first nonzero
                // one meets the stack's locations first.
                let words = if shares && !known {
                    p.samples.stack_count().div_ceil(64)
                } else {
                    0
                };
                let mut walked = vec![0u64; words];
                // Sized for a label list in four samples: growing from
                // empty rehashed every list (merge 2×200k, where a third
                // of the labeled samples have lists of their own: 1.5 % of
                // the run's CPU).
                let mut lists: Map<&[Label], u32> =
                    Map::with_capacity_and_hasher(r.len() / 4, RandomState::default());
                let (mut locs, mut firsts) = (Vec::new(), Vec::new());
                // The last list met and its number: neighbours often share one.
                let mut last: (&[Label], u32) = (&[], NONE);
                for (j, s) in r.clone().enumerate() {
                    if is_zero(s) {
                        continue;
                    }
                    let k = p.samples.stack_index(s);
                    let stack = match walked.get_mut(k / 64) {
                        // Every location is merged: none to list.
                        _ if known => &[][..],
                        Some(w) if *w & 1 << (k % 64) != 0 => &[][..],
                        Some(w) => {
                            *w |= 1 << (k % 64);
                            p.samples.stack_at(k)
                        }
                        None => p.samples.stack_at(k),
                    };
                    for &l in stack {
                        let (w, b) = (l as usize / 64, 1u64 << (l % 64));
                        match seen.get_mut(w) {
                            Some(word) if *word & b == 0 => {
                                *word |= b;
                                if locmap[l as usize] == NONE {
                                    locs.push(l);
                                }
                            }
                            Some(_) => {}
                            None => locs.push(l),
                        }
                    }
                    let ls = p.samples.labels(s);
                    sv[j] = if ls.is_empty() {
                        NONE
                    } else if last.0 == ls {
                        last.1
                    } else {
                        let v = *lists.entry(ls).or_insert_with(|| {
                            firsts.push(s);
                            firsts.len() as u32 - 1
                        });
                        last = (ls, v);
                        v
                    };
                }
                (locs, firsts, (r, sv, h))
            })
        };
        timer.lap("merge: scan");
        // 2. New entities merged in order of first use (ranges in order),
        // and each range's label lists turned into merged label sets. The
        // lists' strings are interned first, so that the lists can then be
        // mapped on another thread while the locations are (merge 2×200k:
        // 63k new locations and 36k lists an input, each a few tens of
        // milliseconds on one thread).
        let nlists = self.prepare_label_lists(
            p,
            &mut maps,
            firsts.iter().flat_map(|f| f.1.iter().copied()),
        );
        let nlocs: usize = firsts.iter().map(|f| f.0.len()).sum();
        let together = self.threads > 1 && nlists.min(nlocs) >= self.map_together;
        let mut label_sets = std::mem::take(&mut self.label_sets);
        let hasher = self.hasher.clone();
        let lists = |sets: &mut LabelSets, ids: &[u32]| -> Vec<Vec<u32>> {
            firsts
                .iter()
                .map(|(_, label_firsts, _)| {
                    label_firsts
                        .iter()
                        .map(|&s| sets.find_or_add(&hasher, p, ids, p.samples.labels(s)))
                        .collect()
                })
                .collect()
        };
        let tables = if together {
            // The lists' strings are all merged: a copy of the string map
            // serves them while the locations add to it. That thread then
            // gives the merged stacks' arrays their room for this input,
            // which copies every stack merged so far (merge 2×200k: 12 MB,
            // 11–14 ms, at the second input), while the locations are still
            // being mapped; otherwise they grow when the new samples are
            // known.
            let ids = maps.strings.clone();
            let stacks = (
                std::mem::take(&mut self.frames),
                std::mem::take(&mut self.frame_ends),
                std::mem::take(&mut self.order),
            );
            let ((), (tables, stacks)) = crate::util::parallel::join(
                true,
                || self.map_new_locations(p, &mut maps, &firsts),
                || (lists(&mut label_sets, &ids), with_room_for(stacks, p)),
            );
            (self.frames, self.frame_ends, self.order) = stacks;
            tables
        } else {
            self.map_new_locations(p, &mut maps, &firsts);
            lists(&mut label_sets, &maps.strings)
        };
        self.label_sets = label_sets;
        let mut jobs = Vec::with_capacity(firsts.len());
        for ((_, _, job), table) in firsts.into_iter().zip(tables) {
            jobs.push((table, job));
        }
        timer.lap("merge: map");
        // 3. Every stack mapped to merged locations (in ranges of stacks;
        // a location only zero samples use maps to NONE and is never read),
        // then each range of samples writes its label sets and key hashes.
        {
            let locmap = &maps.locations;
            let nstacks = p.samples.stack_count();
            let stack_ranges = if ranges.len() > 1 {
                crate::util::parallel::split_into(nstacks, ranges.len())
            } else {
                std::iter::once(0..nstacks).collect()
            };
            let mut parts = Vec::with_capacity(stack_ranges.len());
            let (mut m_rest, mut at) = (&mut mapped.spare_capacity_mut()[..frames], 0usize);
            for r in stack_ranges {
                let end = end_before(ends, r.end);
                let (m, mr) = std::mem::take(&mut m_rest).split_at_mut(end - at);
                parts.push((at, m));
                (m_rest, at) = (mr, end);
            }
            assert_eq!(at, frames, "stack ranges cover every frame");
            crate::util::parallel::run_each(parts, |(base, m)| {
                let locs = &p.samples.stack_locs[base..base + m.len()];
                assert_eq!(locs.len(), m.len(), "every frame has a location");
                for (o, &l) in m.iter_mut().zip(locs) {
                    o.write(locmap.get(l as usize).copied().unwrap_or(NONE));
                }
            });
            // SAFETY: the parts are `mapped`'s first `frames` slots, one
            // after another (checked above), and each part wrote every slot
            // of its own (`locs` is as long as it).
            unsafe { mapped.set_len(frames) };
        }
        // Each range also counts what each shard may receive from it (an
        // upper bound: samples of the same key are summed into one), so that
        // the shards are sized once before the add.
        let mut room = [0usize; SHARDS];
        {
            let (hasher, mapped) = (&self.hasher, &mapped);
            let parts = crate::util::parallel::run_each(jobs, |(table, (r, sv, h))| {
                let mut room = [0usize; SHARDS];
                for (j, s) in r.enumerate() {
                    if sv[j] == SKIP {
                        continue;
                    }
                    if sv[j] != NONE {
                        sv[j] = table[sv[j] as usize];
                    }
                    let stack = &mapped[range_of(s)];
                    h[j] = sample_hash(hasher, stack, sv[j]);
                    room[shard_of(h[j])] += 1;
                }
                room
            });
            for part in parts {
                for (r, p) in room.iter_mut().zip(part) {
                    *r += p;
                }
            }
        }
        timer.lap("merge: hash");
        let stack = |s: usize| &mapped[range_of(s)];
        let values = |s: usize| &p.samples.values[s * nv..(s + 1) * nv];
        // Each thread takes whole shards (a small input: one thread, all of
        // them); new samples are listed with their input position, then put
        // in order of first use.
        let threads = ranges.len().clamp(1, SHARDS);
        let groups = shard_groups(&mut self.shards, threads);
        let (hashes_ref, sets_ref, frames) = (&hashes, &sets, &self.frames);
        let news = crate::util::parallel::run_each(groups, |mut mine| {
            for (sh, &samples) in mine.iter_mut().zip(&room) {
                if let Some(sh) = sh {
                    sh.reserve(samples, nv);
                }
            }
            // New samples: input position, `local << 2 | shard`, slot.
            let mut new: Vec<(u32, u32, u32)> = Vec::new();
            for s in 0..n {
                // The slots of later samples, then their stacks and values.
                if let Some(&h) = hashes_ref.get(s + AHEAD) {
                    if let Some(sh) = &mine[shard_of(h)] {
                        sh.prefetch_slot(h);
                    }
                }
                if let Some(&h) = hashes_ref.get(s + AHEAD / 2) {
                    if let Some(sh) = &mine[shard_of(h)] {
                        sh.prefetch_sample(h, nv, frames, &mapped);
                    }
                }
                if sets_ref[s] == SKIP {
                    continue;
                }
                let hash = hashes_ref[s];
                let k = shard_of(hash);
                let Some(sh) = mine[k].as_deref_mut() else {
                    continue;
                };
                let at = range_of(s).start as u32;
                let added = sh.add(hash, stack(s), at, sets_ref[s], values(s), frames, &mapped);
                if let Some((local, slot)) = added {
                    new.push((s as u32, local << 2 | k as u32, slot));
                }
            }
            new
        });
        let mut all: Vec<(u32, u32, u32)> = news.into_iter().flatten().collect();
        // Each thread's list is in input order: a stable sort merges the
        // runs in one pass (an unstable one took 4–6 ms on each input of
        // merge 2×200k, on one thread).
        all.sort_by_key(|&(s, _, _)| s);
        // The new samples' stacks join `frames` in order of first use: their
        // ends first, then, on the add's threads, the stacks copied by
        // ranges of them and each thread's shards told where they went.
        let (base, first) = (self.frames.len(), self.frame_ends.len());
        let mut end = base;
        self.frame_ends.reserve(all.len());
        self.order.reserve(all.len());
        for &(s, packed, _) in &all {
            end += range_of(s as usize).len();
            self.frame_ends.push(end as u32);
            self.order.push(packed);
        }
        let ends = &self.frame_ends[first..];
        let start_of = |j: usize| if j == 0 { base } else { ends[j - 1] as usize };
        crate::util::alloc::reserve_movable(&mut self.frames, end - base);
        let cuts = if all.len() >= self.parallel_min {
            crate::util::parallel::split_into(all.len(), threads)
        } else {
            std::iter::once(0..all.len()).collect()
        };
        let groups = shard_groups(&mut self.shards, cuts.len());
        let mut jobs = Vec::with_capacity(cuts.len());
        let mut rest = &mut self.frames.spare_capacity_mut()[..end - base];
        for (cut, group) in cuts.into_iter().zip(groups) {
            let len = start_of(cut.end) - start_of(cut.start);
            let (part, r) = std::mem::take(&mut rest).split_at_mut(len);
            jobs.push((cut, part, group));
            rest = r;
        }
        let all = &all;
        crate::util::parallel::run_each(jobs, |(cut, part, mut mine)| {
            let mut at = 0;
            for &(s, ..) in &all[cut] {
                let stack = stack(s as usize);
                for (o, &l) in part[at..at + stack.len()].iter_mut().zip(stack) {
                    o.write(l);
                }
                at += stack.len();
            }
            assert_eq!(at, part.len(), "the stacks fill their part");
            for (j, &(_, packed, slot)) in all.iter().enumerate() {
                if let Some(sh) = &mut mine[packed as usize & (SHARDS - 1)] {
                    sh.settle(packed >> 2, start_of(j) as u32, slot);
                }
            }
        });
        // SAFETY: the parts cover the `end - base` slots after `frames`'
        // length, one after another, and each part was written whole
        // (checked above).
        unsafe { self.frames.set_len(end) };
        for sh in &mut self.shards {
            sh.settled = sh.meta.len() as u32;
        }
        self.hashes = hashes;
        self.mapped = mapped;
        self.sets = sets;
        timer.lap("merge: add");
    }

    /// Maps input locations `locs` of each range of `firsts` (in order; a
    /// location met before is skipped), making the new ones.
    ///
    /// Stacks meet locations in no order of the input's tables, so that
    /// mapping each in turn waited for memory three or four times: its
    /// lines, their functions, the functions' strings (merge 2×200k: 10–19
    /// ms an input, on one thread, for 50k locations and 20k functions).
    /// Their functions are therefore keyed first, front to back through
    /// the input's tables ([`Merger::key_new_functions`]), and the
    /// locations then mapped in order of first use with the next ones'
    /// entries asked for ahead ([`LOCATIONS_AHEAD`]).
    fn map_new_locations<J>(
        &mut self,
        p: &Profile,
        maps: &mut InputMaps,
        firsts: &[(Vec<u32>, Vec<usize>, J)],
    ) {
        use crate::util::prefetch::prefetch_at;
        let order = || firsts.iter().flat_map(|f| f.0.iter().copied());
        self.key_new_functions(p, maps, order());
        let locs = &p.locations;
        let mut ahead = order().skip(LOCATIONS_AHEAD);
        for l in order() {
            if let Some(next) = ahead.next() {
                let next = next as usize;
                prefetch_at(&locs.address, next);
                prefetch_at(&locs.mapping, next);
                if next < locs.len() {
                    prefetch_at(&locs.lines, end_before(&locs.line_ends, next));
                }
            }
            if maps.locations.get(l as usize) == Some(&NONE) {
                self.map_location(p, maps, l);
            }
        }
    }

    /// Maps the functions of the lines of input locations `new` that are
    /// not mapped yet, front to back through the input's locations and
    /// functions: the strings of each are merged and a merged function of
    /// the same key found. A function of a new key is left for
    /// [`Merger::map_function`], which numbers it in order of first use
    /// with its strings now at hand.
    fn key_new_functions(
        &mut self,
        p: &Profile,
        maps: &mut InputMaps,
        new: impl Iterator<Item = u32>,
    ) {
        let (locs, nf) = (&p.locations, p.functions.len());
        let mut wanted_locs = vec![0u64; locs.len().div_ceil(64)];
        for l in new {
            if maps.locations.get(l as usize) == Some(&NONE) {
                wanted_locs[l as usize / 64] |= 1 << (l % 64);
            }
        }
        let mut wanted = vec![0u64; nf.div_ceil(64)];
        for l in set_bits(&wanted_locs) {
            for ln in locs.lines(l as u32) {
                let f = ln.function as usize;
                if f < nf && maps.functions[f] == NONE {
                    wanted[f / 64] |= 1 << (f % 64);
                }
            }
        }
        for f in set_bits(&wanted) {
            let key = self.function_key(p, maps, p.functions[f]);
            if let Some(idx) = self.find_function_key(&key, function_hash(&self.hasher, &key)) {
                maps.functions[f] = idx;
            }
        }
    }

    /// The merged label set of a sample's labels ([`LabelSets::find_or_add`]
    /// after interning their strings, as [`Merger::add`] does).
    #[cfg(test)]
    fn label_set(&mut self, p: &Profile, maps: &mut InputMaps, labels: &[Label]) -> u32 {
        self.merge_label_strings(p, maps, labels);
        self.label_sets
            .find_or_add(&self.hasher, p, &maps.strings, labels)
    }

    /// Merges the strings of label lists `lists` (samples of `p`, each a
    /// distinct label list of the input) that are not merged yet, list by
    /// list, so that the lists can then be mapped apart from the rest of the
    /// merger ([`LabelSets::find_or_add`]); and makes room for each list as
    /// a new set, so that the set tables never grow by copying while they
    /// are mapped (on a 200k-sample CPU profile, 36k sets: the
    /// reallocations' copies into fresh pages were a tenth of `merge: map`).
    /// Returns how many lists there are.
    fn prepare_label_lists(
        &mut self,
        p: &Profile,
        maps: &mut InputMaps,
        lists: impl Iterator<Item = usize>,
    ) -> usize {
        let (mut sets, mut labels) = (0usize, 0usize);
        for s in lists {
            let list = p.samples.labels(s);
            sets += 1;
            labels += list.len();
            self.merge_label_strings(p, maps, list);
        }
        self.label_sets.reserve(&self.hasher, sets, labels);
        sets
    }

    /// Interns the strings of `labels` that are not merged yet, in the order
    /// pprof's merge meets them ([`Merger::intern_label_strings`]); nothing
    /// when they all are.
    fn merge_label_strings(&mut self, p: &Profile, maps: &mut InputMaps, labels: &[Label]) {
        if !self.label_strings_known(p, maps, labels) {
            self.intern_label_strings(p, maps, labels);
        }
    }

    /// The labels of merged label set `set`.
    #[cfg(test)]
    fn set_labels(&self, set: u32) -> &[Label] {
        self.label_sets.labels_of(set)
    }

    /// True if every string `labels` use is already merged (their merged
    /// ids are then in `maps`); nothing is interned.
    fn label_strings_known(&self, p: &Profile, maps: &mut InputMaps, labels: &[Label]) -> bool {
        let mut known = |s: u32| self.find_string(p, maps, s).is_some();
        labels.iter().all(|l| {
            if l.str != 0 {
                known(l.key) && known(l.str)
            } else if l.is_numeric() {
                known(l.key) && (l.num_unit == 0 || known(l.num_unit))
            } else {
                true
            }
        })
    }

    /// Interns the strings of a new label set in the order pprof's merge
    /// meets them: groups by key string, string labels first, each string
    /// label's key then value, each numeric label's unit (when its group has
    /// units) then key.
    fn intern_label_strings(&mut self, p: &Profile, maps: &mut InputMaps, labels: &[Label]) {
        let by_key = |a: &usize, b: &usize| p.str(labels[*a].key).cmp(p.str(labels[*b].key));
        let mut strs: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].str != 0).collect();
        strs.sort_by(by_key);
        for i in strs {
            self.map_string(p, maps, labels[i].key);
            self.map_string(p, maps, labels[i].str);
        }
        let mut nums: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i].is_numeric())
            .collect();
        nums.sort_by(by_key);
        let same_key = |a: &usize, b: &usize| p.str(labels[*a].key) == p.str(labels[*b].key);
        for g in nums.chunk_by(same_key) {
            let units = g.iter().any(|&i| labels[i].num_unit != 0);
            for &i in g {
                if units && labels[i].num_unit != 0 {
                    self.map_string(p, maps, labels[i].num_unit);
                }
                self.map_string(p, maps, labels[i].key);
            }
        }
    }

    /// The merged key of mapping `src`, whose build id and file are the
    /// merged strings `build_id` and `file`.
    fn mapping_key(src: &Mapping, build_id: u32, file: u32) -> MappingKey {
        let size = src.memory_limit.wrapping_sub(src.memory_start);
        let size = size.wrapping_add(0xfff);
        let size = size - size % 0x1000;
        MappingKey {
            size,
            offset: src.file_offset,
            build_id_or_file: if build_id != 0 { build_id } else { file },
        }
    }

    /// Merged mapping `m`, and how far `src`'s addresses move to it.
    fn moved_to(&self, m: u32, src: &Mapping) -> (u32, i64) {
        let start = self.out.mappings[m as usize].memory_start;
        (m, (start as i64).wrapping_sub(src.memory_start as i64))
    }

    fn map_mapping(&mut self, p: &Profile, maps: &mut InputMaps, i: u32) -> Option<(u32, i64)> {
        let src = *p.mappings.get(i as usize)?;
        if let Some(mi) = maps.mappings[i as usize] {
            return Some(mi);
        }
        let build_id = self.map_string(p, maps, src.build_id);
        let file = self.map_string(p, maps, src.filename);
        let key = Self::mapping_key(&src, build_id, file);
        if let Some(&m) = self.mapping_keys.get(&key) {
            let mi = self.moved_to(m, &src);
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

    /// The merged function of key `key` (its hash `hash`), if there is one.
    fn find_function_key(&self, key: &Function, hash: u64) -> Option<u32> {
        let fs = &self.out.functions;
        self.functions
            .find(hash, |&i| {
                let g = &fs[i as usize];
                (g.name, g.system_name, g.filename, g.start_line)
                    == (key.name, key.system_name, key.filename, key.start_line)
            })
            .copied()
    }

    /// Input function `src`'s key in the merged profile: its strings
    /// merged (interned where new).
    fn function_key(&mut self, p: &Profile, maps: &mut InputMaps, src: Function) -> Function {
        Function {
            id: 0,
            name: self.map_string(p, maps, src.name),
            system_name: self.map_string(p, maps, src.system_name),
            filename: self.map_string(p, maps, src.filename),
            start_line: src.start_line,
        }
    }

    fn map_function(&mut self, p: &Profile, maps: &mut InputMaps, f: u32) -> u32 {
        let Some(&src) = p.functions.get(f as usize) else {
            return NONE;
        };
        if maps.functions[f as usize] != NONE {
            return maps.functions[f as usize];
        }
        let key = self.function_key(p, maps, src);
        let hash = function_hash(&self.hasher, &key);
        let idx = match self.find_function_key(&key, hash) {
            Some(i) => i,
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

    /// The merged location of key `key_addr`/`mapping`/`folded`/`lines`
    /// (its hash `hash`), if there is one.
    fn find_location_key(
        &self,
        hash: u64,
        key_addr: u64,
        mapping: u32,
        folded: bool,
        lines: &[Line],
    ) -> Option<u32> {
        let (all_lines, keys) = (&self.out.locations.lines, &self.loc_keys);
        self.locations
            .find(hash, |&i| {
                let k = &keys[i as usize];
                k.mapping == mapping
                    && k.key_addr == key_addr
                    && k.folded == folded
                    && k.lines_len as usize == lines.len()
                    && same_lines(&all_lines[k.lines()], lines)
            })
            .copied()
    }

    /// Where an input location at `address`, of mapping `mi` (merged, with
    /// the input's offset to it), lies in the merged profile: its address,
    /// its key's address (relative to the mapping) and its merged mapping.
    fn placed(&self, mi: Option<(u32, i64)>, address: u64) -> (u64, u64, u32) {
        let offset = mi.map_or(0, |m| m.1);
        let address = (address as i64).wrapping_add(offset) as u64;
        match mi {
            Some((m, _)) => (
                address,
                address.wrapping_sub(self.out.mappings[m as usize].memory_start),
                m,
            ),
            None => (address, address, NONE),
        }
    }

    fn map_location(&mut self, p: &Profile, maps: &mut InputMaps, l: u32) -> u32 {
        let locs = &p.locations;
        let li = l as usize;
        if li >= locs.len() {
            return NONE;
        }
        let mi = self.map_mapping(p, maps, locs.mapping[li]);
        let (address, key_addr, mapping) = self.placed(mi, locs.address[li]);
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        for ln in locs.lines(l) {
            lines.push(Line {
                function: self.map_function(p, maps, ln.function),
                line: ln.line,
                column: ln.column,
            });
        }
        let folded = locs.is_folded[li];
        let hash = location_hash(&self.hasher, key_addr, mapping, folded, &lines);
        let idx = match self.find_location_key(hash, key_addr, mapping, folded, &lines) {
            Some(i) => i,
            None => {
                let out = &mut self.out.locations;
                let idx = out.id.len() as u32;
                out.id.push(u64::from(idx) + 1);
                out.mapping.push(mapping);
                out.address.push(address);
                out.is_folded.push(folded);
                let lines_start = out.lines.len() as u32;
                out.lines.extend_from_slice(&lines);
                out.line_ends.push(out.lines.len() as u32);
                self.loc_keys.push(LocKey {
                    key_addr,
                    hash,
                    mapping,
                    lines_start,
                    lines_len: lines.len() as u32,
                    folded,
                });
                let keys = &self.loc_keys;
                self.locations
                    .insert_unique(hash, idx, |&i| keys[i as usize].hash);
                idx
            }
        };
        self.lines = lines;
        maps.locations[li] = idx;
        idx
    }

    /// Input string `s`'s merged string, if there is one (recorded in
    /// `maps`); nothing is interned. Out of range: `""`.
    fn find_string(&self, p: &Profile, maps: &mut InputMaps, s: u32) -> Option<u32> {
        if let Some(m) = Self::found_string(maps, s) {
            return Some(m);
        }
        let text = p.str(s);
        let m = self.string_index(text, self.hasher.hash_one(text))?;
        maps.strings[s as usize] = m;
        Some(m)
    }

    /// The merged string `s` (of hash `hash`), if it is merged.
    fn string_index(&self, s: &str, hash: u64) -> Option<u32> {
        let strs = &self.out.strings;
        self.strings.find(hash, |&i| strs.get(i) == s).copied()
    }

    /// [`Merger::map_mapping`] that only finds: `None` when the mapping is
    /// not merged yet, `Some(None)` for no mapping.
    fn find_mapping(
        &self,
        p: &Profile,
        maps: &mut InputMaps,
        i: u32,
    ) -> Option<Option<(u32, i64)>> {
        let Some(src) = p.mappings.get(i as usize) else {
            return Some(None);
        };
        if let Some(mi) = maps.mappings[i as usize] {
            return Some(Some(mi));
        }
        let build_id = self.find_string(p, maps, src.build_id)?;
        let file = self.find_string(p, maps, src.filename)?;
        let m = *self
            .mapping_keys
            .get(&Self::mapping_key(src, build_id, file))?;
        let mi = self.moved_to(m, src);
        maps.mappings[i as usize] = Some(mi);
        Some(Some(mi))
    }

    /// The merged string of input string `s` as `maps` records it (0 for
    /// an index out of range): `None` when it is not found yet (after
    /// [`Merger::find_strings`]: when it is not merged).
    fn found_string(maps: &InputMaps, s: u32) -> Option<u32> {
        match maps.strings.get(s as usize) {
            None => Some(0),
            Some(&m) if m != NONE => Some(m),
            Some(_) => None,
        }
    }

    /// The merged key of input function `src` once [`Merger::find_strings`]
    /// ran: `None` when one of its strings is not merged.
    fn found_function_key(maps: &InputMaps, src: &Function) -> Option<Function> {
        Some(Function {
            id: 0,
            name: Self::found_string(maps, src.name)?,
            system_name: Self::found_string(maps, src.system_name)?,
            filename: Self::found_string(maps, src.filename)?,
            start_line: src.start_line,
        })
    }

    /// True when most of `p`'s functions, judged by the names of up to
    /// [`NAME_SAMPLE`] of them spread over its table, are not merged: an
    /// input of another program, whose locations will nearly all be new.
    /// Finding its strings and functions first would then be wasted, as the
    /// mapping looks the missed ones up again (merge 2×200k, whose two
    /// inputs share 5k of their 66k strings and 200 of their 20k
    /// functions: 10–15 ms on one thread).
    fn mostly_new_functions(&self, p: &Profile) -> bool {
        let n = p.functions.len();
        let step = n.div_ceil(NAME_SAMPLE).max(1);
        let (mut found, mut missed) = (0usize, 0usize);
        for f in p.functions.iter().step_by(step) {
            let name = p.str(f.name);
            match self.string_index(name, self.hasher.hash_one(name)) {
                Some(_) => found += 1,
                None => missed += 1,
            }
        }
        missed > 3 * found
    }

    /// Finds every string of `p` that is already merged (recorded in
    /// `maps`), a block at a time (see [`FIND_BLOCK`]).
    fn find_strings(&self, p: &Profile, maps: &mut InputMaps) {
        let strs = &self.out.strings;
        let n = p.strings.len();
        let (mut hashes, mut cands) = ([0u64; FIND_BLOCK], [NONE; FIND_BLOCK]);
        for start in (0..n).step_by(FIND_BLOCK) {
            let block = start..(start + FIND_BLOCK).min(n);
            for (k, s) in block.clone().enumerate() {
                hashes[k] = self.hasher.hash_one(p.str(s as u32));
            }
            for k in 0..block.len() {
                cands[k] = first_candidate(&self.strings, hashes[k]);
                strs.prefetch_bounds(cands[k]);
            }
            for &c in &cands[..block.len()] {
                strs.prefetch_text(c);
            }
            for (k, s) in block.enumerate() {
                if maps.strings[s] == NONE {
                    if let Some(m) = self.string_index(p.str(s as u32), hashes[k]) {
                        maps.strings[s] = m;
                    }
                }
            }
        }
    }

    /// Finds every function of `p` that is already merged (recorded in
    /// `maps`), a block at a time, after [`Merger::find_strings`].
    fn find_functions(&self, p: &Profile, maps: &mut InputMaps) {
        let fs = &self.out.functions;
        let n = p.functions.len();
        let mut keys: [Option<(u64, Function)>; FIND_BLOCK] = [None; FIND_BLOCK];
        for start in (0..n).step_by(FIND_BLOCK) {
            let block = start..(start + FIND_BLOCK).min(n);
            for (k, f) in block.clone().enumerate() {
                keys[k] = None;
                if maps.functions[f] == NONE {
                    if let Some(key) = Self::found_function_key(maps, &p.functions[f]) {
                        keys[k] = Some((function_hash(&self.hasher, &key), key));
                    }
                }
            }
            for &(h, _) in keys[..block.len()].iter().flatten() {
                crate::util::prefetch::prefetch_at(
                    fs,
                    first_candidate(&self.functions, h) as usize,
                );
            }
            for (k, f) in block.enumerate() {
                if let Some(idx) = keys[k].and_then(|(h, key)| self.find_function_key(&key, h)) {
                    maps.functions[f] = idx;
                }
            }
        }
    }

    /// True if every location of `p` is already merged (and then mapped in
    /// `maps`, with the functions, mappings and strings they use). It stops
    /// at the first location that is not: what it found stays in `maps`,
    /// which is what mapping in order of first use would find too.
    ///
    /// Then no new entity needs numbering in order of first use, and
    /// [`Merger::add`] skips walking the input's stacks for that order. In
    /// a fleet's profiles of one program, and in the merge of 300 corpus
    /// profiles, nearly every input after the first few is such an input.
    /// An input of another program ([`Merger::mostly_new_functions`]) is
    /// not searched at all.
    ///
    /// Strings, then functions, then locations are found a block at a time
    /// (see [`FIND_BLOCK`]): in the merge of 300 profiles, finding one at a
    /// time waited for memory three or four times per location, a third
    /// of the merging thread's time.
    fn find_all_locations(&mut self, p: &Profile, maps: &mut InputMaps) -> bool {
        if self.out.locations.is_empty() || self.mostly_new_functions(p) {
            return false;
        }
        self.find_strings(p, maps);
        self.find_functions(p, maps);
        let mut lines = std::mem::take(&mut self.lines);
        let all = self.find_locations(p, maps, &mut lines);
        self.lines = lines;
        all
    }

    /// The location part of [`Merger::find_all_locations`], with `lines`
    /// as room for a block's merged lines.
    fn find_locations(&self, p: &Profile, maps: &mut InputMaps, lines: &mut Vec<Line>) -> bool {
        use crate::util::prefetch::prefetch_at;
        /// A location of the block: input index, key hash, key, its lines
        /// in `lines`, and the merged location its hash first points at.
        struct Pending {
            l: usize,
            hash: u64,
            key_addr: u64,
            mapping: u32,
            folded: bool,
            lines: std::ops::Range<usize>,
            cand: u32,
        }
        let (locs, keys) = (&p.locations, &self.loc_keys);
        let n = locs.len();
        let mut block: Vec<Pending> = Vec::with_capacity(FIND_BLOCK);
        for start in (0..n).step_by(FIND_BLOCK) {
            lines.clear();
            block.clear();
            for l in start..(start + FIND_BLOCK).min(n) {
                if maps.locations[l] != NONE {
                    continue;
                }
                let Some(mi) = self.find_mapping(p, maps, locs.mapping[l]) else {
                    return false;
                };
                let (_, key_addr, mapping) = self.placed(mi, locs.address[l]);
                let from = lines.len();
                for ln in locs.lines(l as u32) {
                    let function = match maps.functions.get(ln.function as usize) {
                        None => NONE,
                        Some(&NONE) => return false,
                        Some(&f) => f,
                    };
                    lines.push(Line {
                        function,
                        line: ln.line,
                        column: ln.column,
                    });
                }
                let folded = locs.is_folded[l];
                let hash = location_hash(&self.hasher, key_addr, mapping, folded, &lines[from..]);
                block.push(Pending {
                    l,
                    hash,
                    key_addr,
                    mapping,
                    folded,
                    lines: from..lines.len(),
                    cand: NONE,
                });
            }
            // The table's slots, then the keys they point at, then their
            // lines: each loop's loads are independent of one another.
            for q in &mut block {
                q.cand = first_candidate(&self.locations, q.hash);
                prefetch_at(keys, q.cand as usize);
            }
            for q in &block {
                if let Some(k) = keys.get(q.cand as usize) {
                    prefetch_at(&self.out.locations.lines, k.lines_start as usize);
                }
            }
            for q in &block {
                let found = self.find_location_key(
                    q.hash,
                    q.key_addr,
                    q.mapping,
                    q.folded,
                    &lines[q.lines.clone()],
                );
                let Some(idx) = found else {
                    return false;
                };
                maps.locations[q.l] = idx;
            }
        }
        true
    }

    /// The merged profile as it stands (zero samples included).
    fn into_profile(self) -> Profile {
        let mut out = self.out;
        let nv = self.nv;
        let n = self.order.len();
        // The stacks are `frames` as they are; the values and labels are
        // copied in order, by ranges of samples on several threads: first
        // each range's label ends counted from the range's start, then,
        // once the ranges' label counts are summed, each range's values
        // and labels copied and its label ends moved by the labels before
        // it. Nothing is written twice (merge 2×200k: 6 MB of values and
        // 13 MB of labels were zeroed, then copied over).
        let ranges = if n >= self.parallel_min {
            crate::util::parallel::split_into(n, self.threads)
        } else {
            std::iter::once(0..n).collect()
        };
        let (order, shards) = (&self.order, &self.shards);
        let label_sets = &self.label_sets;
        // A merged sample's values and labels, by its packed position.
        let sample = |packed: u32| {
            let sh = &shards[packed as usize & (SHARDS - 1)];
            let local = (packed >> 2) as usize;
            let (_, _, set) = sh.meta[local];
            let labels = if set == NONE {
                &[][..]
            } else {
                label_sets.labels_of(set)
            };
            (&sh.values[local * nv..(local + 1) * nv], labels)
        };
        let mut label_ends: Vec<u32> = Vec::with_capacity(n);
        let mut jobs = Vec::with_capacity(ranges.len());
        let mut rest = &mut label_ends.spare_capacity_mut()[..n];
        for r in &ranges {
            let (e, er) = std::mem::take(&mut rest).split_at_mut(r.len());
            jobs.push((r.clone(), e));
            rest = er;
        }
        let counts = crate::util::parallel::run_each(jobs, |(r, e)| {
            let mut count = 0u32;
            for (slot, &packed) in e.iter_mut().zip(&order[r]) {
                count += sample(packed).1.len() as u32;
                slot.write(count);
            }
            count
        });
        // SAFETY: the ranges cover `0..n` one after another, and each job
        // wrote every slot of its part (`e` is as long as its range).
        unsafe { label_ends.set_len(n) };
        let nlabels: usize = counts.iter().map(|&c| c as usize).sum();
        let mut values: Vec<i64> = Vec::with_capacity(n * nv);
        let mut labels: Vec<Label> = Vec::with_capacity(nlabels);
        let mut jobs = Vec::with_capacity(ranges.len());
        let (mut v_rest, mut l_rest, mut e_rest) = (
            &mut values.spare_capacity_mut()[..n * nv],
            &mut labels.spare_capacity_mut()[..nlabels],
            &mut label_ends[..],
        );
        let mut before = 0u32;
        for (r, &count) in ranges.into_iter().zip(&counts) {
            let (v, vr) = std::mem::take(&mut v_rest).split_at_mut(r.len() * nv);
            let (l, lr) = std::mem::take(&mut l_rest).split_at_mut(count as usize);
            let (e, er) = std::mem::take(&mut e_rest).split_at_mut(r.len());
            jobs.push((r, v, l, e, before));
            (v_rest, l_rest, e_rest) = (vr, lr, er);
            before += count;
        }
        crate::util::parallel::run_each(jobs, |(r, v, l, e, before)| {
            let mut at_label = 0usize;
            for (j, &packed) in order[r].iter().enumerate() {
                let (values, labels) = sample(packed);
                for (o, &x) in v[j * nv..(j + 1) * nv].iter_mut().zip(values) {
                    o.write(x);
                }
                for (o, &x) in l[at_label..].iter_mut().zip(labels) {
                    o.write(x);
                    at_label += 1;
                }
                e[j] += before;
            }
            assert_eq!(at_label, l.len(), "a range's labels are as counted");
        });
        // SAFETY: each job wrote all `nv` values of every sample of its
        // range and (checked above) every label slot of its part; the parts
        // cover both arrays one after another.
        unsafe {
            values.set_len(n * nv);
            labels.set_len(nlabels);
        }
        out.samples = Samples {
            stack_ends: self.frame_ends,
            stack_locs: self.frames,
            stack_of: Vec::new(),
            values,
            label_ends,
            labels,
        };
        out
    }

    /// True if some merged sample's values sum to zero: then [`Merger::finish`]
    /// compacts the result, and it differs from what more inputs added to
    /// this merger would make of it.
    pub fn has_zero_sum(&self) -> bool {
        let nv = self.nv;
        nv > 0
            && self.shards.iter().any(|sh| {
                sh.values
                    .chunks_exact(nv)
                    .any(|r| r.iter().all(|&v| v == 0))
            })
    }

    /// The sample types, period type and default sample type of the
    /// merged profile.
    pub fn type_header(&self) -> super::merge::TypeHeader {
        super::merge::TypeHeader::of(&self.out)
    }

    /// The merged profile. When some merged samples sum to zero it is
    /// compacted as pprof does by merging it once more on its own
    /// ([`compact`]): they are dropped with everything only they used, and
    /// the rest is numbered again in order of first use.
    pub fn finish(self) -> Profile {
        let mut timer = crate::util::timing::Timer::from_env();
        let has_zero = self.has_zero_sum();
        let out = self.into_profile();
        timer.lap("merge: finish");
        if has_zero {
            let out = compact(out);
            timer.lap("merge: compact");
            out
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

/// The merged stacks' arrays (`frames`, `frame_ends`, `order`) with room
/// for every sample of `p` as a new sample: the most one input can add.
fn with_room_for(
    (mut frames, mut ends, mut order): (Vec<u32>, Vec<u32>, Vec<u32>),
    p: &Profile,
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = p.samples.len();
    crate::util::alloc::reserve_movable(
        &mut frames,
        (0..n).map(|s| p.samples.stack(s).len()).sum(),
    );
    ends.reserve(n);
    order.reserve(n);
    (frames, ends, order)
}

/// The indices of the set bits of `words` (bit `i % 64` of word `i / 64`),
/// in order.
fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                i
            })
        })
    })
}

/// Where the items before item `i` end in an array cut by `ends` (each
/// item's end): the start of item `i`, or the array's end when `i` is the
/// number of items.
fn end_before(ends: &[u32], i: usize) -> usize {
    if i == 0 {
        0
    } else {
        ends[i - 1] as usize
    }
}

/// Where item `i` lies in an array cut by `ends`.
fn ends_range(ends: &[u32], i: usize) -> std::ops::Range<usize> {
    end_before(ends, i)..ends[i] as usize
}

/// The key words of merged label set `i`.
fn key_words<'a>(keys: &'a [u64], ends: &[u32], i: u32) -> &'a [u64] {
    &keys[ends_range(ends, i as usize)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::legacy::Builder;

    #[test]
    fn a_shards_table_finds_every_key_while_it_grows() {
        let hasher = RandomState::default();
        let mut sh = Shard::default();
        let mut frames = Vec::new();
        // Keys that differ only in their set, or in one frame, or in length.
        let key = |i: u32| -> (Vec<u32>, u32) {
            ((0..1 + i % 7).map(|d| d * 3 + i / 7).collect(), i % 3)
        };
        for round in 0..3i64 {
            // Each round is an input: its stacks one after another, each
            // key twice (the second finds the first while it is still in
            // the input's stacks); the table grows during the first.
            // (Other stacks first, so that no stack is where it will be in
            // `frames`.)
            let mut mapped = vec![u32::MAX; 3 + round as usize];
            let mut at = Vec::new();
            for i in 0..5000u32 {
                at.push(mapped.len() as u32);
                mapped.extend(key(i).0);
            }
            let mut new = Vec::new();
            for twice in 0..2 {
                for i in 0..5000u32 {
                    let (stack, set) = key(i);
                    let hash = sample_hash(&hasher, &stack, set);
                    let at = at[i as usize];
                    let added = sh.add(hash, &stack, at, set, &[1, round], &frames, &mapped);
                    assert_eq!(
                        added.is_some(),
                        round == 0 && twice == 0,
                        "key {i}, round {round}"
                    );
                    new.extend(added.map(|(local, slot)| (i, local, slot)));
                }
            }
            for (i, local, slot) in new {
                let start = frames.len() as u32;
                frames.extend(key(i).0);
                sh.settle(local, start, slot);
            }
            sh.settled = sh.meta.len() as u32;
        }
        assert_eq!(sh.meta.len(), 5000);
        assert!(sh.used * 2 <= sh.slots.len());
        // Every sample summed both of all three rounds.
        assert!(sh.values.chunks(2).all(|v| v == [6, 6]));
        // Every slot and sample points at its own stack in `frames`.
        for sl in sh.slots.iter().filter(|sl| sl.tag != 0) {
            let (start, len, _) = sh.meta[sl.local as usize];
            assert_eq!((sl.start, sl.len), (start, len));
            let stack = &frames[start as usize..][..len as usize];
            assert_eq!(stack, &key(sl.local).0[..]);
        }
    }

    /// A profile of `n` samples over 300 stacks of 50 addresses, some with
    /// labels, values from `seed` (some zero, some negative).
    fn big(n: usize, seed: i64) -> Profile {
        big_over(n, seed, (0..50).collect())
    }

    /// [`big`] with its addresses entered into the location table in the
    /// order `table` gives (address `i` is `0x1000 + 16 i`; `table` may
    /// name addresses beyond the 50 that samples use).
    fn big_over(n: usize, seed: i64, table: Vec<u64>) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        b.sample_type("samples", "count");
        b.sample_type("cpu", "nanoseconds");
        let mut locs = [0; 50];
        for i in table {
            let l = b.address(0x1000 + i * 16);
            if let Some(slot) = locs.get_mut(i as usize) {
                *slot = l;
            }
        }
        for i in 0..n {
            let k = (i * 7919) % 300;
            let stack: Vec<u32> = (0..(3 + k % 9))
                .map(|d| locs[(k * 31 + d * 17) % 50])
                .collect();
            let v = ((i as i64 * 13 + seed) % 7) - 2;
            let labels = if k % 3 == 0 {
                vec![Label {
                    key: b.str("shard"),
                    str: b.str(&format!("s{}", k % 5)),
                    ..Label::default()
                }]
            } else {
                Vec::new()
            };
            b.sample(&stack, &[v, v * 10], &labels);
        }
        b.finish()
    }

    fn merged(ps: &[Profile], parallel_min: usize, threads: usize) -> Profile {
        let mut m = Merger::new(&ps[0]);
        m.parallel_min = parallel_min;
        m.threads = threads;
        // From 10 samples up, locations and label lists are also mapped
        // side by side whenever an input has both.
        if parallel_min <= 10 {
            m.map_together = 1;
        }
        for p in ps {
            m.add(p);
        }
        m.finish()
    }

    /// A profile of `n` samples over locations and label values of its own
    /// (`req-…`, `bytes` with a unit), some labels listed twice.
    fn labeled(n: usize) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        b.sample_type("samples", "count");
        b.sample_type("cpu", "nanoseconds");
        let locs: Vec<u32> = (0..40).map(|i| b.address(0x9000 + i * 16)).collect();
        for i in 0..n {
            let stack = [locs[i % 40], locs[(i * 7) % 40], locs[(i * 3 + 1) % 40]];
            let mut labels = vec![Label {
                key: b.str("req"),
                str: b.str(&format!("req-{}", i % 97)),
                ..Label::default()
            }];
            if i % 4 == 0 {
                labels.push(Label {
                    key: b.str("bytes"),
                    num: (i % 13) as i64,
                    num_unit: b.str("bytes"),
                    ..Label::default()
                });
                labels.push(Label {
                    key: b.str("req"),
                    str: b.str("again"),
                    ..Label::default()
                });
            }
            b.sample(&stack, &[1, i as i64], &labels);
        }
        b.finish()
    }

    /// A profile of `n` functions, one frame each (`f0`, `f1`…), and one
    /// sample per function over it and the frame before.
    fn functions(n: usize) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        b.sample_type("cpu", "nanoseconds");
        let frames: Vec<u32> = (0..n)
            .map(|i| {
                b.frame(
                    &format!("f{i}"),
                    &format!("file{}.go", i % 7),
                    10 + i as i64,
                )
            })
            .collect();
        for i in 0..n {
            let stack = [frames[i], frames[i.saturating_sub(1)]];
            b.sample(&stack, &[1 + i as i64], &[]);
        }
        b.finish()
    }

    #[test]
    fn tables_grown_past_the_first_inputs_size_still_find_its_entities() {
        // The tables are sized for the first input (30 functions); the
        // second has 2,000, its first 30 the first input's, so the tables
        // grow, rehashing the first input's entries, and must still find them.
        let (a, b) = (functions(30), functions(2_000));
        let m = merged(&[a, b.clone()], usize::MAX, 1);
        assert_eq!(m.functions.len(), 2_000);
        assert_eq!(m.locations.len(), 2_000);
        assert_eq!(m.strings.len(), b.strings.len());
        // f0..f29's samples appear in both inputs and are merged.
        assert_eq!(m.samples.len(), 2_000);
        let by_value: i64 = m.samples.values.iter().sum();
        assert_eq!(by_value, (1..=2_000).sum::<i64>() + (1..=30).sum::<i64>());
    }

    #[test]
    fn inputs_of_merged_locations_skip_the_ordered_walk_and_merge_the_same() {
        let a = big(900, 1);
        // The same addresses entered backwards, so the table's order is not
        // the order of first use; then with one address more, never used.
        let backwards = big_over(1300, 3, (0..50).rev().collect());
        let extra = big_over(700, 5, (0..51).rev().collect());
        let mut m = Merger::new(&a);
        m.add(&a);
        let mut maps = InputMaps::new(&backwards);
        assert!(m.find_all_locations(&backwards, &mut maps));
        let mut maps = InputMaps::new(&extra);
        assert!(!m.find_all_locations(&extra, &mut maps));
        for ps in [
            [a.clone(), backwards.clone(), extra.clone()],
            [extra, a, backwards],
        ] {
            let run = |find_known: bool| {
                let mut m = Merger::new(&ps[0]);
                m.find_known = find_known;
                for p in &ps {
                    m.add(p);
                }
                m.finish()
            };
            let (fast, ordered) = (run(true), run(false));
            assert!(fast.samples.len() > 100);
            assert!(fast == ordered);
        }
    }

    /// [`functions`]`(n)` with function `renamed` called `new{renamed}`.
    fn functions_renamed(n: usize, renamed: usize) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        b.sample_type("cpu", "nanoseconds");
        // Entered last to first, so the table's order is not the merged one.
        let mut frames = vec![0; n];
        for i in (0..n).rev() {
            let name = if i == renamed {
                format!("new{i}")
            } else {
                format!("f{i}")
            };
            frames[i] = b.frame(&name, &format!("file{}.go", i % 7), 10 + i as i64);
        }
        for i in 0..n {
            b.sample(&[frames[i], frames[i.saturating_sub(1)]], &[1], &[]);
        }
        b.finish()
    }

    /// [`functions`]`(n)` of another program: function `i` is `g{i}`.
    fn other_program(n: usize) -> Profile {
        let mut b = Builder::new();
        b.period("cpu", "nanoseconds", 10);
        b.sample_type("cpu", "nanoseconds");
        let frames: Vec<u32> = (0..n)
            .map(|i| b.frame(&format!("g{i}"), &format!("file{}.go", i % 7), 10))
            .collect();
        for i in 0..n {
            b.sample(&[frames[i], frames[i.saturating_sub(1)]], &[1], &[]);
        }
        b.finish()
    }

    #[test]
    fn an_input_of_another_program_is_mapped_without_finding_first() {
        // Nearly every function name new: no string is looked up before
        // the mapping; one new function of 50: the finding goes on.
        let a = functions(60);
        let other = other_program(50);
        let mut m = Merger::new(&a);
        m.add(&a);
        assert!(m.mostly_new_functions(&other));
        assert!(!m.mostly_new_functions(&functions_renamed(50, 12)));
        assert!(!m.mostly_new_functions(&a));
        let mut maps = InputMaps::new(&other);
        assert!(!m.find_all_locations(&other, &mut maps));
        assert!(maps.strings.iter().all(|&s| s == NONE));
        // Its merge is the one the ordered mapping alone makes.
        let run = |find_known: bool| {
            let mut m = Merger::new(&a);
            m.find_known = find_known;
            m.add(&a);
            m.add(&other);
            m.finish()
        };
        let (fast, ordered) = (run(true), run(false));
        assert_eq!(fast.functions.len(), 110);
        assert!(fast == ordered);
    }

    #[test]
    fn finding_in_blocks_finds_each_location_or_stops_at_a_new_one() {
        // 50 locations: three full blocks and a part. Every one is found,
        // each as the merged location of its own function; then with
        // function 12 new (table index 37), the finding stops in the third
        // block.
        let a = functions(60);
        let mut m = Merger::new(&a);
        m.add(&a);
        let name_of = |p: &Profile, l: usize| {
            let line = p.locations.lines(l as u32)[0];
            p.str(p.functions[line.function as usize].name).to_string()
        };
        let known = functions_renamed(50, usize::MAX);
        let mut maps = InputMaps::new(&known);
        assert!(m.find_all_locations(&known, &mut maps));
        for l in 0..50 {
            let merged = maps.locations[l] as usize;
            assert_eq!(name_of(&m.out, merged), name_of(&known, l), "location {l}");
        }
        let renamed = functions_renamed(50, 12);
        let mut maps = InputMaps::new(&renamed);
        assert!(!m.find_all_locations(&renamed, &mut maps));
        let new = (0..50).find(|&l| name_of(&renamed, l) == "new12").unwrap();
        assert_eq!(new, 37);
        assert_eq!(maps.locations[new], NONE);
        // What was found is right: the two blocks before the new location's.
        let found: Vec<usize> = (0..50).filter(|&l| maps.locations[l] != NONE).collect();
        assert_eq!(found, (0..32).collect::<Vec<_>>());
        for l in found {
            assert_eq!(
                name_of(&m.out, maps.locations[l] as usize),
                name_of(&renamed, l)
            );
        }
    }

    #[test]
    fn ranges_and_shards_on_threads_give_the_sequential_result() {
        // The last input has label values and locations of its own, met
        // after the others'.
        let ps = [big(2500, 1), big(3100, 4), big(700, 2), labeled(900)];
        let one = merged(&ps, usize::MAX, 1);
        assert!(one.samples.len() > 100);
        for threads in [2, 3, 4] {
            // 1000: the inputs are cut into ranges; 10: the merged samples
            // are also copied out in ranges, and each input's locations are
            // mapped beside its label lists.
            for parallel_min in [1000, 10] {
                let many = merged(&ps, parallel_min, threads);
                assert!(many == one, "{threads} threads from {parallel_min} samples");
            }
        }
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

    /// pprof's label sets, as pprof builds them: label maps (nested lists),
    /// their byte encoding as the key, then the labels (strings interned in
    /// a [`Merger`]); the oracle [`Merger::label_set`] must agree with.
    #[derive(Default)]
    struct PprofSets {
        index: HashMap<Vec<u8>, u32>,
        sets: Vec<Vec<Label>>,
    }

    fn pprof_label_set(m: &mut Merger, o: &mut PprofSets, p: &Profile, labels: &[Label]) -> u32 {
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
        if let Some(&i) = o.index.get(&key) {
            return i;
        }
        let mut out = Vec::new();
        for (k, vals) in &gl.strs {
            for v in vals {
                out.push(Label {
                    key: m.intern(k),
                    str: m.intern(v),
                    ..Label::default()
                });
            }
        }
        for (k, vals, units) in &gl.nums {
            for (i, &v) in vals.iter().enumerate() {
                let unit = (!units.is_empty()).then(|| units.get(i).copied().unwrap_or(""));
                let num_unit = unit.map_or(0, |u| m.intern(u));
                out.push(Label {
                    key: m.intern(k),
                    num: v,
                    num_unit,
                    kept_zero: v == 0,
                    ..Label::default()
                });
            }
        }
        let i = o.sets.len() as u32;
        o.sets.push(out);
        o.index.insert(key, i);
        i
    }

    #[test]
    fn label_sets_are_the_ones_pprofs_label_maps_give() {
        // The same label lists in two profiles whose string tables differ
        // (the second has other strings first), then two lists only the
        // second has: sets already merged are found by merged string ids.
        let lists_of = |b: &mut Builder| {
            let l = |b: &mut Builder, k: &str, v: &str| Label {
                key: b.str(k),
                str: b.str(v),
                ..Label::default()
            };
            let n = |b: &mut Builder, k: &str, num: i64, unit: &str| Label {
                key: b.str(k),
                num,
                num_unit: if unit.is_empty() { 0 } else { b.str(unit) },
                kept_zero: num == 0,
                ..Label::default()
            };
            vec![
                vec![l(b, "b", "2"), l(b, "a", "1")],
                vec![l(b, "a", "1"), l(b, "b", "2")],
                vec![l(b, "a", "1")],
                vec![l(b, "a", "1"), n(b, "bytes", 64, "")],
                vec![n(b, "size", 0, "kilobytes"), n(b, "a", -3, "")],
                // A key twice.
                vec![l(b, "a", "2"), l(b, "a", "1")],
                vec![n(b, "n", 1, ""), n(b, "n", 2, "")],
                // Units on some values of a key only, and a string and a
                // numeric label of the same key.
                vec![n(b, "n", 1, ""), n(b, "n", 2, "kB"), l(b, "n", "x")],
                vec![n(b, "n", 1, ""), n(b, "n", 2, "")],
                // Nothing carried.
                vec![Label {
                    key: b.str("empty"),
                    ..Label::default()
                }],
            ]
        };
        let mut b = Builder::new();
        b.sample_type("samples", "count");
        let lists = lists_of(&mut b);
        let p = b.finish();
        let mut b = Builder::new();
        b.sample_type("samples", "count");
        for s in ["kB", "zz", "2", "n"] {
            b.str(s);
        }
        let mut lists2 = lists_of(&mut b);
        let new_key = b.str("new");
        lists2.push(vec![Label {
            key: new_key,
            str: b.str("1"),
            ..Label::default()
        }]);
        lists2.push(vec![Label {
            key: b.str("a"),
            num: 7,
            num_unit: b.str("zz"),
            ..Label::default()
        }]);
        let p2 = b.finish();
        let (mut short, mut long, mut oracle) =
            (Merger::new(&p), Merger::new(&p), PprofSets::default());
        let mut via_short = Vec::new();
        let mut via_long = Vec::new();
        for (p, lists) in [(&p, &lists), (&p2, &lists2)] {
            let mut maps = InputMaps::new(p);
            for ls in lists {
                via_short.push(short.label_set(p, &mut maps, ls));
                via_long.push(pprof_label_set(&mut long, &mut oracle, p, ls));
            }
        }
        assert_eq!(via_short, via_long);
        assert_eq!(via_short[..3], [0, 0, 1]);
        assert_eq!(via_short[9], NONE);
        // The second profile's lists are the first's sets.
        assert_eq!(via_short[10..20], via_short[..10]);
        assert_eq!(short.label_sets.len(), oracle.sets.len());
        for (i, set) in oracle.sets.iter().enumerate() {
            assert_eq!(short.set_labels(i as u32), &set[..], "set {i}");
        }
        let strings = |m: &Merger| {
            (0..m.out.strings.len())
                .map(|i| m.out.strings.get(i as u32).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(strings(&short), strings(&long));
        // A key twice keeps both values, in the sample's order.
        assert_eq!(short.set_labels(via_short[5]).len(), 2);
        assert_eq!(short.set_labels(via_short[6]).len(), 2);
    }
}
