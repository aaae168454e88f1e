//! `pprofx flame`: golden folded and speedscope exports, well-formed and
//! deterministic SVG, inert output for hostile function names, and atomic
//! `-o` files.
//!
//! Regenerate the goldens with `PPROFX_BLESS=1 cargo test --test flame`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use common::{pprofx_bin, repo_root};

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(pprofx_bin())
        .args(args)
        .current_dir(repo_root())
        .env("TZ", "UTC")
        .output()
        .expect("run pprofx")
}

fn cpu() -> String {
    repo_root()
        .join("examples/profiles/cpu.pb.gz")
        .to_string_lossy()
        .into_owned()
}

fn check_golden(name: &str, got: &[u8]) {
    let path = repo_root().join("tests/golden/flame").join(name);
    if std::env::var_os("PPROFX_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, got).unwrap();
        return;
    }
    let want = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        want == got,
        "{name} differs from {} (PPROFX_BLESS=1 regenerates)",
        path.display()
    );
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn golden_folded() {
    let c = cpu();
    check_golden(
        "cpu.folded",
        &stdout_of(&["flame", "--format=folded", "-o", "-", &c]),
    );
    check_golden(
        "cpu.reverse.folded",
        &stdout_of(&["flame", "--format=folded", "--reverse", "-o", "-", &c]),
    );
    check_golden(
        "heap.alloc_space.lines.folded",
        &stdout_of(&[
            "flame",
            "--format=folded",
            "-sample_index=alloc_space",
            "-lines",
            "-o",
            "-",
            &repo_root()
                .join("examples/profiles/heap.pb.gz")
                .to_string_lossy(),
        ]),
    );
}

#[test]
fn golden_speedscope() {
    let got = stdout_of(&["flame", "--format=speedscope", "-o", "-", &cpu()]);
    check_golden("cpu.speedscope.json", &got);
    let v: serde_json::Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(
        v["$schema"],
        "https://www.speedscope.app/file-format-schema.json"
    );
    let p = &v["profiles"][0];
    assert_eq!(p["type"], "sampled");
    assert_eq!(p["unit"], "nanoseconds");
    let weights: u64 = p["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_u64().unwrap())
        .sum();
    assert_eq!(p["endValue"].as_u64().unwrap(), weights);
    let nframes = v["shared"]["frames"].as_array().unwrap().len() as u64;
    for s in p["samples"].as_array().unwrap() {
        for f in s.as_array().unwrap() {
            assert!(f.as_u64().unwrap() < nframes);
        }
    }
}

/// Folded totals equal pprof's total (3.10s for the example CPU profile),
/// also with pruning disabled.
#[test]
fn folded_weights_sum_to_the_total() {
    for mw in ["0.01", "0", "5"] {
        let out = stdout_of(&[
            "flame",
            "--format=folded",
            "--min_width",
            mw,
            "-o",
            "-",
            &cpu(),
        ]);
        let sum: u64 = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(sum, 3_100_000_000, "min_width {mw}");
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn parse_svg(svg: &str) {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, opts)
        .unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

#[test]
fn svg_is_well_formed_and_deterministic() {
    let dir = temp_dir();
    let a = dir.path().join("a.svg");
    let b = dir.path().join("b.svg");
    for (p, extra) in [(&a, None), (&b, None)]
        .into_iter()
        .chain([(&dir.path().join("i.svg"), Some("--icicle"))])
    {
        let mut args = vec!["flame", "-o", p.to_str().unwrap()];
        args.extend(extra);
        let c = cpu();
        args.push(&c);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let sa = fs::read_to_string(&a).unwrap();
    assert_eq!(sa.as_bytes(), fs::read(&b).unwrap(), "two runs differ");
    parse_svg(&sa);
    assert!(sa.contains("cpu.pb.gz — cpu, total 3.10s"));
    assert!(sa.contains("nanoseconds"));
    assert!(sa.contains("main.fib"));
    parse_svg(&fs::read_to_string(dir.path().join("i.svg")).unwrap());
    // Options that change the picture, each still well-formed.
    for extra in [
        &["--reverse", "--colors=java", "--width=800"][..],
        &["--title=<b>&\"t\"", "-files"][..],
    ] {
        let mut args = vec!["flame", "-o", "-"];
        args.extend_from_slice(extra);
        let c = cpu();
        args.push(&c);
        let svg = String::from_utf8(stdout_of(&args)).unwrap();
        parse_svg(&svg);
        assert!(!svg.contains("<b>"));
    }
}

/// A profile whose names are markup, script, separators and control
/// characters, built in code.
fn hostile_profile(dir: &Path) -> PathBuf {
    use pprofx::proto::{Function, Line, Location, Profile, Sample, ValueType};
    let names = [
        "<script>alert(1)</script>",
        "a;b",
        "quote\"s'and`back\\slash",
        "new\nline\r\u{1}\u{0}",
        "]]><x/>&amp;<!--",
        "# comment-like",
        "%3B",
    ];
    let mut strings: Vec<String> = vec![
        String::new(),
        "cpu\"<u>".into(),
        "nano<seconds>".into(),
        "file<&>.go".into(),
    ];
    let mut functions = Vec::new();
    let mut locations = Vec::new();
    for (i, n) in names.iter().enumerate() {
        strings.push(n.to_string());
        let id = i as u64 + 1;
        functions.push(Function {
            id,
            name: strings.len() as i64 - 1,
            system_name: 0,
            filename: 3,
            start_line: 1,
        });
        locations.push(Location {
            id,
            mapping_id: 0,
            address: 0x1000 + id,
            line: vec![Line {
                function_id: id,
                line: 7,
                column: 0,
            }],
            is_folded: false,
        });
    }
    let samples = (0..names.len() as u64)
        .map(|i| Sample {
            // Leaf first: name i under all the names before it.
            location_id: (1..=i + 1).rev().collect(),
            value: vec![10 + i as i64],
            label: vec![],
        })
        .collect();
    let p = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }],
        sample: samples,
        location: locations,
        function: functions,
        string_table: strings,
        ..Default::default()
    };
    let path = dir.join("hostile.pb");
    fs::write(&path, p.encode_to_vec()).unwrap();
    path
}

#[test]
fn hostile_names_are_inert() {
    let dir = temp_dir();
    let prof = hostile_profile(dir.path());
    let prof = prof.to_str().unwrap();
    for extra in [&[][..], &["--reverse", "--icicle", "-lines"][..]] {
        let out = dir.path().join("h.svg");
        let mut args = vec!["flame", "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(prof);
        let r = run(&args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let svg = fs::read_to_string(&out).unwrap();
        parse_svg(&svg);
        for live in ["<script>alert", "<x/>", "<u>", "<seconds>", "<!--\"", "<&>"] {
            assert!(!svg.contains(live), "live markup {live:?} in SVG");
        }
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Exactly one <script> element: inferno's own.
        assert_eq!(svg.matches("<script").count(), 1);
    }
    // Differential graph of the hostile profile against itself.
    let svg = String::from_utf8(stdout_of(&["flame", "-o", "-", prof, prof])).unwrap();
    parse_svg(&svg);
    for live in ["<script", "<x/>", "<u>", "<seconds>", "<&>"] {
        assert!(!svg.contains(live), "live markup {live:?} in diff SVG");
    }
    // Folded: one line per stack, `;` only between frames.
    let folded =
        String::from_utf8(stdout_of(&["flame", "--format=folded", "-o", "-", prof])).unwrap();
    let lines: Vec<&str> = folded.lines().collect();
    assert_eq!(lines.len(), 7, "{folded}");
    for (i, l) in lines.iter().enumerate() {
        let (stack, _) = l.rsplit_once(' ').unwrap();
        assert!(stack.split(';').count() <= 7, "line {i}: {l}");
    }
    assert!(folded.contains("a%3Bb"));
    assert!(folded.contains("new%0Aline%0D%01%00"));
    assert!(folded.contains("%253B"));
    assert!(folded.contains("%23 comment-like"));
    // speedscope: valid JSON that round-trips the raw names.
    let json = stdout_of(&["flame", "--format=speedscope", "-o", "-", prof]);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let frames: Vec<&str> = v["shared"]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(frames.contains(&"<script>alert(1)</script>"));
    assert!(frames.contains(&"new\nline\r\u{1}\u{0}"));
    let text = String::from_utf8(json).unwrap();
    assert!(!text.contains("<script>") || text.contains("\"<script>alert(1)</script>\""));
}

#[test]
fn output_is_atomic() {
    let dir = temp_dir();
    let out = dir.path().join("keep.svg");
    fs::write(&out, "precious").unwrap();
    let c = cpu();
    for bad in [
        &[
            "flame",
            "-sample_index=nope",
            "-o",
            out.to_str().unwrap(),
            &c,
        ][..],
        &["flame", "-o", out.to_str().unwrap(), "/nonexistent/x.pb.gz"][..],
        &["flame", "--colors=plaid", "-o", out.to_str().unwrap(), &c][..],
    ] {
        let r = run(bad);
        assert_eq!(r.status.code(), Some(1), "{bad:?}");
        assert_eq!(fs::read_to_string(&out).unwrap(), "precious");
    }
    // A successful run replaces it, and leaves no temporary file behind.
    let r = run(&["flame", "-o", out.to_str().unwrap(), &c]);
    assert!(r.status.success());
    assert!(fs::read_to_string(&out).unwrap().starts_with("<?xml"));
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keep.svg"]);
    // An unwritable target directory fails cleanly.
    let r = run(&["flame", "-o", "/nonexistent-dir/x.svg", &c]);
    assert_eq!(r.status.code(), Some(1));
}

/// A profile with the given stacks (root first) and values.
fn stacks_profile(dir: &Path, file: &str, stacks: &[(&[&str], i64)]) -> String {
    use pprofx::proto::{Function, Line, Location, Profile, Sample, ValueType};
    let mut strings: Vec<String> = vec![String::new(), "cpu".into(), "nanoseconds".into()];
    let mut ids: std::collections::HashMap<&str, u64> = Default::default();
    let (mut functions, mut locations, mut samples) = (Vec::new(), Vec::new(), Vec::new());
    for (stack, v) in stacks {
        let mut locs = Vec::new();
        for name in stack.iter().rev() {
            let n = ids.len() as u64 + 1;
            let id = *ids.entry(name).or_insert_with(|| {
                strings.push(name.to_string());
                functions.push(Function {
                    id: n,
                    name: strings.len() as i64 - 1,
                    ..Default::default()
                });
                locations.push(Location {
                    id: n,
                    line: vec![Line {
                        function_id: n,
                        line: 1,
                        column: 0,
                    }],
                    ..Default::default()
                });
                n
            });
            locs.push(id);
        }
        samples.push(Sample {
            location_id: locs,
            value: vec![*v],
            label: vec![],
        });
    }
    let p = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }],
        sample: samples,
        location: locations,
        function: functions,
        string_table: strings,
        ..Default::default()
    };
    let path = dir.join(file);
    fs::write(&path, p.encode_to_vec()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn differential_svg() {
    let dir = temp_dir();
    let base = stacks_profile(
        dir.path(),
        "base.pb",
        &[
            (&["main", "grows"], 100),
            (&["main", "shrinks"], 400),
            (&["main", "gone"], 50),
            (&["main", "same"], 1000),
        ],
    );
    let new = stacks_profile(
        dir.path(),
        "new.pb",
        &[
            (&["main", "grows"], 300),
            (&["main", "shrinks"], 100),
            (&["main", "added<&>"], 70),
            (&["main", "same"], 1000),
        ],
    );
    let out = dir.path().join("d.svg");
    let r = run(&["flame", "-o", out.to_str().unwrap(), &base, &new]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let svg = fs::read_to_string(&out).unwrap();
    parse_svg(&svg);
    let frame = |name: &str| {
        let start = svg
            .find(&format!("<title>{name}"))
            .unwrap_or_else(|| panic!("no frame {name}"));
        let end = start + svg[start..].find("</g>").unwrap();
        svg[start..end].to_string()
    };
    assert!(
        frame("grows").contains("fill=\"rgb(255,"),
        "{}",
        frame("grows")
    );
    assert!(frame("grows").contains("base 100 nanoseconds, new 300 nanoseconds, Δ +200"));
    assert!(frame("grows").contains("(+200.00%)"));
    assert!(frame("shrinks").contains(",255)\""), "{}", frame("shrinks"));
    assert!(frame("gone").contains("gone: only in the base profile"));
    assert!(frame("gone").contains("class=\"one\""));
    assert!(frame("added&lt;&amp;&gt;").contains("new: only in the new profile"));
    assert!(frame("same").contains("rgb(200,200,200)"));
    // Width = base + new: "main" spans base 1550 + new 1470.
    assert!(frame("main").contains("base 1550 nanoseconds, new 1470 nanoseconds, Δ -80"));
    // Deterministic.
    let again = stdout_of(&["flame", "-o", "-", &base, &new]);
    assert_eq!(svg.as_bytes(), again);
}
