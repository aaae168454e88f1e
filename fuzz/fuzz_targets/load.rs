//! Arbitrary bytes → the loader of an in-memory source (gunzip sniffed and
//! capped at 64 MiB, the framing check, the decoder): what `pprofx::load`
//! does with a file. Nothing may panic, and the size cap keeps gzip bombs
//! from exhausting memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pprofx::decode::gzip::decompress;
use pprofx::source::Bytes;

const MAX_SIZE: u64 = 64 << 20;

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = decompress(Bytes::Owned(data.to_vec()), MAX_SIZE) {
        assert!(bytes.len() as u64 <= MAX_SIZE, "size cap not enforced");
    }
    let opts = pprofx::LoadOptions {
        max_size: MAX_SIZE,
        ..Default::default()
    };
    let _ = pprofx::decode::parse(Bytes::Owned(data.to_vec()), &opts);
    let _ = pprofx::decode::parse_reader(data, &opts);
});
