//! Saving fetched profiles where pprof saves its captures.
//!
//! [`save`] writes a fetched profile in [`save_dir`] (`$PPROF_TMPDIR`, else
//! `$HOME/pprof`, else the system's temporary directory) under pprof's name
//! (`pprof.<binary>.<sample types>.NNN.pb.gz`, the first free NNN from 001),
//! through a temporary file linked into place, so that no capture is ever
//! overwritten or half-written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crate::error::io_phrase;
use crate::model::Profile;

/// Where captures are saved: `$PPROF_TMPDIR`, else `$HOME/pprof`, else the
/// system's temporary directory — the first that exists or can be created.
pub fn save_dir() -> io::Result<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("PPROF_TMPDIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(h).join("pprof"));
    }
    dirs.push(std::env::temp_dir());
    let mut last = None;
    for d in dirs {
        match std::fs::create_dir_all(&d) {
            Ok(()) => return Ok(d),
            Err(e) => {
                crate::note!("pprofx: could not use {}: {}", d.display(), io_phrase(&e));
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no directory to save profiles in")))
}

/// pprof's name for a saved capture, without the number and suffix:
/// `pprof.<base name of the main binary>.<each sample type>.`
pub fn save_prefix(p: &Profile) -> String {
    let mut prefix = String::from("pprof.");
    if let Some(m) = p.mappings.first() {
        let file = p.str(m.filename);
        if !file.is_empty() {
            prefix.push_str(crate::util::go::go_base(file));
            prefix.push('.');
        }
    }
    for t in &p.sample_types {
        prefix.push_str(p.str(t.ty));
        prefix.push('.');
    }
    prefix
}

/// Saves a fetched profile in [`save_dir`] under pprof's name
/// ([`save_prefix`] + `NNN.pb.gz`): `gzipped`, the body as it came when it
/// was gzip, byte for byte; otherwise (plain protobuf, text formats) the
/// gzipped profile.proto of `profile`. Returns the path.
pub fn save(gzipped: Option<&[u8]>, profile: &Profile) -> io::Result<PathBuf> {
    let dir = save_dir()?;
    let encoded;
    let bytes = match gzipped {
        Some(b) => b,
        None => {
            encoded = crate::model::encode::gzipped(profile)?;
            &encoded
        }
    };
    write_new_file(&dir, &save_prefix(profile), ".pb.gz", bytes)
}

/// Writes `bytes` to `dir/{prefix}NNN{suffix}` for the first NNN (001…9999)
/// that does not exist yet: a temporary file is written, synced, and
/// hard-linked to the name (which fails rather than overwrite), so readers
/// never see half a file and two writers never pick the same name.
pub fn write_new_file(dir: &Path, prefix: &str, suffix: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{prefix}{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        for n in 1..10000 {
            let path = dir.join(format!("{prefix}{n:03}{suffix}"));
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(_) if !path.exists() => {
                    // A file system without hard links: rename (not atomic
                    // against a concurrent writer of the same name).
                    std::fs::rename(&tmp, &path)?;
                    return Ok(path);
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!(
            "could not create a file of the form {prefix}001{suffix}"
        )))
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_names_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_new_file(dir.path(), "pprof.x.cpu.", ".pb.gz", b"a").unwrap();
        let b = write_new_file(dir.path(), "pprof.x.cpu.", ".pb.gz", b"b").unwrap();
        assert_eq!(a.file_name().unwrap(), "pprof.x.cpu.001.pb.gz");
        assert_eq!(b.file_name().unwrap(), "pprof.x.cpu.002.pb.gz");
        assert_eq!(std::fs::read(&a).unwrap(), b"a");
        assert_eq!(std::fs::read(&b).unwrap(), b"b");
        // Only the two files: no temporary left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
