//! From the flat model back to profile.proto.
//!
//! [`encode`] writes the protobuf bytes of a [`Profile`] straight from the
//! flat arrays, with the original ids and string indices, laid out as
//! pprof's writer lays them out (repeated numbers packed only when there are
//! more than two, the default sample type always written), so that a model
//! with pprof's string order ([`crate::model::write_order`]) is written as
//! the very bytes `go tool pprof -proto` writes; [`gzipped`] and
//! [`write_file`] gzip them at [`GZIP_LEVEL`] for a `.pb.gz` (a large
//! profile's samples encoded and compressed at once, a range per thread,
//! into gzip members that name their size), with ISA-L's igzip in place of
//! libdeflate where the system has it ([`crate::util::igzip`]). [`to_proto`] rebuilds the prost
//! message instead: the oracle [`encode`] is tested against (prost reads
//! [`encode`]'s bytes back as that message), and what tests compare the
//! hand-written decoder with.

use crate::model::proto;
use crate::model::{Profile, ValueType, NONE};

fn value_type(v: ValueType) -> proto::ValueType {
    proto::ValueType {
        r#type: i64::from(v.ty),
        unit: i64::from(v.unit),
    }
}

/// Converts the model into the prost message (ids and string indices kept).
pub fn to_proto(p: &Profile) -> proto::Profile {
    let locs = &p.locations;
    let samples = &p.samples;
    let nv = p.num_values();
    proto::Profile {
        sample_type: p.sample_types.iter().map(|&t| value_type(t)).collect(),
        sample: (0..samples.len())
            .map(|s| proto::Sample {
                location_id: samples
                    .stack(s)
                    .iter()
                    .map(|&l| locs.id[l as usize])
                    .collect(),
                value: samples.values[s * nv..(s + 1) * nv].to_vec(),
                label: samples
                    .labels(s)
                    .iter()
                    .map(|l| proto::Label {
                        key: i64::from(l.key),
                        str: i64::from(l.str),
                        num: l.num,
                        num_unit: i64::from(l.num_unit),
                    })
                    .collect(),
            })
            .collect(),
        mapping: p
            .mappings
            .iter()
            .map(|m| proto::Mapping {
                id: m.id,
                memory_start: m.memory_start,
                memory_limit: m.memory_limit,
                file_offset: m.file_offset,
                filename: i64::from(m.filename),
                build_id: i64::from(m.build_id),
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            })
            .collect(),
        location: (0..locs.len())
            .map(|l| proto::Location {
                id: locs.id[l],
                mapping_id: match locs.mapping[l] {
                    NONE => 0,
                    m => p.mappings[m as usize].id,
                },
                address: locs.address[l],
                line: locs
                    .lines(l as u32)
                    .iter()
                    .map(|ln| proto::Line {
                        function_id: p.functions[ln.function as usize].id,
                        line: ln.line,
                        column: ln.column,
                    })
                    .collect(),
                is_folded: locs.is_folded[l],
            })
            .collect(),
        function: p
            .functions
            .iter()
            .map(|f| proto::Function {
                id: f.id,
                name: i64::from(f.name),
                system_name: i64::from(f.system_name),
                filename: i64::from(f.filename),
                start_line: f.start_line,
            })
            .collect(),
        string_table: p.strings.iter().map(str::to_string).collect(),
        drop_frames: i64::from(p.drop_frames),
        keep_frames: i64::from(p.keep_frames),
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        period_type: (p.period_type != ValueType::default()).then(|| value_type(p.period_type)),
        period: p.period,
        comment: p.comments.iter().map(|&c| i64::from(c)).collect(),
        default_sample_type: i64::from(p.default_sample_type),
        doc_url: i64::from(p.doc_url),
    }
}

/// The gzip level of written profiles: 1, the fastest, as Go's runtime
/// writes its profiles. pprof writes level 6 (the default); on the profiles
/// measured in BENCHMARKS.md level 1 files are 5–15 % larger and written
/// several times faster, and every reader (pprof, pprofx, gzip) reads them.
pub const GZIP_LEVEL: u32 = 1;

/// `p` as a gzipped profile.proto, in memory (gzip level [`GZIP_LEVEL`]).
pub fn gzipped(p: &Profile) -> std::io::Result<Vec<u8>> {
    let mut parts = gzipped_parts(p);
    Ok(if parts.len() == 1 {
        parts.swap_remove(0)
    } else {
        parts.concat()
    })
}

/// Writes `p` as a gzipped profile.proto to `path`, through a temporary file
/// in the same directory renamed into place (readers never see half a file).
pub fn write_file(p: &Profile, path: &std::path::Path) -> std::io::Result<()> {
    Gzipped::of(p).write_file(path)
}

/// A profile gzipped in memory, ready to be written: what
/// [`write_file`] writes, for a caller that frees the profile before the
/// file is written.
pub struct Gzipped {
    parts: Vec<Vec<u8>>,
}

impl Gzipped {
    /// `p` encoded and gzipped (at [`GZIP_LEVEL`]).
    pub fn of(p: &Profile) -> Gzipped {
        Gzipped {
            parts: gzipped_parts(p),
        }
    }

    /// Writes the file to `path`, as [`write_file`] does.
    pub fn write_file(&self, path: &std::path::Path) -> std::io::Result<()> {
        crate::util::output::write_file_unbuffered(path, |w| {
            for part in &self.parts {
                w.write_all(part)?;
            }
            Ok(())
        })
    }
}

/// `p` gzipped, as consecutive pieces of one gzip file: a large profile
/// encoded and compressed at once on every thread ([`streamed_members`]),
/// others encoded whole, then gzipped.
fn gzipped_parts(p: &Profile) -> Vec<Vec<u8>> {
    let mut timer = crate::util::timing::Timer::from_env();
    #[cfg(feature = "libdeflate")]
    {
        let threads = crate::util::parallel::max_threads();
        if threads > 1 && p.samples.len() >= PARALLEL_SAMPLES {
            let piece = crate::util::gzmembers::PIECE;
            if let Some(parts) = streamed_members(p, GZIP_LEVEL, threads, piece) {
                timer.lap("encode+gzip");
                return parts;
            }
        }
    }
    let raw = encode(p);
    timer.lap("encode");
    let gz = gzip(&raw, GZIP_LEVEL);
    timer.lap("gzip");
    vec![gz]
}

/// `p` as sized gzip members (see [`crate::util::gzmembers`]), one part per
/// thread, in order: a range of samples each, the first led by the sample
/// types and the last followed by everything after the samples (its range
/// shorter by about as many bytes, so that the threads finish together; a
/// byte of the tail, with its nested messages, counts for 5/4 of a sample
/// byte, which on merges of two 200k-sample CPU and two 300k-record heap
/// profiles ends the two threads within a few milliseconds, where the last
/// ended 10–50 ms after the first). The tail, too, is compressed as it is
/// written ([`Writer::tail_with`]).
/// Each thread encodes into one buffer of about `piece` bytes (in pprofx,
/// [`members::PIECE`]) and compresses it into a member whenever it fills,
/// so the encoded profile is never whole in memory: on a merge of two
/// 200k-sample profiles that was 38 MB written to fresh pages twice (the
/// parts, then the whole) before it was compressed, and the write takes
/// about a tenth less CPU and time in the median (BENCHMARKS.md). `None`
/// if compressing fails.
///
/// [`members::PIECE`]: crate::util::gzmembers::PIECE
#[cfg(feature = "libdeflate")]
fn streamed_members(p: &Profile, level: u32, threads: usize, piece: usize) -> Option<Vec<Vec<u8>>> {
    let n = p.samples.len();
    let ranges = balanced_ranges(n, threads, estimate_samples(p), estimate_tail(p) * 5 / 4);
    let last = ranges.len() - 1;
    let jobs: Vec<(usize, std::ops::Range<usize>)> = ranges.into_iter().enumerate().collect();
    let parts = crate::util::parallel::run_each(jobs, |(t, range)| {
        let mut w = Writer::with_capacity(piece + (1 << 20));
        let mut sink = MemberSink::new(level)?;
        if t == 0 {
            w.head(p);
        }
        // Compresses what was written whenever a piece is full.
        let mut flush = |w: &mut Writer| {
            if w.out.len() >= piece {
                sink.push(&w.out)?;
                w.out.clear();
            }
            Some(())
        };
        // In runs of samples, then (the last thread) the tail.
        const RUN: usize = 1024;
        let mut s = range.start;
        while s < range.end {
            let e = (s + RUN).min(range.end);
            w.samples(p, s..e);
            s = e;
            flush(&mut w)?;
        }
        if t == last {
            w.tail_with(p, &mut flush)?;
        }
        for chunk in w.out.chunks(piece) {
            sink.push(chunk)?;
        }
        Some(sink.finish())
    });
    parts.into_iter().collect()
}

/// `0..n` samples cut into `threads` consecutive ranges of about equal
/// bytes when the last range is also followed by `tail` bytes and the
/// samples take `samples` bytes in all (both estimates).
#[cfg(feature = "libdeflate")]
fn balanced_ranges(
    n: usize,
    threads: usize,
    samples: usize,
    tail: usize,
) -> Vec<std::ops::Range<usize>> {
    let threads = threads.max(1);
    if threads == 1 || samples == 0 {
        return crate::util::parallel::split_into(n, threads);
    }
    let share = (samples + tail) / threads;
    // The last range's samples, in bytes, then in samples.
    let last_bytes = share.saturating_sub(tail);
    let last = (n as u128 * last_bytes as u128 / samples as u128) as usize;
    let mut ranges = crate::util::parallel::split_into(n - last, threads - 1);
    ranges.push(n - last..n);
    ranges
}

/// A compressor that appends each buffer it is given to its output as one
/// sized gzip member ([`crate::util::gzmembers`]), compressing into a
/// scratch buffer it reuses.
#[cfg(feature = "libdeflate")]
struct MemberSink {
    compressor: Compressor,
    scratch: Vec<u8>,
    /// The members so far.
    out: Vec<u8>,
}

#[cfg(feature = "libdeflate")]
impl MemberSink {
    /// A sink compressing with [`Compressor::new`]; `None` if libdeflate
    /// cannot allocate its compressor.
    fn new(level: u32) -> Option<MemberSink> {
        Some(MemberSink::with(Compressor::new(level)?))
    }

    fn with(compressor: Compressor) -> MemberSink {
        MemberSink {
            compressor,
            scratch: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Appends `data` as one sized member; `None` if compressing fails.
    fn push(&mut self, data: &[u8]) -> Option<()> {
        self.scratch.clear();
        self.compressor.gzip_into(data, &mut self.scratch)?;
        crate::util::gzmembers::push_sized(&mut self.out, &self.scratch)
    }

    /// The members pushed so far.
    fn finish(mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// What written profiles are compressed with: ISA-L's igzip where the
/// system has it ([`crate::util::igzip`]), else libdeflate.
#[cfg(feature = "libdeflate")]
enum Compressor {
    Igzip(crate::util::igzip::Igzip),
    Libdeflate(std::ptr::NonNull<libdeflate_sys::libdeflate_compressor>),
}

#[cfg(feature = "libdeflate")]
impl Compressor {
    /// igzip, or libdeflate at `level` (1–12); `None` if libdeflate cannot
    /// allocate its compressor.
    fn new(level: u32) -> Option<Compressor> {
        match crate::util::igzip::Igzip::new() {
            Some(z) => Some(Compressor::Igzip(z)),
            None => Compressor::libdeflate(level),
        }
    }

    /// libdeflate at `level` (1–12), whatever the system has; `None` if it
    /// cannot allocate its compressor.
    fn libdeflate(level: u32) -> Option<Compressor> {
        // SAFETY: allocating a compressor has no preconditions; a null
        // result (out of memory, bad level) is checked.
        let c = unsafe {
            libdeflate_sys::libdeflate_alloc_compressor(level.clamp(1, 12) as std::os::raw::c_int)
        };
        Some(Compressor::Libdeflate(std::ptr::NonNull::new(c)?))
    }

    /// Appends `data` to `out` as one gzip member with a plain 10-byte
    /// header; `None` (and `out` as it was) if compressing fails.
    fn gzip_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Option<()> {
        let c = match self {
            Compressor::Igzip(z) => return z.gzip_into(data, out),
            Compressor::Libdeflate(c) => c.as_ptr(),
        };
        let start = out.len();
        // SAFETY: `c` is a live compressor (freed only on drop); the input
        // comes from a live slice with its length, and libdeflate writes at
        // most the bound it returned for this input into the room reserved
        // after `out`'s bytes, of which `set_len` keeps the `n` written.
        unsafe {
            let bound = libdeflate_sys::libdeflate_gzip_compress_bound(c, data.len());
            out.reserve(bound);
            let n = libdeflate_sys::libdeflate_gzip_compress(
                c,
                data.as_ptr().cast(),
                data.len(),
                out.as_mut_ptr().add(start).cast(),
                bound,
            );
            if n == 0 {
                return None;
            }
            out.set_len(start + n);
        }
        Some(())
    }
}

#[cfg(feature = "libdeflate")]
impl Drop for Compressor {
    fn drop(&mut self) {
        if let Compressor::Libdeflate(c) = self {
            // SAFETY: the compressor was allocated by libdeflate in
            // `libdeflate` and is freed once, here.
            unsafe { libdeflate_sys::libdeflate_free_compressor(c.as_ptr()) }
        }
    }
}

/// `data` gzipped at `level` (1–9): with a [`Compressor`] (igzip, else
/// libdeflate) when the `libdeflate` feature is on (whole-buffer, about
/// twice as fast as zlib at the same level), else flate2. Large inputs become [`crate::util::gzmembers`]:
/// several members compressed side by side on every core, each naming its
/// own size, which any gzip reader reads as one stream and pprofx inflates
/// side by side again.
pub fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    #[cfg(feature = "libdeflate")]
    {
        use crate::util::gzmembers as members;
        let threads = crate::util::parallel::max_threads();
        if data.len() >= members::PIECE && threads > 1 {
            if let Some(out) = sized_members(data, level, threads) {
                return out;
            }
        }
        if let Some(out) = fast_gzip(data, level) {
            return out;
        }
    }
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        flate2::Compression::new(level.clamp(1, 9)),
    );
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(data);
    gz.finish().unwrap_or_default()
}

/// `data` as gzip members of at most [`members::PIECE`] input bytes each,
/// as many per thread, each with its size in the header (see [`crate::util::gzmembers`]),
/// compressed on `threads` threads; `None` if compressing fails.
///
/// [`members::PIECE`]: crate::util::gzmembers::PIECE
#[cfg(feature = "libdeflate")]
fn sized_members(data: &[u8], level: u32, threads: usize) -> Option<Vec<u8>> {
    use crate::util::gzmembers as members;
    // As many pieces per thread, of at most PIECE bytes.
    let count = data.len().div_ceil(threads * members::PIECE) * threads;
    let pieces: Vec<&[u8]> = data.chunks(data.len().div_ceil(count).max(1)).collect();
    let groups = crate::util::parallel::split_into(pieces.len(), threads);
    let parts = crate::util::parallel::run_each(groups, |g| {
        let mut sink = MemberSink::new(level)?;
        for piece in &pieces[g] {
            sink.push(piece)?;
        }
        Some(sink.finish())
    });
    let mut out = Vec::with_capacity(parts.iter().flatten().map(Vec::len).sum());
    for part in parts {
        out.extend_from_slice(&part?);
    }
    Some(out)
}

/// `data` as one plain gzip member: with [`Compressor::new`], or with
/// libdeflate if igzip fails; `None` if both fail.
#[cfg(feature = "libdeflate")]
fn fast_gzip(data: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut c = Compressor::new(level)?;
    if c.gzip_into(data, &mut out).is_none() {
        if !matches!(c, Compressor::Igzip(_)) {
            return None;
        }
        Compressor::libdeflate(level)?.gzip_into(data, &mut out)?;
    }
    Some(out)
}

/// `p` as profile.proto bytes, written straight from the model in pprof's
/// layout (see the module doc): the message [`to_proto`] builds, without
/// building it (one allocation per sample, location and string) first.
pub fn encode(p: &Profile) -> Vec<u8> {
    let mut w = Writer::with_capacity(estimate(p));
    w.head(p);
    let n = p.samples.len();
    if n >= PARALLEL_SAMPLES && crate::util::parallel::max_threads() > 1 {
        // Samples are independent messages: each thread writes a range of
        // them, and the parts follow one another in order.
        let per_sample = w.out.capacity() / n;
        let parts = crate::util::parallel::in_parallel(n, |r| {
            let mut part = Writer::with_capacity(per_sample * r.len());
            part.samples(p, r);
            part.out
        });
        for part in parts {
            w.out.extend_from_slice(&part);
        }
    } else {
        w.samples(p, 0..n);
    }
    w.tail(p);
    w.out
}

/// Profiles with at least this many samples have them encoded on several
/// threads (and, gzipped, compressed there too: [`streamed_members`]).
/// At 100,000, merge-300's output (37.7k samples, 3.5 MB) was encoded and
/// compressed on one thread after the merge, 26 ms of a 1 s run with the
/// other core idle; at 20,000 it takes 11 ms on two, and `pprofx merge` of
/// that profile alone went 51.1 → 46.0 ms, `-proto` of real-cpu-merged
/// (35k samples) 61.5 → 55.4 ms (hyperfine, 40 runs each), for a file
/// 0.2 % larger (two members).
const PARALLEL_SAMPLES: usize = 20_000;

/// A first guess at the encoded size, to allocate once.
fn estimate(p: &Profile) -> usize {
    estimate_samples(p) + estimate_tail(p)
}

/// A first guess at the encoded size of the samples. Each sample writes its
/// whole stack, so samples that share stacks count their stacks' mean
/// length each.
fn estimate_samples(p: &Profile) -> usize {
    let s = &p.samples;
    let frames = if s.shares_stacks() {
        (s.stack_locs.len() as u128 * s.len() as u128 / s.stack_count().max(1) as u128) as usize
    } else {
        s.stack_locs.len()
    };
    frames * 3 + s.values.len() * 4 + s.labels.len() * 12 + s.len() * 6
}

/// A first guess at the encoded size of everything but the samples.
fn estimate_tail(p: &Profile) -> usize {
    p.locations.len() * 24
        + p.locations.lines.len() * 10
        + p.functions.len() * 16
        + p.strings.len() * 3
        + p.strings.iter().map(str::len).sum::<usize>()
        + 256
}

/// Appends protobuf fields to a buffer, skipping proto3 defaults as prost
/// and pprof do. Sub-messages are written to the end of the buffer and their length
/// prefix inserted before them.
struct Writer {
    out: Vec<u8>,
    scratch: Vec<u8>,
    /// Whether every location's id is its index plus one (as in every
    /// merged profile), found on the first samples written.
    dense_ids: Option<bool>,
}

impl Writer {
    /// A writer whose output has room for `bytes`.
    fn with_capacity(bytes: usize) -> Writer {
        Writer {
            out: Vec::with_capacity(bytes),
            scratch: Vec::new(),
            dense_ids: None,
        }
    }

    /// The fields before the samples: the sample types.
    fn head(&mut self, p: &Profile) {
        for &t in &p.sample_types {
            self.value_type(1, t);
        }
    }

    /// The fields after the samples: mappings, locations, functions,
    /// strings and the headers.
    fn tail(&mut self, p: &Profile) {
        self.tail_with(p, &mut |_| Some(()));
    }

    /// [`Writer::tail`], calling `flush` after each mapping, location,
    /// function and string, so that a caller can compress and clear what
    /// was written so far (the tail of a merge of two 200k-sample profiles
    /// is 11 MB, which grew one buffer by copying, into fresh pages).
    /// Stops early, returning `None`, when `flush` does.
    fn tail_with(
        &mut self,
        p: &Profile,
        flush: &mut dyn FnMut(&mut Writer) -> Option<()>,
    ) -> Option<()> {
        let w = self;
        let locs = &p.locations;
        for m in &p.mappings {
            w.message(3, |w| {
                w.uint(1, m.id);
                w.uint(2, m.memory_start);
                w.uint(3, m.memory_limit);
                w.uint(4, m.file_offset);
                w.int(5, i64::from(m.filename));
                w.int(6, i64::from(m.build_id));
                w.uint(7, u64::from(m.has_functions));
                w.uint(8, u64::from(m.has_filenames));
                w.uint(9, u64::from(m.has_line_numbers));
                w.uint(10, u64::from(m.has_inline_frames));
            });
            flush(w)?;
        }
        for l in 0..locs.len() {
            w.message(4, |w| {
                w.uint(1, locs.id[l]);
                w.uint(
                    2,
                    match locs.mapping[l] {
                        NONE => 0,
                        m => p.mappings[m as usize].id,
                    },
                );
                w.uint(3, locs.address[l]);
                for ln in locs.lines(l as u32) {
                    w.message(4, |w| {
                        w.uint(1, p.functions.get(ln.function as usize).map_or(0, |f| f.id));
                        w.int(2, ln.line);
                        w.int(3, ln.column);
                    });
                }
                w.uint(5, u64::from(locs.is_folded[l]));
            });
            flush(w)?;
        }
        for f in &p.functions {
            w.message(5, |w| {
                w.uint(1, f.id);
                w.int(2, i64::from(f.name));
                w.int(3, i64::from(f.system_name));
                w.int(4, i64::from(f.filename));
                w.int(5, f.start_line);
            });
            flush(w)?;
        }
        // Strings holding bytes that are not UTF-8 (escaped in the model, see
        // [`crate::util::rawbytes`]) are written back as those bytes.
        let escaped = crate::util::rawbytes::any_escaped();
        for s in p.strings.iter() {
            let raw = if escaped {
                crate::util::rawbytes::unescape_bytes(s)
            } else {
                std::borrow::Cow::Borrowed(s.as_bytes())
            };
            w.key(6, 2);
            w.varint(raw.len() as u64);
            w.out.extend_from_slice(&raw);
            flush(w)?;
        }
        w.int(7, i64::from(p.drop_frames));
        w.int(8, i64::from(p.keep_frames));
        w.int(9, p.time_nanos);
        w.int(10, p.duration_nanos);
        if p.period_type != ValueType::default() {
            w.value_type(11, p.period_type);
        }
        w.int(12, p.period);
        w.repeated(13, p.comments.iter().map(|&c| u64::from(c)));
        // pprof writes the default sample type even when it is 0.
        w.key(14, 0);
        w.varint(u64::from(p.default_sample_type));
        w.int(15, i64::from(p.doc_url));
        Some(())
    }

    /// Samples `range` of `p`, as field 2 messages.
    fn samples(&mut self, p: &Profile, range: std::ops::Range<usize>) {
        let ids = &p.locations.id;
        let dense = *self
            .dense_ids
            .get_or_insert_with(|| ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1));
        // Dense ids need no lookup: on merge 2×200k, encoding took 45 ms
        // on one thread with the lookups, 38 without; and they are written
        // four at a time where the CPU can ([`super::packed_ids`]).
        #[cfg(target_arch = "x86_64")]
        if dense
            && p.locations.len() as u64 <= super::packed_ids::MAX_ID
            && super::packed_ids::available()
        {
            self.samples_with(p, range, |w, stack| {
                if stack.len() <= 2 {
                    w.repeated(1, stack.iter().map(|&l| u64::from(l) + 1));
                } else {
                    // Packed as `repeated` packs: a length, then the varints.
                    // SAFETY: SSSE3 was checked above.
                    w.message(1, |w| unsafe {
                        super::packed_ids::write_dense(&mut w.out, stack)
                    });
                }
            });
            return;
        }
        if dense {
            self.samples_with(p, range, |w, stack| {
                w.repeated(1, stack.iter().map(|&l| u64::from(l) + 1));
            });
        } else {
            self.samples_with(p, range, |w, stack| {
                w.repeated(1, stack.iter().map(|&l| ids[l as usize]));
            });
        }
    }

    /// The samples of `range`, each stack written by `stack`.
    fn samples_with(
        &mut self,
        p: &Profile,
        range: std::ops::Range<usize>,
        stack: impl Fn(&mut Writer, &[u32]) + Copy,
    ) {
        let nv = p.num_values();
        for s in range {
            self.message(2, |w| {
                stack(w, p.samples.stack(s));
                w.repeated(
                    2,
                    p.samples.values[s * nv..(s + 1) * nv]
                        .iter()
                        .map(|&v| v as u64),
                );
                for l in p.samples.labels(s) {
                    w.message(3, |w| {
                        w.int(1, i64::from(l.key));
                        w.int(2, i64::from(l.str));
                        w.int(3, l.num);
                        w.int(4, i64::from(l.num_unit));
                    });
                }
            });
        }
    }

    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    #[inline]
    fn key(&mut self, field: u32, wire: u32) {
        self.varint(u64::from(field << 3 | wire));
    }

    #[inline]
    fn uint(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, 0);
            self.varint(v);
        }
    }

    #[inline]
    fn int(&mut self, field: u32, v: i64) {
        self.uint(field, v as u64);
    }

    fn value_type(&mut self, field: u32, v: ValueType) {
        self.message(field, |w| {
            w.int(1, i64::from(v.ty));
            w.int(2, i64::from(v.unit));
        });
    }

    /// A repeated varint field as pprof writes one: packed when it holds
    /// more than two values, else one field per value (zeros included);
    /// nothing when empty.
    fn repeated(&mut self, field: u32, vals: impl ExactSizeIterator<Item = u64>) {
        if vals.len() <= 2 {
            for v in vals {
                self.key(field, 0);
                self.varint(v);
            }
            return;
        }
        self.message(field, |w| w.varints(vals));
    }

    /// The varints of `vals`, one after another, written into room reserved
    /// once (ten bytes a value at most) rather than pushed a byte at a time:
    /// a sample's location ids were a third of the encoder's instructions.
    /// (Storing four bytes at once for values under 2²⁸, spread by masks
    /// and shifts, ran more instructions: most ids take one or two bytes.)
    fn varints(&mut self, vals: impl ExactSizeIterator<Item = u64>) {
        self.out.reserve(vals.len() * 10);
        let len = self.out.len();
        let room = self.out.spare_capacity_mut();
        let mut n = 0;
        for mut v in vals {
            while v >= 0x80 {
                room[n].write(v as u8 | 0x80);
                n += 1;
                v >>= 7;
            }
            room[n].write(v as u8);
            n += 1;
        }
        // SAFETY: the first `n` bytes after the length were written above
        // (an iterator longer than it said would have panicked on `room`'s
        // bounds, not written past them).
        unsafe { self.out.set_len(len + n) };
    }

    /// A length-delimited sub-message written by `f`.
    fn message(&mut self, field: u32, f: impl FnOnce(&mut Writer)) {
        self.key(field, 2);
        let start = self.out.len() + 1;
        self.out.push(0);
        f(self);
        self.set_len(start);
    }

    /// Writes the length of the bytes from `start` on into the one byte
    /// reserved before them, making room when it takes more (rare: stacks
    /// and messages are mostly under 128 bytes).
    fn set_len(&mut self, start: usize) {
        let len = self.out.len() - start;
        if len < 0x80 {
            self.out[start - 1] = len as u8;
            return;
        }
        self.scratch.clear();
        let mut v = len as u64;
        while v >= 0x80 {
            self.scratch.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.scratch.push(v as u8);
        let n = self.scratch.len();
        self.out[start - 1] = self.scratch[0];
        self.out
            .splice(start..start, self.scratch[1..].iter().copied());
        debug_assert_eq!(self.out.len(), start + n - 1 + len);
    }
}

#[cfg(all(test, feature = "libdeflate"))]
mod tests {
    use super::*;
    use crate::util::gzmembers;

    /// 17 MiB of bytes that compress somewhat, as a profile does.
    fn data() -> Vec<u8> {
        let mut x = 0x9e37_79b9_u32;
        (0..17 << 20)
            .map(|i: usize| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                if i % 4 == 0 {
                    (x >> 24) as u8
                } else {
                    (i / 64) as u8
                }
            })
            .collect()
    }

    /// `gz` inflates to `raw` through the loader's fast path, and through
    /// flate2 as every other reader would.
    fn assert_inflates_to(gz: &[u8], raw: &[u8]) {
        assert!(crate::decode::gzip::gunzip(gz, u64::MAX).unwrap() == raw);
        let mut via_flate2 = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(gz), &mut via_flate2)
            .unwrap();
        assert!(via_flate2 == raw);
    }

    #[test]
    fn both_compressors_write_sized_members_that_inflate_back() {
        let raw = data();
        let (a, b) = raw.split_at(5 << 20);
        let libdeflate = Compressor::libdeflate(GZIP_LEVEL).unwrap();
        let mut sinks = vec![("libdeflate", MemberSink::with(libdeflate))];
        if let Some(z) = crate::util::igzip::Igzip::new() {
            sinks.push(("igzip", MemberSink::with(Compressor::Igzip(z))));
        } else if crate::util::igzip::required() {
            panic!("libisal.so.2 not loadable: CI installs Debian's libisal2");
        }
        for (name, mut sink) in sinks {
            sink.push(a).unwrap();
            sink.push(b).unwrap();
            let gz = sink.finish();
            let members = gzmembers::index(&gz, u64::MAX).unwrap();
            assert_eq!(members.len(), 2, "{name}");
            assert_eq!(members[0].size, a.len(), "{name}");
            assert!(
                gz.len() < raw.len(),
                "{name}: {} of {}",
                gz.len(),
                raw.len()
            );
            assert_inflates_to(&gz, &raw);
        }
    }

    #[test]
    fn large_outputs_are_sized_members_that_inflate_back() {
        let raw = data();
        let gz = sized_members(&raw, GZIP_LEVEL, 2).unwrap();
        let members = gzmembers::index(&gz, u64::MAX).unwrap();
        assert_eq!(members.len(), 4);
        assert_eq!(members.iter().map(|m| m.size).sum::<usize>(), raw.len());
        assert_inflates_to(&gz, &raw);
        // A corrupt member is an error, never wrong bytes.
        let mut bad = gz.clone();
        let at = members[1].start + members[1].len / 2;
        bad[at] ^= 0x55;
        assert!(crate::decode::gzip::gunzip(&bad, u64::MAX).is_err());
    }

    #[test]
    fn streamed_members_inflate_to_the_encoded_bytes() {
        let p = super::sample_tests::many_samples(150_000);
        let raw = encode(&p);
        for (threads, piece) in [(2, 64 << 10), (3, 300 << 10), (2, 64 << 20)] {
            let parts = streamed_members(&p, GZIP_LEVEL, threads, piece).unwrap();
            assert_eq!(parts.len(), threads);
            let gz = parts.concat();
            // Sized members only, so the loader inflates them side by side;
            // with small pieces, several members per thread.
            let members = gzmembers::index(&gz, u64::MAX).unwrap();
            assert!(members.len() >= threads, "{threads} {piece}");
            if piece < raw.len() / threads {
                assert!(members.len() > threads, "{threads} {piece}");
            }
            assert_inflates_to(&gz, &raw);
        }
    }

    #[test]
    fn a_tail_larger_than_a_piece_is_compressed_as_it_is_written() {
        // 120k samples over 40k locations, each with its own function and
        // name: a tail of about 1.5 MB.
        let n = 40_000u64;
        let mut strings = vec![String::new(), "samples".into(), "count".into()];
        strings.extend((0..n).map(|i| format!("pkg.function_{i:06}")));
        let p = proto::Profile {
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            function: (1..=n)
                .map(|id| proto::Function {
                    id,
                    name: id as i64 + 2,
                    ..Default::default()
                })
                .collect(),
            location: (1..=n)
                .map(|id| super::sample_tests::location(id, id, id * 16))
                .collect(),
            sample: (0..120_000u64)
                .map(|i| proto::Sample {
                    location_id: vec![i % n + 1, (i * 7) % n + 1],
                    value: vec![i as i64],
                    label: vec![],
                })
                .collect(),
            string_table: strings,
            ..Default::default()
        };
        let p = crate::decode::protobuf::decode(&prost::Message::encode_to_vec(&p)).unwrap();
        let raw = encode(&p);
        let piece = 64 << 10;
        let parts = streamed_members(&p, GZIP_LEVEL, 2, piece).unwrap();
        // The last part, samples then the tail, in members of about a
        // piece, that inflate to the bytes written whole.
        let tail_bytes = raw.len() - encode_samples_len(&p);
        assert!(tail_bytes > 8 * piece, "{tail_bytes}");
        let last = gzmembers::index(&parts[1], u64::MAX).unwrap();
        assert!(last.len() > tail_bytes / piece, "{} members", last.len());
        assert_inflates_to(&parts.concat(), &raw);
    }

    /// The bytes of `p`'s samples (and sample types), as [`encode`] writes them.
    fn encode_samples_len(p: &Profile) -> usize {
        let mut w = Writer::with_capacity(0);
        w.head(p);
        w.samples(p, 0..p.samples.len());
        w.out.len()
    }

    #[test]
    fn ranges_balanced_for_a_tail_cover_the_samples_in_order() {
        for (n, threads, samples, tail) in [
            (1000, 2, 10_000, 0),
            (1000, 2, 10_000, 2_000),
            (1000, 3, 10_000, 50_000),
            (7, 4, 70, 5),
            (0, 2, 0, 10),
            (1000, 1, 10_000, 2_000),
        ] {
            let ranges = balanced_ranges(n, threads, samples, tail);
            assert_eq!(ranges.len(), threads, "{n} {threads}");
            let flat: Vec<usize> = ranges.iter().cloned().flatten().collect();
            assert_eq!(flat, (0..n).collect::<Vec<_>>(), "{n} {threads}");
        }
        // With a tail of a fifth of the samples' bytes, the last of two
        // ranges holds 0.4 of the samples (0.6 of the bytes with the tail).
        let r = balanced_ranges(1000, 2, 10_000, 2_000);
        assert_eq!((r[0].len(), r[1].len()), (600, 400));
        // A tail larger than a thread's share: the last range is empty.
        let r = balanced_ranges(1000, 3, 10_000, 50_000);
        assert!(r[2].is_empty());
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;
    use crate::model::proto;
    use prost::Message;

    #[test]
    fn samples_encoded_on_several_threads_read_back_as_the_model() {
        // More than PARALLEL_SAMPLES, some with a label.
        let model = many_samples(120_000);
        let bytes = encode(&model);
        assert!(proto::Profile::decode(&bytes[..]).unwrap() == to_proto(&model));
    }

    #[test]
    fn location_ids_are_written_as_the_model_has_them_dense_or_not() {
        // Dense ids (1..=n, as merges make them) are written without a
        // lookup; any others through it. Stacks of three or more are packed.
        for ids in [vec![1u64, 2, 3, 4], vec![5, 1_000_000, 2, 300]] {
            let samples = (0..50u64)
                .map(|i| proto::Sample {
                    location_id: (0..3 + i % 3)
                        .map(|k| ids[((i + k) % 4) as usize])
                        .collect(),
                    value: vec![i as i64 + 1],
                    label: vec![],
                })
                .collect();
            let model = one_function_profile(&ids, samples, &["", "samples", "count", "f"]);
            let back = proto::Profile::decode(&encode(&model)[..]).unwrap();
            assert!(back == to_proto(&model), "{ids:?}");
            assert_eq!(
                back.sample[0].location_id,
                [ids[0], ids[1], ids[2]],
                "{ids:?}"
            );
        }
    }

    #[test]
    fn repeated_numbers_are_laid_out_as_pprof_writes_them() {
        let mut w = Writer::with_capacity(0);
        // Two values or fewer: one field each, zeros included.
        w.repeated(2, [5u64, 0].into_iter());
        assert_eq!(w.out, [0x10, 5, 0x10, 0]);
        w.out.clear();
        w.repeated(2, std::iter::empty());
        assert!(w.out.is_empty());
        // More: packed.
        w.repeated(1, [1u64, 2, 300].into_iter());
        assert_eq!(w.out, [0x0a, 4, 1, 2, 0xac, 0x02]);
        // Each length of varint, from one byte to ten.
        let vals = [
            0u64,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            (1 << 28) - 1,
            1 << 28,
            7,
            u64::MAX,
            1,
        ];
        w.out.clear();
        w.varints(vals.iter().copied());
        let mut want = Vec::new();
        for mut v in vals {
            while v >= 0x80 {
                want.push(v as u8 | 0x80);
                v >>= 7;
            }
            want.push(v as u8);
        }
        assert_eq!(w.out, want);
        // The default sample type is written even when it is 0.
        let bytes = encode(&Profile::default());
        assert_eq!(bytes, [0x70, 0]);
    }

    /// Location `id` at `address`, of one line: function `function`, line `id`.
    pub(super) fn location(id: u64, function: u64, address: u64) -> proto::Location {
        proto::Location {
            id,
            address,
            line: vec![proto::Line {
                function_id: function,
                line: id as i64,
                column: 0,
            }],
            ..Default::default()
        }
    }

    /// A profile of `n` samples over three locations, a fifth of them
    /// with a label.
    pub(super) fn many_samples(n: u64) -> Profile {
        let samples = (0..n)
            .map(|i| proto::Sample {
                location_id: vec![i % 3 + 1, (i / 3) % 3 + 1],
                value: vec![i as i64],
                label: if i % 5 == 0 {
                    vec![proto::Label {
                        key: 4,
                        str: 5,
                        ..Default::default()
                    }]
                } else {
                    vec![]
                },
            })
            .collect();
        one_function_profile(
            &[1, 2, 3],
            samples,
            &["", "samples", "count", "f", "k", "v"],
        )
    }

    /// The model of a profile of one sample type (strings 1 and 2) and one
    /// function (named string 3), with a location of that function for
    /// each id of `ids`, and `samples`.
    pub(super) fn one_function_profile(
        ids: &[u64],
        samples: Vec<proto::Sample>,
        strings: &[&str],
    ) -> Profile {
        let p = proto::Profile {
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            function: vec![proto::Function {
                id: 1,
                name: 3,
                ..Default::default()
            }],
            location: ids.iter().map(|&id| location(id, 1, 0)).collect(),
            sample: samples,
            string_table: strings.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        crate::decode::protobuf::decode(&p.encode_to_vec()).unwrap()
    }
}
