//! Showing long function names in little room without cutting an
//! identifier in two.
//!
//! A name is read as a sequence of *segments*, each ending where a reader
//! can see a boundary: after `/` in the package path; after `.`, `/`, `;`,
//! `:`, `,` or a space, and before `(` or `[`, from the package's last path
//! element on. So `github.com/org/repo/pkg.(*Tree).Insert.func1` is
//! `github.com/` `org/` `repo/` `pkg.` `(*Tree).` `Insert.` `func1`: the
//! host's dot does not split it, the package element `pkg.` is one segment.
//!
//! [`elide`] keeps whole segments only: the last one (the function), the
//! package element, then as many of the function's qualifiers (receiver,
//! enclosing function) and of the path's first elements as fit, with `…`
//! where segments are left out (`github.com/…/pkg.…Insert.func1`). The
//! text reports, the differential SVG (`src/flame/diff_svg.js`) and the HTML
//! report (`src/flame/report.js`) apply the same rule; the scripts carry
//! their own copy of it, kept in step by the tests.

/// The elision mark.
pub const ELLIPSIS: char = '…';

/// Splits `name` into segments (see the module docs); concatenated, they
/// give `name` back.
pub fn segments(name: &str) -> Vec<&str> {
    // The package's last element starts after the last '/' that comes before
    // any '(', '[', ' ' or ';' (type arguments and file names have slashes
    // of their own).
    let head_end = name.find(['(', '[', ' ', ';']).unwrap_or(name.len());
    let pkg_start = name[..head_end].rfind('/').map_or(0, |i| i + 1);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices() {
        let in_path = i < pkg_start;
        if !in_path && (c == '(' || c == '[') && i > start {
            out.push(&name[start..i]);
            start = i;
        }
        let ends = if in_path {
            c == '/'
        } else {
            matches!(c, '.' | '/' | ';' | ':' | ',' | ' ')
        };
        if ends {
            let end = i + c.len_utf8();
            out.push(&name[start..end]);
            start = end;
        }
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

/// The index of the package element among `segments(name)`: the segment that
/// starts at the package's last path element, when the name is Go-like
/// (`pkg.Rest`).
fn package_segment(segs: &[&str]) -> Option<usize> {
    // The first segment after the path ('/'-ended ones) that ends with '.'.
    let first = segs.iter().position(|s| !s.ends_with('/'))?;
    segs[first].ends_with('.').then_some(first)
}

/// Renders the kept segments with `…` for each run of left-out ones (`…/`
/// when the run ends a path element).
fn render(segs: &[&str], keep: &[bool]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < segs.len() {
        if keep[i] {
            out.push_str(segs[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < segs.len() && !keep[j] {
            j += 1;
        }
        out.push(ELLIPSIS);
        if segs[j - 1].ends_with('/') {
            out.push('/');
        }
        i = j;
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `name` in at most `max` characters, left-out segments marked by `…`
/// (see the module docs), or `None` when not even `…` and the last segment
/// fit. A name that fits is returned as is.
pub fn elide(name: &str, max: usize) -> Option<String> {
    if width(name) <= max {
        return Some(name.to_string());
    }
    let segs = segments(name);
    let last = segs.len().checked_sub(1)?;
    if last == 0 {
        return None;
    }
    let mut keep = vec![false; segs.len()];
    keep[last] = true;
    let fits = |keep: &[bool]| width(&render(&segs, keep)) <= max;
    let pkg = package_segment(&segs).filter(|&p| p < last);
    if let Some(p) = pkg {
        keep[p] = true;
        if !fits(&keep) {
            keep[p] = false;
        }
    }
    if !fits(&keep) {
        return None;
    }
    // The function's qualifiers, from the function outwards, down to the
    // package element (or the start).
    let floor = if keep.iter().filter(|&&k| k).count() == 2 {
        pkg.map_or(0, |p| p + 1)
    } else {
        0
    };
    for i in (floor..last).rev() {
        if keep[i] {
            continue;
        }
        keep[i] = true;
        if !fits(&keep) {
            keep[i] = false;
            break;
        }
    }
    // Then the path's first elements.
    for i in 0..last {
        if keep[i] {
            break;
        }
        keep[i] = true;
        if !fits(&keep) {
            keep[i] = false;
            break;
        }
    }
    Some(render(&segs, &keep))
}

/// `name` in at most `max` characters (at least 1): [`elide`] when it can,
/// else (a single segment longer than `max`) the first and last characters
/// around `…`. For text, where a line must fit; drawings use [`elide`] and
/// show no label instead.
pub fn elide_text(name: &str, max: usize) -> String {
    if let Some(s) = elide(name, max) {
        return s;
    }
    let max = max.max(1);
    let chars: Vec<char> = name.chars().collect();
    let tail = (max - 1) / 2;
    let head = max - 1 - tail;
    let mut out: String = chars[..head.min(chars.len())].iter().collect();
    out.push(ELLIPSIS);
    out.extend(&chars[chars.len().saturating_sub(tail)..]);
    out
}

/// Where a browser may break `name` across lines: the byte offsets at
/// segment boundaries (see [`segments`]), never inside an identifier.
pub fn break_points(name: &str) -> Vec<usize> {
    let mut at = 0;
    let segs = segments(name);
    let mut out = Vec::with_capacity(segs.len());
    for s in &segs[..segs.len().saturating_sub(1)] {
        at += s.len();
        out.push(at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_of_go_names() {
        assert_eq!(
            segments("github.com/org/repo/pkg.(*Tree).Insert.func1"),
            vec![
                "github.com/",
                "org/",
                "repo/",
                "pkg.",
                "(*Tree).",
                "Insert.",
                "func1"
            ]
        );
        assert_eq!(
            segments("main.(*Registry).Read"),
            vec!["main.", "(*Registry).", "Read"]
        );
        assert_eq!(
            segments("slices.partitionOrdered[go.shape.int]"),
            vec!["slices.", "partitionOrdered", "[go.", "shape.", "int]"]
        );
        assert_eq!(segments("memcpy"), vec!["memcpy"]);
        assert_eq!(segments(""), Vec::<&str>::new());
        assert_eq!(
            segments("a;b/c.d"),
            vec!["a;", "b/", "c.", "d"],
            "no path before the first ';'"
        );
        for n in [
            "gopkg.in/yaml%2ev3.(*decoder).unmarshal",
            "main.f /src/x/main.go:12",
            "std::vector<int>::push_back(int const&)",
            "a..b",
        ] {
            assert_eq!(segments(n).concat(), n);
        }
    }

    #[test]
    fn elision_keeps_package_and_function() {
        let n = "github.com/org/repo/internal/pkg.(*Tree).Insert.func1";
        assert_eq!(elide(n, 100).unwrap(), n);
        assert_eq!(
            elide(n, 46).unwrap(),
            "github.com/org/repo/…/pkg.(*Tree).Insert.func1"
        );
        assert_eq!(
            elide(n, 40).unwrap(),
            "github.com/…/pkg.(*Tree).Insert.func1",
            "qualifiers first, then the path"
        );
        assert_eq!(elide(n, 30).unwrap(), "…/pkg.(*Tree).Insert.func1");
        assert_eq!(elide(n, 20).unwrap(), "…/pkg.…Insert.func1");
        assert_eq!(elide(n, 12).unwrap(), "…/pkg.…func1");
        assert_eq!(elide(n, 11).unwrap(), "…func1");
        assert_eq!(elide(n, 5), None);
        assert_eq!(elide("main.(*Registry).Read", 12).unwrap(), "main.…Read");
        assert_eq!(elide("memcpy_avx_unaligned", 10), None);
        for max in 0..60 {
            if let Some(s) = elide(n, max) {
                assert!(s.chars().count() <= max, "{max}: {s}");
            }
            let t = elide_text(n, max.max(1));
            assert!(t.chars().count() <= max.max(1), "{max}: {t}");
        }
        assert_eq!(elide_text("memcpy_avx_unaligned", 9), "memc…gned");
        assert_eq!(elide_text("memcpy_avx_unaligned", 1), "…");
    }

    #[test]
    fn breaks_fall_between_segments() {
        assert_eq!(break_points("main.(*R).Read"), vec![5, 10]);
        assert_eq!(break_points("x"), Vec::<usize>::new());
        assert_eq!(break_points(""), Vec::<usize>::new());
    }
}
