//! Byte-for-byte parity of `pprofx graph --format=dot|callgrind` with
//! `go tool pprof -dot|-callgrind|-kcachegrind`, and of `-tagroot`/`-tagleaf`
//! on every report.
//!
//! Sources: google/pprof's `internal/driver` DOT and callgrind goldens (with
//! that test's base flags), its `generated/real-go` ones, the report test's
//! `source.dot` (compared with what the pprof CLI prints, which adds a
//! `Type:` line, see `tests/golden/graph/README.md`), and the references
//! recorded with Go 1.27 on the shared corpus in `tests/golden/graph/`
//! (`commands-corpus.txt`). [`EXPECTED_CASES`] pins the counts; without
//! `../shared` the tests are a visible skip (a failure under `PPROFX_CI=1`).

#[macro_use]
mod common;

use common::{Case, Expect, ParitySuite};

/// Cases per report (pprofx's subcommand: `graph` for `-dot`/`-callgrind`)
/// and source.
const EXPECTED_CASES: &str = "
    report        corpus  real-go  driver
    graph             31        2      15
    top                2        –       –
    traces             1        –       –
    tree               1        –       –
    out-of-scope       0        0       0
";

/// This suite: its classifier and pinned counts.
const PARITY: ParitySuite = ParitySuite {
    classify,
    expected: EXPECTED_CASES,
    table: "EXPECTED_CASES in tests/parity_graph.rs",
};

/// The driver goldens of these reports (peer README §1).
const DRIVER_CASES: &str = driver_graph_rows!();

/// Maps a pprof command line to pprofx's: `-dot` and `-callgrind`
/// (`-kcachegrind`) become `graph --format=…`; with `-tagroot`/`-tagleaf`,
/// `-top`, `-traces` and `-tree` become those subcommands. Everything else
/// passes through (pprofx reads pprof's flag spellings).
fn classify(args: &[String]) -> Option<Result<Vec<String>, String>> {
    let mut report = None;
    let mut rest = Vec::new();
    let tags = args
        .iter()
        .any(|a| a.starts_with("-tagroot") || a.starts_with("-tagleaf"));
    for a in args {
        let sub: Option<&[&str]> = match a.as_str() {
            "-dot" => Some(&["graph", "--format=dot"]),
            "-callgrind" | "-kcachegrind" => Some(&["graph", "--format=callgrind"]),
            "-top" | "-text" if tags => Some(&["top"]),
            "-traces" if tags => Some(&["traces"]),
            "-tree" if tags => Some(&["tree"]),
            _ => None,
        };
        match sub {
            Some(s) => report = Some(s.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            None => rest.push(a.clone()),
        }
    }
    let mut out = report?;
    out.extend(rest);
    Some(Ok(out))
}

/// google/pprof `internal/driver` DOT and callgrind goldens.
#[test]
fn peer_driver_goldens() {
    common::run_peer_driver(&PARITY, DRIVER_CASES);
}

/// google/pprof `generated/real-go`: `cpu_a.dot.txt`, `cpu_a.callgrind.txt`.
#[test]
fn peer_real_go_goldens() {
    common::run_peer_real_go(&PARITY);
}

/// Go 1.27 references on the shared corpus (`tests/golden/graph/`), and
/// pprof's `source.dot` as its CLI prints it.
#[test]
fn corpus_references() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let here = common::repo_root().join("tests/golden/graph");
    let corpus = shared.join("corpus");
    let mut suite = PARITY.suite("corpus");
    for cmd in common::parse_commands_txt(&here.join("commands-corpus.txt")) {
        if cmd.name.contains(".unordered.") {
            continue;
        }
        let expect = Expect::Stdout(here.join(&cmd.name));
        suite.add(format!("graph/{}", cmd.name), &corpus, &cmd.args, expect);
    }
    let report_dir = shared.join("peer/pprof-testdata/internal/report");
    let args = "graph --format=dot -symbolize=none -call_tree -trim=false -lines -showcolumns \
        -unit= -trim_path=/some/path -sample_index=1 \
        ../../generated/report-profiles/report_testprofile.pb.gz";
    suite.cases.push(Case {
        name: "graph/source.dot".to_string(),
        cwd: report_dir,
        args: args.split_whitespace().map(String::from).collect(),
        expect: Expect::Stdout(here.join("source.dot")),
    });
    PARITY.finish(suite);
}

/// The references where pprof's own order is random (edges and tags of
/// equal |weight| and opposite signs, so nodelet numbers too): the same
/// lines, in any order, nodelet numbers aside.
#[test]
fn corpus_references_unordered() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let here = common::repo_root().join("tests/golden/graph");
    let corpus = shared.join("corpus");
    let mut checked = 0;
    let nodelet = regex::Regex::new(r"(N\d+)_\d+").expect("valid regex");
    for cmd in common::parse_commands_txt(&here.join("commands-corpus.txt")) {
        if !cmd.name.contains(".unordered.") {
            continue;
        }
        let args = classify(&cmd.args)
            .expect("a graph command")
            .expect("in scope");
        let out = common::run_pprofx(&args, &corpus).expect("runs pprofx");
        assert!(out.status.success(), "{}: {:?}", cmd.name, out);
        let golden = common::read_golden(&here.join(&cmd.name)).expect("golden");
        let sorted = |b: &[u8]| {
            let mut lines: Vec<String> = String::from_utf8_lossy(b)
                .lines()
                .map(|l| nodelet.replace_all(l, "${1}_n").into_owned())
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(sorted(&out.stdout), sorted(&golden), "{}", cmd.name);
        eprintln!("ok graph/{} (lines in any order)", cmd.name);
        checked += 1;
    }
    assert_eq!(checked, 2, "the -base and -diff_base references");
}

#[test]
fn classify_maps_reports() {
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        classify(&args("-dot -nodecount=5 x.pb.gz")),
        Some(Ok(args("graph --format=dot -nodecount=5 x.pb.gz")))
    );
    assert_eq!(
        classify(&args("-kcachegrind x.pb.gz")),
        Some(Ok(args("graph --format=callgrind x.pb.gz")))
    );
    assert_eq!(
        classify(&args("-top -tagroot=a x.pb.gz")),
        Some(Ok(args("top -tagroot=a x.pb.gz")))
    );
    assert_eq!(classify(&args("-top x.pb.gz")), None);
}
