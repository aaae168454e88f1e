//! Several sources, base profiles, written profiles and legacy text formats.
//!
//! These tests need no Go: they check the library's invariants on the
//! repository's example profiles (merge, base, round trip through a written
//! file) and, when `../shared` is present, that goroutine `debug=2` dumps give
//! the same goroutine counts per stack as the matching `debug=0` profiles.
//! (Byte parity with `go tool pprof` is `tests/parity_top.rs`'s business.)

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use pprofx::combine::merge::{self, MergeError};
use pprofx::combine::{load_profile, SourceError, SourceSpec};
use pprofx::graph::analysis::compute_total;
use pprofx::model::Profile;
use pprofx::LoadOptions;

fn example(name: &str) -> String {
    common::repo_root()
        .join("examples/profiles")
        .join(name)
        .display()
        .to_string()
}

fn load(sources: &[&str], base: &[&str], diff_base: bool) -> Result<Profile, SourceError> {
    let spec = SourceSpec {
        sources: sources.iter().map(|s| example(s)).collect(),
        base: base.iter().map(|s| example(s)).collect(),
        diff_base,
        normalize: false,
        skip_bad: false,
    };
    load_profile(&spec, &LoadOptions::default())
}

fn write_and_read(p: &Profile) -> Profile {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.pb.gz");
    pprofx::model::encode::write_file(p, &path).expect("write");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["out.pb.gz"], "no temporary file left behind");
    pprofx::load(&path.display().to_string(), &LoadOptions::default()).expect("read back")
}

#[test]
fn round_trip_write_read_gives_the_same_model() {
    for sources in [
        &["cpu.pb.gz"][..],
        &["cpu.pb.gz", "cpu.pb.gz"],
        &["block.pb.gz", "mutex.pb.gz"],
        &["heap.pb.gz", "goroutine.pb.gz", "cpu.pb.gz"][..1],
    ] {
        let p = load(sources, &[], false).expect("load");
        assert_eq!(write_and_read(&p), p, "{sources:?}");
    }
    let p = load(&["heap.pb.gz"], &["heap.pb.gz"], true).expect("diff base");
    assert_eq!(write_and_read(&p), p);
}

#[test]
fn merging_a_profile_with_itself_doubles_it() {
    let one = load(&["cpu.pb.gz"], &[], false).expect("load");
    let two = load(&["cpu.pb.gz", "cpu.pb.gz"], &[], false).expect("merge");
    let nv = one.num_values();
    let nonzero = |p: &Profile| {
        p.samples
            .values
            .chunks_exact(nv)
            .filter(|r| r.iter().any(|&v| v != 0))
            .count()
    };
    assert!(two.samples.len() <= nonzero(&one));
    let sum = |p: &Profile| p.samples.values.iter().sum::<i64>();
    assert_eq!(sum(&two), 2 * sum(&one));
    assert_eq!(two.duration_nanos, 2 * one.duration_nanos);
    assert_eq!(two.time_nanos, one.time_nanos);
    assert_eq!(two.period, one.period);
    // Ids are renumbered densely, as pprof does.
    assert!(two
        .locations
        .id
        .iter()
        .enumerate()
        .all(|(i, &id)| id == i as u64 + 1));
}

#[test]
fn base_and_diff_base() {
    let same = load(&["heap.pb.gz"], &["heap.pb.gz"], false).expect("base");
    assert!(same.samples.is_empty(), "a profile minus itself is empty");

    let plain = load(&["cpu.pb.gz"], &[], false).expect("load");
    let diff = load(&["cpu.pb.gz"], &["cpu.pb.gz"], true).expect("diff base");
    let sel = pprofx::view::select::select(&plain, "", false).expect("select");
    // Base samples keep their own identity, so nothing cancels, and the total
    // is the base's: here, the profile's own total.
    assert_eq!(compute_total(&diff, &sel), compute_total(&plain, &sel));
    let sum: i64 = diff.samples.values.iter().sum();
    assert_eq!(sum, 0);
}

#[test]
fn incompatible_profiles_are_an_error() {
    match load(&["cpu.pb.gz", "heap.pb.gz"], &[], false) {
        Err(SourceError::Merge(MergeError::NoCommonSampleTypes)) => {}
        other => panic!("expected an incompatibility error, got {other:?}"),
    }
    let spec = SourceSpec {
        sources: vec![example("cpu.pb.gz")],
        normalize: true,
        ..SourceSpec::default()
    };
    assert!(matches!(
        load_profile(&spec, &LoadOptions::default()),
        Err(SourceError::NormalizeWithoutBase)
    ));
    // Units of one family are rescaled to the finest, types must still agree.
    let a = load(&["block.pb.gz"], &[], false).expect("load");
    assert!(merge::combine(vec![a.clone(), a]).is_ok());
}

fn pprofx(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pprofx"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("run pprofx")
}

#[test]
fn cli_merge_then_top_equals_top_of_the_sources() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("merged.pb.gz").display().to_string();
    let (a, b) = (example("block.pb.gz"), example("mutex.pb.gz"));
    let m = pprofx(&["merge", "-o", &out, &a, &b]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let direct = pprofx(&["top", &a, &b]);
    let via_file = pprofx(&["top", &out]);
    assert!(direct.status.success());
    assert_eq!(
        String::from_utf8_lossy(&direct.stdout),
        String::from_utf8_lossy(&via_file.stdout)
    );

    let both = pprofx(&["top", "-base", &a, "-diff_base", &a, &b]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "-base with -diff_base is a usage error"
    );
    let heap = example("heap.pb.gz");
    let bad = pprofx(&["top", &a, &heap]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "pprofx: profiles have empty common sample type list\n"
    );
    let missing = pprofx(&["top", &a, "/nonexistent/profile.pb.gz"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("pprofx: /nonexistent/"));
}

/// Small samples of each text format, for the garbage test.
const TEXTS: [&str; 5] = [
    "heap profile: 3: 96 [7: 224] @ heap/1048576\n1: 32 [2: 64] @ 0x1 0x2\n#\t0x1\tmain.f+0x1\tm.go:1\n\n2: 64 [5: 160] @ 0x3\n",
    "goroutine profile: total 3\n2 @ 0x43 0x44\n#\t0x43\tmain.f+0x1\n\n1 @ 0x45\n",
    "--- mutex:\ncycles/second=2000000000\nsampling period=5\n100 2 @ 0x1 0x2\n",
    "--- contention:\ncycles/second=2000000000\n100 2 @ 0x1 0x2\n7 1 @ 0x3\n",
    "goroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n\ngoroutine 2 [select, 2 minutes]:\nmain.f(...)\n\t/m.go:9 +0x2\ncreated by main.main in goroutine 1\n\t/m.go:4 +0x3\n",
];

#[test]
fn legacy_samples_parse() {
    for t in TEXTS {
        let p = pprofx::decode::legacy::parse(t.as_bytes())
            .unwrap_or_else(|| panic!("not recognised: {t:?}"))
            .unwrap_or_else(|e| panic!("{e}: {t:?}"));
        assert!(!p.samples.is_empty());
    }
}

/// Pieces of the text formats, for random bodies.
const TOKENS: &[&str] = &[
    "0x1f",
    "0x0",
    " ",
    "@",
    ":",
    "[",
    "]",
    "1",
    "0",
    "-3",
    "99999999999999999999",
    "\n",
    "\t",
    "=",
    "#",
    "---",
    "goroutine 1 [x, 5 minutes]:",
    "\t/a.go:1 +0x1",
    "created by f",
    "main.f(...)",
    "cycles/second",
    "sampling period",
    "--- Memory map: ---\n",
    "MAPPED_LIBRARIES:\n",
    "400000-500000 r-xp 00000000 08:02 1 /bin/x",
    "a=b",
    "$a",
    "0x18446744073709551615",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]
    /// Truncated and corrupted text profiles give an error or a profile, never a panic.
    #[test]
    fn legacy_parsers_survive_garbage(
        which in 0usize..TEXTS.len(),
        cut in 0usize..200,
        edits in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 0..6),
    ) {
        let mut b = TEXTS[which].as_bytes().to_vec();
        for (at, byte) in edits {
            if !b.is_empty() {
                let i = at % b.len();
                b[i] = byte;
            }
        }
        b.truncate(cut.min(b.len()).max(b.len().saturating_sub(cut)));
        let _ = pprofx::decode::legacy::parse(&b);
    }

    /// A recognised header followed by arbitrary text never panics either.
    #[test]
    fn legacy_headers_with_random_bodies(
        which in 0usize..TEXTS.len(),
        tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..80),
    ) {
        let header = TEXTS[which].lines().next().unwrap_or_default();
        let text = format!("{header}\n{}", tokens.concat());
        let _ = pprofx::decode::legacy::parse(text.as_bytes());
    }
}

/// Goroutine counts per function-level stack, with the runtime's own frames
/// (`runtime.*`, `runtime/*`) removed: debug=2 tracebacks hide them, and the
/// goroutine writing the profile runs different runtime/pprof code for each
/// format.
fn counts_per_stack(p: &Profile) -> BTreeMap<Vec<String>, i64> {
    let mut out = BTreeMap::new();
    let nv = p.num_values();
    for s in 0..p.samples.len() {
        let mut names = Vec::new();
        for &l in p.samples.stack(s) {
            for line in p.locations.lines(l) {
                let name = p.str(p.functions[line.function as usize].name);
                if !(name.starts_with("runtime.") || name.starts_with("runtime/")) {
                    names.push(name.to_string());
                }
            }
        }
        *out.entry(names).or_insert(0) += p.samples.values[s * nv];
    }
    out
}

#[test]
fn goroutine_debug2_dumps_count_like_debug0_profiles() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut checked = 0;
    for name in ["go-goroutine_t1", "go-goroutine_t2"] {
        let dump: PathBuf = corpus.join(format!("{name}.debug2.txt"));
        let proto: PathBuf = corpus.join(format!("{name}.pb.gz"));
        if !dump.exists() || !proto.exists() {
            continue;
        }
        let opts = LoadOptions::default();
        let d2 = pprofx::load(&dump.display().to_string(), &opts).expect("debug=2 dump loads");
        let d0 = pprofx::load(&proto.display().to_string(), &opts).expect("profile loads");
        assert_eq!(d2.str(d2.sample_types[0].ty), "goroutine");
        let (a, b) = (counts_per_stack(&d2), counts_per_stack(&d0));
        assert_eq!(a, b, "{name}: counts per stack differ");
        let total: i64 = a.values().sum();
        eprintln!(
            "{name}: {} stacks, {total} goroutines: same counts",
            a.len()
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        2,
        "goroutine dump pairs compared in {} (pinned count)",
        corpus.display()
    );
}

#[test]
fn units_are_rescaled_to_the_finest_and_types_reordered() {
    let ns = load(&["cpu.pb.gz"], &[], false).expect("load");
    let mut us = ns.clone();
    let unit = merge::string_index(&mut us, "microseconds");
    us.sample_types[1].unit = unit;
    us.period_type.unit = unit;
    us.period /= 1000;
    for r in us.samples.values.chunks_exact_mut(2) {
        r[1] /= 1000;
    }
    // Reorder the µs profile's types: the merge follows the first profile.
    us.sample_types.reverse();
    for r in us.samples.values.chunks_exact_mut(2) {
        r.reverse();
    }
    let m = merge::combine(vec![ns.clone(), us]).expect("merge");
    assert_eq!(m.str(m.sample_types[1].unit), "nanoseconds");
    assert_eq!(m.str(m.period_type.unit), "nanoseconds");
    assert_eq!(m.period, ns.period);
    let sum = |p: &Profile, i: usize| p.samples.values.chunks_exact(2).map(|r| r[i]).sum::<i64>();
    assert_eq!(sum(&m, 0), 2 * sum(&ns, 0));
    // Go CPU values are multiples of the period, so nothing is lost in µs.
    assert_eq!(sum(&m, 1), 2 * sum(&ns, 1));
}

/// pprof's own legacy test profiles (with memory maps, C++ heapz, growthz,
/// contentionz and Go count profiles): the mappings pprofx builds are the
/// ones in pprof's `-raw` goldens (`*.string`), and so is the location count.
#[test]
fn legacy_profiles_map_like_pprof() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/profile/testdata");
    let mut checked = 0;
    for name in [
        "cppbench.contention",
        "cppbench.growth",
        "cppbench.heap",
        "gobench.heap",
        "go.godoc.thread",
    ] {
        let (file, golden) = (dir.join(name), dir.join(format!("{name}.string")));
        let Ok(expected) = std::fs::read_to_string(&golden) else {
            continue;
        };
        let p = pprofx::load(&file.display().to_string(), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mappings: Vec<String> = p
            .mappings
            .iter()
            .map(|m| {
                format!(
                    "{}: {:#x}/{:#x}/{:#x} {} {} ",
                    m.id,
                    m.memory_start,
                    m.memory_limit,
                    m.file_offset,
                    p.str(m.filename),
                    p.str(m.build_id)
                )
            })
            .collect();
        let section = expected.split("\nMappings\n").nth(1).unwrap_or_default();
        let want: Vec<&str> = section.lines().collect();
        assert_eq!(mappings, want, "{name}: mappings");
        let locations = expected
            .split("\nLocations\n")
            .nth(1)
            .unwrap_or_default()
            .split("\nMappings\n")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                l.trim_start()
                    .split(':')
                    .next()
                    .is_some_and(|n| n.parse::<u64>().is_ok())
            })
            .count();
        assert_eq!(p.locations.len(), locations, "{name}: locations");
        checked += 1;
    }
    assert_eq!(
        checked, 5,
        "pprof legacy test profiles compared (pinned count)"
    );
}

/// `p` with every sample twice (the copies after the originals), its
/// stacks stored once per sample (`share` false) or once per distinct stack.
fn doubled(p: &Profile, share: bool) -> Profile {
    use pprofx::model::Samples;
    let s = &p.samples;
    let nv = p.sample_types.len();
    let mut out = Samples::default();
    let mut seen: std::collections::HashMap<Vec<u32>, u32> = Default::default();
    for i in (0..s.len()).chain(0..s.len()) {
        let stack = s.stack(i);
        let push = |out: &mut Samples| {
            out.stack_locs.extend_from_slice(stack);
            out.stack_ends.push(out.stack_locs.len() as u32);
            (out.stack_ends.len() - 1) as u32
        };
        if share {
            let k = match seen.get(stack) {
                Some(&k) => k,
                None => {
                    let k = push(&mut out);
                    seen.insert(stack.to_vec(), k);
                    k
                }
            };
            out.stack_of.push(k);
        } else {
            push(&mut out);
        }
        out.values
            .extend_from_slice(&s.values[i * nv..(i + 1) * nv]);
        out.labels.extend_from_slice(s.labels(i));
        out.label_ends.push(out.labels.len() as u32);
    }
    let mut q = p.clone();
    q.samples = out;
    q
}

#[test]
fn shared_stacks_report_exactly_as_one_stack_per_sample() {
    use pprofx::flame::{StackTree, TreeOptions};
    use pprofx::graph::analysis::{Analysis, ReportOptions};
    use pprofx::report::top::TopReport;
    use pprofx::report::tree::{tree_options, TreeReport};
    for name in ["cpu.pb.gz", "heap.pb.gz", "mutex.pb.gz"] {
        let p = load(&[name], &[], false).expect("load");
        let (flat, shared) = (doubled(&p, false), doubled(&p, true));
        assert!(shared.samples.shares_stacks(), "{name}");
        assert!(shared.samples.stack_count() <= p.samples.len(), "{name}");
        assert_eq!(flat, shared, "{name}: same samples");
        let mean = ReportOptions {
            mean: true,
            ..ReportOptions::default()
        };
        let mut focus = ReportOptions::default();
        focus.filters.focus = "main".into();
        for opts in [ReportOptions::default(), mean, focus] {
            let text = |q: &Profile| {
                let an = Analysis::new(q, opts.clone()).expect("analysis");
                let mut top = Vec::new();
                TopReport::build(&an).write_text(&mut top).expect("top");
                let an = Analysis::new(q, tree_options(opts.clone())).expect("analysis");
                let mut tree = Vec::new();
                TreeReport::tree(&an).write_text(&mut tree).expect("tree");
                let an = Analysis::new(q, opts.clone()).expect("analysis");
                let flame = StackTree::build(
                    &an,
                    &TreeOptions {
                        min_width: 0.0,
                        reverse: false,
                    },
                )
                .stacks();
                (top, tree, flame)
            };
            assert!(text(&flat) == text(&shared), "{name} {opts:?}");
        }
    }
}
