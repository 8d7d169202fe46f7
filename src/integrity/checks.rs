//! The integrity checks on an accepted result, each a [`Check`] with a value, a threshold and one
//! sentence for the interviewer: `embedded_data`, `leak`, `probe_consistency` and `similarity`.

use super::embedded;
use crate::challenge::{Challenge, Primary};
use crate::grading::interval::{favourable_end, unfavourable_end};
use crate::grading::words::number;
use crate::grading::{better_by, Check};

/// Numeric values a source may carry before it counts as carrying a data table. Honest from-scratch
/// solutions hold a handful (a learning rate, an epsilon, a grid of a dozen values); a pasted table
/// holds thousands.
pub const MAX_EMBEDDED_VALUES: f64 = 200.0;

/// A source that carries a data table or an encoded blob, found without running it.
pub fn embedded_data(source: &str) -> Check {
    let found = embedded::scan(source);
    let value = found.value();
    let flagged = value > MAX_EMBEDDED_VALUES;
    let explanation = if flagged {
        format!(
            "{} A solution that learns from the data it is given has no need for a table of its own; this one may carry the public data set, or answers, inside its code.",
            found.describe()
        )
    } else {
        format!("The code carries no data table or encoded blob ({} embedded values at most).", number(value))
    };
    Check { name: "embedded_data".into(), value: Some(value), threshold: MAX_EMBEDDED_VALUES, flagged, explanation, link: None }
}

/// A primary metric on every hidden test row with its 95% interval.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct OnHiddenRows {
    pub value: f64,
    pub interval: Option<[f64; 2]>,
}

/// Share of the reference's remaining error (its distance from perfect answers, at its best) that a
/// result may still leave before `leak` flags it: a lookup of hidden answers is perfect or nearly so,
/// while an honest model that beats a simple reference still errs on a good part of the same rows.
pub const MAX_ERROR_SHARE: f64 = 0.1;

/// Answers beyond what the challenge's own reference reaches, by more than both intervals allow (the
/// candidate's least favourable end still beats the reference at its best), and near-perfect where the
/// reference cannot come close: at most a tenth of the reference's error left.
pub fn leak(challenge: &Challenge, candidate: OnHiddenRows, reference: OnHiddenRows) -> Option<Check> {
    let Primary::Builtin(metric) = &challenge.grading.metric else { return None };
    let m = &challenge.grading.metric;
    let name = m.name();
    let higher = m.higher_is_better();
    let reference_best = favourable_end(higher, reference.value, reference.interval);
    let candidate_worst = unfavourable_end(higher, candidate.value, candidate.interval);
    let perfect = metric.perfect();
    let reference_error = (perfect - reference_best).abs();
    let share = if reference_error > 0.0 { (perfect - candidate.value).abs() / reference_error } else { 1.0 };
    let flagged = better_by(m, candidate_worst, reference_best) > 0.0 && share <= MAX_ERROR_SHARE;
    let explanation = if flagged {
        format!(
            "{name} on the hidden test rows is {}, while the challenge's own careful reference reaches {}: the submission leaves {}% of the reference's error, and even the least favourable end of its interval beats the reference at its best. Answers this close to perfect usually mean the hidden answers were obtained, not learned.",
            shown(candidate),
            shown(reference),
            number((share * 100.0).round())
        )
    } else {
        format!(
            "{name} on the hidden test rows is {}, against {} for the challenge's reference: within what honest work reaches.",
            shown(candidate),
            shown(reference)
        )
    };
    Some(Check { name: "leak".into(), value: Some(share), threshold: MAX_ERROR_SHARE, flagged, explanation, link: None })
}

fn shown(o: OnHiddenRows) -> String {
    match o.interval {
        Some([lo, hi]) => format!("{} (95% interval {}–{})", number(o.value), number(lo), number(hi)),
        None => number(o.value),
    }
}

/// Share of hidden probe rows (perturbed near-copies of test rows) answered like their originals,
/// below which `probe_consistency` flags. A model is a smooth function of its input and answers a
/// near-copy like the original almost always; a table that looks rows up cannot find the copies.
pub const MIN_PROBE_AGREEMENT: f64 = 0.8;

/// `agree` of `probes` near-copies answered like their originals. Flags when even the upper end of
/// the 95% Wilson interval of that share is below [`MIN_PROBE_AGREEMENT`].
pub fn probe_consistency(agree: usize, probes: usize) -> Check {
    let share = if probes == 0 { 1.0 } else { agree as f64 / probes as f64 };
    let upper = wilson_upper(agree, probes);
    let flagged = upper < MIN_PROBE_AGREEMENT;
    let explanation = if flagged {
        format!(
            "Among the test rows were {probes} slightly perturbed copies of other test rows, which nobody can tell apart; the model answered only {agree} of them like their originals ({}%). A model that learned a rule answers near-copies alike; a table of looked-up answers does not find them.",
            number(share * 100.0)
        )
    } else {
        format!(
            "{agree} of {probes} hidden near-copies of test rows were answered like their originals ({}%), as a model that learned a rule does.",
            number(share * 100.0)
        )
    };
    Check { name: "probe_consistency".into(), value: Some(share), threshold: MIN_PROBE_AGREEMENT, flagged, explanation, link: None }
}

/// The upper end of the 95% Wilson score interval of `k` successes in `n` trials.
fn wilson_upper(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let (n, p, z) = (n as f64, k as f64 / n as f64, 1.96_f64);
    let centre = p + z * z / (2.0 * n);
    let margin = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre + margin) / (1.0 + z * z / n)).min(1.0)
}

/// Share of a file's code fingerprints found in another file, above which `similarity` flags.
/// Independently written solutions to the same challenge share a few percent once the starter is
/// removed; a renamed and reformatted copy shares most of its fingerprints.
pub const MAX_SHARED: f64 = 0.5;

/// The closest earlier file: what it is, the share of this file found in it, and where to compare.
pub struct Match {
    pub what: String,
    pub share: f64,
    pub link: Option<String>,
}

pub fn similarity(best: Option<Match>) -> Check {
    let Some(best) = best else {
        return Check {
            name: "similarity".into(),
            value: Some(0.0),
            threshold: MAX_SHARED,
            flagged: false,
            explanation: "No earlier submission by another candidate, nor the challenge's reference, shares code with this file.".into(),
            link: None,
        };
    };
    let flagged = best.share > MAX_SHARED;
    let percent = number((best.share * 100.0).round());
    let explanation = if flagged {
        format!(
            "{percent}% of this file's code also appears in {}, after ignoring the starter and normalising names, literals, comments and layout: a copy, possibly renamed and reformatted. Compare the two side by side.",
            best.what
        )
    } else {
        format!("The closest file, {}, shares {percent}% of this file's code: no sign of copying.", best.what)
    };
    Check { name: "similarity".into(), value: Some(best.share), threshold: MAX_SHARED, flagged, explanation, link: best.link }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leak_needs_near_perfect_answers_beyond_the_reference() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/challenges/tiny-classify");
        let runtimes = ["python-numpy".to_owned()].into_iter().collect();
        let c = Challenge::load(&dir, &runtimes, std::path::Path::new("/nonexistent")).unwrap();
        let reference = OnHiddenRows { value: 0.93, interval: Some([0.905, 0.955]) };
        let lookup = OnHiddenRows { value: 1.0, interval: Some([1.0, 1.0]) };
        assert!(leak(&c, lookup, reference).unwrap().flagged);
        // A strong honest model well beyond a simple reference still errs on a quarter of its rows.
        let forest = OnHiddenRows { value: 0.9875, interval: Some([0.975, 0.9975]) };
        assert!(!leak(&c, forest, reference).unwrap().flagged);
        let close = OnHiddenRows { value: 0.94, interval: Some([0.915, 0.96]) };
        assert!(!leak(&c, close, reference).unwrap().flagged);
    }

    #[test]
    fn the_wilson_bound_separates_a_lookup_from_a_model() {
        assert!(probe_consistency(24, 40).flagged, "60% agreement is a lookup");
        assert!(!probe_consistency(36, 40).flagged, "90% agreement is a model");
        assert!(!probe_consistency(7, 10).flagged, "10 probes cannot tell 70% from 80%");
        assert!(!probe_consistency(0, 0).flagged);
    }

    #[test]
    fn an_embedded_table_is_named_and_an_honest_file_is_not() {
        let table: String = (0..600).map(|i| format!("{}.{},", i, i % 7)).collect();
        let carrying = format!("DATA = [{table}]\nclass Model:\n    pass\n");
        assert!(embedded_data(&carrying).flagged);
        assert!(!embedded_data("class Model:\n    def __init__(self, lr=0.1):\n        self.lr = lr\n").flagged);
    }
}
