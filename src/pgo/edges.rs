//! The call-site edges of a profile, exactly as Go 1.27's `go tool
//! preprofile` (`cmd/internal/pgo.FromPProf`) computes them.
//!
//! The compiler's graph (`internal/profile.NewGraph`) has one node per
//! (function name, address, start line, line) of each location line; a
//! location without lines is one nameless node for its address. Of each
//! sample with a non-zero value only the last two locations are walked, from
//! the caller's outermost line to the leaf's innermost one; each node adds
//! the value to its cumulative weight once per sample, and each consecutive
//! pair of distinct nodes adds it once per sample to the edge between them.
//! Nodes whose cumulative and flat weights are both zero are dropped with
//! their outgoing edges. Every remaining edge then counts for the key
//! (caller name, callee name, caller line − caller start line); the total is
//! the sum of all these edge weights, and the keys are sorted by weight, then
//! caller, callee and offset.

use std::collections::HashMap;

use super::PgoError;
use crate::model::Profile;

/// How the compiler identifies a call-site edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeKey {
    /// The caller's symbol name (`main.(*T).M`).
    pub caller: String,
    /// The callee's symbol name.
    pub callee: String,
    /// The call's line minus the caller's `Function.start_line`.
    pub call_site_offset: i64,
}

/// One call-site edge with its weight and what the profile says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The compiler's key.
    pub key: EdgeKey,
    /// Summed sample value (of the type the compiler uses).
    pub weight: i64,
    /// The call's source file and absolute line, when the profile has them
    /// (the heaviest contribution when several lines share the key).
    pub call_site: Option<(String, i64)>,
    /// The caller's `start_line` (0 = missing, so the offset is the absolute line).
    pub caller_start_line: i64,
    /// The callee's source file (empty = unknown or no function).
    pub callee_file: String,
    /// The callee's `start_line` (0 = unknown).
    pub callee_start_line: i64,
    /// Every sample saw the callee as an inlined frame of the caller: the
    /// profiled binary already inlined this call.
    pub inlined: bool,
}

/// A profile's edges in the compiler's order, with their total weight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeTable {
    /// Edges by weight (descending), then caller, callee, offset.
    pub edges: Vec<Edge>,
    /// Σ edge weights (the compiler's `TotalWeight`).
    pub total_weight: i64,
    /// The sample type the weights come from (`samples/count`), if known.
    pub sample_type: Option<String>,
    /// Samples in the profile (0 for serialized input).
    pub samples: usize,
    /// Read from `go tool preprofile`'s output rather than a profile.
    pub serialized: bool,
}

impl EdgeTable {
    /// Sorts `edges` in the compiler's order and sums their weights.
    pub fn from_edges(mut edges: Vec<Edge>, sample_type: Option<String>) -> Self {
        sort_edges(&mut edges);
        let total_weight = edges.iter().fold(0i64, |a, e| a.wrapping_add(e.weight));
        EdgeTable {
            edges,
            total_weight,
            sample_type,
            samples: 0,
            serialized: false,
        }
    }

    /// The edge weights by key.
    pub fn weights(&self) -> HashMap<&EdgeKey, i64> {
        self.edges.iter().map(|e| (&e.key, e.weight)).collect()
    }
}

/// Sorts edges as `cmd/internal/pgo.sortByWeight`: weight descending, then
/// caller, callee and offset ascending (byte order).
pub fn sort_edges(edges: &mut [Edge]) {
    edges.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.key.caller.cmp(&b.key.caller))
            .then_with(|| a.key.callee.cmp(&b.key.callee))
            .then_with(|| a.key.call_site_offset.cmp(&b.key.call_site_offset))
    });
}

/// The index of the sample type the compiler uses: the first
/// `samples/count` or `cpu/nanoseconds` one.
pub fn value_index(p: &Profile) -> Option<usize> {
    p.sample_types.iter().position(|t| {
        matches!(
            (p.str(t.ty), p.str(t.unit)),
            ("samples", "count") | ("cpu", "nanoseconds")
        )
    })
}

/// The sample types of `p` as `type/unit, …` (for messages).
pub fn sample_types_text(p: &Profile) -> String {
    if p.sample_types.is_empty() {
        return "no sample types".to_string();
    }
    let v: Vec<String> = p
        .sample_types
        .iter()
        .map(|t| format!("{}/{}", p.str(t.ty), p.str(t.unit)))
        .collect();
    v.join(", ")
}

/// A graph node: what `internal/profile.NodeInfo` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct NodeKey {
    /// Interned function name (0 = no function).
    name: u32,
    address: u64,
    start_line: i64,
    line: i64,
}

/// Per-node data beyond the key.
#[derive(Debug, Clone, Copy, Default)]
struct NodeData {
    cum: i64,
    flat: i64,
    /// String index of the function's file (0 = none).
    file: u32,
}

/// One node-to-node edge of the graph.
#[derive(Debug, Clone, Copy)]
struct GraphEdge {
    weight: i64,
    inline: bool,
}

/// The compiler's edge table of `p` (`FromPProf` after parsing): errors when
/// there is no usable sample type or no `start_line` at all; a profile with
/// no samples, no non-zero values or no edges gives an empty table.
pub fn from_profile(p: &Profile) -> Result<EdgeTable, PgoError> {
    let c = compute(p)?;
    if !c.has_start_line {
        return Err(PgoError::NoStartLine);
    }
    Ok(c.table)
}

/// The edges of a profile, also when the compiler would reject it for
/// missing `start_line` (offsets are then absolute lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Computed {
    /// The edges (empty when the compiler would ignore the profile).
    pub table: EdgeTable,
    /// Some function of the graph has a `start_line` (true for an empty graph,
    /// which the compiler accepts before looking).
    pub has_start_line: bool,
}

/// [`from_profile`] without the `start_line` check: only a missing sample
/// type is an error.
pub fn compute(p: &Profile) -> Result<Computed, PgoError> {
    let empty = Computed {
        table: EdgeTable::default(),
        has_start_line: true,
    };
    if p.samples.is_empty() {
        return Ok(empty);
    }
    let Some(vi) = value_index(p) else {
        return Err(PgoError::NoSampleType {
            have: sample_types_text(p),
        });
    };
    let sample_type = {
        let t = p.sample_types[vi];
        Some(format!("{}/{}", p.str(t.ty), p.str(t.unit)))
    };

    // Interned names: the compiler compares names as strings, and a string
    // table may hold the same name twice.
    let mut names: Vec<&str> = vec![""];
    let mut name_ids: HashMap<&str, u32> = HashMap::new();
    name_ids.insert("", 0);
    let mut nodes: Vec<NodeKey> = Vec::new();
    let mut data: Vec<NodeData> = Vec::new();
    let mut node_ids: HashMap<NodeKey, u32> = HashMap::new();
    let locs = &p.locations;
    // Nodes of each location, innermost line first (as the lines are).
    let mut loc_nodes: Vec<Vec<u32>> = Vec::with_capacity(locs.len());
    for l in 0..locs.len() as u32 {
        let address = locs.address[l as usize];
        let lines = locs.lines(l);
        let mut ids = Vec::with_capacity(lines.len().max(1));
        let mut push = |key: NodeKey, file: u32| {
            let next = nodes.len() as u32;
            let id = *node_ids.entry(key).or_insert_with(|| {
                nodes.push(key);
                data.push(NodeData {
                    file,
                    ..NodeData::default()
                });
                next
            });
            ids.push(id);
        };
        if lines.is_empty() {
            push(
                NodeKey {
                    name: 0,
                    address,
                    start_line: 0,
                    line: 0,
                },
                0,
            );
        }
        for line in lines {
            let f = &p.functions[line.function as usize];
            let name = p.str(f.name);
            let next = names.len() as u32;
            let name = *name_ids.entry(name).or_insert_with(|| {
                names.push(name);
                next
            });
            push(
                NodeKey {
                    name,
                    address,
                    start_line: f.start_line,
                    line: line.line,
                },
                f.filename,
            );
        }
        loc_nodes.push(ids);
    }

    // Walk the last two locations of every sample.
    let mut edges: HashMap<(u32, u32), GraphEdge> = HashMap::new();
    let mut edge_order: Vec<(u32, u32)> = Vec::new();
    let mut seen_nodes: Vec<u32> = Vec::new();
    let mut seen_edges: Vec<(u32, u32)> = Vec::new();
    for s in 0..p.samples.len() {
        let w = p.values(s)[vi];
        if w == 0 {
            continue;
        }
        let stack = p.samples.stack(s);
        if stack.is_empty() {
            continue;
        }
        seen_nodes.clear();
        seen_edges.clear();
        let mut parent: Option<u32> = None;
        for &loc in stack[..stack.len().min(2)].iter().rev() {
            let ids = &loc_nodes[loc as usize];
            for (ni, &n) in ids.iter().enumerate().rev() {
                let saw_node = seen_nodes.contains(&n);
                if !saw_node {
                    seen_nodes.push(n);
                    data[n as usize].cum = data[n as usize].cum.wrapping_add(w);
                }
                if let Some(par) = parent {
                    if par != n && (!saw_node || !seen_edges.contains(&(n, par))) {
                        seen_edges.push((n, par));
                        let inline = ni != ids.len() - 1;
                        match edges.get_mut(&(par, n)) {
                            Some(e) => {
                                e.weight = e.weight.wrapping_add(w);
                                e.inline &= inline;
                            }
                            None => {
                                edges.insert((par, n), GraphEdge { weight: w, inline });
                                edge_order.push((par, n));
                            }
                        }
                    }
                }
                parent = Some(n);
            }
        }
        if let Some(leaf) = parent {
            data[leaf as usize].flat = data[leaf as usize].flat.wrapping_add(w);
        }
    }

    let kept = |n: u32| {
        let d = &data[n as usize];
        d.cum != 0 || d.flat != 0
    };
    if !(0..nodes.len() as u32).any(kept) {
        return Ok(empty);
    }
    let seen_start_line =
        (0..nodes.len() as u32).any(|n| kept(n) && nodes[n as usize].start_line != 0);

    #[derive(Default)]
    struct Acc {
        weight: i64,
        /// (file, line) → weight, for the call site shown.
        sites: Vec<((u32, i64), i64)>,
        caller_start_line: i64,
        callee_file: u32,
        callee_start_line: i64,
        inlined: bool,
    }
    let mut total: i64 = 0;
    let mut acc: HashMap<(u32, u32, i64), Acc> = HashMap::new();
    let mut key_order: Vec<(u32, u32, i64)> = Vec::new();
    for &(src, dst) in &edge_order {
        if !kept(src) {
            continue;
        }
        let e = edges[&(src, dst)];
        let (sk, dk) = (nodes[src as usize], nodes[dst as usize]);
        total = total.wrapping_add(e.weight);
        let key = (sk.name, dk.name, sk.line.wrapping_sub(sk.start_line));
        let a = acc.entry(key).or_insert_with(|| {
            key_order.push(key);
            Acc {
                caller_start_line: sk.start_line,
                callee_file: data[dst as usize].file,
                callee_start_line: dk.start_line,
                inlined: true,
                ..Acc::default()
            }
        });
        a.weight = a.weight.wrapping_add(e.weight);
        a.inlined &= e.inline;
        let site = (data[src as usize].file, sk.line);
        match a.sites.iter_mut().find(|(s, _)| *s == site) {
            Some((_, w)) => *w = w.wrapping_add(e.weight),
            None => a.sites.push((site, e.weight)),
        }
    }
    if total == 0 {
        return Ok(Computed {
            table: EdgeTable::default(),
            has_start_line: seen_start_line,
        });
    }
    let mut out = Vec::with_capacity(key_order.len());
    for key in key_order {
        let a = &acc[&key];
        let call_site = a
            .sites
            .iter()
            .filter(|((file, line), _)| *file != 0 && *line != 0)
            .max_by(|(sa, wa), (sb, wb)| wa.cmp(wb).then_with(|| sb.1.cmp(&sa.1)))
            .map(|((file, line), _)| (p.str(*file).to_string(), *line));
        out.push(Edge {
            key: EdgeKey {
                caller: names[key.0 as usize].to_string(),
                callee: names[key.1 as usize].to_string(),
                call_site_offset: key.2,
            },
            weight: a.weight,
            call_site,
            caller_start_line: a.caller_start_line,
            callee_file: p.str(a.callee_file).to_string(),
            callee_start_line: a.callee_start_line,
            inlined: a.inlined,
        });
    }
    sort_edges(&mut out);
    Ok(Computed {
        table: EdgeTable {
            edges: out,
            total_weight: total,
            sample_type,
            samples: p.samples.len(),
            serialized: false,
        },
        has_start_line: seen_start_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgo::testutil::CpuBuilder;

    /// One location: (function, start line, line).
    type Frame<'a> = (&'a str, i64, i64);

    /// A CPU profile whose samples are stacks of frames, leaf first, with
    /// their counts.
    fn profile(samples: &[(&[Frame], i64)]) -> Profile {
        let mut b = CpuBuilder::new();
        for (stack, w) in samples {
            let locs: Vec<u32> = stack.iter().map(|&(f, s, l)| b.frame(f, s, l)).collect();
            b.sample(&locs, *w);
        }
        b.finish()
    }

    fn key(t: &EdgeTable, i: usize) -> (String, String, i64, i64) {
        let e = &t.edges[i];
        (
            e.key.caller.clone(),
            e.key.callee.clone(),
            e.key.call_site_offset,
            e.weight,
        )
    }

    #[test]
    fn only_the_last_two_locations_count() {
        let p = profile(&[
            (&[("leaf", 10, 12), ("mid", 20, 25), ("root", 1, 3)], 5),
            (&[("leaf", 10, 11), ("mid", 20, 26)], 2),
        ]);
        let t = from_profile(&p).unwrap();
        assert_eq!(t.edges.len(), 2);
        assert_eq!(key(&t, 0), ("mid".into(), "leaf".into(), 5, 5));
        assert_eq!(key(&t, 1), ("mid".into(), "leaf".into(), 6, 2));
        assert_eq!(t.total_weight, 7);
        assert_eq!(t.edges[0].call_site, Some(("x.go".to_string(), 25)));
        assert_eq!(t.sample_type.as_deref(), Some("samples/count"));
        assert!(!t.edges[0].inlined);
    }

    #[test]
    fn inlined_frames_expand_into_edges() {
        // One physical location: leaf inlined into mid; its caller root.
        let mut b = CpuBuilder::new();
        let (leaf, mid) = (b.function("leaf", "a.go", 3), b.function("mid", "a.go", 10));
        let root = b.function("root", "b.go", 40);
        let l0 = b.location(0x10, &[(leaf, 4), (mid, 12)]);
        let l1 = b.location(0x20, &[(root, 42)]);
        let deep = b.frame("main", 1, 2);
        b.sample(&[l0, l1, deep], 3);
        let t = from_profile(&b.finish()).unwrap();
        let got: Vec<_> = (0..t.edges.len()).map(|i| key(&t, i)).collect();
        assert_eq!(
            got,
            [
                ("mid".into(), "leaf".into(), 2, 3),
                ("root".into(), "mid".into(), 2, 3)
            ]
        );
        assert!(t.edges[0].inlined);
        assert!(!t.edges[1].inlined);
        assert_eq!(t.edges[1].call_site, Some(("b.go".to_string(), 42)));
        assert_eq!(t.edges[1].callee_file, "a.go");
    }

    #[test]
    fn ties_sort_by_names_then_offset() {
        let p = profile(&[
            (&[("b", 1, 2), ("z", 1, 4)], 3),
            (&[("a", 1, 2), ("z", 1, 4)], 3),
            (&[("a", 1, 2), ("z", 1, 3)], 3),
            (&[("a", 1, 2), ("y", 1, 9)], 3),
        ]);
        let t = from_profile(&p).unwrap();
        let order: Vec<_> = (0..4).map(|i| key(&t, i)).collect();
        assert_eq!(
            order,
            [
                ("y".into(), "a".into(), 8, 3),
                ("z".into(), "a".into(), 2, 3),
                ("z".into(), "a".into(), 3, 3),
                ("z".into(), "b".into(), 3, 3),
            ]
        );
    }

    #[test]
    fn no_start_line_is_an_error_and_no_type_too() {
        let p = profile(&[(&[("leaf", 0, 12), ("mid", 0, 25)], 5)]);
        assert_eq!(from_profile(&p), Err(PgoError::NoStartLine));
        let mut p = profile(&[(&[("leaf", 1, 12), ("mid", 1, 25)], 5)]);
        let bytes = p.strings.push("alloc_space").unwrap();
        p.sample_types[0].ty = bytes;
        p.sample_types[1].ty = bytes;
        assert!(matches!(
            from_profile(&p),
            Err(PgoError::NoSampleType { have }) if have == "alloc_space/count, alloc_space/nanoseconds"
        ));
    }

    #[test]
    fn recursion_counts_once_per_sample_and_self_edges_vanish() {
        // f calls f at the same line: the two locations are one node.
        let p = profile(&[(&[("f", 1, 5), ("f", 1, 5)], 4)]);
        assert_eq!(from_profile(&p).unwrap().edges.len(), 0);
        let p = profile(&[(&[("f", 1, 6), ("f", 1, 5)], 4)]);
        let t = from_profile(&p).unwrap();
        assert_eq!(key(&t, 0), ("f".into(), "f".into(), 4, 4));
    }

    #[test]
    fn single_frame_samples_give_an_empty_table() {
        let p = profile(&[(&[("f", 1, 5)], 4)]);
        let t = from_profile(&p).unwrap();
        assert!(t.edges.is_empty());
        assert_eq!(t.total_weight, 0);
    }
}
