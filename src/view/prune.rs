//! The profile's own `drop_frames` / `keep_frames` rules.
//!
//! A profile may name uninteresting frames (allocator internals, profiler
//! signal handlers) in `drop_frames`. pprof cuts every stack at the rootmost
//! such frame that follows at least one other frame, and trims the inlined
//! lines of a matching location down to those outside the match. [`drop_frames`]
//! does the same as a [`View`] transformation, deciding once per function.

use crate::error::OptionError;
use crate::model::Profile;
use crate::view::View;

/// Applies the profile's drop_frames/keep_frames (anchored regexes) to `view`,
/// unless `all_frames` is set or the profile has no drop_frames.
pub fn drop_frames(p: &Profile, view: View, all_frames: bool) -> Result<View, OptionError> {
    let drop = p.str(p.drop_frames);
    if all_frames || drop.is_empty() {
        return Ok(view);
    }
    let compile = |pat: &str| {
        crate::view::regex::go_regex(&format!("^(?:{pat})$")).map_err(|e| OptionError::Regex {
            pattern: pat.to_string(),
            message: crate::view::regex::regex_message(&e),
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

    // Per location: prune it whole, or only beneath a line (keeping the lines
    // callerward of the rootmost match).
    let nloc = p.locations.len();
    let mut prune = vec![false; nloc];
    let mut beneath = vec![false; nloc];
    let view = view.map_lines(p, |l, lines, out| {
        match (0..lines.len())
            .rev()
            .find(|&i| prune_fn[lines[i].function as usize])
        {
            Some(i) => {
                beneath[l as usize] = true;
                if i == lines.len() - 1 {
                    prune[l as usize] = true;
                    out.extend_from_slice(lines);
                } else {
                    out.extend_from_slice(&lines[i + 1..]);
                }
            }
            None => out.extend_from_slice(lines),
        }
    });
    if !beneath.iter().any(|&b| b) {
        return Ok(view);
    }
    Ok(view.map_samples(p, |_, stack, out| {
        // Scan from the root; never cut before the first "user" frame.
        let mut found_user = false;
        let mut keep_from = 0;
        for i in (0..stack.len()).rev() {
            let l = stack[i] as usize;
            if !prune[l] && !beneath[l] {
                found_user = true;
                continue;
            }
            if !found_user {
                continue;
            }
            keep_from = if prune[l] { i + 1 } else { i };
            break;
        }
        out.extend_from_slice(&stack[keep_from..]);
        true
    }))
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
