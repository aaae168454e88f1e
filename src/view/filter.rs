//! pprof's report filters as [`View`] transformations.
//!
//! `go tool pprof` edits its profile in place before building a report; the
//! filters run in this order (after the profile's own drop_frames, see
//! [`crate::view::prune`]):
//!
//! 1. `focus` / `ignore` / `hide` / `show`, in one pass. A location matches a
//!    regex if one of its lines' function name or file name, or its mapping's
//!    file, contains a match (unanchored search). A sample is kept iff it has a
//!    focused location and no ignored one; `hide` removes the matching lines
//!    (the whole location when all its lines or its mapping match), `show`
//!    keeps only the matching ones; samples left without frames are dropped.
//! 2. `show_from`: every stack is cut above (rootward of) its rootmost
//!    matching location, and the lines callerward of the match inside that
//!    location are cut; samples without a match are dropped.
//! 3. `tagfocus` / `tagignore`: keep / drop samples by label ([`TagFilter`]).
//! 4. `tagshow` / `taghide`: label keys removed from samples
//!    ([`View::label_key_visible`]).
//! 5. `prune_from`: frames leafward of the leafmost match are dropped.
//!
//! Every regex is compiled once and tested once per function name, file name,
//! mapping file, label key or label value (memoized), never per frame: the
//! results become per-function and per-location bitsets, and stacks are then
//! rewritten with [`View::map_lines`] / [`View::map_samples`].
//!
//! [`apply`] also returns the messages pprof prints on stderr on the way
//! (`tagfocus:Interpreted '1mb:' as range, not regexp`,
//! `Focus expression matched no samples`…).

use std::collections::HashMap;

use regex::Regex;

use crate::error::OptionError;
use crate::model::measurement;
use crate::model::{Label, Line, Profile, NONE};
use crate::view::prune::simplify_func;
use crate::view::regex::{go_regex, regex_message};
use crate::view::View;

/// The filter options, in pprof's spelling; an empty string means unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterOptions {
    /// `focus`: keep samples with a location matching this regex.
    pub focus: String,
    /// `ignore`: drop samples with a location matching this regex.
    pub ignore: String,
    /// `hide`: remove matching frames.
    pub hide: String,
    /// `show`: keep only matching frames.
    pub show: String,
    /// `show_from`: cut stacks above the rootmost matching frame.
    pub show_from: String,
    /// `tagfocus`: keep samples whose labels match (see [`TagFilter`]).
    pub tagfocus: String,
    /// `tagignore`: drop samples whose labels match (see [`TagFilter`]).
    pub tagignore: String,
    /// `tagshow`: keep only the label keys matching this regex.
    pub tagshow: String,
    /// `taghide`: remove the label keys matching this regex.
    pub taghide: String,
    /// `prune_from`: drop frames beneath the leafmost frame matching this regex.
    pub prune_from: String,
}

impl FilterOptions {
    /// True if no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == FilterOptions::default()
    }

    /// pprof's active filters, `name=value`, in pprof's order (`prune_from`
    /// is not listed, as in pprof).
    pub fn active(&self) -> Vec<String> {
        [
            ("focus", &self.focus),
            ("ignore", &self.ignore),
            ("hide", &self.hide),
            ("show", &self.show),
            ("show_from", &self.show_from),
            ("tagfocus", &self.tagfocus),
            ("tagignore", &self.tagignore),
            ("tagshow", &self.tagshow),
            ("taghide", &self.taghide),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
    }

    /// The "Active filters:" legend lines of text reports (none when no
    /// listed filter is set): three spaces before each filter, values longer
    /// than 80 bytes cut and followed by `…`.
    pub fn legend(&self) -> Vec<String> {
        let active = self.active();
        if active.is_empty() {
            return Vec::new();
        }
        let mut out = vec!["Active filters:".to_string()];
        for s in active {
            let s = if s.len() > 80 {
                let mut cut = 80;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{}…", &s[..cut])
            } else {
                s
            };
            out.push(format!("   {s}"));
        }
        out
    }
}

/// The filtered view and the messages pprof prints on stderr meanwhile.
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    /// The view after all filters.
    pub view: View,
    /// Messages for stderr, in pprof's order, one line each.
    pub messages: Vec<String>,
}

fn compile(option: &str, pattern: &str) -> Result<Option<Regex>, OptionError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    go_regex(pattern)
        .map(Some)
        .map_err(|e| regex_error(option, pattern, &e))
}

fn regex_error(option: &str, pattern: &str, e: &regex::Error) -> OptionError {
    let message = regex_message(e);
    OptionError::FilterRegex {
        option: option.to_string(),
        pattern: pattern.to_string(),
        message,
    }
}

/// Applies the filters of `opts` to `view` in pprof's order. Fails only on
/// an invalid regex.
pub fn apply(p: &Profile, view: View, opts: &FilterOptions) -> Result<Filtered, OptionError> {
    let mut messages = Vec::new();
    if opts.is_empty() {
        return Ok(Filtered { view, messages });
    }
    let focus = compile("focus", &opts.focus)?;
    let ignore = compile("ignore", &opts.ignore)?;
    let hide = compile("hide", &opts.hide)?;
    let show = compile("show", &opts.show)?;
    let show_from = compile("show_from", &opts.show_from)?;
    let tagfocus = TagFilter::compile("tagfocus", &opts.tagfocus, &mut messages)?;
    let tagignore = TagFilter::compile("tagignore", &opts.tagignore, &mut messages)?;
    let prune_from = compile("prune_from", &opts.prune_from)?;
    let tagshow = compile("tagshow", &opts.tagshow)?;
    let taghide = compile("taghide", &opts.taghide)?;
    let mut warn = |matched: bool, what: &str| {
        if !matched {
            messages.push(format!("{what} expression matched no samples"));
        }
    };

    let mut view = view;
    if focus.is_some() || ignore.is_some() || hide.is_some() || show.is_some() {
        let (v, m) = by_name(
            p,
            view,
            focus.as_ref(),
            ignore.as_ref(),
            hide.as_ref(),
            show.as_ref(),
        );
        view = v;
        warn(focus.is_none() || m.focus, "Focus");
        warn(ignore.is_none() || m.ignore, "Ignore");
        warn(hide.is_none() || m.hide, "Hide");
        warn(show.is_none() || m.show, "Show");
    }
    if let Some(rx) = &show_from {
        let (v, matched) = apply_show_from(p, view, rx);
        view = v;
        warn(matched, "ShowFrom");
    }
    if tagfocus.is_some() || tagignore.is_some() {
        let (v, fm, im) = by_tag(p, view, tagfocus.as_ref(), tagignore.as_ref());
        view = v;
        warn(tagfocus.is_none() || fm, "TagFocus");
        warn(tagignore.is_none() || im, "TagIgnore");
    }
    if tagshow.is_some() || taghide.is_some() {
        let (v, sm, hm) = tags_by_name(p, view, tagshow.as_ref(), taghide.as_ref());
        view = v;
        warn(tagshow.is_none() || sm, "TagShow");
        warn(taghide.is_none() || hm, "TagHide");
    }
    if let Some(rx) = &prune_from {
        view = apply_prune_from(p, view, rx);
    }
    Ok(Filtered { view, messages })
}

/// Which of focus, ignore, hide and show matched some location.
#[derive(Debug, Default, Clone, Copy)]
struct NameMatches {
    focus: bool,
    ignore: bool,
    hide: bool,
    show: bool,
}

/// One regex's verdicts per function (name or file matches) and per
/// mapping (file matches), each string tested once.
struct Verdicts {
    func: Vec<bool>,
    mapping: Vec<bool>,
}

impl Verdicts {
    fn new(p: &Profile, rx: &Regex) -> Self {
        let mut memo: HashMap<u32, bool> = HashMap::new();
        let mut test = |s: u32| *memo.entry(s).or_insert_with(|| rx.is_match(p.str(s)));
        let func = p
            .functions
            .iter()
            .map(|f| test(f.name) || test(f.filename))
            .collect();
        let mapping = p.mappings.iter().map(|m| test(m.filename)).collect();
        Verdicts { func, mapping }
    }

    /// `Some(matches)` for a line with a function, `None` for one without.
    #[inline]
    fn line(&self, l: &Line) -> Option<bool> {
        self.func.get(l.function as usize).copied()
    }

    #[inline]
    fn mapping(&self, p: &Profile, loc: u32) -> bool {
        let m = p.locations.mapping[loc as usize];
        m != NONE && self.mapping.get(m as usize).copied().unwrap_or(false)
    }

    /// pprof's `matchesName`: a line's function or the mapping matches.
    #[inline]
    fn location(&self, p: &Profile, loc: u32, lines: &[Line]) -> bool {
        lines.iter().any(|l| self.line(l) == Some(true)) || self.mapping(p, loc)
    }
}

/// Pass 1: focus, ignore, hide and show.
fn by_name(
    p: &Profile,
    view: View,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> (View, NameMatches) {
    let focus = focus.map(|rx| Verdicts::new(p, rx));
    let ignore = ignore.map(|rx| Verdicts::new(p, rx));
    let hide = hide.map(|rx| Verdicts::new(p, rx));
    let show = show.map(|rx| Verdicts::new(p, rx));
    let nloc = p.locations.len();
    // 0: neither, 1: focused, 2: ignored.
    let mut state = vec![0u8; nloc];
    let mut hidden = vec![false; nloc];
    let mut m = NameMatches::default();

    let mut classify = |l: u32, lines: &[Line]| {
        if ignore.as_ref().is_some_and(|v| v.location(p, l, lines)) {
            m.ignore = true;
            state[l as usize] = 2;
        } else if focus.as_ref().is_none_or(|v| v.location(p, l, lines)) {
            m.focus = true;
            state[l as usize] = 1;
        }
    };
    let view = if hide.is_some() || show.is_some() {
        view.map_lines(p, |l, lines, out| {
            classify(l, lines);
            let start = out.len();
            match &hide {
                Some(h) if h.location(p, l, lines) => {
                    m.hide = true;
                    if !h.mapping(p, l) {
                        out.extend(lines.iter().filter(|ln| h.line(ln) != Some(true)));
                    }
                    if out.len() == start {
                        hidden[l as usize] = true;
                    }
                }
                _ => out.extend_from_slice(lines),
            }
            if let Some(s) = &show {
                if !s.mapping(p, l) {
                    let mut w = start;
                    for r in start..out.len() {
                        if s.line(&out[r]) != Some(false) {
                            out[w] = out[r];
                            w += 1;
                        }
                    }
                    out.truncate(w);
                }
                if out.len() == start {
                    hidden[l as usize] = true;
                } else {
                    m.show = true;
                }
            }
        })
    } else {
        for l in 0..nloc as u32 {
            classify(l, view.lines(p, l));
        }
        view
    };
    let any_hidden = hidden.iter().any(|&h| h);
    let view = view.map_samples(p, |_, stack, out| {
        let mut focused = false;
        for &l in stack {
            match state[l as usize] {
                1 => focused = true,
                2 => return false,
                _ => {}
            }
        }
        if !focused {
            return false;
        }
        if any_hidden {
            // `out` holds the stacks kept so far: look at this one only.
            let before = out.len();
            out.extend(stack.iter().filter(|&&l| !hidden[l as usize]));
            out.len() > before
        } else {
            out.extend_from_slice(stack);
            true
        }
    });
    (view, m)
}

/// Pass 2: show_from. Returns the view and whether any location matched.
fn apply_show_from(p: &Profile, view: View, rx: &Regex) -> (View, bool) {
    let v = Verdicts::new(p, rx);
    let mut matched = vec![false; p.locations.len()];
    let view = view.map_lines(p, |l, lines, out| {
        if v.mapping(p, l) {
            matched[l as usize] = true;
            out.extend_from_slice(lines);
        } else if let Some(i) = lines.iter().rposition(|ln| v.line(ln) == Some(true)) {
            matched[l as usize] = true;
            out.extend_from_slice(&lines[..=i]);
        } else {
            out.extend_from_slice(lines);
        }
    });
    let any = matched.iter().any(|&m| m);
    let view = view.map_samples(p, |_, stack, out| {
        match stack.iter().rposition(|&l| matched[l as usize]) {
            Some(i) => {
                out.extend_from_slice(&stack[..=i]);
                true
            }
            None => false,
        }
    });
    (view, any)
}

/// Pass 5: prune_from.
fn apply_prune_from(p: &Profile, view: View, rx: &Regex) -> View {
    let prune_fn: Vec<bool> = p
        .functions
        .iter()
        .map(|f| {
            let name = p.str(f.name);
            !name.is_empty() && rx.is_match(simplify_func(name))
        })
        .collect();
    let mut beneath = vec![false; p.locations.len()];
    let view = view.map_lines(p, |l, lines, out| {
        match lines
            .iter()
            .position(|ln| prune_fn.get(ln.function as usize).copied() == Some(true))
        {
            Some(i) => {
                beneath[l as usize] = true;
                out.extend_from_slice(&lines[i..]);
            }
            None => out.extend_from_slice(lines),
        }
    });
    if !beneath.iter().any(|&b| b) {
        return view;
    }
    view.map_samples(p, |_, stack, out| {
        let from = stack.iter().position(|&l| beneath[l as usize]).unwrap_or(0);
        out.extend_from_slice(&stack[from..]);
        true
    })
}

/// What a label is, as pprof's decoder sees it.
enum LabelKind {
    /// A string label (`str` set).
    Str,
    /// A numeric label.
    Num,
    /// Dropped by pprof's decoder (no string, number 0 and no unit).
    Dropped,
}

fn kind(l: &Label) -> LabelKind {
    if l.str != 0 {
        LabelKind::Str
    } else if l.is_numeric() {
        LabelKind::Num
    } else {
        LabelKind::Dropped
    }
}

/// A numeric range of a tag filter: values scaled to `unit` and compared
/// with the inclusive bounds (an exact value has equal bounds).
#[derive(Debug, Clone, PartialEq)]
pub struct NumRange {
    /// Lower bound, if any.
    pub lo: Option<f64>,
    /// Upper bound, if any.
    pub hi: Option<f64>,
    /// The unit both bounds are in (pprof's canonical name, e.g. `MB`), or
    /// the written unit when it is not a known one.
    pub unit: String,
}

impl NumRange {
    /// pprof's `parseTagFilterRange`: `N[unit]` (equal), `N[unit]:` (at
    /// least), `:N[unit]` (at most) or `N[unit]:M[unit]` (between, both
    /// included, same unit family). `None` if `s` is not such a range.
    pub fn parse(s: &str) -> Option<NumRange> {
        let bytes = s.as_bytes();
        // Up to two matches of `([+-]?[0-9]+)([A-Za-z]+)?`, leftmost first.
        let mut found: Vec<(usize, usize, &str, &str)> = Vec::new();
        let mut i = 0;
        while i < bytes.len() && found.len() < 2 {
            let start = i;
            let mut j = i;
            if bytes[j] == b'+' || bytes[j] == b'-' {
                j += 1;
            }
            let digits = j;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if j == digits {
                i += 1;
                continue;
            }
            let alpha = j;
            while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                j += 1;
            }
            found.push((start, j, &s[start..alpha], &s[alpha..j]));
            i = j;
        }
        let first = found.first()?;
        let v: i64 = first.2.parse().ok()?;
        let (value, unit) = measurement::scale(v, first.3, first.3);
        let text0 = &s[first.0..first.1];
        if found.len() == 1 {
            let (lo, hi) = if s == text0 {
                (Some(value), Some(value))
            } else if s.strip_suffix(':') == Some(text0) {
                (Some(value), None)
            } else if s.strip_prefix(':') == Some(text0) {
                (None, Some(value))
            } else {
                return None;
            };
            return Some(NumRange { lo, hi, unit });
        }
        let second = found[1];
        let text1 = &s[second.0..second.1];
        if s.len() != text0.len() + 1 + text1.len()
            || !s.starts_with(text0)
            || s.as_bytes()[text0.len()] != b':'
            || !s.ends_with(text1)
        {
            return None;
        }
        let v2: i64 = second.2.parse().ok()?;
        let (value2, unit2) = measurement::scale(v2, second.3, &unit);
        if unit2 != unit {
            return None;
        }
        Some(NumRange {
            lo: Some(value),
            hi: Some(value2),
            unit,
        })
    }

    /// Whether `v` (in `unit`) lies in the range.
    pub fn contains(&self, v: i64, unit: &str) -> bool {
        let (sv, su) = measurement::scale(v, unit, &self.unit);
        su == self.unit && self.lo.is_none_or(|lo| sv >= lo) && self.hi.is_none_or(|hi| sv <= hi)
    }
}

/// What a tag filter tests.
#[derive(Debug, Clone)]
pub enum TagTest {
    /// Numeric labels in a range.
    Range(NumRange),
    /// String labels against comma-separated regexes.
    Regexes(Vec<Regex>),
}

/// A compiled `tagfocus` / `tagignore` value: `[KEY=]VALUE`, where VALUE is
/// a numeric range ([`NumRange::parse`]) or comma-separated regexes. Without
/// KEY, a range matches any numeric label (in the key's unit), and every
/// regex must match some `key:value` string label; with KEY, any value of
/// that key in the range, or matching any regex.
#[derive(Debug, Clone)]
pub struct TagFilter {
    /// The label key, if one was given.
    pub key: Option<String>,
    /// The test on the values.
    pub test: TagTest,
}

impl TagFilter {
    /// Parses `value` for option `option` (`tagfocus` or `tagignore`);
    /// `None` if empty. A range adds pprof's "Interpreted … as range"
    /// message to `messages`.
    pub fn compile(
        option: &str,
        value: &str,
        messages: &mut Vec<String>,
    ) -> Result<Option<TagFilter>, OptionError> {
        if value.is_empty() {
            return Ok(None);
        }
        let (key, value) = match value.split_once('=') {
            Some((k, v)) => (Some(k.to_string()), v),
            None => (None, value),
        };
        if let Some(range) = NumRange::parse(value) {
            messages.push(format!(
                "{option}:Interpreted '{value}' as range, not regexp"
            ));
            return Ok(Some(TagFilter {
                key,
                test: TagTest::Range(range),
            }));
        }
        let rxs = value
            .split(',')
            .map(|r| go_regex(r).map_err(|e| regex_error(option, r, &e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(TagFilter {
            key,
            test: TagTest::Regexes(rxs),
        }))
    }
}

/// A tag filter bound to a profile, with memoized regex verdicts.
struct TagMatcher<'a> {
    p: &'a Profile,
    f: &'a TagFilter,
    /// Unit per numeric label key text (pprof's `NumLabelUnits`).
    units: &'a HashMap<String, String>,
    /// Verdict per (regex index, key string, value string).
    memo: HashMap<(usize, u32, u32), bool>,
}

impl<'a> TagMatcher<'a> {
    fn new(p: &'a Profile, f: &'a TagFilter, units: &'a HashMap<String, String>) -> Self {
        TagMatcher {
            p,
            f,
            units,
            memo: HashMap::new(),
        }
    }

    fn key_is(&self, l: &Label) -> bool {
        match &self.f.key {
            Some(k) => self.p.str(l.key) == k,
            None => true,
        }
    }

    fn matches(&mut self, labels: &[Label]) -> bool {
        let p = self.p;
        match &self.f.test {
            TagTest::Range(r) => labels.iter().any(|l| {
                matches!(kind(l), LabelKind::Num)
                    && self.key_is(l)
                    && r.contains(
                        l.num,
                        self.units.get(p.str(l.key)).map_or("", String::as_str),
                    )
            }),
            TagTest::Regexes(rxs) => {
                let keyed = self.f.key.is_some();
                let mut test = |ri: usize, l: &Label| -> bool {
                    *self.memo.entry((ri, l.key, l.str)).or_insert_with(|| {
                        if keyed {
                            rxs[ri].is_match(p.str(l.str))
                        } else {
                            rxs[ri].is_match(&format!("{}:{}", p.str(l.key), p.str(l.str)))
                        }
                    })
                };
                let strs = labels.iter().filter(|l| matches!(kind(l), LabelKind::Str));
                match &self.f.key {
                    Some(k) => strs
                        .filter(|l| p.str(l.key) == k)
                        .any(|l| (0..rxs.len()).any(|ri| test(ri, l))),
                    None => (0..rxs.len()).all(|ri| strs.clone().any(|l| test(ri, l))),
                }
            }
        }
    }
}

/// pprof's `NumLabelUnits`: per numeric label key, the first non-empty unit
/// seen, else `bytes` for `alignment`/`request`, else the key itself.
pub fn num_label_units(p: &Profile) -> HashMap<String, String> {
    let mut units: HashMap<String, String> = HashMap::new();
    for l in &p.samples.labels {
        if !matches!(kind(l), LabelKind::Num) {
            continue;
        }
        let key = p.str(l.key);
        let unit = p.str(l.num_unit);
        match units.get_mut(key) {
            Some(u) if u.is_empty() && !unit.is_empty() => *u = unit.to_string(),
            Some(_) => {}
            None => {
                units.insert(key.to_string(), unit.to_string());
            }
        }
    }
    for (key, unit) in units.iter_mut() {
        if unit.is_empty() {
            *unit = match key.as_str() {
                "alignment" | "request" => "bytes".to_string(),
                k => k.to_string(),
            };
        }
    }
    units
}

/// Pass 3: tagfocus and tagignore. Returns the view and whether each matched
/// some sample.
fn by_tag(
    p: &Profile,
    view: View,
    focus: Option<&TagFilter>,
    ignore: Option<&TagFilter>,
) -> (View, bool, bool) {
    let needs_units = [focus, ignore]
        .iter()
        .flatten()
        .any(|f| matches!(f.test, TagTest::Range(_)));
    let units = if needs_units {
        num_label_units(p)
    } else {
        HashMap::new()
    };
    let units = &units;
    let mut focus = focus.map(|f| TagMatcher::new(p, f, units));
    let mut ignore = ignore.map(|f| TagMatcher::new(p, f, units));
    let (mut fm, mut im) = (false, false);
    let view = view.map_samples(p, |s, stack, out| {
        let labels = p.samples.labels(s);
        let focused = focus.as_mut().is_none_or(|m| m.matches(labels));
        let ignored = ignore.as_mut().is_some_and(|m| m.matches(labels));
        fm |= focused;
        im |= ignored;
        out.extend_from_slice(stack);
        focused && !ignored
    });
    (view, fm, im)
}

/// Pass 4: tagshow and taghide. Returns the view and whether each matched
/// some label key of a remaining sample.
fn tags_by_name(
    p: &Profile,
    view: View,
    show: Option<&Regex>,
    hide: Option<&Regex>,
) -> (View, bool, bool) {
    // Verdict per key string: (matches show, matches hide).
    let mut memo: HashMap<u32, (bool, bool)> = HashMap::new();
    let (mut sm, mut hm) = (false, false);
    for i in 0..view.len(p) {
        for l in view.labels(p, i) {
            if matches!(kind(l), LabelKind::Dropped) {
                continue;
            }
            let (s, h) = *memo.entry(l.key).or_insert_with(|| {
                let key = p.str(l.key);
                (
                    show.is_none_or(|rx| rx.is_match(key)),
                    hide.is_some_and(|rx| rx.is_match(key)),
                )
            });
            sm |= s;
            hm |= h;
        }
    }
    let removed = memo
        .into_iter()
        .filter(|(_, (s, h))| !s || *h)
        .map(|(k, _)| k);
    (view.hide_label_keys(removed), sm, hm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Function, Locations, Mapping, Samples, StringTable};

    /// Functions main (main.go), foo and bar (lib.go), runtime.x (rt.go).
    /// Locations: L0 = foo inlined into bar; L1 = main; L2 = runtime.x in
    /// mapping libc.so. Samples (leaf first): S0 = L0 L1 (10, worker=a),
    /// S1 = L2 L1 (20, worker=b, bytes=64), S2 = L2 (5, bytes=2048).
    fn profile() -> Profile {
        let mut strings = StringTable::default();
        for s in [
            "",
            "main",
            "foo",
            "bar",
            "runtime.x",
            "main.go",
            "lib.go",
            "rt.go",
            "libc.so",
            "worker",
            "a",
            "b",
            "bytes",
        ] {
            strings.push(s);
        }
        let f = |name, filename| Function {
            name,
            filename,
            ..Default::default()
        };
        let line = |function| Line {
            function,
            line: 1,
            column: 0,
        };
        let str_label = |key, str| Label {
            key,
            str,
            ..Default::default()
        };
        let num_label = |key, num| Label {
            key,
            num,
            ..Default::default()
        };
        Profile {
            strings,
            functions: vec![f(1, 5), f(2, 6), f(3, 6), f(4, 7)],
            mappings: vec![Mapping {
                filename: 8,
                ..Default::default()
            }],
            locations: Locations {
                id: vec![1, 2, 3],
                mapping: vec![NONE, NONE, 0],
                address: vec![0; 3],
                is_folded: vec![false; 3],
                line_ends: vec![2, 3, 4],
                lines: vec![line(1), line(2), line(0), line(3)],
            },
            samples: Samples {
                stack_ends: vec![2, 4, 5],
                stack_locs: vec![0, 1, 2, 1, 2],
                stack_of: vec![],
                values: vec![10, 20, 5],
                label_ends: vec![1, 3, 4],
                labels: vec![
                    str_label(9, 10),
                    str_label(9, 11),
                    num_label(12, 64),
                    num_label(12, 2048),
                ],
            },
            sample_types: vec![Default::default()],
            ..Default::default()
        }
    }

    fn run(opts: FilterOptions) -> (Profile, Filtered) {
        let p = profile();
        let f = apply(&p, View::all(), &opts).expect("valid filters");
        (p, f)
    }

    /// (original sample index, stack) of every kept sample.
    fn stacks(p: &Profile, v: &View) -> Vec<(usize, Vec<u32>)> {
        (0..v.len(p))
            .map(|i| (v.sample(i), v.stack(p, i).to_vec()))
            .collect()
    }

    /// Function indices of location `l`'s lines in the view.
    fn funcs(p: &Profile, v: &View, l: u32) -> Vec<u32> {
        v.lines(p, l).iter().map(|l| l.function).collect()
    }

    #[test]
    fn no_filter_is_identity() {
        let (p, f) = run(FilterOptions::default());
        assert_eq!(f.view.len(&p), 3);
        assert!(f.messages.is_empty());
    }

    #[test]
    fn focus_and_ignore() {
        let (p, f) = run(FilterOptions {
            focus: "foo".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view), [(0, vec![0, 1])]);
        assert!(f.messages.is_empty());
        // The mapping file matches too.
        let (p, f) = run(FilterOptions {
            ignore: "libc".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view), [(0, vec![0, 1])]);
        // File names match: lib.go is only in L0.
        let (p, f) = run(FilterOptions {
            focus: "main".into(),
            ignore: r"lib\.go".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view), [(1, vec![2, 1])]);
        let (p, f) = run(FilterOptions {
            focus: "nothing".into(),
            ..Default::default()
        });
        assert_eq!(f.view.len(&p), 0);
        assert_eq!(f.messages, ["Focus expression matched no samples"]);
    }

    #[test]
    fn hide_removes_lines_then_locations() {
        let (p, f) = run(FilterOptions {
            hide: "bar".into(),
            ..Default::default()
        });
        assert_eq!(funcs(&p, &f.view, 0), [1]);
        assert_eq!(f.view.len(&p), 3);
        let (p, f) = run(FilterOptions {
            hide: "foo|bar".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view)[0], (0, vec![1]));
        // A matching mapping hides the whole location; S2 is left empty.
        let (p, f) = run(FilterOptions {
            hide: "libc".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view), [(0, vec![0, 1]), (1, vec![1])]);
    }

    #[test]
    fn show_keeps_only_matching_lines() {
        let (p, f) = run(FilterOptions {
            show: "main|foo".into(),
            ..Default::default()
        });
        assert_eq!(funcs(&p, &f.view, 0), [1]);
        assert_eq!(
            stacks(&p, &f.view),
            [(0, vec![0, 1]), (1, vec![1])],
            "S2 has no shown frame"
        );
        let (_, f) = run(FilterOptions {
            show: "nothing".into(),
            ..Default::default()
        });
        assert_eq!(f.messages, ["Show expression matched no samples"]);
    }

    #[test]
    fn show_from_cuts_above_the_rootmost_match() {
        let (p, f) = run(FilterOptions {
            show_from: "foo".into(),
            ..Default::default()
        });
        assert_eq!(stacks(&p, &f.view), [(0, vec![0])]);
        assert_eq!(funcs(&p, &f.view, 0), [1], "bar (callerward) is cut");
        let (p, f) = run(FilterOptions {
            show_from: "runtime|main".into(),
            ..Default::default()
        });
        assert_eq!(
            stacks(&p, &f.view),
            [(0, vec![0, 1]), (1, vec![2, 1]), (2, vec![2])]
        );
    }

    #[test]
    fn prune_from_drops_frames_beneath() {
        let (p, f) = run(FilterOptions {
            prune_from: "bar".into(),
            ..Default::default()
        });
        assert_eq!(funcs(&p, &f.view, 0), [2], "foo (calleeward) is cut");
        assert_eq!(stacks(&p, &f.view)[0], (0, vec![0, 1]));
        let (p, f) = run(FilterOptions {
            prune_from: "^main$".into(),
            ..Default::default()
        });
        assert_eq!(
            stacks(&p, &f.view),
            [(0, vec![1]), (1, vec![1]), (2, vec![2])]
        );
    }

    #[test]
    fn tag_focus_and_ignore() {
        let kept = |tagfocus: &str, tagignore: &str| {
            let (p, f) = run(FilterOptions {
                tagfocus: tagfocus.into(),
                tagignore: tagignore.into(),
                ..Default::default()
            });
            let kept: Vec<usize> = (0..f.view.len(&p)).map(|i| f.view.sample(i)).collect();
            (kept, f.messages)
        };
        assert_eq!(kept("worker=a", "").0, [0]);
        assert_eq!(kept("worker:b", "").0, [1]);
        assert_eq!(kept("worker=a,b", "").0, [0, 1]);
        // Without a key every regex must match some key:value.
        assert_eq!(kept("worker,:b", "").0, [1]);
        let (k, m) = kept("64b:", "");
        assert_eq!(k, [1, 2]);
        assert_eq!(m, ["tagfocus:Interpreted '64b:' as range, not regexp"]);
        assert_eq!(kept("bytes=1kb:", "").0, [2]);
        assert_eq!(kept("", "bytes=:100b").0, [0, 2]);
        assert_eq!(kept("bytes=2kb", "").0, [2]);
        let (k, m) = kept("zzz", "");
        assert!(k.is_empty());
        assert_eq!(m, ["TagFocus expression matched no samples"]);
    }

    #[test]
    fn tag_show_and_hide_remove_keys() {
        let (p, f) = run(FilterOptions {
            taghide: "work".into(),
            ..Default::default()
        });
        assert!(!f.view.label_key_visible(9));
        assert!(f.view.label_key_visible(12));
        assert_eq!(f.view.labels(&p, 1).count(), 1);
        assert!(f.messages.is_empty());
        let (_, f) = run(FilterOptions {
            tagshow: "bytes".into(),
            taghide: "zzz".into(),
            ..Default::default()
        });
        assert!(!f.view.label_key_visible(9));
        assert_eq!(f.messages, ["TagHide expression matched no samples"]);
    }

    #[test]
    fn range_parsing() {
        let r = |s: &str| NumRange::parse(s);
        let range = |lo: Option<f64>, hi: Option<f64>, unit: &str| {
            Some(NumRange {
                lo,
                hi,
                unit: unit.to_string(),
            })
        };
        assert_eq!(r("1mb:"), range(Some(1.0), None, "MB"));
        assert_eq!(r("+400kb:"), range(Some(400.0), None, "kB"));
        assert_eq!(r(":64kb"), range(None, Some(64.0), "kB"));
        assert_eq!(r("32b:128b"), range(Some(32.0), Some(128.0), "B"));
        assert_eq!(r("1kb:2mb"), range(Some(1.0), Some(2048.0), "kB"));
        assert_eq!(r("-5"), range(Some(-5.0), Some(-5.0), ""));
        assert_eq!(r("10ms:1s"), range(Some(10.0), Some(1000.0), "ms"));
        // A unitless upper bound takes the lower bound's unit, as in pprof.
        assert_eq!(r("1kb:2"), range(Some(1.0), Some(2.0), "kB"));
        assert_eq!(r("1mb:1s"), None, "different unit families");
        assert_eq!(r("x1kb"), None);
        assert_eq!(r("1kb:2kb:3kb"), None);
        assert_eq!(r("abc"), None);
        assert_eq!(r("99999999999999999999"), None, "overflow is not a range");
        let kb = r("1kb:").expect("range");
        assert!(kb.contains(1024, "bytes"));
        assert!(!kb.contains(1023, "bytes"));
        assert!(!kb.contains(4096, "nanoseconds"));
    }

    #[test]
    fn tag_filter_syntax() {
        let mut msgs = Vec::new();
        let f = TagFilter::compile("tagfocus", "bytes=32b:128b", &mut msgs)
            .expect("valid")
            .expect("set");
        assert_eq!(f.key.as_deref(), Some("bytes"));
        assert!(matches!(f.test, TagTest::Range(_)));
        assert_eq!(
            msgs,
            ["tagfocus:Interpreted '32b:128b' as range, not regexp"]
        );
        let f = TagFilter::compile("tagignore", "a.*,b", &mut msgs)
            .expect("valid")
            .expect("set");
        assert!(f.key.is_none());
        assert!(matches!(&f.test, TagTest::Regexes(r) if r.len() == 2));
        assert!(TagFilter::compile("tagfocus", "", &mut msgs)
            .expect("valid")
            .is_none());
        let e = TagFilter::compile("tagfocus", "k=a(", &mut msgs).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parsing tagfocus regexp \"a(\": unclosed group"
        );
        assert_eq!(msgs.len(), 1);
    }

    #[test]
    fn go_regexp_syntax() {
        let m = |p: &str, s: &str| go_regex(p).expect(p).is_match(s);
        assert!(m(r"\d", "7") && !m(r"\d", "٣"));
        assert!(m(r"^\w+$", "a_1") && !m(r"^\w+$", "é"));
        assert!(!m(r"\s", "\u{a0}") && m(r"\S", "é"));
        assert!(m(r"[\d.]+$", "1.5") && m(r"[^\d]", "x") && !m(r"^[^\d]$", "5"));
        assert!(m(r"x\Qa.b\E$", "xa.b") && !m(r"x\Qa.b\E", "xaxb"));
        assert!(m(r"\Q(*T)", "main.(*T).m"));
        assert!(m("[[]", "[") && m("[a&&b]", "&") && m("[~~]", "~"));
        assert!(m("[]a]", "]") && m("[^]a]", "b") && !m("^[^]a]$", "]"));
        assert!(m("[[:alpha:]]+[[:digit:]]", "ab1") && !m("^[[:alpha:]]$", "1"));
        assert!(m(r"\bfoo\b", "a foo b") && m(r"\pL", "é") && m(r"\.", "."));
        assert!(go_regex("a(").is_err() && go_regex("[a").is_err());
    }

    #[test]
    fn bad_regex_is_an_option_error() {
        let p = profile();
        let e = apply(
            &p,
            View::all(),
            &FilterOptions {
                hide: "(".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("parsing hide regexp"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn legend_lists_active_filters_in_order() {
        let o = FilterOptions {
            taghide: "t".into(),
            focus: "f".into(),
            prune_from: "p".into(),
            show: "x".repeat(100),
            ..Default::default()
        };
        let legend = o.legend();
        assert_eq!(legend[0], "Active filters:");
        assert_eq!(legend[1], "   focus=f");
        assert_eq!(legend[2], format!("   show={}…", "x".repeat(75)));
        assert_eq!(legend[3], "   taghide=t");
        assert_eq!(legend.len(), 4);
        assert!(FilterOptions::default().legend().is_empty());
    }
}
