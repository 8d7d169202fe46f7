//! Scoring metrics for graded submissions.
//!
//! Every function here reproduces the value scikit-learn reports for the same
//! inputs (to within 1e-9), so that a score shown by the grader can be checked
//! by a participant with a one-line `sklearn.metrics` call. The reference
//! values live in `tests/fixtures/metrics/fixtures.json`, produced by
//! `make_fixtures.py` next to it.
//!
//! # Conventions
//!
//! * Classes are `usize` indices. For probabilistic metrics, column `j` of a
//!   probability row belongs to class `j`; a row with a single column holds the
//!   probability of class 1 in a binary problem (as sklearn accepts a 1-D
//!   `y_proba`).
//! * The caller is expected to validate lengths before scoring. Nothing here
//!   panics on bad input: functions returning `f64` give `NaN` where sklearn
//!   would raise (empty input, mismatched lengths, non-finite regression
//!   values), and functions whose inputs can be undefined for data-dependent
//!   reasons (`roc_auc`, `log_loss`) return `Option<f64>` instead.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

// ----------------------------------------------------------------- metric names

/// A metric the grader can be configured with, addressed by its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    Accuracy,
    BalancedAccuracy,
    PrecisionMacro,
    RecallMacro,
    F1Macro,
    RocAuc,
    LogLoss,
    Rmse,
    Mae,
    R2,
    AdjustedRandIndex,
    /// Mean cost of the decisions under the challenge's cost matrix.
    ExpectedCost,
}

impl Metric {
    /// Every metric, in declaration order.
    pub const ALL: [Metric; 12] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::PrecisionMacro,
        Metric::RecallMacro,
        Metric::F1Macro,
        Metric::RocAuc,
        Metric::LogLoss,
        Metric::Rmse,
        Metric::Mae,
        Metric::R2,
        Metric::AdjustedRandIndex,
        Metric::ExpectedCost,
    ];

    /// The stable name used in challenge configs and API responses.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::PrecisionMacro => "precision_macro",
            Metric::RecallMacro => "recall_macro",
            Metric::F1Macro => "f1_macro",
            Metric::RocAuc => "roc_auc",
            Metric::LogLoss => "log_loss",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::R2 => "r2",
            Metric::AdjustedRandIndex => "adjusted_rand_index",
            Metric::ExpectedCost => "expected_cost",
        }
    }

    /// Whether a larger value means a better submission (for leaderboards).
    /// Losses and errors are the only metrics where smaller wins.
    pub fn higher_is_better(&self) -> bool {
        !matches!(self, Metric::LogLoss | Metric::Rmse | Metric::Mae | Metric::ExpectedCost)
    }

    /// Whether the metric is computed from class probabilities rather than labels.
    pub fn needs_probabilities(&self) -> bool {
        matches!(self, Metric::RocAuc | Metric::LogLoss)
    }

    /// The value of answers that are all exactly right (for `expected_cost`, whose cost matrices
    /// charge nothing for a correct decision, that is 0).
    pub fn perfect(&self) -> f64 {
        if self.higher_is_better() {
            1.0
        } else {
            0.0
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = String;

    /// Parses the exact snake_case name; the error lists the valid names so a
    /// misconfigured challenge is easy to fix.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .iter()
            .copied()
            .find(|metric| metric.name() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Metric::ALL.iter().map(Metric::name).collect();
                format!(
                    "unknown metric {s:?}; valid metrics are: {}",
                    valid.join(", ")
                )
            })
    }
}

// ------------------------------------------------------------------- summation

/// Neumaier-compensated sum: a few thousand terms of mixed magnitude keep
/// their last digits, so results stay within 1e-9 of numpy's pairwise sums.
fn compensated_sum<I: IntoIterator<Item = f64>>(values: I) -> f64 {
    let mut sum = 0.0_f64;
    let mut compensation = 0.0_f64;
    for value in values {
        let next = sum + value;
        if sum.abs() >= value.abs() {
            compensation += (sum - next) + value;
        } else {
            compensation += (value - next) + sum;
        }
        sum = next;
    }
    sum + compensation
}

/// Mean of `count` values; `NaN` when there are none.
fn compensated_mean<I: IntoIterator<Item = f64>>(values: I, count: usize) -> f64 {
    if count == 0 {
        return f64::NAN;
    }
    compensated_sum(values) / count as f64
}

// ------------------------------------------------------------- classification

/// Confusion counts of one class, in the one-vs-rest sense.
#[derive(Debug, Clone, Copy, Default)]
struct ClassCounts {
    /// Samples of this class predicted as this class.
    true_positive: u64,
    /// Samples whose true class is this class (support).
    actual: u64,
    /// Samples predicted as this class.
    predicted: u64,
}

/// The confusion matrix of labelled predictions, by label number: every label
/// metric (and the expected cost) is a function of it, so the bootstrap counts
/// each resample's rows into one without copying them.
#[derive(Debug, Clone)]
pub struct Confusion {
    /// The label each row and column of the matrix stands for, in order.
    labels: Vec<usize>,
    /// `cells[truth * width + predicted]`, by place in `labels`: how many rows.
    cells: Vec<u64>,
    width: usize,
    rows: u64,
}

impl Confusion {
    /// An empty matrix for the labels `0..width`.
    pub fn new(width: usize) -> Confusion {
        Confusion { labels: (0..width).collect(), cells: vec![0; width * width], width, rows: 0 }
    }

    /// The matrix of `y_true` against `y_pred` over the labels either side
    /// holds; `None` for empty or mismatched inputs (sklearn raises there).
    pub fn of(y_true: &[usize], y_pred: &[usize]) -> Option<Confusion> {
        if y_true.is_empty() || y_true.len() != y_pred.len() {
            return None;
        }
        // Labels are class or cluster indices, so a table by label numbers the union of labels in
        // sorted order in linear time.
        let top = y_true.iter().chain(y_pred).copied().max()?;
        let mut place = vec![usize::MAX; top + 1];
        for &label in y_true.iter().chain(y_pred) {
            place[label] = 0;
        }
        let mut labels = Vec::new();
        for (label, at) in place.iter_mut().enumerate().filter(|(_, at)| **at == 0) {
            *at = labels.len();
            labels.push(label);
        }
        let width = labels.len();
        let mut matrix = Confusion { labels, cells: vec![0; width * width], width, rows: 0 };
        for (&t, &p) in y_true.iter().zip(y_pred) {
            matrix.add(place[t], place[p]);
        }
        Some(matrix)
    }

    /// Counts one row, by the places of its labels (for [`Confusion::new`], the labels themselves).
    #[inline]
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.cells[truth * self.width + predicted] += 1;
        self.rows += 1;
    }

    /// Per-class counts over the sorted union of classes seen on either side,
    /// which is how sklearn chooses labels when none are given.
    fn class_counts(&self) -> Vec<ClassCounts> {
        let mut all = vec![ClassCounts::default(); self.width];
        for t in 0..self.width {
            for p in 0..self.width {
                let n = self.cells[t * self.width + p];
                all[t].actual += n;
                all[p].predicted += n;
                if t == p {
                    all[t].true_positive += n;
                }
            }
        }
        all.retain(|c| c.actual > 0 || c.predicted > 0);
        all
    }

    fn macro_average(&self, score: fn(&ClassCounts) -> f64) -> f64 {
        let counts = self.class_counts();
        compensated_mean(counts.iter().map(score), counts.len())
    }

    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.width).map(|c| self.cells[c * self.width + c]).sum();
        correct as f64 / self.rows as f64
    }

    pub fn balanced_accuracy(&self) -> f64 {
        let recalls: Vec<f64> = self
            .class_counts()
            .iter()
            .filter(|c| c.actual > 0)
            .map(|c| c.true_positive as f64 / c.actual as f64)
            .collect();
        compensated_mean(recalls.iter().copied(), recalls.len())
    }

    pub fn precision_macro(&self) -> f64 {
        self.macro_average(|c| ratio_or_zero(c.true_positive, c.predicted))
    }

    pub fn recall_macro(&self) -> f64 {
        self.macro_average(|c| ratio_or_zero(c.true_positive, c.actual))
    }

    pub fn f1_macro(&self) -> f64 {
        self.macro_average(|c| ratio_or_zero(2 * c.true_positive, c.actual + c.predicted))
    }

    /// Mean cost per row; `NaN` when a row falls outside the cost matrix.
    pub fn expected_cost(&self, costs: &[Vec<f64>]) -> f64 {
        let mut terms = Vec::new();
        for t in 0..self.width {
            for p in 0..self.width {
                let n = self.cells[t * self.width + p];
                if n == 0 {
                    continue;
                }
                match costs.get(self.labels[t]).and_then(|row| row.get(self.labels[p])) {
                    Some(&cost) => terms.push(n as f64 * cost),
                    None => return f64::NAN,
                }
            }
        }
        compensated_sum(terms) / self.rows as f64
    }
}

/// `numerator / denominator`, or 0 when the denominator is 0 (sklearn's
/// `zero_division=0`).
fn ratio_or_zero(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// A label metric of two label vectors, `NaN` for empty or mismatched ones.
fn label_metric(y_true: &[usize], y_pred: &[usize], metric: fn(&Confusion) -> f64) -> f64 {
    Confusion::of(y_true, y_pred).map_or(f64::NAN, |c| metric(&c))
}

/// Share of samples whose predicted class equals the true class.
///
/// Precondition: equal, non-zero lengths; otherwise `NaN`.
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> f64 {
    label_metric(y_true, y_pred, Confusion::accuracy)
}

/// Mean recall over the classes present in `y_true`, like
/// `balanced_accuracy_score`: classes that occur only in `y_pred` have no
/// defined recall and are left out rather than counted as 0.
///
/// Precondition: equal, non-zero lengths; otherwise `NaN`.
pub fn balanced_accuracy(y_true: &[usize], y_pred: &[usize]) -> f64 {
    label_metric(y_true, y_pred, Confusion::balanced_accuracy)
}

/// Macro-averaged precision over the union of classes in `y_true` and
/// `y_pred`; a class never predicted scores 0 (`zero_division=0`).
///
/// Precondition: equal, non-zero lengths; otherwise `NaN`.
pub fn precision_macro(y_true: &[usize], y_pred: &[usize]) -> f64 {
    label_metric(y_true, y_pred, Confusion::precision_macro)
}

/// Macro-averaged recall over the union of classes in `y_true` and `y_pred`;
/// a class only ever predicted (never true) scores 0.
///
/// Precondition: equal, non-zero lengths; otherwise `NaN`.
pub fn recall_macro(y_true: &[usize], y_pred: &[usize]) -> f64 {
    label_metric(y_true, y_pred, Confusion::recall_macro)
}

/// Macro-averaged F1 over the union of classes: the mean of per-class F1
/// scores `2·tp / (support + predicted)`, not the F1 of the macro precision
/// and recall.
///
/// Precondition: equal, non-zero lengths; otherwise `NaN`.
pub fn f1_macro(y_true: &[usize], y_pred: &[usize]) -> f64 {
    label_metric(y_true, y_pred, Confusion::f1_macro)
}

// ------------------------------------------------------------- probabilistic

/// The number of columns shared by every row, or `None` when the matrix is
/// empty, ragged, or holds a non-finite value (sklearn's input checks).
fn uniform_width(proba: &[Vec<f64>]) -> Option<usize> {
    let width = proba.first()?.len();
    let well_formed = proba
        .iter()
        .all(|row| row.len() == width && row.iter().all(|v| v.is_finite()));
    well_formed.then_some(width)
}

/// Area under the ROC curve of one binary problem.
///
/// Computed as the Mann–Whitney statistic on exact integer counts: walking
/// the scores from high to low, each negative scores 1 for every positive
/// ranked strictly above it and 1/2 for every positive tied with it. That is
/// the area of sklearn's trapezoidal ROC curve, without its rounding.
/// `None` when either class is empty (the curve is undefined). Scores must be
/// finite.
fn binary_auc(is_positive: &[bool], scores: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[b].total_cmp(&scores[a]));

    let mut positives_above: u128 = 0;
    let mut negatives: u128 = 0;
    // Twice the Mann–Whitney U, so that tied pairs add whole numbers.
    let mut twice_u: u128 = 0;
    let mut start = 0;
    while start < order.len() {
        let score = scores[order[start]];
        let mut end = start;
        let (mut group_pos, mut group_neg) = (0_u128, 0_u128);
        // `==` (not total_cmp) so that 0.0 and -0.0 tie, as in sklearn.
        while end < order.len() && scores[order[end]] == score {
            if is_positive[order[end]] {
                group_pos += 1;
            } else {
                group_neg += 1;
            }
            end += 1;
        }
        twice_u += group_neg * (2 * positives_above + group_pos);
        positives_above += group_pos;
        negatives += group_neg;
        start = end;
    }
    if positives_above == 0 || negatives == 0 {
        return None;
    }
    Some(twice_u as f64 / (2 * positives_above * negatives) as f64)
}

/// numpy's `allclose(1, s)` with default tolerances, which sklearn uses to
/// reject multiclass scores that are not probability rows.
fn sums_to_one(row: &[f64]) -> bool {
    let sum: f64 = row.iter().sum();
    (1.0 - sum).abs() <= 1e-8 + 1e-5 * sum.abs()
}

/// ROC AUC, matching `roc_auc_score`.
///
/// * One or two columns: binary. `y_true` must only hold 0 and 1, and the
///   last column is the score of class 1 (like `roc_auc_score(y, P[:, 1])`).
///   Scores need not be probabilities; ties count half.
/// * Three or more columns: one-vs-rest macro average, like
///   `roc_auc_score(y, P, multi_class="ovr", average="macro")`.
///
/// Returns `None` where sklearn raises or returns NaN: empty input, length
/// mismatch, ragged rows, zero columns, non-finite scores, a class index
/// without a column (binary: any label other than 0/1), only one class in
/// `y_true` (binary), any of the `k` classes absent from `y_true` (multiclass),
/// or multiclass rows that do not sum to 1 within numpy's `allclose`.
pub fn roc_auc(y_true: &[usize], proba: &[Vec<f64>]) -> Option<f64> {
    if y_true.len() != proba.len() {
        return None;
    }
    match uniform_width(proba)? {
        0 => None,
        1 | 2 => binary_roc_auc(y_true, proba),
        _ => multiclass_roc_auc(y_true, proba),
    }
}

/// Binary AUC with the last column as the class-1 score.
fn binary_roc_auc(y_true: &[usize], proba: &[Vec<f64>]) -> Option<f64> {
    if y_true.iter().any(|&y| y > 1) {
        return None;
    }
    let is_positive: Vec<bool> = y_true.iter().map(|&y| y == 1).collect();
    let scores: Vec<f64> = proba.iter().filter_map(|row| row.last().copied()).collect();
    binary_auc(&is_positive, &scores)
}

/// One-vs-rest macro AUC; every class must occur in `y_true`.
fn multiclass_roc_auc(y_true: &[usize], proba: &[Vec<f64>]) -> Option<f64> {
    let classes = proba.first()?.len();
    if y_true.iter().any(|&y| y >= classes) || !proba.iter().all(|row| sums_to_one(row)) {
        return None;
    }
    let per_class: Option<Vec<f64>> = (0..classes)
        .map(|class| {
            let is_positive: Vec<bool> = y_true.iter().map(|&y| y == class).collect();
            let scores: Vec<f64> = proba.iter().map(|row| row[class]).collect();
            binary_auc(&is_positive, &scores)
        })
        .collect();
    let per_class = per_class?;
    Some(compensated_mean(per_class.iter().copied(), classes))
}

/// Mean cross-entropy, matching `log_loss(y_true, P, labels=range(k))` of
/// scikit-learn 1.9.1, where `k` is the number of columns (2 for a single
/// class-1 column, which is expanded to `[1 - p, p]` first).
///
/// Behaviour matched: each probability is clipped to `[ε, 1 − ε]` with
/// `ε = f64::EPSILON` (2.22e-16, numpy's `finfo(float64).eps`), and rows are
/// **not** renormalised: 1.9.1 only warns when a row does not sum to 1, so
/// the true class's own column counts exactly as given. (Older releases
/// clipped at 1e-15 and divided each row by its sum; scores from those differ
/// for unnormalised rows.) Passing the labels explicitly means a class
/// missing from `y_true` is not an error.
///
/// Returns `None` where sklearn raises: empty input, length mismatch, ragged
/// rows, zero columns, a value outside `[0, 1]` or non-finite, or a class
/// index without a column.
pub fn log_loss(y_true: &[usize], proba: &[Vec<f64>]) -> Option<f64> {
    if y_true.len() != proba.len() {
        return None;
    }
    let width = uniform_width(proba)?;
    let classes = if width == 1 { 2 } else { width };
    let in_unit_interval = proba.iter().flatten().all(|p| (0.0..=1.0).contains(p));
    if width == 0 || !in_unit_interval || y_true.iter().any(|&y| y >= classes) {
        return None;
    }
    let losses = y_true
        .iter()
        .zip(proba)
        .map(|(&y, row)| -clip_probability(true_class_probability(y, row)).ln());
    Some(compensated_mean(losses, y_true.len()))
}

/// Probability given to class `y`; a one-column row is P(class 1).
fn true_class_probability(y: usize, row: &[f64]) -> f64 {
    match row {
        [p] if y == 0 => 1.0 - p,
        [p] => *p,
        _ => row[y],
    }
}

/// Keeps `ln` finite for hard 0/1 predictions, exactly as sklearn does.
fn clip_probability(p: f64) -> f64 {
    p.clamp(f64::EPSILON, 1.0 - f64::EPSILON)
}

// ---------------------------------------------------------------- regression

/// Whether the regression inputs are usable: sklearn rejects empty,
/// mismatched and non-finite inputs.
fn valid_regression(y_true: &[f64], y_pred: &[f64]) -> bool {
    !y_true.is_empty()
        && y_true.len() == y_pred.len()
        && y_true.iter().chain(y_pred).all(|v| v.is_finite())
}

/// Sum of squared residuals.
fn residual_sum_of_squares(y_true: &[f64], y_pred: &[f64]) -> f64 {
    compensated_sum(y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p)))
}

/// Root mean squared error, like `root_mean_squared_error`.
///
/// Precondition: equal, non-zero lengths and finite values; otherwise `NaN`.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !valid_regression(y_true, y_pred) {
        return f64::NAN;
    }
    (residual_sum_of_squares(y_true, y_pred) / y_true.len() as f64).sqrt()
}

/// Mean absolute error, like `mean_absolute_error`.
///
/// Precondition: equal, non-zero lengths and finite values; otherwise `NaN`.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !valid_regression(y_true, y_pred) {
        return f64::NAN;
    }
    let errors = y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs());
    compensated_mean(errors, y_true.len())
}

/// Coefficient of determination, like `r2_score` with its default
/// `force_finite=True`.
///
/// * Fewer than two samples: `NaN` (sklearn warns and returns NaN).
/// * Perfect predictions: 1.0, even for constant `y_true`.
/// * Constant `y_true` (all values equal) with any error: 0.0 rather than −∞.
///
/// sklearn detects "constant" as a zero variance after subtracting its
/// floating-point mean; for a few constants (e.g. 0.1 repeated 3 times) that
/// mean is off by an ulp and sklearn returns a huge negative number instead
/// of 0.0. Here a constant `y_true` is recognised exactly, which is the
/// documented intent of `force_finite`.
///
/// Precondition: equal lengths and finite values; otherwise `NaN`.
pub fn r2(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !valid_regression(y_true, y_pred) || y_true.len() < 2 {
        return f64::NAN;
    }
    let residual = residual_sum_of_squares(y_true, y_pred);
    if residual == 0.0 {
        return 1.0;
    }
    let first = y_true[0];
    if y_true.iter().all(|&v| v == first) {
        return 0.0;
    }
    let mean = compensated_mean(y_true.iter().copied(), y_true.len());
    let total = compensated_sum(y_true.iter().map(|t| (t - mean) * (t - mean)));
    1.0 - residual / total
}

// ------------------------------------------------------------------ decisions

/// Mean cost per row of the decisions `y_pred` when the truth is `y_true`: `costs[t][p]` is what
/// deciding class `p` costs when the row is of class `t` (rows true, columns decided, classes in
/// the order of their indices). sklearn has no function for this; it is
/// `(confusion_matrix(y, p, labels=range(k)) * costs).sum() / len(y)`.
///
/// Precondition: equal, non-zero lengths and every index inside the matrix; otherwise `NaN`.
pub fn expected_cost(y_true: &[usize], y_pred: &[usize], costs: &[Vec<f64>]) -> f64 {
    Confusion::of(y_true, y_pred).map_or(f64::NAN, |c| c.expected_cost(costs))
}

// ---------------------------------------------------------------- clustering

/// Sum of squared occurrence counts of the keys in `items`.
fn sum_of_squared_counts<K, I>(items: I) -> Option<i128>
where
    K: std::hash::Hash + Eq,
    I: IntoIterator<Item = K>,
{
    let mut counts: HashMap<K, i128> = HashMap::new();
    for item in items {
        *counts.entry(item).or_insert(0) += 1;
    }
    counts
        .values()
        .try_fold(0_i128, |acc, &c| acc.checked_add(c.checked_mul(c)?))
}

/// Adjusted Rand index, like `adjusted_rand_score`.
///
/// Uses sklearn's pair-confusion formulation on exact integers:
/// `2·(tp·tn − fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn))`, with its special
/// case that 1.0 is returned when no pair is split differently (`fn = fp =
/// 0`), which covers empty input, a single sample, and identical partitions
/// including "everything in one cluster" on both sides. Cluster ids are
/// compared only for equality, so any values may be used.
///
/// Precondition: equal lengths; otherwise `NaN`. Also `NaN` if the pair
/// counts overflow `i128` (only above ~10⁹ samples).
pub fn adjusted_rand_index(labels_true: &[usize], labels_pred: &[usize]) -> f64 {
    if labels_true.len() != labels_pred.len() {
        return f64::NAN;
    }
    pair_confusion_ari(labels_true, labels_pred).unwrap_or(f64::NAN)
}

/// The ARI computation proper; `None` on arithmetic overflow.
fn pair_confusion_ari(labels_true: &[usize], labels_pred: &[usize]) -> Option<f64> {
    let n = i128::try_from(labels_true.len()).ok()?;
    let joint = sum_of_squared_counts(labels_true.iter().zip(labels_pred))?;
    let rows = sum_of_squared_counts(labels_true.iter())?;
    let cols = sum_of_squared_counts(labels_pred.iter())?;

    let tp = joint - n;
    let fp = cols - joint;
    let fn_ = rows - joint;
    let tn = n.checked_mul(n)? - fp - fn_ - joint;
    if fn_ == 0 && fp == 0 {
        return Some(1.0);
    }
    let numerator = tp.checked_mul(tn)? - fn_.checked_mul(fp)?;
    let denominator = (tp + fn_)
        .checked_mul(fn_ + tn)?
        .checked_add((tp + fp).checked_mul(fp + tn)?)?;
    Some(2.0 * numerator as f64 / denominator as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const FIXTURES: &str = include_str!("../../tests/fixtures/metrics/fixtures.json");
    const TOLERANCE: f64 = 1e-9;

    #[derive(Deserialize)]
    struct Fixtures {
        sklearn_version: String,
        classification: Vec<LabelCase>,
        probabilistic: Vec<ProbaCase>,
        regression: Vec<RegressionCase>,
        clustering: Vec<ClusteringCase>,
    }

    #[derive(Deserialize)]
    struct LabelCase {
        name: String,
        y_true: Vec<usize>,
        y_pred: Vec<usize>,
        accuracy: f64,
        balanced_accuracy: f64,
        precision_macro: f64,
        recall_macro: f64,
        f1_macro: f64,
    }

    #[derive(Deserialize)]
    struct ProbaCase {
        name: String,
        y_true: Vec<usize>,
        proba: Vec<Vec<f64>>,
        roc_auc: Option<f64>,
        log_loss: Option<f64>,
    }

    #[derive(Deserialize)]
    struct RegressionCase {
        name: String,
        y_true: Vec<f64>,
        y_pred: Vec<f64>,
        rmse: f64,
        mae: f64,
        r2: Option<f64>,
    }

    #[derive(Deserialize)]
    struct ClusteringCase {
        name: String,
        labels_true: Vec<usize>,
        labels_pred: Vec<usize>,
        adjusted_rand_index: f64,
    }

    fn fixtures() -> Fixtures {
        serde_json::from_str(FIXTURES).expect("fixtures.json parses")
    }

    fn close(actual: f64, expected: f64) -> bool {
        let diff = (actual - expected).abs();
        diff <= TOLERANCE || diff <= TOLERANCE * expected.abs()
    }

    #[track_caller]
    fn assert_close(actual: f64, expected: f64, what: &str) {
        assert!(
            close(actual, expected),
            "{what}: got {actual:e}, sklearn says {expected:e}"
        );
    }

    /// `None` in the fixture means sklearn raised or returned NaN.
    #[track_caller]
    fn assert_option_close(actual: Option<f64>, expected: Option<f64>, what: &str) {
        match (actual, expected) {
            (Some(a), Some(e)) => assert_close(a, e, what),
            (None, None) => {}
            _ => panic!("{what}: got {actual:?}, sklearn says {expected:?}"),
        }
    }

    /// Every metric has at least a handful of fixture cases, so an empty or
    /// truncated fixture file cannot make the suite pass vacuously.
    #[test]
    fn fixtures_are_populated() {
        let f = fixtures();
        assert!(f.sklearn_version.starts_with("1."));
        assert!(f.classification.len() >= 10);
        assert!(f.probabilistic.len() >= 10);
        assert!(f.regression.len() >= 8);
        assert!(f.clustering.len() >= 8);
        let largest = f.classification.iter().map(|c| c.y_true.len()).max();
        assert!(largest >= Some(2000));
    }

    #[test]
    fn label_metrics_match_sklearn() {
        for case in fixtures().classification {
            let (t, p) = (&case.y_true, &case.y_pred);
            let name = &case.name;
            assert_close(accuracy(t, p), case.accuracy, &format!("{name} accuracy"));
            assert_close(
                balanced_accuracy(t, p),
                case.balanced_accuracy,
                &format!("{name} balanced_accuracy"),
            );
            assert_close(
                precision_macro(t, p),
                case.precision_macro,
                &format!("{name} precision_macro"),
            );
            assert_close(
                recall_macro(t, p),
                case.recall_macro,
                &format!("{name} recall_macro"),
            );
            assert_close(f1_macro(t, p), case.f1_macro, &format!("{name} f1_macro"));
        }
    }

    #[test]
    fn probabilistic_metrics_match_sklearn() {
        for case in fixtures().probabilistic {
            let name = &case.name;
            assert_option_close(
                roc_auc(&case.y_true, &case.proba),
                case.roc_auc,
                &format!("{name} roc_auc"),
            );
            assert_option_close(
                log_loss(&case.y_true, &case.proba),
                case.log_loss,
                &format!("{name} log_loss"),
            );
        }
    }

    #[test]
    fn regression_metrics_match_sklearn() {
        for case in fixtures().regression {
            let (t, p) = (&case.y_true, &case.y_pred);
            let name = &case.name;
            assert_close(rmse(t, p), case.rmse, &format!("{name} rmse"));
            assert_close(mae(t, p), case.mae, &format!("{name} mae"));
            let r2_value = Some(r2(t, p)).filter(|v| !v.is_nan());
            assert_option_close(r2_value, case.r2, &format!("{name} r2"));
        }
    }

    #[test]
    fn clustering_metric_matches_sklearn() {
        for case in fixtures().clustering {
            assert_close(
                adjusted_rand_index(&case.labels_true, &case.labels_pred),
                case.adjusted_rand_index,
                &format!("{} adjusted_rand_index", case.name),
            );
        }
    }

    // ------------------------------------------------------ hand-computed

    #[test]
    fn label_metrics_by_hand() {
        // Classes 0,1,2. Class 2 is predicted but never true.
        let t = [0, 0, 1, 1];
        let p = [0, 2, 1, 2];
        assert_close(accuracy(&t, &p), 0.5, "accuracy");
        // Recall of 0 and 1 is 1/2 each; class 2 has no support and is skipped.
        assert_close(balanced_accuracy(&t, &p), 0.5, "balanced_accuracy");
        // Precision 1, 1, 0.
        assert_close(precision_macro(&t, &p), 2.0 / 3.0, "precision_macro");
        // Recall 1/2, 1/2, 0 (class 2 counts here).
        assert_close(recall_macro(&t, &p), 1.0 / 3.0, "recall_macro");
        // F1 = 2tp/(support+predicted): 2/3, 2/3, 0.
        assert_close(f1_macro(&t, &p), 4.0 / 9.0, "f1_macro");
    }

    #[test]
    fn roc_auc_counts_ties_half() {
        // Positive scores 0.8, 0.4; negatives 0.4, 0.1.
        // Pairs: (0.8>0.4)=1, (0.8>0.1)=1, (0.4=0.4)=1/2, (0.4>0.1)=1 → 3.5/4.
        let y = [1, 0, 1, 0];
        let proba = rows(&[&[0.2, 0.8], &[0.6, 0.4], &[0.6, 0.4], &[0.9, 0.1]]);
        assert_option_close(roc_auc(&y, &proba), Some(0.875), "roc_auc");
        let negated_zero = rows(&[&[0.0], &[-0.0]]);
        assert_option_close(roc_auc(&[0, 1], &negated_zero), Some(0.5), "±0 tie");
    }

    #[test]
    fn roc_auc_one_column_is_class_one_score() {
        let y = [0, 1, 1];
        let one_column = rows(&[&[0.1], &[0.9], &[0.4]]);
        let two_columns = rows(&[&[0.9, 0.1], &[0.1, 0.9], &[0.6, 0.4]]);
        assert_eq!(roc_auc(&y, &one_column), Some(1.0));
        assert_eq!(roc_auc(&y, &two_columns), Some(1.0));
    }

    #[test]
    fn log_loss_by_hand() {
        let y = [0, 1, 2];
        let proba = rows(&[&[0.5, 0.25, 0.25], &[0.2, 0.8, 0.0], &[0.1, 0.1, 0.8]]);
        let expected = -(0.5_f64.ln() + 0.8_f64.ln() + 0.8_f64.ln()) / 3.0;
        assert_option_close(log_loss(&y, &proba), Some(expected), "log_loss");
    }

    #[test]
    fn log_loss_clips_hard_predictions_and_keeps_rows_as_given() {
        let wrong = rows(&[&[1.0, 0.0]]);
        assert_eq!(log_loss(&[1], &wrong), Some(-f64::EPSILON.ln()));
        let right = rows(&[&[0.0, 1.0]]);
        assert_eq!(log_loss(&[1], &right), Some(-(1.0 - f64::EPSILON).ln()));
        // Rows summing to 0.5 are not rescaled.
        let unnormalised = rows(&[&[0.25, 0.25]]);
        assert_eq!(log_loss(&[0], &unnormalised), Some(-(0.25_f64).ln()));
    }

    #[test]
    fn regression_by_hand() {
        let t = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        assert_close(mae(&t, &p), 0.5, "mae");
        assert_close(rmse(&t, &p), (1.5_f64 / 4.0).sqrt(), "rmse");
        // SS_res = 1.5, mean = 2.875, SS_tot = 29.1875.
        assert_close(r2(&t, &p), 1.0 - 1.5 / 29.1875, "r2");
    }

    #[test]
    fn r2_constant_target() {
        let t = [0.1; 3];
        assert_eq!(r2(&t, &t), 1.0);
        assert_eq!(r2(&t, &[0.1, 0.1, 0.2]), 0.0);
    }

    #[test]
    fn adjusted_rand_index_by_hand() {
        // Contingency [[2,1,0],[0,1,2]]: sklearn documents 0.24242424...
        let t = [0, 0, 0, 1, 1, 1];
        let p = [0, 0, 1, 1, 2, 2];
        assert_close(adjusted_rand_index(&t, &p), 8.0 / 33.0, "ari");
        assert_eq!(adjusted_rand_index(&[5, 5, 9], &[1, 1, 0]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]), 0.0);
    }

    #[test]
    fn expected_cost_by_hand() {
        // A missed positive costs 10, a false alarm 1, correct decisions nothing.
        let costs = vec![vec![0.0, 1.0], vec![10.0, 0.0]];
        let t = [0, 0, 0, 1, 1];
        assert_close(expected_cost(&t, &[0, 0, 0, 1, 1], &costs), 0.0, "all right");
        // One false alarm and one miss: (1 + 10) / 5.
        assert_close(expected_cost(&t, &[1, 0, 0, 0, 1], &costs), 2.2, "one of each");
        // Deciding 1 everywhere pays a false alarm per negative: 3 / 5.
        assert_close(expected_cost(&t, &[1; 5], &costs), 0.6, "always 1");
        // Deciding 0 everywhere pays a miss per positive: 20 / 5.
        assert_close(expected_cost(&t, &[0; 5], &costs), 4.0, "always 0");
        // Three classes, asymmetric.
        let three = vec![vec![0.0, 2.0, 3.0], vec![1.0, 0.0, 5.0], vec![4.0, 6.0, 0.0]];
        assert_close(expected_cost(&[0, 1, 2, 2], &[2, 0, 1, 2], &three), (3.0 + 1.0 + 6.0) / 4.0, "three classes");
    }

    #[test]
    fn expected_cost_matches_confusion_matrix_weighting() {
        // The same cost as sklearn's confusion_matrix(y, p) * costs summed, over a longer vector.
        let costs = vec![vec![0.0, 1.0], vec![10.0, 0.0]];
        let t: Vec<usize> = (0..1000).map(|i| usize::from(i % 7 == 0)).collect();
        let p: Vec<usize> = (0..1000).map(|i| usize::from(i % 5 == 0)).collect();
        let (mut fp, mut fn_) = (0, 0);
        for (a, b) in t.iter().zip(&p) {
            fp += usize::from(*a == 0 && *b == 1);
            fn_ += usize::from(*a == 1 && *b == 0);
        }
        let expected = (fp as f64 + 10.0 * fn_ as f64) / 1000.0;
        assert_close(expected_cost(&t, &p, &costs), expected, "confusion weighting");
        assert!(!Metric::ExpectedCost.higher_is_better());
        assert!(!Metric::ExpectedCost.needs_probabilities());
        assert_eq!(Metric::ExpectedCost.perfect(), 0.0);
    }

    #[test]
    fn expected_cost_rejects_bad_input() {
        let costs = vec![vec![0.0, 1.0], vec![10.0, 0.0]];
        assert!(expected_cost(&[], &[], &costs).is_nan(), "empty");
        assert!(expected_cost(&[0, 1], &[0], &costs).is_nan(), "length mismatch");
        assert!(expected_cost(&[0, 2], &[0, 1], &costs).is_nan(), "true class outside the matrix");
        assert!(expected_cost(&[0, 1], &[0, 2], &costs).is_nan(), "decision outside the matrix");
    }

    // ------------------------------------------------------ degenerate input

    #[test]
    fn label_metrics_reject_empty_and_mismatched() {
        type LabelMetric = fn(&[usize], &[usize]) -> f64;
        let functions: [LabelMetric; 5] = [
            accuracy,
            balanced_accuracy,
            precision_macro,
            recall_macro,
            f1_macro,
        ];
        for f in functions {
            assert!(f(&[], &[]).is_nan());
            assert!(f(&[0, 1], &[0]).is_nan());
        }
    }

    #[test]
    fn roc_auc_undefined_cases() {
        let two = rows(&[&[0.3, 0.7], &[0.6, 0.4]]);
        assert_eq!(roc_auc(&[], &[]), None, "empty");
        assert_eq!(roc_auc(&[1, 1], &two), None, "single class");
        assert_eq!(roc_auc(&[0, 2], &two), None, "label without a column");
        assert_eq!(roc_auc(&[0], &two), None, "length mismatch");
        assert_eq!(roc_auc(&[0, 1], &rows(&[&[], &[]])), None, "no columns");
        let ragged = rows(&[&[0.3, 0.7], &[1.0]]);
        assert_eq!(roc_auc(&[0, 1], &ragged), None, "ragged");
        let nan = rows(&[&[0.3, f64::NAN], &[0.5, 0.5]]);
        assert_eq!(roc_auc(&[0, 1], &nan), None, "nan score");

        let three = rows(&[&[0.2, 0.3, 0.5], &[0.6, 0.2, 0.2], &[0.1, 0.8, 0.1]]);
        assert!(roc_auc(&[2, 0, 1], &three).is_some());
        assert_eq!(
            roc_auc(&[2, 0, 0], &three),
            None,
            "class absent from y_true"
        );
        let unnormalised = rows(&[&[0.2, 0.3, 0.6], &[0.6, 0.2, 0.2], &[0.1, 0.8, 0.1]]);
        assert_eq!(roc_auc(&[2, 0, 1], &unnormalised), None, "row sum 1.1");
    }

    #[test]
    fn log_loss_undefined_cases() {
        let two = rows(&[&[0.3, 0.7], &[0.6, 0.4]]);
        assert_eq!(log_loss(&[], &[]), None, "empty");
        assert_eq!(log_loss(&[0], &two), None, "length mismatch");
        assert_eq!(log_loss(&[0, 2], &two), None, "label without a column");
        assert_eq!(log_loss(&[0, 1], &rows(&[&[], &[]])), None, "no columns");
        let above_one = rows(&[&[0.3, 1.2], &[0.6, 0.4]]);
        assert_eq!(log_loss(&[0, 1], &above_one), None, "p > 1");
        let negative = rows(&[&[-0.1, 0.7], &[0.6, 0.4]]);
        assert_eq!(log_loss(&[0, 1], &negative), None, "p < 0");
        let nan = rows(&[&[f64::NAN, 0.7], &[0.6, 0.4]]);
        assert_eq!(log_loss(&[0, 1], &nan), None, "nan");
        // A single class in y_true is fine: the columns name the classes.
        assert!(log_loss(&[1, 1], &two).is_some());
    }

    #[test]
    fn regression_degenerate_cases() {
        for f in [rmse, mae, r2] {
            assert!(f(&[], &[]).is_nan());
            assert!(f(&[1.0, 2.0], &[1.0]).is_nan());
            assert!(f(&[1.0, f64::INFINITY], &[1.0, 2.0]).is_nan());
        }
        assert!(r2(&[1.0], &[1.0]).is_nan(), "r2 needs two samples");
        assert_eq!(rmse(&[1.0], &[3.0]), 2.0);
    }

    #[test]
    fn adjusted_rand_index_degenerate_cases() {
        assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
        assert_eq!(adjusted_rand_index(&[7], &[3]), 1.0);
        assert!(adjusted_rand_index(&[0, 1], &[0]).is_nan());
    }

    #[test]
    fn metric_names_round_trip() {
        for metric in Metric::ALL {
            assert_eq!(metric.name().parse::<Metric>(), Ok(metric));
            assert_eq!(metric.to_string(), metric.name());
        }
        let error = "auc".parse::<Metric>().unwrap_err();
        assert!(error.contains("roc_auc") && error.contains("adjusted_rand_index"));
        assert!(!Metric::LogLoss.higher_is_better());
        assert!(!Metric::Rmse.higher_is_better());
        assert!(Metric::R2.higher_is_better());
    }

    fn rows(data: &[&[f64]]) -> Vec<Vec<f64>> {
        data.iter().map(|row| row.to_vec()).collect()
    }
}
