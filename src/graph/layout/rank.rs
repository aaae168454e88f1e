//! Rank assignment by network simplex (Gansner, Koutsofios, North, Vo: "A
//! technique for drawing directed graphs", 1993), as Graphviz's `dot` does.
//!
//! Each node gets an integer rank (its layer) such that every edge `u → v`
//! spans at least its `minlen` (`rank(v) − rank(u) ≥ minlen`) and the total
//! weighted length Σ weight·(rank(v) − rank(u)) is minimal, so heavy edges
//! are short and the drawing is compact. The graph must be acyclic.
//!
//! The algorithm: a feasible ranking (longest path), a spanning tree of
//! tight edges (grown by shifting the tree's ranks towards the nearest
//! non-tree node), then pivots: while a tree edge has a negative cut value,
//! replace it by the non-tree edge of least slack that crosses the same cut.
//! Each connected component is ranked on its own, starting at rank 0.

/// An edge for ranking.
#[derive(Debug, Clone, Copy)]
pub struct RankEdge {
    /// Tail node.
    pub from: usize,
    /// Head node.
    pub to: usize,
    /// Least rank difference.
    pub minlen: i32,
    /// Cost of each rank of length.
    pub weight: f64,
}

/// The ranks of `n` nodes joined by acyclic `edges` (see the module docs).
pub fn rank(n: usize, edges: &[RankEdge]) -> Vec<i32> {
    // Merge parallel edges: weights add up, the longest minlen wins.
    let mut merged: Vec<RankEdge> = Vec::with_capacity(edges.len());
    let mut seen: std::collections::HashMap<(usize, usize), usize> = Default::default();
    for e in edges.iter().filter(|e| e.from != e.to) {
        match seen.get(&(e.from, e.to)) {
            Some(&i) => {
                merged[i].weight += e.weight;
                merged[i].minlen = merged[i].minlen.max(e.minlen);
            }
            None => {
                seen.insert((e.from, e.to), merged.len());
                merged.push(*e);
            }
        }
    }
    let mut ranks = vec![0i32; n];
    for component in components(n, &merged) {
        let mut local = vec![usize::MAX; n];
        for (i, &v) in component.iter().enumerate() {
            local[v] = i;
        }
        let sub: Vec<RankEdge> = merged
            .iter()
            .filter(|e| local[e.from] != usize::MAX)
            .map(|e| RankEdge {
                from: local[e.from],
                to: local[e.to],
                ..*e
            })
            .collect();
        let r = Simplex::new(component.len(), sub).solve();
        for (i, &v) in component.iter().enumerate() {
            ranks[v] = r[i];
        }
    }
    ranks
}

/// The connected components (edges taken undirected), each sorted, in
/// order of their smallest node.
fn components(n: usize, edges: &[RankEdge]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for e in edges {
        let (a, b) = (find(&mut parent, e.from), find(&mut parent, e.to));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index = vec![usize::MAX; n];
    for v in 0..n {
        let r = find(&mut parent, v);
        if index[r] == usize::MAX {
            index[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[index[r]].push(v);
    }
    groups
}

/// Network simplex over one connected component.
struct Simplex {
    n: usize,
    edges: Vec<RankEdge>,
    /// Incident edges per node.
    adj: Vec<Vec<usize>>,
    rank: Vec<i32>,
    in_tree: Vec<bool>,
    /// Tree edges per node.
    tree_adj: Vec<Vec<usize>>,
    /// Tree edge to the parent (`usize::MAX` at the root).
    parent_edge: Vec<usize>,
    low: Vec<usize>,
    lim: Vec<usize>,
    cut: Vec<f64>,
}

impl Simplex {
    fn new(n: usize, edges: Vec<RankEdge>) -> Self {
        let mut adj = vec![Vec::new(); n];
        for (i, e) in edges.iter().enumerate() {
            adj[e.from].push(i);
            adj[e.to].push(i);
        }
        let m = edges.len();
        Simplex {
            n,
            edges,
            adj,
            rank: vec![0; n],
            in_tree: vec![false; m],
            tree_adj: vec![Vec::new(); n],
            parent_edge: vec![usize::MAX; n],
            low: vec![0; n],
            lim: vec![0; n],
            cut: vec![0.0; m],
        }
    }

    fn slack(&self, e: usize) -> i32 {
        let e = &self.edges[e];
        self.rank[e.to] - self.rank[e.from] - e.minlen
    }

    fn solve(mut self) -> Vec<i32> {
        if self.n == 1 {
            return vec![0];
        }
        self.longest_path();
        self.feasible_tree();
        self.init_low_lim();
        self.init_cut_values();
        let limit = 20 * self.n + 1000;
        for _ in 0..limit {
            let Some(leave) =
                (0..self.edges.len()).find(|&e| self.in_tree[e] && self.cut[e] < -1e-9)
            else {
                break;
            };
            let Some(enter) = self.enter_edge(leave) else {
                break;
            };
            self.exchange(leave, enter);
        }
        let min = self.rank.iter().copied().min().unwrap_or(0);
        self.rank.iter().map(|r| r - min).collect()
    }

    /// A feasible ranking: each node as low as its successors allow... as
    /// high as its predecessors allow, in topological order.
    fn longest_path(&mut self) {
        let mut indeg = vec![0usize; self.n];
        for e in &self.edges {
            indeg[e.to] += 1;
        }
        let mut queue: Vec<usize> = (0..self.n).filter(|&v| indeg[v] == 0).collect();
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            for &e in &self.adj[v] {
                let edge = self.edges[e];
                if edge.from != v {
                    continue;
                }
                let r = self.rank[v] + edge.minlen;
                if r > self.rank[edge.to] {
                    self.rank[edge.to] = r;
                }
                indeg[edge.to] -= 1;
                if indeg[edge.to] == 0 {
                    queue.push(edge.to);
                }
            }
        }
        // Pull sources down next to their successors.
        for &v in queue.iter().rev() {
            let mut best = i32::MAX;
            let mut has_in = false;
            for &e in &self.adj[v] {
                let edge = self.edges[e];
                if edge.to == v {
                    has_in = true;
                    break;
                }
                best = best.min(self.rank[edge.to] - edge.minlen);
            }
            if !has_in && best != i32::MAX {
                self.rank[v] = best;
            }
        }
    }

    /// Grows a spanning tree of tight edges, shifting ranks as needed.
    fn feasible_tree(&mut self) {
        let mut in_t = vec![false; self.n];
        in_t[0] = true;
        let mut size = self.tight_tree(&mut in_t);
        while size < self.n {
            // The non-tree edge with one end in the tree and the least slack.
            let mut best: Option<(i32, usize)> = None;
            for (e, edge) in self.edges.iter().enumerate() {
                if in_t[edge.from] != in_t[edge.to] {
                    let s = self.rank[edge.to] - self.rank[edge.from] - edge.minlen;
                    if best.is_none_or(|(bs, _)| s < bs) {
                        best = Some((s, e));
                    }
                }
            }
            let Some((s, e)) = best else {
                break;
            };
            let delta = if in_t[self.edges[e].from] { s } else { -s };
            for (r, &inside) in self.rank.iter_mut().zip(in_t.iter()) {
                if inside {
                    *r += delta;
                }
            }
            size = self.tight_tree(&mut in_t);
        }
    }

    /// Extends the tree through tight edges; returns its size.
    fn tight_tree(&mut self, in_t: &mut [bool]) -> usize {
        let mut stack: Vec<usize> = (0..self.n).filter(|&v| in_t[v]).collect();
        while let Some(v) = stack.pop() {
            for i in 0..self.adj[v].len() {
                let e = self.adj[v][i];
                let edge = self.edges[e];
                let w = if edge.from == v { edge.to } else { edge.from };
                if !in_t[w] && self.slack(e) == 0 {
                    in_t[w] = true;
                    self.in_tree[e] = true;
                    self.tree_adj[v].push(e);
                    self.tree_adj[w].push(e);
                    stack.push(w);
                }
            }
        }
        in_t.iter().filter(|&&b| b).count()
    }

    /// Postorder numbers: `lim` of each node, `low` the least `lim` in its
    /// subtree; parents from node 0.
    fn init_low_lim(&mut self) {
        let mut next = 1usize;
        self.parent_edge[0] = usize::MAX;
        // Iterative DFS: (node, next tree-edge index).
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        let mut low_start = vec![0usize; self.n];
        low_start[0] = next;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if *i < self.tree_adj[v].len() {
                let e = self.tree_adj[v][*i];
                *i += 1;
                if e == self.parent_edge[v] {
                    continue;
                }
                let edge = self.edges[e];
                let w = if edge.from == v { edge.to } else { edge.from };
                self.parent_edge[w] = e;
                low_start[w] = next;
                stack.push((w, 0));
            } else {
                self.low[v] = low_start[v];
                self.lim[v] = next;
                next += 1;
                stack.pop();
            }
        }
    }

    /// Postorder over the tree: every non-root node's cut value.
    fn init_cut_values(&mut self) {
        let mut order: Vec<usize> = (0..self.n).collect();
        order.sort_by_key(|&v| self.lim[v]);
        for v in order {
            if self.parent_edge[v] != usize::MAX {
                let c = self.cut_value(v);
                self.cut[self.parent_edge[v]] = c;
            }
        }
    }

    /// The cut value of the tree edge between `child` and its parent,
    /// given the cut values of the child's own subtree edges.
    fn cut_value(&self, child: usize) -> f64 {
        let pe = self.parent_edge[child];
        let pedge = self.edges[pe];
        let child_is_tail = pedge.from == child;
        let parent = if child_is_tail { pedge.to } else { pedge.from };
        let mut cut = pedge.weight;
        for &e in &self.adj[child] {
            if e == pe {
                continue;
            }
            let edge = self.edges[e];
            let is_out = edge.from == child;
            let other = if is_out { edge.to } else { edge.from };
            if other == parent && e == pe {
                continue;
            }
            let points_to_head = is_out == child_is_tail;
            cut += if points_to_head {
                edge.weight
            } else {
                -edge.weight
            };
            if self.in_tree[e] {
                let oc = self.cut[e];
                cut += if points_to_head { -oc } else { oc };
            }
        }
        cut
    }

    fn is_descendant(&self, v: usize, root: usize) -> bool {
        self.low[root] <= self.lim[v] && self.lim[v] <= self.lim[root]
    }

    /// The non-tree edge of least slack that reconnects the two parts of
    /// the tree split at `leave`.
    fn enter_edge(&self, leave: usize) -> Option<usize> {
        let edge = self.edges[leave];
        let (v, w) = (edge.from, edge.to);
        let (tail, flip) = if self.lim[v] > self.lim[w] {
            (w, true)
        } else {
            (v, false)
        };
        let mut best: Option<(i32, usize)> = None;
        for (e, f) in self.edges.iter().enumerate() {
            if self.in_tree[e] {
                continue;
            }
            if flip == self.is_descendant(f.from, tail) && flip != self.is_descendant(f.to, tail) {
                let s = self.slack(e);
                if best.is_none_or(|(bs, _)| s < bs) {
                    best = Some((s, e));
                }
            }
        }
        best.map(|(_, e)| e)
    }

    fn exchange(&mut self, leave: usize, enter: usize) {
        let l = self.edges[leave];
        self.in_tree[leave] = false;
        self.tree_adj[l.from].retain(|&x| x != leave);
        self.tree_adj[l.to].retain(|&x| x != leave);
        let f = self.edges[enter];
        self.in_tree[enter] = true;
        self.tree_adj[f.from].push(enter);
        self.tree_adj[f.to].push(enter);
        self.init_low_lim();
        self.init_cut_values();
        self.update_ranks();
    }

    /// Ranks from the tree: each node at its parent's rank ± the edge's minlen.
    fn update_ranks(&mut self) {
        let mut order: Vec<usize> = (0..self.n).collect();
        order.sort_by_key(|&v| std::cmp::Reverse(self.lim[v]));
        for v in order {
            let pe = self.parent_edge[v];
            if pe == usize::MAX {
                continue;
            }
            let e = self.edges[pe];
            self.rank[v] = if e.from == v {
                self.rank[e.to] - e.minlen
            } else {
                self.rank[e.from] + e.minlen
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(from: usize, to: usize, minlen: i32, weight: f64) -> RankEdge {
        RankEdge {
            from,
            to,
            minlen,
            weight,
        }
    }

    fn check(n: usize, edges: &[RankEdge]) -> Vec<i32> {
        let r = rank(n, edges);
        for x in edges {
            assert!(r[x.to] - r[x.from] >= x.minlen, "{x:?} in {r:?}");
        }
        r
    }

    #[test]
    fn chain_and_shortcut() {
        // a→b→c→d and a→d: a→d must span 3.
        let r = check(
            4,
            &[
                e(0, 1, 1, 1.0),
                e(1, 2, 1, 1.0),
                e(2, 3, 1, 1.0),
                e(0, 3, 1, 1.0),
            ],
        );
        assert_eq!(r, [0, 1, 2, 3]);
    }

    #[test]
    fn heavy_edges_stay_short() {
        // Two roots into one node; the source with one long and one short
        // path sits next to its heavy successor.
        let r = check(
            5,
            &[
                e(0, 1, 1, 1.0),
                e(1, 2, 1, 1.0),
                e(2, 3, 1, 1.0),
                e(4, 3, 1, 10.0),
            ],
        );
        assert_eq!(r[3] - r[4], 1);
    }

    #[test]
    fn components_start_at_zero() {
        let r = check(4, &[e(0, 1, 2, 1.0), e(2, 3, 1, 1.0)]);
        assert_eq!(r, [0, 2, 0, 1]);
    }

    #[test]
    fn network_simplex_beats_longest_path() {
        // The classic example: a feasible longest-path ranking is not
        // optimal; the total length must reach the optimum.
        let edges = [
            e(0, 1, 1, 1.0),
            e(1, 2, 1, 1.0),
            e(2, 3, 1, 1.0),
            e(3, 7, 1, 1.0),
            e(0, 4, 1, 1.0),
            e(0, 5, 1, 1.0),
            e(4, 6, 1, 1.0),
            e(5, 6, 1, 1.0),
            e(6, 7, 1, 1.0),
        ];
        let r = check(8, &edges);
        let total: i32 = edges.iter().map(|x| r[x.to] - r[x.from]).sum();
        assert_eq!(total, 10);
    }
}
