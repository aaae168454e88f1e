//! The `dot` report: the call graph in Graphviz's DOT language, byte for
//! byte as `go tool pprof -dot` writes it.
//!
//! The graph is pprof's trimmed graph in DOT's "visual" mode
//! ([`CallGraph::trimmed`]: entropy order, nodelets counted as nodes, at most
//! 80 nodes unless `-nodecount`). Each node is a box labelled with its
//! shortened name split into lines at `.` and `::`, flat and cum values; its
//! font grows from 8 to 24 points with the square root of its flat share and
//! its colours go from grey to red (green for negative values) with its cum
//! share. Up to four "nodelets" per node show its label tags (3-D boxes),
//! numeric ones grouped into ranges. Edges are sorted by weight; their pen
//! width and Graphviz weight grow with their share, residual edges are
//! dotted, inlined calls say `(inline)`. A legend box (a `cluster_L`
//! subgraph) carries the header lines.
//!
//! [`DotGraph`] is that graph as data, attributes already formatted, so the
//! drawing code ([`crate::render`]) lays out exactly what the DOT text says.

use std::io::{self, Write};
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use super::header::ProfileHeader;
use super::Formatter;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::graph::callgraph::{CallGraph, GraphShape, Node, Tag, Trimmed, MAX_NODELETS};
use crate::graph::NodeMap;
use crate::model::measurement;
use crate::util::go::go_base;

/// pprof's option overrides for `dot` (and the drawn formats): at most 80
/// nodes unless a count is given.
pub fn dot_options(mut opts: ReportOptions) -> ReportOptions {
    opts.nodecount.get_or_insert(80);
    opts
}

/// A node or nodelet of the DOT graph.
#[derive(Debug, Clone, Serialize)]
pub struct DotNode {
    /// DOT id: `N1`, nodelets `N1_0` (label tags) or `NN1_0` (numeric tags).
    pub id: String,
    /// True for a nodelet (a tag box hanging off a node).
    pub nodelet: bool,
    /// The label, as a DOT escString (`\n` ends a centred line).
    pub label: String,
    /// Font size in points.
    pub fontsize: u32,
    /// The tooltip (escaped for DOT).
    pub tooltip: String,
    /// Border colour (`#rrggbb`), nodes only.
    pub color: Option<String>,
    /// Fill colour, nodes only.
    pub fillcolor: Option<String>,
    /// The node's flat value (raw, in the sample unit); nodelets: their weight.
    pub flat: i64,
    /// The node's cum value; nodelets: their weight.
    pub cum: i64,
    /// A nodelet's edge from its node (printed right after the nodelet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<DotEdge>,
}

/// An edge of the DOT graph.
#[derive(Debug, Clone, Serialize)]
pub struct DotEdge {
    /// Source node id.
    pub from: String,
    /// Destination node id.
    pub to: String,
    /// The label (value, and `\n (inline)` for inlined calls).
    pub label: String,
    /// Graphviz `weight` (1–100; absent when 1).
    pub weight: Option<i64>,
    /// Pen width (2–6; absent when 1).
    pub penwidth: Option<i64>,
    /// Colour.
    pub color: Option<String>,
    /// Tooltip (also the label's tooltip).
    pub tooltip: String,
    /// Residual edge (drawn dotted).
    pub dotted: bool,
    /// `minlen=2`: the source has nodelets.
    pub minlen: Option<u32>,
    /// The raw weight, in the sample unit.
    pub value: i64,
}

/// The call graph as pprof's DOT describes it.
#[derive(Debug, Clone, Serialize)]
pub struct DotGraph {
    /// The graph's name (`unnamed` without a main binary).
    pub name: String,
    /// The legend lines (each escaped for DOT).
    pub legend: Vec<String>,
    /// The legend's tooltip (the binary's name), if any.
    pub legend_tooltip: Option<String>,
    /// Nodes, each followed by its nodelets, in output order.
    pub nodes: Vec<DotNode>,
    /// The edges between nodes, heaviest first.
    pub edges: Vec<DotEdge>,
}

/// The `dot` report: the graph, plus what JSON adds.
#[derive(Debug, Clone)]
pub struct DotReport {
    /// The graph.
    pub graph: DotGraph,
    /// pprof's total.
    pub total: i64,
    /// Value formatting, with the output unit chosen.
    pub formatter: Formatter,
}

impl DotReport {
    /// The DOT report over `an` (build the analysis with [`dot_options`]).
    pub fn build(an: &Analysis<'_>) -> Self {
        let o = &an.opts;
        let (nodecount, nodefraction, edgefraction) = if o.trim {
            (o.nodecount.unwrap_or(0), o.nodefraction, o.edgefraction)
        } else {
            (0, 0.0, 0.0)
        };
        let trimmed = CallGraph::trimmed(
            an,
            GraphShape {
                visual: true,
                call_tree: o.call_tree,
                nodecount,
                nodefraction,
                edgefraction,
            },
        );
        let g = &trimmed.graph;
        let mut formatter = Formatter::for_analysis(an);
        formatter.select_output_unit(
            g.order
                .iter()
                .map(|&n| (g.nodes[n].flat_value(), g.nodes[n].cum_value())),
            an.total,
        );
        let legend = legend_lines(an, &trimmed, &formatter, nodefraction, edgefraction);
        let header = ProfileHeader::new(&an.profile, &an.sel.type_label);
        let title = header.file.clone();
        let graph = compose(g, &an.nodes, &formatter, an.total, title, &legend);
        DotReport {
            graph,
            total: an.total,
            formatter,
        }
    }

    /// Writes the DOT text.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        write_dot(&self.graph, w)
    }

    /// The graph as JSON (`schema_version` 1).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": "dot",
            "total": self.total,
            "output_unit": self.formatter.output_unit,
            "graph": self.graph,
        })
    }
}

impl super::Render for DotReport {
    fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        DotReport::write_text(self, w)
    }
    fn to_json(&self) -> serde_json::Value {
        DotReport::to_json(self)
    }
}

/// pprof's `reportLabels` with full headers: the profile's identity, the
/// active filters, what is shown and dropped, and the pointer to the docs.
fn legend_lines(
    an: &Analysis<'_>,
    t: &Trimmed,
    f: &Formatter,
    nodefraction: f64,
    edgefraction: f64,
) -> Vec<String> {
    let header = ProfileHeader::new(&an.profile, &an.sel.type_label);
    let mut out = header.lines(an.total, f);
    out.extend(an.opts.filters.legend());
    let g = &t.graph;
    let shown: i64 = g
        .order
        .iter()
        .fold(0i64, |a, &n| a.wrapping_add(g.nodes[n].flat_value()));
    out.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        f.format(shown),
        measurement::percentage(shown, an.total).trim(),
        f.format(an.total)
    ));
    if an.total != 0 {
        let cut = |fraction: f64| {
            crate::graph::callgraph::go_f64_to_i64(an.total as f64 * fraction).wrapping_abs()
        };
        if t.dropped_nodes > 0 {
            out.push(format!(
                "Dropped {} {} (cum <= {})",
                t.dropped_nodes,
                if t.dropped_nodes > 1 { "nodes" } else { "node" },
                f.format(cut(nodefraction))
            ));
        }
        if t.dropped_edges > 0 {
            out.push(format!(
                "Dropped {} {} (freq <= {})",
                t.dropped_edges,
                if t.dropped_edges > 1 { "edges" } else { "edge" },
                f.format(cut(edgefraction))
            ));
        }
        let count = g.order.len();
        if count > 0 && count < t.orig_count {
            out.push(format!("Showing top {count} nodes out of {}", t.orig_count));
        }
    }
    out.push("\nSee https://git.io/JfYMW for how to read the graph".to_string());
    out
}

/// pprof's `ComposeDot` as data.
fn compose(
    g: &CallGraph,
    nodes: &NodeMap,
    f: &Formatter,
    total: i64,
    title: Option<String>,
    legend: &[String],
) -> DotGraph {
    let mut id = vec![0usize; g.nodes.len()];
    let mut max_flat = g
        .order
        .first()
        .map_or(0.0, |&n| g.nodes[n].flat_value().wrapping_abs() as f64);
    for (i, &n) in g.order.iter().enumerate() {
        id[n] = i + 1;
        max_flat = max_flat.max(g.nodes[n].flat_value().wrapping_abs() as f64);
    }
    let mut out = DotGraph {
        name: title.clone().unwrap_or_else(|| "unnamed".to_string()),
        legend: legend.iter().map(|l| escape_for_dot(l)).collect(),
        legend_tooltip: title,
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let mut has_nodelets = vec![false; g.nodes.len()];
    let mut edges = Vec::new();
    for &n in &g.order {
        let node = &g.nodes[n];
        out.nodes
            .push(dot_node(node, id[n], nodes, f, total, max_flat));
        let before = out.nodes.len();
        add_nodelets(&mut out.nodes, node, id[n], f);
        has_nodelets[n] = out.nodes.len() > before;
        edges.extend(node.outs.iter().copied());
    }
    let name = |n: usize| nodes.printable_name(g.nodes[n].info);
    g.sort_edges(&mut edges, &name);
    for e in edges {
        let edge = &g.edges[e];
        out.edges.push(dot_edge(
            g,
            e,
            id[edge.src],
            id[edge.dst],
            has_nodelets[edge.src],
            nodes,
            f,
            total,
        ));
    }
    out
}

fn dot_node(
    node: &Node,
    id: usize,
    nodes: &NodeMap,
    f: &Formatter,
    total: i64,
    max_flat: f64,
) -> DotNode {
    let (flat, cum) = (node.flat_value(), node.cum_value());
    let mut label = multiline_printable_name(nodes, node.info);
    let flat_value = f.format(flat);
    if flat != 0 {
        label.push_str(&format!(
            "{flat_value} ({})",
            measurement::percentage(flat, total).trim()
        ));
    } else {
        label.push('0');
    }
    let mut cum_value = flat_value;
    if cum != flat {
        label.push_str(if flat != 0 { "\\n" } else { " " });
        cum_value = f.format(cum);
        label.push_str(&format!(
            "of {cum_value} ({})",
            measurement::percentage(cum, total).trim()
        ));
    }
    let mut fontsize = 8u32;
    let aflat = flat.wrapping_abs() as f64;
    if max_flat != 0.0 && flat != 0 && aflat <= max_flat {
        fontsize += (16.0 * (aflat / max_flat).sqrt()).ceil() as u32;
    }
    let share = cum as f64 / total.wrapping_abs() as f64;
    DotNode {
        id: format!("N{id}"),
        nodelet: false,
        label,
        fontsize,
        tooltip: format!(
            "{} ({cum_value})",
            escape_for_dot(&nodes.printable_name(node.info))
        ),
        color: Some(dot_color(share, false)),
        fillcolor: Some(dot_color(share, true)),
        flat,
        cum,
        edge: None,
    }
}

/// pprof's `addNodelets`: the node's heaviest label tags (flat ones for
/// inner nodes, cum ones for leaves), each with its numeric tags, then the
/// numeric tags of unlabelled samples.
fn add_nodelets(out: &mut Vec<DotNode>, node: &Node, id: usize, f: &Formatter) {
    let flat_tags = !node.outs.is_empty();
    let mut ts: Vec<&Tag> = node.label_tags.iter().collect();
    sort_tags(&mut ts, flat_tags);
    ts.truncate(MAX_NODELETS);
    let numeric = |label: &str| {
        node.numeric_tags
            .iter()
            .find(|(l, tags)| l == label && !tags.is_empty())
            .map(|(_, tags)| tags)
    };
    for (i, t) in ts.iter().enumerate() {
        let w = if flat_tags {
            t.flat_value()
        } else {
            t.cum_value()
        };
        if w == 0 {
            continue;
        }
        let source = format!("N{id}");
        let nodelet = format!("N{id}_{i}");
        out.push(nodelet_node(&nodelet, &t.name, &source, w, f, false));
        if let Some(nts) = numeric(&t.name) {
            numeric_nodelets(out, nts, flat_tags, &nodelet, f);
        }
    }
    if let Some(nts) = numeric("") {
        numeric_nodelets(out, nts, flat_tags, &format!("N{id}"), f);
    }
}

fn nodelet_node(
    id: &str,
    name: &str,
    source: &str,
    w: i64,
    f: &Formatter,
    dotted: bool,
) -> DotNode {
    let weight = f.format(w);
    DotNode {
        id: id.to_string(),
        nodelet: true,
        label: name.to_string(),
        fontsize: 8,
        tooltip: weight.clone(),
        color: None,
        fillcolor: None,
        flat: w,
        cum: w,
        edge: Some(DotEdge {
            from: source.to_string(),
            to: id.to_string(),
            label: format!(" {weight}"),
            weight: Some(100),
            penwidth: None,
            color: None,
            tooltip: weight,
            dotted,
            minlen: None,
            value: w,
        }),
    }
}

fn numeric_nodelets(
    out: &mut Vec<DotNode>,
    nts: &[Tag],
    flat_tags: bool,
    source: &str,
    f: &Formatter,
) {
    for (j, t) in collapsed_tags(nts, MAX_NODELETS, flat_tags)
        .iter()
        .enumerate()
    {
        let (w, dotted) = if flat_tags || t.flat_value() == t.cum_value() {
            (t.flat_value(), false)
        } else {
            (t.cum_value(), true)
        };
        if w != 0 {
            let id = format!("N{source}_{j}");
            out.push(nodelet_node(&id, &t.name, source, w, f, dotted));
        }
    }
}

/// pprof's `SortTags`: by cum (unless `flat`), then flat, heaviest first, then name.
fn sort_tags(ts: &mut [&Tag], flat: bool) {
    ts.sort_by(|a, b| {
        let by = |x: i64, y: i64| y.wrapping_abs().cmp(&x.wrapping_abs());
        let mut o = std::cmp::Ordering::Equal;
        if !flat && a.cum != b.cum {
            o = by(a.cum, b.cum);
        }
        if o == std::cmp::Ordering::Equal && a.flat != b.flat {
            o = by(a.flat, b.flat);
        }
        o.then_with(|| a.name.cmp(&b.name))
    });
}

/// pprof's `collapsedTags`: at most `count` numeric tags, the others merged
/// into the nearest of the heaviest ones as ranges (`16B..64B`).
fn collapsed_tags(ts: &[Tag], count: usize, flat: bool) -> Vec<Tag> {
    let mut sorted: Vec<&Tag> = ts.iter().collect();
    sort_tags(&mut sorted, flat);
    if sorted.len() <= count {
        return sorted.into_iter().cloned().collect();
    }
    let mut groups: Vec<Vec<&Tag>> = sorted[..count].iter().map(|t| vec![*t]).collect();
    for t in &sorted[count..] {
        let (mut g, mut d) = (0, tag_distance(t, groups[0][0]));
        for (i, group) in groups.iter().enumerate().skip(1) {
            let nd = tag_distance(t, group[0]);
            if nd < d {
                (g, d) = (i, nd);
            }
        }
        groups[g].push(t);
    }
    let merged: Vec<Tag> = groups.iter().map(|g| tag_group(g)).collect();
    let mut refs: Vec<&Tag> = merged.iter().collect();
    sort_tags(&mut refs, flat);
    refs.into_iter().cloned().collect()
}

fn tag_distance(t: &Tag, u: &Tag) -> f64 {
    let (v, _) = measurement::scale(u.value, &u.unit, &t.unit);
    (t.value as f64 - v).abs()
}

/// pprof's `tagGroupLabel`: one tag as its value, several as `min..max`.
fn tag_group(g: &[&Tag]) -> Tag {
    if let [t] = g {
        return Tag {
            name: measurement::label(t.value, &t.unit),
            flat: t.flat_value(),
            cum: t.cum_value(),
            ..Tag::default()
        };
    }
    let (mut min, mut max) = (g[0], g[0]);
    let (mut df, mut fl) = (min.flat_div, min.flat);
    let (mut dc, mut c) = (min.cum_div, min.cum);
    for t in &g[1..] {
        if (measurement::scale(t.value, &t.unit, &min.unit).0 as i64) < min.value {
            min = t;
        }
        if (measurement::scale(t.value, &t.unit, &max.unit).0 as i64) > max.value {
            max = t;
        }
        fl = fl.wrapping_add(t.flat);
        df = df.wrapping_add(t.flat_div);
        c = c.wrapping_add(t.cum);
        dc = dc.wrapping_add(t.cum_div);
    }
    if df != 0 {
        fl = fl.wrapping_div(df);
    }
    if dc != 0 {
        c = c.wrapping_div(dc);
    }
    Tag {
        name: format!(
            "{}..{}",
            measurement::label(min.value, &min.unit),
            measurement::label(max.value, &max.unit)
        ),
        flat: fl,
        cum: c,
        ..Tag::default()
    }
}

#[allow(clippy::too_many_arguments)]
fn dot_edge(
    g: &CallGraph,
    e: usize,
    from: usize,
    to: usize,
    has_nodelets: bool,
    nodes: &NodeMap,
    f: &Formatter,
    total: i64,
) -> DotEdge {
    let edge = &g.edges[e];
    let wv = edge.weight_value();
    let w = f.format(wv);
    let (mut weight, mut penwidth, mut color) = (None, None, None);
    if total != 0 {
        let t = total;
        let share = |scale: i64, cap: i64| {
            1 + wv
                .wrapping_mul(scale)
                .wrapping_div(t)
                .wrapping_abs()
                .min(cap)
        };
        weight = Some(share(100, 100)).filter(|&x| x > 1);
        penwidth = Some(share(5, 5)).filter(|&x| x > 1);
        color = Some(dot_color(wv as f64 / total.wrapping_abs() as f64, false));
    }
    let arrow = if edge.residual { "..." } else { "->" };
    let src = nodes.printable_name(g.nodes[edge.src].info);
    let dst = nodes.printable_name(g.nodes[edge.dst].info);
    DotEdge {
        from: format!("N{from}"),
        to: format!("N{to}"),
        label: format!(" {w}{}", if edge.inline { "\\n (inline)" } else { "" }),
        weight,
        penwidth,
        color,
        tooltip: format!(
            "{} {arrow} {} ({w})",
            escape_for_dot(&src),
            escape_for_dot(&dst)
        ),
        dotted: edge.residual,
        minlen: has_nodelets.then_some(2),
        value: wv,
    }
}

/// Writes `g` as pprof's DOT text.
pub fn write_dot(g: &DotGraph, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "digraph \"{}\" {{", g.name)?;
    writeln!(w, "node [style=filled fillcolor=\"#f8f8f8\"]")?;
    if let Some(title) = g.legend.first() {
        write!(
            w,
            "subgraph cluster_L {{ \"{title}\" [shape=box fontsize=16 label=\"{}\\l\"",
            g.legend.join("\\l")
        )?;
        if let Some(t) = &g.legend_tooltip {
            write!(w, " tooltip=\"{t}\"")?;
        }
        writeln!(w, "] }}")?;
    }
    for n in &g.nodes {
        if n.nodelet {
            writeln!(
                w,
                "{} [label = \"{}\" id=\"{}\" fontsize=8 shape=box3d tooltip=\"{}\"]",
                n.id, n.label, n.id, n.tooltip
            )?;
        } else {
            writeln!(
                w,
                "{} [label=\"{}\" id=\"node{}\" fontsize={} shape=box tooltip=\"{}\" color=\"{}\" fillcolor=\"{}\"]",
                n.id,
                n.label,
                &n.id[1..],
                n.fontsize,
                n.tooltip,
                n.color.as_deref().unwrap_or(""),
                n.fillcolor.as_deref().unwrap_or("")
            )?;
        }
        if let Some(e) = &n.edge {
            write_edge(w, e)?;
        }
    }
    for e in &g.edges {
        write_edge(w, e)?;
    }
    writeln!(w, "}}")
}

fn write_edge(w: &mut dyn Write, e: &DotEdge) -> io::Result<()> {
    write!(w, "{} -> {} [label=\"{}\"", e.from, e.to, e.label)?;
    if let Some(x) = e.weight {
        write!(w, " weight={x}")?;
    }
    if let Some(x) = e.penwidth {
        write!(w, " penwidth={x}")?;
    }
    if let Some(c) = &e.color {
        write!(w, " color=\"{c}\"")?;
    }
    write!(
        w,
        " tooltip=\"{}\" labeltooltip=\"{}\"",
        e.tooltip, e.tooltip
    )?;
    if e.dotted {
        write!(w, " style=\"dotted\"")?;
    }
    if let Some(m) = e.minlen {
        write!(w, " minlen={m}")?;
    }
    writeln!(w, "]")
}

/// pprof's `dotColor`: grey near 0, shifting to red for positive and green
/// for negative scores in [-1, 1]; light for backgrounds.
pub fn dot_color(score: f64, background: bool) -> String {
    const SHIFT: f64 = 0.7;
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    let mut score = go_max(-1.0, go_min(1.0, score));
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    if score > 0.0 {
        score = score.powf(1.0 - SHIFT);
    }
    if score < 0.0 {
        score = -(-score).powf(1.0 - SHIFT);
    }
    let (r, g);
    if score < 0.0 {
        g = value;
        r = value * (1.0 + saturation * score);
    } else {
        r = value;
        g = value * (1.0 - saturation * score);
    }
    let b = value * (1.0 - saturation);
    format!(
        "#{:02x}{:02x}{:02x}",
        go_u8(r * 255.0),
        go_u8(g * 255.0),
        go_u8(b * 255.0)
    )
}

/// Go's `math.Min` (NaN wins).
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Go's `math.Max` (NaN wins).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Go's float64 → uint8 conversion as amd64 does it (through int64).
fn go_u8(v: f64) -> u8 {
    crate::graph::callgraph::go_f64_to_i64(v) as u8
}

/// pprof's `escapeForDot`: backslashes and quotes escaped, newlines
/// turned into Graphviz's left-justified line ends.
pub fn escape_for_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\l")
}

/// pprof's `multilinePrintableName`: the node's printable name with the
/// function name shortened and split into lines at `::` and `.`, file names
/// reduced to their base, each part ending in `\n`.
pub fn multiline_printable_name(nodes: &NodeMap, node: u32) -> String {
    let info = &nodes.infos[node as usize];
    let mut name = escape_for_dot(&shorten_function_name(nodes.symbols.get(info.name)));
    name = name.replace("::", "\\n");
    name = name.replace("[...]", "[…]");
    name = name.replace('.', "\\n");
    let file = nodes.symbols.get(info.file);
    let file = if file.is_empty() { "" } else { go_base(file) };
    let mut parts: Vec<String> = Vec::with_capacity(3);
    if info.address != 0 {
        parts.push(format!("{:016x}", info.address));
    }
    if !name.is_empty() {
        parts.push(name.clone());
    }
    if info.lineno != 0 {
        let mut s = format!("{file}:{}", info.lineno);
        if info.columnno != 0 {
            s.push_str(&format!(":{}", info.columnno));
        }
        parts.push(s);
    } else if !file.is_empty() {
        parts.push(file.to_string());
    } else if !name.is_empty() {
    } else if info.objfile != 0 {
        parts.push(format!("[{}]", go_base(nodes.symbols.get(info.objfile))));
    } else {
        parts.push("<unknown>".to_string());
    }
    let mut out = parts.join("\\n");
    out.push_str("\\n");
    out
}

/// pprof's `ShortenFunctionName`: drops Go import paths (and module
/// versions), Java packages and arguments, C++ namespaces.
pub fn shorten_function_name(f: &str) -> String {
    struct Res {
        anon: Regex,
        go_ver: Regex,
        names: [Regex; 3],
    }
    static RES: OnceLock<Res> = OnceLock::new();
    let r = RES.get_or_init(|| {
        let w = "[0-9A-Za-z_]";
        Res {
            anon: Regex::new(r"^\(anonymous namespace\)::").expect("valid regex"),
            go_ver: Regex::new(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$").expect("valid regex"),
            names: [
                Regex::new(r"^(?:[0-9A-Za-z_\-\.]+/)+([^.]+\..+)").expect("valid regex"),
                Regex::new(&format!(
                    r"^(?:[a-z]{w}*\.)*([A-Z][0-9A-Za-z_$]*\.(?:<init>|[a-z][0-9A-Za-z_$]*(?:\$[0-9]+)?))(?:(?:\()|$)"
                ))
                .expect("valid regex"),
                Regex::new(&format!(
                    r"^(?:[_a-zA-Z]{w}*::)+(_*[A-Z]{w}*::~?[_a-zA-Z]{w}*(?:<.*>)?)"
                ))
                .expect("valid regex"),
            ],
        }
    });
    let f = r.anon.replace(f, "");
    let f = r.go_ver.replace(&f, "${1}${2}");
    for re in &r.names {
        if let Some(c) = re.captures(&f) {
            return c.get(1).map_or("", |m| m.as_str()).to_string();
        }
    }
    f.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_like_pprof() {
        for (i, o) in [
            ("net/http.(*conn).serve", "http.(*conn).serve"),
            ("github.com/foo/bar/v4.(*Foo).Bar", "bar.(*Foo).Bar"),
            ("main.main", "main.main"),
            ("java.bar.foo.FooBar.run(java.lang.Runnable)", "FooBar.run"),
            (
                "cpp::namespace::Class::method()::$_100::operator()",
                "Class::method",
            ),
            ("(anonymous namespace)::Bar::Foo", "Bar::Foo"),
            ("line1000", "line1000"),
        ] {
            assert_eq!(shorten_function_name(i), o, "{i}");
        }
    }

    #[test]
    fn colors_like_pprof() {
        assert_eq!(dot_color(1.0, false), "#b20000");
        assert_eq!(dot_color(1.0, true), "#edd5d5");
        assert_eq!(dot_color(0.0, false), "#b2b2b2");
        assert_eq!(dot_color(-1.0, false), "#00b200");
    }
}
