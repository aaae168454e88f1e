//! The `(pprof)` shell's language: what one line does.
//!
//! [`Shell::execute`] reads a line as pprof's interactive mode does:
//! `name=value` sets an option for the rest of the session, a sample type
//! name switches to it (`alloc_space`, `mean_delay`), `:` clears the
//! filters, `o`/`options` lists the settings, `help [topic]` explains, `q`,
//! `quit` and `exit` leave, and anything else is a report command
//! ([`super::command::parse_command_line`]) rendered by the [`Engine`].
//! Reports go to standard output (or their `>file`), everything else to the
//! [`Console`]'s message stream, as in pprof, so a transcript of standard
//! output is pprof's byte for byte. Reading lines (a terminal with editing,
//! history and completion, or plain standard input) is the front end's job.

use std::io::{self, Write};

use super::command::{self, parse_command_line, Output};
use super::config::{self, Config, Kind, FIELDS};
use super::deliver::{deliver, Delivery};
use super::render::{Engine, Format};

/// Where the shell writes.
pub trait Console {
    /// Standard output: reports.
    fn out(&mut self) -> &mut dyn Write;
    /// A message for the user (standard error), one or more lines.
    fn message(&mut self, text: &str);
    /// Whether standard output is a terminal (binary reports then go to a
    /// file instead).
    fn stdout_is_terminal(&self) -> bool;
}

/// What to do after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// Leave the shell.
    Quit,
}

/// The shell's state: the engine and the settings in force.
pub struct Shell<'s> {
    engine: Engine<'s>,
    /// The settings, changed by `name=value`.
    pub config: Config,
    sample_types: Vec<String>,
}

impl<'s> Shell<'s> {
    /// A shell over `engine`, starting from the command line's settings;
    /// headers are compact, as in pprof's interactive mode.
    pub fn new(engine: Engine<'s>, mut config: Config) -> Self {
        config.compact_labels = true;
        let sample_types = engine.session().sample_types();
        Shell {
            engine,
            config,
            sample_types,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine<'s> {
        &self.engine
    }

    /// The greeting: the profile's header lines, a hint when the default
    /// value has no samples, and how to get help.
    pub fn greeting(&self) -> String {
        let mut cfg = self.config.clone();
        cfg.compact_labels = false;
        let mut lines = Vec::new();
        let opts = cfg.report_options("top");
        let header = self.engine.with_analysis(opts, &mut |_| {}, |an| {
            let r = crate::report::top::TopReport::build(an);
            (r.header.lines(r.total, &r.formatter), r.total)
        });
        if let Ok((header, total)) = header {
            lines.extend(header);
            if total == 0 && self.sample_types.len() > 1 {
                lines.push("No samples were found with the default sample value type.".into());
                lines.push(
                    "Try \"sample_index\" command to analyze different sample values.\n".into(),
                );
            }
        }
        lines.push(
            "Entering interactive mode (type \"help\" for commands, \"o\" for options)".into(),
        );
        lines.join("\n")
    }

    /// Runs one line.
    pub fn execute(&mut self, line: &str, console: &mut dyn Console) -> Flow {
        let line = line.trim();
        for input in self.expand(line) {
            if self.execute_one(&input, console) == Flow::Quit {
                return Flow::Quit;
            }
        }
        Flow::Continue
    }

    /// pprof's shortcuts: `:` clears the filters, a sample type name selects
    /// it (`total_X` and `mean_X` also set `mean`).
    fn expand(&self, line: &str) -> Vec<String> {
        if line == ":" {
            return ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]
                .map(String::from)
                .to_vec();
        }
        for t in &self.sample_types {
            let select = format!("sample_index={t}");
            if line == t {
                return vec![select];
            }
            if line.strip_prefix("total_") == Some(t) {
                return vec!["mean=0".into(), select];
            }
            if line.strip_prefix("mean_") == Some(t) {
                return vec!["mean=1".into(), select];
            }
        }
        vec![line.to_string()]
    }

    fn execute_one(&mut self, input: &str, console: &mut dyn Console) -> Flow {
        let (name, value) = match input.split_once('=') {
            Some((n, v)) => {
                // `//:` starts a comment (as `o` prints them).
                let v = v.rfind("//:").map_or(v, |i| &v[..i]);
                (n.trim(), Some(v.trim()))
            }
            None => (input.trim(), None),
        };
        if let Some(f) = config::lookup(name) {
            let is_bool = f.name != name || f.kind == Kind::Bool;
            match value {
                None if !is_bool => {
                    console.message(&format!("please specify a value, e.g. {name}=<val>"));
                }
                _ => {
                    if let Err(e) = self.assign(name, value.unwrap_or(""), f.name == "sample_index")
                    {
                        console.message(&e);
                    }
                }
            }
            return Flow::Continue;
        }
        let tokens: Vec<&str> = input.split_whitespace().collect();
        let Some(&first) = tokens.first() else {
            return Flow::Continue;
        };
        match first {
            "o" | "options" => {
                console.message(&self.options_text());
                return Flow::Continue;
            }
            "exit" | "quit" | "q" => return Flow::Quit,
            "help" => {
                console.message(&help(&tokens[1..].join(" ")));
                return Flow::Continue;
            }
            _ => {}
        }
        match parse_command_line(&tokens, &self.config) {
            Err(e) => console.message(&e),
            Ok((inv, cfg)) => {
                let tty = console.stdout_is_terminal();
                let mut notes = Vec::new();
                let result = {
                    let spec = command::find(&inv.name).expect("parsed commands exist");
                    let mut note = |m: &str| notes.push(m.to_string());
                    let target = deliver(spec, &cfg.output, tty, true);
                    match target {
                        Delivery::Stdout => self
                            .engine
                            .render(&inv, &cfg, Format::Text, console.out(), &mut note)
                            .map_err(|e| e.to_string())
                            .and_then(|()| console.out().flush().map_err(|e| e.to_string()))
                            .map(|()| None),
                        other => other
                            .write(|w| {
                                self.engine
                                    .render(&inv, &cfg, Format::Text, w, &mut note)
                                    .map_err(|e| match e {
                                        super::render::RenderError::Io(e) => e,
                                        e => io::Error::other(e.to_string()),
                                    })
                            })
                            .map(Some)
                            .map_err(|e| e.to_string()),
                    }
                };
                for n in notes {
                    console.message(&n);
                }
                match result {
                    Ok(Some(msg)) => console.message(&msg),
                    Ok(None) => {}
                    Err(e) => console.message(&e),
                }
            }
        }
        Flow::Continue
    }

    /// `name=value` with pprof's check of `sample_index` (stored as the type's name).
    fn assign(&mut self, name: &str, value: &str, sample_index: bool) -> Result<(), String> {
        if sample_index {
            let types: Vec<&str> = self.sample_types.iter().map(String::as_str).collect();
            let idx = crate::view::select::sample_index_by_name(&types, "", value)
                .map_err(|e| e.to_string())?;
            return self.config.set("sample_index", &self.sample_types[idx]);
        }
        self.config.assign(name, value)
    }

    /// The `o` listing: every option with its value, sorted, choices as comments.
    pub fn options_text(&self) -> String {
        let mut rows: Vec<String> = FIELDS
            .iter()
            .filter(|f| f.name != "source_path")
            .map(|f| {
                let mut v = self.config.get(f.name).unwrap_or_default();
                let mut comment = String::new();
                if !f.choices.is_empty() {
                    let mut c = f.choices.to_vec();
                    c.sort_unstable();
                    comment = format!("[{}]", c.join(" | "));
                } else if f.name == "sample_index" {
                    if v.is_empty() {
                        v = self.default_sample_type();
                    }
                    comment = format!("[{}]", self.sample_types.join(" | "));
                } else if f.name == "nodecount" && v == "-1" {
                    comment = "default".into();
                } else if v.is_empty() {
                    v = "\"\"".into();
                }
                if f.name == "granularity" && v.is_empty() {
                    v = "(default)".into();
                }
                if !comment.is_empty() {
                    comment = format!("//: {comment}");
                }
                format!("  {:<25} = {:<20} {comment}", f.name, v)
            })
            .collect();
        rows.sort();
        rows.join("\n")
    }

    /// The sample type reports show when `sample_index` is unset.
    fn default_sample_type(&self) -> String {
        let p = &self.engine.session().profile;
        crate::view::select::select(p, "", false)
            .map(|s| s.type_name)
            .unwrap_or_default()
    }

    /// The profile's sample type names.
    pub fn sample_types(&self) -> &[String] {
        &self.sample_types
    }
}

/// Completions for the word being typed at the end of `line`: commands and
/// options (with their values) for the first word, topics after `help`,
/// function names in a report's arguments. Returns the start of the word in
/// `line` and the candidates, sorted.
pub fn complete(line: &str, sample_types: &[String], functions: &[String]) -> (usize, Vec<String>) {
    let start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    match before.first() {
        None => {
            if let Some((name, partial)) = word.split_once('=') {
                let values = option_values(name, sample_types);
                out.extend(
                    values
                        .into_iter()
                        .filter(|v| v.starts_with(partial))
                        .map(|v| format!("{name}={v}")),
                );
            } else {
                let words = command::COMMANDS
                    .iter()
                    .map(|c| c.name.to_string())
                    .chain(FIELDS.iter().map(|f| format!("{}=", f.name)))
                    .chain(
                        FIELDS
                            .iter()
                            .flat_map(|f| f.choices.iter().map(|c| c.to_string())),
                    )
                    .chain(sample_types.iter().cloned())
                    .chain(["help", "options", "quit", "exit"].map(String::from));
                out.extend(words.filter(|w| w.starts_with(word)));
            }
        }
        Some(&"help") => {
            let words = command::COMMANDS
                .iter()
                .map(|c| c.name.to_string())
                .chain(FIELDS.iter().map(|f| f.name.to_string()));
            out.extend(words.filter(|w| w.starts_with(word)));
        }
        Some(&cmd) if command::find(cmd).is_some() && cmd != "tags" => {
            let (sign, w) = match word.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", word),
            };
            if !w.is_empty() || sign.is_empty() {
                // Names that start with the word first, then names containing it.
                let mut prefix: Vec<&String> =
                    functions.iter().filter(|f| f.starts_with(w)).collect();
                if prefix.is_empty() {
                    prefix = functions.iter().filter(|f| f.contains(w)).collect();
                }
                out.extend(prefix.into_iter().take(200).map(|f| format!("{sign}{f}")));
            }
        }
        _ => {}
    }
    out.sort();
    out.dedup();
    (start, out)
}

/// The values an option can take, for completion.
fn option_values(name: &str, sample_types: &[String]) -> Vec<String> {
    match config::lookup(name) {
        Some(f) if f.name == name => match f.kind {
            Kind::Choice => f.choices.iter().map(|c| c.to_string()).collect(),
            Kind::Bool => vec!["true".into(), "false".into()],
            _ if name == "sample_index" => sample_types.to_vec(),
            _ if name == "unit" => [
                "minimum", "auto", "ns", "us", "ms", "s", "B", "kB", "MB", "GB",
            ]
            .map(String::from)
            .to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `help` and `help TOPIC`, in pprofx's words.
pub fn help(topic: &str) -> String {
    if topic.is_empty() {
        let mut s = String::from("Commands (each prints a report; see `help COMMAND`):\n");
        for c in command::COMMANDS {
            let note = match c.output {
                Output::Unavailable(_) => " (not in pprofx)",
                _ => "",
            };
            s.push_str(&format!("    {:<12} {}{note}\n", c.name, c.description));
        }
        s.push_str(
            "\nCommand syntax:  top [N] [focus_regex]… [-ignore_regex]… [-cum] [>file]\n\
             \x20   N limits the nodes, words keep matching samples, -words drop them, >file saves.\n\
             \nSettings (kept until changed; see `help OPTION`):\n",
        );
        for f in FIELDS {
            let name = if f.choices.is_empty() {
                f.name.to_string()
            } else {
                format!("{}={}", f.name, f.choices.join("|"))
            };
            s.push_str(&format!("    {name:<24} {}\n", f.help));
        }
        s.push_str(
            "\nOther words:\n\
             \x20   SAMPLE_TYPE     report that value (e.g. alloc_space); mean_X and total_X too\n\
             \x20   :               clear focus, ignore, hide, tagfocus and tagignore\n\
             \x20   o, options      list the settings and their values\n\
             \x20   q, quit, exit   leave (or Ctrl-D)\n\
             On a terminal: Tab completes commands, options, values and function names;\n\
             history is kept across sessions.",
        );
        return s;
    }
    if let Some(c) = command::find(topic) {
        let mut s = format!("{}: {}\n", c.name, c.description);
        if let Output::Unavailable(why) = c.output {
            s.push_str(&format!("  pprofx: {} {why}\n", c.name));
        }
        if !c.usage.is_empty() {
            s.push_str(&format!("  Usage: {} {}\n", c.name, c.usage));
        }
        return s;
    }
    if let Some(f) = config::lookup(topic) {
        if f.name != topic {
            let h = config::choice_help(topic).unwrap_or("");
            return format!("{topic}: {h} (same as {}={topic})\n", f.name);
        }
        let mut s = format!("{}: {}\n", f.name, f.help);
        if !f.choices.is_empty() {
            for c in f.choices {
                s.push_str(&format!(
                    "    {c:<14} {}\n",
                    config::choice_help(c).unwrap_or("")
                ));
            }
        }
        s.push_str(&format!("  Set it with: {}=VALUE", f.name));
        if let Some(u) = f.url {
            s.push_str(&format!("   (web UI parameter: {u})"));
        }
        s.push('\n');
        return s;
    }
    format!("Unknown command: {topic}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::Session;

    struct Capture {
        out: Vec<u8>,
        err: Vec<String>,
    }

    impl Console for Capture {
        fn out(&mut self) -> &mut dyn Write {
            &mut self.out
        }
        fn message(&mut self, text: &str) {
            self.err.push(text.to_string());
        }
        fn stdout_is_terminal(&self) -> bool {
            false
        }
    }

    fn session() -> Session {
        let p = crate::model::Profile::default();
        Session::from_profile(p, "empty")
    }

    #[test]
    fn settings_persist_and_commands_do_not() {
        let s = session();
        let mut sh = Shell::new(Engine::new(&s), Config::default());
        let mut c = Capture {
            out: Vec::new(),
            err: Vec::new(),
        };
        assert_eq!(sh.execute("nodecount=7", &mut c), Flow::Continue);
        assert_eq!(sh.config.nodecount, 7);
        sh.execute("focus = main //: a comment", &mut c);
        assert_eq!(sh.config.focus, "main");
        sh.execute(":", &mut c);
        assert_eq!(sh.config.focus, "");
        sh.execute("cum", &mut c);
        assert_eq!(
            sh.config.sort, "flat",
            "a bare choice is refused, as in pprof"
        );
        sh.execute("cum=1", &mut c);
        assert_eq!(sh.config.sort, "cum");
        sh.execute("nodecount", &mut c);
        assert_eq!(
            c.err.last().unwrap(),
            "please specify a value, e.g. nodecount=<val>"
        );
        sh.execute("bogus", &mut c);
        assert_eq!(c.err.last().unwrap(), "unrecognized command: \"bogus\"");
        assert_eq!(sh.execute("quit", &mut c), Flow::Quit);
        assert!(c.out.is_empty());
    }

    #[test]
    fn completion_offers_commands_options_and_functions() {
        let fns = vec!["main.parse".to_string(), "main.run".to_string()];
        let complete = |l: &str| super::complete(l, &[], &fns);
        assert_eq!(complete("to"), (0, vec!["top".into(), "topproto".into()]));
        assert_eq!(complete("granularity=l").1, ["granularity=lines"]);
        assert_eq!(complete("list main.p"), (5, vec!["main.parse".into()]));
        assert_eq!(complete("top -main.r").1, ["-main.run"]);
        assert_eq!(complete("help nodec").1, ["nodecount"]);
    }

    #[test]
    fn help_knows_every_command_and_option() {
        for c in command::COMMANDS {
            assert!(help(c.name).starts_with(c.name), "{}", c.name);
        }
        for f in FIELDS {
            assert!(help(f.name).starts_with(f.name), "{}", f.name);
        }
        assert!(help("cum").contains("sort=cum"));
        assert!(help("nosuch").starts_with("Unknown"));
    }
}
