//! The statistics of beacon scoring (quartiles, Bowley's skew, the median
//! absolute deviation) by selection over a scratch buffer: linear time, no sort.

/// The `k`-th smallest of `v` (reorders `v`).
fn kth(v: &mut [f64], k: usize) -> f64 {
    *v.select_nth_unstable_by(k, f64::total_cmp).1
}

/// The largest of `v` (not empty).
fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// The median of `v` (reorders `v`); 0 when empty. After the call `v` is
/// partitioned around its middle: `v[..n/2]` are the lower half and
/// `v[n.div_ceil(2)..]` the upper half.
pub fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let hi = kth(v, n / 2);
    if n % 2 == 1 {
        hi
    } else {
        (max(&v[..n / 2]) + hi) / 2.0
    }
}

/// Q1, median, Q3 (the medians of the lower and upper halves), in O(n).
pub fn quartiles(v: &mut [f64]) -> (f64, f64, f64) {
    let n = v.len();
    let q2 = median(v);
    let upper_from = n.div_ceil(2);
    let (lower, rest) = v.split_at_mut(n / 2);
    let upper = &mut rest[upper_from - n / 2..];
    (median(lower), q2, median(upper))
}

/// Bowley's (quartile) skew, RITA's way: 0 when the quartiles leave it
/// undefined or unreliable (Q3 = Q1, or Q2 equal to Q1 or Q3).
pub fn bowley(q1: f64, q2: f64, q3: f64) -> f64 {
    if q3 - q1 <= f64::EPSILON || q2 == q1 || q2 == q3 {
        0.0
    } else {
        ((q1 + q3 - 2.0 * q2) / (q3 - q1)).clamp(-1.0, 1.0)
    }
}

/// The median absolute deviation of `v` about `center` (overwrites `v`).
pub fn mad(v: &mut [f64], center: f64) -> f64 {
    for x in v.iter_mut() {
        *x = (*x - center).abs();
    }
    median(v)
}

/// `1 - |skew|`, forgiving the part of `|skew|` a symmetric sample of `n`
/// values shows by chance: the 90th percentile of `|Bowley|` over samples of
/// uniform, normal and integer noise is about `2 / sqrt(n)` (measured for
/// n = 15..250).
pub fn skew_score(skew: f64, n: usize) -> f64 {
    let noise = 2.0 / (n.max(1) as f64).sqrt();
    1.0 - (skew.abs() - noise).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_sorting(xs: &[f64]) -> (f64, f64, f64) {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let med = |v: &[f64]| {
            let n = v.len();
            if n == 0 {
                0.0
            } else if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        };
        let n = v.len();
        (med(&v[..n / 2]), med(&v), med(&v[n.div_ceil(2)..]))
    }

    proptest! {
        /// Selection gives the quartiles sorting gives.
        #[test]
        fn quartiles_by_selection_match_sorting(xs in proptest::collection::vec(-1e6f64..1e6, 0..300)) {
            let mut v = xs.clone();
            prop_assert_eq!(quartiles(&mut v), by_sorting(&xs));
        }
    }

    #[test]
    fn small_cases() {
        assert_eq!(quartiles(&mut [3.0, 1.0, 2.0, 4.0]), (1.5, 2.5, 3.5));
        assert_eq!(median(&mut []), 0.0);
        assert_eq!(bowley(1.0, 1.0, 3.0), 0.0);
        assert!((bowley(1.0, 2.0, 5.0) - 0.5).abs() < 1e-12);
        assert_eq!(mad(&mut [1.0, 2.0, 9.0], 2.0), 1.0);
        assert_eq!(skew_score(0.15, 100), 1.0);
        assert!((skew_score(1.0, 100) - 0.2).abs() < 1e-12);
    }
}
