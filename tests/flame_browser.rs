//! Browser tests of the HTML report and the differential SVG: headless
//! Chromium opens the files from `file://` URLs and the tests read the DOM
//! it dumps (`--dump-dom`).
//!
//! * the report renders (the script marks `<body data-state="ready">` with
//!   frame, drawn-frame and table-row counts) for one profile and for a diff;
//! * hostile function names execute nothing: the title stays, no element
//!   comes from a name, the page still renders;
//! * interaction (sorting, search, zoom in the report; zoom and search in the
//!   SVG), driven by a small script the test appends to a copy of the file.
//!
//! The tests need Debian's `chromium` (`/usr/bin/chromium`, or the binary
//! named by `PPROFX_CHROMIUM`); without it each test is a visible skip, and
//! a failure under `PPROFX_CI=1` or `PPROFX_REQUIRE_CHROMIUM=1`. `.ci/run`
//! installs it when apt-get is usable.

mod common;
#[path = "common/flame_fixtures.rs"]
mod flame_fixtures;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{pprofx_bin, repo_root};
use flame_fixtures::{hostile_profile, stacks_profile};

/// One browser at a time: the machine is small and Chromium is heavy.
static BROWSER: Mutex<()> = Mutex::new(());

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

/// The DOM of `file` after its scripts ran, as Chromium serializes it.
fn dump_dom(browser: &Path, file: &Path) -> String {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", file.canonicalize().unwrap().display());
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed on {url}: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = fs::read_to_string(out.path()).unwrap();
    assert!(!dom.is_empty(), "chromium dumped nothing for {url}");
    dom
}

fn run_ok(args: &[&str]) {
    let r = Command::new(pprofx_bin())
        .args(args)
        .current_dir(repo_root())
        .env("TZ", "UTC")
        .output()
        .expect("run pprofx");
    assert!(
        r.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

/// The value of attribute `name` on the first `<tag …>` of `dom`.
fn attr(dom: &str, tag: &str, name: &str) -> Option<String> {
    let start = dom.find(&format!("<{tag}"))?;
    let open = &dom[start..start + dom[start..].find('>')?];
    let key = format!(" {name}=\"");
    let at = open.find(&key)? + key.len();
    Some(open[at..at + open[at..].find('"')?].to_string())
}

fn num(dom: &str, tag: &str, name: &str) -> u64 {
    attr(dom, tag, name)
        .unwrap_or_else(|| panic!("no {name} on <{tag}>"))
        .parse()
        .unwrap()
}

/// Asserts that the report rendered and returns its DOM.
fn rendered(browser: &Path, file: &Path) -> String {
    let dom = dump_dom(browser, file);
    assert_eq!(
        attr(&dom, "body", "data-state").as_deref(),
        Some("ready"),
        "the report did not render: {}",
        &dom[dom.find("<body").unwrap_or(0)..][..600.min(dom.len())]
    );
    assert!(num(&dom, "body", "data-frames") > 1);
    assert!(num(&dom, "body", "data-drawn") > 0);
    dom
}

fn cpu() -> String {
    repo_root()
        .join("examples/profiles/cpu.pb.gz")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn report_renders_graph_and_table() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu.html");
    run_ok(&["flame", "--html", "-o", file.to_str().unwrap(), &cpu()]);
    let dom = rendered(&browser, &file);
    assert_eq!(num(&dom, "body", "data-frames"), 163);
    assert_eq!(num(&dom, "body", "data-drawn"), 163);
    assert_eq!(num(&dom, "canvas", "data-drawn"), 163);
    assert_eq!(num(&dom, "body", "data-rows"), 55);
    assert_eq!(attr(&dom, "body", "data-table").as_deref(), Some("top"));
    assert!(dom.contains("<title>cpu.pb.gz — cpu, total 3.10s</title>"));
    // The table: pprof's first row, then as many rows as the data has.
    assert!(dom.contains(
        "<td class=\"name\" data-name=\"6\">main.mix (partial-inline)</td><td>670ms</td><td>21.61%</td>"
    ));
    let body = &dom[dom.find("<tbody>").unwrap()..dom.find("</tbody>").unwrap()];
    assert_eq!(body.matches("<tr>").count(), 55);
    assert_eq!(dom.matches("<th ").count(), 5);
}

#[test]
fn diff_report_renders_diff_table() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = stacks_profile(
        dir.path(),
        "base.pb",
        &[
            (&["main", "grows"], 100),
            (&["main", "gone"], 50),
            (&["main", "same"], 1000),
        ],
    );
    let new = stacks_profile(
        dir.path(),
        "new.pb",
        &[
            (&["main", "grows"], 300),
            (&["main", "added"], 70),
            (&["main", "same"], 1000),
        ],
    );
    let file = dir.path().join("diff.html");
    run_ok(&[
        "diff",
        "--html",
        "-o",
        file.to_str().unwrap(),
        "--mode=absolute",
        &base,
        &new,
    ]);
    let dom = rendered(&browser, &file);
    assert_eq!(attr(&dom, "body", "data-table").as_deref(), Some("diff"));
    // grows, added, gone (flat values; main and same are hidden, as in
    // the text table).
    assert_eq!(num(&dom, "body", "data-rows"), 3);
    assert!(dom.contains(">grows</td><td class=\"st-grew\">grew</td><td>100ns</td><td>300ns</td><td>+200ns</td><td>+200.00%</td>"));
    assert!(dom.contains(">added</td><td class=\"st-new\">new</td>"));
    assert!(dom.contains(">gone</td><td class=\"st-gone\">gone</td>"));
    // Two tabs: the diff and the new profile's top.
    assert!(dom.contains("aria-selected=\"true\">Diff</button>"));
    assert!(dom.contains(">Top (new)</button>"));
}

#[test]
fn hostile_names_execute_nothing() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let prof = hostile_profile(dir.path());
    let prof = prof.to_str().unwrap();
    for (i, extra) in [&[][..], &["--icicle", "-lines"][..]].iter().enumerate() {
        for two in [false, true] {
            let file = dir.path().join(format!("h{i}{two}.html"));
            let mut args = vec!["flame", "--html", "-o", file.to_str().unwrap()];
            args.extend_from_slice(extra);
            args.push(prof);
            if two {
                args.push(prof);
            }
            run_ok(&args);
            let dom = rendered(&browser, &file);
            let title = &dom[dom.find("<title>").unwrap()..dom.find("</title>").unwrap()];
            // The names' scripts would set the title to "pwned".
            assert!(title.starts_with("<title>hostile.pb"), "{title} ({args:?})");
            assert!(!title.contains("pwned"), "a name's script ran ({args:?})");
            assert!(!dom.contains("<img"), "a name became an element");
            assert!(!dom.contains("<x>") && !dom.contains("<x/>"));
            // Exactly the page's own two script elements.
            assert_eq!(dom.matches("<script").count(), 2);
            if !two {
                // Names are shown as text in the table.
                assert!(dom.contains("&lt;img src=x onerror=\"document.title='pwned'\"&gt;"));
                assert!(dom.contains(
                    "&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;"
                ));
            }
        }
    }
}

/// Appends `driver` (a script) to a copy of `file` and returns the copy;
/// for HTML, the Content-Security-Policy (which would block the driver)
/// is removed from the copy.
fn with_driver(file: &Path, driver: &str, svg: bool) -> PathBuf {
    let mut text = fs::read_to_string(file).unwrap();
    if svg {
        let at = text.rfind("</svg>").unwrap();
        text.insert_str(
            at,
            &format!("<script type=\"text/ecmascript\"><![CDATA[\n{driver}\n]]></script>\n"),
        );
    } else {
        let start = text
            .find("<meta http-equiv=\"Content-Security-Policy\"")
            .unwrap();
        let end = start + text[start..].find('>').unwrap() + 1;
        text.replace_range(start..end, "");
        let at = text.rfind("</body>").unwrap();
        text.insert_str(at, &format!("<script>{driver}</script>\n"));
    }
    let out = file.with_extension(if svg { "driven.svg" } else { "driven.html" });
    fs::write(&out, text).unwrap();
    out
}

#[test]
fn report_sorts_searches_and_zooms() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu.html");
    run_ok(&["flame", "--html", "-o", file.to_str().unwrap(), &cpu()]);
    let driver = r#"
(function () {
  var b = document.body;
  var th = document.querySelectorAll('#table thead th');
  th[3].click();
  b.setAttribute('data-t-sorted', document.querySelector('#table tbody td:nth-child(4)').textContent);
  th[0].click();
  b.setAttribute('data-t-byname', document.querySelector('#table tbody td').textContent);
  var c = document.getElementById('flame');
  var r = c.getBoundingClientRect();
  var before = c.getAttribute('data-drawn');
  // A frame six rows above the root, at the right of the graph.
  c.dispatchEvent(new MouseEvent('click', { clientX: r.right - 20, clientY: r.bottom - 6 * 18 - 9, bubbles: true }));
  b.setAttribute('data-t-zoom', before + '/' + c.getAttribute('data-drawn') + ' ' + location.hash +
    ' reset=' + !document.getElementById('reset').disabled);
  var s = document.getElementById('search');
  s.value = 'sha256';
  s.dispatchEvent(new Event('input'));
  setTimeout(function () {
    b.setAttribute('data-t-matched', document.getElementById('matched').textContent);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    b.setAttribute('data-t-reset', c.getAttribute('data-drawn') + ' ' + document.getElementById('reset').disabled);
  }, 400);
})();
"#;
    let driven = with_driver(&file, driver, false);
    let dom = rendered(&browser, &driven);
    assert_eq!(
        attr(&dom, "body", "data-t-sorted").as_deref(),
        Some("3.10s")
    );
    let first = attr(&dom, "body", "data-t-byname").unwrap();
    assert!(first.starts_with("cmp.Less"), "{first}");
    let zoom = attr(&dom, "body", "data-t-zoom").unwrap();
    let (counts, rest) = zoom.split_once(' ').unwrap();
    let (before, after) = counts.split_once('/').unwrap();
    assert!(
        after.parse::<u64>().unwrap() < before.parse::<u64>().unwrap(),
        "zoom drew no fewer frames: {zoom}"
    );
    assert!(
        rest.starts_with("#z=") && rest.ends_with("reset=true"),
        "{zoom}"
    );
    let matched = attr(&dom, "body", "data-t-matched").unwrap();
    assert!(
        matched.starts_with("Matched: ") && matched.contains('%'),
        "{matched}"
    );
    assert_eq!(
        attr(&dom, "body", "data-t-reset").as_deref(),
        Some("163 true")
    );
}

#[test]
fn differential_svg_zooms_and_searches() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = stacks_profile(
        dir.path(),
        "base.pb",
        &[(&["main", "a", "x"], 100), (&["main", "b"], 300)],
    );
    let new = stacks_profile(
        dir.path(),
        "new.pb",
        &[(&["main", "a", "x"], 200), (&["main", "b"], 100)],
    );
    let file = dir.path().join("d.svg");
    run_ok(&["flame", "-o", file.to_str().unwrap(), &base, &new]);
    let driver = r#"
(function () {
  var root = document.documentElement;
  function frame(name) {
    var gs = document.querySelectorAll('g.f');
    for (var i = 0; i < gs.length; i++) {
      if (gs[i].querySelector('title').textContent.split('\n')[0] === name) return gs[i];
    }
  }
  var a = frame('a');
  a.querySelector('rect').dispatchEvent(new MouseEvent('click', { bubbles: true }));
  var out = [
    frame('a').querySelector('rect').getAttribute('width'),
    frame('x').querySelector('rect').getAttribute('width'),
    frame('main').getAttribute('class'),
    frame('b').getAttribute('class'),
    document.getElementById('reset').getAttribute('class')
  ];
  window.prompt = function () { return '^(a|x)$'; };
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true }));
  out.push(frame('a').querySelector('rect').getAttribute('fill'));
  out.push(document.getElementById('matched').textContent);
  document.getElementById('reset').dispatchEvent(new MouseEvent('click', { bubbles: true }));
  out.push(frame('b').getAttribute('class'));
  root.setAttribute('data-t', out.join('|'));
})();
"#;
    let driven = with_driver(&file, driver, true);
    let dom = dump_dom(&browser, &driven);
    let t = attr(&dom, "svg", "data-t").expect("driver ran");
    let parts: Vec<&str> = t.split('|').collect();
    assert_eq!(parts.len(), 8, "{t}");
    // Zoomed on "a": a and its only child x fill the width (1200 − 20);
    // "main" (an ancestor) is dimmed, "b" (outside) hidden.
    assert_eq!(parts[0], "1180.000");
    assert_eq!(parts[1], "1180.000");
    assert_eq!(parts[2], "f dim");
    assert_eq!(parts[3], "f hide");
    assert_eq!(parts[4], "btn");
    // Search: a and x match, 300 of 700 (base + new) = 42.9 %.
    assert_eq!(parts[5], "rgb(230,0,230)");
    assert_eq!(parts[6], "Matched: 42.9% of the width");
    // Reset: b shown again.
    assert_eq!(parts[7], "f");
}
