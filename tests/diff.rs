//! `pprofx diff`: rankings, statuses, confidence, JSON and exit codes.
//!
//! Own fixtures are built in code (prost types, encoded into a temporary
//! directory), so the suite means something without `../shared`; the corpus
//! tests (the heap leak, the goroutine leak, two CPU builds) run when
//! `../shared` is present and are skipped with a message otherwise.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pprofx::diff::{self, DiffOptions, DiffReport, Keying, Metric, Mode, Status};
use pprofx::model::proto;
use pprofx::Profile;
use proptest::prelude::*;
use prost::Message;

/// Builds small profiles: one location per (function, line).
#[derive(Debug)]
struct Builder {
    p: proto::Profile,
    strings: HashMap<String, i64>,
    funcs: HashMap<String, u64>,
    locs: HashMap<(String, i64), u64>,
}

impl Builder {
    fn new(
        types: &[(&str, &str)],
        period: (&str, &str, i64),
        time_s: i64,
        duration_s: i64,
    ) -> Self {
        let mut b = Builder {
            p: proto::Profile::default(),
            strings: HashMap::new(),
            funcs: HashMap::new(),
            locs: HashMap::new(),
        };
        b.s("");
        for (t, u) in types {
            let vt = proto::ValueType {
                r#type: b.s(t),
                unit: b.s(u),
            };
            b.p.sample_type.push(vt);
        }
        b.p.period_type = Some(proto::ValueType {
            r#type: b.s(period.0),
            unit: b.s(period.1),
        });
        b.p.period = period.2;
        b.p.time_nanos = 1_700_000_000_000_000_000 + time_s * 1_000_000_000;
        b.p.duration_nanos = duration_s * 1_000_000_000;
        b
    }

    fn s(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.p.string_table.len() as i64;
        self.p.string_table.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }

    fn loc(&mut self, f: &str, line: i64) -> u64 {
        if let Some(&l) = self.locs.get(&(f.to_string(), line)) {
            return l;
        }
        let fid = match self.funcs.get(f) {
            Some(&id) => id,
            None => {
                let id = self.p.function.len() as u64 + 1;
                let name = self.s(f);
                let file = self.s("main.go");
                self.p.function.push(proto::Function {
                    id,
                    name,
                    system_name: name,
                    filename: file,
                    start_line: 1,
                });
                self.funcs.insert(f.to_string(), id);
                id
            }
        };
        let id = self.p.location.len() as u64 + 1;
        self.p.location.push(proto::Location {
            id,
            mapping_id: 0,
            address: 0x1000 + id * 16,
            line: vec![proto::Line {
                function_id: fid,
                line,
                column: 0,
            }],
            is_folded: false,
        });
        self.locs.insert((f.to_string(), line), id);
        id
    }

    /// A sample with stack `frames` (leaf first; `name` or `name:line`).
    fn sample(mut self, frames: &[&str], values: &[i64]) -> Self {
        let location_id = frames
            .iter()
            .map(|f| {
                let (name, line) = match f.split_once(':') {
                    Some((n, l)) => (n, l.parse().unwrap_or(1)),
                    None => (*f, 1),
                };
                self.loc(name, line)
            })
            .collect();
        self.p.sample.push(proto::Sample {
            location_id,
            value: values.to_vec(),
            label: vec![],
        });
        self
    }

    fn profile(&self) -> Profile {
        pprofx::decode::protobuf::decode(&self.p.encode_to_vec()).expect("fixture decodes")
    }

    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.p.encode_to_vec()).expect("write fixture");
        path
    }
}

const HEAP_TYPES: [(&str, &str); 4] = [
    ("alloc_objects", "count"),
    ("alloc_space", "bytes"),
    ("inuse_objects", "count"),
    ("inuse_space", "bytes"),
];

/// Snapshot `t` (1-based) of a process leaking 1 kB objects from
/// `main.remember`, with a stable cache and a jittering buffer.
fn heap(t: i64) -> Builder {
    let leak = 1000 * t;
    let jitter = 100 + (t % 2);
    Builder::new(&HEAP_TYPES, ("space", "bytes", 4096), t * 60, 0)
        .sample(
            &["main.remember", "main.handle", "main.main"],
            &[leak, leak * 1024, leak, leak * 1024],
        )
        .sample(
            &["main.stable", "main.main"],
            &[500, 500 * 2048, 500, 500 * 2048],
        )
        .sample(
            &["main.jitter", "main.handle", "main.main"],
            &[jitter, jitter * 64, jitter, jitter * 64],
        )
}

/// Goroutine snapshot: `leaks` goroutines blocked in main.worker, plus the
/// profiler's own goroutine whose call site line differs between snapshots.
fn goroutines(leaks: i64, profiler_line: i64) -> Builder {
    let own = format!("main.snapshot:{profiler_line}");
    Builder::new(
        &[("goroutine", "count")],
        ("goroutine", "count", 1),
        leaks,
        0,
    )
    .sample(
        &["runtime.gopark", "runtime.chanrecv", "main.worker"],
        &[leaks],
    )
    .sample(&["runtime.gopark", "main.idle"], &[3])
    .sample(&["runtime.goroutineProfile", &own, "main.main"], &[1])
}

/// CPU profile of a build; build 2 adds `main.newCode`.
fn cpu(build: u8) -> Builder {
    let ms = 10_000_000;
    let mut b = Builder::new(
        &[("samples", "count"), ("cpu", "nanoseconds")],
        ("cpu", "nanoseconds", ms),
        build as i64 * 10,
        1,
    )
    .sample(&["main.hotA", "main.main"], &[50, 50 * ms]);
    if build == 1 {
        b = b.sample(&["main.hotB", "main.main"], &[50, 50 * ms]);
    } else {
        b = b
            .sample(&["main.hotB", "main.main"], &[20, 20 * ms])
            .sample(&["main.newCode", "main.main"], &[40, 40 * ms]);
    }
    b
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .args(args)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .output()
        .expect("run pprofx")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn diff_of(ps: &[&Profile], opts: &DiffOptions) -> DiffReport {
    let names = ["a", "b", "c", "d"];
    let inputs: Vec<(&str, &Profile)> =
        ps.iter().enumerate().map(|(i, p)| (names[i], *p)).collect();
    diff::diff(&inputs, opts).expect("diff")
}

#[test]
fn fixture_heap_leak_leads_grew_monotonic_high_confidence() {
    let ps: Vec<Profile> = (1..=3).map(|t| heap(t).profile()).collect();
    let r = diff_of(&[&ps[0], &ps[1], &ps[2]], &DiffOptions::default());
    assert_eq!(r.mode, Mode::Absolute);
    assert_eq!(r.sample_type, "inuse_space");
    let top = &r.rows[0];
    assert_eq!(top.name, "main.remember");
    assert_eq!(top.status, Status::Grew);
    assert_eq!(top.delta, 2000 * 1024);
    assert!(top.monotonic);
    assert_eq!(top.confidence, diff::Confidence::High);
    assert_eq!(top.objects.map(|o| o.delta), Some(2000));
    assert_eq!(top.avg_object_size, Some(1024));
    let stable = r.rows.iter().find(|x| x.name == "main.stable").unwrap();
    assert_eq!(stable.status, Status::Same);
    let jitter = r.rows.iter().find(|x| x.name == "main.jitter").unwrap();
    assert!(!jitter.monotonic);
    assert_eq!(jitter.status, Status::Same);
    // One 64-byte object less between t1 and t2 is sampling noise.
    let r = diff_of(&[&ps[0], &ps[1]], &DiffOptions::default());
    let jitter = r.rows.iter().find(|x| x.name == "main.jitter").unwrap();
    assert_eq!(jitter.status, Status::Shrank);
    assert_eq!(jitter.confidence, diff::Confidence::Low);
    assert_eq!(r.rows[0].name, "main.remember");
}

/// §4.2: when rows are hidden, the table ends with a footer saying how many,
/// why, and what they account for; the JSON says it in `pruned`.
#[test]
fn fixture_hidden_rows_footer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    heap(1).write(d, "h1.pb");
    heap(2).write(d, "h2.pb");
    let out = run(&["diff", "-nodecount=1", "h1.pb", "h2.pb"], d);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // main.stable is unchanged; main.jitter (-64B) is past -nodecount=1.
    // The footer wraps at 120 columns (one line with --wide).
    let footer = "2 rows hidden: 1 unchanged (--show_same), 1 with smaller changes (-nodecount=0 lists all); \
         accounting for 1006.31kB → 1006.25kB, Δ -64B; largest change among them -64B (main.jitter)";
    let lines: Vec<&str> = text.lines().collect();
    let (first, second) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(
        first.chars().count() <= 120 && second.starts_with("  "),
        "{text}"
    );
    assert_eq!(format!("{first} {}", second.trim_start()), footer, "{text}");
    let wide = run(&["diff", "--wide", "-nodecount=1", "h1.pb", "h2.pb"], d);
    let wide = String::from_utf8_lossy(&wide.stdout).into_owned();
    assert_eq!(wide.lines().last(), Some(footer), "{wide}");
    // -nodecount=0: every row, no footer but the unchanged one.
    let all = run(&["diff", "-nodecount=0", "h1.pb", "h2.pb"], d);
    let all = String::from_utf8_lossy(&all.stdout).into_owned();
    assert!(
        all.lines()
            .last()
            .unwrap()
            .starts_with("1 row hidden: 1 unchanged (--show_same);"),
        "{all}"
    );
    let v = json(&run(
        &["diff", "--json", "-nodecount=1", "h1.pb", "h2.pb"],
        d,
    ));
    let p = &v["pruned"];
    assert_eq!(p["rows"], 2);
    assert_eq!(p["same"], 1);
    assert_eq!(p["not_growing"], 0);
    assert_eq!(p["beyond_nodecount"], 1);
    assert_eq!(p["base_value"], 500 * 2048 + 101 * 64);
    assert_eq!(p["new_value"], 500 * 2048 + 100 * 64);
    assert_eq!(p["delta"], -64);
    assert_eq!(p["overlapping"], false);
    assert_eq!(p["largest"], "main.jitter");
    assert_eq!(
        v["rows_total"].as_u64().unwrap(),
        v["rows"].as_array().unwrap().len() as u64 + p["rows"].as_u64().unwrap()
    );
    // --growth_only: the shrinking row is hidden as not growing.
    let v = json(&run(
        &["diff", "--json", "--growth_only", "h1.pb", "h2.pb"],
        d,
    ));
    assert_eq!(v["pruned"]["not_growing"], 1);
    assert_eq!(v["pruned"]["same"], 1);
    // Nothing hidden: no footer, and the JSON says 0.
    let out = run(&["diff", "--show_same", "h1.pb", "h2.pb"], d);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("hidden"), "{text}");
    let v = json(&run(
        &["diff", "--json", "--show_same", "h1.pb", "h2.pb"],
        d,
    ));
    assert_eq!(v["pruned"]["rows"], 0);
    assert_eq!(v["pruned"]["largest"], serde_json::Value::Null);
}

#[test]
fn fixture_sample_types_are_matched_by_name() {
    // The same snapshot with its sample types in another order.
    let reorder = |b: Builder| {
        let mut p = b.p;
        p.sample_type.reverse();
        for s in &mut p.sample {
            s.value.reverse();
        }
        p
    };
    let (a, b) = (heap(1).profile(), heap(2));
    let b = pprofx::decode::protobuf::decode(&reorder(b).encode_to_vec()).unwrap();
    for index in ["", "inuse_objects", "alloc_space", "0"] {
        let opts = DiffOptions {
            report: pprofx::graph::analysis::ReportOptions {
                sample_index: index.to_string(),
                ..Default::default()
            },
            ..Default::default()
        };
        let r = diff_of(&[&a, &b], &opts);
        let top = &r.rows[0];
        assert_eq!(top.name, "main.remember", "{index}");
        let per_object = if r.sample_type.ends_with("objects") {
            1
        } else {
            1024
        };
        assert_eq!(top.delta, 1000 * per_object, "{index}: {}", r.sample_type);
    }
    // A profile without the type is incompatible.
    let g = goroutines(1, 1).profile();
    let err = diff::diff(&[("heap", &a), ("g", &g)], &DiffOptions::default()).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().contains("incompatible"), "{err}");
}

#[test]
fn fixture_goroutine_stacks_ignore_moved_call_sites() {
    let (a, b) = (goroutines(2, 10).profile(), goroutines(9, 12).profile());
    let r = diff_of(&[&a, &b], &DiffOptions::default());
    assert_eq!(r.by, Keying::Stack);
    assert_eq!(
        r.rows[0].name,
        "main.worker;runtime.chanrecv;runtime.gopark"
    );
    assert_eq!(r.rows[0].delta, 7);
    assert_eq!(r.rows[0].confidence, diff::Confidence::Exact);
    for row in &r.rows[1..] {
        assert_eq!(row.status, Status::Same, "{row:?}");
    }
}

/// Go 1.27's goroutine leak profile is a gauge like the goroutine profile:
/// absolute counts, by stack, exact.
#[test]
fn fixture_goroutineleak_profiles_are_gauges() {
    let leak = |n: i64| {
        Builder::new(
            &[("goroutineleak", "count")],
            ("goroutineleak", "count", 1),
            n,
            0,
        )
        .sample(
            &["runtime.gopark", "runtime.chansend1", "main.leakSend.func1"],
            &[n],
        )
        .sample(
            &["runtime.gopark", "sync.(*Mutex).Lock", "main.stuck"],
            &[2],
        )
        .profile()
    };
    let (a, b) = (leak(3), leak(8));
    let r = diff_of(&[&a, &b], &DiffOptions::default());
    assert_eq!(r.mode, Mode::Absolute);
    assert_eq!(r.by, Keying::Stack);
    let row = &r.rows[0];
    assert_eq!(
        row.name,
        "main.leakSend.func1;runtime.chansend1;runtime.gopark"
    );
    assert_eq!((row.base, row.new, row.delta), (3, 8, 5));
    assert_eq!(row.status, Status::Grew);
    assert_eq!(row.confidence, diff::Confidence::Exact);
    assert_eq!(r.rows[1].status, Status::Same);
}

/// A goroutine `debug=1` dump: `leaks` goroutines parked in main.worker
/// (runtime frames unprinted, as Go does), and the profiler's goroutine
/// whose call site (address and line) moved between builds.
fn goroutine_debug1(leaks: u32, own_pc: u32, own_line: u32) -> String {
    format!(
        "goroutine profile: total {total}
{leaks} @ 0x437c76 0x40645b 0x4bf796 0x463aa1
#\t0x4bf795\tmain.worker+0x35\t\tapp/main.go:49

1 @ 0x4a0001 0x{own:x} 0x4bf900 0x463aa1
#\t0x4a0000\truntime/pprof.writeGoroutine+0x10\truntime/pprof/pprof.go:700
#\t0x{own_pc:x}\tmain.inlinedSnap+0x9\tapp/main.go:{own_line}
#\t0x{own_pc:x}\tmain.snapshot+0x9\tapp/main.go:90
#\t0x4bf8ff\tmain.main+0x1f\tapp/main.go:95
",
        total = leaks + 1,
        own = own_pc + 1,
    )
}

#[test]
fn fixture_goroutine_debug1_dumps_use_their_symbol_lines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("g1.txt"), goroutine_debug1(2, 0x4bf850, 80)).unwrap();
    std::fs::write(d.join("g2.txt"), goroutine_debug1(9, 0x4bf870, 82)).unwrap();
    let out = run(&["diff", "--json", "--show_same", "g1.txt", "g2.txt"], d);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["name"], "main.worker");
    assert_eq!(rows[0]["delta"], 7);
    // Inlined frames expanded; the moved call site is not a change.
    assert_eq!(
        rows[1]["name"],
        "main.main;main.snapshot;main.inlinedSnap;runtime/pprof.writeGoroutine"
    );
    assert_eq!(rows[1]["status"], "same");
    // pprof's reading (the reports) keeps bare addresses.
    let top = run(&["top", "g1.txt"], d);
    assert!(String::from_utf8_lossy(&top.stdout).contains("<unknown>"));
}

#[test]
fn fixture_trim_runtime_groups_goroutines_by_user_code() {
    let b = |n: i64| {
        Builder::new(&[("goroutine", "count")], ("goroutine", "count", 1), 0, 0)
            .sample(
                &[
                    "runtime.gopark",
                    "runtime.chanrecv",
                    "runtime.chanrecv1",
                    "main.worker",
                ],
                &[n],
            )
            .sample(&["runtime.gopark", "runtime.selectgo", "main.worker"], &[n])
            .sample(&["runtime.gopark", "runtime.main"], &[1])
            .profile()
    };
    let (a, c) = (b(1), b(4));
    let opts = DiffOptions {
        trim_runtime: true,
        ..Default::default()
    };
    let r = diff_of(&[&a, &c], &opts);
    assert_eq!(r.rows[0].name, "main.worker");
    assert_eq!(r.rows[0].delta, 6);
    // A stack of runtime frames only keeps its root.
    assert!(r
        .rows
        .iter()
        .any(|x| x.name == "runtime.main" && x.status == Status::Same));
    let r = diff_of(&[&a, &c], &DiffOptions::default());
    assert_eq!(
        r.rows.iter().filter(|x| x.status == Status::Grew).count(),
        2
    );
}

#[test]
fn fixture_cpu_share_mode_ranks_the_changed_function_first() {
    let (a, b) = (cpu(1).profile(), cpu(2).profile());
    let r = diff_of(&[&a, &b], &DiffOptions::default());
    assert_eq!(r.mode, Mode::Share);
    assert_eq!(r.rows[0].name, "main.newCode");
    assert_eq!(r.rows[0].status, Status::New);
    assert_eq!(r.rows[0].confidence, diff::Confidence::High);
    let last = r.rows.last().unwrap();
    assert_eq!(last.name, "main.hotB");
    assert_eq!(last.status, Status::Shrank);
    let hot_a = r.rows.iter().find(|x| x.name == "main.hotA").unwrap();
    assert_eq!(hot_a.status, Status::Shrank); // 50% → 45.5% of samples
    assert_eq!(hot_a.confidence, diff::Confidence::Low);
    assert!(hot_a.per_second.is_some());
}

#[test]
fn fixture_exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for t in 1..=3 {
        heap(t).write(d, &format!("heap{t}.pb"));
    }
    cpu(1).write(d, "cpu1.pb");
    cpu(2).write(d, "cpu2.pb");
    std::fs::write(d.join("junk.pb"), b"not a profile at all").unwrap();

    let ok = run(&["diff", "heap1.pb", "heap3.pb"], d);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("main.remember"), "{text}");
    assert!(text.contains("Type: inuse_space (bytes)"), "{text}");
    assert!(
        text.contains("Total: 1.96MB → 3.91MB, Δ +1.95MB (+99.7%) over 120s"),
        "{text}"
    );

    // Growth gate: +2000 kB on main.remember.
    let pass = run(
        &["diff", "--fail-on-growth=10MB", "heap1.pb", "heap3.pb"],
        d,
    );
    assert_eq!(pass.status.code(), Some(0));
    let hit = run(&["diff", "--fail-on-growth=1MB", "heap1.pb", "heap3.pb"], d);
    assert_eq!(hit.status.code(), Some(3));
    let text = String::from_utf8_lossy(&hit.stdout);
    let last = text.lines().last().unwrap_or("");
    assert!(
        last.ends_with("main.remember"),
        "crossing rows come last: {text}"
    );
    let hit = run(
        &[
            "diff",
            "--json",
            "--fail_on_growth=1MB",
            "heap1.pb",
            "heap3.pb",
        ],
        d,
    );
    assert_eq!(hit.status.code(), Some(3));
    let v = json(&hit);
    let names: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["(total)", "main.remember"]);
    assert_eq!(v["violations"][1]["rule"], "fail_on_growth");
    let count = run(
        &[
            "diff",
            "--fail-on-growth=50",
            "heap1.pb",
            "heap2.pb",
            "--sample_index=inuse_objects",
        ],
        d,
    );
    assert_eq!(count.status.code(), Some(3));

    // Share gate and confidence.
    let share = run(&["diff", "--fail-on-share=+20pp", "cpu1.pb", "cpu2.pb"], d);
    assert_eq!(share.status.code(), Some(3));
    let share = run(&["diff", "--fail-on-share=+40pp", "cpu1.pb", "cpu2.pb"], d);
    assert_eq!(share.status.code(), Some(0));
    let conf = run(&["diff", "--min-confidence=0.99", "cpu1.pb", "cpu2.pb"], d);
    assert_eq!(conf.status.code(), Some(3));
    let conf = run(
        &[
            "diff",
            "--min-confidence=0.99",
            "--fail-on-share=+1pp",
            "--by=stack",
            "cpu1.pb",
            "cpu2.pb",
        ],
        d,
    );
    assert_eq!(conf.status.code(), Some(3));
    let v = json(&run(
        &[
            "diff",
            "--json",
            "--min-confidence=0.99",
            "--fail-on-share=+1pp",
            "cpu1.pb",
            "cpu2.pb",
        ],
        d,
    ));
    let names: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["main.newCode"],
        "main.main does not move, hotA is noise"
    );

    // Usage errors: 2; unreadable or incompatible profiles: 1, as in every command.
    assert_eq!(run(&["diff", "heap1.pb"], d).status.code(), Some(2));
    assert_eq!(
        run(&["diff", "heap1.pb", "missing.pb"], d).status.code(),
        Some(1)
    );
    assert_eq!(
        run(&["diff", "heap1.pb", "junk.pb"], d).status.code(),
        Some(1)
    );
    assert_eq!(
        run(
            &["diff", "--fail-on-growth=lots", "heap1.pb", "heap2.pb"],
            d
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        run(
            &["diff", "--fail-on-growth=10ms", "heap1.pb", "heap2.pb"],
            d
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        run(&["diff", "--mode=sideways", "heap1.pb", "heap2.pb"], d)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["diff", "heap1.pb", "cpu1.pb"], d).status.code(),
        Some(1)
    );

    // Byte-identical JSON and text on identical input; documented fields.
    let args = ["diff", "--json", "heap1.pb", "heap2.pb", "heap3.pb"];
    let (a, b) = (run(&args, d), run(&args, d));
    assert_eq!(a.stdout, b.stdout);
    let v = json(&a);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["mode"], "absolute");
    let row = &v["rows"][0];
    for key in [
        "name",
        "status",
        "base",
        "new",
        "delta",
        "delta_rel",
        "share_base",
        "share_new",
        "delta_share_pp",
        "confidence",
        "confidence_p",
        "monotonic",
        "series",
        "objects",
    ] {
        assert!(row.get(key).is_some(), "row lacks {key}: {row}");
    }
    assert_eq!(row["name"], "main.remember");
    assert_eq!(row["delta"], 2000 * 1024);
    assert_eq!(row["monotonic"], true);
    assert_eq!(v["total"]["delta"], 2000 * 1024);
    let text = ["diff", "heap1.pb", "heap2.pb", "heap3.pb"];
    assert_eq!(run(&text, d).stdout, run(&text, d).stdout);
}

#[test]
fn corpus_heap_leak() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    let out = run(
        &[
            "diff",
            "--json",
            "go-heap_t1.pb.gz",
            "go-heap_t2.pb.gz",
            "go-heap_t3.pb.gz",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let row = &v["rows"][0];
    assert_eq!(row["name"], "main.remember");
    assert_eq!(row["status"], "grew");
    assert_eq!(row["monotonic"], true);
    assert_eq!(row["confidence"], "high");
    // Gates on the real leak (t1 → t3 grows by about 8.3 MB).
    let gate = |limit: &str| {
        run(
            &[
                "diff",
                &format!("--fail-on-growth={limit}"),
                "go-heap_t1.pb.gz",
                "go-heap_t3.pb.gz",
            ],
            &dir,
        )
        .status
        .code()
    };
    assert_eq!(gate("20MB"), Some(0));
    assert_eq!(gate("5MB"), Some(3));
}

#[test]
fn corpus_goroutine_leak_without_noise_rows() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    // The same leak as profile.proto, debug=1 text (symbolized from its `#`
    // lines) and debug=2 dumps: the ten leaking stacks lead, each +6.
    let mut leaders: Vec<Vec<String>> = Vec::new();
    for ext in ["pb.gz", "debug1.txt", "debug2.txt"] {
        let (t1, t2) = (
            format!("go-goroutine_t1.{ext}"),
            format!("go-goroutine_t2.{ext}"),
        );
        if common::shared_path(&format!("corpus/{t1}")).is_none() {
            continue;
        }
        let out = run(&["diff", "--json", "--show_same", &t1, &t2], &dir);
        assert_eq!(out.status.code(), Some(0), "{ext}");
        let v = json(&out);
        let rows = v["rows"].as_array().unwrap();
        let changed: Vec<&serde_json::Value> =
            rows.iter().filter(|r| r["status"] != "same").collect();
        assert_eq!(changed.len(), 10, "{ext}: ten leaking call sites");
        let mut names = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let d = r["delta"].as_i64().unwrap();
            assert_ne!(d.abs(), 1, "{ext}: ±1 noise row: {r}");
            let name = r["name"].as_str().unwrap();
            assert!(!name.contains("<unknown>"), "{ext}: unsymbolized row {r}");
            if i < 10 {
                assert_eq!(d, 6, "{ext}: {r}");
                assert!(name.starts_with("main."), "{ext}: {r}");
                // The user frames, as debug=2 shows them (no runtime frames).
                let user: Vec<&str> = name
                    .split(';')
                    .filter(|f| !f.starts_with("runtime."))
                    .collect();
                names.push(user.join(";"));
            }
        }
        leaders.push(names);
        assert_eq!(
            run(&["diff", "--fail-on-growth=5", &t1, &t2], &dir)
                .status
                .code(),
            Some(3),
            "{ext}"
        );
    }
    // Every format names the same leaking stacks.
    for l in leaders.iter().skip(1) {
        assert_eq!(l, &leaders[0]);
    }
}

/// pprof ignores the `#` lines of debug=1 profiles; pprofx's reports do too
/// (parity), only `diff` reads them.
#[test]
fn corpus_debug1_reports_stay_pprof_like() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    let t1 = "go-goroutine_t1.debug1.txt";
    if common::shared_path(&format!("corpus/{t1}")).is_none() {
        return;
    }
    let top = run(&["top", t1], &dir);
    assert!(String::from_utf8_lossy(&top.stdout).contains("<unknown>"));
    let heap = run(
        &[
            "diff",
            "--json",
            "go-heap_t1.debug1.txt",
            "go-heap_t2.debug1.txt",
        ],
        &dir,
    );
    assert_eq!(json(&heap)["rows"][0]["name"], "main.remember");
}

#[test]
fn corpus_cpu_builds_share_mode() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/generated/real-go");
    if common::shared_path("peer/pprof-testdata/generated/real-go/cpu_a.pb.gz").is_none() {
        return;
    }
    let out = run(&["diff", "--json", "cpu_a.pb.gz", "cpu_b.pb.gz"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["mode"], "share");
    assert_eq!(v["rows"][0]["name"], "main.sortWork");
    assert_eq!(v["rows"][0]["confidence"], "high");
    let gate = |extra: &[&str]| {
        let mut args = vec!["diff"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["cpu_a.pb.gz", "cpu_b.pb.gz"]);
        run(&args, &dir).status.code()
    };
    assert_eq!(
        gate(&["--fail-on-share=+10pp", "--min-confidence=0.99"]),
        Some(3)
    );
    assert_eq!(gate(&["--fail-on-share=+20pp"]), Some(0));
    // Heap vs CPU: no common sample type.
    let heap = shared.join("corpus/go-heap_t1.pb.gz");
    let out = run(&["diff", heap.to_str().unwrap(), "cpu_a.pb.gz"], &dir);
    assert_eq!(out.status.code(), Some(1));
}

/// A random profile over functions f0..f4 with 1..=3-frame stacks.
fn arb_profile() -> impl Strategy<Value = Builder> {
    prop::collection::vec((prop::collection::vec(0usize..5, 1..4), 1i64..1000), 0..8).prop_map(
        |samples| {
            let mut b = Builder::new(&[("widgets", "count")], ("widgets", "count", 1), 0, 0);
            for (stack, v) in samples {
                let frames: Vec<String> = stack.iter().map(|f| format!("f{f}")).collect();
                let refs: Vec<&str> = frames.iter().map(String::as_str).collect();
                b = b.sample(&refs, &[v]);
            }
            b
        },
    )
}

fn all_opts() -> Vec<DiffOptions> {
    let mut out = Vec::new();
    for mode in [Mode::Absolute, Mode::Share] {
        for by in [Keying::Function, Keying::Stack] {
            out.push(DiffOptions {
                mode: Some(mode),
                by: Some(by),
                metric: Some(Metric::Flat),
                ..Default::default()
            });
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn diff_with_itself_is_all_same(b in arb_profile()) {
        let p = b.profile();
        for opts in all_opts() {
            let r = diff_of(&[&p, &p], &opts);
            for row in &r.rows {
                prop_assert_eq!(row.status, Status::Same);
                prop_assert_eq!(row.delta, 0);
                prop_assert_eq!(row.delta_share_pp, 0.0);
            }
        }
    }

    #[test]
    fn swapping_negates_and_totals_add_up(a in arb_profile(), b in arb_profile()) {
        let (p, q) = (a.profile(), b.profile());
        for opts in all_opts() {
            let fwd = diff_of(&[&p, &q], &opts);
            let back = diff_of(&[&q, &p], &opts);
            prop_assert_eq!(fwd.rows.len(), back.rows.len());
            let back_rows: HashMap<&str, &diff::DiffRow> = back.rows.iter().map(|r| (r.name.as_str(), r)).collect();
            for r in &fwd.rows {
                let s = back_rows[r.name.as_str()];
                prop_assert_eq!(r.delta, -s.delta);
                prop_assert_eq!(r.delta_share_pp, -s.delta_share_pp);
                let swapped = match r.status {
                    Status::New => Status::Gone,
                    Status::Gone => Status::New,
                    Status::Grew => Status::Shrank,
                    Status::Shrank => Status::Grew,
                    Status::Same => Status::Same,
                };
                prop_assert_eq!(s.status, swapped);
            }
            // Flat function rows and stack rows partition the samples.
            let sum: i64 = fwd.rows.iter().map(|r| r.delta).sum();
            prop_assert_eq!(sum, fwd.new_snapshot().total - fwd.base().total);
        }
    }
}

#[test]
fn fixture_min_delta_hides_noise_but_not_from_gates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    heap(1).write(d, "h1.pb");
    heap(2).write(d, "h2.pb");
    // main.jitter moved by 64 B: below a 1kB floor.
    let out = run(&["diff", "--min_delta=1kB", "h1.pb", "h2.pb"], d);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Only the leak is listed (main.jitter, the one shrinking row, is not).
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with('+') && l.ends_with("main.remember")),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.ends_with("main.jitter")), "{text}");
    assert!(
        text.contains("\n2 rows hidden: 1 unchanged (--show_same), 1 below --min_delta=1kB;"),
        "{text}"
    );
    let v = json(&run(
        &["diff", "--json", "--min_delta=1kB", "h1.pb", "h2.pb"],
        d,
    ));
    assert_eq!(v["pruned"]["below_min_delta"], 1);
    assert_eq!(v["pruned"]["largest"], "main.jitter");
    // A floor above the leak hides it from the table, not from the gate.
    let out = run(
        &[
            "diff",
            "--min_delta=10MB",
            "--fail_on_growth=100kB",
            "h1.pb",
            "h2.pb",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(3));
    // Share mode floors are percentage points: cpu build 2 moved main.hotA
    // by -4.5pp, main.hotB by -31.8pp, main.newCode by +36.4pp.
    cpu(1).write(d, "c1.pb");
    cpu(2).write(d, "c2.pb");
    let v = json(&run(
        &["diff", "--json", "--min_delta=5pp", "c1.pb", "c2.pb"],
        d,
    ));
    assert_eq!(v["mode"], "share");
    assert_eq!(v["pruned"]["below_min_delta"], 1);
    let names: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"main.hotA"), "{names:?}");
    // Bad values are usage errors: a malformed one before any profile is
    // read, a unit that does not fit the sample unit once it is known.
    assert_eq!(
        run(&["diff", "--min_delta=lots", "c1.pb", "c2.pb"], d)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["diff", "--min_delta=1MB", "c1.pb", "c2.pb"], d)
            .status
            .code(),
        Some(2)
    );
}

/// The table's rows: the lines between the column header and the footer
/// (or the end).
fn table_rows(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| l.starts_with("Showing ")) else {
        return Vec::new();
    };
    lines[at + 2..]
        .iter()
        .take_while(|l| !l.is_empty() && !l.contains(" hidden: "))
        .copied()
        .collect()
}

/// Issue 20: the default text fits a terminal on every corpus pair (at most
/// 120 columns, at most 30 rows, largest changes first), `--wide` and the
/// JSON keep everything.
#[test]
fn corpus_default_text_fits_a_terminal() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    let mut cases: Vec<Vec<String>> = Vec::new();
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (a, b) in [
        ("go-cpu-business.pb.gz", "go-cpu-mixed.pb.gz"),
        ("go-cpu-mixed.pb.gz", "go-cpu-business.pb.gz"),
    ] {
        cases.push(own(&[a, b]));
        cases.push(own(&["--by=stack", a, b]));
        cases.push(own(&["-lines", a, b]));
    }
    for ext in ["pb.gz", "debug1.txt"] {
        let h = |t: u8| format!("go-heap_t{t}.{ext}");
        cases.push(vec![h(1), h(2)]);
        cases.push(vec![h(2), h(3)]);
        cases.push(vec![h(1), h(2), h(3)]);
        cases.push(vec!["--by=stack".into(), h(1), h(3)]);
        cases.push(vec!["-sample_index=alloc_space".into(), h(1), h(3)]);
    }
    for ext in ["pb.gz", "debug1.txt", "debug2.txt"] {
        let g = |t: u8| format!("go-goroutine_t{t}.{ext}");
        cases.push(vec![g(1), g(2)]);
        cases.push(vec!["--show_same".into(), g(1), g(2)]);
    }
    let mut checked = 0;
    for args in &cases {
        if args
            .iter()
            .any(|a| a.starts_with("go-") && common::shared_path(&format!("corpus/{a}")).is_none())
        {
            continue;
        }
        let mut full = vec!["diff"];
        full.extend(args.iter().map(String::as_str));
        let out = run(&full, &dir);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        for line in text.lines() {
            assert!(
                line.chars().count() <= 120,
                "{args:?}: {} columns:\n{line}",
                line.chars().count()
            );
        }
        let rows = table_rows(&text);
        assert!(!rows.is_empty(), "{args:?}: no rows\n{text}");
        assert!(rows.len() <= 30, "{args:?}: {} rows", rows.len());
        checked += 1;
        // JSON: every row, full names; the text lists the 20 largest changes.
        full.insert(1, "--json");
        let v = json(&run(&full, &dir));
        let all = v["rows"].as_array().unwrap();
        assert_eq!(v["pruned"]["beyond_nodecount"], 0, "{args:?}");
        if all.len() > 20 {
            assert_eq!(rows.len(), 20, "{args:?}");
            let footer = text.lines().find(|l| l.contains(" hidden: ")).unwrap();
            assert!(
                footer.contains(&format!(
                    "{} with smaller changes (-nodecount=0",
                    all.len() - 20
                )),
                "{args:?}: {footer}"
            );
            // The rows listed are the largest changes.
            let key = |r: &serde_json::Value| {
                let k = if v["mode"] == "share" {
                    "delta_share_pp"
                } else {
                    "delta"
                };
                r[k].as_f64().unwrap().abs()
            };
            let mut sizes: Vec<f64> = all.iter().map(key).collect();
            sizes.sort_by(|a, b| b.total_cmp(a));
            let cut = sizes[19];
            let listed = all.iter().filter(|r| key(r) > cut).count();
            assert!(listed <= 20, "{args:?}");
        }
    }
    assert!(checked >= 20, "only {checked} corpus cases ran");
}

/// Stack rows: the leaf-most distinctive frames in the default text, every
/// frame with --wide; CPU function names: all of them with -nodecount=0.
#[test]
fn corpus_stack_rows_and_wide_text() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    let (t1, t2) = ("go-goroutine_t1.pb.gz", "go-goroutine_t2.pb.gz");
    if common::shared_path(&format!("corpus/{t1}")).is_none() {
        return;
    }
    let text = String::from_utf8(run(&["diff", t1, t2], &dir).stdout).unwrap();
    let wide = String::from_utf8(run(&["diff", "--wide", t1, t2], &dir).stdout).unwrap();
    let json = json(&run(&["diff", "--json", t1, t2], &dir));
    let names: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // --wide: the full stacks, as in the JSON, past 120 columns.
    for n in &names {
        assert!(wide.lines().any(|l| l.ends_with(n)), "--wide lacks {n}");
    }
    assert!(wide.lines().any(|l| l.chars().count() > 120));
    // Default: every row still tells its stack apart and names its leaf.
    let rows = table_rows(&text);
    assert_eq!(rows.len(), names.len());
    let shown: Vec<&str> = rows
        .iter()
        .map(|r| r.rsplit("  ").next().unwrap())
        .collect();
    let distinct: std::collections::HashSet<&&str> = shown.iter().collect();
    assert_eq!(distinct.len(), shown.len(), "{shown:?}");
    assert!(
        shown.iter().all(|s| s.ends_with("runtime.gopark")),
        "{shown:?}"
    );
    assert!(shown.iter().any(|s| s.contains('…')), "{shown:?}");
    // Each shown stack is its full stack with runs of frames replaced by "…".
    for (s, full) in shown.iter().zip(&names) {
        let frames: Vec<&str> = full.split(';').collect();
        let mut at = 0;
        for part in s.split(';') {
            if part == "…" {
                continue;
            }
            let i = frames[at..].iter().position(|f| *f == part);
            assert!(i.is_some(), "{s} is not a shortening of {full}");
            at += i.unwrap() + 1;
        }
        assert_eq!(at, frames.len(), "{s} does not end at the leaf of {full}");
    }
    // CPU: -nodecount=0 lists every changed function.
    let (a, b) = ("go-cpu-business.pb.gz", "go-cpu-mixed.pb.gz");
    let text = String::from_utf8(run(&["diff", "-nodecount=0", a, b], &dir).stdout).unwrap();
    let v = self::json(&run(&["diff", "--json", a, b], &dir));
    assert_eq!(
        table_rows(&text).len(),
        v["rows"].as_array().unwrap().len(),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 120));
}

/// Issue 20: NEW taken before BASE: one stderr line suggests swapping; no
/// negative duration anywhere (text, JSON); in order, no such line.
#[test]
fn corpus_swapped_inputs_warn() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    if common::shared_path("corpus/go-heap_t1.pb.gz").is_none() {
        return;
    }
    let negative =
        regex::Regex::new(r"(over|duration|interval)\s+-|-\d+(\.\d+)?(ns|us|ms|s|mins|hrs)\b over")
            .unwrap();
    for (old, new, extra) in [
        ("go-heap_t1.pb.gz", "go-heap_t2.pb.gz", None),
        (
            "go-heap_t1.pb.gz",
            "go-heap_t3.pb.gz",
            Some("-sample_index=alloc_space"),
        ),
        ("go-goroutine_t1.pb.gz", "go-goroutine_t2.pb.gz", None),
        ("go-cpu-mixed.pb.gz", "go-cpu-business.pb.gz", None),
    ] {
        for swapped in [false, true] {
            let (a, b) = if swapped { (new, old) } else { (old, new) };
            let mut args = vec!["diff"];
            args.extend(extra);
            args.extend([a, b]);
            let out = run(&args, &dir);
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                !negative.is_match(&text),
                "{args:?}: negative duration\n{text}"
            );
            assert!(!text.contains("restarted"), "{args:?}\n{text}");
            let mut jargs = args.clone();
            jargs.insert(1, "--json");
            let v = json(&run(&jargs, &dir));
            if swapped {
                assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
                assert!(
                    stderr.starts_with(&format!("pprofx: warning: NEW {b} was taken "))
                        && stderr.contains(&format!(" before BASE {a}: swapped?")),
                    "{stderr}"
                );
                assert!(text.contains("; NEW was taken "), "{text}");
                assert_eq!(v["interval_nanos"], serde_json::Value::Null);
                assert!(v["out_of_order"]["by_nanos"].as_i64().unwrap() > 0);
                assert_eq!(v["out_of_order"]["file"], b);
            } else {
                assert_eq!(stderr, "", "{args:?}");
                assert!(v["interval_nanos"].as_i64().unwrap() > 0);
                assert_eq!(v["out_of_order"], serde_json::Value::Null);
            }
            // The differential flame graph of the same two says it too.
            if extra.is_none() {
                let tmp = tempfile::tempdir().unwrap();
                let svg = tmp.path().join("d.svg");
                let out = run(&["flame", "-o", svg.to_str().unwrap(), a, b], &dir);
                assert_eq!(out.status.code(), Some(0));
                let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                assert_eq!(stderr.contains(": swapped?"), swapped, "{stderr}");
            }
        }
    }
}

/// Issue 20: `--width=1800` draws an 1800-wide differential SVG; without it
/// the SVG is fluid (laid out at 1200 for viewers without script).
#[test]
fn corpus_differential_svg_width() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus");
    if common::shared_path("corpus/go-heap_t1.pb.gz").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (width, expect) in [(Some("--width=1800"), "1800"), (None, "1200")] {
        let file = tmp.path().join("d.svg");
        let mut args = vec!["diff", "--flame", "-o", file.to_str().unwrap()];
        args.extend(width);
        args.extend(["go-heap_t1.pb.gz", "go-heap_t3.pb.gz"]);
        let out = run(&args, &dir);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let svg = std::fs::read_to_string(&file).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("width"), Some(expect));
        let fluid = width.is_none();
        assert!(svg.contains(&format!(
            "var W = {expect}, PAD = 10, CW = 7.2, DASH_MIN = 4, FLUID = {fluid},"
        )));
        // The frames span the drawing: the width less 2 × 10 px.
        let rects: Vec<(f64, f64)> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("rect")
                    && n.parent()
                        .is_some_and(|p| p.attribute("class") == Some("f"))
            })
            .map(|n| {
                let num = |k: &str| n.attribute(k).unwrap().parse::<f64>().unwrap();
                (num("x"), num("x") + num("width"))
            })
            .collect();
        let left = rects.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        let right = rects.iter().map(|r| r.1).fold(0.0, f64::max);
        let w: f64 = expect.parse().unwrap();
        assert!(
            (left - 10.0).abs() < 0.01 && (right - (w - 10.0)).abs() < 0.01,
            "{left} {right}"
        );
    }
}
