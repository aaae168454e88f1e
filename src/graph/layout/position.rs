//! Horizontal coordinates by Brandes and Köpf ("Fast and Simple Horizontal
//! Coordinate Assignment", 2001), as `dagre` does it.
//!
//! Four passes (aligning each node with the median of its upper or lower
//! neighbours, sweeping from the left or the right) each stack nodes into
//! vertical blocks and pack the blocks as tightly as the node widths and
//! separations allow; long edges (chains of virtual nodes) stay straight
//! because segments between two virtual nodes win conflicts. The final x of
//! a node is the mean of the two middle values of its four candidates,
//! after aligning the four layouts to the narrowest one.

/// The x coordinate of every node's centre. `layers` in order, `up`/`down`
/// the neighbours in the previous/next layer, `width` per node, `virt` marks
/// virtual nodes, `sep(a, b)` the least gap between two real nodes' boxes
/// (virtual nodes use `vsep`).
pub fn position_x(
    layers: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    width: &[f64],
    virt: &[bool],
    sep: f64,
    vsep: f64,
) -> Vec<f64> {
    let n = width.len();
    let conflicts = type1_conflicts(layers, up, virt);
    let mut results: Vec<Vec<f64>> = Vec::with_capacity(4);
    for vertical_up in [true, false] {
        let mut adjusted: Vec<Vec<usize>> = if vertical_up {
            layers.to_vec()
        } else {
            layers.iter().rev().cloned().collect()
        };
        for right in [false, true] {
            if right {
                adjusted = adjusted
                    .iter()
                    .map(|l| l.iter().rev().copied().collect())
                    .collect();
            }
            let neighbours = if vertical_up { up } else { down };
            let (root, align) = vertical_alignment(&adjusted, neighbours, &conflicts, n);
            let mut xs =
                horizontal_compaction(&adjusted, &root, &align, width, virt, sep, vsep, right);
            if right {
                for x in &mut xs {
                    *x = -*x;
                }
            }
            results.push(xs);
        }
    }
    // Align the four layouts to the narrowest.
    let extent = |xs: &[f64]| {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for v in 0..n {
            lo = lo.min(xs[v] - width[v] / 2.0);
            hi = hi.max(xs[v] + width[v] / 2.0);
        }
        (lo, hi)
    };
    let (best, _) = results
        .iter()
        .enumerate()
        .map(|(i, xs)| {
            let (lo, hi) = extent(xs);
            (i, hi - lo)
        })
        .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
    let (blo, bhi) = extent(&results[best]);
    for (i, xs) in results.iter_mut().enumerate() {
        if i == best {
            continue;
        }
        let (lo, hi) = extent(xs);
        // Left-aligned passes (0, 2) match the left edge, right ones the right.
        let delta = if i % 2 == 0 { blo - lo } else { bhi - hi };
        for x in xs.iter_mut() {
            *x += delta;
        }
    }
    (0..n)
        .map(|v| {
            let mut c = [results[0][v], results[1][v], results[2][v], results[3][v]];
            c.sort_by(f64::total_cmp);
            (c[1] + c[2]) / 2.0
        })
        .collect()
}

/// Type 1 conflicts: a segment between two virtual nodes crossed by an
/// edge with a real end; that edge yields (it is not aligned).
fn type1_conflicts(
    layers: &[Vec<usize>],
    up: &[Vec<usize>],
    virt: &[bool],
) -> std::collections::HashSet<(usize, usize)> {
    let mut conflicts = std::collections::HashSet::new();
    let mut pos = vec![0usize; up.len()];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    for r in 1..layers.len() {
        let prev_len = layers[r - 1].len();
        let layer = &layers[r];
        let (mut k0, mut scan) = (0usize, 0usize);
        for (i, &v) in layer.iter().enumerate() {
            let inner = if virt[v] {
                up[v].iter().copied().find(|&u| virt[u])
            } else {
                None
            };
            let k1 = inner.map_or(prev_len, |u| pos[u]);
            if inner.is_some() || i == layer.len() - 1 {
                for &s in &layer[scan..=i] {
                    for &u in &up[s] {
                        let p = pos[u];
                        if (p < k0 || k1 < p) && !(virt[u] && virt[s]) {
                            conflicts.insert((u.min(s), u.max(s)));
                        }
                    }
                }
                scan = i + 1;
                k0 = k1;
            }
        }
    }
    conflicts
}

/// Blocks of nodes aligned with the median neighbour: `root` of each node's
/// block and `align`, the next node down the block (cyclic).
fn vertical_alignment(
    layers: &[Vec<usize>],
    neighbours: &[Vec<usize>],
    conflicts: &std::collections::HashSet<(usize, usize)>,
    n: usize,
) -> (Vec<usize>, Vec<usize>) {
    let mut root: Vec<usize> = (0..n).collect();
    let mut align: Vec<usize> = (0..n).collect();
    let mut pos = vec![0usize; n];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    for layer in layers {
        let mut prev: isize = -1;
        for &v in layer {
            let mut ws: Vec<usize> = neighbours[v].clone();
            if ws.is_empty() {
                continue;
            }
            ws.sort_by_key(|&w| pos[w]);
            let mp = (ws.len() as f64 - 1.0) / 2.0;
            for &w in &ws[(mp.floor() as usize)..=(mp.ceil() as usize)] {
                if align[v] == v
                    && prev < pos[w] as isize
                    && !conflicts.contains(&(v.min(w), v.max(w)))
                {
                    align[w] = v;
                    root[v] = root[w];
                    align[v] = root[v];
                    prev = pos[w] as isize;
                }
            }
        }
    }
    (root, align)
}

/// Packs the blocks left to right as tightly as the separations allow, then
/// pulls each block right towards its right neighbours where there is room.
#[allow(clippy::too_many_arguments)]
fn horizontal_compaction(
    layers: &[Vec<usize>],
    root: &[usize],
    _align: &[usize],
    width: &[f64],
    virt: &[bool],
    sep: f64,
    vsep: f64,
    _right: bool,
) -> Vec<f64> {
    let n = root.len();
    // Block graph: an edge from the block of u to the block of its right
    // neighbour v, weighted by the least distance between their centres.
    let mut out: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut inn: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let gap = |v: usize| if virt[v] { vsep } else { sep };
    let mut edge_w: std::collections::HashMap<(usize, usize), f64> = Default::default();
    for layer in layers {
        for pair in layer.windows(2) {
            let (u, v) = (pair[0], pair[1]);
            let d = width[u] / 2.0 + gap(u) / 2.0 + gap(v) / 2.0 + width[v] / 2.0;
            let key = (root[u], root[v]);
            let e = edge_w.entry(key).or_insert(0.0);
            *e = e.max(d);
        }
    }
    let mut keys: Vec<(&(usize, usize), &f64)> = edge_w.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    for (&(a, b), &d) in keys {
        out[a].push((b, d));
        inn[b].push((a, d));
    }
    // Topological order of the roots.
    let roots: Vec<usize> = (0..n).filter(|&v| root[v] == v).collect();
    let mut indeg = vec![0usize; n];
    for &r in &roots {
        indeg[r] = inn[r].len();
    }
    let mut topo: Vec<usize> = roots.iter().copied().filter(|&r| indeg[r] == 0).collect();
    let mut head = 0;
    while head < topo.len() {
        let v = topo[head];
        head += 1;
        for &(w, _) in &out[v] {
            indeg[w] -= 1;
            if indeg[w] == 0 {
                topo.push(w);
            }
        }
    }
    // A cycle would mean inconsistent layers; place the leftovers after.
    if topo.len() < roots.len() {
        let mut placed = vec![false; n];
        for &v in &topo {
            placed[v] = true;
        }
        topo.extend(roots.iter().copied().filter(|&r| !placed[r]));
    }
    let mut xs = vec![0.0f64; n];
    for &v in &topo {
        xs[v] = inn[v].iter().map(|&(u, d)| xs[u] + d).fold(0.0, f64::max);
    }
    for &v in topo.iter().rev() {
        let min = out[v]
            .iter()
            .map(|&(w, d)| xs[w] - d)
            .fold(f64::INFINITY, f64::min);
        if min.is_finite() && min > xs[v] {
            xs[v] = min;
        }
    }
    (0..n).map(|v| xs[root[v]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_is_straight_and_siblings_apart() {
        // 0 above 1 and 2; 1 above 3.
        let layers = vec![vec![0], vec![1, 2], vec![3]];
        let down = vec![vec![1, 2], vec![3], vec![], vec![]];
        let up = vec![vec![], vec![0], vec![0], vec![1]];
        let width = vec![50.0; 4];
        let x = position_x(&layers, &up, &down, &width, &[false; 4], 10.0, 5.0);
        assert!((x[2] - x[1]) >= 60.0 - 1e-9, "{x:?}");
        assert!((x[3] - x[1]).abs() < 1e-9, "{x:?}");
        assert!(x[0] >= x[1] - 1e-9 && x[0] <= x[2] + 1e-9, "{x:?}");
    }
}
