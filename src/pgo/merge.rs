//! `pprofx pgo merge`: one `default.pgo` from several CPU profiles, with
//! integer weights, keeping `start_line`.
//!
//! Each input's sample values are multiplied by its weight, then the
//! profiles are merged with pprof's rules ([`crate::combine::merge`]), which
//! keep every function's `start_line`. Inputs without `start_line` or
//! without a CPU sample type are refused, all named at once. Optionally the
//! stacks are cut to their last N locations (the compiler reads two) and the
//! labels dropped; samples that become equal are summed, which makes the
//! file smaller. The merged edges are checked against the weighted sums of
//! the inputs' edges before anything is written.

use super::edges::{self, EdgeTable};
use super::input::{merge_profiles, sum_tables};
use super::report::Warning;
use crate::combine::merge::{self, MergeError};
use crate::model::{Profile, Samples};

/// Options of the merge.
#[derive(Debug, Clone, Default)]
pub struct MergeOptions {
    /// One weight per input (empty: all 1). Weights are positive integers,
    /// so the merged weights are exact sums.
    pub weights: Vec<i64>,
    /// Keep only the last N locations of each stack (N ≥ 2).
    pub keep_leaves: Option<usize>,
    /// Drop sample labels (PGO does not read them).
    pub drop_labels: bool,
}

/// Why the merge was refused.
#[derive(Debug, thiserror::Error)]
pub enum PgoMergeError {
    /// Inputs without `start_line`.
    #[error("{}: no Function.start_line: go build -pgo would reject the merge or match none of their call sites (`go tool pprof -proto` drops start_line, pprof#823; use the profiles as the runtime wrote them)", .0.join(", "))]
    NoStartLine(Vec<String>),
    /// Inputs without a CPU sample type.
    #[error("{}: no samples/count or cpu/nanoseconds sample type: PGO needs CPU profiles", .0.join(", "))]
    NoSampleType(Vec<String>),
    /// `--weight` does not give one weight per input.
    #[error("--weight gives {given} weights for {inputs} profiles")]
    WeightCount {
        /// Weights given.
        given: usize,
        /// Inputs.
        inputs: usize,
    },
    /// A weight below 1.
    #[error("--weight: weights are positive integers, got {0}")]
    BadWeight(i64),
    /// `--keep_leaves` below 2.
    #[error("--keep_leaves: the compiler reads the last two locations of each stack; keep at least 2, got {0}")]
    KeepTooFew(usize),
    /// A weighted value does not fit 64 bits.
    #[error("{0}: a sample value times its weight overflows 64 bits")]
    Overflow(String),
    /// The profiles cannot be merged.
    #[error("{0}")]
    Merge(#[from] MergeError),
    /// The merged edges are not the weighted sums (a bug; nothing written).
    #[error("the merged profile's edges differ from the weighted sums of the inputs' edges ({0}); nothing was written")]
    Mismatch(String),
}

/// The merged profile and what is known about it.
#[derive(Debug)]
pub struct Merged {
    /// The profile to write.
    pub profile: Profile,
    /// Its edges.
    pub table: EdgeTable,
    /// Each input's edges, unweighted.
    pub inputs: Vec<EdgeTable>,
    /// The weights used.
    pub weights: Vec<i64>,
    /// Things the user should know.
    pub warnings: Vec<Warning>,
    /// The merged edges were checked against the weighted sums.
    pub verified: bool,
}

/// Multiplies every sample value of `p` by `w`.
fn scale(p: &mut Profile, w: i64) -> Option<()> {
    if w == 1 {
        return Some(());
    }
    for v in &mut p.samples.values {
        *v = v.checked_mul(w)?;
    }
    Some(())
}

/// Keeps the `n` leaf-most locations of every stack; drops labels if asked.
pub fn trim(p: &mut Profile, keep_leaves: Option<usize>, drop_labels: bool) {
    let old = std::mem::take(&mut p.samples);
    let mut s = Samples {
        values: old.values.clone(),
        ..Samples::default()
    };
    for i in 0..old.len() {
        let stack = old.stack(i);
        let n = keep_leaves.map_or(stack.len(), |k| k.min(stack.len()));
        s.stack_locs.extend_from_slice(&stack[..n]);
        s.stack_ends.push(s.stack_locs.len() as u32);
        if !drop_labels {
            s.labels.extend_from_slice(old.labels(i));
        }
        s.label_ends.push(s.labels.len() as u32);
    }
    p.samples = s;
}

/// The sampling period of `p` in nanoseconds, if its period type is CPU time.
fn period_ns(p: &Profile) -> Option<i64> {
    let unit = p.str(p.period_type.unit);
    let scale = match unit {
        "nanoseconds" => 1,
        "microseconds" => 1_000,
        "milliseconds" => 1_000_000,
        "seconds" => 1_000_000_000,
        _ => return None,
    };
    (p.period > 0).then(|| p.period.saturating_mul(scale))
}

/// Merges `inputs` (name, profile) as `opts` asks.
pub fn weighted_merge(
    inputs: Vec<(String, Profile)>,
    opts: &MergeOptions,
) -> Result<Merged, PgoMergeError> {
    let weights = if opts.weights.is_empty() {
        vec![1; inputs.len()]
    } else {
        opts.weights.clone()
    };
    if weights.len() != inputs.len() {
        return Err(PgoMergeError::WeightCount {
            given: weights.len(),
            inputs: inputs.len(),
        });
    }
    if let Some(&w) = weights.iter().find(|&&w| w < 1) {
        return Err(PgoMergeError::BadWeight(w));
    }
    if let Some(k) = opts.keep_leaves.filter(|&k| k < 2) {
        return Err(PgoMergeError::KeepTooFew(k));
    }
    let mut no_type = Vec::new();
    let mut no_start = Vec::new();
    let mut tables = Vec::with_capacity(inputs.len());
    for (name, p) in &inputs {
        match edges::compute(p) {
            Err(_) => no_type.push(name.clone()),
            Ok(c) if !c.has_start_line => no_start.push(name.clone()),
            Ok(c) => tables.push(c.table),
        }
    }
    if !no_type.is_empty() {
        return Err(PgoMergeError::NoSampleType(no_type));
    }
    if !no_start.is_empty() {
        return Err(PgoMergeError::NoStartLine(no_start));
    }
    let mut warnings = Vec::new();
    let periods: Vec<(String, i64)> = inputs
        .iter()
        .filter_map(|(n, p)| period_ns(p).map(|ns| (n.clone(), ns)))
        .collect();
    if periods.windows(2).any(|w| w[0].1 != w[1].1) {
        let list: Vec<String> = periods
            .iter()
            .map(|(n, ns)| format!("{n} {}Hz", 1_000_000_000 / ns.max(&1)))
            .collect();
        warnings.push(Warning::new(
            "different_rates",
            format!(
                "the profiles were sampled at different rates ({}): PGO weighs samples/count, \
                 so a profile taken at a higher rate counts for more per second",
                list.join(", ")
            ),
        ));
    }
    let mut profiles = Vec::with_capacity(inputs.len());
    for ((name, mut p), &w) in inputs.into_iter().zip(&weights) {
        scale(&mut p, w).ok_or_else(|| PgoMergeError::Overflow(name.clone()))?;
        profiles.push(p);
    }
    let mut out = merge_profiles(profiles)?;
    if opts.keep_leaves.is_some() || opts.drop_labels {
        trim(&mut out, opts.keep_leaves, opts.drop_labels);
        out.ensure_mapping();
        out = merge::merge(std::slice::from_ref(&out))?;
    }
    let table = edges::compute(&out)
        .map(|c| c.table)
        .map_err(|e| PgoMergeError::Mismatch(e.to_string()))?;
    // The merged edges must be Σ weight × input edges.
    let same_type = tables
        .iter()
        .all(|t| t.sample_type.is_none() || t.sample_type == table.sample_type);
    let mut verified = false;
    if same_type {
        let scaled: Vec<EdgeTable> = tables
            .iter()
            .zip(&weights)
            .map(|(t, &w)| {
                let mut t = t.clone();
                for e in &mut t.edges {
                    e.weight = e.weight.wrapping_mul(w);
                }
                t
            })
            .collect();
        let want = sum_tables(&scaled);
        let got = table.weights();
        let want_w = want.weights();
        let differ = want_w
            .iter()
            .filter(|(_, w)| **w != 0)
            .find(|(k, w)| got.get(*k) != Some(*w))
            .map(|(k, w)| {
                format!(
                    "{}:{} -> {}: want {w}, got {}",
                    k.caller,
                    k.call_site_offset,
                    k.callee,
                    got.get(*k).copied().unwrap_or(0)
                )
            })
            .or_else(|| {
                got.iter()
                    .filter(|(_, w)| **w != 0)
                    .find(|(k, _)| !want_w.contains_key(*k))
                    .map(|(k, w)| {
                        format!(
                            "{}:{} -> {}: want 0, got {w}",
                            k.caller, k.call_site_offset, k.callee
                        )
                    })
            });
        if let Some(d) = differ {
            return Err(PgoMergeError::Mismatch(d));
        }
        verified = true;
    } else {
        warnings.push(Warning::new(
            "sample_type_changed",
            format!(
                "the profiles do not share their PGO sample type: the merge weighs edges by {}",
                table.sample_type.as_deref().unwrap_or("nothing")
            ),
        ));
    }
    Ok(Merged {
        profile: out,
        table,
        inputs: tables,
        weights,
        warnings,
        verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgo::testutil::CpuBuilder;

    fn profile(stacks: &[(&[(&str, i64)], i64)]) -> Profile {
        let mut b = CpuBuilder::new();
        for (stack, w) in stacks {
            let locs: Vec<u32> = stack.iter().map(|&(f, l)| b.frame(f, 10, l)).collect();
            b.sample(&locs, *w);
        }
        b.finish()
    }

    #[test]
    fn weighted_sums_and_trimming() {
        let a = profile(&[(&[("leaf", 11), ("mid", 12), ("root", 13)], 3)]);
        let b = profile(&[
            (&[("leaf", 11), ("mid", 12), ("main", 14)], 2),
            (&[("other", 11), ("mid", 15)], 1),
        ]);
        let opts = MergeOptions {
            weights: vec![2, 1],
            keep_leaves: Some(2),
            drop_labels: true,
        };
        let m = weighted_merge(vec![("a".into(), a), ("b".into(), b)], &opts).unwrap();
        assert!(m.verified);
        let e: Vec<(String, i64)> = m
            .table
            .edges
            .iter()
            .map(|e| {
                (
                    format!(
                        "{}:{}->{}",
                        e.key.caller, e.key.call_site_offset, e.key.callee
                    ),
                    e.weight,
                )
            })
            .collect();
        assert_eq!(
            e,
            [
                ("mid:2->leaf".to_string(), 8),
                ("mid:5->other".to_string(), 1)
            ]
        );
        // Trimmed to two locations, the two mid->leaf samples became one.
        assert_eq!(m.profile.samples.len(), 2);
        assert!((0..2).all(|s| m.profile.samples.stack(s).len() == 2));
    }

    #[test]
    fn refusals_name_the_inputs() {
        let ok = profile(&[(&[("leaf", 11), ("mid", 12)], 3)]);
        let mut b = CpuBuilder::new();
        let l = b.frame("f", 0, 3);
        let m = b.frame("g", 0, 4);
        b.sample(&[l, m], 1);
        let bad = b.finish();
        let err = weighted_merge(
            vec![("good.pb.gz".into(), ok.clone()), ("old.pb.gz".into(), bad)],
            &MergeOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("old.pb.gz: no Function.start_line"),
            "{err}"
        );
        let err = weighted_merge(
            vec![("a".into(), ok.clone())],
            &MergeOptions {
                weights: vec![1, 2],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PgoMergeError::WeightCount {
                given: 2,
                inputs: 1
            }
        ));
        let err = weighted_merge(
            vec![("a".into(), ok)],
            &MergeOptions {
                keep_leaves: Some(1),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, PgoMergeError::KeepTooFew(1)));
    }
}
