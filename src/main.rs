//! The `pprofx` binary: reads the command line and hands it to one front
//! end. A first argument that names a subcommand (`top`, `diff`, `flame`…)
//! goes to clap; anything else is pprof's own command line
//! (`pprofx -top cpu.pb.gz`, `pprofx cpu.pb.gz` for the shell). Exit codes
//! are in [`cli::run`].

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::run::{self, Failure};
use cli::{Cli, Command};

/// Huge pages for the big load buffers (see `pprofx::util::alloc`).
#[global_allocator]
static ALLOCATOR: pprofx::util::alloc::HugePages = pprofx::util::alloc::HugePages;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `serve` takes pprof's command line, read by pprof's parser (not clap).
    let serve = argv.get(1).is_some_and(|a| a == "serve");
    if serve || !cli::is_subcommand_line(&argv) {
        let from = if serve { 2 } else { 1 };
        let Some(args) = argv[from..]
            .iter()
            .map(|a| a.to_str().map(String::from))
            .collect::<Option<Vec<_>>>()
        else {
            return Failure::usage("arguments", "are not valid UTF-8").report();
        };
        return match cli::pprof::parse(&args) {
            Err(e) => Failure {
                subject: None,
                message: e,
                code: run::USAGE,
            }
            .report(),
            Ok(a) if serve => finish(cli::pprof::serve(a)),
            Ok(a) => finish(cli::pprof::run(a)),
        };
    }
    let cli = match Cli::try_parse_from(cli::normalize_args_os(argv.clone())) {
        Ok(c) => c,
        Err(e) => return cli::usage_failure(&e, &argv).report(),
    };
    finish(match cli.command {
        Command::Top(args) => run::run_report("top", None, &args),
        Command::Diff(args) => return cli::diff::run_diff(&args),
        Command::Merge(args) => run::run_merge(&args),
        Command::Traces(args) => run::run_report("traces", None, &args),
        Command::Tags(args) => run::run_report("tags", None, &args),
        Command::Comments(args) => run::run_report("comments", None, &args),
        Command::Raw(args) => run::run_report("raw", None, &args),
        Command::Tree(args) => run::run_report("tree", None, &args),
        Command::Peek(args) => run::run_report("peek", Some(&args.regex), &args.common),
        Command::List(args) => run::run_report("list", Some(&args.regex), &args.common),
        Command::Flame(args) => cli::flame::run_flame(&args),
        Command::Pgo(args) => return cli::pgo::run(&args),
        // Reached only through clap's own paths (main reads `serve` itself).
        Command::Serve(a) => cli::pprof::parse(&a.args)
            .map_err(|e| Failure::usage("serve", e))
            .and_then(cli::pprof::serve),
        Command::Graph(args) => cli::graph::run_graph(&args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "pprofx", &mut script);
            run::write_stdout(|w| w.write_all(&script))
        }
        Command::Export(args) => cli::export::run(&args),
        Command::Man => run::write_stdout(|w| clap_mangen::Man::new(Cli::command()).render(w)),
    })
}

/// Exit 0, or print the failure and exit with its code.
fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}
