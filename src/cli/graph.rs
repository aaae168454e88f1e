//! `pprofx graph`: the call graph as pprof's DOT or callgrind text, or drawn
//! by pprofx itself as SVG, PNG or PDF (no Graphviz needed).

use std::io::Write;

use clap::{Args, ValueEnum};
use pprofx::graph::analysis::Analysis;
use pprofx::report::callgrind::{callgrind_options, CallgrindReport};
use pprofx::report::dot::{dot_options, DotReport};

use super::TopArgs;
use crate::Failure;

/// Output formats of `pprofx graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT text, as `go tool pprof -dot`.
    Dot,
    /// An SVG drawing with pan and zoom (pprofx's own layout).
    Svg,
    /// A PNG picture of the SVG drawing.
    Png,
    /// A PDF of the SVG drawing.
    Pdf,
    /// callgrind text for KCachegrind, as `go tool pprof -callgrind`.
    Callgrind,
}

/// Arguments of `pprofx graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "svg", help_heading = "Output")]
    pub format: GraphFormat,
    /// The other arguments, as for `top`.
    #[command(flatten)]
    pub common: TopArgs,
}

/// Runs `pprofx graph`.
pub fn run_graph(args: &GraphArgs) -> Result<(), Failure> {
    let common = &args.common;
    if common.out.proto {
        return Err(Failure::new("--proto", "use `pprofx top --proto`"));
    }
    let binary = matches!(args.format, GraphFormat::Png | GraphFormat::Pdf);
    if binary && common.out.output.is_none() {
        return Err(Failure::new(
            "--format",
            "PNG and PDF need -o FILE (`-o -` for standard output)",
        ));
    }
    let (opts, warnings) = common.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let opts = match args.format {
        GraphFormat::Callgrind => callgrind_options(opts),
        _ => dot_options(opts),
    };
    let profile = crate::load_sources(&common.load, &common.profiles)?;
    let source = common.profiles.join(" ");
    let an = Analysis::new(&profile, opts).map_err(|e| Failure::new(&source, e))?;
    for m in &an.messages {
        eprintln!("{m}");
    }
    match args.format {
        GraphFormat::Dot => crate::print(&DotReport::build(&an), common),
        GraphFormat::Callgrind => crate::print(&CallgrindReport::build(&an), common),
        GraphFormat::Svg | GraphFormat::Png | GraphFormat::Pdf => {
            let report = DotReport::build(&an);
            if common.json {
                return crate::print(&report, common);
            }
            let bytes = draw(&report, args.format).map_err(|e| Failure::new(&source, e))?;
            let write = |w: &mut dyn Write| w.write_all(&bytes);
            match common.out.output.as_deref() {
                None => crate::write_stdout(write),
                Some(target) => pprofx::util::output::write_output(target, write)
                    .map_err(|e| Failure::new(target, e)),
            }
        }
    }
}

/// The drawing of the report's graph in `format`.
fn draw(report: &DotReport, format: GraphFormat) -> Result<Vec<u8>, String> {
    use pprofx::render::{draw, Format};
    let format = match format {
        GraphFormat::Png => Format::Png,
        GraphFormat::Pdf => Format::Pdf,
        _ => Format::Svg,
    };
    draw(&report.graph, format)
}
