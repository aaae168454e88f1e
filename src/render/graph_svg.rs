//! The call graph as an SVG document, laid out by pprofx.
//!
//! Shapes follow what pprof's DOT asks Graphviz for: boxes with the node's
//! colours and font size, 3-D boxes for tag nodelets, the legend in a
//! cluster frame, edges as splines with arrowheads, pen widths by weight,
//! dotted residual edges, labels beside the edges; every element carries
//! its DOT tooltip as an SVG `<title>`. Node and edge groups have the ids
//! and classes Graphviz would give them (`node1`, `edge1`, `class="node"`),
//! so pprof's web tooling can address them. A small inline script of ours
//! (ignored by static renderers) fills the browser window and adds pan (drag)
//! and zoom (wheel, `+`/`-`, `0` to reset).

use std::fmt::Write as _;

use super::{label_lines, plain_text, text_width, Justify};
use crate::graph::layout::{self, EdgeSpec, Layout, NodeSize, Point, Spacing};
use crate::report::dot::{DotEdge, DotGraph};
use crate::util::markup::html_escape;

/// Horizontal and vertical padding inside a box (Graphviz's default margin).
const PAD_X: f64 = 8.0;
const PAD_Y: f64 = 4.0;
/// Graphviz's least box size (0.75 in × 0.5 in).
const MIN_W: f64 = 54.0;
const MIN_H: f64 = 36.0;
/// Line height per point of font size.
const LINE: f64 = 1.2;
/// Font size of edge labels (Graphviz's default).
const EDGE_FONT: f64 = 14.0;
/// Depth of a 3-D box.
const DEPTH: f64 = 4.0;
/// Padding of the legend's cluster frame.
const CLUSTER_PAD: f64 = 8.0;
/// Font size of the legend.
const LEGEND_FONT: f64 = 16.0;

/// One box to draw.
struct Shape {
    /// DOT id (`N1`, `N1_0`, or the legend's name).
    id: String,
    /// Graphviz-style group id (`node1`).
    group: String,
    lines: Vec<(String, Justify)>,
    font: f64,
    tooltip: String,
    stroke: String,
    fill: String,
    box3d: bool,
    legend: bool,
    size: NodeSize,
}

/// The laid out drawing, before it becomes text (the web UI reuses it).
pub struct Drawing {
    shapes: Vec<Shape>,
    edges: Vec<(usize, usize, DotEdge)>,
    layout: Layout,
    name: String,
}

impl Drawing {
    /// Lays out `g`.
    pub fn new(g: &DotGraph) -> Drawing {
        let mut shapes = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut legend = None;
        if let Some(title) = g.legend.first() {
            let text = format!("{}\\l", g.legend.join("\\l"));
            let lines = label_lines(&text);
            let mut size = box_size(&lines, LEGEND_FONT);
            size.width += 2.0 * CLUSTER_PAD;
            size.height += 2.0 * CLUSTER_PAD;
            legend = Some(shapes.len());
            shapes.push(Shape {
                id: plain_text(title),
                group: "legend".to_string(),
                lines,
                font: LEGEND_FONT,
                tooltip: g.legend_tooltip.clone().unwrap_or_default(),
                stroke: "#000000".to_string(),
                fill: "#f8f8f8".to_string(),
                box3d: false,
                legend: true,
                size,
            });
        }
        let mut edges = Vec::new();
        for n in &g.nodes {
            let lines = label_lines(&n.label);
            let font = f64::from(n.fontsize);
            let mut size = box_size(&lines, font);
            if n.nodelet {
                size.width += DEPTH;
                size.height += DEPTH;
            }
            index.insert(n.id.clone(), shapes.len());
            shapes.push(Shape {
                id: n.id.clone(),
                group: if n.nodelet {
                    n.id.clone()
                } else {
                    format!("node{}", &n.id[1..])
                },
                lines,
                font,
                tooltip: plain_text(&n.tooltip),
                stroke: n.color.clone().unwrap_or_else(|| "#000000".to_string()),
                fill: n.fillcolor.clone().unwrap_or_else(|| "#f8f8f8".to_string()),
                box3d: n.nodelet,
                legend: false,
                size,
            });
            if let Some(e) = &n.edge {
                edges.push(e.clone());
            }
        }
        edges.extend(g.edges.iter().cloned());
        let edges: Vec<(usize, usize, DotEdge)> = edges
            .into_iter()
            .filter_map(|e| Some((*index.get(&e.from)?, *index.get(&e.to)?, e)))
            .collect();
        let specs: Vec<EdgeSpec> = edges
            .iter()
            .map(|(a, b, e)| {
                let lines = label_lines(&e.label);
                EdgeSpec {
                    from: *a,
                    to: *b,
                    weight: e.weight.unwrap_or(1) as f64,
                    minlen: e.minlen.unwrap_or(1),
                    label: (!lines.is_empty()).then(|| text_size(&lines, EDGE_FONT)),
                }
            })
            .collect();
        let sizes: Vec<NodeSize> = shapes.iter().map(|s| s.size).collect();
        let layout = layout::layout(&sizes, &specs, legend, Spacing::default());
        Drawing {
            shapes,
            edges,
            layout,
            name: g.name.clone(),
        }
    }

    /// The layout (node centres, edge routes, size, crossings).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The SVG document.
    pub fn to_svg(&self) -> String {
        self.write_svg(true)
    }

    /// The drawing as an `<svg>` element for an HTML page: no XML
    /// declaration, style or script of its own (the page's CSS and script,
    /// under its Content-Security-Policy, do that).
    pub fn to_embedded_svg(&self) -> String {
        self.write_svg(false)
    }

    fn write_svg(&self, standalone: bool) -> String {
        let l = &self.layout;
        let mut s = String::with_capacity(4096 + 600 * self.shapes.len());
        let (w, h) = (l.width.ceil(), l.height.ceil());
        if standalone {
            s.push_str(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
                 <svg xmlns=\"http://www.w3.org/2000/svg\"",
            );
        } else {
            s.push_str("<svg");
        }
        let _ = write!(
            s,
            " width=\"{w}pt\" height=\"{h}pt\" viewBox=\"0 0 {w} {h}\">\n<title>{}</title>\n",
            html_escape(&self.name)
        );
        if standalone {
            s.push_str("<style>text{font-family:'DejaVu Sans',Verdana,sans-serif}</style>\n");
        }
        let _ = write!(
            s,
            "<g id=\"viewport\">\n<g id=\"graph0\" class=\"graph\">\n\
             <rect fill=\"white\" stroke=\"none\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>\n"
        );
        for (i, (a, b, e)) in self.edges.iter().enumerate() {
            self.write_edge(&mut s, i, *a, *b, e);
        }
        for (i, shape) in self.shapes.iter().enumerate() {
            self.write_shape(&mut s, shape, l.nodes[i]);
        }
        s.push_str("</g>\n</g>\n");
        if standalone {
            s.push_str("<script><![CDATA[\n");
            s.push_str(PAN_ZOOM_JS);
            s.push_str("]]></script>\n");
        }
        s.push_str("</svg>\n");
        s
    }

    fn write_shape(&self, s: &mut String, shape: &Shape, c: Point) {
        let (w, h) = (shape.size.width, shape.size.height);
        let (x0, y0) = (c.x - w / 2.0, c.y - h / 2.0);
        if shape.legend {
            let _ = writeln!(
                s,
                "<g id=\"clust1\" class=\"cluster\"><title>cluster_L</title>\
                 <rect fill=\"none\" stroke=\"#000000\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></g>",
                f(x0),
                f(y0),
                f(w),
                f(h)
            );
        }
        let _ = writeln!(
            s,
            "<g id=\"{}\" class=\"node\"><title>{}</title>",
            html_escape(&shape.group),
            html_escape(if shape.tooltip.is_empty() {
                &shape.id
            } else {
                &shape.tooltip
            })
        );
        let (bx, by, bw, bh) = if shape.legend {
            (
                x0 + CLUSTER_PAD,
                y0 + CLUSTER_PAD,
                w - 2.0 * CLUSTER_PAD,
                h - 2.0 * CLUSTER_PAD,
            )
        } else if shape.box3d {
            (x0, y0 + DEPTH, w - DEPTH, h - DEPTH)
        } else {
            (x0, y0, w, h)
        };
        let _ = writeln!(
            s,
            "<rect fill=\"{}\" stroke=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            html_escape(&shape.fill),
            html_escape(&shape.stroke),
            f(bx),
            f(by),
            f(bw),
            f(bh)
        );
        if shape.box3d {
            let _ = writeln!(
                s,
                "<path fill=\"none\" stroke=\"{}\" d=\"M{},{}L{},{}L{},{}L{},{}L{},{}M{},{}L{},{}\"/>",
                html_escape(&shape.stroke),
                f(bx),
                f(by),
                f(bx + DEPTH),
                f(y0),
                f(x0 + w),
                f(y0),
                f(x0 + w),
                f(y0 + h - DEPTH),
                f(bx + bw),
                f(by + bh),
                f(bx + bw),
                f(by),
                f(x0 + w),
                f(y0)
            );
        }
        let font = shape.font;
        let lh = font * LINE;
        let text_h = shape.lines.len() as f64 * lh;
        let mut y = by + (bh - text_h) / 2.0 + font * 0.95;
        for (line, just) in &shape.lines {
            let tw = text_width(line, font);
            let (x, anchor) = match just {
                Justify::Center => (bx + bw / 2.0, "middle"),
                Justify::Left => (bx + PAD_X, "start"),
                Justify::Right => (bx + bw - PAD_X, "end"),
            };
            write_text(s, line, x, y, font, anchor, tw, "#000000");
            y += lh;
        }
        s.push_str("</g>\n");
    }

    fn write_edge(&self, s: &mut String, i: usize, a: usize, b: usize, e: &DotEdge) {
        let route = &self.layout.edges[i];
        let color = e.color.as_deref().unwrap_or("#000000");
        let pen = e.penwidth.unwrap_or(1) as f64;
        let _ = writeln!(
            s,
            "<g id=\"edge{}\" class=\"edge\"><title>{}&#45;&gt;{}</title>",
            i + 1,
            html_escape(&self.shapes[a].id),
            html_escape(&self.shapes[b].id)
        );
        let _ = write!(
            s,
            "<g><title>{}</title>",
            html_escape(&plain_text(&e.tooltip))
        );
        let mut pts = route.points.clone();
        // The arrowhead: its tip on the head's border, along the last tangent.
        let arrow_len = 10.0 + 2.0 * (pen - 1.0);
        let half = 3.5 + (pen - 1.0);
        let mut arrow = None;
        if pts.len() >= 4 {
            let end = pts[pts.len() - 1];
            let ctl = pts[pts.len() - 2];
            let (dx, dy) = (end.x - ctl.x, end.y - ctl.y);
            let len = (dx * dx + dy * dy).sqrt();
            if len > 1e-6 {
                let (ux, uy) = (dx / len, dy / len);
                let base = Point {
                    x: end.x - ux * arrow_len,
                    y: end.y - uy * arrow_len,
                };
                let k = pts.len() - 1;
                pts[k] = base;
                // Keep the last control point from overshooting the base.
                let c2 = pts[k - 1];
                if (c2.x - end.x) * ux + (c2.y - end.y) * uy > -arrow_len {
                    pts[k - 1] = Point {
                        x: base.x - ux * 1.0,
                        y: base.y - uy * 1.0,
                    };
                }
                arrow = Some((end, base, ux, uy));
            }
        }
        let mut d = String::new();
        for (k, p) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{},{}",
                match k {
                    0 => "M",
                    1 => "C",
                    _ => " ",
                },
                f(p.x),
                f(p.y)
            );
        }
        let dash = if e.dotted {
            " stroke-dasharray=\"1,5\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<path fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} d=\"{}\"/>",
            html_escape(color),
            f(pen),
            dash,
            d
        );
        if let Some((tip, base, ux, uy)) = arrow {
            let (px, py) = (-uy * half, ux * half);
            let _ = writeln!(
                s,
                "<polygon fill=\"{c}\" stroke=\"{c}\" stroke-width=\"{}\" points=\"{},{} {},{} {},{}\"/>",
                f(pen.min(2.0)),
                f(base.x + px),
                f(base.y + py),
                f(tip.x),
                f(tip.y),
                f(base.x - px),
                f(base.y - py),
                c = html_escape(color)
            );
        }
        s.push_str("</g>");
        if let Some(at) = route.label {
            let _ = write!(
                s,
                "<g><title>{}</title>",
                html_escape(&plain_text(&e.tooltip))
            );
            let mut y = at.y + EDGE_FONT * 0.95;
            for (line, _) in label_lines(&e.label) {
                let tw = text_width(&line, EDGE_FONT);
                write_text(s, &line, at.x, y, EDGE_FONT, "start", tw, "#000000");
                y += EDGE_FONT * LINE;
            }
            s.push_str("</g>");
        }
        s.push_str("\n</g>\n");
    }
}

#[allow(clippy::too_many_arguments)]
fn write_text(
    s: &mut String,
    line: &str,
    x: f64,
    y: f64,
    font: f64,
    anchor: &str,
    width: f64,
    fill: &str,
) {
    if line.trim().is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<text text-anchor=\"{anchor}\" x=\"{}\" y=\"{}\" font-size=\"{}\" textLength=\"{}\" \
         lengthAdjust=\"spacingAndGlyphs\" fill=\"{fill}\" xml:space=\"preserve\">{}</text>",
        f(x),
        f(y),
        f(font),
        f(width),
        html_escape(line)
    );
}

/// The size of a box holding `lines` at `font` points (Graphviz's margins
/// and least size).
fn box_size(lines: &[(String, Justify)], font: f64) -> NodeSize {
    let t = text_size(lines, font);
    NodeSize {
        width: (t.width + 2.0 * PAD_X).max(MIN_W),
        height: (t.height + 2.0 * PAD_Y).max(MIN_H),
    }
}

/// The size of the text itself.
fn text_size(lines: &[(String, Justify)], font: f64) -> NodeSize {
    let width = lines
        .iter()
        .map(|(l, _)| text_width(l, font))
        .fold(0.0, f64::max);
    NodeSize {
        width,
        height: lines.len() as f64 * font * LINE,
    }
}

/// A coordinate with at most two decimals, no trailing zeros.
fn f(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The SVG of `g` (see the module docs).
pub fn svg(g: &DotGraph) -> String {
    Drawing::new(g).to_svg()
}

/// The drawing of `g` as an `<svg>` element for an HTML page
/// ([`Drawing::to_embedded_svg`]).
pub fn embedded_svg(g: &DotGraph) -> String {
    Drawing::new(g).to_embedded_svg()
}

/// Pan and zoom for browsers: the drawing fills the window; drag pans,
/// the wheel zooms around the pointer, `+`/`-` zoom, `0` resets.
const PAN_ZOOM_JS: &str = r#"(function () {
  var svg = document.documentElement;
  if (!svg || svg.namespaceURI !== "http://www.w3.org/2000/svg" || !svg.addEventListener) return;
  var vp = document.getElementById("viewport");
  var box = svg.viewBox.baseVal;
  var w0 = box.width, h0 = box.height;
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  var view = { x: 0, y: 0, w: w0, h: h0 };
  function apply() { svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h); }
  function point(evt) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(view.w / r.width, view.h / r.height);
    var ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
    return { x: view.x - ox + (evt.clientX - r.left) * s, y: view.y - oy + (evt.clientY - r.top) * s, s: s };
  }
  function zoom(f, p) {
    view.x = p.x - (p.x - view.x) * f; view.y = p.y - (p.y - view.y) * f;
    view.w *= f; view.h *= f; apply();
  }
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    zoom(Math.pow(1.0015, evt.deltaY), point(evt));
  }, { passive: false });
  var drag = null;
  svg.addEventListener("mousedown", function (evt) { drag = point(evt); svg.style.cursor = "move"; });
  window.addEventListener("mousemove", function (evt) {
    if (!drag) return;
    var p = point(evt);
    view.x -= p.x - drag.x; view.y -= p.y - drag.y; apply();
  });
  window.addEventListener("mouseup", function () { drag = null; svg.style.cursor = ""; });
  window.addEventListener("keydown", function (evt) {
    var c = { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    if (evt.key === "+" || evt.key === "=") zoom(0.8, c);
    else if (evt.key === "-") zoom(1.25, c);
    else if (evt.key === "0") { view = { x: 0, y: 0, w: w0, h: h0 }; apply(); }
  });
  if (vp) vp.setAttribute("transform", "");
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(1.234), "1.23");
        assert_eq!(f(-0.001), "0");
        assert_eq!(f(2.5), "2.5");
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }
}
