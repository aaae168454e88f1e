//! The self-contained HTML report: a flame graph (canvas; zoom, search,
//! tooltips), a sortable top table and, for two profiles, the diff table.
//!
//! The graph scrolls in a box that fits the window, starting at the root
//! (the bottom of a flame graph, the top of an icicle; a button flips the
//! two), so a deep profile's root is in the first screen. Frame labels and
//! table names lose or break at whole name segments only
//! ([`crate::util::names`]); the full name is in the tooltip.
//!
//! The file needs no network and no other file: the CSS (`report.css`) and
//! the script (`report.js`, written for pprofx) are inline, and the data is
//! one JSON document in a `<script type="application/json">` element that
//! the script parses and draws from. The data is the already pruned stack
//! tree (see [`StackTree`]) in preorder, as parallel arrays (name index,
//! depth, weights), so a 1M-sample profile pruned at the default width is a
//! page of about a megabyte that draws in a fraction of a second.
//!
//! Safety: names from the profile only ever reach the page as JSON strings
//! and are inserted by the script as text (`textContent`, canvas
//! `fillText`), never as markup. In the JSON, `<`, `>`, `&`, U+2028 and
//! U+2029 are written as `\uXXXX`, so no name can close the data element.
//! The title and notes are HTML-escaped. A Content-Security-Policy allows
//! exactly the page's own script and style (by their SHA-256) and nothing
//! else: no inline handlers, no other script, no network. Output is
//! deterministic.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::diff::{DiffTree, DiffWidth, Shading};
use super::StackTree;
use crate::diff::{DiffReport, DiffRow};
use crate::report::top::TopReport;
use crate::util::markup::html_escape;

/// The page's stylesheet.
const CSS: &str = include_str!("report.css");
/// The page's script: the name elision of `names.js`, then `report.js`.
const SCRIPT: &str = concat!(include_str!("names.js"), include_str!("report.js"));

/// The flame graph of the report.
#[derive(Debug, Clone, Copy)]
pub enum Graph<'a> {
    /// One profile: frames as wide as their weight, coloured by name.
    Single {
        /// The pruned stack tree.
        tree: &'a StackTree,
        /// A palette name (`hot`, `mem`, `io`, `red`, `green`, `blue`,
        /// `aqua`, `yellow`, `purple`, `orange`; others draw as `hot`).
        palette: &'a str,
    },
    /// Two profiles merged: colour by inclusive Δ, as the differential SVG.
    Diff {
        /// The merged tree.
        tree: &'a DiffTree,
        /// What a frame's width stands for.
        width: DiffWidth,
        /// |Δ| below this percentage of the larger total is grey.
        noise: f64,
    },
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct HtmlReport<'a> {
    /// Page title and heading.
    pub title: String,
    /// Lines under the heading (type, totals, pruning).
    pub notes: Vec<String>,
    /// The sample unit (values are raw in it; the page formats them).
    pub unit: String,
    /// Roots at the top.
    pub icicle: bool,
    /// The flame graph.
    pub graph: Graph<'a>,
    /// The top table (of the new profile for a diff).
    pub top: Option<&'a TopReport>,
    /// The diff and the rows to list.
    pub diff: Option<(&'a DiffReport, Vec<&'a DiffRow>)>,
}

/// The embedded data (schema version 1). Arrays of the graph are parallel,
/// one entry per frame in preorder, the root first (`f` = -1).
#[derive(Serialize)]
struct Data<'a> {
    v: u32,
    kind: &'static str,
    unit: &'a str,
    icicle: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    palette: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<&'static str>,
    /// Every name the page shows, once.
    names: Vec<&'a str>,
    /// Name index per frame (-1: the root).
    f: Vec<i64>,
    /// Depth per frame (0: the root).
    d: Vec<u32>,
    /// Single: total weight per frame.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    t: Vec<u64>,
    /// Diff: base, new and shade (see [`Shading::shade`]) per frame.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    b: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    n: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    c: Vec<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top: Option<TopData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<DiffData>,
}

/// Top rows: `[name index, flat, cum, inline (0 no, 1 inline, 2 partial)]`.
#[derive(Serialize)]
struct TopData {
    total: i64,
    rows: Vec<(u32, i64, i64, u8)>,
}

/// A diff row: `[name index, status, base, new, delta, delta_rel|null, delta_share_pp]`.
type DiffRowData = (u32, &'static str, i64, i64, i64, Option<f64>, f64);

/// The diff table.
#[derive(Serialize)]
struct DiffData {
    mode: &'static str,
    by: &'static str,
    base_total: i64,
    new_total: i64,
    rows_total: usize,
    rows: Vec<DiffRowData>,
}

/// Interns names in first-use order.
#[derive(Default)]
struct Names<'a> {
    list: Vec<&'a str>,
    index: HashMap<&'a str, u32>,
}

impl<'a> Names<'a> {
    fn id(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s);
        self.index.insert(s, i);
        i
    }
}

/// Preorder of a single tree, children by name: (node, depth).
fn single_preorder(tree: &StackTree) -> Vec<(usize, u32)> {
    let mut children = tree.children();
    let name = |i: usize| tree.names[tree.nodes[i].frame as usize].as_str();
    for c in &mut children {
        c.sort_by(|&a, &b| name(a).cmp(name(b)));
    }
    let mut out = Vec::with_capacity(tree.nodes.len());
    let mut work = vec![(0usize, 0u32)];
    while let Some((i, d)) = work.pop() {
        out.push((i, d));
        work.extend(children[i].iter().rev().map(|&c| (c, d + 1)));
    }
    out
}

/// Preorder of a merged tree (children are already in name order), without
/// frames that have no width in `mode`.
fn diff_preorder(tree: &DiffTree, mode: DiffWidth) -> Vec<(usize, u32)> {
    let mut out = Vec::with_capacity(tree.nodes.len());
    let mut work = vec![(0usize, 0u32)];
    while let Some((i, d)) = work.pop() {
        out.push((i, d));
        let kids = &tree.nodes[i].children;
        work.extend(
            kids.iter()
                .rev()
                .filter(|&&c| mode.of(&tree.nodes[c as usize]) > 0)
                .map(|&c| (c as usize, d + 1)),
        );
    }
    out
}

/// Serializes `data` as JSON that is safe inside a `<script>` element:
/// `<`, `>`, `&`, U+2028 and U+2029 (which can only occur inside strings)
/// become `\uXXXX` escapes.
pub fn script_json<T: Serialize>(data: &T) -> io::Result<String> {
    let json = serde_json::to_string(data).map_err(io::Error::other)?;
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The JSON data of the report.
fn data<'a>(r: &'a HtmlReport<'a>) -> Data<'a> {
    let mut names = Names::default();
    let mut d = Data {
        v: 1,
        kind: "flame",
        unit: &r.unit,
        icicle: r.icicle,
        palette: None,
        width: None,
        names: Vec::new(),
        f: Vec::new(),
        d: Vec::new(),
        t: Vec::new(),
        b: Vec::new(),
        n: Vec::new(),
        c: Vec::new(),
        top: None,
        diff: None,
    };
    match r.graph {
        Graph::Single { tree, palette } => {
            d.palette = Some(palette);
            for (i, depth) in single_preorder(tree) {
                let node = &tree.nodes[i];
                d.f.push(if i == 0 {
                    -1
                } else {
                    names.id(&tree.names[node.frame as usize]) as i64
                });
                d.d.push(depth);
                d.t.push(node.total);
            }
        }
        Graph::Diff { tree, width, noise } => {
            d.kind = "diff";
            d.width = Some(width.name());
            let shading = Shading::of(tree, noise);
            for (i, depth) in diff_preorder(tree, width) {
                let node = &tree.nodes[i];
                d.f.push(if i == 0 {
                    -1
                } else {
                    names.id(&node.name) as i64
                });
                d.d.push(depth);
                d.b.push(node.base);
                d.n.push(node.new);
                d.c.push(shading.shade(node));
            }
        }
    }
    if let Some(top) = r.top {
        d.top = Some(TopData {
            total: top.total,
            rows: top
                .rows
                .iter()
                .map(|row| {
                    let inline = match row.inline {
                        Some("inline") => 1,
                        Some(_) => 2,
                        None => 0,
                    };
                    (names.id(&row.name), row.flat, row.cum, inline)
                })
                .collect(),
        });
    }
    if let Some((report, rows)) = &r.diff {
        d.diff = Some(DiffData {
            mode: report.mode.name(),
            by: match report.by {
                crate::diff::Keying::Function => "function",
                crate::diff::Keying::Stack => "stack",
            },
            base_total: report.base().total,
            new_total: report.new_snapshot().total,
            rows_total: report.rows.len(),
            rows: rows
                .iter()
                .map(|row| {
                    (
                        names.id(&row.name),
                        row.status.name(),
                        row.base,
                        row.new,
                        row.delta,
                        row.delta_rel.filter(|v| v.is_finite()),
                        if row.delta_share_pp.is_finite() {
                            row.delta_share_pp
                        } else {
                            0.0
                        },
                    )
                })
                .collect(),
        });
    }
    d.names = names.list;
    d
}

/// Writes the report as one HTML file.
pub fn write_html(r: &HtmlReport<'_>, w: &mut dyn Write) -> io::Result<()> {
    let empty = match r.graph {
        Graph::Single { tree, .. } => tree.total() == 0,
        Graph::Diff { tree, width, .. } => width.of(&tree.nodes[0]) == 0,
    };
    if empty {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no samples to draw (all values are zero)",
        ));
    }
    let json = script_json(&data(r))?;
    let title = html_escape(&r.title);
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src 'none'; base-uri 'none'; form-action 'none'",
        base64(&sha256(SCRIPT.as_bytes())),
        base64(&sha256(CSS.as_bytes())),
    );
    let mut notes = String::new();
    for n in &r.notes {
        notes.push_str("<p class=\"note\">");
        notes.push_str(&html_escape(n));
        notes.push_str("</p>\n");
    }
    let legend = match r.graph {
        Graph::Single { .. } => String::new(),
        Graph::Diff { width, .. } => format!(
            "<p class=\"note legend\">{}; <span class=\"sw grew\"></span> grew, <span class=\"sw shrank\"></span> shrank, <span class=\"sw same\"></span> within noise; dashed outline = in one profile only</p>\n",
            match width {
                DiffWidth::Sum => "width = base + new",
                DiffWidth::New => "width = new",
            }
        ),
    };
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"pprofx\">\n\
<title>{title}</title>\n<style>{CSS}</style>\n</head>\n\
<body data-state=\"loading\">\n<header>\n<h1>{title}</h1>\n{notes}{legend}\
<div class=\"bar\"><input id=\"search\" type=\"search\" placeholder=\"Search frames (regex) — Ctrl-F\" aria-label=\"Search frames (regular expression)\" spellcheck=\"false\" autocomplete=\"off\">\
<span id=\"matched\" aria-live=\"polite\"></span><button id=\"reset\" type=\"button\" disabled>Reset zoom</button>\
<button id=\"orient\" type=\"button\" aria-pressed=\"false\" title=\"Roots at the top (icicle) or at the bottom (flame graph)\">Icicle</button></div>\n\
</header>\n<main>\n\
<section id=\"graph-pane\" aria-label=\"Flame graph\"><div id=\"graph\"><div id=\"scroller\"><canvas id=\"flame\" role=\"img\" aria-label=\"Flame graph; the table lists the same functions\"></canvas></div><div id=\"tip\" hidden></div></div>\
<p id=\"details\" aria-live=\"polite\"></p></section>\n\
<section id=\"table-pane\" aria-label=\"Tables\"><div id=\"tabs\" role=\"tablist\"></div><p id=\"caption\" class=\"note\"></p>\
<div id=\"table-wrap\"><table id=\"table\"><thead></thead><tbody></tbody></table></div><button id=\"more\" type=\"button\" hidden>Show more</button></section>\n\
</main>\n<p id=\"error\" hidden></p>\n<noscript><p>This report draws with JavaScript.</p></noscript>\n\
<script type=\"application/json\" id=\"pprofx-data\">{json}</script>\n\
<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

/// SHA-256 (FIPS 180-4) of `data`, for the Content-Security-Policy hashes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(hex(&sha256(&[b'a'; 1000])).len(), 64);
    }

    #[test]
    fn base64_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn json_cannot_break_out_of_its_element() {
        let s = script_json(&vec!["</script><b>&amp;\u{2028}\u{2029}"]).unwrap();
        assert_eq!(
            s,
            r#"["\u003c/script\u003e\u003cb\u003e\u0026amp;\u2028\u2029"]"#
        );
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back[0], "</script><b>&amp;\u{2028}\u{2029}");
        assert_eq!(
            html_escape("<a href='x'>&\"\u{1}"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\u{fffd}"
        );
    }

    #[test]
    fn assets_are_inert_in_their_elements() {
        assert!(!SCRIPT.contains("</script"));
        assert!(!CSS.contains("</style"));
        // The script never parses markup.
        assert!(!SCRIPT.contains("innerHTML"));
        assert!(!SCRIPT.contains("outerHTML"));
        assert!(!SCRIPT.contains("insertAdjacentHTML"));
        assert!(!SCRIPT.contains("document.write"));
        assert!(!SCRIPT.contains("eval("));
    }
}
