//! Practice runs: the candidate's code graded on the public sample alone.
//!
//! The sample is the file candidates download, so a practice run can tell them nothing about the
//! hidden rows. Like "Run code" on HackerRank it answers "does my code run, and does it learn": the
//! Model trains on three rows of every four of the sample and is scored on the fourth (rows 4, 8, 12, …
//! counting from 1). The rule is fixed and simple so a candidate can rebuild the same split locally.

use super::predictions::{parse_proba, Predictions, Truth};
use super::{harness_output, resources, Graded, HarnessOutput, Part, Report, Verdict};
use crate::challenge::{Challenge, Dataset, Table, Task};
use crate::sandbox::RunOutcome;

/// Every `HOLD_OUT_EVERY`-th sample row is scored; the others are trained on.
pub const HOLD_OUT_EVERY: usize = 4;

/// The public sample, split into the rows the Model trains on and the rows it is scored on.
pub fn dataset(challenge: &Challenge) -> Result<Dataset, String> {
    if challenge.scoring.is_some() || challenge.task == Task::Custom {
        return Err("this challenge is graded by its own scoring program; it has no sample rows to practise on".into());
    }
    let sample = Table::read(&challenge.public_sample)?;
    let (train, test) = hold_out(sample);
    if train.rows.is_empty() || test.rows.is_empty() {
        return Err(format!("the public sample needs at least {HOLD_OUT_EVERY} rows for a practice run"));
    }
    Dataset::new(train, test, &challenge.label, challenge.task, challenge.input)
}

/// Rows 4, 8, 12, … (1-based) are held out; the rest are kept for training, both in file order.
fn hold_out(sample: Table) -> (Table, Table) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (i, row) in sample.rows.into_iter().enumerate() {
        if (i + 1) % HOLD_OUT_EVERY == 0 {
            test.push(row);
        } else {
            train.push(row);
        }
    }
    (Table { columns: sample.columns.clone(), rows: train }, Table { columns: sample.columns, rows: test })
}

/// Grades a practice run: the verdict as a real submission would get it, and every metric on the
/// held-out sample rows (`metrics` and `score`). There is no public/private split and no
/// generalisation checks: on a few dozen rows they would only be noise.
pub fn grade(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome) -> Graded {
    let mut report = match grade_run(challenge, data, outcome) {
        Ok(report) => report,
        Err(report) => report,
    };
    report.resources = resources(outcome);
    Graded { report, predictions_csv: None }
}

fn grade_run(challenge: &Challenge, data: &Dataset, outcome: &RunOutcome) -> Result<Report, Report> {
    let out: HarnessOutput = harness_output(challenge, outcome)?;
    let wrong = |m: String| Report::failed(Verdict::WrongOutput, m);
    let n_test = data.test_labels.len();
    let mut test = Predictions::parse(challenge, data, &out.test, n_test, "test").map_err(wrong)?;
    Predictions::parse(challenge, data, &out.train, data.train_labels.len(), "training").map_err(wrong)?;
    let needs_proba = challenge.grading.metric.needs_probabilities();
    if challenge.task == Task::Classification {
        match out.test_proba.as_ref().map(|p| parse_proba(p, n_test, &data.classes, "test")) {
            Some(Ok(p)) => test.proba = Some(p),
            Some(Err(problem)) if needs_proba => return Err(wrong(problem)),
            None if needs_proba => {
                return Err(wrong(format!(
                    "the metric {} needs class probabilities: define Model.predict_proba",
                    challenge.grading.metric.name()
                )))
            }
            _ => {}
        }
    }
    let truth = Truth::of(challenge.task, data, &data.test_labels).map_err(|m| Report::failed(Verdict::InternalError, m))?;
    let all: Vec<usize> = (0..n_test).collect();
    let part = Part::measure(challenge, &truth, &test, &all);
    let g = &challenge.grading;
    let primary = part.metrics.get(g.metric.name()).copied();
    let mut report = Report::empty(Verdict::Accepted);
    report.score = primary.map(|v| g.score(v));
    report.score_interval = part.intervals.get(g.metric.name()).map(|i| {
        let (a, b) = (g.score(i[0]), g.score(i[1]));
        [a.min(b), a.max(b)]
    });
    report.metrics = part.metrics;
    report.intervals = part.intervals;
    if let Some(problem) = &out.proba_error {
        report.notes.push(format!("predict_proba raised {problem}"));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fourth_row_is_held_out() {
        let rows: Vec<Vec<String>> = (1..=10).map(|i| vec![i.to_string()]).collect();
        let (train, test) = hold_out(Table { columns: vec!["n".into()], rows });
        let ids = |t: &Table| t.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>().join(",");
        assert_eq!(ids(&test), "4,8");
        assert_eq!(ids(&train), "1,2,3,5,6,7,9,10");
    }
}
