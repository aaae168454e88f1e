//! The `pprofx` binary: parses the command line and runs one library call.
//!
//! Exit status: 0 success, 1 runtime error (unreadable or invalid profile,
//! bad option value for this profile), 2 usage error (clap).

mod cli;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command, FlameArgs, TopArgs};
use pprofx::report::top::TopReport;
use pprofx::report::Analysis;
use pprofx::LoadOptions;

/// A failure to report on stderr as `pprofx: SUBJECT: message`.
struct Failure {
    subject: Option<String>,
    message: String,
}

impl Failure {
    fn new(subject: &str, message: impl ToString) -> Self {
        Failure {
            subject: Some(subject.to_string()),
            message: message.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let args = cli::normalize_args(std::env::args().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Top(args) => run_top(&args),
        Command::Flame(args) => run_flame(&args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "pprofx", &mut io::stdout());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match f.subject {
                Some(s) => eprintln!("pprofx: {s}: {}", f.message),
                None => eprintln!("pprofx: {}", f.message),
            }
            ExitCode::from(1)
        }
    }
}

fn run_top(args: &TopArgs) -> Result<(), Failure> {
    let [source] = args.profiles.as_slice() else {
        return Err(Failure {
            subject: None,
            message: "top reads one profile; merging several is not supported yet".to_string(),
        });
    };
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let load = LoadOptions {
        max_size: args.load.max_size,
    };
    let mut timer = Timer::from_env();
    let profile = pprofx::load(source, &load).map_err(|e| Failure::new(source, e))?;
    timer.lap("load");
    let analysis = Analysis::new(&profile, opts).map_err(|e| Failure::new(source, e))?;
    timer.lap("aggregate");
    let report = TopReport::build(&analysis);
    timer.lap("trim+report");
    write_stdout(|w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &report.to_json())?;
            writeln!(w)
        } else {
            report.write_text(w)
        }
    })?;
    Ok(())
}

fn run_flame(args: &FlameArgs) -> Result<(), Failure> {
    use cli::FlameFormat;
    use pprofx::flame::{export, svg, StackTree, TreeOptions};
    let source = match args.profiles.as_slice() {
        [source] => source,
        [base, new] => return run_flame_diff(args, base, new),
        _ => {
            return Err(Failure {
                subject: None,
                message: "flame reads one profile, or two (BASE NEW) for a differential graph"
                    .to_string(),
            })
        }
    };
    if !(args.min_width.is_finite() && (0.0..=100.0).contains(&args.min_width)) {
        return Err(Failure::new(
            "--min_width",
            "must be a percentage in [0, 100]",
        ));
    }
    if args.width == Some(0) {
        return Err(Failure::new("--width", "must be positive"));
    }
    if let Some(c) = &args.colors {
        svg::parse_palette(c).map_err(|e| Failure::new("--colors", e))?;
    }
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let load = LoadOptions {
        max_size: args.load.max_size,
    };
    let mut timer = Timer::from_env();
    let profile = pprofx::load(source, &load).map_err(|e| Failure::new(source, e))?;
    timer.lap("load");
    let analysis = Analysis::new(&profile, opts).map_err(|e| Failure::new(source, e))?;
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
            export::write_output(&args.output, |w| export::write_folded(&tree, w))
        }
        FlameFormat::Speedscope => export::write_output(&args.output, |w| {
            export::write_speedscope(&tree, &title, &unit, w)
        }),
        FlameFormat::Svg => {
            let svg_opts = svg::SvgOptions {
                title,
                count_name: unit.clone(),
                width: args.width,
                icicle: args.icicle,
                palette: args.colors.clone().unwrap_or_else(|| {
                    svg::default_palette(&analysis.sel.type_name, &unit).to_string()
                }),
                min_width: args.min_width,
            };
            export::write_output(&args.output, |w| svg::write_svg(&tree, &svg_opts, w))
        }
    };
    timer.lap("render+write");
    result.map_err(|e| Failure::new(&args.output, e))
}

fn run_flame_diff(args: &FlameArgs, base: &str, new: &str) -> Result<(), Failure> {
    use pprofx::flame::{diff, export, StackTree, TreeOptions};
    if args.format != cli::FlameFormat::Svg {
        return Err(Failure::new(
            "--format",
            "differential graphs are SVG only for now",
        ));
    }
    if !(args.min_width.is_finite() && (0.0..=100.0).contains(&args.min_width)) {
        return Err(Failure::new(
            "--min_width",
            "must be a percentage in [0, 100]",
        ));
    }
    if args.width == Some(0) {
        return Err(Failure::new("--width", "must be positive"));
    }
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let load = LoadOptions {
        max_size: args.load.max_size,
    };
    let tree_opts = TreeOptions {
        min_width: args.min_width,
        reverse: args.reverse,
    };
    let pb = pprofx::load(base, &load).map_err(|e| Failure::new(base, e))?;
    let pn = pprofx::load(new, &load).map_err(|e| Failure::new(new, e))?;
    let ab = Analysis::new(&pb, opts.clone()).map_err(|e| Failure::new(base, e))?;
    let an = Analysis::new(&pn, opts).map_err(|e| Failure::new(new, e))?;
    if ab.sel.unit != an.sel.unit {
        return Err(Failure::new(
            new,
            format!(
                "sample unit {:?} differs from the base profile's {:?}",
                an.sel.unit, ab.sel.unit
            ),
        ));
    }
    let merged = diff::DiffTree::merge(
        &StackTree::build(&ab, &tree_opts),
        &StackTree::build(&an, &tree_opts),
    );
    let name = |s: &str| {
        if s == "-" {
            "stdin".to_string()
        } else {
            pprofx::graph::go_base(s).to_string()
        }
    };
    let o = diff::DiffSvgOptions {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| format!("{} → {} — {}", name(base), name(new), an.sel.type_label)),
        unit: an.sel.unit.clone(),
        width: args.width.unwrap_or(1200),
        icicle: args.icicle,
        min_width: args.min_width,
        noise: 0.1,
    };
    export::write_output(&args.output, |w| diff::write_diff_svg(&merged, &o, w))
        .map_err(|e| Failure::new(&args.output, e))
}

/// Stage timings on stderr when `PPROFX_TIMINGS` is set (for benchmarking).
struct Timer(Option<std::time::Instant>);

impl Timer {
    fn from_env() -> Self {
        Timer(std::env::var_os("PPROFX_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn lap(&mut self, stage: &str) {
        if let Some(t) = self.0 {
            eprintln!("pprofx: {stage}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
            self.0 = Some(std::time::Instant::now());
        }
    }
}

/// Writes to a buffered stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(64 * 1024, stdout.lock());
    match f(&mut w).and_then(|()| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new("stdout", e)),
    }
}
