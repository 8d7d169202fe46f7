//! One submission from source text to graded report: the inputs, the sandboxed run, the grading.
//! Shared by the queue workers and the `grade` command, so both grade exactly alike.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::challenge::{Catalogue, Challenge, Task};
use crate::grading::{self, Graded};
use crate::runtime::Runtimes;
use crate::sandbox::{InputFile, RunSpec, Sandbox};

const HARNESS: &str = include_str!("sandbox/harness.py");

/// What grading a source file produced.
pub struct Outcome {
    pub graded: Graded,
    pub log: String,
    pub duration: Duration,
}

/// Everything needed to grade: the engine, the runtime images and the catalogue.
#[derive(Clone)]
pub struct Grader {
    pub sandbox: Sandbox,
    pub runtimes: Arc<Runtimes>,
    pub catalogue: Arc<Catalogue>,
}

impl Grader {
    /// Runs `source` against `challenge` in the sandbox and grades it. An error here is the service's
    /// own fault (engine unreachable, hidden data unreadable), never the candidate's.
    pub async fn grade(
        &self,
        challenge: &Challenge,
        source: &[u8],
        labels: HashMap<String, String>,
    ) -> anyhow::Result<Outcome> {
        let runtime = self
            .runtimes
            .get(&challenge.runtime)
            .with_context(|| format!("runtime '{}' has no recipe", challenge.runtime))?;
        let data = challenge
            .dataset()
            .map_err(|e| anyhow::anyhow!("reading the hidden data of {}: {e}", challenge.slug))?;
        let job = serde_json::json!({
            "params": challenge.params,
            "task": challenge.task,
            "input": challenge.input,
            "probabilities": challenge.task == Task::Classification,
        });
        let files = vec![
            InputFile { name: "harness.py".into(), bytes: HARNESS.as_bytes().to_vec() },
            InputFile { name: "solution.py".into(), bytes: source.to_vec() },
            InputFile { name: "train.csv".into(), bytes: data.train.to_csv() },
            // Features only: the hidden test labels never enter the container.
            InputFile { name: "test.csv".into(), bytes: data.test_features.to_csv() },
            InputFile { name: "job.json".into(), bytes: serde_json::to_vec(&job)? },
        ];
        let spec = RunSpec { image: runtime.image.clone(), limits: challenge.limits, files, labels };
        let outcome = self.sandbox.run(spec).await.context("running the sandbox")?;
        let graded = grading::grade(challenge, &data, &outcome);
        Ok(Outcome { graded, log: outcome.log, duration: outcome.duration })
    }
}
