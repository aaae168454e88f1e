//! A `pprofx -http` server for the web UI tests: started on a free loopback
//! port, its URL read from the "Serving web UI on …" line, killed on drop;
//! and a raw HTTP/1.1 client that sets any `Host` header.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running web UI.
pub struct Server {
    child: Child,
    /// `http://localhost:PORT`.
    pub url: String,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `pprofx ARGS` (which must include `-http=…` or be `serve …`)
    /// in `cwd` and waits for its URL.
    pub fn start(args: &[&str], cwd: &Path) -> Server {
        let mut child = Command::new(crate::common::pprofx_bin())
            .args(args)
            .current_dir(cwd)
            .env("TZ", "UTC")
            .env_remove("BROWSER")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pprofx");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let url = loop {
            match lines.next() {
                Some(Ok(l)) => {
                    if let Some(u) = l.strip_prefix("Serving web UI on ") {
                        break u.to_string();
                    }
                    seen.push(l);
                }
                _ => {
                    let _ = child.kill();
                    panic!("pprofx {args:?} did not start the web UI: {seen:?}");
                }
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
        Server {
            child,
            url,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// `GET path` with `Host: localhost:PORT`.
    pub fn get(&self, path: &str) -> Response {
        let host = format!("localhost:{}", self.addr.port());
        request(self.addr, "GET", path, Some(&host))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The JSON in the page's `#pprofx-data` element (or the body, for JSON
    /// responses).
    pub fn data(&self) -> serde_json::Value {
        let t = self.text();
        let json = match t.find("id=\"pprofx-data\">") {
            Some(at) => {
                let rest = &t[at + 17..];
                rest[..rest.find("</script>").unwrap()].to_string()
            }
            None => t,
        };
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("bad JSON ({e}): {json:.300}"))
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
pub fn request(addr: SocketAddr, method: &str, path: &str, host: Option<&str>) -> Response {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut rq = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if let Some(h) = host {
        rq.push_str(&format!("Host: {h}\r\n"));
    }
    rq.push_str("\r\n");
    s.write_all(rq.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}
