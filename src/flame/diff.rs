//! Differential flame graphs: two stack trees merged by frame names.
//!
//! Each frame of the union is as wide as base + new (so code that vanished
//! stays visible), coloured by its inclusive change Δ = new − base: red when
//! it grew, blue when it shrank, grey when |Δ| is below the noise floor.
//! Frames present on one side only get a dashed outline and say so in their
//! tooltip, which shows base, new, Δ and Δ%. inferno cannot draw these
//! semantics (its differential mode takes the width from the new profile and
//! colours leaf deltas only), so this module writes the SVG itself:
//! rectangles with `<title>` tooltips, plus a small inline script of ours
//! (`diff_svg.js`) for click-to-zoom and regex search (Ctrl-F). Without
//! script (an `<img>`), the picture is the same, static. Without a width
//! the script makes the graph fluid (as wide as its window or container,
//! as inferno's graphs are); a deep flame graph (root at the bottom) opened
//! on its own starts scrolled to the root. Labels keep whole name segments
//! ([`crate::util::names`]).
//!
//! `DiffWidth::New` gives the classic look: frames as wide as the new profile
//! only, so removed code has no width. Geometry ([`layout`]) and colour
//! ([`Shading::shade`]) are computed here once, for the SVG and the HTML report alike.
//!
//! Each side's tree is pruned at `min_width` before merging; a frame kept on
//! one side whose other side was pruned shows that side's weight as 0 (an
//! error below `min_width` percent of that side's total).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::export::xml_text;
use super::StackTree;
use crate::model::NONE;
use crate::util::names;

/// One frame of the merged tree.
#[derive(Debug, Clone)]
pub struct DiffNode {
    /// Frame name (unescaped).
    pub name: String,
    /// Parent index ([`NONE`] for the root).
    pub parent: u32,
    /// Inclusive weight in the base profile.
    pub base: u64,
    /// Inclusive weight in the new profile.
    pub new: u64,
    /// Children indices, sorted by name.
    pub children: Vec<u32>,
}

/// The union of two stack trees. Index 0 is the root.
#[derive(Debug, Clone)]
pub struct DiffTree {
    /// Nodes; a parent precedes its children.
    pub nodes: Vec<DiffNode>,
}

impl DiffTree {
    /// Merges `base` and `new` by frame-name paths.
    pub fn merge(base: &StackTree, new: &StackTree) -> DiffTree {
        let mut t = DiffTree {
            nodes: vec![DiffNode {
                name: String::new(),
                parent: NONE,
                base: base.total(),
                new: new.total(),
                children: Vec::new(),
            }],
        };
        let mut index: HashMap<(u32, String), u32> = HashMap::new();
        for (side, tree) in [(0, base), (1, new)] {
            let mut map: Vec<u32> = vec![0; tree.nodes.len()];
            for (i, n) in tree.nodes.iter().enumerate().skip(1) {
                let parent = map[n.parent as usize];
                let name = &tree.names[n.frame as usize];
                let u = *index.entry((parent, name.clone())).or_insert_with(|| {
                    t.nodes.push(DiffNode {
                        name: name.clone(),
                        parent,
                        base: 0,
                        new: 0,
                        children: Vec::new(),
                    });
                    let u = (t.nodes.len() - 1) as u32;
                    t.nodes[parent as usize].children.push(u);
                    u
                });
                let d = &mut t.nodes[u as usize];
                if side == 0 {
                    d.base = d.base.saturating_add(n.total);
                } else {
                    d.new = d.new.saturating_add(n.total);
                }
                map[i] = u;
            }
        }
        let names: Vec<String> = t.nodes.iter().map(|n| n.name.clone()).collect();
        for n in &mut t.nodes {
            n.children
                .sort_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
        }
        t
    }
}

/// What a frame's width stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffWidth {
    /// base + new: code that vanished stays visible (the default).
    #[default]
    Sum,
    /// new only: the classic differential flame graph.
    New,
}

impl DiffWidth {
    /// Parses `base+new` (or `sum`) and `new`.
    pub fn parse(s: &str) -> Option<DiffWidth> {
        match s {
            "base+new" | "sum" | "both" => Some(DiffWidth::Sum),
            "new" => Some(DiffWidth::New),
            _ => None,
        }
    }

    /// The name used in the HTML report's data: `sum` or `new`.
    pub fn name(self) -> &'static str {
        match self {
            DiffWidth::Sum => "sum",
            DiffWidth::New => "new",
        }
    }

    /// The width of a frame, in sample units.
    pub fn of(self, n: &DiffNode) -> u64 {
        match self {
            DiffWidth::Sum => n.base.saturating_add(n.new),
            DiffWidth::New => n.new,
        }
    }
}

/// What the differential SVG looks like.
#[derive(Debug, Clone)]
pub struct DiffSvgOptions {
    /// Title line.
    pub title: String,
    /// Unit of the values (for tooltips).
    pub unit: String,
    /// Image width in pixels; `None` = fluid: laid out for
    /// [`FLUID_LAYOUT_WIDTH`] pixels (what viewers without scripts show),
    /// and the script fits it to the width of its window or container, as
    /// inferno's single-profile graphs do.
    pub width: Option<usize>,
    /// Roots at the top.
    pub icicle: bool,
    /// Frames narrower than this percentage of the root's width are not drawn.
    pub min_width: f64,
    /// |Δ| below this percentage of the larger total is drawn grey.
    pub noise: f64,
    /// What a frame's width stands for.
    pub width_mode: DiffWidth,
}

/// One laid-out frame: node index, left edge in sample units from the left
/// of the graph, depth (0 = the root's children).
pub type Placed = (u32, u64, usize);

/// Lays out the merged tree depth-first (children in name order), widths by
/// `mode`, skipping frames narrower than `min_width` percent of the root's
/// width (and their subtrees) and frames of zero width. Returns the frames in
/// drawing order and the number of rows.
pub fn layout(t: &DiffTree, mode: DiffWidth, min_width: f64) -> (Vec<Placed>, usize) {
    let total = mode.of(&t.nodes[0]);
    let min_w = min_width / 100.0 * total as f64;
    let mut frames: Vec<Placed> = Vec::new();
    let mut rows = 0;
    let mut work: Vec<Placed> = Vec::new();
    let push_children = |work: &mut Vec<Placed>, i: u32, x: u64, depth: usize| {
        let start = work.len();
        let mut cx = x;
        for &c in &t.nodes[i as usize].children {
            work.push((c, cx, depth));
            cx = cx.saturating_add(mode.of(&t.nodes[c as usize]));
        }
        work[start..].reverse();
    };
    push_children(&mut work, 0, 0, 0);
    while let Some((i, x, depth)) = work.pop() {
        let width = mode.of(&t.nodes[i as usize]);
        if width == 0 || (width as f64) < min_w {
            continue;
        }
        frames.push((i, x, depth));
        rows = rows.max(depth + 1);
        push_children(&mut work, i, x, depth + 1);
    }
    (frames, rows)
}

/// Colour scale of a merged tree: the noise floor and the largest |Δ|.
#[derive(Debug, Clone, Copy)]
pub struct Shading {
    /// |Δ| below this is drawn grey.
    pub noise: f64,
    /// The largest |Δ| of any frame (at least 1).
    pub max_delta: f64,
}

impl Shading {
    /// The scale of `t` with a noise floor of `noise` percent of the larger total.
    pub fn of(t: &DiffTree, noise: f64) -> Shading {
        let root = &t.nodes[0];
        let max_delta = t
            .nodes
            .iter()
            .map(|n| (n.new as i128 - n.base as i128).unsigned_abs())
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        Shading {
            noise: noise / 100.0 * root.base.max(root.new) as f64,
            max_delta,
        }
    }

    /// A frame's shade: 0 for grey (|Δ| within noise), else `c` in 50..=220
    /// for `rgb(255,c,c)` (grew) or `-c` for `rgb(c,c,255)` (shrank); lighter
    /// is a smaller |Δ| (`c` falls with √(|Δ| / max |Δ|)).
    pub fn shade(&self, n: &DiffNode) -> i16 {
        let delta = n.new as i128 - n.base as i128;
        if delta == 0 || (delta.unsigned_abs() as f64) < self.noise {
            return 0;
        }
        let f = (delta.unsigned_abs() as f64 / self.max_delta).sqrt();
        let c = (220.0 - 170.0 * f).round().clamp(50.0, 220.0) as i16;
        if delta > 0 {
            c
        } else {
            -c
        }
    }
}

/// The SVG/CSS colour of a [`Shading::shade`] value.
pub fn shade_fill(shade: i16) -> String {
    match shade {
        0 => "rgb(200,200,200)".to_string(),
        c if c > 0 => format!("rgb(255,{c},{c})"),
        c => format!("rgb({0},{0},255)", -c),
    }
}

/// Escapes text for XML content and attribute values, after
/// percent-encoding what XML forbids ([`xml_text`]).
pub fn esc(s: &str) -> String {
    crate::util::markup::xml_escape(&xml_text(s))
}

/// `Δ%` of `of` as text (`new` when `of` is 0).
pub fn pct(d: i128, of: u64) -> String {
    if of == 0 {
        "new".to_string()
    } else {
        format!("{:+.2}%", d as f64 * 100.0 / of as f64)
    }
}

/// Frame geometry of the SVG, in pixels (shared with its script).
const FRAME_H: f64 = 16.0;
const PAD: f64 = 10.0;
const TOP: f64 = 48.0;
/// Estimated width of a 12px monospace character, for fitting labels.
const CHAR_W: f64 = 7.2;
/// One-side frames narrower than this many pixels get no dashed outline.
const DASH_MIN: f64 = 4.0;

/// The zoom-and-search script of the differential SVG: the name elision of
/// `names.js`, then `diff_svg.js`.
const SCRIPT: &str = concat!(include_str!("names.js"), include_str!("diff_svg.js"));

/// The layout width of a fluid SVG (no `--width`).
pub const FLUID_LAYOUT_WIDTH: usize = 1200;

/// A frame's label: the name, or whole segments of it with `…` for the
/// ones left out ([`names::elide`]: package and function kept, never an
/// identifier cut in two), in what fits in `width` pixels; `None` when
/// fewer than 3 characters fit or not even the function does (the tooltip
/// has the full name). The SVG's script applies the same rule when zooming.
fn label(name: &str, width: f64) -> Option<String> {
    let fit = ((width - 6.0) / CHAR_W).floor();
    if fit < 3.0 {
        return None;
    }
    names::elide(name, fit as usize)
}

/// Writes the merged tree as a differential SVG flame graph.
pub fn write_diff_svg(t: &DiffTree, o: &DiffSvgOptions, w: &mut dyn Write) -> io::Result<()> {
    let total = o.width_mode.of(&t.nodes[0]);
    if total == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            match o.width_mode {
                DiffWidth::Sum => "no samples to draw (all values are zero)",
                DiffWidth::New => "no samples to draw (all values of the new profile are zero)",
            },
        ));
    }
    let shading = Shading::of(t, o.noise);
    let image_w = o.width.unwrap_or(FLUID_LAYOUT_WIDTH);
    let scale = (image_w as f64 - 2.0 * PAD) / total as f64;
    let (frames, rows) = layout(t, o.width_mode, o.min_width);

    // Rows of frames, plus one for the details line at the bottom.
    let height = TOP + (rows as f64 + 2.0) * FRAME_H + 2.0 * PAD;
    let bottom = height - PAD - FRAME_H;
    let width_note = match o.width_mode {
        DiffWidth::Sum => "width = base + new",
        DiffWidth::New => "width = new",
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<?xml version=\"1.0\" standalone=\"no\"?>\n<svg version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
<style>text {{ font-family: monospace; font-size: 12px; }} .one {{ stroke: black; stroke-dasharray: 3,2; stroke-width: 1; }} g.f:hover rect {{ stroke: black; stroke-width: 0.5; }} g.f {{ cursor: pointer; }} .dim {{ opacity: 0.5; }} .btn {{ cursor: pointer; fill: #333; }} .hide {{ display: none; }}</style>\n\
<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n\
<text id=\"title\" x=\"{cx}\" y=\"24\" text-anchor=\"middle\" font-size=\"17\">{title}</text>\n\
<text id=\"legend\" x=\"{cx}\" y=\"40\" text-anchor=\"middle\" fill=\"#666\">{width_note}; red grew, blue shrank, grey within noise; dashed = one side only</text>\n\
<text id=\"reset\" class=\"btn hide\" x=\"{pad}\" y=\"24\">Reset Zoom</text>\n\
<text id=\"search\" class=\"btn\" x=\"{right}\" y=\"24\" text-anchor=\"end\">Search</text>\n\
<text id=\"details\" x=\"{pad}\" y=\"{dy}\"> </text>\n\
<text id=\"matched\" x=\"{right}\" y=\"{dy}\" text-anchor=\"end\"> </text>\n",
        w = image_w,
        h = height,
        cx = image_w / 2,
        pad = PAD,
        right = image_w as f64 - PAD,
        dy = height - PAD - 3.0,
        title = esc(&o.title),
    );
    for (i, x, depth) in frames {
        let n = &t.nodes[i as usize];
        let width = o.width_mode.of(n) as f64 * scale;
        let px = PAD + x as f64 * scale;
        let py = if o.icicle {
            TOP + depth as f64 * FRAME_H
        } else {
            bottom - (depth as f64 + 1.0) * FRAME_H
        };
        let delta = n.new as i128 - n.base as i128;
        let fill = shade_fill(shading.shade(n));
        let side = match (n.base, n.new) {
            (0, _) => "new: only in the new profile; ",
            (_, 0) => "gone: only in the base profile; ",
            _ => "",
        };
        // The name is everything before the last newline (the script relies on it).
        let tooltip = format!(
            "{}\n{side}base {} {u}, new {} {u}, Δ {:+} {u} ({})",
            n.name,
            n.base,
            n.new,
            delta,
            pct(delta, n.base),
            u = o.unit
        );
        // Dashes on frames narrower than this only darken them.
        let class = if side.is_empty() || width < DASH_MIN {
            ""
        } else {
            " class=\"one\""
        };
        let _ = write!(
            s,
            "<g class=\"f\"><title>{}</title><rect x=\"{px:.3}\" y=\"{py:.1}\" width=\"{:.3}\" height=\"{:.1}\" fill=\"{fill}\" rx=\"2\"{class}/>",
            esc(&tooltip),
            width,
            FRAME_H - 1.0
        );
        if let Some(l) = label(&n.name, width) {
            let _ = write!(
                s,
                "<text x=\"{:.2}\" y=\"{:.1}\">{}</text>",
                px + 3.0,
                py + 11.5,
                esc(&l)
            );
        }
        s.push_str("</g>\n");
    }
    let _ = write!(
        s,
        "<script type=\"text/ecmascript\"><![CDATA[\nvar W = {image_w}, PAD = {PAD}, CW = {CHAR_W}, DASH_MIN = {DASH_MIN}, FLUID = {}, ICICLE = {};\n{SCRIPT}]]></script>\n</svg>\n",
        o.width.is_none(),
        o.icicle
    );
    w.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, parent: u32, base: u64, new: u64, children: Vec<u32>) -> DiffNode {
        DiffNode {
            name: name.to_string(),
            parent,
            base,
            new,
            children,
        }
    }

    fn tree() -> DiffTree {
        DiffTree {
            nodes: vec![
                node("", NONE, 100, 100, vec![1, 2]),
                node("a", 0, 60, 0, vec![]),
                node("b", 0, 40, 100, vec![3]),
                node("c", 2, 40, 1, vec![]),
            ],
        }
    }

    #[test]
    fn layout_by_width_mode() {
        let t = tree();
        let (f, rows) = layout(&t, DiffWidth::Sum, 0.0);
        assert_eq!(f, vec![(1, 0, 0), (2, 60, 0), (3, 60, 1)]);
        assert_eq!(rows, 2);
        // New only: "a" has no width, "b" starts at 0.
        let (f, _) = layout(&t, DiffWidth::New, 0.0);
        assert_eq!(f, vec![(2, 0, 0), (3, 0, 1)]);
        // c is 1 of 100 = 1% wide: dropped at 2%.
        let (f, rows) = layout(&t, DiffWidth::New, 2.0);
        assert_eq!(f, vec![(2, 0, 0)]);
        assert_eq!(rows, 1);
    }

    #[test]
    fn shades() {
        let t = tree();
        let s = Shading::of(&t, 0.1);
        assert_eq!(s.max_delta, 60.0);
        assert_eq!(s.shade(&t.nodes[0]), 0);
        assert_eq!(s.shade(&t.nodes[1]), -50);
        assert_eq!(s.shade(&t.nodes[2]), 50);
        assert_eq!(shade_fill(0), "rgb(200,200,200)");
        assert_eq!(shade_fill(80), "rgb(255,80,80)");
        assert_eq!(shade_fill(-80), "rgb(80,80,255)");
        // 40 px: 4 characters; a single identifier is not cut.
        assert_eq!(label("abcdef", 40.0), None);
        assert_eq!(label("abc", 40.0), Some("abc".to_string()));
        assert_eq!(label("abc", 20.0), None);
        // 100 px: 13 characters.
        assert_eq!(
            label("main.(*Registry).Read", 100.0),
            Some("main.…Read".to_string())
        );
        assert_eq!(label("x.averyveryverylongname", 100.0), None);
    }

    #[test]
    fn script_cannot_end_cdata() {
        assert!(!SCRIPT.contains("]]>"));
        assert!(!SCRIPT.contains("</script"));
    }
}
