//! Wall-clock benchmarks of call graph drawing (divan).
//!
//! ```text
//! cargo bench --bench graph_draw
//! ```
//!
//! The DOT graph of `shared/corpus/real-cpu-merged.pb.gz` at `-nodecount=200`
//! (200 nodes and nodelets, about 300 edges; Graphviz's `dot -Tsvg` takes
//! about 0.6 s on it) and of the committed `examples/profiles/cpu.pb.gz`,
//! built once outside the timed region; then:
//!
//! * `layout`: text measuring and the layered layout;
//! * `svg`:    layout + the SVG document;
//! * `png`:    layout + SVG + rasterizing (with the `render` feature).

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use pprofx::graph::analysis::{Analysis, ReportOptions};
use pprofx::report::dot::{dot_options, DotGraph, DotReport};

fn main() {
    divan::main();
}

/// One input: a name and the DOT graph of its profile.
struct Input {
    name: &'static str,
    graph: DotGraph,
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn graph_of(path: &std::path::Path, nodecount: usize) -> Option<DotGraph> {
    let p = pprofx::decode::load(path.to_str()?, &pprofx::LoadOptions::default()).ok()?;
    let opts = dot_options(ReportOptions {
        nodecount: Some(nodecount),
        ..ReportOptions::default()
    });
    let an = Analysis::new(&p, opts).ok()?;
    Some(DotReport::build(&an).graph)
}

fn inputs() -> &'static [Input] {
    static INPUTS: OnceLock<Vec<Input>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let shared = std::env::var_os("PPROFX_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared"));
        let mut v = Vec::new();
        if let Some(g) = graph_of(&root.join("examples/profiles/cpu.pb.gz"), 80) {
            v.push(Input {
                name: "cpu-80",
                graph: g,
            });
        }
        match graph_of(&shared.join("corpus/real-cpu-merged.pb.gz"), 200) {
            Some(g) => v.push(Input {
                name: "merged-200",
                graph: g,
            }),
            None => eprintln!("merged-200 skipped: ../shared/corpus not found"),
        }
        v
    })
}

#[divan::bench(args = inputs(), sample_count = 10)]
fn layout(b: Bencher, input: &Input) {
    b.bench(|| pprofx::render::graph_svg::Drawing::new(&input.graph));
}

#[divan::bench(args = inputs(), sample_count = 10)]
fn svg(b: Bencher, input: &Input) {
    b.bench(|| pprofx::render::graph_svg::svg(&input.graph));
}

#[cfg(feature = "render")]
#[divan::bench(args = inputs(), sample_count = 5)]
fn png(b: Bencher, input: &Input) {
    b.bench(|| pprofx::render::draw(&input.graph, pprofx::render::Format::Png));
}
