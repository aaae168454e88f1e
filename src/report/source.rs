//! Finding the source files of a profile's frames (for `list`).
//!
//! [`SourceFinder::lines`] first looks a file up exactly as
//! `go tool pprof -list` does (pprof's `openSourceFile`): the path is trimmed
//! (`--trim_path`, else the base name of a search directory found in it), an
//! absolute path is opened as is, a relative one is joined to each
//! `--source_path` directory (default: the working directory) and each of its
//! parents. Wherever pprof finds a file, pprofx reads the same one.
//!
//! Only when that fails, it also tries, in this order:
//!
//! 1. **the standard library in the local GOROOT**: a path with a `/src/`
//!    component (`/usr/local/go/src/runtime/proc.go`, `$GOROOT/src/…`, from
//!    any machine) or a relative path whose first element has no dot (the
//!    `-trimpath` form `runtime/proc.go`) is looked up under `$GOROOT/src`;
//!    GOROOT is `$GOROOT`, else what `go env GOROOT` prints (run at most
//!    once, only when such a file is missing, with `GOTOOLCHAIN=local` and a
//!    time limit);
//! 2. **the main module**: the nearest `go.mod` at or above the working
//!    directory and each `--source_path` directory; a path that starts with
//!    its module path (`example.com/app/x.go`) is read from its directory;
//! 3. **`vendor/`**: a module-relative path (`github.com/foo/bar/x.go`, also
//!    found inside an absolute path, with an `@version` element dropped and
//!    `!`-escapes undone) is looked up in `vendor/` of the working directory,
//!    the `--source_path` directories and their parents;
//! 4. **the module cache** (`$GOMODCACHE`, else the first `$GOPATH` entry's
//!    `pkg/mod`, `$GOPATH` defaulting to `$HOME/go`): a path with an
//!    `module@version` element (`/home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go`
//!    from another machine, or `github.com/BurntSushi/toml@v1.2.0/decode.go`)
//!    is read from the local cache, the module path and version escaped as
//!    Go does (an upper-case letter becomes `!` and the lower-case letter).
//!
//! Every lookup is cached per file name. A file found nowhere keeps pprof's
//! own error text (which the report prints); [`SourceFinder::not_found`]
//! lists such files with the places searched, for one message on stderr.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::graph::trim_path;

/// What the process environment says about Go's directories.
#[derive(Debug, Clone, Default)]
pub struct GoEnv {
    /// `$GOROOT` (non-empty), if set.
    pub goroot: Option<PathBuf>,
    /// `$GOMODCACHE` (non-empty), if set.
    pub gomodcache: Option<PathBuf>,
    /// `$GOPATH` (non-empty), if set.
    pub gopath: Option<String>,
    /// `$HOME` (non-empty), if set.
    pub home: Option<PathBuf>,
    /// Whether `go env GOROOT` may be run when `$GOROOT` is not set.
    pub ask_go: bool,
}

impl GoEnv {
    /// Reads `GOROOT`, `GOMODCACHE`, `GOPATH` and `HOME`; allows running
    /// `go env GOROOT`.
    pub fn from_process() -> GoEnv {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        GoEnv {
            goroot: var("GOROOT").map(PathBuf::from),
            gomodcache: var("GOMODCACHE").map(PathBuf::from),
            gopath: var("GOPATH").map(|v| v.to_string_lossy().into_owned()),
            home: var("HOME").map(PathBuf::from),
            ask_go: true,
        }
    }

    /// The module cache: `$GOMODCACHE`, else `<first GOPATH entry>/pkg/mod`,
    /// GOPATH defaulting to `$HOME/go`.
    pub fn module_cache(&self) -> Option<PathBuf> {
        if let Some(c) = &self.gomodcache {
            return Some(c.clone());
        }
        let sep = if cfg!(windows) { ';' } else { ':' };
        let gopath = match &self.gopath {
            Some(p) => p.split(sep).find(|e| !e.is_empty()).map(PathBuf::from),
            None => self.home.as_ref().map(|h| h.join("go")),
        }?;
        Some(gopath.join("pkg").join("mod"))
    }
}

/// A source file found nowhere, and where it was searched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotFound {
    /// The file name as the profile gives it.
    pub file: String,
    /// The places searched, in order (directories and how they were used).
    pub looked_in: Vec<String>,
}

/// Where a candidate comes from (for the "looked in" message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Goroot,
    MainModule,
    Vendor,
    ModCache,
}

/// GOROOT as resolved (lazily).
#[derive(Debug, Clone)]
enum Goroot {
    Unresolved,
    Found(PathBuf, &'static str),
    Missing(&'static str),
}

/// Finds and reads source files; see the module documentation.
pub struct SourceFinder {
    /// pprof's search path (`--source_path`, or the working directory).
    search_path: String,
    trim: String,
    /// Working directory and `--source_path` directories (vendor, go.mod).
    bases: Vec<PathBuf>,
    env: GoEnv,
    goroot: Goroot,
    /// `(module path, directory)` of the go.mod files above the bases.
    main_modules: Option<Vec<(String, PathBuf)>>,
    files: HashMap<String, Result<Vec<String>, String>>,
    not_found: Vec<NotFound>,
    /// `Some`: read only files inside these (canonical) directories.
    roots: Option<Vec<PathBuf>>,
}

impl SourceFinder {
    /// A finder for pprof's `source_path` (empty: the working directory) and
    /// `trim_path`, using the process environment for GOROOT and the module
    /// cache.
    pub fn new(source_path: &str, trim_path: &str) -> SourceFinder {
        SourceFinder::with_env(source_path, trim_path, GoEnv::from_process())
    }

    /// A finder with an explicit environment (tests, embedding).
    pub fn with_env(source_path: &str, trim_path: &str, env: GoEnv) -> SourceFinder {
        let cwd = std::env::current_dir().ok();
        let search_path = if source_path.is_empty() {
            cwd.as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        } else {
            source_path.to_string()
        };
        let mut bases: Vec<PathBuf> = Vec::new();
        for b in cwd.into_iter().chain(
            source_path
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        ) {
            if !bases.contains(&b) {
                bases.push(b);
            }
        }
        SourceFinder {
            search_path,
            trim: trim_path.to_string(),
            bases,
            env,
            goroot: Goroot::Unresolved,
            main_modules: None,
            files: HashMap::new(),
            not_found: Vec::new(),
            roots: None,
        }
    }

    /// Confines the finder to the discovery roots: the working directory,
    /// the `source_path` directories, GOROOT, the main modules and the
    /// module cache. A file found anywhere else (an absolute path in the
    /// profile, a parent directory) is not read and counts as not found.
    /// The web UI reads sources this way.
    pub fn confined(mut self) -> SourceFinder {
        let mut roots: Vec<PathBuf> = self.bases.clone();
        roots.extend(self.goroot_dir().map(|g| g.join("src")));
        roots.extend(self.env.module_cache());
        roots.extend(self.main_modules().iter().map(|(_, d)| d.clone()));
        let roots = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
        self.roots = Some(roots);
        self
    }

    /// Whether `p` may be read: always, unless confined; then only when
    /// its real path is inside a root.
    fn allowed(&self, p: &Path) -> bool {
        let Some(roots) = &self.roots else {
            return true;
        };
        match p.canonicalize() {
            Ok(real) => roots.iter().any(|r| real.starts_with(r)),
            Err(_) => false,
        }
    }

    /// Reads a regular file if it is [`allowed`](Self::allowed).
    fn read(&self, p: &Path) -> Option<Vec<u8>> {
        if self.allowed(p) {
            read_file(p)
        } else {
            None
        }
    }

    /// The lines of `path` (a file name from the profile), or pprof's error
    /// text when it is found nowhere. Cached per file name.
    pub fn lines(&mut self, path: &str) -> &Result<Vec<String>, String> {
        if !self.files.contains_key(path) {
            let read = self.find(path).map(|bytes| split_lines(&bytes));
            self.files.insert(path.to_string(), read);
        }
        &self.files[path]
    }

    /// Files found nowhere so far, in the order they were asked for.
    pub fn not_found(&self) -> &[NotFound] {
        &self.not_found
    }

    /// One short message for stderr naming the files not found and where
    /// they were searched; `None` when every file was found.
    pub fn not_found_message(&self) -> Option<String> {
        message(&self.not_found)
    }

    fn find(&mut self, path: &str) -> Result<Vec<u8>, String> {
        let allow = |p: &Path| self.allowed(p);
        let opened = open_source_file(path, &self.search_path, &self.trim, &allow);
        let pprof_error = match opened {
            Ok(b) => return Ok(b),
            Err(e) => e,
        };
        let trimmed = trim_path(path, &self.trim, &self.search_path).to_string();
        let mut looked_in = vec![if Path::new(&trimmed).is_absolute() {
            trimmed.clone()
        } else {
            format!("{} and parent directories", self.search_path)
        }];
        let mut names = vec![path.to_string()];
        if trimmed != path {
            names.push(trimmed);
        }
        let mut tried: Vec<Place> = Vec::new();
        for (place, rel) in candidates(&names) {
            if !tried.contains(&place) {
                tried.push(place);
            }
            if let Some(bytes) = self.try_place(place, &rel) {
                return Ok(bytes);
            }
        }
        for place in tried {
            self.describe(place, &mut looked_in);
        }
        self.not_found.push(NotFound {
            file: path.to_string(),
            looked_in,
        });
        Err(pprof_error)
    }

    /// Reads `rel` under the roots of `place`.
    fn try_place(&mut self, place: Place, rel: &str) -> Option<Vec<u8>> {
        match place {
            Place::Goroot => {
                let root = self.goroot_dir()?;
                self.read(&root.join("src").join(rel))
            }
            Place::ModCache => self.read(&self.env.module_cache()?.join(rel)),
            Place::Vendor => self
                .bases
                .iter()
                .flat_map(|b| b.ancestors())
                .find_map(|d| self.read(&d.join("vendor").join(rel))),
            Place::MainModule => {
                let mods = self.main_modules().to_vec();
                mods.iter().find_map(|(module, dir)| {
                    let rest = rel.strip_prefix(module.as_str())?.strip_prefix('/')?;
                    self.read(&dir.join(rest))
                })
            }
        }
    }

    fn describe(&mut self, place: Place, out: &mut Vec<String>) {
        match place {
            Place::Goroot => out.push(match self.goroot.clone() {
                Goroot::Found(d, how) => format!("{how} {}", d.join("src").display()),
                Goroot::Missing(why) => format!("GOROOT ({why})"),
                Goroot::Unresolved => "GOROOT".to_string(),
            }),
            Place::MainModule => {
                let mods = self.main_modules().to_vec();
                if mods.is_empty() {
                    out.push("go.mod (none above the search directories)".to_string());
                }
                for (m, d) in mods {
                    out.push(format!("module {m} in {}", d.display()));
                }
            }
            Place::Vendor => {
                let dirs: Vec<String> =
                    self.bases.iter().map(|b| b.display().to_string()).collect();
                out.push(format!("vendor/ of {} and parents", dirs.join(", ")));
            }
            Place::ModCache => out.push(match self.env.module_cache() {
                Some(d) => format!("module cache {}", d.display()),
                None => "module cache (GOMODCACHE, GOPATH and HOME unset)".to_string(),
            }),
        }
    }

    /// The local GOROOT, resolved once.
    fn goroot_dir(&mut self) -> Option<PathBuf> {
        if let Goroot::Unresolved = self.goroot {
            self.goroot = if let Some(g) = &self.env.goroot {
                Goroot::Found(g.clone(), "GOROOT")
            } else if !self.env.ask_go {
                Goroot::Missing("not set")
            } else {
                match go_env_goroot() {
                    Ok(g) => Goroot::Found(g, "`go env GOROOT`"),
                    Err(why) => Goroot::Missing(why),
                }
            };
        }
        match &self.goroot {
            Goroot::Found(d, _) => Some(d.clone()),
            _ => None,
        }
    }

    /// The main modules above the base directories, found once.
    fn main_modules(&mut self) -> &[(String, PathBuf)] {
        if self.main_modules.is_none() {
            let mut mods: Vec<(String, PathBuf)> = Vec::new();
            for b in &self.bases {
                let found = b.ancestors().find_map(|d| {
                    let text = std::fs::read(d.join("go.mod")).ok()?;
                    Some((
                        module_line(&String::from_utf8_lossy(&text))?,
                        d.to_path_buf(),
                    ))
                });
                if let Some(m) = found {
                    if !mods.contains(&m) {
                        mods.push(m);
                    }
                }
            }
            self.main_modules = Some(mods);
        }
        self.main_modules.as_deref().unwrap_or_default()
    }
}

/// The module path of a go.mod file's `module` directive.
fn module_line(gomod: &str) -> Option<String> {
    gomod.lines().find_map(|l| {
        let l = l.split("//").next()?.trim();
        let rest = l.strip_prefix("module")?;
        if !rest.starts_with([' ', '\t', '"']) {
            return None;
        }
        let m = rest.trim().trim_matches('"').trim();
        (!m.is_empty()).then(|| m.to_string())
    })
}

/// `go env GOROOT`, with the toolchain pinned to the local one (no
/// download) and a time limit.
fn go_env_goroot() -> Result<PathBuf, &'static str> {
    let child = Command::new("go")
        .args(["env", "GOROOT"])
        .env("GOTOOLCHAIN", "local")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err("not set; no go on PATH"),
        Err(_) => return Err("not set; go could not be run"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("not set; `go env GOROOT` did not answer");
            }
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|_| "not set; `go env GOROOT` failed")?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || dir.is_empty() {
        return Err("not set; `go env GOROOT` failed");
    }
    Ok(PathBuf::from(dir))
}

/// Reads a regular file.
fn read_file(p: &Path) -> Option<Vec<u8>> {
    if p.is_file() {
        std::fs::read(p).ok()
    } else {
        None
    }
}

/// The paths to try under each place, in order (goroot, main module,
/// vendor, module cache), for the profile's file name and its trimmed form.
fn candidates(names: &[String]) -> Vec<(Place, String)> {
    let mut out: Vec<(Place, String)> = Vec::new();
    let mut push = |place: Place, rel: String| {
        let clean = !rel.is_empty()
            && !rel.starts_with('/')
            && rel
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        if clean && !out.iter().any(|(p, r)| *p == place && *r == rel) {
            out.push((place, rel));
        }
    };
    for name in names {
        let name = name.replace('\\', "/");
        for s in std_suffixes(&name) {
            push(Place::Goroot, s);
        }
    }
    for name in names {
        if is_relative(name) {
            push(Place::MainModule, name.clone());
        }
    }
    for name in names {
        for s in module_suffixes(name) {
            push(Place::Vendor, unescape(&strip_version(&s)));
        }
    }
    for name in names {
        for s in module_suffixes(name) {
            if let Some(enc) = escape_module_version(&s) {
                push(Place::ModCache, enc);
            }
        }
    }
    out
}

fn is_relative(p: &str) -> bool {
    !p.starts_with('/') && !p.starts_with("./") && !p.starts_with("../") && !p.contains(':')
}

/// Standard-library candidates: what follows each `/src/` (leftmost first),
/// and a relative path itself; only when the first element has no dot.
fn std_suffixes(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = path[from..].find("/src/") {
        let s = &path[from + i + 5..];
        out.push(s.to_string());
        from += i + 1;
    }
    if is_relative(path) {
        out.push(path.strip_prefix("src/").unwrap_or(path).to_string());
    }
    out.retain(|s| {
        s.split_once('/')
            .is_some_and(|(first, _)| !first.contains('.') && !first.contains('@'))
    });
    out
}

/// Module-relative candidates: the path from each element with a dot (a
/// domain, such as `github.com`) that is not the file name itself, plus what
/// follows `/vendor/`.
fn module_suffixes(path: &str) -> Vec<String> {
    let path = path.replace('\\', "/");
    let comps: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    if let Some(i) = path.rfind("/vendor/") {
        out.push(path[i + 8..].to_string());
    }
    for i in 0..comps.len().saturating_sub(1) {
        let c = comps[i];
        if c.contains('.') && !c.starts_with('.') && c != ".." && (i > 0 || is_relative(&path)) {
            out.push(comps[i..].join("/"));
        }
    }
    out
}

/// Drops the `@version` of the element that has one.
fn strip_version(p: &str) -> String {
    p.split('/')
        .map(|c| c.split_once('@').map_or(c, |(m, _)| m))
        .collect::<Vec<_>>()
        .join("/")
}

/// Undoes Go's case escaping (`!b` → `B`).
fn unescape(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut bang = false;
    for c in p.chars() {
        if bang {
            out.extend(c.to_uppercase());
            bang = false;
        } else if c == '!' {
            bang = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// `module@version/rest` with module and version case-escaped as in the
/// module cache; `None` when no element has an `@version`.
pub fn escape_module_version(p: &str) -> Option<String> {
    let comps: Vec<&str> = p.split('/').collect();
    let at = comps.iter().position(|c| c.contains('@'))?;
    if at + 1 >= comps.len() {
        return None;
    }
    let mut out = String::with_capacity(p.len() + 8);
    for (i, c) in comps.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        if i <= at {
            for ch in c.chars() {
                if ch.is_ascii_uppercase() {
                    out.push('!');
                    out.push(ch.to_ascii_lowercase());
                } else {
                    out.push(ch);
                }
            }
        } else {
            out.push_str(c);
        }
    }
    Some(out)
}

/// The stderr message for files not found.
fn message(missing: &[NotFound]) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    const SHOWN: usize = 8;
    let files: Vec<&str> = missing
        .iter()
        .take(SHOWN)
        .map(|m| m.file.as_str())
        .collect();
    let more = missing.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let mut places: Vec<&str> = Vec::new();
    for m in missing {
        for p in &m.looked_in {
            if !places.contains(&p.as_str()) {
                places.push(p);
            }
        }
    }
    let n = missing.len();
    Some(format!(
        "pprofx: source not found for {n} file{}: {}{more}\npprofx: looked in: {} (more places: --source_path, --trim_path)",
        if n == 1 { "" } else { "s" },
        files.join(", "),
        places.join("; ")
    ))
}

/// Splits as Go's `bufio.ScanLines`: on `\n`, a trailing `\r` dropped, no
/// empty last line. Bytes that are not UTF-8 are kept (escaped, see
/// [`crate::util::rawbytes`]), so the listing prints them as pprof does.
pub fn split_lines(bytes: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = bytes
        .split(|&b| b == b'\n')
        .map(|l| crate::util::rawbytes::decode(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect();
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        out.pop();
    }
    out
}

/// pprof's `openSourceFile`: the file's contents, or pprof's error text.
fn open_source_file(
    path: &str,
    search_path: &str,
    trim: &str,
    allow: &dyn Fn(&Path) -> bool,
) -> Result<Vec<u8>, String> {
    let path = trim_path(path, trim, search_path);
    if Path::new(path).is_absolute() {
        if !allow(Path::new(path)) {
            return Err(format!("open {path}: outside the source directories"));
        }
        return std::fs::read(path).map_err(|e| format!("open {path}: {}", go_io_error(&e)));
    }
    for dir in search_path.split(':') {
        let mut dir = PathBuf::from(dir);
        loop {
            let candidate = dir.join(path);
            if candidate.is_file() && allow(&candidate) {
                if let Ok(b) = std::fs::read(&candidate) {
                    return Ok(b);
                }
            }
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                Some(_) => PathBuf::from("."),
                None => break,
            };
            if parent == dir {
                break;
            }
            dir = parent;
        }
    }
    Err(format!("could not find file {path} on path {search_path}"))
}

/// An I/O error as Go's `syscall.Errno` prints it.
fn go_io_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_lines_matches_scanner() {
        assert_eq!(split_lines(b"a\r\nb\n"), vec!["a", "b"]);
        assert_eq!(split_lines(b"a\n\nb"), vec!["a", "", "b"]);
        assert!(split_lines(b"").is_empty());
    }

    #[test]
    fn module_paths_are_escaped_up_to_the_version() {
        assert_eq!(
            escape_module_version("github.com/BurntSushi/toml@v1.2.0/Decode.go").as_deref(),
            Some("github.com/!burnt!sushi/toml@v1.2.0/Decode.go")
        );
        assert_eq!(
            escape_module_version("github.com/!burnt!sushi/toml@v1.0.0-RC1/x.go").as_deref(),
            Some("github.com/!burnt!sushi/toml@v1.0.0-!r!c1/x.go")
        );
        assert_eq!(escape_module_version("github.com/a/b/x.go"), None);
        assert_eq!(
            unescape("github.com/!burnt!sushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(
            strip_version("github.com/a/b@v1.2.3/x.go"),
            "github.com/a/b/x.go"
        );
    }

    #[test]
    fn candidates_cover_goroot_vendor_and_module_cache() {
        let c = candidates(&["/usr/local/go/src/runtime/proc.go".to_string()]);
        assert_eq!(c, vec![(Place::Goroot, "runtime/proc.go".to_string())]);
        let c = candidates(&["runtime/proc.go".to_string()]);
        assert_eq!(c[0], (Place::Goroot, "runtime/proc.go".to_string()));
        let c = candidates(&[
            "/home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go".to_string(),
        ]);
        assert!(c.contains(&(
            Place::Vendor,
            "github.com/BurntSushi/toml/decode.go".to_string()
        )));
        assert!(c.contains(&(
            Place::ModCache,
            "github.com/!burnt!sushi/toml@v1.2.0/decode.go".to_string()
        )));
        assert!(!c.iter().any(|(p, _)| *p == Place::Goroot), "{c:?}");
        let c = candidates(&["github.com/Foo/bar@v1.2.3/x.go".to_string()]);
        assert!(c.contains(&(
            Place::ModCache,
            "github.com/!foo/bar@v1.2.3/x.go".to_string()
        )));
        assert!(c.contains(&(Place::Vendor, "github.com/Foo/bar/x.go".to_string())));
        assert!(c.contains(&(
            Place::MainModule,
            "github.com/Foo/bar@v1.2.3/x.go".to_string()
        )));
        // Nothing outside the roots.
        assert!(candidates(&["../../etc/passwd".to_string()]).is_empty());
    }

    #[test]
    fn go_mod_module_line() {
        assert_eq!(
            module_line("// c\nmodule example.com/app // x\n\ngo 1.22\n").as_deref(),
            Some("example.com/app")
        );
        assert_eq!(module_line("module \"a/b\"\n").as_deref(), Some("a/b"));
        assert_eq!(module_line("modules x\n"), None);
    }

    #[test]
    fn goroot_is_resolved_lazily_and_once() {
        let dir = std::env::temp_dir().join(format!("pprofx-src-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("src/runtime"));
        std::fs::write(dir.join("src/runtime/proc.go"), "package runtime\n").unwrap();
        let env = GoEnv {
            goroot: Some(dir.clone()),
            ask_go: false,
            ..GoEnv::default()
        };
        let mut f = SourceFinder::with_env("/nonexistent-pprofx", "", env);
        assert!(matches!(f.goroot, Goroot::Unresolved));
        assert_eq!(
            f.lines("/build/go/src/runtime/proc.go").as_ref().unwrap(),
            &vec!["package runtime".to_string()]
        );
        assert!(matches!(f.goroot, Goroot::Found(..)));
        assert!(f.lines("runtime/nothere.go").is_err());
        assert_eq!(f.not_found().len(), 1);
        let msg = f.not_found_message().unwrap();
        assert!(msg.contains("runtime/nothere.go"), "{msg}");
        assert!(
            msg.contains(&dir.join("src").display().to_string()),
            "{msg}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
