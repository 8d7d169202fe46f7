//! Turns a finished sandbox run into a verdict, metrics, a score and an overfitting check.
//!
//! Everything here runs in the service, on predictions the harness reported; the hidden test labels
//! are only ever read on this side of the sandbox.

pub mod metrics;
pub mod scored;
mod split;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::challenge::{canonical_label, parse_finite, Challenge, Dataset, Primary, Task};
use crate::sandbox::RunOutcome;
use metrics::Metric;
pub use split::public_private_split;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overfitting {
    pub metric: String,
    pub train_metric: f64,
    pub test_metric: f64,
    /// How much better the model does on rows it trained on, in the metric's better direction.
    pub gap: f64,
    pub threshold: f64,
    pub flagged: bool,
    pub explanation: String,
}

/// One check of how the model generalises, with its numbers, its threshold and a sentence for the
/// interviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// `train_test_gap`, `public_private_gap`, `underfitting` or `optimism`.
    pub name: String,
    pub value: Option<f64>,
    pub threshold: f64,
    pub flagged: bool,
    pub explanation: String,
}

/// The graded result of one run, stored as it is and returned by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunScore {
    pub seed: u64,
    pub verdict: Verdict,
    pub score: Option<f64>,
    /// The primary metric on the private rows.
    pub metric: Option<f64>,
}

/// What a run cost, measured outside the candidate's reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

/// What the harness reports on its channel.
#[derive(Debug, Deserialize)]
struct HarnessOutput {
    test: Vec<Value>,
    train: Vec<Value>,
    test_proba: Option<Vec<Vec<Value>>>,
    train_proba: Option<Vec<Vec<Value>>>,
    /// The Model's own cross-validated estimate (`cv_score_`), when it set one.
    cv_score: Option<Value>,
}

/// The graded report and the test predictions as CSV (when the run produced usable predictions).
pub struct Graded {
    pub report: Report,
    pub predictions_csv: Option<String>,
}

/// Grades a finished run against the hidden data.
pub fn grade(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome) -> Graded {
    match grade_run(challenge, data, outcome) {
        Ok(graded) => graded,
        Err(report) => Graded { report, predictions_csv: None },
    }
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
    serde_json::from_slice(&outcome.result).map_err(|e| wrong(format!("the harness output could not be read: {e}")))
}

fn grade_run(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome) -> Result<Graded, Report> {
    let out: HarnessOutput = harness_output(challenge, outcome)?;
    let wrong = |m: String| Report::failed(Verdict::WrongOutput, m);
    let test = Predictions::parse(challenge, data, &out.test, out.test_proba.as_deref(), "test")?;
    let train = Predictions::parse(challenge, data, &out.train, out.train_proba.as_deref(), "training")?;
    if challenge.grading.metric.needs_probabilities() && test.proba.is_none() {
        return Err(wrong(format!(
            "the metric {} needs class probabilities: define Model.predict_proba",
            challenge.grading.metric.name()
        )));
    }

    let (public_idx, private_idx) =
        public_private_split(data.test_labels.len(), challenge.grading.public_fraction, challenge.grading.split_seed);
    let truth = Truth::of(challenge, data, &data.test_labels)?;
    let metrics = evaluate(challenge, &truth.subset(&private_idx), &test.subset(&private_idx));
    let public = evaluate(challenge, &truth.subset(&public_idx), &test.subset(&public_idx));
    let primary = &challenge.grading.metric;
    let test_value = *metrics.get(primary.name()).ok_or_else(|| {
        Report::failed(Verdict::InternalError, format!("{} is undefined on the private rows", primary.name()))
    })?;
    let train_truth = Truth::of(challenge, data, &data.train_labels)?;
    let train_metrics = evaluate(challenge, &train_truth, &train);
    let train_value = train_metrics.get(primary.name()).copied();
    let overfitting = train_value.map(|train_value| overfitting(challenge, train_value, test_value));
    let reported = out.cv_score.as_ref().and_then(Value::as_f64).filter(|v| v.is_finite());
    let checks = checks(challenge, overfitting.as_ref(), train_value, public.get(primary.name()).copied(), test_value, reported);

    Ok(Graded {
        report: Report {
            verdict: Verdict::Accepted,
            score: Some(challenge.grading.score(test_value)),
            public_score: public.get(primary.name()).map(|&v| challenge.grading.score(v)),
            metrics,
            public,
            overfitting,
            checks,
            message: None,
            ..Report::empty(Verdict::Accepted)
        },
        predictions_csv: Some(predictions_csv(data, &test, &public_idx)),
    })
}

/// Verdicts that follow from how the process ended, before any output is read.
fn check_exit(challenge: &Challenge, outcome: &RunOutcome) -> Result<(), Report> {
    if outcome.timed_out {
        return Err(Report::failed(
            Verdict::TimeLimitExceeded,
            format!("stopped after the {} s wall-clock limit", challenge.limits.time_seconds),
        ));
    }
    if outcome.oom_killed {
        return Err(Report::failed(
            Verdict::MemoryLimitExceeded,
            format!("killed for passing the {} MB memory limit", challenge.limits.memory_mb),
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

pub fn overfitting(challenge: &Challenge, train_value: f64, test_value: f64) -> Overfitting {
    let metric = &challenge.grading.metric;
    let gap = if metric.higher_is_better() { train_value - test_value } else { test_value - train_value };
    let threshold = challenge.grading.max_gap;
    let flagged = gap > threshold;
    let explanation = if flagged {
        format!(
            "{} is {gap:.3} better on the training rows than on the hidden test rows, more than the {threshold} allowed: the model memorises rather than generalises",
            metric.name()
        )
    } else {
        format!("{} on the training rows is within {threshold} of the hidden test rows", metric.name())
    };
    Overfitting {
        metric: metric.name().to_owned(),
        train_metric: train_value,
        test_metric: test_value,
        gap,
        threshold,
        flagged,
        explanation,
    }
}

/// Worse-is-positive difference `a` minus `b` in the metric's better direction.
fn better_by(metric: &Primary, a: f64, b: f64) -> f64 {
    if metric.higher_is_better() {
        a - b
    } else {
        b - a
    }
}

/// The checks that apply: train versus test (always), public versus private (always), underfitting
/// (when the manifest sets a floor) and optimism (when it asks for a self-reported estimate).
fn checks(
    challenge: &Challenge,
    overfitting: Option<&Overfitting>,
    train: Option<f64>,
    public: Option<f64>,
    private: f64,
    reported: Option<f64>,
) -> Vec<Check> {
    let g = &challenge.grading;
    let m = &g.metric;
    let name = m.name();
    let mut out = Vec::new();
    if let Some(o) = overfitting {
        out.push(Check {
            name: "train_test_gap".into(),
            value: Some(o.gap),
            threshold: o.threshold,
            flagged: o.flagged,
            explanation: o.explanation.clone(),
        });
    }
    if let Some(public) = public {
        let gap = better_by(m, public, private);
        let flagged = gap > g.max_public_gap;
        out.push(Check {
            name: "public_private_gap".into(),
            value: Some(gap),
            threshold: g.max_public_gap,
            flagged,
            explanation: if flagged {
                format!("{name} is {gap:.3} better on the public rows than on the private ones: tuned to the rows the candidate could see")
            } else {
                format!("{name} on the public rows is within {} of the private rows", g.max_public_gap)
            },
        });
    }
    if let (Some(floor), Some(train)) = (g.min_train, train) {
        let flagged = better_by(m, floor, train) > 0.0;
        out.push(Check {
            name: "underfitting".into(),
            value: Some(train),
            threshold: floor,
            flagged,
            explanation: if flagged {
                format!("{name} on the training rows is {train:.3}, worse than {floor}: the model does not even fit the rows it learned from")
            } else {
                format!("{name} on the training rows reaches the {floor} floor")
            },
        });
    }
    if let Some(limit) = g.max_optimism {
        let (value, flagged, explanation) = match reported {
            Some(r) => {
                let optimism = better_by(m, r, private);
                let flagged = optimism > limit;
                let explanation = if flagged {
                    format!("the reported cross-validated {name} {r:.3} overstates the hidden score {private:.3} by {optimism:.3}: the estimate leaked test information or was not cross-validated")
                } else {
                    format!("the reported cross-validated {name} {r:.3} is within {limit} of the hidden score {private:.3}")
                };
                (Some(optimism), flagged, explanation)
            }
            None => (None, true, "the Model reported no cv_score_, so its own estimate cannot be checked".to_owned()),
        };
        out.push(Check { name: "optimism".into(), value, threshold: limit, flagged, explanation });
    }
    out
}

/// Predictions of one set of rows, checked and converted for the metrics.
struct Predictions {
    /// Canonical text of each prediction, for the CSV.
    text: Vec<String>,
    classes: Vec<usize>,
    values: Vec<f64>,
    proba: Option<Vec<Vec<f64>>>,
}

impl Predictions {
    fn parse(
        challenge: &Challenge,
        data: &Dataset,
        raw: &[Value],
        proba: Option<&[Vec<Value>]>,
        which: &str,
    ) -> Result<Predictions, Report> {
        let wrong = |m: String| Report::failed(Verdict::WrongOutput, m);
        let expected = if which == "test" { data.test_labels.len() } else { data.train_labels.len() };
        if raw.len() != expected {
            return Err(wrong(format!("predict returned {} values for {expected} {which} rows", raw.len())));
        }
        let text: Vec<String> = raw.iter().map(value_text).collect();
        let mut p = Predictions { text, classes: Vec::new(), values: Vec::new(), proba: None };
        match challenge.task {
            Task::Classification => {
                for (i, t) in p.text.iter().enumerate() {
                    let idx = data.classes.iter().position(|c| c == t).ok_or_else(|| {
                        wrong(format!(
                            "{which} prediction {i} is '{t}', which is not one of the labels {:?}",
                            data.classes
                        ))
                    })?;
                    p.classes.push(idx);
                }
                if let Some(rows) = proba {
                    p.proba = Some(parse_proba(rows, expected, data.classes.len(), which).map_err(wrong)?);
                }
            }
            Task::Regression => {
                for (i, t) in p.text.iter().enumerate() {
                    let v = parse_finite(t)
                        .ok_or_else(|| wrong(format!("{which} prediction {i} is '{t}', not a finite number")))?;
                    p.values.push(v);
                }
            }
            Task::Custom => return Err(not_predict()),
            Task::Clustering => {
                if let Some((i, t)) = p.text.iter().enumerate().find(|(_, t)| t.parse::<i64>().is_err()) {
                    return Err(wrong(format!("{which} prediction {i} is '{t}', not an integer cluster id")));
                }
                p.classes = cluster_indices(&p.text);
            }
        }
        Ok(p)
    }

    fn subset(&self, idx: &[usize]) -> Predictions {
        Predictions {
            text: idx.iter().map(|&i| self.text[i].clone()).collect(),
            classes: if self.classes.is_empty() { vec![] } else { idx.iter().map(|&i| self.classes[i]).collect() },
            values: if self.values.is_empty() { vec![] } else { idx.iter().map(|&i| self.values[i]).collect() },
            proba: self.proba.as_ref().map(|p| idx.iter().map(|&i| p[i].clone()).collect()),
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => canonical_label(s),
        Value::Number(n) => canonical_label(&n.to_string()),
        other => other.to_string(),
    }
}

/// Checks `predict_proba` output: one row per sample, one column per class, finite values in [0, 1]
/// that sum to 1.
fn parse_proba(rows: &[Vec<Value>], n: usize, k: usize, which: &str) -> Result<Vec<Vec<f64>>, String> {
    if rows.len() != n {
        return Err(format!("predict_proba returned {} rows for {n} {which} rows", rows.len()));
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() != k {
                return Err(format!("predict_proba row {i} has {} columns for {k} classes", row.len()));
            }
            let probs: Option<Vec<f64>> = row.iter().map(|v| v.as_f64().filter(|p| (0.0..=1.0).contains(p))).collect();
            let probs = probs.ok_or_else(|| format!("predict_proba row {i} holds a value outside [0, 1]"))?;
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > 1e-6 {
                return Err(format!("predict_proba row {i} sums to {sum}, not 1"));
            }
            Ok(probs)
        })
        .collect()
}

/// The hidden answers, converted like the predictions.
struct Truth {
    classes: Vec<usize>,
    values: Vec<f64>,
}

impl Truth {
    fn of(challenge: &Challenge, data: &Dataset, labels: &[String]) -> Result<Truth, Report> {
        let internal = |m: String| Report::failed(Verdict::InternalError, m);
        match challenge.task {
            Task::Classification => {
                let classes = labels
                    .iter()
                    .map(|l| data.classes.iter().position(|c| c == l))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| internal("a hidden label is outside the class list".into()))?;
                Ok(Truth { classes, values: vec![] })
            }
            Task::Clustering => Ok(Truth { classes: cluster_indices(labels), values: vec![] }),
            Task::Custom => Err(not_predict()),
            Task::Regression => {
                let values = labels
                    .iter()
                    .map(|l| parse_finite(l))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| internal("a hidden regression label is not a number".into()))?;
                Ok(Truth { classes: vec![], values })
            }
        }
    }

    fn subset(&self, idx: &[usize]) -> Truth {
        Truth {
            classes: if self.classes.is_empty() { vec![] } else { idx.iter().map(|&i| self.classes[i]).collect() },
            values: if self.values.is_empty() { vec![] } else { idx.iter().map(|&i| self.values[i]).collect() },
        }
    }
}

/// Every metric that applies to the task; probability metrics only when probabilities came back, and
/// a metric that is undefined on these rows (say ROC AUC with one class present) is left out.
fn evaluate(challenge: &Challenge, truth: &Truth, pred: &Predictions) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut put = |m: Metric, v: Option<f64>| {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            out.insert(m.name().to_owned(), v);
        }
    };
    match challenge.task {
        Task::Classification => {
            let (t, p) = (&truth.classes, &pred.classes);
            put(Metric::Accuracy, Some(metrics::accuracy(t, p)));
            put(Metric::BalancedAccuracy, Some(metrics::balanced_accuracy(t, p)));
            put(Metric::PrecisionMacro, Some(metrics::precision_macro(t, p)));
            put(Metric::RecallMacro, Some(metrics::recall_macro(t, p)));
            put(Metric::F1Macro, Some(metrics::f1_macro(t, p)));
            if let Some(proba) = &pred.proba {
                put(Metric::RocAuc, metrics::roc_auc(t, proba));
                put(Metric::LogLoss, metrics::log_loss(t, proba));
            }
        }
        Task::Regression => {
            let (t, p) = (&truth.values, &pred.values);
            put(Metric::Rmse, Some(metrics::rmse(t, p)));
            put(Metric::Mae, Some(metrics::mae(t, p)));
            put(Metric::R2, Some(metrics::r2(t, p)));
        }
        Task::Clustering => {
            put(Metric::AdjustedRandIndex, Some(metrics::adjusted_rand_index(&truth.classes, &pred.classes)));
        }
        Task::Custom => {}
    }
    out
}

fn not_predict() -> Report {
    Report::failed(Verdict::InternalError, "a scored challenge reached the predict grader")
}

/// Numbers cluster ids by first appearance: only which rows share a cluster matters.
fn cluster_indices(ids: &[String]) -> Vec<usize> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    ids.iter()
        .map(|id| {
            let next = seen.len();
            *seen.entry(id.as_str()).or_insert(next)
        })
        .collect()
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
mod tests {
    use super::*;
    use std::path::Path;

    fn tiny() -> Challenge {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/challenges/tiny-classify");
        let runtimes = ["python-numpy".to_owned()].into_iter().collect();
        Challenge::load(&dir, &runtimes, Path::new("/nonexistent")).expect("fixture loads")
    }

    fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} check in {checks:?}"))
    }

    #[test]
    fn underfitting_flags_a_training_metric_below_the_floor() {
        let mut c = tiny();
        c.grading.min_train = Some(0.8);
        let low = checks(&c, None, Some(0.6), Some(0.6), 0.6, None);
        assert!(find(&low, "underfitting").flagged);
        assert!(find(&low, "underfitting").explanation.contains("does not even fit"));
        let fine = checks(&c, None, Some(0.9), Some(0.85), 0.85, None);
        assert!(!find(&fine, "underfitting").flagged);
        c.grading.min_train = None;
        assert!(checks(&c, None, Some(0.6), None, 0.6, None).iter().all(|k| k.name != "underfitting"));
    }

    #[test]
    fn optimism_flags_an_estimate_above_the_hidden_score_and_a_missing_one() {
        let mut c = tiny();
        c.grading.max_optimism = Some(0.05);
        let honest = checks(&c, None, None, None, 0.90, Some(0.92));
        assert!(!find(&honest, "optimism").flagged);
        let leaky = checks(&c, None, None, None, 0.80, Some(0.99));
        let check = find(&leaky, "optimism");
        assert!(check.flagged);
        assert!((check.value.unwrap() - 0.19).abs() < 1e-12);
        let pessimistic = checks(&c, None, None, None, 0.90, Some(0.70));
        assert!(!find(&pessimistic, "optimism").flagged, "underestimating is not optimism");
        let silent = checks(&c, None, None, None, 0.90, None);
        assert!(find(&silent, "optimism").flagged);
        assert!(find(&silent, "optimism").value.is_none());
    }

    #[test]
    fn public_private_gap_flags_a_model_tuned_to_the_public_rows() {
        let c = tiny();
        let tuned = checks(&c, None, None, Some(0.99), 0.80, None);
        assert!(find(&tuned, "public_private_gap").flagged);
        let even = checks(&c, None, None, Some(0.82), 0.80, None);
        assert!(!find(&even, "public_private_gap").flagged);
    }

    #[test]
    fn lower_is_better_metrics_flip_every_gap() {
        let mut c = tiny();
        c.grading.metric = Primary::Builtin(Metric::LogLoss);
        c.grading.zero = 0.7;
        c.grading.full = 0.2;
        let o = overfitting(&c, 0.1, 0.5);
        assert!((o.gap - 0.4).abs() < 1e-12 && o.flagged, "{o:?}");
        c.grading.min_train = Some(0.3);
        assert!(find(&checks(&c, None, Some(0.45), None, 0.5, None), "underfitting").flagged);
    }
}
