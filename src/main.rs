//! The `pprofx` binary: parses the command line and runs one library call.
//!
//! Exit status: 0 success, 1 runtime error (unreadable or invalid profile,
//! bad option value for this profile), 2 usage error (clap). `diff` has its
//! own codes (see [`cli::diff::run_diff`]).

mod cli;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command, FlameArgs, TopArgs};
use pprofx::graph::analysis::Analysis;
use pprofx::report::top::TopReport;
use pprofx::report::Render;

/// Huge pages for the big load buffers (see `pprofx::util::alloc`).
#[global_allocator]
static ALLOCATOR: pprofx::util::alloc::HugePages = pprofx::util::alloc::HugePages;

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
    let args = cli::normalize_args_os(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Top(args) => run_top(&args),
        Command::Diff(args) => return cli::diff::run_diff(&args),
        Command::Merge(args) => run_merge(&args),
        Command::Traces(args) => run_report(Report::Traces, &args),
        Command::Tags(args) => run_report(Report::Tags, &args),
        Command::Comments(args) => run_report(Report::Comments, &args),
        Command::Raw(args) => run_report(Report::Raw, &args),
        Command::Tree(args) => run_report(Report::Tree, &args),
        Command::Peek(args) => run_report(Report::Peek(&args.regex), &args.common),
        Command::List(args) => run_report(Report::List(&args.regex), &args.common),
        Command::Flame(args) => run_flame(&args),
        Command::Graph(args) => cli::graph::run_graph(&args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "pprofx", &mut script);
            write_stdout(|w| w.write_all(&script))
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
    if args.out.proto {
        return run_proto(args);
    }
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let mut timer = pprofx::util::timing::Timer::from_env();
    let profile = load_sources(&args.load, &args.profiles)?;
    timer.lap("load");
    let source = args.profiles.join(" ");
    let analysis = Analysis::new(&profile, opts).map_err(|e| Failure::new(&source, e))?;
    timer.lap("aggregate");
    for m in &analysis.messages {
        eprintln!("{m}");
    }
    let report = TopReport::build(&analysis);
    timer.lap("trim+report");
    let printed = print(&report, args);
    timer.lap("print");
    // The process ends next: freeing the profile and its analysis piece by
    // piece would only add time (milliseconds on large profiles).
    std::mem::forget(analysis);
    std::mem::forget(profile);
    printed
}

/// The reports other than `top`.
#[derive(Clone, Copy)]
enum Report<'a> {
    Traces,
    Tags,
    Comments,
    Raw,
    Tree,
    Peek(&'a str),
    List(&'a str),
}

fn run_report(kind: Report<'_>, args: &TopArgs) -> Result<(), Failure> {
    use pprofx::report::{comments, list, raw, tags, traces, tree};
    if args.out.proto {
        return run_proto(args);
    }
    let (mut opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    opts = match kind {
        Report::Raw => raw::raw_options(opts),
        Report::Tree => tree::tree_options(opts),
        Report::Peek(_) => tree::peek_options(opts),
        Report::List(_) => list::list_options(opts),
        _ => opts,
    };
    let profile = load_sources(&args.load, &args.profiles)?;
    let source = args.profiles.join(" ");
    let source = source.as_str();
    let an = Analysis::new(&profile, opts).map_err(|e| Failure::new(source, e))?;
    for m in &an.messages {
        eprintln!("{m}");
    }
    let report: Box<dyn Render + '_> = match kind {
        Report::Traces => Box::new(traces::TracesReport::build(&an)),
        Report::Tags => Box::new(tags::TagsReport::build(&an)),
        Report::Comments => Box::new(comments::CommentsReport::build(&profile)),
        Report::Raw => Box::new(raw::RawReport::build(&an)),
        Report::Tree => Box::new(tree::TreeReport::tree(&an)),
        Report::Peek(rx) => {
            Box::new(tree::TreeReport::peek(&an, rx).map_err(|e| Failure::new(source, e))?)
        }
        Report::List(rx) => {
            let list = list::ListReport::build(&an, rx).map_err(|e| Failure::new(source, e))?;
            if let Some(w) = &list.source_warning {
                eprintln!("{w}");
            }
            Box::new(list)
        }
    };
    print(report.as_ref(), args)
}

/// Prints a report as text, or as JSON under `--json`, to stdout or to the
/// `-o` file (written to a temporary file and renamed).
fn print(report: &dyn Render, args: &TopArgs) -> Result<(), Failure> {
    let json = args.json;
    let write = |w: &mut dyn Write| {
        if json {
            serde_json::to_writer_pretty(&mut *w, &report.to_json())?;
            writeln!(w)
        } else {
            report.write_text(w)
        }
    };
    match args.out.output.as_deref() {
        None => write_stdout(write),
        Some(target) => {
            pprofx::util::output::write_output(target, write).map_err(|e| Failure::new(target, e))
        }
    }
}

/// `--proto -o FILE`: writes the profile as the report sees it (after the
/// base, drop_frames and the filters), as `go tool pprof -proto` does.
fn run_proto(args: &TopArgs) -> Result<(), Failure> {
    use pprofx::report::proto;
    let Some(target) = args.out.output.as_deref() else {
        return Err(Failure::new("--proto", "needs -o FILE"));
    };
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let profile = load_sources(&args.load, &args.profiles)?;
    let source = args.profiles.join(" ");
    let an = Analysis::new(&profile, proto::proto_options(opts))
        .map_err(|e| Failure::new(&source, e))?;
    for m in &an.messages {
        eprintln!("{m}");
    }
    let out = proto::filtered_profile(&an);
    if target != "-" {
        return pprofx::model::encode::write_file(&out, std::path::Path::new(target))
            .map_err(|e| Failure::new(target, e));
    }
    if io::IsTerminal::is_terminal(&io::stdout()) {
        return Err(Failure::new(
            "-o -",
            "refusing to write a binary profile to a terminal",
        ));
    }
    let bytes = pprofx::model::encode::gzipped(&out).map_err(|e| Failure::new(target, e))?;
    write_stdout(|w| w.write_all(&bytes))
}

/// Loads, merges and applies the base profiles of a command line, then the
/// load-time options (`--add_comment`).
fn load_sources(load: &cli::LoadArgs, profiles: &[String]) -> Result<pprofx::Profile, Failure> {
    use pprofx::combine::SourceError;
    let mut profile = pprofx::combine::load_profile(&load.spec(profiles), &load.options())
        .map_err(|e| match e {
            SourceError::Load { source, error } => Failure::new(&source, error),
            // One source: name it; several: the message is about all of them.
            e => Failure {
                subject: (profiles.len() == 1).then(|| profiles[0].clone()),
                message: e.to_string(),
            },
        })?;
    load.symbolize(&mut profile);
    if let Some(c) = &load.add_comment {
        let idx = profile.strings.push(c).ok_or_else(|| Failure {
            subject: None,
            message: "too many strings to add a comment".to_string(),
        })?;
        profile.comments.push(idx);
    }
    Ok(profile)
}

fn run_merge(args: &cli::MergeArgs) -> Result<(), Failure> {
    let profile = load_sources(&args.load, &args.profiles)?;
    let out = args.output.display().to_string();
    pprofx::model::encode::write_file(&profile, &args.output).map_err(|e| Failure::new(&out, e))
}

/// Checks the flame options that clap cannot (ranges, combinations), before
/// any loading.
fn check_flame_args(args: &FlameArgs) -> Result<(), Failure> {
    if args.html && args.format != cli::FlameFormat::Svg {
        return Err(Failure::new(
            "--html",
            "writes its own format; leave out --format",
        ));
    }
    cli::flame::check(args.min_width, args.width)
}

/// The drawing options of `pprofx flame`.
fn draw_options(args: &FlameArgs) -> cli::flame::DrawOptions<'_> {
    cli::flame::DrawOptions {
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
    check_flame_args(args)?;
    if let Some(c) = &args.colors {
        svg::parse_palette(c).map_err(|e| Failure::new("--colors", e))?;
    }
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let mut timer = pprofx::util::timing::Timer::from_env();
    let profile = load_sources(&args.load, std::slice::from_ref(source))?;
    timer.lap("load");
    let analysis = Analysis::new(&profile, opts).map_err(|e| Failure::new(source, e))?;
    for m in &analysis.messages {
        eprintln!("{m}");
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
            pprofx::util::output::write_output(&args.output, |w| export::write_folded(&tree, w))
        }
        FlameFormat::Speedscope => pprofx::util::output::write_output(&args.output, |w| {
            export::write_speedscope(&tree, &title, &unit, w)
        }),
        FlameFormat::Svg => {
            let palette = args.colors.clone().unwrap_or_else(|| {
                svg::default_palette(&analysis.sel.type_name, &unit).to_string()
            });
            if args.html {
                let r = cli::flame::write_single_html(
                    &draw_options(args),
                    &analysis,
                    &tree,
                    title,
                    &palette,
                );
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
            pprofx::util::output::write_output(&args.output, |w| {
                svg::write_svg(&tree, &svg_opts, w)
            })
        }
    };
    timer.lap("render+write");
    result.map_err(|e| Failure::new(&args.output, e))
}

fn run_flame_diff(args: &FlameArgs, base: &str, new: &str) -> Result<(), Failure> {
    if args.format != cli::FlameFormat::Svg {
        return Err(Failure::new(
            "--format",
            "differential graphs are SVG or HTML (--html) only",
        ));
    }
    check_flame_args(args)?;
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let pb = load_sources(&args.load, &[base.to_string()])?;
    let pn = load_sources(&args.load, &[new.to_string()])?;
    let ab = Analysis::new(&pb, opts.clone()).map_err(|e| Failure::new(base, e))?;
    let an = Analysis::new(&pn, opts.clone()).map_err(|e| Failure::new(new, e))?;
    let draw = draw_options(args);
    if !args.html {
        return cli::flame::write_diff(&draw, (base, &ab), (new, &an), None);
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
        pprofx::diff::diff(&[(base, &pb), (new, &pn)], &diff_opts).map_err(|e| Failure {
            subject: None,
            message: e.to_string(),
        })?;
    let rows = pprofx::diff::render::visible_rows(&report, &render_opts).rows;
    cli::flame::write_diff(&draw, (base, &ab), (new, &an), Some((&report, rows)))
}

/// Writes to a buffered stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    pprofx::util::output::write_output("-", f).map_err(|e| Failure::new("stdout", e))
}
