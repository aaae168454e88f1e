//! What Go's profile-guided optimization (`go build -pgo`) takes from a CPU
//! profile, computed before the build.
//!
//! The Go 1.27 toolchain reduces a `default.pgo` to weighted call-site edges
//! (`go tool preprofile`, `cmd/internal/pgo`): from each sample only its last
//! two locations (leaf and caller, inlined frames expanded) count, an edge is
//! (caller, callee, call-site offset = line − `Function.start_line`), and its
//! weight is the sample value of the first `samples/count` or
//! `cpu/nanoseconds` type. The inliner then calls the heaviest edges that make
//! up more than 99 % of the total weight "hot" and lets their callees grow to
//! an inlining budget of 2000 instead of 80; the devirtualizer turns an
//! interface or function-value call into a guarded direct call to its hottest
//! callee.
//!
//! This stage comes after [`crate::report`]: it reads [`crate::model`]
//! profiles (and the serialized `GO PREPROFILE V1` form) and is used by no
//! earlier stage.
//!
//! - [`edges`]: the edge table exactly as the compiler computes it;
//! - [`serial`]: `go tool preprofile`'s text format, read and written;
//! - [`hot`]: the 99 % CDF hot set;
//! - [`input`]: profiles and preprofile files read and reduced to one table;
//! - [`names`]: Go symbol names (methods, closures) and non-Go callees;
//! - [`costs`]: callee inlining costs from `go build -gcflags=-m=2`;
//! - [`report`]: `pprofx pgo report` (table, warnings, devirtualization
//!   candidates) as text or JSON;
//! - [`merge`]: weighted merge that keeps `start_line`, with stack trimming;
//! - [`diff`]: which call sites entered or left the hot set, and how much
//!   weight moved.

pub mod costs;
pub mod diff;
pub mod edges;
pub mod hot;
pub mod input;
pub mod merge;
pub mod names;
pub mod report;
pub mod serial;

pub use edges::{Edge, EdgeKey, EdgeTable};

/// The compiler's default inlining budget (`inlineMaxBudget`).
pub const DEFAULT_BUDGET: i64 = 80;

/// The budget of a callee at a hot call site (`inlineHotMaxBudget`, flag
/// `-d=pgoinlinebudget`).
pub const HOT_BUDGET: i64 = 2000;

/// The hot set's CDF threshold in percent
/// (`inlineCDFHotCallSiteThresholdPercent`, flag `-d=pgoinlinecdfthreshold`).
pub const CDF_THRESHOLD: f64 = 99.0;

/// Why a profile gives no PGO edges.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PgoError {
    /// No `samples/count` or `cpu/nanoseconds` sample type.
    #[error("no samples/count or cpu/nanoseconds sample type (it has {have}): go build -pgo rejects it; PGO needs a CPU profile")]
    NoSampleType {
        /// The sample types the profile has, `type/unit` joined by `, `.
        have: String,
    },
    /// No function of the graph has a `start_line`.
    #[error("no Function.start_line in the profile: go build -pgo rejects it (profiles written by Go 1.20 and later have it; `pprof -proto` re-symbolization drops it, see pprof#823)")]
    NoStartLine,
    /// A serialized profile that does not parse.
    #[error("{0}")]
    Serialized(String),
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Hand-made CPU profiles for the unit tests.

    use crate::model::{Function, Line, Profile, ValueType, NONE};

    /// Builds a `samples/count` + `cpu/nanoseconds` profile.
    pub struct CpuBuilder {
        pub p: Profile,
    }

    impl CpuBuilder {
        pub fn new() -> Self {
            let mut p = Profile::default();
            p.strings.push("");
            let mut b = CpuBuilder { p };
            let (s, c) = (b.str("samples"), b.str("count"));
            let (cpu, ns) = (b.str("cpu"), b.str("nanoseconds"));
            b.p.sample_types = vec![
                ValueType { ty: s, unit: c },
                ValueType { ty: cpu, unit: ns },
            ];
            b.p.period_type = ValueType { ty: cpu, unit: ns };
            b.p.period = 10_000_000;
            b
        }

        pub fn str(&mut self, s: &str) -> u32 {
            let found = self.p.strings.iter().position(|x| x == s);
            match found {
                Some(i) => i as u32,
                None => self.p.strings.push(s).unwrap(),
            }
        }

        /// The function `name` in `file` starting at `start`, created on first use.
        pub fn function(&mut self, name: &str, file: &str, start: i64) -> u32 {
            let (n, f) = (self.str(name), self.str(file));
            if let Some(i) = self
                .p
                .functions
                .iter()
                .position(|x| x.name == n && x.filename == f && x.start_line == start)
            {
                return i as u32;
            }
            self.p.functions.push(Function {
                id: self.p.functions.len() as u64 + 1,
                name: n,
                system_name: n,
                filename: f,
                start_line: start,
            });
            self.p.functions.len() as u32 - 1
        }

        /// A location at `address` with `lines` (function, line), innermost first.
        pub fn location(&mut self, address: u64, lines: &[(u32, i64)]) -> u32 {
            let locs = &mut self.p.locations;
            locs.id.push(locs.id.len() as u64 + 1);
            locs.mapping.push(NONE);
            locs.address.push(address);
            locs.is_folded.push(false);
            for &(function, line) in lines {
                locs.lines.push(Line {
                    function,
                    line,
                    column: 0,
                });
            }
            locs.line_ends.push(locs.lines.len() as u32);
            locs.id.len() as u32 - 1
        }

        /// A location with one line of a function given by name.
        pub fn frame(&mut self, name: &str, start: i64, line: i64) -> u32 {
            let f = self.function(name, "x.go", start);
            self.location(0, &[(f, line)])
        }

        /// A sample of `count` samples (and `count` × 10 ms).
        pub fn sample(&mut self, stack: &[u32], count: i64) {
            let s = &mut self.p.samples;
            s.stack_locs.extend_from_slice(stack);
            s.stack_ends.push(s.stack_locs.len() as u32);
            s.values.extend_from_slice(&[count, count * 10_000_000]);
            s.label_ends.push(s.labels.len() as u32);
        }

        pub fn finish(self) -> Profile {
            self.p
        }
    }
}
