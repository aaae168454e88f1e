//! Where a report goes: standard output, the `output` file, a temporary
//! file when binary output would land on a terminal, or a viewer.
//!
//! pprof's rules: with `output` set the report is written there ("Generating
//! report in FILE"); binary reports (a profile, an image) that would go to a
//! terminal, or anywhere in the shell, go to a new `profileNNN.SUFFIX` in the
//! working directory instead; `web` and the other viewers get a temporary
//! file opened in the browser (`$BROWSER` first) or the named program.
//! Files are written through a temporary file and a rename, never half.

use std::io::{self, Write};
use std::path::Path;

use super::command::{CommandSpec, Output};

/// Where one report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Standard output.
    Stdout,
    /// The `output` file.
    File(String),
    /// A new `profileNNN.SUFFIX` in the working directory (binary output
    /// kept off a terminal).
    NewFile(&'static str),
    /// A temporary file opened in a viewer.
    Viewer {
        /// The command (`web`, `kcachegrind`…).
        command: &'static str,
        /// The file name suffix.
        suffix: &'static str,
    },
}

/// Decides where the report of `spec` goes.
pub fn deliver(
    spec: &CommandSpec,
    output: &str,
    stdout_is_terminal: bool,
    interactive: bool,
) -> Delivery {
    if !output.is_empty() {
        return Delivery::File(output.to_string());
    }
    match spec.output {
        Output::Viewer { suffix } => Delivery::Viewer {
            command: spec.name,
            suffix,
        },
        Output::Binary { suffix } if stdout_is_terminal || interactive => Delivery::NewFile(suffix),
        _ => Delivery::Stdout,
    }
}

impl Delivery {
    /// Writes the report through `f` (not for [`Delivery::Stdout`], which the
    /// caller writes itself) and returns the line to tell the user.
    pub fn write(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<String> {
        match self {
            Delivery::Stdout => {
                let mut out = io::stdout().lock();
                f(&mut out)?;
                out.flush()?;
                Ok(String::new())
            }
            Delivery::File(path) => {
                crate::util::output::write_output(path, f)?;
                Ok(format!("Generating report in {path}"))
            }
            Delivery::NewFile(suffix) => {
                let mut buf = Vec::new();
                f(&mut buf)?;
                let path = crate::source::capture::write_new_file(
                    Path::new("."),
                    "profile",
                    &format!(".{suffix}"),
                    &buf,
                )?;
                Ok(format!("Generating report in {}", display(&path)))
            }
            Delivery::Viewer { command, suffix } => {
                let mut buf = Vec::new();
                f(&mut buf)?;
                let dir = std::env::temp_dir();
                let path = crate::source::capture::write_new_file(
                    &dir,
                    "pprofx",
                    &format!(".{suffix}"),
                    &buf,
                )?;
                Ok(open_viewer(command, &path))
            }
        }
    }
}

fn display(p: &Path) -> String {
    p.strip_prefix(".").unwrap_or(p).display().to_string()
}

/// The programs to try for a viewer command, best first.
pub fn viewers(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    match command {
        "kcachegrind" => out.push("kcachegrind".into()),
        "eog" => out.push("eog".into()),
        "evince" => out.push("evince".into()),
        _ => {
            if let Some(b) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
                out.push(b.to_string_lossy().into_owned());
            }
            if cfg!(target_os = "macos") {
                out.push("/usr/bin/open".into());
            } else {
                out.extend(
                    [
                        "chrome",
                        "google-chrome",
                        "chromium",
                        "firefox",
                        "sensible-browser",
                    ]
                    .map(String::from),
                );
                if std::env::var_os("DISPLAY").is_some() {
                    out.push("xdg-open".into());
                }
            }
        }
    }
    out
}

/// Opens `path` with the first viewer that starts; returns what to tell the
/// user (no viewer is not an error: the file is there).
pub fn open_viewer(command: &str, path: &Path) -> String {
    for v in viewers(command) {
        let mut parts = v.split_whitespace();
        let Some(prog) = parts.next() else { continue };
        let started = std::process::Command::new(prog)
            .args(parts)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if started.is_ok() {
            return format!("Opened {} with {prog}", path.display());
        }
    }
    format!(
        "Wrote {}; no viewer could be started for {command} (set $BROWSER)",
        path.display()
    )
}
