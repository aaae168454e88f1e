//! pprof's own command line: `pprofx [options] [binary] source…`.
//!
//! When the first argument is not a pprofx subcommand, the arguments are
//! read as `go tool pprof` reads them, with Go's flag syntax (`-f`, `--f`,
//! `-f=v`, `-f v`; a bool takes a value only after `=`): every option of
//! [`engine::config::FIELDS`] under its pprof name (a group by its
//! choices: `-cum`, `-lines`), one report flag (`-top`, `-peek=RE`,
//! `-dot`…), and pprof's source flags (`-base`, `-diff_base`, `-seconds`,
//! `-http`…). With no report flag and no `-http`, the shell starts.
//! Unlike Go's flag package, flags may also follow the sources.

use pprofx::combine::SourceSpec;
use pprofx::decode::LoadOptions;
use pprofx::engine::command::{self, Invocation};
use pprofx::engine::config::{self, parse_go_bool, parse_go_float, Config, Kind, FIELDS};
use pprofx::engine::shell::Shell;
use pprofx::engine::{Engine, Format, SourceOptions};
use pprofx::source::fetch::{FetchOptions, TlsFiles};

use super::run::{load_session, note_unsymbolized, render_once, Failure, USAGE};

/// pprof's command line, parsed.
#[derive(Debug, Default)]
pub struct PprofArgs {
    /// The settings (`-nodecount=5`, `-focus=x`, `-cum`…).
    pub config: Config,
    /// The report flag, if any (`-top`, `-list=RE`).
    pub command: Option<Invocation>,
    /// The profile sources.
    pub sources: Vec<String>,
    /// A binary named before the sources (accepted, not read).
    pub binary: Option<String>,
    /// `-base` (every occurrence).
    pub base: Vec<String>,
    /// `-diff_base` (every occurrence).
    pub diff_base: Vec<String>,
    /// `-seconds`.
    pub seconds: Option<i64>,
    /// `-timeout`, seconds.
    pub timeout: Option<f64>,
    /// `-symbolize`.
    pub symbolize: String,
    /// `-add_comment`.
    pub add_comment: Option<String>,
    /// `-tls_cert`, `-tls_key`, `-tls_ca`.
    pub tls: [Option<String>; 3],
    /// `-max_size` (pprofx).
    pub max_size: Option<u64>,
    /// `-http=[host]:[port]`.
    pub http: Option<String>,
    /// `-no_browser`.
    pub no_browser: bool,
    /// `-json` (pprofx): the report as JSON.
    pub json: bool,
    /// `-h`, `-help`: print the help.
    pub help: bool,
    /// Lines for stderr (pprof's "Multiple value selections, ignoring …").
    pub warnings: Vec<String>,
}

/// Source flags that take a value (besides the config fields).
const VALUE_FLAGS: &[&str] = &[
    "base",
    "diff_base",
    "symbolize",
    "buildid",
    "timeout",
    "add_comment",
    "seconds",
    "tools",
    "http",
    "tls_cert",
    "tls_key",
    "tls_ca",
    "max_size",
];

/// Source flags that are bools.
const BOOL_FLAGS: &[&str] = &[
    "all_frames",
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
    "total_delay",
    "contentions",
    "mean_delay",
    "no_browser",
    "json",
    "h",
    "help",
];

/// What a flag name is.
enum Flag {
    Bool,
    Value,
}

fn classify(name: &str) -> Option<Flag> {
    if BOOL_FLAGS.contains(&name) {
        return Some(Flag::Bool);
    }
    if VALUE_FLAGS.contains(&name) || name == "o" {
        return Some(Flag::Value);
    }
    if let Some(c) = command::find(name) {
        return Some(if c.has_param { Flag::Value } else { Flag::Bool });
    }
    let f = config::lookup(name)?;
    if f.name != name || f.kind == Kind::Bool {
        return Some(Flag::Bool);
    }
    Some(Flag::Value)
}

/// Every flag name pprof's command line knows, for suggestions.
pub fn flag_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = VALUE_FLAGS.iter().chain(BOOL_FLAGS).copied().collect();
    v.extend(command::COMMANDS.iter().map(|c| c.name));
    for f in FIELDS {
        if f.choices.is_empty() {
            v.push(f.name);
        } else {
            v.extend(f.choices.iter().copied());
        }
    }
    v
}

/// The closest known flag to a mistyped one, if close enough.
fn suggest(name: &str) -> Option<&'static str> {
    let canon = name.replace('-', "_");
    flag_names()
        .into_iter()
        .map(|f| (edit_distance(&canon, f), f))
        .filter(|&(d, f)| d <= 2.max(f.len() / 4) && d < f.len())
        .min()
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Parses pprof's command line (`args` without the program name). Errors
/// are usage errors (exit 2), one line.
pub fn parse(args: &[String]) -> Result<PprofArgs, String> {
    let mut out = PprofArgs::default();
    let mut positional = Vec::new();
    let mut bools: Vec<(String, bool)> = Vec::new();
    let mut values: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    let mut rest = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if rest || a == "-" || !a.starts_with('-') {
            positional.push(a.clone());
            continue;
        }
        if a == "--" {
            rest = true;
            continue;
        }
        let body = a.strip_prefix("--").unwrap_or(&a[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(format!("bad flag syntax: {a}"));
        }
        let (raw_name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        // pprofx's subcommands accept `--sample-index`; so does this form.
        let name = if classify(raw_name).is_none() && raw_name.contains('-') {
            raw_name.replace('-', "_")
        } else {
            raw_name.to_string()
        };
        match classify(&name) {
            None => {
                let hint = suggest(&name)
                    .map(|s| format!("; did you mean -{s}?"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown flag {}{hint} (pprofx -help lists them)",
                    a.split('=').next().unwrap_or(a)
                ));
            }
            Some(Flag::Bool) => {
                let v = match value {
                    None => true,
                    Some(v) => parse_go_bool(&v)
                        .ok_or_else(|| format!("invalid boolean value {v:?} for -{name}"))?,
                };
                bools.push((name, v));
            }
            Some(Flag::Value) => {
                let v = match value {
                    Some(v) => v,
                    None => {
                        let Some(v) = args.get(i) else {
                            return Err(format!("flag needs an argument: -{name}"));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                values.push((name, v));
            }
        }
    }
    apply(&mut out, bools, values)?;
    out.sources = positional;
    Ok(out)
}

fn apply(
    out: &mut PprofArgs,
    bools: Vec<(String, bool)>,
    values: Vec<(String, String)>,
) -> Result<(), String> {
    let mut formats: Vec<Invocation> = Vec::new();
    let mut legacy: Vec<(&'static str, &'static str, String)> = Vec::new();
    let mut choices: Vec<(&'static str, String, bool)> = Vec::new();
    let mut mean_delay = false;
    for (name, v) in bools {
        match name.as_str() {
            "h" | "help" => out.help |= v,
            "json" => out.json = v,
            "no_browser" => out.no_browser = v,
            "all_frames" => out.config.all_frames = v,
            "inuse_space" | "inuse_objects" | "alloc_space" | "alloc_objects" | "contentions"
            | "total_delay" | "mean_delay" => {
                if !v {
                    continue;
                }
                mean_delay |= name == "mean_delay";
                let (si, flag) = match name.as_str() {
                    "total_delay" => ("delay", "-total_delay"),
                    "mean_delay" => ("delay", "-mean_delay"),
                    "contentions" => ("contentions", "-contentions"),
                    "inuse_space" => ("inuse_space", "-inuse_space"),
                    "inuse_objects" => ("inuse_objects", "-inuse_objects"),
                    "alloc_space" => ("alloc_space", "-alloc_space"),
                    _ => ("alloc_objects", "-alloc_objects"),
                };
                legacy.retain(|l| l.1 != flag);
                legacy.push((si, flag, String::new()));
            }
            n if command::find(n).is_some() => {
                formats.retain(|f| f.name != n);
                if v {
                    formats.push(Invocation {
                        name: n.to_string(),
                        param: None,
                    });
                }
            }
            n => {
                let f = config::lookup(n).expect("classified as a config flag");
                if f.name == n {
                    out.config.set(n, if v { "true" } else { "false" })?;
                } else {
                    choices.retain(|c| c.1 != n);
                    choices.push((f.name, n.to_string(), v));
                }
            }
        }
    }
    for (name, v) in values {
        match name.as_str() {
            "base" => out.base.push(v),
            "diff_base" => out.diff_base.push(v),
            "symbolize" => out.symbolize = v,
            "buildid" | "tools" => {}
            "add_comment" => out.add_comment = Some(v),
            "http" => out.http = Some(v),
            "o" => out.config.output = v,
            "tls_cert" => out.tls[0] = Some(v),
            "tls_key" => out.tls[1] = Some(v),
            "tls_ca" => out.tls[2] = Some(v),
            "seconds" => out.seconds = Some(go_int(&name, &v)?),
            "timeout" => {
                out.timeout = Some(
                    parse_go_float(&v)
                        .ok_or_else(|| format!("invalid value {v:?} for flag -timeout"))?,
                )
            }
            "max_size" => {
                out.max_size = Some(
                    v.parse()
                        .map_err(|_| format!("invalid value {v:?} for flag -max_size"))?,
                )
            }
            n if command::find(n).is_some() => {
                formats.retain(|f| f.name != n);
                if !v.is_empty() {
                    formats.push(Invocation {
                        name: n.to_string(),
                        param: Some(v),
                    });
                }
            }
            n => {
                let f = config::lookup(n).expect("classified as a config flag");
                match f.kind {
                    // Go parses int flags with base prefixes (`0x10`).
                    Kind::Int => out.config.set(n, &go_int(n, &v)?.to_string())?,
                    Kind::Choice => {
                        out.config.set(n, &v)?;
                    }
                    _ => out
                        .config
                        .set(n, &v)
                        .map_err(|_| format!("invalid value {v:?} for flag -{n}"))?,
                }
            }
        }
    }
    // One choice per group, as pprof insists.
    for group in ["sort", "granularity"] {
        let set: Vec<&String> = choices
            .iter()
            .filter(|c| c.0 == group && c.2)
            .map(|c| &c.1)
            .collect();
        match set.as_slice() {
            [] => {}
            [one] => out.config.set(group, one)?,
            many => {
                let mut names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                names.sort_unstable();
                return Err(format!("conflicting options set: [{}]", names.join(" ")));
            }
        }
    }
    // The legacy value flags, in pprof's order of precedence.
    let order = [
        "-total_delay",
        "-mean_delay",
        "-contentions",
        "-inuse_space",
        "-inuse_objects",
        "-alloc_space",
        "-alloc_objects",
    ];
    for flag in order {
        if let Some((si, _, _)) = legacy.iter().find(|l| l.1 == flag) {
            if out.config.sample_index.is_empty() {
                out.config.sample_index = si.to_string();
            } else {
                out.warnings
                    .push(format!("Multiple value selections, ignoring {flag}"));
            }
        }
    }
    if mean_delay {
        out.config.mean = true;
    }
    if formats.len() > 1 {
        return Err("must set at most one output format".into());
    }
    out.command = formats.pop();
    Ok(())
}

/// Go's `strconv.ParseInt(s, 0, 64)`, as the flag package reads ints.
fn go_int(name: &str, v: &str) -> Result<i64, String> {
    pprofx::util::go::parse_int_base0(v)
        .ok_or_else(|| format!("invalid value {v:?} for flag -{name}"))
}

/// A missing first source that looks like a mistyped subcommand (`pprofx
/// tpo cpu.pb.gz`) gets a hint.
fn subcommand_hint(mut f: Failure, sources: &[String]) -> Failure {
    let Some(first) = sources.first() else {
        return f;
    };
    if f.subject.as_deref() != Some(first.as_str()) || std::path::Path::new(first).exists() {
        return f;
    }
    let names: Vec<String> = super::subcommand_names();
    if let Some(near) = names
        .iter()
        .filter(|n| edit_distance(first, n) <= 2)
        .min_by_key(|n| edit_distance(first, n))
    {
        f.message = format!("{}; did you mean `pprofx {near}`?", f.message);
    }
    f
}

/// Whether the file at `path` starts like an executable (ELF, Mach-O, PE).
pub fn is_executable(path: &str) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    if f.read_exact(&mut magic).is_err() {
        return false;
    }
    magic == *b"\x7fELF"
        || magic[..2] == *b"MZ"
        || matches!(
            u32::from_be_bytes(magic),
            0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe
        )
}

/// Runs pprof's command line: one report, the web UI, or the shell.
pub fn run(mut args: PprofArgs) -> Result<(), Failure> {
    if args.help {
        super::print_help();
        return Ok(());
    }
    for w in &args.warnings {
        pprofx::note!("{w}");
    }
    if args.sources.is_empty() {
        return Err(Failure {
            subject: None,
            message: "no profile source specified (usage: pprofx [options] [binary] source…; pprofx -help)".into(),
            code: USAGE,
        });
    }
    if args.sources.len() > 1 && is_executable(&args.sources[0]) {
        let binary = args.sources.remove(0);
        pprofx::note!(
            "pprofx: {binary}: not needed: pprofx reads function names from the profile, not from the binary"
        );
        args.binary = Some(binary);
    }
    if args.command.is_some() && args.http.is_some() {
        return Err(Failure::usage(
            "-http",
            "is not compatible with an output format on the command line",
        ));
    }
    if args.no_browser && args.http.is_none() {
        return Err(Failure::usage("-no_browser", "only makes sense with -http"));
    }
    let keep_last = |v: &[String]| -> Vec<String> {
        v.iter()
            .rev()
            .find(|s| !s.is_empty())
            .cloned()
            .into_iter()
            .collect()
    };
    let (base, diff_base) = (keep_last(&args.base), keep_last(&args.diff_base));
    if !base.is_empty() && !diff_base.is_empty() {
        return Err(Failure::usage(
            "-base",
            "-base and -diff_base flags cannot both be specified",
        ));
    }
    if let Some(inv) = &args.command {
        if let Some(spec) = command::find(&inv.name) {
            if let command::Output::Unavailable(why) = spec.output {
                return Err(Failure::plain(format!("-{} {why}", inv.name)));
            }
        }
    }
    let config = std::mem::take(&mut args.config);
    let tls = |i: usize| {
        args.tls[i]
            .clone()
            .filter(|s| !s.is_empty())
            .map(std::path::PathBuf::from)
    };
    let opts = SourceOptions {
        spec: SourceSpec {
            sources: args.sources.clone(),
            diff_base: !diff_base.is_empty(),
            base: if diff_base.is_empty() {
                base
            } else {
                diff_base
            },
            normalize: config.normalize,
            skip_bad: false,
        },
        load: LoadOptions {
            max_size: args.max_size.unwrap_or(pprofx::decode::DEFAULT_MAX_SIZE),
            text_symbols: false,
            fetch: FetchOptions {
                seconds: args
                    .seconds
                    .filter(|&s| s > 0)
                    .map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX)),
                timeout: args
                    .timeout
                    .filter(|t| *t > 0.0 && t.is_finite() && *t < 1e9)
                    .map(std::time::Duration::from_secs_f64),
                tls: TlsFiles {
                    cert: tls(0),
                    key: tls(1),
                    ca: tls(2),
                },
            },
        },
        raw_names: args.symbolize.split(':').any(|p| p == "none"),
        add_comment: args.add_comment.clone(),
    };
    let session = load_session(&opts).map_err(|f| subcommand_hint(f, &args.sources))?;
    let engine = Engine::new(&session);
    match (&args.command, &args.http) {
        (Some(inv), _) => {
            if inv.name == "top" || inv.name == "text" {
                note_unsymbolized(&session);
            }
            let format = if args.json {
                Format::Json
            } else {
                Format::Text
            };
            let result = render_once(&engine, inv, &config, format);
            std::mem::forget(engine);
            std::mem::forget(session);
            result
        }
        (None, Some(addr)) => {
            drop(engine);
            serve_http(&session, config, addr, args.no_browser, opts)
        }
        (None, None) => {
            let shell = Shell::new(engine, config);
            super::shell::run(shell).map_err(|e| Failure::new("stdin", e))
        }
    }
}

/// `pprofx serve [-http=[host]:port] [-no_browser] [options] source…`: pprof's
/// command line with `-http` defaulting to `localhost:0` (a free port).
pub fn serve(mut a: PprofArgs) -> Result<(), Failure> {
    if a.http.is_none() {
        a.http = Some("localhost:0".into());
    }
    run(a)
}

/// Starts the web UI on `addr` and serves until the process ends.
fn serve_http(
    session: &pprofx::engine::Session,
    config: Config,
    addr: &str,
    no_browser: bool,
    opts: SourceOptions,
) -> Result<(), Failure> {
    let bound = pprofx::webui::bind(addr).map_err(|e| Failure::usage("-http", e))?;
    let url = bound.url();
    pprofx::note!("Serving web UI on {url}");
    if !no_browser {
        open_browser(&format!("{url}/ui/"));
    }
    bound
        .serve(session, config, Some(opts))
        .map_err(|e| Failure::new("-http", e))
}

/// Opens `url` in the first browser that starts (`$BROWSER` first); none is
/// not an error: the URL is printed.
fn open_browser(url: &str) {
    for b in pprofx::engine::deliver::viewers("web") {
        let mut parts = b.split_whitespace();
        let Some(prog) = parts.next() else { continue };
        let started = std::process::Command::new(prog)
            .args(parts)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if started.is_ok() {
            return;
        }
    }
    pprofx::note!("pprofx: no browser could be started (set $BROWSER); open {url}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<PprofArgs, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn pprofs_flag_forms() {
        let a = p(&[
            "-top",
            "-cum",
            "--nodecount=5",
            "-focus",
            "main",
            "cpu.pb.gz",
        ])
        .unwrap();
        assert_eq!(a.command.unwrap().name, "top");
        assert_eq!(a.config.sort, "cum");
        assert_eq!(a.config.nodecount, 5);
        assert_eq!(a.config.focus, "main");
        assert_eq!(a.sources, ["cpu.pb.gz"]);
        let a = p(&["-list=main.f", "-nodecount=0x10", "-trim=false", "x"]).unwrap();
        assert_eq!(a.command.unwrap().param.as_deref(), Some("main.f"));
        assert_eq!(a.config.nodecount, 16);
        assert!(!a.config.trim);
        let a = p(&["-peek", "f$", "-sample-index=alloc_space", "x"]).unwrap();
        assert_eq!(a.config.sample_index, "alloc_space");
        let a = p(&["x", "-top"]).unwrap();
        assert_eq!(a.sources, ["x"]);
        assert!(a.command.is_some());
    }

    #[test]
    fn pprofs_rules() {
        assert_eq!(
            p(&["-top", "-traces", "x"]).unwrap_err(),
            "must set at most one output format"
        );
        assert_eq!(
            p(&["-cum", "-flat", "x"]).unwrap_err(),
            "conflicting options set: [cum flat]"
        );
        let a = p(&["-alloc_space", "-inuse_objects", "x"]).unwrap();
        assert_eq!(a.config.sample_index, "inuse_objects");
        assert_eq!(
            a.warnings,
            ["Multiple value selections, ignoring -alloc_space"]
        );
        let a = p(&["-mean_delay", "x"]).unwrap();
        assert!(a.config.mean);
        assert_eq!(a.config.sample_index, "delay");
        assert!(p(&["-cum=maybe", "x"])
            .unwrap_err()
            .contains("invalid boolean"));
        assert!(p(&["-focus"]).unwrap_err().contains("needs an argument"));
        let e = p(&["-nodecont=5", "x"]).unwrap_err();
        assert!(e.contains("did you mean -nodecount?"), "{e}");
        let a = p(&[
            "-base",
            "a",
            "-base",
            "b",
            "-http=:8080",
            "-no_browser",
            "x",
        ])
        .unwrap();
        assert_eq!(a.base, ["a", "b"]);
        assert_eq!(a.http.as_deref(), Some(":8080"));
        assert!(a.no_browser);
    }
}
