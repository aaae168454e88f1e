//! What a new user meets first: pprof's command shape, help, errors that
//! say what a file is, one exit status per failure, and the README's example
//! output.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::pprofx_bin())
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn repo() -> std::path::PathBuf {
    common::repo_root()
}

fn examples() -> std::path::PathBuf {
    repo().join("examples/profiles")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One `pprofx: …` line on stderr, the given status, nothing on stdout.
fn one_line_failure(o: &Output, code: i32, what: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{what}: {err}");
    assert!(o.stdout.is_empty(), "{what}: stdout not empty");
    assert_eq!(err.lines().count(), 1, "{what}: {err}");
    assert!(err.starts_with("pprofx: "), "{what}: {err}");
    err
}

#[test]
fn readme_example_session_is_what_pprofx_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("## An example session")
        .nth(1)
        .expect("section");
    let block = section
        .split("```console\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a console block");
    let mut lines = block.lines();
    let cmd = lines
        .next()
        .unwrap()
        .strip_prefix("$ pprofx ")
        .expect("$ pprofx …");
    let want: String = lines.map(|l| format!("{l}\n")).collect();
    let args: Vec<&str> = cmd.split_whitespace().collect();
    let o = run_in(&repo(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        want,
        "README example for `pprofx {cmd}`"
    );
}

#[test]
fn pprof_command_shape_gives_the_same_bytes_as_the_subcommand() {
    let a = run_in(&examples(), &["-top", "-cum", "-nodecount=7", "cpu.pb.gz"]);
    let b = run_in(&examples(), &["top", "-cum", "-nodecount=7", "cpu.pb.gz"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    // Flags after the source, Go's `--flag value`, and -output.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("top.txt");
    let c = run_in(
        &examples(),
        &[
            "cpu.pb.gz",
            "--top",
            "--nodecount",
            "7",
            "-cum",
            "-output",
            out.to_str().unwrap(),
        ],
    );
    assert!(c.status.success(), "{}", stderr(&c));
    assert!(c.stdout.is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), a.stdout);
}

#[test]
fn a_binary_before_the_profile_is_accepted_and_not_needed() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("myapp");
    std::fs::write(&bin, b"\x7fELF\x02\x01\x01\x00rest of an executable").unwrap();
    let profile = examples().join("cpu.pb.gz");
    let o = run_in(
        &examples(),
        &["-top", bin.to_str().unwrap(), profile.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = run_in(&examples(), &["-top", "cpu.pb.gz"]);
    assert_eq!(o.stdout, plain.stdout);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not needed"), "{err}");
}

#[test]
fn machine_code_reports_say_why_in_one_line() {
    for flag in ["-disasm=main.fib", "-weblist=main"] {
        let err = one_line_failure(&run_in(&examples(), &[flag, "cpu.pb.gz"]), 1, flag);
        assert!(err.contains("machine code"), "{err}");
    }
}

#[test]
fn http_is_not_mistaken_for_help_and_usage_errors_are_one_line() {
    // Before: clap read `-http` as `-h` and printed the help with status 0.
    let o = run_in(&examples(), &["-top", "-http=:8080", "cpu.pb.gz"]);
    one_line_failure(&o, 2, "-top -http");
    let o = run_in(&examples(), &["-no_browser", "cpu.pb.gz"]);
    one_line_failure(&o, 2, "-no_browser alone");
    let o = run_in(
        &examples(),
        &[
            "-top",
            "-base=cpu.pb.gz",
            "-diff_base=cpu.pb.gz",
            "cpu.pb.gz",
        ],
    );
    one_line_failure(&o, 2, "-base and -diff_base");
    let o = run_in(&examples(), &["top", "--nosuchflag", "cpu.pb.gz"]);
    let err = one_line_failure(&o, 2, "subcommand with an unknown flag");
    assert!(err.contains("pprofx top --help"), "{err}");
    let o = run_in(&examples(), &[]);
    assert_eq!(o.status.code(), Some(2), "no arguments");
}

#[test]
fn files_that_are_not_profiles_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "page.html",
            b"<!DOCTYPE html>\n<html><body>hi</body></html>\n",
            "HTML page",
        ),
        (
            "app",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "executable",
        ),
        (
            "stacks.folded",
            b"main;work;spin 120\nmain;idle 3\n",
            "folded stacks",
        ),
        ("trace.json", b"{\"traceEvents\": []}\n", "JSON"),
        ("notes.txt", b"some notes about the profile\n", "text file"),
        ("empty.pb", b"", "empty"),
    ];
    for (name, bytes, what) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        for args in [&["top", name][..], &["-top", name]] {
            let err = one_line_failure(&run_in(dir.path(), args), 1, name);
            assert!(err.starts_with(&format!("pprofx: {name}: ")), "{err}");
            assert!(err.contains(what), "{name}: {err}");
            assert!(!err.contains("wire type"), "{name} speaks protobuf: {err}");
        }
    }
}

#[test]
fn the_same_failure_has_the_same_status_in_every_command() {
    // A missing file: 1 everywhere.
    for args in [
        &["top", "missing.pb.gz"][..],
        &["-top", "missing.pb.gz"],
        &["traces", "missing.pb.gz"],
        &["diff", "cpu.pb.gz", "missing.pb.gz"],
        &["flame", "-o", "-", "missing.pb.gz"],
        &["merge", "-o", "/tmp/never-written.pb.gz", "missing.pb.gz"],
    ] {
        one_line_failure(&run_in(&examples(), args), 1, &format!("{args:?}"));
    }
    // Profiles that do not fit together: 1 everywhere.
    for args in [
        &["diff", "cpu.pb.gz", "heap.pb.gz"][..],
        &["flame", "-o", "-", "cpu.pb.gz", "heap.pb.gz"],
        &["top", "cpu.pb.gz", "heap.pb.gz"],
    ] {
        one_line_failure(&run_in(&examples(), args), 1, &format!("{args:?}"));
    }
}

#[test]
fn help_has_examples_everywhere_and_no_default_false() {
    let top = run_in(&examples(), &["--help"]);
    let main = String::from_utf8_lossy(&top.stdout);
    assert!(
        main.contains("pprofx -top -cum"),
        "the main help shows pprof's shape"
    );
    let subs: Vec<String> = main
        .split("Commands:")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|s| s != "help")
        .collect();
    assert!(subs.len() >= 12, "{subs:?}");
    for sub in &subs {
        let o = run_in(&examples(), &[sub, "--help"]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{sub} --help");
        assert!(text.contains("Examples:"), "{sub} --help has no examples");
        assert!(
            !text.contains("[default: false]"),
            "{sub} --help shows [default: false]"
        );
    }
    // -help in Go's spelling prints the same help.
    let o = run_in(&examples(), &["-help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("Examples:"));
}

#[test]
fn man_page_is_printable() {
    let o = run_in(&examples(), &["man"]);
    assert!(o.status.success());
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH pprofx"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("diff"));
}

#[test]
fn unsymbolized_text_profiles_say_why_frames_are_unknown() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus");
    let o = run_in(&corpus, &["top", "go-heap_t1.debug1.txt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("<unknown>"));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("pprofx diff"), "{err}");
}
