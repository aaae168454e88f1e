//! Go 1.27 goroutine dumps (`debug=2`) read as the profiles taken with them.
//!
//! `examples/goroutine-dump` parks goroutines under `pprof.Do` labels
//! (some quoted in the dump: `"t 1"`, `"user id"`), leaked ones (found by
//! the leak detector: `[chan send (leaked)]`) and ones locked to their
//! threads, then writes at one moment `goroutineleak.pb.gz`,
//! `goroutine127.pb.gz` (`debug=0`) and `goroutine127.debug2.txt` into
//! `examples/profiles/`. The dump must give the same number of goroutines
//! as the profile, per label too, and its leaked goroutines must be the
//! leak profile's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pprofx::{LoadOptions, Profile};

mod common;

fn load(name: &str) -> Profile {
    let path: PathBuf = common::repo_root().join("examples/profiles").join(name);
    pprofx::load(&path.display().to_string(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Goroutines per (label key, value), for the keys in `keys` (all when
/// `None`).
fn per_label(p: &Profile, keys: Option<&[String]>) -> BTreeMap<(String, String), i64> {
    let mut out = BTreeMap::new();
    for s in 0..p.samples.len() {
        for l in p.samples.labels(s) {
            let key = p.str(l.key).to_string();
            if keys.is_some_and(|k| !k.contains(&key)) {
                continue;
            }
            *out.entry((key, p.str(l.str).to_string())).or_insert(0) += p.values(s)[0];
        }
    }
    out
}

fn total(p: &Profile) -> i64 {
    (0..p.samples.len()).map(|s| p.values(s)[0]).sum()
}

#[test]
fn debug2_dump_counts_like_the_debug0_profile() {
    let d0 = load("goroutine127.pb.gz");
    let d2 = load("goroutine127.debug2.txt");
    assert_eq!(
        total(&d2),
        total(&d0),
        "goroutines in the dump and the profile"
    );
    let keys: Vec<String> = per_label(&d0, None).into_keys().map(|k| k.0).collect();
    let want = per_label(&d0, None);
    let got = per_label(&d2, Some(&keys));
    assert_eq!(got, want, "goroutines per label");
    assert!(want.contains_key(&("tenant".to_string(), "t 1".to_string())));
    assert!(want.contains_key(&("user id".to_string(), "élan \"x\"".to_string())));
    eprintln!(
        "{} goroutines, {} label values: same counts",
        total(&d0),
        want.len()
    );
}

#[test]
fn status_words_are_in_the_state_label() {
    let d2 = load("goroutine127.debug2.txt");
    let states = per_label(&d2, Some(&["state".to_string()]));
    let count = |s: &str| states.get(&("state".to_string(), s.to_string())).copied();
    assert_eq!(count("chan send (leaked)"), Some(3), "{states:?}");
    assert_eq!(
        count("chan receive, locked to thread"),
        Some(2),
        "{states:?}"
    );
    // The leak profile (debug=0) lists the leaked goroutines, with labels.
    let leak = load("goroutineleak.pb.gz");
    assert_eq!(d2.str(d2.sample_types[0].ty), "goroutine");
    assert_eq!(leak.str(leak.sample_types[0].ty), "goroutineleak");
    assert_eq!(total(&leak), 3);
    let leaked_labels = per_label(&leak, None);
    let mut from_dump: BTreeMap<(String, String), i64> = BTreeMap::new();
    for s in 0..d2.samples.len() {
        let labels = d2.samples.labels(s);
        if !labels
            .iter()
            .any(|l| d2.str(l.key) == "state" && d2.str(l.str).contains("(leaked)"))
        {
            continue;
        }
        for l in labels {
            let key = d2.str(l.key);
            if !["state", "wait_minutes", "created_by"].contains(&key) {
                *from_dump
                    .entry((key.to_string(), d2.str(l.str).to_string()))
                    .or_insert(0) += d2.values(s)[0];
            }
        }
    }
    assert_eq!(from_dump, leaked_labels, "labels of the leaked goroutines");
}

#[test]
fn tags_show_the_dump_labels() {
    let dir = common::repo_root().join("examples/profiles");
    let out = common::run_pprofx(
        &["tags".to_string(), "goroutine127.debug2.txt".to_string()],
        &dir,
    )
    .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        " handler: Total 8 of 17",
        "5 (29.41%): /api/orders",
        " user id: Total 1 of 17",
        "élan \"x\"",
        "chan send (leaked)",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
}
