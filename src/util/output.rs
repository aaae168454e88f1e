//! All-or-nothing output files.
//!
//! [`write_output`] writes a report, profile or page to a file through a
//! temporary file in the same directory and a rename, so the target is never
//! half-written and an existing file survives a failed run; `-` is standard
//! output, where a closed pipe (`| head`) is not an error. [`write_text`]
//! and [`write_valid`] do the same for text (names that are not UTF-8
//! printed as their bytes, as pprof prints them) and for JSON, SVG and HTML
//! (those bytes as U+FFFD, so the output stays valid UTF-8); see
//! [`crate::util::rawbytes`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::rawbytes::Unescape;

/// Writes through `f` to `target`: standard output for `-` (a closed pipe is
/// not an error), else a temporary file next to `target` that is renamed over
/// it only once everything was written and flushed. On failure the temporary
/// file is removed and an existing `target` is left untouched.
pub fn write_output(
    target: &str,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if target == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::with_capacity(64 * 1024, stdout.lock());
        return match f(&mut w).and_then(|()| w.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        };
    }
    write_file(Path::new(target), f)
}

/// [`write_output`] for a text report: strings that held bytes that are not
/// UTF-8 are written as those bytes.
pub fn write_text(
    target: &str,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_output(target, |w| {
        let mut w = Unescape::raw(w);
        f(&mut w)?;
        w.flush()
    })
}

/// [`write_output`] for JSON, SVG or HTML: bytes that are not UTF-8 are
/// written as U+FFFD, so the output is valid UTF-8.
pub fn write_valid(
    target: &str,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_output(target, |w| {
        let mut w = Unescape::valid(w);
        f(&mut w)?;
        w.flush()
    })
}

/// Writes through `f` to the file `path` (never standard output): a
/// temporary file next to it, renamed over it once everything was written
/// and flushed; on failure the temporary file is removed.
pub fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let (tmp_path, file) = create_temp(path)?;
    let result = (|| {
        let mut w = BufWriter::with_capacity(256 * 1024, file);
        f(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp_path, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

/// Creates a fresh temporary file in `target`'s directory.
fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let pid = std::process::id();
    let mut last_err = None;
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{base}.{pid}.{attempt}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}
