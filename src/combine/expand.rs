//! Source arguments that stand for many profiles: `@FILE`, directories and
//! globs.
//!
//! [`expand_sources`] turns the arguments of a command line into the list of
//! profiles to read, in order:
//!
//! * `@FILE`: the paths listed in FILE, one per line (for lists longer than
//!   a command line may be). Blank lines and lines starting with `#` are
//!   skipped; paths are taken as written (relative ones from the current
//!   directory), not expanded again. `@-` reads the list from standard input.
//! * a directory: the regular files directly in it, sorted by name, hidden
//!   files (`.name`) left out. Subdirectories are not entered.
//! * a glob (`*`, `?`, `[abc]`, `[a-z]`, `[!abc]` in any path component)
//!   whose part before the first wildcard is an existing directory (or none,
//!   for the current directory): the matching files, sorted by name, hidden
//!   ones only when the pattern's component starts with `.`. Quoting the glob
//!   (`pprofx merge -o all.pb.gz 'shards/*.pb.gz'`) lets pprofx expand it
//!   instead of the shell, past the shell's limit on argument length. A glob
//!   that matches nothing is an error.
//! * anything else (a file, `-`, a URL such as
//!   `host:6060/debug/pprof/profile?seconds=5`) is kept as it is.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a source argument could not be expanded.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    /// A `@FILE` list or a directory could not be read.
    #[error("{arg}: {}", crate::error::io_message(error))]
    Read {
        /// The argument.
        arg: String,
        /// Why.
        error: std::io::Error,
    },
    /// A directory without files, or a glob that matches nothing.
    #[error("{0}: {1}")]
    Empty(String, &'static str),
}

impl ExpandError {
    /// The argument the error is about.
    pub fn subject(&self) -> &str {
        match self {
            ExpandError::Read { arg, .. } | ExpandError::Empty(arg, _) => arg,
        }
    }

    /// What is wrong with it (the message without the argument).
    pub fn reason(&self) -> String {
        match self {
            ExpandError::Read { error, .. } => crate::error::io_message(error),
            ExpandError::Empty(_, why) => why.to_string(),
        }
    }
}

/// The profiles that `args` name (see the module doc).
pub fn expand_sources(args: &[String]) -> Result<Vec<String>, ExpandError> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        expand_one(a, &mut out)?;
    }
    Ok(out)
}

fn expand_one(arg: &str, out: &mut Vec<String>) -> Result<(), ExpandError> {
    let read_err = |error| ExpandError::Read {
        arg: arg.to_string(),
        error,
    };
    if let Some(list) = arg.strip_prefix('@') {
        if !list.is_empty() && !Path::new(arg).exists() {
            let text = if list == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .lock()
                    .read_to_string(&mut s)
                    .map_err(read_err)?;
                s
            } else {
                std::fs::read_to_string(list).map_err(read_err)?
            };
            out.extend(
                text.lines()
                    .map(|l| l.trim_end_matches('\r'))
                    .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                    .map(str::to_string),
            );
            return Ok(());
        }
    }
    let path = Path::new(arg);
    if path.is_dir() {
        let n = out.len();
        let mut files = list_dir(path, |name| !name.starts_with('.')).map_err(read_err)?;
        files.sort();
        out.extend(files.into_iter().filter(|p| p.is_file()).map(display));
        if out.len() == n {
            return Err(ExpandError::Empty(
                arg.to_string(),
                "no files in this directory",
            ));
        }
        return Ok(());
    }
    if has_wildcard(arg) && !path.exists() && !arg.contains("://") {
        if let Some(matches) = glob(arg).map_err(read_err)? {
            if matches.is_empty() {
                return Err(ExpandError::Empty(arg.to_string(), "no file matches"));
            }
            out.extend(matches.into_iter().map(display));
            return Ok(());
        }
    }
    out.push(arg.to_string());
    Ok(())
}

fn display(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The entries of `dir` whose names pass `keep`, as paths under `dir`.
fn list_dir(dir: &Path, keep: impl Fn(&str) -> bool) -> std::io::Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        if keep(&name.to_string_lossy()) {
            v.push(dir.join(name));
        }
    }
    Ok(v)
}

/// The files matching `pattern`, sorted; `None` when the part before the
/// first wildcard is not an existing directory (then it is not a glob but,
/// say, a URL with a `?`).
fn glob(pattern: &str) -> std::io::Result<Option<Vec<PathBuf>>> {
    let comps: Vec<&str> = pattern.split('/').collect();
    let first_wild = comps.iter().position(|c| has_wildcard(c)).unwrap_or(0);
    let prefix = comps[..first_wild].join("/");
    let (root, prefix) = if pattern.starts_with('/') && prefix.is_empty() {
        (PathBuf::from("/"), "/".to_string())
    } else if prefix.is_empty() {
        (PathBuf::from("."), prefix)
    } else {
        (PathBuf::from(&prefix), prefix)
    };
    if !root.is_dir() {
        return Ok(None);
    }
    // Matched paths are shown relative as written: no "./" in front.
    let mut level: Vec<(PathBuf, String)> = vec![(root, prefix)];
    for (i, comp) in comps.iter().enumerate().skip(first_wild) {
        let last = i + 1 == comps.len();
        let mut next = Vec::new();
        for (dir, shown) in &level {
            let join = |name: &str| {
                if shown.is_empty() {
                    name.to_string()
                } else if shown.ends_with('/') {
                    format!("{shown}{name}")
                } else {
                    format!("{shown}/{name}")
                }
            };
            if !has_wildcard(comp) {
                let p = dir.join(comp);
                if (last && p.is_file()) || (!last && p.is_dir()) {
                    next.push((p, join(comp)));
                }
                continue;
            }
            let hidden_ok = comp.starts_with('.');
            let Ok(entries) = list_dir(dir, |name| {
                (hidden_ok || !name.starts_with('.')) && wildcard_match(comp, name)
            }) else {
                continue;
            };
            for p in entries {
                if (last && p.is_file()) || (!last && p.is_dir()) {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    next.push((p, join(&name)));
                }
            }
        }
        level = next;
    }
    let mut v: Vec<PathBuf> = level.into_iter().map(|(_, s)| PathBuf::from(s)).collect();
    v.sort();
    Ok(Some(v))
}

/// Whether `name` matches the shell wildcard `pat` (`*`, `?`, `[...]`).
pub fn wildcard_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    // Backtracking point for the last `*`: (pattern index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi + 1, ni));
                    pi += 1;
                    continue;
                }
                '?' => Some(pi + 1),
                '[' => class(&p, pi, n[ni]),
                c => (c == n[ni]).then_some(pi + 1),
            }
        } else {
            None
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `p[at] == '['`: the index after
/// the class if it matches, `None` if not. An unclosed `[` is a literal.
fn class(p: &[char], at: usize, c: char) -> Option<usize> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let start = i;
    let mut hit = false;
    while i < p.len() && (p[i] != ']' || i == start) {
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            hit |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= p[i] == c;
            i += 1;
        }
    }
    if i >= p.len() {
        // No closing bracket: `[` stands for itself.
        return (c == '[').then_some(at + 1);
    }
    (hit != negate).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        for (p, n, want) in [
            ("*.pb.gz", "cpu.pb.gz", true),
            ("*.pb.gz", "cpu.pb", false),
            ("cpu-?.pb", "cpu-1.pb", true),
            ("cpu-?.pb", "cpu-12.pb", false),
            ("cpu-[0-4].pb", "cpu-3.pb", true),
            ("cpu-[!0-4].pb", "cpu-3.pb", false),
            ("cpu-[!0-4].pb", "cpu-7.pb", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("*", "", true),
            ("[]]", "]", true),
            ("[ab", "[ab", true),
        ] {
            assert_eq!(wildcard_match(p, n), want, "{p} ~ {n}");
        }
    }

    #[test]
    fn directories_lists_and_globs() {
        let dir = std::env::temp_dir().join(format!("pprofx-expand-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["b.pb.gz", "a.pb.gz", ".hidden", "c.txt", "sub/d.pb.gz"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        let d = dir.display().to_string();
        let got = expand_sources(std::slice::from_ref(&d)).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|p| p.rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a.pb.gz", "b.pb.gz", "c.txt"]);
        let got = expand_sources(&[format!("{d}/*.pb.gz"), format!("{d}/*/*.gz")]).unwrap();
        assert_eq!(
            got,
            [
                format!("{d}/a.pb.gz"),
                format!("{d}/b.pb.gz"),
                format!("{d}/sub/d.pb.gz")
            ]
        );
        std::fs::write(
            dir.join("list"),
            format!("# shards\n{d}/b.pb.gz\n\nx.pb.gz\r\n"),
        )
        .unwrap();
        let got = expand_sources(&[format!("@{d}/list")]).unwrap();
        assert_eq!(got, [format!("{d}/b.pb.gz"), "x.pb.gz".to_string()]);
        let err = expand_sources(&[format!("{d}/*.nothing")]).unwrap_err();
        assert!(err.to_string().ends_with("no file matches"), "{err}");
        // Not globs: a URL with a query, a missing directory.
        let url = "localhost:6060/debug/pprof/profile?seconds=5".to_string();
        assert_eq!(expand_sources(std::slice::from_ref(&url)).unwrap(), [url]);
        let missing = format!("{d}/nope/*.pb");
        assert_eq!(
            expand_sources(std::slice::from_ref(&missing)).unwrap(),
            [missing]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
