//! All-or-nothing output files.
//!
//! [`write_output`] writes a report, profile or page to a file through a
//! temporary file in the same directory and a rename, so the target is never
//! half-written and an existing file survives a failed run; `-` is standard
//! output, where a closed pipe (`| head`) is not an error. [`write_text`]
//! and [`write_valid`] do the same for text (names that are not UTF-8
//! printed as their bytes, as pprof prints them) and for JSON, SVG and HTML
//! (those bytes as U+FFFD, so the output stays valid UTF-8); see
//! [`crate::util::rawbytes`]. [`note`] writes a message for the user to
//! standard error, where a failed write is not worth a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::rawbytes::Unescape;

/// Writes one line to standard error, ignoring a failed write: a message
/// for the user (an error, a warning, a note) is never worth a crash, where
/// `eprintln!` panics on a full disk or a pipe whose reader is gone behind
/// `2>`. Called through the [`crate::note!`] macro.
pub fn note(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{args}");
}

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
///
/// A path that is not a regular file (`/dev/null`, a FIFO, `/dev/stdout`) is
/// written in place: renaming over it would replace the device with a file.
/// A symbolic link is followed, so the file it names is replaced, not the link.
pub fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    write_file_send(path, |w| f(w))
}

/// [`write_file`] for writers that must be `Send` (a writer handed to a
/// library that may use it from another thread).
pub fn write_file_send(
    path: &Path,
    f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> io::Result<()> {
    write_file_buffered(path, 256 * 1024, f)
}

/// [`write_file`] of a few large pieces, each written as it is, with no
/// buffer: from the first write to the rename nothing is allocated or freed,
/// so another thread that holds the allocator's lock (handing freed memory
/// back, as `pprofx merge` does while it writes) cannot hold the write up.
/// A BufWriter's buffer, freed before the `fsync`, waited 8 ms for it on
/// merge 2×200k.
pub fn write_file_unbuffered(
    path: &Path,
    f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> io::Result<()> {
    write_file_buffered(path, 0, f)
}

/// [`write_file_send`] with a buffer of `capacity` bytes (0: none).
fn write_file_buffered(
    path: &Path,
    capacity: usize,
    f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            let file = OpenOptions::new().write(true).open(path)?;
            let mut w = BufWriter::with_capacity(capacity, file);
            f(&mut w)?;
            return w.flush();
        }
        _ => {}
    }
    let resolved;
    let path = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = fs::canonicalize(path)?;
            resolved.as_path()
        }
        _ => path,
    };
    let (tmp_path, file) = create_temp(path)?;
    drop_cached(path);
    let result = (|| {
        let mut w = BufWriter::with_capacity(capacity, file);
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

/// Drops the cached pages of the file at `path`, which is about to be
/// replaced (Linux: clean pages only; the file itself is untouched and
/// stays readable until the rename).
///
/// A file written over in place (`O_TRUNC`, as pprof writes) frees its old
/// pages just before the new ones are written, and the kernel hands them
/// straight back to the writer. A rename frees them only afterwards, so the
/// new file's pages come from the free lists, whose warm pages the run's
/// own allocations have often taken already; on a virtual machine that
/// hands free memory back to its host (BENCHMARKS.md's), the rest are cold.
/// Writing merge 2×200k's 15 MB over the last run's output took 43–89 ms
/// instead of 3–4 ms in 6 runs of 12; with the old pages dropped first,
/// 3.0–4.5 ms in all 12.
fn drop_cached(path: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(old) = File::open(path) {
        use std::os::fd::AsRawFd;
        // SAFETY: advice about an open descriptor's cached pages; it
        // changes no contents, and a failure only leaves them cached.
        unsafe { libc::posix_fadvise(old.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_written_in_place() {
        // Renaming a temporary file over /dev/null would replace the device.
        let null = Path::new("/dev/null");
        if !null.exists() {
            return;
        }
        write_file(null, |w| w.write_all(b"discarded")).unwrap();
        let m = fs::metadata(null).unwrap();
        assert!(!m.is_file(), "/dev/null became a regular file");
    }

    #[test]
    fn a_symlink_keeps_pointing_at_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_file(&link, |w| w.write_all(b"new")).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        fs::write(&target, "precious").unwrap();
        let r = write_file(&target, |_| Err(io::Error::other("boom")));
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn unbuffered_pieces_replace_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        fs::write(&target, "old").unwrap();
        let pieces: Vec<Vec<u8>> = vec![vec![1; 300_000], vec![], vec![2; 5], vec![3; 70_000]];
        write_file_unbuffered(&target, |w| {
            for p in &pieces {
                w.write_all(p)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&target).unwrap(), pieces.concat());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // A failure still leaves the file as it was.
        let r = write_file_unbuffered(&target, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(fs::read(&target).unwrap(), pieces.concat());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
