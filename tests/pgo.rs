//! `pprofx pgo` against the references recorded with Go 1.27's `go tool
//! preprofile` (`tests/golden/pgo/`, index `preprofile.txt`, made by
//! `examples/regen-pgo-golden.sh`):
//!
//! * `pgo report --preprofile P` prints preprofile's bytes, and `--json` has
//!   the same edges and weights in the same order, with the hot set equal to
//!   the 99 % rule computed here over preprofile's weights;
//! * profiles preprofile rejects (no `start_line`, no CPU sample type) are
//!   reported with the warning, or refused, naming the file;
//! * `pgo merge` (merges.txt) gives the recorded edges, which are the weighted
//!   sums of the inputs' recorded edges;
//! * `pgo diff` finds what entered and left the hot set and gates on it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{pprofx_bin, repo_root, shared_dir};

fn golden_dir() -> PathBuf {
    repo_root().join("tests/golden/pgo")
}

fn run(args: &[&str], cwd: &Path) -> Output {
    std::process::Command::new(pprofx_bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pprofx")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One reference: its name and the input's path (`None` when `../shared`
/// is absent).
fn references() -> Vec<(String, Option<PathBuf>)> {
    let text = std::fs::read_to_string(golden_dir().join("preprofile.txt")).expect("index");
    let shared = shared_dir();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, input) = l.split_once(": ").expect("NAME: INPUT");
            let path = match input.strip_prefix("shared/") {
                Some(rest) => shared.as_ref().map(|s| s.join(rest)),
                None => Some(repo_root().join(input)),
            };
            (name.to_string(), path)
        })
        .collect()
}

/// (caller, callee, offset, weight) of a `GO PREPROFILE V1` text.
fn parse_pre(text: &str) -> Vec<(String, String, i64, i64)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("GO PREPROFILE V1"));
    let rest: Vec<&str> = lines.collect();
    rest.chunks(3)
        .map(|c| {
            let (o, w) = c[2].split_once(' ').expect("OFFSET WEIGHT");
            (
                c[0].to_string(),
                c[1].to_string(),
                o.parse().unwrap(),
                w.parse().unwrap(),
            )
        })
        .collect()
}

/// The inliner's rule, written out again: the shortest prefix whose
/// cumulative weight is more than 99 % of the total.
fn hot_count(weights: &[i64]) -> usize {
    let total: i64 = weights.iter().sum();
    let mut cum = 0;
    for (i, w) in weights.iter().enumerate() {
        cum += w;
        if cum as f64 / total as f64 * 100.0 > 99.0 {
            return i + 1;
        }
    }
    weights.len()
}

#[test]
fn edges_equal_go_tool_preprofile() {
    let mut checked = 0;
    for (name, input) in references() {
        let Some(base) = name.strip_suffix(".pre") else {
            continue;
        };
        let Some(input) = input else {
            eprintln!("skip {name}: ../shared not found");
            continue;
        };
        let want = std::fs::read_to_string(golden_dir().join(&name)).unwrap();
        let input = input.to_str().unwrap();
        let o = run(&["pgo", "report", "--preprofile", input], &repo_root());
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            want,
            "{name}: --preprofile differs from go tool preprofile"
        );

        let o = run(&["pgo", "report", "--json", input], &repo_root());
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let want = parse_pre(&want);
        let edges = j["edges"].as_array().unwrap();
        assert_eq!(edges.len(), want.len(), "{name}: edge count");
        let weights: Vec<i64> = want.iter().map(|e| e.3).collect();
        let hot = hot_count(&weights);
        for (i, (e, w)) in edges.iter().zip(&want).enumerate() {
            let got = (
                e["caller"].as_str().unwrap().to_string(),
                e["callee"].as_str().unwrap().to_string(),
                e["call_site_offset"].as_i64().unwrap(),
                e["weight"].as_i64().unwrap(),
            );
            assert_eq!(&got, w, "{name}: edge {i}");
            assert_eq!(e["hot"].as_bool(), Some(i < hot), "{name}: edge {i} hot");
        }
        assert_eq!(
            j["total_weight"].as_i64(),
            Some(weights.iter().sum()),
            "{name}"
        );
        assert_eq!(j["hot_edge_count"].as_u64(), Some(hot as u64), "{name}");
        let threshold = if weights.is_empty() {
            0
        } else {
            weights[hot - 1]
        };
        assert_eq!(j["threshold_weight"].as_i64(), Some(threshold), "{name}");
        assert_eq!(j["accepted_by_compiler"], true, "{name}");
        checked += 1;
        eprintln!(
            "{base}: {} edges, {hot} hot, same as go tool preprofile",
            want.len()
        );
    }
    assert!(checked >= 6, "only {checked} references checked");
}

#[test]
fn rejected_profiles_are_explained() {
    let Some(_) = shared_dir() else {
        eprintln!("skip: ../shared not found");
        return;
    };
    for (name, input) in references() {
        if !name.ends_with(".err") {
            continue;
        }
        let input = input.unwrap();
        let input = input.to_str().unwrap();
        let why = std::fs::read_to_string(golden_dir().join(&name)).unwrap();
        let o = run(&["pgo", "report", "--json", input], &repo_root());
        if why.contains("missing Function.start_line") {
            assert!(o.status.success(), "{name}: {}", stderr(&o));
            let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(j["accepted_by_compiler"], false, "{name}");
            let w = &j["warnings"][0];
            assert_eq!(w["kind"], "no_start_line", "{name}");
            assert!(
                w["message"].as_str().unwrap().starts_with(input),
                "{name}: the warning names the file: {w}"
            );
            assert!(!j["edges"].as_array().unwrap().is_empty(), "{name}");
            // merge refuses it, naming it.
            let out = std::env::temp_dir().join(format!("pprofx-pgo-{}.pb.gz", std::process::id()));
            let o = run(
                &["pgo", "merge", "-o", out.to_str().unwrap(), input],
                &repo_root(),
            );
            assert_eq!(o.status.code(), Some(1), "{name}");
            let e = stderr(&o);
            assert!(
                e.starts_with(&format!("pprofx: {input}: no Function.start_line")),
                "{e}"
            );
            assert!(!out.exists(), "{name}: nothing written");
        } else {
            assert!(why.contains("does not contain a sample index"), "{why}");
            assert_eq!(o.status.code(), Some(1), "{name}");
            let e = stderr(&o);
            assert!(
                e.starts_with(&format!(
                    "pprofx: {input}: no samples/count or cpu/nanoseconds"
                )),
                "{e}"
            );
        }
    }
}

/// `pgo merge ARGS` of merges.txt again: its edges are the recorded ones
/// (which go tool preprofile read from the committed merge), and those are
/// the weighted sums of the inputs' recorded edges.
#[test]
fn merge_gives_weighted_sums() {
    let text = std::fs::read_to_string(golden_dir().join("merges.txt")).unwrap();
    let profiles = repo_root().join("examples/profiles");
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (output, args) = line.split_once(": ").unwrap();
        let args: Vec<&str> = args.split(' ').collect();
        let out = dir.path().join(output);
        let mut cmd = vec!["pgo", "merge", "-o", out.to_str().unwrap()];
        cmd.extend(&args);
        let o = run(&cmd, &profiles);
        assert!(o.status.success(), "{output}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("(checked edge by edge)"),
            "{}",
            stderr(&o)
        );
        let stem = output.strip_suffix(".pb.gz").unwrap();
        let want = std::fs::read_to_string(golden_dir().join(format!("{stem}.pre"))).unwrap();
        let o = run(
            &["pgo", "report", "--preprofile", out.to_str().unwrap()],
            &profiles,
        );
        assert_eq!(stdout(&o), want, "{output}: edges of the merge");

        // Weighted sums of the inputs' references.
        let weights: Vec<i64> = args
            .iter()
            .position(|a| *a == "--weight")
            .map(|i| args[i + 1].split(',').map(|w| w.parse().unwrap()).collect())
            .unwrap();
        let inputs: Vec<&str> = args
            .iter()
            .filter(|a| a.ends_with(".pb.gz"))
            .copied()
            .collect();
        let mut sum: std::collections::HashMap<(String, String, i64), i64> = Default::default();
        for (input, w) in inputs.iter().zip(&weights) {
            let stem = input.strip_suffix(".pb.gz").unwrap();
            let pre = std::fs::read_to_string(golden_dir().join(format!("{stem}.pre"))).unwrap();
            for (caller, callee, off, weight) in parse_pre(&pre) {
                *sum.entry((caller, callee, off)).or_default() += w * weight;
            }
        }
        let merged: std::collections::HashMap<(String, String, i64), i64> = parse_pre(&want)
            .into_iter()
            .map(|(a, b, o, w)| ((a, b, o), w))
            .collect();
        assert_eq!(merged, sum, "{output}: weighted sums");
        n += 1;
    }
    assert_eq!(n, 2);
}

#[test]
fn merge_refusals_are_usage_errors() {
    let profiles = repo_root().join("examples/profiles");
    let o = run(
        &[
            "pgo",
            "merge",
            "--weight",
            "1,2,3",
            "-o",
            "x.pb.gz",
            "pgo-a.pb.gz",
        ],
        &profiles,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "pprofx: --weight gives 3 weights for 1 profiles\n"
    );
    let o = run(
        &[
            "pgo",
            "merge",
            "--keep_leaves",
            "1",
            "-o",
            "x.pb.gz",
            "pgo-a.pb.gz",
        ],
        &profiles,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("keep at least 2"), "{}", stderr(&o));
    assert!(!profiles.join("x.pb.gz").exists());
}

#[test]
fn report_text_shows_hot_edges_sizes_and_devirtualization() {
    let profiles = repo_root().join("examples/profiles");
    let o = run(
        &[
            "pgo",
            "report",
            "--inline_costs",
            "pgo-inline-costs.txt",
            "-edgecount=0",
            "pgo-a.pb.gz",
        ],
        &profiles,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let (table, devirt) = text
        .split_once("Devirtualization candidates")
        .expect("a devirtualization section");
    let find = |part: &str, needle: &str| {
        part.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
            .to_string()
    };
    let line = |needle: &str| find(table, needle);
    let candidate = |needle: &str| find(devirt, needle);
    assert!(
        text.starts_with("Profile: pgo-a.pb.gz\nWeights: samples/count"),
        "{text}"
    );
    assert!(line("Total weight:").contains("in 139 call-site edges"));
    // scramble (cost 116) is inlined only because its call site is hot.
    let l = line("main.processRecords:3 -> main.scramble");
    assert!(l.contains("HOT  medium 116"), "{l}");
    assert!(line("main.round:10 -> main.processRecords (inline)").contains("small 74"));
    assert!(line("main.twoOnOneLine:1 -> main.sumInts").contains("never"));
    // The interface call in sumAreas: the compiler picks (*Rect).Area
    // (go build -pgo -gcflags=-d=pgodebug=2 says "hottest callee
    // main.(*Rect).Area (weight 196)").
    let l = candidate("main.sumAreas:3 -> main.(*Rect).Area");
    assert!(l.contains("interface   devirtualized"), "{l}");
    let l = candidate("main.applyAll:3 -> main.square");
    assert!(l.contains("func_value  devirtualized"), "{l}");
    let l = candidate("sort.insertionSort_func:2 -> main.sortAndFormat.func1");
    assert!(l.contains("closure"), "{l}");
    assert!(text.contains("goes to runtime.asyncPreempt"), "{text}");
    assert!(text.contains("crypto/internal/fips140/sha256.blockSHANI (assembly)"));
}

#[test]
fn short_profile_warning() {
    let profiles = repo_root().join("examples/profiles");
    let o = run(&["pgo", "report", "--json", "pgo-short.pb.gz"], &profiles);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"short_profile"), "{kinds:?}");
    // The 30-second profile of the same program is not "short".
    let o = run(&["pgo", "report", "--json", "pgo-a.pb.gz"], &profiles);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["kind"] == "short_profile"));
}

#[test]
fn serialized_input_and_diff() {
    let profiles = repo_root().join("examples/profiles");
    let golden = golden_dir();
    let pre = golden.join("pgo-a.pre");
    // preprofile output reads back to the same edges.
    let o = run(
        &["pgo", "report", "--preprofile", pre.to_str().unwrap()],
        &profiles,
    );
    assert_eq!(stdout(&o), std::fs::read_to_string(&pre).unwrap());
    // A profile against its own preprofile output: nothing moved.
    let o = run(
        &[
            "pgo",
            "diff",
            "--json",
            "--fail_above=0",
            pre.to_str().unwrap(),
            "pgo-a.pb.gz",
        ],
        &profiles,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["moved_percent"], 0.0);
    assert_eq!(j["entered"].as_array().unwrap().len(), 0);
    // Mix b calls cube where mix a called square, and mostly circles.
    let o = run(
        &[
            "pgo",
            "diff",
            "--fail_above=10",
            "pgo-a.pb.gz",
            "pgo-b.pb.gz",
        ],
        &profiles,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("main.applyAll:3 -> main.cube"), "{text}");
    assert!(
        text.contains("time to refresh default.pgo (exit 3)"),
        "{text}"
    );
    let o = run(
        &["pgo", "diff", "--json", "pgo-a.pb.gz", "pgo-b.pb.gz"],
        &profiles,
    );
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let moved = j["moved_percent"].as_f64().unwrap();
    assert!(moved > 10.0 && moved <= 100.0, "{moved}");
    let left: Vec<&str> = j["left"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["callee"].as_str().unwrap())
        .collect();
    assert!(left.contains(&"main.square"), "{left:?}");
    // A missing file is an error (1, as in every command), named.
    let o = run(&["pgo", "diff", "nope.pb.gz", "pgo-a.pb.gz"], &profiles);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("pprofx: nope.pb.gz: "),
        "{}",
        stderr(&o)
    );
}
