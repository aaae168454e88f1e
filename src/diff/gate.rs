//! CI thresholds: which rows make `pprofx diff` exit 3.
//!
//! * `--fail-on-growth=LIMIT`: a row (or the total) whose Δ exceeds LIMIT.
//!   LIMIT is a size or duration with a unit (`10MB`, `512kB`, `1.5GiB`,
//!   `250ms`; pprof's units, so `MB` = 2²⁰ bytes) or a bare number in the
//!   sample unit (`50` goroutines, `1048576` bytes).
//! * `--fail-on-share=+Npp`: a row whose share rose by more than N
//!   percentage points.
//! * `--min-confidence=P` (0 < P ≤ 1): rows only count when `1 − p ≥ P`
//!   (exact counts always do). Given alone, any growing row that reaches
//!   that confidence crosses.
//!
//! Only growth (`new`, `grew`) crosses; shrinking never fails a build.

use serde::Serialize;

use super::{Confidence, DiffReport, DiffRow};
use crate::model::measurement;

/// The thresholds in force (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gates {
    /// `--fail_on_growth` as given (parsed against the sample unit later).
    pub growth: Option<String>,
    /// `--fail_on_share`, in percentage points.
    pub share_pp: Option<f64>,
    /// `--min_confidence`, in (0, 1].
    pub min_confidence: Option<f64>,
}

/// A bad threshold value (a usage error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// The text is not a threshold of that kind.
    #[error("invalid {flag} value {value:?}: {why}")]
    Invalid {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
        /// What is expected.
        why: String,
    },
}

/// One crossed threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// `fail_on_growth`, `fail_on_share` or `min_confidence`.
    pub rule: &'static str,
    /// The row name, or `(total)`.
    pub name: String,
    /// The row's value for the rule (raw Δ, pp, or confidence 1 − p).
    pub value: f64,
    /// The limit.
    pub limit: f64,
}

impl Gates {
    /// Builds the gates from the flags' text; checks their syntax.
    pub fn parse(
        growth: Option<&str>,
        share: Option<&str>,
        min_confidence: Option<&str>,
    ) -> Result<Gates, GateError> {
        if let Some(g) = growth {
            split_number(g).ok_or_else(|| GateError::Invalid {
                flag: "--fail_on_growth",
                value: g.to_string(),
                why: "expected a number with an optional unit, e.g. 10MB, 250ms, 50".into(),
            })?;
        }
        let share_pp = share
            .map(|s| {
                let t = s.trim();
                let t = t.strip_suffix("pp").unwrap_or(t);
                let t = t.strip_prefix('+').unwrap_or(t);
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| GateError::Invalid {
                        flag: "--fail_on_share",
                        value: s.to_string(),
                        why: "expected percentage points, e.g. +2pp".into(),
                    })
            })
            .transpose()?;
        let min_confidence = min_confidence
            .map(|s| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| *v > 0.0 && *v <= 1.0)
                    .ok_or_else(|| GateError::Invalid {
                        flag: "--min_confidence",
                        value: s.to_string(),
                        why: "expected a probability in (0, 1], e.g. 0.99".into(),
                    })
            })
            .transpose()?;
        Ok(Gates {
            growth: growth.map(str::to_string),
            share_pp,
            min_confidence,
        })
    }

    /// True if no threshold is set.
    pub fn is_empty(&self) -> bool {
        self.growth.is_none() && self.share_pp.is_none() && self.min_confidence.is_none()
    }

    /// The growth limit as a raw value in `unit`, or an error when its unit
    /// does not fit the sample unit.
    pub fn growth_limit(&self, unit: &str) -> Result<Option<i64>, GateError> {
        let Some(g) = &self.growth else {
            return Ok(None);
        };
        limit_in_unit("--fail_on_growth", g, unit).map(Some)
    }

    /// The rows (and total) of `report` that cross a threshold, in row order.
    /// Called by [`super::diff`]; the growth limit must parse (see
    /// [`Gates::growth_limit`]), else it is ignored.
    pub fn evaluate(&self, report: &DiffReport) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let growth = self.growth_limit(&report.unit).ok().flatten();
        let confident = |r: &DiffRow| match self.min_confidence {
            None => true,
            Some(min) => row_confidence(r) >= min,
        };
        if let Some(limit) = growth {
            let (b, n) = (report.base().total, report.new_snapshot().total);
            let d = n.wrapping_sub(b);
            if d > limit {
                out.push(Violation {
                    rule: "fail_on_growth",
                    name: "(total)".to_string(),
                    value: d as f64,
                    limit: limit as f64,
                });
            }
        }
        for r in &report.rows {
            if !r.status.is_growth() || !confident(r) {
                continue;
            }
            let mut any = false;
            if let Some(limit) = growth {
                any = true;
                if r.delta > limit {
                    out.push(Violation {
                        rule: "fail_on_growth",
                        name: r.name.clone(),
                        value: r.delta as f64,
                        limit: limit as f64,
                    });
                }
            }
            if let Some(pp) = self.share_pp {
                any = true;
                if r.delta_share_pp > pp {
                    out.push(Violation {
                        rule: "fail_on_share",
                        name: r.name.clone(),
                        value: r.delta_share_pp,
                        limit: pp,
                    });
                }
            }
            if let (false, Some(min)) = (any, self.min_confidence) {
                out.push(Violation {
                    rule: "min_confidence",
                    name: r.name.clone(),
                    value: row_confidence(r),
                    limit: min,
                });
            }
        }
        out
    }
}

/// A size, duration or count (`10MB`, `250ms`, `50`) as a raw value in the
/// sample unit `unit`; `flag` names the option in errors.
fn limit_in_unit(flag: &'static str, text: &str, unit: &str) -> Result<i64, GateError> {
    let bad = |why: String| GateError::Invalid {
        flag,
        value: text.to_string(),
        why,
    };
    let (num, suffix) = split_number(text).ok_or_else(|| bad("not a number".into()))?;
    if suffix.is_empty() {
        return Ok(num.round() as i64);
    }
    let suffix = match suffix.to_ascii_lowercase().as_str() {
        "kib" => "kb".to_string(),
        "mib" => "mb".to_string(),
        "gib" => "gb".to_string(),
        "tib" => "tb".to_string(),
        s => s.to_string(),
    };
    let (fam_limit, fam_unit) = (
        measurement::unit_family(&suffix),
        measurement::unit_family(unit),
    );
    if fam_limit.is_none() || fam_limit != fam_unit {
        return Err(bad(format!(
            "its unit does not fit the sample unit {unit:?}"
        )));
    }
    // Factor of one limit unit in the sample unit.
    let (factor, _) = measurement::scale(1_000_000, &suffix, unit);
    let v = num * factor / 1_000_000.0;
    if !v.is_finite() {
        return Err(bad("out of range".into()));
    }
    Ok(v.round() as i64)
}

/// `--min_delta`: the noise floor under which rows are not listed.
#[derive(Debug, Clone, PartialEq)]
pub enum NoiseFloor {
    /// |Δ| below this raw value in the sample unit (`1MB`, `10ms`, `5`).
    Value(i64),
    /// |Δshare| below this many percentage points (`0.5pp`).
    SharePp(f64),
}

impl NoiseFloor {
    /// Checks the syntax of a `--min_delta` value (before any profile is read).
    pub fn check(text: &str) -> Result<(), GateError> {
        let t = text.trim();
        let ok = match t.strip_suffix("pp") {
            Some(pp) => pp
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite() && v >= 0.0),
            None => split_number(t).is_some(),
        };
        ok.then_some(()).ok_or_else(|| GateError::Invalid {
            flag: "--min_delta",
            value: text.to_string(),
            why: "expected a number with an optional unit (1MB, 10ms, 5) or percentage points (0.5pp)"
                .into(),
        })
    }

    /// Parses a `--min_delta` value against the sample unit `unit`.
    pub fn parse(text: &str, unit: &str) -> Result<NoiseFloor, GateError> {
        NoiseFloor::check(text)?;
        match text.trim().strip_suffix("pp") {
            Some(pp) => Ok(NoiseFloor::SharePp(pp.trim().parse().unwrap_or(0.0))),
            None => limit_in_unit("--min_delta", text, unit).map(NoiseFloor::Value),
        }
    }

    /// True if the row's change is below the floor.
    pub fn hides(&self, row: &DiffRow) -> bool {
        match *self {
            NoiseFloor::Value(v) => row.delta.unsigned_abs() < v.unsigned_abs(),
            NoiseFloor::SharePp(pp) => row.delta_share_pp.abs() < pp,
        }
    }
}

/// A row's confidence as a probability: 1 for exact counts, `1 − p` for
/// sampled ones, 0 when unchanged.
pub fn row_confidence(r: &DiffRow) -> f64 {
    match (r.confidence, r.confidence_p) {
        (Confidence::Exact, _) => 1.0,
        (Confidence::None, _) => 0.0,
        (_, Some(p)) => 1.0 - p,
        (_, None) => 0.0,
    }
}

/// Splits `10.5MB` into (10.5, "MB").
fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    let num: f64 = s[..end].replace('_', "").parse().ok()?;
    (num.is_finite() && num >= 0.0).then_some((num, s[end..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        let g = Gates::parse(Some("10MB"), Some("+2pp"), Some("0.99")).unwrap();
        assert_eq!(g.growth_limit("bytes").unwrap(), Some(10 << 20));
        assert_eq!(g.share_pp, Some(2.0));
        assert_eq!(g.min_confidence, Some(0.99));
        let g = Gates::parse(Some("1.5GiB"), None, None).unwrap();
        assert_eq!(g.growth_limit("bytes").unwrap(), Some(3 << 29));
        let g = Gates::parse(Some("250ms"), None, None).unwrap();
        assert_eq!(g.growth_limit("nanoseconds").unwrap(), Some(250_000_000));
        assert!(g.growth_limit("bytes").is_err());
        let g = Gates::parse(Some("50"), None, None).unwrap();
        assert_eq!(g.growth_limit("count").unwrap(), Some(50));
        assert!(Gates::parse(Some("MB"), None, None).is_err());
        assert!(Gates::parse(None, Some("lots"), None).is_err());
        assert!(Gates::parse(None, None, Some("2")).is_err());
        assert!(Gates::parse(None, None, Some("0")).is_err());
    }

    #[test]
    fn noise_floors_parse() {
        assert_eq!(
            NoiseFloor::parse("1MB", "bytes").unwrap(),
            NoiseFloor::Value(1 << 20)
        );
        assert_eq!(
            NoiseFloor::parse("10ms", "nanoseconds").unwrap(),
            NoiseFloor::Value(10_000_000)
        );
        assert_eq!(
            NoiseFloor::parse("5", "count").unwrap(),
            NoiseFloor::Value(5)
        );
        assert_eq!(
            NoiseFloor::parse("0.5pp", "count").unwrap(),
            NoiseFloor::SharePp(0.5)
        );
        assert!(NoiseFloor::parse("1MB", "count").is_err());
        assert!(NoiseFloor::check("lots").is_err());
        assert!(NoiseFloor::check("-1pp").is_err());
    }
}
