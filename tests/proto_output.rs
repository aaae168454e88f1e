//! `--proto -o FILE` on the reports, and `-o FILE` for text reports.
//!
//! Without Go: a profile written with filters reads back to the same `top`
//! as the filtered report on the original (with `-relative_percentages`, so
//! that both totals are the filtered samples', and without the `Active
//! filters` lines, which the written profile no longer needs), and to the
//! same model. Against recorded pprof output: `tests/golden/proto/` holds
//! `go tool pprof -raw` of what `go tool pprof -proto ARGS` writes, and
//! `pprofx raw` of what `pprofx top --proto ARGS` writes must print the same
//! bytes (see `cases.txt` there); the written profile itself, gunzipped, must
//! be the bytes pprof wrote (`NAME.pb` there).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pprofx::graph::analysis::{Analysis, ReportOptions};
use pprofx::report::proto;
use pprofx::LoadOptions;

fn example(name: &str) -> String {
    common::repo_root()
        .join("examples/profiles")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(common::pprofx_bin())
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("run pprofx")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "pprofx {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

fn without_active_filters(s: &str) -> String {
    let mut out = String::new();
    let mut in_filters = false;
    for line in s.lines() {
        if line == "Active filters:" {
            in_filters = true;
            continue;
        }
        if in_filters && line.starts_with("   ") {
            continue;
        }
        in_filters = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn file_list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn written_profiles_read_back_to_the_filtered_top() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.pb.gz");
    let out_s = out.to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("cpu.pb.gz", &["-focus=main"]),
        ("cpu.pb.gz", &["-ignore=sha256", "-hide=runtime"]),
        ("cpu.pb.gz", &["-show=main"]),
        ("cpu.pb.gz", &["-show_from=main.work"]),
        ("cpu.pb.gz", &["-prune_from=sort"]),
        ("cpu.pb.gz", &["-noinlines", "-focus=mix"]),
        ("cpu.pb.gz", &["-all_frames", "-focus=runtime"]),
        ("heap.pb.gz", &["-tagfocus=1kb:"]),
        ("heap.pb.gz", &["-taghide=bytes", "-focus=alloc"]),
        ("goroutine.pb.gz", &["-ignore=runtime.chan"]),
        ("block.pb.gz", &["-hide=chan"]),
        ("mutex.pb.gz", &[]),
    ];
    for (input, filters) in cases {
        let src = example(input);
        let mut args = vec!["top", "--proto", "-o", out_s];
        args.extend_from_slice(filters);
        args.push(&src);
        let o = run(&args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.stdout.is_empty(), "--proto prints no report");
        assert_eq!(
            file_list(dir.path()),
            ["out.pb.gz"],
            "no temporary file left"
        );
        let mut want_args = vec!["top", "-relative_percentages"];
        want_args.extend_from_slice(filters);
        want_args.push(&src);
        let want = without_active_filters(&ok(&want_args));
        assert_eq!(ok(&["top", out_s]), want, "{input} {filters:?}");
    }
}

#[test]
fn divide_by_is_applied_to_the_written_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.pb.gz");
    let src = example("heap.pb.gz");
    ok(&[
        "top",
        "--proto",
        "-divide_by=2",
        "-o",
        out.to_str().unwrap(),
        &src,
    ]);
    let orig = pprofx::load(&src, &LoadOptions::default()).expect("load");
    let back = pprofx::load(out.to_str().unwrap(), &LoadOptions::default()).expect("load");
    assert_eq!(orig.samples.len(), back.samples.len());
    let halves: Vec<i64> = orig.samples.values.iter().map(|v| v / 2).collect();
    assert_eq!(back.samples.values, halves);
}

#[test]
fn written_profiles_match_pprofs_proto_output() {
    let golden = common::repo_root().join("tests/golden/proto");
    let cases = std::fs::read_to_string(golden.join("cases.txt")).expect("cases.txt");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("p.pb.gz");
    let out_s = out.to_str().unwrap();
    let mut checked = 0;
    for line in cases
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, rest) = line.split_once(": ").expect("NAME: ARGS");
        let words: Vec<&str> = rest.split_whitespace().collect();
        let src = example(words[0]);
        let mut args = vec!["top", "--proto", "-o", out_s];
        args.extend_from_slice(&words[1..]);
        args.push(&src);
        ok(&args);
        let want = std::fs::read_to_string(golden.join(name)).expect("golden");
        let got = ok(&["raw", out_s]);
        assert!(
            got == want,
            "{name}: pprofx raw of the written profile differs from pprof's:\n{}",
            common::line_diff(want.as_bytes(), got.as_bytes(), 10)
        );
        let bytes = name.replace(".raw", ".pb");
        let want = std::fs::read(golden.join(&bytes)).expect("golden bytes");
        common::assert_same_bytes(&bytes, &want, &common::gunzip_file(&out));
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} cases");
}

#[test]
fn one_profile_merged_is_written_as_pprof_writes_it() {
    // A profile without mappings: pprof gives it its fake mapping when it
    // loads it, and `pprofx merge` of it alone writes the same bytes as
    // `go tool pprof -proto` of it.
    let golden = common::repo_root().join("tests/golden/proto/proc_cwd-no_mappings.pb");
    let want = std::fs::read(&golden).expect("golden");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("m.pb.gz");
    ok(&[
        "merge",
        "-o",
        out.to_str().unwrap(),
        &example("proc_cwd.pb.gz"),
    ]);
    common::assert_same_bytes("merge of proc_cwd.pb.gz", &want, &common::gunzip_file(&out));
}

#[test]
fn igzip_and_libdeflate_write_the_same_profile() {
    // Written profiles are compressed with ISA-L's igzip when the system
    // has libisal.so.2, else with libdeflate (`PPROFX_IGZIP=0` forces it):
    // the gzip bytes differ, the profile inside does not. CI installs the
    // library, so there the two files must differ.
    let dir = tempfile::tempdir().expect("temp dir");
    let written = |name: &str, igzip: bool| {
        let out = dir.path().join(name);
        let o = Command::new(common::pprofx_bin())
            .args(["merge", "-o", out.to_str().unwrap()])
            .args([example("cpu.pb.gz"), example("cpu.pb.gz")])
            .env("PPROFX_IGZIP", if igzip { "1" } else { "0" })
            .output()
            .expect("run pprofx");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).expect("written")
    };
    let (with, without) = (written("i.pb.gz", true), written("l.pb.gz", false));
    let inflate = |gz: &[u8]| {
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(gz), &mut raw)
            .expect("gunzip");
        raw
    };
    common::assert_same_bytes(
        "igzip's against libdeflate's",
        &inflate(&without),
        &inflate(&with),
    );
    let ci_wants_igzip =
        common::ci() && std::env::var_os("PPROFX_CI_NO_IGZIP").is_none_or(|v| v.is_empty());
    if with == without {
        assert!(
            !ci_wants_igzip,
            "igzip was not used: is Debian's libisal2 installed?"
        );
        common::show("igzip_and_libdeflate_write_the_same_profile: no libisal.so.2 here, libdeflate compared with itself");
    }
}

#[test]
fn the_filtered_profile_survives_write_and_read_as_the_same_model() {
    let p = pprofx::load(&example("cpu.pb.gz"), &LoadOptions::default()).expect("load");
    let mut opts = proto::proto_options(ReportOptions::default());
    opts.filters.focus = "sha256".to_string();
    opts.filters.hide = "runtime".to_string();
    let an = Analysis::new(&p, opts).expect("analysis");
    let filtered = proto::filtered_profile(&an);
    assert!(
        filtered.samples.len() < p.samples.len(),
        "the focus dropped samples"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("f.pb.gz");
    pprofx::model::encode::write_file(&filtered, &path).expect("write");
    let back = pprofx::load(path.to_str().unwrap(), &LoadOptions::default()).expect("read");
    assert_eq!(back, filtered);
}

#[test]
fn every_report_takes_proto_and_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = example("heap.pb.gz");
    let a = dir.path().join("a.pb.gz");
    let b = dir.path().join("b.pb.gz");
    ok(&[
        "top",
        "--proto",
        "-focus=alloc",
        "-o",
        a.to_str().unwrap(),
        &src,
    ]);
    // The report's own settings do not change the profile.
    ok(&[
        "peek",
        "main",
        "-proto",
        "-focus=alloc",
        "-output",
        b.to_str().unwrap(),
        &src,
    ]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // -o for text and JSON reports: the same bytes as standard output.
    for cmd in ["top", "tree", "traces", "tags"] {
        let t = dir.path().join(format!("{cmd}.txt"));
        let o = run(&[cmd, "-o", t.to_str().unwrap(), &src]);
        assert!(o.status.success());
        assert!(o.stdout.is_empty());
        assert_eq!(
            std::fs::read_to_string(&t).unwrap(),
            ok(&[cmd, &src]),
            "{cmd}"
        );
    }
    let j = dir.path().join("top.json");
    ok(&["top", "--json", "-o", j.to_str().unwrap(), &src]);
    assert_eq!(
        std::fs::read_to_string(&j).unwrap(),
        ok(&["top", "--json", &src])
    );
    // `-o -` writes the gzipped profile to a pipe.
    let o = Command::new(common::pprofx_bin())
        .args(["top", "--proto", "-focus=alloc", "-o", "-", &src])
        .stdout(Stdio::piped())
        .output()
        .expect("run");
    assert!(o.status.success());
    assert_eq!(o.stdout, std::fs::read(&a).unwrap());
}

#[test]
fn proto_usage_errors() {
    let src = example("cpu.pb.gz");
    let o = run(&["top", "--proto", &src]);
    assert_eq!(o.status.code(), Some(2), "--proto needs -o");
    let o = run(&["top", "--proto", "--json", "-o", "x.pb.gz", &src]);
    assert_eq!(o.status.code(), Some(2), "--proto and --json conflict");
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no/such/dir/out.pb.gz");
    let o = run(&["top", "--proto", "-o", missing.to_str().unwrap(), &src]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!("pprofx: {}: ", missing.display())),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
