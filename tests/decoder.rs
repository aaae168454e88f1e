//! The hand-written decoder against prost, its oracle.
//!
//! Every profile we can find (the project's own examples, the shared corpus
//! and google/pprof's test profiles) is decoded twice, by prost and by
//! `pprofx::decode::protobuf`, and the two results must be the same message. Hand-made
//! byte streams check what prost's encoder never writes (unpacked repeated
//! fields, samples before sample types, unknown fields, sparse ids), and
//! malformed inputs must give errors, never panics.
//!
//! [`EXPECTED_PROFILES`] pins how many profiles each source holds; without
//! `../shared` the shared sources are a visible skip (a failure under
//! `PPROFX_CI=1`).

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use pprofx::decode::protobuf::decode;
use pprofx::model::encode::to_proto;
use pprofx::model::proto;
use pprofx::DecodeError;
use prost::Message;

fn inflate(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).expect("read profile");
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else {
        raw
    }
}

/// prost's view, with an empty period type normalised to none (the model does not distinguish).
fn oracle(bytes: &[u8]) -> proto::Profile {
    let mut p = proto::Profile::decode(bytes).expect("prost decodes");
    if p.period_type == Some(proto::ValueType::default()) {
        p.period_type = None;
    }
    p
}

fn profiles_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            profiles_under(&p, out);
        } else if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
            if name.ends_with(".pb.gz") || name.ends_with(".pb") {
                out.push(p);
            }
        }
    }
}

/// Profiles (`.pb`, `.pb.gz`) per source: `compared` with prost, and
/// `prost-rejects` (deliberately odd peer files prost refuses, left out).
const EXPECTED_PROFILES: &str = "
    profiles       examples  corpus  peer
    compared             13      16    28
    prost-rejects         0       0     0
";

#[test]
fn agrees_with_prost_on_every_profile() {
    let root = common::repo_root();
    let mut sources = vec![("examples", root.join("examples/profiles"))];
    if let Some(s) = common::shared_dir() {
        sources.push(("corpus", s.join("corpus")));
        sources.push(("peer", s.join("peer/pprof-testdata/generated")));
    }
    let expected = common::counts::Expected::parse(EXPECTED_PROFILES);
    for (source, dir) in sources {
        let mut files = Vec::new();
        profiles_under(&dir, &mut files);
        let mut found = BTreeMap::new();
        for f in &files {
            let bytes = inflate(f);
            // Some peer files are deliberately odd; only compare what prost accepts.
            let Ok(_) = proto::Profile::decode(&bytes[..]) else {
                eprintln!("prost rejects {}, skipped", f.display());
                *found.entry("prost-rejects".to_string()).or_default() += 1;
                continue;
            };
            let fast = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(to_proto(&fast), oracle(&bytes), "{}", f.display());
            // prost reads the writer's direct encoding back as the same model.
            let direct = pprofx::model::encode::encode(&fast);
            assert!(
                proto::Profile::decode(&direct[..]).ok() == Some(to_proto(&fast)),
                "{}: prost reads the direct encoding as another profile",
                f.display()
            );
            *found.entry("compared".to_string()).or_default() += 1;
        }
        common::show(&format!(
            "decoder [{source}]: agrees with prost on {} profiles ({})",
            found.get("compared").unwrap_or(&0),
            dir.display()
        ));
        expected.assert_matches("EXPECTED_PROFILES in tests/decoder.rs", source, &found);
    }
}

#[test]
fn written_gzip_reads_back_at_every_level() {
    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    for level in [1, 6, 9] {
        let gz = pprofx::model::encode::gzip(&data, level);
        assert!(gz.len() < data.len() / 4, "level {level} barely compresses");
        let back = pprofx::decode::gzip::gunzip(&gz, u64::MAX).expect("gunzip");
        assert!(back == data, "level {level} does not round-trip");
    }
}

/// A minimal protobuf writer for hand-made streams.
#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn varint(&mut self, mut v: u64) -> &mut Self {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
        self
    }
    fn key(&mut self, field: u64, wire: u64) -> &mut Self {
        self.varint(field << 3 | wire)
    }
    fn int(&mut self, field: u64, v: u64) -> &mut Self {
        self.key(field, 0).varint(v)
    }
    fn bytes(&mut self, field: u64, b: &[u8]) -> &mut Self {
        self.key(field, 2).varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn msg(&mut self, field: u64, m: &W) -> &mut Self {
        self.bytes(field, &m.0)
    }
}

/// A small profile written the way prost never writes: samples first,
/// unpacked repeated fields, unknown fields of every wire type, sparse ids.
fn odd_profile() -> Vec<u8> {
    const BIG: u64 = 1 << 40;
    let mut p = W::default();
    // Sample 1: unpacked location ids and values, an unknown fixed64 field.
    let mut s = W::default();
    s.int(1, BIG + 2).int(1, BIG + 1).int(2, 7).int(2, 70);
    s.key(9, 1).0.extend_from_slice(&[0; 8]);
    let mut label = W::default();
    label.int(1, 5).int(2, 6);
    s.msg(3, &label);
    p.msg(2, &s);
    // Sample 2: packed ids and values.
    let mut s = W::default();
    let mut ids = W::default();
    ids.varint(BIG + 1);
    s.msg(1, &ids);
    let mut vals = W::default();
    vals.varint(3).varint(30);
    s.msg(2, &vals);
    p.msg(2, &s);
    for (t, u) in [(1, 2), (3, 4)] {
        let mut vt = W::default();
        vt.int(1, t).int(2, u);
        p.msg(1, &vt);
    }
    // Unknown top-level fields: varint, fixed32, bytes.
    p.int(100, 1);
    p.key(101, 5).0.extend_from_slice(&[1, 2, 3, 4]);
    p.bytes(102, b"ignored");
    for (id, name) in [(BIG + 10, 7), (BIG + 20, 8)] {
        let mut f = W::default();
        f.int(1, id).int(2, name);
        p.msg(5, &f);
    }
    for (id, fid) in [(BIG + 1, BIG + 10), (BIG + 2, BIG + 20)] {
        let mut loc = W::default();
        let mut line = W::default();
        line.int(1, fid).int(2, 12);
        loc.int(1, id).msg(4, &line);
        p.msg(4, &loc);
    }
    for s in [
        "",
        "samples",
        "count",
        "cpu",
        "nanoseconds",
        "k",
        "v",
        "main",
        "leaf",
    ] {
        p.bytes(6, s.as_bytes());
    }
    p.int(9, 1_000).int(10, 2_000);
    // Comments, unpacked then packed.
    p.int(13, 7);
    let mut c = W::default();
    c.varint(8);
    p.msg(13, &c);
    p.0
}

#[test]
fn accepts_legal_but_unusual_encodings() {
    let bytes = odd_profile();
    let fast = decode(&bytes).expect("odd profile decodes");
    assert_eq!(to_proto(&fast), oracle(&bytes));
    assert_eq!(fast.samples.len(), 2);
    assert_eq!(fast.values(0), [7, 70]);
    assert_eq!(fast.samples.stack(0).len(), 2);
    assert_eq!(
        fast.str(
            fast.functions[fast.locations.lines(fast.samples.stack(0)[0])[0].function as usize]
                .name
        ),
        "leaf"
    );
}

fn expect_err(bytes: &[u8]) -> DecodeError {
    match decode(bytes) {
        Ok(_) => panic!("decoded a malformed profile"),
        Err(e) => e,
    }
}

#[test]
fn rejects_what_pprof_rejects() {
    let good = odd_profile();
    // Concatenated profiles (two time_nanos).
    let mut two = good.clone();
    two.extend_from_slice(&good);
    assert_eq!(expect_err(&two), DecodeError::Concatenated);

    // A sample with three values for two types.
    let mut p = W(good.clone());
    let mut s = W::default();
    s.int(2, 1).int(2, 2).int(2, 3);
    p.msg(2, &s);
    assert!(matches!(
        expect_err(&p.0),
        DecodeError::ValueCount {
            values: 3,
            types: 2
        }
    ));

    // A string index past the table.
    let mut p = W(good.clone());
    p.int(14, 999);
    assert!(matches!(
        expect_err(&p.0),
        DecodeError::StringIndex { index: 999, .. }
    ));

    // A sample naming an unknown location.
    let mut p = W(good.clone());
    let mut s = W::default();
    s.int(1, 424242).int(2, 1).int(2, 1);
    p.msg(2, &s);
    assert!(matches!(
        expect_err(&p.0),
        DecodeError::UnknownId {
            what: "location",
            id: 424242,
            ..
        }
    ));

    // Duplicate function id.
    let mut p = W(good.clone());
    let mut f = W::default();
    f.int(1, (1 << 40) + 10);
    p.msg(5, &f);
    assert!(matches!(
        expect_err(&p.0),
        DecodeError::DuplicateId {
            what: "function",
            ..
        }
    ));

    // string_table[0] not empty.
    let mut p = W::default();
    p.bytes(6, b"x");
    assert_eq!(expect_err(&p.0), DecodeError::FirstString);
}

#[test]
fn truncations_and_bit_flips_never_panic() {
    let good = odd_profile();
    for cut in 0..good.len() {
        let _ = decode(&good[..cut]);
    }
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.clone();
            b[i] ^= 1 << bit;
            let _ = decode(&b);
        }
    }
    // A length prefix pointing far past the end.
    let mut p = W::default();
    p.key(6, 2).varint(u64::MAX >> 1);
    assert!(matches!(expect_err(&p.0), DecodeError::Truncated { .. }));
    // An over-long varint.
    assert!(matches!(
        expect_err(&[0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        DecodeError::BadVarint { .. }
    ));
}
