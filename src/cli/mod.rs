//! Command-line definitions of the `pprofx` binary.
//!
//! clap describes the commands and flags; [`normalize_args`] first rewrites
//! pprof's spellings (`-nodecount=5`, `--sample-index x`) into the canonical
//! `--nodecount=5` / `--sample_index x`, so a Go engineer's muscle memory works
//! unchanged. Boolean flags take a value only with `=` (`-trim=false`), as in
//! Go's flag package.

pub mod diff;
pub mod export;
pub mod flame;
pub mod graph;
pub mod pgo;
pub mod pprof;
pub mod run;
pub mod shell;

use run::Failure;

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use pprofx::engine::Config;
use pprofx::graph::analysis::ReportOptions;

const EXAMPLES: &str = "\
Examples:
  pprofx top cpu.pb.gz                        hottest functions of a CPU profile
  pprofx top -cum -nodecount=20 cpu.pb.gz     top 20 by cumulative cost
  pprofx top -sample_index=alloc_space heap.pb.gz
  curl -s host:6060/debug/pprof/heap | pprofx top -
  pprofx top --json cpu.pb.gz | jq '.rows[0]'
  pprofx top cpu1.pb.gz cpu2.pb.gz            several profiles, merged
  pprofx top -diff_base old.pb.gz new.pb.gz   what changed, % of the old profile
  pprofx merge -o all.pb.gz cpu*.pb.gz        write the merged profile
  pprofx top localhost:6060 --seconds=10      fetch a 10 s CPU profile (saved in ~/pprof)
  pprofx top -focus=X --proto -o x.pb.gz cpu.pb.gz   write the filtered profile

pprof's flag spellings work too: -nodecount=5, --nodecount 5, -sample_index=x, --sample-index=x.
Exit status: 0 ok, 1 error (unreadable or invalid profile…), 2 usage error.";

const MAIN_HELP: &str = "\
Examples:
  pprofx top cpu.pb.gz                        hottest functions of a CPU profile
  pprofx top -sample_index=alloc_space heap.pb.gz
  pprofx diff heap1.pb.gz heap2.pb.gz         what grew between two snapshots
  pprofx flame --html -o cpu.html cpu.pb.gz   an offline flame graph page

pprof's own command line works too (alias pprof=pprofx):
  pprofx -top -cum cpu.pb.gz                  one report: -top -text -traces -tags -raw -tree
                                              -comments -peek=RE -list=RE -proto, -output=FILE
  pprofx cpu.pb.gz                            the (pprof) shell: top, list RE, peek RE, help, o…
  printf 'top 5\\nlist main.f\\n' | pprofx cpu.pb.gz   shell commands from a pipe
  pprofx ./myapp cpu.pb.gz                    a binary before the profile is accepted (not needed)
Options are pprof's, in Go's flag syntax (-nodecount=5, -focus RE, -trim=false);
`pprofx top --help` lists them.

Exit status: 0 ok, 1 error (unreadable or invalid profile…), 2 usage error;
`pprofx diff`: 3 when a --fail_on_* gate is crossed.";

const GRAPH_HELP: &str = "\
Examples:
  pprofx graph -o cpu.svg cpu.pb.gz              the call graph as SVG (pan and zoom), no Graphviz
  pprofx graph --format=png -o cpu.png -nodecount=30 cpu.pb.gz
  pprofx graph --format=dot cpu.pb.gz            DOT text, as go tool pprof -dot
  pprofx -svg cpu.pb.gz > cpu.svg                pprof's spelling (also -png, -pdf, -dot, -callgrind, -web)";

const MERGE_HELP: &str = "\
Examples:
  pprofx merge -o fleet.pb.gz shard1.pb.gz shard2.pb.gz
  pprofx merge -o day.pb.gz 'shards/*.pb.gz'                    a quoted glob, expanded by pprofx
  pprofx merge --skip_bad -o all.pb.gz @list.txt shards/        a list of paths, a directory
  pprofx merge -o delta.pb.gz -base=before.pb.gz after.pb.gz    the difference, as a profile
  pprofx top fleet.pb.gz                                        then read it as one profile";

const TRACES_HELP: &str = "\
Examples:
  pprofx traces goroutine.pb.gz                 every goroutine stack with its count
  pprofx traces -focus=handler cpu.pb.gz        only samples through a handler
  pprofx traces --json heap.pb.gz | jq '.traces[0]'";

const TAGS_HELP: &str = "\
Examples:
  pprofx tags cpu.pb.gz                         CPU time per label value (pprof.Do labels)
  pprofx tags -tagfocus=tenant=t3 cpu.pb.gz     only samples labelled tenant=t3
  pprofx tags -sample_index=alloc_space heap.pb.gz";

const COMMENTS_HELP: &str = "\
Examples:
  pprofx comments cpu.pb.gz
  pprofx comments -add_comment=\"release 1.4\" cpu.pb.gz";

const RAW_HELP: &str = "\
Examples:
  pprofx raw cpu.pb.gz | less                   the whole profile as text
  pprofx raw --json cpu.pb.gz | jq '.sample_types'";

const TREE_HELP: &str = "\
Examples:
  pprofx tree cpu.pb.gz                         the 80 heaviest functions with callers and callees
  pprofx tree -nodecount=10 -cum cpu.pb.gz
  pprofx tree -focus=main.handle cpu.pb.gz";

const PEEK_HELP: &str = "\
Examples:
  pprofx peek 'main\\.parse$' cpu.pb.gz         who calls main.parse, and what it calls
  pprofx peek -lines 'json' cpu.pb.gz           at line granularity";

const LIST_HELP: &str = "\
Examples:
  pprofx list main.parse cpu.pb.gz              the source of main.parse, cost per line
  pprofx list -source_path=$HOME/src/app 'handler' cpu.pb.gz
  pprofx list -sample_index=alloc_space 'decode' heap.pb.gz";

const FLAME_HELP: &str = "\
Examples:
  pprofx flame -o cpu.svg cpu.pb.gz              an SVG flame graph (zoom and search in a browser)
  pprofx flame --html -o report.html cpu.pb.gz   one offline page: flame graph and top table
  pprofx flame -o diff.svg old.pb.gz new.pb.gz   differential: red grew, blue shrank
  pprofx flame --format=folded -o - cpu.pb.gz    folded stacks for other tools";

/// pprofx — a fast analyzer for pprof profiles.
#[derive(Debug, Parser)]
#[command(name = "pprofx", version, about, after_help = MAIN_HELP)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the heaviest nodes, as `go tool pprof -top` does.
    #[command(after_help = EXAMPLES, args_override_self = true)]
    Top(Box<TopArgs>),
    /// Compare profiles: what grew, what shrank, with confidence; exit 3 when
    /// a --fail_on_* threshold is crossed (a CI gate).
    #[command(after_help = DIFF_HELP, args_override_self = true)]
    Diff(Box<DiffArgs>),
    /// Merge profiles (pprof's rules, with -base/-diff_base) into one
    /// gzipped profile.proto that `go tool pprof` reads.
    #[command(after_help = MERGE_HELP)]
    Merge(Box<MergeArgs>),
    /// Print every sample's stack, as `go tool pprof -traces` does.
    #[command(after_help = TRACES_HELP, args_override_self = true)]
    Traces(Box<TopArgs>),
    /// Show how values split over sample labels, as `go tool pprof -tags` does.
    #[command(after_help = TAGS_HELP, args_override_self = true)]
    Tags(Box<TopArgs>),
    /// Print the profile's comments, as `go tool pprof -comments` does.
    #[command(after_help = COMMENTS_HELP, args_override_self = true)]
    Comments(Box<TopArgs>),
    /// Dump the profile as text, as `go tool pprof -raw` does.
    #[command(after_help = RAW_HELP, args_override_self = true)]
    Raw(Box<TopArgs>),
    /// Show nodes with their callers and callees, as `go tool pprof -tree` does.
    #[command(after_help = TREE_HELP, args_override_self = true)]
    Tree(Box<TopArgs>),
    /// Like tree, for the nodes matching REGEX only, as `go tool pprof -peek=REGEX`.
    #[command(after_help = PEEK_HELP, args_override_self = true)]
    Peek(Box<PeekArgs>),
    /// Annotated source of the functions matching REGEX, as `go tool pprof -list=REGEX`.
    #[command(after_help = LIST_HELP, args_override_self = true)]
    List(Box<PeekArgs>),
    /// Draw a flame graph (SVG, or an HTML report with --html; two profiles: differential),
    /// or export folded stacks or speedscope JSON.
    #[command(after_help = FLAME_HELP, args_override_self = true)]
    Flame(Box<FlameArgs>),
    /// What Go's profile-guided optimization takes from a profile: report,
    /// merge (weighted) and diff of the compiler's hot call sites.
    Pgo(Box<pgo::PgoArgs>),
    /// Serve the web UI (pprof's -http): `pprofx serve [-http=[host]:port]
    /// [-no_browser] [options] source…`; the options are pprof's, as in
    /// `pprofx -http=:8080 [options] source…`. Default address: localhost, a free port.
    #[command(disable_help_flag = true)]
    Serve(ServeArgs),
    /// Draw the call graph (SVG, PNG, PDF; pprofx's own layout, no Graphviz),
    /// or write it as `go tool pprof -dot` or `-callgrind` does.
    #[command(after_help = GRAPH_HELP, args_override_self = true)]
    Graph(Box<graph::GraphArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  pprofx completions bash > ~/.local/share/bash-completion/completions/pprofx\n  pprofx completions zsh > ~/.zfunc/_pprofx"
    )]
    Completions {
        /// The shell.
        shell: Shell,
    },
    /// Write profiles as Parquet rows (one per sample and sample type) for
    /// DuckDB, Spark, Trino…
    Export(Box<export::ExportArgs>),
    /// Print the manual page (roff): `pprofx man > pprofx.1`.
    #[command(
        after_help = "Examples:\n  pprofx man | man -l -\n  pprofx man > ~/.local/share/man/man1/pprofx.1"
    )]
    Man,
}

/// True when the command line is for a subcommand (or asks for the help or
/// the version), false when it is pprof's own (`pprofx -top cpu.pb.gz`,
/// `pprofx cpu.pb.gz`).
pub fn is_subcommand_line(argv: &[std::ffi::OsString]) -> bool {
    let Some(first) = argv.get(1).and_then(|a| a.to_str()) else {
        // No arguments: clap prints the usage.
        return argv.len() < 2;
    };
    if matches!(first, "-h" | "--help" | "-V" | "--version" | "help") {
        return true;
    }
    Cli::command()
        .get_subcommands()
        .any(|s| s.get_name() == first || s.get_all_aliases().any(|a| a == first))
}

/// A clap error as pprofx's one line: help and version are printed as clap
/// prints them (exit 0); a usage error becomes `pprofx: what is wrong (see
/// pprofx SUBCOMMAND --help)`, exit 2, with flags spelled as the help spells
/// them.
pub fn usage_failure(e: &clap::Error, argv: &[std::ffi::OsString]) -> Failure {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command line");
    let msg = first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .replace('\'', "");
    let sub = argv
        .get(1)
        .and_then(|a| a.to_str())
        .filter(|a| subcommand_names().iter().any(|n| n == a));
    let hint = match sub {
        Some(s) => format!(" (pprofx {s} --help)"),
        None => " (pprofx --help)".to_string(),
    };
    Failure {
        subject: None,
        message: format!("{msg}{hint}"),
        code: run::USAGE,
    }
}

/// The names of the subcommands.
pub fn subcommand_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

/// Prints the main help (`pprofx -help` in pprof's form).
pub fn print_help() {
    let _ = Cli::command().print_long_help();
}

/// Arguments of `pprofx serve`: pprof's command line.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// `-http=[host]:port`, `-no_browser`, pprof's options and the sources.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// Arguments of `pprofx peek`.
#[derive(Debug, Args)]
pub struct PeekArgs {
    /// Show the nodes whose printable name matches this regular expression.
    #[arg(value_name = "REGEX")]
    pub regex: String,
    /// The other arguments, as for `top`.
    #[command(flatten)]
    pub common: TopArgs,
}

/// Arguments of `pprofx top` (and of the other reports).
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where the output goes (`-o`), `--proto`.
    #[command(flatten)]
    pub out: OutputArgs,
    /// Report options shared with pprof.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Loading options.
    #[command(flatten)]
    pub load: LoadArgs,
    /// The profiles: files (profile.proto, gzipped or not, or the Go
    /// runtime's text formats), `-` for stdin, or URLs (`http://…`,
    /// `host:port[/path]`), fetched; several are merged.
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

const DIFF_HELP: &str = "\
Examples:
  pprofx diff heap1.pb.gz heap2.pb.gz heap3.pb.gz    leak hunting (inuse_space, absolute)
  pprofx diff old.cpu.pb.gz new.cpu.pb.gz            CPU regression (share of cum, in pp)
  pprofx diff --fail_on_growth=10MB base.heap new.heap && echo ok
  pprofx diff --json g1.pb.gz g2.pb.gz | jq '.rows[:5]'
  pprofx diff -nodecount=0 --wide old.pb.gz new.pb.gz  every row, full names and stacks

The table lists the 20 largest changes in at most 120 columns (long names elided
in the middle, stacks by their distinct leaf-side frames); -nodecount=N lists N
(0: all), --wide prints every column and full names, --json has everything.

Exit status: 0 no threshold crossed, 3 a threshold crossed (rows listed last),
1 a profile cannot be read or the profiles cannot be compared, 2 usage error.";

/// Arguments of `pprofx diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Print the diff as JSON instead of text (every row, full names).
    #[arg(long)]
    pub json: bool,
    /// Every column and full names and stacks, however long the lines
    /// (default: at most 120 columns).
    #[arg(long, help_heading = "Diff")]
    pub wide: bool,
    /// absolute, share or interval (default: from the sample type).
    #[arg(long, value_name = "MODE", help_heading = "Diff")]
    pub mode: Option<String>,
    /// Rows per function or per stack (default: stack for goroutine
    /// profiles, else function).
    #[arg(long, value_name = "function|stack", help_heading = "Diff")]
    pub by: Option<String>,
    /// Also list rows that did not change.
    #[arg(long = "show_same", help_heading = "Diff")]
    pub show_same: bool,
    /// List only rows that grew or are new.
    #[arg(long = "growth_only", help_heading = "Diff")]
    pub growth_only: bool,
    /// Do not list rows whose change is below this noise floor: a size,
    /// duration or count (1MB, 10ms, 5) or percentage points of share
    /// (0.5pp). The footer counts them; CI gates still see every row.
    #[arg(long = "min_delta", value_name = "LIMIT", help_heading = "Diff")]
    pub min_delta: Option<String>,
    /// Stack rows: drop leaf-side runtime.* frames (gopark, chanrecv…) when grouping.
    #[arg(long = "trim_runtime", help_heading = "Diff")]
    pub trim_runtime: bool,
    /// Exit 1 if a row (or the total) grew by more than this: 10MB, 250ms, 50.
    #[arg(
        long = "fail_on_growth",
        value_name = "SIZE|COUNT",
        help_heading = "CI gates"
    )]
    pub fail_on_growth: Option<String>,
    /// Exit 1 if a row's share grew by more than this many percentage points: +2pp.
    #[arg(
        long = "fail_on_share",
        value_name = "+Npp",
        allow_hyphen_values = true,
        help_heading = "CI gates"
    )]
    pub fail_on_share: Option<String>,
    /// Only rows at least this confident (1 − p) cross thresholds; alone, any
    /// growth that confident crosses.
    #[arg(long = "min_confidence", value_name = "P", help_heading = "CI gates")]
    pub min_confidence: Option<String>,
    /// Draw a differential flame graph (or an HTML report) instead of the table.
    #[command(flatten)]
    pub draw: DiffFlameArgs,
    /// Report options shared with pprof.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Loading options.
    #[command(flatten)]
    pub load: LoadArgs,
    /// BASE NEW [NEWER…]: files (gzipped or raw profile.proto) or `-` for one stdin.
    #[arg(value_name = "PROFILE", required = true, num_args = 2..)]
    pub profiles: Vec<String>,
}

/// `pprofx diff --flame` / `--html`: the differential flame graph of the
/// first and last profile, written to `-o` instead of the table.
#[derive(Debug, Args)]
pub struct DiffFlameArgs {
    /// Write the differential flame graph (SVG) to -o instead of printing the table.
    #[arg(long, help_heading = "Flame graph")]
    pub flame: bool,
    /// Write the HTML report (flame graph, diff and top tables) to -o instead.
    #[arg(long, conflicts_with = "flame", help_heading = "Flame graph")]
    pub html: bool,
    /// Output file of --flame/--html (`-` = standard output); written atomically.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Flame graph")]
    pub output: Option<String>,
    /// Omit frames narrower than this percentage of the total.
    #[arg(long = "min_width", value_name = "PERCENT", default_value_t = pprofx::flame::DEFAULT_MIN_WIDTH, help_heading = "Flame graph")]
    pub min_width: f64,
    /// Title (default: `BASE → NEW — TYPE`).
    #[arg(long, value_name = "TEXT", help_heading = "Flame graph")]
    pub title: Option<String>,
    /// SVG width in pixels (default: the width of the window, 1200 where
    /// scripts do not run).
    #[arg(long, value_name = "PIXELS", help_heading = "Flame graph")]
    pub width: Option<usize>,
    /// Icicle graph: roots at the top.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Flame graph")]
    pub icicle: bool,
    /// Bottom-up graph: leaf functions at the base, their callers above.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Flame graph")]
    pub reverse: bool,
    /// Frame width: base+new (removed code stays visible) or new (the classic look).
    #[arg(long = "diff_width", value_name = "WIDTH", default_value = "base+new", value_parser = ["base+new", "new"], help_heading = "Flame graph")]
    pub diff_width: String,
}

/// Output formats of `pprofx flame`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlameFormat {
    /// An SVG flame graph (zoom, search and tooltips in the browser).
    Svg,
    /// Brendan Gregg's folded stacks: `root;child;leaf WEIGHT` per line.
    Folded,
    /// speedscope's JSON file format.
    Speedscope,
}

/// Arguments of `pprofx flame`.
#[derive(Debug, Args)]
pub struct FlameArgs {
    /// Output file (`-` = standard output); written atomically.
    #[arg(
        short = 'o',
        long,
        value_name = "FILE",
        required = true,
        help_heading = "Flame graph"
    )]
    pub output: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg", help_heading = "Flame graph")]
    pub format: FlameFormat,
    /// Omit frames narrower than this percentage of the total (pruned before rendering).
    #[arg(long = "min_width", value_name = "PERCENT", default_value_t = pprofx::flame::DEFAULT_MIN_WIDTH, help_heading = "Flame graph")]
    pub min_width: f64,
    /// Title (default: `FILE — TYPE, total VALUE`).
    #[arg(long, value_name = "TEXT", help_heading = "Flame graph")]
    pub title: Option<String>,
    /// Image width in pixels (default: fluid, the viewer's width).
    #[arg(long, value_name = "PIXELS", help_heading = "Flame graph")]
    pub width: Option<usize>,
    /// Icicle graph: roots at the top.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Flame graph")]
    pub icicle: bool,
    /// Bottom-up graph: leaf functions at the base, their callers above.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Flame graph")]
    pub reverse: bool,
    /// Palette: hot, mem, io, red, green, blue, aqua, yellow, purple, orange,
    /// wakeup, java, js, perl, python, rust (default: by sample type).
    #[arg(long, value_name = "PALETTE", help_heading = "Flame graph")]
    pub colors: Option<String>,
    /// Write a self-contained HTML report (flame graph, top table, and the
    /// diff table for two profiles) instead of an SVG.
    #[arg(long, help_heading = "Flame graph")]
    pub html: bool,
    /// Differential graphs: frame width base+new (removed code stays
    /// visible) or new (the classic look).
    #[arg(long = "diff_width", value_name = "WIDTH", default_value = "base+new", value_parser = ["base+new", "new"], help_heading = "Flame graph")]
    pub diff_width: String,
    /// Report options shared with pprof.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Loading options.
    #[command(flatten)]
    pub load: LoadArgs,
    /// The profile (a file, gzipped or raw profile.proto, or `-` for stdin),
    /// or BASE NEW for a differential graph.
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

/// Options about reading profiles.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Refuse profiles whose decompressed size exceeds this many bytes.
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = pprofx::decode::DEFAULT_MAX_SIZE, help_heading = "Input")]
    pub max_size: u64,
    /// Subtract this profile from the sources.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "diff_base",
        help_heading = "Input"
    )]
    pub base: Vec<String>,
    /// Compare with this profile: like -base, but percentages are relative
    /// to the base and equal stacks do not cancel out.
    #[arg(long = "diff_base", value_name = "FILE", help_heading = "Input")]
    pub diff_base: Vec<String>,
    /// Scale the profile to the base's totals before subtracting.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Input")]
    pub normalize: bool,
    /// `none` keeps names exactly as the profile has them; otherwise C++-looking
    /// names lose their parameter and template lists, as pprof's symbolizer does.
    #[arg(long, value_name = "MODE", hide = true)]
    pub symbolize: Option<String>,
    /// Add this comment to the profile (shown in headers and by `comments`).
    #[arg(long = "add_comment", value_name = "TEXT", help_heading = "Input")]
    pub add_comment: Option<String>,
    /// Skip profiles that cannot be read (counted in one line at the end)
    /// instead of stopping at the first.
    #[arg(long = "skip_bad", help_heading = "Input")]
    pub skip_bad: bool,
    /// Options of URL sources.
    #[command(flatten)]
    pub fetch: FetchArgs,
}

// --- Live endpoints and written profiles (issue #4: fetch, --proto) ---

/// Options of URL sources (`http://…`, `host:port[/path]`).
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// URL sources: capture this many seconds (sets `seconds=N` in the query).
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Input"
    )]
    pub seconds: Option<i64>,
    /// URL sources: give up after this many seconds (default: 60, or 1.5 ×
    /// the capture's seconds, plus 5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, allow_negative_numbers = true, help_heading = "Input")]
    pub timeout: Option<std::time::Duration>,
    /// https sources: TLS client certificate (PEM; needs --tls_key).
    #[arg(long = "tls_cert", value_name = "FILE", help_heading = "Input")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// https sources: the client certificate's private key (PEM).
    #[arg(long = "tls_key", value_name = "FILE", help_heading = "Input")]
    pub tls_key: Option<std::path::PathBuf>,
    /// https sources: certificate authorities to trust instead of the
    /// built-in roots (PEM).
    #[arg(long = "tls_ca", value_name = "FILE", help_heading = "Input")]
    pub tls_ca: Option<std::path::PathBuf>,
}

impl FetchArgs {
    /// The library's fetch options (pprof: `-seconds` and `-timeout` ≤ 0 mean unset).
    pub fn options(&self) -> pprofx::source::fetch::FetchOptions {
        pprofx::source::fetch::FetchOptions {
            seconds: self
                .seconds
                .filter(|&s| s > 0)
                .map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX)),
            timeout: self.timeout,
            // pprof treats an empty value as unset.
            tls: pprofx::source::fetch::TlsFiles {
                cert: self.tls_cert.clone().filter(|p| !p.as_os_str().is_empty()),
                key: self.tls_key.clone().filter(|p| !p.as_os_str().is_empty()),
                ca: self.tls_ca.clone().filter(|p| !p.as_os_str().is_empty()),
            },
        }
    }
}

/// `--timeout`: seconds, fractions allowed; zero or negative means the default.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("invalid number of seconds {s:?}"))?;
    if !secs.is_finite() || secs > 1e9 {
        return Err(format!("invalid number of seconds {s:?}"));
    }
    Ok(std::time::Duration::from_secs_f64(secs.max(0.0)))
}

/// Where a report goes, and `--proto`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the output to FILE (through a temporary file renamed into
    /// place) instead of standard output; `-` is standard output.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<String>,
    /// Instead of the report, write the profile as the report sees it (after
    /// -base, drop_frames and the filters; -divide_by applied) as gzipped
    /// profile.proto to -o FILE, as `go tool pprof -proto` does.
    #[arg(
        long,
        requires = "output",
        conflicts_with = "json",
        help_heading = "Output"
    )]
    pub proto: bool,
}

impl LoadArgs {
    /// Applies the load-time name clean-up unless `-symbolize=none`.
    pub fn symbolize(&self, p: &mut pprofx::Profile) {
        if !self.raw_names() {
            pprofx::decode::symbolize::simplify_names(p);
        }
    }

    /// `-symbolize=none`: keep names exactly as the profile has them.
    pub fn raw_names(&self) -> bool {
        self.symbolize
            .as_deref()
            .is_some_and(|m| m.split(':').any(|part| part == "none"))
    }

    /// What to load for these profiles.
    pub fn spec(&self, profiles: &[String]) -> pprofx::combine::SourceSpec {
        let diff = !self.diff_base.is_empty();
        // As in `go tool pprof`, the last occurrence of the flag wins.
        let keep = |v: &[String]| {
            v.last()
                .filter(|s| !s.is_empty())
                .cloned()
                .into_iter()
                .collect()
        };
        pprofx::combine::SourceSpec {
            sources: profiles.to_vec(),
            base: if diff {
                keep(&self.diff_base)
            } else {
                keep(&self.base)
            },
            diff_base: diff,
            normalize: self.normalize,
            skip_bad: self.skip_bad,
        }
    }

    /// The options for reading each profile.
    pub fn options(&self) -> pprofx::LoadOptions {
        pprofx::LoadOptions {
            max_size: self.max_size,
            text_symbols: false,
            fetch: self.fetch.options(),
        }
    }
}

/// Arguments of `pprofx merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Where to write the merged profile (gzipped profile.proto).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// Loading options.
    #[command(flatten)]
    pub load: LoadArgs,
    /// The profiles to merge.
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

/// pprof's report options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Sample value to report: 0-based index or type name (default: the
    /// profile's default type, else the last one).
    #[arg(
        long = "sample_index",
        value_name = "INDEX|NAME",
        help_heading = "Sample value"
    )]
    pub sample_index: Option<String>,
    /// Report the mean value per sample (value / count).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub mean: bool,
    /// Same as -sample_index=inuse_space.
    #[arg(long = "inuse_space", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub inuse_space: bool,
    /// Same as -sample_index=inuse_objects.
    #[arg(long = "inuse_objects", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub inuse_objects: bool,
    /// Same as -sample_index=alloc_space.
    #[arg(long = "alloc_space", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub alloc_space: bool,
    /// Same as -sample_index=alloc_objects.
    #[arg(long = "alloc_objects", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub alloc_objects: bool,
    /// Same as -sample_index=delay.
    #[arg(long = "total_delay", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub total_delay: bool,
    /// Same as -sample_index=contentions.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub contentions: bool,
    /// Same as -mean -sample_index=delay.
    #[arg(long = "mean_delay", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Sample value")]
    pub mean_delay: bool,
    /// Divide every displayed value by this number.
    #[arg(
        long = "divide_by",
        value_name = "X",
        default_value_t = 1.0,
        help_heading = "Sample value"
    )]
    pub divide_by: f64,
    /// Output unit: minimum (one unit for the report), auto (per value), or a
    /// unit such as ms, s, kb, mb.
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Sample value"
    )]
    pub unit: String,

    /// Aggregate by function (default).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub functions: bool,
    /// Aggregate by function and file.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub filefunctions: bool,
    /// Aggregate by source file.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub files: bool,
    /// Aggregate by source line.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub lines: bool,
    /// Aggregate by instruction address.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub addresses: bool,
    /// Attribute inlined functions to their out-of-line caller.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub noinlines: bool,
    /// Ignore the profile's drop_frames/keep_frames.
    #[arg(long = "all_frames", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub all_frames: bool,

    /// Show at most N nodes (default: all).
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Trimming and order"
    )]
    pub nodecount: Option<i64>,
    /// Hide nodes whose cum is below this fraction of the total.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.005,
        help_heading = "Trimming and order"
    )]
    pub nodefraction: f64,
    /// Hide edges below this fraction of the total.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.001,
        help_heading = "Trimming and order"
    )]
    pub edgefraction: f64,
    /// Apply nodecount/nodefraction/edgefraction (-trim=false shows everything).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Trimming and order")]
    pub trim: bool,
    /// Sort by cumulative value.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Trimming and order")]
    pub cum: bool,
    /// Sort by flat value (default).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Trimming and order")]
    pub flat: bool,
    /// Omit the File/Type/Time/Duration header lines.
    #[arg(long = "compact_labels", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Trimming and order")]
    pub compact_labels: bool,
    /// A context-sensitive call tree instead of a graph (graph and callgrind
    /// outputs only; text reports ignore it, as pprof does).
    #[arg(long = "call_tree", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Trimming and order")]
    pub call_tree: bool,
    /// Keep column numbers at -lines granularity.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Granularity")]
    pub showcolumns: bool,
    /// Label keys (`,`-separated) whose values become pseudo frames at the
    /// root of every stack.
    #[arg(
        long,
        value_name = "KEYS",
        default_value = "",
        hide_default_value = true,
        help_heading = "Granularity"
    )]
    pub tagroot: String,
    /// Label keys (`,`-separated) whose values become pseudo frames at the
    /// leaf of every stack.
    #[arg(
        long,
        value_name = "KEYS",
        default_value = "",
        hide_default_value = true,
        help_heading = "Granularity"
    )]
    pub tagleaf: String,

    /// Prefixes to strip from source file names (`:`-separated).
    #[arg(
        long = "trim_path",
        value_name = "PATHS",
        default_value = "",
        help_heading = "Source paths"
    )]
    pub trim_path: String,
    /// Source directories (`:`-separated).
    #[arg(
        long = "source_path",
        value_name = "PATHS",
        default_value = "",
        help_heading = "Source paths"
    )]
    pub source_path: String,

    /// Filters (focus, ignore, hide, show, tag filters…).
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// pprof's sample and frame filters.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Keep only samples with a frame matching REGEX (function, file or mapping).
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub focus: String,
    /// Drop samples with a frame matching REGEX.
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub ignore: String,
    /// Remove frames matching REGEX.
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub hide: String,
    /// Keep only frames matching REGEX.
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub show: String,
    /// Cut stacks above the rootmost frame matching REGEX.
    #[arg(
        long = "show_from",
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub show_from: String,
    /// Keep samples with labels matching: [KEY=]REGEX[,REGEX…] or a range
    /// such as 1mb:, :64kb, 32b:128b.
    #[arg(
        long,
        value_name = "FILTER",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub tagfocus: String,
    /// Drop samples with labels matching (same syntax as -tagfocus).
    #[arg(
        long,
        value_name = "FILTER",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub tagignore: String,
    /// Keep only the label keys matching REGEX.
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub tagshow: String,
    /// Remove the label keys matching REGEX.
    #[arg(
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub taghide: String,
    /// Drop frames beneath the leafmost frame matching REGEX.
    #[arg(
        long = "prune_from",
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true,
        help_heading = "Filters"
    )]
    pub prune_from: String,
    /// Percentages relative to the filtered total, not the whole profile.
    #[arg(long = "relative_percentages", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Filters")]
    pub relative_percentages: bool,
    /// Drop nodes with a negative flat value (or zero flat and negative cum).
    #[arg(long = "drop_negative", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = parse_go_bool, hide_default_value = true, help_heading = "Filters")]
    pub drop_negative: bool,
}

impl ReportArgs {
    /// The settings of these flags under pprof's names, and the warnings to
    /// print (pprof's "Multiple value selections, ignoring …").
    pub fn to_config(&self, out: &OutputArgs) -> Result<(Config, Vec<String>), Failure> {
        let mut warnings = Vec::new();
        let mut si = self.sample_index.clone().unwrap_or_default();
        let aliases = [
            (self.total_delay, "delay", "-total_delay"),
            (self.mean_delay, "delay", "-mean_delay"),
            (self.contentions, "contentions", "-contentions"),
            (self.inuse_space, "inuse_space", "-inuse_space"),
            (self.inuse_objects, "inuse_objects", "-inuse_objects"),
            (self.alloc_space, "alloc_space", "-alloc_space"),
            (self.alloc_objects, "alloc_objects", "-alloc_objects"),
        ];
        for (set, name, flag) in aliases {
            if set {
                if si.is_empty() {
                    si = name.to_string();
                } else {
                    warnings.push(format!("Multiple value selections, ignoring {flag}"));
                }
            }
        }
        let granularity = if self.addresses {
            "addresses"
        } else if self.lines {
            "lines"
        } else if self.files {
            "files"
        } else if self.filefunctions {
            "filefunctions"
        } else {
            ""
        };
        let f = &self.filters;
        let cfg = Config {
            output: out.output.clone().unwrap_or_default(),
            call_tree: self.call_tree,
            relative_percentages: f.relative_percentages,
            unit: self.unit.clone(),
            compact_labels: self.compact_labels,
            source_path: self.source_path.clone(),
            trim_path: self.trim_path.clone(),
            mean: self.mean || self.mean_delay,
            sample_index: si,
            divide_by: self.divide_by,
            sort: if self.cum && !self.flat {
                "cum"
            } else {
                "flat"
            }
            .into(),
            drop_negative: f.drop_negative,
            nodecount: self.nodecount.unwrap_or(-1),
            nodefraction: self.nodefraction,
            edgefraction: self.edgefraction,
            trim: self.trim,
            focus: f.focus.clone(),
            ignore: f.ignore.clone(),
            prune_from: f.prune_from.clone(),
            hide: f.hide.clone(),
            show: f.show.clone(),
            show_from: f.show_from.clone(),
            tagfocus: f.tagfocus.clone(),
            tagignore: f.tagignore.clone(),
            tagshow: f.tagshow.clone(),
            taghide: f.taghide.clone(),
            noinlines: self.noinlines,
            granularity: granularity.into(),
            all_frames: self.all_frames,
            showcolumns: self.showcolumns,
            tagroot: self.tagroot.clone(),
            tagleaf: self.tagleaf.clone(),
            ..Config::default()
        };
        Ok((cfg, warnings))
    }

    /// The resolved report options of these flags for `diff` and `flame`
    /// (no nodecount unless given), and the warnings to print.
    pub fn to_options(&self) -> (ReportOptions, Vec<String>) {
        let no_output = OutputArgs {
            output: None,
            proto: false,
        };
        let (cfg, warnings) = self
            .to_config(&no_output)
            .unwrap_or_else(|_| (Config::default(), Vec::new()));
        let mut opts = cfg.report_options("top");
        if self.nodecount.is_none() {
            opts.nodecount = None;
        }
        (opts, warnings)
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("invalid boolean value {s:?}")),
    }
}

/// Rewrites pprof-style flags into the canonical form clap parses:
/// `-name[=v]` → `--name[=v]` and `--na-me` → `--na_me` for every known long
/// flag. Arguments after `--`, `-` itself and unknown names are left alone.
pub fn normalize_args_os(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    // Arguments that are not UTF-8 cannot be flags; clap rejects them where a
    // string is expected (a usage error, exit 2).
    if args.iter().all(|a| a.to_str().is_some()) {
        let strings = args
            .into_iter()
            .filter_map(|a| a.into_string().ok())
            .collect();
        return normalize_args(strings)
            .into_iter()
            .map(Into::into)
            .collect();
    }
    args
}

/// The string form of [`normalize_args_os`].
pub fn normalize_args(args: Vec<String>) -> Vec<String> {
    let cmd = Cli::command();
    let mut known: Vec<String> = Vec::new();
    let mut collect = |c: &clap::Command| {
        for a in c.get_arguments() {
            if let Some(l) = a.get_long() {
                known.push(l.to_string());
            }
        }
    };
    collect(&cmd);
    for sub in cmd.get_subcommands() {
        collect(sub);
        sub.get_subcommands().for_each(&mut collect);
    }
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for (i, a) in args.into_iter().enumerate() {
        if i == 0 || rest || a == "-" || !a.starts_with('-') {
            out.push(a);
            continue;
        }
        if a == "--" {
            rest = true;
            out.push(a);
            continue;
        }
        let body = a.trim_start_matches('-');
        let dashes = a.len() - body.len();
        if dashes > 2 || body.is_empty() {
            out.push(a);
            continue;
        }
        let (name, value) = match body.find('=') {
            Some(eq) => (&body[..eq], Some(&body[eq..])),
            None => (body, None),
        };
        let canonical = name.replace('-', "_");
        if (dashes == 2 || name.len() > 1) && known.contains(&canonical) {
            out.push(format!("--{canonical}{}", value.unwrap_or("")));
        } else {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(a: &[&str]) -> Vec<String> {
        normalize_args(a.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn pprof_spellings_are_rewritten() {
        assert_eq!(
            norm(&[
                "pprofx",
                "top",
                "-nodecount=5",
                "-sample-index",
                "x",
                "--sample-index=y",
                "-cum",
                "-",
                "f"
            ]),
            [
                "pprofx",
                "top",
                "--nodecount=5",
                "--sample_index",
                "x",
                "--sample_index=y",
                "--cum",
                "-",
                "f"
            ]
        );
        assert_eq!(
            norm(&["pprofx", "top", "--", "-cum"]),
            ["pprofx", "top", "--", "-cum"]
        );
        assert_eq!(norm(&["pprofx", "top", "-h"]), ["pprofx", "top", "-h"]);
    }

    #[test]
    fn cli_parses() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(norm(&[
            "pprofx",
            "top",
            "-trim=false",
            "-cum",
            "-nodecount=3",
            "a.pb",
        ]))
        .unwrap();
        let Command::Top(t) = cli.command else {
            panic!("not top")
        };
        assert!(!t.report.trim);
        assert!(t.report.cum);
        assert_eq!(t.report.nodecount, Some(3));
        assert_eq!(t.profiles, ["a.pb"]);
    }
}
