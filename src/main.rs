//! The `pprofx` binary: parses the command line and runs one library call.
//!
//! Exit status: 0 success, 1 runtime error (unreadable or invalid profile,
//! bad option value for this profile), 2 usage error (clap). `diff` has its
//! own codes (see [`diff_cmd::run_diff`]).

mod cli;
mod diff_cmd;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command, TopArgs};
use pprofx::report::top::TopReport;
use pprofx::report::Analysis;

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
        Command::Diff(args) => return diff_cmd::run_diff(&args),
        Command::Merge(args) => run_merge(&args),
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
    let (opts, warnings) = args.report.to_options();
    for w in warnings {
        eprintln!("{w}");
    }
    let mut timer = Timer::from_env();
    let profile = load_sources(&args.load, &args.profiles)?;
    timer.lap("load");
    let source = args.profiles.join(" ");
    let analysis = Analysis::new(&profile, opts).map_err(|e| Failure::new(&source, e))?;
    for m in &analysis.messages {
        eprintln!("{m}");
    }
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

/// Loads, merges and applies the base profiles of a command line.
fn load_sources(load: &cli::LoadArgs, profiles: &[String]) -> Result<pprofx::Profile, Failure> {
    use pprofx::sources::SourceError;
    pprofx::sources::load_profile(&load.spec(profiles), &load.options()).map_err(|e| match e {
        SourceError::Load { source, error } => Failure::new(&source, error),
        e => Failure {
            subject: None,
            message: e.to_string(),
        },
    })
}

fn run_merge(args: &cli::MergeArgs) -> Result<(), Failure> {
    let profile = load_sources(&args.load, &args.profiles)?;
    let out = args.output.display().to_string();
    pprofx::encode::write_file(&profile, &args.output).map_err(|e| Failure::new(&out, e))
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
