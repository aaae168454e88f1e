//! Browser tests of the web UI: headless Chromium, driven over the DevTools
//! protocol (tests/common/cdp.rs), opens every view of a running
//! `pprofx -http` and acts as a user: the view renders, the console has no
//! errors (a Content-Security-Policy violation is one), clicking a frame
//! pivots, the search shows its share, Refine changes the URL and the view,
//! shift-click zooms with detail from the server.
//!
//! With `PPROFX_SCREENSHOTS=DIR` the `screenshots` test writes a PNG of each
//! view there (`scripts/webui-screenshots.sh` makes the ones in docs/).
//!
//! The tests need Debian's `chromium` (`/usr/bin/chromium`, or
//! `PPROFX_CHROMIUM`); without it each test is a visible skip, and a
//! failure under `PPROFX_CI=1` or `PPROFX_REQUIRE_CHROMIUM=1`.

#[path = "common/cdp.rs"]
mod cdp;
mod common;
#[path = "common/flame_fixtures.rs"]
mod flame_fixtures;
#[path = "common/webui.rs"]
mod webui;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cdp::Browser;
use common::repo_root;
use webui::Server;

/// One browser at a time: the machine is small and Chromium is heavy.
static ONE: Mutex<()> = Mutex::new(());

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PPROFX_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        Some(path)
    } else {
        common::missing(
            common::Need::Chromium,
            &format!(
                "Chromium not found at {} (apt-get install chromium, or set PPROFX_CHROMIUM)",
                path.display()
            ),
        );
        None
    }
}

fn cpu() -> String {
    repo_root()
        .join("examples/profiles/cpu.pb.gz")
        .to_string_lossy()
        .into_owned()
}

fn serve(args: &[&str], cwd: &Path) -> Server {
    let mut all = vec!["-http=127.0.0.1:0", "-no_browser"];
    all.extend_from_slice(args);
    Server::start(&all, cwd)
}

fn assert_clean(b: &mut Browser, what: &str) {
    b.drain();
    assert!(
        b.errors.is_empty(),
        "{what}: console errors: {:?}",
        b.errors
    );
}

fn num(b: &mut Browser, expr: &str) -> f64 {
    let v = b.eval(expr);
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("{expr} = {v}"))
}

/// Page coordinates of the middle of the frame at `depth` that lies under
/// the horizontal fraction `at` of the canvas `id`.
fn frame_point(b: &mut Browser, id: &str, depth: u32, at: f64) -> (f64, f64) {
    let r = b.eval(&format!(
        "(function(){{var r=document.getElementById('{id}').getBoundingClientRect();return [r.left,r.top,r.width];}})()"
    ));
    let (l, t, w) = (
        r[0].as_f64().unwrap(),
        r[1].as_f64().unwrap(),
        r[2].as_f64().unwrap(),
    );
    (l + w * at, t + 18.0 * depth as f64 + 9.0)
}

#[test]
fn every_view_renders_without_console_errors() {
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let s = serve(&[&cpu()], &repo_root());
    let mut b = Browser::start(&chrome, 1400, 900);
    for (path, view) in [
        ("/ui/", "flamegraph"),
        ("/ui/top", "top"),
        ("/ui/graph", "graph"),
        ("/ui/peek?f=main.fib", "peek"),
        ("/ui/source?f=main.fib", "source"),
        ("/ui/flamegraph?p=%5Emain%5C.fib%24", "flamegraph"),
        ("/ui/compare", "compare"),
    ] {
        b.open(&format!("{}{path}", s.url));
        assert_eq!(b.eval("document.body.dataset.view"), view, "{path}");
        assert_clean(&mut b, path);
        match view {
            "flamegraph" => {
                assert!(num(&mut b, "document.body.dataset.drawn") > 10.0, "{path}");
            }
            "top" => {
                assert_eq!(num(&mut b, "document.body.dataset.rows"), 55.0);
                assert_eq!(
                    b.eval("document.querySelector('#toptable tbody td:nth-child(6)').firstChild.textContent"),
                    "main.mix (partial-inline)"
                );
            }
            "peek" => {
                assert!(
                    b.eval("document.querySelector('pre.report').textContent.length")
                        .as_f64()
                        .unwrap()
                        > 100.0
                );
            }
            "graph" => {
                // pprofx's own drawing: laid out boxes, rendered by the browser.
                let nodes = b.eval("document.querySelectorAll('#graph svg g.node').length");
                assert!(nodes.as_f64().unwrap() > 10.0, "{nodes}");
                let w =
                    b.eval("document.querySelector('#graph svg').getBoundingClientRect().width");
                assert!(w.as_f64().unwrap() > 100.0, "{w}");
            }
            _ => {}
        }
    }
}

#[test]
fn clicking_a_frame_pivots_and_shift_click_zooms() {
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let s = serve(&[&cpu()], &repo_root());
    let mut b = Browser::start(&chrome, 1400, 900);
    b.open(&format!("{}/ui/flamegraph", s.url));
    // Depth 1, at the left edge: the root's widest child.
    let (x, y) = frame_point(&mut b, "flame", 1, 0.02);
    b.hover(x, y);
    let details = b.eval("document.getElementById('frame-details').textContent");
    let name = details
        .as_str()
        .unwrap()
        .split(" · ")
        .next()
        .unwrap()
        .to_string();
    assert!(!name.is_empty() && name != "root", "{details}");
    b.click(x, y, 0);
    b.wait_for("location.search.indexOf('p=') >= 0 && document.body.dataset.state === 'ready'");
    assert_eq!(b.eval("document.body.dataset.pivot"), name.as_str());
    assert!(
        num(
            &mut b,
            "document.getElementById('flame-callers-canvas').dataset.drawn"
        ) >= 1.0
    );
    assert!(
        num(
            &mut b,
            "document.getElementById('flame-callees-canvas').dataset.drawn"
        ) >= 1.0
    );
    assert_clean(&mut b, "pivot");

    // Shift-click zooms, and the server sends the zoomed frame's detail.
    b.open(&format!("{}/ui/flamegraph?w=200", s.url));
    let (x, y) = frame_point(&mut b, "flame", 2, 0.02);
    b.click(x, y, 8);
    b.wait_for("document.getElementById('flame').dataset.detail");
    let zoomed = b.eval("document.getElementById('flame').dataset.zoomed");
    assert!(!zoomed.as_str().unwrap().is_empty());
    assert_eq!(
        b.eval("document.getElementById('reset-zoom').disabled"),
        false
    );
    b.click_on("#reset-zoom");
    assert_eq!(
        b.eval("document.getElementById('flame').dataset.zoomed"),
        ""
    );
    assert!(b
        .eval("location.search")
        .as_str()
        .unwrap()
        .contains("w=200"));
    assert_clean(&mut b, "zoom");
}

#[test]
fn search_shows_its_share() {
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let s = serve(&[&cpu()], &repo_root());
    let expected = s
        .get("/ui/flamegraph?format=json&q=%5Emain%5C.fib%24")
        .data();
    let share = 100.0 * expected["matched"].as_f64().unwrap() / expected["total"].as_f64().unwrap();
    let mut b = Browser::start(&chrome, 1400, 900);
    for view in ["flamegraph", "top"] {
        b.open(&format!("{}/ui/{view}", s.url));
        b.click_on("#search");
        b.type_text("^main\\.fib$");
        b.wait_for("document.body.dataset.matched");
        let text = b.eval("document.getElementById('matched').textContent");
        assert!(
            text.as_str()
                .unwrap()
                .contains(&format!("({share:.2}% of all samples)")),
            "{view}: {text}"
        );
        if view == "top" {
            assert_eq!(b.eval("document.querySelectorAll('tr.match').length"), 1);
        }
        assert_clean(&mut b, view);
    }
}

#[test]
fn refine_changes_the_url_and_the_view() {
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let s = serve(&[&cpu()], &repo_root());
    let mut b = Browser::start(&chrome, 1400, 900);
    // Top: select the first row, Refine → Focus.
    b.open(&format!("{}/ui/top", s.url));
    let first = b.eval("document.body.dataset.first");
    b.click_on("#toptable tbody tr:first-child td:nth-child(2)");
    assert_eq!(b.eval("document.body.dataset.selected"), first);
    b.click_on("#refine-menu .menu-name");
    b.click_on("#refine-focus");
    b.wait_for("location.search.indexOf('f=') >= 0 && document.body.dataset.state === 'ready'");
    let f = b.eval("new URLSearchParams(location.search).get('f')");
    assert_eq!(
        f,
        format!("^{}$", first.as_str().unwrap().replace('.', "\\.")).as_str()
    );
    let rows = num(&mut b, "document.body.dataset.rows");
    assert!(rows < 55.0, "focus left {rows} rows");
    assert_clean(&mut b, "refine top");
    // Flame graph: search, Refine → Hide adds `h` and redraws without it.
    b.open(&format!("{}/ui/flamegraph", s.url));
    let before = num(&mut b, "document.body.dataset.frames");
    b.click_on("#search");
    b.type_text("^runtime\\.");
    b.wait_for("document.body.dataset.matched");
    b.click_on("#refine-menu .menu-name");
    b.click_on("#refine-hide");
    b.wait_for("location.search.indexOf('h=') >= 0 && document.body.dataset.state === 'ready'");
    assert_eq!(
        b.eval("new URLSearchParams(location.search).get('h')"),
        "^runtime\\."
    );
    let after = num(&mut b, "document.body.dataset.frames");
    assert!(after < before, "hide left {after} of {before} frames");
    // Sample menu and Enter in the search box also travel through the URL.
    b.click_on("#search");
    b.type_text("main");
    b.key("Enter");
    b.wait_for("new URLSearchParams(location.search).get('f') === 'main' && document.body.dataset.state === 'ready'");
    assert_eq!(
        b.eval("new URLSearchParams(location.search).get('h')"),
        "^runtime\\."
    );
    assert_clean(&mut b, "refine flame");
}

#[test]
fn hostile_names_execute_nothing() {
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let prof = flame_fixtures::hostile_profile(dir.path());
    let s = serve(&[prof.to_str().unwrap()], dir.path());
    let mut b = Browser::start(&chrome, 1200, 800);
    for path in [
        "/ui/flamegraph",
        "/ui/top",
        "/ui/peek?f=.",
        "/ui/flamegraph?p=script",
    ] {
        b.open(&format!("{}{path}", s.url));
        assert!(
            !b.eval("document.title").as_str().unwrap().contains("pwned"),
            "{path}"
        );
        assert_eq!(
            b.eval("document.querySelectorAll('img, x').length"),
            0,
            "{path}"
        );
        assert_eq!(b.eval("document.scripts.length"), 2, "{path}");
        assert_clean(&mut b, path);
    }
}

/// Writes a screenshot of each view to `$PPROFX_SCREENSHOTS` (skipped
/// without it): `scripts/webui-screenshots.sh` runs it for docs/.
#[test]
fn screenshots() {
    let Some(out) = std::env::var_os("PPROFX_SCREENSHOTS").map(PathBuf::from) else {
        return;
    };
    let Some(chrome) = chromium() else { return };
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = flame_fixtures::stacks_profile(
        dir.path(),
        "base.pb",
        &[
            (&["main.main", "main.handle", "json.Marshal"], 300),
            (&["main.main", "main.handle", "db.Query"], 500),
            (&["main.main", "gc.sweep"], 100),
        ],
    );
    let new = flame_fixtures::stacks_profile(
        dir.path(),
        "new.pb",
        &[
            (&["main.main", "main.handle", "json.Marshal"], 700),
            (&["main.main", "main.handle", "db.Query"], 350),
            (&["main.main", "main.handle", "cache.Get"], 80),
            (&["main.main", "gc.sweep"], 100),
        ],
    );
    let s = serve(&[&cpu()], &repo_root());
    let sd = serve(&[&format!("-diff_base={base}"), &new], dir.path());
    let mut b = Browser::start(&chrome, 1280, 760);
    let shots: Vec<(&str, String)> = vec![
        ("flamegraph", format!("{}/ui/flamegraph", s.url)),
        (
            "pivot",
            format!("{}/ui/flamegraph?p=%5Emain%5C.fib%24", s.url),
        ),
        ("top", format!("{}/ui/top", s.url)),
        ("graph", format!("{}/ui/graph", s.url)),
        ("peek", format!("{}/ui/peek?f=%5Emain%5C.fib%24", s.url)),
        ("source", format!("{}/ui/source?f=%5Emain%5C.fib%24", s.url)),
        ("compare", format!("{}/ui/compare", sd.url)),
    ];
    for (name, url) in shots {
        b.open(&url);
        if name == "flamegraph" {
            let (x, y) = frame_point(&mut b, "flame", 4, 0.3);
            b.hover(x, y);
            b.click_on("#search");
            b.type_text("sha256");
            b.wait_for("document.body.dataset.matched");
            b.hover(x, y);
        }
        assert_clean(&mut b, name);
        let png = b.screenshot(false);
        std::fs::write(out.join(format!("webui-{name}.png")), png).unwrap();
    }
}
