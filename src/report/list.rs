//! The `list` report: annotated source of the functions matching a regex.
//!
//! As `go tool pprof -list=REGEX`: the graph at lines granularity (no
//! trimming, object names and start lines kept); the regex is matched against
//! function names. Functions are printed in name order, one `ROUTINE` block
//! per (function, source file), files in name order. A block's header sums
//! flat and cum over the function's line nodes; its rows are the source lines
//! from the function's start line (else the first sampled line − 5) to the
//! last sampled line + 5, clipped to the file, each with its own flat and cum
//! (`.` for zero). Source files are found by [`SourceFinder`]: as pprof
//! does first (so the listing is pprof's wherever pprof finds the file), then
//! in the local GOROOT, the main module, `vendor/` and the module cache. A
//! file found nowhere gets pprof's error line in the listing, and
//! [`ListReport::source_warning`] says once which files were missing and
//! where they were searched.
//!
//! Beyond pprof, a Go file (source or assembly) found is checked against
//! the profile ([`super::version::check_file`]): when a listed function's
//! start line (`Function.start_line`) does not declare it there, the file
//! is another version of the source (a stale checkout, another Go's
//! GOROOT), and it is treated as not found: no line of it is annotated, its
//! routines get an error line, and the warning names the file, the line and
//! what is there.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::source::{NotFound, SourceFinder};
use super::traces::sample_type_json;
use super::tree::PeekError;
use super::version::{self, Mismatch};
use super::Formatter;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::graph::Granularity;
use crate::model::measurement::percentage;

/// pprof's option overrides for `list`: lines granularity, no trimming,
/// object names and start lines kept in the nodes.
pub fn list_options(mut opts: ReportOptions) -> ReportOptions {
    opts.granularity = Granularity::Lines;
    opts.trim = false;
    opts.obj_names = true;
    opts
}

/// One source line of a routine.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLine {
    /// Line number (1-based).
    pub line: i64,
    /// The line's text, without its end of line.
    pub text: String,
    /// Flat value of the line, raw.
    pub flat: i64,
    /// Cum value of the line, raw.
    pub cum: i64,
}

/// One `ROUTINE` block: a function in one source file.
#[derive(Debug, Clone, Serialize)]
pub struct Routine {
    /// The function name.
    pub name: String,
    /// The source file, as the profile names it (after path trimming).
    pub file: String,
    /// Flat values summed over the function's line nodes.
    pub flat: i64,
    /// Cum values summed over the function's line nodes.
    pub cum: i64,
    /// The annotated lines, or empty when the source was not found.
    pub lines: Vec<SourceLine>,
    /// Why the source could not be read.
    pub error: Option<String>,
}

/// A function block: its routines, or none when no node has a file.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// The function name.
    pub name: String,
    /// One block per source file (empty: "No source information").
    pub routines: Vec<Routine>,
}

/// The `list` report as data.
#[derive(Debug, Clone)]
pub struct ListReport {
    /// Matching functions in name order.
    pub functions: Vec<Function>,
    /// pprof's total.
    pub total: i64,
    /// The sample type name and unit of the values.
    pub sample_type: serde_json::Value,
    /// Value formatting (each value in its own unit unless `--unit` says).
    pub formatter: Formatter,
    /// Source files found nowhere, with the places searched.
    pub not_found: Vec<NotFound>,
    /// Source files found but of another version (treated as not found).
    pub other_version: Vec<Mismatch>,
    /// The stderr message about [`ListReport::not_found`] and
    /// [`ListReport::other_version`], if any.
    pub source_warning: Option<String>,
}

/// A line node of the graph.
#[derive(Clone, Copy)]
struct LineNode {
    start_line: i64,
    lineno: i64,
    flat: i64,
    cum: i64,
}

impl ListReport {
    /// The list report for `regex` (build the analysis with [`list_options`]).
    pub fn build(an: &Analysis<'_>, regex: &str) -> Result<Self, PeekError> {
        let finder = SourceFinder::new(&an.opts.source_path, &an.opts.trim_path);
        Self::build_with(an, regex, finder)
    }

    /// [`ListReport::build`] reading only files inside the source discovery
    /// roots ([`SourceFinder::confined`]), as the web UI does.
    pub fn build_confined(an: &Analysis<'_>, regex: &str) -> Result<Self, PeekError> {
        let finder = SourceFinder::new(&an.opts.source_path, &an.opts.trim_path).confined();
        Self::build_with(an, regex, finder)
    }

    /// [`ListReport::build`] with the given source finder.
    pub fn build_with(
        an: &Analysis<'_>,
        regex: &str,
        mut reader: SourceFinder,
    ) -> Result<Self, PeekError> {
        let rx = crate::view::regex::go_regex(regex).map_err(|e| {
            PeekError::BadRegex(regex.to_string(), crate::view::regex::regex_message(&e))
        })?;
        let mut by_name = collect(an, &|name| rx.is_match(name));
        // Beyond pprof (whose `list` fails here): an address, as `disasm`
        // takes one, lists the functions of the locations at that address.
        if by_name.is_empty() {
            if let Some(names) = address_functions(an, regex) {
                by_name = collect(an, &|name| names.iter().any(|n| n == name));
            }
        }
        if by_name.is_empty() {
            return Err(PeekError::NoMatch(regex.to_string()));
        }
        let mut names: Vec<String> = by_name.keys().cloned().collect();
        names.sort();
        let other_version = check_versions(&by_name, &names, &mut reader);
        let mut functions = Vec::new();
        for name in names {
            let mut files = by_name.remove(&name).unwrap_or_default();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            let routines = files
                .into_iter()
                .map(|(file, fns)| {
                    let flat = fns.iter().fold(0i64, |a, n| a.wrapping_add(n.flat));
                    let cum = fns.iter().fold(0i64, |a, n| a.wrapping_add(n.cum));
                    let wrong = other_version.iter().find(|m| m.file == file);
                    let read = match wrong {
                        Some(m) => Err(m.listing_error()),
                        None => source_lines(&file, &mut reader, &fns),
                    };
                    let (lines, error) = match read {
                        Ok(l) => (l, None),
                        Err(e) => (Vec::new(), Some(e)),
                    };
                    Routine {
                        name: name.clone(),
                        file,
                        flat,
                        cum,
                        lines,
                        error,
                    }
                })
                .collect();
            functions.push(Function { name, routines });
        }
        Ok(ListReport {
            functions,
            total: an.total,
            sample_type: sample_type_json(an),
            formatter: Formatter::for_analysis(an),
            not_found: reader.not_found().to_vec(),
            source_warning: warning(reader.not_found_message(), &other_version),
            other_version,
        })
    }

    /// Writes the report in `go tool pprof -list`'s layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        let f = &self.formatter;
        let dot = |v: i64| if v == 0 { ".".to_string() } else { f.format(v) };
        writeln!(w, "Total: {}", f.format(self.total))?;
        for func in &self.functions {
            if func.routines.is_empty() {
                writeln!(w, "No source information for {}", func.name)?;
                continue;
            }
            for r in &func.routines {
                writeln!(
                    w,
                    "ROUTINE ======================== {} in {}",
                    r.name, r.file
                )?;
                writeln!(
                    w,
                    "{:>10} {:>10} (flat, cum) {} of Total",
                    f.format(r.flat),
                    f.format(r.cum),
                    percentage(r.cum, self.total)
                )?;
                if let Some(e) = &r.error {
                    writeln!(w, " Error: {e}")?;
                    continue;
                }
                for l in &r.lines {
                    writeln!(
                        w,
                        "{:>10} {:>10} {:>6}:{}",
                        dot(l.flat),
                        dot(l.cum),
                        l.line,
                        l.text
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The report as JSON (`schema_version` 1).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": "list",
            "sample_type": self.sample_type,
            "total": self.total,
            "output_unit": self.formatter.output_unit,
            "divide_by": 1.0 / self.formatter.ratio,
            "functions": self.functions,
            "sources_not_found": self.not_found,
            "sources_other_version": self.other_version,
        })
    }
}

/// The files (in the order they are listed) whose listed functions' start
/// lines do not declare them: another version of the source.
fn check_versions(by_name: &ByName, names: &[String], reader: &mut SourceFinder) -> Vec<Mismatch> {
    // Per file: the listed functions and the start line each routine uses.
    let mut files: Vec<(&str, Vec<(&str, i64)>)> = Vec::new();
    for name in names {
        let mut listed: Vec<&(String, Vec<LineNode>)> =
            by_name.get(name).into_iter().flatten().collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        for (file, fns) in listed {
            let start = fns.first().map_or(0, |n| n.start_line);
            match files.iter_mut().find(|(f, _)| f == file) {
                Some((_, v)) => v.push((name, start)),
                None => files.push((file, vec![(name, start)])),
            }
        }
    }
    let mut out = Vec::new();
    for (file, functions) in files {
        if !version::is_checked(file) || functions.iter().all(|f| f.1 == 0) {
            continue;
        }
        if let Ok(lines) = reader.lines(file) {
            out.extend(version::check_file(file, lines, &functions));
        }
    }
    out
}

/// The stderr warning: files not found, then files of another version.
fn warning(not_found: Option<String>, other: &[Mismatch]) -> Option<String> {
    let lines: Vec<String> = not_found
        .into_iter()
        .chain(other.iter().map(Mismatch::message))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Per function name: per file (in first-seen order), the line nodes in
/// graph order.
type ByName = HashMap<String, Vec<(String, Vec<LineNode>)>>;

/// The line nodes of the functions whose name satisfies `matches`.
fn collect(an: &Analysis<'_>, matches: &dyn Fn(&str) -> bool) -> ByName {
    let nodes = &an.nodes;
    let w = &an.weights;
    let mut by_name: ByName = HashMap::new();
    for i in 0..nodes.len() {
        if !w.is_present(i) {
            continue;
        }
        let (flat, cum) = (w.flat_value(i), w.cum_value(i));
        if an.opts.drop_negative && (flat < 0 || (flat == 0 && cum < 0)) {
            continue;
        }
        let info = &nodes.infos[i];
        let name = nodes.symbols.get(info.name);
        if !matches(name) {
            continue;
        }
        let entry = by_name.entry(name.to_string()).or_default();
        let file = nodes.symbols.get(info.file);
        if file.is_empty() {
            continue;
        }
        let node = LineNode {
            start_line: info.start_line,
            lineno: info.lineno,
            flat,
            cum,
        };
        match entry.iter_mut().find(|(f, _)| f == file) {
            Some((_, v)) => v.push(node),
            None => entry.push((file.to_string(), vec![node])),
        }
    }
    by_name
}

/// When `arg` is a number (Go's `strconv.ParseUint(arg, 0, 64)`: decimal,
/// `0x…`, `0o…`, `0b…`), the names of the functions (inlined ones included)
/// of the locations at that address.
fn address_functions(an: &Analysis<'_>, arg: &str) -> Option<Vec<String>> {
    if arg.starts_with(['+', '-']) {
        return None;
    }
    let addr = u64::try_from(crate::util::go::parse_int_base0(arg)?).ok()?;
    let p: &crate::model::Profile = &an.profile;
    let mut names: Vec<String> = Vec::new();
    for (loc, &a) in p.locations.address.iter().enumerate() {
        if a != addr {
            continue;
        }
        for line in p.locations.lines(loc as u32) {
            let Some(f) = p.functions.get(line.function as usize) else {
                continue;
            };
            let name = p.str(f.name).to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Some(names)
}

/// pprof's `getSourceFromFile`: the lines to show around the sampled ones,
/// with the weights of each line.
fn source_lines(
    file: &str,
    reader: &mut SourceFinder,
    fns: &[LineNode],
) -> Result<Vec<SourceLine>, String> {
    const MARGIN: i64 = 5;
    let first = fns[0];
    let mut start = if first.start_line != 0 {
        first.start_line
    } else {
        first.lineno - MARGIN
    };
    let mut end = first.lineno + MARGIN;
    let mut per_line: HashMap<i64, (i64, i64)> = HashMap::new();
    for n in fns {
        let node_start = if n.start_line == 0 {
            n.lineno - MARGIN
        } else {
            n.start_line
        };
        let node_end = n.lineno + MARGIN;
        // pprof's own test: a node extending the start never extends the end.
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
        let e = per_line.entry(n.lineno).or_default();
        e.0 = e.0.wrapping_add(n.flat);
        e.1 = e.1.wrapping_add(n.cum);
    }
    start = start.max(1);
    let text = reader.lines(file);
    let lines = match text {
        Ok(l) => l,
        Err(e) => return Err(e.clone()),
    };
    let mut out = Vec::new();
    let mut lineno = start;
    while lineno <= end {
        let Some(text) = usize::try_from(lineno - 1).ok().and_then(|i| lines.get(i)) else {
            break;
        };
        let (flat, cum) = per_line.get(&lineno).copied().unwrap_or_default();
        out.push(SourceLine {
            line: lineno,
            text: text.clone(),
            flat,
            cum,
        });
        lineno += 1;
    }
    Ok(out)
}
