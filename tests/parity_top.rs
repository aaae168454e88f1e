//! Byte-for-byte parity of `pprofx top` with `go tool pprof -top` / `-text`.
//!
//! Every reference command that is a `-top` or `-text` report over one
//! `.pb`/`.pb.gz` profile, using only the options `pprofx top` implements (see
//! [`BOOL_FLAGS`] and [`VALUE_FLAGS`]), is replayed as `pprofx top FLAGS PROFILE`
//! in the command's working directory with `TZ=UTC`, and stdout must equal the
//! recorded golden exactly. Commands using other options or inputs are listed
//! as "out of scope". Sources, one `#[test]` each:
//!
//! * corpus: `../shared/corpus/*.golden/commands.txt` (real runtime profiles);
//! * peer real-go: google/pprof-derived `generated/real-go/expected/INDEX.tsv`;
//! * peer driver: the `-text` goldens of pprof's `internal/driver` tests;
//! * own: this repository's `tests/golden/*/commands.txt` (run from `examples/profiles`).
//!
//! `$PPROFX_SHARED` relocates `../shared` (skipped when absent), `$PPROFX_REPO`
//! relocates the repository, and `$PPROFX_BIN` replaces the binary under test
//! (e.g. with a shim around `go tool pprof` to check the harness itself).

mod common;

use common::{line_diff, parse_commands_txt, pprof_args, pprofx_bin, read_golden, repo_root};
use common::{run_pprofx, shared_dir, shell_split};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Boolean pprof options accepted (as `-flag` or `-flag=true|false`). `files`
/// rows can tie in pprof's order; the only goldens using it (pprof's driver
/// `pprof.heap.flat.files.text*`) have no ties.
const BOOL_FLAGS: &str = "cum flat compact_labels trim inuse_space inuse_objects alloc_space \
    alloc_objects total_delay contentions mean_delay mean functions filefunctions lines addresses \
    noinlines all_frames call_tree relative_percentages drop_negative files normalize";

/// Valued pprof options accepted (as `-flag=V` or `-flag V`); `symbolize` only as `none`.
const VALUE_FLAGS: &str =
    "nodecount nodefraction edgefraction sample_index divide_by unit symbolize \
    focus ignore hide show show_from tagfocus tagignore tagshow taghide prune_from base diff_base";

/// Whether pprofx reads `source` the way pprof does: profile.proto files and
/// the Go runtime's `debug=1` text profiles. (`debug=2` goroutine dumps are
/// read by pprofx only; pprof rejects them, so its goldens are errors.)
fn source_in_scope(source: &str) -> bool {
    source.ends_with(".pb.gz") || source.ends_with(".pb") || source.ends_with(".debug1.txt")
}

/// Flags every pprof `internal/driver` golden was made with (`baseFlags()`).
const DRIVER_BASE_FLAGS: &str =
    "-symbolize=none -nodecount=20 -nodefraction=0.05 -edgefraction=0.01 -compact_labels";

/// The `-text` goldens of pprof's `internal/driver` tests, as listed in
/// `peer/pprof-testdata/README.md` §1, one per line: `GOLDEN PROFILE OPTIONS...`
/// (`-call_tree` is ignored by pprof's text report, so those rows are in scope).
const DRIVER_TEXT_CASES: &str = "
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
";

/// How a pprof command line relates to this test.
enum Selection {
    /// Not a `-top`/`-text` report (another test's business).
    NotTop,
    /// A top report this test cannot replay, with the reason.
    OutOfScope(String),
    /// Arguments for `pprofx top` (report flag removed).
    Selected(Vec<String>),
}

/// Whether the whitespace-separated `list` contains `word`.
fn has_word(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// Classifies pprof arguments (flags, then sources, as Go's flag parsing reads them).
fn select(args: &[String]) -> Selection {
    let (mut reports, mut kept, mut sources, mut unsupported) =
        (0, Vec::new(), Vec::new(), Vec::new());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if !sources.is_empty() || !arg.starts_with('-') || arg == "-" {
            sources.push(arg.as_str());
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (key, value) = body
            .split_once('=')
            .map_or((body, None), |(k, v)| (k, Some(v)));
        match key {
            "top" | "text" => reports += 1,
            k if has_word(BOOL_FLAGS, k) && matches!(value, None | Some("true" | "false")) => {
                kept.push(arg.clone());
            }
            k if has_word(VALUE_FLAGS, k) => {
                kept.push(arg.clone());
                let value = match value {
                    Some(v) => v,
                    None => match it.next() {
                        Some(v) => {
                            kept.push(v.clone());
                            v.as_str()
                        }
                        None => "",
                    },
                };
                if value.is_empty() || (k == "symbolize" && value != "none") {
                    unsupported.push(arg.as_str());
                }
            }
            _ => unsupported.push(arg.as_str()),
        }
    }
    if reports == 0 {
        Selection::NotTop
    } else if reports > 1 {
        Selection::OutOfScope("several report formats".to_string())
    } else if !unsupported.is_empty() {
        Selection::OutOfScope(format!("options {}", unsupported.join(" ")))
    } else if sources.is_empty() {
        Selection::OutOfScope("no source".to_string())
    } else if let Some(s) = sources.iter().find(|s| s.ends_with(".debug2.txt")) {
        Selection::OutOfScope(format!(
            "source {s}: pprof rejects goroutine debug=2 dumps, pprofx reads them"
        ))
    } else if let Some(s) = sources.iter().find(|s| !source_in_scope(s)) {
        Selection::OutOfScope(format!("source {s} is not .pb/.pb.gz/.debug1.txt"))
    } else {
        kept.extend(sources.iter().map(|s| s.to_string()));
        Selection::Selected(kept)
    }
}

/// What a case must produce.
enum Expect {
    /// Exit 0 with exactly this golden file's content on stdout.
    Stdout(PathBuf),
    /// A non-zero exit status (pprof itself failed on this command).
    Failure,
}

/// One replayed command.
struct Case {
    name: String,
    cwd: PathBuf,
    /// Full argument list for the binary, starting with `top`.
    args: Vec<String>,
    expect: Expect,
}

/// The cases and out-of-scope commands of one reference source.
struct Suite {
    label: &'static str,
    cases: Vec<Case>,
    out_of_scope: Vec<(String, String)>,
}

impl Suite {
    fn new(label: &'static str) -> Self {
        Suite {
            label,
            cases: Vec::new(),
            out_of_scope: Vec::new(),
        }
    }

    /// Adds a pprof command if it is a top report in scope; records it as out of scope otherwise.
    fn add(&mut self, name: String, cwd: &Path, pprof: &[String], expect: Expect) {
        match select(pprof) {
            Selection::NotTop => {}
            Selection::OutOfScope(reason) => self.out_of_scope.push((name, reason)),
            Selection::Selected(flags) => {
                let args = std::iter::once("top".to_string()).chain(flags).collect();
                self.cases.push(Case {
                    name,
                    cwd: cwd.to_path_buf(),
                    args,
                    expect,
                });
            }
        }
    }

    /// Adds every command of each `DIR/*/commands.txt` (sorted), run from `cwd`,
    /// goldens resolved against `cwd`. Returns how many such files were found.
    fn add_commands_dirs(&mut self, dir: &Path, suffix: &str, cwd: &Path) -> usize {
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

    /// Runs all cases (in parallel), prints per-case verdicts and the summary,
    /// and panics if any case failed or if no case was selected at all.
    fn run(self) {
        let failures = run_cases(&self.cases);
        let mut failed = Vec::new();
        for (case, failure) in self.cases.iter().zip(&failures) {
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
        let total = self.cases.len();
        eprintln!(
            "parity top: {} passed / {total} total ({} out of scope) [{}]",
            total - failed.len(),
            self.out_of_scope.len(),
            self.label
        );
        assert!(
            total > 0,
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
fn run_cases(cases: &[Case]) -> Vec<Option<String>> {
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
fn check_case(case: &Case) -> Result<(), String> {
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
fn command_line(case: &Case) -> String {
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
fn shared_or_skip(label: &str) -> Option<PathBuf> {
    let shared = shared_dir();
    if shared.is_none() {
        eprintln!("skipping: ../shared not found (set PPROFX_SHARED) [{label}]");
    }
    shared
}

/// The shared corpus: real runtime profiles with `go tool pprof` outputs.
#[test]
fn corpus_goldens() {
    let Some(shared) = shared_or_skip("corpus") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut suite = Suite::new("corpus");
    suite.add_commands_dirs(&corpus, ".golden", &corpus);
    suite.run();
}

/// google/pprof peer data: `generated/real-go/expected/INDEX.tsv` (exit-0 rows
/// must match their golden, the others must fail).
#[test]
fn peer_real_go_goldens() {
    let Some(shared) = shared_or_skip("peer real-go") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/generated/real-go");
    let index = dir.join("expected/INDEX.tsv");
    let text = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let mut suite = Suite::new("peer real-go");
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, exit, command] = fields[..] else {
            panic!("bad INDEX.tsv row: {line:?}")
        };
        let args = pprof_args(&shell_split(command))
            .unwrap_or_else(|| panic!("not a pprof command: {line:?}"));
        let golden = dir.join(format!("expected/{name}.txt"));
        let name = format!("real-go/{name}");
        if exit == "0" {
            suite.add(name, &dir, &args, Expect::Stdout(golden));
        } else {
            // pprof failed on this command: pprofx must fail too.
            suite.add(name, &dir, &args, Expect::Failure);
        }
    }
    suite.run();
}

/// google/pprof `internal/driver` `-text` goldens, with that test's base flags.
#[test]
fn peer_driver_text_goldens() {
    let Some(shared) = shared_or_skip("peer driver") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/internal/driver");
    let mut suite = Suite::new("peer driver");
    for row in DRIVER_TEXT_CASES.lines().filter(|l| !l.trim().is_empty()) {
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

/// This repository's goldens; must always run, and must select cases when present.
#[test]
fn own_goldens() {
    let repo = repo_root();
    let golden_dir = repo.join("tests/golden");
    let mut suite = Suite::new("own");
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
