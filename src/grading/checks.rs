//! The checks an interviewer reads beside a score: each has a value, a threshold, `flagged` and one
//! sentence. A check flags only when its evidence clears the threshold beyond the noise of the rows it
//! was measured on, so a flag on a few hundred hidden rows means what it says.

use super::interval::{favourable_end, standard_error};
use super::words::number;
use super::{Check, Overfitting};
use crate::challenge::{Challenge, Primary};

/// A metric value on some hidden rows, with its 95% interval when one could be computed.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub value: f64,
    pub interval: Option<[f64; 2]>,
}

impl Measured {
    fn se(&self) -> f64 {
        self.interval.map(standard_error).unwrap_or(0.0)
    }

    /// "0.918 (95% interval 0.877–0.953)".
    fn shown(&self) -> String {
        match self.interval {
            Some([lo, hi]) => format!("{} (95% interval {}–{})", number(self.value), number(lo), number(hi)),
            None => number(self.value),
        }
    }
}

/// Everything the checks are computed from.
pub struct Evidence {
    /// The primary metric on the rows the model trained on.
    pub train: Option<f64>,
    /// On every hidden test row: the gap and optimism checks use all the evidence there is.
    pub all: Measured,
    pub rows: usize,
    pub public: Option<Measured>,
    pub private: Measured,
    /// The Model's own cross-validated estimate (`cv_score_`).
    pub reported: Option<f64>,
}

/// How much better `a` is than `b` in the metric's better direction.
pub fn better_by(metric: &Primary, a: f64, b: f64) -> f64 {
    if metric.higher_is_better() {
        a - b
    } else {
        b - a
    }
}

/// Every check that applies, and the train-versus-test comparison the API also reports on its own.
pub fn checks(challenge: &Challenge, e: &Evidence) -> (Option<Overfitting>, Vec<Check>) {
    let mut out = Vec::new();
    let underfit = e.train.map(|train| underfitting(challenge, train));
    let overfit = e.train.map(|train| train_test_gap(challenge, train, e, underfit.as_ref().is_some_and(|u| u.flagged)));
    if let Some(o) = &overfit {
        out.push(Check {
            name: "train_test_gap".into(),
            value: Some(o.gap),
            threshold: o.threshold,
            flagged: o.flagged,
            explanation: o.explanation.clone(),
            link: None,
        });
    }
    out.extend(underfit);
    if let Some(public) = e.public {
        out.push(public_private_gap(challenge, public, e.private, e.rows));
    }
    if let Some(limit) = challenge.grading.max_optimism {
        out.push(optimism(challenge, limit, e));
    }
    (overfit, out)
}

/// The train-versus-test comparison when nothing but the two values is known (a scored challenge's
/// program reports no rows to bootstrap).
pub fn overfitting(challenge: &Challenge, train: f64, test: f64) -> Overfitting {
    let unknown = Measured { value: test, interval: None };
    let e = Evidence { train: Some(train), all: unknown, rows: 0, public: None, private: unknown, reported: None };
    train_test_gap(challenge, train, &e, false)
}

fn underfitting(challenge: &Challenge, train: f64) -> Check {
    let g = &challenge.grading;
    let name = g.metric.name();
    let floor = g.min_train.unwrap_or(g.zero);
    // Not beating the floor is underfitting: a constant answer sits exactly on it for some metrics.
    let flagged = better_by(&g.metric, train, floor) <= 0.0;
    let floor_words = if g.min_train.is_some() { format!("the {} floor", number(floor)) } else { format!("{}, the level that scores 0", number(floor)) };
    let explanation = if flagged {
        format!(
            "On the very rows it learned from, {name} is only {}, no better than {floor_words}: the model has not learned its training data (a bug, or a model too simple for the task).",
            number(train)
        )
    } else {
        format!("{name} on the training rows is {}, past {floor_words}: the model learned from its training data.", number(train))
    };
    Check { name: "underfitting".into(), value: Some(train), threshold: floor, flagged, explanation, link: None }
}

fn train_test_gap(challenge: &Challenge, train: f64, e: &Evidence, underfit: bool) -> Overfitting {
    let g = &challenge.grading;
    let m = &g.metric;
    let name = m.name();
    let threshold = g.max_gap;
    let gap = better_by(m, train, e.all.value);
    let best_test = favourable_end(m.higher_is_better(), e.all.value, e.all.interval);
    let gap_beyond_noise = better_by(m, train, best_test);
    let flagged = !underfit && gap_beyond_noise > threshold;
    let (train_s, test_s, n) = (number(train), e.all.shown(), e.rows);
    let explanation = if underfit {
        format!("Not judged: the model does not fit even its own training rows (see underfitting), so its gap of {} says nothing about memorising.", number(gap))
    } else if flagged {
        format!(
            "{name} is {train_s} on the rows the model trained on but {test_s} on the {n} hidden test rows. Even at the end of that interval most favourable to the model the gap is {}, more than the {} allowed: the model memorised its training rows instead of learning a rule that carries over to new data.",
            number(gap_beyond_noise),
            number(threshold)
        )
    } else if gap > threshold {
        format!(
            "{name} is {train_s} on the training rows and {test_s} on the {n} hidden test rows. The gap of {} is above {} but within the noise of {n} rows, so it is no evidence of memorising.",
            number(gap),
            number(threshold)
        )
    } else {
        format!(
            "{name} is {train_s} on the training rows and {test_s} on the {n} hidden test rows: a gap of {}, within the {} allowed. The model generalises.",
            number(gap),
            number(threshold)
        )
    };
    Overfitting {
        metric: name.to_owned(),
        train_metric: train,
        test_metric: e.all.value,
        gap,
        threshold,
        flagged,
        explanation,
        test_interval: e.all.interval,
    }
}

fn public_private_gap(challenge: &Challenge, public: Measured, private: Measured, rows: usize) -> Check {
    let g = &challenge.grading;
    let name = g.metric.name();
    let gap = better_by(&g.metric, public.value, private.value);
    let noise = 1.96 * (public.se().powi(2) + private.se().powi(2)).sqrt();
    let flagged = gap - noise > g.max_public_gap;
    let explanation = if flagged {
        format!(
            "{name} is {} on the public rows, whose scores the candidate saw, and {} on the private rows. The gap of {} exceeds {} even after allowing {} for the noise of two halves of {rows} rows: the model was tuned to the rows whose scores were visible.",
            public.shown(),
            private.shown(),
            number(gap),
            number(g.max_public_gap),
            number(noise)
        )
    } else {
        format!(
            "{name} is {} on the public rows and {} on the private rows: a difference of {}, within {} plus the noise of the two halves ({}).",
            number(public.value),
            number(private.value),
            number(gap),
            number(g.max_public_gap),
            number(noise)
        )
    };
    Check { name: "public_private_gap".into(), value: Some(gap), threshold: g.max_public_gap, flagged, explanation, link: None }
}

fn optimism(challenge: &Challenge, limit: f64, e: &Evidence) -> Check {
    let m = &challenge.grading.metric;
    let name = m.name();
    let Some(reported) = e.reported else {
        return Check {
            name: "optimism".into(),
            value: None,
            threshold: limit,
            flagged: true,
            explanation: "The Model reported no cv_score_, so its own estimate of how well it does cannot be checked.".into(),
            link: None,
        };
    };
    let optimism = better_by(m, reported, e.all.value);
    let noise = 1.96 * e.all.se();
    let flagged = optimism - noise > limit;
    let explanation = if flagged {
        format!(
            "The Model estimated its own {name} at {} by cross-validation, but reaches {} on the {} hidden test rows: it overstates by {}, more than {} plus the noise of the test rows. The estimate leaked test information or was not properly cross-validated.",
            number(reported),
            e.all.shown(),
            e.rows,
            number(optimism),
            number(limit)
        )
    } else {
        format!(
            "The Model's own cross-validated {name} of {} agrees with the {} it reaches on the hidden test rows (within {} plus noise): its self-assessment is honest.",
            number(reported),
            number(e.all.value),
            number(limit)
        )
    };
    Check { name: "optimism".into(), value: Some(optimism), threshold: limit, flagged, explanation, link: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grading::metrics::Metric;
    use crate::grading::tests::tiny;

    fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} check in {checks:?}"))
    }

    fn at(value: f64, half: f64) -> Measured {
        Measured { value, interval: Some([value - half, value + half]) }
    }

    fn evidence(train: f64, test: Measured) -> Evidence {
        Evidence { train: Some(train), all: test, rows: 170, public: None, private: test, reported: None }
    }

    #[test]
    fn a_gap_inside_the_noise_is_not_called_memorising() {
        let c = tiny();
        assert_eq!(c.grading.max_gap, 0.1);
        // Train 1.0, test 0.89 ± 0.047: a gap of 0.11 whose favourable end is 0.063.
        let (o, found) = checks(&c, &evidence(1.0, at(0.89, 0.047)));
        let o = o.unwrap();
        assert!(!o.flagged && (o.gap - 0.11).abs() < 1e-12, "{o:?}");
        assert!(o.explanation.contains("within the noise"), "{}", o.explanation);
        assert!(!find(&found, "train_test_gap").flagged);
        // Train 1.0, test 0.80 ± 0.05: even the favourable end leaves a gap of 0.15.
        let (o, _) = checks(&c, &evidence(1.0, at(0.80, 0.05)));
        let o = o.unwrap();
        assert!(o.flagged, "{o:?}");
        assert!(o.explanation.contains("memorised") && o.explanation.contains("95% interval"), "{}", o.explanation);
    }

    #[test]
    fn a_model_bad_on_its_own_rows_underfits_and_is_never_called_memorising() {
        let mut c = tiny();
        c.grading.metric = Primary::Builtin(Metric::LogLoss);
        c.grading.zero = 0.69;
        c.grading.full = 0.34;
        c.grading.max_gap = 0.15;
        // Hard 0/1 probabilities: log loss 13.7 on the training rows, worse still on the test rows.
        let (o, found) = checks(&c, &evidence(13.7, at(16.0, 1.0)));
        assert!(find(&found, "underfitting").flagged);
        assert!(find(&found, "underfitting").explanation.contains("has not learned"));
        let o = o.unwrap();
        assert!(!o.flagged && o.explanation.starts_with("Not judged"), "{o:?}");
    }

    #[test]
    fn underfitting_uses_the_manifest_floor_or_the_zero_of_the_scale() {
        let mut c = tiny();
        c.grading.min_train = Some(0.8);
        let (_, low) = checks(&c, &evidence(0.6, at(0.6, 0.05)));
        assert!(find(&low, "underfitting").flagged);
        let (_, fine) = checks(&c, &evidence(0.9, at(0.85, 0.05)));
        assert!(!find(&fine, "underfitting").flagged);
        c.grading.min_train = None;
        let floor = c.grading.zero;
        let (_, at_zero) = checks(&c, &evidence(floor - 0.01, at(floor, 0.05)));
        assert!(find(&at_zero, "underfitting").flagged);
        assert!(find(&at_zero, "underfitting").explanation.contains("scores 0"));
    }

    #[test]
    fn optimism_allows_for_the_noise_of_the_test_rows() {
        let mut c = tiny();
        c.grading.max_optimism = Some(0.05);
        let mut e = evidence(0.95, at(0.90, 0.04));
        e.reported = Some(0.97); // 0.07 over, but 0.04 of it is noise
        assert!(!find(&checks(&c, &e).1, "optimism").flagged);
        e.reported = Some(1.0);
        e.all = at(0.80, 0.04);
        let (_, leaky) = checks(&c, &e);
        let check = find(&leaky, "optimism");
        assert!(check.flagged && (check.value.unwrap() - 0.2).abs() < 1e-12, "{check:?}");
        e.reported = Some(0.6);
        assert!(!find(&checks(&c, &e).1, "optimism").flagged, "underestimating is not optimism");
        e.reported = None;
        let silent = checks(&c, &e).1;
        assert!(find(&silent, "optimism").flagged && find(&silent, "optimism").value.is_none());
    }

    #[test]
    fn public_private_gap_needs_more_than_the_noise_of_two_halves() {
        let c = tiny();
        let mut e = evidence(0.95, at(0.80, 0.03));
        e.public = Some(at(0.99, 0.02));
        assert!(find(&checks(&c, &e).1, "public_private_gap").flagged);
        e.public = Some(at(0.92, 0.06)); // 0.12 apart, but two noisy halves
        assert!(!find(&checks(&c, &e).1, "public_private_gap").flagged);
    }

    #[test]
    fn lower_is_better_metrics_flip_every_gap() {
        let mut c = tiny();
        c.grading.metric = Primary::Builtin(Metric::LogLoss);
        c.grading.zero = 0.7;
        c.grading.full = 0.2;
        let (o, _) = checks(&c, &evidence(0.1, at(0.6, 0.05)));
        let o = o.unwrap();
        assert!((o.gap - 0.5).abs() < 1e-12 && o.flagged, "{o:?}");
    }
}
