//! The hand-written profile.proto decoder.
//!
//! Reads the bytes of an (already inflated) `perftools.profiles.Profile`
//! message straight into the flat [`Profile`] model, without building the
//! per-message objects a generated decoder would. It works in two passes over
//! the top-level fields: the first decodes everything but the samples and
//! remembers where the runs of sample messages lie; once all locations are
//! known, the second decodes the samples with location ids turned into dense
//! indices on the fly. It accepts what protobuf allows (packed and unpacked
//! repeated fields, any field order, unknown fields, sparse ids) and rejects
//! what pprof rejects (concatenated profiles, value/type count mismatches,
//! string indices out of range, unknown or duplicate ids), always with an
//! error, never a panic. The generated prost types in [`crate::model::proto`]
//! serve as its oracle in tests.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::dedup::Dedup;
use crate::error::DecodeError;
use crate::model::{Function, Label, Line, Mapping, Profile, Samples, ValueType, NONE};
use crate::util::prefetch::prefetch_at;

type Result<T> = std::result::Result<T, DecodeError>;

const WIRE_VARINT: u8 = 0;
const WIRE_I64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_I32: u8 = 5;

/// Decodes an uncompressed profile.proto message into a [`Profile`].
pub fn decode(buf: &[u8]) -> Result<Profile> {
    let mut d = Decoder::default();
    let mut timer = crate::util::timing::Timer::from_env();
    d.first_pass(buf)?;
    timer.lap("first pass");
    let p = d.finish(buf, &mut timer)?;
    timer.lap("samples");
    Ok(p)
}

/// A cursor over one message (or sub-message) of the input.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], start: usize, end: usize) -> Self {
        Reader {
            buf,
            pos: start,
            end,
        }
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64> {
        // Fast paths for the 1–3 byte varints that make up almost all of a
        // profile (string indices, ids, small values).
        if self.end - self.pos >= 3 {
            let b = &self.buf[self.pos..self.pos + 3];
            if b[0] < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b[0]));
            }
            if b[1] < 0x80 {
                self.pos += 2;
                return Ok(u64::from(b[0] & 0x7f) | u64::from(b[1]) << 7);
            }
            if b[2] < 0x80 {
                self.pos += 3;
                return Ok(u64::from(b[0] & 0x7f)
                    | u64::from(b[1] & 0x7f) << 7
                    | u64::from(b[2]) << 14);
            }
        }
        self.varint_slow()
    }

    #[cold]
    fn varint_slow(&mut self) -> Result<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        for shift in 0..10 {
            if self.pos >= self.end {
                return Err(DecodeError::Truncated {
                    offset: start,
                    what: "varint",
                });
            }
            let b = self.buf[self.pos];
            self.pos += 1;
            v |= u64::from(b & 0x7f) << (shift * 7);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(DecodeError::BadVarint { offset: start })
    }

    /// Reads a field key; returns (field number, wire type, offset of the key).
    #[inline]
    fn key(&mut self) -> Result<(u64, u8, usize)> {
        let at = self.pos;
        let k = self.varint()?;
        let field = k >> 3;
        if field == 0 {
            return Err(DecodeError::ZeroField { offset: at });
        }
        Ok((field, (k & 7) as u8, at))
    }

    /// Reads a length prefix and returns the (start, end) of the payload.
    #[inline]
    fn len_delimited(&mut self) -> Result<(usize, usize)> {
        let at = self.pos;
        let len = self.varint()?;
        let start = self.pos;
        let remaining = (self.end - start) as u64;
        if len > remaining {
            return Err(DecodeError::Truncated {
                offset: at,
                what: "length-delimited field",
            });
        }
        self.pos = start + len as usize;
        Ok((start, self.pos))
    }

    fn skip(&mut self, field: u64, wire: u8, at: usize) -> Result<()> {
        match wire {
            WIRE_VARINT => {
                self.varint()?;
            }
            WIRE_I64 => self.advance(8, at)?,
            WIRE_LEN => {
                self.len_delimited()?;
            }
            WIRE_I32 => self.advance(4, at)?,
            _ => {
                return Err(DecodeError::WireType {
                    field,
                    wire_type: wire,
                    offset: at,
                })
            }
        }
        Ok(())
    }

    fn advance(&mut self, n: usize, at: usize) -> Result<()> {
        if self.end - self.pos < n {
            return Err(DecodeError::Truncated {
                offset: at,
                what: "fixed-width field",
            });
        }
        self.pos += n;
        Ok(())
    }

    /// Reads a scalar varint field, checking its wire type.
    #[inline]
    fn scalar(&mut self, field: u64, wire: u8, at: usize) -> Result<u64> {
        if wire != WIRE_VARINT {
            return Err(DecodeError::WireType {
                field,
                wire_type: wire,
                offset: at,
            });
        }
        self.varint()
    }

    /// Reads an embedded message field, checking its wire type.
    #[inline]
    fn message(&mut self, field: u64, wire: u8, at: usize) -> Result<Reader<'a>> {
        if wire != WIRE_LEN {
            return Err(DecodeError::WireType {
                field,
                wire_type: wire,
                offset: at,
            });
        }
        let (s, e) = self.len_delimited()?;
        Ok(Reader::new(self.buf, s, e))
    }

    /// Reads a repeated varint field that may be packed or not, calling `f` per element.
    #[inline]
    fn repeated(
        &mut self,
        field: u64,
        wire: u8,
        at: usize,
        mut f: impl FnMut(u64) -> Result<()>,
    ) -> Result<()> {
        match wire {
            WIRE_VARINT => f(self.varint()?),
            WIRE_LEN => {
                let mut inner = self.message(field, wire, at)?;
                while !inner.at_end() {
                    f(inner.varint()?)?;
                }
                Ok(())
            }
            _ => Err(DecodeError::WireType {
                field,
                wire_type: wire,
                offset: at,
            }),
        }
    }
}

/// Raw (file-id based) location data kept between the passes.
#[derive(Default)]
struct RawLocations {
    mapping_ids: Vec<u64>,
    line_function_ids: Vec<u64>,
}

/// Maps the file's ids to dense indices: nothing at all when the ids are
/// 1, 2, 3… in order (as the Go runtime and pprof write them), a vector when
/// they are dense enough, a hash map otherwise. On a profile with half a
/// million locations the vector no longer fits the CPU's nearer caches, and
/// the sample decoder looks an id up for every frame.
enum IdIndex {
    Identity(u64),
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32, RandomState>),
}

impl IdIndex {
    fn build(ids: &[u64], what: &'static str) -> Result<IdIndex> {
        if ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1) {
            return Ok(IdIndex::Identity(ids.len() as u64));
        }
        let max = ids.iter().copied().max().unwrap_or(0);
        let dense_limit = (ids.len() as u64).saturating_mul(4).saturating_add(1024);
        if max <= dense_limit {
            let mut v = vec![NONE; max as usize + 1];
            for (i, &id) in ids.iter().enumerate() {
                if id == 0 {
                    return Err(DecodeError::ZeroId { what });
                }
                if v[id as usize] != NONE {
                    return Err(DecodeError::DuplicateId { what, id });
                }
                v[id as usize] = i as u32;
            }
            Ok(IdIndex::Dense(v))
        } else {
            let mut m = HashMap::with_capacity_and_hasher(ids.len(), RandomState::default());
            for (i, &id) in ids.iter().enumerate() {
                if id == 0 {
                    return Err(DecodeError::ZeroId { what });
                }
                if m.insert(id, i as u32).is_some() {
                    return Err(DecodeError::DuplicateId { what, id });
                }
            }
            Ok(IdIndex::Sparse(m))
        }
    }

    #[inline(always)]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdIndex::Identity(n) => identity_get(*n, id),
            IdIndex::Dense(v) => dense_get(v, id),
            IdIndex::Sparse(m) => m.get(&id).copied(),
        }
    }
}

/// [`IdIndex::Identity`]'s lookup: ids 1..=n are indices 0..n.
#[inline(always)]
fn identity_get(n: u64, id: u64) -> Option<u32> {
    (id.wrapping_sub(1) < n).then(|| (id - 1) as u32)
}

/// [`IdIndex::Dense`]'s lookup.
#[inline(always)]
fn dense_get(v: &[u32], id: u64) -> Option<u32> {
    match v.get(id as usize) {
        Some(&i) if i != NONE => Some(i),
        _ => None,
    }
}

/// State of a decode in progress.
#[derive(Default)]
struct Decoder {
    p: Profile,
    /// Raw string indices still to be validated, with what they belong to.
    raw: RawLocations,
    /// The sample messages, in file order, as runs of consecutive ones
    /// (a few words per thousand samples rather than a range per sample:
    /// the first pass writes next to nothing while it hops through the
    /// input, and a flood of tiny samples costs no memory of its own).
    sample_runs: Vec<SampleRun>,
    /// The table messages (mappings, locations, functions, strings) as
    /// (field, start, end), in file order, decoded after the scan.
    tables: Vec<(u8, usize, usize)>,
    time_seen: bool,
    /// Raw int64 string indices gathered in the first pass, checked once the table is complete.
    pending_strings: Vec<i64>,
}

/// Converts a raw string index, remembering it for validation.
#[inline]
fn str_idx(pending: &mut Vec<i64>, v: u64) -> u32 {
    let v = v as i64;
    if v != 0 {
        pending.push(v);
    }
    // Out-of-range values are rejected in `finish`; clamp for storage.
    u32::try_from(v).unwrap_or(NONE)
}

impl Decoder {
    fn first_pass(&mut self, buf: &[u8]) -> Result<()> {
        let mut r = Reader::new(buf, 0, buf.len());
        while !r.at_end() {
            // The scan jumps from message to message, each jump known only
            // once the length before it is read: ask for the bytes ahead.
            prefetch_at(buf, r.pos + 4096);
            let (field, wire, at) = r.key()?;
            match field {
                1 => {
                    let m = r.message(field, wire, at)?;
                    let vt = self.value_type(m)?;
                    self.p.sample_types.push(vt);
                }
                2 => {
                    let m = r.message(field, wire, at)?;
                    match self.sample_runs.last_mut() {
                        Some(run) if run.end == at && run.count < SampleRun::MAX => {
                            run.end = m.end;
                            run.count += 1;
                        }
                        _ => self.sample_runs.push(SampleRun {
                            start: at,
                            end: m.end,
                            count: 1,
                        }),
                    }
                }
                3..=6 => {
                    let m = r.message(field, wire, at)?;
                    self.tables.push((field as u8, m.pos, m.end));
                }
                7 => {
                    let v = r.scalar(field, wire, at)?;
                    self.p.drop_frames = str_idx(&mut self.pending_strings, v);
                }
                8 => {
                    let v = r.scalar(field, wire, at)?;
                    self.p.keep_frames = str_idx(&mut self.pending_strings, v);
                }
                9 => {
                    let v = r.scalar(field, wire, at)? as i64;
                    if self.time_seen && self.p.time_nanos != 0 {
                        return Err(DecodeError::Concatenated);
                    }
                    self.time_seen = true;
                    self.p.time_nanos = v;
                }
                10 => self.p.duration_nanos = r.scalar(field, wire, at)? as i64,
                11 => {
                    let m = r.message(field, wire, at)?;
                    self.p.period_type = self.value_type(m)?;
                }
                12 => self.p.period = r.scalar(field, wire, at)? as i64,
                13 => {
                    let pending = &mut self.pending_strings;
                    let comments = &mut self.p.comments;
                    r.repeated(field, wire, at, |v| {
                        comments.push(str_idx(pending, v));
                        Ok(())
                    })?;
                }
                14 => {
                    let v = r.scalar(field, wire, at)?;
                    self.p.default_sample_type = str_idx(&mut self.pending_strings, v);
                }
                15 => {
                    let v = r.scalar(field, wire, at)?;
                    self.p.doc_url = str_idx(&mut self.pending_strings, v);
                }
                _ => r.skip(field, wire, at)?,
            }
        }
        Ok(())
    }

    /// Decodes the table messages the scan found, in file order.
    fn decode_tables(&mut self, buf: &[u8]) -> Result<()> {
        self.reserve_tables();
        for &(field, start, end) in &std::mem::take(&mut self.tables) {
            prefetch_at(buf, start + 4096);
            let m = Reader::new(buf, start, end);
            match field {
                3 => self.mapping(m)?,
                4 => self.location(m)?,
                5 => self.function(m)?,
                _ => {
                    // Valid UTF-8 (the usual case) is checked by the fast
                    // validator; only invalid bytes pay for a copy, which
                    // keeps them (escaped, see `util::rawbytes`).
                    let s = crate::util::rawbytes::decode(&buf[start..end]);
                    if self.p.strings.push(&s).is_none() {
                        return Err(DecodeError::Overflow {
                            what: "string bytes",
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Sizes the tables from what the scan found (entries per table, bytes
    /// of strings), so that half a million locations and a million strings
    /// are stored without growing (and copying, and faulting in) their
    /// arrays step by step. Every entry takes bytes of the input, so nothing
    /// reserved here exceeds what the input can hold.
    fn reserve_tables(&mut self) {
        let (mut maps, mut locs, mut funcs, mut strs, mut str_bytes, mut loc_bytes) =
            (0, 0, 0, 0, 0, 0);
        for &(field, start, end) in &self.tables {
            match field {
                3 => maps += 1,
                4 => {
                    locs += 1;
                    loc_bytes += end - start;
                }
                5 => funcs += 1,
                _ => {
                    strs += 1;
                    str_bytes += end - start;
                }
            }
        }
        if self.p.strings.is_empty() {
            self.p.strings = crate::model::StringTable::with_capacity(strs, str_bytes);
        }
        self.p.mappings.reserve(maps);
        self.p.functions.reserve(funcs);
        // At least one string index per function (its name).
        self.pending_strings.reserve(funcs);
        let locations = &mut self.p.locations;
        locations.id.reserve(locs);
        locations.address.reserve(locs);
        locations.is_folded.reserve(locs);
        locations.mapping.reserve(locs);
        locations.line_ends.reserve(locs);
        // A line takes at least 2 bytes (its key and length); most
        // locations have one.
        let lines = locs.max(loc_bytes / 16);
        locations.lines.reserve(lines);
        self.raw.mapping_ids.reserve(locs);
        self.raw.line_function_ids.reserve(lines);
    }

    fn value_type(&mut self, mut m: Reader<'_>) -> Result<ValueType> {
        let mut vt = ValueType::default();
        while !m.at_end() {
            let (field, wire, at) = m.key()?;
            match field {
                1 => vt.ty = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                2 => vt.unit = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                _ => m.skip(field, wire, at)?,
            }
        }
        Ok(vt)
    }

    fn mapping(&mut self, mut m: Reader<'_>) -> Result<()> {
        let mut mp = Mapping::default();
        while !m.at_end() {
            let (field, wire, at) = m.key()?;
            match field {
                1 => mp.id = m.scalar(field, wire, at)?,
                2 => mp.memory_start = m.scalar(field, wire, at)?,
                3 => mp.memory_limit = m.scalar(field, wire, at)?,
                4 => mp.file_offset = m.scalar(field, wire, at)?,
                5 => mp.filename = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                6 => mp.build_id = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                7 => mp.has_functions = m.scalar(field, wire, at)? != 0,
                8 => mp.has_filenames = m.scalar(field, wire, at)? != 0,
                9 => mp.has_line_numbers = m.scalar(field, wire, at)? != 0,
                10 => mp.has_inline_frames = m.scalar(field, wire, at)? != 0,
                _ => m.skip(field, wire, at)?,
            }
        }
        self.p.mappings.push(mp);
        Ok(())
    }

    fn function(&mut self, mut m: Reader<'_>) -> Result<()> {
        let mut f = Function::default();
        while !m.at_end() {
            let (field, wire, at) = m.key()?;
            match field {
                1 => f.id = m.scalar(field, wire, at)?,
                2 => f.name = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                3 => f.system_name = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                4 => f.filename = str_idx(&mut self.pending_strings, m.scalar(field, wire, at)?),
                5 => f.start_line = m.scalar(field, wire, at)? as i64,
                _ => m.skip(field, wire, at)?,
            }
        }
        self.p.functions.push(f);
        Ok(())
    }

    fn location(&mut self, mut m: Reader<'_>) -> Result<()> {
        let (mut id, mut mapping_id, mut address, mut folded) = (0u64, 0u64, 0u64, false);
        while !m.at_end() {
            let (field, wire, at) = m.key()?;
            match field {
                1 => id = m.scalar(field, wire, at)?,
                2 => mapping_id = m.scalar(field, wire, at)?,
                3 => address = m.scalar(field, wire, at)?,
                4 => {
                    let mut l = m.message(field, wire, at)?;
                    let (mut fid, mut line, mut column) = (0u64, 0i64, 0i64);
                    while !l.at_end() {
                        let (field, wire, at) = l.key()?;
                        match field {
                            1 => fid = l.scalar(field, wire, at)?,
                            2 => line = l.scalar(field, wire, at)? as i64,
                            3 => column = l.scalar(field, wire, at)? as i64,
                            _ => l.skip(field, wire, at)?,
                        }
                    }
                    self.raw.line_function_ids.push(fid);
                    self.p.locations.lines.push(Line {
                        function: NONE,
                        line,
                        column,
                    });
                }
                5 => folded = m.scalar(field, wire, at)? != 0,
                _ => m.skip(field, wire, at)?,
            }
        }
        let locs = &mut self.p.locations;
        locs.id.push(id);
        locs.address.push(address);
        locs.is_folded.push(folded);
        locs.mapping.push(NONE);
        self.raw.mapping_ids.push(mapping_id);
        let end =
            u32::try_from(locs.lines.len()).map_err(|_| DecodeError::Overflow { what: "lines" })?;
        locs.line_ends.push(end);
        Ok(())
    }

    /// Decodes the tables, resolves ids, validates string indices and
    /// decodes the samples.
    fn finish(mut self, buf: &[u8], timer: &mut crate::util::timing::Timer) -> Result<Profile> {
        let nvalues = self.p.sample_types.len();
        let runs = std::mem::take(&mut self.sample_runs);
        self.decode_tables(buf)?;
        self.resolve()?;
        let loc_index = IdIndex::build(&self.p.locations.id, "location")?;
        timer.lap("tables");
        if nvalues == 0 && !runs.is_empty() {
            return Err(DecodeError::MissingSampleTypes);
        }
        let nstr = self.p.strings.len();
        self.p.samples = decode_samples(buf, &runs, nvalues, &loc_index, nstr)?;
        Ok(self.p)
    }

    /// Checks the string table and string indices, and turns mapping and
    /// function ids into indices.
    fn resolve(&mut self) -> Result<()> {
        let nstr = self.p.strings.len();
        if nstr == 0 {
            return Err(DecodeError::NoStringTable);
        }
        if !self.p.strings.get(0).is_empty() {
            return Err(DecodeError::FirstString);
        }
        if let Some(&bad) = self
            .pending_strings
            .iter()
            .find(|&&v| v < 0 || v as u64 >= nstr as u64)
        {
            return Err(DecodeError::StringIndex {
                index: bad,
                len: nstr,
            });
        }
        self.pending_strings = Vec::new();

        // Mappings: ids checked, then locations' mapping ids resolved (unknown
        // mapping ids leave the location without a mapping, as pprof does).
        let map_ids: Vec<u64> = self.p.mappings.iter().map(|m| m.id).collect();
        let map_index = IdIndex::build(&map_ids, "mapping")?;
        for (slot, &mid) in self
            .p
            .locations
            .mapping
            .iter_mut()
            .zip(&self.raw.mapping_ids)
        {
            if mid != 0 {
                *slot = map_index.get(mid).unwrap_or(NONE);
            }
        }

        // Functions, then lines' function ids.
        let fn_ids: Vec<u64> = self.p.functions.iter().map(|f| f.id).collect();
        let fn_index = IdIndex::build(&fn_ids, "function")?;
        let locs = &mut self.p.locations;
        let mut li = 0usize;
        for (loc, &end) in locs.line_ends.iter().enumerate() {
            while li < end as usize {
                let fid = self.raw.line_function_ids[li];
                if fid == 0 {
                    return Err(DecodeError::NilFunction {
                        location: locs.id[loc],
                    });
                }
                locs.lines[li].function =
                    fn_index.get(fid).ok_or_else(|| DecodeError::UnknownId {
                        from: format!("location {}", locs.id[loc]),
                        what: "function",
                        id: fid,
                    })?;
                li += 1;
            }
        }
        self.raw = RawLocations::default();
        Ok(())
    }
}

/// Consecutive sample messages (top-level field 2): from the first one's
/// key to the last one's end.
#[derive(Clone, Copy, Debug)]
struct SampleRun {
    start: usize,
    end: usize,
    count: u32,
}

impl SampleRun {
    /// Samples per run at most, so that the second pass can cut the
    /// samples into even chunks at run boundaries.
    const MAX: u32 = 1024;
}

/// Cuts `n` samples held in `runs` into the chunks of
/// [`crate::util::parallel::split`], moved to run boundaries: the sample
/// range and the run range of each chunk.
fn split_runs(
    runs: &[SampleRun],
    n: usize,
) -> (Vec<std::ops::Range<usize>>, Vec<std::ops::Range<usize>>) {
    let targets = crate::util::parallel::split(n);
    let (mut samples, mut run_ranges) = (Vec::new(), Vec::new());
    let (mut run, mut at) = (0usize, 0usize);
    for t in &targets {
        let (first_run, first) = (run, at);
        while run < runs.len() && at < t.end {
            at += runs[run].count as usize;
            run += 1;
        }
        samples.push(first..at);
        run_ranges.push(first_run..run);
    }
    (samples, run_ranges)
}

/// The second pass: decodes every sample message into the flat arrays, in
/// chunks on several threads for large profiles.
///
/// Every array but the labels is allocated once, and each chunk writes its
/// own part of it: stack ends, stack indices and values have exactly one
/// slot per sample, and frames go into a region of one arena sized by the
/// chunk's bytes (a frame takes at least one byte). Samples whose location
/// ids are the same bytes as an earlier sample's of the same chunk share its
/// stack ([`Dedup`]): a hot stack is decoded, stored and later aggregated
/// once. Joining then only slides each chunk's frames and stack ends down
/// behind the previous chunk's and rebases its indices. The arrays start
/// zeroed, which costs nothing for pages never written.
fn decode_samples(
    buf: &[u8],
    runs: &[SampleRun],
    nvalues: usize,
    loc_index: &IdIndex,
    nstr: usize,
) -> Result<Samples> {
    let n: usize = runs.iter().map(|r| r.count as usize).sum();
    let (chunks, chunk_runs) = split_runs(runs, n);
    let bounds: Vec<usize> = chunk_runs
        .iter()
        .map(|c| runs[c.clone()].iter().map(|r| r.end - r.start).sum())
        .collect();
    let bytes: usize = bounds.iter().sum();
    // The frame arena is the largest array (four bytes per byte of the
    // samples) and only its first part is written: left uninitialized, it
    // costs nothing on fresh pages and no clearing on reused ones (a merge
    // keeps freed memory, where calloc cleared the whole arena for every
    // input).
    let mut frames: Vec<u32> = Vec::with_capacity(bytes);
    let mut stack_ends = vec![0u32; n];
    let mut stack_of = vec![0u32; n];
    let mut label_ends = vec![0u32; n];
    // A value takes at least one byte: if the values cannot fit the input, some
    // sample has the wrong count, and the decode fails on the first such one
    // without storing any.
    let value_slots = n.saturating_mul(nvalues);
    let mut values = vec![0i64; if value_slots <= bytes { value_slots } else { 0 }];

    let mut jobs = Vec::with_capacity(chunks.len());
    let (mut f, mut e, mut o, mut l, mut v) = (
        &mut frames.spare_capacity_mut()[..bytes],
        &mut stack_ends[..],
        &mut stack_of[..],
        &mut label_ends[..],
        &mut values[..],
    );
    for ((c, rc), &bound) in chunks.iter().zip(&chunk_runs).zip(&bounds) {
        let (fr, f_rest) = f.split_at_mut(bound);
        let (en, e_rest) = e.split_at_mut(c.len());
        let (so, o_rest) = o.split_at_mut(c.len());
        let (le, l_rest) = l.split_at_mut(c.len());
        let (va, v_rest) = v.split_at_mut((c.len() * nvalues).min(v.len()));
        jobs.push((
            (c.start, rc.clone()),
            ChunkOut {
                frames: fr,
                frame_count: 0,
                stack_ends: en,
                stack_count: 0,
                stack_of: so,
                label_ends: le,
                values: va,
                labels: Vec::new(),
                label_room: if c.start == 0 { n } else { c.len() },
                label_cap: bytes / 2,
            },
        ));
        (f, e, o, l, v) = (f_rest, e_rest, o_rest, l_rest, v_rest);
    }
    let outs = crate::util::parallel::run_each(jobs, |((first, rc), mut out)| {
        decode_sample_chunk(buf, &runs[rc], first, nvalues, loc_index, nstr, &mut out)?;
        Ok(ChunkUsed {
            frames: out.frame_count,
            stacks: out.stack_count,
            labels: out.labels,
        })
    });
    let outs = outs.into_iter().collect::<Result<Vec<ChunkUsed>>>()?;
    let stacks = Stacks {
        frames,
        ends: stack_ends,
        of: stack_of,
    };
    join_chunks(stacks, label_ends, values, &chunks, &bounds, outs)
}

/// What one chunk of [`decode_samples`] used of its regions.
struct ChunkUsed {
    frames: usize,
    stacks: usize,
    labels: Vec<Label>,
}

/// The stack arrays of [`decode_samples`] before they are joined.
struct Stacks {
    /// Empty, its spare capacity the chunks' regions, written only in part.
    frames: Vec<u32>,
    ends: Vec<u32>,
    of: Vec<u32>,
}

/// Joins the chunks of [`decode_samples`]: slides each chunk's frames and
/// stack ends down behind the previous chunk's, rebases its stack ends,
/// stack indices and label ends, and appends its labels.
fn join_chunks(
    stacks: Stacks,
    mut label_ends: Vec<u32>,
    values: Vec<i64>,
    chunks: &[std::ops::Range<usize>],
    bounds: &[usize],
    outs: Vec<ChunkUsed>,
) -> Result<Samples> {
    let Stacks {
        mut frames,
        ends: mut stack_ends,
        of: mut stack_of,
    } = stacks;
    let (mut len, mut region_start, mut nstacks) = (0usize, 0usize, 0usize);
    // The first chunk's labels stay where they are and the others are
    // appended: copying every label into a new buffer (165 MB on the
    // 5M-sample profile) would cost as much in fresh pages as in copying.
    let total_labels: usize = outs.iter().map(|o| o.labels.len()).sum();
    let mut labels: Vec<Label> = Vec::new();
    let rebase = |ends: &mut [u32], base: u32, what: &'static str| {
        if base == 0 {
            return Ok(());
        }
        ends.iter_mut().try_for_each(|e| {
            *e = e.checked_add(base).ok_or(DecodeError::Overflow { what })?;
            Ok(())
        })
    };
    for ((c, bound), used) in chunks.iter().zip(bounds).zip(outs) {
        frames
            .spare_capacity_mut()
            .copy_within(region_start..region_start + used.frames, len);
        stack_ends.copy_within(c.start..c.start + used.stacks, nstacks);
        let frame_base =
            u32::try_from(len).map_err(|_| DecodeError::Overflow { what: "frames" })?;
        let label_base =
            u32::try_from(labels.len()).map_err(|_| DecodeError::Overflow { what: "labels" })?;
        let stack_base =
            u32::try_from(nstacks).map_err(|_| DecodeError::Overflow { what: "stacks" })?;
        rebase(
            &mut stack_ends[nstacks..nstacks + used.stacks],
            frame_base,
            "frames",
        )?;
        rebase(&mut stack_of[c.clone()], stack_base, "stacks")?;
        rebase(&mut label_ends[c.clone()], label_base, "labels")?;
        len += used.frames;
        nstacks += used.stacks;
        region_start += bound;
        if labels.is_empty() {
            labels = used.labels;
            labels.reserve_exact(total_labels - labels.len());
        } else {
            labels.extend(used.labels);
        }
    }
    // SAFETY: each chunk wrote the first `used.frames` slots of its region
    // (`ChunkOut::push_frame`, `copy_stack`), and the loop slid them down
    // to follow one another from slot 0: the first `len` slots are written.
    unsafe { frames.set_len(len) };
    frames.shrink_to_fit();
    stack_ends.truncate(nstacks);
    stack_ends.shrink_to_fit();
    if nstacks == stack_of.len() {
        // No sample shares a stack: stack i is sample i's.
        stack_of = Vec::new();
    }
    Ok(Samples {
        stack_ends,
        stack_locs: frames,
        stack_of,
        values,
        label_ends,
        labels,
    })
}

/// One chunk's share of [`decode_samples`]'s arrays, and its labels.
struct ChunkOut<'a> {
    /// The chunk's region of the frame arena.
    /// Written from the front only; the first `frame_count` slots are set.
    frames: &'a mut [std::mem::MaybeUninit<u32>],
    /// Frames written so far.
    frame_count: usize,
    /// One end per stack (at most one stack per sample), relative to the
    /// region's start.
    stack_ends: &'a mut [u32],
    /// Stacks so far.
    stack_count: usize,
    /// The stack of each sample, relative to the chunk's first stack.
    stack_of: &'a mut [u32],
    /// One end per sample, relative to `labels`.
    label_ends: &'a mut [u32],
    /// `nvalues` slots per sample (none when the values cannot fit).
    values: &'a mut [i64],
    labels: Vec<Label>,
    /// How many samples' labels `labels` is given room for once the first
    /// [`LABEL_PROBE`] samples show how many a sample has: the first
    /// chunk's, which [`join_chunks`] extends with the others', for every
    /// sample of the profile.
    label_room: usize,
    /// The most labels the samples' bytes can hold (two bytes each), which
    /// bounds that room whatever the first samples claim.
    label_cap: usize,
}

/// Samples decoded before a chunk's labels are given their room
/// ([`ChunkOut::label_room`]). Growing the labels by doubling copied them
/// into fresh pages at each step, and the first chunk's once more when the
/// chunks were joined (merge 2×200k: 4.9k of 55k page faults).
const LABEL_PROBE: usize = 1024;

impl ChunkOut<'_> {
    /// Gives `labels` room for [`ChunkOut::label_room`] samples at the rate
    /// of the first `seen`, an eighth more.
    fn make_label_room(&mut self, seen: usize) {
        let per = self.labels.len() as f64 / seen.max(1) as f64;
        let want = ((per * self.label_room as f64 * 1.125) as usize).min(self.label_cap);
        if want > self.labels.capacity() {
            // Room not granted is no fault: the labels then grow as they come.
            let _ = self.labels.try_reserve_exact(want - self.labels.len());
        }
    }

    #[inline(always)]
    fn push_frame(&mut self, idx: u32) -> Result<()> {
        match self.frames.get_mut(self.frame_count) {
            Some(slot) => {
                slot.write(idx);
                self.frame_count += 1;
                Ok(())
            }
            // Cannot happen (a frame takes at least one byte of the region's
            // bound), but a wrong bound must not panic.
            None => Err(DecodeError::Overflow { what: "frames" }),
        }
    }

    /// Appends a copy of stack `k`'s frames (a sample that shares stack `k`
    /// turned out to have more location fields).
    fn copy_stack(&mut self, k: usize) -> Result<()> {
        let start = if k == 0 {
            0
        } else {
            self.stack_ends[k - 1] as usize
        };
        let end = self.stack_ends[k] as usize;
        let to = self.frame_count;
        if to + (end - start) > self.frames.len() {
            return Err(DecodeError::Overflow { what: "frames" });
        }
        self.frames.copy_within(start..end, to);
        self.frame_count += end - start;
        Ok(())
    }

    /// Ends the current sample's new stack and returns its index.
    fn end_stack(&mut self) -> Result<usize> {
        let k = self.stack_count;
        self.stack_ends[k] = u32::try_from(self.frame_count)
            .map_err(|_| DecodeError::Overflow { what: "frames" })?;
        self.stack_count += 1;
        Ok(k)
    }
}

/// Where the current sample's stack stands while its fields are read.
#[derive(Clone, Copy)]
enum CurrentStack {
    /// No location field yet.
    Empty,
    /// Its one location field so far is the same bytes as stack `k`'s.
    Shared(usize),
    /// Its frames are being written; with the bytes of its one packed
    /// location field, if that is all it has (to be remembered).
    Own(Option<(usize, usize)>),
}

/// Decodes the samples of `runs` (the first being sample number `first`)
/// into `out`.
fn decode_sample_chunk(
    buf: &[u8],
    runs: &[SampleRun],
    first: usize,
    nvalues: usize,
    loc_index: &IdIndex,
    nstr: usize,
    out: &mut ChunkOut<'_>,
) -> Result<()> {
    let count: usize = runs.iter().map(|r| r.count as usize).sum();
    let mut chunk = ChunkDecoder {
        buf,
        nvalues,
        loc_index,
        nstr,
        dedup: Dedup::new(count),
        out,
    };
    // Samples are read in batches: the first pass over a batch finds each
    // sample's bounds and location bytes, hashes them and asks for their
    // table slots, so that the lookups of the second find them loaded.
    const BATCH: usize = 16;
    let mut batch = [(0usize, 0usize, None::<(usize, u64)>); BATCH];
    // The sample messages' bounds are read again from their keys and
    // lengths (checked by the first pass, so no error is expected here).
    let mut k = 0usize;
    for run in runs {
        let mut samples = Reader::new(buf, run.start, run.end);
        while !samples.at_end() {
            let mut nb = 0;
            while nb < BATCH && !samples.at_end() {
                prefetch_at(buf, samples.pos + 4096);
                samples.key()?;
                let (start, end) = samples.len_delimited()?;
                let dedup = &chunk.dedup;
                let pre = dedup
                    .is_on()
                    .then(|| first_locations(buf, start, end))
                    .flatten()
                    .map(|(ls, le)| {
                        let hash = dedup.hash(buf, ls, le);
                        dedup.prefetch(hash);
                        (ls, hash)
                    });
                batch[nb] = (start, end, pre);
                nb += 1;
            }
            for &(_, _, pre) in &batch[..nb] {
                if let Some((_, hash)) = pre {
                    chunk.dedup.prefetch_key(buf, hash);
                }
            }
            for &(start, end, pre) in &batch[..nb] {
                chunk.sample(first + k, k, start..end, pre)?;
                k += 1;
                if k == LABEL_PROBE {
                    chunk.out.make_label_room(k);
                }
            }
        }
    }
    Ok(())
}

/// What [`decode_sample_chunk`] decodes one sample with.
struct ChunkDecoder<'a, 'o> {
    buf: &'a [u8],
    nvalues: usize,
    loc_index: &'a IdIndex,
    nstr: usize,
    dedup: Dedup,
    out: &'a mut ChunkOut<'o>,
}

impl ChunkDecoder<'_, '_> {
    /// Decodes sample number `si`, the chunk's `k`th, from the message
    /// `buf[msg]`; `pre` is the start and hash of its first location
    /// field's bytes, if the batch hashed them.
    fn sample(
        &mut self,
        si: usize,
        k: usize,
        msg: std::ops::Range<usize>,
        pre: Option<(usize, u64)>,
    ) -> Result<()> {
        let (buf, nvalues, nstr) = (self.buf, self.nvalues, self.nstr);
        let hash_of = |dedup: &Dedup, s: usize, e: usize| match pre {
            Some((at, hash)) if at == s => hash,
            _ => dedup.hash(buf, s, e),
        };
        let (start, end) = (msg.start, msg.end);
        let mut r = Reader::new(buf, start, end);
        let mut got = 0usize;
        let mut cur = CurrentStack::Empty;
        while !r.at_end() {
            let (field, wire, at) = r.key()?;
            match field {
                1 if wire == WIRE_LEN => {
                    let (start, end) = r.len_delimited()?;
                    cur = match cur {
                        CurrentStack::Empty => {
                            match self
                                .dedup
                                .find(buf, start, end, hash_of(&self.dedup, start, end))
                            {
                                Some(shared) => CurrentStack::Shared(shared),
                                None => {
                                    push_locations(buf, start, end, self.loc_index, si, self.out)?;
                                    CurrentStack::Own(Some((start, end)))
                                }
                            }
                        }
                        CurrentStack::Shared(shared) => {
                            self.out.copy_stack(shared)?;
                            push_locations(buf, start, end, self.loc_index, si, self.out)?;
                            CurrentStack::Own(None)
                        }
                        CurrentStack::Own(_) => {
                            push_locations(buf, start, end, self.loc_index, si, self.out)?;
                            CurrentStack::Own(None)
                        }
                    };
                }
                1 => {
                    if let CurrentStack::Shared(shared) = cur {
                        self.out.copy_stack(shared)?;
                    }
                    cur = CurrentStack::Own(None);
                    let (out, index) = (&mut *self.out, self.loc_index);
                    r.repeated(field, wire, at, |id| match index.get(id) {
                        Some(idx) => out.push_frame(idx),
                        None => Err(unknown_location(si, id)),
                    })?;
                }
                2 => {
                    let values = &mut *self.out.values;
                    r.repeated(field, wire, at, |v| {
                        if got < nvalues {
                            if let Some(slot) = values.get_mut(k * nvalues + got) {
                                *slot = v as i64;
                            }
                        }
                        got += 1;
                        Ok(())
                    })?;
                }
                3 => {
                    let m = r.message(field, wire, at)?;
                    self.out.labels.push(read_label(m, nstr)?);
                }
                _ => r.skip(field, wire, at)?,
            }
        }
        if got != nvalues {
            return Err(DecodeError::ValueCount {
                values: got,
                types: nvalues,
            });
        }
        let stack = match cur {
            CurrentStack::Shared(shared) => shared,
            CurrentStack::Own(bytes) => {
                let new = self.out.end_stack()?;
                if let Some((start, end)) = bytes {
                    let hash = hash_of(&self.dedup, start, end);
                    self.dedup.insert(buf, start, end, new, hash);
                }
                new
            }
            CurrentStack::Empty => self.out.end_stack()?,
        };
        self.out.stack_of[k] = stack as u32;
        self.out.label_ends[k] = u32::try_from(self.out.labels.len())
            .map_err(|_| DecodeError::Overflow { what: "labels" })?;
        Ok(())
    }
}

/// A sample's label message `m` (string indices checked against `nstr`
/// strings). The two shapes most labels have are read at once, as
/// [`read_label_fields`] reads them: a string label of two one-byte string
/// indices, and a numeric one of a one-byte key and no unit (Go's heap
/// profiles: `bytes`). On a profile with labels that took a tenth of a
/// decode's instructions off (cachegrind).
#[inline]
fn read_label(mut m: Reader<'_>, nstr: usize) -> Result<Label> {
    match m.buf[m.pos..m.end] {
        [0x08, key @ 0..=0x7f, 0x10, str @ 0..=0x7f] => {
            return Ok(Label {
                key: check_str(nstr, u64::from(key))?,
                str: check_str(nstr, u64::from(str))?,
                ..Label::default()
            });
        }
        [0x08, key @ 0..=0x7f, 0x18, ..] => {
            // Anything but one varint to the end (a fault included) is
            // left to the field loop.
            let start = m.pos;
            m.pos += 3;
            if let Ok(num) = m.varint() {
                if m.at_end() {
                    return Ok(Label {
                        key: check_str(nstr, u64::from(key))?,
                        num: num as i64,
                        ..Label::default()
                    });
                }
            }
            m.pos = start;
        }
        _ => {}
    }
    read_label_fields(m, nstr)
}

/// A label message read field by field.
fn read_label_fields(mut m: Reader<'_>, nstr: usize) -> Result<Label> {
    let mut l = Label::default();
    while !m.at_end() {
        let (field, wire, at) = m.key()?;
        match field {
            1 => l.key = check_str(nstr, m.scalar(field, wire, at)?)?,
            2 => l.str = check_str(nstr, m.scalar(field, wire, at)?)?,
            3 => l.num = m.scalar(field, wire, at)? as i64,
            4 => l.num_unit = check_str(nstr, m.scalar(field, wire, at)?)?,
            _ => m.skip(field, wire, at)?,
        }
    }
    Ok(l)
}

/// String index `v`, checked against a table of `nstr` strings.
fn check_str(nstr: usize, v: u64) -> Result<u32> {
    let i = v as i64;
    if i < 0 || i as u64 >= nstr as u64 {
        return Err(DecodeError::StringIndex {
            index: i,
            len: nstr,
        });
    }
    Ok(i as u32)
}

/// The bytes of a sample message's location ids, if its first field holds
/// them packed (as every producer writes them); `None` otherwise, or on a
/// fault, which the sample's full read then reports.
#[inline]
fn first_locations(buf: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let mut r = Reader::new(buf, start, end);
    match r.key() {
        Ok((1, WIRE_LEN, _)) => r.len_delimited().ok(),
        _ => None,
    }
}

/// Decodes a packed list of location ids (the body of sample `sample`'s
/// field 1, `buf[start..end]`) into dense indices appended to `out`: the
/// hottest loop of a load, so ids of one to three bytes (nearly all) are
/// decoded without branching on their length, and the loop is made once for
/// each kind of id index rather than asking which kind at every id.
#[inline]
fn push_locations(
    buf: &[u8],
    start: usize,
    end: usize,
    index: &IdIndex,
    sample: usize,
    out: &mut ChunkOut<'_>,
) -> Result<()> {
    match index {
        IdIndex::Identity(n) => {
            push_locations_with(buf, start, end, sample, out, |id| identity_get(*n, id))
        }
        IdIndex::Dense(v) => {
            push_locations_with(buf, start, end, sample, out, |id| dense_get(v, id))
        }
        IdIndex::Sparse(_) => push_locations_with(buf, start, end, sample, out, |id| index.get(id)),
    }
}

/// [`push_locations`] with the id index `get`.
#[inline(always)]
fn push_locations_with(
    buf: &[u8],
    start: usize,
    end: usize,
    sample: usize,
    out: &mut ChunkOut<'_>,
    get: impl Fn(u64) -> Option<u32>,
) -> Result<()> {
    let mut i = start;
    // Sixteen bytes at a time where the CPU can ([`super::packed`]).
    #[cfg(target_arch = "x86_64")]
    if super::packed::available() {
        let mut n = out.frame_count;
        // SAFETY: the CPU supports SSSE3 (checked just above).
        unsafe { super::packed::push_blocks(buf, &mut i, end, out.frames, &mut n, &get) };
        out.frame_count = n;
    }
    // Eight bytes at a time: the varints that end among them, of at most
    // four bytes each, are all found from one load, so decoding one does
    // not wait for the length of the one before (a chain of about a dozen
    // cycles per id, the whole loop's time when it went id by id).
    while let Some(bytes) = buf.get(i..i + 8).filter(|_| i + 8 <= end) {
        let w = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        let mut stops = !w & 0x8080_8080_8080_8080;
        let mut at = 0u32;
        while stops != 0 {
            let stop = stops.trailing_zeros() + 1;
            let bits = stop - at;
            if bits > 32 {
                break;
            }
            let id = short_varint((w >> at) & (u64::MAX >> (64 - bits)));
            let idx = get(id).ok_or_else(|| unknown_location(sample, id))?;
            out.push_frame(idx)?;
            at = stop;
            stops &= stops - 1;
        }
        if at == 0 {
            // A varint of five bytes or more: read one by one below.
            break;
        }
        i += (at / 8) as usize;
    }
    while i < end {
        let word = buf
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        // The stop bit (a clear high bit) among the first three bytes ends the varint.
        let stops = word.map_or(0, |w| !w & 0x0080_8080);
        let id = if let (Some(w), true) = (word, stops != 0) {
            let bits = stops.trailing_zeros() + 1; // 8, 16 or 24
            let len = (bits / 8) as usize;
            if i + len > end {
                return Err(DecodeError::Truncated {
                    offset: i,
                    what: "varint",
                });
            }
            i += len;
            short_varint(u64::from(w & (u32::MAX >> (32 - bits))))
        } else {
            let mut r = Reader::new(buf, i, end);
            let v = r.varint()?;
            i = r.pos;
            v
        };
        let idx = get(id).ok_or_else(|| unknown_location(sample, id))?;
        out.push_frame(idx)?;
    }
    Ok(())
}

/// The value of a varint of at most four bytes, `v` being those bytes
/// (little-endian, continuation bits included, nothing after them).
#[inline(always)]
fn short_varint(v: u64) -> u64 {
    (v & 0x7f) | ((v >> 1) & 0x3f80) | ((v >> 2) & 0x1f_c000) | ((v >> 3) & 0xfe0_0000)
}

#[cold]
fn unknown_location(sample: usize, id: u64) -> DecodeError {
    DecodeError::UnknownId {
        from: format!("sample {sample}"),
        what: "location",
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::proto;
    use prost::Message;

    /// Three functions and locations (ids 1–3, in order), one sample type,
    /// and `samples`, valued 1, 2, 3… in order.
    fn encoded(samples: &[&[u64]]) -> Vec<u8> {
        let numbered: Vec<(&[u64], i64)> = (1..).zip(samples).map(|(v, &s)| (s, v)).collect();
        crate::model::fixture::encoded(crate::model::fixture::ONE_PER_FUNCTION, &numbered)
    }

    fn stacks(p: &Profile) -> Vec<Vec<u32>> {
        (0..p.samples.len())
            .map(|s| p.samples.stack(s).to_vec())
            .collect()
    }

    /// `ids` as varints; where `long` says so, padded to `long` bytes
    /// (a valid, overlong encoding: more bytes than the value needs).
    fn varints(ids: &[(u64, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(mut v, long) in ids {
            let start = out.len();
            loop {
                let last = v < 0x80;
                let pad = out.len() + 1 - start < long as usize;
                out.push(v as u8 & 0x7f | if last && !pad { 0 } else { 0x80 });
                v >>= 7;
                if last && !pad {
                    break;
                }
            }
        }
        out
    }

    /// Decodes `bytes` as one packed field of location ids with
    /// `push_locations_with` (every id below 2^32 known, as itself).
    fn push_all(bytes: &[u8]) -> Result<Vec<u32>> {
        push_all_then(bytes, &[])
    }

    /// One sample's arrays for a [`ChunkOut`] in a test.
    type OneSample = ([u32; 1], [u32; 1], [u32; 1], [i64; 1]);

    /// A [`ChunkOut`] over `frames` and one sample's `arrays`, no labels.
    fn chunk_out<'a>(
        frames: &'a mut [std::mem::MaybeUninit<u32>],
        arrays: &'a mut OneSample,
    ) -> ChunkOut<'a> {
        let (ends, of, label_ends, values) = arrays;
        ChunkOut {
            frames,
            frame_count: 0,
            stack_ends: ends,
            stack_count: 0,
            stack_of: of,
            label_ends,
            values,
            labels: Vec::new(),
            label_room: 0,
            label_cap: 0,
        }
    }

    #[test]
    fn label_room_follows_the_first_samples_within_what_the_bytes_can_hold() {
        let mut arrays: OneSample = Default::default();
        let mut frames = [std::mem::MaybeUninit::new(0u32); 1];
        let mut out = ChunkOut {
            labels: vec![Label::default(); 3 * LABEL_PROBE],
            label_room: 100 * LABEL_PROBE,
            label_cap: usize::MAX,
            ..chunk_out(&mut frames, &mut arrays)
        };
        // Three labels a sample so far: room for 300 per 100, an eighth more.
        out.make_label_room(LABEL_PROBE);
        assert!(out.labels.capacity() >= 300 * LABEL_PROBE * 9 / 8 - 1);
        // Claims beyond what the samples' bytes can hold get no room.
        let mut small = Vec::with_capacity(8);
        small.extend(std::iter::repeat_n(Label::default(), 8));
        out.labels = small;
        out.label_room = usize::MAX / 64;
        out.label_cap = 1000;
        out.make_label_room(1);
        assert!(out.labels.capacity() <= 1000, "{}", out.labels.capacity());
        assert_eq!(out.labels.len(), 8);
    }

    /// [`push_all`], the field followed in the buffer by `after` (the
    /// sample's next fields), which must not be read as ids.
    fn push_all_then(ids: &[u8], after: &[u8]) -> Result<Vec<u32>> {
        let bytes = [ids, after].concat();
        let bytes = &bytes[..];
        let end = ids.len();
        let mut frames = vec![std::mem::MaybeUninit::new(0u32); bytes.len()];
        let mut arrays: OneSample = Default::default();
        let mut out = chunk_out(&mut frames, &mut arrays);
        push_locations_with(bytes, 0, end, 0, &mut out, |id| u32::try_from(id).ok())?;
        let n = out.frame_count;
        // SAFETY: the first `frame_count` frames were written (and all were initialized anyway).
        Ok(frames[..n]
            .iter()
            .map(|f| unsafe { f.assume_init() })
            .collect())
    }

    proptest::proptest! {
        #[test]
        fn packed_location_ids_of_any_length_decode_as_written(
            ids in proptest::collection::vec(
                (proptest::prop_oneof![0u64..128, 128u64..16_384, 16_384u64..1 << 21,
                    1u64 << 21..1 << 28, 1u64 << 28..1 << 32], proptest::prop_oneof![
                    9 => proptest::strategy::Just(0u8), 1 => 1u8..11]),
                0..40),
        ) {
            let bytes = varints(&ids);
            let want: Vec<u32> = ids.iter().map(|&(v, _)| v as u32).collect();
            proptest::prop_assert_eq!(push_all(&bytes).unwrap(), want.clone());
            // Followed by bytes that would read as more ids.
            proptest::prop_assert_eq!(push_all_then(&bytes, &[1; 20]).unwrap(), want);
        }
    }

    proptest::proptest! {
        #[test]
        fn varints_of_any_length_read_as_written(
            vals in proptest::collection::vec(
                (proptest::prop_oneof![0u64..128, 128u64..1 << 21, 1u64 << 21..1 << 35,
                    1u64 << 35..1 << 56, (1u64 << 56)..=u64::MAX],
                 proptest::prop_oneof![9 => proptest::strategy::Just(0u8), 1 => 1u8..11]),
                0..30),
        ) {
            let bytes = varints(&vals);
            let mut r = Reader::new(&bytes, 0, bytes.len());
            for &(v, _) in &vals {
                proptest::prop_assert_eq!(r.varint().unwrap(), v);
            }
            proptest::prop_assert!(r.at_end());
        }
    }

    proptest::proptest! {
        #[test]
        fn labels_read_at_once_read_as_field_by_field(
            fields in proptest::collection::vec(
                (proptest::prop_oneof![3 => 1u64..4, 1 => 4u64..6],
                 proptest::prop_oneof![8 => proptest::strategy::Just(0u8), 1 => 0u8..8],
                 proptest::prop_oneof![4 => 0u64..128, 1 => 128u64..1 << 14,
                    1 => 1u64 << 14..=u64::MAX]),
                0..4),
            cut in 0usize..4,
            nstr in 1usize..300,
        ) {
            // Fields of any number and wire type (mostly varints), values
            // of one to ten bytes, the message sometimes cut short.
            let mut bytes = Vec::new();
            for &(field, wire, v) in &fields {
                bytes.extend(varints(&[(field << 3 | u64::from(wire), 0), (v, 0)]));
            }
            bytes.truncate(bytes.len().saturating_sub(cut));
            let read = |f: fn(Reader<'_>, usize) -> Result<Label>| {
                format!("{:?}", f(Reader::new(&bytes, 0, bytes.len()), nstr))
            };
            proptest::prop_assert_eq!(read(read_label), read(read_label_fields));
        }
    }

    #[test]
    fn labels_of_the_two_common_shapes_are_read_at_once_as_field_by_field() {
        let read = |bytes: &[u8], nstr: usize| {
            let f = |f: fn(Reader<'_>, usize) -> Result<Label>| {
                f(Reader::new(bytes, 0, bytes.len()), nstr)
            };
            let (at_once, by_field) = (f(read_label), f(read_label_fields));
            assert_eq!(
                format!("{at_once:?}"),
                format!("{by_field:?}"),
                "{bytes:x?}"
            );
            at_once
        };
        let label = |key, str, num, num_unit| Label {
            key,
            str,
            num,
            num_unit,
            kept_zero: false,
        };
        assert_eq!(read(&[0x08, 5, 0x10, 7], 8).unwrap(), label(5, 7, 0, 0));
        assert_eq!(
            read(&[0x08, 5, 0x18, 0xac, 0x02], 8).unwrap(),
            label(5, 0, 300, 0)
        );
        assert_eq!(read(&[0x08, 5, 0x18, 0], 8).unwrap(), label(5, 0, 0, 0));
        // A unit after the number, or a string index too large: the same
        // label or error as the field loop's.
        assert_eq!(
            read(&[0x08, 5, 0x18, 9, 0x20, 3], 8).unwrap(),
            label(5, 0, 9, 3)
        );
        assert!(read(&[0x08, 5, 0x10, 7], 7).is_err());
        assert!(read(&[0x08, 9, 0x18, 1], 8).is_err());
        // A number cut short.
        assert!(read(&[0x08, 5, 0x18, 0xac], 8).is_err());
    }

    #[test]
    fn a_packed_id_cut_short_or_unknown_is_an_error() {
        // An id whose last byte is missing, after eight good ones.
        let mut bytes = varints(&[(300, 0); 8]);
        bytes.push(0x80);
        assert!(push_all(&bytes).is_err());
        // The same with the sample's next bytes after it (the missing byte
        // must not be taken from them).
        assert!(push_all_then(&bytes, &[1; 20]).is_err());
        // An id of 2^32 (unknown to the test's index) among short ones.
        let bytes = varints(&[(1, 0), (2, 0), (1 << 32, 0), (3, 0), (4, 0), (5, 0), (6, 0)]);
        assert!(push_all(&bytes).is_err());
        assert!(push_all_then(&bytes, &[1; 20]).is_err());
        assert_eq!(
            push_all(&varints(&[(5, 0), (1 << 31, 0)])).unwrap(),
            [5, 1 << 31]
        );
    }

    #[test]
    fn samples_with_the_same_location_bytes_share_a_stack() {
        let ids: [&[u64]; 6] = [&[1, 2, 3], &[1, 2, 3], &[2, 3], &[], &[1, 2, 3], &[]];
        let p = decode(&encoded(&ids)).unwrap();
        assert!(p.samples.shares_stacks());
        // [1,2,3], [2,3] and each empty stack (not looked up).
        assert_eq!(p.samples.stack_count(), 4);
        let want: Vec<Vec<u32>> = ids
            .iter()
            .map(|s| s.iter().map(|&id| id as u32 - 1).collect())
            .collect();
        assert_eq!(stacks(&p), want);
        assert_eq!(p.samples.values, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn distinct_stacks_keep_one_stack_per_sample() {
        let p = decode(&encoded(&[&[1], &[2], &[1, 2]])).unwrap();
        assert!(!p.samples.shares_stacks());
        assert_eq!(stacks(&p), [vec![0], vec![1], vec![0, 1]]);
    }

    #[test]
    fn a_shared_stack_followed_by_more_locations_is_copied() {
        let mut bytes = encoded(&[&[1, 2]]);
        // A sample whose first packed field is the same bytes as sample 0's,
        // then a second packed field; one with an unpacked id after it.
        for body in [
            &[0x0a, 0x02, 0x01, 0x02, 0x0a, 0x01, 0x03, 0x10, 0x07][..],
            &[0x0a, 0x02, 0x01, 0x02, 0x08, 0x03, 0x10, 0x08],
            &[0x0a, 0x02, 0x01, 0x02, 0x10, 0x09],
        ] {
            bytes.push(0x12);
            bytes.push(body.len() as u8);
            bytes.extend_from_slice(body);
        }
        let p = decode(&bytes).unwrap();
        assert_eq!(
            stacks(&p),
            [vec![0, 1], vec![0, 1, 2], vec![0, 1, 2], vec![0, 1]]
        );
        assert_eq!(p.samples.values, [1, 7, 8, 9]);
        assert_eq!(p.samples.stack_count(), 3);
    }

    #[test]
    fn ids_in_order_need_no_index() {
        assert!(matches!(
            IdIndex::build(&[1, 2, 3], "location").unwrap(),
            IdIndex::Identity(3)
        ));
        let idx = IdIndex::build(&[1, 2, 3], "location").unwrap();
        assert_eq!(
            (idx.get(0), idx.get(1), idx.get(3), idx.get(4)),
            (None, Some(0), Some(2), None)
        );
        assert!(matches!(
            IdIndex::build(&[2, 1], "location").unwrap(),
            IdIndex::Dense(_)
        ));
    }

    #[test]
    fn samples_in_several_runs_and_chunks_keep_their_order() {
        // Enough samples for several runs and, on two or more cores, two
        // chunks; a string between the halves ends a run early.
        let n = 130_000;
        let ids: Vec<Vec<u64>> = (0..n as u64)
            .map(|i| vec![i % 3 + 1, (i / 3) % 3 + 1])
            .collect();
        let refs: Vec<&[u64]> = ids.iter().map(|v| &v[..]).collect();
        let (first, second) = refs.split_at(n / 2);
        let mut bytes = encoded(first);
        bytes.extend_from_slice(&[0x32, 0x01, b'z']);
        for (j, id) in second.iter().enumerate() {
            let body = proto::Sample {
                location_id: id.to_vec(),
                value: vec![(n / 2 + j) as i64 + 1],
                label: vec![],
            }
            .encode_to_vec();
            bytes.push(0x12);
            prost::encoding::encode_varint(body.len() as u64, &mut bytes);
            bytes.extend_from_slice(&body);
        }
        let p = decode(&bytes).unwrap();
        assert_eq!(p.samples.len(), n);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(p.samples.stack(i), [id[0] as u32 - 1, id[1] as u32 - 1]);
            assert_eq!(p.samples.values[i], i as i64 + 1);
        }
    }

    #[test]
    fn chunks_of_runs_cover_every_sample_once() {
        let runs: Vec<SampleRun> = (0..300)
            .map(|i| SampleRun {
                start: i * 10,
                end: i * 10 + 10,
                count: if i % 7 == 0 { 3 } else { SampleRun::MAX },
            })
            .collect();
        let n: usize = runs.iter().map(|r| r.count as usize).sum();
        let (samples, run_ranges) = split_runs(&runs, n);
        assert_eq!(samples.first().map(|r| r.start), Some(0));
        assert_eq!(samples.last().map(|r| r.end), Some(n));
        assert_eq!(run_ranges.last().map(|r| r.end), Some(runs.len()));
        for w in samples.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        for (s, r) in samples.iter().zip(&run_ranges) {
            let held: usize = runs[r.clone()].iter().map(|x| x.count as usize).sum();
            assert_eq!(s.len(), held);
        }
    }
}
