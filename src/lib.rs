//! pprofx: a fast analyzer for pprof profiles.
//!
//! The library does all the work; the `pprofx` binary is a thin command-line
//! front end. Data flows one way through these modules:
//!
//! 1. [`input`]: bytes from a file (memory-mapped) or standard input, gzip
//!    sniffed by magic bytes and inflated under a size cap;
//! 2. [`decode`]: a hand-written protobuf decoder filling
//! 3. [`model`]: the immutable, struct-of-arrays [`model::Profile`];
//! 4. [`select`] (which sample value), and [`view`]: which samples, frames
//!    and lines later stages see, after [`prune`] (the profile's drop_frames)
//!    and [`filter`] (focus, ignore, hide, show, tag filters…);
//! 5. [`graph`]: node identity at a granularity, flat/cum aggregation, edges;
//! 6. [`report`]: pprof's reports as data, rendered as text or JSON, with
//!    numbers formatted by [`measurement`] (pprof's unit rules);
//!    [`diff`] compares two or more profiles aggregated the same way.
//!
//! Sources that are URLs are fetched by [`fetch`] (pprof's rules, captures
//! saved). Several sources and base profiles are loaded by [`sources`] and combined
//! by [`merge`] (pprof's merge rules); [`legacy`] reads the Go runtime's text
//! formats (`debug=1` profiles, `goroutine?debug=2` dumps).
//!
//! [`flame`] builds pruned stack trees for flame graphs (SVG via inferno,
//! folded stacks, speedscope JSON).
//!
//! [`proto`] holds the prost-generated types of profile.proto, used to write
//! profiles and as the decoder's oracle in tests.
//!
//! [`parallel`] splits the per-sample loops over threads, [`timing`] prints
//! stage times under `PPROFX_TIMINGS`, and [`alloc`] is the huge-page-hinting
//! allocator the binary installs for its big load buffers.

#![warn(missing_docs)]

pub mod alloc;
pub mod decode;
pub mod diff;
pub mod encode;
pub mod error;
pub mod fetch;
pub mod filter;
pub mod flame;
pub mod graph;
pub mod input;
pub mod legacy;
pub mod measurement;
pub mod merge;
pub mod model;
pub mod output;
pub mod parallel;
pub mod proto;
pub mod prune;
pub mod report;
pub mod select;
pub mod sources;
pub mod symbolize;
pub mod timing;
pub mod view;

pub use error::{DecodeError, LoadError, OptionError};
pub use input::{load, LoadOptions};
pub use model::Profile;
