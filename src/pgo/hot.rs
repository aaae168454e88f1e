//! The inliner's hot call sites (`cmd/compile/internal/inline.hotNodesFromCDF`).
//!
//! Walking the edges in the compiler's order, the hot set is the shortest
//! prefix whose cumulative weight is more than the CDF threshold (99 %) of
//! the total, the edge that crosses the threshold included. Percentages are
//! computed as the compiler does (`float64(w) / float64(total) * 100`), so
//! the boundary is the same to the last edge. Edges after the crossing one
//! are cold even when their weight equals the threshold weight.

use super::edges::EdgeTable;

/// The hot set of an edge table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HotSet {
    /// The first `count` edges (in the table's order) are hot.
    pub count: usize,
    /// Weight of the edge that crossed the threshold (0 when none did).
    pub threshold_weight: i64,
    /// That weight as a percentage of the total (what `-d=pgodebug=1`
    /// prints as `hot-callsite-thres-from-CDF`).
    pub threshold_percent: f64,
}

/// The compiler's `WeightInPercentage`.
pub fn percent(value: i64, total: i64) -> f64 {
    (value as f64 / total as f64) * 100.0
}

/// The hot set of `t` for a CDF threshold in percent (the compiler's default
/// is [`super::CDF_THRESHOLD`]). When no prefix crosses the threshold (an
/// empty table, or negative weights), every edge is hot and the threshold is 0.
pub fn hot_set(t: &EdgeTable, cdf_threshold: f64) -> HotSet {
    let mut cum: i64 = 0;
    for (i, e) in t.edges.iter().enumerate() {
        cum = cum.wrapping_add(e.weight);
        if percent(cum, t.total_weight) > cdf_threshold {
            return HotSet {
                count: i + 1,
                threshold_weight: e.weight,
                threshold_percent: percent(e.weight, t.total_weight),
            };
        }
    }
    HotSet {
        count: t.edges.len(),
        threshold_weight: 0,
        threshold_percent: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgo::edges::{Edge, EdgeKey};

    fn table(weights: &[i64]) -> EdgeTable {
        let edges = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Edge {
                key: EdgeKey {
                    caller: format!("c{i:03}"),
                    callee: "x".into(),
                    call_site_offset: 0,
                },
                weight: w,
                call_site: None,
                caller_start_line: 1,
                callee_file: String::new(),
                callee_start_line: 0,
                inlined: false,
            })
            .collect();
        EdgeTable::from_edges(edges, None)
    }

    #[test]
    fn crossing_edge_is_included() {
        // 60 + 39 = 99 % is not more than 99 %: the third edge crosses.
        let t = table(&[60, 39, 1]);
        let h = hot_set(&t, 99.0);
        assert_eq!(h.count, 3);
        assert_eq!(h.threshold_weight, 1);
        // One heavy edge over a 50 % threshold is hot alone.
        let h = hot_set(&t, 50.0);
        assert_eq!((h.count, h.threshold_weight), (1, 60));
    }

    #[test]
    fn equal_weights_after_the_crossing_edge_stay_cold() {
        let mut w = vec![1000];
        w.extend(std::iter::repeat_n(1, 20));
        let t = table(&w);
        // 1000 + 9 of 1020 = 98.92 %, 1000 + 10 = 99.02 % > 99 %: 11 hot,
        // 10 edges of weight 1 cold.
        let h = hot_set(&t, 99.0);
        assert_eq!(h.count, 11);
        assert_eq!(h.threshold_weight, 1);
        assert!((h.threshold_percent - 100.0 / 1020.0).abs() < 1e-12);
    }

    #[test]
    fn empty_table_is_all_hot() {
        let h = hot_set(&EdgeTable::default(), 99.0);
        assert_eq!(h.count, 0);
        assert_eq!(h.threshold_weight, 0);
    }
}
