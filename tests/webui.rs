//! HTTP tests of the web UI (`pprofx -http`): every route, every URL
//! parameter (each checked against the command line's report with the same
//! option), the 403 cases, the download, the flame graph's pivot, zoom and
//! search share, and the source view's confinement to the discovery roots.

mod common;
#[path = "common/flame_fixtures.rs"]
mod flame_fixtures;
#[path = "common/webui.rs"]
mod webui;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{pprofx_bin, repo_root};
use prost::Message;
use webui::{request, Server};

fn cpu() -> String {
    repo_root()
        .join("examples/profiles/cpu.pb.gz")
        .to_string_lossy()
        .into_owned()
}

fn heap() -> String {
    repo_root()
        .join("examples/profiles/heap.pb.gz")
        .to_string_lossy()
        .into_owned()
}

fn serve(profile: &str) -> Server {
    Server::start(&["-http=127.0.0.1:0", "-no_browser", profile], &repo_root())
}

/// `pprofx -top -json ARGS` rows as (name, flat, cum), and the total.
fn cli_top(args: &[&str]) -> (Vec<(String, i64, i64)>, i64) {
    let out = Command::new(pprofx_bin())
        .arg("-top")
        .arg("-json")
        .args(args)
        .current_dir(repo_root())
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["flat"].as_i64().unwrap(),
                r["cum"].as_i64().unwrap(),
            )
        })
        .collect();
    (rows, v["total"].as_i64().unwrap())
}

/// The top view's rows as (name, flat, cum), and its total.
fn web_top(s: &Server, query: &str) -> (Vec<(String, i64, i64)>, i64) {
    let r = s.get(&format!("/ui/top?{query}"));
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    let d = r.data();
    let rows = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_i64().unwrap(),
                r[3].as_i64().unwrap(),
            )
        })
        .collect();
    (rows, d["total"].as_i64().unwrap())
}

#[test]
fn redirects_follow_pprof() {
    let s = serve(&cpu());
    let r = s.get("/");
    assert_eq!((r.status, r.header("Location")), (307, Some("/ui/")));
    let r = s.get("/?si=cpu");
    assert_eq!(r.header("Location"), Some("/ui/?si=cpu"));
    let r = s.get("/ui");
    assert_eq!((r.status, r.header("Location")), (301, Some("/ui/")));
    for old in ["/ui/", "/ui/flamegraph2", "/ui/flamegraphold"] {
        let r = s.get(&format!("{old}?f=main"));
        assert_eq!(
            (r.status, r.header("Location")),
            (301, Some("./flamegraph?f=main")),
            "{old}"
        );
    }
}

#[test]
fn every_view_answers_with_its_page() {
    let s = serve(&cpu());
    for (path, view) in [
        ("/ui/flamegraph", "flamegraph"),
        ("/ui/top", "top"),
        ("/ui/graph", "graph"),
        ("/ui/peek?f=main.fib", "peek"),
        ("/ui/peek", "peek"),
        ("/ui/source?f=main.fib", "source"),
        ("/ui/source", "source"),
        ("/ui/compare", "compare"),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let t = r.text();
        assert!(t.contains(&format!("<body data-view=\"{view}\"")), "{path}");
        let csp = r.header("Content-Security-Policy").unwrap();
        assert!(csp.starts_with("default-src 'none'; script-src 'sha256-"));
        assert!(t.contains("<meta http-equiv=\"Content-Security-Policy\""));
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        // No resource comes from elsewhere (text may mention a URL, as the
        // graph legend's "See https://git.io/JfYMW …" does).
        for attr in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "src='http",
            "href='http",
        ] {
            assert!(!t.contains(attr), "{path}: {attr}");
        }
    }
    let r = s.get("/ui/peek?f=main.fib");
    assert!(r.text().contains("main.fib"));
    assert!(r
        .text()
        .contains("flat  flat%   sum%        cum   cum%   calls calls% + context"));
    // The call graph drawn by pprofx: an inline <svg> with a node per
    // function and no script or style of its own.
    let r = s.get("/ui/graph");
    let t = r.text();
    let svg = &t[t.find("<svg").expect("an inline svg")..];
    let svg = &svg[..svg.find("</svg>").expect("a closed svg")];
    assert!(svg.contains("class=\"node\""), "nodes in the drawing");
    assert!(svg.contains("<title>main.fib ("), "main.fib is a node");
    assert!(!svg.contains("<script") && !svg.contains("<style"));
    let r = s.get("/ui/compare");
    assert!(r.text().contains("Compare needs a base profile"));
    let r = s.get("/ui/disasm?f=main");
    assert_eq!(r.status, 501);
    let r = s.get("/ui/nosuch");
    assert_eq!(r.status, 404);
    let r = request(
        s.addr,
        "HEAD",
        "/ui/top",
        Some(&format!("localhost:{}", s.addr.port())),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = request(
        s.addr,
        "POST",
        "/ui/top",
        Some(&format!("localhost:{}", s.addr.port())),
    );
    assert_eq!(r.status, 405);
}

#[test]
fn url_parameters_mean_what_the_flags_mean() {
    let s = serve(&cpu());
    // (URL query, the same settings on pprof's command line)
    let cases: &[(&str, &[&str])] = &[
        ("", &[]),
        ("f=main.fib", &["-focus=main.fib"]),
        ("i=sort", &["-ignore=sort"]),
        ("h=runtime", &["-hide=runtime"]),
        ("s=main", &["-show=main"]),
        ("sf=main.main", &["-show_from=main.main"]),
        ("prunefrom=sort", &["-prune_from=sort"]),
        ("g=lines", &["-lines"]),
        ("g=files", &["-files"]),
        ("g=addresses", &["-addresses"]),
        ("g=filefunctions", &["-filefunctions"]),
        ("n=5", &["-nodecount=5"]),
        ("nf=0.05", &["-nodefraction=0.05", "-nodecount=500"]),
        ("sort=cum", &["-cum"]),
        ("mean=t", &["-mean"]),
        ("noinlines=t", &["-noinlines"]),
        ("dropneg=t", &["-drop_negative"]),
        (
            "rel=t&f=main.fib",
            &["-relative_percentages", "-focus=main.fib"],
        ),
        ("trim=f", &["-trim=false"]),
        ("si=cpu", &["-sample_index=cpu"]),
        ("si=0", &["-sample_index=0"]),
    ];
    for (q, flags) in cases {
        let mut args: Vec<&str> = flags.to_vec();
        let c = cpu();
        args.push(&c);
        let web = web_top(&s, q);
        let cli = cli_top(&args);
        assert_eq!(web, cli, "?{q} vs {flags:?}");
    }
    // Presentation parameters: accepted, carried by the links.
    for q in [
        "ef=0.01",
        "unit=ms",
        "calltree=t",
        "compact=t",
        "showcolumns=t",
        "norm=t",
    ] {
        let r = s.get(&format!("/ui/top?{q}"));
        assert_eq!(r.status, 200, "{q}");
        let key = q.split('=').next().unwrap();
        assert!(
            r.text().contains(&format!("./flamegraph?{key}=")),
            "{q} is not carried by the links"
        );
    }
    let r = s.get("/ui/top?unit=ms");
    assert_eq!(r.data()["rows"][0][2], "670ms");
    let r = s.get("/ui/top?unit=s");
    assert_eq!(r.data()["rows"][0][2], "0.67s");
    // Bad values are refused with the option's own words.
    for (q, words) in [
        ("n=ten", "nodecount takes a whole number"),
        ("g=words", "granularity must be one of"),
        ("trim=maybe", "trim takes true or false"),
        ("nf=x", "nodefraction takes a number"),
        ("sort=size", "sort must be one of"),
        ("si=nosuch", "nosuch"),
        ("f=(", "("),
    ] {
        let r = s.get(&format!("/ui/top?{q}"));
        assert_eq!(r.status, 400, "{q}");
        assert!(r.text().contains(words), "{q}: {}", r.text());
    }
}

#[test]
fn tag_parameters_filter_like_the_flags() {
    let s = serve(&heap());
    let h = heap();
    for (q, flag) in [
        ("si=alloc_space", "-sample_index=alloc_space"),
        ("si=inuse_objects", "-inuse_objects"),
        ("tf=bytes%3D1kb%3A", "-tagfocus=bytes=1kb:"),
        ("ti=bytes%3D%3A1kb", "-tagignore=bytes=:1kb"),
        ("ts=bytes", "-tagshow=bytes"),
        ("th=bytes", "-taghide=bytes"),
    ] {
        assert_eq!(web_top(&s, q), cli_top(&[flag, &h]), "?{q}");
    }
    // The Sample menu lists every sample type.
    let t = s.get("/ui/flamegraph").text();
    for st in [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ] {
        assert!(t.contains(&format!("si={st}\"")), "{st}");
    }
}

#[test]
fn the_host_header_and_the_peer_are_checked() {
    let s = serve(&cpu());
    let port = s.addr.port();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
    ] {
        let r = request(s.addr, "GET", "/ui/top", Some(&host));
        assert_eq!(r.status, 200, "{host}");
    }
    for host in [
        Some(format!("evil.example:{port}")),
        Some("evil.example".to_string()),
        Some(format!("localhost.evil.example:{port}")),
        Some(format!("localhost:{}", port.wrapping_add(1))),
        Some(format!("10.0.0.1:{port}")),
        None,
    ] {
        let r = request(s.addr, "GET", "/ui/top", host.as_deref());
        assert_eq!(r.status, 403, "{host:?}");
        assert!(!r.text().contains("main.fib"), "{host:?}");
    }
}

#[test]
fn binding_follows_pprofs_rules() {
    // An empty host is localhost; `serve` picks a free port by itself.
    let s = Server::start(&["serve", "-no_browser", &cpu()], &repo_root());
    assert!(s.url.starts_with("http://localhost:"), "{}", s.url);
    assert_eq!(s.get("/ui/top").status, 200);
    let s = Server::start(&["-http=:0", "-no_browser", &cpu()], &repo_root());
    assert!(s.url.starts_with("http://localhost:"), "{}", s.url);
    // Usage errors.
    let out = Command::new(pprofx_bin())
        .args(["-http=8080", &cpu()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not split http address"), "{err}");
    let out = Command::new(pprofx_bin())
        .args(["-http=:0", "-top", &cpu()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn download_loads_back_with_the_same_top() {
    let s = serve(&cpu());
    let dir = tempfile::tempdir().unwrap();
    for (q, flags) in [
        ("", &[][..]),
        (
            "f=main.fib&h=runtime",
            &["-focus=main.fib", "-hide=runtime"][..],
        ),
    ] {
        let r = s.get(&format!("/ui/download?{q}"));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("Content-Type"),
            Some("application/vnd.google.protobuf+gzip")
        );
        assert_eq!(
            r.header("Content-Disposition"),
            Some("attachment;filename=profile.pb.gz")
        );
        let file = dir.path().join("dl.pb.gz");
        fs::write(&file, &r.body).unwrap();
        let f = file.to_string_lossy().into_owned();
        let (back, back_total) = cli_top(&[&f]);
        let mut args: Vec<&str> = flags.to_vec();
        let c = cpu();
        args.push(&c);
        let (orig, _) = cli_top(&args);
        assert_eq!(back, orig, "?{q}");
        assert!(back_total > 0);
    }
}

#[test]
fn pivot_is_exact_and_zoom_and_search_answer() {
    let s = serve(&cpu());
    let (rows, total) = cli_top(&["-filefunctions", &cpu()]);
    let fib_cum: i64 = rows
        .iter()
        .filter(|r| r.0.starts_with("main.fib "))
        .map(|r| r.2)
        .sum();
    assert!(fib_cum > 0);
    // The pivot page: callers and callees of main.fib, each weighing cum(main.fib).
    let r = s.get("/ui/flamegraph?p=%5Emain%5C.fib%24");
    assert_eq!(r.status, 200);
    let d = r.data();
    let p = &d["pivot"];
    assert_eq!(p["matched"], serde_json::json!(["main.fib"]));
    assert_eq!(p["callers"]["t"][0].as_i64().unwrap(), fib_cum);
    assert_eq!(p["callees"]["t"][0].as_i64().unwrap(), fib_cum);
    assert!(r.text().contains("id=\"pivot-note\""));
    // The same as JSON.
    let j = s
        .get("/ui/flamegraph?format=json&p=%5Emain%5C.fib%24")
        .data();
    assert_eq!(j["callees"]["t"][0].as_i64().unwrap(), fib_cum);
    // Search share: exact, over every stack.
    let j = s
        .get("/ui/flamegraph?format=json&q=%5Emain%5C.fib%24")
        .data();
    assert_eq!(j["matched"].as_i64().unwrap(), fib_cum);
    assert_eq!(j["total"].as_i64().unwrap(), total);
    // Zoom: the subtree under main.main, as a chain above it.
    let whole = s.get("/ui/flamegraph").data();
    let names = whole["tree"]["names"].as_array().unwrap();
    assert!(names.iter().any(|n| n == "main.main"));
    let z = s
        .get("/ui/flamegraph?format=json&zp=runtime.main&zp=main.main")
        .data();
    let zn = z["names"].as_array().unwrap();
    assert_eq!(z["f"][1].as_i64(), Some(0));
    assert_eq!(zn[z["f"][1].as_i64().unwrap() as usize], "runtime.main");
    assert_eq!(zn[z["f"][2].as_i64().unwrap() as usize], "main.main");
    assert_eq!(z["d"][2].as_i64(), Some(2));
    // Pruning: a narrow width hides frames and says so.
    let r = s.get("/ui/flamegraph?w=100");
    let t = r.text();
    let note = &t[t.find("id=\"hidden-note\">").expect("no hidden note") + 17..];
    let note = &note[..note.find('<').unwrap()];
    assert!(
        note.contains(" frames below 1 px hidden (") && note.contains(" %) at 100 px"),
        "{note}"
    );
    let d = r.data();
    assert!(d["tree"]["hidden_frames"].as_u64().unwrap() > 0);
    assert!(
        d["tree"]["f"].as_array().unwrap().len() < whole["tree"]["f"].as_array().unwrap().len()
    );
}

#[test]
fn repeated_and_parallel_requests_are_answered() {
    let s = serve(&cpu());
    let port = s.addr.port();
    let addr = s.addr;
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let path = [
                    "/ui/flamegraph",
                    "/ui/top?f=main",
                    "/ui/peek?f=main.fib",
                    "/ui/top?sort=cum",
                ][i % 4];
                request(addr, "GET", path, Some(&format!("localhost:{port}"))).status
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    // A cached answer is the same answer.
    assert_eq!(s.get("/ui/top?f=main").body, s.get("/ui/top?f=main").body);
}

#[test]
fn compare_shows_the_diff_of_base_and_new() {
    let dir = tempfile::tempdir().unwrap();
    let base = stacks(
        dir.path(),
        "base.pb",
        &[
            (&["main", "grows"], 100),
            (&["main", "gone"], 50),
            (&["main", "same"], 1000),
        ],
    );
    let new = stacks(
        dir.path(),
        "new.pb",
        &[
            (&["main", "grows"], 300),
            (&["main", "added"], 70),
            (&["main", "same"], 1000),
        ],
    );
    for flag in ["-base", "-diff_base"] {
        let s = Server::start(
            &[
                "-http=127.0.0.1:0",
                "-no_browser",
                &format!("{flag}={base}"),
                &new,
            ],
            dir.path(),
        );
        let r = s.get("/ui/compare");
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(
            t.contains("id=\"view-compare\""),
            "{flag}: no Compare in the View menu"
        );
        let d = r.data();
        let rows = d["rows"].as_array().unwrap();
        let row = |n: &str| {
            rows.iter()
                .find(|r| r[0] == n)
                .unwrap_or_else(|| panic!("no {n}"))
        };
        assert_eq!(row("grows")[1], "grew");
        assert_eq!(
            (row("grows")[2].as_i64(), row("grows")[3].as_i64()),
            (Some(100), Some(300))
        );
        assert_eq!(row("added")[1], "new");
        assert_eq!(row("gone")[1], "gone");
        // The differential flame graph: base and new per frame, shaded.
        let diff = &d["diff"];
        assert_eq!(diff["b"][0].as_i64(), Some(1150));
        assert_eq!(diff["n"][0].as_i64(), Some(1370));
        let names = diff["names"].as_array().unwrap();
        let at = |n: &str| {
            let ix = names.iter().position(|x| x == n).unwrap() as i64;
            diff["f"]
                .as_array()
                .unwrap()
                .iter()
                .position(|f| f.as_i64() == Some(ix))
                .unwrap()
        };
        assert!(diff["c"][at("grows")].as_i64().unwrap() > 0);
        assert!(diff["c"][at("gone")].as_i64().unwrap() < 0);
        // The other views see the combined profile, as pprof's.
        assert_eq!(s.get("/ui/top").status, 200);
    }
}

#[test]
fn source_reads_only_files_inside_the_roots() {
    let work = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("inside.go"),
        "package main\n\nfunc inside() {\n\tsecretless()\n}\n",
    )
    .unwrap();
    let secret = outside.path().join("secret.go");
    fs::write(
        &secret,
        "package x\n\nfunc outside() {\n\tTOP_SECRET()\n}\n",
    )
    .unwrap();
    let prof = source_profile(
        work.path(),
        &[
            ("main.inside", "inside.go"),
            ("x.outside", secret.to_str().unwrap()),
        ],
    );
    let s = Server::start(&["-http=127.0.0.1:0", "-no_browser", &prof], work.path());
    let t = s.get("/ui/source?f=main.inside").text();
    assert!(t.contains("secretless()"), "{t}");
    let r = s.get("/ui/source?f=x.outside");
    let t = r.text();
    assert!(
        !t.contains("TOP_SECRET"),
        "a file outside the roots was read"
    );
    assert!(t.contains("id=\"not-found\""), "{t}");
    assert!(t.contains("secret.go"));
    // The command line's list still reads it (pprof's behaviour).
    let out = Command::new(pprofx_bin())
        .args(["-list=x.outside", &prof])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("TOP_SECRET"));
}

#[test]
fn hostile_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let prof = flame_fixtures::hostile_profile(dir.path());
    let s = Server::start(
        &["-http=127.0.0.1:0", "-no_browser", prof.to_str().unwrap()],
        dir.path(),
    );
    for path in [
        "/ui/flamegraph",
        "/ui/top",
        "/ui/graph",
        "/ui/peek?f=.",
        "/ui/source?f=.",
        "/ui/flamegraph?p=script",
        "/ui/top?f=%3Cscript%3E",
    ] {
        let r = s.get(path);
        let t = r.text();
        assert!(r.status == 200 || r.status == 400, "{path}: {}", r.status);
        // Exactly the page's own two script elements.
        assert_eq!(t.matches("<script").count(), 2, "{path}");
        assert!(!t.contains("<img"), "{path}");
        assert!(!t.contains("<x/>"), "{path}");
    }
}

/// A profile with the given stacks (root first).
fn stacks(dir: &Path, file: &str, st: &[(&[&str], i64)]) -> String {
    flame_fixtures::stacks_profile(dir, file, st)
}

/// A profile whose functions live in the given files.
fn source_profile(dir: &Path, funcs: &[(&str, &str)]) -> String {
    use pprofx::model::proto::{Function, Line, Location, Profile, Sample, ValueType};
    let mut strings: Vec<String> = vec![String::new(), "cpu".into(), "nanoseconds".into()];
    let (mut functions, mut locations, mut samples) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (name, file)) in funcs.iter().enumerate() {
        let id = i as u64 + 1;
        strings.push(name.to_string());
        strings.push(file.to_string());
        functions.push(Function {
            id,
            name: strings.len() as i64 - 2,
            filename: strings.len() as i64 - 1,
            start_line: 3,
            ..Default::default()
        });
        locations.push(Location {
            id,
            line: vec![Line {
                function_id: id,
                line: 4,
                column: 0,
            }],
            ..Default::default()
        });
        samples.push(Sample {
            location_id: vec![id],
            value: vec![100],
            label: vec![],
        });
    }
    let p = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }],
        sample: samples,
        location: locations,
        function: functions,
        string_table: strings,
        ..Default::default()
    };
    let path = dir.join("src.pb");
    fs::write(&path, p.encode_to_vec()).unwrap();
    path.to_string_lossy().into_owned()
}
