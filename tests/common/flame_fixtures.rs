//! Profiles built in code for the flame tests (`tests/flame.rs`,
//! `tests/flame_browser.rs`): hostile names and hand-made stacks.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

/// Function names that are markup, script, separators and control
/// characters. Sample `i` is the stack of names `0..=i` (root first).
pub const HOSTILE_NAMES: [&str; 10] = [
    "<script>alert(1)</script>",
    "a;b",
    "quote\"s'and`back\\slash",
    "new\nline\r\u{1}\u{0}",
    "]]><x/>&amp;<!--",
    "# comment-like",
    "%3B",
    "<img src=x onerror=\"document.title='pwned'\">",
    "</script><script>document.title='pwned'</script>",
    "sep\u{2028}ara\u{2029}tors",
];

/// A profile whose names are markup, script, separators and control
/// characters, built in code.
pub fn hostile_profile(dir: &Path) -> PathBuf {
    use pprofx::model::proto::{Function, Line, Location, Profile, Sample, ValueType};
    let names = HOSTILE_NAMES;
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

/// A profile with the given stacks (root first) and values.
pub fn stacks_profile(dir: &Path, file: &str, stacks: &[(&[&str], i64)]) -> String {
    use pprofx::model::proto::{Function, Line, Location, Profile, Sample, ValueType};
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

/// The names of [`deep_profile`]'s main chain: Go-like, long, each with a
/// package path, a receiver and a method, so that they wrap and elide.
pub fn deep_name(level: usize) -> String {
    format!(
        "github.com/example/deepservice/internal/pipeline/stage{:02}.(*RequestProcessorWithALongName).handleLevel{level:03}",
        level % 7
    )
}

/// The leaf that [`deep_profile`]'s level `level` calls.
pub fn deep_leaf(level: usize) -> String {
    format!("encoding/json.(*decodeStateWithALongName).literalStoreIntoInterface{level:03}")
}

/// A deep profile built in code: one chain of `depth` frames (root
/// `main.main`), each level also calling a short leaf of its own, so that
/// the graph is `depth` frames tall and the top table has long names.
/// `shift` moves weight from even to odd leaves (0 for the base, > 0 for a
/// "new" profile with the same total, so the root of a diff is grey).
pub fn deep_profile(dir: &Path, file: &str, depth: usize, shift: i64) -> String {
    let names: Vec<String> = (0..depth).map(deep_name).collect();
    let leaves: Vec<String> = (0..depth).map(deep_leaf).collect();
    let mut stacks: Vec<(Vec<&str>, i64)> = Vec::new();
    for i in 0..depth {
        let mut s: Vec<&str> = vec!["main.main"];
        s.extend(names[..=i].iter().map(String::as_str));
        let mut leaf = s.clone();
        leaf.push(&leaves[i]);
        let v = 100 + if i % 2 == 0 { -shift } else { shift };
        stacks.push((leaf, v));
        stacks.push((s, 50));
    }
    let refs: Vec<(&[&str], i64)> = stacks.iter().map(|(s, v)| (s.as_slice(), *v)).collect();
    stacks_profile(dir, file, &refs)
}
