//! Statistics over every pair of a series without visiting every pair, so a long series costs
//! O(n log n) time and O(n) memory: the Mann–Kendall S (Knight's merge-sort inversion count)
//! and Sen's slope (slope selection: count the pairs whose slope is at most a trial value,
//! narrow the trial values around the median's rank, then pick among the few pairs left).

/// Sorts `items` by `before` (a strict order) and returns how many pairs (earlier, later) in
/// the original order are out of it: `later` does not come strictly after `earlier`, i.e.
/// `!before(earlier, later)`. While `*want` holds, `visit(earlier, later)` is called for each
/// such pair; it returns whether it wants more. `scratch` must be as long as `items`.
fn merge_count<T: Copy>(
    items: &mut [T],
    scratch: &mut [T],
    before: &impl Fn(T, T) -> bool,
    want: &mut bool,
    visit: &mut impl FnMut(T, T) -> bool,
) -> u64 {
    let n = items.len();
    if n <= 16 {
        // Insertion sort: moving an item left past k items counts k pairs.
        let mut count = 0;
        for i in 1..n {
            let x = items[i];
            let mut j = i;
            while j > 0 && !before(items[j - 1], x) {
                if *want {
                    *want = visit(items[j - 1], x);
                }
                items[j] = items[j - 1];
                j -= 1;
                count += 1;
            }
            items[j] = x;
        }
        return count;
    }
    let mid = n / 2;
    let (left_scratch, right_scratch) = scratch.split_at_mut(mid);
    let mut count = merge_count(&mut items[..mid], left_scratch, before, want, visit);
    count += merge_count(&mut items[mid..], right_scratch, before, want, visit);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if before(items[i], items[j]) {
            scratch[k] = items[i];
            i += 1;
        } else {
            // Every remaining left item is out of order with this right one.
            if *want {
                for &e in &items[i..mid] {
                    if !visit(e, items[j]) {
                        *want = false;
                        break;
                    }
                }
            }
            count += (mid - i) as u64;
            scratch[k] = items[j];
            j += 1;
        }
        k += 1;
    }
    scratch[k..k + mid - i].copy_from_slice(&items[i..mid]);
    k += mid - i;
    scratch[k..k + n - j].copy_from_slice(&items[j..n]);
    items.copy_from_slice(&scratch[..n]);
    count
}

/// Sorts `keys` ascending and counts the pairs a < b with `keys[b] <= keys[a]` (no NaN).
fn count_non_increasing(keys: &mut [f64], scratch: &mut Vec<f64>) -> u64 {
    scratch.clear();
    scratch.resize(keys.len(), 0.0);
    merge_count(
        keys,
        scratch,
        &|x: f64, y: f64| x < y,
        &mut false,
        &mut |_, _| false,
    )
}

/// The Mann–Kendall statistic S = Σ_{i<j} sign(x_j − x_i) and the tie term
/// Σ t(t − 1)(2t + 5) over groups of equal values, exactly as the O(n²) definition gives them
/// (NaN compares as neither greater nor smaller, and is a group of its own).
pub fn mann_kendall(values: &[f64]) -> (i64, f64) {
    // -0.0 equals 0.0 in the definition, so it is one key.
    let mut keys: Vec<f64> = values
        .iter()
        .filter(|v| !v.is_nan())
        .map(|&v| if v == 0.0 { 0.0 } else { v })
        .collect();
    let m = keys.len() as u64;
    let non_increasing = count_non_increasing(&mut keys, &mut Vec::new());
    let (mut tied_pairs, mut tie_term) = (0u64, 0.0);
    let mut start = 0;
    for k in 1..=keys.len() {
        if k == keys.len() || keys[k] != keys[start] {
            let t = (k - start) as u64;
            tied_pairs += t * (t - 1) / 2;
            let t = t as f64;
            tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
            start = k;
        }
    }
    // Rising pairs = all − non-increasing; falling pairs = non-increasing − tied.
    let pairs = m * m.saturating_sub(1) / 2;
    let s = i128::from(pairs) - 2 * i128::from(non_increasing) + i128::from(tied_pairs);
    (i64::try_from(s).unwrap_or(i64::MAX), tie_term)
}

/// Sen's slope: the median of (x_j − x_i) / (j − i) over every pair i < j, the mean of the two
/// middle slopes when the number of pairs is even — the same number as sorting all n(n−1)/2
/// slopes, in O(n log n) time and O(n) memory. The x are positions, so always distinct. NaN
/// for fewer than two values, for non-finite values, or for values so large that slopes
/// overflow.
pub fn sen_slope(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 || !values.iter().all(|v| v.is_finite()) {
        return f64::NAN;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bound = 2.0 * (max - min) + 1.0;
    // Trial keys are x_i − t·i with |t| up to `bound`: they must stay finite.
    if !(bound * n as f64 * 4.0 + max.abs() + min.abs()).is_finite() {
        return f64::NAN;
    }
    let mut sel = Selector::new(values);
    let pairs = (n as u64) * (n as u64 - 1) / 2;
    let upper = pairs / 2;
    if pairs % 2 == 1 {
        sel.select(-bound, bound, upper, upper).0
    } else {
        let (lower, upper) = sel.select(-bound, bound, upper - 1, upper);
        (lower + upper) / 2.0
    }
}

/// Most slopes listed to pick from (32 MB). More are listed only when over 4 million pairwise
/// slopes agree to within rounding at the median, and then the pick is within that rounding.
const ENUMERATE_MAX: u64 = 4_000_000;

/// The float halfway between `lo` and `hi` in the order of all floats (not in value).
fn float_between(lo: f64, hi: f64) -> f64 {
    // Map floats to integers in the same order, average, map back.
    let ordered = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    let (a, b) = (i128::from(ordered(lo)), i128::from(ordered(hi)));
    let mid = i64::try_from((a + b).div_euclid(2)).unwrap_or(0);
    let bits = if mid < 0 { i64::MIN - mid } else { mid };
    f64::from_bits(bits as u64)
}

/// Slope selection over the pairs of one series.
struct Selector<'a> {
    values: &'a [f64],
    keys: Vec<f64>,
    scratch: Vec<f64>,
    /// Candidate pairs few enough to stop narrowing.
    budget: u64,
    /// Largest |x|.
    magnitude: f64,
}

impl<'a> Selector<'a> {
    fn new(values: &'a [f64]) -> Self {
        let n = values.len();
        Self {
            values,
            keys: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n),
            budget: 2 * n as u64 + 1024,
            magnitude: values.iter().fold(0.0, |m, v| v.abs().max(m)),
        }
    }

    fn slope(&self, a: usize, b: usize) -> f64 {
        let (a, b) = (a.min(b), a.max(b));
        (self.values[b] - self.values[a]) / (b - a) as f64
    }

    fn fill_keys(values: &[f64], t: f64, keys: &mut Vec<f64>) {
        keys.clear();
        keys.extend(values.iter().enumerate().map(|(i, v)| v - t * i as f64));
    }

    /// Pairs whose slope is at most `t`: slope(i, j) ≤ t ⇔ x_j − t·j ≤ x_i − t·i, so these
    /// are the non-increasing pairs of the keys x_i − t·i.
    fn count_at_most(&mut self, t: f64) -> u64 {
        Self::fill_keys(self.values, t, &mut self.keys);
        count_non_increasing(&mut self.keys, &mut self.scratch)
    }

    /// The slopes of rank `k1` and `k2` (0-based, k1 ≤ k2 ≤ k1 + 1), knowing that
    /// every pair has slope above `lo` and at most `hi`.
    fn select(&mut self, lo: f64, hi: f64, k1: u64, k2: u64) -> (f64, f64) {
        let below = self.count_at_most(lo);
        let upto = self.count_at_most(hi);
        let (mut lo, mut hi, mut below, mut upto) = (lo, hi, below, upto);
        if !(below <= k1 && k2 < upto) {
            // Only rounding far beyond what `sen_slope` admits could do this.
            return (f64::NAN, f64::NAN);
        }
        let (s_lo, s_hi) = self.sampled_bracket(k1, k2, upto);
        if let Some(s_lo) = s_lo.filter(|t| *t > lo && *t < hi) {
            let c = self.count_at_most(s_lo);
            if c <= k1 && c >= below {
                (lo, below) = (s_lo, c);
            }
        }
        if let Some(s_hi) = s_hi.filter(|t| *t > lo && *t < hi) {
            let c = self.count_at_most(s_hi);
            if c > k2 && c <= upto {
                (hi, upto) = (s_hi, c);
            }
        }
        self.narrow(lo, hi, below, upto, k1, k2)
    }

    /// Slopes of a deterministic random sample of pairs around the wanted ranks: a bracket
    /// that usually holds them and few other pairs, found without counting.
    fn sampled_bracket(&self, k1: u64, k2: u64, pairs: u64) -> (Option<f64>, Option<f64>) {
        let n = self.values.len();
        if pairs <= self.budget {
            return (None, None);
        }
        let m = 2 * n + 64;
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ n as u64;
        let mut next = || {
            // splitmix64
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut sample: Vec<f64> = Vec::with_capacity(m);
        while sample.len() < m {
            let a = (next() % n as u64) as usize;
            let b = (next() % n as u64) as usize;
            if a != b {
                sample.push(self.slope(a, b));
            }
        }
        sample.sort_unstable_by(f64::total_cmp);
        let slack = 4.0 / (m as f64).sqrt();
        let at = |q: f64| sample[((q * m as f64) as usize).min(m - 1)];
        let q1 = k1 as f64 / pairs as f64 - slack;
        let q2 = k2 as f64 / pairs as f64 + slack;
        ((q1 > 0.0).then(|| at(q1)), (q2 < 1.0).then(|| at(q2)))
    }

    /// Halves the bracket (lo, hi] until few pairs are left in it, then picks exactly.
    fn narrow(
        &mut self,
        mut lo: f64,
        mut hi: f64,
        mut below: u64,
        mut upto: u64,
        k1: u64,
        k2: u64,
    ) -> (f64, f64) {
        let mut step = 0u32;
        while upto - below > self.budget {
            // Halving the value converges fast where slopes are spread evenly; halving the
            // number of floats in between (every other step) bounds the steps by 64 twice,
            // also near zero and across orders of magnitude.
            step += 1;
            let mid = if step % 2 == 1 {
                lo + (hi - lo) / 2.0
            } else {
                float_between(lo, hi)
            };
            if !(mid > lo && mid < hi) || hi - lo < 4.0 * self.rounding(mid) {
                // The bracket cannot shrink: its pairs share (to rounding) one slope.
                break;
            }
            let c = self.count_at_most(mid);
            if c > k2 {
                (hi, upto) = (mid, c);
            } else if c <= k1 {
                (lo, below) = (mid, c);
            } else {
                // The two ranks fall on either side of `mid`.
                let first = self.narrow(lo, mid, below, c, k1, k1).0;
                let second = self.narrow(mid, hi, c, upto, k2, k2).0;
                return (first, second);
            }
        }
        // Move the ends off any slope within rounding of them, so the pairs counted on each
        // side are on that side by their computed slopes too: the pick is then exact.
        let (lo, below) = self.settle(lo, below, -1.0);
        let (hi, _) = self.settle(hi, upto, 1.0);
        let mut slopes = self.slopes_between(lo, hi);
        slopes.sort_unstable_by(f64::total_cmp);
        let pick = |k: u64| {
            let idx = usize::try_from(k - below).unwrap_or(usize::MAX);
            slopes
                .get(idx)
                .or(slopes.last())
                .copied()
                .unwrap_or(f64::NAN)
        };
        (pick(k1), pick(k2))
    }

    /// How far a slope may be from `t` and still be counted on the wrong side of it, from
    /// rounding in the keys x − t·i and in the slope itself (a generous bound).
    fn rounding(&self, t: f64) -> f64 {
        let n = self.values.len() as f64;
        8.0 * f64::EPSILON * (self.magnitude + 2.0 * (t.abs() + 1.0) * (n + 1.0))
    }

    /// Moves the bracket end `t` (counting `count` pairs at most `t`) in `direction` until no
    /// slope lies within rounding of it, a few tries at most; returns the end and its count.
    fn settle(&mut self, mut t: f64, mut count: u64, direction: f64) -> (f64, u64) {
        for attempt in 0..8 {
            let eps = self.rounding(t);
            let near = self
                .count_at_most(t + 2.0 * eps)
                .saturating_sub(self.count_at_most(t - 2.0 * eps));
            if near == 0 {
                break;
            }
            t += direction * 4.0 * eps * 4f64.powi(attempt);
            count = self.count_at_most(t);
        }
        (t, count)
    }

    /// Slopes of the pairs counted above `lo` and at most `hi` (at most `cap` of them): the
    /// pairs whose order by x − t·i changes between t = lo and t = hi.
    fn slopes_between(&mut self, lo: f64, hi: f64) -> Vec<f64> {
        let n = self.values.len();
        let mut at_lo = Vec::with_capacity(n);
        let mut at_hi = Vec::with_capacity(n);
        Self::fill_keys(self.values, lo, &mut at_lo);
        Self::fill_keys(self.values, hi, &mut at_hi);
        // Order by key, later position first among equal keys: then a pair is "in order" at
        // t exactly when it is not counted by `count_at_most(t)`.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&x, &y| {
            // Keys are finite; -0.0 and 0.0 compare equal, as in `count_at_most`.
            at_lo[x as usize]
                .partial_cmp(&at_lo[y as usize])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(y.cmp(&x))
        });
        let mut scratch = vec![0u32; n];
        let before = |x: u32, y: u32| {
            let (kx, ky) = (at_hi[x as usize], at_hi[y as usize]);
            kx < ky || (kx == ky && x > y)
        };
        let cap = usize::try_from(self.budget.max(ENUMERATE_MAX)).unwrap_or(usize::MAX);
        let mut slopes = Vec::new();
        let values = self.values;
        merge_count(&mut order, &mut scratch, &before, &mut true, &mut |a, b| {
            let (a, b) = (a.min(b) as usize, a.max(b) as usize);
            slopes.push((values[b] - values[a]) / (b - a) as f64);
            slopes.len() < cap
        });
        slopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::stats::median;
    use proptest::prelude::*;

    /// The O(n²) definitions the fast versions must match.
    fn naive_mann_kendall(values: &[f64]) -> (i64, f64) {
        let n = values.len();
        let mut s = 0i64;
        for i in 0..n {
            for j in i + 1..n {
                s += i64::from(values[j] > values[i]) - i64::from(values[j] < values[i]);
            }
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut tie_term = 0.0;
        let mut run = 1usize;
        for k in 1..=n {
            if k < n && sorted[k] == sorted[k - 1] {
                run += 1;
            } else {
                let t = run as f64;
                tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
                run = 1;
            }
        }
        (s, tie_term)
    }

    fn naive_sen(values: &[f64]) -> f64 {
        let n = values.len();
        let mut slopes = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                slopes.push((values[j] - values[i]) / (j - i) as f64);
            }
        }
        median(&mut slopes)
    }

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            // Few distinct values: many ties, and many tied slopes.
            (-3i32..4).prop_map(f64::from),
            (-1000i32..1000).prop_map(|v| f64::from(v) / 8.0),
            -1e6f64..1e6,
            Just(-0.0),
        ]
    }

    proptest! {
        #[test]
        fn mann_kendall_equals_the_definition(
            values in proptest::collection::vec(prop_oneof![9 => value(), 1 => Just(f64::NAN)], 0..300)
        ) {
            let (s, tie_term) = mann_kendall(&values);
            let (s0, tie0) = naive_mann_kendall(&values);
            prop_assert_eq!(s, s0);
            prop_assert_eq!(tie_term.to_bits(), tie0.to_bits());
        }

        #[test]
        fn sen_slope_equals_the_median_of_all_slopes(
            values in proptest::collection::vec(value(), 2..400)
        ) {
            let fast = sen_slope(&values);
            let slow = naive_sen(&values);
            // Equal as numbers (the naive median may be -0.0 where this is 0.0).
            prop_assert!(fast == slow, "{} vs {}", fast, slow);
        }
    }

    #[test]
    fn large_series_go_through_narrowing_and_still_match() {
        // Long enough that the sampled bracket and the halving both run.
        for seed in 0..4u64 {
            let mut x = seed.wrapping_mul(2_654_435_761) + 1;
            let values: Vec<f64> = (0..3_000)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let noise = (x % 41) as f64;
                    if seed % 2 == 0 {
                        noise // integers: heavy ties
                    } else {
                        0.3 * i as f64 + noise / 7.0
                    }
                })
                .collect();
            assert_eq!(sen_slope(&values), naive_sen(&values), "seed {seed}");
            assert_eq!(mann_kendall(&values), naive_mann_kendall(&values));
        }
        // A constant series: every slope is 0.
        assert_eq!(sen_slope(&[5.0; 2_000]), 0.0);
    }

    #[test]
    fn float_between_is_ordered() {
        for (lo, hi) in [
            (-1.0, 1.0),
            (0.0, 1e-300),
            (-5.0, -4.0),
            (-0.0, 0.0),
            (1.0, 1e300),
        ] {
            let mid = float_between(lo, hi);
            assert!(lo <= mid && mid <= hi, "{lo} {mid} {hi}");
        }
        assert_eq!(float_between(1.0, 1.0), 1.0);
    }

    #[test]
    fn massive_ties_at_the_median_stay_fast() {
        // Half of all pairs have slope 0; the bracket cannot shrink past them.
        let values: Vec<f64> = (0..20_000).map(|i| f64::from(i % 2)).collect();
        let started = std::time::Instant::now();
        assert_eq!(sen_slope(&values), 0.0);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn degenerate_inputs() {
        assert!(sen_slope(&[1.0]).is_nan());
        assert!(sen_slope(&[1.0, f64::INFINITY, 2.0]).is_nan());
        assert_eq!(sen_slope(&[1.0, 3.0]), 2.0);
        assert_eq!(mann_kendall(&[]), (0, 0.0));
    }
}
