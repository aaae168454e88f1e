//! The HTTP side of the web UI: binding, the security checks, the worker
//! threads and the cache of recent responses.
//!
//! * **Binding.** `[host]:port` as pprof reads `-http`: an empty host is
//!   `localhost` (bound as 127.0.0.1), port 0 or an empty port picks a free
//!   one. [`Bound::url`] is the address to open.
//! * **Checks, before anything else.** When bound to a loopback address, a
//!   peer that is not on loopback gets 403 (as pprof). A request whose
//!   `Host` header is not the bound address, the name the user gave, or
//!   `localhost` gets 403: a web page elsewhere cannot reach the UI through
//!   DNS rebinding (pprof does not check this). When bound to an unspecified
//!   address (`0.0.0.0`, `::`) any IP literal is also accepted, since such
//!   a server is meant to be reached by address.
//! * **Concurrency.** Several worker threads take requests from the server;
//!   the engine (one sample graph at a time) sits behind a lock, but cached
//!   responses, the flame graph's in-memory stacks and error pages do not
//!   wait for it, so one slow request does not freeze the UI.
//! * **Cache.** The last [`CACHE_ENTRIES`] responses are kept by URL.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};

use super::views::{self, Reply, State};
use crate::engine::{Config, Session, SourceOptions};

/// Responses kept for repeated requests.
pub const CACHE_ENTRIES: usize = 8;

/// Worker threads taking requests.
pub const WORKERS: usize = 4;

/// A server bound to its address, not yet serving.
pub struct Bound {
    server: tiny_http::Server,
    addr: SocketAddr,
    /// The host as the user gave it (`localhost` when empty), lower case.
    host: String,
}

/// Splits `[host]:port` as Go's `net.SplitHostPort` (`:8080`, `host:`,
/// `[::1]:0`).
pub fn split_host_port(hostport: &str) -> Result<(String, String), String> {
    let bad = || format!("could not split http address: {hostport:?} (expected [host]:port)");
    if let Some(rest) = hostport.strip_prefix('[') {
        let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
        return Ok((h.to_string(), p.to_string()));
    }
    let (h, p) = hostport.rsplit_once(':').ok_or_else(bad)?;
    if h.contains(':') {
        return Err(bad());
    }
    Ok((h.to_string(), p.to_string()))
}

/// Binds `hostport` (pprof's `-http` value).
pub fn bind(hostport: &str) -> Result<Bound, String> {
    let (host, port) = split_host_port(hostport)?;
    let host = if host.is_empty() {
        "localhost".to_string()
    } else {
        host.to_ascii_lowercase()
    };
    let port: u16 = if port.is_empty() {
        0
    } else {
        port.parse()
            .map_err(|_| format!("invalid port number: {port:?}"))?
    };
    let ip: IpAddr = if host == "localhost" {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else if let Ok(ip) = host.parse() {
        ip
    } else {
        let addrs: Vec<SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or(addrs.first())
            .map(|a| a.ip())
            .ok_or_else(|| format!("cannot resolve {host}"))?
    };
    let server = tiny_http::Server::http(SocketAddr::new(ip, port))
        .map_err(|e| format!("cannot listen on {hostport}: {e}"))?;
    let addr = match server.server_addr() {
        tiny_http::ListenAddr::IP(a) => a,
        #[allow(unreachable_patterns)]
        _ => SocketAddr::new(ip, port),
    };
    Ok(Bound { server, addr, host })
}

impl Bound {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open: `http://HOST:PORT` with the host as given
    /// (`localhost` for an empty one).
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("http://{host}:{}", self.addr.port())
    }

    /// Serves `session` until the process ends. `config` holds the command
    /// line's settings (every request starts from them); `sources`, when the
    /// session has a base profile, lets the Compare view load the profiles
    /// separately.
    pub fn serve(
        self,
        session: &Session,
        config: Config,
        sources: Option<SourceOptions>,
    ) -> io::Result<()> {
        let guard = Guard {
            addr: self.addr,
            host: self.host.clone(),
        };
        let state = State::new(session, config, sources);
        let cache: Mutex<VecDeque<(String, Arc<Reply>)>> = Mutex::new(VecDeque::new());
        let server = &self.server;
        std::thread::scope(|s| {
            for _ in 0..WORKERS {
                s.spawn(|| loop {
                    let Ok(rq) = server.recv() else { return };
                    let reply = guard
                        .check(&rq)
                        .map(Arc::new)
                        .unwrap_or_else(|| cached(&cache, &rq, &state));
                    respond(rq, &reply);
                });
            }
        });
        Ok(())
    }
}

/// The request's reply, from the cache when the same URL was answered
/// recently.
fn cached(
    cache: &Mutex<VecDeque<(String, Arc<Reply>)>>,
    rq: &tiny_http::Request,
    state: &State<'_>,
) -> Arc<Reply> {
    let url = rq.url().to_string();
    if let Some((_, r)) = lock(cache).iter().find(|(u, _)| *u == url) {
        return r.clone();
    }
    let reply = Arc::new(views::handle(state, &url));
    // A new view may have freed a sample graph on this worker's malloc
    // arena: give those pages back, so that the next view's peak does not
    // stack on top of them (1.51x `top`'s memory without this, 1.4x with).
    crate::util::alloc::release_free_memory();
    if reply.cacheable() {
        let mut c = lock(cache);
        c.retain(|(u, _)| *u != url);
        c.push_front((url, reply.clone()));
        c.truncate(CACHE_ENTRIES);
    }
    reply
}

/// Locks `m`, also after a panic in another request.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The checks made before a request reaches a view.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The bound address.
    pub addr: SocketAddr,
    /// The host name the user gave (lower case).
    pub host: String,
}

impl Guard {
    /// `None` when the request may proceed, else the reply (403, 405).
    fn check(&self, rq: &tiny_http::Request) -> Option<Reply> {
        let peer = rq.remote_addr().map(|a| a.ip());
        if !self.peer_allowed(peer) {
            return Some(Reply::forbidden(
                "permission denied: this server only answers its own machine",
            ));
        }
        let host = rq
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        if !self.host_allowed(host.as_deref()) {
            return Some(Reply::forbidden(
                "the Host header names another server (a DNS rebinding attempt?); open the UI by its own address or localhost",
            ));
        }
        if !matches!(
            rq.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        ) {
            return Some(Reply::text(405, "only GET and HEAD are served"));
        }
        None
    }

    /// Loopback servers answer loopback peers only.
    pub fn peer_allowed(&self, peer: Option<IpAddr>) -> bool {
        if !self.addr.ip().is_loopback() {
            return true;
        }
        peer.is_some_and(|p| match p {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
            v4 => v4.is_loopback(),
        })
    }

    /// Whether a `Host` header value names this server.
    pub fn host_allowed(&self, header: Option<&str>) -> bool {
        let Some(value) = header else { return false };
        let value = value.trim().to_ascii_lowercase();
        let (name, port) = match value.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((h, p)) => (h.to_string(), p.strip_prefix(':').map(str::to_string)),
                None => return false,
            },
            None => match value.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p.to_string())),
                _ => (value.clone(), None),
            },
        };
        if let Some(p) = port {
            if p.parse::<u16>().ok() != Some(self.addr.port()) {
                return false;
            }
        }
        let ip = self.addr.ip();
        if name == "localhost" || name == self.host || name == ip.to_string() {
            return true;
        }
        match name.parse::<IpAddr>() {
            // A server bound to every address is reached by any of them.
            Ok(_) if ip.is_unspecified() => true,
            // 127.0.0.1 and ::1 are both this machine's loopback.
            Ok(other) => ip.is_loopback() && other.is_loopback(),
            Err(_) => false,
        }
    }
}

/// Sends `reply`, with the headers every response carries.
fn respond(rq: tiny_http::Request, reply: &Reply) {
    let head = rq.method() == &tiny_http::Method::Head;
    let mut headers = vec![
        header("Content-Type", reply.content_type),
        header(
            "Content-Security-Policy",
            &format!("{}; frame-ancestors 'none'", super::page::csp()),
        ),
        header("X-Content-Type-Options", "nosniff"),
        header("X-Frame-Options", "DENY"),
        header("Referrer-Policy", "no-referrer"),
        header("Cache-Control", "no-store"),
    ];
    for (k, v) in &reply.headers {
        headers.push(header(k, v));
    }
    let body: &[u8] = if head { &[] } else { &reply.body };
    let response = tiny_http::Response::new(
        tiny_http::StatusCode(reply.status),
        headers.into_iter().flatten().collect(),
        body,
        Some(body.len()),
        None,
    )
    // The length is known: send it rather than chunks.
    .with_chunked_threshold(usize::MAX);
    // A client that went away is not an error of the server.
    let _ = rq.respond(response);
}

fn header(k: &str, v: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(addr: &str, host: &str) -> Guard {
        Guard {
            addr: addr.parse().unwrap(),
            host: host.into(),
        }
    }

    #[test]
    fn host_and_port_split_as_go_does() {
        assert_eq!(
            split_host_port(":8080").unwrap(),
            ("".into(), "8080".into())
        );
        assert_eq!(
            split_host_port("[::1]:0").unwrap(),
            ("::1".into(), "0".into())
        );
        assert_eq!(
            split_host_port("example.com:").unwrap(),
            ("example.com".into(), "".into())
        );
        assert!(split_host_port("8080").is_err());
        assert!(split_host_port("::1:80").is_err());
    }

    #[test]
    fn host_header_must_name_this_server() {
        let g = guard("127.0.0.1:8080", "localhost");
        assert!(g.host_allowed(Some("localhost:8080")));
        assert!(g.host_allowed(Some("LOCALHOST:8080")));
        assert!(g.host_allowed(Some("127.0.0.1:8080")));
        assert!(g.host_allowed(Some("[::1]:8080")));
        assert!(g.host_allowed(Some("localhost")));
        assert!(!g.host_allowed(Some("localhost:9999")));
        assert!(!g.host_allowed(Some("evil.example:8080")));
        assert!(!g.host_allowed(Some("127.0.0.1.evil.example")));
        assert!(!g.host_allowed(Some("10.0.0.1:8080")));
        assert!(!g.host_allowed(None));
        let g = guard("0.0.0.0:80", "0.0.0.0");
        assert!(g.host_allowed(Some("10.1.2.3")));
        assert!(!g.host_allowed(Some("attacker.example")));
        let g = guard("10.1.2.3:80", "box.lan");
        assert!(g.host_allowed(Some("box.lan")));
        assert!(g.host_allowed(Some("10.1.2.3:80")));
        assert!(!g.host_allowed(Some("127.0.0.1:80")));
    }

    #[test]
    fn loopback_servers_refuse_other_peers() {
        let g = guard("127.0.0.1:8080", "localhost");
        assert!(g.peer_allowed(Some("127.0.0.1".parse().unwrap())));
        assert!(g.peer_allowed(Some("::1".parse().unwrap())));
        assert!(g.peer_allowed(Some("::ffff:127.0.0.1".parse().unwrap())));
        assert!(!g.peer_allowed(Some("192.168.1.20".parse().unwrap())));
        assert!(!g.peer_allowed(Some("::ffff:10.0.0.1".parse().unwrap())));
        assert!(!g.peer_allowed(None));
        let g = guard("0.0.0.0:8080", "0.0.0.0");
        assert!(g.peer_allowed(Some("192.168.1.20".parse().unwrap())));
    }
}
