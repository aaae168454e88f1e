//! A minimal driver for headless Chromium over the DevTools protocol on a
//! pipe (`--remote-debugging-pipe`: commands on fd 3, replies on fd 4, each
//! message JSON ended by a NUL byte), for the web UI's browser tests: open a
//! page, evaluate script, click and type as a user does, collect console
//! errors, take screenshots. No WebSocket, no extra crate.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A browser with one page.
pub struct Browser {
    child: Child,
    to: File,
    from: Receiver<Value>,
    next: u64,
    session: String,
    /// Console errors, uncaught exceptions and failed loads seen so far.
    pub errors: Vec<String>,
    _profile: tempfile::TempDir,
}

fn pipe() -> (i32, i32) {
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for the two descriptors pipe() writes.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe");
    (fds[0], fds[1])
}

impl Browser {
    /// Starts `chromium` headless with a `width`×`height` window.
    pub fn start(chromium: &Path, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (cmd_r, cmd_w) = pipe();
        let (out_r, out_w) = pipe();
        let mut c = Command::new(chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec;
        // the pipes' own descriptors close on exec, the copies on 3 and 4 stay.
        unsafe {
            c.pre_exec(move || {
                // Copies above 10 first: the pipes may themselves be 3 or 4.
                let a = libc::fcntl(cmd_r, libc::F_DUPFD_CLOEXEC, 10);
                let b = libc::fcntl(out_w, libc::F_DUPFD_CLOEXEC, 10);
                if a < 0
                    || b < 0
                    || libc::dup2(a, 3) < 0
                    || libc::dup2(b, 4) < 0
                    || libc::fcntl(3, libc::F_SETFD, 0) < 0
                    || libc::fcntl(4, libc::F_SETFD, 0) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().expect("start chromium");
        // SAFETY: the parent owns these descriptors from here on.
        let (to, from_file) = unsafe {
            libc::close(cmd_r);
            libc::close(out_w);
            (File::from_raw_fd(cmd_w), File::from_raw_fd(out_r))
        };
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(from_file);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            to,
            from: rx,
            next: 0,
            session: String::new(),
            errors: Vec::new(),
            _profile: profile,
        };
        let targets = b.call("Target.getTargets", json!({}));
        let page = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .map(|t| t["targetId"].as_str().unwrap().to_string());
        let target = match page {
            Some(t) => t,
            None => b.call("Target.createTarget", json!({"url": "about:blank"}))["targetId"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        let s = b.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        b.session = s["sessionId"].as_str().unwrap().to_string();
        for m in ["Page.enable", "Runtime.enable", "Log.enable"] {
            b.call(m, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> u64 {
        self.next += 1;
        let mut msg = json!({"id": self.next, "method": method, "params": params});
        if session {
            msg["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        self.next
    }

    /// Handles one event.
    fn event(&mut self, v: &Value) {
        let p = &v["params"];
        match v["method"].as_str() {
            Some("Runtime.consoleAPICalled")
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                self.errors
                    .push(format!("console.{}: {}", p["type"], p["args"]));
            }
            Some("Runtime.exceptionThrown") => {
                self.errors
                    .push(format!("exception: {}", p["exceptionDetails"]));
            }
            Some("Log.entryAdded") if p["entry"]["level"] == "error" => {
                self.errors.push(format!("log: {}", p["entry"]["text"]));
            }
            _ => {}
        }
    }

    /// Waits for the answer to command `id`, handling events meanwhile;
    /// an error answer is returned as `Err`.
    fn wait(&mut self, id: u64) -> Result<Value, Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from.recv_timeout(left) {
                Ok(v) if v["id"].as_u64() == Some(id) => {
                    if let Some(e) = v.get("error") {
                        return Err(e.clone());
                    }
                    return Ok(v["result"].clone());
                }
                Ok(v) => self.event(&v),
                Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer in 60 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium exited"),
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|e| panic!("chromium: {e}"))
    }

    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let session = !self.session.is_empty();
        let id = self.send(method, params, session);
        self.wait(id)
    }

    /// Handles the events that arrived (console errors).
    pub fn drain(&mut self) {
        while let Ok(v) = self.from.try_recv() {
            self.event(&v);
        }
    }

    /// Opens `url` and waits until the page says it is ready
    /// (`<body data-state="ready">`).
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && document.body && document.body.dataset.state === 'ready'");
    }

    /// The value of a script expression (promises awaited).
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("script {expr:?} failed: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `expr` is true (20 s at most). The page may navigate
    /// meanwhile: an evaluation that the navigation cut off counts as
    /// "not yet" and is tried again.
    pub fn wait_for(&mut self, expr: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.try_call(
                "Runtime.evaluate",
                json!({"expression": format!("!!({expr})"), "returnByValue": true}),
            );
            match r {
                Ok(r) if r["result"]["value"] == json!(true) => return,
                Ok(_) => {}
                Err(e) if navigation_cut_off(&e) => {}
                Err(e) => panic!("chromium: {e}"),
            }
            if Instant::now() > deadline {
                let state = self.eval("document.body ? document.body.dataset.state + ' ' + location.href : location.href");
                panic!(
                    "timed out waiting for {expr} (page: {state}; errors: {:?})",
                    self.errors
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks at page coordinates as a user does (`modifiers`: 8 = shift).
    pub fn click(&mut self, x: f64, y: f64, modifiers: u32) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseMoved", "x": x, "y": y, "modifiers": modifiers}),
        );
        for t in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": t, "x": x, "y": y, "button": "left", "clickCount": 1, "modifiers": modifiers}),
            );
        }
    }

    /// Moves the mouse to page coordinates.
    pub fn hover(&mut self, x: f64, y: f64) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseMoved", "x": x, "y": y}),
        );
    }

    /// Clicks the middle of the element `selector`.
    pub fn click_on(&mut self, selector: &str) {
        let r = self.eval(&format!(
            "(function(){{var r=document.querySelector({sel}).getBoundingClientRect();return [r.left+r.width/2,r.top+r.height/2];}})()",
            sel = serde_json::to_string(selector).unwrap()
        ));
        self.click(r[0].as_f64().unwrap(), r[1].as_f64().unwrap(), 0);
    }

    /// Types `text` into the focused element.
    pub fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    /// Presses a key (`Enter`).
    pub fn key(&mut self, key: &str) {
        for t in ["keyDown", "keyUp"] {
            let mut p = json!({"type": t, "key": key, "code": key});
            if key == "Enter" {
                p["windowsVirtualKeyCode"] = json!(13);
                if t == "keyDown" {
                    p["text"] = json!("\r");
                }
            }
            self.call("Input.dispatchKeyEvent", p);
        }
    }

    /// A PNG of the page (the viewport; `full` = the whole page).
    pub fn screenshot(&mut self, full: bool) -> Vec<u8> {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": full}),
        );
        decode_base64(r["data"].as_str().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            _ => 63,
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Whether a Chromium error answer means only that the page navigated
/// while the command ran (the command can be sent again).
fn navigation_cut_off(e: &Value) -> bool {
    let m = e["message"].as_str().unwrap_or("");
    m.contains("navigated or closed")
        || m.contains("context was destroyed")
        || m.contains("Cannot find context")
}
