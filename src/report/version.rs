//! Whether a source file is the version a profile was built from.
//!
//! Go (1.20 and later) writes each function's first line
//! (`Function.start_line`): the line of its `func` keyword. When a source
//! file found for a listing is another version (a stale checkout, a newer
//! GOROOT), the line there declares something else, and annotating the file
//! would put samples on lines of other code. [`check_file`] tells, for a Go
//! file and the functions listed from it, whether every start line declares
//! its function:
//!
//! * a function or method (`main.run`, `main.(*Server).Handle`,
//!   `main.T.String`, `slices.sortFunc[go.shape.int]`,
//!   `main.(*List[...]).Push`) must be declared on its start line:
//!   `func run(`, `func (s *Server) Handle(`, `func (t T) String(`,
//!   `func sortFunc[E any](`, `func (l *List[T]) Push(`;
//! * a closure (`main.run.func1`, `main.run.func1.2`, Go 1.27's
//!   `main.run.func1.func1`) starts on a line with a function literal, and
//!   the nearest declaration at or above it (a line starting with `func`)
//!   declares the enclosing function; `gowrapN`/`deferwrapN` wrappers (a
//!   `go`/`defer` statement's line) are checked by their enclosing function
//!   only.
//!
//! * a function in Go assembly (`.s`) starts on its `TEXT` line
//!   (`TEXT runtime·memmove<ABIInternal>(SB), …`, `TEXT ·Load(SB), …`).
//!
//! Anything else (not a `.go` or `.s` file, no start line, package-level
//! closures `init.funcN` and `glob..funcN`, names that are not Go symbols)
//! is not judged. Front ends (`list`, a web source view) read the file, call
//! [`check_file`], and treat a file with a [`Mismatch`] as not found.

use serde::Serialize;

/// What a Go symbol name says about its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration<'a> {
    /// The receiver's type name (no `*`, no type parameters), for methods.
    pub receiver: Option<&'a str>,
    /// The function or method name.
    pub name: &'a str,
    /// A closure or wrapper inside that function: its own start line is a
    /// function literal (`Literal`) or a `go`/`defer` statement (`Wrapper`).
    pub nested: Nested,
}

/// Where a symbol's start line is, relative to its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nested {
    /// The symbol is the declared function itself.
    No,
    /// A function literal inside it.
    Literal,
    /// A `go`/`defer` wrapper inside it.
    Wrapper,
}

/// A start line that does not declare its function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The source file, as the profile names it.
    pub file: String,
    /// The function whose start line was checked.
    pub function: String,
    /// The line that should declare it (1-based).
    pub line: i64,
    /// What is there instead (trimmed; empty past the end of the file).
    pub found: String,
}

impl Mismatch {
    /// The one-line message for stderr.
    pub fn message(&self) -> String {
        let found = if self.found.is_empty() && self.line > 0 {
            "the file is shorter".to_string()
        } else {
            format!("it reads {:?}", self.found)
        };
        format!(
            "pprofx: {}: another version of the source: line {} should declare {} but {found}; not annotated",
            self.file, self.line, self.function
        )
    }

    /// The error line of the listing (in place of the source).
    pub fn listing_error(&self) -> String {
        format!(
            "{} is another version of the source (line {} does not declare {})",
            self.file, self.line, self.function
        )
    }
}

/// Whether `c` is a closure or wrapper component of a symbol name.
fn nested_kind(c: &str) -> Option<Nested> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if c.strip_prefix("func").is_some_and(digits) || digits(c) {
        Some(Nested::Literal)
    } else if c.strip_prefix("gowrap").is_some_and(digits)
        || c.strip_prefix("deferwrap").is_some_and(digits)
    {
        Some(Nested::Wrapper)
    } else {
        None
    }
}

/// `s` without a trailing type-parameter list (`Push[...]` → `Push`).
fn strip_params(s: &str) -> &str {
    match s.find('[') {
        Some(i) if s.ends_with(']') => &s[..i],
        _ => s,
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Splits at the dots outside parentheses and brackets.
fn components(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '.' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// What a Go function symbol (`pkg/path.Func`, `pkg.(*T).M`, `pkg.T.M`,
/// `pkg.Func.func1`, `pkg.F[...]`) says about its declaration; `None` when it
/// is not one that can be checked.
pub fn go_declaration(function: &str) -> Option<Declaration<'_>> {
    let function = function.strip_suffix("-fm").unwrap_or(function);
    let after_slash = function.rfind('/').map_or(0, |i| i + 1);
    let dot = after_slash + function[after_slash..].find('.')?;
    let comps = components(&function[dot + 1..]);
    let (receiver, name, rest) = match comps.as_slice() {
        [] => return None,
        [recv, name, rest @ ..] if recv.starts_with('(') => {
            let r = recv.strip_prefix('(')?.strip_suffix(')')?;
            let r = r.strip_prefix('*').unwrap_or(r);
            (Some(strip_params(r)), *name, rest)
        }
        [first, second, rest @ ..] if nested_kind(second).is_none() => {
            (Some(strip_params(first)), *second, rest)
        }
        [first, rest @ ..] => (None, *first, rest),
    };
    let name = strip_params(name);
    if !is_ident(name) || receiver.is_some_and(|r| !is_ident(r)) {
        return None;
    }
    let mut nested = Nested::No;
    for c in rest {
        match nested_kind(c)? {
            Nested::Wrapper => nested = Nested::Wrapper,
            k if nested == Nested::No => nested = k,
            _ => {}
        }
    }
    // Package-level closures (`init.funcN`) live in variable initializers,
    // not in a declaration; `init.N` is the Nth `func init()`.
    let numbered = rest
        .first()
        .is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit()));
    if receiver.is_none() && name == "init" && nested != Nested::No && !numbered {
        return None;
    }
    Some(Declaration {
        receiver,
        name,
        nested,
    })
}

/// Whether the source line declares the function or method `decl` names
/// (`func Name(`, `func Name[`, `func (r *T) Name(`, `func (T[K]) Name(`).
pub fn declares(line: &str, decl: &Declaration<'_>) -> bool {
    let Some(rest) = line.trim_start().strip_prefix("func") else {
        return false;
    };
    if !rest.starts_with([' ', '\t', '(']) {
        return false;
    }
    let mut rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix('(') {
        // The receiver, up to its closing parenthesis.
        let mut depth = 1;
        let Some(end) = after.char_indices().find_map(|(i, c)| {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        }) else {
            return false;
        };
        let recv = &after[..end];
        let recv = match recv.find('[') {
            Some(i) => &recv[..i],
            None => recv,
        };
        let ty = recv.split_whitespace().last().unwrap_or("");
        let ty = ty.trim_start_matches('*');
        if decl.receiver != Some(ty) {
            return false;
        }
        rest = after[end + 1..].trim_start();
    } else if decl.receiver.is_some() {
        return false;
    }
    let end = rest
        .find(|c: char| !(c == '_' || c.is_alphanumeric()))
        .unwrap_or(rest.len());
    &rest[..end] == decl.name && rest[end..].trim_start().starts_with(['(', '['])
}

/// Whether a Go assembly line declares the function `decl` names
/// (`TEXT runtime·memmove<ABIInternal>(SB), …`, `TEXT ·Load(SB), …`).
pub fn declares_asm(line: &str, decl: &Declaration<'_>) -> bool {
    let line = line.trim_start();
    line.starts_with("TEXT")
        && [format!("·{}(", decl.name), format!("·{}<", decl.name)]
            .iter()
            .any(|d| line.contains(d.as_str()))
}

/// Checks one function against the file's lines: `None` when its start line
/// fits (or cannot be judged), else what is there.
pub fn check(lines: &[String], function: &str, start_line: i64) -> Option<(i64, String)> {
    check_in(lines, function, start_line, false)
}

/// [`check`], for a Go source (`asm` false) or Go assembly file.
fn check_in(lines: &[String], function: &str, start_line: i64, asm: bool) -> Option<(i64, String)> {
    if start_line <= 0 {
        return None;
    }
    let decl = go_declaration(function)?;
    if asm && (decl.receiver.is_some() || decl.nested != Nested::No) {
        return None;
    }
    let text = |n: i64| {
        usize::try_from(n - 1)
            .ok()
            .and_then(|i| lines.get(i))
            .map(String::as_str)
    };
    let Some(start) = text(start_line) else {
        return Some((start_line, String::new()));
    };
    if asm {
        return (!declares_asm(start, &decl)).then(|| (start_line, start.trim().to_string()));
    }
    let fits = match decl.nested {
        Nested::No => declares(start, &decl),
        nested => {
            let literal_ok = nested == Nested::Wrapper || start.contains("func");
            // The nearest top-level declaration at or above the start line.
            let enclosing = (1..=start_line)
                .rev()
                .filter_map(text)
                .find(|l| l.starts_with("func ") || l.starts_with("func("));
            literal_ok && enclosing.is_some_and(|l| declares(l, &decl))
        }
    };
    (!fits).then(|| (start_line, start.trim().to_string()))
}

/// Whether [`check_file`] judges a file: Go sources and Go assembly.
pub fn is_checked(file: &str) -> bool {
    file.ends_with(".go") || file.ends_with(".s")
}

/// Checks a file's `functions` (name, start line) against its lines; the
/// first one whose start line does not declare it, if any. Only Go files
/// (`.go`, and assembly `.s`, whose start lines hold `TEXT ·name(SB)`) are
/// judged.
pub fn check_file(file: &str, lines: &[String], functions: &[(&str, i64)]) -> Option<Mismatch> {
    if !is_checked(file) {
        return None;
    }
    let asm = file.ends_with(".s");
    functions.iter().find_map(|&(function, start)| {
        check_in(lines, function, start, asm).map(|(line, found)| Mismatch {
            file: file.to_string(),
            function: function.to_string(),
            line,
            found,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(f: &str) -> Option<(Option<&str>, &str, Nested)> {
        go_declaration(f).map(|d| (d.receiver, d.name, d.nested))
    }

    #[test]
    fn symbol_names() {
        use Nested::*;
        assert_eq!(decl("main.run"), Some((None, "run", No)));
        assert_eq!(
            decl("net/http.(*Server).Serve"),
            Some((Some("Server"), "Serve", No))
        );
        assert_eq!(decl("main.T.String"), Some((Some("T"), "String", No)));
        assert_eq!(
            decl("gopkg.in/yaml%2ev3.(*decoder).unmarshal"),
            Some((Some("decoder"), "unmarshal", No))
        );
        assert_eq!(
            decl("slices.partitionOrdered[go.shape.int]"),
            Some((None, "partitionOrdered", No))
        );
        assert_eq!(
            decl("main.(*List[...]).Push"),
            Some((Some("List"), "Push", No))
        );
        assert_eq!(decl("main.run.func1"), Some((None, "run", Literal)));
        assert_eq!(decl("main.run.func1.2"), Some((None, "run", Literal)));
        assert_eq!(decl("main.run.func1.func1"), Some((None, "run", Literal)));
        assert_eq!(
            decl("main.(*S).run.gowrap1"),
            Some((Some("S"), "run", Wrapper))
        );
        assert_eq!(decl("main.main.deferwrap2"), Some((None, "main", Wrapper)));
        assert_eq!(decl("main.init.0"), Some((None, "init", Literal)));
        assert_eq!(decl("main.T.M-fm"), Some((Some("T"), "M", No)));
        assert_eq!(decl("main.init.func1"), None);
        assert_eq!(decl("main.glob..func1"), None);
        assert_eq!(decl("[unknown]"), None);
        assert_eq!(decl("std::vector<int>::push_back"), None);
    }

    #[test]
    fn declarations() {
        let d = |f| go_declaration(f).unwrap();
        assert!(declares("func run(ctx context.Context) {", &d("main.run")));
        assert!(declares("func run[T any](x T) {", &d("main.run")));
        assert!(!declares("func runAll() {", &d("main.run")));
        assert!(!declares("\trun(ctx)", &d("main.run")));
        assert!(declares(
            "func (s *Server) Serve(l net.Listener) error {",
            &d("net/http.(*Server).Serve")
        ));
        assert!(declares(
            "func (l *List[T]) Push(v T) {",
            &d("main.(*List[...]).Push")
        ));
        assert!(declares(
            "func (m Map[K, V]) Get(k K) V {",
            &d("main.Map[...].Get")
        ));
        assert!(declares("func (T) String() string {", &d("main.T.String")));
        assert!(!declares(
            "func (s *Other) Serve() {",
            &d("main.(*Server).Serve")
        ));
        assert!(!declares("func Serve() {", &d("main.(*Server).Serve")));
        assert!(!declares("func (s *Server) Serve() {", &d("main.Serve")));
    }

    fn file(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn start_lines() {
        let src = file(
            "package main\n\nfunc work() {\n\tgo func() {\n\t\tf := func() {}\n\t\tf()\n\t}()\n}\n\n\
             func (s *S) run() {\n\tdefer s.close()\n}\n",
        );
        assert_eq!(check(&src, "main.work", 3), None);
        assert_eq!(check(&src, "main.work.func1", 4), None);
        assert_eq!(check(&src, "main.work.func1.1", 5), None);
        assert_eq!(check(&src, "main.(*S).run", 10), None);
        assert_eq!(check(&src, "main.(*S).run.deferwrap1", 11), None);
        assert_eq!(check(&src, "main.unknown", 0), None);
        // Shifted by two lines: other code is there.
        assert_eq!(
            check(&src, "main.work", 5),
            Some((5, "f := func() {}".into()))
        );
        assert_eq!(check(&src, "main.work.func1", 6), Some((6, "f()".into())));
        // A closure whose enclosing declaration is another function.
        assert!(check(&src, "main.other.func1", 4).is_some());
        assert_eq!(check(&src, "main.work", 40), Some((40, String::new())));
        // Only Go files are judged.
        assert!(check_file("x.go", &src, &[("main.work", 5)]).is_some());
        assert!(check_file("x.c", &src, &[("main.work", 5)]).is_none());
        // Go assembly: the TEXT line.
        let asm = file(
            "#include \"textflag.h\"\n\nTEXT runtime·systemstack(SB), NOSPLIT, $0-8\n\
             \tMOVQ fn+0(FP), DI\nTEXT ·Load<ABIInternal>(SB), NOSPLIT, $0\n",
        );
        let f = |name, line| check_file("asm_amd64.s", &asm, &[(name, line)]);
        assert!(f("runtime.systemstack", 3).is_none());
        assert!(f("internal/runtime/atomic.Load", 5).is_none());
        assert_eq!(
            f("runtime.systemstack", 4).unwrap().found,
            "MOVQ fn+0(FP), DI"
        );
        assert!(f("runtime.mcall", 3).is_some());
        let m = check_file("x.go", &src, &[("main.work", 3), ("main.(*S).run", 9)]).unwrap();
        assert_eq!((m.function.as_str(), m.line), ("main.(*S).run", 9));
        assert!(m.message().contains("x.go"));
    }
}
