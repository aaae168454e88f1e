//! Differential flame graphs: two stack trees merged by frame names.
//!
//! Each frame of the union is as wide as base + new (so code that vanished
//! stays visible), coloured by its inclusive change Δ = new − base: red when
//! it grew, blue when it shrank, grey when |Δ| is below the noise floor.
//! Frames present on one side only get a dashed outline and say so in their
//! tooltip, which shows base, new, Δ and Δ%. inferno cannot draw these
//! semantics (its differential mode takes the width from the new profile and
//! colours leaf deltas only), so this module writes the SVG itself: static
//! rectangles with `<title>` tooltips, no script.
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

/// What the differential SVG looks like.
#[derive(Debug, Clone)]
pub struct DiffSvgOptions {
    /// Title line.
    pub title: String,
    /// Unit of the values (for tooltips).
    pub unit: String,
    /// Image width in pixels.
    pub width: usize,
    /// Roots at the top.
    pub icicle: bool,
    /// Frames narrower than this percentage of base + new are not drawn.
    pub min_width: f64,
    /// |Δ| below this percentage of the larger total is drawn grey.
    pub noise: f64,
}

fn esc(s: &str) -> String {
    let s = xml_text(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(d: i128, of: u64) -> String {
    if of == 0 {
        "new".to_string()
    } else {
        format!("{:+.2}%", d as f64 * 100.0 / of as f64)
    }
}

/// Writes the merged tree as a differential SVG flame graph.
pub fn write_diff_svg(t: &DiffTree, o: &DiffSvgOptions, w: &mut dyn Write) -> io::Result<()> {
    const FRAME_H: f64 = 16.0;
    const PAD: f64 = 10.0;
    const TOP: f64 = 48.0;
    let root = &t.nodes[0];
    let total = root.base.saturating_add(root.new);
    if total == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no samples to draw (all values are zero)",
        ));
    }
    let min_w = o.min_width / 100.0 * total as f64;
    let noise = o.noise / 100.0 * root.base.max(root.new) as f64;
    let max_delta = t
        .nodes
        .iter()
        .map(|n| (n.new as i128 - n.base as i128).unsigned_abs())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = (o.width as f64 - 2.0 * PAD) / total as f64;

    // Lay out: (node, x in weight units, depth), depth-first, skipping narrow frames.
    let mut frames: Vec<(u32, f64, usize)> = Vec::new();
    let mut max_depth = 0;
    let mut work: Vec<(u32, f64, usize)> = Vec::new();
    let mut x = 0.0;
    for &c in &t.nodes[0].children {
        let n = &t.nodes[c as usize];
        work.push((c, x, 0));
        x += n.base.saturating_add(n.new) as f64;
    }
    work.reverse();
    while let Some((i, x, depth)) = work.pop() {
        let n = &t.nodes[i as usize];
        let width = n.base.saturating_add(n.new) as f64;
        if width < min_w || width <= 0.0 {
            continue;
        }
        frames.push((i, x, depth));
        max_depth = max_depth.max(depth + 1);
        let mut cx = x;
        let mut kids = Vec::with_capacity(n.children.len());
        for &c in &n.children {
            let cn = &t.nodes[c as usize];
            kids.push((c, cx, depth + 1));
            cx += cn.base.saturating_add(cn.new) as f64;
        }
        work.extend(kids.into_iter().rev());
    }

    let height = TOP + (max_depth as f64 + 1.0) * FRAME_H + 2.0 * PAD;
    let mut s = String::new();
    let _ = write!(
        s,
        "<?xml version=\"1.0\" standalone=\"no\"?>\n<svg version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
<style>text {{ font-family: monospace; font-size: 12px; }} .one {{ stroke: black; stroke-dasharray: 3,2; stroke-width: 1; }} g:hover rect {{ stroke: black; stroke-width: 0.5; }}</style>\n\
<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n\
<text x=\"{cx}\" y=\"24\" text-anchor=\"middle\" font-size=\"17\">{title}</text>\n\
<text x=\"{cx}\" y=\"40\" text-anchor=\"middle\" fill=\"#666\">width = base + new; red grew, blue shrank, grey within noise; dashed = one side only</text>\n",
        w = o.width,
        h = height,
        cx = o.width / 2,
        title = esc(&o.title),
    );
    for (i, x, depth) in frames {
        let n = &t.nodes[i as usize];
        let width = n.base.saturating_add(n.new) as f64 * scale;
        let px = PAD + x * scale;
        let py = if o.icicle {
            TOP + depth as f64 * FRAME_H
        } else {
            height - PAD - (depth as f64 + 1.0) * FRAME_H
        };
        let delta = n.new as i128 - n.base as i128;
        let fill = if (delta.unsigned_abs() as f64) < noise || delta == 0 {
            "rgb(200,200,200)".to_string()
        } else {
            let f = (delta.unsigned_abs() as f64 / max_delta).sqrt();
            let c = (220.0 - 170.0 * f).round() as u8;
            if delta > 0 {
                format!("rgb(255,{c},{c})")
            } else {
                format!("rgb({c},{c},255)")
            }
        };
        let side = match (n.base, n.new) {
            (0, _) => " (new: only in the new profile)",
            (_, 0) => " (gone: only in the base profile)",
            _ => "",
        };
        let tooltip = format!(
            "{}{side}\nbase {} {u}, new {} {u}, Δ {:+} {u} ({})",
            n.name,
            n.base,
            n.new,
            delta,
            pct(delta, n.base),
            u = o.unit
        );
        let class = if side.is_empty() {
            ""
        } else {
            " class=\"one\""
        };
        let _ = write!(
            s,
            "<g><title>{}</title><rect x=\"{px:.2}\" y=\"{py:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{fill}\" rx=\"2\"{class}/>",
            esc(&tooltip),
            width,
            FRAME_H - 1.0
        );
        let fit = ((width - 6.0) / 7.2).floor();
        if fit >= 3.0 {
            let fit = fit as usize;
            let label: String = if n.name.chars().count() <= fit {
                n.name.clone()
            } else {
                let mut l: String = n.name.chars().take(fit - 2).collect();
                l.push_str("..");
                l
            };
            let _ = write!(
                s,
                "<text x=\"{:.2}\" y=\"{:.1}\">{}</text>",
                px + 3.0,
                py + 11.5,
                esc(&label)
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    w.write_all(s.as_bytes())
}
