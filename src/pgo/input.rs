//! The inputs of `pprofx pgo`: profiles (files, `-`, URLs) or `go tool
//! preprofile` output, read, checked and reduced to one edge table.
//!
//! Several profiles are merged first, with pprof's rules (as `pprofx merge`
//! and `go tool pprof -proto` do); the edges of a merge are the sums of the
//! inputs' edges. When a `GO PREPROFILE V1` file is among the inputs, each
//! input is reduced to its edges and the weights are summed per edge. An
//! empty file is what the compiler ignores. Inputs without `start_line`
//! are kept, with a warning naming them.

use std::collections::HashMap;

use super::edges::{self, Edge, EdgeKey, EdgeTable};
use super::report::Warning;
use super::{serial, PgoError};
use crate::combine::merge::{self, MergeError};
use crate::decode::{self, LoadOptions};
use crate::error::LoadError;
use crate::model::Profile;
use crate::source::{fetch, Bytes, Input as Opened};

/// One input, read.
#[derive(Debug)]
pub enum Input {
    /// A profile.
    Profile(Box<Profile>),
    /// `go tool preprofile` output.
    Serialized(EdgeTable),
    /// An empty file (the compiler ignores it).
    Empty,
}

/// Why the inputs could not be reduced to edges.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// An input could not be read or decoded.
    #[error("{input}: {error}")]
    Load {
        /// The input.
        input: String,
        /// Why.
        error: LoadError,
    },
    /// An input is not usable for PGO.
    #[error("{input}: {error}")]
    Pgo {
        /// The input.
        input: String,
        /// Why.
        error: PgoError,
    },
    /// The profiles cannot be merged.
    #[error("{0}")]
    Merge(#[from] MergeError),
}

/// Reads one input: `go tool preprofile` output is recognised by its header.
pub fn read(source: &str, opts: &LoadOptions) -> Result<Input, InputError> {
    let load_err = |error| InputError::Load {
        input: source.to_string(),
        error,
    };
    let serialized = |bytes: &[u8]| {
        serial::parse(bytes)
            .map(Input::Serialized)
            .map_err(|error| InputError::Pgo {
                input: source.to_string(),
                error,
            })
    };
    let result = if fetch::remote_target(source, &opts.fetch).is_some() {
        decode::load(source, opts)
    } else {
        match crate::source::open(source).map_err(load_err)? {
            Opened::Mapped(m) if serial::is_serialized(&m) => return serialized(&m),
            Opened::Mapped(m) => decode::parse(Bytes::Mapped(m), opts),
            Opened::Stream(mut s) => {
                let head = s
                    .peek(serial::HEADER.len())
                    .map_err(|e| load_err(e.into()))?;
                if serial::is_serialized(head) {
                    let all = crate::source::read_all(s, opts.max_size).map_err(load_err)?;
                    return serialized(&all);
                }
                decode::parse_reader(s, opts)
            }
        }
    };
    match result {
        Ok(p) => Ok(Input::Profile(Box::new(p))),
        Err(LoadError::Empty) => Ok(Input::Empty),
        Err(e) => Err(load_err(e)),
    }
}

/// The edges of several inputs, and what to warn about.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The edges (of the merge, when several inputs).
    pub table: EdgeTable,
    /// The compiler finds a `start_line` (else it rejects the profile).
    pub has_start_line: bool,
    /// Problems of individual inputs.
    pub warnings: Vec<Warning>,
}

/// Reads `sources` and reduces them to one edge table. Fails on unreadable
/// inputs and on profiles without a usable sample type (naming them).
pub fn load(sources: &[String], opts: &LoadOptions) -> Result<Loaded, InputError> {
    let mut inputs = Vec::with_capacity(sources.len());
    for s in sources {
        inputs.push((s.clone(), read(s, opts)?));
    }
    from_inputs(inputs)
}

/// [`load`] for inputs already read.
pub fn from_inputs(inputs: Vec<(String, Input)>) -> Result<Loaded, InputError> {
    let mut warnings = Vec::new();
    let mut no_start: Vec<String> = Vec::new();
    for (name, input) in &inputs {
        match input {
            Input::Profile(p) => {
                let c = edges::compute(p).map_err(|error| InputError::Pgo {
                    input: name.clone(),
                    error,
                })?;
                if !c.has_start_line {
                    no_start.push(name.clone());
                }
            }
            Input::Empty => warnings.push(Warning::new(
                "empty_input",
                format!("{name} is empty: the compiler ignores an empty profile"),
            )),
            Input::Serialized(_) => {}
        }
    }
    let serialized = inputs
        .iter()
        .any(|(_, i)| matches!(i, Input::Serialized(_)));
    let mut profiles: Vec<Profile> = Vec::new();
    let mut tables: Vec<EdgeTable> = Vec::new();
    let mut all_start = true;
    for (name, input) in inputs {
        match input {
            Input::Profile(p) if serialized => {
                let c = edges::compute(&p).map_err(|error| InputError::Pgo {
                    input: name.clone(),
                    error,
                })?;
                all_start &= c.has_start_line;
                tables.push(c.table);
            }
            Input::Profile(p) => profiles.push(*p),
            Input::Serialized(t) => tables.push(t),
            Input::Empty => {}
        }
    }
    let (table, has_start_line) = if serialized {
        if tables.iter().any(|t| t.sample_type.is_some()) {
            warnings.push(Warning::new(
                "mixed_inputs",
                "go tool preprofile output and profiles were added edge by edge: their \
                 weights must be in the same unit (samples/count for Go CPU profiles)"
                    .to_string(),
            ));
        }
        (sum_tables(&tables), all_start)
    } else if profiles.is_empty() {
        (EdgeTable::default(), true)
    } else {
        let merged = merge_profiles(profiles)?;
        let c = edges::compute(&merged).map_err(|error| InputError::Pgo {
            input: "the merged profile".to_string(),
            error,
        })?;
        (c.table, c.has_start_line)
    };
    for name in no_start {
        let message = if has_start_line {
            format!(
                "{name} has no Function.start_line: merged with the other profiles the \
                 compiler accepts it, but its call sites get absolute line numbers as \
                 offsets and match no call in the source"
            )
        } else {
            format!(
                "{name} has no Function.start_line: go build -pgo rejects it (\"profile missing \
                 Function.start_line data\"); the offsets shown are absolute line numbers. \
                 Go 1.20 and later write start_line; re-writing a profile with \
                 `go tool pprof -proto` drops it (pprof#823): use the profile as the runtime \
                 wrote it"
            )
        };
        warnings.push(Warning::new("no_start_line", message));
    }
    Ok(Loaded {
        table,
        has_start_line,
        warnings,
    })
}

/// Merges profiles with pprof's rules (common sample types, finest units,
/// samples with equal stacks and labels summed).
pub fn merge_profiles(mut profiles: Vec<Profile>) -> Result<Profile, MergeError> {
    if profiles.len() > 1 {
        for p in &mut profiles {
            p.ensure_mapping();
        }
    }
    merge::combine(profiles)
}

/// Sums edge tables per edge (call sites and callee data of the first table
/// that has them).
pub fn sum_tables(tables: &[EdgeTable]) -> EdgeTable {
    let mut index: HashMap<EdgeKey, usize> = HashMap::new();
    let mut out: Vec<Edge> = Vec::new();
    for t in tables {
        for e in &t.edges {
            match index.get(&e.key) {
                Some(&i) => {
                    let o = &mut out[i];
                    o.weight = o.weight.wrapping_add(e.weight);
                    if o.call_site.is_none() {
                        o.call_site = e.call_site.clone();
                        o.caller_start_line = e.caller_start_line;
                        o.callee_file = e.callee_file.clone();
                        o.callee_start_line = e.callee_start_line;
                    }
                    o.inlined &= e.inlined;
                }
                None => {
                    index.insert(e.key.clone(), out.len());
                    out.push(e.clone());
                }
            }
        }
    }
    let sample_type = tables.iter().find_map(|t| t.sample_type.clone());
    let mut t = EdgeTable::from_edges(out, sample_type);
    t.serialized = tables.iter().all(|t| t.serialized);
    t.samples = tables.iter().map(|t| t.samples).sum();
    t
}
