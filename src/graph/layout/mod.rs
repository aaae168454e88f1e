//! A layered ("Sugiyama") layout of a directed graph: pure geometry, no
//! drawing. The call graph drawings ([`crate::render`]) and the web UI lay
//! out with it, so no Graphviz is needed anywhere.
//!
//! The steps are those of Graphviz's `dot`:
//! 1. cycles are broken by reversing the back edges of a depth-first search
//!    (in node order), so every edge points down;
//! 2. [`rank`]: each node gets a layer by network simplex, minimizing the
//!    weighted edge lengths (heavy calls stay short). Edges with labels
//!    get twice their minimum length, so each label sits on a layer of its
//!    own between its ends, as in `dot`;
//! 3. long edges become chains of virtual nodes (one per layer crossed);
//!    a label is a virtual node as wide as its text;
//! 4. [`order`]: the order within each layer by weighted median sweeps with
//!    transposition, keeping the order with the fewest crossings;
//! 5. [`position`]: x coordinates by Brandes–Köpf; y from the layer heights;
//! 6. edges: through their virtual nodes, as smooth cubic Bézier curves
//!    with vertical tangents at each layer; reversed edges are turned back.
//!
//! Everything is deterministic: the same input gives the same numbers.

pub mod order;
pub mod position;
pub mod rank;

/// A node's box size.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeSize {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// An edge to lay out.
#[derive(Debug, Clone, Copy)]
pub struct EdgeSpec {
    /// Tail node index.
    pub from: usize,
    /// Head node index.
    pub to: usize,
    /// Importance: heavier edges are kept shorter and straighter.
    pub weight: f64,
    /// Least number of layers between the ends (1 = adjacent).
    pub minlen: u32,
    /// The size of the edge's label, if it has one.
    pub label: Option<NodeSize>,
}

/// Spacing of the layout, in points.
#[derive(Debug, Clone, Copy)]
pub struct Spacing {
    /// Least horizontal gap between two boxes.
    pub node_sep: f64,
    /// Vertical gap between layers (halved between label layers).
    pub rank_sep: f64,
    /// Least horizontal gap next to an edge passing through a layer.
    pub edge_sep: f64,
    /// Margin around the drawing.
    pub margin: f64,
}

impl Default for Spacing {
    /// `dot`'s defaults: nodesep 0.25 in, ranksep 0.5 in, 4 pt margin.
    fn default() -> Self {
        Spacing {
            node_sep: 18.0,
            rank_sep: 36.0,
            edge_sep: 10.0,
            margin: 4.0,
        }
    }
}

/// A point (y grows downwards).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// x.
    pub x: f64,
    /// y.
    pub y: f64,
}

/// An edge's route.
#[derive(Debug, Clone, Default)]
pub struct EdgeRoute {
    /// A cubic Bézier spline from the tail's border to the head's border:
    /// the start point, then three points (two controls, an end) per piece.
    pub points: Vec<Point>,
    /// Where the label's box has its top-left corner, if the edge has one.
    pub label: Option<Point>,
}

/// The result: node centres, edge routes, and the drawing's size.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Centre of each node.
    pub nodes: Vec<Point>,
    /// Route of each edge, in input order.
    pub edges: Vec<EdgeRoute>,
    /// Width of the drawing (margins included).
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// Edge crossings between layers (a readability measure).
    pub crossings: usize,
}

/// Lays out the graph: `nodes` sizes, `edges`, and optionally a node kept
/// first (leftmost) in the top layer (the legend of a call graph).
pub fn layout(
    nodes: &[NodeSize],
    edges: &[EdgeSpec],
    pinned_first: Option<usize>,
    spacing: Spacing,
) -> Layout {
    let n = nodes.len();
    let edges: Vec<EdgeSpec> = edges
        .iter()
        .copied()
        .filter(|e| e.from < n && e.to < n)
        .collect();
    // 1. Break cycles.
    let reversed = back_edges(n, &edges);
    let labelled = edges.iter().any(|e| e.label.is_some());
    let stretch = if labelled { 2 } else { 1 };
    // 2. Ranks.
    let rank_edges: Vec<rank::RankEdge> = edges
        .iter()
        .zip(&reversed)
        .filter(|(e, _)| e.from != e.to)
        .map(|(e, &rev)| {
            let (from, to) = if rev { (e.to, e.from) } else { (e.from, e.to) };
            rank::RankEdge {
                from,
                to,
                minlen: (e.minlen.max(1) * stretch) as i32,
                weight: e.weight.max(0.0),
            }
        })
        .collect();
    let ranks = rank::rank(n, &rank_edges);
    let nranks = ranks.iter().copied().max().map_or(0, |r| r as usize + 1);

    // 3. Virtual nodes: widths, heights, ranks, adjacency.
    let mut width: Vec<f64> = nodes.iter().map(|s| s.width).collect();
    let mut height: Vec<f64> = nodes.iter().map(|s| s.height).collect();
    let mut node_rank: Vec<usize> = ranks.iter().map(|&r| r as usize).collect();
    let mut virt = vec![false; n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    // Per edge: its chain of nodes in layout (downward) order, and the
    // label's virtual node.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    let mut label_node: Vec<Option<usize>> = Vec::with_capacity(edges.len());
    for (e, &rev) in edges.iter().zip(&reversed) {
        if e.from == e.to {
            chains.push(vec![e.from]);
            label_node.push(None);
            continue;
        }
        let (a, b) = if rev { (e.to, e.from) } else { (e.from, e.to) };
        let (ra, rb) = (node_rank[a], node_rank[b]);
        let mut chain = vec![a];
        let mid = ra + (rb - ra) / 2;
        let mut label_at = None;
        for r in ra + 1..rb {
            let v = width.len();
            let is_label = r == mid && e.label.is_some();
            let size = if is_label {
                e.label.unwrap_or_default()
            } else {
                NodeSize::default()
            };
            width.push(size.width);
            height.push(size.height);
            node_rank.push(r);
            virt.push(true);
            down.push(Vec::new());
            up.push(Vec::new());
            if is_label {
                label_at = Some(v);
            }
            chain.push(v);
        }
        chain.push(b);
        for w in chain.windows(2) {
            down[w[0]].push(w[1]);
            up[w[1]].push(w[0]);
        }
        chains.push(chain);
        label_node.push(label_at);
    }
    let total = width.len();

    // 4. Order: depth-first from the real nodes in input order.
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); nranks.max(1)];
    let mut seen = vec![false; total];
    let first = pinned_first.filter(|&p| p < n);
    for start in first.into_iter().chain(0..n) {
        if seen[start] {
            continue;
        }
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(v) = stack.pop() {
            layers[node_rank[v]].push(v);
            for &w in down[v].iter().rev() {
                if !seen[w] {
                    seen[w] = true;
                    stack.push(w);
                }
            }
        }
    }
    let mut pinned = vec![false; total];
    if let Some(p) = pinned_first.filter(|&p| p < n) {
        pinned[p] = true;
    }
    order::order(&mut layers, &down, &up, &pinned);
    let mut pos = vec![0usize; total];
    for layer in &layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let crossings = order::total_crossings(&layers, &down, &pos);

    // 5. Coordinates. A label's virtual node is as wide as its text, and
    // the edge runs along its left side.
    let xs = position::position_x(
        &layers,
        &up,
        &down,
        &width,
        &virt,
        spacing.node_sep,
        spacing.edge_sep,
    );
    let mut xs = xs;
    // The pinned node goes to the left edge of the drawing: its layer holds
    // nothing left of it, and no other layer shares its band.
    if let Some(p) = pinned_first.filter(|&p| p < n) {
        let left = (0..total)
            .filter(|&v| v != p)
            .map(|v| xs[v] - width[v] / 2.0)
            .fold(f64::INFINITY, f64::min);
        if left.is_finite() {
            xs[p] = xs[p].min(left + width[p] / 2.0);
        }
    }
    let rank_gap = spacing.rank_sep / stretch as f64;
    let mut rank_y = vec![0.0f64; layers.len()];
    let mut y = spacing.margin;
    for (r, layer) in layers.iter().enumerate() {
        let h = layer.iter().map(|&v| height[v]).fold(0.0, f64::max);
        rank_y[r] = y + h / 2.0;
        y += h + rank_gap;
    }
    let height_total = y - rank_gap + spacing.margin;
    let lo = (0..total)
        .map(|v| xs[v] - width[v] / 2.0)
        .fold(f64::INFINITY, f64::min);
    let hi = (0..total)
        .map(|v| xs[v] + width[v] / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = if lo.is_finite() {
        spacing.margin - lo
    } else {
        0.0
    };
    let at = |v: usize| Point {
        x: xs[v] + shift,
        y: rank_y[node_rank[v]],
    };

    // 6. Edge routes.
    let mut routes = Vec::with_capacity(edges.len());
    for (i, e) in edges.iter().enumerate() {
        let chain = &chains[i];
        if chain.len() < 2 {
            routes.push(self_loop(at(e.from), nodes[e.from]));
            continue;
        }
        let mut pts: Vec<Point> = Vec::with_capacity(chain.len());
        for (k, &v) in chain.iter().enumerate() {
            let mut p = at(v);
            if Some(v) == label_node[i] {
                p.x -= width[v] / 2.0;
            }
            if k == 0 || k == chain.len() - 1 {
                // Leave or enter the box on its bottom or top side, towards
                // the neighbouring point.
                let other = at(chain[if k == 0 { 1 } else { k - 1 }]);
                let half = width[v] / 2.0 * 0.7;
                p.x = other.x.clamp(p.x - half, p.x + half);
                p.y += if k == 0 {
                    height[v] / 2.0
                } else {
                    -height[v] / 2.0
                };
            }
            pts.push(p);
        }
        let mut spline = vec![pts[0]];
        for w in pts.windows(2) {
            let dy = (w[1].y - w[0].y) / 2.0;
            spline.push(Point {
                x: w[0].x,
                y: w[0].y + dy,
            });
            spline.push(Point {
                x: w[1].x,
                y: w[1].y - dy,
            });
            spline.push(w[1]);
        }
        if reversed[i] {
            spline.reverse();
        }
        let label = label_node[i].map(|v| {
            let c = at(v);
            Point {
                x: c.x - width[v] / 2.0 + 2.0,
                y: c.y - height[v] / 2.0,
            }
        });
        let label = label.or_else(|| {
            e.label.map(|s| {
                let (a, b) = (pts[0], pts[pts.len() - 1]);
                Point {
                    x: (a.x + b.x) / 2.0 + 2.0,
                    y: (a.y + b.y) / 2.0 - s.height / 2.0,
                }
            })
        });
        routes.push(EdgeRoute {
            points: spline,
            label,
        });
    }
    Layout {
        nodes: (0..n).map(at).collect(),
        edges: routes,
        width: if hi.is_finite() {
            hi - lo + 2.0 * spacing.margin
        } else {
            2.0 * spacing.margin
        },
        height: height_total.max(2.0 * spacing.margin),
        crossings,
    }
}

/// A small loop on the right side of a node.
fn self_loop(c: Point, s: NodeSize) -> EdgeRoute {
    let x = c.x + s.width / 2.0;
    let (y0, y1) = (c.y - s.height / 4.0, c.y + s.height / 4.0);
    EdgeRoute {
        points: vec![
            Point { x, y: y0 },
            Point {
                x: x + 20.0,
                y: y0 - 10.0,
            },
            Point {
                x: x + 20.0,
                y: y1 + 10.0,
            },
            Point { x, y: y1 },
        ],
        label: Some(Point {
            x: x + 22.0,
            y: c.y - 6.0,
        }),
    }
}

/// The edges to reverse so the graph has no cycle: back edges of a
/// depth-first search started from each node in order.
fn back_edges(n: usize, edges: &[EdgeSpec]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        out[e.from].push(i);
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; edges.len()];
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(s, 0)];
        state[s] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if *i < out[v].len() {
                let e = out[v][*i];
                *i += 1;
                let w = edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = w != v,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: usize, to: usize) -> EdgeSpec {
        EdgeSpec {
            from,
            to,
            weight: 1.0,
            minlen: 1,
            label: Some(NodeSize {
                width: 20.0,
                height: 10.0,
            }),
        }
    }

    #[test]
    fn lays_out_a_cycle_top_down() {
        let nodes = vec![
            NodeSize {
                width: 60.0,
                height: 30.0
            };
            3
        ];
        let edges = [edge(0, 1), edge(1, 2), edge(2, 0)];
        let l = layout(&nodes, &edges, None, Spacing::default());
        assert!(l.nodes[0].y < l.nodes[1].y && l.nodes[1].y < l.nodes[2].y);
        // The back edge still ends at its head (node 0's bottom... top side).
        let back = &l.edges[2];
        let end = back.points.last().unwrap();
        assert!(
            (end.y - (l.nodes[0].y + 15.0)).abs() < 1e-9
                || (end.y - (l.nodes[0].y - 15.0)).abs() < 1e-9
        );
        assert_eq!(back.points.len() % 3, 1);
        // Boxes do not overlap and fit in the drawing.
        for (i, p) in l.nodes.iter().enumerate() {
            assert!(p.x - 30.0 >= 0.0 && p.x + 30.0 <= l.width, "{i}: {p:?}");
        }
    }

    #[test]
    fn deterministic() {
        let nodes = vec![
            NodeSize {
                width: 40.0,
                height: 20.0
            };
            6
        ];
        let edges = [
            edge(0, 1),
            edge(0, 2),
            edge(1, 3),
            edge(2, 3),
            edge(0, 4),
            edge(4, 5),
            edge(5, 3),
        ];
        let a = layout(&nodes, &edges, Some(0), Spacing::default());
        let b = layout(&nodes, &edges, Some(0), Spacing::default());
        assert_eq!(a.nodes, b.nodes);
        assert_eq!(a.width, b.width);
    }
}
