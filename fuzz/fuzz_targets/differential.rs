//! The hand-written decoder against prost (its oracle) on arbitrary bytes.
//!
//! The exact relation checked, `fast` = `pprofx::decode::protobuf::decode`, `prost` =
//! `<pprofx::model::proto::Profile as prost::Message>::decode`:
//!
//! 1. Both accept: `to_proto(fast) == normalise(prost)`, where `normalise`
//!    (a) takes `period_type` from the last top-level field 11 alone: protobuf
//!    merges repeated occurrences of a singular message field and prost does,
//!    but pprof's decoder (`pp.PeriodType = x` in profile/encode.go) and the
//!    fast decoder replace it; (b) maps `period_type: Some(ValueType::default())`
//!    to `None` (the model does not tell an all-zero period type from none);
//!    and (c) sets a location's `mapping_id` to 0 when no mapping has that id
//!    (the fast decoder leaves such a location without a mapping, as pprof
//!    does).
//! 2. prost accepts, fast rejects: only for a rule of pprof's that prost does
//!    not know (string index out of range, string_table[0] not empty, no
//!    string table, reserved id 0, duplicate or unknown ids, a line without a
//!    function, value/type count mismatch, samples without sample types,
//!    concatenated profiles, 32-bit overflow), or for a group (wire type 3),
//!    which prost skips in unknown fields and the fast decoder does not
//!    support. A protobuf-level rejection (truncation, bad varint, field 0,
//!    any other wire type) of bytes prost accepts is a bug.
//! 3. prost rejects: the fast decoder must reject too, except when prost's
//!    reason is one the fast decoder deliberately does not check:
//!    * a string that is not UTF-8 (decoded lossily, as Go does),
//!    * a 10-byte varint whose last byte is > 1, i.e. above 2^64 (prost's
//!      "invalid varint"; the fast decoder drops the extra bits),
//!    * a field key above 2^32 (prost's "invalid key value"; the fast decoder
//!      skips it as an unknown field).
//!    prost reports only its first fault, so in these cases anything goes.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use pprofx::model::encode::to_proto;
use pprofx::model::proto;
use pprofx::DecodeError;
use prost::Message;

/// prost reasons the fast decoder deliberately does not check (see above).
const UNCHECKED_BY_FAST: [&str; 3] = [
    "invalid string value",
    "invalid varint",
    "invalid key value",
];

/// The payload of the last top-level field 11 of a message prost accepted.
fn last_period_type(mut buf: &[u8]) -> Option<&[u8]> {
    fn varint(buf: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in 0..10 {
            let (&b, rest) = buf.split_first()?;
            *buf = rest;
            v |= u64::from(b & 0x7f) << (7 * shift);
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }
    let mut last = None;
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let skip = match key & 7 {
            0 => {
                varint(&mut buf)?;
                0
            }
            1 => 8,
            2 => usize::try_from(varint(&mut buf)?).ok()?,
            5 => 4,
            _ => return None,
        };
        let payload = buf.get(..skip)?;
        if key >> 3 == 11 {
            last = Some(payload);
        }
        buf = &buf[skip..];
    }
    last
}

fn normalise(mut p: proto::Profile, bytes: &[u8]) -> proto::Profile {
    if let Some(last) = last_period_type(bytes) {
        p.period_type = Some(proto::ValueType::decode(last).expect("prost accepted it"));
    }
    if p.period_type == Some(proto::ValueType::default()) {
        p.period_type = None;
    }
    let mapping_ids: HashSet<u64> = p.mapping.iter().map(|m| m.id).collect();
    for loc in &mut p.location {
        if !mapping_ids.contains(&loc.mapping_id) {
            loc.mapping_id = 0;
        }
    }
    p
}

/// True for the rejections of rule 2: pprof's semantic rules, and groups.
fn semantic(e: &DecodeError) -> bool {
    match e {
        DecodeError::Truncated { .. } | DecodeError::BadVarint { .. } => false,
        DecodeError::ZeroField { .. } => false,
        // Only the loader's early check reports it, never `decode`.
        DecodeError::FieldTooLarge { .. } => false,
        DecodeError::WireType { wire_type, .. } => *wire_type == 3,
        DecodeError::Concatenated
        | DecodeError::StringIndex { .. }
        | DecodeError::FirstString
        | DecodeError::ValueCount { .. }
        | DecodeError::ZeroId { .. }
        | DecodeError::DuplicateId { .. }
        | DecodeError::UnknownId { .. }
        | DecodeError::NilFunction { .. }
        | DecodeError::MissingSampleTypes
        | DecodeError::NoStringTable
        | DecodeError::Overflow { .. } => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let fast = pprofx::decode::protobuf::decode(data);
    let oracle = proto::Profile::decode(data);
    match (fast, oracle) {
        (Ok(fast), Ok(oracle)) => {
            assert_eq!(
                to_proto(&fast),
                normalise(oracle, data),
                "decoders disagree"
            );
        }
        (Err(e), Ok(_)) => {
            assert!(semantic(&e), "prost accepts, fast decoder rejects: {e:?}");
        }
        (Ok(_), Err(e)) => {
            let msg = e.to_string();
            assert!(
                UNCHECKED_BY_FAST.iter().any(|r| msg.contains(r)),
                "prost rejects ({msg}), fast decoder accepts"
            );
        }
        (Err(_), Err(_)) => {}
    }
});
