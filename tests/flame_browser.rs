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
use flame_fixtures::{deep_leaf, deep_name, deep_profile, hostile_profile, stacks_profile};

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

/// The DOM of `file` after its scripts ran, as Chromium serializes it
/// (window 1400×1000).
fn dump_dom(browser: &Path, file: &Path) -> String {
    dump_dom_at(browser, file, (1400, 1000))
}

/// The DOM of `file` in a window of `size` (width, height).
fn dump_dom_at(browser: &Path, file: &Path, size: (u32, u32)) -> String {
    let out = tempfile::NamedTempFile::new().unwrap();
    let url = headless(
        browser,
        file,
        size,
        &["--dump-dom"],
        Some(out.reopen().unwrap()),
    );
    let dom = fs::read_to_string(out.path()).unwrap();
    assert!(!dom.is_empty(), "chromium dumped nothing for {url}");
    dom
}

/// A PNG screenshot of `file` in a window of `size`, as a user first sees
/// it (nothing scrolled by hand).
fn screenshot(browser: &Path, file: &Path, size: (u32, u32)) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let arg = format!("--screenshot={}", png.display());
    headless(browser, file, size, &[&arg], None);
    fs::read(&png).unwrap_or_else(|e| panic!("no screenshot of {}: {e}", file.display()))
}

/// Runs headless Chromium on `file` with `extra` flags; returns the URL.
fn headless(
    browser: &Path,
    file: &Path,
    size: (u32, u32),
    extra: &[&str],
    stdout: Option<fs::File>,
) -> String {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", file.canonicalize().unwrap().display());
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
            "--force-device-scale-factor=1",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(stdout.map_or_else(Stdio::null, Stdio::from))
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
    url
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
    rendered_at(browser, file, (1400, 1000))
}

/// Asserts that the report rendered in a window of `size`; its DOM.
fn rendered_at(browser: &Path, file: &Path, size: (u32, u32)) -> String {
    let dom = dump_dom_at(browser, file, size);
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
    // Names may wrap only between segments (<wbr>); the tooltip has them whole.
    assert!(dom.contains(
        "<td class=\"name\" title=\"main.mix (partial-inline)\" data-name=\"6\">main.<wbr>mix (partial-inline)</td><td>670ms</td><td>21.61%</td>"
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
                // Names are shown as text in the table (with <wbr> where
                // they may wrap).
                let text = dom.replace("<wbr>", "");
                assert!(text.contains("&lt;img src=x onerror=\"document.title='pwned'\"&gt;"));
                assert!(text.contains(
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
  out.push(root.getAttribute('width') + ' ' + frame('main').querySelector('rect').getAttribute('width'));
  root.setAttribute('data-t', out.join('|'));
})();
"#;
    // Without --width the graph fills the window (1400 px); with it, it
    // keeps its width.
    for (width, full) in [(None, "1380.000"), (Some("--width=1800"), "1780.000")] {
        let file = dir.path().join("d.svg");
        let mut args = vec!["flame", "-o", file.to_str().unwrap()];
        args.extend(width);
        args.extend([base.as_str(), new.as_str()]);
        run_ok(&args);
        let driven = with_driver(&file, driver, true);
        let dom = dump_dom(&browser, &driven);
        let t = attr(&dom, "svg", "data-t").expect("driver ran");
        let parts: Vec<&str> = t.split('|').collect();
        assert_eq!(parts.len(), 9, "{t}");
        // Zoomed on "a": a and its only child x fill the width (less 2 × 10);
        // "main" (an ancestor) is dimmed, "b" (outside) hidden.
        assert_eq!(parts[0], full, "{width:?}");
        assert_eq!(parts[1], full);
        assert_eq!(parts[2], "f dim");
        assert_eq!(parts[3], "f hide");
        assert_eq!(parts[4], "btn");
        // Search: a and x match, 300 of 700 (base + new) = 42.9 %.
        assert_eq!(parts[5], "rgb(230,0,230)");
        assert_eq!(parts[6], "Matched: 42.9% of the width");
        // Reset: b shown again; "main" spans the width.
        assert_eq!(parts[7], "f");
        let size = if width.is_some() { "1800" } else { "100%" };
        assert_eq!(parts[8], format!("{size} {full}"));
    }
}

/// A deep differential SVG opened on its own starts scrolled to its root
/// (at the bottom), and its labels are whole name segments.
#[test]
fn deep_differential_svg_starts_at_its_root() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = deep_profile(dir.path(), "deep-base.pb", 120, 0);
    let new = deep_profile(dir.path(), "deep-new.pb", 120, 30);
    let file = dir.path().join("deep.svg");
    run_ok(&["flame", "-o", file.to_str().unwrap(), &base, &new]);
    let driver = r#"
(function () {
  var root = document.documentElement;
  var main;
  var labels = [];
  var gs = document.querySelectorAll('g.f');
  for (var i = 0; i < gs.length; i++) {
    if (gs[i].querySelector('title').textContent.split('\n')[0] === 'main.main') main = gs[i];
    var t = gs[i].querySelector('text');
    if (t && t.textContent) labels.push(t.textContent);
  }
  var r = main.querySelector('rect').getBoundingClientRect();
  root.setAttribute('data-t', (r.top >= 0 && r.bottom <= window.innerHeight ? 'visible' : 'hidden') +
    ' ' + Math.round(r.top) + ' ' + window.scrollY);
  root.setAttribute('data-labels', JSON.stringify(labels));
})();
"#;
    let driven = with_driver(&file, driver, true);
    let dom = dump_dom_at(&browser, &driven, (1400, 900));
    let t = attr(&dom, "svg", "data-t").expect("driver ran");
    assert!(t.starts_with("visible "), "{t}");
    assert!(!t.ends_with(" 0"), "not scrolled: {t}");
    let labels: Vec<String> = serde_json::from_str(
        &attr(&dom, "svg", "data-labels")
            .unwrap()
            .replace("&quot;", "\""),
    )
    .unwrap();
    check_labels(&labels, &deep_names());
}

// ---- Deep profiles, long names ----------------------------------------

/// An RGB(A) image decoded from a PNG (8-bit, non-interlaced, as Chromium
/// writes screenshots): width, height, bytes per pixel, pixels.
struct Image {
    width: usize,
    height: usize,
    bpp: usize,
    data: Vec<u8>,
}

impl Image {
    fn decode(png: &[u8]) -> Image {
        use std::io::Read;
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        let (mut at, mut idat) = (8, Vec::new());
        let (mut width, mut height, mut bpp) = (0, 0, 0);
        while at + 8 <= png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let body = &png[at + 8..at + 8 + len];
            match kind {
                b"IHDR" => {
                    width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                    height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                    assert_eq!(body[8], 8, "bit depth");
                    bpp = match body[9] {
                        2 => 3,
                        6 => 4,
                        t => panic!("PNG colour type {t}"),
                    };
                    assert_eq!(body[12], 0, "interlaced PNG");
                }
                b"IDAT" => idat.extend_from_slice(body),
                b"IEND" => break,
                _ => {}
            }
            at += 12 + len;
        }
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&idat[..])
            .read_to_end(&mut raw)
            .unwrap();
        let stride = width * bpp;
        let mut data = vec![0u8; stride * height];
        for y in 0..height {
            let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
            let (filter, src) = (line[0], &line[1..]);
            for x in 0..stride {
                let a = if x >= bpp {
                    data[y * stride + x - bpp]
                } else {
                    0
                } as i32;
                let b = if y > 0 { data[(y - 1) * stride + x] } else { 0 } as i32;
                let c = if x >= bpp && y > 0 {
                    data[(y - 1) * stride + x - bpp]
                } else {
                    0
                } as i32;
                let pred = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => {
                        let p = a + b - c;
                        let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                        if pa <= pb && pa <= pc {
                            a
                        } else if pb <= pc {
                            b
                        } else {
                            c
                        }
                    }
                    f => panic!("PNG filter {f}"),
                };
                data[y * stride + x] = (src[x] as i32 + pred) as u8;
            }
        }
        Image {
            width,
            height,
            bpp,
            data,
        }
    }

    /// The rows holding a horizontal run of at least `min` pixels of
    /// exactly `rgb`.
    fn rows_with_run(&self, rgb: [u8; 3], min: usize) -> Vec<usize> {
        let mut rows = Vec::new();
        for y in 0..self.height {
            let mut run = 0;
            for x in 0..self.width {
                let p = &self.data[(y * self.width + x) * self.bpp..][..3];
                run = if p == rgb { run + 1 } else { 0 };
                if run >= min {
                    rows.push(y);
                    break;
                }
            }
        }
        rows
    }
}

/// Where screenshots are kept for people to look at.
fn keep_screenshot(name: &str, png: &[u8]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), png).unwrap();
}

/// Checks, from inside the page, that the root frame's row is inside the
/// window and inside the graph's scroll box, before and after flipping the
/// orientation; and that no table cell breaks a line inside an identifier.
const DEEP_DRIVER: &str = r#"
(function () {
  var b = document.body;
  var canvas = document.getElementById('flame');
  var box = document.getElementById('scroller');
  function rootRow() {
    var r = canvas.getBoundingClientRect();
    var s = box.getBoundingClientRect();
    var top = b.getAttribute('data-icicle') === 'true' ? r.top : r.bottom - 18;
    var ok = top >= 0 && top + 17 <= window.innerHeight && top >= s.top - 1 && top + 17 <= s.bottom + 1;
    return (ok ? 'visible' : 'hidden') + ' ' + Math.round(top) + ' of ' + window.innerHeight + ' canvas ' + Math.round(r.height);
  }
  b.setAttribute('data-t-root', rootRow());
  // Line breaks inside names: a character starting a new line must follow
  // a segment end or be '(' or '['.
  var cells = document.querySelectorAll('#table td.name');
  var wrapped = 0;
  var bad = [];
  for (var i = 0; i < cells.length; i++) {
    var chars = [];
    var walker = document.createTreeWalker(cells[i], NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      for (var k = 0; k < node.data.length; k++) {
        var range = document.createRange();
        range.setStart(node, k);
        range.setEnd(node, k + 1);
        var rects = range.getClientRects();
        if (rects.length) chars.push([node.data.charAt(k), rects[0].top]);
      }
    }
    var lines = 1;
    for (var j = 1; j < chars.length; j++) {
      if (chars[j][1] > chars[j - 1][1] + 4) {
        lines++;
        var prev = chars[j - 1][0];
        var cur = chars[j][0];
        if ('./;:, '.indexOf(prev) < 0 && cur !== '(' && cur !== '[') {
          bad.push(cells[i].textContent + ' @' + j);
        }
      }
    }
    if (lines > 1) wrapped++;
  }
  b.setAttribute('data-t-cells', cells.length + ' wrapped ' + wrapped);
  b.setAttribute('data-t-bad', bad.slice(0, 3).join(' | '));
  // Canvas labels, as drawn after a redraw.
  var labels = [];
  var fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (t) {
    labels.push(t);
    return fill.apply(this, arguments);
  };
  document.getElementById('orient').click();
  b.setAttribute('data-t-flipped', rootRow() + ' ' + location.hash);
  CanvasRenderingContext2D.prototype.fillText = fill;
  var uniq = Array.from(new Set(labels));
  b.setAttribute('data-t-labels', JSON.stringify(uniq));
})();
"#;

/// The deep report: `diff` draws two profiles (same totals: a grey root).
fn deep_report(dir: &Path, diff: bool) -> PathBuf {
    let base = deep_profile(dir, "deep-base.pb", 120, 0);
    let file = dir.join(if diff { "deep-diff.html" } else { "deep.html" });
    let out = file.to_str().unwrap();
    if diff {
        let new = deep_profile(dir, "deep-new.pb", 120, 30);
        run_ok(&["diff", "--html", "-o", out, "--mode=absolute", &base, &new]);
    } else {
        run_ok(&["flame", "--html", "-o", out, &base]);
    }
    file
}

/// Every frame label is a name, or whole segments of it around `…`: the
/// elision of src/util/names.rs at some width.
fn check_labels(labels: &[String], names: &[String]) {
    assert!(!labels.is_empty());
    let mut elided = 0;
    for l in labels {
        if names.contains(l) || l == "all" {
            continue;
        }
        elided += 1;
        let ok = names.iter().any(|n| {
            (1..=n.chars().count()).any(|k| pprofx::util::names::elide(n, k).as_deref() == Some(l))
        });
        assert!(ok, "label {l:?} is not an elision of a frame's name");
    }
    assert!(elided > 0, "no label was elided: {labels:?}");
}

fn deep_names() -> Vec<String> {
    let mut names: Vec<String> = (0..120).map(deep_name).collect();
    names.extend((0..120).map(deep_leaf));
    names.push("main.main".into());
    names
}

#[test]
fn deep_report_starts_at_its_root() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    for diff in [false, true] {
        let file = deep_report(dir.path(), diff);
        // What a user sees first at 1400×900: the root frame, a full-width
        // bar of the root's colour (grey "all"; a diff's root did not change).
        let png = screenshot(&browser, &file, (1400, 900));
        keep_screenshot(if diff { "deep-diff.png" } else { "deep.png" }, &png);
        let img = Image::decode(&png);
        assert_eq!((img.width, img.height), (1400, 900));
        let root = if diff {
            [200, 200, 200]
        } else {
            [210, 210, 210]
        };
        let rows = img.rows_with_run(root, 600);
        assert!(
            rows.len() >= 12,
            "the root frame is not in the first screen (diff: {diff}): rows {rows:?}"
        );
        // The same, measured in the page; then flipped to an icicle.
        let driven = with_driver(&file, DEEP_DRIVER, false);
        let dom = rendered_at(&browser, &driven, (1400, 900));
        let root = attr(&dom, "body", "data-t-root").unwrap();
        assert!(root.starts_with("visible "), "{root}");
        let canvas: f64 = root.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(canvas > 1800.0, "not a deep graph: {root}");
        let flipped = attr(&dom, "body", "data-t-flipped").unwrap();
        assert!(
            flipped.starts_with("visible ") && flipped.ends_with("#i=1"),
            "{flipped}"
        );
        let labels: Vec<String> = serde_json::from_str(
            &attr(&dom, "body", "data-t-labels")
                .unwrap()
                .replace("&quot;", "\""),
        )
        .unwrap();
        check_labels(&labels, &deep_names());
    }
}

#[test]
fn table_names_wrap_between_segments_only() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    for diff in [false, true] {
        let file = deep_report(dir.path(), diff);
        let driven = with_driver(&file, DEEP_DRIVER, false);
        let dom = rendered_at(&browser, &driven, (1400, 900));
        let cells = attr(&dom, "body", "data-t-cells").unwrap();
        let (count, wrapped) = cells.split_once(" wrapped ").unwrap();
        assert!(count.parse::<u32>().unwrap() >= 100, "{cells}");
        assert!(
            wrapped.parse::<u32>().unwrap() >= 50,
            "long names did not wrap, the test tests nothing: {cells}"
        );
        assert_eq!(attr(&dom, "body", "data-t-bad").as_deref(), Some(""));
        // The full name stays in the tooltip.
        assert!(dom.contains(&format!("title=\"{}\"", deep_leaf(119))));
    }
}
