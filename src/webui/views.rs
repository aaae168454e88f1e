//! pprof's routes, each a view of the one session: the URL's parameters
//! become a [`Config`] through [`Config::apply_url`] (the same table as the
//! command line and the shell), and the view asks the engine for its data.
//!
//! | route | what |
//! |---|---|
//! | `/` → `/ui/` → `/ui/flamegraph` | redirects, keeping the query (pprof's) |
//! | `/ui/flamegraph` | flame graph; `p=RE` pivots on the matching functions (callers and callees) |
//! | `/ui/top` | the top table (500 rows unless `n`) |
//! | `/ui/graph` | the call graph ([`graph_svg`]) |
//! | `/ui/peek?f=RE` | callers and callees as text (lines granularity unless `g`) |
//! | `/ui/source?f=RE` | annotated source of the matching functions |
//! | `/ui/download` | the profile as the view sees it, `.pb.gz` |
//! | `/ui/compare` | with `-base`/`-diff_base`: the differential flame graph and diff table |
//!
//! Besides pprof's parameters (`f i h s sf prunefrom tf ti ts th si g n nf
//! ef sort norm mean noinlines dropneg rel unit calltree compact trim
//! showcolumns`) the flame graph reads `p` (pivot), `w` (width in pixels
//! that frames are pruned for) and, with `format=json`, `zp` (the names of a
//! zoomed frame's path, repeated) or `q` (a search regex whose exact share
//! is returned).

use std::io;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde_json::json;

use super::page::{self, Page};
use super::server::lock;
use super::stacks::{FlameModel, TreeData, MIN_PIXELS};
use crate::engine::render::graph_key;
use crate::engine::{Config, Engine, Format, Invocation, RenderError, Session, SourceOptions};
use crate::flame::diff::{DiffTree, Shading};
use crate::flame::html::script_json;
use crate::flame::{StackTree, TreeOptions};
use crate::graph::analysis::Analysis;
use crate::model::Profile;
use crate::report::header::ProfileHeader;
use crate::report::Formatter;
use crate::util::markup::html_escape;

/// Width in pixels the flame graph is pruned for when the page does not say.
pub const DEFAULT_WIDTH: f64 = 1200.0;

/// Rows of the top view when `n` is not given (pprof's).
pub const TOP_ROWS: i64 = 500;

/// Flame models kept (one per sample graph): going back to the previous
/// settings (Reset, undoing a hide) pivots and zooms without rebuilding.
pub const FLAME_MODELS: usize = 2;

/// Functions the source view lists at most (pprof's).
pub const MAX_SOURCE_FUNCTIONS: usize = 50;

/// One response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content-Type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// Extra headers (Location, Content-Disposition).
    pub headers: Vec<(String, String)>,
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

impl Reply {
    fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: HTML,
            body: body.into_bytes(),
            headers: Vec::new(),
        }
    }

    fn json(v: &impl Serialize) -> Reply {
        match serde_json::to_vec(v) {
            Ok(body) => Reply {
                status: 200,
                content_type: JSON,
                body,
                headers: Vec::new(),
            },
            Err(e) => Reply::text(500, &e.to_string()),
        }
    }

    /// A plain-text response.
    pub fn text(status: u16, msg: &str) -> Reply {
        Reply {
            status,
            content_type: TEXT,
            body: format!("{msg}\n").into_bytes(),
            headers: Vec::new(),
        }
    }

    /// 403 with a reason.
    pub fn forbidden(msg: &str) -> Reply {
        Reply::text(403, msg)
    }

    fn redirect(status: u16, location: String) -> Reply {
        Reply {
            headers: vec![("Location".into(), location)],
            ..Reply::text(status, "moved")
        }
    }

    fn error_page(status: u16, title: &str, msg: &str) -> Reply {
        Reply::html(status, page::message_page(title, msg))
    }

    /// Whether the response may be kept for the same URL.
    pub fn cacheable(&self) -> bool {
        self.status == 200 && self.body.len() <= 16 << 20
    }
}

/// The base and new profiles of a comparison, loaded apart.
struct CompareInputs {
    base: Profile,
    new: Profile,
}

/// Everything the views share.
pub struct State<'s> {
    session: &'s Session,
    engine: Mutex<Engine<'s>>,
    config: Config,
    sources: Option<SourceOptions>,
    /// The flame models of the last [`FLAME_MODELS`] sample graphs, newest first.
    flame: Mutex<std::collections::VecDeque<(String, Arc<FlameEntry>)>>,
    compare: OnceLock<Result<CompareInputs, String>>,
}

/// A flame model with the page text that goes with it.
struct FlameEntry {
    model: FlameModel,
    legend: Vec<String>,
    messages: Vec<String>,
    title: String,
    sample_type: String,
}

impl<'s> State<'s> {
    /// The state of a server over `session`.
    pub fn new(session: &'s Session, config: Config, sources: Option<SourceOptions>) -> Self {
        let sources = sources.filter(|s| !s.spec.base.is_empty());
        State {
            session,
            engine: Mutex::new(Engine::new(session)),
            config,
            sources,
            flame: Mutex::new(Default::default()),
            compare: OnceLock::new(),
        }
    }
}

/// The parameters of a query string, decoded (`+` is a space).
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding (invalid escapes are kept as they are; invalid UTF-8
/// becomes U+FFFD).
pub fn decode(s: &str) -> String {
    String::from_utf8_lossy(&crate::util::url::query_unescape(s).0).into_owned()
}

/// Answers one request for `url` (path and query).
pub fn handle(state: &State<'_>, url: &str) -> Reply {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let params = parse_query(query);
    match path {
        "/ui" => return Reply::redirect(301, format!("/ui/{q}")),
        "/ui/" | "/ui/flamegraph2" | "/ui/flamegraphold" => {
            return Reply::redirect(301, format!("./flamegraph{q}"))
        }
        p if !p.starts_with("/ui/") => return Reply::redirect(307, format!("/ui/{q}")),
        _ => {}
    }
    let route = &path[4..];
    if !matches!(
        route,
        "flamegraph" | "top" | "graph" | "peek" | "source" | "download" | "compare" | "disasm"
    ) {
        return Reply::error_page(
            404,
            "Not found",
            &format!("no view {route:?}; the views are flamegraph, top, graph, peek, source, compare and download"),
        );
    }
    let mut cfg = state.config.clone();
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if let Err(e) = cfg.apply_url(pairs) {
        return Reply::error_page(400, "Bad parameter", &e);
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let json = get("format") == "json";
    let result = match route {
        "flamegraph" if json => flame_json(state, &cfg, &params),
        "flamegraph" => flame_page(state, &cfg, get("p"), width(get("w"))),
        "top" => top_page(state, &cfg),
        "graph" => graph_page(state, &cfg),
        "peek" => peek_page(state, &cfg, get("f")),
        "source" => source_page(state, &cfg, get("f")),
        "download" => download(state, &cfg),
        "compare" => compare_page(state, &cfg),
        _ => Ok(Reply::error_page(
            501,
            "Disassembly",
            "disasm needs the program's machine code, which pprofx does not read; use `go tool pprof -http` for it",
        )),
    };
    result.unwrap_or_else(|e| Reply::error_page(400, "Cannot show this view", &e.to_string()))
}

fn width(w: &str) -> f64 {
    w.parse::<f64>()
        .ok()
        .filter(|w| w.is_finite())
        .map_or(DEFAULT_WIDTH, |w| w.clamp(100.0, 20000.0))
}

/// The settings that links carry.
fn link_params(cfg: &Config) -> Vec<(String, String)> {
    cfg.url_params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The legend and title of an analysis: pprof's profile labels and the
/// active filters.
fn legend_of(an: &Analysis<'_>) -> (String, Vec<String>) {
    let mut f = Formatter::for_analysis(an);
    f.select_output_unit(std::iter::once((an.total, an.total)), an.total);
    let header = ProfileHeader::new(&an.profile, &an.sel.type_label);
    let mut lines = header.lines(an.total, &f);
    lines.extend(an.opts.filters.legend());
    let file = header.file.clone().unwrap_or_else(|| "unknown".into());
    (format!("{file} {}", an.sel.type_label), lines)
}

/// Runs `f` on the engine's analysis for `cfg` and command `cmd`; the
/// filters' messages are returned with the result.
fn analyse<R>(
    state: &State<'_>,
    cfg: &Config,
    cmd: &str,
    f: impl FnOnce(&Analysis<'_>) -> R,
) -> Result<(R, Vec<String>), RenderError> {
    let mut messages = Vec::new();
    let engine = lock(&state.engine);
    let r = engine.with_analysis(
        cfg.report_options(cmd),
        &mut |m| messages.push(m.to_string()),
        f,
    )?;
    Ok((r, messages))
}

/// Renders `inv` through the engine as text.
fn render_text(
    state: &State<'_>,
    cfg: &Config,
    inv: Invocation,
) -> Result<(String, Vec<String>), RenderError> {
    let mut out = Vec::new();
    let mut messages = Vec::new();
    lock(&state.engine).render(&inv, cfg, Format::Text, &mut out, &mut |m| {
        messages.push(m.to_string())
    })?;
    Ok((String::from_utf8_lossy(&out).into_owned(), messages))
}

/// What a view puts on its page.
struct ViewOut {
    title: String,
    legend: Vec<String>,
    errors: Vec<String>,
    body: String,
    data: serde_json::Value,
}

fn page_for(
    state: &State<'_>,
    view: &'static str,
    cfg: &Config,
    out: ViewOut,
) -> Result<Reply, RenderError> {
    let sample_types = state.session.sample_types();
    let ViewOut {
        title,
        legend,
        errors,
        body,
        data,
    } = out;
    let sample_type = if cfg.sample_index.is_empty() {
        title.rsplit(' ').next().unwrap_or("").to_string()
    } else {
        cfg.sample_index.clone()
    };
    let page = Page {
        view,
        title,
        legend,
        errors,
        sample_types,
        sample_type,
        granularity: if cfg.granularity.is_empty() && view == "flamegraph" {
            "filefunctions".into()
        } else if cfg.granularity.is_empty() {
            "functions".into()
        } else {
            cfg.granularity.clone()
        },
        params: link_params(cfg),
        has_base: state.sources.is_some(),
        body,
        data_json: script_json(&data)?,
    };
    Ok(Reply::html(200, page::render(&page)))
}

/// The flame model for `cfg`, from the cache when the sample graph is the
/// same.
fn flame_entry(state: &State<'_>, cfg: &Config) -> Result<Arc<FlameEntry>, RenderError> {
    let mut cfg = cfg.clone();
    if cfg.granularity.is_empty() {
        cfg.granularity = "filefunctions".into();
    }
    let key = graph_key(&cfg.report_options("flamegraph"));
    if let Some((_, e)) = lock(&state.flame).iter().find(|(k, _)| *k == key) {
        return Ok(e.clone());
    }
    // Make room first: the oldest model is dropped before the new one is
    // built, so that at most FLAME_MODELS are ever alive (peak memory).
    {
        let mut models = lock(&state.flame);
        models.truncate(FLAME_MODELS - 1);
    }
    let mut timer = crate::util::timing::Timer::from_env();
    let ((model, (title, legend), sample_type), messages) =
        analyse(state, &cfg, "flamegraph", |an| {
            timer.lap("webui: sample graph");
            let model = FlameModel::build(an);
            timer.lap("webui: flame stacks");
            (model, legend_of(an), an.sel.type_name.clone())
        })?;
    let entry = Arc::new(FlameEntry {
        model,
        legend,
        messages,
        title,
        sample_type,
    });
    let mut models = lock(&state.flame);
    models.retain(|(k, _)| *k != key);
    models.push_front((key, entry.clone()));
    models.truncate(FLAME_MODELS);
    Ok(entry)
}

/// The "N frames below W px hidden (X %)" note of a tree, if any.
fn hidden_note(t: &TreeData, width: f64) -> Option<String> {
    if t.hidden_frames == 0 {
        return None;
    }
    let pct = if t.total() > 0 {
        100.0 * t.hidden_weight as f64 / t.total() as f64
    } else {
        0.0
    };
    Some(format!(
        "{} frames below {MIN_PIXELS} px hidden ({pct:.2} %) at {width} px; zoom in (shift-click) to see them",
        t.hidden_frames
    ))
}

fn pivot_regex(p: &str) -> Result<regex::Regex, RenderError> {
    crate::view::regex::go_regex(p).map_err(|e| {
        RenderError::Argument(crate::report::tree::PeekError::BadRegex(
            p.to_string(),
            crate::view::regex::regex_message(&e),
        ))
    })
}

fn flame_page(state: &State<'_>, cfg: &Config, p: &str, width: f64) -> Result<Reply, RenderError> {
    let e = flame_entry(state, cfg)?;
    let m = &e.model;
    let mut errors = e.messages.clone();
    let mut body = String::new();
    let mut data = json!({
        "view": "flamegraph",
        "unit": m.unit,
        "total": m.total,
        "width": width,
        "sample_type": e.sample_type,
    });
    let mut timer = crate::util::timing::Timer::from_env();
    if p.is_empty() {
        let tree = m.tree(&[], width);
        timer.lap("webui: flame tree");
        if let Some(n) = hidden_note(&tree, width) {
            body.push_str(&format!(
                "<p class=\"note\" id=\"hidden-note\">{}</p>\n",
                html_escape(&n)
            ));
        }
        body.push_str("<p class=\"hint\">Hover for details; click a frame to see its callers and callees; shift-click to zoom.</p>\n<div class=\"flame\" id=\"flame-main\"><canvas id=\"flame\"></canvas></div>\n");
        data["tree"] = serde_json::to_value(&tree).map_err(io::Error::other)?;
    } else {
        let rx = pivot_regex(p)?;
        let pivot = m.pivot(&rx, width);
        if pivot.matched.is_empty() {
            errors.push(format!("no function matches the pivot {p:?}"));
        }
        let share = if m.total > 0 {
            100.0 * pivot.callees.total() as f64 / m.total as f64
        } else {
            0.0
        };
        body.push_str(&format!(
            "<p class=\"note\" id=\"pivot-note\">Pivot on <code>{}</code>: {} function(s), {:.2} % of the total, computed from every sample. <a id=\"unpivot\" href=\"./flamegraph\">Back to the whole graph</a></p>\n",
            html_escape(p),
            pivot.matched.len(),
            share
        ));
        for (id, t, label) in [
            (
                "callers",
                &pivot.callers,
                "Callers (callers above the function)",
            ),
            (
                "callees",
                &pivot.callees,
                "Callees (callees below the function)",
            ),
        ] {
            body.push_str(&format!("<h2>{label}</h2>\n"));
            if let Some(n) = hidden_note(t, width) {
                body.push_str(&format!("<p class=\"note\">{}</p>\n", html_escape(&n)));
            }
            body.push_str(&format!(
                "<div class=\"flame\" id=\"flame-{id}\"><canvas id=\"flame-{id}-canvas\"></canvas></div>\n"
            ));
        }
        data["pivot"] = json!({
            "regex": p,
            "matched": pivot.matched,
            "callers": pivot.callers,
            "callees": pivot.callees,
        });
    }
    body.push_str("<div id=\"tip\" hidden></div><p id=\"frame-details\" aria-live=\"polite\"></p>");
    page_for(
        state,
        "flamegraph",
        cfg,
        ViewOut {
            title: e.title.clone(),
            legend: e.legend.clone(),
            errors,
            body,
            data,
        },
    )
}

/// `format=json`: a zoomed tree (`zp`), a pivot (`p`) or a search share (`q`).
fn flame_json(
    state: &State<'_>,
    cfg: &Config,
    params: &[(String, String)],
) -> Result<Reply, RenderError> {
    let e = flame_entry(state, cfg)?;
    let m = &e.model;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let w = width(get("w").unwrap_or(""));
    if let Some(q) = get("q") {
        let rx = pivot_regex(q)?;
        return Ok(Reply::json(
            &json!({"matched": m.share(&rx), "total": m.total}),
        ));
    }
    if let Some(p) = get("p").filter(|p| !p.is_empty()) {
        let rx = pivot_regex(p)?;
        return Ok(Reply::json(&m.pivot(&rx, w)));
    }
    let zoom: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "zp")
        .map(|(_, v)| v.clone())
        .collect();
    Ok(Reply::json(&m.tree(&zoom, w)))
}

fn top_page(state: &State<'_>, cfg: &Config) -> Result<Reply, RenderError> {
    let mut c = cfg.clone();
    if c.nodecount == -1 {
        c.nodecount = TOP_ROWS;
    }
    let ((rows, total, legend, title, unit), errors) = analyse(state, &c, "top", |an| {
        let r = crate::report::top::TopReport::build(an);
        let f = &r.formatter;
        let mut sum = 0i64;
        let rows: Vec<serde_json::Value> = r
            .rows
            .iter()
            .map(|row| {
                sum = sum.wrapping_add(row.flat);
                json!([
                    row.name,
                    row.flat,
                    f.format(row.flat),
                    row.cum,
                    f.format(row.cum),
                    crate::model::measurement::percentage(sum, r.total),
                    row.inline.unwrap_or(""),
                ])
            })
            .collect();
        let (title, mut legend) = legend_of(an);
        legend.extend(r.summary.iter().cloned());
        (rows, r.total, legend, title, an.sel.unit.clone())
    })?;
    let body = "<p class=\"hint\">Click a column to sort, a row to select it for Refine; the links open its callers and callees (peek) or its source.</p>\n<table id=\"toptable\"><thead></thead><tbody></tbody></table>\n".to_string();
    let data = json!({"view": "top", "unit": unit, "total": total, "rows": rows});
    page_for(
        state,
        "top",
        cfg,
        ViewOut {
            title,
            legend,
            errors,
            body,
            data,
        },
    )
}

/// The call graph of the Graph view: the sample graph of pprof's `svg`
/// report with the request's settings, built through the engine, drawn
/// with pprofx's own layout ([`crate::render::graph_svg::embedded_svg`]:
/// an `<svg>` element with no script or style of its own, which the page's
/// CSP would block). The page's script adds pan, zoom and selection of the
/// `<g class="node">` elements by their `<title>` (pprof's tooltip, `NAME
/// (VALUE)`).
pub fn graph_svg(engine: &Engine<'_>, cfg: &Config) -> Result<String, RenderError> {
    let opts = cfg.report_options("svg");
    let svg = engine.with_analysis(opts, &mut |_| {}, |an| {
        let report = crate::report::dot::DotReport::build(an);
        crate::render::graph_svg::embedded_svg(&report.graph)
    })?;
    // Names that held bytes that are not UTF-8 become U+FFFD in HTML.
    Ok(crate::util::rawbytes::to_valid(&svg).into_owned())
}

fn graph_page(state: &State<'_>, cfg: &Config) -> Result<Reply, RenderError> {
    let svg = graph_svg(&lock(&state.engine), cfg)?;
    let ((title, legend), _) = analyse(state, cfg, "tree", legend_of)?;
    let body = format!("<div id=\"graph\" class=\"graph\">{svg}</div>");
    let data = json!({"view": "graph", "kind": "svg"});
    page_for(
        state,
        "graph",
        cfg,
        ViewOut {
            title,
            legend,
            errors: Vec::new(),
            body,
            data,
        },
    )
}

fn peek_page(state: &State<'_>, cfg: &Config, f: &str) -> Result<Reply, RenderError> {
    let mut c = cfg.clone();
    if c.granularity.is_empty() {
        c.granularity = "lines".into();
    }
    let ((title, legend), _) = analyse(state, &c, "peek", legend_of)?;
    let (body, errors) = if f.is_empty() {
        (
            "<p class=\"note\">Peek shows the callers and callees of the functions matching a regex: type one in the search box and press Enter, or select rows in Top and choose View → Peek.</p>".to_string(),
            Vec::new(),
        )
    } else {
        let inv = Invocation {
            name: "peek".into(),
            param: Some(f.to_string()),
        };
        // At lines granularity (pprof's for this view) names end with
        // `file:line`, so `^name$` from a selection matches nothing there:
        // then the view falls back to functions, and says so.
        let (text, errors) = match render_text(state, &c, inv.clone()) {
            Err(RenderError::Argument(crate::report::tree::PeekError::NoMatch(_)))
                if cfg.granularity.is_empty() =>
            {
                c.granularity = "functions".into();
                let (t, mut e) = render_text(state, &c, inv)?;
                e.push(format!(
                    "{f:?} matches no line; showing functions (set the granularity to lines for lines)"
                ));
                (t, e)
            }
            r => r?,
        };
        (
            format!(
                "<pre id=\"peek-text\" class=\"report\">{}</pre>",
                html_escape(&text)
            ),
            errors,
        )
    };
    let data = json!({"view": "peek"});
    page_for(
        state,
        "peek",
        cfg,
        ViewOut {
            title,
            legend,
            errors,
            body,
            data,
        },
    )
}

fn source_page(state: &State<'_>, cfg: &Config, f: &str) -> Result<Reply, RenderError> {
    let ((title, legend), _) = analyse(state, cfg, "list", legend_of)?;
    if f.is_empty() {
        let body = "<p class=\"note\">Source shows the lines of the functions matching a regex with their cost: type one in the search box and press Enter, or select rows in Top and choose View → Source.</p>".to_string();
        return page_for(
            state,
            "source",
            cfg,
            ViewOut {
                title,
                legend,
                errors: Vec::new(),
                body,
                data: json!({"view": "source"}),
            },
        );
    }
    let (report, errors) = analyse(state, cfg, "list", |an| {
        crate::report::list::ListReport::build_confined(an, f)
    })?;
    let report = report?;
    let fmt = &report.formatter;
    let mut body = String::new();
    let mut shown = 0;
    for func in &report.functions {
        for r in &func.routines {
            if shown == MAX_SOURCE_FUNCTIONS {
                break;
            }
            shown += 1;
            body.push_str(&format!(
                "<section class=\"source\"><h2>{}</h2><p class=\"note\">{} — flat {}, cum {} ({})</p>",
                html_escape(&r.name),
                html_escape(&r.file),
                html_escape(&fmt.format(r.flat)),
                html_escape(&fmt.format(r.cum)),
                html_escape(&crate::model::measurement::percentage(r.cum, report.total)),
            ));
            if let Some(e) = &r.error {
                body.push_str(&format!("<p class=\"error\">{}</p>", html_escape(e)));
            } else {
                body.push_str("<table class=\"listing\"><thead><tr><th>line</th><th>flat</th><th>cum</th><th class=\"code\">source</th></tr></thead><tbody>");
                for l in &r.lines {
                    let hot = if l.flat != 0 || l.cum != 0 {
                        " class=\"hot\""
                    } else {
                        ""
                    };
                    let v = |x: i64| {
                        if x == 0 {
                            ".".to_string()
                        } else {
                            fmt.format(x)
                        }
                    };
                    body.push_str(&format!(
                        "<tr{hot}><td>{}</td><td>{}</td><td>{}</td><td class=\"code\">{}</td></tr>",
                        l.line,
                        html_escape(&v(l.flat)),
                        html_escape(&v(l.cum)),
                        html_escape(&l.text)
                    ));
                }
                body.push_str("</tbody></table>");
            }
            body.push_str("</section>\n");
        }
    }
    if !report.not_found.is_empty() {
        body.push_str("<section id=\"not-found\"><h2>Files not found</h2><ul>");
        for n in &report.not_found {
            body.push_str(&format!(
                "<li><code>{}</code>: looked in {}</li>",
                html_escape(&n.file),
                html_escape(&n.looked_in.join("; "))
            ));
        }
        body.push_str("</ul><p class=\"hint\">Start pprofx with <code>-source_path=DIR</code> (and <code>-trim_path</code>) to name where the sources are. The web UI reads only files inside the working directory, the source path, GOROOT, the main module and the module cache.</p></section>");
    }
    page_for(
        state,
        "source",
        cfg,
        ViewOut {
            title,
            legend,
            errors,
            body,
            data: json!({"view": "source"}),
        },
    )
}

fn download(state: &State<'_>, cfg: &Config) -> Result<Reply, RenderError> {
    let mut out = Vec::new();
    lock(&state.engine).render(
        &Invocation {
            name: "proto".into(),
            param: None,
        },
        cfg,
        Format::Text,
        &mut out,
        &mut |_| {},
    )?;
    Ok(Reply {
        status: 200,
        content_type: "application/vnd.google.protobuf+gzip",
        body: out,
        headers: vec![(
            "Content-Disposition".into(),
            "attachment;filename=profile.pb.gz".into(),
        )],
    })
}

fn compare_inputs<'a>(state: &'a State<'_>) -> Result<&'a CompareInputs, String> {
    let Some(src) = &state.sources else {
        return Err(
            "Compare needs a base profile: start pprofx with -base=OLD or -diff_base=OLD".into(),
        );
    };
    // The profiles are read again, apart: only files can be.
    if let Some(s) = src
        .spec
        .sources
        .iter()
        .chain(&src.spec.base)
        .find(|s| !std::path::Path::new(s.as_str()).is_file())
    {
        return Err(format!(
            "Compare reads the base and the new profile again, apart, and {s:?} is not a file: save the profiles to files first (pprofx top --proto -o FILE SOURCE) and start with those"
        ));
    }
    state
        .compare
        .get_or_init(|| {
            let load = |list: &[String]| -> Result<Profile, String> {
                let spec = crate::combine::SourceSpec {
                    sources: list.to_vec(),
                    ..Default::default()
                };
                let mut p =
                    crate::combine::load_profile(&spec, &src.load).map_err(|e| e.to_string())?;
                if !src.raw_names {
                    crate::decode::symbolize::simplify_names(&mut p);
                }
                Ok(p)
            };
            Ok(CompareInputs {
                base: load(&src.spec.base)?,
                new: load(&src.spec.sources)?,
            })
        })
        .as_ref()
        .map_err(|e| e.clone())
}

fn compare_page(state: &State<'_>, cfg: &Config) -> Result<Reply, RenderError> {
    use crate::diff::{self, render as diff_render, DiffOptions};
    let inputs = match compare_inputs(state) {
        Ok(i) => i,
        Err(e) => {
            let ((title, legend), _) = analyse(state, cfg, "top", legend_of)?;
            let body = format!(
                "<p class=\"note\" id=\"compare-missing\">{}</p>",
                html_escape(&e)
            );
            return page_for(
                state,
                "compare",
                cfg,
                ViewOut {
                    title,
                    legend,
                    errors: Vec::new(),
                    body,
                    data: json!({"view": "compare"}),
                },
            );
        }
    };
    let mut ro = cfg.report_options("top");
    ro.mean = false;
    let report = diff::diff(
        &[("base", &inputs.base), ("new", &inputs.new)],
        &DiffOptions {
            report: ro.clone(),
            ..Default::default()
        },
    )
    .map_err(|e| RenderError::Io(io::Error::other(e.to_string())))?;
    let ropts = diff_render::RenderOptions {
        unit: cfg.unit.clone(),
        divide_by: cfg.divide_by,
        nodecount: Some(TOP_ROWS as usize),
        ..Default::default()
    };
    let rows = diff_render::visible_rows(&report, &ropts).rows;
    let analysis = |p: &'_ Profile| -> Result<(StackTree, String), RenderError> {
        let index = p
            .sample_type_names()
            .iter()
            .position(|n| *n == report.sample_type)
            .ok_or_else(|| io::Error::other(format!("no sample type {:?}", report.sample_type)))?;
        let mut o = ro.clone();
        o.sample_index = index.to_string();
        let an = Analysis::new(p, o)?;
        let t = StackTree::build(
            &an,
            &TreeOptions {
                min_width: 100.0 * MIN_PIXELS / DEFAULT_WIDTH,
                reverse: false,
            },
        );
        Ok((t, an.sel.type_label.clone()))
    };
    let (tb, _) = analysis(&inputs.base)?;
    let (tn, type_label) = analysis(&inputs.new)?;
    let merged = DiffTree::merge(&tb, &tn);
    let shading = Shading::of(&merged, 0.1);
    let mut name_ix = std::collections::HashMap::new();
    let mut id = |s: &'_ str, names: &mut Vec<String>| -> usize {
        *name_ix.entry(s.to_string()).or_insert_with(|| {
            names.push(s.to_string());
            names.len() - 1
        })
    };
    let mut owned: Vec<String> = Vec::new();
    let (mut f, mut d, mut b, mut n, mut c) = (vec![], vec![], vec![], vec![], vec![]);
    let mut work = vec![(0usize, 0u32)];
    while let Some((i, depth)) = work.pop() {
        let node = &merged.nodes[i];
        f.push(if i == 0 {
            -1
        } else {
            id(&node.name, &mut owned) as i64
        });
        d.push(depth);
        b.push(node.base);
        n.push(node.new);
        c.push(shading.shade(node));
        let mut kids: Vec<u32> = node
            .children
            .iter()
            .copied()
            .filter(|&k| merged.nodes[k as usize].base + merged.nodes[k as usize].new > 0)
            .collect();
        kids.sort_by_key(|&k| {
            let x = &merged.nodes[k as usize];
            std::cmp::Reverse(x.base + x.new)
        });
        work.extend(kids.iter().rev().map(|&k| (k as usize, depth + 1)));
    }
    let table: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!([
                r.name,
                r.status.name(),
                r.base,
                r.new,
                r.delta,
                r.delta_rel.filter(|v| v.is_finite()),
            ])
        })
        .collect();
    let data = json!({
        "view": "compare",
        "unit": report.unit,
        "mode": report.mode.name(),
        "base_total": report.base().total,
        "new_total": report.new_snapshot().total,
        "diff": {"names": owned, "f": f, "d": d, "b": b, "n": n, "c": c},
        "rows": table,
    });
    let body = format!(
        "<p class=\"note\">{} — base {}, new {} ({} mode, as <code>pprofx diff</code>). Width: base + new; <span class=\"sw grew\"></span> grew, <span class=\"sw shrank\"></span> shrank, <span class=\"sw same\"></span> within noise.</p>\n<div class=\"flame\" id=\"flame-diff\"><canvas id=\"flame\"></canvas></div><div id=\"tip\" hidden></div><p id=\"frame-details\" aria-live=\"polite\"></p>\n<h2>Diff table</h2><table id=\"difftable\"><thead></thead><tbody></tbody></table>",
        html_escape(&type_label),
        html_escape(&state.sources.as_ref().map(|s| s.spec.base.join(" ")).unwrap_or_default()),
        html_escape(&state.session.name()),
        report.mode.name(),
    );
    let ((title, legend), errors) = analyse(state, cfg, "top", legend_of)?;
    page_for(
        state,
        "compare",
        cfg,
        ViewOut {
            title,
            legend,
            errors,
            body,
            data,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_as_forms_do() {
        assert_eq!(
            parse_query("f=main%5C.f&h=a+b&x&bad=%zz&tail=%4"),
            vec![
                ("f".to_string(), "main\\.f".to_string()),
                ("h".to_string(), "a b".to_string()),
                ("x".to_string(), String::new()),
                ("bad".to_string(), "%zz".to_string()),
                ("tail".to_string(), "%4".to_string()),
            ]
        );
        assert_eq!(decode("%E2%9C%93"), "✓");
        assert_eq!(decode("%FF"), "\u{fffd}");
    }
}
