//! Merging many profiles (`pprofx merge`, several sources on any report):
//! pprof's exact result, in memory that does not grow with the number of
//! inputs, associative, with `@FILE`, directories, globs and `--skip_bad`.
//!
//! The inputs are small CPU profiles generated here ([`generated`]), the
//! same bytes on every run. `tests/golden/merge/` holds what `go tool pprof`
//! prints for some of them (see its `commands.txt`; the test
//! `write_fixtures` writes the inputs when `PPROFX_WRITE_MERGE_FIXTURES` names
//! a folder).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pprofx::model::proto;
use prost::Message;

fn pprofx_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env_remove("PPROFX_TIMINGS")
        .output()
        .expect("run pprofx")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "pprofx failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// A tiny deterministic generator (64-bit LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// How [`generated`] varies its profiles.
#[derive(Clone, Copy)]
struct Gen {
    /// Distinct stacks (drawn from one pool shared by all profiles).
    stacks: u64,
    /// Values may be negative (then some cancel when merged).
    negative: bool,
    /// Time unit of the `cpu` sample type and the period: "nanoseconds" or
    /// "microseconds".
    unit: &'static str,
}

const SMALL: Gen = Gen {
    stacks: 24,
    negative: false,
    unit: "nanoseconds",
};

/// Profile number `seed` of a family: a CPU profile of a made-up program
/// (40 functions, each at one address of one mapping) whose samples are
/// stacks of the shared pool with values that depend on `seed`; some
/// samples carry labels. Gzipped profile.proto bytes.
fn generated(seed: u64, g: Gen) -> Vec<u8> {
    let mut strings: Vec<String> = ["", "samples", "count", "cpu", g.unit, "/bin/app", "main.go"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut s = |v: &str| -> i64 {
        if let Some(i) = strings.iter().position(|x| x == v) {
            return i as i64;
        }
        strings.push(v.to_string());
        strings.len() as i64 - 1
    };
    let nfun = 40u64;
    let function: Vec<proto::Function> = (0..nfun)
        .map(|i| proto::Function {
            id: i + 1,
            name: s(&format!("main.f{i}")),
            system_name: 0,
            filename: s("main.go"),
            start_line: (i * 10) as i64,
        })
        .collect();
    let location: Vec<proto::Location> = (0..nfun)
        .map(|i| proto::Location {
            id: i + 1,
            mapping_id: 1,
            address: 0x401000 + 0x10 * i,
            line: vec![proto::Line {
                function_id: i + 1,
                line: (i * 10 + 3) as i64,
                column: 0,
            }],
            is_folded: false,
        })
        .collect();
    let per = if g.unit == "microseconds" { 1 } else { 1000 };
    let mut vals = Rng(seed.wrapping_mul(7919) + 1);
    let mut sample = Vec::new();
    for k in 0..g.stacks {
        let mut pick = Rng(k + 11);
        let depth = 3 + pick.next(6);
        let location_id: Vec<u64> = (0..depth).map(|_| 1 + pick.next(nfun)).collect();
        let count = if g.negative {
            vals.next(5) as i64 - 2
        } else {
            vals.next(4) as i64
        };
        let mut label = Vec::new();
        if k % 3 == 0 {
            label.push(proto::Label {
                key: s("shard"),
                str: s(&format!("s{}", k % 2)),
                num: 0,
                num_unit: 0,
            });
            label.push(proto::Label {
                key: s("bytes"),
                str: 0,
                num: (k % 4 * 1024) as i64,
                num_unit: 0,
            });
        }
        sample.push(proto::Sample {
            location_id,
            value: vec![count, count * 10_000 * per],
            label,
        });
    }
    let p = proto::Profile {
        sample_type: vec![
            proto::ValueType {
                r#type: s("samples"),
                unit: s("count"),
            },
            proto::ValueType {
                r#type: s("cpu"),
                unit: s(g.unit),
            },
        ],
        sample,
        mapping: vec![proto::Mapping {
            id: 1,
            memory_start: 0x400000,
            memory_limit: 0x800000,
            file_offset: 0,
            filename: s("/bin/app"),
            build_id: 0,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: false,
        }],
        location,
        function,
        string_table: Vec::new(),
        drop_frames: 0,
        keep_frames: 0,
        time_nanos: 1_700_000_000_000_000_000 + seed as i64 * 1_000_000_000,
        duration_nanos: 1_000_000_000,
        period_type: Some(proto::ValueType {
            r#type: s("cpu"),
            unit: s(g.unit),
        }),
        period: 10_000 * per,
        comment: vec![s(&format!("shard {}", seed % 3))],
        default_sample_type: 0,
        doc_url: 0,
    };
    let p = proto::Profile {
        string_table: strings,
        ..p
    };
    pprofx::model::encode::gzip(&p.encode_to_vec(), 6)
}

/// Writes profiles `seeds` of family `g` to `dir` as `pNNN.pb.gz`; their names.
fn write_family(dir: &Path, seeds: std::ops::Range<u64>, g: Gen) -> Vec<String> {
    seeds
        .map(|i| {
            let name = format!("p{i:03}.pb.gz");
            std::fs::write(dir.join(&name), generated(i, g)).expect("write profile");
            name
        })
        .collect()
}

/// The family of the chunk goldens: 130 profiles (pprof merges 128, then
/// the last 2, then both results), values in -2..2 so that samples cancel
/// inside chunks and across them.
const CANCEL: Gen = Gen {
    stacks: 24,
    negative: true,
    unit: "nanoseconds",
};

fn golden_bytes(name: &str) -> Vec<u8> {
    let path = common::repo_root().join("tests/golden/merge").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn golden(name: &str) -> String {
    String::from_utf8(golden_bytes(name)).expect("utf-8 golden")
}

#[test]
fn write_fixtures() {
    // Only writes the inputs of tests/golden/merge/ when asked to.
    let Some(dir) = std::env::var_os("PPROFX_WRITE_MERGE_FIXTURES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("cancel")).expect("mkdir");
    write_family(&dir.join("cancel"), 0..130, CANCEL);
    for (name, g) in [("cancel300", CANCEL), ("small300", SMALL)] {
        std::fs::create_dir_all(dir.join(name)).expect("mkdir");
        write_family(&dir.join(name), 0..300, g);
    }
}

#[test]
fn more_than_a_chunk_with_cancelling_values_is_pprofs_merge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = write_family(dir.path(), 0..130, CANCEL);
    let mut args = vec!["raw"];
    args.extend(names.iter().map(String::as_str));
    assert_eq!(ok(&pprofx_in(dir.path(), &args)), golden("cancel-130.raw"));
    args[0] = "top";
    assert_eq!(ok(&pprofx_in(dir.path(), &args)), golden("cancel-130.top"));
    // Through a written file, listed in a file.
    std::fs::write(dir.path().join("list"), names.join("\n")).expect("list");
    ok(&pprofx_in(
        dir.path(),
        &["merge", "-o", "merged.pb.gz", "@list"],
    ));
    assert_eq!(
        ok(&pprofx_in(dir.path(), &["raw", "merged.pb.gz"])),
        golden("cancel-130.raw")
    );
    // Gunzipped, the very bytes `go tool pprof -proto` writes, though the
    // samples cancel and pprof merges in chunks.
    common::assert_same_bytes(
        "cancel-130.pb",
        &golden_bytes("cancel-130.pb"),
        &common::gunzip_file(&dir.path().join("merged.pb.gz")),
    );
}

/// Merges profiles `0..n` of family `g` with `pprofx merge` in a new
/// folder; the merged file's bytes, gunzipped, and `pprofx raw` of the
/// inputs.
fn merged_family(n: u64, g: Gen) -> (Vec<u8>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = write_family(dir.path(), 0..n, g);
    let mut args = vec!["merge", "-o", "merged.pb.gz"];
    args.extend(names.iter().map(String::as_str));
    ok(&pprofx_in(dir.path(), &args));
    args.splice(0..3, ["raw"]);
    let raw = ok(&pprofx_in(dir.path(), &args));
    (common::gunzip_file(&dir.path().join("merged.pb.gz")), raw)
}

#[test]
fn three_chunks_merge_as_pprof_merges_them() {
    // The result so far is carried from chunk to chunk unfinished while
    // nothing sums to zero (stream::fold): with values that cancel inside
    // and across chunks, and with values that never do.
    let (bytes, raw) = merged_family(300, CANCEL);
    assert_eq!(raw, golden("cancel-300.raw"));
    common::assert_same_bytes("cancel-300.pb", &golden_bytes("cancel-300.pb"), &bytes);
    let (bytes, _) = merged_family(300, SMALL);
    common::assert_same_bytes("small-300.pb", &golden_bytes("small-300.pb"), &bytes);
}

#[test]
fn two_real_profiles_merge_as_pprof_merges_them() {
    let Some(corpus) = common::shared_path("corpus") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("m.pb.gz").display().to_string();
    ok(&pprofx_in(
        &corpus,
        &[
            "merge",
            "-o",
            &out,
            "go-cpu-mixed.pb.gz",
            "go-cpu-business.pb.gz",
        ],
    ));
    // pprof's own merge of the same two, as written by `go tool pprof -proto`.
    let theirs = "go-cpu-mixed.golden/merge-go-cpu-mixed+go-cpu-business.pb.gz";
    for report in ["raw", "top"] {
        assert_eq!(
            ok(&pprofx_in(&corpus, &[report, &out])),
            ok(&pprofx_in(&corpus, &[report, theirs])),
            "{report}"
        );
    }
    // Gunzipped, the very bytes pprof wrote.
    common::assert_same_bytes(
        "merge of two corpus profiles",
        &common::gunzip_file(&corpus.join(theirs)),
        &common::gunzip_file(Path::new(&out)),
    );
}

#[test]
fn merging_shards_equals_merging_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let names = write_family(d, 0..140, SMALL);
    let merge = |out: &str, inputs: &[String]| {
        let mut args = vec!["merge", "-o", out];
        args.extend(inputs.iter().map(String::as_str));
        ok(&pprofx_in(d, &args));
    };
    merge("all.pb.gz", &names);
    // Shards of different sizes, one larger than pprof's chunk of 128.
    merge("s1.pb.gz", &names[..3]);
    merge("s2.pb.gz", &names[3..133]);
    merge("s3.pb.gz", &names[133..]);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    merge("s12.pb.gz", &s(&["s1.pb.gz", "s2.pb.gz"]));
    merge("left.pb.gz", &s(&["s12.pb.gz", "s3.pb.gz"]));
    merge("s23.pb.gz", &s(&["s2.pb.gz", "s3.pb.gz"]));
    merge("right.pb.gz", &s(&["s1.pb.gz", "s23.pb.gz"]));
    for report in ["raw", "top"] {
        let all = ok(&pprofx_in(d, &[report, "all.pb.gz"]));
        assert!(all.lines().count() > 10, "{all}");
        for sharded in ["left.pb.gz", "right.pb.gz"] {
            assert_eq!(
                ok(&pprofx_in(d, &[report, sharded])),
                all,
                "{report} of {sharded}"
            );
        }
        // And with the shards given as sources of a report.
        assert_eq!(
            ok(&pprofx_in(d, &[report, "s1.pb.gz", "s2.pb.gz", "s3.pb.gz"])),
            all,
            "{report} of the three shards"
        );
    }
}

#[test]
fn list_files_directories_and_globs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::create_dir(d.join("shards")).expect("mkdir");
    let names = write_family(&d.join("shards"), 0..5, SMALL);
    let paths: Vec<String> = names.iter().map(|n| format!("shards/{n}")).collect();
    let mut args = vec!["top"];
    args.extend(paths.iter().map(String::as_str));
    let want = ok(&pprofx_in(d, &args));
    std::fs::write(
        d.join("list.txt"),
        format!("# five shards\n{}\n", paths.join("\n")),
    )
    .expect("list");
    assert_eq!(ok(&pprofx_in(d, &["top", "@list.txt"])), want, "@FILE");
    assert_eq!(ok(&pprofx_in(d, &["top", "shards"])), want, "a directory");
    assert_eq!(
        ok(&pprofx_in(d, &["top", "shards/p*.pb.gz"])),
        want,
        "a glob"
    );
    assert_eq!(
        ok(&pprofx_in(
            d,
            &["top", "shards/p00[0-2].pb.gz", "shards/p00[!0-2].pb.gz"]
        )),
        want,
        "two globs"
    );
    let none = pprofx_in(d, &["top", "shards/*.pprof"]);
    assert_eq!(none.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&none.stderr),
        "pprofx: shards/*.pprof: no file matches\n"
    );
    let missing = pprofx_in(d, &["top", "@nolist.txt"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "pprofx: @nolist.txt: no such file or directory\n"
    );
}

#[test]
fn a_bad_input_stops_the_merge_or_is_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let names = write_family(d, 0..4, SMALL);
    std::fs::write(d.join("bad.pb.gz"), b"not a profile at all\n").expect("bad");
    let mut args = vec!["top", names[0].as_str(), names[1].as_str(), "bad.pb.gz"];
    args.extend([names[2].as_str(), names[3].as_str()]);
    let stop = pprofx_in(d, &args);
    assert_eq!(stop.status.code(), Some(1));
    let err = String::from_utf8_lossy(&stop.stderr);
    assert!(err.starts_with("pprofx: bad.pb.gz: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    args.insert(1, "--skip_bad");
    let skip = pprofx_in(d, &args);
    let mut good = vec!["top"];
    good.extend(names.iter().map(String::as_str));
    assert_eq!(ok(&skip), ok(&pprofx_in(d, &good)));
    let err = String::from_utf8_lossy(&skip.stderr);
    assert!(
        err.starts_with("pprofx: skipped 1 of 5 profiles that could not be read: bad.pb.gz: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let all_bad = pprofx_in(
        d,
        &[
            "merge",
            "--skip_bad",
            "-o",
            "x.pb.gz",
            "bad.pb.gz",
            "bad.pb.gz",
        ],
    );
    assert_eq!(all_bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&all_bad.stderr)
            .starts_with("pprofx: none of the 2 source profiles could be read (bad.pb.gz: "),
        "{}",
        String::from_utf8_lossy(&all_bad.stderr)
    );
}

#[test]
fn mixed_units_are_merged_in_two_passes_with_pprofs_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let us = Gen {
        unit: "microseconds",
        ..SMALL
    };
    std::fs::write(d.join("a.pb.gz"), generated(1, SMALL)).expect("write");
    std::fs::write(d.join("b.pb.gz"), generated(2, SMALL)).expect("write");
    std::fs::write(d.join("c-us.pb.gz"), generated(3, us)).expect("write");
    std::fs::write(d.join("d.pb.gz"), generated(4, SMALL)).expect("write");
    let inputs = ["a.pb.gz", "b.pb.gz", "c-us.pb.gz", "d.pb.gz"];
    // The reference: every profile in memory, combined at once by the library.
    let profiles: Vec<pprofx::Profile> = inputs
        .iter()
        .map(|f| {
            let mut p = pprofx::decode::load(&d.join(f).display().to_string(), &Default::default())
                .expect("load");
            p.ensure_mapping();
            p
        })
        .collect();
    let all = pprofx::combine::merge::combine(profiles).expect("combine");
    pprofx::model::encode::write_file(&all, &d.join("ref.pb.gz")).expect("write");
    let want = ok(&pprofx_in(d, &["raw", "ref.pb.gz"]));
    assert!(want.contains("cpu/nanoseconds"), "{want}");
    let mut args = vec!["raw"];
    args.extend(inputs);
    assert_eq!(ok(&pprofx_in(d, &args)), want);

    // One input from standard input, which cannot be read twice: kept.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .args(["raw", "a.pb.gz", "b.pb.gz", "-", "d.pb.gz"])
        .current_dir(d)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&generated(3, us))
        .expect("feed stdin");
    assert_eq!(ok(&child.wait_with_output().expect("wait")), want);
}

/// Peak resident memory of `pprofx ARGS` in `dir`, in KiB (Linux).
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // wait4 below reaps it
fn peak_rss_kib(dir: &Path, args: &[&str]) -> i64 {
    let child = Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "pprofx {args:?} failed"
    );
    usage.ru_maxrss
}

#[cfg(target_os = "linux")]
#[test]
fn memory_does_not_grow_with_the_number_of_profiles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // 16 distinct profiles of 1,500 samples (about 150 kB each in memory),
    // listed over and over: all 1,600 held at once would take ~250 MB.
    let big = Gen {
        stacks: 1500,
        ..SMALL
    };
    let names = write_family(d, 0..16, big);
    let list = |n: usize| -> String {
        let file = format!("list-{n}");
        let lines: Vec<&str> = (0..n).map(|i| names[i % names.len()].as_str()).collect();
        std::fs::write(d.join(&file), lines.join("\n")).expect("list");
        format!("@{file}")
    };
    let (few, many) = (list(64), list(1600));
    let rss_few = peak_rss_kib(d, &["merge", "-o", "few.pb.gz", &few]);
    let rss_many = peak_rss_kib(d, &["merge", "-o", "many.pb.gz", &many]);
    common::show(&format!(
        "merge peak RSS: {rss_few} KiB for 64 profiles, {rss_many} KiB for 1,600"
    ));
    assert!(
        rss_many < rss_few + rss_few / 4 + 8 * 1024,
        "peak RSS grew from {rss_few} KiB (64 profiles) to {rss_many} KiB (1,600)"
    );
    // Same stacks, 25 times the values and durations.
    let few = ok(&pprofx_in(d, &["top", "few.pb.gz"]));
    let many = ok(&pprofx_in(d, &["top", "many.pb.gz"]));
    assert_eq!(few.lines().count(), many.lines().count());
    assert_ne!(few, many);
}

#[test]
fn a_progress_bar_only_on_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let names = write_family(d, 0..6, SMALL);
    let cmd = format!(
        "{} merge -o out.pb.gz {}",
        env!("CARGO_BIN_EXE_pprofx"),
        names.join(" ")
    );
    // Not a terminal: nothing on stderr, even when asked to draw at once.
    let plain = Command::new("sh")
        .args(["-c", &cmd])
        .current_dir(d)
        .env("PPROFX_PROGRESS_AFTER_MS", "0")
        .output()
        .expect("sh");
    assert!(plain.status.success());
    assert!(
        plain.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    if Command::new("script").arg("--version").output().is_err() {
        common::show("progress bar: `script` (util-linux) not found, terminal case skipped");
        return;
    }
    // A terminal (util-linux `script` gives the command a pseudo-terminal).
    for (no_color, colored) in [("", true), ("1", false)] {
        let tty = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(d)
            .env("PPROFX_PROGRESS_AFTER_MS", "0")
            .env("NO_COLOR", no_color)
            .output()
            .expect("script");
        assert!(tty.status.success());
        let screen = String::from_utf8_lossy(&tty.stdout);
        assert!(screen.contains(" profiles "), "{screen:?}");
        assert!(screen.contains("\r\x1b[2K["), "{screen:?}");
        assert_eq!(
            screen.contains("\x1b[36m"),
            colored,
            "NO_COLOR={no_color}: {screen:?}"
        );
        // The bar is erased at the end.
        assert!(screen.ends_with("\r\x1b[2K"), "{screen:?}");
    }
}
