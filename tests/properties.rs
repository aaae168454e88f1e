//! Properties of the library over random but valid profiles (proptest).
//!
//! Random `pprofx::model::proto::Profile` values (a few functions, locations with
//! 1–3 lines, samples of 0–8 random locations, 1–3 sample types, optional
//! labels and mappings, sparse or dense random ids, random header fields) are
//! encoded with prost. Values are non-negative where a property needs it, and
//! may be negative (10-byte varints) elsewhere. This file proves that:
//!
//! 1. the hand-written decoder accepts every such encoding, and converting its
//!    model back with `encode::to_proto` gives exactly prost's own decoding;
//! 2. with no trimming and no drop_frames, at every granularity (with and
//!    without `noinlines`): the report total is Σ of the selected values, Σ of
//!    the nodes' flat values is that total minus what samples with an empty
//!    stack carry (all of it when no stack is empty), and every node has
//!    `0 ≤ flat ≤ cum ≤ total`;
//! 3. `TopReport` rows are in pprof's order (|flat| descending, then name; or
//!    |cum| descending under `cum`), also with negative values, and the text
//!    and JSON renderings succeed;
//! 4. decoding any truncation or single-byte corruption of a valid encoding
//!    never panics (decoding, then reporting on what was accepted), and a
//!    truncation that is accepted reads exactly as prost reads it;
//! 5. `measurement::percentage` never panics and is at least 6 characters wide
//!    (`"%5.2f%"`-style field) for any `(value, total)`;
//! 6. `graph::edges_into` weighs the same edges, with the same inline and
//!    residual flags, as a direct walk of pprof's rule, for any kept and
//!    wanted nodes;
//! 7. the aggregation's flat and cum of every node are a direct walk's, for
//!    weights small enough for its narrow 32-bit counts (in a common unit of
//!    1, 3 or 10⁷) and for weights that are not, negative ones included.

use pprofx::decode::protobuf::decode;
use pprofx::graph::analysis::{Analysis, ReportOptions};
use pprofx::graph::Granularity;
use pprofx::model::encode::to_proto;
use pprofx::model::measurement::percentage;
use pprofx::model::proto;
use pprofx::report::top::TopReport;
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use prost::Message;

/// Cases per property: enough to hit the sparse and dense id paths, empty
/// stacks, inlining and recursion, small enough to run in seconds in debug.
const CASES: u32 = 256;

/// `n` distinct ids, in random order: small (dense index path, one-byte or
/// two-byte varints), or anywhere in u64 (sparse, hash-map path).
fn ids(n: usize) -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        btree_set(1u64..64, n),
        btree_set(1u64..1024, n),
        btree_set(1u64..=u64::MAX, n)
    ]
    .prop_map(|s| s.into_iter().collect::<Vec<_>>())
    .prop_shuffle()
}

/// An index into a string table of `nstr` strings.
fn str_idx(nstr: usize) -> impl Strategy<Value = i64> {
    0..nstr as i64
}

/// A non-empty string index (names of sample types, label keys).
fn named_idx(nstr: usize) -> impl Strategy<Value = i64> {
    1..nstr as i64
}

/// Random valid profiles with non-negative sample values.
fn profile() -> impl Strategy<Value = proto::Profile> {
    profile_with(0..1 << 40)
}

/// Random valid profiles whose sample values are drawn from `values`.
fn profile_with(values: std::ops::Range<i64>) -> impl Strategy<Value = proto::Profile> {
    (
        1usize..=6, // functions
        0usize..=2, // mappings
        1usize..=8, // locations
        1usize..=3, // sample types
        1usize..=8, // non-empty-slot strings
    )
        .prop_flat_map(move |(nf, nm, nl, nt, ns)| {
            let nstr = ns + 1;
            let functions = vec(
                (named_idx(nstr), str_idx(nstr), str_idx(nstr), 0i64..300),
                nf,
            );
            let mappings = vec(
                (
                    any::<u64>(),
                    any::<u64>(),
                    str_idx(nstr),
                    str_idx(nstr),
                    any::<[bool; 4]>(),
                ),
                nm,
            );
            // (mapping slot: nm = none, address, lines (function slot, line, column), folded)
            let locations = vec(
                (
                    0..=nm,
                    any::<u64>(),
                    vec((0..nf, 0i64..500, 0i64..8), 1..=3),
                    any::<bool>(),
                ),
                nl,
            );
            let samples = vec(
                (
                    vec(0..nl, 0..=8),
                    vec(values.clone(), nt),
                    vec(
                        (named_idx(nstr), str_idx(nstr), any::<i64>(), str_idx(nstr)),
                        0..=2,
                    ),
                ),
                0..=12,
            );
            let header = (
                vec((named_idx(nstr), str_idx(nstr)), nt),
                proptest::option::of((str_idx(nstr), str_idx(nstr))),
                (0i64..i64::MAX, 0i64..1 << 45, any::<i64>()),
                vec(str_idx(nstr), 0..=2),
                (str_idx(nstr), str_idx(nstr), str_idx(nstr), str_idx(nstr)),
            );
            (
                vec("[a-zA-Z_./:]{0,10}", ns),
                ids(nf),
                ids(nm),
                ids(nl),
                functions,
                mappings,
                locations,
                samples,
                header,
            )
        })
        .prop_map(
            |(strs, fids, mids, lids, functions, mappings, locations, samples, header)| {
                let (sample_types, period_type, (time, duration, period), comment, idx4) = header;
                let (default_sample_type, doc_url, drop_frames, keep_frames) = idx4;
                let mut string_table = vec![String::new()];
                string_table.extend(strs);
                proto::Profile {
                    sample_type: sample_types
                        .into_iter()
                        .map(|(t, u)| proto::ValueType { r#type: t, unit: u })
                        .collect(),
                    sample: samples
                        .into_iter()
                        .map(|(locs, value, labels)| proto::Sample {
                            location_id: locs.into_iter().map(|l| lids[l]).collect(),
                            value,
                            label: labels
                                .into_iter()
                                .map(|(key, str, num, num_unit)| proto::Label {
                                    key,
                                    str,
                                    num,
                                    num_unit,
                                })
                                .collect(),
                        })
                        .collect(),
                    mapping: mappings
                        .into_iter()
                        .zip(&mids)
                        .map(|((start, limit, file, build, flags), &id)| proto::Mapping {
                            id,
                            memory_start: start,
                            memory_limit: limit,
                            file_offset: start / 2,
                            filename: file,
                            build_id: build,
                            has_functions: flags[0],
                            has_filenames: flags[1],
                            has_line_numbers: flags[2],
                            has_inline_frames: flags[3],
                        })
                        .collect(),
                    location: locations
                        .into_iter()
                        .zip(&lids)
                        .map(|((m, address, lines, is_folded), &id)| proto::Location {
                            id,
                            mapping_id: mids.get(m).copied().unwrap_or(0),
                            address,
                            line: lines
                                .into_iter()
                                .map(|(f, line, column)| proto::Line {
                                    function_id: fids[f],
                                    line,
                                    column,
                                })
                                .collect(),
                            is_folded,
                        })
                        .collect(),
                    function: functions
                        .into_iter()
                        .zip(&fids)
                        .map(
                            |((name, system_name, filename, start_line), &id)| proto::Function {
                                id,
                                name,
                                system_name,
                                filename,
                                start_line,
                            },
                        )
                        .collect(),
                    string_table,
                    drop_frames,
                    keep_frames,
                    time_nanos: time,
                    duration_nanos: duration,
                    period_type: period_type.map(|(t, u)| proto::ValueType { r#type: t, unit: u }),
                    period,
                    comment,
                    default_sample_type,
                    doc_url,
                }
            },
        )
}

/// A random profile without drop_frames (so no frame is pruned).
fn unpruned_profile() -> impl Strategy<Value = proto::Profile> {
    unpruned(profile())
}

/// `profiles` with drop_frames cleared.
fn unpruned(
    profiles: impl Strategy<Value = proto::Profile>,
) -> impl Strategy<Value = proto::Profile> {
    profiles.prop_map(|mut p| {
        p.drop_frames = 0;
        p
    })
}

fn granularity() -> impl Strategy<Value = Granularity> {
    prop_oneof![
        Just(Granularity::Functions),
        Just(Granularity::FileFunctions),
        Just(Granularity::Files),
        Just(Granularity::Lines),
        Just(Granularity::Addresses),
    ]
}

/// prost's decoding, with an empty period type normalised to none (the model
/// does not distinguish them).
fn oracle(bytes: &[u8]) -> Result<proto::Profile, prost::DecodeError> {
    let mut p = proto::Profile::decode(bytes)?;
    if p.period_type == Some(proto::ValueType::default()) {
        p.period_type = None;
    }
    Ok(p)
}

/// Interesting i64s for percentage: extremes, zero, ±1, and anything.
fn edgy_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0i64),
        Just(1i64),
        Just(-1i64),
        -1000i64..1000,
        any::<i64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// (1) The decoder agrees with prost on every valid encoding.
    #[test]
    fn decoder_round_trips_through_prost(p in profile_with(-(1 << 40)..1 << 40)) {
        let bytes = p.encode_to_vec();
        let decoded = decode(&bytes);
        prop_assert!(decoded.is_ok(), "valid profile rejected: {:?}", decoded.err());
        let want = oracle(&bytes).expect("prost decodes its own encoding");
        prop_assert_eq!(to_proto(&decoded.expect("checked")), want);
    }

    /// (2) Flat values partition the total; flat ≤ cum ≤ total per node.
    #[test]
    fn flat_sums_to_total_and_cum_bounds_flat(
        p in unpruned_profile(),
        granularity in granularity(),
        noinlines in any::<bool>(),
    ) {
        let bytes = p.encode_to_vec();
        let profile = decode(&bytes).expect("valid profile decodes");
        let opts = ReportOptions {
            nodefraction: 0.0,
            edgefraction: 0.0,
            granularity,
            noinlines,
            ..Default::default()
        };
        let an = Analysis::new(&profile, opts).expect("analysis of a valid profile");
        let idx = an.sel.index;
        prop_assert!(idx < p.sample_type.len());
        let total: i64 = p.sample.iter().map(|s| s.value[idx]).sum();
        let unattributed: i64 = p
            .sample
            .iter()
            .filter(|s| s.location_id.is_empty())
            .map(|s| s.value[idx])
            .sum();
        prop_assert_eq!(an.total, total, "total is Σ of the selected values");

        let w = &an.weights;
        let flat_sum: i64 = w.flat.iter().sum();
        prop_assert_eq!(
            flat_sum,
            total - unattributed,
            "Σ flat = total minus samples with empty stacks"
        );
        if unattributed == 0 {
            prop_assert_eq!(flat_sum, an.total);
        }
        for n in 0..an.nodes.len() {
            let (flat, cum) = (w.flat_value(n), w.cum_value(n));
            prop_assert!(
                0 <= flat && flat <= cum && cum <= an.total,
                "node {} ({}): flat {} cum {} total {}",
                n,
                an.nodes.printable_name(n as u32),
                flat,
                cum,
                an.total
            );
        }
    }

    /// (3) Top rows are in pprof's order and render as text and JSON.
    #[test]
    fn top_rows_are_sorted(
        p in unpruned(profile_with(-(1 << 40)..1 << 40)),
        cum in any::<bool>(),
    ) {
        let bytes = p.encode_to_vec();
        let profile = decode(&bytes).expect("valid profile decodes");
        let opts = ReportOptions { cum, ..Default::default() };
        let an = Analysis::new(&profile, opts).expect("analysis of a valid profile");
        let report = TopReport::build(&an);
        prop_assert_eq!(report.total, an.total);
        for pair in report.rows.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let key = |r: &pprofx::report::top::TopRow| {
                if cum { r.cum.unsigned_abs() } else { r.flat.unsigned_abs() }
            };
            prop_assert!(
                key(a) > key(b) || (key(a) == key(b) && a.name <= b.name),
                "rows out of order (cum={}): {:?} before {:?}",
                cum,
                a,
                b
            );
        }
        let non_negative = p.sample.iter().all(|s| s.value.iter().all(|&v| v >= 0));
        for r in report.rows.iter().filter(|_| non_negative) {
            prop_assert!(0 <= r.flat && r.flat <= r.cum && r.cum <= report.total, "{:?}", r);
        }
        let mut text = Vec::new();
        report.write_text(&mut text).expect("write to a Vec");
        let text = String::from_utf8(text).expect("UTF-8 text");
        prop_assert!(text.contains("Showing nodes accounting for"));
        prop_assert!(text.contains("      flat  flat%   sum%        cum   cum%\n"));
        let json = report.to_json();
        prop_assert_eq!(json["rows"].as_array().map(Vec::len), Some(report.rows.len()));
        prop_assert_eq!(json["total"].as_i64(), Some(report.total));
    }

    /// (4a) Truncations never panic; what is accepted matches prost.
    #[test]
    fn truncated_encodings_never_panic(p in profile_with(-9..1 << 40), cut in any::<prop::sample::Index>()) {
        let bytes = p.encode_to_vec();
        let cut = cut.index(bytes.len() + 1);
        let head = &bytes[..cut];
        match decode(head) {
            Ok(model) => {
                let want = oracle(head);
                prop_assert!(want.is_ok(), "accepted bytes prost rejects: {:?}", want.err());
                prop_assert_eq!(to_proto(&model), want.expect("checked"));
            }
            Err(e) => {
                prop_assert!(cut < bytes.len(), "full encoding rejected: {}", e);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    /// (4b) Single-byte corruptions never panic, in decoding or reporting.
    #[test]
    fn corrupted_encodings_never_panic(
        p in profile(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = p.encode_to_vec();
        prop_assume!(!bytes.is_empty());
        let i = at.index(bytes.len());
        bytes[i] = byte;
        // (No comparison with prost here: a corrupted mapping id is dropped by
        // pprofx, as by pprof, but kept by prost.)
        if let Ok(model) = decode(&bytes) {
            if let Ok(an) = Analysis::new(&model, ReportOptions::default()) {
                let report = TopReport::build(&an);
                let mut out = Vec::new();
                prop_assert!(report.write_text(&mut out).is_ok());
                prop_assert!(!out.is_empty());
            }
        }
    }

    /// (5) percentage never panics and fills at least pprof's 6-char field.
    #[test]
    fn percentage_is_at_least_six_wide(value in edgy_i64(), total in edgy_i64()) {
        let s = percentage(value, total);
        prop_assert!(s.chars().count() >= 6, "percentage({}, {}) = {:?}", value, total, s);
        prop_assert!(s.ends_with('%'), "percentage({}, {}) = {:?}", value, total, s);
        if total == 0 {
            prop_assert_eq!(s.as_str(), "    0%");
        }
        if value == total && total != 0 {
            prop_assert_eq!(s.as_str(), "  100%");
        }
    }
}

/// Everything a view exposes, for comparing two views of one profile.
fn view_contents(
    p: &pprofx::Profile,
    v: &pprofx::view::View,
) -> Vec<(usize, Vec<u32>, Vec<pprofx::model::Line>)> {
    (0..v.len(p))
        .map(|i| {
            let stack = v.stack(p, i).to_vec();
            let lines = stack
                .iter()
                .flat_map(|&l| v.lines(p, l).iter().copied())
                .collect();
            (v.sample(i), stack, lines)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every frame filter is idempotent: applying it to its own result
    /// changes nothing.
    #[test]
    fn filters_are_idempotent(pp in profile(), which in 0usize..6, rx in "[a-zA-Z_.]{1,2}") {
        let p = decode(&pp.encode_to_vec()).expect("valid profile decodes");
        let mut f = pprofx::view::filter::FilterOptions::default();
        match which {
            0 => f.focus = rx,
            1 => f.ignore = rx,
            2 => f.hide = rx,
            3 => f.show = rx,
            4 => f.show_from = rx,
            _ => f.prune_from = rx,
        }
        let once = pprofx::view::filter::apply(&p, pprofx::view::View::all(), &f).expect("valid regex").view;
        let twice = pprofx::view::filter::apply(&p, once.clone(), &f).expect("valid regex").view;
        prop_assert_eq!(view_contents(&p, &once), view_contents(&p, &twice));
    }
}

/// pprof's edge rule written as plainly as possible: walk each stack from the
/// root over kept nodes; an edge into a wanted callee counts once per sample,
/// at its first occurrence, is inline only if every counted occurrence was
/// an inlined line, and residual if any jumped over dropped nodes.
fn edges_by_direct_walk(
    an: &Analysis<'_>,
    kept: &[bool],
    want: &[bool],
) -> std::collections::BTreeMap<(u32, u32), (i64, bool, bool)> {
    let (p, view, nodes) = (&*an.profile, &an.view, &an.nodes);
    let mut edges = std::collections::BTreeMap::new();
    for s in 0..view.len(p) {
        let v = view.values(p, s)[an.sel.index];
        if v == 0 {
            continue;
        }
        let mut seen = Vec::new();
        let (mut parent, mut residual) = (None, false);
        for &loc in view.stack(p, s).iter().rev() {
            let locn = nodes.location(loc);
            for (ni, &node) in locn.iter().enumerate().rev() {
                if !kept[node as usize] {
                    residual = true;
                    continue;
                }
                if let Some(caller) = parent.filter(|&c| c != node && want[node as usize]) {
                    if !seen.contains(&(caller, node)) {
                        seen.push((caller, node));
                        let inline = ni != locn.len() - 1;
                        let e = edges.entry((caller, node)).or_insert((0, true, false));
                        e.0 += v;
                        e.1 &= inline;
                        e.2 |= residual;
                    }
                }
                parent = Some(node);
                residual = false;
            }
        }
    }
    edges
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    /// `graph::edges_into` (precomputed per-location steps, fixed in-location
    /// edges) weighs exactly the edges the direct walk does, for any kept
    /// and wanted nodes, at any granularity.
    #[test]
    fn edges_match_the_direct_walk(
        pp in unpruned(profile()),
        granularity in granularity(),
        noinlines in any::<bool>(),
        kept_bits in any::<u64>(),
        want_bits in any::<u64>(),
    ) {
        let p = decode(&pp.encode_to_vec()).expect("valid profile decodes");
        let opts = ReportOptions { granularity, noinlines, ..Default::default() };
        let an = Analysis::new(&p, opts).expect("analysis of a valid profile");
        let n = an.nodes.len();
        // Mostly kept and wanted, so that long chains, residual jumps and
        // in-location edges all occur.
        let bit = |bits: u64, i: usize| bits >> (i % 64) & 1 == 1 || i % 3 == 0;
        let kept: Vec<bool> = (0..n).map(|i| bit(kept_bits, i) || bit(kept_bits, i + 7)).collect();
        let want: Vec<bool> = (0..n).map(|i| bit(want_bits, i)).collect();
        let got: std::collections::BTreeMap<_, _> =
            pprofx::graph::edges_into(
                &p,
                &an.view,
                &an.nodes,
                &an.sel,
                an.stack_sums.as_ref(),
                &kept,
                &want,
            )
                .into_iter()
                .map(|(k, e)| (k, (e.weight, e.inline, e.residual)))
                .collect();
        prop_assert_eq!(got, edges_by_direct_walk(&an, &kept, &want));
    }
}

/// Flat and cum of every node by pprof's rule, sample by sample: a sample's
/// value goes to the flat of its leaf location's innermost node and, once,
/// to the cum of every node in its stack.
fn weights_by_direct_walk(an: &Analysis<'_>) -> (Vec<i64>, Vec<i64>) {
    let (p, view, nodes) = (&*an.profile, &an.view, &an.nodes);
    let (mut flat, mut cum) = (vec![0i64; nodes.len()], vec![0i64; nodes.len()]);
    for s in 0..view.len(p) {
        let v = view.values(p, s)[an.sel.index];
        let stack = view.stack(p, s);
        let mut seen = Vec::new();
        for &loc in stack {
            for &node in nodes.location(loc) {
                if !seen.contains(&node) {
                    seen.push(node);
                    cum[node as usize] += v;
                }
            }
        }
        if let Some(&leaf) = stack.first().and_then(|&l| nodes.location(l).first()) {
            flat[leaf as usize] += v;
        }
    }
    (flat, cum)
}

/// `profiles` with every sample value multiplied by `unit`.
fn scaled(
    profiles: impl Strategy<Value = proto::Profile>,
) -> impl Strategy<Value = proto::Profile> {
    (profiles, prop_oneof![Just(1i64), Just(3), Just(10_000_000)]).prop_map(|(mut p, unit)| {
        for s in &mut p.sample {
            for v in &mut s.value {
                *v *= unit;
            }
        }
        p
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    /// (7) `graph::aggregate` (narrow or wide slots, over samples or over
    /// distinct stacks) gives every node the direct walk's flat and cum.
    #[test]
    fn weights_match_the_direct_walk(
        pp in prop_oneof![scaled(profile_with(-50..50)), profile_with(-(1 << 40)..1 << 40)],
        granularity in granularity(),
        noinlines in any::<bool>(),
    ) {
        let p = decode(&pp.encode_to_vec()).expect("valid profile decodes");
        let opts = ReportOptions { granularity, noinlines, ..Default::default() };
        let an = Analysis::new(&p, opts).expect("analysis of a valid profile");
        let (flat, cum) = weights_by_direct_walk(&an);
        prop_assert_eq!(&an.weights.flat, &flat);
        prop_assert_eq!(&an.weights.cum, &cum);
    }
}
