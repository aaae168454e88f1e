//! Live endpoints: sources fetched over HTTP from a server the test starts.
//!
//! Each test runs a tiny HTTP/1.1 server on 127.0.0.1 (a `TcpListener` on
//! port 0, one thread per connection) that answers from a routing function:
//! the example profiles, the corpus, a 404, an HTML page, or nothing at all
//! (a stall). It records every request line, so the tests can check what
//! pprofx asked for. The binary runs with `PPROF_TMPDIR` and `HOME` in a
//! fresh temporary directory (captures are saved there, never in the real
//! home) and without proxy variables.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server does with one request.
enum Answer {
    /// 200 with this body and content type.
    Ok(Vec<u8>, &'static str),
    /// This status line (e.g. `404 Not Found`), extra headers and body.
    Status(&'static str, Vec<(&'static str, &'static str)>, Vec<u8>),
    /// Read the request, then never answer (until the server stops).
    Stall,
}

/// A test HTTP server; stops (and releases stalled connections) when dropped.
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(route: impl Fn(&str) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let route = Arc::new(route);
        let (reqs, stopping) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (route, reqs, stopping) = (route.clone(), reqs.clone(), stopping.clone());
                std::thread::spawn(move || serve(conn, &*route, &reqs, &stopping));
            }
        });
        Server {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`.
    fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT` + `path`.
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request lines received so far (`GET /path?query HTTP/1.1`).
    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    conn: TcpStream,
    route: &(dyn Fn(&str) -> Answer + Send + Sync),
    reqs: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() || request_line.is_empty() {
        return;
    }
    // Headers, up to the blank line.
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h == "\r\n" || h == "\n" => break,
            Ok(_) => {}
        }
    }
    let request_line = request_line.trim_end().to_string();
    reqs.lock().expect("lock").push(request_line.clone());
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let mut conn = conn;
    let (status, headers, body) = match route(&path) {
        Answer::Ok(body, ct) => ("200 OK", vec![("Content-Type", ct)], body),
        Answer::Status(status, headers, body) => (status, headers, body),
        Answer::Stall => {
            // Hold the connection open, answering nothing, for at most 20 s.
            let t0 = Instant::now();
            while !stop.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(&body);
    let _ = conn.flush();
}

fn example(name: &str) -> PathBuf {
    common::repo_root().join("examples/profiles").join(name)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves `examples/profiles/NAME` for `/NAME` and `/debug/pprof/...` paths
/// (`profile` → cpu, `heap`, `goroutine`, `block`, `mutex`).
fn examples_route(path: &str) -> Answer {
    let path = path.split('?').next().unwrap_or_default();
    let name = match path.rsplit('/').next().unwrap_or_default() {
        "profile" => "cpu.pb.gz".to_string(),
        n @ ("heap" | "goroutine" | "block" | "mutex") => format!("{n}.pb.gz"),
        n => n.to_string(),
    };
    match std::fs::read(example(&name)) {
        Ok(b) if !name.is_empty() => Answer::Ok(b, "application/octet-stream"),
        _ => Answer::Status("404 Not Found", vec![], b"404 page not found\n".to_vec()),
    }
}

/// A temporary `PPROF_TMPDIR` (also used as `HOME`).
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn cmd(&self) -> Command {
        common::fetch_command(self.dir.path())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run pprofx")
    }

    /// The files saved in `PPROF_TMPDIR`, sorted.
    fn saved(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `pprofx ARGS` and requires success; returns stdout.
fn ok(env: &Env, args: &[&str]) -> String {
    let o = env.run(args);
    assert!(o.status.success(), "pprofx {args:?} failed: {}", stderr(&o));
    stdout(&o)
}

/// Runs `pprofx ARGS`, requires exit 1 with one `pprofx: SUBJECT: …` error
/// line, and returns that line.
fn fails(env: &Env, args: &[&str], subject: &str) -> String {
    let o = env.run(args);
    assert_eq!(o.status.code(), Some(1), "pprofx {args:?}: {}", stderr(&o));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("pprofx: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {err}");
    let prefix = format!("pprofx: {subject}: ");
    assert!(errors[0].starts_with(&prefix), "{prefix:?} in {err}");
    errors[0].to_string()
}

#[test]
fn a_fetched_profile_reports_as_the_file_and_is_saved() {
    let server = Server::start(examples_route);
    let env = Env::new();
    let file = example("cpu.pb.gz");
    let want = ok(&env, &["top", file.to_str().unwrap()]);
    let url = server.url("/debug/pprof/profile");
    let o = env.run(&["top", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), want);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("Fetching profile over HTTP from {url}\n")),
        "{err}"
    );
    // Saved under pprof's name, byte for byte what the server sent.
    let name = "pprof.pprofx-workload.samples.cpu.001.pb.gz";
    assert_eq!(env.saved(), [name]);
    let saved = env.dir.path().join(name);
    assert!(
        err.contains(&format!("Saved profile in {}\n", saved.display())),
        "{err}"
    );
    assert_eq!(read(&saved), read(&file));
    assert_eq!(ok(&env, &["top", saved.to_str().unwrap()]), want);
    // A second capture never overwrites the first.
    ok(&env, &["top", &url]);
    assert_eq!(
        env.saved(),
        [name, "pprof.pprofx-workload.samples.cpu.002.pb.gz"]
    );
    // No progress line when stderr is not a terminal.
    assert!(!err.contains('\r'), "{err:?}");
}

#[test]
fn host_port_without_scheme_fetches_the_cpu_profile() {
    let server = Server::start(examples_route);
    let env = Env::new();
    let want = ok(&env, &["top", example("cpu.pb.gz").to_str().unwrap()]);
    assert_eq!(ok(&env, &["top", &server.host_port()]), want);
    let heap = ok(&env, &["top", example("heap.pb.gz").to_str().unwrap()]);
    let path = format!("{}/debug/pprof/heap", server.host_port());
    assert_eq!(ok(&env, &["top", &path]), heap);
    assert_eq!(
        server.requests(),
        [
            "GET /debug/pprof/profile HTTP/1.1",
            "GET /debug/pprof/heap HTTP/1.1"
        ]
    );
}

#[test]
fn seconds_sets_the_query_and_says_how_long_to_wait() {
    let server = Server::start(examples_route);
    let env = Env::new();
    let url = server.url("/debug/pprof/profile?seconds=30&debug=0");
    let o = env.run(&["top", "--seconds=2", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o2 = env.run(&["top", "-seconds", "3", &server.host_port()]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    assert_eq!(
        server.requests(),
        [
            "GET /debug/pprof/profile?debug=0&seconds=2 HTTP/1.1",
            "GET /debug/pprof/profile?seconds=3 HTTP/1.1"
        ]
    );
    assert!(
        stderr(&o).contains("Please wait... (2s)\n"),
        "{}",
        stderr(&o)
    );
    // Without --seconds, the URL's own seconds is the capture length.
    let o3 = env.run(&["top", &server.url("/debug/pprof/profile?seconds=1")]);
    assert!(
        stderr(&o3).contains("Please wait... (1s)\n"),
        "{}",
        stderr(&o3)
    );
}

#[test]
fn a_stalled_server_times_out_with_one_clear_line() {
    let server = Server::start(|_| Answer::Stall);
    let env = Env::new();
    let url = server.url("/debug/pprof/profile");
    let t0 = Instant::now();
    let line = fails(&env, &["top", "--timeout=0.5", &url], &url);
    let took = t0.elapsed();
    assert!(line.contains("no complete answer within 500ms"), "{line}");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(
        took < Duration::from_secs(8),
        "the time-out was not honoured: {took:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn http_errors_are_one_clear_line() {
    let server = Server::start(|path| match path {
        "/debug/pprof/profile?seconds=99" => Answer::Status(
            "400 Bad Request",
            vec![
                ("X-Go-Pprof", "1"),
                ("Content-Type", "text/plain; charset=utf-8"),
            ],
            b"profile duration exceeds server's WriteTimeout\n".to_vec(),
        ),
        "/html" => Answer::Ok(
            b"<!DOCTYPE html>\n<html><body>Dashboard</body></html>\n".to_vec(),
            "text/html; charset=utf-8",
        ),
        "/json" => Answer::Ok(b"{\"ok\": true}".to_vec(), "application/json"),
        "/empty" => Answer::Ok(Vec::new(), "application/octet-stream"),
        "/oops" => Answer::Status("500 Internal Server Error", vec![], b"boom".to_vec()),
        _ => Answer::Status("404 Not Found", vec![], b"404 page not found\n".to_vec()),
    });
    let env = Env::new();
    let url = server.url("/debug/pprof/nothing");
    let line = fails(&env, &["top", &url], &url);
    assert_eq!(
        line,
        format!("pprofx: {url}: server response: 404 Not Found")
    );
    let hp = server.host_port();
    let line = fails(&env, &["top", "--seconds=99", &hp], &hp);
    assert_eq!(
        line,
        format!(
            "pprofx: {hp}: server response: 400 Bad Request - profile duration exceeds server's WriteTimeout"
        )
    );
    let url = server.url("/oops");
    let line = fails(&env, &["tags", &url], &url);
    assert!(
        line.ends_with(": server response: 500 Internal Server Error"),
        "{line}"
    );
    let url = server.url("/html");
    let line = fails(&env, &["top", &url], &url);
    assert!(
        line.contains("not a profile: the server sent an HTML page"),
        "{line}"
    );
    let url = server.url("/json");
    let line = fails(&env, &["top", &url], &url);
    assert!(
        line.contains("not a profile (application/json): it is JSON"),
        "{line}"
    );
    let url = server.url("/empty");
    let line = fails(&env, &["top", &url], &url);
    assert!(line.contains("not a profile"), "{line}");
    // Nothing that failed was saved.
    assert!(env.saved().is_empty(), "{:?}", env.saved());
}

#[test]
fn a_refused_connection_is_one_clear_line() {
    // A port that was just free: nothing listens on it any more.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind");
    let env = Env::new();
    let hp = addr.to_string();
    let t0 = Instant::now();
    let line = fails(&env, &["top", &hp], &hp);
    assert_eq!(
        line,
        format!("pprofx: {hp}: cannot connect to {hp}: connection refused")
    );
    assert!(t0.elapsed() < Duration::from_secs(10));
}

#[test]
fn every_command_takes_urls_also_as_bases_and_several_at_once() {
    let server = Server::start(examples_route);
    let env = Env::new();
    let (cpu, heap) = (example("cpu.pb.gz"), example("heap.pb.gz"));
    let (cpu, heap) = (cpu.to_str().unwrap(), heap.to_str().unwrap());
    let cpu_url = server.url("/cpu.pb.gz");
    let heap_url = server.url("/debug/pprof/heap");
    // Several sources, loaded concurrently, and a URL base.
    assert_eq!(
        ok(&env, &["top", &cpu_url, &cpu_url]),
        ok(&env, &["top", cpu, cpu])
    );
    assert_eq!(
        ok(&env, &["top", "-diff_base", &heap_url, heap]),
        ok(&env, &["top", "-diff_base", heap, heap])
    );
    for cmd in ["traces", "tags", "raw", "tree", "comments"] {
        assert_eq!(ok(&env, &[cmd, &heap_url]), ok(&env, &[cmd, heap]), "{cmd}");
    }
    assert_eq!(
        ok(&env, &["peek", "main", &heap_url]),
        ok(&env, &["peek", "main", heap])
    );
    // diff names its inputs.
    assert_eq!(
        ok(&env, &["diff", &heap_url, heap]).replace(&heap_url, heap),
        ok(&env, &["diff", heap, heap])
    );
    let out = env.dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let merged = out.join("merged.pb.gz");
    ok(&env, &["merge", "-o", merged.to_str().unwrap(), &cpu_url]);
    assert_eq!(
        ok(&env, &["top", merged.to_str().unwrap()]),
        ok(&env, &["top", cpu])
    );
    let folded = out.join("cpu.folded");
    ok(
        &env,
        &[
            "flame",
            "--format=folded",
            "-o",
            folded.to_str().unwrap(),
            &cpu_url,
        ],
    );
    let local = out.join("local.folded");
    ok(
        &env,
        &[
            "flame",
            "--format=folded",
            "-o",
            local.to_str().unwrap(),
            cpu,
        ],
    );
    assert_eq!(read(&folded), read(&local));
}

#[test]
fn an_existing_file_named_like_a_url_is_read_as_a_file() {
    let env = Env::new();
    let dir = tempfile::tempdir().expect("temp dir");
    // `localhost:1` would be a URL; as an existing file it is the file.
    let name = "localhost:1";
    std::fs::copy(example("cpu.pb.gz"), dir.path().join(name)).expect("copy");
    let o = env
        .cmd()
        .arg("top")
        .arg(name)
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Fetching"));
    assert_eq!(
        stdout(&o),
        ok(&env, &["top", example("cpu.pb.gz").to_str().unwrap()])
    );
}

#[test]
fn text_profiles_from_the_corpus_are_fetched_and_saved_as_profile_proto() {
    let Some(dump) = common::shared_path("corpus/go-heap_t1.debug1.txt") else {
        return;
    };
    let body = read(&dump);
    let server = Server::start(move |_| Answer::Ok(body.clone(), "text/plain; charset=utf-8"));
    let env = Env::new();
    let want = ok(&env, &["top", dump.to_str().unwrap()]);
    let url = server.url("/debug/pprof/heap?debug=1");
    assert_eq!(ok(&env, &["top", &url]), want);
    let saved = env.saved();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(
        saved[0].starts_with("pprof.") && saved[0].ends_with(".001.pb.gz"),
        "{saved:?}"
    );
    let path = env.dir.path().join(&saved[0]);
    assert_eq!(&read(&path)[..2], [0x1f, 0x8b], "saved gzipped");
    assert_eq!(ok(&env, &["top", path.to_str().unwrap()]), want);
}

#[test]
fn https_to_a_plain_http_server_is_one_clear_line() {
    let server = Server::start(examples_route);
    let env = Env::new();
    let url = format!("https://{}/debug/pprof/heap", server.host_port());
    let line = fails(&env, &["top", "--timeout=5", &url], &url);
    if cfg!(feature = "tls") {
        // The test server answers the TLS handshake with a plain-text 404
        // (or closes the connection first).
        assert!(
            line.contains(": TLS: ") || line.ends_with("(does it speak https?)"),
            "{line}"
        );
    } else {
        assert!(
            line.ends_with("https needs pprofx built with the `tls` cargo feature"),
            "{line}"
        );
    }
}
