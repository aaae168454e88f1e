//! pprof's report commands: the table of names every front end knows
//! (`top`, `peek`, `list`, `proto`…), and the shell's command-line syntax.
//!
//! [`COMMANDS`] lists each command once with what it produces, whether it
//! takes a regex and how to use it. The command line's `-top`/`-list=RE`
//! flags, the shell's words and the web UI's views all name commands from
//! it. [`parse_command_line`] reads the shell's `cmd [N] [focus_re…]
//! [-ignore_re…] [-cum] [>file]` into a command and the settings for that
//! command alone, exactly as pprof reads it.

use super::config::Config;

/// What a command produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Text on standard output (or the `output` file).
    Text,
    /// Bytes that do not belong on a terminal (a profile, an image): on a
    /// terminal they go to a temporary file instead, as pprof does.
    Binary {
        /// File name suffix of the temporary file.
        suffix: &'static str,
    },
    /// A file opened in another program (`web`, `kcachegrind`).
    Viewer {
        /// File name suffix of the temporary file.
        suffix: &'static str,
    },
    /// Not available in pprofx; the text says why.
    Unavailable(&'static str),
}

/// One report command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The name (`top`).
    pub name: &'static str,
    /// The report it runs (`text` and `top` are one report).
    pub report: &'static str,
    /// Takes a regex argument (`peek RE`).
    pub has_param: bool,
    /// Where its output goes.
    pub output: Output,
    /// One line saying what it does.
    pub description: &'static str,
    /// How to call it in the shell.
    pub usage: &'static str,
}

const NEEDS_BINARY: &str =
    "needs the program's machine code, which pprofx does not read; use `go tool pprof` for it";

const fn cmd(
    name: &'static str,
    report: &'static str,
    has_param: bool,
    output: Output,
    description: &'static str,
    usage: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        report,
        has_param,
        output,
        description,
        usage,
    }
}

const REPORT_USAGE: &str = "[N] [focus_regex]… [-ignore_regex]… [-cum] [>file]";
const GRAPH_USAGE: &str = "[N] [focus_regex]… [-ignore_regex]… [>file]";
const LIST_USAGE: &str = "func_regex|address [focus_regex]… [-ignore_regex]… [>file]";

/// Every command, sorted by name.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "callgrind",
        "callgrind",
        false,
        Output::Binary {
            suffix: "callgraph.out",
        },
        "The call graph in callgrind format, for KCachegrind",
        GRAPH_USAGE,
    ),
    cmd(
        "comments",
        "comments",
        false,
        Output::Text,
        "The profile's comments, one per line",
        "",
    ),
    cmd(
        "disasm",
        "disasm",
        true,
        Output::Unavailable(NEEDS_BINARY),
        "Annotated assembly of the functions matching a regex",
        LIST_USAGE,
    ),
    cmd(
        "dot",
        "dot",
        false,
        Output::Text,
        "The call graph in Graphviz's DOT language",
        GRAPH_USAGE,
    ),
    cmd(
        "eog",
        "svg",
        false,
        Output::Viewer { suffix: "svg" },
        "Draw the call graph and open it in eog",
        GRAPH_USAGE,
    ),
    cmd(
        "evince",
        "pdf",
        false,
        Output::Viewer { suffix: "pdf" },
        "Draw the call graph and open it in evince",
        GRAPH_USAGE,
    ),
    cmd(
        "gif",
        "gif",
        false,
        Output::Unavailable("is not drawn by pprofx; use -png or -svg"),
        "The call graph as a GIF image",
        GRAPH_USAGE,
    ),
    cmd(
        "gv",
        "ps",
        false,
        Output::Unavailable("is not drawn by pprofx; use -pdf or -svg"),
        "Draw the call graph and open it in gv",
        GRAPH_USAGE,
    ),
    cmd(
        "kcachegrind",
        "callgrind",
        false,
        Output::Viewer { suffix: "grind" },
        "Open the call graph in KCachegrind",
        GRAPH_USAGE,
    ),
    cmd(
        "list",
        "list",
        true,
        Output::Text,
        "Source of the functions matching a regex, each line with its cost",
        LIST_USAGE,
    ),
    cmd(
        "pdf",
        "pdf",
        false,
        Output::Binary { suffix: "pdf" },
        "The call graph drawn as a PDF document",
        GRAPH_USAGE,
    ),
    cmd(
        "peek",
        "peek",
        true,
        Output::Text,
        "Callers and callees of the functions matching a regex",
        "func_regex [focus_regex]… [-ignore_regex]… [>file]",
    ),
    cmd(
        "png",
        "png",
        false,
        Output::Binary { suffix: "png" },
        "The call graph drawn as a PNG image",
        GRAPH_USAGE,
    ),
    cmd(
        "proto",
        "proto",
        false,
        Output::Binary { suffix: "pb.gz" },
        "The profile as pprofx sees it (filters applied), gzipped profile.proto",
        "[focus_regex]… [-ignore_regex]… [>file]",
    ),
    cmd(
        "ps",
        "ps",
        false,
        Output::Unavailable("is not drawn by pprofx; use -pdf or -svg"),
        "The call graph as PostScript",
        GRAPH_USAGE,
    ),
    cmd(
        "raw",
        "raw",
        false,
        Output::Text,
        "The whole profile as text",
        "",
    ),
    cmd(
        "svg",
        "svg",
        false,
        Output::Binary { suffix: "svg" },
        "The call graph drawn as an SVG image",
        GRAPH_USAGE,
    ),
    cmd(
        "tags",
        "tags",
        false,
        Output::Text,
        "How the values split over the sample labels",
        "[tag_regex]… [-ignore_regex]… [>file]",
    ),
    cmd(
        "text",
        "top",
        false,
        Output::Text,
        "The heaviest functions, one per line (same as top)",
        REPORT_USAGE,
    ),
    cmd(
        "top",
        "top",
        false,
        Output::Text,
        "The heaviest functions, one per line",
        REPORT_USAGE,
    ),
    cmd(
        "topproto",
        "topproto",
        false,
        Output::Unavailable("is not written by pprofx yet; use -top --json"),
        "The top table as a profile",
        REPORT_USAGE,
    ),
    cmd(
        "traces",
        "traces",
        false,
        Output::Text,
        "Every sample: its labels, value and stack",
        "[focus_regex]… [-ignore_regex]… [>file]",
    ),
    cmd(
        "tree",
        "tree",
        false,
        Output::Text,
        "Every function with its callers and callees",
        REPORT_USAGE,
    ),
    cmd(
        "web",
        "svg",
        false,
        Output::Viewer { suffix: "svg" },
        "Draw the call graph and open it in the browser",
        GRAPH_USAGE,
    ),
    cmd(
        "weblist",
        "weblist",
        true,
        Output::Unavailable(NEEDS_BINARY),
        "Source and assembly in the browser",
        LIST_USAGE,
    ),
];

/// The command named `name`.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// A command to run: the command and its regex argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The command.
    pub name: String,
    /// The regex of `peek`, `list`… (`None` for the others).
    pub param: Option<String>,
}

/// Parses one shell command (`top 10 main -runtime -cum >out.txt`, `top5`,
/// `list parse`) as pprof does: numbers set `nodecount`, words are OR-ed into
/// `focus` and `-words` into `ignore` (into `tagfocus`/`tagignore` for
/// `tags`), `-cum` sorts by cum, `>file` writes to a file. Returns the
/// command and the settings for this command only (the current ones are not
/// changed). `top` and `text` show 10 nodes unless `nodecount` was set.
pub fn parse_command_line(
    tokens: &[&str],
    current: &Config,
) -> Result<(Invocation, Config), String> {
    let Some((&first, rest)) = tokens.split_first() else {
        return Err("empty command".into());
    };
    let mut name = first.to_string();
    let mut args: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    let mut spec = find(&name);
    if spec.is_none() {
        // `top10` is `top 10`.
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && digits < name.len() {
            let (head, n) = name.split_at(name.len() - digits);
            if let Some(s) = find(head) {
                args.insert(0, n.to_string());
                name = head.to_string();
                spec = Some(s);
            }
        }
    }
    let Some(spec) = spec else {
        if super::config::lookup(&name).is_some() {
            let value = args.first().map_or("<val>", |s| s.as_str());
            return Err(format!("did you mean: {name}={value}"));
        }
        return Err(format!("unrecognized command: {name:?}"));
    };
    let mut param = None;
    if spec.has_param {
        if args.is_empty() {
            return Err(format!("command {name} requires an argument"));
        }
        param = Some(args.remove(0));
    }
    let mut cfg = current.clone();
    let (mut focus, mut ignore) = (String::new(), String::new());
    let mut i = 0;
    while i < args.len() {
        let t = &args[i];
        i += 1;
        if let Some(n) = parse_int32(t) {
            cfg.nodecount = n;
            continue;
        }
        if let Some(file) = t.strip_prefix('>') {
            let file = if file.is_empty() {
                let Some(next) = args.get(i) else {
                    return Err("unexpected end of line after >".into());
                };
                i += 1;
                next.clone()
            } else {
                file.to_string()
            };
            cfg.output = file;
        } else if let Some(neg) = t.strip_prefix('-') {
            if t == "-cum" || t == "--cum" {
                cfg.sort = "cum".into();
                continue;
            }
            cat_regex(&mut ignore, neg);
        } else {
            cat_regex(&mut focus, t);
        }
    }
    let (f, ig) = if name == "tags" {
        (&mut cfg.tagfocus, &mut cfg.tagignore)
    } else {
        (&mut cfg.focus, &mut cfg.ignore)
    };
    if !focus.is_empty() {
        *f = focus;
    }
    if !ignore.is_empty() {
        *ig = ignore;
    }
    if cfg.nodecount == -1 && spec.report == "top" {
        cfg.nodecount = 10;
    }
    Ok((Invocation { name, param }, cfg))
}

/// Go's `strconv.ParseInt(t, 10, 32)`.
fn parse_int32(t: &str) -> Option<i64> {
    super::config::parse_go_int(t).filter(|n| i32::try_from(*n).is_ok())
}

fn cat_regex(acc: &mut String, add: &str) {
    if !acc.is_empty() && !add.is_empty() {
        acc.push('|');
    }
    acc.push_str(add);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<(Invocation, Config), String> {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        parse_command_line(&tokens, &Config::default())
    }

    #[test]
    fn table_is_sorted_and_unique() {
        let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn shell_commands_read_like_pprofs() {
        let (inv, cfg) = parse("top 5 main runtime -sync -cum >out.txt").unwrap();
        assert_eq!(inv.name, "top");
        assert_eq!(cfg.nodecount, 5);
        assert_eq!(cfg.focus, "main|runtime");
        assert_eq!(cfg.ignore, "sync");
        assert_eq!(cfg.sort, "cum");
        assert_eq!(cfg.output, "out.txt");
        let (inv, cfg) = parse("top10").unwrap();
        assert_eq!((inv.name.as_str(), cfg.nodecount), ("top", 10));
        let (_, cfg) = parse("top").unwrap();
        assert_eq!(cfg.nodecount, 10);
        let (_, cfg) = parse("tree").unwrap();
        assert_eq!(cfg.nodecount, -1);
        let (inv, cfg) = parse("list main.f -x").unwrap();
        assert_eq!(inv.param.as_deref(), Some("main.f"));
        assert_eq!(cfg.ignore, "x");
        let (_, cfg) = parse("tags user -bot").unwrap();
        assert_eq!(
            (cfg.tagfocus.as_str(), cfg.tagignore.as_str()),
            ("user", "bot")
        );
        let (_, cfg) = parse("top > f.txt").unwrap();
        assert_eq!(cfg.output, "f.txt");
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            parse("list").unwrap_err(),
            "command list requires an argument"
        );
        assert_eq!(
            parse("bogus").unwrap_err(),
            "unrecognized command: \"bogus\""
        );
        assert_eq!(
            parse("nodecount 5").unwrap_err(),
            "did you mean: nodecount=5"
        );
        assert_eq!(
            parse("top >").unwrap_err(),
            "unexpected end of line after >"
        );
    }
}
