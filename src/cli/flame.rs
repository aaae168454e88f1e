//! Drawing for `pprofx flame` and `pprofx diff --flame/--html`: the
//! differential flame graph (SVG or HTML report) of two analyses, the
//! single-profile HTML report, and the notes under the report's title.

use pprofx::diff::{DiffReport, DiffRow};
use pprofx::flame::{diff, html, StackTree, TreeOptions};
use pprofx::graph::analysis::Analysis;
use pprofx::report::top::TopReport;

use crate::Failure;

/// What to draw and where.
pub struct DrawOptions<'a> {
    /// Output file (`-` = stdout).
    pub output: &'a str,
    /// Prune frames narrower than this percentage.
    pub min_width: f64,
    /// Title (default from the file names and type).
    pub title: Option<&'a str>,
    /// SVG width in pixels.
    pub width: Option<usize>,
    /// Roots at the top.
    pub icicle: bool,
    /// Bottom-up.
    pub reverse: bool,
    /// Frame width of differential graphs.
    pub width_mode: diff::DiffWidth,
    /// Write the HTML report instead of an SVG.
    pub html: bool,
}

/// The noise floor of differential colours, in percent of the larger total.
const NOISE: f64 = 0.1;

/// A source as shown in titles: its base name, `stdin` for `-`.
pub fn display_name(source: &str) -> String {
    if source == "-" {
        "stdin".to_string()
    } else {
        pprofx::util::go::go_base(source).to_string()
    }
}

/// Checks the drawing options clap cannot (ranges), before any loading.
pub fn check(min_width: f64, width: Option<usize>) -> Result<(), Failure> {
    if !(min_width.is_finite() && (0.0..=100.0).contains(&min_width)) {
        return Err(Failure::new(
            "--min_width",
            "must be a percentage in [0, 100]",
        ));
    }
    if width == Some(0) {
        return Err(Failure::new("--width", "must be positive"));
    }
    Ok(())
}

/// `VALUE` of `total` in the analysis' best unit.
fn format_total(a: &Analysis<'_>, total: u64) -> String {
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let mut f = pprofx::report::Formatter::for_analysis(a);
    f.select_output_unit(std::iter::once((total, total)), total);
    f.format(total)
}

/// One line on what pruning left out.
fn pruning_note(trees: &[&StackTree], min_width: f64) -> String {
    let frames: usize = trees.iter().map(|t| t.nodes.len() - 1).sum();
    let pruned: usize = trees.iter().map(|t| t.pruned_subtrees).sum();
    if pruned == 0 {
        return format!("{frames} frames; none narrower than --min_width={min_width}%");
    }
    let share = trees
        .iter()
        .map(|t| t.pruned_weight as f64 / t.total().max(1) as f64)
        .fold(0.0, f64::max);
    format!(
        "{frames} frames; {pruned} call subtrees narrower than --min_width={min_width}% ({:.2}% of the weight) are folded into their callers",
        share * 100.0
    )
}

/// Writes the single-profile HTML report of `tree`.
pub fn write_single_html(
    o: &DrawOptions<'_>,
    a: &Analysis<'_>,
    tree: &StackTree,
    title: String,
    palette: &str,
) -> Result<(), Failure> {
    let top = TopReport::build(a);
    let mut notes = top.header.lines(top.total, &top.formatter);
    notes.push(pruning_note(&[tree], o.min_width));
    let report = html::HtmlReport {
        title,
        notes,
        unit: a.sel.unit.clone(),
        icicle: o.icicle,
        graph: html::Graph::Single { tree, palette },
        top: Some(&top),
        diff: None,
    };
    pprofx::util::output::write_valid(o.output, |w| html::write_html(&report, w))
        .map_err(|e| Failure::new(o.output, e))
}

/// Draws the differential flame graph of `base` → `new` (SVG, or the HTML
/// report with `table` as its diff table).
pub fn write_diff(
    o: &DrawOptions<'_>,
    base: (&str, &Analysis<'_>),
    new: (&str, &Analysis<'_>),
    table: Option<(&DiffReport, Vec<&DiffRow>)>,
) -> Result<(), Failure> {
    let (ab, an) = (base.1, new.1);
    if ab.sel.unit != an.sel.unit {
        return Err(Failure::new(
            new.0,
            format!(
                "sample unit {:?} differs from the base profile's {:?}",
                an.sel.unit, ab.sel.unit
            ),
        ));
    }
    let tree_opts = TreeOptions {
        min_width: o.min_width,
        reverse: o.reverse,
    };
    let tb = StackTree::build(ab, &tree_opts);
    let tn = StackTree::build(an, &tree_opts);
    let merged = diff::DiffTree::merge(&tb, &tn);
    let title = o.title.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{} → {} — {}",
            display_name(base.0),
            display_name(new.0),
            an.sel.type_label
        )
    });
    let result = if o.html {
        let top = TopReport::build(an);
        let notes = vec![
            format!(
                "Type: {}; base {} total {}, new {} total {}",
                an.sel.type_label,
                display_name(base.0),
                format_total(ab, tb.total()),
                display_name(new.0),
                format_total(an, tn.total())
            ),
            pruning_note(&[&tb, &tn], o.min_width),
        ];
        let report = html::HtmlReport {
            title,
            notes,
            unit: an.sel.unit.clone(),
            icicle: o.icicle,
            graph: html::Graph::Diff {
                tree: &merged,
                width: o.width_mode,
                noise: NOISE,
            },
            top: Some(&top),
            diff: table,
        };
        pprofx::util::output::write_valid(o.output, |w| html::write_html(&report, w))
    } else {
        let svg = diff::DiffSvgOptions {
            title,
            unit: an.sel.unit.clone(),
            width: o.width.unwrap_or(1200),
            icicle: o.icicle,
            min_width: o.min_width,
            noise: NOISE,
            width_mode: o.width_mode,
        };
        pprofx::util::output::write_valid(o.output, |w| diff::write_diff_svg(&merged, &svg, w))
    };
    result.map_err(|e| Failure::new(o.output, e))
}
