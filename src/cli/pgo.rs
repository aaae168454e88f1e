//! `pprofx pgo report|merge|diff`: flags and calls into [`pprofx::pgo`].
//! Exit codes are every command's (1 error, 2 usage); `pgo diff` exits 3
//! when `--fail_above` is crossed, as `pprofx diff` does for its gates.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use pprofx::pgo::{self, costs::InlineCosts, diff, input, merge, report};

use super::run::{Failure, GATE, USAGE};
use super::FetchArgs;

const PGO_HELP: &str = "\
Examples:
  pprofx pgo report default.pgo                 the compiler's call-site edges, hot set, warnings
  pprofx pgo report --json cpu.pb.gz | jq '.edges[] | select(.hot)'
  pprofx pgo report --preprofile cpu.pb.gz      the same bytes as `go tool preprofile -i cpu.pb.gz`
  pprofx pgo merge --weight 2,1 --keep_leaves 5 -o default.pgo prod.pb.gz canary.pb.gz
  pprofx pgo diff --fail_above 10 default.pgo fresh.pb.gz   exit 3: time to refresh default.pgo";

/// `pprofx pgo`: what `go build -pgo` takes from a profile.
#[derive(Debug, Args)]
#[command(after_help = PGO_HELP)]
pub struct PgoArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub command: PgoCommand,
}

/// The `pgo` subcommands.
#[derive(Debug, Subcommand)]
pub enum PgoCommand {
    /// The call-site edges as Go's compiler computes them, the hot set (99% of
    /// the weight), devirtualization candidates and warnings.
    #[command(after_help = PGO_HELP)]
    Report(Box<PgoReportArgs>),
    /// Merge CPU profiles into one default.pgo, with weights, keeping start_line.
    #[command(after_help = PGO_HELP)]
    Merge(Box<PgoMergeArgs>),
    /// Which call sites entered or left the hot set, and how much weight
    /// moved; exit 3 above --fail_above.
    #[command(after_help = PGO_HELP)]
    Diff(Box<PgoDiffArgs>),
}

/// Input options shared by the `pgo` subcommands.
#[derive(Debug, Args)]
pub struct PgoInputArgs {
    /// Refuse profiles whose decompressed size exceeds this many bytes.
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = pprofx::decode::DEFAULT_MAX_SIZE, help_heading = "Input")]
    pub max_size: u64,
    /// Options of URL sources.
    #[command(flatten)]
    pub fetch: FetchArgs,
}

impl PgoInputArgs {
    fn options(&self) -> pprofx::LoadOptions {
        pprofx::LoadOptions {
            max_size: self.max_size,
            text_symbols: false,
            fetch: self.fetch.options(),
        }
    }
}

/// Arguments of `pprofx pgo report`.
#[derive(Debug, Args)]
pub struct PgoReportArgs {
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "preprofile")]
    pub json: bool,
    /// Print the edges in `go tool preprofile`'s format (GO PREPROFILE V1).
    #[arg(long)]
    pub preprofile: bool,
    /// Write to FILE (through a temporary file renamed into place) instead of
    /// standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
    /// Edges listed in the text table (0 = all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub edgecount: usize,
    /// The hot set's share of the weight in percent (the compiler's
    /// -d=pgoinlinecdfthreshold).
    #[arg(long = "cdf_threshold", value_name = "PERCENT", default_value_t = pgo::CDF_THRESHOLD, value_parser = parse_percent)]
    pub cdf_threshold: f64,
    /// The compiler's inlining log (`go build -gcflags=-m=2 2> FILE`, or
    /// `-gcflags=all=-m=2`): gives the callees' costs and size classes.
    #[arg(long = "inline_costs", value_name = "FILE")]
    pub inline_costs: Option<String>,
    /// Input options.
    #[command(flatten)]
    pub input: PgoInputArgs,
    /// CPU profiles (several are merged), or `go tool preprofile` output.
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

/// Arguments of `pprofx pgo merge`.
#[derive(Debug, Args)]
pub struct PgoMergeArgs {
    /// Where to write the merged profile (gzipped profile.proto).
    #[arg(short = 'o', long, value_name = "FILE", required = true)]
    pub output: String,
    /// One positive integer weight per profile, comma-separated (default: all 1).
    #[arg(long, value_name = "W1,W2,...", value_delimiter = ',')]
    pub weight: Vec<i64>,
    /// Keep only the last N locations of each stack (the compiler reads 2).
    #[arg(long = "keep_leaves", value_name = "N")]
    pub keep_leaves: Option<usize>,
    /// Drop sample labels (the compiler ignores them; the file gets smaller).
    #[arg(long = "drop_labels")]
    pub drop_labels: bool,
    /// Input options.
    #[command(flatten)]
    pub input: PgoInputArgs,
    /// The CPU profiles.
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

/// Arguments of `pprofx pgo diff`.
#[derive(Debug, Args)]
pub struct PgoDiffArgs {
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 3 when more than this percentage of the weight moved between call sites.
    #[arg(long = "fail_above", value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_above: Option<f64>,
    /// The hot set's share of the weight in percent.
    #[arg(long = "cdf_threshold", value_name = "PERCENT", default_value_t = pgo::CDF_THRESHOLD, value_parser = parse_percent)]
    pub cdf_threshold: f64,
    /// Rows listed per section in the text output (0 = all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub edgecount: usize,
    /// Input options.
    #[command(flatten)]
    pub input: PgoInputArgs,
    /// The profile the build uses now (default.pgo, a profile or preprofile output).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The fresh profile.
    #[arg(value_name = "NEW")]
    pub new: String,
}

/// A percentage from 0 to 100.
fn parse_percent(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("invalid percentage {s:?}"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(format!("{s} is not between 0 and 100"));
    }
    Ok(v)
}

/// Runs `pprofx pgo …`.
pub fn run(args: &PgoArgs) -> ExitCode {
    let result = match &args.command {
        PgoCommand::Report(a) => run_report(a),
        PgoCommand::Merge(a) => run_merge(a),
        PgoCommand::Diff(a) => return run_diff(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

fn input_failure(e: input::InputError) -> Failure {
    match e {
        input::InputError::Load { input, error } => Failure::new(&input, error),
        input::InputError::Pgo { input, error } => Failure::new(&input, error),
        e => Failure::plain(e),
    }
}

fn run_report(a: &PgoReportArgs) -> Result<(), Failure> {
    let costs = match &a.inline_costs {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::new(path, pprofx::error::LoadError::Io(e)))?;
            let c = InlineCosts::parse(&text);
            if c.is_empty() {
                return Err(Failure::new(
                    path,
                    "no \"can inline\" or \"cannot inline\" lines: expected the output of go build -gcflags=-m=2",
                ));
            }
            Some(c)
        }
    };
    let loaded = input::load(&a.profiles, &a.input.options()).map_err(input_failure)?;
    let opts = report::ReportOptions {
        cdf_threshold: a.cdf_threshold,
        edgecount: (a.edgecount > 0).then_some(a.edgecount),
        costs,
    };
    let r = report::PgoReport::build(&a.profiles, loaded, &opts);
    let (json, pre) = (a.json, a.preprofile);
    // Text keeps names' original bytes; JSON stays valid UTF-8.
    let target = a.output.as_deref().unwrap_or("-");
    let written = if json {
        pprofx::util::output::write_valid(target, |w| {
            serde_json::to_writer_pretty(&mut *w, &r.to_json())?;
            writeln!(w)
        })
    } else {
        pprofx::util::output::write_text(target, |w| {
            if pre {
                r.write_preprofile(w)
            } else {
                r.write_text(w)
            }
        })
    };
    written.map_err(|e| Failure::new(if target == "-" { "stdout" } else { target }, e))
}

fn run_merge(a: &PgoMergeArgs) -> Result<(), Failure> {
    let opts = a.input.options();
    let mut inputs = Vec::with_capacity(a.profiles.len());
    for source in &a.profiles {
        match input::read(source, &opts).map_err(input_failure)? {
            input::Input::Profile(p) => inputs.push((source.clone(), *p)),
            input::Input::Serialized(_) => return Err(Failure::new(
                source,
                "is go tool preprofile output, not a profile: merge the profiles it was made from",
            )),
            input::Input::Empty => {
                return Err(Failure::new(source, "empty input file"));
            }
        }
    }
    let mopts = merge::MergeOptions {
        weights: a.weight.clone(),
        keep_leaves: a.keep_leaves,
        drop_labels: a.drop_labels,
    };
    let m = merge::weighted_merge(inputs, &mopts).map_err(Failure::plain)?;
    for w in &m.warnings {
        pprofx::note!("pprofx: warning: {}", w.message);
    }
    pprofx::model::encode::write_file(&m.profile, std::path::Path::new(&a.output))
        .map_err(|e| Failure::new(&a.output, e))?;
    let parts: Vec<String> = a
        .profiles
        .iter()
        .zip(&m.inputs)
        .zip(&m.weights)
        .map(|((name, t), w)| format!("{w} × {} ({name})", t.total_weight))
        .collect();
    let hot = pgo::hot::hot_set(&m.table, pgo::CDF_THRESHOLD);
    pprofx::note!(
        "pprofx: wrote {}: {} samples, {} call-site edges ({} hot), total weight {} = {}{}",
        a.output,
        m.profile.samples.len(),
        m.table.edges.len(),
        hot.count,
        m.table.total_weight,
        parts.join(" + "),
        if m.verified {
            " (checked edge by edge)"
        } else {
            ""
        }
    );
    Ok(())
}

fn run_diff(a: &PgoDiffArgs) -> ExitCode {
    let fail = |f: Failure| f.report();
    if a.old == "-" && a.new == "-" {
        return fail(Failure {
            subject: None,
            message: "standard input (-) can be read only once".to_string(),
            code: USAGE,
        });
    }
    let opts = a.input.options();
    let mut sides = Vec::with_capacity(2);
    for name in [&a.old, &a.new] {
        let loaded = match input::load(std::slice::from_ref(name), &opts) {
            Ok(l) => l,
            Err(e) => return fail(input_failure(e)),
        };
        for w in &loaded.warnings {
            pprofx::note!("pprofx: warning: {}", w.message);
        }
        sides.push(diff::Side::new(name, loaded.table, a.cdf_threshold));
    }
    let new = sides
        .pop()
        .unwrap_or_else(|| diff::Side::new("", Default::default(), 99.0));
    let old = sides
        .pop()
        .unwrap_or_else(|| diff::Side::new("", Default::default(), 99.0));
    let d = diff::PgoDiff::new(
        old,
        new,
        a.fail_above,
        (a.edgecount > 0).then_some(a.edgecount),
    );
    let json = a.json;
    let written = if json {
        pprofx::util::output::write_valid("-", |w| {
            serde_json::to_writer_pretty(&mut *w, &d.to_json())?;
            writeln!(w)
        })
    } else {
        pprofx::util::output::write_text("-", |w| d.write_text(w))
    }
    .map_err(|e| Failure::new("stdout", e));
    if let Err(f) = written {
        return fail(f);
    }
    ExitCode::from(if d.crossed() { GATE } else { 0 })
}
