//! Arbitrary bytes → gunzip (sniffed, capped at 64 MiB) → decoder: what
//! `pprofx::load` does after reading the file. Nothing may panic, and the
//! size cap keeps gzip bombs from exhausting memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pprofx::decode::gzip::decompress;
use pprofx::source::Bytes;

const MAX_SIZE: u64 = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = decompress(Bytes::Owned(data.to_vec()), MAX_SIZE) else {
        return;
    };
    assert!(bytes.len() as u64 <= MAX_SIZE, "size cap not enforced");
    if !bytes.is_empty() {
        let _ = pprofx::decode::protobuf::decode(&bytes);
    }
});
