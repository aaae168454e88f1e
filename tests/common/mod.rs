//! Shared helpers for the parity integration tests: locating the reference
//! data, parsing `commands.txt` golden indexes, running the binary and
//! diffing its output against a golden file.
//!
//! Each integration test crate uses only part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Root of the pprofx repository: `$PPROFX_REPO`, else the crate's manifest dir.
pub fn repo_root() -> PathBuf {
    std::env::var_os("PPROFX_REPO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The shared reference data folder (`../shared` next to the repository,
/// overridable with `$PPROFX_SHARED`), or `None` when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PPROFX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    dir.is_dir().then_some(dir)
}

/// The executable under test: `$PPROFX_BIN` if set, else the built `pprofx`.
pub fn pprofx_bin() -> PathBuf {
    std::env::var_os("PPROFX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_pprofx")))
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
    /// A non-zero exit status (pprof itself failed on this command).
    Failure,
}

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

    /// Runs all cases (in parallel), prints per-case verdicts and one
    /// `parity REPORT: P passed / T total` line per report (subcommand),
    /// and panics if any case failed or if no case was selected at all.
    pub fn run(self) {
        let failures = run_cases(&self.cases);
        let mut failed = Vec::new();
        let mut per_report: Vec<(&str, usize, usize)> = Vec::new();
        for (case, failure) in self.cases.iter().zip(&failures) {
            let report = case.args.first().map_or("", String::as_str);
            let i = match per_report.iter().position(|r| r.0 == report) {
                Some(i) => i,
                None => {
                    per_report.push((report, 0, 0));
                    per_report.len() - 1
                }
            };
            per_report[i].2 += 1;
            match failure {
                None => {
                    per_report[i].1 += 1;
                    eprintln!("ok {}", case.name)
                }
                Some(detail) => {
                    eprintln!("FAIL {}\n  $ {}\n{detail}", case.name, command_line(case));
                    failed.push(case.name.as_str());
                }
            }
        }
        for (name, reason) in &self.out_of_scope {
            eprintln!("out of scope: {name} ({reason})");
        }
        for (report, passed, total) in &per_report {
            eprintln!(
                "parity {report}: {passed} passed / {total} total [{}]",
                self.label
            );
        }
        eprintln!("[{}] {} out of scope", self.label, self.out_of_scope.len());
        assert!(
            !self.cases.is_empty(),
            "[{}] reference data found but no case selected",
            self.label
        );
        assert!(
            failed.is_empty(),
            "[{}] {} case(s) differ: {}",
            self.label,
            failed.len(),
            failed.join(", ")
        );
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
        Expect::Failure if out.status.success() => {
            return Err("  pprof fails on this command, but the exit status was 0".into())
        }
        Expect::Failure => return Ok(()),
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

/// The shared reference folder, or `None` after printing why the test is skipped.
pub fn shared_or_skip(label: &str) -> Option<PathBuf> {
    let shared = shared_dir();
    if shared.is_none() {
        eprintln!("skipping: ../shared not found (set PPROFX_SHARED) [{label}]");
    }
    shared
}

/// Flags every pprof `internal/driver` golden was made with (`baseFlags()`).
pub const DRIVER_BASE_FLAGS: &str =
    "-symbolize=none -nodecount=20 -nodefraction=0.05 -edgefraction=0.01 -compact_labels";

/// Runs the shared corpus (`../shared/corpus/*.golden/commands.txt`, real
/// runtime profiles with `go tool pprof` outputs) through `classify`.
pub fn run_corpus(classify: Classify) {
    let Some(shared) = shared_or_skip("corpus") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut suite = Suite::new("corpus", classify);
    suite.add_commands_dirs(&corpus, ".golden", &corpus);
    suite.run();
}

/// Runs google/pprof peer data `generated/real-go/expected/INDEX.tsv` through
/// `classify`: exit-0 rows must match their golden, the others must fail.
pub fn run_peer_real_go(classify: Classify) {
    let Some(shared) = shared_or_skip("peer real-go") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/generated/real-go");
    let index = dir.join("expected/INDEX.tsv");
    let text = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let mut suite = Suite::new("peer real-go", classify);
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
    suite.run();
}

/// Runs google/pprof `internal/driver` goldens with that test's base flags;
/// `rows` holds one case per line: `GOLDEN PROFILE OPTIONS...` (peer README §1).
pub fn run_peer_driver(classify: Classify, rows: &str) {
    let Some(shared) = shared_or_skip("peer driver") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/internal/driver");
    let mut suite = Suite::new("peer driver", classify);
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
    suite.run();
}

/// Runs this repository's goldens (`tests/golden/*/commands.txt`, from
/// `examples/profiles`); must select cases when such files exist.
pub fn run_own(classify: Classify) {
    let repo = repo_root();
    let golden_dir = repo.join("tests/golden");
    let mut suite = Suite::new("own", classify);
    let files = suite.add_commands_dirs(&golden_dir, "", &repo.join("examples/profiles"));
    if files == 0 {
        eprintln!(
            "own goldens: no {}/*/commands.txt found, nothing to check",
            golden_dir.display()
        );
        return;
    }
    suite.run();
}

/// Defines the four parity `#[test]`s (corpus, peer real-go, peer driver
/// with the given rows, own goldens) of a test crate over its `classify`.
#[macro_export]
macro_rules! parity_tests {
    ($classify:expr, $driver_rows:expr) => {
        /// The shared corpus: real runtime profiles with `go tool pprof` outputs.
        #[test]
        fn corpus_goldens() {
            common::run_corpus($classify);
        }

        /// google/pprof peer data: `generated/real-go/expected/INDEX.tsv` (error rows must fail).
        #[test]
        fn peer_real_go_goldens() {
            common::run_peer_real_go($classify);
        }

        /// google/pprof `internal/driver` goldens, with that test's base flags.
        #[test]
        fn peer_driver_goldens() {
            common::run_peer_driver($classify, $driver_rows);
        }

        /// This repository's goldens; must always run, and must select cases when present.
        #[test]
        fn own_goldens() {
            common::run_own($classify);
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
