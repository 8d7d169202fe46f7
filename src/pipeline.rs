//! One submission from source text to graded report: the inputs, the sandboxed run, the grading.
//! Shared by the queue workers and the `grade` command, so both grade exactly alike.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::catalogue::Catalogue;
use crate::challenge::{Challenge, Dataset, Input, Scoring, Table, Task, SANDBOX_LABEL};
use crate::grading::{self, scored, Graded, SeededRun, Verdict};
use crate::integrity::{self, checks::OnHiddenRows, probes};
use crate::npy;
use crate::runtime::Runtimes;
use crate::sandbox::{InputFile, RunSpec, Sandbox};

const HARNESS: &str = include_str!("sandbox/harness.py");

/// What grading a source file produced.
pub struct Outcome {
    pub graded: Graded,
    pub log: String,
    pub duration: Duration,
}

/// How a challenge's reference and baseline did against their thresholds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReferenceCheck {
    pub reference_score: Option<f64>,
    pub expected_score: f64,
    pub baseline_score: Option<f64>,
    pub baseline_max_score: Option<f64>,
    /// One sentence per failed expectation, with the verdict and the end of the log when a run failed.
    pub failures: Vec<String>,
}

/// Everything needed to grade: the engine, the runtime images and the catalogue.
#[derive(Clone)]
pub struct Grader {
    pub sandbox: Sandbox,
    pub runtimes: Arc<Runtimes>,
    pub catalogue: Arc<Catalogue>,
    /// What each challenge version's reference reaches on all hidden test rows, for the leak check:
    /// graded once on first need, kept in memory and in `reference_dir`.
    pub references: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Option<OnHiddenRows>>>>>>,
    /// Where those figures are kept across restarts, one small file per reference, data and image.
    pub reference_dir: Option<std::path::PathBuf>,
    /// How many of a grade's first seeded runs start at once. One for the queue's workers, which
    /// already keep every core busy (a second run would only halve each run's CPU share); the one-shot
    /// `grade` command runs the first two side by side.
    pub runs_at_once: usize,
}

impl Grader {
    pub fn new(sandbox: Sandbox, runtimes: Runtimes, catalogue: Catalogue, reference_dir: Option<std::path::PathBuf>) -> Grader {
        Grader {
            sandbox,
            runtimes: Arc::new(runtimes),
            catalogue: Arc::new(catalogue),
            references: Default::default(),
            reference_dir,
            runs_at_once: 1,
        }
    }

    /// Runs `source` against `challenge` in the sandbox, once per seed of the challenge version, grades
    /// it, and adds the integrity checks that need no other submission (`embedded_data`, `leak`,
    /// `probe_consistency`). An error here is the service's own fault (engine unreachable, hidden data
    /// unreadable), never the candidate's.
    pub async fn grade(
        &self,
        challenge: &Challenge,
        source: &[u8],
        labels: HashMap<String, String>,
    ) -> anyhow::Result<Outcome> {
        // Read once per grade: the reference's key and every seeded run share it.
        let data = hidden_data(challenge)?;
        let reference = match &data {
            Some(data) => self.reference_on_hidden_rows(challenge, data, labels.clone()).await?,
            None => None,
        };
        let mut outcome = self.grade_runs(challenge, data.as_ref(), source, labels, reference).await?;
        drop_aside(data);
        let report = &mut outcome.graded.report;
        if report.verdict == Verdict::Accepted {
            report.checks.push(integrity::checks::embedded_data(&String::from_utf8_lossy(source)));
        }
        Ok(outcome)
    }

    /// The reference's primary metric on every hidden test row, graded once for each reference, hidden
    /// data, manifest and runtime image.
    async fn reference_on_hidden_rows(
        &self,
        challenge: &Challenge,
        data: &Dataset,
        labels: HashMap<String, String>,
    ) -> anyhow::Result<Option<OnHiddenRows>> {
        let source = std::fs::read(&challenge.reference.0).with_context(|| format!("reading the reference of {}", challenge.slug))?;
        let key = self.reference_key(challenge, &source)?;
        // One cell per reference: a first grading waits only for its own challenge's reference.
        let cell = self.references.lock().expect("reference cache lock").entry(key.clone()).or_default().clone();
        let found = cell
            .get_or_try_init(|| async {
                let file = self.reference_dir.as_ref().map(|dir| dir.join(format!("{key}.json")));
                if let Some(found) = file.as_ref().and_then(|f| std::fs::read(f).ok()).and_then(|b| serde_json::from_slice(&b).ok()) {
                    return Ok(found);
                }
                let outcome = self.grade_runs(challenge, Some(data), &source, labels, None).await?;
                let found = outcome
                    .graded
                    .report
                    .overfitting
                    .map(|o| OnHiddenRows { value: o.test_metric, interval: o.test_interval });
                if let (Some(file), Some(dir)) = (&file, &self.reference_dir) {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                    let staged = tempfile::NamedTempFile::new_in(dir)?;
                    std::fs::write(staged.path(), serde_json::to_vec(&found)?)?;
                    staged.persist(file).map_err(|e| e.error)?;
                }
                anyhow::Ok(found)
            })
            .await?;
        Ok(*found)
    }

    /// Names what the reference's figure depends on: its code, the hidden data files, the manifest
    /// (through the run seed) and the runtime image.
    fn reference_key(&self, challenge: &Challenge, source: &[u8]) -> anyhow::Result<String> {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new().chain_update(source);
        let (train, test) = challenge.data_files().context("a prediction challenge without hidden data files")?;
        for path in [train, test] {
            // Streamed: a large table is never held twice.
            let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
            digest.update((file.metadata()?.len()).to_le_bytes());
            std::io::copy(&mut file, &mut HashWriter(&mut digest)).with_context(|| format!("reading {}", path.display()))?;
        }
        let digest = digest.chain_update(challenge.seed.to_le_bytes()).chain_update(self.image_of(challenge)?).finalize();
        Ok(format!("{}-{}", challenge.slug, &hex::encode(digest)[..16]))
    }

    async fn grade_runs(
        &self,
        challenge: &Challenge,
        data: Option<&Dataset>,
        source: &[u8],
        labels: HashMap<String, String>,
        reference: Option<OnHiddenRows>,
    ) -> anyhow::Result<Outcome> {
        let run = |seed: u32| {
            let labels = labels.clone();
            async move {
                match (&challenge.scoring, data) {
                    (Some(scoring), _) => self.run_scored(challenge, scoring, source, seed, labels).await,
                    (None, Some(data)) => self.run_predict(challenge, data, source, seed, reference, labels).await,
                    (None, None) => anyhow::bail!("the prediction challenge {} has no hidden data", challenge.slug),
                }
            }
        };
        let seeds = challenge.run_seeds();
        // Every grade needs its first two runs (the second tells whether the code depends on its seed),
        // so they may run side by side; the results are taken in seed order exactly as if run one by one.
        let (first, later) = seeds.split_at(seeds.len().min(self.runs_at_once.clamp(1, 2)));
        let early = futures_util::future::join_all(first.iter().map(|&seed| run(seed))).await;
        let mut results = early.into_iter();
        let mut runs: Vec<SeededRun> = Vec::new();
        let mut later = later.iter();
        loop {
            let run = match results.next() {
                Some(result) => result?,
                None => match later.next() {
                    Some(&seed) => run(seed).await?,
                    None => break,
                },
            };
            let failed = run.graded.report.verdict != Verdict::Accepted;
            // Two seeds that give the very same predictions show the code does not depend on its seed:
            // further runs would repeat them.
            let repeated = runs.last().is_some_and(|last: &SeededRun| {
                last.graded.predictions_csv.is_some() && last.graded.predictions_csv == run.graded.predictions_csv
            });
            runs.push(run);
            // A run that fails decides the verdict; the remaining seeds would only cost time.
            if failed || repeated {
                break;
            }
        }
        let chosen = grading::combine_runs(challenge, runs);
        Ok(Outcome { graded: chosen.graded, log: chosen.log, duration: chosen.duration })
    }

    async fn run_predict(
        &self,
        challenge: &Challenge,
        data: &Dataset,
        source: &[u8],
        seed: u32,
        reference: Option<OnHiddenRows>,
        labels: HashMap<String, String>,
    ) -> anyhow::Result<SeededRun> {
        let (test_features, layout) = probes::with_probes(&data.test_features, &data.train, data.numeric.as_ref(), u64::from(seed));
        let spec = self.predict_spec(challenge, data, &test_features, &layout, source, seed, labels)?;
        drop_aside(test_features);
        let outcome = self.sandbox.run(spec).await.context("running the sandbox")?;
        refuse_starved(&outcome)?;
        let graded = grading::grade(challenge, data, &outcome, &grading::Context { layout: &layout, reference });
        Ok(SeededRun::new(seed, graded, outcome))
    }

    /// A practice run: one run, on the challenge's first seed, trained and scored on the public sample
    /// only (see [`grading::practice`]); the hidden rows are never read. An `Err` is the service's
    /// fault, a sample that cannot be practised on is a verdict.
    pub async fn practice(&self, challenge: &Challenge, source: &[u8], labels: HashMap<String, String>) -> anyhow::Result<Outcome> {
        let data = match grading::practice::dataset(challenge) {
            Ok(data) => data,
            Err(problem) => {
                let report = grading::Report::failed(Verdict::InternalError, problem);
                return Ok(Outcome { graded: Graded { report, predictions_csv: None }, log: String::new(), duration: Duration::ZERO });
            }
        };
        let seed = challenge.run_seeds().first().copied().unwrap_or(challenge.seed);
        let layout = probes::ProbeLayout::none(data.test_features.rows.len());
        let spec = self.predict_spec(challenge, &data, &data.test_features, &layout, source, seed, labels)?;
        let outcome = self.sandbox.run(spec).await.context("running the sandbox")?;
        refuse_starved(&outcome)?;
        let mut graded = grading::practice::grade(challenge, &data, &outcome);
        graded.report.seed = Some(u64::from(seed));
        Ok(Outcome { graded, log: outcome.log, duration: outcome.duration })
    }

    /// The sandbox run of a prediction challenge: the harness, the candidate's file, the training rows
    /// with labels and the test rows without (with any probe rows among them).
    fn predict_spec(
        &self,
        challenge: &Challenge,
        data: &Dataset,
        test_features: &Table,
        layout: &probes::ProbeLayout,
        source: &[u8],
        seed: u32,
        labels: HashMap<String, String>,
    ) -> anyhow::Result<RunSpec> {
        let job = serde_json::json!({
            "params": challenge.params,
            "task": challenge.task,
            "input": challenge.input,
            "probabilities": challenge.task == Task::Classification,
            "probabilities_scored": challenge.grading.metric.needs_probabilities(),
        });
        let mut files = vec![
            InputFile { name: "harness.py".into(), bytes: HARNESS.as_bytes().to_vec() },
            InputFile { name: "solution.py".into(), bytes: source.to_vec() },
            InputFile { name: "job.json".into(), bytes: serde_json::to_vec(&job)? },
        ];
        // Features only: the hidden test labels never enter the container. Probe rows hide among them.
        match challenge.input {
            Input::Numpy => files.extend(numpy_inputs(data, test_features, layout, challenge.task != Task::Clustering)?),
            Input::Pandas => files.extend([
                InputFile { name: "train.csv".into(), bytes: data.train.to_csv() },
                InputFile { name: "test.csv".into(), bytes: test_features.to_csv() },
            ]),
        }
        Ok(RunSpec { image: self.image_of(challenge)?, limits: challenge.limits, files, seed, labels })
    }

    /// A scored challenge: the candidate's code runs beside the challenge's harness; the challenge's
    /// scoring program then runs in a second sandbox with the references and the candidate's output,
    /// never the candidate's code. A challenge that plays in rounds repeats both (see
    /// [`scored`]): the program's feedback goes to the candidate's next run, its state only to its own.
    async fn run_scored(
        &self,
        challenge: &Challenge,
        scoring: &Scoring,
        source: &[u8],
        seed: u32,
        labels: HashMap<String, String>,
    ) -> anyhow::Result<SeededRun> {
        let image = self.image_of(challenge)?;
        let (mut feedback, mut state) = (None, None);
        let mut candidate_runs = Vec::new();
        for round in 1..=scoring.rounds {
            let mut files = vec![
                InputFile { name: "harness.py".into(), bytes: std::fs::read(&scoring.harness)? },
                InputFile { name: "solution.py".into(), bytes: source.to_vec() },
            ];
            files.extend(named_files("inputs", &scoring.inputs)?);
            files.extend(feedback.take().map(|bytes| InputFile { name: "feedback.json".into(), bytes }));
            let run = self
                .sandbox
                .run(RunSpec { image: image.clone(), limits: challenge.limits, files, seed, labels: labels.clone() })
                .await
                .context("running the candidate's sandbox")?;
            refuse_starved(&run)?;
            // The candidate's document is passed on as it is: only the trusted program interprets it.
            let output: Result<serde_json::Value, _> = grading::harness_output(challenge, &run);
            candidate_runs.push(run);
            let output = match output {
                Ok(output) => output,
                Err(report) => {
                    return Ok(SeededRun::new(seed, Graded { report, predictions_csv: None }, scored::merge_rounds(candidate_runs)))
                }
            };
            let mut files = vec![
                InputFile { name: "harness.py".into(), bytes: std::fs::read(&scoring.program)? },
                InputFile { name: "candidate.json".into(), bytes: serde_json::to_vec(&output)? },
            ];
            files.extend(named_files("references", &scoring.references)?);
            files.extend(state.take().map(|bytes| InputFile { name: "state.json".into(), bytes }));
            let program = self
                .sandbox
                .run(RunSpec { image: image.clone(), limits: challenge.limits, files, seed, labels: labels.clone() })
                .await
                .context("running the scoring program's sandbox")?;
            match scored::step(challenge, &program, round) {
                scored::Step::Continue { feedback: f, state: s } => (feedback, state) = (Some(f), Some(s)),
                scored::Step::Done(report) => {
                    let run = scored::merge_rounds(candidate_runs);
                    let mut report = *report;
                    report.resources = grading::resources(&run);
                    return Ok(SeededRun::new(seed, Graded { report, predictions_csv: None }, run));
                }
            }
        }
        unreachable!("the last round's step is always Done")
    }

    fn image_of(&self, challenge: &Challenge) -> anyhow::Result<String> {
        let runtime = self
            .runtimes
            .get(&challenge.runtime)
            .with_context(|| format!("runtime '{}' has no recipe", challenge.runtime))?;
        Ok(runtime.image.clone())
    }

    /// Runs the reference (must reach its expected score) and the baseline (must stay at or below its
    /// ceiling) in the sandbox.
    pub async fn check_reference(&self, challenge: &Challenge, labels: HashMap<String, String>) -> anyhow::Result<ReferenceCheck> {
        let (reference, expected) = &challenge.reference;
        let mut failures = Vec::new();
        let reference_score = self.score_of(challenge, reference, labels.clone(), &mut failures).await?;
        if !reference_score.is_some_and(|s| s >= *expected) {
            failures.push(format!("the reference scored {} but must reach {expected}", shown(reference_score)));
        }
        let mut check = ReferenceCheck {
            reference_score,
            expected_score: *expected,
            baseline_score: None,
            baseline_max_score: None,
            failures: Vec::new(),
        };
        if let Some((baseline, ceiling)) = &challenge.baseline {
            let score = self.score_of(challenge, baseline, labels, &mut failures).await?;
            if !score.is_some_and(|s| s <= *ceiling) {
                failures.push(format!("the baseline scored {} but must stay at or below {ceiling}", shown(score)));
            }
            check.baseline_score = score;
            check.baseline_max_score = Some(*ceiling);
        }
        check.failures = failures;
        Ok(check)
    }

    async fn score_of(
        &self,
        challenge: &Challenge,
        solution: &Path,
        labels: HashMap<String, String>,
        failures: &mut Vec<String>,
    ) -> anyhow::Result<Option<f64>> {
        let source = std::fs::read(solution).with_context(|| format!("reading {}", solution.display()))?;
        let outcome = self.grade(challenge, &source, labels).await?;
        let report = outcome.graded.report;
        if report.verdict != Verdict::Accepted {
            let name = solution.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            let parent = solution.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy()).unwrap_or_default();
            let log_tail: String = outcome.log.chars().rev().take(1500).collect::<Vec<_>>().into_iter().rev().collect();
            failures.push(format!(
                "{parent}/{name} ended {}: {}\n{log_tail}",
                report.verdict.as_str(),
                report.message.unwrap_or_default()
            ));
        }
        Ok(report.score)
    }
}

/// Drops `value` on a thread of its own: freeing a large table's millions of cells takes a good part
/// of a second, which need not delay a result.
fn drop_aside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// A run the host starved of CPU says nothing about the code: it is the service's fault, and the job
/// is graded again (by the queue after its lease, up to its attempt limit).
fn refuse_starved(outcome: &crate::sandbox::RunOutcome) -> anyhow::Result<()> {
    if outcome.starved() {
        let cpu = outcome.usage.map(|u| u.cpu_seconds).unwrap_or_default();
        anyhow::bail!(
            "the host was too busy: the run computed for {cpu:.1} s of CPU in {:.1} s on the clock before its deadline",
            outcome.duration.as_secs_f64()
        );
    }
    Ok(())
}

/// The hidden data of a prediction challenge; nothing for a scored one.
fn hidden_data(challenge: &Challenge) -> anyhow::Result<Option<Dataset>> {
    match challenge.scoring {
        Some(_) => Ok(None),
        None => challenge
            .checked_dataset()
            .map(Some)
            .map_err(|e| anyhow::anyhow!("reading the hidden data of {}: {e}", challenge.slug)),
    }
}

/// numpy input as `.npy` arrays the harness loads without parsing text: the feature matrices in
/// float64 (each cell read as Python's `float` reads it: both round correctly) and the training
/// labels as their text, which the harness types as it always has. The features come from the copy
/// parsed when the data was read; only the probe rows among the test rows are parsed here.
fn numpy_inputs(data: &Dataset, test: &Table, layout: &probes::ProbeLayout, supervised: bool) -> anyhow::Result<Vec<InputFile>> {
    let numeric = data.numeric.as_ref().context("numpy input without its parsed features")?;
    let mut x_test = Vec::with_capacity(test.rows.len() * numeric.columns);
    for (row, origin) in test.rows.iter().zip(layout.origins()) {
        match origin {
            Some(i) => x_test.extend_from_slice(numeric.test_row(i)),
            None => {
                for cell in row {
                    x_test.push(cell.trim().parse().with_context(|| format!("a probe row holds '{cell}', not a number"))?);
                }
            }
        }
    }
    let train_rows = data.train.rows.len();
    let mut files = vec![
        InputFile { name: "x_train.npy".into(), bytes: npy::f64_matrix(&numeric.train, train_rows, numeric.columns) },
        InputFile { name: "x_test.npy".into(), bytes: npy::f64_matrix(&x_test, test.rows.len(), numeric.columns) },
    ];
    if supervised {
        // The label cells as the training file writes them; the harness types them.
        let at = data.train.columns.iter().position(|c| c == SANDBOX_LABEL).context("the training rows have no label column")?;
        let labels: Vec<&str> = data.train.rows.iter().map(|r| r[at].as_str()).collect();
        files.push(InputFile { name: "y_train.npy".into(), bytes: npy::text_column(&labels) });
    }
    Ok(files)
}

/// Feeds what is written to a digest.
struct HashWriter<'a>(&'a mut sha2::Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Files under `folder/` in the sandbox, each by its own name.
fn named_files(folder: &str, paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<InputFile>> {
    paths
        .iter()
        .map(|p| {
            let name = p.file_name().context("a file name")?.to_string_lossy();
            Ok(InputFile { name: format!("{folder}/{name}"), bytes: std::fs::read(p).with_context(|| format!("reading {}", p.display()))? })
        })
        .collect()
}

fn shown(score: Option<f64>) -> String {
    score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "nothing".into())
}
