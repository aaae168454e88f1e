//! Choosing which sample value a report shows.
//!
//! pprof's rule: an explicit `--sample_index` (0-based number or type name;
//! `inuse_X` also matches type `X`), else the profile's `default_sample_type`,
//! else the last sample type. `--mean` divides by value 0 (the count).

use crate::error::OptionError;
use crate::model::Profile;

/// The resolved value selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSelection {
    /// Index of the value column.
    pub index: usize,
    /// Divide by value 0 (per node and in the total).
    pub mean: bool,
    /// The type name shown in headers (`mean_` prefixed under `--mean`).
    pub type_label: String,
    /// The type's plain name.
    pub type_name: String,
    /// The unit of the values.
    pub unit: String,
}

/// The named sample-type aliases pprof accepts as flags, in the order pprof
/// applies them (the first one set wins).
pub const ALIASES: [(&str, &str); 7] = [
    ("total_delay", "delay"),
    ("mean_delay", "delay"),
    ("contentions", "contentions"),
    ("inuse_space", "inuse_space"),
    ("inuse_objects", "inuse_objects"),
    ("alloc_space", "alloc_space"),
    ("alloc_objects", "alloc_objects"),
];

/// Resolves `sample_index` ("" = default) on profile `p`.
pub fn select(p: &Profile, sample_index: &str, mean: bool) -> Result<ValueSelection, OptionError> {
    if p.sample_types.is_empty() {
        return Err(OptionError::NoSampleTypes);
    }
    let names = p.sample_type_names();
    let index = sample_index_by_name(&names, p.str(p.default_sample_type), sample_index)?;
    let t = p.sample_types[index];
    let type_name = p.str(t.ty).to_string();
    Ok(ValueSelection {
        index,
        mean,
        type_label: if mean {
            format!("mean_{type_name}")
        } else {
            type_name.clone()
        },
        type_name,
        unit: p.str(t.unit).to_string(),
    })
}

/// pprof's `SampleIndexByName` over the list of type names.
pub fn sample_index_by_name(
    names: &[&str],
    default_type: &str,
    wanted: &str,
) -> Result<usize, OptionError> {
    if wanted.is_empty() {
        if !default_type.is_empty() {
            if let Some(i) = names.iter().position(|n| *n == default_type) {
                return Ok(i);
            }
        }
        return Ok(names.len() - 1);
    }
    if let Some(i) = parse_go_int(wanted) {
        if i < 0 || i >= names.len() as i64 {
            return Err(OptionError::SampleIndexRange {
                index: wanted.to_string(),
                max: names.len() - 1,
            });
        }
        return Ok(i as usize);
    }
    let no_inuse = wanted.strip_prefix("inuse_").unwrap_or(wanted);
    if let Some(i) = names.iter().position(|n| *n == wanted || *n == no_inuse) {
        return Ok(i);
    }
    Err(OptionError::SampleIndexName {
        name: wanted.to_string(),
        choices: names.join(" "),
    })
}

/// Go's `strconv.Atoi` acceptance: optional sign, decimal digits only.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAP: [&str; 4] = [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ];

    #[test]
    fn defaults_and_names() {
        assert_eq!(sample_index_by_name(&HEAP, "", "").unwrap(), 3);
        assert_eq!(sample_index_by_name(&HEAP, "alloc_space", "").unwrap(), 1);
        assert_eq!(sample_index_by_name(&HEAP, "", "0").unwrap(), 0);
        assert_eq!(sample_index_by_name(&HEAP, "", "inuse_objects").unwrap(), 2);
        assert_eq!(
            sample_index_by_name(&["space"], "", "inuse_space").unwrap(),
            0
        );
    }

    #[test]
    fn errors_read_like_pprof() {
        let e = sample_index_by_name(&HEAP, "", "9").unwrap_err();
        assert_eq!(e.to_string(), "sample_index 9 is outside the range [0..3]");
        let e = sample_index_by_name(&HEAP, "", "nope").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sample_index \"nope\" must be one of: [alloc_objects alloc_space inuse_objects inuse_space]"
        );
    }
}
