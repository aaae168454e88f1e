//! Drawing for `pprofx flame` and `pprofx diff --flame/--html`: the
//! differential flame graph (SVG or HTML report) of two analyses, the
//! single-profile HTML report, and the notes under the report's title.

use pprofx::diff::{DiffReport, DiffRow};
use pprofx::flame::{diff, html, StackTree, TreeOptions};
use pprofx::graph::analysis::Analysis;
use pprofx::report::top::TopReport;

use super::run::{load_session, Failure};
use super::FlameArgs;

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
        return Err(Failure::usage(
            "--min_width",
            "must be a percentage in [0, 100]",
        ));
    }
    if width == Some(0) {
        return Err(Failure::usage("--width", "must be positive"));
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
            width: o.width,
            icicle: o.icicle,
            min_width: o.min_width,
            noise: NOISE,
            width_mode: o.width_mode,
        };
        pprofx::util::output::write_valid(o.output, |w| diff::write_diff_svg(&merged, &svg, w))
    };
    result.map_err(|e| Failure::new(o.output, e))
}

// --- `pprofx flame`: loading, options, and the choice of output ---

/// Checks the flame options that clap cannot (ranges, combinations), before
/// any loading.
fn check_flame_args(args: &FlameArgs) -> Result<(), Failure> {
    if args.html && args.format != super::FlameFormat::Svg {
        return Err(Failure::usage(
            "--html",
            "writes its own format; leave out --format",
        ));
    }
    check(args.min_width, args.width)
}

/// The drawing options of `pprofx flame`.
fn draw_options(args: &FlameArgs) -> DrawOptions<'_> {
    DrawOptions {
        output: &args.output,
        min_width: args.min_width,
        title: args.title.as_deref(),
        width: args.width,
        icicle: args.icicle,
        reverse: args.reverse,
        width_mode: pprofx::flame::diff::DiffWidth::parse(&args.diff_width).unwrap_or_default(),
        html: args.html,
    }
}

pub fn run_flame(args: &FlameArgs) -> Result<(), Failure> {
    use super::FlameFormat;
    use pprofx::flame::{export, svg, StackTree, TreeOptions};
    let source = match args.profiles.as_slice() {
        [source] => source,
        [base, new] => return run_flame_diff(args, base, new),
        _ => {
            return Err(Failure::usage(
                "flame",
                "reads one profile, or two (BASE NEW) for a differential graph",
            ))
        }
    };
    check_flame_args(args)?;
    if let Some(c) = &args.colors {
        svg::parse_palette(c).map_err(|e| Failure::usage("--colors", e))?;
    }
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        pprofx::note!("{w}");
    }
    let mut timer = pprofx::util::timing::Timer::from_env();
    let session = load_session(&args.load.source_options(std::slice::from_ref(source)))?;
    let profile = &session.profile;
    timer.lap("load");
    let analysis = Analysis::new(profile, opts).map_err(|e| Failure::new(source, e))?;
    for m in &analysis.messages {
        pprofx::note!("{m}");
    }
    timer.lap("aggregate");
    let tree_opts = TreeOptions {
        min_width: args.min_width,
        reverse: args.reverse,
    };
    let tree = StackTree::build(&analysis, &tree_opts);
    timer.lap("stack tree");
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| svg::default_title(source, &analysis, tree.total()));
    let unit = analysis.sel.unit.clone();
    let result = match args.format {
        FlameFormat::Folded => {
            pprofx::util::output::write_text(&args.output, |w| export::write_folded(&tree, w))
        }
        FlameFormat::Speedscope => pprofx::util::output::write_valid(&args.output, |w| {
            export::write_speedscope(&tree, &title, &unit, w)
        }),
        FlameFormat::Svg => {
            let palette = args.colors.clone().unwrap_or_else(|| {
                svg::default_palette(&analysis.sel.type_name, &unit).to_string()
            });
            if args.html {
                let r = write_single_html(&draw_options(args), &analysis, &tree, title, &palette);
                timer.lap("render+write");
                return r;
            }
            let svg_opts = svg::SvgOptions {
                title,
                count_name: unit.clone(),
                width: args.width,
                icicle: args.icicle,
                palette,
                min_width: args.min_width,
            };
            pprofx::util::output::write_valid(&args.output, |w| svg::write_svg(&tree, &svg_opts, w))
        }
    };
    timer.lap("render+write");
    result.map_err(|e| Failure::new(&args.output, e))
}

fn run_flame_diff(args: &FlameArgs, base: &str, new: &str) -> Result<(), Failure> {
    if args.format != super::FlameFormat::Svg {
        return Err(Failure::usage(
            "--format",
            "differential graphs are SVG or HTML (--html) only",
        ));
    }
    check_flame_args(args)?;
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        pprofx::note!("{w}");
    }
    let sb = load_session(&args.load.source_options(&[base.to_string()]))?;
    let sn = load_session(&args.load.source_options(&[new.to_string()]))?;
    let (pb, pn) = (&sb.profile, &sn.profile);
    // Inputs in the wrong time order: one line, as `pprofx diff` says it.
    if let Some(o) = pprofx::diff::time_order(&[(base, pb.time_nanos), (new, pn.time_nanos)]) {
        pprofx::note!("pprofx: warning: {}", o.message());
    }
    let ab = Analysis::new(pb, opts.clone()).map_err(|e| Failure::new(base, e))?;
    let an = Analysis::new(pn, opts.clone()).map_err(|e| Failure::new(new, e))?;
    let draw = draw_options(args);
    if !args.html {
        return write_diff(&draw, (base, &ab), (new, &an), None);
    }
    // The HTML report also lists diff's rows (its default mode and keying).
    let render_opts = pprofx::diff::render::RenderOptions {
        nodecount: opts.nodecount,
        ..Default::default()
    };
    let diff_opts = pprofx::diff::DiffOptions {
        report: opts,
        ..Default::default()
    };
    let report =
        pprofx::diff::diff(&[(base, pb), (new, pn)], &diff_opts).map_err(Failure::plain)?;
    let rows = pprofx::diff::render::visible_rows(&report, &render_opts).rows;
    write_diff(&draw, (base, &ab), (new, &an), Some((&report, rows)))
}
