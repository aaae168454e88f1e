//! pprof's call graph as its DOT and callgrind reports build it: nodes with
//! flat/cum weights and label tags, every edge with its weight, and pprof's
//! trimming of it (`newTrimmedGraph`).
//!
//! The text reports (`top`, `tree`) only need weights per node and a few
//! edges, which [`crate::graph`] computes over dense arrays. The graph
//! reports need more, exactly as pprof computes it:
//! - every edge between kept nodes, with residual (jumps over dropped nodes)
//!   and inline flags, counted once per sample;
//! - per node, "tags": the sample's string labels joined (`key:value` lines)
//!   and its numeric `bytes` labels, with flat and cum weights, which become
//!   the DOT's nodelets;
//! - under `-call_tree`, a tree instead of a graph: one node per calling
//!   context (pprof's `newTree`), trimmed by re-parenting (`TrimTree`);
//! - the DOT's node order (`EntropyOrder`, favouring entry, leaf and
//!   branching nodes) and its node count that counts nodelets;
//! - the removal of residual edges whose destination stays reachable
//!   (`RemoveRedundantEdges`).
//!
//! [`CallGraph::trimmed`] follows `newTrimmedGraph` step by step: build,
//! drop nodes under the node fraction (rebuilding from the samples), sort,
//! keep the top nodes (rebuilding again), drop light tags and edges.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::graph::analysis::Analysis;
use crate::graph::{NodeInfo, NodeMap};
use crate::model::measurement;
use crate::model::NONE;

/// At most this many nodelets per node (pprof's `maxNodelets`).
pub const MAX_NODELETS: usize = 4;

/// A label tag of a node: the samples with one set of string labels, or
/// with one numeric label value.
#[derive(Debug, Clone, Default)]
pub struct Tag {
    /// The joined string labels (`key:value` lines joined by a literal
    /// `\n`), or the numeric value formatted.
    pub name: String,
    /// The numeric value's unit (empty for string tags).
    pub unit: String,
    /// The numeric value.
    pub value: i64,
    /// Weight of the samples whose leaf is the node.
    pub flat: i64,
    /// Mean divisor of `flat`.
    pub flat_div: i64,
    /// Weight of the samples whose stack holds the node.
    pub cum: i64,
    /// Mean divisor of `cum`.
    pub cum_div: i64,
}

impl Tag {
    /// Flat value, divided under `--mean`.
    pub fn flat_value(&self) -> i64 {
        div(self.flat, self.flat_div)
    }
    /// Cum value, divided under `--mean`.
    pub fn cum_value(&self) -> i64 {
        div(self.cum, self.cum_div)
    }
}

fn div(v: i64, d: i64) -> i64 {
    if d == 0 {
        v
    } else {
        v.wrapping_div(d)
    }
}

/// A node of the call graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The node's identity: its id in the analysis's [`NodeMap`] (in a call
    /// tree several nodes share one).
    pub info: u32,
    /// The node's function, for callgrind's name disambiguation: equal for
    /// nodes of one function (in a call tree, of one function in one calling
    /// context).
    pub function: u32,
    /// Flat weight.
    pub flat: i64,
    /// Mean divisor of `flat`.
    pub flat_div: i64,
    /// Cum weight.
    pub cum: i64,
    /// Mean divisor of `cum`.
    pub cum_div: i64,
    /// String-label tags (by joined labels).
    pub label_tags: Vec<Tag>,
    /// Numeric tags, grouped by the joined string labels of their samples
    /// (`""` for samples without string labels).
    pub numeric_tags: Vec<(String, Vec<Tag>)>,
    /// Incoming edges (indices into [`CallGraph::edges`]).
    pub ins: Vec<usize>,
    /// Outgoing edges.
    pub outs: Vec<usize>,
}

impl Node {
    /// Flat value, divided under `--mean`.
    pub fn flat_value(&self) -> i64 {
        div(self.flat, self.flat_div)
    }
    /// Cum value, divided under `--mean`.
    pub fn cum_value(&self) -> i64 {
        div(self.cum, self.cum_div)
    }
}

/// An edge of the call graph.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edge {
    /// Caller (index into [`CallGraph::nodes`]).
    pub src: usize,
    /// Callee.
    pub dst: usize,
    /// Sum of the values of the samples taking the edge.
    pub weight: i64,
    /// Mean divisor of `weight`.
    pub weight_div: i64,
    /// The edge jumps over nodes that were dropped.
    pub residual: bool,
    /// Every counted call was inlined.
    pub inline: bool,
}

impl Edge {
    /// Weight, divided under `--mean`.
    pub fn weight_value(&self) -> i64 {
        div(self.weight, self.weight_div)
    }
}

/// pprof's graph: nodes, edges, and the nodes it shows in order.
#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    /// Every node built (some may not be shown, see `order`).
    pub nodes: Vec<Node>,
    /// Every edge built; a removed edge is no longer in its nodes' lists.
    pub edges: Vec<Edge>,
    /// The shown nodes (pprof's `Graph.Nodes`), in report order.
    pub order: Vec<usize>,
}

/// A trimmed graph and what trimming did (for the legend).
#[derive(Debug, Clone)]
pub struct Trimmed {
    /// The graph.
    pub graph: CallGraph,
    /// Nodes left after the node fraction, before the node count.
    pub orig_count: usize,
    /// Nodes dropped by the node fraction.
    pub dropped_nodes: usize,
    /// Edges dropped by the edge fraction.
    pub dropped_edges: usize,
}

/// How [`CallGraph::trimmed`] shapes the graph.
#[derive(Debug, Clone, Copy)]
pub struct GraphShape {
    /// DOT's node order and node count (nodelets count as nodes; redundant
    /// residual edges removed).
    pub visual: bool,
    /// Build a call tree instead of a graph.
    pub call_tree: bool,
    /// Keep at most this many nodes (0: all).
    pub nodecount: usize,
    /// pprof's node fraction.
    pub nodefraction: f64,
    /// pprof's edge fraction.
    pub edgefraction: f64,
}

/// What each sample contributes besides its value: the joined string
/// labels and the numeric `bytes` tags, computed once for every build.
struct SampleTags {
    /// Joined-labels id per view sample (0 = no string labels).
    label: Vec<u32>,
    /// Texts of the joined-labels ids.
    label_names: Vec<String>,
    /// Numeric tags per view sample: (name, value), unit is `bytes_unit`.
    numeric: Vec<Vec<(u32, i64)>>,
    /// Names of the numeric tags.
    numeric_names: Vec<String>,
    /// The unit of the `bytes` label.
    bytes_unit: String,
}

impl SampleTags {
    fn new(an: &Analysis<'_>) -> Self {
        let p: &crate::model::Profile = &an.profile;
        let units = crate::view::filter::num_label_units(p);
        let bytes_unit = units.get("bytes").cloned().unwrap_or_default();
        let mut label_ids: HashMap<String, u32> = HashMap::new();
        let mut label_names = vec![String::new()];
        label_ids.insert(String::new(), 0);
        let mut numeric_ids: HashMap<String, u32> = HashMap::new();
        let mut numeric_names = Vec::new();
        let n = an.view.len(p);
        let mut label = Vec::with_capacity(n);
        let mut numeric = Vec::with_capacity(n);
        let mut parts: Vec<String> = Vec::new();
        // Samples share label sets: remember each set's result.
        type Memo = HashMap<Vec<crate::model::Label>, (u32, Vec<(u32, i64)>), RandomState>;
        let mut memo: Memo = HashMap::default();
        let mut key: Vec<crate::model::Label> = Vec::new();
        for i in 0..n {
            key.clear();
            key.extend(an.view.labels(p, i).copied());
            if let Some((id, nums)) = memo.get(&key) {
                label.push(*id);
                numeric.push(nums.clone());
                continue;
            }
            parts.clear();
            let mut nums = Vec::new();
            for l in &key {
                let key = p.str(l.key);
                if l.str != 0 {
                    if key != "pprof::base" {
                        parts.push(format!("{key}:{}", p.str(l.str)));
                    }
                } else if l.is_numeric() && key == "bytes" {
                    let name = measurement::scaled_label(l.num, &bytes_unit, &an.opts.unit);
                    let id = *numeric_ids.entry(name.clone()).or_insert_with(|| {
                        numeric_names.push(name);
                        (numeric_names.len() - 1) as u32
                    });
                    nums.push((id, l.num));
                }
            }
            let id = if parts.is_empty() {
                0
            } else {
                parts.sort();
                let joined = parts.join("\\n");
                match label_ids.get(&joined) {
                    Some(&id) => id,
                    None => {
                        let id = label_names.len() as u32;
                        label_names.push(joined.clone());
                        label_ids.insert(joined, id);
                        id
                    }
                }
            };
            memo.insert(key.clone(), (id, nums.clone()));
            label.push(id);
            numeric.push(nums);
        }
        SampleTags {
            label,
            label_names,
            numeric,
            numeric_names,
            bytes_unit,
        }
    }
}

/// Per-node tag accumulators while building.
#[derive(Default, Clone)]
struct NodeTags {
    labels: HashMap<u32, Tag, RandomState>,
    numeric: HashMap<u32, HashMap<u32, Tag, RandomState>, RandomState>,
}

/// A node's weights and tags, which do not depend on the kept set (a kept
/// node's samples are the same), so rebuilds copy them.
#[derive(Clone)]
struct NodeValues {
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
    label_tags: Vec<Tag>,
    numeric_tags: Vec<(String, Vec<Tag>)>,
}

/// Builds graphs over one analysis (pprof's `newGraph` / `newTree`).
pub struct Builder<'a, 'p> {
    an: &'a Analysis<'p>,
    tags: SampleTags,
    /// The identity of each NodeMap node's function (address, line and
    /// column cleared), as a dense id.
    function_of: Vec<u32>,
    /// Per NodeMap node, its values in the full graph (set by the first
    /// `graph(None)`).
    values: std::cell::OnceCell<Vec<Option<NodeValues>>>,
}

impl<'a, 'p> Builder<'a, 'p> {
    /// A builder over `an` (computes the samples' tags once).
    pub fn new(an: &'a Analysis<'p>) -> Self {
        let mut ids: HashMap<NodeInfo, u32> = HashMap::new();
        let function_of = an
            .nodes
            .infos
            .iter()
            .map(|info| {
                let f = NodeInfo {
                    address: 0,
                    lineno: 0,
                    columnno: 0,
                    ..*info
                };
                let next = ids.len() as u32;
                *ids.entry(f).or_insert(next)
            })
            .collect();
        Builder {
            an,
            tags: SampleTags::new(an),
            function_of,
            values: std::cell::OnceCell::new(),
        }
    }

    /// The node map behind the nodes' `info`.
    pub fn nodes(&self) -> &NodeMap {
        &self.an.nodes
    }

    fn add_tags(&self, acc: &mut NodeTags, s: usize, w: i64, dw: i64, flat: bool) {
        let label = self.tags.label[s];
        let bump = |t: &mut Tag| {
            if flat {
                t.flat = t.flat.wrapping_add(w);
                t.flat_div = t.flat_div.wrapping_add(dw);
            } else {
                t.cum = t.cum.wrapping_add(w);
                t.cum_div = t.cum_div.wrapping_add(dw);
            }
        };
        if label != 0 {
            bump(acc.labels.entry(label).or_default());
        }
        let nums = &self.tags.numeric[s];
        if nums.is_empty() {
            return;
        }
        let group = acc.numeric.entry(label).or_default();
        for &(name, value) in nums {
            let t = group.entry(name).or_insert_with(|| Tag {
                value,
                ..Tag::default()
            });
            bump(t);
        }
    }

    fn finish_tags(&self, node: &mut Node, acc: NodeTags) {
        let mut labels: Vec<Tag> = acc
            .labels
            .into_iter()
            .map(|(id, mut t)| {
                t.name = self.tags.label_names[id as usize].clone();
                t
            })
            .collect();
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        let mut numeric: Vec<(String, Vec<Tag>)> = acc
            .numeric
            .into_iter()
            .map(|(id, group)| {
                let mut tags: Vec<Tag> = group
                    .into_iter()
                    .map(|(name, mut t)| {
                        t.name = self.tags.numeric_names[name as usize].clone();
                        t.unit = self.tags.bytes_unit.clone();
                        t
                    })
                    .collect();
                tags.sort_by(|a, b| a.name.cmp(&b.name));
                (self.tags.label_names[id as usize].clone(), tags)
            })
            .collect();
        numeric.sort_by(|a, b| a.0.cmp(&b.0));
        node.label_tags = labels;
        node.numeric_tags = numeric;
    }

    /// pprof's `newGraph`: one node per identity; with `kept`, only the
    /// NodeMap nodes it marks (dropped frames make residual edges).
    pub fn graph(&self, kept: Option<&[bool]>) -> CallGraph {
        let an = self.an;
        let p: &crate::model::Profile = &an.profile;
        let nodes = &an.nodes;
        let mut index = vec![NONE; nodes.len()];
        let mut g = CallGraph::default();
        let cached = if kept.is_some() {
            self.values.get()
        } else {
            None
        };
        let accumulate = cached.is_none();
        let mut tags: Vec<NodeTags> = Vec::new();
        let mut seen_node: Vec<u32> = Vec::new();
        let mut edge_of: HashMap<(usize, usize), usize, RandomState> = HashMap::default();
        let mut seen_edge: Vec<u32> = Vec::new();
        for i in 0..an.view.len(p) {
            let values = an.view.values(p, i);
            let w = values[an.sel.index];
            let dw = if an.sel.mean { values[0] } else { 0 };
            if w == 0 && dw == 0 {
                continue;
            }
            let mark = i as u32 + 1;
            let mut parent = usize::MAX;
            let mut residual = false;
            for &loc in an.view.stack(p, i).iter().rev() {
                let locn = nodes.location(loc);
                for ni in (0..locn.len()).rev() {
                    let id = locn[ni];
                    if kept.is_some_and(|k| !k[id as usize]) {
                        residual = true;
                        continue;
                    }
                    let n = match index[id as usize] {
                        NONE => {
                            let n = g.nodes.len();
                            index[id as usize] = n as u32;
                            g.nodes.push(Node {
                                info: id,
                                function: self.function_of[id as usize],
                                ..Node::default()
                            });
                            tags.push(NodeTags::default());
                            seen_node.push(0);
                            n
                        }
                        n => n as usize,
                    };
                    if accumulate && seen_node[n] != mark {
                        seen_node[n] = mark;
                        let node = &mut g.nodes[n];
                        node.cum = node.cum.wrapping_add(w);
                        node.cum_div = node.cum_div.wrapping_add(dw);
                        self.add_tags(&mut tags[n], i, w, dw, false);
                    }
                    if parent != usize::MAX && n != parent {
                        let e = *edge_of.entry((parent, n)).or_insert_with(|| {
                            g.edges.push(Edge {
                                src: parent,
                                dst: n,
                                inline: true,
                                ..Edge::default()
                            });
                            seen_edge.push(0);
                            g.nodes[parent].outs.push(g.edges.len() - 1);
                            g.nodes[n].ins.push(g.edges.len() - 1);
                            g.edges.len() - 1
                        });
                        if seen_edge[e] != mark {
                            seen_edge[e] = mark;
                            let edge = &mut g.edges[e];
                            edge.weight = edge.weight.wrapping_add(w);
                            edge.weight_div = edge.weight_div.wrapping_add(dw);
                            edge.residual |= residual;
                            edge.inline &= ni != locn.len() - 1;
                        }
                    }
                    parent = n;
                    residual = false;
                }
            }
            if accumulate && parent != usize::MAX && !residual {
                let node = &mut g.nodes[parent];
                node.flat = node.flat.wrapping_add(w);
                node.flat_div = node.flat_div.wrapping_add(dw);
                self.add_tags(&mut tags[parent], i, w, dw, true);
            }
        }
        match cached {
            Some(values) => {
                for node in &mut g.nodes {
                    if let Some(v) = &values[node.info as usize] {
                        node.flat = v.flat;
                        node.flat_div = v.flat_div;
                        node.cum = v.cum;
                        node.cum_div = v.cum_div;
                        node.label_tags = v.label_tags.clone();
                        node.numeric_tags = v.numeric_tags.clone();
                    }
                }
            }
            None => {
                for (node, acc) in g.nodes.iter_mut().zip(tags) {
                    self.finish_tags(node, acc);
                }
                if kept.is_none() {
                    let mut values = vec![None; nodes.len()];
                    for node in &g.nodes {
                        values[node.info as usize] = Some(NodeValues {
                            flat: node.flat,
                            flat_div: node.flat_div,
                            cum: node.cum,
                            cum_div: node.cum_div,
                            label_tags: node.label_tags.clone(),
                            numeric_tags: node.numeric_tags.clone(),
                        });
                    }
                    let _ = self.values.set(values);
                }
            }
        }
        g.select_nodes(an.opts.drop_negative);
        g
    }

    /// pprof's `newTree`: one node per calling context.
    pub fn tree(&self) -> CallGraph {
        let an = self.an;
        let p: &crate::model::Profile = &an.profile;
        let nodes = &an.nodes;
        let mut g = CallGraph::default();
        let mut tags: Vec<NodeTags> = Vec::new();
        let mut child: HashMap<(usize, u32), usize, RandomState> = HashMap::default();
        let mut functions: HashMap<(usize, u32), u32, RandomState> = HashMap::default();
        let mut edge_of: HashMap<(usize, usize), usize, RandomState> = HashMap::default();
        for i in 0..an.view.len(p) {
            let values = an.view.values(p, i);
            let w = values[an.sel.index];
            let dw = if an.sel.mean { values[0] } else { 0 };
            if w == 0 && dw == 0 {
                continue;
            }
            let mut parent = usize::MAX;
            for &loc in an.view.stack(p, i).iter().rev() {
                let locn = nodes.location(loc);
                for ni in (0..locn.len()).rev() {
                    let id = locn[ni];
                    let n = *child.entry((parent, id)).or_insert_with(|| {
                        let next = functions.len() as u32;
                        let function = *functions
                            .entry((parent, self.function_of[id as usize]))
                            .or_insert(next);
                        g.nodes.push(Node {
                            info: id,
                            function,
                            ..Node::default()
                        });
                        tags.push(NodeTags::default());
                        g.nodes.len() - 1
                    });
                    let node = &mut g.nodes[n];
                    node.cum = node.cum.wrapping_add(w);
                    node.cum_div = node.cum_div.wrapping_add(dw);
                    self.add_tags(&mut tags[n], i, w, dw, false);
                    if parent != usize::MAX {
                        let e = *edge_of.entry((parent, n)).or_insert_with(|| {
                            g.edges.push(Edge {
                                src: parent,
                                dst: n,
                                inline: true,
                                ..Edge::default()
                            });
                            g.nodes[parent].outs.push(g.edges.len() - 1);
                            g.nodes[n].ins.push(g.edges.len() - 1);
                            g.edges.len() - 1
                        });
                        let edge = &mut g.edges[e];
                        edge.weight = edge.weight.wrapping_add(w);
                        edge.weight_div = edge.weight_div.wrapping_add(dw);
                        edge.inline &= ni != locn.len() - 1;
                    }
                    parent = n;
                }
            }
            if parent != usize::MAX {
                let node = &mut g.nodes[parent];
                node.flat = node.flat.wrapping_add(w);
                node.flat_div = node.flat_div.wrapping_add(dw);
                self.add_tags(&mut tags[parent], i, w, dw, true);
            }
        }
        for (node, acc) in g.nodes.iter_mut().zip(tags) {
            self.finish_tags(node, acc);
        }
        g.select_nodes(an.opts.drop_negative);
        g
    }
}

impl CallGraph {
    /// pprof's `selectNodesForGraph`: show the nodes with weight (and, under
    /// `drop_negative`, not negative), in creation order.
    fn select_nodes(&mut self, drop_negative: bool) {
        self.order = (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                if n.cum == 0 && n.flat == 0 {
                    return false;
                }
                !(drop_negative && (n.flat < 0 || (n.flat == 0 && n.cum < 0)))
            })
            .collect();
    }

    /// pprof's trimmed graph for a report over `an` (`newTrimmedGraph`).
    pub fn trimmed(an: &Analysis<'_>, shape: GraphShape) -> Trimmed {
        let b = Builder::new(an);
        let mut g = if shape.call_tree {
            b.tree()
        } else {
            b.graph(None)
        };
        // Names of the nodes built (later graphs only hold fewer).
        let mut names = vec![String::new(); an.nodes.len()];
        let mut sprint = vec![String::new(); an.nodes.len()];
        for node in &g.nodes {
            let i = node.info as usize;
            if names[i].is_empty() {
                names[i] = an.nodes.printable_name(node.info);
                sprint[i] = an.nodes.sprint_info(node.info);
            }
        }
        let keys = SortKeys {
            names: &names,
            sprint: &sprint,
        };
        let total_value = g
            .order
            .iter()
            .fold(0i64, |a, &n| a.wrapping_add(g.nodes[n].flat));
        let node_cutoff = go_f64_to_i64(total_value as f64 * shape.nodefraction).wrapping_abs();
        let edge_cutoff = go_f64_to_i64(total_value as f64 * shape.edgefraction).wrapping_abs();

        let mut dropped_nodes = 0;
        if node_cutoff > 0 {
            let kept: Vec<usize> = g
                .order
                .iter()
                .copied()
                .filter(|&n| g.nodes[n].cum.wrapping_abs() >= node_cutoff)
                .collect();
            if kept.len() != g.order.len() {
                dropped_nodes = g.order.len() - kept.len();
                if shape.call_tree {
                    g.trim_tree(&kept);
                } else {
                    g = b.graph(Some(&g.info_mask(&kept, an.nodes.len())));
                }
            }
        }
        let orig_count = g.order.len();
        g.sort(an.opts.cum, shape.visual, &keys);
        if shape.nodecount > 0 {
            g.trim_low_frequency_tags(node_cutoff);
            g.trim_low_frequency_edges(edge_cutoff);
            let top = g.select_top_nodes(shape.nodecount, shape.visual);
            if top.len() != g.order.len() {
                if shape.call_tree {
                    g.trim_tree(&top);
                } else {
                    g = b.graph(Some(&g.info_mask(&top, an.nodes.len())));
                }
                g.sort(an.opts.cum, shape.visual, &keys);
            }
        }
        g.trim_low_frequency_tags(node_cutoff);
        let dropped_edges = g.trim_low_frequency_edges(edge_cutoff);
        if shape.visual {
            g.remove_redundant_edges(&keys);
        }
        Trimmed {
            graph: g,
            orig_count,
            dropped_nodes,
            dropped_edges,
        }
    }

    /// A NodeMap mask of the identities of `nodes`.
    fn info_mask(&self, nodes: &[usize], n: usize) -> Vec<bool> {
        let mut mask = vec![false; n];
        for &i in nodes {
            mask[self.nodes[i].info as usize] = true;
        }
        mask
    }

    /// Removes edge `e` from its nodes' lists.
    fn remove_edge(&mut self, e: usize) {
        let Edge { src, dst, .. } = self.edges[e];
        self.nodes[src].outs.retain(|&x| x != e);
        self.nodes[dst].ins.retain(|&x| x != e);
    }

    /// pprof's `TrimTree`: keeps the `kept` nodes of a tree, re-parenting the
    /// children of each dropped node to its parent (residual edges).
    fn trim_tree(&mut self, kept: &[usize]) {
        let mut is_kept = vec![false; self.nodes.len()];
        for &k in kept {
            is_kept[k] = true;
        }
        let old = std::mem::take(&mut self.order);
        for cur in old {
            if is_kept[cur] {
                self.order.push(cur);
                continue;
            }
            let outs = self.nodes[cur].outs.clone();
            let Some(&pe) = self.nodes[cur].ins.first() else {
                for e in outs {
                    let child = self.edges[e].dst;
                    self.nodes[child].ins.retain(|&x| x != e);
                }
                continue;
            };
            let parent = self.edges[pe].src;
            let parent_inline = self.edges[pe].inline;
            self.nodes[parent].outs.retain(|&x| x != pe);
            for e in outs {
                let child = self.edges[e].dst;
                self.nodes[child].ins.retain(|&x| x != e);
                self.nodes[child].ins.push(e);
                self.nodes[parent].outs.push(e);
                let edge = &mut self.edges[e];
                edge.src = parent;
                edge.residual = true;
                edge.inline = parent_inline && edge.inline;
            }
        }
    }

    /// Sorts the shown nodes: DOT's entropy order when `visual`, else by
    /// cum or flat (pprof's `SortNodes`).
    fn sort(&mut self, cum: bool, visual: bool, keys: &SortKeys<'_>) {
        let score: Vec<i64> = if visual {
            self.nodes.iter().map(|n| self.entropy_score(n)).collect()
        } else if cum {
            self.nodes.iter().map(|n| n.cum).collect()
        } else {
            Vec::new()
        };
        let nodes = &self.nodes;
        let by_name = |l: usize, r: usize| {
            keys.names[nodes[l].info as usize].cmp(&keys.names[nodes[r].info as usize])
        };
        let last = |l: usize, r: usize| {
            keys.sprint[nodes[l].info as usize]
                .cmp(&keys.sprint[nodes[r].info as usize])
                .then(l.cmp(&r))
        };
        let abs = |v: i64| v.wrapping_abs();
        if score.is_empty() {
            self.order.sort_by(|&l, &r| {
                abs(nodes[r].flat)
                    .cmp(&abs(nodes[l].flat))
                    .then_with(|| by_name(l, r))
                    .then_with(|| abs(nodes[r].cum).cmp(&abs(nodes[l].cum)))
                    .then_with(|| last(l, r))
            });
        } else {
            self.order.sort_by(|&l, &r| {
                abs(score[r])
                    .cmp(&abs(score[l]))
                    .then_with(|| by_name(l, r))
                    .then_with(|| abs(nodes[r].flat).cmp(&abs(nodes[l].flat)))
                    .then_with(|| last(l, r))
            });
        }
    }

    /// pprof's `entropyScore`: how much a node tells, favouring entry and
    /// leaf nodes and nodes whose weight branches.
    fn entropy_score(&self, n: &Node) -> i64 {
        let mut score = 0.0f64;
        if n.ins.is_empty() {
            score += 1.0;
        } else {
            score += self.edge_entropy(&n.ins, 0);
        }
        if n.outs.is_empty() {
            score += 1.0;
        } else {
            score += self.edge_entropy(&n.outs, n.flat);
        }
        go_f64_to_i64(score * n.cum as f64).wrapping_add(n.flat)
    }

    fn edge_entropy(&self, edges: &[usize], own: i64) -> f64 {
        let mut score = 0.0f64;
        let mut total = own;
        for &e in edges {
            let w = self.edges[e].weight;
            if w > 0 {
                total = total.wrapping_add(w.wrapping_abs());
            }
        }
        if total != 0 {
            for &e in edges {
                let frac = self.edges[e].weight.wrapping_abs() as f64 / total as f64;
                score += -frac * frac.log2();
            }
            if own > 0 {
                let frac = own.wrapping_abs() as f64 / total as f64;
                score += -frac * frac.log2();
            }
        }
        score
    }

    /// pprof's `TrimLowFrequencyTags`.
    fn trim_low_frequency_tags(&mut self, cutoff: i64) {
        let keep = |t: &Tag| t.flat.wrapping_abs() >= cutoff || t.cum.wrapping_abs() >= cutoff;
        for &n in &self.order {
            let node = &mut self.nodes[n];
            node.label_tags.retain(keep);
            for (_, tags) in &mut node.numeric_tags {
                tags.retain(keep);
            }
        }
    }

    /// pprof's `TrimLowFrequencyEdges`: drops the edges into shown nodes
    /// lighter than `cutoff`; returns how many.
    fn trim_low_frequency_edges(&mut self, cutoff: i64) -> usize {
        let mut dropped = 0;
        for i in 0..self.order.len() {
            let n = self.order[i];
            for e in self.nodes[n].ins.clone() {
                if self.edges[e].weight.wrapping_abs() < cutoff {
                    self.remove_edge(e);
                    dropped += 1;
                }
            }
        }
        dropped
    }

    /// pprof's `selectTopNodes`: the first `max` shown nodes; in visual mode
    /// each node's nodelets (up to four) count as nodes too.
    fn select_top_nodes(&self, max: usize, visual: bool) -> Vec<usize> {
        let mut max = max;
        if max > 0 && visual {
            let mut count = 0;
            for (i, &n) in self.order.iter().enumerate() {
                count += count_tags(&self.nodes[n]).min(MAX_NODELETS) + 1;
                if count >= max {
                    max = i + 1;
                    break;
                }
            }
        }
        self.order[..max.min(self.order.len())].to_vec()
    }

    /// The incoming edges of node `n` in pprof's edge order.
    pub fn sorted_ins(&self, n: usize, names: &dyn Fn(usize) -> String) -> Vec<usize> {
        let mut ins = self.nodes[n].ins.clone();
        self.sort_edges(&mut ins, names);
        ins
    }

    /// Sorts edge indices as pprof's `EdgeMap.Sort`: heavier first (by
    /// |weight| when weights differ), then caller name, then callee name.
    pub fn sort_edges(&self, edges: &mut [usize], names: &dyn Fn(usize) -> String) {
        let mut keyed: Vec<(usize, String, String)> = edges
            .iter()
            .map(|&e| (e, names(self.edges[e].src), names(self.edges[e].dst)))
            .collect();
        keyed.sort_by(|a, b| {
            let (ea, eb) = (&self.edges[a.0], &self.edges[b.0]);
            if ea.weight != eb.weight {
                eb.weight
                    .wrapping_abs()
                    .cmp(&ea.weight.wrapping_abs())
                    .then(a.0.cmp(&b.0))
            } else {
                a.1.cmp(&b.1)
                    .then_with(|| a.2.cmp(&b.2))
                    .then(a.0.cmp(&b.0))
            }
        });
        for (slot, k) in edges.iter_mut().zip(keyed) {
            *slot = k.0;
        }
    }

    /// pprof's `RemoveRedundantEdges`: from the last node to the first,
    /// drops its lightest residual incoming edges while the caller still
    /// reaches the node another way.
    fn remove_redundant_edges(&mut self, keys: &SortKeys<'_>) {
        let node_names: Vec<&str> = self
            .nodes
            .iter()
            .map(|n| keys.names[n.info as usize].as_str())
            .collect();
        let names = |n: usize| node_names[n].to_string();
        for i in (0..self.order.len()).rev() {
            let n = self.order[i];
            let ins = self.sorted_ins(n, &names);
            for &e in ins.iter().rev() {
                if !self.edges[e].residual {
                    break;
                }
                if self.is_redundant_edge(e) {
                    self.remove_edge(e);
                }
            }
        }
    }

    fn is_redundant_edge(&self, e: usize) -> bool {
        let Edge { src, dst, .. } = self.edges[e];
        let mut seen = vec![false; self.nodes.len()];
        seen[dst] = true;
        let mut queue = std::collections::VecDeque::from([dst]);
        while let Some(n) = queue.pop_front() {
            for &ie in &self.nodes[n].ins {
                let s = self.edges[ie].src;
                if ie == e || seen[s] {
                    continue;
                }
                if s == src {
                    return true;
                }
                seen[s] = true;
                queue.push_back(s);
            }
        }
        false
    }
}

/// Node names and Go-printed identities, by NodeMap id, for sorting.
struct SortKeys<'a> {
    names: &'a [String],
    sprint: &'a [String],
}

/// pprof's `countTags`: the tags with a flat weight.
fn count_tags(n: &Node) -> usize {
    n.label_tags.iter().filter(|t| t.flat != 0).count()
        + n.numeric_tags
            .iter()
            .flat_map(|(_, ts)| ts)
            .filter(|t| t.flat != 0)
            .count()
}

/// Go's float64 → int64 conversion on amd64: truncation, and the minimum
/// int64 for NaN and values out of range.
pub fn go_f64_to_i64(v: f64) -> i64 {
    // 2^63: the first value out of range either way.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if v.is_nan() || !(-LIMIT..LIMIT).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_conversion() {
        assert_eq!(go_f64_to_i64(2.9), 2);
        assert_eq!(go_f64_to_i64(-2.9), -2);
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(go_f64_to_i64(1e30), i64::MIN);
    }
}
