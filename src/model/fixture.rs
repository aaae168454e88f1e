//! Small profile.proto inputs for unit tests, built with the prost message
//! so that each test states only its locations and samples.

use crate::model::proto;
use prost::Message;

/// Locations 1–3, each one line of function 1–3 (`a`, `b`, `c`).
pub(crate) const ONE_PER_FUNCTION: &[&[u64]] = &[&[1], &[2], &[3]];

/// The bytes of a profile with one sample type (`samples/count`), functions
/// `a`, `b` and `c` (ids 1–3), location `i + 1` made of one line per
/// function id in `locations[i]` (innermost first, each at the line number
/// of its function id), and `samples` as (location ids, value).
pub(crate) fn encoded(locations: &[&[u64]], samples: &[(&[u64], i64)]) -> Vec<u8> {
    let strings = ["", "samples", "count", "a", "b", "c"];
    proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        function: (1..=3)
            .map(|id| proto::Function {
                id,
                name: id as i64 + 2,
                ..Default::default()
            })
            .collect(),
        location: (1..)
            .zip(locations)
            .map(|(id, functions)| proto::Location {
                id,
                line: functions
                    .iter()
                    .map(|&f| proto::Line {
                        function_id: f,
                        line: f as i64,
                        column: 0,
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        sample: samples
            .iter()
            .map(|&(ids, v)| proto::Sample {
                location_id: ids.to_vec(),
                value: vec![v],
                label: vec![],
            })
            .collect(),
        string_table: strings.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
    .encode_to_vec()
}
