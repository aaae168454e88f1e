//! `https` sources with pprof's `-tls_cert`, `-tls_key` and `-tls_ca`.
//!
//! Each test runs a small HTTPS server on 127.0.0.1 (rustls, one thread per
//! connection) with the throw-away certificates of `tests/fixtures/tls`
//! (see its README): a server certificate from a private CA, and, where the
//! test asks for it, a demand for a client certificate from that CA. The
//! server answers every request with `examples/profiles/cpu.pb.gz`. The
//! binary runs with `PPROF_TMPDIR` and `HOME` in a fresh temporary directory
//! and without proxy variables.
#![cfg(feature = "tls")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn fixture(name: &str) -> PathBuf {
    common::repo_root().join("tests/fixtures/tls").join(name)
}

fn fixture_str(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

fn certs(name: &str) -> Vec<CertificateDer<'static>> {
    let pem = std::fs::read(fixture(name)).expect("read fixture");
    CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

/// Starts an HTTPS server; with `client_ca`, it requires a client
/// certificate signed by the test CA. Returns its address.
fn start_server(client_ca: bool) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key_pem = std::fs::read(fixture("server.key.pem")).expect("read key");
    let key = PrivateKeyDer::from_pem_slice(&key_pem).expect("PEM key");
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let config = if client_ca {
        let mut roots = rustls::RootCertStore::empty();
        for c in certs("ca.pem") {
            roots.add(c).expect("CA certificate");
        }
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    }
    .with_single_cert(certs("server.pem"), key)
    .expect("server certificate");
    let config = Arc::new(config);
    let body = std::fs::read(common::repo_root().join("examples/profiles/cpu.pb.gz"))
        .expect("example profile");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(tcp) = conn else { continue };
            let (config, body) = (config.clone(), body.clone());
            std::thread::spawn(move || {
                let Ok(tls) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(tls, tcp);
                // Read the request head (a failed handshake ends here).
                let mut reader = BufReader::new(&mut stream);
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
                let _ = stream.flush();
                stream.conn.send_close_notify();
                let _ = stream.flush();
            });
        }
    });
    addr
}

/// Runs pprofx with a fresh `PPROF_TMPDIR`/`HOME` and no proxies.
fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    common::fetch_command(dir.path())
        .args(args)
        .output()
        .expect("run pprofx")
}

/// `pprofx top` of the example profile read from its file.
fn top_of_the_file() -> String {
    let file = common::repo_root().join("examples/profiles/cpu.pb.gz");
    let o = run(&["top", &file.to_string_lossy()]);
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Requires success and the same report as from the file.
fn assert_fetched(o: &Output) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "fetch failed: {err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), top_of_the_file());
}

/// Requires exit 1 and exactly one `pprofx: URL: …` line containing `want`.
fn assert_fails(o: &Output, url: &str, want: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("pprofx: ")).collect();
    assert_eq!(lines.len(), 1, "one error line: {err}");
    assert!(lines[0].starts_with(&format!("pprofx: {url}: ")), "{err}");
    assert!(lines[0].contains(want), "{want:?} in {err}");
}

#[test]
fn a_private_ca_is_trusted_only_with_tls_ca() {
    let addr = start_server(false);
    let url = format!("https://{addr}/debug/pprof/profile");
    assert_fetched(&run(&["top", "-tls_ca", &fixture_str("ca.pem"), &url]));
    // The built-in roots do not know the test CA.
    assert_fails(&run(&["top", &url]), &url, "TLS: invalid peer certificate");
    // Nor does checking anything at all matter with https+insecure.
    let insecure = format!("https+insecure://{addr}/debug/pprof/profile");
    assert_fetched(&run(&["top", &insecure]));
}

#[test]
fn a_client_certificate_is_sent_when_the_server_asks() {
    let addr = start_server(true);
    let url = format!("https://{addr}/debug/pprof/profile");
    let (cert, key, ca) = (
        fixture_str("client.pem"),
        fixture_str("client.key.pem"),
        fixture_str("ca.pem"),
    );
    // pprof's spellings: -flag=value, --flag value, --flag-with-dashes.
    let ca_flag = format!("-tls_ca={ca}");
    assert_fetched(&run(&[
        "top",
        "--tls_cert",
        &cert,
        "--tls-key",
        &key,
        &ca_flag,
        &url,
    ]));
    // Without it the server ends the handshake.
    assert_fails(&run(&["top", "--tls_ca", &ca, &url]), &url, "TLS");
}

#[test]
fn unusable_tls_files_are_one_clear_line() {
    let addr = start_server(false);
    let url = format!("https://{addr}/debug/pprof/profile");
    let (cert, key) = (fixture_str("client.pem"), fixture_str("client.key.pem"));
    assert_fails(
        &run(&["top", "--tls_cert", &cert, &url]),
        &url,
        "--tls_cert is given, so --tls_key must be given too",
    );
    assert_fails(
        &run(&["top", "--tls_key", &key, &url]),
        &url,
        "--tls_key is given, so --tls_cert must be given too",
    );
    // A key where the certificate should be, and the reverse.
    assert_fails(
        &run(&["top", "--tls_cert", &key, "--tls_key", &cert, &url]),
        &url,
        "cannot load the client certificate",
    );
    assert_fails(
        &run(&["top", "--tls_ca", "/nonexistent/ca.pem", &url]),
        &url,
        "cannot load the certificate authorities (--tls_ca /nonexistent/ca.pem): no such file",
    );
    let readme = fixture_str("README.md");
    assert_fails(
        &run(&["top", "--tls_ca", &readme, &url]),
        &url,
        "no certificate in the file",
    );
}
