//! The `--proto` output: the profile as a report sees it, to write back.
//!
//! As `go tool pprof -proto`, which writes its profile after editing it in
//! place: the profile's drop_frames applied (and drop_frames/keep_frames
//! cleared under `-all_frames`), then the filters (focus, ignore, hide, show,
//! show_from, tagfocus, tagignore, tagshow, taghide, prune_from), then
//! `-noinlines` (only each location's last line, no columns), and
//! `-divide_by` applied to every value (truncated to an integer). The value
//! selection (`-sample_index`, `-mean`), granularity and trimming options do
//! not change it: all sample types are kept. Ids, string indices and the
//! locations, functions and mappings no sample uses any more are kept as they
//! were, so the result reads back to the same reports.

use crate::graph::analysis::{Analysis, ReportOptions};
use crate::model::{Line, Locations, Profile, Samples};

/// pprof's option overrides for `-proto`: addresses granularity, no trimming.
pub fn proto_options(mut opts: ReportOptions) -> ReportOptions {
    opts.granularity = crate::graph::Granularity::Addresses;
    opts.trim = false;
    opts
}

/// The analysis' view of its profile as a profile of its own.
pub fn filtered_profile(an: &Analysis<'_>) -> Profile {
    let p: &crate::model::Profile = &an.profile;
    let view = &an.view;
    let noinlines = an.opts.noinlines;
    let ratio = 1.0 / an.opts.divide_by;
    let scale = ratio > 0.0 && ratio != 1.0;

    let mut locations = Locations {
        id: p.locations.id.clone(),
        mapping: p.locations.mapping.clone(),
        address: p.locations.address.clone(),
        is_folded: p.locations.is_folded.clone(),
        line_ends: Vec::with_capacity(p.locations.len()),
        lines: Vec::with_capacity(p.locations.lines.len()),
    };
    for l in 0..p.locations.len() as u32 {
        let lines = view.lines(p, l);
        if noinlines {
            if let Some(&last) = lines.last() {
                locations.lines.push(Line { column: 0, ..last });
            }
        } else {
            locations.lines.extend_from_slice(lines);
        }
        locations.line_ends.push(locations.lines.len() as u32);
    }

    let n = view.len(p);
    let mut samples = Samples {
        stack_ends: Vec::with_capacity(n),
        stack_locs: Vec::new(),
        stack_of: Vec::new(),
        values: Vec::with_capacity(n * p.num_values()),
        label_ends: Vec::with_capacity(n),
        labels: Vec::new(),
    };
    for i in 0..n {
        samples.stack_locs.extend_from_slice(view.stack(p, i));
        samples.stack_ends.push(samples.stack_locs.len() as u32);
        let values = view.values(p, i).iter();
        if scale {
            samples
                .values
                .extend(values.map(|&v| (v as f64 * ratio) as i64));
        } else {
            samples.values.extend(values);
        }
        samples.labels.extend(view.labels(p, i).copied());
        samples.label_ends.push(samples.labels.len() as u32);
    }

    let mut mappings = p.mappings.clone();
    if noinlines {
        for m in &mut mappings {
            m.has_inline_frames = false;
        }
    }
    let (drop_frames, keep_frames) = if an.opts.all_frames {
        (0, 0)
    } else {
        (p.drop_frames, p.keep_frames)
    };
    Profile {
        strings: p.strings.clone(),
        sample_types: p.sample_types.clone(),
        default_sample_type: p.default_sample_type,
        period_type: p.period_type,
        period: p.period,
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        comments: p.comments.clone(),
        drop_frames,
        keep_frames,
        doc_url: p.doc_url,
        mappings,
        functions: p.functions.clone(),
        locations,
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Function, Label, StringTable, ValueType};
    use crate::view::filter::FilterOptions;

    /// main → a → b (one sample, 10) and main → c (one sample, 5, label k=v).
    fn profile() -> Profile {
        let mut strings = StringTable::default();
        for s in ["", "samples", "count", "main", "a", "b", "c", "k", "v"] {
            strings.push(s);
        }
        let f = |id: u64, name: u32| Function {
            id,
            name,
            system_name: name,
            ..Default::default()
        };
        let line = |function: u32| Line {
            function,
            line: 1,
            column: 3,
        };
        Profile {
            strings,
            sample_types: vec![ValueType { ty: 1, unit: 2 }],
            functions: vec![f(1, 3), f(2, 4), f(3, 5), f(4, 6)],
            locations: Locations {
                id: vec![1, 2, 3],
                mapping: vec![u32::MAX; 3],
                address: vec![0x10, 0x20, 0x30],
                is_folded: vec![false; 3],
                line_ends: vec![1, 3, 4],
                // Location 2 has b inlined into a.
                lines: vec![line(0), line(2), line(1), line(3)],
            },
            samples: Samples {
                stack_ends: vec![2, 4],
                stack_locs: vec![1, 0, 2, 0],
                stack_of: vec![],
                values: vec![10, 5],
                label_ends: vec![0, 1],
                labels: vec![Label {
                    key: 7,
                    str: 8,
                    ..Default::default()
                }],
            },
            ..Default::default()
        }
    }

    #[test]
    fn filters_noinlines_and_divide_by_are_applied() {
        let p = profile();
        let opts = proto_options(ReportOptions {
            filters: FilterOptions {
                focus: "^c$".to_string(),
                ..Default::default()
            },
            noinlines: true,
            divide_by: 2.0,
            ..Default::default()
        });
        let an = Analysis::new(&p, opts).unwrap();
        let out = filtered_profile(&an);
        assert_eq!(out.samples.len(), 1);
        assert_eq!(out.samples.stack(0), [2, 0]);
        assert_eq!(out.values(0), [2]);
        assert_eq!(out.samples.labels(0).len(), 1);
        // The inlined location keeps its last (physical) line, without column.
        assert_eq!(
            out.locations.lines(1),
            [Line {
                function: 1,
                line: 1,
                column: 0
            }]
        );
    }

    #[test]
    fn unfiltered_profile_is_unchanged() {
        let p = profile();
        let an = Analysis::new(&p, proto_options(ReportOptions::default())).unwrap();
        assert_eq!(filtered_profile(&an), p);
    }

    #[test]
    fn taghide_removes_labels() {
        let p = profile();
        let opts = proto_options(ReportOptions {
            filters: FilterOptions {
                taghide: "k".to_string(),
                ..Default::default()
            },
            ..Default::default()
        });
        let an = Analysis::new(&p, opts).unwrap();
        let out = filtered_profile(&an);
        assert_eq!(out.samples.len(), 2);
        assert!(out.samples.labels.is_empty());
    }
}
