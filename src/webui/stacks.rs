//! The flame graph's data: the distinct stacks of one sample graph, kept in
//! memory, and the pruned trees grown from them for each request.
//!
//! A [`FlameModel`] is built once per set of graph-shaping options (sample
//! type, filters, granularity…) from the engine's analysis: the distinct
//! stacks as paths of node ids ([`StackPaths`]) and every node's display
//! name. Each request then grows only what it can show:
//!
//! * [`FlameModel::tree`]: the whole flame graph, or the part under a zoomed
//!   frame (`zoom` = the names of its path from the root);
//! * [`FlameModel::pivot`]: the "sandwich" of the functions matching a regex,
//!   its callers above and its callees below, computed from **every** stack
//!   (not from a pruned tree): each stack that contains a matching function
//!   counts once, at its outermost (root-most) occurrence, so both trees
//!   weigh exactly the functions' cumulative value;
//! * [`FlameModel::share`]: the exact share of the samples whose stack holds
//!   a frame matching the search regex.
//!
//! Frames narrower than a pixel at the requested width are not sent; the
//! tree says how many were hidden and how much they weigh, for the page's
//! "N frames below W px hidden (X %)" note.

use serde::Serialize;

use crate::flame::{StackPaths, StackTree};
use crate::graph::analysis::Analysis;
use crate::graph::Granularity;

/// Frames narrower than this many pixels are not sent.
pub const MIN_PIXELS: f64 = 1.0;

/// The stacks of one sample graph and the names of its nodes.
#[derive(Debug)]
pub struct FlameModel {
    /// The distinct stacks, root first.
    pub paths: StackPaths,
    /// The name shown for each node id: the function name at the function
    /// granularities, pprof's printable name at the others.
    pub names: Vec<String>,
    /// The source file of each node id (empty when unknown).
    pub files: Vec<String>,
    /// Σ|value| of the view's samples.
    pub total: u64,
    /// The sample unit (`nanoseconds`, `bytes`, `count`…).
    pub unit: String,
}

/// A pruned tree in preorder, as the page draws it: parallel arrays, one
/// entry per frame, the root first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TreeData {
    /// The names the frames use, each once.
    pub names: Vec<String>,
    /// The source file of each name.
    pub files: Vec<String>,
    /// Name index per frame (-1: the root).
    pub f: Vec<i64>,
    /// Depth per frame (0: the root).
    pub d: Vec<u32>,
    /// Total weight per frame.
    pub t: Vec<u64>,
    /// Subtrees left out because they are narrower than [`MIN_PIXELS`].
    pub hidden_frames: usize,
    /// Their weight.
    pub hidden_weight: u64,
}

impl TreeData {
    /// The root's weight.
    pub fn total(&self) -> u64 {
        self.t.first().copied().unwrap_or(0)
    }
}

/// A caller/callee pivot.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pivot {
    /// The functions that matched, by name.
    pub matched: Vec<String>,
    /// Callers: each path from a matching function up to the root (the
    /// tree's first level are the matching functions).
    pub callers: TreeData,
    /// Callees: each path from a matching function down to the leaf.
    pub callees: TreeData,
}

impl FlameModel {
    /// The stacks and names of the samples `an` sees.
    pub fn build(an: &Analysis<'_>) -> FlameModel {
        let paths = StackPaths::build(an, false);
        let nodes = &an.nodes;
        let by_function = matches!(
            an.opts.granularity,
            Granularity::Functions | Granularity::FileFunctions
        );
        let mut names = Vec::with_capacity(nodes.len());
        let mut files = Vec::with_capacity(nodes.len());
        for (i, info) in nodes.infos.iter().enumerate() {
            let name = nodes.symbols.get(info.name);
            names.push(if by_function && !name.is_empty() {
                name.to_string()
            } else {
                nodes.printable_name(i as u32)
            });
            files.push(nodes.symbols.get(info.file).to_string());
        }
        let total = paths.total();
        FlameModel {
            paths,
            names,
            files,
            total,
            unit: an.sel.unit.clone(),
        }
    }

    /// The tree under the frame reached by following `zoom` (names, root
    /// first) from the root, pruned at `width` pixels for that frame. The
    /// zoomed frame's ancestors are kept as a single chain above it. An
    /// empty `zoom` is the whole graph.
    pub fn tree(&self, zoom: &[String], width: f64) -> TreeData {
        if zoom.is_empty() {
            return self.grow(&self.paths, width);
        }
        let mut sub = StackPaths::default();
        for i in 0..self.paths.len() {
            let p = self.paths.path(i);
            if p.len() >= zoom.len()
                && p.iter()
                    .zip(zoom)
                    .all(|(&n, z)| self.names[n as usize] == *z)
            {
                sub.push(p.iter().copied(), self.paths.weights[i]);
            }
        }
        self.grow(&sub, width)
    }

    /// The callers and callees of the functions whose name matches `rx`,
    /// from every stack; see the module docs.
    pub fn pivot(&self, rx: &regex::Regex, width: f64) -> Pivot {
        let hit: Vec<bool> = self.names.iter().map(|n| rx.is_match(n)).collect();
        let mut callers = StackPaths::default();
        let mut callees = StackPaths::default();
        let mut matched: Vec<u32> = Vec::new();
        for i in 0..self.paths.len() {
            let p = self.paths.path(i);
            let Some(at) = p.iter().position(|&n| hit[n as usize]) else {
                continue;
            };
            let w = self.paths.weights[i];
            callers.push(p[..=at].iter().rev().copied(), w);
            callees.push(p[at..].iter().copied(), w);
            if !matched.contains(&p[at]) {
                matched.push(p[at]);
            }
        }
        let mut names: Vec<String> = matched
            .iter()
            .map(|&n| self.names[n as usize].clone())
            .collect();
        names.sort();
        names.dedup();
        // Both trees are drawn against the pivot's own total.
        Pivot {
            matched: names,
            callers: self.grow(&callers, width),
            callees: self.grow(&callees, width),
        }
    }

    /// The weight of the stacks that hold a frame whose name matches `rx`
    /// (each stack once), exact over all stacks.
    pub fn share(&self, rx: &regex::Regex) -> u64 {
        let hit: Vec<bool> = self.names.iter().map(|n| rx.is_match(n)).collect();
        (0..self.paths.len())
            .filter(|&i| self.paths.path(i).iter().any(|&n| hit[n as usize]))
            .fold(0u64, |t, i| t.saturating_add(self.paths.weights[i]))
    }

    /// Grows the pruned tree of `paths` and lays it out in preorder,
    /// children by decreasing weight (then name).
    fn grow(&self, paths: &StackPaths, width: f64) -> TreeData {
        let total = paths.total();
        let threshold = if total > 0 && width > 0.0 {
            total as f64 * MIN_PIXELS / width
        } else {
            0.0
        };
        let tree = StackTree::grow(paths, threshold, &mut |n| self.names[n as usize].clone());
        let mut children = tree.children();
        let name = |i: usize| tree.names[tree.nodes[i].frame as usize].as_str();
        for c in &mut children {
            c.sort_by(|&a, &b| {
                tree.nodes[b]
                    .total
                    .cmp(&tree.nodes[a].total)
                    .then_with(|| name(a).cmp(name(b)))
            });
        }
        let mut out = TreeData {
            names: tree.names.clone(),
            files: tree
                .ids
                .iter()
                .map(|&n| self.files[n as usize].clone())
                .collect(),
            f: Vec::with_capacity(tree.nodes.len()),
            d: Vec::with_capacity(tree.nodes.len()),
            t: Vec::with_capacity(tree.nodes.len()),
            hidden_frames: tree.pruned_subtrees,
            hidden_weight: tree.pruned_weight,
        };
        let mut work = vec![(0usize, 0u32)];
        while let Some((i, d)) = work.pop() {
            let node = &tree.nodes[i];
            out.f.push(if i == 0 { -1 } else { node.frame as i64 });
            out.d.push(d);
            out.t.push(node.total);
            work.extend(children[i].iter().rev().map(|&c| (c, d + 1)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model over hand-made paths; node names are `names[id]`.
    fn model(names: &[&str], stacks: &[(&[u32], u64)]) -> FlameModel {
        let mut paths = StackPaths::default();
        for (p, w) in stacks {
            paths.push(p.iter().copied(), *w);
        }
        let total = paths.total();
        FlameModel {
            paths,
            names: names.iter().map(|s| s.to_string()).collect(),
            files: vec![String::new(); names.len()],
            total,
            unit: "count".into(),
        }
    }

    fn rows(t: &TreeData) -> Vec<String> {
        (0..t.f.len())
            .map(|i| {
                let n = if t.f[i] < 0 {
                    "root"
                } else {
                    &t.names[t.f[i] as usize]
                };
                format!("{}{} {}", " ".repeat(t.d[i] as usize), n, t.t[i])
            })
            .collect()
    }

    #[test]
    fn pivot_counts_each_stack_once_even_with_recursion() {
        // main → f → g → f → h (recursive f), main → f, main → x → f.
        let m = model(
            &["main", "f", "g", "h", "x"],
            &[
                (&[0, 1, 2, 1, 3], 10),
                (&[0, 1], 5),
                (&[0, 4, 1], 7),
                (&[0, 4], 100),
            ],
        );
        let rx = regex::Regex::new("^f$").unwrap();
        let p = m.pivot(&rx, 1e9);
        assert_eq!(p.matched, ["f"]);
        // cum(f) = 22: the callers and callees trees both weigh it.
        assert_eq!(p.callers.total(), 22);
        assert_eq!(p.callees.total(), 22);
        assert_eq!(
            rows(&p.callees),
            ["root 22", " f 22", "  g 10", "   f 10", "    h 10"]
        );
        // The callers tree: main calls f directly (15) and through x (7).
        assert_eq!(
            rows(&p.callers),
            ["root 22", " f 22", "  main 15", "  x 7", "   main 7"]
        );
        assert_eq!(m.share(&rx), 22);
    }

    #[test]
    fn narrow_frames_are_hidden_and_counted() {
        let m = model(&["main", "a", "b"], &[(&[0, 1], 999), (&[0, 2], 1)]);
        // At 100 px one pixel is 10: b (1) is hidden.
        let t = m.tree(&[], 100.0);
        assert_eq!(rows(&t), ["root 1000", " main 1000", "  a 999"]);
        assert_eq!((t.hidden_frames, t.hidden_weight), (1, 1));
        // Zoomed on main → b, b fills the width.
        let z = m.tree(&["main".to_string(), "b".to_string()], 100.0);
        assert_eq!(rows(&z), ["root 1", " main 1", "  b 1"]);
        assert_eq!(z.hidden_frames, 0);
    }
}
