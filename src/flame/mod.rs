//! Flame graphs: a stack tree built from the view's stacks, pruned top-down.
//!
//! [`StackTree::build`] turns the samples an [`Analysis`] sees into a tree of
//! frames (root → leaf, or leaf → root with `reverse`), where each frame is a
//! graph node of the analysis' [`NodeMap`](crate::graph::NodeMap) (so the
//! granularity options apply) and inlined lines of a location come out
//! caller first, innermost last. It never materialises the full tree:
//!
//! 1. samples with the same location stack are merged (one hash lookup each);
//! 2. each distinct stack is expanded once into a path of node ids;
//! 3. the tree is grown top-down by partitioning the paths on their next
//!    frame; a child whose weight is below `min_width` percent of the total is
//!    not descended into, its weight is added to its parent's self weight
//!    instead (the parent keeps its width; the child would be narrower than
//!    inferno draws anyway).
//!
//! The surviving tree is small (a few thousand frames for a million samples
//! at the default width), and only it is turned into folded lines for
//! inferno ([`svg`]), drawn by the HTML report ([`html`]), or exported
//! ([`export`]: folded stacks, speedscope JSON). Two trees merge into a
//! differential graph ([`diff`]).
//! Weights are absolute sample values (`|v|`) in the sample unit, so the
//! root's weight is pprof's total.

pub mod diff;
pub mod export;
pub mod html;
pub mod svg;

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::graph::analysis::Analysis;
use crate::model::NONE;

/// inferno's default minimum frame width, in percent of the total.
pub const DEFAULT_MIN_WIDTH: f64 = 0.01;

/// How to build the stack tree.
#[derive(Debug, Clone, Copy)]
pub struct TreeOptions {
    /// Omit subtrees narrower than this percentage of the total (0 keeps all).
    pub min_width: f64,
    /// Bottom-up: leaves become roots (callers above their callees).
    pub reverse: bool,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            min_width: DEFAULT_MIN_WIDTH,
            reverse: false,
        }
    }
}

/// One frame of the pruned stack tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeNode {
    /// Index into [`StackTree::names`] ([`NONE`] for the root).
    pub frame: u32,
    /// Index of the parent in [`StackTree::nodes`] ([`NONE`] for the root).
    pub parent: u32,
    /// Total weight of the samples through this frame.
    pub total: u64,
    /// Weight of samples ending here, plus the weight of pruned children.
    pub self_weight: u64,
}

/// The pruned stack tree of a profile. See the module docs.
#[derive(Debug, Clone)]
pub struct StackTree {
    /// Printable names of the frames that appear in the tree (pprof's node
    /// names at the analysis' granularity), unescaped.
    pub names: Vec<String>,
    /// The graph node id of each name (ids of the analysis' node map).
    pub ids: Vec<u32>,
    /// Tree nodes; index 0 is the root (no frame). A parent precedes its
    /// children.
    pub nodes: Vec<TreeNode>,
    /// Number of frames omitted by `min_width` (whole subtrees count once).
    pub pruned_subtrees: usize,
    /// Total weight omitted by `min_width` (kept in the parents' self weight).
    pub pruned_weight: u64,
}

impl StackTree {
    /// The total weight (Σ|value| of the view's samples).
    pub fn total(&self) -> u64 {
        self.nodes.first().map_or(0, |n| n.total)
    }

    /// The children of each node, in node order (the caller sorts them).
    pub fn children(&self) -> Vec<Vec<usize>> {
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate().skip(1) {
            if let Some(c) = children.get_mut(n.parent as usize) {
                c.push(i);
            }
        }
        children
    }

    /// The frame indices from the root's child down to `node` (empty for the root).
    pub fn path(&self, node: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let mut n = node;
        while n != 0 && n < self.nodes.len() {
            out.push(self.nodes[n].frame);
            n = self.nodes[n].parent as usize;
        }
        out.reverse();
        out
    }

    /// Every node with a self weight, as (path of frame indices, self weight),
    /// sorted by the path's names (the order of folded stacks). The root's own
    /// weight (samples with empty stacks) is not included.
    pub fn stacks(&self) -> Vec<(Vec<u32>, u64)> {
        let mut out: Vec<(Vec<u32>, u64)> = (1..self.nodes.len())
            .filter(|&i| self.nodes[i].self_weight > 0)
            .map(|i| (self.path(i), self.nodes[i].self_weight))
            .collect();
        out.sort_by(|a, b| {
            let an = a.0.iter().map(|&f| self.names[f as usize].as_str());
            let bn = b.0.iter().map(|&f| self.names[f as usize].as_str());
            an.cmp(bn)
        });
        out
    }

    /// Builds the pruned tree of the samples `a` sees.
    pub fn build(a: &Analysis, opts: &TreeOptions) -> StackTree {
        let paths = StackPaths::build(a, opts.reverse);
        let total = paths.total();
        let threshold = if opts.min_width > 0.0 && total > 0 {
            opts.min_width / (100.0 / total as f64)
        } else {
            0.0
        };
        StackTree::grow(&paths, threshold, &mut |n| a.nodes.printable_name(n))
    }

    /// Grows the tree of `paths` top-down, partitioning them on their next
    /// node. A child whose weight is below `threshold` is not descended
    /// into: its weight is added to its parent's self weight and counted in
    /// [`StackTree::pruned_subtrees`] and [`StackTree::pruned_weight`].
    /// `name` gives the printable name of a node id (called once per node
    /// that appears in the tree); [`StackTree::ids`] keeps the node ids.
    pub fn grow(
        paths: &StackPaths,
        threshold: f64,
        name: &mut dyn FnMut(u32) -> String,
    ) -> StackTree {
        let weights = &paths.weights;
        let mut tree = StackTree {
            names: Vec::new(),
            ids: Vec::new(),
            nodes: vec![TreeNode {
                frame: NONE,
                parent: NONE,
                total: paths.total(),
                self_weight: 0,
            }],
            pruned_subtrees: 0,
            pruned_weight: 0,
        };
        let mut frame_of: HashMap<u32, u32, RandomState> = HashMap::default();
        let mut idx: Vec<u32> = (0..paths.len() as u32).collect();
        // Scratch: (key << 32 | stack index), key 0 = the path ends here.
        let mut keyed: Vec<u64> = Vec::new();
        let mut children: Vec<(usize, usize, usize)> = Vec::new();
        // Work items: (tree node, range in idx, depth of the node).
        let mut work: Vec<(usize, usize, usize, usize)> = vec![(0, 0, idx.len(), 0)];
        while let Some((node, lo, hi, depth)) = work.pop() {
            let range = &mut idx[lo..hi];
            keyed.clear();
            keyed.extend(range.iter().map(|&i| {
                let k = paths
                    .path(i as usize)
                    .get(depth)
                    .map_or(0, |&n| n as u64 + 1);
                k << 32 | i as u64
            }));
            let first = keyed.first().map_or(0, |k| k >> 32);
            if keyed.iter().any(|k| k >> 32 != first) {
                keyed.sort_unstable();
                for (slot, k) in range.iter_mut().zip(&keyed) {
                    *slot = *k as u32;
                }
            }
            let mut self_weight: u64 = 0;
            let mut start = 0;
            children.clear();
            while start < keyed.len() {
                let k = keyed[start] >> 32;
                let mut end = start;
                let mut w: u64 = 0;
                while end < keyed.len() && keyed[end] >> 32 == k {
                    w = w.saturating_add(weights[keyed[end] as u32 as usize]);
                    end += 1;
                }
                if k == 0 {
                    self_weight = self_weight.saturating_add(w);
                } else if (w as f64) < threshold {
                    self_weight = self_weight.saturating_add(w);
                    tree.pruned_subtrees += 1;
                    tree.pruned_weight = tree.pruned_weight.saturating_add(w);
                } else {
                    let n = (k - 1) as u32;
                    let frame = *frame_of.entry(n).or_insert_with(|| {
                        tree.names.push(name(n));
                        tree.ids.push(n);
                        (tree.names.len() - 1) as u32
                    });
                    tree.nodes.push(TreeNode {
                        frame,
                        parent: node as u32,
                        total: w,
                        self_weight: 0,
                    });
                    children.push((tree.nodes.len() - 1, lo + start, lo + end));
                }
                start = end;
            }
            tree.nodes[node].self_weight = self_weight;
            // Reversed so that the first child is processed first.
            for &(child, clo, chi) in children.iter().rev() {
                work.push((child, clo, chi, depth + 1));
            }
        }
        tree
    }
}

/// The distinct stacks of a view as paths of graph node ids (root first, or
/// leaf first when reversed), each with its summed weight (`|value|`). Built
/// once per sample graph, it is what every flame graph, zoom and caller /
/// callee pivot is grown from.
#[derive(Debug, Clone, Default)]
pub struct StackPaths {
    /// `ends[i]` is the end (exclusive) of path `i` in `nodes`.
    pub ends: Vec<usize>,
    /// The node ids of all paths, one after the other.
    pub nodes: Vec<u32>,
    /// The weight of each path.
    pub weights: Vec<u64>,
}

impl StackPaths {
    /// Number of paths.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if there are no paths.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The node ids of path `i`.
    pub fn path(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.nodes[start..self.ends[i]]
    }

    /// Σ weights.
    pub fn total(&self) -> u64 {
        self.weights.iter().fold(0u64, |t, &w| t.saturating_add(w))
    }

    /// Appends a path.
    pub fn push(&mut self, path: impl IntoIterator<Item = u32>, weight: u64) {
        self.nodes.extend(path);
        self.ends.push(self.nodes.len());
        self.weights.push(weight);
    }

    /// The distinct stacks of the samples `a` sees, as node paths.
    pub fn build(a: &Analysis, reverse: bool) -> StackPaths {
        let p: &crate::model::Profile = &a.profile;
        let view = &a.view;
        let vi = a.sel.index;

        // 1. Merge samples by location stack (per chunk of samples on
        //    several threads, then chunk by chunk in order). When the
        //    profile's samples share stacks, each stack's weights are summed
        //    first (saturating sums of non-negative weights do not depend on
        //    their order) and the distinct stacks are merged, in the order of
        //    their first samples, as the samples would be.
        let weight = |s: usize| view.values(p, s).get(vi).map_or(0, |v| v.unsigned_abs());
        let per_stack: Option<Vec<u64>> = (view.has_profile_samples() && p.samples.shares_stacks())
            .then(|| {
                let mut w = vec![0u64; p.samples.stack_count()];
                for s in 0..p.samples.len() {
                    let k = p.samples.stack_index(s);
                    w[k] = w[k].saturating_add(weight(s));
                }
                w
            });
        let items = per_stack.as_ref().map_or(view.len(p), Vec::len);
        let parts = crate::util::parallel::in_parallel(items, |range| {
            let mut m: Merged = Default::default();
            for i in range {
                let (stack, w) = match &per_stack {
                    Some(ws) => (p.samples.stack_at(i), ws[i]),
                    None => (view.stack(p, i), weight(i)),
                };
                if w != 0 {
                    merge_stack(&mut m, stack, w);
                }
            }
            m
        });
        let mut parts = parts.into_iter();
        let mut merged: Merged = parts.next().unwrap_or_default();
        for (_, part_stacks, part_weights) in parts {
            for (stack, w) in part_stacks.into_iter().zip(part_weights) {
                merge_stack(&mut merged, stack, w);
            }
        }
        let (uniq, stacks, weights) = merged;
        drop(uniq);

        // 2. Expand into node paths, root first (leaf first when reversed).
        let parts = crate::util::parallel::in_parallel(stacks.len(), |range| {
            let mut ends: Vec<usize> = Vec::with_capacity(range.len());
            let mut nodes: Vec<u32> = Vec::new();
            for stack in &stacks[range] {
                let start = nodes.len();
                for &loc in stack.iter().rev() {
                    nodes.extend(a.nodes.location(loc).iter().rev());
                }
                if reverse {
                    nodes[start..].reverse();
                }
                ends.push(nodes.len());
            }
            (ends, nodes)
        });
        let mut path_ends: Vec<usize> = Vec::with_capacity(stacks.len());
        let mut path_nodes: Vec<u32> = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (ends, nodes) in parts {
            let base = path_nodes.len();
            path_ends.extend(ends.into_iter().map(|e| e + base));
            path_nodes.extend_from_slice(&nodes);
        }
        StackPaths {
            ends: path_ends,
            nodes: path_nodes,
            weights,
        }
    }
}

/// Distinct location stacks: index by stack, stacks in first-seen order,
/// their summed weights.
type Merged<'s> = (
    HashMap<&'s [u32], usize, RandomState>,
    Vec<&'s [u32]>,
    Vec<u64>,
);

/// Adds `w` to the merged weight of `stack`, appending it if new.
fn merge_stack<'s>(m: &mut Merged<'s>, stack: &'s [u32], w: u64) {
    match m.0.get(stack) {
        Some(&i) => m.2[i] = m.2[i].saturating_add(w),
        None => {
            m.0.insert(stack, m.1.len());
            m.1.push(stack);
            m.2.push(w);
        }
    }
}
