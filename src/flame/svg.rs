//! SVG flame graphs through inferno.
//!
//! inferno draws from folded text. We hand it only the pruned tree's lines
//! ([`folded_lines`]), so its input stays small whatever the profile size.
//! Colours are keyed on frame names with inferno's `hash` mode (weighted
//! towards the first characters, so a package's functions get similar hues,
//! and the same name the same colour in every graph): the same input gives
//! the same bytes. Names are escaped by [`escape_frame`](super::export::escape_frame)
//! before inferno sees them and by inferno's XML writer in the SVG; the title
//! and count name pass through [`xml_text`].

use std::io::{self, Write};
use std::str::FromStr;

use inferno::flamegraph::{self, color::Palette, Direction, Options};

use super::export::{folded_lines, xml_text};
use super::StackTree;

/// What the SVG looks like.
#[derive(Debug, Clone)]
pub struct SvgOptions {
    /// Title line at the top.
    pub title: String,
    /// What the values count (the sample unit, e.g. `nanoseconds`).
    pub count_name: String,
    /// Image width in pixels; `None` = fluid (100% of the viewer).
    pub width: Option<usize>,
    /// Icicle graph: roots at the top.
    pub icicle: bool,
    /// Colour palette name (see [`PALETTES`]).
    pub palette: String,
    /// Minimum frame width in percent of the total (the tree was pruned at it).
    pub min_width: f64,
}

/// The palette names `--colors` accepts (inferno's).
pub const PALETTES: &[&str] = &[
    "hot", "mem", "io", "red", "green", "blue", "aqua", "yellow", "purple", "orange", "wakeup",
    "java", "js", "perl", "python", "rust",
];

/// The default palette for a sample type: `mem` for bytes and object counts
/// of heap profiles, `io` for blocking and contention, `hot` otherwise.
pub fn default_palette(type_name: &str, unit: &str) -> &'static str {
    if unit == "bytes" || type_name.contains("objects") || type_name.contains("space") {
        "mem"
    } else if matches!(type_name, "contentions" | "delay") {
        "io"
    } else {
        "hot"
    }
}

/// Checks a palette name.
pub fn parse_palette(name: &str) -> Result<(), String> {
    if PALETTES.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "unknown palette {name:?} (one of: {})",
            PALETTES.join(", ")
        ))
    }
}

/// Writes the tree as an SVG flame graph.
pub fn write_svg(tree: &StackTree, opts: &SvgOptions, w: &mut dyn Write) -> io::Result<()> {
    let palette = Palette::from_str(&opts.palette)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "unknown palette"))?;
    let mut o = Options::default();
    o.colors = palette;
    o.hash = true;
    o.deterministic = true;
    o.title = xml_text(&opts.title).into_owned();
    o.count_name = xml_text(&opts.count_name).into_owned();
    o.image_width = opts.width;
    o.min_width = opts.min_width;
    o.direction = if opts.icicle {
        Direction::Inverted
    } else {
        Direction::Straight
    };
    let lines = folded_lines(tree);
    if lines.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no samples to draw (all values are zero)",
        ));
    }
    flamegraph::from_lines(&mut o, lines.iter().map(String::as_str), w)
}

/// The default title: `FILE — TYPE, total VALUE`, with FILE the base name of
/// `source` (`stdin` for `-`) and VALUE the total in pprof's units.
pub fn default_title(source: &str, a: &crate::graph::analysis::Analysis, total: u64) -> String {
    let file = if source == "-" {
        "stdin"
    } else {
        crate::util::go::go_base(source)
    };
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let mut f = crate::report::Formatter::for_analysis(a);
    f.select_output_unit(std::iter::once((total, total)), total);
    format!("{file} — {}, total {}", a.sel.type_label, f.format(total))
}
