//! Crossing reduction: the order of the nodes within each layer.
//!
//! The layered graph is proper (every edge joins adjacent layers; long
//! edges were cut into chains of virtual nodes). As in `dot`: an initial
//! order by depth-first search, then sweeps down and up the layers that
//! sort each layer by the weighted median position of its neighbours in
//! the layer just fixed, each followed by "transpose" (swapping neighbours
//! while that removes crossings). The best order seen is kept. Crossings
//! between two layers are counted as inversions (Barth, Jünger, Mutzel).

/// The layers, each a list of node ids in order. `down[v]`/`up[v]` are the
/// neighbours of `v` in the next/previous layer. `pinned` nodes keep their
/// place at the start of their layer.
pub fn order(layers: &mut [Vec<usize>], down: &[Vec<usize>], up: &[Vec<usize>], pinned: &[bool]) {
    let n = down.len();
    let mut pos = vec![0usize; n];
    let set_pos = |layers: &[Vec<usize>], pos: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    set_pos(layers, &mut pos);
    let mut best = layers.to_vec();
    let mut best_cross = total_crossings(layers, down, &pos);
    const ITERATIONS: usize = 24;
    let mut since_best = 0;
    for iter in 0..ITERATIONS {
        if best_cross == 0 {
            break;
        }
        let downward = iter % 2 == 0;
        if downward {
            for layer in layers.iter_mut().skip(1) {
                sort_by_median(layer, up, &pos, pinned);
                for (i, &v) in layer.iter().enumerate() {
                    pos[v] = i;
                }
            }
        } else {
            for r in (0..layers.len().saturating_sub(1)).rev() {
                sort_by_median(&mut layers[r], down, &pos, pinned);
                for (i, &v) in layers[r].iter().enumerate() {
                    pos[v] = i;
                }
            }
        }
        transpose(layers, down, up, &mut pos, pinned);
        let c = total_crossings(layers, down, &pos);
        if c < best_cross {
            best_cross = c;
            best = layers.to_vec();
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= 8 {
                break;
            }
        }
    }
    layers.clone_from_slice(&best);
}

/// The number of edge crossings of the whole layering.
pub fn total_crossings(layers: &[Vec<usize>], down: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    for r in 0..layers.len().saturating_sub(1) {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &v in &layers[r] {
            for &w in &down[v] {
                pairs.push((pos[v], pos[w]));
            }
        }
        total += inversions(&mut pairs, layers[r + 1].len());
    }
    total
}

/// Crossings of the edges `(upper position, lower position)`: pairs whose
/// order differs between the layers, counted with a Fenwick tree.
fn inversions(pairs: &mut [(usize, usize)], width: usize) -> usize {
    pairs.sort_unstable();
    let mut tree = vec![0usize; width + 1];
    let mut count = 0;
    for (seen, &(_, lower)) in pairs.iter().enumerate() {
        // Edges seen so far that end right of `lower` cross this one.
        let mut i = lower + 1;
        let mut at_or_left = 0;
        while i > 0 {
            at_or_left += tree[i];
            i &= i - 1;
        }
        count += seen - at_or_left;
        let mut i = lower + 1;
        while i <= width {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    count
}

/// Sorts a layer by the weighted median of each node's neighbours (in the
/// fixed adjacent layer); nodes without neighbours and pinned nodes keep
/// their places.
fn sort_by_median(layer: &mut [usize], adj: &[Vec<usize>], pos: &[usize], pinned: &[bool]) {
    let mut keyed: Vec<(f64, usize)> = Vec::with_capacity(layer.len());
    let mut fixed = vec![false; layer.len()];
    for (i, &v) in layer.iter().enumerate() {
        let m = median(&adj[v], pos);
        if pinned[v] || m < 0.0 {
            fixed[i] = true;
        } else {
            keyed.push((m, v));
        }
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut it = keyed.into_iter();
    for (i, slot) in layer.iter_mut().enumerate() {
        if !fixed[i] {
            if let Some((_, v)) = it.next() {
                *slot = v;
            }
        }
    }
}

/// Gansner's weighted median of the neighbours' positions (-1 without any).
fn median(adj: &[usize], pos: &[usize]) -> f64 {
    let mut p: Vec<f64> = adj.iter().map(|&w| pos[w] as f64).collect();
    p.sort_by(f64::total_cmp);
    let n = p.len();
    match n {
        0 => -1.0,
        _ if n % 2 == 1 => p[n / 2],
        2 => (p[0] + p[1]) / 2.0,
        _ => {
            let m = n / 2;
            let left = p[m - 1] - p[0];
            let right = p[n - 1] - p[m];
            if left + right == 0.0 {
                (p[m - 1] + p[m]) / 2.0
            } else {
                (p[m - 1] * right + p[m] * left) / (left + right)
            }
        }
    }
}

/// Crossings between the edges of `v` and of `w` (`v` left of `w`) towards
/// the neighbours in `adj`.
fn pair_crossings(v: usize, w: usize, adj: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut c = 0;
    for &a in &adj[v] {
        for &b in &adj[w] {
            if pos[a] > pos[b] {
                c += 1;
            }
        }
    }
    c
}

/// Swaps neighbours in each layer while that reduces crossings.
fn transpose(
    layers: &mut [Vec<usize>],
    down: &[Vec<usize>],
    up: &[Vec<usize>],
    pos: &mut [usize],
    pinned: &[bool],
) {
    for _ in 0..4 {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 1..layer.len() {
                let (v, w) = (layer[i - 1], layer[i]);
                if pinned[v] || pinned[w] {
                    continue;
                }
                let now = pair_crossings(v, w, up, pos) + pair_crossings(v, w, down, pos);
                let swapped = pair_crossings(w, v, up, pos) + pair_crossings(w, v, down, pos);
                if swapped < now {
                    layer.swap(i - 1, i);
                    pos[w] = i - 1;
                    pos[v] = i;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_inversions() {
        let mut p = vec![(0, 1), (1, 0)];
        assert_eq!(inversions(&mut p, 2), 1);
        let mut p = vec![(0, 0), (0, 1), (1, 0), (1, 1)];
        assert_eq!(inversions(&mut p, 2), 1);
        let mut p = vec![(0, 0), (1, 1)];
        assert_eq!(inversions(&mut p, 2), 0);
    }

    #[test]
    fn uncrosses_a_swap() {
        // 0→3, 1→2 cross; the reordering removes the crossing.
        let mut layers = vec![vec![0, 1], vec![2, 3]];
        let down = vec![vec![3], vec![2], vec![], vec![]];
        let up = vec![vec![], vec![], vec![1], vec![0]];
        order(&mut layers, &down, &up, &[false; 4]);
        let mut pos = vec![0; 4];
        for l in &layers {
            for (i, &v) in l.iter().enumerate() {
                pos[v] = i;
            }
        }
        assert_eq!(total_crossings(&layers, &down, &pos), 0);
    }
}
