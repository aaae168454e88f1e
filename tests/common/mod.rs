//! Shared helpers for the parity integration tests: locating the reference
//! data, parsing `commands.txt` golden indexes, running the binary and
//! diffing its output against a golden file.
//!
//! Each integration test crate uses only part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Root of the pprofx repository: `$PPROFX_REPO`, else the crate's manifest dir.
pub fn repo_root() -> PathBuf {
    std::env::var_os("PPROFX_REPO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The shared reference data folder (`../shared` next to the repository,
/// overridable with `$PPROFX_SHARED`), or `None` when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PPROFX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    dir.is_dir().then_some(dir)
}

/// The executable under test: `$PPROFX_BIN` if set, else the built `pprofx`.
pub fn pprofx_bin() -> PathBuf {
    std::env::var_os("PPROFX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_pprofx")))
}

/// Runs the binary under test with `args` in `cwd`, with `TZ=UTC` like the goldens.
pub fn run_pprofx(args: &[String], cwd: &Path) -> std::io::Result<Output> {
    Command::new(pprofx_bin())
        .args(args)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .output()
}

/// One token of a shell command line: a word (quotes removed) or an unquoted
/// `|` / `>` operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Op(char),
}

/// Splits a POSIX-shell-like command line into words and `|`/`>` operators,
/// honouring single quotes, double quotes and backslash escapes.
pub fn shell_split(line: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => tokens.extend(word.take().map(Token::Word)),
            '|' | '>' => {
                tokens.extend(word.take().map(Token::Word));
                tokens.push(Token::Op(c));
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&q| q != '\''));
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some(e) => w.extend(['\\', e]),
                            None => w.push('\\'),
                        },
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    tokens.extend(word.map(Token::Word));
    tokens
}

/// One line of a golden `commands.txt`.
#[derive(Debug, Clone)]
pub struct GoldenCommand {
    /// Output name before the colon (e.g. `top-cum.txt`, `top.txt.err`).
    pub name: String,
    /// pprof arguments (everything after `go tool pprof`, before any `|`/`>`).
    pub args: Vec<String>,
    /// Stdout file, relative to the working directory of the commands.
    pub dest: Option<String>,
    /// Recorded non-zero exit status of a failed command (`(exit N; ...)`).
    pub failed_with: Option<i32>,
}

/// Parses a `commands.txt` file: lines `NAME: go tool pprof ARGS > DEST`
/// (possibly piped through `gzip`), or `NAME: go tool pprof ARGS  (exit N; ...)`
/// for a command that failed. Panics on malformed lines, naming the line.
pub fn parse_commands_txt(path: &Path) -> Vec<GoldenCommand> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let here = || format!("{}:{}: {line}", path.display(), n + 1);
        let (name, mut cmd) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("no `NAME: ` prefix in {}", here()));
        let mut failed_with = None;
        if let Some(pos) = cmd.rfind(" (exit ") {
            let status = cmd[pos + 7..].split([';', ')']).next().unwrap_or_default();
            let status = status
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad exit status in {}", here()));
            failed_with = Some(status);
            cmd = &cmd[..pos];
        }
        let tokens = shell_split(cmd);
        let args = pprof_args(&tokens).unwrap_or_else(|| panic!("not a pprof command: {}", here()));
        let dest = tokens.windows(2).find_map(|w| match w {
            [Token::Op('>'), Token::Word(d)] => Some(d.clone()),
            _ => None,
        });
        if dest.is_none() && failed_with.is_none() {
            panic!("neither `> DEST` nor `(exit N)` in {}", here());
        }
        out.push(GoldenCommand {
            name: name.to_string(),
            args,
            dest,
            failed_with,
        });
    }
    out
}

/// Strips the `go tool pprof` / `pprof` prefix and returns the arguments up
/// to the first shell operator; `None` if the command is not pprof.
pub fn pprof_args(tokens: &[Token]) -> Option<Vec<String>> {
    let words: Vec<&str> = tokens
        .iter()
        .map_while(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            Token::Op(_) => None,
        })
        .collect();
    let rest = match words.as_slice() {
        ["go", "tool", "pprof", rest @ ..] | ["pprof", rest @ ..] => rest,
        _ => return None,
    };
    Some(rest.iter().map(|s| s.to_string()).collect())
}

/// Reads a golden file, gunzipping it when its name ends in `.gz`; falls back
/// to `PATH.gz` when `PATH` is missing (large outputs are stored gzipped).
pub fn read_golden(path: &Path) -> std::io::Result<Vec<u8>> {
    let gz_sibling = PathBuf::from(format!("{}.gz", path.display()));
    let path = if !path.exists() && gz_sibling.exists() {
        gz_sibling.as_path()
    } else {
        path
    };
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A compact positional line diff: at most `max` differing lines, each shown
/// as expected (`-`) and actual (`+`) with its 1-based line number.
pub fn line_diff(expected: &[u8], actual: &[u8], max: usize) -> String {
    let exp = String::from_utf8_lossy(expected);
    let act = String::from_utf8_lossy(actual);
    let (e, a): (Vec<&str>, Vec<&str>) = (exp.lines().collect(), act.lines().collect());
    let mut out = format!("    expected {} lines, actual {} lines\n", e.len(), a.len());
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (el, al) = (e.get(i), a.get(i));
        if el == al {
            continue;
        }
        if shown == max {
            out.push_str("    ... (more differences)\n");
            break;
        }
        shown += 1;
        let show = |l: Option<&&str>| l.map_or("<missing>".to_string(), |s| format!("{s:?}"));
        out.push_str(&format!(
            "    L{:<5} - {}\n           + {}\n",
            i + 1,
            show(el),
            show(al)
        ));
    }
    if shown == 0 {
        out.push_str(
            "    lines are equal: the difference is in line endings or the final newline\n",
        );
    }
    out
}
