//! Gzip files that say where their members end, so that they can be
//! inflated on every core.
//!
//! A gzip file may hold several members back to back; every reader (Go's
//! `compress/gzip`, and so pprof; zlib; `gzip -d`) inflates them as one
//! stream. pprofx writes large profiles as members of up to [`PIECE`]
//! input bytes each, compressed side by side, and puts each member's total size
//! (header to trailer) in its header: the `FEXTRA` field, as one subfield
//! with the id `PX` and a 4-byte little-endian length, as BGZF does for its
//! blocks. Readers that do not know the subfield skip it, as the gzip
//! format asks. [`index`] finds the members of such a file from their
//! headers alone, and their uncompressed sizes from their trailers, so the
//! loader can give each member its own region of the output and inflate
//! them on several threads. Anything else returns `None` and is read as
//! before.

/// Input bytes per member at most.
pub const PIECE: usize = 8 << 20;

/// The header of a sized member up to its size: magic, deflate, `FEXTRA`,
/// no time, no extra flags, unknown OS, 8 bytes of extra field holding one
/// `PX` subfield of 4 bytes.
const HEADER: [u8; 16] = [
    0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 8, 0, b'P', b'X', 4, 0,
];

/// Bytes before a member's deflate data: [`HEADER`] and the size.
const HEADER_LEN: usize = HEADER.len() + 4;

/// Bytes of a plain gzip header (no optional fields), as libdeflate writes.
const PLAIN_HEADER_LEN: usize = 10;

/// One member of a sized file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Where the member starts in the file.
    pub start: usize,
    /// Its length in the file, header to trailer.
    pub len: usize,
    /// Its uncompressed length (its trailer's `ISIZE`).
    pub size: usize,
}

/// Appends `member`, one gzip member with a plain 10-byte header (flags 0),
/// to `out` with a sized header instead; `None` (and nothing appended) if
/// the member does not have that form or is 4 GiB or more.
pub fn push_sized(out: &mut Vec<u8>, member: &[u8]) -> Option<()> {
    if member.len() < PLAIN_HEADER_LEN + 8 || member[..4] != [0x1f, 0x8b, 8, 0] {
        return None;
    }
    let body = &member[PLAIN_HEADER_LEN..];
    let len = u32::try_from(HEADER_LEN + body.len()).ok()?;
    out.extend_from_slice(&HEADER);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    Some(())
}

/// The members of `data` if it is made of sized members only (at least
/// two), with their uncompressed sizes summing to at most `max_size`.
pub fn index(data: &[u8], max_size: u64) -> Option<Vec<Member>> {
    if data.get(..HEADER.len())? != HEADER {
        return None;
    }
    let mut members = Vec::new();
    let (mut at, mut total) = (0usize, 0u64);
    while at < data.len() {
        let head = data.get(at..at + HEADER_LEN)?;
        if head[..HEADER.len()] != HEADER {
            return None;
        }
        let len = u32::from_le_bytes([head[16], head[17], head[18], head[19]]) as usize;
        // Header, at least an empty deflate block, CRC and size.
        if len < HEADER_LEN + 2 + 8 {
            return None;
        }
        let end = at.checked_add(len).filter(|&e| e <= data.len())?;
        let t = &data[end - 4..end];
        let size = u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize;
        total += size as u64;
        if total > max_size {
            return None;
        }
        members.push(Member {
            start: at,
            len,
            size,
        });
        at = end;
    }
    (members.len() >= 2).then_some(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn plain(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn sized_members_read_as_one_stream_and_index_by_their_headers() {
        let (a, b) = (b"first piece ".repeat(100), b"and the second".repeat(50));
        let mut file = Vec::new();
        push_sized(&mut file, &plain(&a)).unwrap();
        let first_len = file.len();
        push_sized(&mut file, &plain(&b)).unwrap();
        let mut all = Vec::new();
        flate2::read::MultiGzDecoder::new(&file[..])
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, [a.clone(), b.clone()].concat());
        let members = index(&file, u64::MAX).unwrap();
        assert_eq!(
            members,
            [
                Member {
                    start: 0,
                    len: first_len,
                    size: a.len()
                },
                Member {
                    start: first_len,
                    len: file.len() - first_len,
                    size: b.len()
                }
            ]
        );
        // Over the cap, one member, a cut or foreign file: not indexed.
        assert_eq!(index(&file, (a.len() + b.len() - 1) as u64), None);
        assert_eq!(index(&file[..first_len], u64::MAX), None);
        assert_eq!(index(&file[..file.len() - 1], u64::MAX), None);
        assert_eq!(index(&plain(&a), u64::MAX), None);
        let mut lying = file.clone();
        lying[16] = 0xff;
        lying[17] = 0xff;
        assert_eq!(index(&lying, u64::MAX), None);
    }
}
