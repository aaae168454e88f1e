//! Gunzip: gzip is recognised by its magic bytes, never by the file name,
//! and inflated with a cap on the output size so that a small hostile file
//! cannot exhaust memory. Raw (uncompressed) bytes pass through untouched.
//!
//! [`inflate_checked`] is the loader's way for a gzip file in memory (a
//! mapped file). A file whose trailer tells a small, plausible size (at
//! most `WHOLE` bytes and [`PLAUSIBLE_RATIO`] times the file, and under the
//! cap) is inflated whole by libdeflate (the `libdeflate` feature) and its
//! first stretch ([`PREFIX`]) shown to the [`Framing`] check. Any other file
//! has its first stretch inflated and checked as it is read, so that a gzip
//! bomb or gzipped junk stops there; then a single-member file of plausible
//! size takes libdeflate's fast path, and everything else goes on through
//! flate2 with the check, the buffer growing as the data does.
//! [`gunzip`] and [`decompress`] inflate without the check.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use super::framing::Framing;
use super::legacy;
use super::stream::{fill, FillStop, Stop};
use crate::error::LoadError;
use crate::source::Bytes;
use crate::util::bounded::BoundedBuf;

/// How much is inflated and checked before the fast path runs.
pub const PREFIX: usize = legacy::HEAD;

/// A gzip file whose trailer declares at most this many bytes (and
/// [`plausible_size`] trusts it) is inflated whole before the check.
#[cfg(feature = "libdeflate")]
const WHOLE: usize = 16 << 20;

/// A gzip trailer declaring more than this many times the file's size is
/// not trusted for a reservation (profiles compress 2–10 times; a bomb of
/// zeros a thousand times).
pub const PLAUSIBLE_RATIO: u64 = 64;

/// After a check failed in a gzip file, how much more is inflated (and
/// thrown away) to see whether the gzip stream itself is corrupt, which is
/// then the error reported, as when the whole file was inflated first.
const DRAIN: u64 = 64 << 20;

/// True if `data` starts with the gzip magic bytes.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Inflates `data` if it is gzip, enforcing `max_size`; otherwise returns it as is.
pub fn decompress(data: Bytes, max_size: u64) -> Result<Bytes, LoadError> {
    if !is_gzip(&data) {
        if data.len() as u64 > max_size {
            return Err(LoadError::TooLarge { limit: max_size });
        }
        return Ok(data);
    }
    gunzip(&data, max_size).map(Bytes::Owned)
}

/// The size a gzip file's trailer declares (its last member's, modulo 2^32):
/// only a hint.
fn trailer_size(data: &[u8]) -> u64 {
    if data.len() < 18 {
        return 0;
    }
    let t = &data[data.len() - 4..];
    u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]]))
}

/// The trailer's size when it is plausible for this file and under the cap.
fn plausible_size(data: &[u8], max_size: u64) -> Option<usize> {
    let hint = trailer_size(data);
    (hint > 0 && hint <= max_size && hint <= (data.len() as u64).saturating_mul(PLAUSIBLE_RATIO))
        .then_some(hint as usize)
}

/// Inflates the gzip file `data` (every member), enforcing `max_size`.
pub fn gunzip(data: &[u8], max_size: u64) -> Result<Vec<u8>, LoadError> {
    let hint = plausible_size(data, max_size);
    #[cfg(feature = "libdeflate")]
    if let Some(out) = fast::gunzip(data, max_size, hint) {
        return Ok(out);
    }
    let mut buf = BoundedBuf::new(max_size, hint.map_or(0, |h| h + 1));
    match fill(&mut MultiGzDecoder::new(data), &mut buf, None, usize::MAX) {
        Ok(_) => Ok(buf.into_vec()),
        Err(stop) => match stop.into_stop(buf) {
            Stop::Error(e) => Err(e),
            // Not without a framing check; an error all the same.
            Stop::Fault { fault, .. } => Err(LoadError::NotProfile(format!("{fault:?}"))),
        },
    }
}

/// Inflates the gzip file `data` for the loader, checking its framing (see
/// the module docs).
pub fn inflate_checked(data: &[u8], max_size: u64) -> Result<Vec<u8>, Stop> {
    let hint = plausible_size(data, max_size);
    let mut framing = Framing::new(max_size);
    // A small file is inflated whole by libdeflate and then checked: junk
    // costs at most WHOLE bytes, and the stretch inflated twice (by flate2
    // for the check, then by libdeflate) was 2 % of a merge of 300 profiles.
    #[cfg(feature = "libdeflate")]
    if let Some(out) = hint
        .filter(|&h| h <= WHOLE)
        .and_then(|h| fast::gunzip(data, max_size, Some(h)))
    {
        return match framing.check(&out[..out.len().min(PREFIX)]) {
            Ok(()) => Ok(out),
            Err(fault) => Err(Stop::Fault { fault, prefix: out }),
        };
    }
    let mut dec = MultiGzDecoder::new(data);
    let mut buf = BoundedBuf::new(max_size, 0);
    match fill(&mut dec, &mut buf, Some(&mut framing), PREFIX) {
        Ok(true) => return Ok(buf.into_vec()),
        Ok(false) => {}
        Err(stop) => return Err(checked_stop(stop, buf, &mut dec)),
    }
    #[cfg(feature = "libdeflate")]
    if let Some(out) = fast::gunzip(data, max_size, hint) {
        return Ok(out);
    }
    if let Some(h) = hint {
        buf.reserve_total(h + 1);
    }
    match fill(&mut dec, &mut buf, Some(&mut framing), usize::MAX) {
        Ok(_) => Ok(buf.into_vec()),
        Err(stop) => Err(checked_stop(stop, buf, &mut dec)),
    }
}

/// The error of a checked inflate: after a framing fault, a corrupt gzip
/// stream found within [`DRAIN`] more bytes is reported instead.
fn checked_stop(stop: FillStop, buf: BoundedBuf, dec: &mut dyn Read) -> Stop {
    if let FillStop::Fault(_) = stop {
        if let Err(e) = io::copy(&mut dec.take(DRAIN), &mut io::sink()) {
            return Stop::Error(LoadError::Gzip(gzip_message(&e)));
        }
    }
    stop.into_stop(buf)
}

/// The libdeflate fast paths: whole-buffer inflation of a file made of one
/// gzip member whose trailer tells its exact size, or of members that tell
/// their sizes ([`crate::util::gzmembers`], as pprofx writes large files),
/// those on several threads. Anything else (other multi-member files, a
/// lying trailer, corrupt data) returns `None` and goes through flate2,
/// which gives the error messages and handles every legal file.
#[cfg(feature = "libdeflate")]
mod fast {
    use libdeflate_sys as sys;

    use crate::util::gzmembers;

    /// Inflates `data` by the first fast path that takes it: sized members,
    /// or one member of the trailer's plausible size `hint`.
    pub fn gunzip(data: &[u8], max_size: u64, hint: Option<usize>) -> Option<Vec<u8>> {
        gunzip_sized_members(data, max_size)
            .or_else(|| hint.and_then(|h| gunzip_single_member(data, h)))
    }

    /// Inflates a file of sized members, each into its own region of the
    /// output, the members shared out over the threads; `None` unless
    /// every member inflates to exactly its size.
    fn gunzip_sized_members(data: &[u8], max_size: u64) -> Option<Vec<u8>> {
        let cap = max_size.min((data.len() as u64).saturating_mul(super::PLAUSIBLE_RATIO));
        let members = gzmembers::index(data, cap)?;
        let total = members.iter().map(|m| m.size).sum();
        // Not zeroed first: every byte is inflated into, or the file fails.
        let mut out: Vec<u8> = Vec::with_capacity(total);
        let groups =
            crate::util::parallel::split_into(members.len(), crate::util::parallel::max_threads());
        let mut jobs = Vec::with_capacity(groups.len());
        let mut rest = &mut out.spare_capacity_mut()[..total];
        for g in groups {
            let bytes = members[g.clone()].iter().map(|m| m.size).sum();
            let (region, r) = std::mem::take(&mut rest).split_at_mut(bytes);
            jobs.push((&members[g], region));
            rest = r;
        }
        let ok = crate::util::parallel::run_each(jobs, |(ms, mut region)| {
            ms.iter().all(|m| {
                let (dst, r) = std::mem::take(&mut region).split_at_mut(m.size);
                region = r;
                inflate_exact(&data[m.start..m.start + m.len], dst)
            })
        });
        if !ok.into_iter().all(|b| b) {
            return None;
        }
        // SAFETY: the regions are the first `total` bytes, back to back, and
        // every member filled its own exactly (`inflate_exact`).
        unsafe { out.set_len(total) };
        Some(out)
    }

    /// Inflates the gzip member `src` into `dst`, which it must fill
    /// exactly (true: every byte of `dst` is written); false otherwise.
    fn inflate_exact(src: &[u8], dst: &mut [std::mem::MaybeUninit<u8>]) -> bool {
        let (mut used_in, mut used_out) = (0usize, 0usize);
        // SAFETY: the decompressor is allocated, used once and freed here;
        // the pointers come from live slices with their lengths, and
        // libdeflate writes at most `dst.len()` bytes.
        let result = unsafe {
            let d = sys::libdeflate_alloc_decompressor();
            if d.is_null() {
                return false;
            }
            let r = sys::libdeflate_gzip_decompress_ex(
                d,
                src.as_ptr().cast(),
                src.len(),
                dst.as_mut_ptr().cast(),
                dst.len(),
                &mut used_in,
                &mut used_out,
            );
            sys::libdeflate_free_decompressor(d);
            r
        };
        result == sys::libdeflate_result_LIBDEFLATE_SUCCESS
            && used_in == src.len()
            && used_out == dst.len()
    }

    /// Inflates `data` into exactly `size` bytes, or `None`.
    pub(super) fn gunzip_single_member(data: &[u8], size: usize) -> Option<Vec<u8>> {
        // Not zeroed first (a merge of many inputs reuses freed memory, which
        // calloc would clear in full): the inflate writes every byte, or
        // the buffer is dropped unread.
        let mut out: Vec<u8> = Vec::with_capacity(size);
        // Profiles inflate to 2-10 times their gzip size: the helper stops
        // at 16 times, however much the trailer claimed.
        let ahead = data.len().saturating_mul(16);
        let dst = &mut out.spare_capacity_mut()[..size];
        if !crate::util::populate::while_filling(dst, ahead, |dst| inflate_exact(data, dst)) {
            return None;
        }
        // SAFETY: `inflate_exact` succeeded, so it wrote all `size` bytes.
        unsafe { out.set_len(size) };
        Some(out)
    }
}

/// A gzip error as a short phrase.
pub(crate) fn gzip_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated gzip stream".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{parse, LoadOptions, DEFAULT_MAX_SIZE};
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(data: Vec<u8>) -> Result<Vec<u8>, LoadError> {
        decompress(Bytes::Owned(data), DEFAULT_MAX_SIZE).map(|b| b.to_vec())
    }

    /// The bytes of [`inflate_checked`] on `data` gzipped, or its fault
    /// and how many bytes it had inflated.
    fn checked(data: &[u8]) -> Result<Vec<u8>, (String, usize)> {
        match inflate_checked(&gz(data), DEFAULT_MAX_SIZE) {
            Ok(out) => Ok(out),
            Err(Stop::Fault { fault, prefix }) => Err((format!("{fault:?}"), prefix.len())),
            Err(Stop::Error(e)) => panic!("{e}"),
        }
    }

    /// `n` bytes of field 15 (a varint) over and over, with values that
    /// hardly compress, so that the trailer's size is plausible.
    fn junk(n: usize) -> Vec<u8> {
        let mut x = 1u32;
        (0..n)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if i % 2 == 0 {
                    0x78
                } else {
                    (x >> 16) as u8 & 0x7f
                }
            })
            .collect()
    }

    #[test]
    fn small_and_large_files_are_checked_alike() {
        // Field 15 over and over is implausible, whether the file is
        // inflated whole first (up to `WHOLE`) or checked as it is inflated
        // (larger, or with a trailer too large to trust).
        let (fault, read) = checked(&junk(1 << 20)).unwrap_err();
        assert!(fault.starts_with("Implausible"), "{fault}");
        if cfg!(feature = "libdeflate") {
            assert_eq!(read, 1 << 20, "inflated whole");
        }
        for large in [junk(20 << 20), vec![b'x'; 1 << 20]] {
            let (large_fault, large_read) = checked(&large).unwrap_err();
            assert_eq!(fault, large_fault);
            // Stopped after its first stretch, not at its end.
            assert!((PREFIX..1 << 20).contains(&large_read), "{large_read}");
        }
        // A plausible small file comes out whole: empty sample types.
        let fine: Vec<u8> = [0x0a, 0x00].repeat(100_000);
        assert_eq!(checked(&fine).unwrap(), fine);
    }

    #[test]
    fn one_member_inflates_exactly() {
        let text: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(inflate(gz(&text)).unwrap(), text);
    }

    #[test]
    fn every_member_is_read() {
        // The second member's trailer equals the first member's size: a fast
        // path trusting the trailer alone would stop after the first member.
        let (a, b) = (vec![b'a'; 1000], vec![b'b'; 1000]);
        let mut both = gz(&a);
        both.extend(gz(&b));
        let out = inflate(both).unwrap();
        assert_eq!(out.len(), 2000);
        assert_eq!(&out[..1000], &a[..]);
        assert_eq!(&out[1000..], &b[..]);
    }

    #[test]
    fn a_lying_trailer_is_only_a_hint() {
        let text = vec![b'x'; 5000];
        for size in [0u32, 10, 4999, 5001, 1 << 30] {
            let mut f = gz(&text);
            let n = f.len();
            f[n - 4..].copy_from_slice(&size.to_le_bytes());
            // flate2 checks the trailer too: either the right bytes or an error.
            if let Ok(out) = inflate(f) {
                assert_eq!(out, text, "trailer size {size}");
            }
        }
    }

    /// A small valid profile.proto: one sample type, one string table.
    fn tiny_profile() -> Vec<u8> {
        use prost::Message;
        let p = crate::model::proto::Profile {
            sample_type: vec![crate::model::proto::ValueType { r#type: 1, unit: 2 }],
            string_table: vec![String::new(), "samples".into(), "count".into()],
            ..Default::default()
        };
        p.encode_to_vec()
    }

    #[test]
    fn a_wrong_checksum_fails_with_flate2s_message() {
        let mut f = gz(&tiny_profile());
        let n = f.len();
        // Flip a bit of the CRC-32, the trailer's first field. The libdeflate
        // path defers to flate2 on any failure, so flate2's message is expected.
        f[n - 8] ^= 1;
        let mut flate2_out = Vec::new();
        let want = MultiGzDecoder::new(&f[..])
            .read_to_end(&mut flate2_out)
            .map(|_| ())
            .map_err(|e| gzip_message(&e))
            .expect_err("flate2 rejects a wrong checksum");
        for got in [
            parse(Bytes::Owned(f.clone()), &LoadOptions::default()).map(|_| ()),
            inflate(f.clone()).map(|_| ()),
        ] {
            match got {
                Err(LoadError::Gzip(m)) => assert_eq!(m, want),
                other => panic!("want the checksum error, got {other:?}"),
            }
        }
        // The same file with its checksum intact loads.
        f[n - 8] ^= 1;
        assert!(parse(Bytes::Owned(f), &LoadOptions::default()).is_ok());
    }

    #[test]
    fn optional_header_fields_are_skipped() {
        let data = tiny_profile();
        let mut e = flate2::GzBuilder::new()
            .filename("cpu.pb")
            .comment("a comment")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), flate2::Compression::default());
        e.write_all(&data).unwrap();
        let f = e.finish().unwrap();
        #[cfg(feature = "libdeflate")]
        assert!(
            fast::gunzip_single_member(&f, data.len()).is_some(),
            "fast path taken"
        );
        assert_eq!(inflate(f).unwrap(), data);
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut f = gz(&vec![b'y'; 5000]);
        let mid = f.len() / 2;
        f[mid] ^= 0xff;
        f[mid + 1] ^= 0x55;
        assert!(inflate(f).is_err());
    }
}
