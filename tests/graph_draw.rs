//! `pprofx graph --format=svg|png|pdf` draws call graphs with no Graphviz on
//! PATH: the SVG is well-formed XML, the same bytes on every run, and has a
//! node group for every node and nodelet of the DOT the same options give;
//! PNG and PDF files are valid. Inputs: the committed `examples/profiles/`
//! and, when `../shared` exists, corpus profiles, `real-cpu-merged` at
//! `-nodecount=200`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs pprofx in `cwd` with an empty PATH (no `dot` anywhere).
fn run(args: &[&str], cwd: &Path) -> std::process::Output {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = Command::new(common::pprofx_bin())
        .args(args)
        .current_dir(cwd)
        .env("PATH", empty.path())
        .env("TZ", "UTC")
        .output()
        .expect("runs pprofx");
    assert!(
        out.status.success(),
        "pprofx {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The DOT node ids (`N1`, `N1_0`, `NN1_0`) of the graph.
fn dot_ids(dot: &str) -> Vec<String> {
    dot.lines()
        .filter(|l| l.starts_with('N') && !l.contains(" -> "))
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

/// Checks one profile's drawing against its DOT.
fn check(cwd: &Path, profile: &str, extra: &[&str]) {
    let mut dot_args = vec!["graph", "--format=dot"];
    dot_args.extend_from_slice(extra);
    dot_args.push(profile);
    let dot = String::from_utf8(run(&dot_args, cwd).stdout).expect("UTF-8 DOT");
    let ids = dot_ids(&dot);
    assert!(!ids.is_empty(), "{profile}: empty DOT");

    let mut svg_args = vec!["graph", "--format=svg"];
    svg_args.extend_from_slice(extra);
    svg_args.push(profile);
    let a = run(&svg_args, cwd).stdout;
    let b = run(&svg_args, cwd).stdout;
    assert!(a == b, "{profile}: two runs drew different SVGs");
    let text = String::from_utf8(a).expect("UTF-8 SVG");
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{profile}: SVG is not well-formed: {e}"));
    let groups: std::collections::HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    for id in &ids {
        let want = match id.strip_prefix('N') {
            Some(num) if !id.contains('_') => format!("node{num}"),
            _ => id.clone(),
        };
        assert!(
            groups.contains(want.as_str()),
            "{profile}: no group for {id}"
        );
    }
    // Every node plus the legend, nothing else.
    assert_eq!(groups.len(), ids.len() + 1, "{profile}: node groups");
    let edges = dot.lines().filter(|l| l.contains(" -> ")).count();
    let drawn = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("edge"))
        .count();
    assert_eq!(drawn, edges, "{profile}: edges");
}

fn examples() -> PathBuf {
    common::repo_root().join("examples/profiles")
}

#[test]
fn draws_example_profiles() {
    for p in [
        "cpu.pb.gz",
        "heap.pb.gz",
        "goroutine.pb.gz",
        "block.pb.gz",
        "mutex.pb.gz",
    ] {
        check(&examples(), p, &[]);
    }
    check(&examples(), "cpu.pb.gz", &["-call_tree", "-nodecount=30"]);
}

#[test]
fn draws_corpus_profiles() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus");
    check(&corpus, "real-cpu-merged.pb.gz", &["-nodecount=200"]);
    for p in [
        "go-cpu-mixed.pb.gz",
        "go-heap_t1.pb.gz",
        "go-goroutine_t1.pb.gz",
        "node-wall.pb.gz",
        "rust-pprof-cpu.pb",
    ] {
        check(&corpus, p, &[]);
    }
    check(
        &corpus,
        "go-cpu-mixed.pb.gz",
        &["-tagroot=worker", "-lines"],
    );
}

#[cfg(feature = "render")]
#[test]
fn png_and_pdf_are_valid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let png = dir.path().join("g.png");
    let pdf = dir.path().join("g.pdf");
    let png_s = png.to_string_lossy().to_string();
    let pdf_s = pdf.to_string_lossy().to_string();
    run(
        &["graph", "--format=png", "-o", &png_s, "cpu.pb.gz"],
        &examples(),
    );
    run(
        &["graph", "--format=pdf", "-o", &pdf_s, "cpu.pb.gz"],
        &examples(),
    );
    let png = std::fs::read(&png).expect("PNG written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert!(w > 100 && h > 100, "{w}x{h}");
    let pdf = std::fs::read(&pdf).expect("PDF written");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.windows(5).any(|w| w == b"%%EOF"));
    // Text is embedded as a font subset.
    assert!(pdf.windows(8).any(|w| w == b"FontFile"));
}

#[test]
fn png_goes_to_a_pipe_as_in_pprof() {
    // Standard output is a pipe here: the PNG bytes go there, as `go tool
    // pprof -png > f.png` writes them (on a terminal they go to a new
    // profileNNN.png instead).
    for args in [
        &["graph", "--format=png", "cpu.pb.gz"][..],
        &["-png", "cpu.pb.gz"],
    ] {
        let out = Command::new(common::pprofx_bin())
            .args(args)
            .current_dir(examples())
            .output()
            .expect("runs pprofx");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.starts_with(b"\x89PNG\r\n\x1a\n"), "{args:?}");
    }
}
