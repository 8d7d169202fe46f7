//! Turns a finished sandbox run into a verdict, metrics, a score and an overfitting check.
//!
//! Everything here runs in the service, on predictions the harness reported; the hidden test labels
//! are only ever read on this side of the sandbox.

mod checks;
pub mod interval;
pub mod metrics;
pub mod practice;
mod predictions;
mod runs;
pub mod scored;
mod split;
pub mod words;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::challenge::{Challenge, Dataset, Task};
use crate::integrity::{self, checks::OnHiddenRows, probes::ProbeLayout};
use crate::sandbox::RunOutcome;
pub use checks::better_by;
use checks::{Evidence, Measured};
use metrics::Metric;
use predictions::{parse_proba, Predictions, Truth};
pub use runs::{combine_runs, SeededRun};
pub use split::{public_private_split, splitmix64};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    WrongOutput,
    RuntimeError,
    TimeLimitExceeded,
    MemoryLimitExceeded,
    InternalError,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::WrongOutput => "wrong_output",
            Verdict::RuntimeError => "runtime_error",
            Verdict::TimeLimitExceeded => "time_limit_exceeded",
            Verdict::MemoryLimitExceeded => "memory_limit_exceeded",
            Verdict::InternalError => "internal_error",
        }
    }
}

/// The train-versus-test comparison on the primary metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overfitting {
    pub metric: String,
    pub train_metric: f64,
    pub test_metric: f64,
    /// How much better the model does on rows it trained on, in the metric's better direction.
    pub gap: f64,
    pub threshold: f64,
    pub flagged: bool,
    pub explanation: String,
    /// 95% interval of `test_metric`, when the rows could be resampled.
    #[serde(default)]
    pub test_interval: Option<[f64; 2]>,
}

/// One check of how the model generalises, with its numbers, its threshold and a sentence for the
/// interviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
    /// `train_test_gap`, `public_private_gap`, `underfitting` or `optimism`.
    pub name: String,
    pub value: Option<f64>,
    pub threshold: f64,
    pub flagged: bool,
    pub explanation: String,
    /// Where the evidence can be seen (the side-by-side view of a similar submission, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The graded result of one run, stored as it is and returned by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub verdict: Verdict,
    /// 0–100 from the primary metric on the private part; only for accepted runs.
    pub score: Option<f64>,
    /// The same scale applied to the public part: the score a candidate sees.
    #[serde(default)]
    pub public_score: Option<f64>,
    /// Metrics on the private part of the hidden test rows.
    pub metrics: BTreeMap<String, f64>,
    /// Metrics on the public part.
    pub public: BTreeMap<String, f64>,
    pub overfitting: Option<Overfitting>,
    /// Every generalisation check that applies to the challenge.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Why the verdict is what it is, in words, when that is not obvious.
    pub message: Option<String>,
    /// For staff only: what a failing part of the challenge itself (its scoring program) printed.
    /// Candidates never see it, since a trusted program may print its references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_fault: Option<String>,
    /// 95% interval of `score` (stratified bootstrap over the private rows), on the 0–100 scale.
    #[serde(default)]
    pub score_interval: Option<[f64; 2]>,
    /// 95% interval of `public_score`, over the public rows.
    #[serde(default)]
    pub public_score_interval: Option<[f64; 2]>,
    /// 95% interval of each private metric, by name.
    #[serde(default)]
    pub intervals: BTreeMap<String, [f64; 2]>,
    /// 95% interval of each public metric, by name.
    #[serde(default)]
    pub public_intervals: BTreeMap<String, [f64; 2]>,
    /// The seed of the run whose predictions were graded; every random source in the sandbox starts
    /// from it, so the same file on the same challenge version gets the same numbers.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Every graded run, when the challenge grades several seeds; the score is their median.
    #[serde(default)]
    pub runs: Vec<RunScore>,
    /// CPU time, wall time and peak memory of the graded run, as the container's cgroup counted them.
    #[serde(default)]
    pub resources: Option<Resources>,
    /// Remarks that never change the verdict (an optional method that failed, say).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One of several seeded runs of the same file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunScore {
    pub seed: u64,
    pub verdict: Verdict,
    pub score: Option<f64>,
    /// The primary metric on the private rows.
    pub metric: Option<f64>,
}

/// What a run cost, measured outside the candidate's reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resources {
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    pub peak_memory_mb: f64,
}

impl Report {
    pub fn failed(verdict: Verdict, message: impl Into<String>) -> Report {
        Report {
            message: Some(message.into()),
            ..Report::empty(verdict)
        }
    }

    /// A report with a verdict and nothing else filled in.
    pub fn empty(verdict: Verdict) -> Report {
        Report {
            verdict,
            score: None,
            public_score: None,
            metrics: BTreeMap::new(),
            public: BTreeMap::new(),
            overfitting: None,
            checks: Vec::new(),
            message: None,
            challenge_fault: None,
            score_interval: None,
            public_score_interval: None,
            intervals: BTreeMap::new(),
            public_intervals: BTreeMap::new(),
            seed: None,
            runs: Vec::new(),
            resources: None,
            notes: Vec::new(),
        }
    }
}

/// What the harness reports on its channel. Predictions come as the Model returned them, whatever
/// their shape: judging the shape is the service's job.
#[derive(Debug, Deserialize)]
struct HarnessOutput {
    test: Value,
    train: Value,
    test_proba: Option<Value>,
    train_proba: Option<Value>,
    /// Why an unscored `predict_proba` failed.
    proba_error: Option<String>,
    /// The Model's own cross-validated estimate (`cv_score_`), when it set one.
    cv_score: Option<Value>,
}

/// The graded report and the test predictions as CSV (when the run produced usable predictions).
pub struct Graded {
    pub report: Report,
    pub predictions_csv: Option<String>,
}

/// What grading a run needs besides the run itself.
pub struct Context<'a> {
    /// Where the probe rows sit among the test rows the run predicted.
    pub layout: &'a ProbeLayout,
    /// The challenge reference on every hidden test row, for the leak check.
    pub reference: Option<OnHiddenRows>,
}

/// Grades a finished run against the hidden data.
pub fn grade(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome, context: &Context) -> Graded {
    let mut graded = match grade_run(challenge, data, outcome, context) {
        Ok(graded) => graded,
        Err(report) => Graded { report, predictions_csv: None },
    };
    graded.report.resources = resources(outcome);
    graded
}

/// What the run used, when the supervisor could report it.
pub fn resources(outcome: &RunOutcome) -> Option<Resources> {
    outcome.usage.map(|u| Resources {
        cpu_seconds: u.cpu_seconds,
        wall_seconds: (outcome.duration.as_secs_f64() * 1000.0).round() / 1000.0,
        peak_memory_mb: u.peak_memory_mb,
    })
}

/// The JSON document the harness reported, once the run ended cleanly; anything else is the verdict.
pub fn harness_output<T: serde::de::DeserializeOwned>(challenge: &Challenge, outcome: &RunOutcome) -> Result<T, Report> {
    check_exit(challenge, outcome)?;
    let wrong = |m: String| Report::failed(Verdict::WrongOutput, m);
    if outcome.result_overflow {
        return Err(wrong(format!("the harness output passed {} bytes", crate::sandbox::RESULT_CAP)));
    }
    if outcome.result.iter().all(u8::is_ascii_whitespace) {
        return Err(wrong("nothing came back: the program ended before the harness could report".into()));
    }
    let unreadable = |e: String| wrong(format!("the harness output could not be read: {e}"));
    match predictions::with_arrays(&outcome.result).map_err(unreadable)? {
        Some(document) => serde_json::from_value(document).map_err(|e| unreadable(e.to_string())),
        None => serde_json::from_slice(&outcome.result).map_err(|e| unreadable(e.to_string())),
    }
}

fn grade_run(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome, context: &Context) -> Result<Graded, Report> {
    let out: HarnessOutput = harness_output(challenge, outcome)?;
    let wrong = |m: String| Report::failed(Verdict::WrongOutput, m);
    let (n_test, n_train) = (data.test_labels.len(), data.train_labels.len());
    let layout = context.layout;
    let (test_raw, probe_raw) = layout.split(&out.test).ok_or_else(|| wrong(predictions::count_problem("predict", &out.test, layout.len(), "test")))?;
    let test_proba = out.test_proba.as_ref().map(|p| layout.split(p).map(|(rows, _)| rows).unwrap_or_else(|| p.clone()));
    let mut test = Predictions::parse(challenge, data, &test_raw, n_test, "test").map_err(wrong)?;
    let mut train = Predictions::parse(challenge, data, &out.train, n_train, "training").map_err(wrong)?;
    let mut notes = Vec::new();
    let scored = challenge.grading.metric.needs_probabilities();
    if let Some(problem) = &out.proba_error {
        notes.push(format!("predict_proba raised {problem}; it is not scored on this challenge, so the verdict and the score come from predict alone."));
    }
    if challenge.task == Task::Classification {
        let parsed = test_proba.as_ref().zip(out.train_proba.as_ref()).map(|(test_p, train_p)| {
            Ok::<_, String>((
                parse_proba(test_p, n_test, &data.classes, "test")?,
                parse_proba(train_p, n_train, &data.classes, "training")?,
            ))
        });
        match parsed {
            Some(Ok((test_p, train_p))) => {
                test.proba = Some(test_p);
                train.proba = Some(train_p);
            }
            Some(Err(problem)) if scored => return Err(wrong(problem)),
            Some(Err(problem)) => notes.push(format!(
                "{problem}. predict_proba is not scored on this challenge, so it was ignored."
            )),
            None if scored => {
                return Err(wrong(format!(
                    "the metric {} needs class probabilities: define Model.predict_proba, returning one column per class in the order of np.unique(y)",
                    challenge.grading.metric.name()
                )))
            }
            None => {}
        }
    }

    let internal = |m: String| Report::failed(Verdict::InternalError, m);
    let primary = challenge.grading.metric.name();
    let truth = Truth::of(challenge.task, data, &data.test_labels).map_err(internal)?;
    let (public_idx, private_idx) =
        public_private_split(n_test, challenge.grading.public_fraction, challenge.grading.split_seed);
    let all_idx: Vec<usize> = (0..n_test).collect();
    // Each part's bootstrap is a thousand passes over its rows: on a large test set they are worth
    // measuring side by side.
    let (private, public, all) = std::thread::scope(|scope| {
        let public = scope.spawn(|| Part::measure(challenge, &truth, &test, &public_idx));
        let all = scope.spawn(|| Part::measure(challenge, &truth, &test, &all_idx));
        let private = Part::measure(challenge, &truth, &test, &private_idx);
        (private, public.join().expect("measuring the public rows"), all.join().expect("measuring all rows"))
    });
    let measured = |part: &Part| part.metrics.get(primary).map(|&value| Measured { value, interval: part.intervals.get(primary).copied() });
    let private_primary = measured(&private).ok_or_else(|| internal(format!("{primary} is undefined on the private rows")))?;
    let all_primary = measured(&all).ok_or_else(|| internal(format!("{primary} is undefined on the hidden test rows")))?;
    let train_truth = Truth::of(challenge.task, data, &data.train_labels).map_err(internal)?;
    let train_value = evaluate(challenge, &train_truth, &train).get(primary).copied();
    let evidence = Evidence {
        train: train_value,
        all: all_primary,
        rows: n_test,
        public: measured(&public),
        private: private_primary,
        reported: out.cv_score.as_ref().and_then(Value::as_f64).filter(|v| v.is_finite()),
    };
    let (overfitting, mut checks) = checks::checks(challenge, &evidence);
    if let Some(reference) = context.reference {
        let candidate = OnHiddenRows { value: all_primary.value, interval: all_primary.interval };
        checks.extend(integrity::checks::leak(challenge, candidate, reference));
    }
    if !probe_raw.is_empty() {
        let agree = predictions::probe_agreement(challenge, data, &test, &probe_raw);
        checks.push(integrity::checks::probe_consistency(agree, probe_raw.len()));
    }
    let g = &challenge.grading;
    let scale = |i: [f64; 2]| {
        let (a, b) = (g.score(i[0]), g.score(i[1]));
        [a.min(b), a.max(b)]
    };
    Ok(Graded {
        predictions_csv: Some(predictions_csv(data, &test, &public_idx)),
        report: Report {
            score: Some(g.score(private_primary.value)),
            score_interval: private_primary.interval.map(scale),
            public_score: evidence.public.map(|p| g.score(p.value)),
            public_score_interval: evidence.public.and_then(|p| p.interval).map(scale),
            metrics: private.metrics,
            intervals: private.intervals,
            public: public.metrics,
            public_intervals: public.intervals,
            overfitting,
            checks,
            notes,
            ..Report::empty(Verdict::Accepted)
        },
    })
}

/// Every metric on one part of the hidden test rows, each with its bootstrap interval.
struct Part {
    metrics: BTreeMap<String, f64>,
    intervals: BTreeMap<String, [f64; 2]>,
}

impl Part {
    fn measure(challenge: &Challenge, truth: &Truth, pred: &Predictions, idx: &[usize]) -> Part {
        let (truth, pred) = (truth.subset(idx), pred.subset(idx));
        let metrics = evaluate(challenge, &truth, &pred);
        let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut keep = |values: BTreeMap<String, f64>| {
            for (name, v) in values {
                samples.entry(name).or_default().push(v);
            }
        };
        if challenge.task == Task::Classification {
            for confusion in resampled_confusions(&truth, &pred) {
                let mut values = BTreeMap::new();
                label_metrics(challenge, &confusion, &mut values);
                keep(values);
            }
            // Probabilities need the drawn rows themselves.
            if pred.proba.is_some() {
                for rows in interval::resamples(&truth.strata()) {
                    let mut values = BTreeMap::new();
                    probability_metrics(&truth.subset(&rows), &pred.subset(&rows), &mut values);
                    keep(values);
                }
            }
        } else {
            for rows in interval::resamples(&truth.strata()) {
                keep(evaluate(challenge, &truth.subset(&rows), &pred.subset(&rows)));
            }
        }
        let intervals = samples
            .into_iter()
            .filter_map(|(name, mut values)| interval::percentile_interval(&mut values).map(|i| (name, i)))
            .collect();
        Part { metrics, intervals }
    }
}

/// The confusion matrix of each bootstrap resample of a classification's rows, counted without
/// touching the rows: a stratum holds one true class, and with its rows ordered by predicted class a
/// draw's position alone says which class was predicted. A hundred thousand rows cost a few
/// milliseconds a resample.
fn resampled_confusions<'a>(truth: &'a Truth, pred: &'a Predictions) -> impl Iterator<Item = metrics::Confusion> + 'a {
    let width = truth.classes.iter().chain(&pred.classes).max().map_or(0, |top| top + 1);
    let mut resampler = interval::Resampler::new(&truth.strata()).ordered_by(|row| pred.classes[row]);
    // For each stratum: its true class, and its runs of one predicted class as (end position, class).
    let strata: Vec<(usize, Vec<(usize, usize)>)> = resampler
        .groups()
        .iter()
        .map(|rows| {
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for (at, &row) in rows.iter().enumerate() {
                match runs.last_mut() {
                    Some((end, class)) if *class == pred.classes[row] => *end = at + 1,
                    _ => runs.push((at + 1, pred.classes[row])),
                }
            }
            (truth.classes[rows[0]], runs)
        })
        .collect();
    (0..interval::RESAMPLES).map(move |_| {
        let mut confusion = metrics::Confusion::new(width);
        resampler.draw_positions(|g, at| {
            let (actual, runs) = &strata[g];
            let predicted = runs.iter().find(|(end, _)| at < *end).map_or(0, |&(_, class)| class);
            confusion.add(*actual, predicted);
        });
        confusion
    })
}

/// Verdicts that follow from how the process ended, before any output is read.
fn check_exit(challenge: &Challenge, outcome: &RunOutcome) -> Result<(), Report> {
    let limits = &challenge.limits;
    let used = |u: &crate::sandbox::Usage| words::number(u.cpu_seconds);
    let wall = words::number(outcome.duration.as_secs_f64());
    match outcome.usage {
        Some(u) if u.cpu_exceeded => {
            return Err(Report::failed(
                Verdict::TimeLimitExceeded,
                format!("used more than the {} s of CPU time allowed (stopped at {} s of CPU, {wall} s on the clock)", limits.time_seconds, used(&u)),
            ))
        }
        Some(u) if u.wall_exceeded => {
            return Err(Report::failed(
                Verdict::TimeLimitExceeded,
                format!(
                    "stopped after {wall} s on the clock having used only {} s of CPU: the program was waiting rather than computing (sleeping, or blocked); the limit is {} s of CPU",
                    used(&u),
                    limits.time_seconds
                ),
            ))
        }
        _ if outcome.timed_out => {
            return Err(Report::failed(
                Verdict::TimeLimitExceeded,
                format!("stopped after {wall} s on the clock, past the safety net behind the {} s CPU-time limit", limits.time_seconds),
            ))
        }
        _ => {}
    }
    if outcome.oom_killed {
        let peak = outcome.usage.map(|u| format!(" (peak {} MB)", words::number(u.peak_memory_mb))).unwrap_or_default();
        return Err(Report::failed(
            Verdict::MemoryLimitExceeded,
            format!("killed for passing the {} MB memory limit{peak}", limits.memory_mb),
        ));
    }
    match outcome.exit_code {
        0 => Ok(()),
        code if code > 128 => Err(Report::failed(
            Verdict::RuntimeError,
            format!("killed by signal {} (exit code {code}); see the log", code - 128),
        )),
        code => Err(Report::failed(Verdict::RuntimeError, format!("exited with code {code}; see the log"))),
    }
}

/// Every metric that applies to the task; probability metrics only when probabilities came back, and
/// a metric that is undefined on these rows (say ROC AUC with one class present) is left out.
fn evaluate(challenge: &Challenge, truth: &Truth, pred: &Predictions) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    match challenge.task {
        Task::Classification => {
            if let Some(confusion) = metrics::Confusion::of(&truth.classes, &pred.classes) {
                label_metrics(challenge, &confusion, &mut out);
            }
            probability_metrics(truth, pred, &mut out);
        }
        Task::Regression => {
            let (t, p) = (&truth.values, &pred.values);
            put(&mut out, Metric::Rmse, Some(metrics::rmse(t, p)));
            put(&mut out, Metric::Mae, Some(metrics::mae(t, p)));
            put(&mut out, Metric::R2, Some(metrics::r2(t, p)));
        }
        Task::Clustering => {
            put(&mut out, Metric::AdjustedRandIndex, Some(metrics::adjusted_rand_index(&truth.classes, &pred.classes)));
        }
        Task::Custom => {}
    }
    out
}

/// The metrics of a classification's labels, all read off their confusion matrix.
fn label_metrics(challenge: &Challenge, confusion: &metrics::Confusion, out: &mut BTreeMap<String, f64>) {
    put(out, Metric::Accuracy, Some(confusion.accuracy()));
    put(out, Metric::BalancedAccuracy, Some(confusion.balanced_accuracy()));
    put(out, Metric::PrecisionMacro, Some(confusion.precision_macro()));
    put(out, Metric::RecallMacro, Some(confusion.recall_macro()));
    put(out, Metric::F1Macro, Some(confusion.f1_macro()));
    if let Some(costs) = &challenge.grading.costs {
        put(out, Metric::ExpectedCost, Some(confusion.expected_cost(costs)));
    }
}

/// The metrics of a classification's probabilities, when they came back.
fn probability_metrics(truth: &Truth, pred: &Predictions, out: &mut BTreeMap<String, f64>) {
    if let Some(proba) = &pred.proba {
        put(out, Metric::RocAuc, metrics::roc_auc(&truth.classes, proba));
        put(out, Metric::LogLoss, metrics::log_loss(&truth.classes, proba));
    }
}

fn put(out: &mut BTreeMap<String, f64>, metric: Metric, value: Option<f64>) {
    if let Some(v) = value.filter(|v| v.is_finite()) {
        out.insert(metric.name().to_owned(), v);
    }
}

/// The test predictions as CSV: row number, which part of the split it belongs to, the prediction and,
/// when given, one probability column per class.
fn predictions_csv(data: &Dataset, test: &Predictions, public_idx: &[usize]) -> String {
    let public: std::collections::HashSet<usize> = public_idx.iter().copied().collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row".to_owned(), "part".to_owned(), "prediction".to_owned()];
    if test.proba.is_some() {
        header.extend(data.classes.iter().map(|c| format!("proba_{c}")));
    }
    w.write_record(&header).expect("in-memory csv");
    for (i, t) in test.text.iter().enumerate() {
        let part = if public.contains(&i) { "public" } else { "private" };
        let mut rec = vec![i.to_string(), part.to_owned(), t.clone()];
        if let Some(p) = &test.proba {
            rec.extend(p[i].iter().map(|v| v.to_string()));
        }
        w.write_record(&rec).expect("in-memory csv");
    }
    String::from_utf8(w.into_inner().expect("in-memory csv")).expect("csv of utf-8 text")
}


#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    /// The tiny classification fixture the grading tests share.
    pub(crate) fn tiny() -> Challenge {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/challenges/tiny-classify");
        let runtimes = ["python-numpy".to_owned()].into_iter().collect();
        Challenge::load(&dir, &runtimes, Path::new("/nonexistent")).expect("fixture loads")
    }

    /// Three classes of uneven size, right about two times in three, some rows of a class nobody has.
    fn labels(rows: usize) -> (Truth, Predictions) {
        let mut state = 17;
        let mut draw = |n: u64| (split::splitmix64(&mut state) % n) as usize;
        let truth: Vec<usize> = (0..rows).map(|_| [0, 0, 0, 1, 1, 2][draw(6)]).collect();
        let pred: Vec<usize> = truth.iter().map(|&t| if draw(3) > 0 { t } else { draw(4) }).collect();
        let predictions = Predictions { text: Vec::new(), classes: pred, values: Vec::new(), proba: None };
        (Truth { classes: truth, values: Vec::new() }, predictions)
    }

    #[test]
    fn counting_each_resample_gives_the_intervals_of_copying_its_rows() {
        let mut challenge = tiny();
        challenge.grading.costs = Some(vec![vec![0.0, 1.0, 2.0, 1.0], vec![5.0, 0.0, 1.0, 1.0], vec![3.0, 3.0, 0.0, 1.0], vec![1.0; 4]]);
        let (truth, pred) = labels(700);
        let idx: Vec<usize> = (0..700).filter(|i| i % 5 != 0).collect();
        let part = Part::measure(&challenge, &truth, &pred, &idx);

        // The same resamples drawn as rows and graded as copies of them.
        let (truth, pred) = (truth.subset(&idx), pred.subset(&idx));
        let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut resampler = interval::Resampler::new(&truth.strata()).ordered_by(|row| pred.classes[row]);
        for _ in 0..interval::RESAMPLES {
            let mut rows = Vec::new();
            resampler.draw(|row| rows.push(row));
            for (name, v) in evaluate(&challenge, &truth.subset(&rows), &pred.subset(&rows)) {
                samples.entry(name).or_default().push(v);
            }
        }
        assert_eq!(samples.len(), 6, "five label metrics and the expected cost: {:?}", samples.keys());
        for (name, mut values) in samples {
            let copied = interval::percentile_interval(&mut values).unwrap();
            let counted = part.intervals[&name];
            for (a, b) in copied.iter().zip(counted) {
                assert!((a - b).abs() < 1e-12, "{name}: {copied:?} by copying, {counted:?} by counting");
            }
        }
        assert_eq!(part.metrics, evaluate(&challenge, &truth, &pred));
    }
}
