//! Drawing the call graph without Graphviz: the graph that the DOT report
//! describes ([`DotGraph`]), laid out by [`crate::graph::layout`] and
//! written as SVG ([`graph_svg`]), then, with the `render` cargo feature,
//! rasterized to PNG or converted to PDF ([`raster`]).
//!
//! Text is measured with the advance widths of DejaVu Sans ([`metrics`]),
//! the font the PNG and PDF embed, so a drawing has the same geometry on
//! every machine; the SVG also pins each line's length (`textLength`), so a
//! browser that substitutes another font still fits the text in its box.

pub mod graph_svg;
pub mod metrics;
#[cfg(feature = "render")]
pub mod raster;

use crate::report::dot::DotGraph;

/// The width of `text` at `size` points in DejaVu Sans.
pub fn text_width(text: &str, size: f64) -> f64 {
    let units: u32 = text
        .chars()
        .map(|c| {
            let c = c as u32;
            u32::from(match c {
                0x20..=0x7e => metrics::ASCII[(c - 0x20) as usize],
                0xa0..=0xff => metrics::LATIN1[(c - 0xa0) as usize],
                0x2026 => metrics::ELLIPSIS,
                0..=0x1f | 0x7f..=0x9f => 0,
                0x2e80.. => metrics::WIDE,
                _ => metrics::OTHER,
            })
        })
        .sum();
    f64::from(units) * size / metrics::UNITS_PER_EM
}

/// How a label line is justified (Graphviz's `\n`, `\l`, `\r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Justify {
    /// Centred.
    Center,
    /// Left.
    Left,
    /// Right.
    Right,
}

/// Splits a DOT escString into lines: `\n`, `\l`, `\r` end a line (centred,
/// left- or right-justified), `\\` and `\"` are a backslash and a quote; a
/// trailing line without terminator is centred.
pub fn label_lines(s: &str) -> Vec<(String, Justify)> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            cur.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => lines.push((std::mem::take(&mut cur), Justify::Center)),
            Some('l') => lines.push((std::mem::take(&mut cur), Justify::Left)),
            Some('r') => lines.push((std::mem::take(&mut cur), Justify::Right)),
            Some(other) => cur.push(other),
            None => cur.push('\\'),
        }
    }
    if !cur.is_empty() {
        lines.push((cur, Justify::Center));
    }
    lines
}

/// A DOT escString as plain text (for tooltips): escapes undone, line
/// ends as newlines.
pub fn plain_text(s: &str) -> String {
    label_lines(s)
        .into_iter()
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What [`draw`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SVG with pan and zoom.
    Svg,
    /// PNG (needs the `render` feature).
    Png,
    /// PDF (needs the `render` feature).
    Pdf,
}

/// Draws `graph` in `format`. Fails only for PNG and PDF in a build
/// without the `render` feature (or if rasterizing fails).
pub fn draw(graph: &DotGraph, format: Format) -> Result<Vec<u8>, String> {
    let svg = graph_svg::svg(graph);
    match format {
        Format::Svg => Ok(svg.into_bytes()),
        #[cfg(feature = "render")]
        Format::Png => raster::png(&svg),
        #[cfg(feature = "render")]
        Format::Pdf => raster::pdf(&svg),
        #[cfg(not(feature = "render"))]
        Format::Png | Format::Pdf => Err(
            "PNG and PDF need pprofx built with the `render` feature (on by default); write SVG"
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dot_labels() {
        assert_eq!(
            label_lines(r#"a\nb\l\"c\\"#),
            vec![
                ("a".to_string(), Justify::Center),
                ("b".to_string(), Justify::Left),
                ("\"c\\".to_string(), Justify::Center)
            ]
        );
        assert_eq!(label_lines(r"x\l").len(), 1);
    }

    #[test]
    fn measures_text() {
        // "ab" in DejaVu Sans: 1255 + 1300 units per 2048 at 10 pt.
        assert!((text_width("ab", 10.0) - 2555.0 * 10.0 / 2048.0).abs() < 1e-9);
        assert!(text_width("漢", 10.0) > text_width("a", 10.0));
    }
}
