//! `pprofx pgo diff OLD NEW`: is it time to refresh `default.pgo`?
//!
//! Both profiles are reduced to the compiler's edges and hot sets. A call
//! site (caller, offset, callee) **entered** the hot set when it is hot in
//! NEW and not in OLD (also when OLD does not have it), and **left** it in
//! the opposite case. The weight that **moved** is the total variation
//! distance between the two edge-weight distributions: half the sum, over
//! all edges, of |share in NEW − share in OLD|; 0 % for the same
//! proportions, 100 % for disjoint edges. A call site whose offset changed
//! because lines were added above it in its function counts as one edge
//! leaving and another entering, which is what the compiler sees: the old
//! profile no longer matches that call.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use serde_json::{json, Value};

use super::edges::{EdgeKey, EdgeTable};
use super::hot::{hot_set, percent, HotSet};

/// One side of the comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// The inputs.
    pub name: String,
    /// Its edges.
    pub table: EdgeTable,
    /// Its hot set.
    pub hot: HotSet,
}

impl Side {
    /// A side with its hot set for the CDF threshold.
    pub fn new(name: &str, table: EdgeTable, cdf_threshold: f64) -> Self {
        let hot = hot_set(&table, cdf_threshold);
        Side {
            name: name.to_string(),
            table,
            hot,
        }
    }

    fn hot_keys(&self) -> HashSet<&EdgeKey> {
        self.table.edges[..self.hot.count]
            .iter()
            .map(|e| &e.key)
            .collect()
    }
}

/// A call site whose hot status changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The edge.
    pub key: EdgeKey,
    /// The call's file and line (NEW's, else OLD's), when known.
    pub call_site: Option<(String, i64)>,
    /// Weight in OLD (0 when absent).
    pub old_weight: i64,
    /// Weight in NEW.
    pub new_weight: i64,
    /// Share of OLD's total, in percent.
    pub old_share: f64,
    /// Share of NEW's total, in percent.
    pub new_share: f64,
}

/// The comparison.
#[derive(Debug, Clone)]
pub struct PgoDiff {
    /// OLD.
    pub old: Side,
    /// NEW.
    pub new: Side,
    /// Hot in NEW, not in OLD: NEW's heaviest first.
    pub entered: Vec<Change>,
    /// Hot in OLD, not in NEW: OLD's heaviest first.
    pub left: Vec<Change>,
    /// Hot in both.
    pub stayed: usize,
    /// Total variation distance of the edge shares, in percent.
    pub moved: f64,
    /// NEW's weight on the entered edges, in percent of NEW's total.
    pub entered_share: f64,
    /// OLD's weight on the edges that left, in percent of OLD's total.
    pub left_share: f64,
    /// The gate (`--fail_above`, percent of moved weight).
    pub fail_above: Option<f64>,
    /// Rows listed per section in the text output (`None` = all).
    pub rowcount: Option<usize>,
}

fn share(w: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        percent(w, total)
    }
}

impl PgoDiff {
    /// Compares two sides.
    pub fn new(old: Side, new: Side, fail_above: Option<f64>, rowcount: Option<usize>) -> Self {
        let (ow, nw) = (old.table.weights(), new.table.weights());
        let (ot, nt) = (old.table.total_weight, new.table.total_weight);
        let sites: HashMap<&EdgeKey, &Option<(String, i64)>> = old
            .table
            .edges
            .iter()
            .chain(&new.table.edges)
            .map(|e| (&e.key, &e.call_site))
            .collect();
        let change = |k: &EdgeKey| {
            let (o, n) = (
                ow.get(k).copied().unwrap_or(0),
                nw.get(k).copied().unwrap_or(0),
            );
            let site = new
                .table
                .edges
                .iter()
                .find(|e| &e.key == k)
                .and_then(|e| e.call_site.clone())
                .or_else(|| sites.get(k).and_then(|s| (*s).clone()));
            Change {
                key: k.clone(),
                call_site: site,
                old_weight: o,
                new_weight: n,
                old_share: share(o, ot),
                new_share: share(n, nt),
            }
        };
        let (oh, nh) = (old.hot_keys(), new.hot_keys());
        let entered: Vec<Change> = new.table.edges[..new.hot.count]
            .iter()
            .filter(|e| !oh.contains(&e.key))
            .map(|e| change(&e.key))
            .collect();
        let left: Vec<Change> = old.table.edges[..old.hot.count]
            .iter()
            .filter(|e| !nh.contains(&e.key))
            .map(|e| change(&e.key))
            .collect();
        let stayed = nh.iter().filter(|k| oh.contains(*k)).count();
        let moved = match (ot == 0, nt == 0) {
            (true, true) => 0.0,
            (true, false) | (false, true) => 100.0,
            _ => {
                let keys: HashSet<&EdgeKey> = ow.keys().chain(nw.keys()).copied().collect();
                let sum: f64 = keys
                    .iter()
                    .map(|k| {
                        let o = ow.get(*k).copied().unwrap_or(0) as f64 / ot as f64;
                        let n = nw.get(*k).copied().unwrap_or(0) as f64 / nt as f64;
                        (n - o).abs()
                    })
                    .sum();
                sum * 50.0
            }
        };
        let entered_share = share(entered.iter().map(|c| c.new_weight).sum(), nt);
        let left_share = share(left.iter().map(|c| c.old_weight).sum(), ot);
        PgoDiff {
            old,
            new,
            entered,
            left,
            stayed,
            moved,
            entered_share,
            left_share,
            fail_above,
            rowcount,
        }
    }

    /// True when the moved weight is above the gate.
    pub fn crossed(&self) -> bool {
        self.fail_above.is_some_and(|f| self.moved > f)
    }

    /// The comparison as text.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "PGO diff: {} -> {}", self.old.name, self.new.name)?;
        let labels = [
            (format!("old: {}", self.old.name), &self.old),
            (format!("new: {}", self.new.name), &self.new),
        ];
        let nw = labels.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        writeln!(
            w,
            "{:nw$}  {:>12}  {:>6}  {:>6}  {:>9}",
            "", "total weight", "edges", "hot", "threshold"
        )?;
        for (label, s) in &labels {
            writeln!(
                w,
                "{:nw$}  {:>12}  {:>6}  {:>6}  {:>9}",
                label,
                s.table.total_weight,
                s.table.edges.len(),
                s.hot.count,
                s.hot.threshold_weight,
            )?;
        }
        writeln!(
            w,
            "Weight moved between call sites: {:.2}% (half the sum of the changes of each edge's share)",
            self.moved
        )?;
        writeln!(
            w,
            "Entered the hot set: {} edges, {:.2}% of the new weight (the old profile leaves them to the default budget)",
            self.entered.len(),
            self.entered_share
        )?;
        writeln!(
            w,
            "Left the hot set: {} edges, {:.2}% of the old weight (the old profile spends inlining budget there)",
            self.left.len(),
            self.left_share
        )?;
        writeln!(w, "Hot in both: {} edges", self.stayed)?;
        for (title, rows) in [("entered", &self.entered), ("left", &self.left)] {
            if rows.is_empty() {
                continue;
            }
            let shown = self.rowcount.map_or(rows.len(), |n| n.min(rows.len()));
            writeln!(w)?;
            if shown < rows.len() {
                writeln!(w, "Showing {shown} of {} edges that {title}", rows.len())?;
            }
            let sites: Vec<String> = rows[..shown]
                .iter()
                .map(|c| {
                    c.call_site
                        .as_ref()
                        .map_or("?".to_string(), |(f, l)| format!("{f}:{l}"))
                })
                .collect();
            let sw = sites.iter().map(|s| s.len()).max().unwrap_or(0).max(9);
            writeln!(
                w,
                "{:8} {:>8} {:>8}  {:sw$}  caller:offset -> callee",
                "status", "old%", "new%", "call site"
            )?;
            for (c, site) in rows[..shown].iter().zip(&sites) {
                writeln!(
                    w,
                    "{:8} {:>7.2}% {:>7.2}%  {:sw$}  {}:{} -> {}",
                    title,
                    c.old_share,
                    c.new_share,
                    site,
                    c.key.caller,
                    c.key.call_site_offset,
                    c.key.callee
                )?;
            }
        }
        if let Some(f) = self.fail_above {
            writeln!(w)?;
            if self.crossed() {
                writeln!(
                    w,
                    "{:.2}% of the weight moved, more than --fail_above={}%: time to refresh default.pgo (exit 3)",
                    self.moved, f
                )?;
            } else {
                writeln!(
                    w,
                    "{:.2}% of the weight moved, not more than --fail_above={}%",
                    self.moved, f
                )?;
            }
        }
        Ok(())
    }

    /// The comparison as JSON (`schema_version` 1).
    pub fn to_json(&self) -> Value {
        let side = |s: &Side| {
            json!({
                "profile": s.name,
                "sample_type": s.table.sample_type,
                "total_weight": s.table.total_weight,
                "edge_count": s.table.edges.len(),
                "hot_edge_count": s.hot.count,
                "threshold_weight": s.hot.threshold_weight,
            })
        };
        let rows = |v: &[Change]| -> Vec<Value> {
            v.iter()
                .map(|c| {
                    json!({
                        "caller": c.key.caller,
                        "callee": c.key.callee,
                        "call_site_offset": c.key.call_site_offset,
                        "call_site": c.call_site.as_ref().map(|(f, l)| format!("{f}:{l}")),
                        "old_weight": c.old_weight,
                        "new_weight": c.new_weight,
                        "old_share_percent": c.old_share,
                        "new_share_percent": c.new_share,
                    })
                })
                .collect()
        };
        json!({
            "schema_version": 1,
            "report": "pgo_diff",
            "old": side(&self.old),
            "new": side(&self.new),
            "moved_percent": self.moved,
            "entered_share_percent": self.entered_share,
            "left_share_percent": self.left_share,
            "hot_in_both": self.stayed,
            "entered": rows(&self.entered),
            "left": rows(&self.left),
            "fail_above_percent": self.fail_above,
            "crossed": self.crossed(),
        })
    }
}

impl crate::report::Render for PgoDiff {
    fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        PgoDiff::write_text(self, w)
    }
    fn to_json(&self) -> Value {
        PgoDiff::to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgo::edges::Edge;

    fn table(edges: &[(&str, i64)]) -> EdgeTable {
        let edges = edges
            .iter()
            .map(|&(c, w)| Edge {
                key: EdgeKey {
                    caller: c.into(),
                    callee: "x".into(),
                    call_site_offset: 1,
                },
                weight: w,
                call_site: None,
                caller_start_line: 1,
                callee_file: String::new(),
                callee_start_line: 0,
                inlined: false,
            })
            .collect();
        EdgeTable::from_edges(edges, Some("samples/count".into()))
    }

    #[test]
    fn entered_left_and_moved() {
        // Threshold 50 %: OLD's hot set is {a}, NEW's is {b}.
        let old = Side::new("old", table(&[("a", 60), ("b", 30), ("c", 10)]), 50.0);
        let new = Side::new("new", table(&[("a", 20), ("b", 70), ("d", 10)]), 50.0);
        let d = PgoDiff::new(old, new, Some(30.0), None);
        assert_eq!(d.entered.len(), 1);
        assert_eq!(d.entered[0].key.caller, "b");
        assert_eq!(d.left[0].key.caller, "a");
        assert_eq!(d.stayed, 0);
        // |20-60| + |70-30| + |0-10| + |10-0| = 100 → 50 %.
        assert!((d.moved - 50.0).abs() < 1e-9);
        assert!((d.entered_share - 70.0).abs() < 1e-9);
        assert!((d.left_share - 60.0).abs() < 1e-9);
        assert!(d.crossed());
        let same = PgoDiff::new(
            Side::new("o", table(&[("a", 6), ("b", 4)]), 99.0),
            Side::new("n", table(&[("a", 3), ("b", 2)]), 99.0),
            Some(0.0),
            None,
        );
        assert_eq!(same.moved, 0.0);
        assert!(!same.crossed());
        assert!(same.entered.is_empty() && same.left.is_empty());
    }
}
