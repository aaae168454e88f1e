//! The sample graph: nodes at a chosen granularity, their flat and cum
//! weights, and the edges between them.
//!
//! Building it takes three steps, each over dense arrays indexed by model
//! indices:
//! 1. [`NodeMap::build`] turns every line of every location into a node id,
//!    after the granularity has cleared what it hides (file, line, address…),
//!    so that equal [`NodeInfo`]s share one id (pprof's node identity).
//! 2. [`aggregate`] walks every sample's stack once, root to leaf, adding the
//!    sample value to the cum of each distinct node on the stack (once per
//!    sample, even under recursion) and to the flat of the leaf.
//! 3. [`edges_into`] walks the stacks again over a kept subset of nodes only,
//!    to weigh the edges a report needs (residual edges jump over dropped
//!    nodes), as pprof does when it rebuilds its trimmed graph.

pub mod analysis;
pub mod callgraph;
pub mod layout;

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use crate::model::{Profile, NONE};
use crate::util::go::go_base;
use crate::view::select::ValueSelection;
use crate::view::View;

/// How finely samples are aggregated into nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    /// One node per function name (pprof's default).
    #[default]
    Functions,
    /// One node per (function, file).
    FileFunctions,
    /// One node per source file.
    Files,
    /// One node per (function, file, line).
    Lines,
    /// One node per address (and inlined line).
    Addresses,
}

/// Options that decide node identity.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// The aggregation level.
    pub granularity: Granularity,
    /// Attribute inlined frames to their out-of-line caller.
    pub noinlines: bool,
    /// Keep column numbers at lines granularity.
    pub show_columns: bool,
    /// Keep the object file name and function start line in every node
    /// (raw/list-style reports), not only in nodes without a function name.
    pub obj_names: bool,
    /// `:`-separated prefixes to strip from source paths.
    pub trim_path: String,
    /// `:`-separated source directories (used to guess a trim prefix).
    pub source_path: String,
}

/// The identity of a graph node (pprof's `NodeInfo`). Strings are symbol ids
/// of the [`NodeMap`]'s own interner, so equal text means equal id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeInfo {
    /// Function name.
    pub name: u32,
    /// System (mangled) name; kept empty by text reports.
    pub orig_name: u32,
    /// Instruction address (0 unless addresses granularity).
    pub address: u64,
    /// Source file.
    pub file: u32,
    /// Function start line (only kept when there is no name, or for obj_names).
    pub start_line: i64,
    /// Line number.
    pub lineno: i64,
    /// Column number.
    pub columnno: i64,
    /// Object file (only kept when there is no name, or for obj_names).
    pub objfile: u32,
}

/// A string interner for node names and files; symbol 0 is the empty string.
///
/// Each string is stored once, one after another in one buffer; the table
/// holds symbol ids and finds them by the string's hash, so interning a new
/// string costs one hash and a copy, no allocation of its own. A node map of
/// a profile with 200k functions interns 200k names: sized for them up front,
/// the table is never rehashed (a rehash hashes every string again) and the
/// strings are not 200k separate allocations.
#[derive(Default)]
pub struct Symbols {
    table: hashbrown::HashTable<u32>,
    /// The symbols' text, one after another.
    text: String,
    /// Where each symbol ends in `text` (each starts where the one before
    /// it ends).
    ends: Vec<usize>,
    hasher: RandomState,
}

impl std::fmt::Debug for Symbols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let strs: Vec<&str> = (0..self.len() as u32).map(|i| self.get(i)).collect();
        f.debug_struct("Symbols").field("strs", &strs).finish()
    }
}

impl Symbols {
    /// An interner with room for `n` symbols before it grows.
    fn with_capacity(n: usize) -> Self {
        let mut s = Symbols {
            table: hashbrown::HashTable::with_capacity(n),
            ends: Vec::with_capacity(n),
            ..Symbols::default()
        };
        s.intern("");
        s
    }

    /// Number of symbols.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(s);
        let (text, ends) = (&mut self.text, &mut self.ends);
        let at = |id: u32| &text[span(ends, id)];
        let entry = self
            .table
            .entry(hash, |&id| at(id) == s, |&id| hasher.hash_one(at(id)));
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = ends.len() as u32;
                text.push_str(s);
                ends.push(text.len());
                e.insert(id);
                id
            }
        }
    }

    /// The text of symbol `id`.
    pub fn get(&self, id: u32) -> &str {
        &self.text[span(&self.ends, id)]
    }
}

/// Where symbol `id` lies in [`Symbols`]' text, given where each ends.
#[inline]
fn span(ends: &[usize], id: u32) -> std::ops::Range<usize> {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    start..ends[i]
}

/// Every location's lines mapped to node ids, and the node table.
#[derive(Debug)]
pub struct NodeMap {
    /// Node identities, indexed by node id.
    pub infos: Vec<NodeInfo>,
    /// The interner behind the identities' strings.
    pub symbols: Symbols,
    /// `loc_ends[l]` is the end (exclusive) of location `l`'s nodes in `loc_nodes`.
    loc_ends: Vec<u32>,
    /// Node ids per location, innermost line first (as the location's lines).
    loc_nodes: Vec<u32>,
    /// True for nodes that appear as an inlined (non-last) line somewhere:
    /// only edges into them can be inline.
    pub inlinable: Vec<bool>,
    /// Per location, for the aggregation loop: its only node, or (with
    /// [`MULTI`] set) where its nodes start in `multi_nodes`. Empty when ids
    /// would not fit the packing (the loop then uses [`NodeMap::location`]).
    packed: Vec<u32>,
    /// The nodes of multi-line locations, innermost first, the last of each
    /// location marked with [`MULTI`].
    multi_nodes: Vec<u32>,
}

/// The flag bit of [`NodeMap`]'s packed entries.
const MULTI: u32 = 1 << 31;

impl NodeMap {
    /// Maps every location of `p` (with the lines `view` gives it) to nodes under `opts`.
    pub fn build(p: &Profile, view: &View, opts: &NodeOptions) -> NodeMap {
        Self::build_with_paths(p, view, opts, true)
    }

    /// [`NodeMap::build`] with file names only cleaned, never trimmed
    /// (`opts.trim_path`, `source_path` and the `/proc/self/cwd` prefixes are
    /// ignored), as pprof's traces report names them.
    pub fn build_untrimmed(p: &Profile, view: &View, opts: &NodeOptions) -> NodeMap {
        Self::build_with_paths(p, view, opts, false)
    }

    fn build_with_paths(p: &Profile, view: &View, opts: &NodeOptions, trim: bool) -> NodeMap {
        // A name per function and a file per mapping, at most (files, when
        // kept, are far fewer than functions).
        let mut symbols = Symbols::with_capacity(p.functions.len() + p.mappings.len() + 1);
        let g = opts.granularity;
        let keep_name = matches!(
            g,
            Granularity::Functions
                | Granularity::FileFunctions
                | Granularity::Lines
                | Granularity::Addresses
        );
        let keep_file = matches!(
            g,
            Granularity::FileFunctions
                | Granularity::Files
                | Granularity::Lines
                | Granularity::Addresses
        );
        let keep_line = matches!(g, Granularity::Lines | Granularity::Addresses);
        let keep_addr = g == Granularity::Addresses;
        // pprof leaves the profile untouched at addresses granularity with inlines,
        // so column numbers survive there.
        let untouched = g == Granularity::Addresses && !opts.noinlines;
        let keep_col = untouched || opts.show_columns;

        // Per function: interned name and cleaned file.
        let fn_syms: Vec<(u32, u32)> = p
            .functions
            .iter()
            .map(|f| {
                let name = if keep_name || untouched {
                    symbols.intern(p.str(f.name))
                } else {
                    0
                };
                let file = if keep_file || untouched {
                    let raw = p.str(f.filename);
                    if raw.is_empty() {
                        0
                    } else {
                        let trimmed = if trim {
                            trim_path(raw, &opts.trim_path, &opts.source_path)
                        } else {
                            raw
                        };
                        symbols.intern(&clean_path(trimmed))
                    }
                } else {
                    0
                };
                (name, file)
            })
            .collect();
        let map_syms: Vec<u32> = p
            .mappings
            .iter()
            .map(|m| symbols.intern(p.str(m.filename)))
            .collect();

        let locs = &p.locations;
        // About one node per function at the usual granularities.
        let expect = p.functions.len();
        let mut index: HashMap<NodeInfo, u32, RandomState> =
            HashMap::with_capacity_and_hasher(expect, RandomState::default());
        let mut infos: Vec<NodeInfo> = Vec::with_capacity(expect);
        let mut inlinable: Vec<bool> = Vec::with_capacity(expect);
        let mut loc_ends = Vec::with_capacity(locs.len());
        let mut loc_nodes = Vec::with_capacity(locs.lines.len());
        let mut intern =
            |info: NodeInfo, infos: &mut Vec<NodeInfo>, inlinable: &mut Vec<bool>| -> u32 {
                *index.entry(info).or_insert_with(|| {
                    infos.push(info);
                    inlinable.push(false);
                    (infos.len() - 1) as u32
                })
            };
        let by_function = !keep_line && !keep_addr && !untouched && !opts.obj_names;
        let mut fn_node = vec![NONE; if by_function { p.functions.len() } else { 0 }];
        // Named nodes that are the name alone never meet the `index` map's
        // keys (those have no name, or more than a name).
        let mut name_node = vec![NONE; if by_function { symbols.len() } else { 0 }];
        for l in 0..locs.len() as u32 {
            let mut lines = view.lines(p, l);
            if opts.noinlines && lines.len() > 1 {
                lines = &lines[lines.len() - 1..];
            }
            let mapping = locs.mapping[l as usize];
            let objfile = if mapping == NONE {
                0
            } else {
                map_syms[mapping as usize]
            };
            let address = if keep_addr || untouched {
                locs.address[l as usize]
            } else {
                0
            };
            if lines.is_empty() {
                let info = NodeInfo {
                    address,
                    objfile,
                    ..NodeInfo::default()
                };
                loc_nodes.push(intern(info, &mut infos, &mut inlinable));
            } else {
                let start = loc_nodes.len();
                for line in lines {
                    let (name, file) = fn_syms[line.function as usize];
                    // Where the node depends on the function alone (function
                    // or file granularity, named functions), look it up once
                    // per function.
                    let by_function = by_function && name != 0;
                    if by_function {
                        let memo = fn_node[line.function as usize];
                        if memo != NONE {
                            loc_nodes.push(memo);
                            continue;
                        }
                    }
                    let mut info = NodeInfo {
                        name,
                        address,
                        file,
                        lineno: if keep_line || untouched { line.line } else { 0 },
                        columnno: if keep_col && (keep_line || untouched) {
                            line.column
                        } else {
                            0
                        },
                        ..NodeInfo::default()
                    };
                    if opts.obj_names || name == 0 {
                        info.objfile = objfile;
                        info.start_line = p.functions[line.function as usize].start_line;
                    }
                    let node = if by_function && !keep_file {
                        // The node is the name alone: find it by symbol, no hashing.
                        let slot = &mut name_node[name as usize];
                        if *slot == NONE {
                            infos.push(info);
                            inlinable.push(false);
                            *slot = (infos.len() - 1) as u32;
                        }
                        *slot
                    } else {
                        intern(info, &mut infos, &mut inlinable)
                    };
                    if by_function {
                        fn_node[line.function as usize] = node;
                    }
                    loc_nodes.push(node);
                }
                let end = loc_nodes.len();
                for &n in &loc_nodes[start..end - 1] {
                    inlinable[n as usize] = true;
                }
            }
            loc_ends.push(loc_nodes.len() as u32);
        }
        let (mut packed, mut multi_nodes) = (Vec::with_capacity(loc_ends.len()), Vec::new());
        if infos.len() < MULTI as usize && loc_nodes.len() < MULTI as usize {
            for i in 0..loc_ends.len() {
                let start = if i == 0 { 0 } else { loc_ends[i - 1] as usize };
                match &loc_nodes[start..loc_ends[i] as usize] {
                    [only] => packed.push(*only),
                    many => {
                        packed.push(MULTI | multi_nodes.len() as u32);
                        multi_nodes.extend_from_slice(many);
                        if let Some(last) = multi_nodes.last_mut() {
                            *last |= MULTI;
                        }
                    }
                }
            }
        }
        NodeMap {
            infos,
            symbols,
            loc_ends,
            loc_nodes,
            inlinable,
            packed,
            multi_nodes,
        }
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.infos.len()
    }

    /// True if there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }

    /// The innermost node of location `l` (a sample's flat goes to it),
    /// read from the packed entry the aggregation's cum walk has just
    /// loaded when there is one: the other tables would cost the walk two
    /// more cache misses per stack on a large profile.
    #[inline(always)]
    fn leaf(&self, l: u32) -> Option<u32> {
        match self.packed.get(l as usize) {
            Some(&entry) if entry & MULTI == 0 => Some(entry),
            Some(&entry) => self
                .multi_nodes
                .get((entry & !MULTI) as usize)
                .map(|&n| n & !MULTI),
            None => self.location(l).first().copied(),
        }
    }

    /// Calls `f` with each node of location `l`, innermost first, read
    /// from the packed entries (the aggregation's inner loop: one load for
    /// a location of one line). `packed` must not be empty.
    #[inline(always)]
    fn each_packed_node(&self, l: u32, mut f: impl FnMut(usize)) {
        let entry = self.packed[l as usize];
        if entry & MULTI == 0 {
            f(entry as usize);
            return;
        }
        for &node in &self.multi_nodes[(entry & !MULTI) as usize..] {
            f((node & !MULTI) as usize);
            if node & MULTI != 0 {
                break;
            }
        }
    }

    /// The nodes of location `l`, innermost line first.
    #[inline(always)]
    pub fn location(&self, l: u32) -> &[u32] {
        let i = l as usize;
        let start = if i == 0 {
            0
        } else {
            self.loc_ends[i - 1] as usize
        };
        &self.loc_nodes[start..self.loc_ends[i] as usize]
    }

    /// pprof's printable name of a node: address, name, and file:line or file
    /// or `[object]` or `<unknown>`, space separated.
    pub fn printable_name(&self, node: u32) -> String {
        let i = &self.infos[node as usize];
        let mut parts: Vec<String> = Vec::with_capacity(3);
        if i.address != 0 {
            parts.push(format!("{:016x}", i.address));
        }
        let name = self.symbols.get(i.name);
        if !name.is_empty() {
            parts.push(name.to_string());
        }
        let file = self.symbols.get(i.file);
        if i.lineno != 0 {
            let mut s = format!("{}:{}", file, i.lineno);
            if i.columnno != 0 {
                s.push_str(&format!(":{}", i.columnno));
            }
            parts.push(s);
        } else if !file.is_empty() {
            parts.push(file.to_string());
        } else if !name.is_empty() {
        } else if i.objfile != 0 {
            parts.push(format!("[{}]", go_base(self.symbols.get(i.objfile))));
        } else {
            parts.push("<unknown>".to_string());
        }
        parts.join(" ")
    }

    /// The node identity as Go's `fmt.Sprint` prints the struct; pprof uses it
    /// as the last tie-breaker when sorting.
    pub fn sprint_info(&self, node: u32) -> String {
        let i = &self.infos[node as usize];
        format!(
            "{{{} {} {} {} {} {} {} {}}}",
            self.symbols.get(i.name),
            self.symbols.get(i.orig_name),
            i.address,
            self.symbols.get(i.file),
            i.start_line,
            i.lineno,
            i.columnno,
            self.symbols.get(i.objfile)
        )
    }
}

/// Flat and cum weights per node (and their mean divisors).
#[derive(Debug, Clone, Default)]
pub struct Weights {
    /// Sum of values of samples whose leaf is the node.
    pub flat: Vec<i64>,
    /// Sum of values of samples whose stack holds the node.
    pub cum: Vec<i64>,
    /// Mean divisors of `flat` under `--mean`; empty otherwise (every
    /// divisor zero).
    pub flat_div: Vec<i64>,
    /// Mean divisors of `cum`, likewise.
    pub cum_div: Vec<i64>,
}

impl Weights {
    /// All-zero weights for `n` nodes, with divisors only when `mean`.
    pub fn zeroed(n: usize, mean: bool) -> Self {
        let divs = if mean { n } else { 0 };
        Weights {
            flat: vec![0; n],
            cum: vec![0; n],
            flat_div: vec![0; divs],
            cum_div: vec![0; divs],
        }
    }

    /// The node's flat value, divided by its divisor under `--mean`
    /// (integer division, as pprof).
    pub fn flat_value(&self, n: usize) -> i64 {
        match self.flat_div.get(n).copied().unwrap_or(0) {
            0 => self.flat[n],
            d => self.flat[n].wrapping_div(d),
        }
    }

    /// The node's cum value, divided by its divisor under `--mean`.
    pub fn cum_value(&self, n: usize) -> i64 {
        match self.cum_div.get(n).copied().unwrap_or(0) {
            0 => self.cum[n],
            d => self.cum[n].wrapping_div(d),
        }
    }

    /// True if the node carries any weight.
    pub fn is_present(&self, n: usize) -> bool {
        self.flat[n] != 0 || self.cum[n] != 0
    }
}

/// The weight and divisor a sample contributes under `sel`.
#[inline(always)]
fn sample_weight(values: &[i64], sel: &ValueSelection) -> (i64, i64) {
    let w = values[sel.index];
    let dw = if sel.mean { values[0] } else { 0 };
    (w, dw)
}

/// The selected value summed per distinct stack of the profile: (weight,
/// mean divisor, used) of each stack, a stack counting as used when one of
/// its samples has a weight, as a sample does. Computed once per analysis
/// and shared by [`aggregate`] and every [`edges_into`] walk, so that the
/// samples are read once, not once per walk.
pub struct StackSums {
    /// The summed weight of each stack.
    weight: Vec<i64>,
    /// The summed mean divisor of each stack; empty unless the selection
    /// takes means (the divisors are all zero then).
    div: Vec<i64>,
    /// Whether one of the stack's samples has a weight.
    used: Vec<bool>,
}

impl StackSums {
    /// The sums, when the walks can go over distinct stacks instead of
    /// samples: the view has the profile's own samples and the profile
    /// shares stacks between them. `None` otherwise (walk the samples).
    ///
    /// The columns are kept apart (8 bytes of weight and a flag per stack,
    /// the divisors only under `--mean`): the pass scatters over every
    /// stack, and on a profile of a million and a half of them 9 bytes a
    /// stack instead of 24 dirty that much fewer cache lines and pages.
    pub fn new(p: &Profile, view: &View, sel: &ValueSelection) -> Option<StackSums> {
        if !view.has_profile_samples() || !p.samples.shares_stacks() {
            return None;
        }
        let n = p.samples.stack_count();
        let mut weight = vec![0i64; n];
        let mut used = vec![false; n];
        let mut div = if sel.mean { vec![0i64; n] } else { Vec::new() };
        for s in 0..p.samples.len() {
            let (v, dv) = sample_weight(p.values(s), sel);
            if v == 0 && dv == 0 {
                continue;
            }
            let i = p.samples.stack_index(s);
            weight[i] = weight[i].wrapping_add(v);
            used[i] = true;
            if sel.mean {
                div[i] = div[i].wrapping_add(dv);
            }
        }
        Some(StackSums { weight, div, used })
    }

    /// Stack `i`'s weight and divisor, or `None` when none of its samples
    /// has a weight.
    #[inline(always)]
    fn get(&self, i: usize) -> Option<(i64, i64)> {
        self.used[i].then(|| (self.weight[i], self.div.get(i).copied().unwrap_or(0)))
    }
}

/// What the aggregation loops walk: each sample of the view, or each
/// distinct stack once with the summed weights of its samples (see
/// [`StackSums`]). Sums of integers (wrapping) do not depend on the order
/// they are taken in, so both give the same weights.
enum Items<'a> {
    Samples {
        p: &'a Profile,
        view: &'a View,
        sel: &'a ValueSelection,
    },
    Stacks {
        p: &'a Profile,
        sums: &'a StackSums,
    },
}

impl<'a> Items<'a> {
    /// Over `sums` when given (they must be [`StackSums::new`] of the same
    /// profile, view and selection; sums of another profile's stacks are
    /// ignored), else over the view's samples.
    fn new(
        p: &'a Profile,
        view: &'a View,
        sel: &'a ValueSelection,
        sums: Option<&'a StackSums>,
    ) -> Items<'a> {
        match sums {
            Some(sums) if sums.weight.len() == p.samples.stack_count() => Items::Stacks { p, sums },
            _ => Items::Samples { p, view, sel },
        }
    }

    fn len(&self) -> usize {
        match self {
            Items::Samples { p, view, .. } => view.len(p),
            Items::Stacks { sums, .. } => sums.weight.len(),
        }
    }

    /// Item `i`'s weight and divisor, or `None` when it adds nothing (its
    /// stack unread).
    #[inline(always)]
    fn weight(&self, i: usize) -> Option<(i64, i64)> {
        match self {
            Items::Samples { p, view, sel } => {
                let (v, dv) = sample_weight(view.values(p, i), sel);
                (v != 0 || dv != 0).then_some((v, dv))
            }
            Items::Stacks { sums, .. } => sums.get(i),
        }
    }

    /// Item `i`'s stack, weight and divisor, or `None` when it adds nothing.
    #[inline(always)]
    fn get(&self, i: usize) -> Option<(&'a [u32], i64, i64)> {
        let (v, dv) = self.weight(i)?;
        let stack = match self {
            Items::Samples { p, view, .. } => view.stack(p, i),
            Items::Stacks { p, .. } => p.samples.stack_at(i),
        };
        Some((stack, v, dv))
    }
}

/// Computes flat and cum of every node in one pass over the samples (split
/// across threads for large profiles; integer sums make the result the same
/// whatever the split), or over the distinct stacks when `sums` is given
/// (see [`StackSums`]). Exact sums either way: the narrow walk is only taken
/// where its 32-bit counts cannot overflow.
pub fn aggregate(
    p: &Profile,
    view: &View,
    nodes: &NodeMap,
    sel: &ValueSelection,
    sums: Option<&StackSums>,
) -> Weights {
    let items = Items::new(p, view, sel, sums);
    // Without mean divisors, and where every magnitude fits, the walk counts
    // in 8-byte slots (see `aggregate_narrow`).
    let unit = if sel.mean || nodes.packed.is_empty() {
        None
    } else {
        narrow_unit(&items)
    };
    if let Some(unit) = unit {
        let parts = crate::util::parallel::in_parallel(items.len(), |range| {
            aggregate_narrow(&items, nodes, range, unit)
        });
        return narrow_weights(&parts, nodes.len(), unit);
    }
    let parts = crate::util::parallel::in_parallel(items.len(), |range| {
        if sel.mean {
            aggregate_range::<true>(&items, nodes, range)
        } else {
            aggregate_range::<false>(&items, nodes, range)
        }
    });
    let mut parts = parts.into_iter();
    let mut w = parts
        .next()
        .unwrap_or_else(|| Weights::zeroed(nodes.len(), sel.mean));
    for part in parts {
        for (a, b) in [
            (&mut w.flat, &part.flat),
            (&mut w.cum, &part.cum),
            (&mut w.flat_div, &part.flat_div),
            (&mut w.cum_div, &part.cum_div),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x = x.wrapping_add(*y);
            }
        }
    }
    w
}

/// The unit the narrow walk counts weights in: the greatest common divisor
/// of the items' weights, when the sum of their magnitudes in that unit fits
/// an `i32` (then no node's flat or cum, nor any partial sum of them, can
/// overflow it). `None` otherwise.
fn narrow_unit(items: &Items<'_>) -> Option<i64> {
    let parts = crate::util::parallel::in_parallel(items.len(), |range| {
        let (mut g, mut total, mut last) = (0u64, 0u128, 0u64);
        for i in range {
            let Some((v, _)) = items.weight(i) else {
                continue;
            };
            let a = v.unsigned_abs();
            total += u128::from(a);
            if a != last {
                last = a;
                g = gcd(g, a);
            }
        }
        (g, total)
    });
    let (g, total) = parts
        .into_iter()
        .fold((0u64, 0u128), |(g, t), (pg, pt)| (gcd(g, pg), t + pt));
    let g = g.max(1);
    let g = i64::try_from(g).ok()?;
    (total / g as u128 <= i32::MAX as u128).then_some(g)
}

/// Greatest common divisor (binary), `gcd(0, b) = b`.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// A node's stamp and cum (in the walk's unit) in 8 bytes.
#[derive(Clone, Copy, Default)]
#[repr(C, align(8))]
struct NarrowSlot {
    /// 1 + index of the last item that added to `cum`.
    stamp: u32,
    cum: i32,
}

/// One range's counts from [`aggregate_narrow`]: each node's stamp and
/// cum, and its flat, in the walk's unit.
struct NarrowPart {
    slots: Vec<NarrowSlot>,
    flat: Vec<i32>,
}

/// The weights of the narrow walk's parts: their counts summed (the sum
/// fits an `i32`, see [`narrow_unit`]) and multiplied by `unit`, written
/// straight into the result. Each part used to become a [`Weights`] of its
/// own first: on the 5M-sample profile, 13 MB of fresh pages that the 1M
/// one finds already in the allocator's free lists.
fn narrow_weights(parts: &[NarrowPart], n: usize, unit: i64) -> Weights {
    let mut w = Weights::zeroed(n, false);
    for (i, (c, f)) in w.cum.iter_mut().zip(&mut w.flat).enumerate() {
        let (mut cum, mut flat) = (0i32, 0i32);
        for part in parts {
            cum = cum.wrapping_add(part.slots[i].cum);
            flat = flat.wrapping_add(part.flat[i]);
        }
        *c = i64::from(cum) * unit;
        *f = i64::from(flat) * unit;
    }
    w
}

/// [`aggregate_range`] without mean divisors, counting in `unit` (which
/// divides every weight, see [`narrow_unit`]) with 8-byte slots and a
/// separate 4-byte flat: a third of the wide slots' bytes, so that on a
/// profile of 200k nodes more of them stay in the core's cache (the 5M
/// profile's walk 11 % faster, BENCHMARKS.md).
fn aggregate_narrow(
    items: &Items<'_>,
    nodes: &NodeMap,
    range: std::ops::Range<usize>,
    unit: i64,
) -> NarrowPart {
    let n = nodes.len();
    let mut slots: Vec<NarrowSlot> = vec![NarrowSlot::default(); n];
    let mut flat: Vec<i32> = vec![0; n];
    for s in range {
        let Some((stack, v, _)) = items.get(s) else {
            continue;
        };
        let v = (v / unit) as i32;
        let mark = s as u32 + 1;
        let mut add = |ni: usize| {
            let slot = &mut slots[ni];
            if slot.stamp != mark {
                slot.stamp = mark;
                slot.cum = slot.cum.wrapping_add(v);
            }
        };
        for &loc in stack {
            nodes.each_packed_node(loc, &mut add);
        }
        if let Some(&leaf_loc) = stack.first() {
            if let Some(leaf) = nodes.leaf(leaf_loc) {
                let f = &mut flat[leaf as usize];
                *f = f.wrapping_add(v);
            }
        }
    }
    NarrowPart { slots, flat }
}

/// One node's running cum, next to the stamp that keeps it counted once per
/// sample, and its flat: the wide walk's slot, for mean divisors and for
/// weights too large for [`NarrowSlot`]. Each frame costs one random access
/// (two for the quarter of slots that straddle a cache line), the leaf's
/// flat included.
#[derive(Clone, Copy, Default)]
struct CumSlot {
    /// 1 + index of the last sample that added to `cum`.
    stamp: u32,
    cum: i64,
    flat: i64,
}

/// Flat and cum over one range of samples, with the mean divisors summed
/// only when `MEAN` (they are all zero otherwise).
fn aggregate_range<const MEAN: bool>(
    items: &Items<'_>,
    nodes: &NodeMap,
    range: std::ops::Range<usize>,
) -> Weights {
    let n = nodes.len();
    let mut w = Weights::zeroed(n, MEAN);
    let mut slots: Vec<CumSlot> = vec![CumSlot::default(); n];
    for s in range {
        let Some((stack, v, dv)) = items.get(s) else {
            continue;
        };
        let mark = s as u32 + 1;
        let mut add = |ni: usize| {
            let slot = &mut slots[ni];
            if slot.stamp != mark {
                slot.stamp = mark;
                slot.cum = slot.cum.wrapping_add(v);
                if MEAN {
                    w.cum_div[ni] = w.cum_div[ni].wrapping_add(dv);
                }
            }
        };
        if nodes.packed.is_empty() {
            for &loc in stack {
                for &node in nodes.location(loc) {
                    add(node as usize);
                }
            }
        } else {
            // Cum counts each node once per sample, so frame order does not matter.
            for &loc in stack {
                nodes.each_packed_node(loc, &mut add);
            }
        }
        if let Some(&leaf_loc) = stack.first() {
            if let Some(leaf) = nodes.leaf(leaf_loc) {
                let li = leaf as usize;
                slots[li].flat = slots[li].flat.wrapping_add(v);
                if MEAN {
                    w.flat_div[li] = w.flat_div[li].wrapping_add(dv);
                }
            }
        }
    }
    for ((c, f), slot) in w.cum.iter_mut().zip(&mut w.flat).zip(&slots) {
        *c = slot.cum;
        *f = slot.flat;
    }
    w
}

/// An edge between two kept nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Sum of values of samples that take this edge (once per sample).
    pub weight: i64,
    /// True if every contribution came from an inlined call.
    pub inline: bool,
    /// True if some contribution jumped over dropped nodes.
    pub residual: bool,
}

/// Weighs the edges between kept nodes whose callee satisfies `want_callee`,
/// walking each stack over kept nodes only (dropped frames make the next edge
/// residual). Keys are `(caller, callee)`.
///
/// pprof counts an edge once per sample, at its first (rootmost) occurrence,
/// and calls it inline only if every counted occurrence was an inlined call;
/// so does this walk. Each location is looked at once beforehand
/// (see `EdgeWalk`): most hold no wanted callee and only move the walk's
/// current caller, and the edges between nodes of one location are fixed.
pub fn edges_into(
    p: &Profile,
    view: &View,
    nodes: &NodeMap,
    sel: &ValueSelection,
    sums: Option<&StackSums>,
    kept: &[bool],
    want_callee: &[bool],
) -> HashMap<(u32, u32), Edge, RandomState> {
    let walk = EdgeWalk::new(nodes, kept, want_callee);
    let items = Items::new(p, view, sel, sums);
    let parts = crate::util::parallel::in_parallel(items.len(), |range| {
        let mut acc = walk.accumulator();
        let mut memo = vec![(NONE, 0u32); walk.plans.len()];
        for s in range {
            let Some((stack, v, _)) = items.get(s) else {
                continue;
            };
            let mark = s as u32 + 1;
            let mut parent = NONE;
            let mut residual = false;
            for &loc in stack.iter().rev() {
                let step = walk.step[loc as usize];
                if step < EdgeWalk::PLAN {
                    // No wanted callee here: the walk moves to the location's
                    // innermost kept node, if it has one.
                    let no_kept = step == EdgeWalk::NO_KEPT;
                    parent = if no_kept {
                        parent
                    } else {
                        step & EdgeWalk::NODE
                    };
                    residual = no_kept | (step & EdgeWalk::DROPPED_INSIDE != 0);
                    continue;
                }
                let plan = &walk.plans[(step & EdgeWalk::NODE) as usize];
                if plan.first_callee != NONE && parent != NONE && parent != plan.first {
                    // A location is usually entered from the same caller as
                    // last time: remember its slot per plan.
                    let memo = &mut memo[(step & EdgeWalk::NODE) as usize];
                    let slot = if memo.0 == parent {
                        memo.1
                    } else {
                        let slot = acc.slot(plan.first_callee, parent);
                        *memo = (parent, slot);
                        slot
                    };
                    acc.add(
                        slot,
                        mark,
                        v,
                        plan.first_inline,
                        residual | plan.dropped_before_first,
                    );
                }
                let inside = &walk.internal[plan.internal.0 as usize..plan.internal.1 as usize];
                for &(slot, inline, residual) in inside {
                    acc.add(slot, mark, v, inline, residual);
                }
                parent = plan.exit;
                residual = plan.exit_dropped;
            }
        }
        acc.into_edges(&walk.callees)
    });
    let mut parts = parts.into_iter();
    let mut edges = parts.next().unwrap_or_default();
    for part in parts {
        for (k, e) in part {
            let m = edges.entry(k).or_insert(Edge { weight: 0, ..e });
            m.weight = m.weight.wrapping_add(e.weight);
            m.inline &= e.inline;
            m.residual |= e.residual;
        }
    }
    edges
}

/// What [`edges_into`]'s walk does at each location, decided once per
/// location from the kept and wanted nodes.
///
/// `step[loc]` is either [`EdgeWalk::NO_KEPT`] (the location only makes the
/// next edge residual), or the location's innermost kept node (with
/// [`EdgeWalk::DROPPED_INSIDE`] when dropped nodes lie inside it), or, for a
/// location that holds a wanted callee, [`EdgeWalk::PLAN`] plus the index of
/// its [`LocationPlan`].
struct EdgeWalk {
    step: Vec<u32>,
    plans: Vec<LocationPlan>,
    /// The edges inside plan locations, per plan (`internal` ranges), as
    /// (slot, inline, residual) of each occurrence.
    internal: Vec<(u32, bool, bool)>,
    /// Number of slots of edges known before the walk (those inside locations).
    fixed_slots: u32,
    /// Callee node of each compact callee index.
    callees: Vec<u32>,
    /// Per callee index, its fixed slots as (caller, slot).
    fixed_callers: Vec<Vec<(u32, u32)>>,
}

/// The edges a location holding a wanted callee adds, given the caller the
/// walk arrives with.
struct LocationPlan {
    /// The outermost kept node (the callee of the edge from outside).
    first: u32,
    /// Its compact callee index, or `NONE` if it is not wanted.
    first_callee: u32,
    /// Whether that edge is an inlined call (`first` is not the last line).
    first_inline: bool,
    /// Whether dropped nodes lie outside `first` in this location.
    dropped_before_first: bool,
    /// Range in [`EdgeWalk::internal`] of the fixed edges inside the location.
    internal: (u32, u32),
    /// The innermost kept node, where the walk leaves the location.
    exit: u32,
    /// Whether dropped nodes lie inside `exit`.
    exit_dropped: bool,
}

impl EdgeWalk {
    /// Marks a location without kept nodes.
    const NO_KEPT: u32 = 1 << 31;
    /// Marks (with the plan index) a location holding a wanted callee.
    const PLAN: u32 = 3 << 30;
    /// Set with a node id when dropped nodes lie inside it.
    const DROPPED_INSIDE: u32 = 1 << 30;
    /// The node id (or plan index) bits.
    const NODE: u32 = (1 << 30) - 1;

    fn new(nodes: &NodeMap, kept: &[bool], want_callee: &[bool]) -> EdgeWalk {
        let mut callee_index = vec![NONE; nodes.len()];
        let mut callees = Vec::new();
        for n in 0..nodes.len() {
            if want_callee[n] && kept[n] {
                callee_index[n] = callees.len() as u32;
                callees.push(n as u32);
            }
        }
        // Node ids beyond the packed bits would need a wider step; such
        // profiles (over a billion nodes) cannot be loaded anyway.
        assert!(nodes.len() <= Self::NODE as usize, "too many nodes to pack");
        let mut walk = EdgeWalk {
            step: Vec::with_capacity(nodes.loc_ends.len()),
            plans: Vec::new(),
            internal: Vec::new(),
            fixed_slots: 0,
            fixed_callers: vec![Vec::new(); callees.len()],
            callees,
        };
        for l in 0..nodes.loc_ends.len() as u32 {
            let locn = nodes.location(l);
            let step = if !locn.iter().any(|&n| callee_index[n as usize] != NONE) {
                // Lines are innermost first: the first kept one is where the walk stops.
                match locn.iter().position(|&n| kept[n as usize]) {
                    None => Self::NO_KEPT,
                    Some(0) => locn[0],
                    Some(i) => locn[i] | Self::DROPPED_INSIDE,
                }
            } else {
                let plan = walk.plan(locn, kept, &callee_index);
                let index = walk.plans.len() as u32;
                assert!(index <= Self::NODE, "too many locations to pack");
                walk.plans.push(plan);
                Self::PLAN | index
            };
            walk.step.push(step);
        }
        walk
    }

    /// The plan of a location holding a wanted callee (so at least one kept node).
    fn plan(&mut self, locn: &[u32], kept: &[bool], callee_index: &[u32]) -> LocationPlan {
        let last = locn.len() - 1;
        let start = self.internal.len() as u32;
        let mut first = None;
        let mut parent = NONE;
        let mut residual = false;
        for (ni, &node) in locn.iter().enumerate().rev() {
            if !kept[node as usize] {
                residual = true;
                continue;
            }
            let ci = callee_index[node as usize];
            if first.is_none() {
                first = Some((node, ci, ni != last, residual));
            } else if ci != NONE && parent != node {
                let slot = self.fixed_slot(ci, parent);
                self.internal.push((slot, ni != last, residual));
            }
            parent = node;
            residual = false;
        }
        let (first, first_callee, first_inline, dropped_before_first) =
            first.expect("a location with a wanted callee has a kept node");
        LocationPlan {
            first,
            first_callee,
            first_inline,
            dropped_before_first,
            internal: (start, self.internal.len() as u32),
            exit: parent,
            exit_dropped: residual,
        }
    }

    /// The slot of edge `caller → callees[ci]`, one per edge, so that a
    /// sample counts the edge once whichever location it occurs in.
    fn fixed_slot(&mut self, ci: u32, caller: u32) -> u32 {
        let list = &mut self.fixed_callers[ci as usize];
        if let Some(&(_, slot)) = list.iter().find(|(c, _)| *c == caller) {
            return slot;
        }
        let slot = self.fixed_slots;
        self.fixed_slots += 1;
        list.push((caller, slot));
        slot
    }

    fn accumulator(&self) -> EdgeAccumulator {
        EdgeAccumulator {
            slots: vec![SlotSum::default(); self.fixed_slots as usize],
            callers: self.fixed_callers.clone(),
        }
    }
}

/// One thread's edge sums while [`edges_into`] walks.
struct EdgeAccumulator {
    slots: Vec<SlotSum>,
    /// Per compact callee index, its slots as (caller, slot).
    callers: Vec<Vec<(u32, u32)>>,
}

/// The running sum of one edge slot.
#[derive(Clone, Copy)]
struct SlotSum {
    /// 1 + index of the last sample that added to the slot's edge.
    stamp: u32,
    weight: i64,
    inline: bool,
    residual: bool,
    /// Whether any sample added to the slot.
    used: bool,
}

impl Default for SlotSum {
    fn default() -> Self {
        SlotSum {
            stamp: 0,
            weight: 0,
            inline: true,
            residual: false,
            used: false,
        }
    }
}

impl EdgeAccumulator {
    /// The slot of edge `caller → callee index ci` (a new one if unseen).
    #[inline]
    fn slot(&mut self, ci: u32, caller: u32) -> u32 {
        let list = &mut self.callers[ci as usize];
        if let Some(&(_, slot)) = list.iter().find(|(c, _)| *c == caller) {
            return slot;
        }
        let slot = self.slots.len() as u32;
        self.slots.push(SlotSum::default());
        list.push((caller, slot));
        slot
    }

    /// Adds one occurrence to a slot's edge, once per sample (`mark`): only
    /// the first (rootmost) occurrence in a sample counts, flags included.
    #[inline]
    fn add(&mut self, slot: u32, mark: u32, v: i64, inline: bool, residual: bool) {
        let s = &mut self.slots[slot as usize];
        if s.stamp != mark {
            s.stamp = mark;
            s.weight = s.weight.wrapping_add(v);
            s.inline &= inline;
            s.residual |= residual;
            s.used = true;
        }
    }

    fn into_edges(self, callees: &[u32]) -> HashMap<(u32, u32), Edge, RandomState> {
        let mut edges: HashMap<(u32, u32), Edge, RandomState> = HashMap::default();
        for (list, &callee) in self.callers.iter().zip(callees) {
            for &(caller, slot) in list {
                let s = self.slots[slot as usize];
                if s.used {
                    let edge = Edge {
                        weight: s.weight,
                        inline: s.inline,
                        residual: s.residual,
                    };
                    edges.insert((caller, callee), edge);
                }
            }
        }
        edges
    }
}

/// Go's `filepath.Clean` for slash-separated paths: collapses `//`, `.` and
/// `..` lexically.
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(&last) if last != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// pprof's source-path trimming: with no trim prefixes, cut everything up to
/// the base name of a source directory found in the path; then strip the
/// first matching prefix (plus the `/proc/self/cwd` forms).
pub fn trim_path<'a>(path: &'a str, trim: &str, source_path: &str) -> &'a str {
    if trim.is_empty() {
        for dir in source_path.split(':').filter(|d| !d.is_empty()) {
            let want = format!("/{}/", go_base(dir));
            if let Some(found) = path.find(&want) {
                return &path[found + want.len()..];
            }
        }
    }
    let prefixes = trim
        .split(':')
        .filter(|t| !t.is_empty())
        .chain(["/proc/self/cwd/./", "/proc/self/cwd/"]);
    for t in prefixes {
        let owned;
        let t = if t.ends_with('/') {
            t
        } else {
            owned = format!("{t}/");
            &owned
        };
        if let Some(rest) = path.strip_prefix(t) {
            return rest;
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_interned_once_and_read_back_past_their_capacity() {
        // Room for 2, then 500 more: the table grows, rehashing every
        // symbol from the shared buffer.
        let mut s = Symbols::with_capacity(2);
        assert_eq!(s.intern(""), 0);
        let words: Vec<String> = (0..500).map(|i| format!("pkg.f{i}")).collect();
        let ids: Vec<u32> = words.iter().map(|w| s.intern(w)).collect();
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(s.get(id), w);
            assert_eq!(s.intern(w), id, "{w} interned twice");
        }
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), words.len());
        assert_eq!(s.len(), words.len() + 1);
        // A prefix of another symbol is its own symbol.
        let p = s.intern("pkg.f1");
        let q = s.intern("pkg.f");
        assert_ne!(p, q);
        assert_eq!((s.get(p), s.get(q)), ("pkg.f1", "pkg.f"));
    }

    #[test]
    fn clean_path_matches_go() {
        for (i, o) in [
            ("a/b/../c", "a/c"),
            ("/a//b/./c/", "/a/b/c"),
            ("../../x", "../../x"),
            ("/../x", "/x"),
            ("./", "."),
            ("a/..", "."),
            ("runtime/proc.go", "runtime/proc.go"),
        ] {
            assert_eq!(clean_path(i), o, "{i}");
        }
    }

    #[test]
    fn base_matches_go() {
        assert_eq!(go_base("/opt/bin/cpu"), "cpu");
        assert_eq!(go_base("cpu"), "cpu");
        assert_eq!(go_base("/a/b/"), "b");
        assert_eq!(go_base("/"), "/");
        assert_eq!(go_base(""), ".");
    }

    #[test]
    fn trim_path_rules() {
        assert_eq!(trim_path("/proc/self/cwd/a.go", "", ""), "a.go");
        assert_eq!(trim_path("/some/path/x/a.go", "/some/path", ""), "x/a.go");
        assert_eq!(
            trim_path("/remote/proj/foo/a.go", "", "/local/proj"),
            "foo/a.go"
        );
        assert_eq!(trim_path("rel/a.go", "", ""), "rel/a.go");
    }
}

#[cfg(test)]
mod stack_sum_tests {
    //! The walks over distinct stacks ([`StackSums`]) give what the walks
    //! over samples give.
    use super::analysis::{Analysis, ReportOptions};
    use super::*;

    /// Functions a–c at locations 1–3, location 4 with c inlined into a (two
    /// lines), and `stacks` as samples.
    pub(super) fn profile(stacks: &[(&[u64], i64)]) -> Profile {
        let locations: &[&[u64]] = &[&[1], &[2], &[3], &[3, 1]];
        let bytes = crate::model::fixture::encoded(locations, stacks);
        crate::decode::protobuf::decode(&bytes).expect("a valid profile")
    }

    /// The id of the node printed as `name`.
    pub(super) fn node_named(an: &Analysis<'_>, name: &str) -> usize {
        (0..an.nodes.len())
            .find(|&n| an.nodes.printable_name(n as u32) == name)
            .expect("a node of that name")
    }

    /// Samples whose stacks repeat (so the decoder shares them), one with
    /// recursion, two whose values cancel.
    pub(super) fn sample_profile() -> Profile {
        profile(&[
            (&[1, 2, 3], 5),
            (&[4, 2], 7),
            (&[1, 2, 3], 11),
            (&[2, 1, 2, 3], 13),
            (&[4, 2], -7),
            (&[3], 2),
            (&[2, 1, 2, 3], 1),
            (&[1, 2, 3], 3),
        ])
    }

    #[test]
    fn stack_sums_give_the_sample_walks_weights_and_edges() {
        let p = sample_profile();
        assert!(p.samples.shares_stacks());
        let an = Analysis::new(&p, ReportOptions::default()).expect("analysis");
        let sums = an.stack_sums.as_ref().expect("the profile shares stacks");
        let by_samples = aggregate(&p, &an.view, &an.nodes, &an.sel, None);
        let by_stacks = aggregate(&p, &an.view, &an.nodes, &an.sel, Some(sums));
        assert_eq!(by_stacks.flat, by_samples.flat);
        assert_eq!(by_stacks.cum, by_samples.cum);
        assert_eq!(an.weights.cum, by_samples.cum);
        // a's cum counts the recursive stack once: 5 + 11 + 13 + 1 + 3, plus
        // the inlined a of location 4 (7 - 7).
        assert_eq!(by_stacks.cum[node_named(&an, "a")], 33);

        let all = vec![true; an.nodes.len()];
        let edges = |sums| {
            let mut e: Vec<_> = edges_into(&p, &an.view, &an.nodes, &an.sel, sums, &all, &all)
                .into_iter()
                .map(|(k, e)| (k, e.weight, e.inline, e.residual))
                .collect();
            e.sort_unstable();
            e
        };
        let want = edges(None);
        assert!(!want.is_empty());
        assert_eq!(edges(Some(sums)), want);
    }

    #[test]
    fn an_inlined_leaf_gives_its_flat_to_the_innermost_line() {
        // Location 4 is c inlined into a: its samples' flat goes to c alone.
        let p = profile(&[(&[4, 2], 7), (&[1], 2), (&[4, 2], 3)]);
        let an = Analysis::new(&p, ReportOptions::default()).expect("analysis");
        let node = |name| node_named(&an, name);
        let (a, b, c) = (node("a"), node("b"), node("c"));
        let sums = an.stack_sums.as_ref().expect("the profile shares stacks");
        for sums in [None, Some(sums)] {
            let w = aggregate(&p, &an.view, &an.nodes, &an.sel, sums);
            assert_eq!((w.flat[a], w.flat[b], w.flat[c]), (2, 0, 10));
            assert_eq!((w.cum[a], w.cum[b], w.cum[c]), (12, 10, 10));
        }
    }

    #[test]
    fn sums_of_another_profile_are_not_used() {
        let p = sample_profile();
        let other = profile(&[(&[1], 1), (&[1], 2)]);
        let an = Analysis::new(&p, ReportOptions::default()).expect("analysis");
        let foreign = StackSums::new(&other, &View::all(), &an.sel).expect("shares stacks");
        let got = aggregate(&p, &an.view, &an.nodes, &an.sel, Some(&foreign));
        assert_eq!(got.cum, an.weights.cum);
        assert_eq!(got.flat, an.weights.flat);
    }
}

#[cfg(test)]
mod narrow_tests {
    //! The narrow aggregation (8-byte slots, counts in a common unit) gives
    //! the wide one's weights, and is only taken where it cannot overflow.
    use super::analysis::{Analysis, ReportOptions};
    use super::stack_sum_tests::{node_named, profile, sample_profile};
    use super::*;

    /// Both walks over all of `p`'s items, by stacks when `by_stacks`:
    /// (narrow weights, or `None` when not taken; wide weights). The
    /// narrow walk runs in two parts, summed as [`aggregate`] sums them.
    fn both(p: &Profile, by_stacks: bool) -> (Option<Weights>, Weights) {
        let an = Analysis::new(p, ReportOptions::default()).expect("analysis");
        let sums = if by_stacks {
            an.stack_sums.as_ref()
        } else {
            None
        };
        let items = Items::new(p, &an.view, &an.sel, sums);
        let all = 0..items.len();
        let mid = items.len() / 2;
        let narrow = narrow_unit(&items).map(|unit| {
            let parts =
                [0..mid, mid..items.len()].map(|r| aggregate_narrow(&items, &an.nodes, r, unit));
            narrow_weights(&parts, an.nodes.len(), unit)
        });
        let wide = aggregate_range::<false>(&items, &an.nodes, all);
        (narrow, wide)
    }

    #[test]
    fn narrow_and_wide_walks_agree() {
        // Recursion, an inlined leaf, shared stacks and values that cancel.
        let p = sample_profile();
        for by_stacks in [false, true] {
            let (narrow, wide) = both(&p, by_stacks);
            let narrow = narrow.expect("small values take the narrow walk");
            assert_eq!(narrow.cum, wide.cum);
            assert_eq!(narrow.flat, wide.flat);
        }
        // Weights in a common unit far above 1, some negative.
        let unit = 10_000_000;
        let p = profile(&[
            (&[4, 2], 3 * unit),
            (&[1, 2, 3], 5 * unit),
            (&[2, 1, 2, 3], -2 * unit),
            (&[3], unit),
        ]);
        let (narrow, wide) = both(&p, false);
        let narrow = narrow.expect("a common unit keeps the counts small");
        assert_eq!(narrow.cum, wide.cum);
        assert_eq!(narrow.flat, wide.flat);
        assert!(wide.cum.contains(&(6 * unit)));
    }

    #[test]
    fn magnitudes_past_32_bits_take_the_wide_walk() {
        let big = i64::from(i32::MAX);
        // Coprime weights (unit 1) summing past i32::MAX, though each fits.
        let p = profile(&[(&[1, 2], big), (&[1, 3], 2), (&[2], -1)]);
        let an = Analysis::new(&p, ReportOptions::default()).expect("analysis");
        assert_eq!(narrow_unit(&Items::new(&p, &an.view, &an.sel, None)), None);
        // aggregate still gives the exact sums.
        let w = aggregate(&p, &an.view, &an.nodes, &an.sel, None);
        assert_eq!(w.cum[node_named(&an, "a")], big + 2);
        // In units of 2: magnitudes summing to i32::MAX units fit, one more
        // unit does not.
        let unit_of = |weights: &[i64]| {
            let stacks: Vec<(&[u64], i64)> = weights.iter().map(|&v| (&[1u64][..], v)).collect();
            let p = profile(&stacks);
            let an = Analysis::new(&p, ReportOptions::default()).expect("analysis");
            narrow_unit(&Items::new(&p, &an.view, &an.sel, None))
        };
        assert_eq!(unit_of(&[2 * (big - 1), 2]), Some(2));
        assert_eq!(unit_of(&[2 * big, 2]), None);
        assert_eq!(unit_of(&[2 * big, -2]), None, "magnitudes, not the sum");
    }

    #[test]
    fn gcd_of_weights() {
        assert_eq!(gcd(0, 0), 0);
        assert_eq!(gcd(0, 12), 12);
        assert_eq!(gcd(12, 0), 12);
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(10_000_000, 30_000_000), 10_000_000);
        assert_eq!(gcd(1 << 40, 3 << 20), 1 << 20);
        assert_eq!(gcd(17, 5), 1);
        assert_eq!(gcd(u64::MAX, u64::MAX), u64::MAX);
    }
}
