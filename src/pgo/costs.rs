//! Callee inlining costs, taken from the compiler's own diagnostics.
//!
//! A profile does not say how big a function is. The compiler says it with
//! `go build -gcflags=-m=2` (or `-gcflags=all=-m=2` for every package), one
//! line per function:
//!
//! ```text
//! ./work.go:24:6: can inline square with cost 4 as: func(int) int { return x * x }
//! ./work.go:30:6: cannot inline scramble: function too complex: cost 116 exceeds budget 80
//! ./work.go:71:6: cannot inline clampInt: marked go:noinline
//! ```
//!
//! The position is the `func` keyword's line, which is the function's
//! `start_line` in the profile, so a callee is matched by file (one path
//! ending with the other) and start line. Call-site lines (`inlining call
//! to`, `cannot inline X into Y`) are ignored.

use std::collections::HashMap;

/// What the compiler said about one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inlinability {
    /// Inlinable; its cost (may be unknown with `-m=1`).
    Cost(Option<i64>),
    /// Too complex at the default budget: its cost.
    TooComplex(i64),
    /// Never inlinable, for this reason (`marked go:noinline`, `recursive`, ...).
    Never(String),
}

/// A callee's size class with respect to PGO's budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    /// Cost ≤ 80: inlined with or without PGO.
    Small,
    /// 80 < cost ≤ 2000: inlined only at hot call sites with PGO.
    Medium,
    /// Cost > 2000: too big even at hot call sites.
    Large,
    /// Cannot be inlined at all (pragma, recursion, unsupported construct).
    Never,
}

impl SizeClass {
    /// The class of an inlinability verdict, for the given budgets.
    pub fn of(i: &Inlinability, default_budget: i64, hot_budget: i64) -> Option<Self> {
        let by_cost = |c: i64| {
            if c <= default_budget {
                SizeClass::Small
            } else if c <= hot_budget {
                SizeClass::Medium
            } else {
                SizeClass::Large
            }
        };
        match i {
            Inlinability::Cost(Some(c)) | Inlinability::TooComplex(c) => Some(by_cost(*c)),
            Inlinability::Cost(None) => Some(SizeClass::Small),
            Inlinability::Never(_) => Some(SizeClass::Never),
        }
    }

    /// The class's name.
    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
            SizeClass::Never => "never",
        }
    }
}

/// One function's entry: its file as the compiler printed it, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostEntry {
    /// The file as printed (`./work.go`, `example.com/m/work.go`).
    pub file: String,
    /// The name as printed (`square`, `(*Rect).Area`).
    pub name: String,
    /// The verdict.
    pub verdict: Inlinability,
}

/// The functions of a `-m=2` log, by start line.
#[derive(Debug, Clone, Default)]
pub struct InlineCosts {
    by_line: HashMap<i64, Vec<CostEntry>>,
}

impl InlineCosts {
    /// Reads the compiler's `-m` output (other lines are skipped).
    pub fn parse(text: &str) -> Self {
        let mut by_line: HashMap<i64, Vec<CostEntry>> = HashMap::new();
        for line in text.lines() {
            if let Some((file, start, entry)) = parse_line(line) {
                by_line.entry(start).or_default().push(CostEntry {
                    file: file.to_string(),
                    name: entry.0,
                    verdict: entry.1,
                });
            }
        }
        InlineCosts { by_line }
    }

    /// Number of functions read.
    pub fn len(&self) -> usize {
        self.by_line.values().map(Vec::len).sum()
    }

    /// True if no function was read.
    pub fn is_empty(&self) -> bool {
        self.by_line.is_empty()
    }

    /// The entry of the function starting at `start_line` in `file`.
    pub fn lookup(&self, file: &str, start_line: i64) -> Option<&CostEntry> {
        if file.is_empty() || start_line == 0 {
            return None;
        }
        self.by_line
            .get(&start_line)?
            .iter()
            .find(|e| same_file(&e.file, file))
    }
}

/// True if one path ends with the other at a path boundary (`./x.go` and
/// `/src/m/x.go`, or `example.com/m/x.go` and `/home/me/m/x.go` do not,
/// `m/x.go` and `/home/me/m/x.go` do).
fn same_file(printed: &str, profile: &str) -> bool {
    let printed = printed.strip_prefix("./").unwrap_or(printed);
    let ends = |long: &str, short: &str| {
        long == short
            || (long.ends_with(short) && long.as_bytes()[long.len() - short.len() - 1] == b'/')
    };
    ends(profile, printed) || ends(printed, profile)
}

type Parsed = (String, Inlinability);

/// `FILE:LINE:COL: can inline NAME[ with cost N as: …]` or
/// `FILE:LINE:COL: cannot inline NAME: REASON`.
fn parse_line(line: &str) -> Option<(&str, i64, Parsed)> {
    let (pos, msg) = line.split_once(": ")?;
    let mut it = pos.rsplitn(3, ':');
    let _col: i64 = it.next()?.parse().ok()?;
    let start: i64 = it.next()?.parse().ok()?;
    let file = it.next().filter(|f| !f.is_empty())?;
    if let Some(rest) = msg.strip_prefix("can inline ") {
        let (name, cost) = match rest.split_once(" with cost ") {
            Some((name, tail)) => {
                let n: String = tail.chars().take_while(char::is_ascii_digit).collect();
                (name, n.parse().ok())
            }
            None => (rest, None),
        };
        return Some((file, start, (name.to_string(), Inlinability::Cost(cost))));
    }
    let rest = msg.strip_prefix("cannot inline ")?;
    let (name, reason) = rest.split_once(": ")?;
    if name.contains(" into ") {
        return None;
    }
    let verdict = match reason
        .strip_prefix("function too complex: cost ")
        .and_then(|t| t.split(' ').next())
        .and_then(|c| c.parse().ok())
    {
        Some(c) => Inlinability::TooComplex(c),
        None => Inlinability::Never(reason.to_string()),
    };
    Some((file, start, (name.to_string(), verdict)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# example.com/pgo-workload
./work.go:9:6: can inline square with cost 4 as: func(int) int { return x * x }
example.com/pgo-workload/work.go:24:6: cannot inline scramble: function too complex: cost 116 exceeds budget 80
./work.go:71:6: cannot inline clampInt: marked go:noinline
./main.go:57:20: inlining call to applyAll
./main.go:60:5: cannot inline fib into round: repeated recursive cycle
./shapes.go:29:6: can inline (*Rect).Area
";

    #[test]
    fn reads_the_compilers_verdicts() {
        let c = InlineCosts::parse(LOG);
        assert_eq!(c.len(), 4);
        let v = |f: &str, l: i64| c.lookup(f, l).map(|e| e.verdict.clone());
        assert_eq!(
            v("example.com/pgo-workload/work.go", 9),
            Some(Inlinability::Cost(Some(4)))
        );
        assert_eq!(v("/build/work.go", 24), None, "other directory");
        assert_eq!(
            v("example.com/pgo-workload/work.go", 24),
            Some(Inlinability::TooComplex(116))
        );
        assert_eq!(
            v("/home/me/src/work.go", 71),
            Some(Inlinability::Never("marked go:noinline".into()))
        );
        assert_eq!(v("x/shapes.go", 29), Some(Inlinability::Cost(None)));
        assert_eq!(v("work.go", 60), None);
        assert_eq!(v("xwork.go", 9), None);
        assert!(InlineCosts::parse(":3:4: can inline f with cost 2 as: x").is_empty());
    }

    #[test]
    fn classes() {
        let c = |i| SizeClass::of(&i, 80, 2000).unwrap();
        assert_eq!(c(Inlinability::Cost(Some(80))), SizeClass::Small);
        assert_eq!(c(Inlinability::TooComplex(81)), SizeClass::Medium);
        assert_eq!(c(Inlinability::TooComplex(2000)), SizeClass::Medium);
        assert_eq!(c(Inlinability::TooComplex(2001)), SizeClass::Large);
        assert_eq!(c(Inlinability::Never("recursive".into())), SizeClass::Never);
    }
}
