//! Pinned counts: how many cases a suite must find, per row (a report) and
//! per source, so that cases cannot vanish (or slip out of scope) while the
//! run stays green.
//!
//! A suite states its expectations in one table, a `const &str` in its test
//! file, for example:
//!
//! ```text
//!     report        own  corpus  real-go  driver
//!     top           149     150       58      16
//!     out-of-scope    0       2        2       0
//! ```
//!
//! The header names the first column (free text) and then the sources (the
//! labels the suite runs its sources under); each row gives a name and one
//! count per source (`–` or `-` for none). Parity suites use one row per
//! report (the pprofx subcommand of the case) and an `out-of-scope` row (the
//! commands of that source the suite recognises but cannot replay).
//!
//! To add a source, add a column; to add a report, add a row; to add a
//! suite, give it its own table. The README's compatibility table is checked
//! against these tables by [`check_readme_table`]: a column per report and
//! a row per source whose first cell starts with the source in bold
//! (`**corpus**: …`).

use std::collections::BTreeMap;
use std::path::Path;

/// The row of a parity table that counts commands naming several reports
/// (`-top -traces`: pprof refuses them); the README has no column for it.
pub const SEVERAL_REPORTS: &str = "several-reports";

/// The row of a parity table that counts out-of-scope commands.
pub const OUT_OF_SCOPE: &str = "out-of-scope";

/// One parsed table of expected counts.
#[derive(Debug, Clone)]
pub struct Expected {
    sources: Vec<String>,
    rows: Vec<(String, Vec<usize>)>,
}

impl Expected {
    /// Parses a table (see the module doc); panics, naming the line, on a
    /// malformed one.
    pub fn parse(table: &str) -> Expected {
        let mut lines = table.lines().map(str::trim).filter(|l| !l.is_empty());
        let header = lines.next().expect("an expected-counts table has a header");
        let sources: Vec<String> = header
            .split_whitespace()
            .skip(1)
            .map(String::from)
            .collect();
        assert!(!sources.is_empty(), "no source in the header {header:?}");
        let rows = lines
            .map(|line| {
                let mut words = line.split_whitespace();
                let name = words.next().expect("non-empty line").to_string();
                let counts: Vec<usize> = words
                    .map(|w| match w {
                        "–" | "-" => 0,
                        n => n
                            .parse()
                            .unwrap_or_else(|_| panic!("bad count {n:?} in {line:?}")),
                    })
                    .collect();
                assert_eq!(
                    counts.len(),
                    sources.len(),
                    "{line:?}: one count per source ({})",
                    sources.join(" ")
                );
                (name, counts)
            })
            .collect();
        Expected { sources, rows }
    }

    /// The sources (columns), in table order.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The row names, in table order, without [`OUT_OF_SCOPE`].
    pub fn reports(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .map(|(r, _)| r.as_str())
            .filter(|r| *r != OUT_OF_SCOPE)
    }

    /// The expected count of `row` from `source` (0 for a row the table
    /// lacks); panics when `source` is not a column.
    pub fn get(&self, row: &str, source: &str) -> usize {
        let col = self
            .sources
            .iter()
            .position(|s| s == source)
            .unwrap_or_else(|| {
                panic!(
                    "source {source:?} has no column in the expected counts (columns: {})",
                    self.sources.join(" ")
                )
            });
        self.rows
            .iter()
            .find(|(r, _)| r == row)
            .map_or(0, |(_, c)| c[col])
    }

    /// Compares what a run of `source` found (row → count; rows not listed
    /// count 0) with the table: one line per difference, empty if none.
    pub fn differences(&self, source: &str, found: &BTreeMap<String, usize>) -> Vec<String> {
        let mut rows: Vec<&str> = self.rows.iter().map(|(r, _)| r.as_str()).collect();
        rows.extend(
            found
                .keys()
                .map(String::as_str)
                .filter(|r| !self.rows.iter().any(|(e, _)| e == r)),
        );
        rows.iter()
            .filter_map(|row| {
                let want = self.get(row, source);
                let got = found.get(*row).copied().unwrap_or(0);
                (want != got).then(|| format!("{row}: expected {want}, found {got}"))
            })
            .collect()
    }

    /// Panics, naming every difference, unless `found` matches the table's
    /// column `source` exactly. `table` names the table in the message.
    pub fn assert_matches(&self, table: &str, source: &str, found: &BTreeMap<String, usize>) {
        let diff = self.differences(source, found);
        assert!(
            diff.is_empty(),
            "[{source}] counts differ from {table}: {} (a case was added, lost or moved \
             out of scope: fix it, or update {table} and the README's table)",
            diff.join("; ")
        );
    }
}

/// One cell of a markdown table row, trimmed.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The source key of a README row: the bold text its first cell starts with.
fn row_source(first_cell: &str) -> Option<&str> {
    let rest = first_cell.strip_prefix("**")?;
    rest.split("**").next()
}

/// Checks the README's compatibility table (the markdown table under the
/// heading `heading`) against `expected`: for every report row and every
/// source column of `expected`, the README has a column named after the
/// report (backticks ignored) and a row whose first cell starts with
/// `**SOURCE**`, and that cell is the expected count (`–` for none). Rows of
/// other sources (another suite's business) are not checked here.
pub fn check_readme_table(readme: &Path, heading: &str, expected: &Expected, table: &str) {
    let text = std::fs::read_to_string(readme)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", readme.display()));
    let section = text
        .split_once(heading)
        .unwrap_or_else(|| panic!("{}: no heading {heading:?}", readme.display()))
        .1;
    let rows: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(cells)
        .collect();
    assert!(
        rows.len() > 2,
        "{}: no table under {heading:?}",
        readme.display()
    );
    let header: Vec<String> = rows[0].iter().map(|c| c.replace('`', "")).collect();
    let mut problems = Vec::new();
    // Commands naming several reports are pprof usage errors, not a report.
    for report in expected.reports().filter(|r| *r != SEVERAL_REPORTS) {
        let Some(col) = header.iter().position(|h| h == report) else {
            problems.push(format!("no column `{report}`"));
            continue;
        };
        for source in expected.sources() {
            let Some(row) = rows[2..]
                .iter()
                .find(|r| r.first().and_then(|c| row_source(c)) == Some(source.as_str()))
            else {
                problems.push(format!("no row starting with **{source}**"));
                continue;
            };
            let cell = row.get(col).map_or("", String::as_str);
            let want = expected.get(report, source);
            let claimed = match cell {
                "–" | "-" => Some(0),
                c => c.parse::<usize>().ok(),
            };
            if claimed != Some(want) {
                let want = if want == 0 {
                    "–".to_string()
                } else {
                    want.to_string()
                };
                problems.push(format!(
                    "{source} × {report} says {cell:?}, {table} says {want}"
                ));
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} table under {heading:?} disagrees with {table}: {}",
        readme.display(),
        problems.join("; ")
    );
}
