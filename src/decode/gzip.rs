//! Gunzip: gzip is recognised by its magic bytes, never by the file name,
//! and inflated with a cap on the output size so that a small hostile file
//! cannot exhaust memory. Raw (uncompressed) bytes pass through untouched.
//! Single-member files take libdeflate's fast path (the `libdeflate`
//! feature); everything else goes through flate2.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::error::LoadError;
use crate::source::Bytes;

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

/// Inflates the gzip file `data` (every member), enforcing `max_size`.
pub fn gunzip(data: &[u8], max_size: u64) -> Result<Vec<u8>, LoadError> {
    // The trailer's ISIZE is the last member's size modulo 2^32: only a hint.
    let hint = if data.len() >= 18 {
        let t = &data[data.len() - 4..];
        u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]]))
    } else {
        0
    };
    // Deflate cannot expand more than ~1032:1, which bounds a lying trailer.
    let bound = (data.len() as u64).saturating_mul(1032);
    #[cfg(feature = "libdeflate")]
    if hint <= max_size && hint <= bound {
        if let Some(out) = fast::gunzip_single_member(data, hint as usize) {
            return Ok(out);
        }
    }
    let mut out = Vec::with_capacity(hint.min(max_size).min(bound) as usize);
    let mut dec = MultiGzDecoder::new(data).take(max_size.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|e| LoadError::Gzip(gzip_message(&e)))?;
    if out.len() as u64 > max_size {
        return Err(LoadError::TooLarge { limit: max_size });
    }
    Ok(out)
}

/// The libdeflate fast path: whole-buffer inflation of a file made of one
/// gzip member whose trailer tells its exact size. Anything else (several
/// members, a lying trailer, corrupt data) returns `None` and goes through
/// flate2, which gives the error messages and handles every legal file.
#[cfg(feature = "libdeflate")]
mod fast {
    use libdeflate_sys as sys;

    /// Inflates `data` into exactly `size` bytes, or `None`.
    pub fn gunzip_single_member(data: &[u8], size: usize) -> Option<Vec<u8>> {
        // `vec![0; n]` comes from calloc: pages are zeroed lazily by the kernel.
        let mut out = vec![0u8; size];
        let (mut used_in, mut used_out) = (0usize, 0usize);
        // SAFETY: the decompressor is allocated, used once and freed here; the
        // input and output pointers come from live slices with their lengths,
        // and libdeflate writes at most `out.len()` bytes.
        let result = unsafe {
            let d = sys::libdeflate_alloc_decompressor();
            if d.is_null() {
                return None;
            }
            let r = sys::libdeflate_gzip_decompress_ex(
                d,
                data.as_ptr().cast(),
                data.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &mut used_in,
                &mut used_out,
            );
            sys::libdeflate_free_decompressor(d);
            r
        };
        (result == sys::libdeflate_result_LIBDEFLATE_SUCCESS
            && used_in == data.len()
            && used_out == size)
            .then_some(out)
    }
}

fn gzip_message(e: &io::Error) -> String {
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
