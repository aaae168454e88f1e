//! ISA-L's igzip compressor for written profiles, loaded at run time when
//! the system has it.
//!
//! Compressing is the largest single cost of writing a merged profile:
//! libdeflate's fastest level takes 180–190 ms of CPU for the 36 MB of a
//! merge of two 200k-sample profiles, where ISA-L's igzip (Intel's
//! Intelligent Storage Acceleration Library, hand-written SIMD) takes
//! about half that at its level 2, for a file about 5 % larger
//! (BENCHMARKS.md). ISA-L builds with nasm and autotools, which a
//! `cargo install` cannot assume, so pprofx does not build it: on Linux it
//! opens the system's shared library (`libisal.so.2`: Debian's and
//! Ubuntu's `libisal2`, Fedora's `isa-l`) with `dlopen` the first time a
//! profile is compressed, and uses libdeflate when there is none.
//! `PPROFX_IGZIP=0` in the environment turns it off.
//!
//! Only the two one-shot calls are used (`isal_deflate_stateless_init` and
//! `isal_deflate_stateless`), with the stream's public fields as 2.30's
//! `igzip_lib.h` lays them out, in a zeroed block three times the size of
//! 2.30's whole stream. Those fields have kept their places since releases
//! older than the dictionary functions (`isal_deflate_process_dict`), so a
//! library without those is not used. Before the library is
//! trusted, a known text is compressed with it and inflated back with
//! flate2: a library that does not give the text back is not used.

use std::ffi::c_int;
use std::sync::OnceLock;

/// The public head of ISA-L's `struct isal_zstream` (`igzip_lib.h`); the
/// library's internal state follows it in the block [`Igzip`] owns.
#[repr(C)]
struct StreamHead {
    next_in: *const u8,
    avail_in: u32,
    total_in: u32,
    next_out: *mut u8,
    avail_out: u32,
    total_out: u32,
    hufftables: *mut std::ffi::c_void,
    level: u32,
    level_buf_size: u32,
    level_buf: *mut u8,
    end_of_stream: u16,
    flush: u16,
    gzip_flag: u16,
    hist_bits: u16,
}

/// Bytes reserved for the whole stream: 2.30's is 82,384.
const STREAM_BYTES: usize = 256 << 10;
/// The compression level: 2 is as fast as 1 on profiles, with files about
/// 5 % smaller (BENCHMARKS.md).
const LEVEL: u32 = 2;
/// `ISAL_DEF_LVL2_DEFAULT` of 2.30: the level's work buffer.
const LEVEL_BUF_BYTES: usize = 331_776;
/// `gzip_flag` for a whole gzip member with a plain 10-byte header.
const IGZIP_GZIP: u16 = 1;
/// `flush`: no flush; the stateless call ends the stream itself.
const NO_FLUSH: u16 = 0;
/// `isal_deflate_stateless`'s success.
const COMP_OK: c_int = 0;

/// The library's two entry points.
#[derive(Clone, Copy)]
struct Api {
    init: unsafe extern "C" fn(*mut StreamHead),
    deflate: unsafe extern "C" fn(*mut StreamHead) -> c_int,
}

// SAFETY: two plain function pointers into a library that stays loaded.
unsafe impl Send for Api {}
// SAFETY: as above; the functions keep no state outside the stream passed.
unsafe impl Sync for Api {}

/// The loaded library, if there is one that passed the round trip.
fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        if std::env::var_os("PPROFX_IGZIP").is_some_and(|v| v == "0") {
            return None;
        }
        let api = load()?;
        round_trips(&api).then_some(api)
    })
    .as_ref()
}

/// Whether the tests must find igzip: under CI (`PPROFX_CI`), which
/// installs the library, unless `PPROFX_CI_NO_IGZIP` is set.
#[cfg(test)]
pub(crate) fn required() -> bool {
    let ci = std::env::var("PPROFX_CI").is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    ci && std::env::var_os("PPROFX_CI_NO_IGZIP").is_none_or(|v| v.is_empty())
}

#[cfg(target_os = "linux")]
fn load() -> Option<Api> {
    // SAFETY: dlopen with a NUL-terminated name and dlsym on the handle it
    // returned; the library is never closed, so the function pointers stay
    // valid for the life of the process. The two symbols have the C
    // signatures declared in `Api` (igzip_lib.h).
    unsafe {
        let h = libc::dlopen(c"libisal.so.2".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        if h.is_null() {
            return None;
        }
        // Releases from before the stream's public fields took their
        // present layout (`level`, `gzip_flag`, `hist_bits`) also lack the
        // dictionary functions of later ones: a library without one of
        // those is not used.
        if libc::dlsym(h, c"isal_deflate_process_dict".as_ptr()).is_null() {
            return None;
        }
        let init = libc::dlsym(h, c"isal_deflate_stateless_init".as_ptr());
        let deflate = libc::dlsym(h, c"isal_deflate_stateless".as_ptr());
        if init.is_null() || deflate.is_null() {
            return None;
        }
        Some(Api {
            init: std::mem::transmute::<*mut libc::c_void, unsafe extern "C" fn(*mut StreamHead)>(
                init,
            ),
            deflate: std::mem::transmute::<
                *mut libc::c_void,
                unsafe extern "C" fn(*mut StreamHead) -> c_int,
            >(deflate),
        })
    }
}

#[cfg(not(target_os = "linux"))]
fn load() -> Option<Api> {
    None
}

/// Whether `api` compresses a known text into a gzip member that inflates
/// back to it.
fn round_trips(api: &Api) -> bool {
    let text: Vec<u8> = (0..8_000u32)
        .flat_map(|i| (i % 977).to_le_bytes())
        .chain(b"pprofx checks igzip".iter().copied())
        .collect();
    let mut z = Igzip::with(*api);
    let mut gz = Vec::new();
    if z.gzip_into(&text, &mut gz).is_none() || gz.get(..4) != Some(&[0x1f, 0x8b, 8, 0]) {
        return false;
    }
    let mut back = Vec::with_capacity(text.len());
    use std::io::Read;
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut back)
        .is_ok()
        && back == text
}

/// 64 bytes aligned as a cache line: the unit of the blocks handed to the
/// library, whose internal state holds aligned SIMD buffers.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// A zeroed block of at least `bytes`, 64-byte aligned.
fn zeroed_lines(bytes: usize) -> Box<[Line]> {
    vec![Line([0; 64]); bytes.div_ceil(64)].into_boxed_slice()
}

/// An igzip compressor: the stream and the level's work buffer, reused for
/// every member one thread compresses.
pub struct Igzip {
    api: Api,
    /// The stream, zeroed.
    stream: Box<[Line]>,
    /// The level's work buffer.
    level_buf: Box<[Line]>,
}

impl Igzip {
    /// A compressor, or `None` when the system has no usable igzip (or
    /// `PPROFX_IGZIP=0`).
    pub fn new() -> Option<Igzip> {
        Some(Igzip::with(*api()?))
    }

    fn with(api: Api) -> Igzip {
        Igzip {
            api,
            stream: zeroed_lines(STREAM_BYTES),
            level_buf: zeroed_lines(LEVEL_BUF_BYTES),
        }
    }

    /// Appends `data` to `out` as one gzip member with a plain 10-byte
    /// header; `None` (and `out` as it was) if igzip fails or the input is
    /// 4 GiB or more.
    pub fn gzip_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Option<()> {
        let avail_in = u32::try_from(data.len()).ok()?;
        // Stored blocks cost 5 bytes a 64 KiB block; the header, trailer
        // and a last block's headroom fit in the rest.
        let bound = data.len() + data.len() / 1024 + (64 << 10);
        let avail_out = u32::try_from(bound).ok()?;
        let start = out.len();
        out.reserve(bound);
        let s = self.stream.as_mut_ptr().cast::<StreamHead>();
        // SAFETY: `s` points at a zeroed, 64-aligned block of STREAM_BYTES,
        // more than the library's stream, which `init` initializes; the
        // input, output and work buffers are live for the call with the
        // lengths given, and igzip writes at most `avail_out` bytes.
        let (rc, written) = unsafe {
            (self.api.init)(s);
            (*s).next_in = data.as_ptr();
            (*s).avail_in = avail_in;
            (*s).next_out = out.as_mut_ptr().add(start);
            (*s).avail_out = avail_out;
            (*s).level = LEVEL;
            (*s).level_buf = self.level_buf.as_mut_ptr().cast::<u8>();
            (*s).level_buf_size = LEVEL_BUF_BYTES as u32;
            (*s).end_of_stream = 1;
            (*s).flush = NO_FLUSH;
            (*s).gzip_flag = IGZIP_GZIP;
            let rc = (self.api.deflate)(s);
            (rc, avail_out.saturating_sub((*s).avail_out) as usize)
        };
        if rc != COMP_OK || written > bound {
            return None;
        }
        // SAFETY: igzip wrote `written` bytes after `start`, inside the
        // capacity reserved above.
        unsafe { out.set_len(start + written) };
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn igzip_members_inflate_back_when_the_library_is_there() {
        let Some(mut z) = Igzip::new() else {
            assert!(
                !required(),
                "libisal.so.2 not loadable: CI installs Debian's libisal2 (or set PPROFX_CI_NO_IGZIP=1)"
            );
            eprintln!("skipped: no libisal.so.2 on this machine");
            return;
        };
        let a: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i * 7 % 1000).to_le_bytes())
            .collect();
        let b = b"a second member".repeat(10);
        let mut out = Vec::new();
        z.gzip_into(&a, &mut out).unwrap();
        z.gzip_into(&b, &mut out).unwrap();
        z.gzip_into(b"", &mut out).unwrap();
        let mut all = Vec::new();
        flate2::read::MultiGzDecoder::new(&out[..])
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, [a.clone(), b.to_vec()].concat());
        assert!(
            out.len() < a.len() / 2,
            "compressed {} of {}",
            out.len(),
            a.len()
        );
    }
}
