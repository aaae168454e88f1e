//! Names that are not valid UTF-8: text reports print their bytes as pprof
//! does; JSON, SVG and HTML stay valid UTF-8 (U+FFFD); written profiles keep
//! the bytes.

mod common;

use std::path::Path;

use pprofx::model::proto;
use prost::Message;

/// The bytes that replace the placeholders: invalid in UTF-8 in several ways
/// (a lone continuation byte, an invalid lead byte, a cut sequence).
const FUNC_BYTES: &[u8] = b"\xff\xfea\x80\xc3";
const LABEL_BYTES: &[u8] = b"v\xe2\x82";

/// A one-sample CPU profile whose function name and label value hold bytes
/// that are not UTF-8.
fn profile() -> Vec<u8> {
    let strings = [
        "",
        "cpu",
        "nanoseconds",
        "main.QQQQQ",
        "main.go",
        "tag",
        "QQQ",
    ];
    let p = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        period_type: Some(proto::ValueType { r#type: 1, unit: 2 }),
        period: 10_000_000,
        sample: vec![proto::Sample {
            location_id: vec![1],
            value: vec![30_000_000],
            label: vec![proto::Label {
                key: 5,
                str: 6,
                ..Default::default()
            }],
        }],
        location: vec![proto::Location {
            id: 1,
            address: 0x1000,
            line: vec![proto::Line {
                function_id: 1,
                line: 3,
                column: 0,
            }],
            ..Default::default()
        }],
        function: vec![proto::Function {
            id: 1,
            name: 3,
            system_name: 3,
            filename: 4,
            start_line: 0,
        }],
        string_table: strings.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut bytes = p.encode_to_vec();
    for (placeholder, with) in [(&b"QQQQQ"[..], FUNC_BYTES), (b"QQQ", LABEL_BYTES)] {
        let at = bytes
            .windows(placeholder.len())
            .position(|w| w == placeholder)
            .expect("placeholder");
        bytes[at..at + with.len()].copy_from_slice(with);
    }
    bytes
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = common::run_pprofx(&args, dir).expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn text_reports_print_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pb"), profile()).unwrap();
    let name: Vec<u8> = [&b"main."[..], FUNC_BYTES].concat();
    for report in ["top", "traces", "raw", "peek"] {
        let args: Vec<&str> = match report {
            "peek" => vec!["peek", ".", "p.pb"],
            r => vec![r, "p.pb"],
        };
        let out = run(dir.path(), &args);
        assert!(
            contains(&out, &name),
            "{report}: {}",
            String::from_utf8_lossy(&out)
        );
    }
    let tags = run(dir.path(), &["tags", "p.pb"]);
    assert!(
        contains(&tags, LABEL_BYTES),
        "{}",
        String::from_utf8_lossy(&tags)
    );
    // A filter sees the name (one character per invalid byte).
    let focus = run(dir.path(), &["top", "-focus=main\\...a", "p.pb"]);
    assert!(contains(&focus, &name));
}

#[test]
fn json_svg_and_html_stay_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pb"), profile()).unwrap();
    let json = run(dir.path(), &["top", "--json", "p.pb"]);
    let v: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(
        v["rows"][0]["name"],
        "main.\u{FFFD}\u{FFFD}a\u{FFFD}\u{FFFD}"
    );
    let traces = run(dir.path(), &["traces", "--json", "p.pb"]);
    let v: serde_json::Value = serde_json::from_slice(&traces).expect("valid JSON");
    assert_eq!(v["traces"][0]["labels"]["tag"][0], "v\u{FFFD}\u{FFFD}");
    for (args, file) in [
        (&["flame", "p.pb", "-o", "g.svg"][..], "g.svg"),
        (&["flame", "--html", "p.pb", "-o", "g.html"], "g.html"),
    ] {
        run(dir.path(), args);
        let bytes = std::fs::read(dir.path().join(file)).unwrap();
        let text = String::from_utf8(bytes).expect("valid UTF-8");
        assert!(text.contains('\u{FFFD}'), "{file}");
    }
}

#[test]
fn written_profiles_keep_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pb"), profile()).unwrap();
    run(dir.path(), &["merge", "p.pb", "-o", "m.pb.gz"]);
    let top = run(dir.path(), &["top", "m.pb.gz"]);
    let name: Vec<u8> = [&b"main."[..], FUNC_BYTES].concat();
    assert!(contains(&top, &name), "{}", String::from_utf8_lossy(&top));
    run(dir.path(), &["top", "--proto", "-o", "f.pb.gz", "p.pb"]);
    let raw = run(dir.path(), &["raw", "f.pb.gz"]);
    assert!(contains(&raw, &name));
    assert!(contains(&raw, LABEL_BYTES));
}
