//! pprofx: a fast analyzer for pprof profiles.
//!
//! The library does all the work; the `pprofx` binary is a thin front end.
//! Data flows one way, and the folders follow it:
//!
//! 1. [`source`]: a profile's bytes from a file (memory-mapped), standard
//!    input or a URL ([`source::fetch`], pprof's rules, captures saved);
//! 2. [`decode`]: gzip sniffed and inflated under a size cap, then the
//!    hand-written protobuf decoder or the Go runtime's text formats;
//! 3. [`model`]: the immutable, struct-of-arrays [`model::Profile`], its
//!    units ([`model::measurement`]) and its encoding back to profile.proto;
//! 4. [`combine`]: several sources merged and base profiles applied, with
//!    pprof's rules;
//! 5. [`view`]: which sample value ([`view::select`]), and which samples,
//!    frames and lines later stages see, after drop_frames ([`view::prune`])
//!    and the filters ([`view::filter`]);
//! 6. [`graph`]: node identity at a granularity, flat/cum aggregation, edges,
//!    and pprof's trimming ([`graph::analysis`]);
//! 7. [`report`]: pprof's reports as data, rendered as text or JSON;
//!    [`diff`] compares profiles aggregated the same way and [`flame`]
//!    builds flame graphs; [`export`] writes profiles as Parquet rows;
//! 8. [`pgo`]: what Go's profile-guided optimization takes from a CPU
//!    profile (the compiler's call-site edges and hot set), weighted merges
//!    into `default.pgo`, and hot-set diffs.
//! 9. [`engine`]: one session and one options value under pprof's names,
//!    and the single entry point every front end (subcommands, pprof's
//!    command line, the shell, the web UI) renders reports through;
//! 9. [`webui`]: the web UI (`-http`), a front end over the engine that
//!    lives in the library so it can be tested and embedded.
//!
//! A stage uses the stages before it, [`model`], [`error`] and [`util`],
//! never one after it. [`util`] holds what every stage shares (threads,
//! timings, the huge-page allocator, all-or-nothing output files).

#![warn(missing_docs)]

/// `eprintln!` for messages to the user, ignoring a failed write to
/// standard error ([`util::output::note`]).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::util::output::note(format_args!($($arg)*))
    };
}

pub mod combine;
pub mod decode;
pub mod diff;
pub mod engine;
pub mod error;
pub mod export;
pub mod flame;
pub mod graph;
pub mod model;
pub mod pgo;
pub mod render;
pub mod report;
pub mod source;
pub mod util;
pub mod view;
pub mod webui;

pub use decode::{load, LoadOptions};
pub use error::{DecodeError, LoadError, OptionError};
pub use model::Profile;
