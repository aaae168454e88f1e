//! `pprofx export`: the Parquet table read back gives `top`'s flat numbers,
//! one row per sample and sample type, from one or many inputs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, RowAccessor};

fn pprofx(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(common::pprofx_bin())
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

/// (source, sample_type, value, leaf function) of every row.
fn read_rows(path: &Path) -> Vec<(String, String, i64, String)> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        let leaf = match row
            .get_column_iter()
            .find(|(n, _)| *n == "stack")
            .unwrap()
            .1
        {
            Field::ListInternal(l) => l
                .elements()
                .first()
                .map(|e| match e {
                    Field::Group(g) => g.get_string(0).unwrap().clone(),
                    f => panic!("{f:?}"),
                })
                .unwrap_or_default(),
            f => panic!("stack is {f:?}"),
        };
        out.push((
            row.get_string(0).unwrap().clone(),
            row.get_string(1).unwrap().clone(),
            row.get_long(3).unwrap(),
            leaf,
        ));
    }
    out
}

#[test]
fn flat_sums_equal_top() {
    let examples = common::repo_root().join("examples/profiles");
    let dir = tempfile::tempdir().unwrap();
    for (profile, sample_type) in [
        ("cpu.pb.gz", "cpu"),
        ("heap.pb.gz", "inuse_space"),
        ("block.pb.gz", "delay"),
    ] {
        let out = dir.path().join(format!("{profile}.parquet"));
        let o = pprofx(&["export", "-o", out.to_str().unwrap(), profile], &examples);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let rows = read_rows(&out);
        let mut flat: BTreeMap<String, i64> = BTreeMap::new();
        for (_, ty, v, leaf) in &rows {
            if ty == sample_type {
                *flat.entry(leaf.clone()).or_default() += v;
            }
        }
        flat.retain(|_, v| *v != 0);
        let top = pprofx(
            &[
                "top",
                "--json",
                "-trim=false",
                &format!("-sample_index={sample_type}"),
                profile,
            ],
            &examples,
        );
        let json: serde_json::Value = serde_json::from_slice(&top.stdout).unwrap();
        let want: BTreeMap<String, i64> = json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["flat"].as_i64().unwrap(),
                )
            })
            .filter(|(_, f)| *f != 0)
            .collect();
        assert_eq!(flat, want, "{profile}: flat per function");
        // One row per sample and sample type.
        let types: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(rows.len() % types.len(), 0, "{profile}");
        assert!(rows.iter().all(|r| r.0 == profile));
    }
}

#[test]
fn many_inputs_into_one_file_or_a_directory() {
    let examples = common::repo_root().join("examples/profiles");
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("all.parquet");
    let o = pprofx(
        &[
            "export",
            "-o",
            one.to_str().unwrap(),
            "cpu.pb.gz",
            "heap.pb.gz",
        ],
        &examples,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_rows(&one);
    let sources: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["cpu.pb.gz", "heap.pb.gz"]
    );

    let out = dir.path().join("split/");
    let o = pprofx(
        &[
            "export",
            "-o",
            out.to_str().unwrap(),
            "cpu.pb.gz",
            "heap.pb.gz",
        ],
        &examples,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["cpu.parquet", "heap.parquet"]);

    // A bad input stops with one line and leaves no output file.
    let bad = dir.path().join("bad.parquet");
    let o = pprofx(
        &[
            "export",
            "-o",
            bad.to_str().unwrap(),
            "cpu.pb.gz",
            "missing.pb.gz",
        ],
        &examples,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("pprofx: missing.pb.gz: "));
    assert!(!bad.exists());
}
