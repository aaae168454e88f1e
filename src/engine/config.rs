//! The one options value every front end reads and writes: pprof's
//! configuration, under pprof's names.
//!
//! [`Config`] has a field for each of pprof's options (`sample_index`,
//! `focus`, `granularity`, `sort`, `nodecount`, `tagroot`…) holding the value
//! as the user spelled it. [`FIELDS`] describes each one once: its name, its
//! URL parameter in the web UI (`f`, `si`, `g`, `n`…), its kind and, for a
//! group such as `sort` or `granularity`, its choices. The command line
//! (`-focus=x`, `-cum`), the shell (`focus=x`, `cum=true`) and URL
//! parameters (`?f=x&sort=cum`) all go through [`Config::set`], so they
//! accept the same values and fail with the same words.
//!
//! [`Config::report_options`] resolves the settings for one command into the
//! [`ReportOptions`] the reports read, with pprof's per-command overrides
//! (`list` works on lines, `peek` does not trim, `top` shows every node…).

use crate::graph::analysis::ReportOptions;
use crate::graph::Granularity;
use crate::view::filter::FilterOptions;

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true`/`false`.
    Bool,
    /// A whole number.
    Int,
    /// A number.
    Float,
    /// Free text (a regex, a path, a unit…).
    Text,
    /// One of [`Field::choices`].
    Choice,
}

/// One of pprof's options.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The option's name (`nodecount`).
    pub name: &'static str,
    /// Its web UI URL parameter (`n`), if the UI keeps it in links.
    pub url: Option<&'static str>,
    /// The kind of value.
    pub kind: Kind,
    /// The values of a [`Kind::Choice`] group; each is also a bool-like
    /// option of its own (`cum`, `lines`).
    pub choices: &'static [&'static str],
    /// One line of help.
    pub help: &'static str,
}

const fn field(
    name: &'static str,
    url: Option<&'static str>,
    kind: Kind,
    help: &'static str,
) -> Field {
    Field {
        name,
        url,
        kind,
        choices: &[],
        help,
    }
}

/// The `granularity` choices, finest last.
pub const GRANULARITIES: [&str; 5] = ["functions", "filefunctions", "files", "lines", "addresses"];

/// The `sort` choices.
pub const SORTS: [&str; 2] = ["cum", "flat"];

/// Every option, in pprof's order.
pub const FIELDS: &[Field] = &[
    field(
        "output",
        None,
        Kind::Text,
        "Write reports to this file instead of standard output",
    ),
    field(
        "call_tree",
        Some("calltree"),
        Kind::Bool,
        "Graphs: a node per calling context (a tree), not per function",
    ),
    field(
        "relative_percentages",
        Some("rel"),
        Kind::Bool,
        "Percentages of the filtered samples, not of the whole profile",
    ),
    field(
        "unit",
        Some("unit"),
        Kind::Text,
        "Unit of the values: minimum (one for the report), auto (per value), or ms, s, kb, mb…",
    ),
    field(
        "compact_labels",
        Some("compact"),
        Kind::Bool,
        "Leave out the File/Type/Time/Duration lines above reports",
    ),
    field(
        "source_path",
        None,
        Kind::Text,
        "Where list looks for source files (`:`-separated directories)",
    ),
    field(
        "trim_path",
        None,
        Kind::Text,
        "Prefixes to remove from source file names before looking for them",
    ),
    field(
        "intel_syntax",
        Some("intel"),
        Kind::Bool,
        "Assembly in Intel syntax (disasm; pprofx has no disassembler)",
    ),
    field(
        "mean",
        Some("mean"),
        Kind::Bool,
        "Report each value divided by the sample count (the average per event)",
    ),
    field(
        "sample_index",
        Some("si"),
        Kind::Text,
        "Which value to report: a sample type name or its 0-based index",
    ),
    field(
        "divide_by",
        None,
        Kind::Float,
        "Divide every value by this number (e.g. the number of workers)",
    ),
    field(
        "normalize",
        Some("norm"),
        Kind::Bool,
        "Scale the profile to the base profile's totals before comparing",
    ),
    Field {
        name: "sort",
        url: Some("sort"),
        kind: Kind::Choice,
        choices: &SORTS,
        help: "Order of text reports: by flat or by cumulative value",
    },
    field(
        "tagroot",
        None,
        Kind::Text,
        "Label keys (comma-separated) whose values become frames at the root of each stack",
    ),
    field(
        "tagleaf",
        None,
        Kind::Text,
        "Label keys (comma-separated) whose values become frames at the leaf of each stack",
    ),
    field(
        "drop_negative",
        Some("dropneg"),
        Kind::Bool,
        "Leave out nodes whose value is negative (after -base)",
    ),
    field(
        "nodecount",
        Some("n"),
        Kind::Int,
        "Show at most this many nodes (-1: the report's default)",
    ),
    field(
        "nodefraction",
        Some("nf"),
        Kind::Float,
        "Leave out nodes below this fraction of the total",
    ),
    field(
        "edgefraction",
        Some("ef"),
        Kind::Float,
        "Leave out edges below this fraction of the total",
    ),
    field(
        "trim",
        Some("trim"),
        Kind::Bool,
        "Apply nodecount, nodefraction and edgefraction (false: show everything)",
    ),
    field(
        "focus",
        Some("f"),
        Kind::Text,
        "Keep only samples with a frame matching this regex",
    ),
    field(
        "ignore",
        Some("i"),
        Kind::Text,
        "Drop samples with a frame matching this regex",
    ),
    field(
        "prune_from",
        Some("prunefrom"),
        Kind::Text,
        "Cut each stack below the frame matching this regex",
    ),
    field(
        "hide",
        Some("h"),
        Kind::Text,
        "Remove frames matching this regex from every stack",
    ),
    field(
        "show",
        Some("s"),
        Kind::Text,
        "Keep only frames matching this regex",
    ),
    field(
        "show_from",
        Some("sf"),
        Kind::Text,
        "Cut each stack above the rootmost frame matching this regex",
    ),
    field(
        "tagfocus",
        Some("tf"),
        Kind::Text,
        "Keep samples whose labels match: [key=]regex or a range such as 1mb:",
    ),
    field(
        "tagignore",
        Some("ti"),
        Kind::Text,
        "Drop samples whose labels match (same syntax as tagfocus)",
    ),
    field(
        "tagshow",
        Some("ts"),
        Kind::Text,
        "Keep only the label keys matching this regex",
    ),
    field(
        "taghide",
        Some("th"),
        Kind::Text,
        "Remove the label keys matching this regex",
    ),
    field(
        "noinlines",
        Some("noinlines"),
        Kind::Bool,
        "Count inlined functions as their out-of-line caller",
    ),
    field(
        "showcolumns",
        Some("showcolumns"),
        Kind::Bool,
        "Keep column numbers at lines granularity",
    ),
    Field {
        name: "granularity",
        url: Some("g"),
        kind: Kind::Choice,
        choices: &GRANULARITIES,
        help: "One node per function (default), function and file, file, line or address",
    },
];

/// Help for the choices of the option groups.
pub fn choice_help(choice: &str) -> Option<&'static str> {
    Some(match choice {
        "flat" => "Sort by the node's own value",
        "cum" => "Sort by the node's value including its callees",
        "functions" => "One node per function (the default)",
        "filefunctions" => "One node per function and source file",
        "files" => "One node per source file",
        "lines" => "One node per source line",
        "addresses" => "One node per instruction address",
        _ => return None,
    })
}

/// The field named `name`, or the group that `name` is a choice of.
pub fn lookup(name: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .or_else(|| FIELDS.iter().find(|f| f.choices.contains(&name)))
}

/// pprof's settings, as strings and numbers under pprof's names.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // Each field is documented in FIELDS.
pub struct Config {
    pub output: String,
    pub call_tree: bool,
    pub relative_percentages: bool,
    pub unit: String,
    pub compact_labels: bool,
    pub source_path: String,
    pub trim_path: String,
    pub intel_syntax: bool,
    pub mean: bool,
    pub sample_index: String,
    pub divide_by: f64,
    pub normalize: bool,
    pub sort: String,
    pub tagroot: String,
    pub tagleaf: String,
    pub drop_negative: bool,
    pub nodecount: i64,
    pub nodefraction: f64,
    pub edgefraction: f64,
    pub trim: bool,
    pub focus: String,
    pub ignore: String,
    pub prune_from: String,
    pub hide: String,
    pub show: String,
    pub show_from: String,
    pub tagfocus: String,
    pub tagignore: String,
    pub tagshow: String,
    pub taghide: String,
    pub noinlines: bool,
    pub showcolumns: bool,
    /// Empty: the command's default (functions; the flame graph views use
    /// file functions).
    pub granularity: String,
    /// pprofx: ignore the profile's drop_frames/keep_frames (`-all_frames`,
    /// a source flag in pprof, not a shell option).
    pub all_frames: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            output: String::new(),
            call_tree: false,
            relative_percentages: false,
            unit: "minimum".into(),
            compact_labels: false,
            source_path: String::new(),
            trim_path: String::new(),
            intel_syntax: false,
            mean: false,
            sample_index: String::new(),
            divide_by: 1.0,
            normalize: false,
            sort: "flat".into(),
            tagroot: String::new(),
            tagleaf: String::new(),
            drop_negative: false,
            nodecount: -1,
            nodefraction: 0.005,
            edgefraction: 0.001,
            trim: true,
            focus: String::new(),
            ignore: String::new(),
            prune_from: String::new(),
            hide: String::new(),
            show: String::new(),
            show_from: String::new(),
            tagfocus: String::new(),
            tagignore: String::new(),
            tagshow: String::new(),
            taghide: String::new(),
            noinlines: false,
            showcolumns: false,
            granularity: String::new(),
            all_frames: false,
        }
    }
}

/// A reference to one field's storage.
enum Slot<'a> {
    Bool(&'a mut bool),
    Int(&'a mut i64),
    Float(&'a mut f64),
    Text(&'a mut String),
}

impl Config {
    fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
        use Slot::{Bool, Float, Int, Text};
        Some(match name {
            "output" => Text(&mut self.output),
            "call_tree" => Bool(&mut self.call_tree),
            "relative_percentages" => Bool(&mut self.relative_percentages),
            "unit" => Text(&mut self.unit),
            "compact_labels" => Bool(&mut self.compact_labels),
            "source_path" => Text(&mut self.source_path),
            "trim_path" => Text(&mut self.trim_path),
            "intel_syntax" => Bool(&mut self.intel_syntax),
            "mean" => Bool(&mut self.mean),
            "sample_index" => Text(&mut self.sample_index),
            "divide_by" => Float(&mut self.divide_by),
            "normalize" => Bool(&mut self.normalize),
            "sort" => Text(&mut self.sort),
            "tagroot" => Text(&mut self.tagroot),
            "tagleaf" => Text(&mut self.tagleaf),
            "drop_negative" => Bool(&mut self.drop_negative),
            "nodecount" => Int(&mut self.nodecount),
            "nodefraction" => Float(&mut self.nodefraction),
            "edgefraction" => Float(&mut self.edgefraction),
            "trim" => Bool(&mut self.trim),
            "focus" => Text(&mut self.focus),
            "ignore" => Text(&mut self.ignore),
            "prune_from" => Text(&mut self.prune_from),
            "hide" => Text(&mut self.hide),
            "show" => Text(&mut self.show),
            "show_from" => Text(&mut self.show_from),
            "tagfocus" => Text(&mut self.tagfocus),
            "tagignore" => Text(&mut self.tagignore),
            "tagshow" => Text(&mut self.tagshow),
            "taghide" => Text(&mut self.taghide),
            "noinlines" => Bool(&mut self.noinlines),
            "showcolumns" => Bool(&mut self.showcolumns),
            "granularity" => Text(&mut self.granularity),
            _ => return None,
        })
    }

    /// The value of field `name` as pprof prints it (`0.005`, `true`, `-1`).
    pub fn get(&self, name: &str) -> Option<String> {
        let mut copy = self.clone();
        Some(match copy.slot(name)? {
            Slot::Bool(b) => b.to_string(),
            Slot::Int(i) => i.to_string(),
            Slot::Float(f) => go_float(*f),
            Slot::Text(s) => s.clone(),
        })
    }

    /// Sets field `name` (not a choice) from `value`: bools as pprof's
    /// shell reads them (`true t yes y 1` or empty, `false f no n 0`),
    /// numbers as Go parses them, a group only to one of its choices.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let choices = lookup(name)
            .filter(|f| f.name == name)
            .map(|f| f.choices)
            .unwrap_or(&[]);
        match self.slot(name) {
            None => Err(format!("unknown option {name:?}")),
            Some(Slot::Text(s)) => {
                if !choices.is_empty() && !choices.contains(&value) {
                    return Err(format!(
                        "{name} must be one of {}, not {value:?}",
                        choices.join(", ")
                    ));
                }
                *s = value.to_string();
                Ok(())
            }
            Some(Slot::Bool(b)) => {
                *b = parse_shell_bool(value)
                    .ok_or_else(|| format!("{name} takes true or false, not {value:?}"))?;
                Ok(())
            }
            Some(Slot::Int(i)) => {
                *i = parse_go_int(value)
                    .ok_or_else(|| format!("{name} takes a whole number, not {value:?}"))?;
                Ok(())
            }
            Some(Slot::Float(f)) => {
                *f = parse_go_float(value)
                    .ok_or_else(|| format!("{name} takes a number, not {value:?}"))?;
                Ok(())
            }
        }
    }

    /// pprof's `name=value` assignment: `name` is an option, or a choice of
    /// a group (`cum=true` sets `sort=cum`; a false value is refused).
    pub fn assign(&mut self, name: &str, value: &str) -> Result<(), String> {
        let f = lookup(name).ok_or_else(|| format!("unknown option {name:?}"))?;
        if f.name == name {
            return self.set(name, value);
        }
        // As pprof: only an explicit true selects a choice; a bare `cum`
        // is refused, so later reports do not differ from pprof's.
        match parse_go_bool(value) {
            Some(true) => self.set(f.name, name),
            _ => Err(format!(
                "unknown option {name:?}: set {}={name} or {name}=true",
                f.name
            )),
        }
    }

    /// Clears the filters that the shell's `:` clears: focus, ignore, hide,
    /// tagfocus and tagignore.
    pub fn clear_filters(&mut self) {
        self.focus.clear();
        self.ignore.clear();
        self.hide.clear();
        self.tagfocus.clear();
        self.tagignore.clear();
    }

    /// Applies web UI URL parameters (`f`, `si`, `g`…); empty values are
    /// ignored, as in pprof.
    pub fn apply_url<'a>(
        &mut self,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), String> {
        let params: Vec<(&str, &str)> = params.into_iter().collect();
        for f in FIELDS {
            let Some(url) = f.url else { continue };
            // pprof reads the first value of a parameter.
            let Some((_, v)) = params.iter().find(|(k, _)| *k == url) else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            self.set(f.name, v)
                .map_err(|e| format!("URL parameter {url}: {e}"))?;
        }
        Ok(())
    }

    /// The URL parameters of the settings that differ from the defaults, in
    /// field order (bools shortened to `t`/`f`, as pprof writes them).
    pub fn url_params(&self) -> Vec<(&'static str, String)> {
        let def = Config::default();
        let mut out = Vec::new();
        for f in FIELDS {
            let Some(url) = f.url else { continue };
            let (v, d) = (
                self.get(f.name).unwrap_or_default(),
                def.get(f.name).unwrap_or_default(),
            );
            if v == d {
                continue;
            }
            let v = if f.kind == Kind::Bool {
                v[..1].to_string()
            } else {
                v
            };
            out.push((url, v));
        }
        out
    }

    /// The options the reports read for command `cmd`, with pprof's
    /// per-command overrides (`applyCommandOverrides`).
    pub fn report_options(&self, cmd: &str) -> ReportOptions {
        let mut trim = self.trim;
        let mut granularity = self.granularity.as_str();
        let mut noinlines = self.noinlines;
        let mut nodecount = self.nodecount;
        match cmd {
            "disasm" => {
                trim = false;
                granularity = "addresses";
                noinlines = true;
            }
            "weblist" => {
                trim = false;
                granularity = "addresses";
                noinlines = false;
            }
            "peek" => trim = false,
            "list" => {
                trim = false;
                granularity = "lines";
            }
            "text" | "top" | "topproto" => {
                if nodecount == -1 {
                    nodecount = 0;
                }
            }
            _ => {
                if nodecount == -1 {
                    nodecount = 80;
                }
            }
        }
        if matches!(cmd, "proto" | "raw" | "callgrind" | "kcachegrind") {
            trim = false;
            granularity = "addresses";
        }
        let (mut nodefraction, mut edgefraction) = (self.nodefraction, self.edgefraction);
        if !trim {
            nodecount = 0;
            nodefraction = 0.0;
            edgefraction = 0.0;
        }
        let granularity = match granularity {
            "filefunctions" => Granularity::FileFunctions,
            "files" => Granularity::Files,
            "lines" => Granularity::Lines,
            "addresses" => Granularity::Addresses,
            _ => Granularity::Functions,
        };
        ReportOptions {
            sample_index: self.sample_index.clone(),
            mean: self.mean,
            divide_by: self.divide_by,
            unit: self.unit.clone(),
            granularity,
            noinlines,
            all_frames: self.all_frames,
            // pprof: any count ≤ 0 means no limit once the default is resolved.
            nodecount: Some(usize::try_from(nodecount).unwrap_or(0)),
            nodefraction,
            edgefraction,
            // The fractions above already hold the trim decision.
            trim: true,
            cum: self.sort == "cum",
            compact_labels: self.compact_labels,
            trim_path: self.trim_path.clone(),
            source_path: self.source_path.clone(),
            filters: FilterOptions {
                focus: self.focus.clone(),
                ignore: self.ignore.clone(),
                hide: self.hide.clone(),
                show: self.show.clone(),
                show_from: self.show_from.clone(),
                tagfocus: self.tagfocus.clone(),
                tagignore: self.tagignore.clone(),
                tagshow: self.tagshow.clone(),
                taghide: self.taghide.clone(),
                prune_from: self.prune_from.clone(),
            },
            relative_percentages: self.relative_percentages,
            drop_negative: self.drop_negative,
            obj_names: matches!(cmd, "list" | "callgrind" | "kcachegrind"),
            call_tree: self.call_tree,
            show_columns: self.showcolumns,
            tagroot: split_keys(&self.tagroot),
            tagleaf: split_keys(&self.tagleaf),
        }
    }
}

/// A comma-separated list of label keys, empty ones dropped (pprof's
/// `tagroot`/`tagleaf`).
fn split_keys(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// pprof's shell booleans: `true t yes y 1` and the empty string are true,
/// `false f no n 0` false, any case.
pub fn parse_shell_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseBool` (command-line flags).
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.Atoi` (optional sign, decimal digits, 64-bit).
pub fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms people type (`0.01`,
/// `1e-3`, `.5`, `inf`); underscores and hex floats are not accepted.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b"._e+-".contains(&b))
    {
        return None;
    }
    s.parse().ok()
}

/// A float as Go's `fmt.Sprint` prints it: the shortest form that reads
/// back, with an exponent (`1e-05`, `1e+21`) outside [1e-4, 1e21).
pub fn go_float(f: f64) -> String {
    let a = f.abs();
    if f == 0.0 || !f.is_finite() || (1e-4..1e21).contains(&a) {
        return if f.is_infinite() {
            if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        } else if f.is_nan() {
            "NaN".to_string()
        } else {
            format!("{f}")
        };
    }
    let s = format!("{f:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mant}e{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_storage_and_a_default() {
        let c = Config::default();
        for f in FIELDS {
            assert!(c.get(f.name).is_some(), "{} has no slot", f.name);
        }
        assert_eq!(c.get("nodefraction").unwrap(), "0.005");
        assert_eq!(c.get("divide_by").unwrap(), "1");
        assert_eq!(c.get("nodecount").unwrap(), "-1");
    }

    #[test]
    fn assignments_read_like_pprofs_shell() {
        let mut c = Config::default();
        assert!(c.assign("cum", "").is_err());
        c.assign("cum", "true").unwrap();
        assert_eq!(c.sort, "cum");
        c.assign("granularity", "lines").unwrap();
        assert_eq!(c.granularity, "lines");
        assert!(c.assign("granularity", "words").is_err());
        assert!(c.assign("flat", "false").is_err());
        c.assign("trim", "no").unwrap();
        assert!(!c.trim);
        assert!(c.assign("nodecount", "ten").is_err());
        assert!(c.assign("nosuch", "1").is_err());
        c.assign("nodefraction", "1e-3").unwrap();
        assert_eq!(c.nodefraction, 0.001);
    }

    #[test]
    fn urls_round_trip() {
        let mut c = Config::default();
        c.apply_url([
            ("f", "main"),
            ("si", "alloc_space"),
            ("trim", "f"),
            ("g", "lines"),
            ("n", ""),
        ])
        .unwrap();
        assert_eq!(c.focus, "main");
        assert!(!c.trim);
        let params = c.url_params();
        assert_eq!(
            params,
            [
                ("si", "alloc_space".to_string()),
                ("trim", "f".to_string()),
                ("f", "main".to_string()),
                ("g", "lines".to_string())
            ]
        );
        assert!(Config::default().apply_url([("n", "x")]).is_err());
    }

    #[test]
    fn command_overrides_follow_pprof() {
        let c = Config::default();
        assert_eq!(c.report_options("top").nodecount, Some(0));
        assert_eq!(c.report_options("tree").nodecount, Some(80));
        let l = c.report_options("list");
        assert_eq!(l.granularity, Granularity::Lines);
        assert_eq!((l.nodecount, l.nodefraction), (Some(0), 0.0));
        assert_eq!(c.report_options("raw").granularity, Granularity::Addresses);
        let c = Config {
            nodecount: 5,
            sort: "cum".into(),
            ..Config::default()
        };
        let t = c.report_options("top");
        assert_eq!(t.nodecount, Some(5));
        assert!(t.cum);
    }

    #[test]
    fn floats_print_as_go() {
        assert_eq!(go_float(0.005), "0.005");
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(2.5e22), "2.5e+22");
    }
}
