//! `pprofx flame`: snapshots of folded and speedscope exports and of the
//! differential SVG, well-formed and deterministic SVG, inert output for
//! hostile function names, and atomic `-o` files.
//!
//! The snapshots in `tests/snapshots/flame/` are pprofx's own output (pprof
//! has no such report), recorded to catch unintended changes: review the
//! diff, then rewrite them with `PPROFX_BLESS=1 cargo test --test flame`.

mod common;
#[path = "common/flame_fixtures.rs"]
mod flame_fixtures;

use std::fs;

use common::{pprofx_bin, repo_root};
use flame_fixtures::{hostile_profile, stacks_profile, HOSTILE_NAMES};

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

/// Compares `got` with the snapshot `tests/snapshots/flame/NAME`, or
/// rewrites the snapshot under `PPROFX_BLESS=1` (refused under `PPROFX_CI=1`).
fn check_snapshot(name: &str, got: &[u8]) {
    let path = repo_root().join("tests/snapshots/flame").join(name);
    if std::env::var_os("PPROFX_BLESS").is_some() {
        assert!(
            !common::ci(),
            "PPROFX_BLESS rewrites snapshots: not under PPROFX_CI"
        );
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, got).unwrap();
        common::show(&format!("BLESSED {}", path.display()));
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
fn snapshot_folded() {
    let c = cpu();
    check_snapshot(
        "cpu.folded",
        &stdout_of(&["flame", "--format=folded", "-o", "-", &c]),
    );
    check_snapshot(
        "cpu.reverse.folded",
        &stdout_of(&["flame", "--format=folded", "--reverse", "-o", "-", &c]),
    );
    check_snapshot(
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
fn snapshot_speedscope() {
    let got = stdout_of(&["flame", "--format=speedscope", "-o", "-", &cpu()]);
    check_snapshot("cpu.speedscope.json", &got);
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

/// Markup from the hostile names that must never appear unescaped.
const LIVE: [&str; 10] = [
    "<script>alert",
    "<x/>",
    "<u>",
    "<seconds>",
    "<!--\"",
    "<&>",
    "<img",
    "onerror=\"",
    "</script><script>",
    "<b>",
];

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
        for live in LIVE {
            assert!(!svg.contains(live), "live markup {live:?} in SVG");
        }
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Exactly one <script> element: inferno's own.
        assert_eq!(svg.matches("<script").count(), 1);
    }
    // Differential graph of the hostile profile against itself.
    let svg = String::from_utf8(stdout_of(&["flame", "-o", "-", prof, prof])).unwrap();
    parse_svg(&svg);
    for live in LIVE {
        assert!(!svg.contains(live), "live markup {live:?} in diff SVG");
    }
    // Exactly one <script> element: ours.
    assert_eq!(svg.matches("<script").count(), 1);
    // Folded: one line per stack, `;` only between frames.
    let folded =
        String::from_utf8(stdout_of(&["flame", "--format=folded", "-o", "-", prof])).unwrap();
    let lines: Vec<&str> = folded.lines().collect();
    let n = HOSTILE_NAMES.len();
    assert_eq!(lines.len(), n, "{folded}");
    for (i, l) in lines.iter().enumerate() {
        let (stack, _) = l.rsplit_once(' ').unwrap();
        assert!(stack.split(';').count() <= n, "line {i}: {l}");
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
        // A bad palette is a usage error; the others are runtime errors.
        let want = if bad[1].starts_with("--colors") { 2 } else { 1 };
        assert_eq!(r.status.code(), Some(want), "{bad:?}");
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

#[test]
fn differential_svg() {
    let dir = temp_dir();
    let (base, new) = diff_pair(dir.path());
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

/// The two profiles of the differential tests: one function grows, one
/// shrinks, one disappears, one is added (with markup in its name), one
/// stays the same.
fn diff_pair(dir: &std::path::Path) -> (String, String) {
    let base = stacks_profile(
        dir,
        "base.pb",
        &[
            (&["main", "grows"], 100),
            (&["main", "shrinks"], 400),
            (&["main", "gone"], 50),
            (&["main", "same"], 1000),
        ],
    );
    let new = stacks_profile(
        dir,
        "new.pb",
        &[
            (&["main", "grows"], 300),
            (&["main", "shrinks"], 100),
            (&["main", "added<&>"], 70),
            (&["main", "same"], 1000),
        ],
    );
    (base, new)
}

/// The `<g>` of the frame whose tooltip starts with `name`.
fn svg_frame(svg: &str, name: &str) -> Option<String> {
    let start = svg.find(&format!("<title>{name}&#10;"))?;
    let end = start + svg[start..].find("</g>")?;
    Some(svg[start..end].to_string())
}

/// A frame's `width` attribute.
fn rect_width(frame: &str) -> f64 {
    let at = frame.find(" width=\"").unwrap() + 8;
    frame[at..at + frame[at..].find('"').unwrap()]
        .parse()
        .unwrap()
}

#[test]
fn differential_svg_snapshot_zoom_search_and_width_modes() {
    let dir = temp_dir();
    let (base, new) = diff_pair(dir.path());
    let sum = String::from_utf8(stdout_of(&["flame", "-o", "-", &base, &new])).unwrap();
    let classic = String::from_utf8(stdout_of(&[
        "flame",
        "--diff-width=new",
        "--icicle",
        "-o",
        "-",
        &base,
        &new,
    ]))
    .unwrap();
    check_snapshot("diff.svg", sum.as_bytes());
    check_snapshot("diff.new.icicle.svg", classic.as_bytes());
    for svg in [&sum, &classic] {
        parse_svg(svg);
        // Our zoom/search script, inside CDATA, and its controls.
        assert_eq!(svg.matches("<script").count(), 1);
        // No --width: fluid, laid out at 1200 px for viewers without script.
        assert!(svg.contains(
            "<![CDATA[\nvar W = 1200, PAD = 10, CW = 7.2, DASH_MIN = 4, FLUID = true, ICICLE = "
        ));
        for id in ["reset", "search", "details", "matched"] {
            assert!(svg.contains(&format!("id=\"{id}\"")), "no #{id}");
        }
        assert!(svg.contains("closest('g.f')"));
    }
    assert!(sum.contains("width = base + new;"));
    assert!(classic.contains("width = new;"));
    // base + new: "gone" is drawn, "main" fills the width (1200 − 2 × 10).
    assert!(svg_frame(&sum, "gone").is_some());
    assert_eq!(rect_width(&svg_frame(&sum, "main").unwrap()), 1180.0);
    // new only: "gone" has no width, so no frame; "grows" is 300 of 1470.
    assert!(svg_frame(&classic, "gone").is_none());
    let grows = rect_width(&svg_frame(&classic, "grows").unwrap());
    assert!((grows - 1180.0 * 300.0 / 1470.0).abs() < 0.01, "{grows}");
    // Same colours in both modes (one shading path).
    let fill = |svg: &str, name: &str| {
        let f = svg_frame(svg, name).unwrap();
        let at = f.find("fill=\"").unwrap() + 6;
        f[at..at + f[at..].find('"').unwrap()].to_string()
    };
    for name in ["grows", "shrinks", "same", "main"] {
        assert_eq!(fill(&sum, name), fill(&classic, name), "{name}");
    }
    // Bad width mode: usage error.
    let r = run(&["flame", "--diff-width=old", "-o", "-", &base, &new]);
    assert_eq!(r.status.code(), Some(2));
    // --width: that many pixels, not fluid, from `flame` and from `diff --flame`.
    for cmd in [&["flame"][..], &["diff", "--flame"][..]] {
        let mut args = cmd.to_vec();
        args.extend(["--width=1800", "-o", "-", &base, &new]);
        let svg = String::from_utf8(stdout_of(&args)).unwrap();
        parse_svg(&svg);
        assert!(
            svg.contains("<svg version=\"1.1\" width=\"1800\" "),
            "{cmd:?}"
        );
        assert!(svg.contains("var W = 1800, PAD = 10, CW = 7.2, DASH_MIN = 4, FLUID = false,"));
        assert_eq!(
            rect_width(&svg_frame(&svg, "main").unwrap()),
            1780.0,
            "{cmd:?}"
        );
    }
}

#[test]
fn diff_flame_draws_the_same_graph() {
    let dir = temp_dir();
    let (base, new) = diff_pair(dir.path());
    let a = dir.path().join("a.svg");
    let b = dir.path().join("b.svg");
    let r = run(&["diff", "--flame", "-o", a.to_str().unwrap(), &base, &new]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(r.stdout.is_empty(), "the table is replaced by the graph");
    let r = run(&["flame", "-o", b.to_str().unwrap(), &base, &new]);
    assert!(r.status.success());
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    // Options pass through; gates still decide the exit status.
    let r = run(&[
        "diff",
        "--flame",
        "--diff-width=new",
        "--fail_on_growth=100",
        "-o",
        a.to_str().unwrap(),
        &base,
        &new,
    ]);
    assert_eq!(
        r.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let svg = fs::read_to_string(&a).unwrap();
    parse_svg(&svg);
    assert!(svg.contains("width = new;"));
    // -o without --flame, --flame without -o: usage errors.
    for bad in [
        &["diff", "-o", "x.svg", &base, &new][..],
        &["diff", "--flame", &base, &new][..],
        &["diff", "--flame", "--min_width=200", "-o", "-", &base, &new][..],
    ] {
        let r = run(bad);
        assert_eq!(r.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&r.stderr).starts_with("pprofx: "));
    }
}

/// The JSON data of an HTML report.
fn html_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"pprofx-data\">";
    let start = html.find(open).expect("data element") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("data is JSON")
}

#[test]
fn html_report_is_self_contained_and_deterministic() {
    let dir = temp_dir();
    let a = dir.path().join("a.html");
    let b = dir.path().join("b.html");
    let c = cpu();
    for p in [&a, &b] {
        let r = run(&["flame", "--html", "-o", p.to_str().unwrap(), &c]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let html = fs::read_to_string(&a).unwrap();
    assert_eq!(html.as_bytes(), fs::read(&b).unwrap(), "two runs differ");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>cpu.pb.gz — cpu, total 3.10s</title>"));
    // Offline: nothing loaded from anywhere; a strict policy.
    for remote in ["http://", "https://", " src=", "<link", "@import", "url("] {
        assert!(!html.contains(remote), "{remote:?} in the page");
    }
    assert!(html.contains("content=\"default-src 'none'; script-src 'sha256-"));
    assert_eq!(html.matches("<script").count(), 2);
    let d = html_data(&html);
    assert_eq!(d["v"], 1);
    assert_eq!(d["kind"], "flame");
    assert_eq!(d["unit"], "nanoseconds");
    let f = d["f"].as_array().unwrap();
    let t = d["t"].as_array().unwrap();
    assert_eq!(f.len(), t.len());
    assert_eq!(f[0], -1);
    // The root is pprof's total; the top table is pprof's.
    assert_eq!(t[0], 3_100_000_000u64);
    assert_eq!(d["top"]["total"], 3_100_000_000u64);
    let names = d["names"].as_array().unwrap();
    let first = &d["top"]["rows"][0];
    assert_eq!(names[first[0].as_u64().unwrap() as usize], "main.mix");
    assert_eq!(first[1], 670_000_000u64);
    // The same tree as the folded export: as many frames as distinct paths.
    let folded =
        String::from_utf8(stdout_of(&["flame", "--format=folded", "-o", "-", &c])).unwrap();
    let mut paths = std::collections::BTreeSet::new();
    for l in folded.lines() {
        let stack = l.rsplit_once(' ').unwrap().0;
        let frames: Vec<&str> = stack.split(';').collect();
        for i in 1..=frames.len() {
            paths.insert(frames[..i].join(";"));
        }
    }
    assert_eq!(f.len(), paths.len() + 1);
    // --html is its own format.
    let r = run(&["flame", "--html", "--format=folded", "-o", "-", &c]);
    assert_eq!(r.status.code(), Some(2), "a usage error");
}

#[test]
fn html_report_of_a_diff_has_the_diff_table() {
    let dir = temp_dir();
    let (base, new) = diff_pair(dir.path());
    let html = String::from_utf8(stdout_of(&["flame", "--html", "-o", "-", &base, &new])).unwrap();
    let d = html_data(&html);
    assert_eq!(d["kind"], "diff");
    assert_eq!(d["width"], "sum");
    let names: Vec<&str> = d["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let rows = d["diff"]["rows"].as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| names[r[0].as_u64().unwrap() as usize] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    assert_eq!(row("gone")[1], "gone");
    assert_eq!(row("added<&>")[1], "new");
    assert_eq!(row("added<&>")[5], serde_json::Value::Null);
    assert_eq!(row("grows")[2], 100);
    assert_eq!(row("grows")[3], 300);
    assert_eq!(row("grows")[4], 200);
    assert_eq!(row("grows")[5], 2.0);
    // Shades are the SVG's: red for grows, blue for shrinks, grey for same.
    let f = d["f"].as_array().unwrap();
    let c = d["c"].as_array().unwrap();
    let shade = |name: &str| {
        let i = names.iter().position(|n| *n == name).unwrap();
        c[f.iter().position(|x| x.as_u64() == Some(i as u64)).unwrap()]
            .as_i64()
            .unwrap()
    };
    assert!(shade("grows") > 0);
    assert!(shade("shrinks") < 0);
    assert_eq!(shade("same"), 0);
    // diff --html writes the same report (the default table rows).
    let again = String::from_utf8(stdout_of(&["diff", "--html", "-o", "-", &base, &new])).unwrap();
    assert_eq!(html_data(&again)["diff"], d["diff"]);
    // --diff-width=new leaves out frames without new weight.
    let classic = String::from_utf8(stdout_of(&[
        "flame",
        "--html",
        "--diff-width=new",
        "-o",
        "-",
        &base,
        &new,
    ]))
    .unwrap();
    let dc = html_data(&classic);
    assert_eq!(dc["width"], "new");
    assert!(dc["n"].as_array().unwrap()[1..]
        .iter()
        .all(|v| v.as_u64() != Some(0)));
}

#[test]
fn html_report_of_hostile_names_is_inert() {
    let dir = temp_dir();
    let prof = hostile_profile(dir.path());
    let prof = prof.to_str().unwrap();
    for args in [
        &["flame", "--html", "-o", "-", prof][..],
        &[
            "flame",
            "--html",
            "--title=</title><script>x()</script>",
            "-o",
            "-",
            prof,
        ][..],
        &["flame", "--html", "-o", "-", prof, prof][..],
    ] {
        let html = String::from_utf8(stdout_of(args)).unwrap();
        for live in LIVE {
            assert!(
                !html.contains(live),
                "live markup {live:?} in HTML ({args:?})"
            );
        }
        // Our two script elements only, each closed once.
        assert_eq!(html.matches("<script").count(), 2, "{args:?}");
        assert_eq!(html.matches("</script>").count(), 2, "{args:?}");
        assert!(!html.contains('\u{2028}') && !html.contains('\u{2029}'));
        // The data still carries every name exactly.
        let d = html_data(&html);
        let names: Vec<&str> = d["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        for n in HOSTILE_NAMES {
            assert!(names.contains(&n), "{n:?} missing");
        }
    }
}
