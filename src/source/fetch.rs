//! Live endpoints: profiles fetched over HTTP(S), as `go tool pprof URL` does.
//!
//! A source that is not an existing file and reads as `http://…`,
//! `https://…` (`https+insecure://…` skips certificate checks) or
//! `host:port[/path]` is fetched with pprof's rules ([`target`]):
//!
//! * `https` uses `--tls_cert`/`--tls_key` (a client certificate) and
//!   `--tls_ca` (authorities replacing the built-in roots) as pprof does
//!   ([`TlsFiles`]);
//! * no path (or `/`) means `/debug/pprof/profile`, the Go CPU profile;
//! * `--seconds N` sets `seconds=N` in the query; without it a `seconds`
//!   already in the URL is the capture's length; the query is re-encoded
//!   with its keys sorted, as Go's `url.Values.Encode` does;
//! * the fetch must be done within `--timeout` seconds; the default is
//!   pprof's effective limit, 60 s (or 1.5 × the capture's length) plus the
//!   5 s its HTTP client adds.
//!
//! [`fetch`] sends the request and hands the body out as a reader (capped by
//! `--max_size`, under the same deadline: it holds while the body is read,
//! so a server that keeps sending forever is cut off at it as surely as one
//! that stalls); [`Progress`] draws a progress line while a capture runs
//! (only when stderr is a terminal; no colours). The loader
//! ([`crate::decode::load`]) announces the fetch on stderr (`Fetching
//! profile over HTTP from URL`), reads the body as it arrives, checking it as
//! a stream ([`crate::decode::stream`]), and saves the capture
//! ([`crate::source::capture`]). Every failure is a [`FetchError`], one line.
//!
//! Unlike pprof, which saves the profile it built from all its sources after
//! merging and `-base`, pprofx saves each fetched profile as it came, as soon
//! as it has been read: the capture survives a later failure, and reloads to
//! exactly what the server sent.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{io_phrase, FetchError};

/// The path asked for when a source names only `host:port`.
pub const DEFAULT_PATH: &str = "/debug/pprof/profile";

/// pprof's default `-timeout` when no capture length is known.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What pprof's HTTP client adds to the timeout.
const CLIENT_SLACK: Duration = Duration::from_secs(5);

/// Options of remote sources (`--seconds`, `--timeout`, `--tls_*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchOptions {
    /// Capture length to ask for: sets `seconds=N` in the query (0 = none).
    pub seconds: u32,
    /// Deadline for the whole fetch (connect, capture, body); `None` for
    /// pprof's default (see the module docs).
    pub timeout: Option<Duration>,
    /// Client certificate and trusted authorities for `https` sources.
    pub tls: TlsFiles,
}

/// pprof's `-tls_cert`, `-tls_key` and `-tls_ca`: PEM files read when an
/// `https` source is fetched. A certificate needs its key and the reverse;
/// the authorities, when given, replace the built-in root certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// The client certificate (chain), PEM.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key, PEM.
    pub key: Option<PathBuf>,
    /// The certificate authorities to trust, PEM.
    pub ca: Option<PathBuf>,
}

/// A remote source resolved with pprof's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL as printed (`https+insecure` kept).
    pub url: String,
    /// The capture's length, from `--seconds` or the URL's `seconds`.
    pub duration: Option<Duration>,
    /// Deadline for the whole fetch.
    pub timeout: Duration,
    /// Client certificate and trusted authorities (`--tls_*`).
    pub tls: TlsFiles,
    scheme: String,
    authority: String,
    rest: String,
}

impl Target {
    /// `host:port` of the server.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The URL actually requested (`https+insecure` becomes `https`).
    fn request_url(&self) -> String {
        let scheme = if self.scheme == "https+insecure" {
            "https"
        } else {
            &self.scheme
        };
        format!("{scheme}://{}{}", self.authority, self.rest)
    }
}

/// Resolves `source` as a URL with pprof's rules, or `None` when it does not
/// look like one (then it is a file path). Does not look at the file system:
/// see [`remote_target`].
pub fn target(source: &str, opts: &FetchOptions) -> Option<Target> {
    let (scheme, rest) = match source.find("://") {
        Some(i) if is_scheme(&source[..i]) => (source[..i].to_ascii_lowercase(), &source[i + 3..]),
        Some(_) => return None,
        None => {
            let end = source.find(['/', '?', '#']).unwrap_or(source.len());
            if !is_host_port(&source[..end]) {
                return None;
            }
            ("http".to_string(), source)
        }
    };
    if scheme == "file" {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() {
        return None;
    }
    let after = &rest[end..];
    let (path, query) = match after.find('?') {
        Some(q) => (&after[..q], &after[q + 1..]),
        None => (after, ""),
    };
    let path = if path.is_empty() || path == "/" {
        DEFAULT_PATH
    } else {
        path
    };
    let mut values = parse_query(query);
    let mut duration = None;
    if opts.seconds > 0 {
        values.retain(|(k, _)| k != "seconds");
        values.push(("seconds".to_string(), opts.seconds.to_string()));
        duration = Some(Duration::from_secs(u64::from(opts.seconds)));
    } else if let Some((_, v)) = values.iter().find(|(k, _)| k == "seconds") {
        duration = v
            .parse::<i32>()
            .ok()
            .filter(|&s| s > 0)
            .map(|s| Duration::from_secs(s as u64));
    }
    let timeout = opts
        .timeout
        .filter(|t| !t.is_zero())
        .unwrap_or_else(|| duration.map_or(DEFAULT_TIMEOUT, |d| d + d / 2) + CLIENT_SLACK);
    let query = encode_query(values);
    let rest = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    Some(Target {
        url: format!("{scheme}://{authority}{rest}"),
        duration,
        timeout,
        tls: opts.tls.clone(),
        scheme,
        authority: authority.to_string(),
        rest,
    })
}

/// [`target`] for a source that is not `-` and not an existing file.
pub fn remote_target(source: &str, opts: &FetchOptions) -> Option<Target> {
    if source == "-" || Path::new(source).exists() {
        return None;
    }
    target(source, opts)
}

/// A URL scheme: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `host:port` with a numeric port: a host name, an IPv4 address or a
/// bracketed IPv6 address.
fn is_host_port(s: &str) -> bool {
    let Some(colon) = s.rfind(':') else {
        return false;
    };
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    let port_ok = !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| p <= 65535);
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    port_ok && host_ok
}

/// Go's `url.ParseQuery`, keeping the pairs in order (undecodable pairs are
/// dropped, as Go drops them).
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((query_unescape(k)?, query_unescape(v)?))
        })
        .collect()
}

/// Go's `url.Values.Encode`: keys sorted, each pair query-escaped.
fn encode_query(mut values: Vec<(String, String)>) -> String {
    values.sort_by(|a, b| a.0.cmp(&b.0));
    values
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; `None` for an
/// invalid escape or invalid UTF-8.
fn query_unescape(s: &str) -> Option<String> {
    let (bytes, valid) = crate::util::url::query_unescape(s);
    valid.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A successful response: its body, to be read as it arrives, and headers.
pub struct Response {
    /// The body as sent (gzip is not undone here), failing past `max_size`
    /// bytes and at the fetch's deadline; its errors are turned into
    /// [`FetchError`]s by [`body_error`].
    pub body: Box<dyn io::Read + Send>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Content-Length` header, when the server sent one.
    pub content_length: Option<u64>,
}

/// GETs `target` (within its deadline) up to the response's headers; the
/// body is read from [`Response::body`], at most `max_size` bytes of it.
pub fn fetch(target: &Target, max_size: u64) -> Result<Response, FetchError> {
    match target.scheme.as_str() {
        "http" => {}
        "https" | "https+insecure" if cfg!(feature = "tls") => {}
        "https" | "https+insecure" => return Err(FetchError::NoTls),
        s => return Err(FetchError::Scheme(s.to_string())),
    }
    // pprof checks the pairing on every request, https or not.
    match (&target.tls.cert, &target.tls.key) {
        (Some(_), None) => {
            return Err(FetchError::TlsFiles(
                "--tls_cert is given, so --tls_key must be given too".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(FetchError::TlsFiles(
                "--tls_key is given, so --tls_cert must be given too".into(),
            ))
        }
        _ => {}
    }
    let mut cfg = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(target.timeout))
        .user_agent(format!("pprofx/{}", env!("CARGO_PKG_VERSION")));
    if is_loopback(&target.authority) {
        // Go's ProxyFromEnvironment never proxies loopback addresses.
        cfg = cfg.proxy(None);
    }
    #[cfg(feature = "tls")]
    if target.scheme.starts_with("https") {
        cfg = cfg.tls_config(tls_config(&target.tls, target.scheme == "https+insecure")?);
    }
    let agent: ureq::Agent = cfg.build().into();
    let fail = |e: ureq::Error| map_error(e, target, max_size);
    let mut resp = agent.get(&target.request_url()).call().map_err(fail)?;
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type");
    if status != ureq::http::StatusCode::OK {
        let from_pprof = header("x-go-pprof").is_some()
            && content_type
                .as_deref()
                .is_some_and(|c| c.contains("text/plain"));
        let detail = if from_pprof {
            resp.body_mut()
                .with_config()
                .limit(4096)
                .read_to_vec()
                .ok()
                .map(|b| one_line(&String::from_utf8_lossy(&b)))
                .filter(|d| !d.is_empty())
        } else {
            None
        };
        let status = match status.canonical_reason() {
            Some(r) => format!("{} {r}", status.as_u16()),
            None => status.as_u16().to_string(),
        };
        return Err(FetchError::Status { status, detail });
    }
    let content_length = resp.body().content_length();
    let body = resp.into_body().into_with_config().limit(max_size).reader();
    Ok(Response {
        body: Box::new(body),
        content_type,
        content_length,
    })
}

/// The [`FetchError`] of a failed read of [`Response::body`] (the deadline,
/// the size cap, a dropped connection).
pub fn body_error(e: io::Error, target: &Target, max_size: u64) -> FetchError {
    map_error(ureq::Error::from(e), target, max_size)
}

/// The first line of `s`, trimmed and cut to 200 characters.
fn one_line(s: &str) -> String {
    let line = s.trim().lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// True for `localhost`, `127.x.x.x` and `[::1]` authorities.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.rfind(':') {
        Some(i) if !authority.ends_with(']') => &authority[..i],
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The TLS settings of a fetch: the client certificate and the trusted
/// authorities read from their PEM files (pprof's `-tls_*` flags), and no
/// verification at all for `https+insecure`.
#[cfg(feature = "tls")]
fn tls_config(files: &TlsFiles, insecure: bool) -> Result<ureq::tls::TlsConfig, FetchError> {
    use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig};
    let mut b = TlsConfig::builder().disable_verification(insecure);
    if let (Some(cert), Some(key)) = (&files.cert, &files.key) {
        let fail = |why: String| {
            FetchError::TlsFiles(format!(
                "cannot load the client certificate (--tls_cert {}, --tls_key {}): {why}",
                cert.display(),
                key.display()
            ))
        };
        let chain = read_certificates(cert).map_err(fail)?;
        if chain.is_empty() {
            return Err(fail(format!("no certificate in {}", cert.display())));
        }
        let key_item = read_pem(key)
            .map_err(fail)?
            .into_iter()
            .find_map(|item| match item {
                PemItem::PrivateKey(k) => Some(k),
                _ => None,
            });
        let Some(private_key) = key_item else {
            return Err(fail(format!("no private key in {}", key.display())));
        };
        b = b.client_cert(Some(ClientCert::new_with_certs(&chain, private_key)));
    }
    if let Some(ca) = &files.ca {
        let fail = |why: String| {
            FetchError::TlsFiles(format!(
                "cannot load the certificate authorities (--tls_ca {}): {why}",
                ca.display()
            ))
        };
        let roots = read_certificates(ca).map_err(fail)?;
        if roots.is_empty() {
            return Err(fail("no certificate in the file".into()));
        }
        // As pprof does, the given authorities replace the built-in roots.
        b = b.root_certs(RootCerts::new_with_certs(&roots));
    }
    Ok(b.build())
}

/// The certificates of a PEM file.
#[cfg(feature = "tls")]
fn read_certificates(path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let items = read_pem(path)?.into_iter();
    Ok(items
        .filter_map(|item| match item {
            ureq::tls::PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect())
}

/// The PEM items of a file.
#[cfg(feature = "tls")]
fn read_pem(path: &Path) -> Result<Vec<ureq::tls::PemItem<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| crate::error::io_message(&e))?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM: {e}"))
}

fn map_error(e: ureq::Error, target: &Target, max_size: u64) -> FetchError {
    use ureq::Error;
    let host = || {
        let a = target.authority.as_str();
        match a.rfind(':') {
            Some(i) if !a.ends_with(']') => a[..i].to_string(),
            _ => a.to_string(),
        }
    };
    match e {
        Error::Timeout(_) => FetchError::Timeout(format_duration(target.timeout)),
        Error::HostNotFound => FetchError::HostNotFound(host()),
        Error::BodyExceedsLimit(_) => FetchError::TooLarge(max_size),
        Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => FetchError::Refused(target.authority.clone()),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                FetchError::Timeout(format_duration(target.timeout))
            }
            _ => match ureq::Error::from(io) {
                // ureq hands some of its own errors back wrapped in io::Error.
                Error::Io(io) => {
                    let phrase = io_phrase(&io);
                    if phrase.contains("lookup address") {
                        // std's resolver: "failed to lookup address information: …".
                        let why = phrase.rsplit(": ").next().unwrap_or_default();
                        FetchError::HostNotFound(format!("{} ({why})", host()))
                    } else if io.kind() == io::ErrorKind::InvalidData
                        && target.scheme.starts_with("https")
                    {
                        FetchError::Network(format!("TLS: {phrase}"))
                    } else if io.kind() == io::ErrorKind::UnexpectedEof {
                        let hint = if target.scheme.starts_with("https") {
                            " (does it speak https?)"
                        } else {
                            ""
                        };
                        FetchError::Network(format!(
                            "the server closed the connection before a complete answer{hint}"
                        ))
                    } else {
                        FetchError::Network(phrase)
                    }
                }
                e => map_error(e, target, max_size),
            },
        },
        Error::Protocol(p) => FetchError::Network(format!("bad HTTP response: {p}")),
        e => FetchError::Network(e.to_string()),
    }
}

/// A duration as Go prints it for whole and fractional seconds: `30s`,
/// `1m30s`, `1h0m0s`, `500ms`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let frac = d.subsec_millis();
    let s = if frac == 0 {
        format!("{}s", secs % 60)
    } else {
        let f = format!("{}.{frac:03}", secs % 60);
        format!("{}s", f.trim_end_matches('0'))
    };
    match (secs / 3600, (secs / 60) % 60) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

/// Only one progress line at a time (several sources load concurrently).
static PROGRESS_BUSY: AtomicBool = AtomicBool::new(false);

/// A progress line on stderr, redrawn until dropped.
pub struct Progress {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing, unless another progress line is already shown.
    pub fn start(capture: Duration, timeout: Duration) -> Option<Progress> {
        if PROGRESS_BUSY.swap(true, Ordering::AcqRel) {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let t0 = Instant::now();
            let mut width = 0;
            loop {
                let line = progress_line(t0.elapsed(), capture, timeout);
                width = width.max(line.chars().count());
                let mut err = io::stderr().lock();
                let _ = write!(err, "\r{line:<width$}");
                let _ = err.flush();
                drop(err);
                match rx.recv_timeout(Duration::from_millis(250)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                    _ => break,
                }
            }
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{:width$}\r", "");
            let _ = err.flush();
            PROGRESS_BUSY.store(false, Ordering::Release);
        });
        Some(Progress {
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The progress line after `elapsed` of a `capture`-long profile:
/// `Capturing profile: [=====>         ] 12s / 30s`, then, past the capture,
/// `Waiting for the server... 31s (gives up at 50s)`.
pub fn progress_line(elapsed: Duration, capture: Duration, timeout: Duration) -> String {
    const WIDTH: usize = 24;
    let secs = elapsed.as_secs();
    if elapsed < capture {
        let done = ((elapsed.as_secs_f64() / capture.as_secs_f64()) * WIDTH as f64) as usize;
        let done = done.min(WIDTH - 1);
        format!(
            "Capturing profile: [{}>{}] {}s / {}",
            "=".repeat(done),
            " ".repeat(WIDTH - 1 - done),
            secs,
            format_duration(capture)
        )
    } else {
        format!(
            "Waiting for the server... {}s (gives up at {})",
            secs,
            format_duration(timeout)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        target(s, &FetchOptions::default()).map(|t| t.url)
    }

    #[test]
    fn sources_resolve_as_pprof_resolves_them() {
        assert_eq!(
            t("localhost:6060").as_deref(),
            Some("http://localhost:6060/debug/pprof/profile")
        );
        assert_eq!(
            t("localhost:6060/debug/pprof/heap").as_deref(),
            Some("http://localhost:6060/debug/pprof/heap")
        );
        assert_eq!(
            t("127.0.0.1:6060/").as_deref(),
            Some("http://127.0.0.1:6060/debug/pprof/profile")
        );
        assert_eq!(t("[::1]:6060/x").as_deref(), Some("http://[::1]:6060/x"));
        assert_eq!(
            t("HTTPS://example.com/debug/pprof/heap?debug=1").as_deref(),
            Some("https://example.com/debug/pprof/heap?debug=1")
        );
        assert_eq!(
            t("http://h:1/p?b=2&a=1#frag").as_deref(),
            Some("http://h:1/p?a=1&b=2")
        );
        // Paths, not URLs.
        for s in [
            "cpu.pb.gz",
            "dir/cpu.pb.gz",
            "dir/mem:12:30.pb.gz",
            "localhost/x",
            "host:port",
            "-",
            "file:///tmp/x",
            "/abs/x:80",
            "http:///nohost",
        ] {
            assert_eq!(t(s), None, "{s}");
        }
    }

    #[test]
    fn seconds_and_timeouts_follow_pprof() {
        let o = FetchOptions {
            seconds: 5,
            ..FetchOptions::default()
        };
        let x = target("localhost:6060/debug/pprof/profile?seconds=30&debug=0", &o).unwrap();
        assert_eq!(
            x.url,
            "http://localhost:6060/debug/pprof/profile?debug=0&seconds=5"
        );
        assert_eq!(x.duration, Some(Duration::from_secs(5)));
        assert_eq!(x.timeout, Duration::from_millis(7500) + CLIENT_SLACK);
        let y = target("h:1/p?seconds=30", &FetchOptions::default()).unwrap();
        assert_eq!(y.duration, Some(Duration::from_secs(30)));
        assert_eq!(y.timeout, Duration::from_secs(50));
        let z = target("h:1", &FetchOptions::default()).unwrap();
        assert_eq!((z.duration, z.timeout), (None, Duration::from_secs(65)));
        let w = target(
            "h:1",
            &FetchOptions {
                timeout: Some(Duration::from_millis(300)),
                ..FetchOptions::default()
            },
        )
        .unwrap();
        assert_eq!(w.timeout, Duration::from_millis(300));
    }

    #[test]
    fn queries_round_trip_as_go_encodes_them() {
        assert_eq!(
            encode_query(parse_query("x=a+b&gc=1&y=%2F&bad=%zz")),
            "gc=1&x=a+b&y=%2F"
        );
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn progress_lines() {
        let l = progress_line(
            Duration::from_secs(15),
            Duration::from_secs(30),
            Duration::from_secs(50),
        );
        assert!(l.starts_with("Capturing profile: [============>"), "{l}");
        assert!(l.ends_with("15s / 30s"), "{l}");
        let l = progress_line(
            Duration::from_secs(31),
            Duration::from_secs(30),
            Duration::from_secs(50),
        );
        assert_eq!(l, "Waiting for the server... 31s (gives up at 50s)");
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("localhost:1"));
        assert!(is_loopback("127.0.0.1:1"));
        assert!(is_loopback("[::1]:1"));
        assert!(!is_loopback("example.com:80"));
    }
}
