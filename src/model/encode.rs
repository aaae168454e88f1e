//! From the flat model back to the prost types of profile.proto.
//!
//! [`to_proto`] rebuilds the file-level message from a [`Profile`], with the
//! original ids and string indices, so that a profile can be written out with
//! `prost::Message::encode` (gzip it for a `.pb.gz`), and so that tests can
//! compare the hand-written decoder with prost's own decoding of the same bytes.

use crate::model::proto;
use crate::model::{Profile, ValueType, NONE};

fn value_type(v: ValueType) -> proto::ValueType {
    proto::ValueType {
        r#type: i64::from(v.ty),
        unit: i64::from(v.unit),
    }
}

/// Converts the model into the prost message (ids and string indices kept).
pub fn to_proto(p: &Profile) -> proto::Profile {
    let locs = &p.locations;
    let samples = &p.samples;
    let nv = p.num_values();
    proto::Profile {
        sample_type: p.sample_types.iter().map(|&t| value_type(t)).collect(),
        sample: (0..samples.len())
            .map(|s| proto::Sample {
                location_id: samples
                    .stack(s)
                    .iter()
                    .map(|&l| locs.id[l as usize])
                    .collect(),
                value: samples.values[s * nv..(s + 1) * nv].to_vec(),
                label: samples
                    .labels(s)
                    .iter()
                    .map(|l| proto::Label {
                        key: i64::from(l.key),
                        str: i64::from(l.str),
                        num: l.num,
                        num_unit: i64::from(l.num_unit),
                    })
                    .collect(),
            })
            .collect(),
        mapping: p
            .mappings
            .iter()
            .map(|m| proto::Mapping {
                id: m.id,
                memory_start: m.memory_start,
                memory_limit: m.memory_limit,
                file_offset: m.file_offset,
                filename: i64::from(m.filename),
                build_id: i64::from(m.build_id),
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            })
            .collect(),
        location: (0..locs.len())
            .map(|l| proto::Location {
                id: locs.id[l],
                mapping_id: match locs.mapping[l] {
                    NONE => 0,
                    m => p.mappings[m as usize].id,
                },
                address: locs.address[l],
                line: locs
                    .lines(l as u32)
                    .iter()
                    .map(|ln| proto::Line {
                        function_id: p.functions[ln.function as usize].id,
                        line: ln.line,
                        column: ln.column,
                    })
                    .collect(),
                is_folded: locs.is_folded[l],
            })
            .collect(),
        function: p
            .functions
            .iter()
            .map(|f| proto::Function {
                id: f.id,
                name: i64::from(f.name),
                system_name: i64::from(f.system_name),
                filename: i64::from(f.filename),
                start_line: f.start_line,
            })
            .collect(),
        string_table: p.strings.iter().map(str::to_string).collect(),
        drop_frames: i64::from(p.drop_frames),
        keep_frames: i64::from(p.keep_frames),
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        period_type: (p.period_type != ValueType::default()).then(|| value_type(p.period_type)),
        period: p.period,
        comment: p.comments.iter().map(|&c| i64::from(c)).collect(),
        default_sample_type: i64::from(p.default_sample_type),
        doc_url: i64::from(p.doc_url),
    }
}

/// `p` as profile.proto bytes. Strings holding bytes that are not UTF-8
/// (escaped in the model, see [`crate::util::rawbytes`]) are written back as
/// those bytes: the string table then follows the other fields, which
/// protobuf readers accept in any order.
pub fn encode(p: &Profile) -> Vec<u8> {
    use crate::util::rawbytes;
    use prost::Message;
    let mut msg = to_proto(p);
    if !rawbytes::any_escaped() {
        return msg.encode_to_vec();
    }
    msg.string_table.clear();
    let mut bytes = msg.encode_to_vec();
    for s in p.strings.iter() {
        let raw = rawbytes::unescape_bytes(s);
        // Field 6, length-delimited.
        bytes.push(6 << 3 | 2);
        prost::encoding::encode_varint(raw.len() as u64, &mut bytes);
        bytes.extend_from_slice(&raw);
    }
    bytes
}

/// `p` as a gzipped profile.proto, in memory.
pub fn gzipped(p: &Profile) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let bytes = encode(p);
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    gz.write_all(&bytes)?;
    gz.finish()
}

/// Writes `p` as a gzipped profile.proto to `path`, through a temporary file
/// in the same directory renamed into place (readers never see half a file).
pub fn write_file(p: &Profile, path: &std::path::Path) -> std::io::Result<()> {
    let bytes = gzipped(p)?;
    crate::util::output::write_file(path, |w| w.write_all(&bytes))
}
