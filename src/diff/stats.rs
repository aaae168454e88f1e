//! The small statistics the diff needs to tell change from sampling noise.
//!
//! * [`two_proportion_p`]: two-sided p-value of a two-proportion z-test
//!   (CPU profiles: is a function's share of samples different?);
//! * [`binomial_tail_p`]: one-sided conditional binomial test
//!   `P(X ≥ c_N | c_B + c_N, ½)` (heap snapshots: more sampled objects now
//!   than before?).
//!
//! Everything is plain `f64` arithmetic, deterministic and panic-free for any
//! input (non-finite or negative inputs give `None` or a p-value of 1).

/// The complementary error function, `erfc(x) = 1 − erf(x)`, with a relative
/// error below 1.2e-7 everywhere (Chebyshev fit from Numerical Recipes).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Two-sided p-value that `k_b / n_b` and `k_n / n_n` are the same
/// proportion (pooled two-proportion z-test). `None` when either side has no
/// samples or nothing varies (both proportions 0 or both 1).
pub fn two_proportion_p(k_b: f64, n_b: f64, k_n: f64, n_n: f64) -> Option<f64> {
    if !(n_b > 0.0 && n_n > 0.0 && k_b >= 0.0 && k_n >= 0.0) {
        return None;
    }
    let pooled = (k_b + k_n) / (n_b + n_n);
    let var = pooled * (1.0 - pooled) * (1.0 / n_b + 1.0 / n_n);
    if var.is_nan() || var <= 0.0 || !var.is_finite() {
        return None;
    }
    let z = (k_n / n_n - k_b / n_b) / var.sqrt();
    Some(clamp_p(erfc(z.abs() / std::f64::consts::SQRT_2)))
}

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// One-sided p-value of seeing at least `c_new` of `c_base + c_new` events
/// on the new side if each event were equally likely on either side:
/// `P(X ≥ c_new)` with `X ~ Binomial(c_base + c_new, ½)`. Counts are rounded
/// to integers. Exact summation up to 20,000 events, a continuity-corrected
/// normal approximation above.
pub fn binomial_tail_p(c_base: f64, c_new: f64) -> f64 {
    if !(c_base.is_finite() && c_new.is_finite()) {
        return 1.0;
    }
    let b = c_base.max(0.0).round();
    let k = c_new.max(0.0).round();
    let n = b + k;
    if k <= 0.0 {
        return 1.0;
    }
    if n > 20_000.0 {
        let mean = n / 2.0;
        let sd = (n / 4.0).sqrt();
        let z = (k - 0.5 - mean) / sd;
        return clamp_p(0.5 * erfc(z / std::f64::consts::SQRT_2));
    }
    let pmf = |i: f64| {
        (ln_gamma(n + 1.0) - ln_gamma(i + 1.0) - ln_gamma(n - i + 1.0) + n * 0.5f64.ln()).exp()
    };
    // Sum the tail that lies away from the mean, where terms only shrink:
    // upward from k when k is above the mean, else the lower tail below k
    // (downward from k − 1), subtracted from 1. Stop once terms vanish.
    if k > n / 2.0 {
        let (mut term, mut sum, mut i) = (pmf(k), 0.0, k);
        while i <= n {
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
            term *= (n - i) / (i + 1.0);
            i += 1.0;
        }
        clamp_p(sum)
    } else {
        let (mut term, mut sum, mut i) = (pmf(k - 1.0), 0.0, k - 1.0);
        while i >= 0.0 {
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
            term *= i / (n - i + 1.0);
            i -= 1.0;
        }
        clamp_p(1.0 - sum)
    }
}

/// Keeps a p-value inside [0, 1] (rounding can overshoot slightly).
fn clamp_p(p: f64) -> f64 {
    if p.is_nan() {
        1.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-7);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-7);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-7);
        assert!(erfc(10.0) < 1e-40);
    }

    #[test]
    fn note_example_cpu_builds() {
        // §2 of the diff note: hotB 11/17 → 3/20 gives z ≈ −3.1.
        let p = two_proportion_p(11.0, 17.0, 3.0, 20.0).unwrap();
        assert!(p < 0.01, "{p}");
        // hotA 6/17 → 8/20: no evidence.
        let p = two_proportion_p(6.0, 17.0, 8.0, 20.0).unwrap();
        assert!(p > 0.5, "{p}");
        assert_eq!(two_proportion_p(0.0, 0.0, 1.0, 2.0), None);
    }

    #[test]
    fn binomial_tail() {
        assert!((binomial_tail_p(0.0, 3.0) - 0.125).abs() < 1e-9);
        assert!((binomial_tail_p(1.0, 1.0) - 0.75).abs() < 1e-9);
        assert_eq!(binomial_tail_p(5.0, 0.0), 1.0);
        assert!(binomial_tail_p(500.0, 1000.0) < 1e-10);
        let big = binomial_tail_p(50_000.0, 50_000.0);
        assert!((big - 0.5).abs() < 0.01, "{big}");
        assert_eq!(binomial_tail_p(f64::NAN, 1.0), 1.0);
        assert!((binomial_tail_p(10_000.0, 1.0) - 1.0).abs() < 1e-12);
        assert!(binomial_tail_p(1.0, 10_000.0) < 1e-300);
        // Agrees with direct summation on a mid-sized case.
        let direct: f64 = (60..=100)
            .map(|i| {
                (ln_gamma(101.0) - ln_gamma(i as f64 + 1.0) - ln_gamma(101.0 - i as f64)
                    + 100.0 * 0.5f64.ln())
                .exp()
            })
            .sum();
        assert!((binomial_tail_p(40.0, 60.0) - direct).abs() < 1e-12);
        let lower: f64 = (0..45)
            .map(|i| {
                (ln_gamma(101.0) - ln_gamma(i as f64 + 1.0) - ln_gamma(101.0 - i as f64)
                    + 100.0 * 0.5f64.ln())
                .exp()
            })
            .sum();
        assert!((binomial_tail_p(55.0, 45.0) - (1.0 - lower)).abs() < 1e-12);
    }
}
