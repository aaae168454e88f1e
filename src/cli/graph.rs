//! `pprofx graph`: the call graph as pprof's DOT or callgrind text, or drawn
//! by pprofx itself as SVG, PNG or PDF (no Graphviz needed) — the engine's
//! `dot`, `callgrind`, `svg`, `png` and `pdf` reports, as `pprofx -dot`,
//! `-svg`… render them.

use clap::{Args, ValueEnum};

use super::run::{self, Failure};
use super::TopArgs;

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
    if args.common.out.proto {
        return Err(Failure::usage("--proto", "use `pprofx top --proto`"));
    }
    let name = match args.format {
        GraphFormat::Dot => "dot",
        GraphFormat::Svg => "svg",
        GraphFormat::Png => "png",
        GraphFormat::Pdf => "pdf",
        GraphFormat::Callgrind => "callgrind",
    };
    run::run_report(name, None, &args.common)
}
