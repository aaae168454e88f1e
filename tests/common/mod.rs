//! Shared helpers for the integration tests: locating the reference data,
//! skipping (or, in CI, failing) when something a test needs is missing,
//! parsing `commands.txt` golden indexes, running the binary, diffing its
//! output against a golden file and pinning each parity suite's case counts.
//!
//! **Skips.** A test that needs `../shared` or Chromium calls [`shared_dir`],
//! [`shared_path`] or [`missing`]. Without the thing it needs, the test
//! returns early and prints one `SKIPPED crate::test: what` line straight to
//! the terminal, so plain `cargo test` shows it even though the test passes.
//! `PPROFX_CI=1` (what `.ci/run` sets) turns every such skip into a failure
//! naming what is missing; `PPROFX_REQUIRE_SHARED=1` and
//! `PPROFX_REQUIRE_CHROMIUM=1` do so for one need (`=0` lifts a need that
//! `PPROFX_CI=1` would impose).
//!
//! **Counts.** Every parity suite states how many cases it expects per report
//! and per source in one table ([`counts`]); a run that selects a different
//! number fails, and the README's compatibility table is checked against the
//! same tables.
//!
//! Each integration test crate uses only part of this module.
#![allow(dead_code)]

pub mod counts;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Root of the pprofx repository: `$PPROFX_REPO`, else the crate's manifest dir.
pub fn repo_root() -> PathBuf {
    std::env::var_os("PPROFX_REPO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The executable under test: `$PPROFX_BIN` if set, else the built `pprofx`.
pub fn pprofx_bin() -> PathBuf {
    std::env::var_os("PPROFX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_pprofx")))
}

// ---------------------------------------------------------------------------
// What a test needs from the machine, and visible skips

/// Something a test needs that a machine may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The team's reference data: `../shared` next to the repository, or `$PPROFX_SHARED`.
    Shared,
    /// A headless Chromium for the browser tests (`/usr/bin/chromium` or `$PPROFX_CHROMIUM`).
    Chromium,
}

impl Need {
    /// The variable that makes this need a requirement on its own.
    pub fn variable(self) -> &'static str {
        match self {
            Need::Shared => "PPROFX_REQUIRE_SHARED",
            Need::Chromium => "PPROFX_REQUIRE_CHROMIUM",
        }
    }

    /// Whether a missing `self` fails the test instead of skipping it: the
    /// need's own variable when set (`1` or `0`), else `PPROFX_CI=1`. Any
    /// other value of these variables fails the test, naming it.
    pub fn required(self) -> bool {
        flag(self.variable()).unwrap_or_else(ci)
    }
}

/// Whether this is a CI run (`PPROFX_CI=1`): nothing may be skipped and
/// nothing rewritten.
pub fn ci() -> bool {
    flag("PPROFX_CI").unwrap_or(false)
}

/// The value of an on/off variable: `Some(true)` for `1` (or `true`,
/// `yes`), `Some(false)` for `0` (or `false`, `no`, empty), `None` when unset; panics on anything else, so that a
/// mistyped value cannot quietly turn a requirement off.
fn flag(var: &str) -> Option<bool> {
    let value = std::env::var_os(var)?;
    match value.to_str().map(str::trim) {
        Some("1" | "true" | "yes") => Some(true),
        Some("0" | "false" | "no" | "") => Some(false),
        _ => panic!("{var}={}: expected 1 or 0", value.to_string_lossy()),
    }
}

/// Writes `line` straight to the process's stderr. libtest captures only
/// `print!`/`eprint!` output (and shows it for failing tests only); this
/// bypasses that capture, so plain `cargo test` prints the line.
/// The line goes out in one `write` so that it is not cut by the test
/// harness's own output.
pub fn show(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// `crate::test` of the running test (libtest names each test's thread after it).
pub fn current_test() -> String {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("?");
    format!("{}::{name}", env!("CARGO_CRATE_NAME"))
}

/// Records that `need` is missing (`what` names it and how to provide it):
/// fails the running test when the need is required (CI), else prints one
/// visible `SKIPPED crate::test: what` line. The caller returns (skips)
/// after this.
pub fn missing(need: Need, what: &str) {
    let test = current_test();
    if need.required() {
        panic!(
            "{test}: {what} (with PPROFX_CI=1 or {}=1 a missing dependency fails the test)",
            need.variable()
        );
    }
    show(&format!(
        "SKIPPED {test}: {what} (PPROFX_CI=1 or {}=1 makes this a failure)",
        need.variable()
    ));
}

/// The shared reference folder: `$PPROFX_SHARED` when set, else `../shared`
/// next to the repository. `None` (after [`missing`]: a visible skip, or a
/// failure in CI) when it is not a folder; a mistyped `PPROFX_SHARED` is
/// named as such.
pub fn shared_dir() -> Option<PathBuf> {
    let (dir, named) = match std::env::var_os("PPROFX_SHARED") {
        Some(d) => (PathBuf::from(d), true),
        None => (repo_root().join("../shared"), false),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let what = if named {
        format!("PPROFX_SHARED={} is not a folder", dir.display())
    } else {
        format!(
            "../shared not found at {} (put the team's shared data there or set PPROFX_SHARED)",
            dir.display()
        )
    };
    missing(Need::Shared, &what);
    None
}

/// `rel` inside the shared folder, or `None` (after [`missing`]) when the
/// folder or that file is absent.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let path = shared_dir()?.join(rel);
    if path.exists() {
        return Some(path);
    }
    missing(
        Need::Shared,
        &format!("{} not found in the shared data", path.display()),
    );
    None
}

/// Runs the binary under test with `args` in `cwd`, with `TZ=UTC` like the goldens.
pub fn run_pprofx(args: &[String], cwd: &Path) -> std::io::Result<Output> {
    Command::new(pprofx_bin())
        .args(args)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .output()
}

/// One token of a shell command line: a word (quotes removed) or an unquoted
/// `|` / `>` operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Op(char),
}

/// Splits a POSIX-shell-like command line into words and `|`/`>` operators,
/// honouring single quotes, double quotes and backslash escapes.
pub fn shell_split(line: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => tokens.extend(word.take().map(Token::Word)),
            '|' | '>' => {
                tokens.extend(word.take().map(Token::Word));
                tokens.push(Token::Op(c));
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&q| q != '\''));
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some(e) => w.extend(['\\', e]),
                            None => w.push('\\'),
                        },
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    tokens.extend(word.map(Token::Word));
    tokens
}

/// One line of a golden `commands.txt`.
#[derive(Debug, Clone)]
pub struct GoldenCommand {
    /// Output name before the colon (e.g. `top-cum.txt`, `top.txt.err`).
    pub name: String,
    /// pprof arguments (everything after `go tool pprof`, before any `|`/`>`).
    pub args: Vec<String>,
    /// Stdout file, relative to the working directory of the commands.
    pub dest: Option<String>,
    /// Recorded non-zero exit status of a failed command (`(exit N; ...)`).
    pub failed_with: Option<i32>,
}

/// Parses a `commands.txt` file: lines `NAME: go tool pprof ARGS > DEST`
/// (possibly piped through `gzip`), or `NAME: go tool pprof ARGS  (exit N; ...)`
/// for a command that failed. Panics on malformed lines, naming the line.
pub fn parse_commands_txt(path: &Path) -> Vec<GoldenCommand> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let here = || format!("{}:{}: {line}", path.display(), n + 1);
        let (name, mut cmd) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("no `NAME: ` prefix in {}", here()));
        let mut failed_with = None;
        if let Some(pos) = cmd.rfind(" (exit ") {
            let status = cmd[pos + 7..].split([';', ')']).next().unwrap_or_default();
            let status = status
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad exit status in {}", here()));
            failed_with = Some(status);
            cmd = &cmd[..pos];
        }
        let tokens = shell_split(cmd);
        let args = pprof_args(&tokens).unwrap_or_else(|| panic!("not a pprof command: {}", here()));
        let dest = tokens.windows(2).find_map(|w| match w {
            [Token::Op('>'), Token::Word(d)] => Some(d.clone()),
            _ => None,
        });
        if dest.is_none() && failed_with.is_none() {
            panic!("neither `> DEST` nor `(exit N)` in {}", here());
        }
        out.push(GoldenCommand {
            name: name.to_string(),
            args,
            dest,
            failed_with,
        });
    }
    out
}

/// Strips the `go tool pprof` / `pprof` prefix and returns the arguments up
/// to the first shell operator; `None` if the command is not pprof.
pub fn pprof_args(tokens: &[Token]) -> Option<Vec<String>> {
    let words: Vec<&str> = tokens
        .iter()
        .map_while(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            Token::Op(_) => None,
        })
        .collect();
    let rest = match words.as_slice() {
        ["go", "tool", "pprof", rest @ ..] | ["pprof", rest @ ..] => rest,
        _ => return None,
    };
    Some(rest.iter().map(|s| s.to_string()).collect())
}

/// Reads a golden file, gunzipping it when its name ends in `.gz`; falls back
/// to `PATH.gz` when `PATH` is missing (large outputs are stored gzipped).
pub fn read_golden(path: &Path) -> std::io::Result<Vec<u8>> {
    let gz_sibling = PathBuf::from(format!("{}.gz", path.display()));
    let path = if !path.exists() && gz_sibling.exists() {
        gz_sibling.as_path()
    } else {
        path
    };
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The bytes of a gzipped file, every member of it (pprofx writes large
/// profiles as several members).
pub fn gunzip_file(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

/// Asserts that two byte strings are equal, naming the first offset where
/// they differ (binary outputs, which a line diff cannot show).
pub fn assert_same_bytes(what: &str, want: &[u8], got: &[u8]) {
    if want != got {
        let at = want.iter().zip(got).take_while(|(a, b)| a == b).count();
        panic!(
            "{what}: {} bytes expected, {} written; first difference at byte {at}",
            want.len(),
            got.len()
        );
    }
}

/// A compact positional line diff: at most `max` differing lines, each shown
/// as expected (`-`) and actual (`+`) with its 1-based line number.
pub fn line_diff(expected: &[u8], actual: &[u8], max: usize) -> String {
    let exp = String::from_utf8_lossy(expected);
    let act = String::from_utf8_lossy(actual);
    let (e, a): (Vec<&str>, Vec<&str>) = (exp.lines().collect(), act.lines().collect());
    let mut out = format!("    expected {} lines, actual {} lines\n", e.len(), a.len());
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (el, al) = (e.get(i), a.get(i));
        if el == al {
            continue;
        }
        if shown == max {
            out.push_str("    ... (more differences)\n");
            break;
        }
        shown += 1;
        let show = |l: Option<&&str>| l.map_or("<missing>".to_string(), |s| format!("{s:?}"));
        out.push_str(&format!(
            "    L{:<5} - {}\n           + {}\n",
            i + 1,
            show(el),
            show(al)
        ));
    }
    if shown == 0 {
        out.push_str(
            "    lines are equal: the difference is in line endings or the final newline\n",
        );
    }
    out
}

/// What a case must produce.
pub enum Expect {
    /// Exit 0 with exactly this golden file's content on stdout.
    Stdout(PathBuf),
    /// pprof fails on this command, so pprofx must fail as pprofx fails on
    /// bad input: exit 1 (a runtime error, README "Exit status and errors")
    /// with exactly one stderr line `pprofx: …` and nothing on stdout. A
    /// panic (exit 101) or a signal never counts as that failure.
    Failure,
    /// pprof fails on this command and pprofx reports it as a usage error
    /// (exit 2, one `pprofx: …` line; README "Exit status and errors"): the
    /// cases in [`USAGE_ERROR_CASES`].
    UsageError,
}

/// Error goldens (by case name) on which pprofx fails with a usage error,
/// exit 2, rather than a runtime error, exit 1: its command line rejects
/// the combination before any profile is read.
pub const USAGE_ERROR_CASES: &[&str] = &[
    "real-go/error.base_and_diff_base",
    "real-go/error.two_formats",
];

/// One replayed command.
pub struct Case {
    /// Case name (source folder and golden name).
    pub name: String,
    /// Working directory of the command.
    pub cwd: PathBuf,
    /// Full argument list for the binary, starting with the subcommand.
    pub args: Vec<String>,
    /// What the command must produce.
    pub expect: Expect,
}

/// How a pprof command relates to a parity test: `None` if it is another
/// test's business, `Some(Err(reason))` if it is out of scope, else the
/// arguments of the binary under test (subcommand first).
pub type Classify = fn(&[String]) -> Option<Result<Vec<String>, String>>;

/// The cases and out-of-scope commands of one reference source.
pub struct Suite {
    label: &'static str,
    classify: Classify,
    /// Selected cases.
    pub cases: Vec<Case>,
    /// (name, reason) of the commands left out.
    pub out_of_scope: Vec<(String, String)>,
}

impl Suite {
    /// An empty suite for source `label`, selecting commands with `classify`.
    pub fn new(label: &'static str, classify: Classify) -> Self {
        Suite {
            label,
            classify,
            cases: Vec::new(),
            out_of_scope: Vec::new(),
        }
    }

    /// True if the command is this test's business (selected or out of scope).
    pub fn wants(&self, pprof: &[String]) -> bool {
        (self.classify)(pprof).is_some()
    }

    /// Adds a pprof command if it is in scope; records it as out of scope otherwise.
    pub fn add(&mut self, name: String, cwd: &Path, pprof: &[String], expect: Expect) {
        let expect = match expect {
            Expect::Failure if USAGE_ERROR_CASES.contains(&name.as_str()) => Expect::UsageError,
            e => e,
        };
        match (self.classify)(pprof) {
            None => {}
            Some(Err(reason)) => self.out_of_scope.push((name, reason)),
            Some(Ok(args)) => self.cases.push(Case {
                name,
                cwd: cwd.to_path_buf(),
                args,
                expect,
            }),
        }
    }

    /// Adds every command of each `DIR/*/commands.txt` (sorted), run from `cwd`,
    /// goldens resolved against `cwd`. Returns how many such files were found.
    pub fn add_commands_dirs(&mut self, dir: &Path, suffix: &str, cwd: &Path) -> usize {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.to_string_lossy().ends_with(suffix) && p.join("commands.txt").is_file());
        files.sort();
        for folder in &files {
            let folder_name = folder
                .file_name()
                .expect("read_dir entries have names")
                .to_string_lossy();
            for cmd in parse_commands_txt(&folder.join("commands.txt")) {
                let expect = match (&cmd.dest, cmd.failed_with) {
                    (Some(dest), None) => Expect::Stdout(cwd.join(dest)),
                    _ => Expect::Failure,
                };
                self.add(
                    format!("{folder_name}/{}", cmd.name),
                    cwd,
                    &cmd.args,
                    expect,
                );
            }
        }
        files.len()
    }

    /// Runs all cases (in parallel), prints per-case verdicts (shown when
    /// the test fails), prints one visible summary line for this source, and
    /// panics if a case failed or if the number of cases per report (and of
    /// out-of-scope commands) differs from the suite's `expected` table
    /// (named `table` in messages), or if nothing was selected at all.
    pub fn run(self, expected: &counts::Expected, table: &str) {
        let failures = run_cases(&self.cases);
        let mut failed = Vec::new();
        let mut found: std::collections::BTreeMap<String, usize> = Default::default();
        let mut errors = 0;
        for (case, failure) in self.cases.iter().zip(&failures) {
            *found.entry(report_of(&case.args)).or_default() += 1;
            errors += usize::from(!matches!(case.expect, Expect::Stdout(_)));
            match failure {
                None => eprintln!("ok {}", case.name),
                Some(detail) => {
                    eprintln!("FAIL {}\n  $ {}\n{detail}", case.name, command_line(case));
                    failed.push(case.name.as_str());
                }
            }
        }
        for (name, reason) in &self.out_of_scope {
            eprintln!("out of scope: {name} ({reason})");
        }
        let mut per_report: Vec<String> = expected
            .reports()
            .filter_map(|r| found.get(r).map(|n| format!("{r} {n}")))
            .collect();
        per_report.extend(
            found
                .iter()
                .filter(|(r, _)| !expected.reports().any(|e| e == r.as_str()))
                .map(|(r, n)| format!("{r} {n}")),
        );
        let verdict = if failed.is_empty() {
            "all identical".to_string()
        } else {
            format!("{} DIFFER", failed.len())
        };
        show(&format!(
            "{} [{}]: {} cases ({}; {errors} of them pprof errors), {verdict}; {} out of scope",
            env!("CARGO_CRATE_NAME"),
            self.label,
            self.cases.len(),
            if per_report.is_empty() {
                "none".to_string()
            } else {
                per_report.join(", ")
            },
            self.out_of_scope.len(),
        ));
        assert!(
            failed.is_empty(),
            "[{}] {} case(s) differ: {}",
            self.label,
            failed.len(),
            failed.join(", ")
        );
        assert!(
            !self.cases.is_empty(),
            "[{}] reference data found but no case selected",
            self.label
        );
        if !self.out_of_scope.is_empty() {
            found.insert(counts::OUT_OF_SCOPE.to_string(), self.out_of_scope.len());
        }
        expected.assert_matches(table, self.label, &found);
    }
}

/// The report a case runs: its subcommand (`top`), or in pprof's own
/// command shape its report flag (`-top`, `-peek=RE`; `-text` counts as
/// `top`).
pub fn report_of(args: &[String]) -> String {
    const REPORTS: [&str; 12] = [
        "top",
        "text",
        "traces",
        "tags",
        "raw",
        "comments",
        "tree",
        "peek",
        "list",
        "dot",
        "callgrind",
        "proto",
    ];
    match args.first() {
        Some(first) if !first.starts_with('-') => return first.clone(),
        _ => {}
    }
    let found: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(|a| {
            let name = a.trim_start_matches('-');
            name.split('=').next().unwrap_or(name)
        })
        .filter(|n| REPORTS.contains(n))
        .map(|n| if n == "text" { "top" } else { n })
        .collect();
    match found.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        _ => counts::SEVERAL_REPORTS.to_string(),
    }
}

/// Runs the cases on a few threads; returns `None` (pass) or a failure description per case.
pub fn run_cases(cases: &[Case]) -> Vec<Option<String>> {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let mut results: Vec<(usize, Option<String>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break done };
                        done.push((i, check_case(case).err()));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker thread panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs one case and compares its exit status and stdout with the expectation.
pub fn check_case(case: &Case) -> Result<(), String> {
    let out = run_pprofx(&case.args, &case.cwd)
        .map_err(|e| format!("  cannot run {}: {e}", pprofx_bin().display()))?;
    let golden = match &case.expect {
        Expect::Failure => return check_failure(&out),
        Expect::UsageError => return check_usage_error(&out),
        Expect::Stdout(golden) => golden,
    };
    let expected = read_golden(golden)
        .map_err(|e| format!("  cannot read golden {}: {e}", golden.display()))?;
    let mut problems = String::new();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let head: Vec<&str> = stderr.lines().take(5).collect();
        let head = if head.is_empty() {
            "(empty)".to_string()
        } else {
            head.join(" | ")
        };
        problems += &format!("  {}; stderr: {head}\n", out.status);
    }
    if out.stdout != expected {
        problems += &format!(
            "  stdout differs from {}\n{}",
            golden.display(),
            line_diff(&expected, &out.stdout, 20)
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.trim_end().to_string())
    }
}

/// Whether `out` is pprofx's kind of failure, the one an error golden
/// requires: exit status 1, exactly one stderr line starting with
/// `pprofx: `, empty stdout. Exit 0, a panic (101), a signal or any other
/// status is an error, described in the returned message.
pub fn check_failure(out: &Output) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let head: Vec<&str> = stderr.lines().take(5).collect();
    let shown = if head.is_empty() {
        "(empty)".to_string()
    } else {
        head.join(" | ")
    };
    let status = match out.status.code() {
        Some(1) => None,
        Some(0) => Some("exit status 0".to_string()),
        Some(101) => Some("exit status 101: a panic".to_string()),
        Some(c) => Some(format!("exit status {c}")),
        None => Some(format!("{} (a signal)", out.status)),
    };
    let mut problems = Vec::new();
    if let Some(status) = status {
        problems.push(format!(
            "pprof fails on this command; pprofx must exit 1 with one `pprofx: ` line, but: {status}"
        ));
    }
    if stderr.lines().count() != 1 || !stderr.starts_with("pprofx: ") || !stderr.ends_with('\n') {
        problems.push("stderr is not exactly one `pprofx: …` line".to_string());
    }
    if !out.stdout.is_empty() {
        problems.push(format!("{} bytes on stdout", out.stdout.len()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("  {}; stderr: {shown}", problems.join("; ")))
    }
}

/// Whether `out` is pprofx's usage error: exit status 2, stderr starting
/// with clap's `error: ` line, empty stdout.
pub fn check_usage_error(out: &Output) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(2)
        && stderr.lines().count() == 1
        && stderr.starts_with("pprofx: ")
        && out.stdout.is_empty()
    {
        return Ok(());
    }
    let head: Vec<&str> = stderr.lines().take(5).collect();
    Err(format!(
        "  pprof fails on this command; pprofx must report a usage error (exit 2, one `pprofx: …` line), but: {}; stderr: {}",
        out.status,
        head.join(" | ")
    ))
}

/// A copy-pastable shell command reproducing a case.
pub fn command_line(case: &Case) -> String {
    let quote = |a: &str| {
        if a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./,:+@%".contains(c))
        {
            a.to_string()
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    let args: Vec<String> = case.args.iter().map(|a| quote(a)).collect();
    format!(
        "cd {} && TZ=UTC pprofx {}",
        quote(&case.cwd.to_string_lossy()),
        args.join(" ")
    )
}

/// Flags every pprof `internal/driver` golden was made with (`baseFlags()`).
pub const DRIVER_BASE_FLAGS: &str =
    "-symbolize=none -nodecount=20 -nodefraction=0.05 -edgefraction=0.01 -compact_labels";

/// One parity suite: how it selects commands and the case counts it must
/// find (see [`counts`]). A test crate defines one with [`parity_tests!`].
#[derive(Clone, Copy)]
pub struct ParitySuite {
    /// Selects and translates pprof commands.
    pub classify: Classify,
    /// The expected-counts table (sources `own`, `corpus`, `real-go`, `driver`).
    pub expected: &'static str,
    /// Where the table is, for messages (e.g. `EXPECTED_CASES in tests/parity_top.rs`).
    pub table: &'static str,
}

impl ParitySuite {
    /// A suite for source `label` over this suite's classifier.
    pub fn suite(&self, label: &'static str) -> Suite {
        Suite::new(label, self.classify)
    }

    /// Runs a filled suite against this suite's expected counts.
    pub fn finish(&self, suite: Suite) {
        suite.run(&counts::Expected::parse(self.expected), self.table);
    }

    /// Checks the README's compatibility table against the expected counts.
    pub fn check_readme(&self) {
        counts::check_readme_table(
            &repo_root().join("README.md"),
            "## Compatibility with `go tool pprof`",
            &counts::Expected::parse(self.expected),
            self.table,
        );
    }
}

/// Runs the shared corpus (`../shared/corpus/*.golden/commands.txt`, real
/// runtime profiles with `go tool pprof` outputs): source `corpus`.
pub fn run_corpus(p: &ParitySuite) {
    let Some(shared) = shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut suite = p.suite("corpus");
    let files = suite.add_commands_dirs(&corpus, ".golden", &corpus);
    assert!(
        files > 0,
        "no {}/*.golden/commands.txt found",
        corpus.display()
    );
    p.finish(suite);
}

/// Runs google/pprof peer data `generated/real-go/expected/INDEX.tsv`
/// (source `real-go`): exit-0 rows must match their golden, the others must
/// fail as pprofx fails ([`Expect::Failure`]).
pub fn run_peer_real_go(p: &ParitySuite) {
    let Some(dir) = shared_path("peer/pprof-testdata/generated/real-go") else {
        return;
    };
    let index = dir.join("expected/INDEX.tsv");
    let text = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let mut suite = p.suite("real-go");
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, exit, command] = fields[..] else {
            panic!("bad INDEX.tsv row: {line:?}")
        };
        let args = pprof_args(&shell_split(command))
            .unwrap_or_else(|| panic!("not a pprof command: {line:?}"));
        let expect = if exit == "0" {
            Expect::Stdout(dir.join(format!("expected/{name}.txt")))
        } else {
            Expect::Failure
        };
        suite.add(format!("real-go/{name}"), &dir, &args, expect);
    }
    p.finish(suite);
}

/// Runs google/pprof `internal/driver` goldens with that test's base flags
/// (source `driver`); `rows` holds one case per line: `GOLDEN PROFILE
/// OPTIONS...` (peer README §1).
pub fn run_peer_driver(p: &ParitySuite, rows: &str) {
    let Some(dir) = shared_path("peer/pprof-testdata/internal/driver") else {
        return;
    };
    let mut suite = p.suite("driver");
    for row in rows.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = row.split_whitespace();
        let golden = words.next().expect("row starts with the golden name");
        let profile = words
            .next()
            .expect("row has a profile after the golden name");
        let source = format!("../../generated/driver-profiles/{profile}");
        let flags = DRIVER_BASE_FLAGS.split_whitespace().chain(words);
        let args: Vec<String> = flags.chain([source.as_str()]).map(String::from).collect();
        let expect = Expect::Stdout(dir.join("testdata").join(golden));
        suite.add(format!("driver/{golden}"), &dir, &args, expect);
    }
    p.finish(suite);
}

/// Runs this repository's goldens (`tests/golden/*/commands.txt`, from
/// `examples/profiles`): source `own`. Never skips; fails when no
/// `commands.txt` is found.
pub fn run_own(p: &ParitySuite) {
    let repo = repo_root();
    let golden_dir = repo.join("tests/golden");
    let mut suite = p.suite("own");
    let files = suite.add_commands_dirs(&golden_dir, "", &repo.join("examples/profiles"));
    assert!(
        files > 0,
        "no {}/*/commands.txt found: the own goldens are missing",
        golden_dir.display()
    );
    p.finish(suite);
}

/// Defines the parity `#[test]`s of a test crate: one per source (corpus,
/// peer real-go, peer driver with the given rows, own goldens), each
/// checking its cases against the golden and its case counts against the
/// `expected` table, and one checking the README's compatibility table
/// against that table. `$expected` is the name of a `const &str` in the
/// crate (see [`counts`]).
#[macro_export]
macro_rules! parity_tests {
    ($classify:expr, $driver_rows:expr, $expected:ident) => {
        /// This crate's suite: its classifier and pinned counts.
        const PARITY: common::ParitySuite = common::ParitySuite {
            classify: $classify,
            expected: $expected,
            table: concat!(stringify!($expected), " in ", file!()),
        };

        /// The shared corpus: real runtime profiles with `go tool pprof` outputs.
        #[test]
        fn corpus_goldens() {
            common::run_corpus(&PARITY);
        }

        /// google/pprof peer data: `generated/real-go/expected/INDEX.tsv` (error rows must fail).
        #[test]
        fn peer_real_go_goldens() {
            common::run_peer_real_go(&PARITY);
        }

        /// google/pprof `internal/driver` goldens, with that test's base flags.
        #[test]
        fn peer_driver_goldens() {
            common::run_peer_driver(&PARITY, $driver_rows);
        }

        /// This repository's goldens; must always run and find its cases.
        #[test]
        fn own_goldens() {
            common::run_own(&PARITY);
        }

        /// The README's compatibility table quotes the pinned counts.
        #[test]
        fn readme_table_matches_pinned_counts() {
            PARITY.check_readme();
        }
    };
}

/// A `pprofx` command for fetch tests: `TZ=UTC`, `PPROF_TMPDIR` and `HOME`
/// set to `dir` (captures are saved there, never in the real home), and no
/// proxy variables.
pub fn fetch_command(dir: &Path) -> Command {
    let mut c = Command::new(pprofx_bin());
    c.env("TZ", "UTC").env("PPROF_TMPDIR", dir).env("HOME", dir);
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        c.env_remove(v);
    }
    c
}

/// The `-text` goldens of pprof's `internal/driver` tests (peer README §1),
/// one per line: `GOLDEN PROFILE OPTIONS...` (`-call_tree` is ignored by
/// pprof's text report, so those rows are in scope). A macro, so that suites
/// can `concat!` several lists.
#[macro_export]
macro_rules! driver_top_rows {
    () => {
        "
    pprof.cpu.flat.functions.text                   cpu.pb.gz  -text -functions -flat
    pprof.cpu.flat.functions.noinlines.text         cpu.pb.gz  -text -functions -noinlines -flat
    pprof.cpu.flat.filefunctions.noinlines.text     cpu.pb.gz  -text -filefunctions -noinlines -flat
    pprof.cpu.flat.addresses.noinlines.text         cpu.pb.gz  -text -addresses -noinlines -flat
    pprof.unknown.flat.functions.call_tree.text     cpu.pb.gz  -text -functions -flat -nodecount=5 -call_tree
    pprof.heap_alloc.flat.alloc_objects.text        heap_alloc.pb.gz  -text -alloc_objects -flat
    pprof.heap.flat.files.text                      heap.pb.gz -text -files -flat
    pprof.heap.flat.files.text.focus                heap.pb.gz -text -files -flat -focus=[12]00 -taghide=[X3]00
    pprof.heap.flat.inuse_objects.text              heap.pb.gz -text -inuse_objects -flat
    pprof.heap.flat.inuse_objects.text.all_frames   heap.pb.gz -text -inuse_objects -flat -all_frames
    pprof.cpu.cum.lines.text.hide                   cpu.pb.gz  -text -lines -cum -hide=line[X3]0
    pprof.cpu.cum.lines.text.show                   cpu.pb.gz  -text -lines -cum -show=[12]00
    pprof.cpu.cum.lines.text.focus.hide             cpu.pb.gz  -text -lines -cum -hide=line[X3]0 -focus=[12]00
    pprof.cpu.lines.topproto                        raw/cpu.topproto.pb.gz  -text -lines
    pprof.cpu.cum.lines.topproto.hide               raw/cpu.topproto.pb.gz  -text -lines -cum -hide=mangled[X3]0
    pprof.long_name_funcs.text                      long_name_funcs.pb.gz   -text
"
    };
}

/// The driver goldens of the other text reports (traces, tags, comments,
/// peek, tree).
#[macro_export]
macro_rules! driver_report_rows {
    () => {
        "
    pprof.cpu.traces                                cpu.pb.gz  -traces
    pprof.cpu.addresses.traces                      cpu.pb.gz  -traces -addresses
    pprof.heap_tags.traces                          heap_tags.pb.gz  -traces
    pprof.cpu.tags                                  cpu.pb.gz  -tags
    pprof.heap.tags                                 heap.pb.gz -tags
    pprof.heap.tags.unit                            heap.pb.gz -tags -unit=bytes
    pprof.cpu.comments                              cpu.pb.gz  -comments -add_comment=some-comment
    pprof.heap.comments                             heap.pb.gz -comments
    pprof.cpu.peek                                  cpu.pb.gz  -peek=line.*01
    pprof.cpusmall.flat.addresses.tree              cpusmall.pb.gz  -tree -addresses -flat -nodecount=4
    pprof.cpu.tags.focus.ignore                     cpu.pb.gz  -tags -tagignore=tag[13] -tagfocus=key[12]
    pprof.heap_request.tags.focus                   heap_request.pb.gz -tags -tagfocus=400kb:
    pprof.heap_request.relative_percentages.tags.focus heap_request.pb.gz -tags -relative_percentages -tagfocus=400kb:
    pprof.heap.cum.lines.tree.focus                 heap.pb.gz -tree -lines -cum -focus=[24]00
    pprof.heap.cum.relative_percentages.tree.focus  heap.pb.gz -tree -relative_percentages -cum -focus=[24]00
    pprof.cpu.cum.lines.tree.show_from              cpu.pb.gz  -tree -lines -cum -show_from=line2
"
    };
}

/// The driver goldens of `-dot` and `-callgrind`.
#[macro_export]
macro_rules! driver_graph_rows {
    () => {
        "
    pprof.cpu.flat.functions.dot                     cpu.pb.gz -dot -functions -flat
    pprof.cpu.flat.functions.call_tree.dot           cpu.pb.gz -dot -functions -flat -call_tree
    pprof.heap.flat.lines.dot.focus                  heap.pb.gz -dot -lines -flat -focus=[12]00
    pprof.heap_sizetags.dot                          heap_sizetags.pb.gz -dot -unit=minimum
    pprof.contention.flat.addresses.dot.focus.ignore contention.pb.gz -dot -addresses -flat -ignore=[X3]002 -focus=[X1]000
    pprof.contention.cum.files.dot                   contention.pb.gz -dot -files -cum
    pprof.heap_alloc.flat.alloc_space.dot.focus      heap_alloc.pb.gz -dot -alloc_space -flat -focus=[234]00
    pprof.heap_alloc.flat.alloc_space.dot            heap_alloc.pb.gz -dot -alloc_space -flat -tagshow=[2]00
    pprof.heap_alloc.flat.alloc_space.dot.hide       heap_alloc.pb.gz -dot -alloc_space -flat -hide=line.*1?23?
    pprof.heap.flat.inuse_space.dot.focus            heap.pb.gz -dot -inuse_space -flat -tagfocus=1mb:2gb
    pprof.heap.flat.inuse_space.dot.focus.ignore     heap.pb.gz -dot -inuse_space -flat -tagfocus=30kb: -tagignore=1mb:2mb
    pprof.long_name_funcs.dot                        long_name_funcs.pb.gz -dot
    pprof.cpu.callgrind                              cpu.pb.gz -callgrind
    pprof.cpu.call_tree.callgrind                    cpu.pb.gz -callgrind -call_tree
    pprof.heap.callgrind                             heap.pb.gz -callgrind
"
    };
}
