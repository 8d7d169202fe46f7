//! 95% intervals for metrics computed on a few hundred hidden rows.
//!
//! A percentile bootstrap over the scored rows, stratified by the true class (or cluster) so every
//! resample keeps the class balance of the hidden set; regression rows form one stratum. The resamples
//! come from a fixed seed and the same SplitMix64 stream as the public/private split, so an interval
//! never changes between two gradings of the same predictions.

use super::split::splitmix64;

/// How many resamples: enough that the 2.5% and 97.5% percentiles move by well under a tenth of the
/// interval's width between seeds, few enough to cost milliseconds.
pub const RESAMPLES: usize = 1000;
const SEED: u64 = 0x6d6c_6772_6164_6521;

/// Draws stratified bootstrap resamples of `strata.len()` rows, where `strata[i]` is the stratum of
/// row `i`: each resample draws, within each stratum, as many rows as it holds. The draws come from
/// one fixed stream, so the same strata always give the same resamples.
pub struct Resampler {
    /// Each stratum's rows, in the order draws index them.
    groups: Vec<Vec<usize>>,
    state: u64,
}

impl Resampler {
    pub fn new(strata: &[usize]) -> Resampler {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (row, &s) in strata.iter().enumerate() {
            if groups.len() <= s {
                groups.resize(s + 1, Vec::new());
            }
            groups[s].push(row);
        }
        groups.retain(|g| !g.is_empty());
        Resampler { groups, state: SEED ^ strata.len() as u64 }
    }

    /// The same resampler with each stratum's rows in the order of `key` (ties in row order). Which
    /// row a draw lands on changes, the chance of drawing any key does not; a consumer that needs only
    /// the keys can then read a draw's key off its position, without touching the row.
    pub fn ordered_by(mut self, key: impl Fn(usize) -> usize) -> Resampler {
        for g in &mut self.groups {
            g.sort_by_key(|&row| key(row));
        }
        self
    }

    /// Each stratum's rows, in the order draws index them.
    pub fn groups(&self) -> &[Vec<usize>] {
        &self.groups
    }

    /// Draws the next resample, handing `take` each draw as (stratum's place in [`Self::groups`],
    /// position in it), stratum by stratum.
    pub fn draw_positions(&mut self, mut take: impl FnMut(usize, usize)) {
        for (i, g) in self.groups.iter().enumerate() {
            for _ in 0..g.len() {
                take(i, below(g.len(), &mut self.state));
            }
        }
    }

    /// Draws the next resample, handing `take` each drawn row in order.
    pub fn draw(&mut self, mut take: impl FnMut(usize)) {
        let Resampler { groups, state } = self;
        for g in groups.iter() {
            for _ in 0..g.len() {
                take(g[below(g.len(), state)]);
            }
        }
    }
}

/// A position below `n` from the stream's next number: the high half of its product with `n`
/// (Lemire's method), which needs no division and is biased by less than `n / 2^64`.
fn below(n: usize, state: &mut u64) -> usize {
    ((u128::from(splitmix64(state)) * n as u128) >> 64) as usize
}

/// Row indices of `RESAMPLES` resamples (see [`Resampler`]), drawn one at a time as the caller takes
/// them: a thousand resamples of a hundred thousand rows held at once would take most of a gigabyte.
pub fn resamples(strata: &[usize]) -> impl Iterator<Item = Vec<usize>> {
    let rows = strata.len();
    let mut resampler = Resampler::new(strata);
    (0..RESAMPLES).map(move |_| {
        let mut idx = Vec::with_capacity(rows);
        resampler.draw(|row| idx.push(row));
        idx
    })
}

/// The 2.5th and 97.5th percentiles of `values` (linear interpolation between order statistics), or
/// nothing when fewer than half of the resamples gave a finite value (say, ROC AUC on resamples with one
/// class).
pub fn percentile_interval(values: &mut Vec<f64>) -> Option<[f64; 2]> {
    values.retain(|v| v.is_finite());
    if values.len() * 2 < RESAMPLES {
        return None;
    }
    values.sort_by(|a, b| a.partial_cmp(b).expect("finite values"));
    Some([percentile(values, 0.025), percentile(values, 0.975)])
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The sample standard deviation, when there are two values or more.
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    Some((values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt())
}

/// The end of a 95% interval most favourable to the model (the top for a higher-is-better metric),
/// or the value itself without an interval.
pub fn favourable_end(higher_is_better: bool, value: f64, interval: Option<[f64; 2]>) -> f64 {
    match interval {
        Some([_, hi]) if higher_is_better => hi,
        Some([lo, _]) => lo,
        None => value,
    }
}

/// The end of a 95% interval least favourable to the model.
pub fn unfavourable_end(higher_is_better: bool, value: f64, interval: Option<[f64; 2]>) -> f64 {
    favourable_end(!higher_is_better, value, interval)
}

/// The standard error a 95% interval implies: half its width over 1.96.
pub fn standard_error(interval: [f64; 2]) -> f64 {
    (interval[1] - interval[0]).abs() / (2.0 * 1.96)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resamples_keep_each_stratum_size_and_are_fixed() {
        let strata = [0, 0, 0, 1, 1, 2, 0, 1];
        let a: Vec<Vec<usize>> = resamples(&strata).collect();
        assert_eq!(a.len(), RESAMPLES);
        for r in &a {
            assert_eq!(r.len(), strata.len());
            for s in 0..3 {
                let want = strata.iter().filter(|&&x| x == s).count();
                assert_eq!(r.iter().filter(|&&i| strata[i] == s).count(), want);
            }
        }
        assert_eq!(a, resamples(&strata).collect::<Vec<_>>(), "the same rows give the same resamples");
    }

    #[test]
    fn ordering_keeps_the_strata_and_draws_the_same_positions() {
        let strata = [1, 0, 1, 1, 0, 1, 1];
        let key = |row: usize| [3, 0, 2, 1, 0, 2, 0][row];
        let mut plain = Resampler::new(&strata);
        let mut ordered = Resampler::new(&strata).ordered_by(key);
        assert_eq!(plain.groups(), &[vec![1, 4], vec![0, 2, 3, 5, 6]]);
        assert_eq!(ordered.groups(), &[vec![1, 4], vec![6, 3, 2, 5, 0]], "by key, ties in row order");
        for _ in 0..20 {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            plain.draw_positions(|g, k| a.push((g, k)));
            ordered.draw_positions(|g, k| b.push((g, k)));
            assert_eq!(a, b, "the same stream gives the same positions");
            assert!(a.iter().all(|&(g, k)| k < plain.groups()[g].len()));
        }
    }

    #[test]
    fn the_interval_of_a_proportion_matches_the_normal_approximation() {
        // 170 rows, 85% correct: the normal approximation gives 0.85 ± 1.96·sqrt(0.85·0.15/170).
        let correct: Vec<f64> = (0..170).map(|i| if i < 145 { 1.0 } else { 0.0 }).collect();
        let mut values: Vec<f64> = resamples(&vec![0; 170])
            .map(|r| r.iter().map(|&i| correct[i]).sum::<f64>() / r.len() as f64)
            .collect();
        let [lo, hi] = percentile_interval(&mut values).unwrap();
        let p = 145.0 / 170.0;
        let half = 1.96 * (p * (1.0 - p) / 170.0_f64).sqrt();
        assert!((lo - (p - half)).abs() < 0.012 && (hi - (p + half)).abs() < 0.012, "{lo} {hi} vs ±{half}");
        assert!((standard_error([lo, hi]) - half / 1.96).abs() < 0.005);
    }

    #[test]
    fn mostly_undefined_values_give_no_interval() {
        let mut values = vec![f64::NAN; RESAMPLES];
        values[0] = 0.5;
        assert!(percentile_interval(&mut values).is_none());
    }
}
