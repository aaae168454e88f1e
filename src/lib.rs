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
//!    builds flame graphs.
//!
//! A stage uses the stages before it, [`model`], [`error`] and [`util`],
//! never one after it. [`util`] holds what every stage shares (threads,
//! timings, the huge-page allocator, all-or-nothing output files).

#![warn(missing_docs)]

pub mod combine;
pub mod decode;
pub mod diff;
pub mod error;
pub mod flame;
pub mod graph;
pub mod model;
pub mod render;
pub mod report;
pub mod source;
pub mod util;
pub mod view;

pub use decode::{load, LoadOptions};
pub use error::{DecodeError, LoadError, OptionError};
pub use model::Profile;
