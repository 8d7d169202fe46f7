//! Several seeded runs of one file become one result: the median run is the one reported, and a
//! `stability` check says how far the runs were apart, so luck neither helps nor hurts a candidate
//! and an interviewer sees when a result hinges on it.

use std::time::Duration;

use super::words::number;
use super::{resources, Check, Graded, RunScore, Verdict};
use crate::challenge::Challenge;
use crate::sandbox::RunOutcome;

/// One graded run with the seed every random source in it started from.
pub struct SeededRun {
    pub seed: u32,
    pub graded: Graded,
    pub log: String,
    pub duration: Duration,
}

impl SeededRun {
    pub fn new(seed: u32, mut graded: Graded, outcome: RunOutcome) -> SeededRun {
        graded.report.seed = Some(u64::from(seed));
        if graded.report.resources.is_none() {
            graded.report.resources = resources(&outcome);
        }
        SeededRun { seed, graded, log: outcome.log, duration: outcome.duration }
    }

    fn summary(&self, challenge: &Challenge) -> RunScore {
        let report = &self.graded.report;
        RunScore {
            seed: u64::from(self.seed),
            verdict: report.verdict,
            score: report.score,
            metric: report.metrics.get(challenge.grading.metric.name()).copied(),
        }
    }
}

/// The run that stands for the submission. A failed run decides the verdict (its message says which
/// run failed); otherwise the median run by score is reported, with every run listed and, when there
/// were several, the `stability` check.
pub fn combine_runs(challenge: &Challenge, mut runs: Vec<SeededRun>) -> SeededRun {
    let planned = challenge.grading.runs as usize;
    let summaries: Vec<RunScore> = runs.iter().map(|r| r.summary(challenge)).collect();
    let failed = runs.last().is_some_and(|r| r.graded.report.verdict != Verdict::Accepted);
    if failed || runs.len() == 1 {
        let mut last = runs.pop().expect("at least one run");
        if failed && planned > 1 {
            let which = format!("run {} of {planned} (seed {})", summaries.len(), last.seed);
            let message = last.graded.report.message.take().unwrap_or_default();
            last.graded.report.message = Some(format!("{which}: {message}"));
        }
        if planned > 1 {
            last.graded.report.runs = summaries;
        }
        return last;
    }
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| {
        let score = |i: usize| summaries[i].score.unwrap_or(f64::NEG_INFINITY);
        score(a).total_cmp(&score(b))
    });
    let median = order[(order.len() - 1) / 2];
    let mut chosen = runs.swap_remove(median);
    let mut check = stability(challenge, &summaries);
    if summaries.len() < planned {
        check.explanation.push_str(" The last two runs gave identical predictions: the code does not depend on its seed, so the remaining runs were skipped.");
    }
    chosen.graded.report.checks.push(check);
    chosen.graded.report.runs = summaries;
    chosen
}

/// How far the runs' scores were apart, on the unclamped score scale so that runs which all score 0
/// or all 100 still show their real spread.
pub fn stability(challenge: &Challenge, runs: &[RunScore]) -> Check {
    let g = &challenge.grading;
    let metrics: Vec<f64> = runs.iter().filter_map(|r| r.metric).collect();
    let (lo, hi) = metrics.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &m| (lo.min(m), hi.max(m)));
    let spread = if metrics.len() < 2 { 0.0 } else { (hi - lo).abs() / (g.full - g.zero).abs() * 100.0 };
    let flagged = spread > g.max_spread;
    let scores: Vec<String> = runs.iter().filter_map(|r| r.score).map(number).collect();
    let listed = scores.join(", ");
    let explanation = if flagged {
        format!(
            "Graded {} times with different seeds, the score was {listed} ({} {}–{}): a spread of {} points, more than the {} allowed. The result depends on luck, typically an unseeded random start or a random choice the code does not repeat; the median run is the one shown.",
            runs.len(),
            g.metric.name(),
            number(lo),
            number(hi),
            number(spread),
            number(g.max_spread)
        )
    } else {
        format!(
            "Graded {} times with different seeds, the score was {listed}: a spread of {} points, within the {} allowed, so the result does not hinge on luck.",
            runs.len(),
            number(spread),
            number(g.max_spread)
        )
    };
    Check { name: "stability".into(), value: Some(spread), threshold: g.max_spread, flagged, explanation, link: None }
}
