//! pprof's symbolization-time name clean-up, end to end: C++-looking names
//! whose name equals their system name lose `(…)` and `<…>` (and merge), unless
//! `-symbolize=none`.

use pprofx::model::proto;
use prost::Message;

fn profile_with(names: &[&str]) -> Vec<u8> {
    let mut strings: Vec<String> = vec!["".into(), "samples".into(), "count".into()];
    let mut p = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        ..Default::default()
    };
    for (i, n) in names.iter().enumerate() {
        strings.push(n.to_string());
        let s = (strings.len() - 1) as i64;
        let id = i as u64 + 1;
        p.function.push(proto::Function {
            id,
            name: s,
            system_name: s,
            ..Default::default()
        });
        p.location.push(proto::Location {
            id,
            line: vec![proto::Line {
                function_id: id,
                line: 1,
                column: 0,
            }],
            ..Default::default()
        });
        p.sample.push(proto::Sample {
            location_id: vec![id],
            value: vec![10],
            label: vec![],
        });
    }
    p.string_table = strings;
    p.encode_to_vec()
}

fn top(args: &[&str], bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.pb");
    std::fs::write(&path, bytes).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .arg("top")
        .args(args)
        .arg(&path)
        .output()
        .expect("run pprofx");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn cpp_names_are_simplified_and_merged() {
    let bytes = profile_with(&[
        "std::vector<int>::push_back(int)",
        "std::vector<long>::push_back(long)",
        "main.f",
    ]);
    let out = top(&[], &bytes);
    assert!(out.contains("  std::vector::push_back\n"), "{out}");
    assert!(
        out.contains("        20 66.67% 66.67%         20 66.67%  std::vector::push_back"),
        "{out}"
    );
    assert!(out.contains("  main.f\n"), "{out}");
    let raw = top(&["-symbolize=none"], &bytes);
    assert!(raw.contains("std::vector<int>::push_back(int)"), "{raw}");
}
