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
//! [`EXPECTED_CASES`] pins how many cases each source yields; the README's
//! compatibility table is checked against it.
//!
//! `$PPROFX_SHARED` relocates `../shared` (a visible skip when absent, a
//! failure under `PPROFX_CI=1`), `$PPROFX_REPO`
//! relocates the repository, and `$PPROFX_BIN` replaces the binary under test
//! (e.g. with a shim around `go tool pprof` to check the harness itself).

#[macro_use]
mod common;

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

/// The `-text` goldens of pprof's `internal/driver` tests.
const DRIVER_TEXT_CASES: &str = driver_top_rows!();

/// Cases per report and source (see `tests/common/counts.rs`); the README's
/// compatibility table quotes these numbers.
const EXPECTED_CASES: &str = "
    report        own  corpus  real-go  driver
    top           149     150       58      16
    out-of-scope    0       2        2       0
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

/// [`select`] as the shared harness wants it: `top` followed by the flags.
fn classify(args: &[String]) -> Option<Result<Vec<String>, String>> {
    match select(args) {
        Selection::NotTop => None,
        Selection::OutOfScope(reason) => Some(Err(reason)),
        Selection::Selected(flags) => Some(Ok(std::iter::once("top".to_string())
            .chain(flags)
            .collect())),
    }
}

parity_tests!(classify, DRIVER_TEXT_CASES, EXPECTED_CASES);

/// `tests/golden/` holds only `go tool pprof` output: each folder has an
/// index (`commands.txt`; `cases.txt` for `proto/`, `transcripts.txt` for
/// `shell/`, whose scripts are the inputs it names, `preprofile.txt` for
/// `pgo/`, whose `go tool preprofile` outputs are `NAME.pre`) naming every file in
/// it, so pprofx's own output (snapshots, `tests/snapshots/`) cannot sit
/// among pprof's goldens unlabelled.
#[test]
fn golden_folder_holds_only_indexed_pprof_output() {
    let golden = common::repo_root().join("tests/golden");
    // `external/` holds one folder per external profile, each indexed.
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for entry in std::fs::read_dir(&golden).expect("tests/golden") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !path.is_dir() {
            assert_eq!(name, "README.md", "stray file in tests/golden/");
        } else if name == "external" {
            for sub in std::fs::read_dir(&path).expect("tests/golden/external") {
                let sub = sub.expect("dir entry").path();
                if sub.is_dir() {
                    dirs.push(sub);
                } else {
                    let f = sub.file_name().unwrap().to_string_lossy().into_owned();
                    assert_eq!(f, "README.md", "stray file in tests/golden/external/");
                }
            }
        } else {
            dirs.push(path);
        }
    }
    let mut folders = 0;
    for path in dirs {
        let name = path
            .strip_prefix(&golden)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        folders += 1;
        let index = [
            "commands.txt",
            "cases.txt",
            "transcripts.txt",
            "preprofile.txt",
            "commands-corpus.txt",
        ]
            .iter()
            .map(|i| path.join(i))
            .find(|i| i.is_file())
            .unwrap_or_else(|| {
                panic!("tests/golden/{name}/ has no commands.txt, cases.txt, transcripts.txt or preprofile.txt")
            });
        let text = std::fs::read_to_string(&index).expect("index");
        let listed: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(": ").map(|(n, _)| n))
            .collect();
        for file in std::fs::read_dir(&path).expect("golden folder") {
            let file = file.expect("dir entry").file_name();
            let file = file.to_string_lossy();
            // A shell transcript's script is its standard input, named in its command.
            let input = file.ends_with(".script") && text.contains(&format!("/{file} "));
            let index_file = [
                "commands-corpus.txt",
                "commands.txt",
                "cases.txt",
                "transcripts.txt",
                "preprofile.txt",
                "merges.txt",
                "README.md",
            ];
            // Large outputs are stored gzipped (`NAME.gz`) or as a digest of
            // their lines (`NAME.digest`) under the name the index gives.
            let stored = file
                .strip_suffix(".gz")
                .or_else(|| file.strip_suffix(".digest"))
                .unwrap_or(&file);
            // preprofile.txt names `NAME`; its outputs are NAME.pre or NAME.err.
            let stem = file.rsplit_once('.').map_or(file.as_ref(), |(s, _)| s);
            let by_stem = index.ends_with("preprofile.txt") && listed.contains(&stem);
            // A reference made by another command is described in the README.
            let readme = std::fs::read_to_string(path.join("README.md")).unwrap_or_default();
            let described = readme.contains(&format!("* `{file}`: `go tool pprof"));
            assert!(
                index_file.contains(&file.as_ref())
                    || input
                    || by_stem
                    || described
                    || listed.contains(&file.as_ref())
                    || listed.contains(&stored),
                "tests/golden/{name}/{file} is not named in {} (pprofx's own \
                 output belongs in tests/snapshots/)",
                index.display()
            );
        }
    }
    assert!(folders >= 7, "tests/golden/ has only {folders} folders");
}

/// The harness itself: a pinned table catches a lost, an added and a
/// moved-out-of-scope case.
#[test]
fn pinned_counts_catch_lost_added_and_out_of_scope_cases() {
    use std::collections::BTreeMap;
    let e = common::counts::Expected::parse(
        "
        report        own  corpus
        top             3       –
        out-of-scope    0       2
        ",
    );
    assert_eq!(e.sources(), ["own", "corpus"]);
    assert_eq!(e.reports().collect::<Vec<_>>(), ["top"]);
    let found = |rows: &[(&str, usize)]| -> BTreeMap<String, usize> {
        rows.iter().map(|(r, n)| (r.to_string(), *n)).collect()
    };
    assert!(e.differences("own", &found(&[("top", 3)])).is_empty());
    assert!(e
        .differences("corpus", &found(&[("out-of-scope", 2)]))
        .is_empty());
    assert_eq!(
        e.differences("own", &found(&[("top", 2), ("out-of-scope", 1)])),
        [
            "top: expected 3, found 2",
            "out-of-scope: expected 0, found 1"
        ]
    );
    assert_eq!(
        e.differences("own", &found(&[("top", 3), ("peek", 1)])),
        ["peek: expected 0, found 1"]
    );
}

/// The harness itself: an error golden accepts only pprofx's own failure.
#[test]
fn error_goldens_reject_panics_signals_and_chatter() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{ExitStatus, Output};
    let out = |raw: i32, stderr: &str, stdout: &str| Output {
        status: ExitStatus::from_raw(raw),
        stdout: stdout.into(),
        stderr: stderr.into(),
    };
    let exit = |code: i32| code << 8;
    let line = "pprofx: x.pb.gz: no matches found for regexp: nope\n";
    assert!(common::check_failure(&out(exit(1), line, "")).is_ok());
    let panic = "\nthread 'main' panicked at src/report/tree.rs:1:1:\nboom\n";
    for bad in [
        out(exit(101), panic, ""),
        out(exit(101), line, ""),
        out(6, "", ""),   // SIGABRT
        out(9, line, ""), // SIGKILL
        out(exit(0), "", "report\n"),
        out(exit(2), line, ""),
        out(exit(1), "pprofx: a\npprofx: b\n", ""),
        out(exit(1), "error: a\n", ""),
        out(exit(1), line, "partial report\n"),
    ] {
        assert!(common::check_failure(&bad).is_err(), "{bad:?}");
    }
}
