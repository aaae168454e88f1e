//! Hostile inputs fail fast and small: endless downloads, gzip bombs,
//! stalled bodies, endless lines.
//!
//! Each case runs the binary against a loopback server that the test starts
//! (streaming endless random bytes, an endless gzip of zeros, a body that
//! stalls after the gzip header, a trickle that never ends, a text profile
//! whose second line never ends), against standard input, or against a
//! local gzip bomb of 10 GiB of zeros written by the test (10 MB on disk,
//! streamed to a temporary file, never committed). Every case must end with
//! exit 1 and one error line `pprofx: SOURCE: …` naming the source and the
//! fault, within [`DEADLINE`], and the child's peak RSS (from `wait4`) must
//! stay under [`MAX_RSS`]. The servers stop by themselves: after at most
//! [`SERVE_FOR`], or as soon as the client hangs up.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::{Compression, FlushCompress};

/// Each case must be over within this.
const DEADLINE: Duration = Duration::from_secs(5);
/// The most a case may hold in memory (peak RSS of the child).
const MAX_RSS_MB: u64 = 300;
/// No server sends for longer than this.
const SERVE_FOR: Duration = Duration::from_secs(20);

/// What the server sends after the request (always `200 OK`, no length).
#[derive(Clone, Copy)]
enum Body {
    /// Random bytes (xorshift), 64 KiB at a time, forever.
    Random,
    /// A gzip stream of zeros that never ends.
    GzipZeros,
    /// The gzip header, then nothing.
    StallAfterGzipHeader,
    /// A valid-looking profile.proto, four bytes every 10 ms, forever.
    Trickle,
    /// A heap profile's header line, then `a` forever.
    EndlessLine,
    /// A small valid profile (the example cpu.pb.gz).
    Example,
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(body: Body) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let stopping = stopping.clone();
                std::thread::spawn(move || serve(conn, body, &stopping));
            }
        });
        Server {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/debug/pprof/heap", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, body: Body, stop: &AtomicBool) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let mut conn = conn;
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
    if conn.write_all(head.as_bytes()).is_err() {
        return;
    }
    let t0 = Instant::now();
    let going = || !stop.load(Ordering::SeqCst) && t0.elapsed() < SERVE_FOR;
    match body {
        Body::Random => {
            let mut x = 0x2545_f491_4f6c_dd1du64;
            let mut chunk = vec![0u8; 64 << 10];
            while going() {
                for b in chunk.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *b = x as u8;
                }
                if conn.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Body::GzipZeros => {
            let mut gz = GzEncoder::new(conn, Compression::fast());
            let zeros = vec![0u8; 1 << 20];
            while going() {
                if gz.write_all(&zeros).is_err() {
                    return;
                }
            }
        }
        Body::StallAfterGzipHeader => {
            let _ = conn.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
            let _ = conn.flush();
            while going() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Body::Trickle => {
            // sample_type {type: 1, unit: 2}, then samples {value: 1} forever.
            if conn
                .write_all(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02])
                .is_err()
            {
                return;
            }
            while going() {
                if conn.write_all(&[0x12, 0x02, 0x10, 0x01]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Body::EndlessLine => {
            let _ = conn.write_all(b"heap profile: 1: 2 [3: 4] @ heap/1048576\n");
            let line = vec![b'a'; 64 << 10];
            while going() {
                if conn.write_all(&line).is_err() {
                    return;
                }
            }
        }
        Body::Example => {
            let _ = conn.write_all(&example("cpu.pb.gz"));
        }
    }
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(common::repo_root().join("examples/profiles").join(name)).expect("example")
}

/// How a case ended.
struct Ended {
    code: i32,
    stderr: String,
    took: Duration,
    peak_rss_mb: u64,
}

/// Runs `cmd` (stdin from `stdin` when given), reaping it with `wait4` for
/// its peak RSS; kills it past twice the deadline.
// The child is reaped by `wait4` (which `Child::wait` cannot do: it gives no
// rusage); calling `wait` afterwards could reap another test's child that
// was given the same pid.
#[allow(clippy::zombie_processes)]
fn run(mut cmd: Command, stdin: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>) -> Ended {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let t0 = Instant::now();
    let mut child = cmd.spawn().expect("spawn pprofx");
    let feeder = match (stdin, child.stdin.take()) {
        (Some(f), Some(pipe)) => Some(std::thread::spawn(move || f(pipe))),
        _ => None,
    };
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let pid = child.id() as libc::pid_t;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value to be overwritten.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child, with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        assert!(r == 0, "wait4 failed");
        if t0.elapsed() > DEADLINE * 2 {
            let _ = child.kill();
            // SAFETY: as above; blocks until the killed child is reaped.
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!("still running after {:?}, killed", DEADLINE * 2);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&err_t.join().expect("stderr")).into_owned();
    let _ = out_t.join();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    assert!(
        libc::WIFEXITED(status),
        "killed by a signal ({status}); stderr:\n{stderr}"
    );
    Ended {
        code: libc::WEXITSTATUS(status),
        stderr,
        took,
        // ru_maxrss is in KiB on Linux.
        peak_rss_mb: usage.ru_maxrss as u64 / 1024,
    }
}

/// Requires exit 1 within the deadline and the memory bound, and one error
/// line naming `source` and containing `fault`; other stderr lines may only
/// be the fetch announcements (and the saving of a good source's capture).
fn check(what: &str, e: &Ended, source: &str, fault: &str) {
    let ctx = format!(
        "{what}: exit {}, {:?}, {} MB peak RSS, stderr:\n{}",
        e.code, e.took, e.peak_rss_mb, e.stderr
    );
    eprintln!("{what}: {:?}, {} MB", e.took, e.peak_rss_mb);
    assert_eq!(e.code, 1, "{ctx}");
    let errors: Vec<&str> = e
        .stderr
        .lines()
        .filter(|l| {
            !l.starts_with("Fetching profile over HTTP from ")
                && !l.starts_with("Saved profile in ")
        })
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {ctx}");
    assert!(
        errors[0].starts_with(&format!("pprofx: {source}: ")),
        "names {source}: {ctx}"
    );
    assert!(errors[0].contains(fault), "says {fault:?}: {ctx}");
    assert!(e.took < DEADLINE, "over {DEADLINE:?}: {ctx}");
    assert!(e.peak_rss_mb <= MAX_RSS_MB, "over {MAX_RSS_MB} MB: {ctx}");
}

fn pprofx(dir: &Path, args: &[&str]) -> Command {
    let mut c = common::fetch_command(dir);
    c.args(args);
    c
}

#[test]
fn an_endless_stream_of_random_bytes_stops_in_the_first_megabytes() {
    let server = Server::start(Body::Random);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let e = run(pprofx(dir.path(), &["top", &url]), None);
    check("random bytes", &e, &url, "not a profile");
}

#[test]
fn an_endless_gzip_of_zeros_stops_in_the_first_megabytes() {
    let server = Server::start(Body::GzipZeros);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let e = run(pprofx(dir.path(), &["top", &url]), None);
    check(
        "gzip of zeros",
        &e,
        &url,
        "invalid field number 0 at byte 0",
    );
}

#[test]
fn a_body_that_stalls_after_the_gzip_header_times_out() {
    let server = Server::start(Body::StallAfterGzipHeader);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let e = run(pprofx(dir.path(), &["top", "--timeout=3", &url]), None);
    check("stalled body", &e, &url, "no complete answer within 3s");
    assert!(e.took >= Duration::from_secs(3), "{:?}", e.took);
}

#[test]
fn a_trickle_that_never_ends_meets_the_overall_deadline() {
    // Data keeps coming, so only a deadline on the whole download ends it.
    let server = Server::start(Body::Trickle);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let e = run(pprofx(dir.path(), &["top", "--timeout=2", &url]), None);
    check("trickle", &e, &url, "no complete answer within 2s");
    assert!(e.took >= Duration::from_secs(2), "{:?}", e.took);
}

#[test]
fn an_endless_line_of_a_text_profile_stops_at_the_line_limit() {
    let server = Server::start(Body::EndlessLine);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let e = run(pprofx(dir.path(), &["top", &url]), None);
    check("endless line", &e, &url, "line 2 is longer than");
}

#[test]
fn every_input_path_has_the_same_discipline() {
    let server = Server::start(Body::GzipZeros);
    let good = Server::start(Body::Example);
    let dir = tempfile::tempdir().unwrap();
    let (bad, ok) = (server.url(), good.url());
    let fault = "invalid field number 0 at byte 0";
    // Several sources, a base, a diff base, merge and pgo inputs.
    for args in [
        vec!["top", ok.as_str(), bad.as_str()],
        vec!["top", "-base", bad.as_str(), ok.as_str()],
        vec!["-top", "-diff_base", bad.as_str(), ok.as_str()],
        vec!["pgo", "report", bad.as_str()],
    ] {
        let e = run(pprofx(dir.path(), &args), None);
        check(&args.join(" "), &e, &bad, fault);
    }
    // Standard input: an endless stream of zeros, raw and gzipped.
    let e = run(
        pprofx(dir.path(), &["top", "-"]),
        Some(Box::new(|mut pipe| {
            let zeros = vec![0u8; 1 << 20];
            let t0 = Instant::now();
            while t0.elapsed() < SERVE_FOR && pipe.write_all(&zeros).is_ok() {}
        })),
    );
    check("stdin zeros", &e, "-", fault);
    let e = run(
        pprofx(dir.path(), &["top", "-"]),
        Some(Box::new(|pipe| {
            let mut gz = GzEncoder::new(pipe, Compression::fast());
            let zeros = vec![0u8; 1 << 20];
            let t0 = Instant::now();
            while t0.elapsed() < SERVE_FOR && gz.write_all(&zeros).is_ok() {}
        })),
    );
    check("stdin gzip of zeros", &e, "-", fault);
}

/// Deflates `input` with `flush`, all of it.
fn deflate(c: &mut flate2::Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::new();
    let start = c.total_in();
    loop {
        out.reserve(64 << 10);
        let taken = (c.total_in() - start) as usize;
        let status = c
            .compress_vec(&input[taken..], &mut out, flush)
            .expect("deflate");
        let all_in = (c.total_in() - start) as usize == input.len();
        let room_left = out.len() < out.capacity();
        match flush {
            FlushCompress::Finish if status == flate2::Status::StreamEnd => return out,
            FlushCompress::Finish => {}
            _ if all_in && room_left => return out,
            _ => {}
        }
    }
}

/// Writes one gzip member of `mib` MiB of zeros to `w`, streaming: the
/// deflate output of a fully flushed MiB of zeros is the same every time, so
/// it is computed once and repeated.
fn write_zeros_member(w: &mut impl Write, mib: u64) {
    let zeros = vec![0u8; 1 << 20];
    let mut c = flate2::Compress::new(Compression::best(), false);
    let first = deflate(&mut c, &zeros, FlushCompress::Full);
    let second = deflate(&mut c, &zeros, FlushCompress::Full);
    let third = deflate(&mut c, &zeros, FlushCompress::Full);
    assert_eq!(
        second, third,
        "a flushed MiB of zeros deflates the same each time"
    );
    w.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff])
        .unwrap();
    w.write_all(&first).unwrap();
    for _ in 1..mib {
        w.write_all(&second).unwrap();
    }
    w.write_all(&deflate(&mut c, &[], FlushCompress::Finish))
        .unwrap();
    let mut crc = flate2::Crc::new();
    let mut one = flate2::Crc::new();
    one.update(&zeros);
    for _ in 0..mib {
        crc.combine(&one);
    }
    w.write_all(&crc.sum().to_le_bytes()).unwrap();
    w.write_all(&((mib << 20) as u32).to_le_bytes()).unwrap();
}

#[test]
fn the_zeros_member_is_valid_gzip() {
    let mut v = Vec::new();
    write_zeros_member(&mut v, 3);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&v[..])
        .read_to_end(&mut out)
        .expect("valid gzip");
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn a_10_gib_gzip_bomb_stops_in_the_first_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.pb.gz");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write_zeros_member(&mut f, 10 << 10);
        f.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 16 << 20, "{size} bytes on disk");
    let name = path.to_str().unwrap();
    let fault = "invalid field number 0 at byte 0";
    let e = run(pprofx(dir.path(), &["top", name]), None);
    check("10 GiB bomb", &e, name, fault);
    // The same through standard input (inflated as it arrives).
    let bomb = path.clone();
    let e = run(
        pprofx(dir.path(), &["top", "-"]),
        Some(Box::new(move |mut pipe| {
            let mut f = std::fs::File::open(bomb).unwrap();
            let _ = std::io::copy(&mut f, &mut pipe);
        })),
    );
    check("10 GiB bomb on stdin", &e, "-", fault);
}
