//! The profile's own `drop_frames` / `keep_frames` rules.
//!
//! A profile may name uninteresting frames (allocator internals, profiler
//! signal handlers) in `drop_frames`. pprof cuts every stack at the rootmost
//! such frame that follows at least one other frame, and trims the inlined
//! lines of a matching location down to those outside the match. This module
//! computes that cut once, as a per-location count of leading lines to skip
//! and a per-sample count of leaf-side frames to skip, so later stages read
//! stacks through [`Pruned::stack`] without copying them.

use regex::Regex;

use crate::error::OptionError;
use crate::model::Profile;

/// The result of applying drop_frames/keep_frames: what to skip where.
#[derive(Debug, Clone, Default)]
pub struct Pruned {
    /// Leading (innermost) lines to skip per location; empty = none anywhere.
    line_skip: Vec<u32>,
    /// Leaf-side frames to skip per sample; empty = none anywhere.
    frame_skip: Vec<u32>,
}

impl Pruned {
    /// No pruning at all.
    pub fn none() -> Self {
        Pruned::default()
    }

    /// Applies the profile's drop_frames/keep_frames (anchored regexes), unless
    /// `all_frames` is set or the profile has no drop_frames.
    pub fn from_profile(p: &Profile, all_frames: bool) -> Result<Self, OptionError> {
        let drop = p.str(p.drop_frames);
        if all_frames || drop.is_empty() {
            return Ok(Pruned::none());
        }
        let compile = |pat: &str| {
            Regex::new(&format!("^(?:{pat})$")).map_err(|e| OptionError::Regex {
                pattern: pat.to_string(),
                message: e.to_string(),
            })
        };
        let drop_rx = compile(drop)?;
        let keep = p.str(p.keep_frames);
        let keep_rx = if keep.is_empty() {
            None
        } else {
            Some(compile(keep)?)
        };

        // Decide once per function.
        let prune_fn: Vec<bool> = p
            .functions
            .iter()
            .map(|f| {
                let name = p.str(f.name);
                if name.is_empty() {
                    return false;
                }
                let simple = simplify_func(name);
                drop_rx.is_match(simple) && !keep_rx.as_ref().is_some_and(|k| k.is_match(simple))
            })
            .collect();

        // Per location: prune whole (`prune`) or beneath a line (`beneath`).
        let nloc = p.locations.len();
        let mut line_skip = vec![0u32; nloc];
        let mut prune = vec![false; nloc];
        let mut beneath = vec![false; nloc];
        for l in 0..nloc {
            let lines = p.locations.lines(l as u32);
            if let Some(i) = (0..lines.len())
                .rev()
                .find(|&i| prune_fn[lines[i].function as usize])
            {
                beneath[l] = true;
                if i == lines.len() - 1 {
                    prune[l] = true;
                } else {
                    line_skip[l] = (i + 1) as u32;
                }
            }
        }

        let mut frame_skip = vec![0u32; p.samples.len()];
        for (s, skip) in frame_skip.iter_mut().enumerate() {
            let stack = p.samples.stack(s);
            let mut found_user = false;
            for i in (0..stack.len()).rev() {
                let l = stack[i] as usize;
                if !prune[l] && !beneath[l] {
                    found_user = true;
                    continue;
                }
                if !found_user {
                    continue;
                }
                *skip = if prune[l] { i + 1 } else { i } as u32;
                break;
            }
        }
        Ok(Pruned {
            line_skip,
            frame_skip,
        })
    }

    /// Lines to skip at the start of location `l`.
    #[inline(always)]
    pub fn line_skip(&self, l: u32) -> usize {
        self.line_skip.get(l as usize).map_or(0, |&s| s as usize)
    }

    /// The stack of sample `s` after pruning, leaf first.
    #[inline(always)]
    pub fn stack<'p>(&self, p: &'p Profile, s: usize) -> &'p [u32] {
        let stack = p.samples.stack(s);
        match self.frame_skip.get(s) {
            Some(&k) => &stack[(k as usize).min(stack.len())..],
            None => stack,
        }
    }
}

/// pprof's `simplifyFunc`: drops a leading `.` and cuts the name at the first
/// `(` that does not start `(anonymous namespace)` or `operator()`.
pub fn simplify_func(f: &str) -> &str {
    let name = f.strip_prefix('.').unwrap_or(f);
    const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Leftmost match of "(anonymous namespace)|operator()|(" at i.
        if let Some(r) = RESERVED
            .iter()
            .find(|r| bytes[i..].starts_with(r.as_bytes()))
        {
            i += r.len();
            continue;
        }
        if bytes[i] == b'(' {
            return &name[..i];
        }
        i += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify() {
        assert_eq!(simplify_func(".foo"), "foo");
        assert_eq!(simplify_func("foo(int)"), "foo");
        assert_eq!(
            simplify_func("(anonymous namespace)::f(int)"),
            "(anonymous namespace)::f"
        );
        assert_eq!(simplify_func("X::operator()(int)"), "X::operator()");
        assert_eq!(simplify_func("main.(*T).m"), "main.");
        assert_eq!(simplify_func("plain"), "plain");
    }
}
