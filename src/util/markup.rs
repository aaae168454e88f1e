//! Text made safe for HTML and XML (SVG) markup: [`html_escape`] for the
//! HTML report, the web UI and the call graph SVG, [`xml_escape`] for the
//! differential flame SVG (whose names have had the characters XML forbids
//! percent-encoded first, as its folded-stack names are).

/// Escapes text for HTML or XML content and attribute values; control
/// characters other than tab and newline become U+FFFD.
pub fn html_escape(s: &str) -> String {
    escape_with(s, |c, out| match c {
        '\t' | '\n' => out.push(c),
        c if c.is_control() => out.push('\u{fffd}'),
        c => out.push(c),
    })
}

/// Escapes text for XML content and attribute values, line breaks as
/// character references (an attribute value keeps them); every other
/// character is kept as it is.
pub fn xml_escape(s: &str) -> String {
    escape_with(s, |c, out| match c {
        '\n' => out.push_str("&#10;"),
        '\r' => out.push_str("&#13;"),
        c => out.push(c),
    })
}

/// The markup characters as entities, every other character as `other`
/// writes it.
fn escape_with(s: &str, other: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => other(c, &mut out),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_xml_escapes_differ_only_in_line_breaks_and_controls() {
        let s = "a<b>&\"c'\td\ne\rf\u{7f}";
        assert_eq!(
            html_escape(s),
            "a&lt;b&gt;&amp;&quot;c&#39;\td\ne\u{fffd}f\u{fffd}"
        );
        assert_eq!(
            xml_escape(s),
            "a&lt;b&gt;&amp;&quot;c&#39;\td&#10;e&#13;f\u{7f}"
        );
    }
}
