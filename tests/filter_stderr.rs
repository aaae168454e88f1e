//! The messages `go tool pprof` prints on stderr for filters
//! (`tagfocus:Interpreted '1mb:' as range, not regexp`, `Focus expression
//! matched no samples`…) must be printed identically by `pprofx top`.
//!
//! Cases: the real-go peer goldens with a recorded `.stderr` and exit 0 that
//! use filters (when `../shared` is present), and a few commands on this
//! repository's `examples/profiles` with the stderr of Go 1.27's pprof inline.

mod common;

use common::{pprof_args, repo_root, run_pprofx, shared_path, shell_split};

/// Runs `pprofx top ARGS` in `cwd`; returns (success, stderr).
fn stderr_of(args: &[&str], cwd: &std::path::Path) -> (bool, String) {
    let args: Vec<String> = std::iter::once("top")
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    let out = run_pprofx(&args, cwd).expect("pprofx runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn own_profiles() {
    let dir = repo_root().join("examples/profiles");
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "-focus=nomatch",
                "-ignore=zzz",
                "-hide=zzz",
                "-show=zzz",
                "-show_from=zzz",
                "-tagfocus=30kb:",
                "-tagignore=bytes=zz",
                "-tagshow=zz",
                "-taghide=zz",
                "-prune_from=zz",
                "cpu.pb.gz",
            ],
            "tagfocus:Interpreted '30kb:' as range, not regexp\n\
             Focus expression matched no samples\n\
             Ignore expression matched no samples\n\
             Hide expression matched no samples\n\
             Show expression matched no samples\n\
             ShowFrom expression matched no samples\n\
             TagFocus expression matched no samples\n\
             TagIgnore expression matched no samples\n\
             TagShow expression matched no samples\n\
             TagHide expression matched no samples\n",
        ),
        (
            &["-tagfocus=worker=a", "-taghide=worker", "heap.pb.gz"],
            "TagFocus expression matched no samples\nTagHide expression matched no samples\n",
        ),
        (
            &[
                "-focus=main",
                "-tagfocus=bytes=:1kb",
                "-tagshow=bytes",
                "heap.pb.gz",
            ],
            "tagfocus:Interpreted ':1kb' as range, not regexp\n",
        ),
        (&["-focus=main", "-hide=runtime", "cpu.pb.gz"], ""),
    ];
    for (args, want) in cases {
        let (ok, got) = stderr_of(args, &dir);
        assert!(ok, "pprofx top {args:?} failed: {got}");
        assert_eq!(got, *want, "stderr of pprofx top {args:?}");
    }
}

#[test]
fn bad_regex_is_one_line_exit_1() {
    let dir = repo_root().join("examples/profiles");
    let args: Vec<String> = ["top", "-focus=main.(", "cpu.pb.gz"]
        .map(String::from)
        .to_vec();
    let out = run_pprofx(&args, &dir).expect("pprofx runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        "pprofx: cpu.pb.gz: parsing focus regexp \"main.(\": unclosed group\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn peer_real_go() {
    let Some(dir) = shared_path("peer/pprof-testdata/generated/real-go") else {
        return;
    };
    let index = std::fs::read_to_string(dir.join("expected/INDEX.tsv")).expect("INDEX.tsv");
    let mut checked = 0;
    for line in index.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, "0", command] = fields[..] else {
            continue;
        };
        let Ok(want) = std::fs::read_to_string(dir.join(format!("expected/{name}.stderr"))) else {
            continue;
        };
        let args = pprof_args(&shell_split(command)).expect("a pprof command");
        let filter_flags = ["-focus=", "-tagfocus=", "-ignore=", "-hide=", "-show="];
        if !args
            .iter()
            .any(|a| filter_flags.iter().any(|f| a.starts_with(f)))
        {
            continue;
        }
        let args: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "-top")
            .collect();
        let (ok, got) = stderr_of(&args, &dir);
        assert!(ok, "{name}: pprofx failed: {got}");
        assert_eq!(got, want, "stderr of {name}");
        checked += 1;
    }
    eprintln!("filter stderr: {checked} real-go cases identical");
    assert_eq!(
        checked, 3,
        "the real-go filter cases with a recorded stderr (pinned count)"
    );
}
