//! The page every view shares: the header with pprof's menus (View, Sample,
//! Refine, granularity, Download), the search box, the legend, the view's
//! own body and its data.
//!
//! The stylesheet (`ui.css`) and the script (`ui.js`, written for pprofx)
//! are embedded in the binary and inlined into each page; the
//! Content-Security-Policy allows exactly them (by SHA-256), requests to
//! this server only (`connect-src 'self'`), and nothing else. Names from
//! the profile reach the page either HTML-escaped in server-made markup or
//! as JSON strings in a `<script type="application/json">` element (with
//! `<`, `>` and `&` escaped) that the script inserts as text.

use std::sync::OnceLock;

use crate::engine::config::GRANULARITIES;
use crate::flame::html::{base64, sha256};
use crate::util::markup::html_escape;

/// The page's stylesheet.
pub const CSS: &str = include_str!("ui.css");
/// The page's script.
pub const SCRIPT: &str = include_str!("ui.js");

/// The Content-Security-Policy of every page, as the page's `<meta>`
/// element carries it (the HTTP header adds `frame-ancestors 'none'`,
/// which only a header may say).
pub fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'",
            base64(&sha256(SCRIPT.as_bytes())),
            base64(&sha256(CSS.as_bytes())),
        )
    })
}

/// The views, in the View menu's order: (route, label).
pub const VIEWS: &[(&str, &str)] = &[
    ("flamegraph", "Flame graph"),
    ("top", "Top"),
    ("graph", "Graph"),
    ("peek", "Peek"),
    ("source", "Source"),
    ("compare", "Compare"),
];

/// What a page shows.
pub struct Page<'a> {
    /// The route of the view (`flamegraph`, `top`…).
    pub view: &'a str,
    /// The title (file and sample type).
    pub title: String,
    /// The legend lines (pprof's details box).
    pub legend: Vec<String>,
    /// Messages for the user (filters that matched nothing, errors).
    pub errors: Vec<String>,
    /// The profile's sample types.
    pub sample_types: Vec<String>,
    /// The sample type shown.
    pub sample_type: String,
    /// The granularity in force.
    pub granularity: String,
    /// The URL parameters of the settings (carried by every link).
    pub params: Vec<(String, String)>,
    /// Whether the session has a base profile (the Compare view).
    pub has_base: bool,
    /// The view's body, as markup made by the server (already escaped).
    pub body: String,
    /// The view's data for the script, as `<script>`-safe JSON.
    pub data_json: String,
}

/// `k=v&…` with both parts percent-encoded.
pub fn query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A link to `route` with `params`, one parameter replaced (or removed
/// when `value` is empty).
fn link(route: &str, params: &[(String, String)], key: &str, value: &str) -> String {
    let mut p: Vec<(String, String)> = params.iter().filter(|(k, _)| k != key).cloned().collect();
    if !value.is_empty() {
        p.push((key.to_string(), value.to_string()));
    }
    let q = query(&p);
    if q.is_empty() {
        format!("./{route}")
    } else {
        format!("./{route}?{q}")
    }
}

/// Writes the page.
pub fn render(p: &Page<'_>) -> String {
    let e = html_escape;
    let mut h = String::with_capacity(p.body.len() + p.data_json.len() + SCRIPT.len() + 8192);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
        csp()
    ));
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{} — pprofx</title>\n<style>{CSS}</style>\n</head>\n",
        e(&p.title)
    ));
    h.push_str(&format!(
        "<body data-view=\"{}\" data-state=\"loading\">\n<header id=\"top-bar\">\n",
        e(p.view)
    ));
    h.push_str(&format!(
        "<a class=\"brand\" href=\"{}\">pprofx</a>\n<nav>\n",
        e(&link("flamegraph", &p.params, "", ""))
    ));
    // View.
    h.push_str("<div class=\"menu\" id=\"view-menu\"><button type=\"button\" class=\"menu-name\">View ▾</button><div class=\"sub\">");
    for (route, label) in VIEWS {
        if *route == "compare" && !p.has_base {
            continue;
        }
        let current = if *route == p.view {
            " aria-current=\"page\""
        } else {
            ""
        };
        h.push_str(&format!(
            "<a id=\"view-{route}\" href=\"{}\"{current}>{label}</a>",
            e(&link(route, &p.params, "", ""))
        ));
    }
    h.push_str("</div></div>\n");
    // Sample.
    if p.sample_types.len() > 1 {
        h.push_str("<div class=\"menu\" id=\"sample-menu\"><button type=\"button\" class=\"menu-name\">Sample ▾</button><div class=\"sub\">");
        for st in &p.sample_types {
            let mark = if *st == p.sample_type { "✓ " } else { "" };
            h.push_str(&format!(
                "<a class=\"sample\" href=\"{}\">{mark}{}</a>",
                e(&link(p.view, &p.params, "si", st)),
                e(st)
            ));
        }
        h.push_str("</div></div>\n");
    }
    // Refine.
    h.push_str("<div class=\"menu\" id=\"refine-menu\"><button type=\"button\" class=\"menu-name\">Refine ▾</button><div class=\"sub\">");
    for (id, param, label, help) in [
        (
            "focus",
            "f",
            "Focus",
            "Keep only samples through the selection",
        ),
        (
            "ignore",
            "i",
            "Ignore",
            "Drop samples through the selection",
        ),
        (
            "hide",
            "h",
            "Hide",
            "Remove the selected frames from stacks",
        ),
        (
            "show",
            "s",
            "Show",
            "Keep only the selected frames in stacks",
        ),
        (
            "show-from",
            "sf",
            "Show from",
            "Cut stacks above the selection",
        ),
    ] {
        h.push_str(&format!(
            "<a id=\"refine-{id}\" class=\"refine disabled\" data-param=\"{param}\" title=\"{help}\" href=\"{}\">{label}</a>",
            e(&link(p.view, &p.params, "", ""))
        ));
    }
    h.push_str(&format!(
        "<hr><a id=\"refine-reset\" href=\"./{}\" title=\"Show the entire profile\">Reset</a></div></div>\n",
        e(p.view)
    ));
    // Granularity.
    h.push_str("<div class=\"menu\" id=\"granularity-menu\"><button type=\"button\" class=\"menu-name\">Granularity ▾</button><div class=\"sub\">");
    for g in GRANULARITIES {
        let mark = if g == p.granularity { "✓ " } else { "" };
        h.push_str(&format!(
            "<a href=\"{}\">{mark}{g}</a>",
            e(&link(p.view, &p.params, "g", g))
        ));
    }
    h.push_str("</div></div>\n");
    h.push_str(&format!(
        "<a class=\"menu-name\" id=\"download\" href=\"{}\">Download</a>\n</nav>\n",
        e(&link("download", &p.params, "", ""))
    ));
    h.push_str("<input id=\"search\" type=\"search\" placeholder=\"Search regexp\" aria-label=\"Search (regular expression)\" autocomplete=\"off\" spellcheck=\"false\">\n<span id=\"matched\" aria-live=\"polite\"></span>\n");
    h.push_str(&format!(
        "<details id=\"details\"><summary>{}</summary><div id=\"legend\">",
        e(&p.title)
    ));
    for l in &p.legend {
        h.push_str(&format!("<div>{}</div>", e(l)));
    }
    h.push_str("</div></details>\n</header>\n<div id=\"errors\">");
    for m in &p.errors {
        h.push_str(&format!("<p class=\"error\">{}</p>", e(m)));
    }
    h.push_str("</div>\n<main id=\"main\">\n");
    h.push_str(&p.body);
    h.push_str("\n</main>\n<p id=\"script-error\" hidden></p>\n");
    h.push_str(&format!(
        "<script type=\"application/json\" id=\"pprofx-data\">{}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        p.data_json
    ));
    h
}

/// A small page for an error (bad parameter, forbidden request…).
pub fn message_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<title>{} — pprofx</title>\n<style>{CSS}</style>\n</head>\n<body data-state=\"error\">\n<main id=\"main\"><h1>{}</h1><p class=\"error\">{}</p><p><a href=\"/ui/\">Back to the flame graph</a></p></main>\n</body>\n</html>\n",
        csp(),
        html_escape(title),
        html_escape(title),
        html_escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_inert_in_their_elements() {
        assert!(!SCRIPT.contains("</script"));
        assert!(!CSS.contains("</style"));
        for bad in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ] {
            assert!(!SCRIPT.contains(bad), "ui.js uses {bad}");
        }
    }

    #[test]
    fn links_carry_and_replace_parameters() {
        let params = vec![
            ("si".to_string(), "alloc_space".to_string()),
            ("f".to_string(), "a b&c".to_string()),
        ];
        assert_eq!(
            link("top", &params, "si", "inuse_space"),
            "./top?f=a%20b%26c&si=inuse_space"
        );
        assert_eq!(link("top", &[], "", ""), "./top");
        assert_eq!(encode("^main\\.f$"), "%5Emain%5C.f%24");
    }

    #[test]
    fn names_are_escaped_in_the_page() {
        let page = Page {
            view: "top",
            title: "<b>x</b>".into(),
            legend: vec!["File: <img src=x>".into()],
            errors: vec!["\"quoted\" & <tag>".into()],
            sample_types: vec!["a<".into(), "b".into()],
            sample_type: "b".into(),
            granularity: String::new(),
            params: vec![("f".into(), "\"><script>".into())],
            has_base: false,
            body: String::new(),
            data_json: "{}".into(),
        };
        let h = render(&page);
        assert!(!h.contains("<b>x"));
        assert!(!h.contains("<img"));
        assert!(!h.contains("<tag>"));
        assert!(!h.contains("\"><script>"));
        assert_eq!(h.matches("<script").count(), 2);
        assert!(!h.contains("view-compare"));
    }
}
