//! The `callgrind` report: the call graph in the callgrind format that
//! KCachegrind and QCachegrind read, byte for byte as
//! `go tool pprof -callgrind` (and `-kcachegrind`) writes it.
//!
//! pprof forces addresses granularity, keeps object file names, and trims
//! nothing. Nodes come in `top` order; each starts a block
//! `ob=`/`fl=`/`fn=` when its object, file or function differs from the
//! previous node's (names compressed as `(N) name` the first time, `(N)`
//! after), then a cost line `ADDRESS LINE FLAT` and one call per outgoing
//! edge (`cfl=`, `cfn=`, `calls=0 ADDRESS LINE`, `* * WEIGHT`). Addresses
//! are absolute (`0x…`), relative to the previous node's (`+N`/`-N`) when
//! shorter, or `*` when equal. Values are integers in the output unit
//! (pprof's minimum rule, without its hundredths step). Functions that
//! share a file and name but not an identity (several start lines, or
//! calling contexts under `-call_tree`) get ` [i/n]` suffixes on calls.

use std::collections::HashMap;
use std::io::{self, Write};

use super::Formatter;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::graph::callgraph::{CallGraph, GraphShape};
use crate::graph::{Granularity, NodeMap};
use crate::model::measurement;

/// pprof's option overrides for `callgrind`: addresses, object names, no trimming.
pub fn callgrind_options(mut opts: ReportOptions) -> ReportOptions {
    opts.trim = false;
    opts.granularity = Granularity::Addresses;
    opts.obj_names = true;
    opts
}

/// The callgrind report, as the text it prints.
#[derive(Debug, Clone)]
pub struct CallgrindReport {
    /// The whole file.
    pub text: String,
}

impl CallgrindReport {
    /// The report over `an` (build the analysis with [`callgrind_options`]).
    pub fn build(an: &Analysis<'_>) -> Self {
        let t = CallGraph::trimmed(
            an,
            GraphShape {
                visual: false,
                call_tree: an.opts.call_tree,
                nodecount: 0,
                nodefraction: 0.0,
                edgefraction: 0.0,
            },
        );
        let g = &t.graph;
        let mut f = Formatter::for_analysis(an);
        f.select_output_unit_with(
            g.order
                .iter()
                .map(|&n| (g.nodes[n].flat_value(), g.nodes[n].cum_value())),
            an.total,
            false,
        );
        let nodes = &an.nodes;
        let names = disambiguated_names(g, nodes);
        let sym = |id: u32| nodes.symbols.get(id);
        let scale = |v: i64| measurement::scale(v, &f.sample_unit, &f.output_unit).0 as i64;

        let mut out = String::new();
        out.push_str("positions: instr line\n");
        out.push_str(&format!(
            "events: {}({})\n",
            an.sel.type_label, f.output_unit
        ));
        let mut objfiles = Names::default();
        let mut files = Names::default();
        let mut fnames = Names::default();
        let mut prev: Option<u32> = None;
        let name_of = |n: usize| nodes.printable_name(g.nodes[n].info);
        for &n in &g.order {
            let id = g.nodes[n].info;
            let info = &nodes.infos[id as usize];
            let changed = prev.is_none_or(|p| {
                let pi = &nodes.infos[p as usize];
                pi.objfile != info.objfile || pi.file != info.file || pi.name != info.name
            });
            if changed {
                out.push('\n');
                out.push_str(&format!("ob={}\n", objfiles.get(sym(info.objfile))));
                out.push_str(&format!("fl={}\n", files.get(sym(info.file))));
                out.push_str(&format!("fn={}\n", fnames.get(sym(info.name))));
            }
            let prev_addr = prev.map(|p| nodes.infos[p as usize].address);
            out.push_str(&format!(
                "{} {} {}\n",
                address(prev_addr, info.address),
                info.lineno,
                scale(g.nodes[n].flat_value())
            ));
            let mut outs = g.nodes[n].outs.clone();
            g.sort_edges(&mut outs, &name_of);
            for e in outs {
                let edge = &g.edges[e];
                let callee = &nodes.infos[g.nodes[edge.dst].info as usize];
                out.push_str(&format!("cfl={}\n", files.get(sym(callee.file))));
                out.push_str(&format!("cfn={}\n", fnames.get(&names[edge.dst])));
                out.push_str(&format!(
                    "calls=0 {} {}\n",
                    address(prev_addr, callee.address),
                    callee.lineno
                ));
                out.push_str(&format!("* * {}\n", scale(edge.weight)));
            }
            prev = Some(id);
        }
        CallgrindReport { text: out }
    }

    /// Writes the file.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(self.text.as_bytes())
    }

    /// The report as JSON: the text, since callgrind is a file format.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": "callgrind",
            "text": self.text,
        })
    }
}

impl super::Render for CallgrindReport {
    fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        CallgrindReport::write_text(self, w)
    }
    fn to_json(&self) -> serde_json::Value {
        CallgrindReport::to_json(self)
    }
}

/// callgrind's name compression: `(N) name` the first time, `(N)` after.
#[derive(Default)]
struct Names(HashMap<String, usize>);

impl Names {
    fn get(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if let Some(id) = self.0.get(name) {
            return format!("({id})");
        }
        let id = self.0.len() + 1;
        self.0.insert(name.to_string(), id);
        format!("({id}) {name}")
    }
}

/// An address absolute (`0x…`), or relative to the previous one when that
/// is shorter, or `*` when equal.
fn address(prev: Option<u64>, curr: u64) -> String {
    let abs = format!("{curr:#x}");
    let Some(prev) = prev else {
        return abs;
    };
    if prev == curr {
        return "*".to_string();
    }
    let relative = format!("{:+}", curr.wrapping_sub(prev) as i64);
    if relative.len() < abs.len() {
        relative
    } else {
        abs
    }
}

/// pprof's `getDisambiguatedNames`: each node's function name, with
/// ` [i/n]` when several function identities share its file and name.
fn disambiguated_names(g: &CallGraph, nodes: &NodeMap) -> Vec<String> {
    let mut index: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    for &n in &g.order {
        let info = &nodes.infos[g.nodes[n].info as usize];
        let list = index.entry((info.file, info.name)).or_default();
        if !list.contains(&g.nodes[n].function) {
            list.push(g.nodes[n].function);
        }
    }
    let mut out = vec![String::new(); g.nodes.len()];
    for &n in &g.order {
        let slot = &mut out[n];
        let info = &nodes.infos[g.nodes[n].info as usize];
        let mut name = nodes.symbols.get(info.name).to_string();
        if let Some(list) = index.get(&(info.file, info.name)) {
            if list.len() > 1 {
                if let Some(i) = list.iter().position(|&f| f == g.nodes[n].function) {
                    name.push_str(&format!(" [{}/{}]", i + 1, list.len()));
                }
            }
        }
        *slot = name;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compress() {
        assert_eq!(address(None, 0x1000), "0x1000");
        assert_eq!(address(Some(0x1000), 0x1000), "*");
        assert_eq!(address(Some(0x1000), 0x2000), "+4096");
        assert_eq!(address(Some(0x2000), 0x1000), "-4096");
        assert_eq!(address(Some(0x10), 0x1234_5678_9abc), "0x123456789abc");
    }

    #[test]
    fn names_compress() {
        let mut n = Names::default();
        assert_eq!(n.get("a"), "(1) a");
        assert_eq!(n.get("b"), "(2) b");
        assert_eq!(n.get("a"), "(1)");
        assert_eq!(n.get(""), "");
    }
}
