//! The Go runtime's text profile formats.
//!
//! When the bytes of a source are not a profile.proto message, pprof tries
//! its legacy parsers, recognising each format by its content, in this
//! order. pprofx does the same:
//!
//! * [`cpu`]: the binary CPU profile (gperftools, Go before 1.9, Java), any
//!   word size and byte order;
//! * [`heap`]: `heap profile: …` (Go's heap and allocs `debug=1`, gperftools
//!   heapz and growthz), unsampled as pprof does;
//! * [`count`]: `goroutine profile: total N`, `threadcreate profile: …`;
//! * [`thread`]: gperftools' `--- threadz N ---`;
//! * [`contention`]: `--- mutex:` / `--- contention:` (Go's mutex and
//!   block), `--- contentionz ` (C++);
//! * [`java`]: Java's `--- heapz 1 ---` and `--- contentionz 1 ---`
//!   (`format = java`);
//!
//! and, beyond pprof, [`goroutine`]: the `goroutine?debug=2` dump (one
//! traceback per goroutine), which pprof cannot read.
//!
//! Like pprof, [`parse`] ignores the `#` lines of `debug=1` output (Go's
//! symbolization): those profiles hold bare addresses (`<unknown>` in
//! reports) in one fake mapping, and get pprof's default drop_frames, so
//! every pprof-compatible report matches pprof. [`parse_with`] and
//! [`TextOptions::symbols`] (used by `pprofx diff`) read them instead
//! ([`TextSymbols`]): each address gets the functions, files and lines Go
//! printed for it, and the addresses Go did not print (the leaf-side
//! `runtime.*` frames and `runtime.goexit`) are left out, so the stacks are
//! the ones a `debug=2` dump shows. All parsers take arbitrary bytes and fail
//! with an error, never a panic.

pub mod contention;
pub mod count;
pub mod cpu;
pub mod goroutine;
pub mod heap;
pub mod java;
pub mod maps;
pub mod thread;

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::model::{Function, Label, Line, Mapping, Profile, ValueType, NONE};

/// Why a recognised legacy profile could not be parsed.
pub type LegacyError = String;

/// pprof's "malformed profile format".
pub const MALFORMED: &str = "malformed profile format";

/// Result of one parser: `None` if the format is not recognised.
pub type Parsed = Option<Result<Profile, LegacyError>>;

/// How the text formats are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Use the `#` symbol lines of `debug=1` profiles (pprof ignores them).
    pub symbols: bool,
}

/// Tries the text formats in pprof's order, then goroutine debug=2 dumps,
/// as pprof reads them (`#` lines ignored). `None` if no format recognises
/// the input.
pub fn parse(data: &[u8]) -> Parsed {
    parse_with(data, TextOptions::default())
}

/// [`parse`] with options: with [`TextOptions::symbols`], `debug=1`
/// profiles are symbolized from their `#` lines.
pub fn parse_with(data: &[u8], opts: TextOptions) -> Parsed {
    if let Some(p) = cpu::parse(data) {
        return Some(p);
    }
    if !looks_like_text(data) {
        return None;
    }
    let text = crate::util::rawbytes::decode(data);
    let lines: Vec<&str> = text.lines().collect();
    let symbols = opts.symbols.then(|| TextSymbols::parse(&lines));
    let symbols = symbols.as_ref();
    heap::parse(&lines, symbols)
        .or_else(|| count::parse(&lines, symbols))
        .or_else(|| thread::parse(&lines))
        .or_else(|| contention::parse(&lines, symbols))
        .or_else(|| java::parse(&text))
        .or_else(|| goroutine::parse(&lines))
}

/// One frame of a `#` line: function, file, line.
type TextFrame = (String, String, i64);

/// The `#` lines of a `debug=1` profile: for each program counter Go
/// printed (`#\t0xPC\tfunc+0xOFF\tfile:line`, one line per inlined frame,
/// innermost first), its frames.
#[derive(Debug, Clone, Default)]
pub struct TextSymbols {
    frames: HashMap<u64, Vec<TextFrame>, RandomState>,
    /// Whether any `#` line named a function (else symbols are not used).
    named: bool,
}

impl TextSymbols {
    /// Reads every `#` line. The frames of a program counter are those of
    /// its first block of `#` lines.
    pub fn parse(lines: &[&str]) -> TextSymbols {
        let mut t = TextSymbols::default();
        // Program counters already complete (seen in an earlier block).
        let mut block: Vec<u64> = Vec::new();
        let mut done: std::collections::HashSet<u64, RandomState> = Default::default();
        for line in lines {
            let Some(rest) = line.trim_start().strip_prefix('#') else {
                done.extend(block.drain(..));
                continue;
            };
            let fields: Vec<&str> = rest.split('\t').filter(|f| !f.trim().is_empty()).collect();
            let Some(pc) = fields
                .first()
                .and_then(|f| f.trim().strip_prefix("0x"))
                .and_then(|h| u64::from_str_radix(h, 16).ok())
            else {
                done.extend(block.drain(..));
                continue;
            };
            if done.contains(&pc) {
                continue;
            }
            block.push(pc);
            let entry = t.frames.entry(pc).or_default();
            let (Some(func), Some(place)) = (fields.get(1), fields.get(2..)) else {
                continue;
            };
            let func = func.trim();
            let func = match func.rfind("+0x") {
                Some(i) if i > 0 => &func[..i],
                _ => func,
            };
            let place = place.join("\t");
            let place = place.trim();
            let (file, line) = match place.rsplit_once(':') {
                Some((f, l)) if l.parse::<i64>().is_ok() => (f, l.parse().unwrap_or(0)),
                _ => (place, 0),
            };
            t.named = true;
            entry.push((func.to_string(), file.to_string(), line));
        }
        t
    }

    /// The frames printed for `pc` (empty when only the address was
    /// printed); `None` when Go printed no line for it.
    fn frames(&self, pc: u64) -> Option<&[TextFrame]> {
        self.frames.get(&pc).map(Vec::as_slice)
    }
}

/// How far [`looks_like_text`] looks for the header line.
pub(crate) const HEAD: usize = 64 << 10;

/// A cheap look at the first meaningful line (within the first [`HEAD`]
/// bytes), so that large binary inputs are not copied and scanned as text
/// for nothing. No text format is tried when this is false: the streaming
/// check ([`crate::decode::framing`]) relies on it.
///
/// Lines are read one at a time, each as UTF-8 with invalid bytes replaced
/// (as the whole head would be: a newline is never part of an invalid
/// sequence), so a binary input costs the look at its first line rather
/// than a copy of its first [`HEAD`] bytes.
pub(crate) fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(HEAD)];
    head.split(|&b| b == b'\n')
        .map(String::from_utf8_lossy)
        .find(|l| !is_space_or_comment(l))
        .is_some_and(|l| is_text_header(&l))
}

/// Whether the first meaningful line of an input starts one of the text
/// formats: a heap, CPU-style (`… profile: total …`), contention or
/// goroutine profile.
fn is_text_header(line: &str) -> bool {
    let line = line.trim_start();
    line.contains("heap profile:")
        || line.contains(" profile: total ")
        || line.starts_with("---")
        || line.starts_with("goroutine ")
}

/// pprof's `isSpaceOrComment`.
pub(crate) fn is_space_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// pprof's memory map section markers.
pub(crate) fn is_memory_map_sentinel(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}

/// All `0x…` hex numbers in `s` (pprof's `parseHexAddresses`); an error if
/// one does not fit 64 bits.
pub(crate) fn hex_addresses(s: &str) -> Result<Vec<u64>, LegacyError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && i + 1 < b.len() && b[i + 1] == b'x' {
            let start = i + 2;
            let mut end = start;
            while end < b.len() && matches!(b[end], b'0'..=b'9' | b'a'..=b'f') {
                end += 1;
            }
            if end > start {
                let digits = &s[start..end];
                let v = u64::from_str_radix(digits, 16)
                    .map_err(|_| format!("failed to parse as hex 64-bit number: 0x{digits}"))?;
                out.push(v);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Builds a [`Profile`] the way pprof's legacy parsers build theirs.
pub(crate) struct Builder<'s> {
    p: Profile,
    symbols: Option<&'s TextSymbols>,
    strings: HashMap<String, u32, RandomState>,
    by_address: HashMap<u64, u32, RandomState>,
    functions: HashMap<(u32, u32), u32, RandomState>,
    line_locations: HashMap<(u32, i64), u32, RandomState>,
}

impl<'s> Builder<'s> {
    pub(crate) fn new() -> Builder<'s> {
        let mut b = Builder {
            p: Profile::default(),
            symbols: None,
            strings: HashMap::default(),
            by_address: HashMap::default(),
            functions: HashMap::default(),
            line_locations: HashMap::default(),
        };
        b.str("");
        b
    }

    /// Symbolizes addresses with the `#` lines of the input (when given and
    /// naming any function).
    pub(crate) fn with_symbols(mut self, symbols: Option<&'s TextSymbols>) -> Builder<'s> {
        self.symbols = symbols.filter(|s| s.named);
        self
    }

    /// The locations of a `COUNT @ 0x… 0x…` record's return addresses (each
    /// moved back one byte onto the call): bare addresses as pprof reads
    /// them, or, with symbols, the printed frames, the addresses Go did not
    /// print left out (unless none was printed).
    pub(crate) fn stack(&mut self, return_addresses: &[u64], out: &mut Vec<u32>) {
        out.clear();
        if let Some(sym) = self.symbols {
            for &a in return_addresses {
                let pc = a.wrapping_sub(1);
                let Some(frames) = sym.frames(pc) else {
                    continue;
                };
                let loc = self.symbolized(pc, frames);
                out.push(loc);
            }
            if !out.is_empty() {
                return;
            }
        }
        for &a in return_addresses {
            let l = self.address(a.wrapping_sub(1));
            out.push(l);
        }
    }

    /// The location of `pc` with its printed frames, created on first use.
    fn symbolized(&mut self, pc: u64, frames: &[TextFrame]) -> u32 {
        if let Some(&l) = self.by_address.get(&pc) {
            return l;
        }
        let lines: Vec<Line> = frames
            .iter()
            .map(|(func, file, line)| Line {
                function: self.function(func, file),
                line: *line,
                column: 0,
            })
            .collect();
        let l = self.push_location(pc, &lines);
        self.by_address.insert(pc, l);
        l
    }

    pub(crate) fn str(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.p.strings.push(s).unwrap_or(0);
        self.strings.insert(s.to_string(), i);
        i
    }

    pub(crate) fn value_type(&mut self, ty: &str, unit: &str) -> ValueType {
        ValueType {
            ty: self.str(ty),
            unit: self.str(unit),
        }
    }

    pub(crate) fn sample_type(&mut self, ty: &str, unit: &str) {
        let vt = self.value_type(ty, unit);
        self.p.sample_types.push(vt);
    }

    pub(crate) fn period(&mut self, ty: &str, unit: &str, period: i64) {
        self.p.period_type = self.value_type(ty, unit);
        self.p.period = period;
    }

    pub(crate) fn profile(&mut self) -> &mut Profile {
        &mut self.p
    }

    fn push_location(&mut self, address: u64, lines: &[Line]) -> u32 {
        let locs = &mut self.p.locations;
        let idx = locs.id.len() as u32;
        locs.id.push(u64::from(idx) + 1);
        locs.mapping.push(NONE);
        locs.address.push(address);
        locs.is_folded.push(false);
        locs.lines.extend_from_slice(lines);
        locs.line_ends.push(locs.lines.len() as u32);
        idx
    }

    /// The location of an (already adjusted) address, created on first use.
    pub(crate) fn address(&mut self, address: u64) -> u32 {
        if let Some(&l) = self.by_address.get(&address) {
            return l;
        }
        let l = self.push_location(address, &[]);
        self.by_address.insert(address, l);
        l
    }

    /// The function `function` in `file`, created on first use.
    fn function(&mut self, function: &str, file: &str) -> u32 {
        let (name, filename) = (self.str(function), self.str(file));
        match self.functions.get(&(name, filename)) {
            Some(&f) => f,
            None => {
                let f = self.p.functions.len() as u32;
                self.p.functions.push(Function {
                    id: u64::from(f) + 1,
                    name,
                    system_name: name,
                    filename,
                    start_line: 0,
                });
                self.functions.insert((name, filename), f);
                f
            }
        }
    }

    /// The location of `function` at `file:line` (no address).
    pub(crate) fn frame(&mut self, function: &str, file: &str, line: i64) -> u32 {
        let f = self.function(function, file);
        if let Some(&l) = self.line_locations.get(&(f, line)) {
            return l;
        }
        let l = self.push_location(
            0,
            &[Line {
                function: f,
                line,
                column: 0,
            }],
        );
        self.line_locations.insert((f, line), l);
        l
    }

    pub(crate) fn sample(&mut self, stack: &[u32], values: &[i64], labels: &[Label]) {
        let s = &mut self.p.samples;
        s.stack_locs.extend_from_slice(stack);
        s.stack_ends.push(s.stack_locs.len() as u32);
        s.values.extend_from_slice(values);
        s.labels.extend_from_slice(labels);
        s.label_ends.push(s.labels.len() as u32);
    }

    pub(crate) fn num_label(&mut self, key: &str, num: i64) -> Label {
        Label {
            key: self.str(key),
            str: 0,
            num,
            num_unit: 0,
            kept_zero: num == 0,
        }
    }

    pub(crate) fn str_label(&mut self, key: &str, value: &str) -> Label {
        Label {
            key: self.str(key),
            str: self.str(value),
            num: 0,
            num_unit: 0,
            kept_zero: false,
        }
    }

    /// Finishes a legacy profile: locations attached to the mappings of the
    /// memory-map section in `rest` (if any) or to pprof's fake mapping (the
    /// whole address space), and pprof's default drop_frames/keep_frames for
    /// the profile's kind.
    pub(crate) fn finish_legacy(self, rest: &[&str]) -> Profile {
        self.finish_with_mappings(maps::parse_section(rest))
    }

    /// [`Builder::finish_legacy`] with the mappings already read.
    pub(crate) fn finish_with_mappings(mut self, mappings: Vec<maps::RawMapping>) -> Profile {
        let mut raw = maps::massage(mappings);
        let assigned = maps::assign(&mut raw, &self.p.locations.address);
        for m in &raw {
            let mapping = Mapping {
                id: self.p.mappings.len() as u64 + 1,
                memory_start: m.start,
                memory_limit: m.limit,
                file_offset: m.offset,
                filename: self.str(&m.file),
                build_id: self.str(&m.build_id),
                ..Mapping::default()
            };
            self.p.mappings.push(mapping);
        }
        for (slot, a) in self.p.locations.mapping.iter_mut().zip(assigned) {
            *slot = a.map_or(NONE, |i| i as u32);
        }
        let names: Vec<String> = self
            .p
            .sample_types
            .iter()
            .map(|t| self.p.str(t.ty).to_string())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (drop, keep) = match names.as_slice() {
            ["allocations", "size"]
            | ["objects", "space"]
            | ["inuse_objects", "inuse_space"]
            | ["alloc_objects", "alloc_space"]
            | ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"] => {
                (ALLOC_DROP, ALLOC_KEEP)
            }
            ["contentions", "delay"] => (LOCK_DROP, ""),
            _ => (CPU_PROFILER_DROP, ""),
        };
        self.p.drop_frames = self.str(drop);
        self.p.keep_frames = self.str(keep);
        self.p
    }

    /// Finishes a profile as is.
    pub(crate) fn finish(self) -> Profile {
        self.p
    }
}

/// Allocator frames pprof drops from heap profiles.
const ALLOC_DROP: &str = "calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|\
pvalloc|valloc|realloc|tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|\
tc_posix_memalign|tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|\
tc_new_nothrow|tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|\
malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|runtime\\..*|BaseArena::.*|\
(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|DoSampledAllocation|\
MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|__builtin_(vec_)?new|\
__gnu_cxx::new_allocator::allocate|__libc_malloc|__malloc_alloc_template::allocate|allocate|\
cpp_alloc|operator new(\\[\\])?|simple_alloc::allocate";

/// Runtime frames kept in heap profiles despite [`ALLOC_DROP`].
const ALLOC_KEEP: &str = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";

/// Profiler signal-handler frames.
const CPU_PROFILER_DROP: &str =
    "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore";

/// Lock implementation frames dropped from contention profiles.
const LOCK_DROP: &str = "RecordLockProfileData|(base::)?RecordLockProfileData.*|\
(base::)?SubmitMutexProfileData.*|(base::)?SubmitSpinLockProfileData.*|\
(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|(base::Mutex::)?UnlockSlow.*|\
(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|(Mutex::)?AwaitCommon.*|\
(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|(MutexLock::)?~MutexLock.*|\
(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|(SpinLockHolder::)?~SpinLockHolder.*";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::go::parse_int_base0;

    /// The look as it was written first: the whole head made text at once.
    fn looks_like_text_whole(data: &[u8]) -> bool {
        let head = String::from_utf8_lossy(&data[..data.len().min(HEAD)]);
        head.lines()
            .find(|l| !is_space_or_comment(l))
            .is_some_and(is_text_header)
    }

    #[test]
    fn the_first_meaningful_line_decides_as_when_the_head_is_read_whole() {
        let cases: [&[u8]; 12] = [
            b"heap profile: 1: 2 [3: 4] @ heap/1048576\n",
            b"\r\n# comment\r\n  \t\r\n--- contention:\r\ncycles/second=1\r\n",
            b"\n\n   goroutine 1 [running]:\n",
            b"\xff\xfe\n# \xc3\n--- mutex\n",
            b"\xe2\x80\xa8\ngoroutine 7 [chan send]:",
            b"\xc2\xa0heap profile: 1",
            b"\xe3\x80\x80\n \x85--- x",
            b"#\n\xc3\nheap profile:",
            b"\x0a\x04\x08\x01\x10\x02\x12\x05heap profile:",
            b"binary \x00\x01 profile: total 3\n",
            b"  \n\t\n",
            b"",
        ];
        for c in cases {
            assert_eq!(looks_like_text(c), looks_like_text_whole(c), "{c:?}");
        }
        // The head's limit cuts both the same way.
        let mut long = vec![b'#'; HEAD - 2];
        long.extend_from_slice(b"\n\xe2goroutine 1");
        assert_eq!(looks_like_text(&long), looks_like_text_whole(&long));
        assert!(looks_like_text(b"\n# c\n  goroutine 1 [running]:\n"));
        assert!(!looks_like_text(b"\n# c\n\xffgoroutine 1 [running]:\n"));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_look_as_when_the_head_is_read_whole(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::collection::vec(proptest::num::u8::ANY, 0..6),
                    proptest::sample::select(vec![
                        b"\n".to_vec(), b"\r\n".to_vec(), b"# ".to_vec(), b" \t".to_vec(),
                        b"heap profile:".to_vec(), b"---".to_vec(), b"goroutine ".to_vec(),
                        b" profile: total ".to_vec(), "\u{a0}\u{2028}".as_bytes().to_vec(),
                        b"\xe2\x80".to_vec(), b"\xc3".to_vec(),
                    ]),
                ],
                0..12,
            )
        ) {
            let data = parts.concat();
            proptest::prop_assert_eq!(looks_like_text(&data), looks_like_text_whole(&data));
        }
    }

    #[test]
    fn base0_integers() {
        assert_eq!(parse_int_base0("10"), Some(10));
        assert_eq!(parse_int_base0("010"), Some(8));
        assert_eq!(parse_int_base0("0x1f"), Some(31));
        assert_eq!(parse_int_base0("-5"), Some(-5));
        assert_eq!(parse_int_base0("09"), None);
        assert_eq!(parse_int_base0(""), None);
        assert_eq!(parse_int_base0("99999999999999999999"), None);
    }

    #[test]
    fn hex_numbers() {
        assert_eq!(hex_addresses(" 0x10 0xff x0x1").unwrap(), [16, 255, 1]);
        assert!(hex_addresses("0x1ffffffffffffffff").is_err());
    }

    #[test]
    fn symbol_lines_give_frames_and_hide_unprinted_addresses() {
        let text = "goroutine profile: total 3\n\
2 @ 0x11 0x21 0x31 0x41\n\
#\t0x20\tmain.inner+0x4\t\ta b/x.go:7\n\
#\t0x20\tmain.outer+0x4\t\ta b/x.go:12\n\
#\t0x30\n\
\n\
1 @ 0x51\n";
        let plain = parse(text.as_bytes()).unwrap().unwrap();
        assert!(plain.functions.is_empty());
        let p = parse_with(text.as_bytes(), TextOptions { symbols: true })
            .unwrap()
            .unwrap();
        // 0x10 and 0x40 (runtime frames, goexit) were not printed: dropped.
        assert_eq!(p.samples.stack(0).len(), 2);
        let leaf = p.samples.stack(0)[0];
        assert_eq!(p.locations.address[leaf as usize], 0x20);
        let names: Vec<&str> = p
            .locations
            .lines(leaf)
            .iter()
            .map(|l| p.str(p.functions[l.function as usize].name))
            .collect();
        assert_eq!(names, ["main.inner", "main.outer"]);
        let l = p.locations.lines(leaf)[0];
        assert_eq!(p.str(p.functions[l.function as usize].filename), "a b/x.go");
        assert_eq!(l.line, 7);
        // `#\t0x30` alone: an address without a name.
        assert!(p.locations.lines(p.samples.stack(0)[1]).is_empty());
        // A record without any printed frame keeps its addresses.
        assert_eq!(p.samples.stack(1).len(), 1);
    }

    #[test]
    fn garbage_is_not_recognised() {
        for g in [
            &b""[..],
            b"\xff\xfe",
            b"heap profile:",
            b"--- mutex:\n1 2 @ zz",
        ] {
            let _ = parse(g);
        }
        assert!(parse(b"hello").is_none());
    }
}
