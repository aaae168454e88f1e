//! The sample graph of one report: value selection, the view (drop_frames
//! and filters), node identities, flat/cum weights and pprof's total
//! ([`Analysis`]), and pprof's trimming of it ([`TrimmedGraph`]).

use std::borrow::Cow;
use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::error::OptionError;
use crate::graph::{self, Edge, Granularity, NodeMap, NodeOptions, Weights};
use crate::model::Profile;
use crate::view::filter::FilterOptions;
use crate::view::select::{self, ValueSelection};
use crate::view::View;

/// Options shared by the graph-based reports (pprof's names in comments).
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// `sample_index`: type name or 0-based index; empty = profile default.
    pub sample_index: String,
    /// `mean`: divide values by the count (value 0).
    pub mean: bool,
    /// `divide_by`: displayed values are multiplied by 1/divide_by.
    pub divide_by: f64,
    /// `unit`: `minimum` (one unit for the report), `auto`, or a unit name.
    pub unit: String,
    /// Aggregation level.
    pub granularity: Granularity,
    /// `noinlines`.
    pub noinlines: bool,
    /// `all_frames`: ignore the profile's drop_frames/keep_frames.
    pub all_frames: bool,
    /// `nodecount`: `None` = the report's default.
    pub nodecount: Option<usize>,
    /// `nodefraction`.
    pub nodefraction: f64,
    /// `edgefraction`.
    pub edgefraction: f64,
    /// `trim`: false disables nodecount, nodefraction and edgefraction.
    pub trim: bool,
    /// Sort by cum instead of flat.
    pub cum: bool,
    /// `compact_labels`: omit the profile header lines.
    pub compact_labels: bool,
    /// `trim_path`.
    pub trim_path: String,
    /// `source_path`.
    pub source_path: String,
    /// `focus`, `ignore`, `hide`, `show`, `show_from`, tag filters, `prune_from`.
    pub filters: FilterOptions,
    /// `relative_percentages`: the total is computed after the filters.
    pub relative_percentages: bool,
    /// `drop_negative`: drop nodes with flat < 0, or flat == 0 and cum < 0.
    pub drop_negative: bool,
    /// Keep object file names and function start lines in every node (the
    /// `list` report needs start lines).
    pub obj_names: bool,
    /// `call_tree`: a context-sensitive tree instead of a graph (honoured by
    /// the DOT-based and callgrind reports only, as in pprof).
    pub call_tree: bool,
    /// `showcolumns`: keep column numbers at lines granularity.
    pub show_columns: bool,
    /// `tagroot`: label keys whose values become pseudo frames at the root
    /// of every stack (first key rootmost).
    pub tagroot: Vec<String>,
    /// `tagleaf`: label keys whose values become pseudo frames at the leaf.
    pub tagleaf: Vec<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            sample_index: String::new(),
            mean: false,
            divide_by: 1.0,
            unit: "minimum".to_string(),
            granularity: Granularity::Functions,
            noinlines: false,
            all_frames: false,
            nodecount: None,
            nodefraction: 0.005,
            edgefraction: 0.001,
            trim: true,
            cum: false,
            compact_labels: false,
            trim_path: String::new(),
            source_path: String::new(),
            filters: FilterOptions::default(),
            relative_percentages: false,
            drop_negative: false,
            obj_names: false,
            call_tree: false,
            show_columns: false,
            tagroot: Vec::new(),
            tagleaf: Vec::new(),
        }
    }
}

/// Everything a graph report derives from the profile before trimming.
pub struct Analysis<'p> {
    /// The profile: the one given, or under `tagroot`/`tagleaf` a copy with
    /// the label pseudo frames (see [`crate::view::tagroot`]).
    pub profile: Cow<'p, Profile>,
    /// The options in force (after report-specific overrides).
    pub opts: ReportOptions,
    /// The chosen value.
    pub sel: ValueSelection,
    /// The samples, stacks and lines reports see (after drop_frames and filters).
    pub view: View,
    /// Node identities at the chosen granularity.
    pub nodes: NodeMap,
    /// The value summed per distinct stack, when the walks go over stacks
    /// (see [`graph::StackSums`]); kept for the edge walks.
    pub stack_sums: Option<graph::StackSums>,
    /// Flat/cum per node.
    pub weights: Weights,
    /// pprof's report total: Σ|value| over all samples (mean-divided under
    /// `--mean`; only the filtered samples under `relative_percentages`).
    pub total: i64,
    /// Messages for stderr from the filters (pprof's "… matched no samples").
    pub messages: Vec<String>,
    /// The last edge walk (kept nodes, wanted callees, edges): a second trim
    /// with the same nodes (the shell's or web UI's next view) reuses it.
    edge_memo: std::sync::Mutex<Option<EdgeMemo>>,
}

/// The inputs and result of one [`graph::edges_into`] walk.
struct EdgeMemo {
    kept: Vec<bool>,
    want: Vec<bool>,
    edges: HashMap<(u32, u32), Edge, RandomState>,
}

impl<'p> Analysis<'p> {
    /// Selects the value, applies drop_frames, maps nodes and aggregates.
    pub fn new(profile: &'p Profile, opts: ReportOptions) -> Result<Self, OptionError> {
        let mut whole = crate::util::timing::Timer::from_env();
        let sel = select::select(profile, &opts.sample_index, opts.mean)?;
        if opts.divide_by == 0.0 {
            return Err(OptionError::ZeroDivisor);
        }
        let view = crate::view::prune::drop_frames(profile, View::all(), opts.all_frames)?;
        let (profile, view, mut messages) = match crate::view::tagroot::add_label_frames(
            profile,
            &view,
            &opts.tagroot,
            &opts.tagleaf,
            &opts.unit,
        ) {
            Some(framed) => (Cow::Owned(framed.profile), View::all(), framed.messages),
            None => (Cow::Borrowed(profile), view, Vec::new()),
        };
        let filtered = crate::view::filter::apply(&profile, view, &opts.filters)?;
        let view = filtered.view;
        messages.extend(filtered.messages);
        let node_opts = NodeOptions {
            granularity: opts.granularity,
            noinlines: opts.noinlines,
            show_columns: opts.show_columns,
            obj_names: opts.obj_names,
            trim_path: opts.trim_path.clone(),
            source_path: opts.source_path.clone(),
        };
        let mut timer = crate::util::timing::Timer::from_env();
        // The node map (over locations) and the per-stack sums and the total
        // (over samples) need nothing from each other: on a large profile
        // they are built at the same time.
        let together = crate::util::parallel::is_split(profile.samples.len());
        let (nodes, (stack_sums, total)) = crate::util::parallel::join(
            together,
            || NodeMap::build(&profile, &view, &node_opts),
            || {
                let sums = graph::StackSums::new(&profile, &view, &sel);
                let total = if opts.relative_percentages {
                    compute_view_total(&profile, &view, &sel)
                } else {
                    compute_total(&profile, &sel)
                };
                (sums, total)
            },
        );
        timer.lap("report: nodes, sums, total");
        let weights = graph::aggregate(&profile, &view, &nodes, &sel, stack_sums.as_ref());
        timer.lap("report: aggregate");
        whole.lap("report: analysis");
        Ok(Analysis {
            profile,
            opts,
            sel,
            view,
            nodes,
            stack_sums,
            weights,
            total,
            messages,
            edge_memo: Default::default(),
        })
    }

    /// Trims the graph as pprof's text reports do (`newTrimmedGraph`).
    pub fn trim(&self) -> TrimmedGraph {
        self.trim_with_edges(false)
    }

    /// [`Analysis::trim`], keeping every edge between kept nodes (not only
    /// those that decide inline markers), as the tree/peek reports need.
    pub fn trim_all_edges(&self) -> TrimmedGraph {
        self.trim_with_edges(true)
    }

    fn trim_with_edges(&self, all_edges: bool) -> TrimmedGraph {
        let o = &self.opts;
        let (nodecount, nodefraction, edgefraction) = if o.trim {
            (o.nodecount.unwrap_or(0), o.nodefraction, o.edgefraction)
        } else {
            (0, 0.0, 0.0)
        };
        let w = &self.weights;
        let n = self.nodes.len();
        let present: Vec<u32> = (0..n as u32)
            .filter(|&i| w.is_present(i as usize))
            .filter(|&i| {
                let (f, c) = (w.flat[i as usize], w.cum[i as usize]);
                !(o.drop_negative && (f < 0 || (f == 0 && c < 0)))
            })
            .collect();
        let total_flat: i64 = present
            .iter()
            .fold(0i64, |a, &i| a.wrapping_add(w.flat[i as usize]));
        let node_cutoff = ((total_flat as f64 * nodefraction) as i64).unsigned_abs() as i64;
        let edge_cutoff = ((total_flat as f64 * edgefraction) as i64).unsigned_abs() as i64;

        let mut rebuilt = false;
        let mut dropped_nodes = 0;
        let mut kept = present.clone();
        if node_cutoff > 0 {
            kept.retain(|&i| w.cum[i as usize].unsigned_abs() as i64 >= node_cutoff);
            dropped_nodes = present.len() - kept.len();
            rebuilt = dropped_nodes > 0;
        }
        let orig_count = kept.len();
        let names: HashMap<u32, String> = kept
            .iter()
            .map(|&i| (i, self.nodes.printable_name(i)))
            .collect();
        self.sort_nodes(&mut kept, &names);
        if nodecount > 0 && kept.len() > nodecount {
            kept.truncate(nodecount);
            rebuilt = true;
        }

        // Edges into shown nodes that may carry an inline call; others cannot
        // change any label a text report prints.
        let mut kept_mask = vec![!rebuilt; n];
        let mut want = vec![false; n];
        let mut any_wanted = false;
        for &i in &kept {
            kept_mask[i as usize] = true;
            if all_edges || self.nodes.inlinable[i as usize] {
                want[i as usize] = true;
                any_wanted = true;
            }
        }
        let mut timer = crate::util::timing::Timer::from_env();
        let mut edges = if any_wanted {
            self.edges_for(kept_mask, want)
        } else {
            HashMap::default()
        };
        timer.lap("report: edges");
        edges.retain(|_, e| e.weight.unsigned_abs() as i64 >= edge_cutoff);

        let shown = kept
            .iter()
            .map(|&i| ShownNode {
                node: i,
                name: names[&i].clone(),
                flat: w.flat_value(i as usize),
                cum: w.cum_value(i as usize),
            })
            .collect();
        TrimmedGraph {
            nodes: shown,
            dropped_nodes,
            orig_count,
            inline_labels: inline_labels(&edges),
            edges,
            nodefraction,
        }
    }

    /// The edges into the `want`ed kept nodes, from the memo when the last
    /// walk had the same nodes.
    fn edges_for(
        &self,
        kept: Vec<bool>,
        want: Vec<bool>,
    ) -> HashMap<(u32, u32), Edge, RandomState> {
        if let Ok(memo) = self.edge_memo.lock() {
            if let Some(m) = memo.as_ref().filter(|m| m.kept == kept && m.want == want) {
                return m.edges.clone();
            }
        }
        let edges = graph::edges_into(
            &self.profile,
            &self.view,
            &self.nodes,
            &self.sel,
            self.stack_sums.as_ref(),
            &kept,
            &want,
        );
        if let Ok(mut memo) = self.edge_memo.lock() {
            *memo = Some(EdgeMemo {
                kept,
                want,
                edges: edges.clone(),
            });
        }
        edges
    }

    fn sort_nodes(&self, nodes: &mut [u32], names: &HashMap<u32, String>) {
        let w = &self.weights;
        let cum = self.opts.cum;
        nodes.sort_by(|&l, &r| {
            let (li, ri) = (l as usize, r as usize);
            let (lf, rf) = (w.flat[li].unsigned_abs(), w.flat[ri].unsigned_abs());
            let (lc, rc) = (w.cum[li].unsigned_abs(), w.cum[ri].unsigned_abs());
            let (primary, secondary) = if cum {
                ((lc, rc), (lf, rf))
            } else {
                ((lf, rf), (lc, rc))
            };
            primary
                .1
                .cmp(&primary.0)
                .then_with(|| names[&l].cmp(&names[&r]))
                .then_with(|| secondary.1.cmp(&secondary.0))
                .then_with(|| self.nodes.sprint_info(l).cmp(&self.nodes.sprint_info(r)))
        });
    }
}

/// pprof's report total (`computeTotal`): Σ|value| over all samples, or over
/// the diff-base samples only when there are any; divided by the summed count
/// under `--mean`.
pub fn compute_total(p: &Profile, sel: &ValueSelection) -> i64 {
    let nv = p.num_values();
    let (mut total, mut div) = (0i64, 0i64);
    let (mut diff_total, mut diff_div) = (0i64, 0i64);
    // `-diff_base` labels the base's samples `pprof::base=true`.
    let key = p.strings.iter().position(|s| s == "pprof::base");
    let val = p.strings.iter().position(|s| s == "true");
    let diff_label = key.zip(val).map(|(k, v)| (k as u32, v as u32));
    for (s, row) in p.samples.values.chunks_exact(nv.max(1)).enumerate() {
        if nv == 0 {
            break;
        }
        let v = row[sel.index].wrapping_abs();
        let d = if sel.mean { row[0] } else { 0 };
        total = total.wrapping_add(v);
        div = div.wrapping_add(d);
        if let Some((k, t)) = diff_label {
            if p.samples.labels(s).iter().any(|l| l.key == k && l.str == t) {
                diff_total = diff_total.wrapping_add(v);
                diff_div = diff_div.wrapping_add(d);
            }
        }
    }
    if diff_total > 0 {
        total = diff_total;
        div = diff_div;
    }
    if div != 0 {
        total.wrapping_div(div)
    } else {
        total
    }
}

/// [`compute_total`] over the samples of `view` only (`relative_percentages`).
pub fn compute_view_total(p: &Profile, view: &View, sel: &ValueSelection) -> i64 {
    let (mut total, mut div) = (0i64, 0i64);
    for i in 0..view.len(p) {
        let row = view.values(p, i);
        total = total.wrapping_add(row.get(sel.index).map_or(0, |v| v.wrapping_abs()));
        if sel.mean {
            div = div.wrapping_add(row.first().copied().unwrap_or(0));
        }
    }
    if div != 0 {
        total.wrapping_div(div)
    } else {
        total
    }
}

/// A node as a report shows it.
#[derive(Debug, Clone)]
pub struct ShownNode {
    /// Node id in the [`NodeMap`].
    pub node: u32,
    /// pprof's printable name.
    pub name: String,
    /// Flat value (mean-divided under `--mean`).
    pub flat: i64,
    /// Cum value (mean-divided under `--mean`).
    pub cum: i64,
}

/// The graph after pprof's trimming: the nodes to show, in order.
#[derive(Debug, Clone)]
pub struct TrimmedGraph {
    /// Shown nodes in report order.
    pub nodes: Vec<ShownNode>,
    /// Nodes dropped by the node fraction.
    pub dropped_nodes: usize,
    /// Nodes left after the node fraction (before nodecount).
    pub orig_count: usize,
    /// Kept edges into shown nodes that may be inline (all kept edges after
    /// [`Analysis::trim_all_edges`]), keyed (caller, callee).
    pub edges: HashMap<(u32, u32), Edge, RandomState>,
    /// Inline markers of the shown nodes that have one.
    pub inline_labels: HashMap<u32, &'static str>,
    /// The node fraction in force (for the "Dropped" line).
    pub nodefraction: f64,
}

impl TrimmedGraph {
    /// pprof's inline marker of a node: `(inline)` if every kept incoming edge
    /// is inline, `(partial-inline)` if only some are, else empty.
    pub fn inline_label(&self, node: u32) -> &'static str {
        self.inline_labels.get(&node).copied().unwrap_or("")
    }
}

/// Labels per callee from its kept incoming edges.
fn inline_labels(edges: &HashMap<(u32, u32), Edge, RandomState>) -> HashMap<u32, &'static str> {
    let mut seen: HashMap<u32, (bool, bool)> = HashMap::new();
    for (&(_, callee), e) in edges {
        let s = seen.entry(callee).or_default();
        if e.inline {
            s.0 = true;
        } else {
            s.1 = true;
        }
    }
    seen.into_iter()
        .filter_map(|(n, s)| match s {
            (true, false) => Some((n, "(inline)")),
            (true, true) => Some((n, "(partial-inline)")),
            _ => None,
        })
        .collect()
}
