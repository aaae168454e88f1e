//! Reading Go symbol names the way the runtime writes them into profiles.
//!
//! A name is `PKGPATH.REST`: the package path's last element has its dots
//! escaped (`gopkg.in/yaml%2ev3`), so the first dot after the last slash ends
//! it. `REST` is `F` (a function), `T.M` or `(*T).M` (a method),
//! `F.func1`, `F.func1.2`, `F.gowrap1`, `F.deferwrap1`, `glob..func1` (closures and
//! wrappers); type arguments in brackets (`F[go.shape.int]`,
//! `(*T[...]).M`) may hold dots and slashes of their own and are skipped.
//! Functions written in assembly keep Go-looking names; their file ends in
//! `.s`.

/// What kind of function a symbol names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoSymbol {
    /// The package path (`main`, `crypto/sha256`).
    pub package: String,
    /// The receiver type of a method (`*Rect`, `Circle`), without type arguments.
    pub receiver: Option<String>,
    /// The method or function name (the closure's enclosing function for closures).
    pub name: String,
    /// A closure or a compiler-made wrapper (`.funcN`, `.gowrapN`, `.deferwrapN`).
    pub closure: bool,
}

/// Removes bracketed type-argument lists (balanced `[...]`).
fn strip_type_args(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_closure_part(p: &str) -> bool {
    let tail = |prefix: &str| {
        p.strip_prefix(prefix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    tail("func") || tail("gowrap") || tail("deferwrap")
}

/// Parses a Go symbol name; `None` when it does not look like one (no
/// package qualifier, as C functions).
pub fn parse(name: &str) -> Option<GoSymbol> {
    let s = strip_type_args(name);
    let after_slash = s.rfind('/').map_or(0, |i| i + 1);
    let dot = after_slash + s[after_slash..].find('.')?;
    let (package, rest) = (&s[..dot], &s[dot + 1..]);
    if package.is_empty() || rest.is_empty() {
        return None;
    }
    let parts: Vec<&str> = rest.split('.').collect();
    let closure = parts.iter().skip(1).any(|p| is_closure_part(p));
    let (receiver, fname) = if closure {
        (None, parts[0].to_string())
    } else if parts.len() == 2 && !parts[0].is_empty() {
        let r = parts[0];
        let r = r
            .strip_prefix("(")
            .and_then(|r| r.strip_suffix(")"))
            .unwrap_or(r);
        (Some(r.to_string()), parts[1].to_string())
    } else {
        (None, rest.to_string())
    };
    Some(GoSymbol {
        package: package.to_string(),
        receiver,
        name: fname,
        closure,
    })
}

/// What a callee is, as far as the profile tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalleeKind {
    /// A Go function: the inliner may take it.
    Go,
    /// Written in assembly (its file ends in `.s`): never inlined.
    Assembly,
    /// Not Go code (C through cgo, a system library), or no package-qualified name.
    NotGo,
    /// No name at all (an unsymbolized address).
    Unknown,
}

impl CalleeKind {
    /// The kind of the function named `name` defined in `file` (may be empty).
    pub fn of(name: &str, file: &str) -> Self {
        if name.is_empty() {
            return CalleeKind::Unknown;
        }
        if file.ends_with(".s") || file.ends_with(".S") {
            return CalleeKind::Assembly;
        }
        if !file.is_empty() && !file.ends_with(".go") {
            return CalleeKind::NotGo;
        }
        if parse(name).is_none() {
            return CalleeKind::NotGo;
        }
        CalleeKind::Go
    }

    /// A few words for tables and warnings.
    pub fn describe(self) -> &'static str {
        match self {
            CalleeKind::Go => "Go",
            CalleeKind::Assembly => "assembly",
            CalleeKind::NotGo => "not Go",
            CalleeKind::Unknown => "no symbol",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> (String, Option<String>, String, bool) {
        let s = parse(name).unwrap();
        (s.package, s.receiver, s.name, s.closure)
    }

    #[test]
    fn go_names() {
        assert_eq!(p("main.fib"), ("main".into(), None, "fib".into(), false));
        assert_eq!(
            p("main.(*Rect).Area"),
            ("main".into(), Some("*Rect".into()), "Area".into(), false)
        );
        assert_eq!(
            p("main.Circle.Area"),
            ("main".into(), Some("Circle".into()), "Area".into(), false)
        );
        assert_eq!(
            p("main.sortAndFormat.func1"),
            ("main".into(), None, "sortAndFormat".into(), true)
        );
        assert!(p("main.main.func1.1.1").3);
        assert!(p("net/http.(*conn).serve.gowrap1").3);
        assert_eq!(
            p("gopkg.in/yaml%2ev3.(*decoder).unmarshal"),
            (
                "gopkg.in/yaml%2ev3".into(),
                Some("*decoder".into()),
                "unmarshal".into(),
                false
            )
        );
        assert_eq!(
            p("slices.partitionOrdered[go.shape.int]"),
            ("slices".into(), None, "partitionOrdered".into(), false)
        );
        assert_eq!(
            p("example.com/x.(*List[go.shape.*example.com/y.T]).Push"),
            (
                "example.com/x".into(),
                Some("*List".into()),
                "Push".into(),
                false
            )
        );
        assert!(p("main.glob..func1").3);
        assert_eq!(parse("malloc"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(CalleeKind::of("main.f", "main.go"), CalleeKind::Go);
        assert_eq!(CalleeKind::of("main.f", ""), CalleeKind::Go);
        assert_eq!(
            CalleeKind::of(
                "crypto/internal/fips140/sha256.blockSHANI",
                "crypto/internal/fips140/sha256/sha256block_amd64.s"
            ),
            CalleeKind::Assembly
        );
        assert_eq!(
            CalleeKind::of("sqlite3_step", "sqlite3.c"),
            CalleeKind::NotGo
        );
        assert_eq!(CalleeKind::of("memcpy", ""), CalleeKind::NotGo);
        assert_eq!(CalleeKind::of("", ""), CalleeKind::Unknown);
    }
}
