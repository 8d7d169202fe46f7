//! The challenge catalogue: manifests (`challenge.toml`), their validation, and the hidden data.
//!
//! A challenge is a folder: a manifest, a statement (`README.md`), a starter, public sample data, hidden
//! train and test files, and a reference solution. Loading checks everything a run will need, so a
//! broken challenge stops the service at start with the file, the field and the problem, instead of
//! failing a candidate's submission later.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::domain::{Limits, RawLimits, Slug};
use crate::grading::metrics::Metric;

/// Name of the manifest file inside a challenge folder.
pub const MANIFEST: &str = "challenge.toml";
/// Name the label column gets inside the sandbox, whatever the hidden file calls it.
pub const SANDBOX_LABEL: &str = "label";

/// A problem with one challenge, precise enough for the hiring team to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {field}: {problem}")]
pub struct ManifestError {
    pub file: PathBuf,
    pub field: String,
    pub problem: String,
}

impl ManifestError {
    fn new(file: &Path, field: impl Into<String>, problem: impl Into<String>) -> Self {
        ManifestError { file: file.to_owned(), field: field.into(), problem: problem.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The built-in fit/predict harness; the service computes the metrics.
    Predict,
    /// The challenge's own harness next to the candidate's code, and its own trusted scoring program
    /// in a second sandbox that never sees that code.
    Scored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classification,
    Regression,
    /// Fit on unlabelled rows, predict cluster ids; graded against hidden cluster ids.
    Clustering,
    /// Whatever a scored challenge's own program measures.
    Custom,
}

/// What `X` is for the candidate's Model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A 2-D float64 numpy array; every feature cell must be a number.
    #[default]
    Numpy,
    /// A pandas DataFrame as `read_csv` gives it: text stays text, empty cells are NaN.
    Pandas,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    title: String,
    summary: String,
    runtime: String,
    kind: Kind,
    task: Option<Task>,
    hidden_labels_public: bool,
    interface: RawInterface,
    limits: RawLimits,
    data: RawData,
    grading: RawGrading,
    reference: RawReference,
    baseline: Option<RawBaseline>,
    scoring: Option<RawScoring>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    harness: String,
    program: String,
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    /// Round trips between the candidate's sandbox and the scoring program (see `grading::scored`).
    #[serde(default = "default_rounds")]
    rounds: u32,
}

/// The parts of a scored challenge: its harness, its trusted program, and the files each sandbox gets.
#[derive(Debug, Clone)]
pub struct Scoring {
    pub harness: PathBuf,
    pub program: PathBuf,
    /// Given to the candidate's sandbox as `inputs/<name>`.
    pub inputs: Vec<PathBuf>,
    /// Given to the scoring sandbox only, as `references/<name>`.
    pub references: Vec<PathBuf>,
    /// At most this many round trips: candidate run, then program run, until the program reports metrics.
    pub rounds: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInterface {
    entry: String,
    #[serde(default)]
    input: Input,
    /// Extra files candidates may download (a data generator to practise with, a local harness).
    #[serde(default)]
    public_files: Vec<String>,
    #[serde(default)]
    params: toml::Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    train: Option<String>,
    test: Option<String>,
    label: Option<String>,
    public_sample: String,
    #[serde(default = "default_public_fraction")]
    public_fraction: f64,
    #[serde(default)]
    split_seed: u64,
    /// A script that makes the hidden rows from the deployment's secret seed.
    generator: Option<String>,
    /// A public table whose rows are redrawn for each deployment from its secret seed.
    redraw: Option<RawRedraw>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct RawRedraw {
    source: String,
    train_rows: u32,
    test_rows: u32,
}

/// Hidden data made at deployment time: the files the generator's sandbox gets (`generate.py` first)
/// and the folder its output goes to, named by the hash of those files.
#[derive(Debug, Clone)]
pub struct Generator {
    pub inputs: Vec<(String, Vec<u8>)>,
    pub out: PathBuf,
}

impl Generator {
    fn new(inputs: Vec<(String, Vec<u8>)>, slug: &Slug, generated_root: &Path) -> Generator {
        // A lone script keeps the name its own hash gave it, so existing deployments keep their data.
        let digest = match inputs.as_slice() {
            [(_, script)] => Sha256::digest(script),
            all => all.iter().fold(Sha256::new(), |h, (name, bytes)| h.chain_update(name).chain_update([0]).chain_update(bytes)).finalize(),
        };
        let out = generated_root.join(slug.as_str()).join(&hex::encode(digest)[..16]);
        Generator { inputs, out }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrading {
    metric: String,
    zero: f64,
    full: f64,
    max_gap: f64,
    min_train: Option<f64>,
    max_optimism: Option<f64>,
    max_public_gap: Option<f64>,
    /// How many seeded runs to grade; the score is their median.
    #[serde(default = "default_runs")]
    runs: u32,
    /// Spread of the score over the runs, in points, above which the `stability` check flags.
    #[serde(default = "default_max_spread")]
    max_spread: f64,
    /// What each decision costs: rows are the true class, columns the decided class.
    costs: Option<Vec<Vec<f64>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReference {
    solution: String,
    expected_score: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    solution: String,
    max_score: f64,
}

fn default_public_fraction() -> f64 {
    0.5
}

fn default_runs() -> u32 {
    1
}

fn default_rounds() -> u32 {
    1
}

fn default_max_spread() -> f64 {
    10.0
}

/// The metric a challenge's score comes from: computed by the service, or reported by the challenge's
/// own scoring program (which reports values in [0, 1], higher better).
#[derive(Debug, Clone, PartialEq)]
pub enum Primary {
    Builtin(Metric),
    Reported(String),
}

impl Primary {
    pub fn name(&self) -> &str {
        match self {
            Primary::Builtin(m) => m.name(),
            Primary::Reported(name) => name,
        }
    }

    pub fn higher_is_better(&self) -> bool {
        match self {
            Primary::Builtin(m) => m.higher_is_better(),
            Primary::Reported(_) => true,
        }
    }

    pub fn needs_probabilities(&self) -> bool {
        matches!(self, Primary::Builtin(m) if m.needs_probabilities())
    }
}

/// How a challenge is graded: the primary metric, the score scale and the overfitting threshold.
#[derive(Debug, Clone)]
pub struct Grading {
    pub metric: Primary,
    /// Metric value that scores 0.
    pub zero: f64,
    /// Metric value that scores 100.
    pub full: f64,
    /// A train-minus-test gap (in the metric's better direction) above this flags overfitting.
    pub max_gap: f64,
    /// A training metric worse than this flags underfitting.
    pub min_train: Option<f64>,
    /// A self-reported cross-validation estimate better than the hidden score by more than this flags
    /// an optimistic (leaky) estimate; when set, the Model must report `cv_score_`.
    pub max_optimism: Option<f64>,
    /// A public-part metric better than the private-part metric by more than this flags a model tuned
    /// to the public rows.
    pub max_public_gap: f64,
    pub public_fraction: f64,
    pub split_seed: u64,
    /// Seeded runs graded per submission (1–9); the score is their median.
    pub runs: u32,
    /// Largest spread of the score over the runs, in points, before `stability` flags.
    pub max_spread: f64,
    /// The cost matrix of `expected_cost`: `costs[t][p]` is what deciding class `p` costs on a row of
    /// class `t`, classes in the order of `np.unique(y)`. Correct decisions cost nothing.
    pub costs: Option<Vec<Vec<f64>>>,
}

impl Grading {
    /// Linear between `zero` and `full`, clamped to 0–100; works for lower-is-better metrics too,
    /// where `zero` is the larger value.
    pub fn score(&self, metric_value: f64) -> f64 {
        let t = (metric_value - self.zero) / (self.full - self.zero);
        (t.clamp(0.0, 1.0) * 100.0 * 100.0).round() / 100.0
    }
}

/// A validated challenge, ready to grade submissions.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub slug: Slug,
    /// The published version; 0 for a folder loaded as it is.
    pub version: i64,
    pub dir: PathBuf,
    pub title: String,
    pub summary: String,
    pub runtime: String,
    pub kind: Kind,
    pub task: Task,
    pub hidden_labels_public: bool,
    pub entry: String,
    pub input: Input,
    /// Files candidates may download, by their path in the challenge folder.
    pub public_files: Vec<(String, PathBuf)>,
    pub params: serde_json::Value,
    pub limits: Limits,
    pub grading: Grading,
    pub statement: String,
    pub starter: String,
    /// Hidden train and test files (predict challenges).
    data: Option<(PathBuf, PathBuf)>,
    pub label: String,
    pub scoring: Option<Scoring>,
    pub public_sample: PathBuf,
    pub reference: (PathBuf, f64),
    pub baseline: Option<(PathBuf, f64)>,
    /// How the hidden data is made, when it is made per deployment.
    pub generator: Option<Generator>,
    /// Where every run's seeds start: derived from the slug and the manifest, so a version keeps its
    /// seed wherever it is loaded (a published copy or the folder `grade` reads).
    pub seed: u32,
}

impl Challenge {
    /// Loads and validates the challenge in `dir`; the folder name is the slug. Paths under
    /// `generated/` point into `generated_root/<slug>/<hash of the generator>/`; their data is checked
    /// once the generator has run (see [`Challenge::check_data`]).
    pub fn load(dir: &Path, known_runtimes: &BTreeSet<String>, generated_root: &Path) -> Result<Challenge, ManifestError> {
        let challenge = Self::load_manifest(dir, known_runtimes, generated_root)?;
        challenge.check_shipped_data()?;
        Ok(challenge)
    }

    /// Loads the folder's manifest only; its hidden data is parsed and checked when first read
    /// ([`Challenge::checked_dataset`]). For a caller that reads the data at once anyway (a one-shot
    /// grade), so a large table is parsed once rather than twice.
    pub fn load_manifest(dir: &Path, known_runtimes: &BTreeSet<String>, generated_root: &Path) -> Result<Challenge, ManifestError> {
        let slug_text = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let slug: Slug =
            slug_text.parse().map_err(|e: String| ManifestError::new(&dir.join(MANIFEST), "folder name", e))?;
        Self::load_manifest_as(slug, 0, dir, known_runtimes, generated_root)
    }

    /// Loads version `version` of challenge `slug` from `dir` (version 0 is a working copy that was
    /// never published).
    pub fn load_as(
        slug: Slug,
        version: i64,
        dir: &Path,
        known_runtimes: &BTreeSet<String>,
        generated_root: &Path,
    ) -> Result<Challenge, ManifestError> {
        let challenge = Self::load_manifest_as(slug, version, dir, known_runtimes, generated_root)?;
        challenge.check_shipped_data()?;
        Ok(challenge)
    }

    fn load_manifest_as(
        slug: Slug,
        version: i64,
        dir: &Path,
        known_runtimes: &BTreeSet<String>,
        generated_root: &Path,
    ) -> Result<Challenge, ManifestError> {
        let manifest_path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| ManifestError::new(&manifest_path, "file", format!("cannot read: {e}")))?;
        let mut challenge = Self::from_manifest_text(slug, &text, dir, known_runtimes, generated_root)?;
        challenge.version = version;
        Ok(challenge)
    }

    /// Parses the hidden data the folder ships now: a bad file is the hiring team's problem, found
    /// before any candidate. Generated data is checked when it is generated.
    fn check_shipped_data(&self) -> Result<(), ManifestError> {
        match self.generator {
            None => self.check_data(),
            Some(_) => Ok(()),
        }
    }

    /// Parses and validates manifest `text` as the manifest of `dir` (the files it names are looked up
    /// there): the loader without the file read, which the manifest fuzzer drives.
    pub fn from_manifest_text(
        slug: Slug,
        text: &str,
        dir: &Path,
        known_runtimes: &BTreeSet<String>,
        generated_root: &Path,
    ) -> Result<Challenge, ManifestError> {
        let manifest_path = dir.join(MANIFEST);
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            ManifestError::new(&manifest_path, "manifest", e.to_string().trim_end().replace('\n', " "))
        })?;
        let seed = run_seed(&slug, text);
        let mut challenge = Self::from_raw(slug, dir, &manifest_path, raw, known_runtimes, generated_root)?;
        challenge.seed = seed;
        Ok(challenge)
    }

    fn from_raw(
        slug: Slug,
        dir: &Path,
        mf: &Path,
        raw: RawManifest,
        known_runtimes: &BTreeSet<String>,
        generated_root: &Path,
    ) -> Result<Challenge, ManifestError> {
        let err = |field: &str, problem: String| ManifestError::new(mf, field, problem);
        if raw.title.trim().is_empty() {
            return Err(err("title", "must not be empty".into()));
        }
        if !known_runtimes.contains(&raw.runtime) {
            let names: Vec<_> = known_runtimes.iter().cloned().collect();
            return Err(err("runtime", format!("unknown runtime '{}'; known: {}", raw.runtime, names.join(", "))));
        }
        let limits = Limits::new(&raw.limits).map_err(|e| {
            let (field, problem) = e.split_once(": ").unwrap_or(("limits", &e));
            err(field, problem.to_owned())
        })?;
        let (task, metric) = match (raw.kind, raw.task) {
            (Kind::Predict, None) => return Err(err("task", "predict challenges name their task".into())),
            (Kind::Predict, Some(Task::Custom)) => {
                return Err(err("task", "'custom' is only for scored challenges".into()))
            }
            (Kind::Predict, Some(task)) => {
                let metric: Metric = raw.grading.metric.parse().map_err(|e: String| err("grading.metric", e))?;
                check_metric_fits_task(metric, task).map_err(|e| err("grading.metric", e))?;
                (task, Primary::Builtin(metric))
            }
            (Kind::Scored, Some(t)) if t != Task::Custom => {
                return Err(err("task", "a scored challenge's task is 'custom' (or left out)".into()))
            }
            (Kind::Scored, _) => {
                let name = raw.grading.metric.trim();
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                    return Err(err("grading.metric", "a reported metric name is lowercase letters, digits and '_'".into()));
                }
                (Task::Custom, Primary::Reported(name.to_owned()))
            }
        };
        let grading = Grading {
            metric,
            zero: raw.grading.zero,
            full: raw.grading.full,
            max_gap: raw.grading.max_gap,
            min_train: raw.grading.min_train,
            max_optimism: raw.grading.max_optimism,
            max_public_gap: raw.grading.max_public_gap.unwrap_or(raw.grading.max_gap),
            public_fraction: raw.data.public_fraction,
            split_seed: raw.data.split_seed,
            runs: raw.grading.runs,
            max_spread: raw.grading.max_spread,
            costs: raw.grading.costs.clone(),
        };
        check_grading(&grading).map_err(|(f, p)| err(f, p))?;
        check_costs(&grading).map_err(|p| err("grading.costs", p))?;
        if raw.interface.entry != "solution.py" {
            return Err(err("interface.entry", "the predict harness imports 'solution.py'".into()));
        }
        let params = serde_json::to_value(&raw.interface.params)
            .map_err(|e| err("interface.params", e.to_string()))?;

        let file = |field: &str, rel: &str| -> Result<PathBuf, ManifestError> {
            let path = safe_join(dir, rel).map_err(|p| err(field, p))?;
            if !path.is_file() {
                return Err(err(field, format!("file '{rel}' does not exist")));
            }
            Ok(path)
        };
        let read_bytes = |field: &str, path: &Path| std::fs::read(path).map_err(|e| err(field, e.to_string()));
        let generator = match (&raw.data.generator, &raw.data.redraw) {
            (Some(_), Some(_)) => return Err(err("data.redraw", "set either data.generator or data.redraw, not both".into())),
            (Some(rel), None) => {
                let script = read_bytes("data.generator", &file("data.generator", rel)?)?;
                Some(Generator::new(vec![("generate.py".into(), script)], &slug, generated_root))
            }
            (None, Some(redraw)) => Some(Generator::new(
                redraw_inputs(redraw, &raw, read_bytes("data.redraw.source", &file("data.redraw.source", &redraw.source)?)?)
                    .map_err(|(field, problem)| err(field, problem))?,
                &slug,
                generated_root,
            )),
            (None, None) => None,
        };
        let data_file = |field: &str, rel: &str| -> Result<PathBuf, ManifestError> {
            match (rel.strip_prefix("generated/"), &generator) {
                (Some(rest), Some(g)) => safe_join(&g.out, rest).map_err(|p| err(field, p)),
                (Some(_), None) => Err(err(field, format!("'{rel}' is generated, but neither data.generator nor data.redraw is set"))),
                (None, _) => file(field, rel),
            }
        };
        let data = match (raw.kind, &raw.data.train, &raw.data.test) {
            (_, Some(train), Some(test)) => Some((data_file("data.train", train)?, data_file("data.test", test)?)),
            (Kind::Predict, None, _) => return Err(err("data.train", "required for predict challenges".into())),
            (Kind::Predict, _, None) => return Err(err("data.test", "required for predict challenges".into())),
            (Kind::Scored, _, _) => None,
        };
        let label = match (raw.kind, raw.data.label) {
            (_, Some(label)) => label,
            (Kind::Predict, None) => return Err(err("data.label", "required for predict challenges".into())),
            (Kind::Scored, None) => String::new(),
        };
        let scoring = match (raw.kind, &raw.scoring) {
            (Kind::Scored, Some(s)) => Some(Scoring {
                harness: file("scoring.harness", &s.harness)?,
                program: file("scoring.program", &s.program)?,
                inputs: s.inputs.iter().map(|rel| data_file("scoring.inputs", rel)).collect::<Result<_, _>>()?,
                references: s.references.iter().map(|rel| data_file("scoring.references", rel)).collect::<Result<_, _>>()?,
                rounds: match s.rounds {
                    rounds @ 1..=crate::grading::scored::MAX_ROUNDS => rounds,
                    _ => return Err(err("scoring.rounds", format!("must be between 1 and {}", crate::grading::scored::MAX_ROUNDS))),
                },
            }),
            (Kind::Scored, None) => return Err(err("scoring", "scored challenges need a [scoring] section".into())),
            (Kind::Predict, Some(_)) => {
                return Err(err("scoring", "only scored challenges have a [scoring] section".into()))
            }
            (Kind::Predict, None) => None,
        };
        let public_sample = file("data.public_sample", &raw.data.public_sample)?;
        let statement_path = file("statement", "README.md")?;
        let starter_path = file("interface.entry", &raw.interface.entry)?;
        let reference = (file("reference.solution", &raw.reference.solution)?, raw.reference.expected_score);
        let baseline = match &raw.baseline {
            Some(b) => Some((file("baseline.solution", &b.solution)?, b.max_score)),
            None => None,
        };
        let hidden: Vec<&PathBuf> = data
            .iter()
            .flat_map(|(train, test)| [train, test])
            .chain(scoring.iter().flat_map(|s| s.inputs.iter().chain(&s.references)))
            .collect();
        let mut public_files = Vec::new();
        for rel in &raw.interface.public_files {
            let path = file("interface.public_files", rel)?;
            if hidden.contains(&&path) || rel.starts_with("hidden/") || rel.starts_with("reference/") {
                return Err(err("interface.public_files", format!("'{rel}' is hidden or reference material")));
            }
            public_files.push((rel.clone(), path));
        }
        let read = |field: &str, p: &Path| {
            std::fs::read_to_string(p).map_err(|e| err(field, format!("cannot read {}: {e}", p.display())))
        };
        let challenge = Challenge {
            slug,
            version: 0,
            dir: dir.to_owned(),
            title: raw.title,
            summary: raw.summary,
            runtime: raw.runtime,
            kind: raw.kind,
            task,
            hidden_labels_public: raw.hidden_labels_public,
            entry: raw.interface.entry,
            input: raw.interface.input,
            public_files,
            params,
            limits,
            grading,
            statement: read("statement", &statement_path)?,
            starter: read("interface.entry", &starter_path)?,
            data,
            label,
            scoring,
            public_sample,
            reference,
            baseline,
            generator,
            seed: 0,
        };
        Ok(challenge)
    }

    /// Parses the hidden data and checks it fits the manifest; for a scored challenge, checks its
    /// input and reference files exist.
    pub fn check_data(&self) -> Result<(), ManifestError> {
        let problem = |e: String| ManifestError::new(&self.dir.join(MANIFEST), "data", e);
        if let Some(scoring) = &self.scoring {
            if let Some(missing) = scoring.inputs.iter().chain(&scoring.references).find(|p| !p.is_file()) {
                return Err(problem(format!("{} was not produced", missing.file_name().unwrap_or_default().to_string_lossy())));
            }
        }
        if self.data.is_some() {
            self.checked_dataset()?;
        }
        Ok(())
    }

    /// The hidden train and test files, for a prediction challenge.
    pub fn data_files(&self) -> Option<(&Path, &Path)> {
        self.data.as_ref().map(|(train, test)| (train.as_path(), test.as_path()))
    }

    /// Reads the hidden train and test files and checks they fit the manifest.
    pub fn checked_dataset(&self) -> Result<Dataset, ManifestError> {
        let problem = |e: String| ManifestError::new(&self.dir.join(MANIFEST), "data", e);
        let data = self.dataset().map_err(problem)?;
        if let Some(costs) = &self.grading.costs {
            if costs.len() != data.classes.len() {
                return Err(problem(format!(
                    "the cost matrix has {} rows but the training labels hold {} classes ({})",
                    costs.len(),
                    data.classes.len(),
                    data.classes.join(", ")
                )));
            }
        }
        Ok(data)
    }

    /// Reads the hidden train and test files.
    fn dataset(&self) -> Result<Dataset, String> {
        let (train, test) = self.data.as_ref().ok_or("this challenge has no train and test files")?;
        // Side by side: a large table takes most of a second to read.
        let (train, test) = side_by_side(|| Table::read(train), || Table::read(test));
        let (train, test) = (train?, test?);
        Dataset::new(train, test, &self.label, self.task, self.input)
    }
}

/// What the built-in redraw generator gets: itself, the public table and its settings.
fn redraw_inputs(redraw: &RawRedraw, raw: &RawManifest, source: Vec<u8>) -> Result<Vec<(String, Vec<u8>)>, (&'static str, String)> {
    let task = match raw.task {
        Some(task @ (Task::Classification | Task::Regression)) => task,
        _ => return Err(("data.redraw", "redraws a labelled table: the task must be classification or regression".into())),
    };
    let label = raw.data.label.clone().ok_or(("data.label", "data.redraw needs the label column's name".to_owned()))?;
    for (field, rows) in [("data.redraw.train_rows", redraw.train_rows), ("data.redraw.test_rows", redraw.test_rows)] {
        if !(20..=1_000_000).contains(&rows) {
            return Err((field, format!("{rows} is outside the allowed range 20..=1000000")));
        }
    }
    let settings = serde_json::json!({
        "source": "source.csv",
        "label": label,
        "task": task,
        "train_rows": redraw.train_rows,
        "test_rows": redraw.test_rows,
    });
    Ok(vec![
        ("generate.py".into(), crate::sandbox::REDRAW.as_bytes().to_vec()),
        ("source.csv".into(), source),
        ("redraw.json".into(), settings.to_string().into_bytes()),
    ])
}

/// The first seed of a challenge version's runs; Python's hash seed takes at most 32 bits.
fn run_seed(slug: &Slug, manifest: &str) -> u32 {
    let digest = Sha256::new().chain_update(b"mlgrade run seed\0").chain_update(slug.as_str()).chain_update(b"\0").chain_update(manifest).finalize();
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]) >> 1
}

impl Challenge {
    /// The seeds of a submission's graded runs, one per run.
    pub fn run_seeds(&self) -> Vec<u32> {
        (0..self.grading.runs).map(|i| self.seed.wrapping_add(i)).collect()
    }
}

fn check_metric_fits_task(metric: Metric, task: Task) -> Result<(), String> {
    use Metric::*;
    let fits = match task {
        Task::Classification => matches!(
            metric,
            Accuracy | BalancedAccuracy | PrecisionMacro | RecallMacro | F1Macro | RocAuc | LogLoss | ExpectedCost
        ),
        Task::Regression => matches!(metric, Rmse | Mae | R2),
        Task::Clustering => matches!(metric, AdjustedRandIndex),
        Task::Custom => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("metric '{}' does not apply to a {task:?} task", metric.name()))
    }
}

fn check_grading(g: &Grading) -> Result<(), (&'static str, String)> {
    if !g.zero.is_finite() || !g.full.is_finite() || g.zero == g.full {
        return Err(("grading.zero", "zero and full must be finite and different".into()));
    }
    if g.metric.higher_is_better() != (g.full > g.zero) {
        let want = if g.metric.higher_is_better() { "greater" } else { "smaller" };
        return Err(("grading.full", format!("for {} full must be {want} than zero", g.metric.name())));
    }
    if !(g.max_gap.is_finite() && g.max_gap > 0.0) {
        return Err(("grading.max_gap", "must be a positive number".into()));
    }
    for (field, v) in [("grading.min_train", g.min_train), ("grading.max_optimism", g.max_optimism)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err((field, "must be a finite number".into()));
        }
    }
    if !(g.max_public_gap.is_finite() && g.max_public_gap > 0.0) {
        return Err(("grading.max_public_gap", "must be a positive number".into()));
    }
    if !(1..=9).contains(&g.runs) {
        return Err(("grading.runs", "must be between 1 and 9".into()));
    }
    if !(g.max_spread.is_finite() && g.max_spread > 0.0) {
        return Err(("grading.max_spread", "must be a positive number of score points".into()));
    }
    if !(g.public_fraction > 0.0 && g.public_fraction < 1.0) {
        return Err(("data.public_fraction", "must be strictly between 0 and 1".into()));
    }
    Ok(())
}

/// A cost matrix is square, finite and non-negative, with nothing charged for a correct decision (so
/// 0 is a perfect `expected_cost`); `expected_cost` needs one and nothing else reads it.
fn check_costs(g: &Grading) -> Result<(), String> {
    let wants = g.metric == Primary::Builtin(Metric::ExpectedCost);
    let Some(costs) = &g.costs else {
        return if wants { Err("expected_cost needs a cost matrix, e.g. costs = [[0, 1], [10, 0]]".into()) } else { Ok(()) };
    };
    if !wants {
        return Err(format!("a cost matrix is only read by the metric expected_cost, not {}", g.metric.name()));
    }
    let k = costs.len();
    if k < 2 || costs.iter().any(|row| row.len() != k) {
        return Err("must be a square matrix with one row and one column per class (at least two)".into());
    }
    for (t, row) in costs.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            if !c.is_finite() || c < 0.0 {
                return Err(format!("costs[{t}][{p}] is {c}; costs are finite and not negative"));
            }
            if t == p && c != 0.0 {
                return Err(format!("costs[{t}][{t}] is {c}; a correct decision costs 0"));
            }
        }
    }
    Ok(())
}

/// Joins a manifest's relative path onto the challenge folder, refusing absolute paths and `..`.
pub fn safe_join(dir: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if rel.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!("'{rel}' must be a relative path inside the challenge folder, without '..'"));
    }
    Ok(dir.join(p))
}

/// A CSV file: a header and rows of text cells, all rows as wide as the header.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, String> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("{}: row {}: {e}", path.display(), i + 1))?;
            rows.push(record.iter().map(str::to_owned).collect());
        }
        if rows.is_empty() {
            return Err(format!("{}: has no rows", path.display()));
        }
        Ok(Table { columns, rows })
    }

    fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The table without column `idx`, and that column's cells.
    fn split_column(mut self, idx: usize) -> (Table, Vec<String>) {
        self.columns.remove(idx);
        let cells = self.rows.iter_mut().map(|r| r.remove(idx)).collect();
        (self, cells)
    }

    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail, and every row has the header's width.
        w.write_record(&self.columns).expect("in-memory csv");
        for r in &self.rows {
            w.write_record(r).expect("in-memory csv");
        }
        w.into_inner().expect("in-memory csv")
    }
}

/// The hidden data of a challenge, split into what may enter the sandbox and what never does.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Training features and labels, label column renamed to [`SANDBOX_LABEL`].
    pub train: Table,
    /// Canonical training labels, in row order.
    pub train_labels: Vec<String>,
    /// Test features only: the one test file that enters the sandbox.
    pub test_features: Table,
    /// Canonical test labels: never leave the service.
    pub test_labels: Vec<String>,
    /// Sorted class labels (classification only); column order of `predict_proba`.
    pub classes: Vec<String>,
    /// For numpy input, the feature cells as the numbers the sandbox receives, parsed once when the
    /// data is read (which is also what checks that they are numbers).
    pub numeric: Option<NumericFeatures>,
}

/// Feature matrices in row order (`columns` numbers a row), each cell read as Python's `float` reads
/// it: both round correctly.
#[derive(Debug, Clone)]
pub struct NumericFeatures {
    pub columns: usize,
    pub train: Vec<f64>,
    pub test: Vec<f64>,
}

impl NumericFeatures {
    /// Parses both tables side by side (a large one takes most of a second); the first cell that is
    /// not a number, training rows first, is the error.
    fn parse(train: &Table, test: &Table) -> Result<NumericFeatures, String> {
        let (train_values, test_values) = side_by_side(|| numbers("train", train), || numbers("test", test));
        Ok(NumericFeatures { columns: train.columns.len(), train: train_values?, test: test_values? })
    }

    #[cfg(test)]
    pub(crate) fn parse_for_tests(train: &Table, test: &Table) -> NumericFeatures {
        NumericFeatures::parse(train, test).expect("numeric tables")
    }

    /// Row `i` of the test features.
    pub fn test_row(&self, i: usize) -> &[f64] {
        &self.test[i * self.columns..(i + 1) * self.columns]
    }

    /// Column `c` of the training features.
    pub fn train_column(&self, c: usize) -> impl Iterator<Item = f64> + '_ {
        self.train.iter().skip(c).step_by(self.columns.max(1)).copied()
    }
}

/// Runs `first` on a thread of its own beside `second` and gives both results: reading or parsing a
/// large table's two parts at once uses both cores. A panic in either goes on as it was.
pub(crate) fn side_by_side<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let first = scope.spawn(first);
        let second = second();
        (first.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), second)
    })
}

/// Every cell of `table` as a number, row by row.
fn numbers(name: &str, table: &Table) -> Result<Vec<f64>, String> {
    let mut values = Vec::with_capacity(table.rows.len() * table.columns.len());
    for (i, row) in table.rows.iter().enumerate() {
        for cell in row {
            let v = cell.trim().parse::<f64>().map_err(|_| {
                format!("{name} file row {} holds '{cell}', but numpy input needs numbers; use input = \"pandas\"", i + 1)
            })?;
            values.push(v);
        }
    }
    Ok(values)
}

impl Dataset {
    pub(crate) fn new(train: Table, test: Table, label: &str, task: Task, input: Input) -> Result<Dataset, String> {
        let train_idx =
            train.column_index(label).ok_or_else(|| format!("train file has no label column '{label}'"))?;
        let test_idx =
            test.column_index(label).ok_or_else(|| format!("test file has no label column '{label}'"))?;
        let (train_x, train_raw) = train.split_column(train_idx);
        let (test_x, test_raw) = test.split_column(test_idx);
        if train_x.columns != test_x.columns {
            return Err("train and test files have different feature columns".into());
        }
        if train_x.columns.iter().any(|c| c == SANDBOX_LABEL) {
            return Err(format!("a feature column may not be named '{SANDBOX_LABEL}'"));
        }
        let numeric = match input {
            Input::Numpy => Some(NumericFeatures::parse(&train_x, &test_x)?),
            Input::Pandas => None,
        };
        let train_labels: Vec<String> = train_raw.iter().map(|l| canonical_label(l)).collect();
        let test_labels: Vec<String> = test_raw.iter().map(|l| canonical_label(l)).collect();
        let classes = match task {
            Task::Classification => {
                let classes = sorted_classes(&train_labels);
                let known: BTreeSet<&String> = classes.iter().collect();
                if let Some(unseen) = test_labels.iter().find(|l| !known.contains(l)) {
                    return Err(format!("test label '{unseen}' never occurs in the training file"));
                }
                if classes.len() < 2 {
                    return Err("training labels hold fewer than two classes".into());
                }
                classes
            }
            Task::Regression => {
                if let Some(bad) = train_labels.iter().chain(&test_labels).find(|l| parse_finite(l).is_none()) {
                    return Err(format!("regression label '{bad}' is not a finite number"));
                }
                Vec::new()
            }
            Task::Clustering | Task::Custom => Vec::new(),
        };
        if task == Task::Clustering {
            // Cluster ids are the answers: none of them, training rows included, enter the sandbox.
            return Ok(Dataset { train: train_x, train_labels, test_features: test_x, test_labels, classes, numeric });
        }
        let mut train_with_label = train_x;
        train_with_label.columns.push(SANDBOX_LABEL.to_owned());
        for (row, l) in train_with_label.rows.iter_mut().zip(&train_raw) {
            row.push(l.clone());
        }
        Ok(Dataset { train: train_with_label, train_labels, test_features: test_x, test_labels, classes, numeric })
    }
}

/// One spelling per label: `1`, `1.0` and ` 1 ` are the same class; other text is kept as it is.
pub fn canonical_label(raw: &str) -> String {
    let t = raw.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 => format!("{}", v as i64),
        Ok(v) if v.is_finite() => format!("{v}"),
        _ => t.to_owned(),
    }
}

pub fn parse_finite(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Classes in the order numpy's `unique` gives them to the candidate: numeric when every label is a
/// number, otherwise by text.
fn sorted_classes(labels: &[String]) -> Vec<String> {
    let unique: BTreeSet<&String> = labels.iter().collect();
    let mut classes: Vec<String> = unique.into_iter().cloned().collect();
    if classes.iter().all(|c| parse_finite(c).is_some()) {
        classes.sort_by(|a, b| parse_finite(a).partial_cmp(&parse_finite(b)).expect("finite"));
    }
    classes
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
            Task::Clustering => "clustering",
            Task::Custom => "custom",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_have_one_spelling() {
        assert_eq!(canonical_label(" 1 "), "1");
        assert_eq!(canonical_label("1.0"), "1");
        assert_eq!(canonical_label("0.5"), "0.5");
        assert_eq!(canonical_label("benign"), "benign");
        assert_eq!(canonical_label("nan"), "nan");
    }

    #[test]
    fn classes_sort_like_numpy_unique() {
        let labels: Vec<String> = ["10", "2", "1", "2"].iter().map(|s| s.to_string()).collect();
        assert_eq!(sorted_classes(&labels), vec!["1", "2", "10"]);
        let text: Vec<String> = ["b", "a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(sorted_classes(&text), vec!["a", "b"]);
    }

    #[test]
    fn safe_join_refuses_escapes() {
        let dir = Path::new("/c");
        assert!(safe_join(dir, "hidden/train.csv").is_ok());
        for bad in ["/etc/passwd", "../x", "a/../../x", ""] {
            assert!(safe_join(dir, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cost_matrices_are_checked() {
        let g = |metric: Metric, costs: Option<Vec<Vec<f64>>>| Grading {
            metric: Primary::Builtin(metric),
            zero: 1.0,
            full: 0.2,
            max_gap: 0.1,
            min_train: None,
            max_optimism: None,
            max_public_gap: 0.1,
            public_fraction: 0.5,
            split_seed: 1,
            runs: 1,
            max_spread: 10.0,
            costs,
        };
        let good = vec![vec![0.0, 1.0], vec![10.0, 0.0]];
        assert!(check_costs(&g(Metric::ExpectedCost, Some(good.clone()))).is_ok());
        assert!(check_costs(&g(Metric::Accuracy, None)).is_ok());
        let problem = |metric, costs| check_costs(&g(metric, costs)).unwrap_err();
        assert!(problem(Metric::ExpectedCost, None).contains("needs a cost matrix"));
        assert!(problem(Metric::Accuracy, Some(good)).contains("only read by the metric expected_cost"));
        assert!(problem(Metric::ExpectedCost, Some(vec![vec![0.0, 1.0]])).contains("square"));
        assert!(problem(Metric::ExpectedCost, Some(vec![vec![0.0]])).contains("square"));
        assert!(problem(Metric::ExpectedCost, Some(vec![vec![0.0, -1.0], vec![1.0, 0.0]])).contains("not negative"));
        assert!(problem(Metric::ExpectedCost, Some(vec![vec![0.0, f64::NAN], vec![1.0, 0.0]])).contains("finite"));
        assert!(problem(Metric::ExpectedCost, Some(vec![vec![1.0, 1.0], vec![1.0, 0.0]])).contains("costs 0"));
    }

    #[test]
    fn score_is_linear_and_clamped_both_directions() {
        let mut g = Grading {
            metric: Primary::Builtin(Metric::Accuracy),
            zero: 0.5,
            full: 0.9,
            max_gap: 0.1,
            min_train: None,
            max_optimism: None,
            max_public_gap: 0.1,
            public_fraction: 0.5,
            split_seed: 1,
            runs: 1,
            max_spread: 10.0,
            costs: None,
        };
        assert_eq!(g.score(0.7), 50.0);
        assert_eq!(g.score(0.2), 0.0);
        assert_eq!(g.score(1.0), 100.0);
        g.metric = Primary::Builtin(Metric::Rmse);
        g.zero = 10.0;
        g.full = 2.0;
        assert_eq!(g.score(6.0), 50.0);
        assert_eq!(g.score(1.0), 100.0);
    }
}
