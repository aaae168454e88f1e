//! The `(pprof)` shell: transcripts and a terminal.
//!
//! * Transcripts: each `tests/golden/shell/NAME.script` is fed to `pprofx`
//!   on standard input, with the arguments `go tool pprof` had in
//!   `transcripts.txt`, and standard output must be pprof's, byte for byte.
//! * Terminal: `pprofx` runs on a pseudo-terminal; Tab completes a partial
//!   command and a partial function name and the completed command runs; a
//!   second session recalls the first one's command from the history file.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn shell_dir() -> PathBuf {
    common::repo_root().join("tests/golden/shell")
}

fn profiles_dir() -> PathBuf {
    common::repo_root().join("examples/profiles")
}

/// (transcript name, pprof arguments) from `transcripts.txt`.
fn transcripts() -> Vec<(String, Vec<String>)> {
    let text =
        std::fs::read_to_string(shell_dir().join("transcripts.txt")).expect("transcripts.txt");
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (name, cmd) = line.split_once(": ").expect("NAME: command");
        let cmd = cmd.split(" < ").next().expect("a command before <");
        let words: Vec<String> = cmd.split_whitespace().skip(3).map(String::from).collect();
        assert_eq!(
            &cmd.split_whitespace().take(3).collect::<Vec<_>>(),
            &["go", "tool", "pprof"]
        );
        out.push((name.trim_end_matches(".out").to_string(), words));
    }
    out
}

#[test]
fn transcripts_match_pprof() {
    let cases = transcripts();
    assert_eq!(cases.len(), 5, "transcripts.txt lists five transcripts");
    let mut failed = Vec::new();
    for (name, args) in &cases {
        let script = std::fs::read(shell_dir().join(format!("{name}.script"))).unwrap();
        let want = std::fs::read(shell_dir().join(format!("{name}.out"))).unwrap();
        let mut child = Command::new(common::pprofx_bin())
            .args(args)
            .current_dir(profiles_dir())
            .env("TZ", "UTC")
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&script).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {} {err}", out.status);
        assert!(!err.contains("panicked"), "{name}: {err}");
        if out.stdout == want {
            eprintln!("ok shell/{name}");
        } else {
            eprintln!(
                "FAIL shell/{name}\n{}",
                common::line_diff(&want, &out.stdout, 20)
            );
            failed.push(name.clone());
        }
    }
    eprintln!(
        "parity shell: {} passed / {} total",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(failed.is_empty(), "transcripts differ: {failed:?}");
}

#[test]
fn the_greeting_and_messages_go_to_stderr() {
    let out = Command::new(common::pprofx_bin())
        .args(["cpu.pb.gz"])
        .current_dir(profiles_dir())
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        out.stdout, b"(pprof) ",
        "only the prompt on stdout at once-EOF"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("File: "), "{err}");
    assert!(err.contains("Entering interactive mode"), "{err}");
}

/// A child on a pseudo-terminal, and what it has written so far.
struct Pty {
    master: std::fs::File,
    child: std::process::Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Pty {
    fn spawn(args: &[&str], state: &Path) -> Pty {
        use std::os::fd::{FromRawFd, OwnedFd};
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two new descriptors into the out-pointers.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &size,
            )
        };
        assert_eq!(r, 0, "openpty failed");
        // SAFETY: the descriptors were just created and are owned here.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let child = Command::new(common::pprofx_bin())
            .args(args)
            .current_dir(profiles_dir())
            .env("TZ", "UTC")
            .env("TERM", "xterm")
            .env("XDG_STATE_HOME", state)
            .env("HOME", state)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        let master = std::fs::File::from(master);
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), output.clone());
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            child,
            output,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output contains `needle` `times` times.
    fn wait_for(&self, needle: &str, times: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.text().matches(needle).count() < times {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {needle:?} x{times}; output so far:\n{}",
                self.text()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
        // Let the line editor take each batch of keys.
        std::thread::sleep(std::time::Duration::from_millis(150));
    }

    fn finish(mut self) -> String {
        self.send("quit\r");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}: {}", self.text());
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "did not quit: {}",
                self.text()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.text()
    }
}

#[test]
fn terminal_completion_and_history() {
    let state = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["cpu.pb.gz"], state.path());
    pty.wait_for("(pprof) ", 1);
    // "pe" completes to the only command starting so, "main.fi" to the only
    // function containing it; the completed command runs.
    pty.send("pe\t");
    pty.send(" main.fi\t");
    pty.send("\r");
    pty.wait_for("(pprof) ", 2);
    let text = pty.finish();
    assert!(
        text.contains("peek main.fib"),
        "the line was not completed:\n{text}"
    );
    assert!(
        text.contains("| main.fib"),
        "peek main.fib did not run:\n{text}"
    );
    let history = std::fs::read_to_string(state.path().join("pprofx/history")).unwrap();
    assert!(history.contains("peek main.fib"), "history: {history:?}");

    // A new session: Up recalls the last command.
    let mut pty = Pty::spawn(&["cpu.pb.gz"], state.path());
    pty.wait_for("(pprof) ", 1);
    pty.send("\x1b[A");
    pty.send("\r");
    pty.wait_for("(pprof) ", 2);
    let text = pty.finish();
    assert!(
        text.contains("| main.fib"),
        "the recalled command did not run:\n{text}"
    );
}
