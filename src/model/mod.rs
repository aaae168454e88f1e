//! The immutable in-memory profile.
//!
//! [`Profile`] is what the decoder produces and every later stage reads: the
//! contents of a `profile.proto` message laid out as flat arrays
//! (struct-of-arrays) indexed by dense `u32` indices instead of the file's ids.
//! Strings live in one arena; each sample's stack is a slice of one shared
//! `u32` location-index arena; sample values form one row-major matrix.
//! Nothing here is mutated after decoding: filters and aggregation build
//! their own views on top.

pub mod encode;
#[cfg(test)]
pub(crate) mod fixture;
pub mod measurement;
mod packed_ids;
pub mod proto;
pub mod write_order;

/// Sentinel for "no entity" in `u32` index columns (for example a location
/// without a mapping).
pub const NONE: u32 = u32::MAX;

/// All strings of the profile, in string-table order, stored in one arena.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringTable {
    data: String,
    /// `ends[i]` is the end offset of string `i` in `data`; string `i` starts at `ends[i-1]` (or 0).
    ends: Vec<u32>,
}

impl StringTable {
    /// An empty table with room for `n` strings and `bytes` bytes of text.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        StringTable {
            data: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
        }
    }

    /// Makes room for `n` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        self.data.reserve(bytes);
        self.ends.reserve(n);
    }

    /// Asks the CPU to start loading where string `idx` starts and ends
    /// (nothing for an index out of range); [`StringTable::prefetch_text`]
    /// a little later then finds them in the cache.
    #[inline]
    pub fn prefetch_bounds(&self, idx: u32) {
        crate::util::prefetch::prefetch_at(&self.ends, (idx as usize).wrapping_sub(1));
        crate::util::prefetch::prefetch_at(&self.ends, idx as usize);
    }

    /// Asks the CPU to start loading the first bytes of string `idx`.
    #[inline]
    pub fn prefetch_text(&self, idx: u32) {
        let i = idx as usize;
        if i < self.ends.len() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            crate::util::prefetch::prefetch_at(self.data.as_bytes(), start);
        }
    }

    /// Bytes of text the table holds.
    pub fn text_len(&self) -> usize {
        self.data.len()
    }

    /// Appends a string and returns its index. Returns `None` when the arena
    /// would exceed 4 GiB.
    pub fn push(&mut self, s: &str) -> Option<u32> {
        let idx = u32::try_from(self.ends.len()).ok()?;
        self.data.push_str(s);
        self.ends.push(u32::try_from(self.data.len()).ok()?);
        Some(idx)
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if the table holds no strings at all.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string at `idx`; the empty string if `idx` is out of range (the
    /// decoder has already rejected out-of-range references).
    pub fn get(&self, idx: u32) -> &str {
        let i = idx as usize;
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        debug_assert!(self.data.is_char_boundary(start) && self.data.is_char_boundary(end));
        // SAFETY: `push` is the only writer of `ends`, and records
        // `data.len()` right after appending a whole `&str`: every end is a
        // char boundary within `data`, and the ends never decrease. (Slicing
        // with checks was a tenth of a merge's entity mapping, which reads
        // strings to hash and compare them.)
        unsafe { self.data.get_unchecked(start..end) }
    }

    /// Iterates over all strings in table order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(move |i| self.get(i))
    }
}

/// A sample type or period type: two string indices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValueType {
    /// String index of the type name (e.g. "cpu").
    pub ty: u32,
    /// String index of the unit (e.g. "nanoseconds").
    pub unit: u32,
}

/// A mapped binary or library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mapping {
    /// The id the file gave it.
    pub id: u64,
    /// Start address.
    pub memory_start: u64,
    /// End address (exclusive).
    pub memory_limit: u64,
    /// File offset of the mapping.
    pub file_offset: u64,
    /// String index of the object file name.
    pub filename: u32,
    /// String index of the build id.
    pub build_id: u32,
    /// Symbolization flags.
    pub has_functions: bool,
    /// The mapping's locations carry file names.
    pub has_filenames: bool,
    /// The mapping's locations carry line numbers.
    pub has_line_numbers: bool,
    /// The mapping's locations carry inlined frames.
    pub has_inline_frames: bool,
}

/// A function (name, file, start line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Function {
    /// The id the file gave it.
    pub id: u64,
    /// String index of the (demangled) name.
    pub name: u32,
    /// String index of the system (mangled) name.
    pub system_name: u32,
    /// String index of the source file name.
    pub filename: u32,
    /// First line of the function in its file.
    pub start_line: i64,
}

/// One source line of a location; a location with several lines records
/// inlining (`lines[0]` is the innermost callee, the last one the physical
/// caller).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Line {
    /// Index into [`Profile::functions`].
    pub function: u32,
    /// Line number (0 = unknown).
    pub line: i64,
    /// Column number (0 = unknown).
    pub column: i64,
}

/// One label of a sample, as stored in the file (string indices unresolved).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Label {
    /// String index of the key.
    pub key: u32,
    /// String index of the string value (0 = none).
    pub str: u32,
    /// Numeric value.
    pub num: i64,
    /// String index of the numeric value's unit (0 = none).
    pub num_unit: u32,
    /// A numeric label of value 0 with no unit that the source kept: Go's
    /// heap text profiles give every sample a `bytes` label, 0 included,
    /// and pprof shows it; profile.proto cannot carry one (its decoders
    /// drop a label with no string, no number and no unit).
    pub kept_zero: bool,
}

/// Three words per label, where the derived hash wrote five values: label
/// lists are hashed once per sample when a merge numbers them.
impl std::hash::Hash for Label {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.key) << 32 | u64::from(self.str));
        state.write_u64(self.num as u64);
        state.write_u64(u64::from(self.num_unit) << 1 | u64::from(self.kept_zero));
    }
}

impl Label {
    /// True if this is a numeric label (pprof's `NumLabel`), false for a
    /// string label or one that carries nothing.
    pub fn is_numeric(&self) -> bool {
        self.str == 0 && (self.num != 0 || self.num_unit != 0 || self.kept_zero)
    }
}

/// The profile's locations, column by column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    /// The id the file gave each location.
    pub id: Vec<u64>,
    /// Index into [`Profile::mappings`] or [`NONE`].
    pub mapping: Vec<u32>,
    /// Instruction address.
    pub address: Vec<u64>,
    /// `is_folded` flag.
    pub is_folded: Vec<bool>,
    /// `line_ends[i]` is the end (exclusive) of location `i`'s lines in `lines`.
    pub line_ends: Vec<u32>,
    /// Lines of all locations, concatenated.
    pub lines: Vec<Line>,
}

impl Locations {
    /// Number of locations.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// True if there are no locations.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The lines of location `loc` (innermost first).
    pub fn lines(&self, loc: u32) -> &[Line] {
        let i = loc as usize;
        let start = if i == 0 {
            0
        } else {
            self.line_ends[i - 1] as usize
        };
        &self.lines[start..self.line_ends[i] as usize]
    }
}

/// The profile's samples: stacks, values and labels in flat arrays.
///
/// Samples may share a stack: `stack_ends` and `stack_locs` hold the
/// distinct stacks, and `stack_of` says which one each sample has. An empty
/// `stack_of` means stack `i` is sample `i`'s (what every writer but the
/// decoder produces). The decoder shares the stacks of samples whose
/// location ids are the same bytes, so that a profile of five million
/// samples over a million and a half stacks stores and aggregates each
/// stack once. Equality compares what each sample sees, not the layout.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// `stack_ends[k]` is the end (exclusive) of stack `k` in `stack_locs`.
    pub stack_ends: Vec<u32>,
    /// Location indices of all stacks, each stack leaf first.
    pub stack_locs: Vec<u32>,
    /// The stack of each sample, when samples share stacks (else empty).
    pub stack_of: Vec<u32>,
    /// Values, row-major: sample `i`'s values are `values[i*n..(i+1)*n]` with `n` = number of sample types.
    pub values: Vec<i64>,
    /// `label_ends[i]` is the end (exclusive) of sample `i`'s labels in `labels`.
    pub label_ends: Vec<u32>,
    /// Labels of all samples, concatenated.
    pub labels: Vec<Label>,
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        if self.stack_of.is_empty() {
            self.stack_ends.len()
        } else {
            self.stack_of.len()
        }
    }

    /// True if there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct stacks stored.
    pub fn stack_count(&self) -> usize {
        self.stack_ends.len()
    }

    /// True when some samples share a stack (`stack_of` is in use).
    pub fn shares_stacks(&self) -> bool {
        !self.stack_of.is_empty()
    }

    /// The index of sample `s`'s stack (see [`Samples::stack_at`]).
    #[inline(always)]
    pub fn stack_index(&self, s: usize) -> usize {
        match self.stack_of.get(s) {
            Some(&k) => k as usize,
            None => s,
        }
    }

    /// Stack number `k` as location indices, leaf first.
    #[inline(always)]
    pub fn stack_at(&self, k: usize) -> &[u32] {
        let start = if k == 0 {
            0
        } else {
            self.stack_ends[k - 1] as usize
        };
        &self.stack_locs[start..self.stack_ends[k] as usize]
    }

    /// The stack of sample `s` as location indices, leaf first.
    #[inline(always)]
    pub fn stack(&self, s: usize) -> &[u32] {
        self.stack_at(self.stack_index(s))
    }

    /// Appends a sample's stack, values and labels (one new stack; only for
    /// samples that do not share stacks).
    pub fn push(&mut self, stack: &[u32], values: &[i64], labels: &[Label]) {
        debug_assert!(self.stack_of.is_empty());
        self.stack_locs.extend_from_slice(stack);
        self.stack_ends.push(self.stack_locs.len() as u32);
        self.values.extend_from_slice(values);
        self.labels.extend_from_slice(labels);
        self.label_ends.push(self.labels.len() as u32);
    }

    /// The labels of sample `s`.
    pub fn labels(&self, s: usize) -> &[Label] {
        let start = if s == 0 {
            0
        } else {
            self.label_ends[s - 1] as usize
        };
        &self.labels[start..self.label_ends[s] as usize]
    }
}

impl PartialEq for Samples {
    fn eq(&self, other: &Samples) -> bool {
        self.len() == other.len()
            && self.values == other.values
            && self.label_ends == other.label_ends
            && self.labels == other.labels
            && (0..self.len()).all(|s| self.stack(s) == other.stack(s))
    }
}

impl Eq for Samples {}

/// A decoded profile. Immutable once built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The string table.
    pub strings: StringTable,
    /// One type per value column of the samples.
    pub sample_types: Vec<ValueType>,
    /// String index of the default sample type name (0 = none).
    pub default_sample_type: u32,
    /// Sampling period type.
    pub period_type: ValueType,
    /// Sampling period.
    pub period: i64,
    /// Collection time, ns since the epoch (0 = unknown).
    pub time_nanos: i64,
    /// Collection duration in ns (0 = unknown).
    pub duration_nanos: i64,
    /// String indices of the comments.
    pub comments: Vec<u32>,
    /// String index of the drop_frames regex (0 = none).
    pub drop_frames: u32,
    /// String index of the keep_frames regex (0 = none).
    pub keep_frames: u32,
    /// String index of the documentation URL (0 = none).
    pub doc_url: u32,
    /// Mappings in file order.
    pub mappings: Vec<Mapping>,
    /// Functions in file order.
    pub functions: Vec<Function>,
    /// Locations in file order.
    pub locations: Locations,
    /// Samples in file order.
    pub samples: Samples,
}

impl Profile {
    /// Gives a profile without mappings pprof's fake mapping (id 1, all
    /// zero), attached to every location, as pprof's fetcher does to every
    /// profile it loads (pprofx: before merging, and before writing).
    pub fn ensure_mapping(&mut self) {
        if !self.mappings.is_empty() {
            return;
        }
        self.mappings.push(Mapping {
            id: 1,
            ..Mapping::default()
        });
        for m in &mut self.locations.mapping {
            *m = 0;
        }
    }

    /// Shorthand for `self.strings.get(idx)`.
    pub fn str(&self, idx: u32) -> &str {
        self.strings.get(idx)
    }

    /// Number of values per sample (= number of sample types).
    pub fn num_values(&self) -> usize {
        self.sample_types.len()
    }

    /// The values of sample `s`.
    pub fn values(&self, s: usize) -> &[i64] {
        let n = self.num_values();
        &self.samples.values[s * n..(s + 1) * n]
    }

    /// The sample type names, in order.
    pub fn sample_type_names(&self) -> Vec<&str> {
        self.sample_types.iter().map(|t| self.str(t.ty)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Label;

    #[test]
    fn numeric_labels() {
        let num = |num, num_unit, kept_zero| Label {
            key: 1,
            num,
            num_unit,
            kept_zero,
            ..Label::default()
        };
        assert!(num(3, 0, false).is_numeric());
        assert!(num(0, 2, false).is_numeric());
        assert!(num(0, 0, true).is_numeric());
        // What profile.proto carries as an empty label is nothing.
        assert!(!num(0, 0, false).is_numeric());
        let s = Label {
            key: 1,
            str: 2,
            ..Label::default()
        };
        assert!(!s.is_numeric());
    }
}
