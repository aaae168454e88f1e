//! The `pprofx` command line as a user meets it.
//!
//! This file proves, by running the built binary, that:
//!
//! * `pprofx top` reproduces the committed `go tool pprof -top` goldens for the
//!   five example profiles, whether the profile comes from a file, from stdin
//!   (`-`), gzipped or raw (gzip is sniffed by magic bytes, not by name);
//! * pprof's flag spellings (`-flag=v`, `--flag v`, `--fla-g=v`, `-flag v`,
//!   boolean `-flag` / `-flag=false`) give byte-identical output, and a
//!   boolean flag never swallows the next word;
//! * `--json` carries the sample type, the unfiltered total and the same rows,
//!   in the same order and with the same raw numbers, as the text report;
//! * exit status is 0 on success, 1 on runtime errors (with exactly one
//!   `pprofx: FILE: message` line on stderr and nothing on stdout), 2 on usage
//!   errors; `--help` shows examples; `completions` prints a script;
//! * every malformed input (truncated gzip, corrupt or truncated protobuf,
//!   garbage, empty input, gzip of nothing, concatenated profiles, missing
//!   file, directory) fails cleanly and quickly: exit 1, one stderr line, no
//!   panic, no hang; random byte corruptions never panic either;
//! * writing into a closed pipe (`pprofx top big.pb.gz | head -1`) is not an
//!   error.
//!
//! Known bugs are pinned by `#[ignore = "bug: …"]` tests (run them with
//! `--ignored`): they fail until the bug is fixed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use pprofx::model::proto;
use prost::Message;

/// Every example profile (`examples/profiles/STEM.pb.gz`).
const STEMS: [&str; 5] = ["cpu", "heap", "goroutine", "block", "mutex"];

/// How long any single run may take before the test calls it a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/profiles")
}

fn golden(stem: &str, name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(stem)
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn fixture_bytes(stem: &str) -> Vec<u8> {
    std::fs::read(profiles_dir().join(format!("{stem}.pb.gz"))).expect("read fixture")
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("gunzip fixture");
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// A `pprofx` command run in `cwd` with `TZ=UTC` (as the goldens were made).
fn pprofx(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pprofx"));
    c.args(args)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .env_remove("PPROFX_TIMINGS")
        .env_remove("RUST_BACKTRACE");
    c
}

/// Waits for `child`, killing it and failing the test after [`TIMEOUT`].
fn wait_or_kill(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {TIMEOUT:?} (hang?)");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmd` with `stdin` as its standard input (empty if `None`), collecting
/// stdout and stderr, under the hang guard.
fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pprofx");
    let input = stdin.unwrap_or_default().to_vec();
    let mut w = child.stdin.take().expect("stdin");
    let feeder = thread::spawn(move || {
        // The child may exit without reading everything: ignore EPIPE.
        let _ = w.write_all(&input);
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err_t = thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).map(|_| v)
    });
    let status = wait_or_kill(&mut child, &what);
    feeder.join().expect("stdin feeder");
    Output {
        status,
        stdout: out_t.join().expect("stdout reader").expect("read stdout"),
        stderr: err_t.join().expect("stderr reader").expect("read stderr"),
    }
}

/// Runs `pprofx ARGS` in the example profiles directory.
fn run_in_examples(args: &[&str]) -> Output {
    run(pprofx(&profiles_dir(), args), None)
}

fn stdout_of(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a successful run with nothing on stderr; returns stdout.
fn ok(o: &Output, what: &str) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: expected exit 0, stderr: {}",
        stderr_of(o)
    );
    assert!(
        o.stderr.is_empty(),
        "{what}: unexpected stderr: {}",
        stderr_of(o)
    );
    stdout_of(o)
}

/// Asserts pprofx's runtime-error contract: exit 1, empty stdout, exactly one
/// stderr line `pprofx: SUBJECT: message` with a non-empty message, no panic.
/// Returns the message part.
fn runtime_error(o: &Output, subject: &str, what: &str) -> String {
    let err = stderr_of(o);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: panic: {err}"
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}: expected exit 1, stderr: {err}"
    );
    assert!(
        o.stdout.is_empty(),
        "{what}: stdout not empty: {:?}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        err.ends_with('\n') && err.lines().count() == 1,
        "{what}: expected exactly one stderr line, got {err:?}"
    );
    let prefix = format!("pprofx: {subject}: ");
    let msg = err
        .trim_end()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{what}: stderr {err:?} does not start with {prefix:?}"));
    assert!(!msg.trim().is_empty(), "{what}: empty message in {err:?}");
    msg.to_string()
}

/// Asserts a usage error: exit 2, empty stdout, no panic.
fn usage_error(o: &Output, what: &str) {
    let err = stderr_of(o);
    assert!(!err.contains("panicked"), "{what}: panic: {err}");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{what}: expected exit 2, stderr: {err}"
    );
    assert!(o.stdout.is_empty(), "{what}: stdout not empty");
    assert!(!err.trim().is_empty(), "{what}: no message on stderr");
}

// ---------------------------------------------------------------------------
// Sources: file, stdin, gzipped, raw
// ---------------------------------------------------------------------------

#[test]
fn top_matches_golden_for_every_example_profile() {
    for stem in STEMS {
        let file = format!("{stem}.pb.gz");
        let out = ok(&run_in_examples(&["top", &file]), &file);
        assert_eq!(out, golden(stem, "top.txt"), "pprofx top {file}");
    }
}

#[test]
fn stdin_dash_gives_the_same_output_as_the_file() {
    for stem in STEMS {
        let file = format!("{stem}.pb.gz");
        let from_file = ok(&run_in_examples(&["top", &file]), &file);
        let gz = fixture_bytes(stem);
        let from_stdin = ok(
            &run(pprofx(&profiles_dir(), &["top", "-"]), Some(&gz)),
            "stdin gz",
        );
        assert_eq!(from_stdin, from_file, "{file} via stdin (gzipped)");
        let raw = gunzip(&gz);
        let from_stdin_raw = ok(
            &run(pprofx(&profiles_dir(), &["top", "-"]), Some(&raw)),
            "stdin raw",
        );
        assert_eq!(from_stdin_raw, from_file, "{file} via stdin (raw proto)");
    }
}

#[test]
fn raw_proto_gives_the_same_output_as_gzipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    for stem in STEMS {
        let gz = fixture_bytes(stem);
        let raw = gunzip(&gz);
        assert_ne!(raw, gz, "{stem}: fixture should be gzipped");
        // Names that lie about the content: detection must use magic bytes.
        std::fs::write(dir.path().join(format!("{stem}.raw.pb.gz")), &raw).expect("write");
        std::fs::write(dir.path().join(format!("{stem}.gz.pb")), &gz).expect("write");
        let want = golden(stem, "top.txt");
        for name in [format!("{stem}.raw.pb.gz"), format!("{stem}.gz.pb")] {
            let out = ok(&run(pprofx(dir.path(), &["top", &name]), None), &name);
            assert_eq!(out, want, "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Flag spellings
// ---------------------------------------------------------------------------

/// Runs every spelling in `spellings` (flag words placed before the profile)
/// and requires each output to equal the golden `stem/golden_name`.
fn check_spellings(stem: &str, golden_name: &str, spellings: &[&[&str]]) {
    let want = golden(stem, golden_name);
    let file = format!("{stem}.pb.gz");
    for flags in spellings {
        let mut args = vec!["top"];
        args.extend_from_slice(flags);
        args.push(&file);
        let out = ok(&run_in_examples(&args), &format!("{args:?}"));
        assert_eq!(
            out, want,
            "pprofx {args:?} differs from {stem}/{golden_name}"
        );
    }
}

#[test]
fn sample_index_spellings_are_equivalent() {
    check_spellings(
        "heap",
        "top-alloc_space.txt",
        &[
            &["-sample_index=alloc_space"],
            &["--sample_index=alloc_space"],
            &["--sample_index", "alloc_space"],
            &["-sample_index", "alloc_space"],
            &["--sample-index=alloc_space"],
            &["--sample-index", "alloc_space"],
            &["-sample-index=alloc_space"],
            &["-sample_index=1"],
            &["-alloc_space"],
            &["--alloc_space=true"],
        ],
    );
}

#[test]
fn valued_flag_spellings_are_equivalent() {
    check_spellings(
        "cpu",
        "top-nodecount=5.txt",
        &[
            &["-nodecount=5"],
            &["--nodecount=5"],
            &["--nodecount", "5"],
            &["-nodecount", "5"],
        ],
    );
    check_spellings(
        "cpu",
        "top-nodefraction=0.05.txt",
        &[
            &["-nodefraction=0.05"],
            &["--nodefraction", "0.05"],
            &["-nodefraction", "0.05"],
            &["--nodefraction=0.05"],
        ],
    );
    check_spellings(
        "heap",
        "top-unit=kb.txt",
        &[&["-unit=kb"], &["--unit", "kb"], &["-unit", "kb"]],
    );
}

#[test]
fn boolean_flag_spellings_are_equivalent() {
    check_spellings(
        "cpu",
        "top-trim=false.txt",
        &[
            &["-trim=false"],
            &["--trim=false"],
            &["-trim=0"],
            &["-trim=f"],
            &["--trim=FALSE"],
            &["-trim=False"],
        ],
    );
    check_spellings(
        "cpu",
        "top-cum.txt",
        &[
            &["-cum"],
            &["--cum"],
            &["-cum=true"],
            &["--cum=1"],
            &["-cum=t"],
            &["-cum=TRUE"],
        ],
    );
    // An explicit false equals the default.
    check_spellings(
        "cpu",
        "top.txt",
        &[
            &["-cum=false"],
            &["--compact_labels=false"],
            &["-trim=true"],
        ],
    );
    check_spellings(
        "cpu",
        "top-compact_labels.txt",
        &[&["-compact_labels"], &["--compact-labels"]],
    );
}

#[test]
fn boolean_flag_does_not_take_the_next_word_as_its_value() {
    // `-trim false cpu.pb.gz` is `-trim` and two profiles (`false` and
    // `cpu.pb.gz`), as in Go's flag package: it must not mean -trim=false.
    let o = run_in_examples(&["top", "-trim", "false", "cpu.pb.gz"]);
    assert!(
        !o.status.success(),
        "`-trim false` must not be read as -trim=false; stdout: {}",
        stdout_of(&o)
    );
    assert!(o.stdout.is_empty(), "stdout not empty");
    assert!(!stderr_of(&o).contains("panicked"));
    // An invalid boolean value is a usage error.
    usage_error(
        &run_in_examples(&["top", "-trim=maybe", "cpu.pb.gz"]),
        "-trim=maybe",
    );
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

/// A number as `-unit=<raw unit>` prints it, e.g. `3020000000ns`, `8580096B`, `12`.
fn raw_number(token: &str) -> i64 {
    let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits
        .parse()
        .unwrap_or_else(|e| panic!("not a raw number: {token:?}: {e}"))
}

/// One text row: (flat, cum, name with inline marker).
fn text_rows(text: &str) -> Vec<(i64, i64, String)> {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| {
            l.split_whitespace().collect::<Vec<_>>() == ["flat", "flat%", "sum%", "cum", "cum%"]
        })
        .expect("table header line");
    lines
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() >= 6, "short row {l:?}");
            (raw_number(f[0]), raw_number(f[3]), f[5..].join(" "))
        })
        .collect()
}

/// The two numbers of "Showing nodes accounting for X, P% of T total".
fn showing_line(text: &str) -> (i64, i64) {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Showing nodes accounting for "))
        .expect("Showing nodes accounting for line");
    let (shown, rest) = line.split_once(", ").expect("comma");
    let total = rest
        .split_once(" of ")
        .and_then(|(_, t)| t.strip_suffix(" total"))
        .expect("of T total");
    (raw_number(shown), raw_number(total))
}

#[test]
fn json_agrees_with_text_report() {
    // The unit under which the text prints raw sample values.
    let raw_units = [
        ("cpu", "ns", "cpu", "nanoseconds"),
        ("heap", "b", "inuse_space", "bytes"),
        ("goroutine", "minimum", "goroutine", "count"),
        ("block", "ns", "delay", "nanoseconds"),
        ("mutex", "ns", "delay", "nanoseconds"),
    ];
    for (stem, unit, ty, sample_unit) in raw_units {
        let file = format!("{stem}.pb.gz");
        for extra in [&[][..], &["-nodecount=3"][..], &["-cum"][..]] {
            let what = format!("{file} {extra:?}");
            let unit_flag = format!("-unit={unit}");
            let mut text_args = vec!["top", unit_flag.as_str()];
            text_args.extend_from_slice(extra);
            text_args.push(&file);
            let text = ok(&run_in_examples(&text_args), &what);
            let mut json_args = vec!["top", "--json"];
            json_args.extend_from_slice(extra);
            json_args.push(&file);
            let json_text = ok(&run_in_examples(&json_args), &what);
            let v: serde_json::Value = serde_json::from_str(&json_text)
                .unwrap_or_else(|e| panic!("{what}: invalid JSON: {e}\n{json_text}"));

            assert_eq!(v["sample_type"]["type"], ty, "{what}: sample_type.type");
            assert_eq!(
                v["sample_type"]["unit"], sample_unit,
                "{what}: sample_type.unit"
            );
            assert!(
                text.contains(&format!("\nType: {ty}\n")),
                "{what}: text Type line"
            );

            let (shown, total) = showing_line(&text);
            assert_eq!(v["total"].as_i64(), Some(total), "{what}: total");
            let rows = v["rows"].as_array().expect("rows array");
            let flat_sum: i64 = rows
                .iter()
                .map(|r| r["flat"].as_i64().expect("integer flat"))
                .sum();
            assert_eq!(
                flat_sum, shown,
                "{what}: Σ flat vs 'Showing nodes accounting for'"
            );

            let trows = text_rows(&text);
            assert_eq!(rows.len(), trows.len(), "{what}: row count");
            assert!(!rows.is_empty(), "{what}: no rows");
            for (j, (t, (tflat, tcum, tname))) in rows.iter().zip(&trows).enumerate() {
                let name = t["name"].as_str().expect("name string");
                let shown_name = match t.get("inline").and_then(|i| i.as_str()) {
                    Some(i) => format!("{name} ({i})"),
                    None => name.to_string(),
                };
                assert_eq!(&shown_name, tname, "{what}: row {j} name/order");
                assert_eq!(t["flat"].as_i64(), Some(*tflat), "{what}: row {j} flat");
                assert_eq!(t["cum"].as_i64(), Some(*tcum), "{what}: row {j} cum");
            }
        }
    }
    // The total is computed before trimming: -nodecount=1 keeps it.
    let all: serde_json::Value = serde_json::from_str(&ok(
        &run_in_examples(&["top", "--json", "cpu.pb.gz"]),
        "json",
    ))
    .expect("json");
    let one: serde_json::Value = serde_json::from_str(&ok(
        &run_in_examples(&["top", "--json", "-nodecount=1", "cpu.pb.gz"]),
        "json",
    ))
    .expect("json");
    assert_eq!(one["rows"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["total"], all["total"]);
    assert!(one["total"].as_i64().unwrap_or(0) > 0);
}

// ---------------------------------------------------------------------------
// Option errors, usage errors, help, completions
// ---------------------------------------------------------------------------

#[test]
fn bad_sample_index_is_a_one_line_runtime_error() {
    let o = run_in_examples(&["top", "-sample_index=nope", "heap.pb.gz"]);
    let msg = runtime_error(&o, "heap.pb.gz", "-sample_index=nope");
    assert!(msg.contains("nope"), "{msg}");
    for ty in [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ] {
        assert!(msg.contains(ty), "message should list {ty}: {msg}");
    }
    // pprof's own wording (tests/golden/heap/top-sample_index=nope.txt.err).
    assert_eq!(
        msg,
        golden("heap", "top-sample_index=nope.txt.err").trim_end()
    );

    let o = run_in_examples(&["top", "-sample_index=nope", "cpu.pb.gz"]);
    let msg = runtime_error(&o, "cpu.pb.gz", "cpu -sample_index=nope");
    assert!(msg.contains("samples") && msg.contains("cpu"), "{msg}");

    let o = run_in_examples(&["top", "-sample_index=9", "heap.pb.gz"]);
    let msg = runtime_error(&o, "heap.pb.gz", "-sample_index=9");
    assert_eq!(msg, golden("heap", "top-sample_index=9.txt.err").trim_end());

    let o = run_in_examples(&["top", "--json", "-sample_index=nope", "heap.pb.gz"]);
    runtime_error(&o, "heap.pb.gz", "--json -sample_index=nope");

    let o = run_in_examples(&["top", "-divide_by=0", "heap.pb.gz"]);
    let msg = runtime_error(&o, "heap.pb.gz", "-divide_by=0");
    assert_eq!(msg, golden("heap", "top-divide_by=0.txt.err").trim_end());
}

#[test]
fn unknown_flag_is_a_usage_error() {
    for args in [
        &["top", "-bogus", "cpu.pb.gz"][..],
        &["top", "--bogus", "cpu.pb.gz"],
        &["top", "--bogus=1", "cpu.pb.gz"],
        &["top", "-nodecount=abc", "cpu.pb.gz"],
        &["-frobnicate", "cpu.pb.gz"],
        &["-top", "-nodecount=abc", "cpu.pb.gz"],
    ] {
        usage_error(&run_in_examples(args), &format!("{args:?}"));
    }
}

#[test]
fn a_word_that_is_no_subcommand_is_a_source_as_in_pprof() {
    // pprof's shape: `pprofx SOURCE…`; a near-miss of a subcommand says so.
    let o = run_in_examples(&["tpo", "cpu.pb.gz"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr_of(&o);
    assert!(err.contains("pprofx: tpo: "), "{err}");
    assert!(
        err.contains("pprofx top"),
        "no hint at the subcommand: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn missing_profile_is_a_usage_error() {
    usage_error(&run_in_examples(&["top"]), "top without PROFILE");
    usage_error(
        &run_in_examples(&["top", "-cum"]),
        "top -cum without PROFILE",
    );
    usage_error(&run_in_examples(&[]), "no command");
}

#[test]
fn help_shows_examples() {
    for args in [&["--help"][..], &["top", "--help"]] {
        let out = ok(&run_in_examples(args), "--help");
        assert!(out.contains("Examples"), "{args:?}: no examples:\n{out}");
        assert!(out.contains("pprofx top "), "{args:?}: no example command");
        assert!(out.contains("Usage"), "{args:?}: no usage line");
    }
    let top_help = ok(&run_in_examples(&["top", "--help"]), "top --help");
    for flag in ["--sample_index", "--nodecount", "--json", "--cum"] {
        assert!(top_help.contains(flag), "top --help lacks {flag}");
    }
}

#[test]
fn completions_print_a_script() {
    for shell in ["bash", "zsh", "fish"] {
        let out = ok(&run_in_examples(&["completions", shell]), shell);
        assert!(out.contains("pprofx"), "{shell} completions lack 'pprofx'");
        assert!(out.len() > 200, "{shell} completions suspiciously short");
    }
    let bash = ok(&run_in_examples(&["completions", "bash"]), "bash");
    assert!(
        bash.contains("nodecount"),
        "bash completions lack top's flags"
    );
    usage_error(&run_in_examples(&["completions", "cmd.exe"]), "bad shell");
}

// ---------------------------------------------------------------------------
// Closed pipe
// ---------------------------------------------------------------------------

/// A profile whose `top` output is far larger than a pipe buffer: one sample
/// through a deep stack of distinct functions (every node has cum = total,
/// so none is trimmed by the default node fraction).
fn big_profile(depth: u64) -> Vec<u8> {
    let mut strings = vec![String::new(), "samples".into(), "count".into()];
    let mut function = Vec::new();
    let mut location = Vec::new();
    for i in 1..=depth {
        strings.push(format!(
            "example.com/some/rather/long/package/path.function_number_{i:06}"
        ));
        function.push(proto::Function {
            id: i,
            name: strings.len() as i64 - 1,
            ..Default::default()
        });
        location.push(proto::Location {
            id: i,
            line: vec![proto::Line {
                function_id: i,
                line: i as i64,
                column: 0,
            }],
            ..Default::default()
        });
    }
    let p = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        sample: vec![proto::Sample {
            location_id: (1..=depth).collect(),
            value: vec![7],
            label: vec![],
        }],
        location,
        function,
        string_table: strings,
        ..Default::default()
    };
    gzip(&p.encode_to_vec())
}

#[test]
fn closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.pb.gz"), big_profile(5000)).expect("write");

    // The full output really is bigger than any pipe buffer.
    let full = ok(&run(pprofx(dir.path(), &["top", "big.pb.gz"]), None), "big");
    assert!(
        full.len() > 256 * 1024,
        "output only {} bytes: test would not hit a closed pipe",
        full.len()
    );
    assert!(full.lines().count() > 5000);

    for args in [&["top", "big.pb.gz"][..], &["top", "--json", "big.pb.gz"]] {
        let mut child = pprofx(dir.path(), args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stderr = child.stderr.take().expect("stderr");
        let err_t = thread::spawn(move || {
            let mut s = String::new();
            stderr.read_to_string(&mut s).map(|_| s)
        });
        {
            let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
            let mut first = String::new();
            reader.read_line(&mut first).expect("read first line");
            assert!(!first.is_empty(), "{args:?}: no first line");
            // Dropping the reader closes our end of the pipe, like `head -1`.
        }
        let status = wait_or_kill(&mut child, "closed pipe");
        let err = err_t.join().expect("join").expect("read stderr");
        assert_eq!(
            status.code(),
            Some(0),
            "{args:?}: closed pipe must exit 0; stderr: {err}"
        );
        assert!(err.is_empty(), "{args:?}: closed pipe printed: {err}");
    }
}

/// Runs `args` with a stdout pipe whose reading end is closed before pprofx
/// writes anything (so the first write fails with EPIPE); returns the exit
/// code and stderr.
fn run_into_closed_pipe(cwd: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = pprofx(cwd, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let mut stderr = child.stderr.take().expect("stderr");
    let err_t = thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let status = wait_or_kill(&mut child, &format!("{args:?} into a closed pipe"));
    let err = err_t.join().expect("join").expect("read stderr");
    (status.code(), err)
}

#[test]
fn report_into_an_already_closed_pipe_is_not_an_error() {
    for args in [
        &["top", "cpu.pb.gz"][..],
        &["top", "--json", "heap.pb.gz"],
        &["--help"],
        &["top", "--help"],
    ] {
        let (code, err) = run_into_closed_pipe(&profiles_dir(), args);
        assert_eq!(code, Some(0), "{args:?} into a closed pipe; stderr: {err}");
        assert!(err.is_empty(), "{args:?} into a closed pipe printed: {err}");
    }
}

#[test]
fn completions_into_a_closed_pipe_is_not_an_error() {
    // A script smaller than a pipe buffer is only refused (EPIPE) when no
    // process holds the pipe's read end, and a sibling test's fork may hold
    // it for a moment: repeat so that a bug cannot hide behind that race.
    for shell in ["bash", "zsh", "fish", "bash", "zsh", "fish"] {
        let (code, err) = run_into_closed_pipe(&profiles_dir(), &["completions", shell]);
        assert!(!err.contains("panicked"), "completions {shell}: {err}");
        assert_eq!(
            code,
            Some(0),
            "completions {shell} into a closed pipe; stderr: {err}"
        );
        assert!(
            err.is_empty(),
            "completions {shell} into a closed pipe printed: {err}"
        );
    }
}

// ---------------------------------------------------------------------------
// Malformed inputs
// ---------------------------------------------------------------------------

/// A small deterministic generator (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Inputs that must all be rejected: (file name, contents, expected substring
/// of the message or "").
fn malformed_cases() -> Vec<(String, Vec<u8>, &'static str)> {
    let gz = fixture_bytes("cpu");
    let raw = gunzip(&gz);
    let n = gz.len();
    let mut cases: Vec<(String, Vec<u8>, &'static str)> = Vec::new();

    for off in [
        1,
        2,
        3,
        10,
        18,
        64,
        n / 4,
        n / 2,
        n - 9,
        n - 8,
        n - 5,
        n - 1,
    ] {
        cases.push((format!("trunc-{off}.pb.gz"), gz[..off].to_vec(), ""));
    }
    // Corrupt gzip: compression method, deflate data, CRC32 and ISIZE trailer.
    for (what, at) in [
        ("method", 2),
        ("deflate", 100),
        ("middle", n / 2),
        ("crc", n - 8),
        ("isize", n - 1),
    ] {
        let mut bad = gz.clone();
        bad[at] ^= 0x01;
        cases.push((format!("gz-bad-{what}.pb.gz"), bad, ""));
    }
    // Truncated inside a field of the inflated proto, gzipped or not.
    for off in [3, raw.len() / 3, raw.len() - 1] {
        cases.push((format!("raw-trunc-{off}.pb"), raw[..off].to_vec(), ""));
    }
    cases.push((
        "gz-of-trunc.pb.gz".into(),
        gzip(&raw[..raw.len() / 2 + 1]),
        "",
    ));

    // Targeted corruptions of the inflated proto.
    let mut field0 = raw.clone();
    field0[0] = 0x00;
    cases.push(("field-zero.pb".into(), field0, ""));
    let mut wire7 = raw.clone();
    wire7[0] = 0x0f;
    cases.push(("wire-type-7.pb".into(), wire7, ""));
    let mut long_varint = raw.clone();
    long_varint.extend_from_slice(&[0x38; 1]); // field 7 (drop_frames), varint…
    long_varint.extend_from_slice(&[0xff; 11]); // …of 11 bytes
    cases.push(("long-varint.pb".into(), long_varint, ""));
    let mut over_long = raw.clone();
    over_long.extend_from_slice(&[0x32, 0xe8, 0x07]); // string of 1000 bytes, none follow
    cases.push(("length-past-end.pb".into(), over_long, ""));
    let mut bad_string = raw.clone();
    bad_string.extend_from_slice(&[0x38, 0xa0, 0x8d, 0x06]); // drop_frames = 100000
    cases.push(("string-index.pb".into(), bad_string.clone(), ""));
    cases.push(("string-index.pb.gz".into(), gzip(&bad_string), ""));
    let mut unknown_loc = raw.clone();
    // A sample with location id 999999 and two values.
    unknown_loc.extend_from_slice(&[0x12, 0x08, 0x08, 0xbf, 0x84, 0x3d, 0x10, 0x01, 0x10, 0x01]);
    cases.push(("unknown-location.pb".into(), unknown_loc, ""));

    let mut rng = Rng(0x5eed_0fba_d1d5);
    let mut garbage = vec![0xffu8];
    garbage.extend(rng.bytes(999));
    cases.push(("garbage.pb.gz".into(), garbage.clone(), ""));
    cases.push(("gz-of-garbage.pb.gz".into(), gzip(&garbage), ""));
    cases.push(("zeros.pb".into(), vec![0; 4096], ""));
    cases.push(("empty.pb.gz".into(), Vec::new(), "empty"));
    cases.push(("gz-of-nothing.pb.gz".into(), gzip(&[]), "empty"));
    let mut twice = raw.clone();
    twice.extend_from_slice(&raw);
    cases.push((
        "concat.pb".into(),
        twice.clone(),
        "concatenated profiles detected",
    ));
    cases.push((
        "concat-inflated.pb.gz".into(),
        gzip(&twice),
        "concatenated profiles detected",
    ));
    let mut two_members = gz.clone();
    two_members.extend_from_slice(&gz);
    cases.push((
        "two-gzip-members.pb.gz".into(),
        two_members,
        "concatenated profiles detected",
    ));
    cases
}

#[test]
fn malformed_inputs_fail_with_one_line_and_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes, expect) in malformed_cases() {
        std::fs::write(dir.path().join(&name), &bytes).expect("write case");
        let started = Instant::now();
        let o = run(pprofx(dir.path(), &["top", &name]), None);
        let msg = runtime_error(&o, &name, &name);
        assert!(
            msg.contains(expect),
            "{name}: message {msg:?} should mention {expect:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: took {:?}",
            started.elapsed()
        );
        // --json must not change the error path.
        let o = run(pprofx(dir.path(), &["top", "--json", &name]), None);
        runtime_error(&o, &name, &format!("--json {name}"));
    }
}

#[test]
fn malformed_stdin_fails_with_one_line_and_exit_1() {
    for (name, bytes, _) in malformed_cases().into_iter().step_by(3) {
        let o = run(pprofx(&profiles_dir(), &["top", "-"]), Some(&bytes));
        runtime_error(&o, "-", &format!("stdin {name}"));
    }
}

#[test]
fn missing_file_and_directory_fail_with_one_line_and_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("adir")).expect("mkdir");
    let o = run(pprofx(dir.path(), &["top", "nosuch.pb.gz"]), None);
    let msg = runtime_error(&o, "nosuch.pb.gz", "missing file");
    assert!(msg.contains("no such file"), "{msg}");
    let o = run(pprofx(dir.path(), &["top", "adir"]), None);
    let msg = runtime_error(&o, "adir", "directory");
    assert!(msg.contains("directory"), "{msg}");
}

#[test]
fn random_corruptions_never_panic_or_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    let mut failures = 0;
    for stem in STEMS {
        let raw = gunzip(&fixture_bytes(stem));
        for k in 0..16 {
            let mut d = raw.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(d.len());
                match rng.below(4) {
                    0 => d[i] ^= 1 << rng.below(8),
                    1 => d[i] = [0x00, 0xff, 0x80, 0x7f][rng.below(4)],
                    2 => {
                        let end = (i + 1 + rng.below(5)).min(d.len());
                        d.drain(i..end);
                    }
                    _ => d[i] = rng.next() as u8,
                }
            }
            // Alternate raw and gzipped files.
            let (name, bytes) = if k % 2 == 0 {
                (format!("{stem}-{k}.pb"), d)
            } else {
                (format!("{stem}-{k}.pb.gz"), gzip(&d))
            };
            std::fs::write(dir.path().join(&name), &bytes).expect("write");
            let o = run(pprofx(dir.path(), &["top", "-nodefraction=0", &name]), None);
            match o.status.code() {
                Some(0) => {
                    assert!(
                        o.stderr.is_empty(),
                        "{name}: exit 0 with stderr {}",
                        stderr_of(&o)
                    );
                    // A corrupted string may hold bytes that are not
                    // UTF-8: printed as they are, as pprof prints them.
                    let out = String::from_utf8_lossy(&o.stdout);
                    assert!(out.contains("Showing nodes accounting for"));
                }
                _ => {
                    runtime_error(&o, &name, &name);
                    failures += 1;
                }
            }
        }
    }
    // Most corruptions of a profile are detected.
    assert!(failures > 0, "no corruption was detected at all");
}

#[test]
fn many_sample_types_times_many_samples_is_an_error_not_an_abort() {
    // Every sample has 0 values for 100000 declared types: invalid, and cheap
    // to reject. A gzip of it is a few kilobytes.
    let n = 100_000;
    let mut data = Vec::with_capacity(4 * n + 2);
    for _ in 0..n {
        data.extend_from_slice(&[0x0a, 0x00]); // sample_type {}
    }
    for _ in 0..n {
        data.extend_from_slice(&[0x12, 0x00]); // sample {}
    }
    data.extend_from_slice(&[0x32, 0x00]); // string_table: ""
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("types.pb"), &data).expect("write");
    std::fs::write(dir.path().join("types.pb.gz"), gzip(&data)).expect("write");
    for name in ["types.pb", "types.pb.gz"] {
        let o = run(pprofx(dir.path(), &["top", name]), None);
        let msg = runtime_error(&o, name, name);
        assert!(msg.contains("mismatch"), "{name}: {msg}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_file_name_is_a_usage_error_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = tempfile::tempdir().expect("tempdir");
    let name = OsStr::from_bytes(b"cpu-\xff.pb.gz");
    std::fs::write(dir.path().join(name), fixture_bytes("cpu")).expect("write");
    let mut cmd = pprofx(dir.path(), &["top"]);
    cmd.arg(name);
    let o = run(cmd, None);
    let err = stderr_of(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
}
