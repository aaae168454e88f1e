//! Go's regular expressions (RE2 syntax) on Rust's `regex` engine, and
//! pprof's wording of their errors; shared by the filters and drop_frames.

use regex::Regex;

/// Compiles a Go (RE2) regexp with the regex crate, first rewriting what Go
/// reads differently: `\d`, `\w`, `\s` and `\b` are ASCII-only in Go,
/// `\Q…\E` quotes literally, and inside a bracket class `[`, `&` and `~` are
/// plain characters (the regex crate would read nested classes and set
/// operators).
pub fn go_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&go_to_rust_syntax(pattern))
}

fn go_to_rust_syntax(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let (mut i, mut in_class, mut class_start) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            i += 2;
            let perl = match e {
                'd' => Some("[0-9]"),
                'D' => Some("[^0-9]"),
                'w' => Some("[0-9A-Za-z_]"),
                'W' => Some("[^0-9A-Za-z_]"),
                's' => Some(r"[\t\n\f\r ]"),
                'S' => Some(r"[^\t\n\f\r ]"),
                'b' if !in_class => Some(r"(?-u:\b)"),
                'B' if !in_class => Some(r"(?-u:\B)"),
                _ => None,
            };
            if let Some(r) = perl {
                out.push_str(r);
            } else if e == 'Q' && !in_class {
                let rest: String = chars[i..].iter().collect();
                let lit = rest.find("\\E").map_or(rest.as_str(), |k| &rest[..k]);
                out.push_str(&regex::escape(lit));
                i += lit.chars().count() + if lit.len() < rest.len() { 2 } else { 0 };
            } else {
                out.push('\\');
                out.push(e);
            }
            class_start = false;
            continue;
        }
        i += 1;
        if !in_class {
            out.push(c);
            if c == '[' {
                in_class = true;
                class_start = true;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            continue;
        }
        match c {
            ']' if class_start => out.push_str(r"\]"),
            ']' => {
                in_class = false;
                out.push(']');
            }
            '[' if chars.get(i) == Some(&':') => {
                // A POSIX class `[:name:]`: copied as is.
                let rest: String = chars[i..].iter().collect();
                match rest.find(":]") {
                    Some(k) => {
                        out.push('[');
                        out.push_str(&rest[..k + 2]);
                        i += rest[..k + 2].chars().count();
                    }
                    None => out.push_str(r"\["),
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

/// The regex crate's error as one line: its messages span several lines
/// (pattern, caret, message); keep the last one.
pub fn regex_message(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid regexp")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}
