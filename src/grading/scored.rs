//! Grading of scored challenges: the candidate's run produces a JSON document, the challenge's trusted
//! scoring program turns it into metrics in a second sandbox, and the service only checks and scales
//! what the program reports.
//!
//! A challenge whose answers must be revealed as the candidate goes (a bandit's rewards: the reward
//! of a pull is only known once the arm is chosen) plays in rounds. Each round the candidate's sandbox
//! runs, then the program; instead of metrics the program may answer with the next step:
//!
//! ```json
//! {"next": {"feedback": {...}, "state": {...}}}
//! ```
//!
//! `feedback` goes into the candidate's next run as `feedback.json`: only what the program chose to
//! reveal. `state` goes into the program's next run as `state.json` and never into a container that
//! runs candidate code; the service holds it between the runs, so the program can trust it. The
//! hidden references therefore never enter the candidate's sandbox, in any round. The manifest's
//! `scoring.rounds` bounds the trips; a program that still asks for more after the last one is at
//! fault, like one that crashes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::checks::overfitting;
use super::{Report, Verdict};
use crate::challenge::Challenge;
use crate::sandbox::{RunOutcome, Usage};

/// The most round trips a scored challenge may ask for: each costs two sandbox runs.
pub const MAX_ROUNDS: u32 = 12;

/// What a scoring program prints.
#[derive(Debug, Deserialize)]
struct ProgramOutput {
    #[serde(default)]
    metrics: Option<BTreeMap<String, f64>>,
    /// Metrics on a public part, when the program splits its checks that way.
    #[serde(default)]
    public: BTreeMap<String, f64>,
    /// The score metric on rows the candidate trained on, for the overfitting check.
    train_metric: Option<f64>,
    /// Another round instead of metrics.
    next: Option<Next>,
}

#[derive(Debug, Deserialize)]
struct Next {
    feedback: serde_json::Value,
    #[serde(default)]
    state: serde_json::Value,
}

/// What a round of a scored challenge leads to.
#[derive(Debug)]
pub enum Step {
    /// The program reported metrics (or failed): the run's report.
    Done(Box<Report>),
    /// Another round: `feedback.json` for the candidate, `state.json` for the program.
    Continue { feedback: Vec<u8>, state: Vec<u8> },
}

/// Reads the program's answer after round `round` (counted from 1).
pub fn step(challenge: &Challenge, program: &RunOutcome, round: u32) -> Step {
    let rounds = challenge.scoring.as_ref().map_or(1, |s| s.rounds);
    match program_step(challenge, program, round, rounds) {
        Ok(step) => step,
        Err(problem) => Step::Done(Box::new(program_failed(challenge, program, &problem))),
    }
}

/// Turns the scoring program's run into the report. A program that fails is the challenge's fault:
/// the verdict is `internal_error`, with the program's own words for the hiring team.
pub fn report(challenge: &Challenge, program: &RunOutcome) -> Report {
    match step(challenge, program, u32::MAX) {
        Step::Done(report) => *report,
        Step::Continue { .. } => unreachable!("no round follows the last"),
    }
}

fn program_failed(challenge: &Challenge, program: &RunOutcome, problem: &str) -> Report {
    tracing::error!(challenge = %challenge.slug, problem, log = %program.log, "the challenge's scoring program failed");
    let mut report = Report::failed(
        Verdict::InternalError,
        format!("the challenge's scoring program failed ({problem}); this is a fault of the challenge, not of the submission"),
    );
    report.challenge_fault = Some(format!("scoring program output:\n{}", program.log));
    report
}

fn program_step(challenge: &Challenge, program: &RunOutcome, round: u32, rounds: u32) -> Result<Step, String> {
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
    let Some(metrics) = out.metrics else {
        let next = out.next.ok_or("it reported neither metrics nor a next round")?;
        if round >= rounds {
            return Err(format!("it asked for another round after the last of {rounds}"));
        }
        let encode = |v: &serde_json::Value| serde_json::to_vec(v).expect("a parsed JSON value encodes");
        return Ok(Step::Continue { feedback: encode(&next.feedback), state: encode(&next.state) });
    };
    let name = challenge.grading.metric.name();
    let value = *metrics.get(name).ok_or_else(|| format!("it reported no '{name}'"))?;
    if let Some((bad, v)) = metrics.iter().chain(&out.public).find(|(_, v)| !v.is_finite()) {
        return Err(format!("it reported {bad} = {v}"));
    }
    Ok(Step::Done(Box::new(Report {
        verdict: Verdict::Accepted,
        score: Some(challenge.grading.score(value)),
        public_score: out.public.get(name).map(|&v| challenge.grading.score(v)),
        overfitting: out.train_metric.map(|train| overfitting(challenge, train, value)),
        checks: Vec::new(),
        metrics,
        public: out.public,
        ..Report::empty(Verdict::Accepted)
    })))
}

/// The candidate's runs of every round as one: logs one after another under a heading per round,
/// wall time and CPU time added up, the highest memory peak. The last run decides how it ended.
pub fn merge_rounds(mut runs: Vec<RunOutcome>) -> RunOutcome {
    let last = runs.pop().expect("at least one round ran");
    if runs.is_empty() {
        return last;
    }
    let total = runs.len() + 1;
    let mut log = String::new();
    let mut duration = Duration::ZERO;
    let mut usage = Some(Usage { exit_code: 0, cpu_seconds: 0.0, peak_memory_mb: 0.0, cpu_exceeded: false, wall_exceeded: false });
    for (i, run) in runs.iter().chain(std::iter::once(&last)).enumerate() {
        log.push_str(&format!("--- round {} of {total} ---\n{}", i + 1, run.log));
        if !log.ends_with('\n') {
            log.push('\n');
        }
        duration += run.duration;
        usage = match (usage, run.usage) {
            (Some(sum), Some(u)) => Some(Usage {
                cpu_seconds: sum.cpu_seconds + u.cpu_seconds,
                peak_memory_mb: sum.peak_memory_mb.max(u.peak_memory_mb),
                ..u
            }),
            _ => None,
        };
    }
    RunOutcome { log, duration, usage, ..last }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(result: &str, log: &str, cpu: f64, memory: f64) -> RunOutcome {
        RunOutcome {
            exit_code: 0,
            oom_killed: false,
            timed_out: false,
            result: result.as_bytes().to_vec(),
            result_overflow: false,
            log: log.into(),
            duration: Duration::from_millis(500),
            usage: Some(Usage { exit_code: 0, cpu_seconds: cpu, peak_memory_mb: memory, cpu_exceeded: false, wall_exceeded: false }),
            container: "test".into(),
            warm: false,
        }
    }

    fn challenge(slug: &str) -> Challenge {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let runtimes = ["python-numpy".to_owned()].into_iter().collect();
        let generated = tempfile::tempdir().unwrap();
        Challenge::load(&root.join("challenges").join(slug), &runtimes, generated.path()).expect("the challenge loads")
    }

    #[test]
    fn a_next_round_hands_feedback_to_the_candidate_and_state_to_the_program() {
        let bandit = challenge("bandit-policy");
        let program = outcome(r#"{"next": {"feedback": {"seen": [1]}, "state": {"secret": 7}}}"#, "", 0.1, 10.0);
        match step(&bandit, &program, 1) {
            Step::Continue { feedback, state } => {
                assert_eq!(feedback, br#"{"seen":[1]}"#);
                assert_eq!(state, br#"{"secret":7}"#);
            }
            Step::Done(report) => panic!("expected another round, got {report:?}"),
        }
    }

    #[test]
    fn a_program_asking_past_the_last_round_is_the_challenges_fault() {
        let bandit = challenge("bandit-policy");
        let rounds = bandit.scoring.as_ref().unwrap().rounds;
        let program = outcome(r#"{"next": {"feedback": {}, "state": {}}}"#, "", 0.1, 10.0);
        let Step::Done(report) = step(&bandit, &program, rounds) else { panic!("no round follows the last") };
        assert_eq!(report.verdict, Verdict::InternalError);
        assert!(report.message.unwrap_or_default().contains("after the last"));
        // A one-round challenge never continues.
        let splitter = challenge("cross-validation-splitter");
        assert_eq!(report_verdict(&splitter, r#"{"next": {"feedback": {}}}"#), Verdict::InternalError);
        assert_eq!(report_verdict(&splitter, r#"{"metrics": {}}"#), Verdict::InternalError);
        assert_eq!(report_verdict(&splitter, r#"{"metrics": {"fold_quality": 0.5}}"#), Verdict::Accepted);
    }

    fn report_verdict(challenge: &Challenge, result: &str) -> Verdict {
        report(challenge, &outcome(result, "", 0.1, 1.0)).verdict
    }

    #[test]
    fn rounds_merge_into_one_run() {
        let merged = merge_rounds(vec![outcome("", "first", 1.0, 50.0), outcome("", "second\n", 2.0, 30.0), outcome("{}", "third", 0.5, 40.0)]);
        assert_eq!(merged.log, "--- round 1 of 3 ---\nfirst\n--- round 2 of 3 ---\nsecond\n--- round 3 of 3 ---\nthird\n");
        let usage = merged.usage.unwrap();
        assert_eq!(usage.cpu_seconds, 3.5);
        assert_eq!(usage.peak_memory_mb, 50.0);
        assert_eq!(merged.duration, Duration::from_millis(1500));
        assert_eq!(merged.result, b"{}");
        let single = merge_rounds(vec![outcome("x", "only", 1.0, 1.0)]);
        assert_eq!(single.log, "only");
    }
}
