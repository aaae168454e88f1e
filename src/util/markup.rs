//! Text made safe for HTML and XML (SVG) markup, for the HTML report, the
//! web UI and the call graph SVG. (The differential flame SVG keeps its own
//! escaper in `flame::diff`, which percent-encodes what XML forbids, as its
//! folded-stack names do.)

/// Escapes text for HTML or XML content and attribute values; control
/// characters other than tab and newline become U+FFFD.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
