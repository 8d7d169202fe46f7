//! Grading of scored challenges: the candidate's run produces a JSON document, the challenge's trusted
//! scoring program turns it into metrics in a second sandbox, and the service only checks and scales
//! what the program reports.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::checks::overfitting;
use super::{Report, Verdict};
use crate::challenge::Challenge;
use crate::sandbox::RunOutcome;

/// What a scoring program prints.
#[derive(Debug, Deserialize)]
struct ProgramOutput {
    metrics: BTreeMap<String, f64>,
    /// Metrics on a public part, when the program splits its checks that way.
    #[serde(default)]
    public: BTreeMap<String, f64>,
    /// The score metric on rows the candidate trained on, for the overfitting check.
    train_metric: Option<f64>,
}

/// Turns the scoring program's run into the report. A program that fails is the challenge's fault:
/// the verdict is `internal_error`, with the program's own words for the hiring team.
pub fn report(challenge: &Challenge, program: &RunOutcome) -> Report {
    match program_metrics(challenge, program) {
        Ok(report) => report,
        Err(problem) => {
            tracing::error!(challenge = %challenge.slug, problem, log = %program.log, "the challenge's scoring program failed");
            let mut report = Report::failed(
                Verdict::InternalError,
                format!("the challenge's scoring program failed ({problem}); this is a fault of the challenge, not of the submission"),
            );
            report.challenge_fault = Some(format!("scoring program output:\n{}", program.log));
            report
        }
    }
}

fn program_metrics(challenge: &Challenge, program: &RunOutcome) -> Result<Report, String> {
    if program.out_of_time() {
        return Err(format!("it passed the {} s limit", challenge.limits.time_seconds));
    }
    if program.oom_killed {
        return Err("it ran out of memory".into());
    }
    if program.exit_code != 0 {
        return Err(format!("it exited with code {}", program.exit_code));
    }
    let out: ProgramOutput =
        serde_json::from_slice(&program.result).map_err(|e| format!("its output is not the expected JSON: {e}"))?;
    let name = challenge.grading.metric.name();
    let value = *out.metrics.get(name).ok_or_else(|| format!("it reported no '{name}'"))?;
    if let Some((bad, v)) = out.metrics.iter().chain(&out.public).find(|(_, v)| !v.is_finite()) {
        return Err(format!("it reported {bad} = {v}"));
    }
    Ok(Report {
        verdict: Verdict::Accepted,
        score: Some(challenge.grading.score(value)),
        public_score: out.public.get(name).map(|&v| challenge.grading.score(v)),
        overfitting: out.train_metric.map(|train| overfitting(challenge, train, value)),
        checks: Vec::new(),
        metrics: out.metrics,
        public: out.public,
        ..Report::empty(Verdict::Accepted)
    })
}
