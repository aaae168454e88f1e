#!/usr/bin/env python3
"""Compares pprofx's call graph layout with Graphviz's on the same graph.

For each case, pprofx writes the DOT (`pprofx graph --format=dot`) and its own
drawing (`--format=svg`); Graphviz's `dot -Tsvg` lays out that DOT. Both SVGs
are measured the same way:

* crossings: pairs of edges (not sharing a node) whose curves cross, the
  curves flattened into 16 segments per Bezier piece;
* area: the drawing's width x height in square inches (72 pt per inch);
* time: wall-clock seconds of pprofx (profile to SVG) and of `dot -Tsvg`
  (DOT to SVG; the DOT itself costs pprofx a few ms).

With --png DIR it also writes side-by-side pictures (rsvg-convert). Writes a
Markdown table on stdout. Developer tool: needs graphviz (and librsvg2-bin for
--png) installed; nothing in the build or the tests needs them.

Usage: scripts/graph-readability.py [--png DIR] PPROFX CORPUS_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import time

CASES = [
    ("go-cpu-mixed", ["go-cpu-mixed.pb.gz"]),
    ("go-heap_t1", ["go-heap_t1.pb.gz"]),
    ("real-cpu-merged", ["real-cpu-merged.pb.gz"]),
    ("real-cpu-merged -nodecount=200", ["-nodecount=200", "real-cpu-merged.pb.gz"]),
]

NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def edges_of(svg):
    """(tail, head, [points]) per edge group: the flattened path."""
    out = []
    for m in re.finditer(r'<g id="edge\d+" class="edge">(.*?)</g>\s*(?=<g id="(?:edge|node|clust)|</g>)', svg, re.S):
        body = m.group(1)
        t = re.search(r"<title>(.*?)&#45;&gt;(.*?)</title>", body)
        d = re.search(r'<path[^>]* d="([^"]+)"', body)
        if not t or not d:
            continue
        nums = [float(x) for x in NUM.findall(d.group(1))]
        pts = list(zip(nums[0::2], nums[1::2]))
        flat = [pts[0]]
        for i in range(1, len(pts) - 2, 3):
            p0, p1, p2, p3 = flat[-1], pts[i], pts[i + 1], pts[i + 2]
            for k in range(1, 17):
                s = k / 16
                a, b, c, e = (1 - s) ** 3, 3 * s * (1 - s) ** 2, 3 * s * s * (1 - s), s ** 3
                flat.append((a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1]))
        out.append((t.group(1), t.group(2), flat))
    return out


def cross(p, q, r, s):
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 1e-9) - (v < -1e-9)

    return orient(p, q, r) * orient(p, q, s) < 0 and orient(r, s, p) * orient(r, s, q) < 0


def crossings(edges):
    boxes = []
    for _, _, pts in edges:
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    n = 0
    for i in range(len(edges)):
        for j in range(i + 1, len(edges)):
            a, b = edges[i], edges[j]
            if {a[0], a[1]} & {b[0], b[1]}:
                continue
            bi, bj = boxes[i], boxes[j]
            if bi[2] < bj[0] or bj[2] < bi[0] or bi[3] < bj[1] or bj[3] < bi[1]:
                continue
            pa, pb = a[2], b[2]
            if any(cross(pa[k], pa[k + 1], pb[l], pb[l + 1]) for k in range(len(pa) - 1) for l in range(len(pb) - 1)):
                n += 1
    return n


def size_in(svg):
    m = re.search(r'<svg[^>]*width="([\d.]+)pt"[^>]*height="([\d.]+)pt"', svg, re.S)
    return float(m.group(1)) / 72, float(m.group(2)) / 72


def timed(cmd, **kw):
    t = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t, r.stdout


def main():
    args = sys.argv[1:]
    png = None
    if args and args[0] == "--png":
        png, args = args[1], args[2:]
    pprofx, corpus = os.path.abspath(args[0]), args[1]
    env = dict(os.environ, TZ="UTC")
    print("| graph | nodes / edges | layout | crossings | area (in²) | width × height (in) | time (s) |")
    print("|---|---|---|---:|---:|---|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts in CASES:
            _, dot = timed([pprofx, "graph", "--format=dot"] + opts, cwd=corpus, env=env)
            t_ours, ours = timed([pprofx, "graph", "--format=svg"] + opts, cwd=corpus, env=env)
            t_gv, theirs = timed(["dot", "-Tsvg"], input=dot)
            nodes = len(re.findall(rb"^N\S* \[", dot, re.M))
            nedges = len(re.findall(rb" -> ", dot))
            for label, svg, t in (("Graphviz dot", theirs.decode(), t_gv), ("pprofx", ours.decode(), t_ours)):
                w, h = size_in(svg)
                c = crossings(edges_of(svg))
                print(f"| {name} | {nodes} / {nedges} | {label} | {c} | {w * h:.0f} | {w:.1f} × {h:.1f} | {t:.2f} |")
            if png and name == CASES[0][0]:
                os.makedirs(png, exist_ok=True)
                for label, svg in (("graphviz", theirs), ("pprofx", ours)):
                    src = os.path.join(tmp, label + ".svg")
                    open(src, "wb").write(svg)
                    subprocess.run(["rsvg-convert", "-w", "1100", src, "-o", os.path.join(png, f"{name}-{label}.png")], check=True)


if __name__ == "__main__":
    main()
