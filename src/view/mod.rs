//! A filtered view of a profile: which samples, which frames, which lines.
//!
//! The decoded [`Profile`] never changes. Everything that pprof does by
//! editing its profile in place — the profile's own drop_frames, and the
//! report filters (focus, ignore, hide, show, show_from, tag filters,
//! prune_from) — is expressed as a [`View`]: per location, the lines to use;
//! per kept sample, its stack. A view that changes nothing borrows the
//! profile's own arrays, so the common case costs nothing. Each filter is a
//! function from one view to the next, and aggregation reads stacks and lines
//! only through a view.

pub mod filter;
pub mod prune;
pub mod regex;
pub mod select;
pub mod tagroot;

use crate::model::{Label, Line, Profile};

/// Lines per location, when some location's lines differ from the profile's.
#[derive(Debug, Clone, Default)]
struct ViewLines {
    ends: Vec<u32>,
    lines: Vec<Line>,
}

/// The kept samples and their stacks, when they differ from the profile's.
#[derive(Debug, Clone, Default)]
struct ViewSamples {
    /// Original sample index of each kept sample.
    index: Vec<u32>,
    /// End (exclusive) of each kept sample's stack in `locs`.
    ends: Vec<u32>,
    /// Location indices, each stack leaf first.
    locs: Vec<u32>,
}

/// Which samples, stacks and lines later stages see. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct View {
    lines: Option<ViewLines>,
    samples: Option<ViewSamples>,
    /// Label keys (string indices, sorted) removed by tagshow/taghide.
    hidden_label_keys: Option<Vec<u32>>,
}

impl View {
    /// The whole profile, unchanged.
    pub fn all() -> View {
        View::default()
    }

    /// Number of samples in the view.
    pub fn len(&self, p: &Profile) -> usize {
        match &self.samples {
            Some(s) => s.index.len(),
            None => p.samples.len(),
        }
    }

    /// True if the view has no samples.
    pub fn is_empty(&self, p: &Profile) -> bool {
        self.len(p) == 0
    }

    /// True when the view has every sample with the profile's own stack (no
    /// sample filter or frame filter): then its sample `i` is the profile's,
    /// and stacks the profile shares between samples are shared here too.
    pub fn has_profile_samples(&self) -> bool {
        self.samples.is_none()
    }

    /// The profile's index of the view's sample `i` (for values and labels).
    #[inline(always)]
    pub fn sample(&self, i: usize) -> usize {
        match &self.samples {
            Some(s) => s.index[i] as usize,
            None => i,
        }
    }

    /// The stack of the view's sample `i`, leaf first.
    #[inline(always)]
    pub fn stack<'a>(&'a self, p: &'a Profile, i: usize) -> &'a [u32] {
        match &self.samples {
            Some(s) => {
                let start = if i == 0 { 0 } else { s.ends[i - 1] as usize };
                &s.locs[start..s.ends[i] as usize]
            }
            None => p.samples.stack(i),
        }
    }

    /// The values of the view's sample `i`.
    #[inline(always)]
    pub fn values<'a>(&self, p: &'a Profile, i: usize) -> &'a [i64] {
        p.values(self.sample(i))
    }

    /// The lines of location `loc` as the view sees them (innermost first).
    #[inline(always)]
    pub fn lines<'a>(&'a self, p: &'a Profile, loc: u32) -> &'a [Line] {
        match &self.lines {
            Some(v) => {
                let i = loc as usize;
                let start = if i == 0 { 0 } else { v.ends[i - 1] as usize };
                &v.lines[start..v.ends[i] as usize]
            }
            None => p.locations.lines(loc),
        }
    }

    /// A view whose location lines are rewritten by `f`, which gets each
    /// location's current lines and pushes the ones to keep into `out`.
    pub fn map_lines(self, p: &Profile, mut f: impl FnMut(u32, &[Line], &mut Vec<Line>)) -> View {
        let n = p.locations.len();
        let mut new = ViewLines {
            ends: Vec::with_capacity(n),
            lines: Vec::with_capacity(p.locations.lines.len()),
        };
        for l in 0..n as u32 {
            f(l, self.lines(p, l), &mut new.lines);
            new.ends.push(new.lines.len() as u32);
        }
        View {
            lines: Some(new),
            ..self
        }
    }

    /// A view whose samples are rewritten by `f`, which gets each sample's
    /// original index and current stack, pushes the frames to keep into `out`
    /// and returns whether to keep the sample at all.
    pub fn map_samples(
        self,
        p: &Profile,
        mut f: impl FnMut(usize, &[u32], &mut Vec<u32>) -> bool,
    ) -> View {
        let n = self.len(p);
        let mut new = ViewSamples {
            index: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            locs: Vec::new(),
        };
        for i in 0..n {
            let orig = self.sample(i);
            let before = new.locs.len();
            if f(orig, self.stack(p, i), &mut new.locs) {
                new.index.push(orig as u32);
                new.ends.push(new.locs.len() as u32);
            } else {
                new.locs.truncate(before);
            }
        }
        View {
            samples: Some(new),
            ..self
        }
    }

    /// Whether the view keeps labels whose key is string `key` (tagshow and
    /// taghide remove label keys from samples).
    #[inline]
    pub fn label_key_visible(&self, key: u32) -> bool {
        match &self.hidden_label_keys {
            Some(h) => h.binary_search(&key).is_err(),
            None => true,
        }
    }

    /// The labels of the view's sample `i` that the view keeps.
    pub fn labels<'a>(&'a self, p: &'a Profile, i: usize) -> impl Iterator<Item = &'a Label> + 'a {
        p.samples
            .labels(self.sample(i))
            .iter()
            .filter(move |l| self.label_key_visible(l.key))
    }

    /// A view that also hides the labels whose key is one of the string
    /// indices `keys`.
    pub fn hide_label_keys(mut self, keys: impl IntoIterator<Item = u32>) -> View {
        let mut all = self.hidden_label_keys.take().unwrap_or_default();
        all.extend(keys);
        all.sort_unstable();
        all.dedup();
        self.hidden_label_keys = (!all.is_empty()).then_some(all);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Function, Line, Locations, Samples, StringTable};

    fn profile() -> Profile {
        let mut strings = StringTable::default();
        strings.push("");
        Profile {
            strings,
            functions: vec![Function::default(); 2],
            locations: Locations {
                id: vec![1, 2],
                mapping: vec![u32::MAX; 2],
                address: vec![0; 2],
                is_folded: vec![false; 2],
                line_ends: vec![2, 3],
                lines: vec![
                    Line {
                        function: 0,
                        line: 1,
                        column: 0,
                    },
                    Line {
                        function: 1,
                        line: 2,
                        column: 0,
                    },
                    Line {
                        function: 1,
                        line: 3,
                        column: 0,
                    },
                ],
            },
            samples: Samples {
                stack_ends: vec![2, 3],
                stack_locs: vec![0, 1, 1],
                stack_of: vec![],
                values: vec![5, 7],
                label_ends: vec![0, 0],
                labels: vec![],
            },
            sample_types: vec![Default::default()],
            ..Default::default()
        }
    }

    #[test]
    fn identity_view_borrows_the_profile() {
        let p = profile();
        let v = View::all();
        assert_eq!(v.len(&p), 2);
        assert_eq!(v.stack(&p, 0), [0, 1]);
        assert_eq!(v.lines(&p, 0).len(), 2);
        assert_eq!(v.values(&p, 1), [7]);
    }

    #[test]
    fn rewritten_views_keep_original_indices() {
        let p = profile();
        let v = View::all()
            .map_samples(&p, |s, stack, out| {
                out.extend_from_slice(&stack[1..]);
                s == 1
            })
            .map_lines(&p, |l, lines, out| {
                if l == 0 {
                    out.push(lines[1]);
                } else {
                    out.extend_from_slice(lines);
                }
            });
        assert_eq!(v.len(&p), 1);
        assert_eq!(v.sample(0), 1);
        assert_eq!(v.stack(&p, 0), [] as [u32; 0]);
        assert_eq!(v.values(&p, 0), [7]);
        assert_eq!(
            v.lines(&p, 0),
            [Line {
                function: 1,
                line: 2,
                column: 0
            }]
        );
    }
}
