//! The commands that run without a server: `grade`, `runtimes build`, `challenges check`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};

use crate::api::submissions::{ResultView, SubmissionView};
use crate::catalogue::{Catalogue, Loader};
use crate::challenge::{Challenge, MANIFEST};
use crate::config::Paths;
use crate::integrity::similar;
use crate::domain::{Slug, SubmissionId};
use crate::generate;
use crate::pipeline::{Grader, Outcome};
use crate::runtime::{self, Runtimes};
use crate::sandbox::{ContainerKey, Sandbox};
use crate::startup;
use crate::storage::Status;

/// Grades `file` once and returns what the API would show for it.
pub async fn grade_file(grader: &Grader, challenge: &Challenge, file: &Path) -> anyhow::Result<SubmissionView> {
    let source = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let outcome = grade_source(grader, challenge, &source).await?;
    Ok(SubmissionView {
        id: SubmissionId::new().to_string(),
        challenge: challenge.slug.to_string(),
        challenge_version: challenge.version,
        status: Status::Completed,
        result: Some(ResultView {
            report: outcome.graded.report,
            log: outcome.log,
            duration_ms: outcome.duration.as_millis() as i64,
        }),
        history: Vec::new(),
    })
}

/// Grades without a database: similarity is measured against the challenge's reference only.
async fn grade_source(grader: &Grader, challenge: &Challenge, source: &[u8]) -> anyhow::Result<Outcome> {
    let mut outcome = grader.grade(challenge, source, cli_labels()).await?;
    if outcome.graded.report.verdict == crate::grading::Verdict::Accepted {
        let reference = similar::reference_prints(challenge).map(|prints| similar::Candidate {
            what: "the challenge's reference solution".into(),
            link: None,
            prints,
        });
        let best = similar::closest(&similar::prints_of(challenge, source), reference);
        outcome.graded.report.checks.push(crate::integrity::checks::similarity(best));
    }
    Ok(outcome)
}

/// Labels of runs this process starts outside the queue: the sweeper leaves them alone while the
/// process lives.
pub fn cli_labels() -> HashMap<String, String> {
    crate::worker::process_labels()
}

pub async fn grade(paths: &Paths, slug: &str, file: &Path) -> anyhow::Result<()> {
    let (grader, challenge) = grader_for(paths, slug).await?;
    let graded = grade_file(&grader, &challenge, file).await;
    grader.sandbox.discard_ahead().await;
    println!("{}", serde_json::to_string_pretty(&graded?)?);
    Ok(())
}

/// How many of a grade's seeded runs go side by side first (see [`Grader::runs_at_once`]).
const FIRST_RUNS: usize = 2;

/// A grader that knows only the challenge `slug`: a one-shot grade reads no other challenge folder,
/// checks no other runtime image and runs no other data generator, so it costs what that challenge
/// costs and a broken neighbour cannot stop it.
pub async fn grader_for(paths: &Paths, slug: &str) -> anyhow::Result<(Grader, Arc<Challenge>)> {
    let unknown = || format!("no challenge named '{slug}' in {}", paths.challenges.display());
    let name: Slug = slug.parse().map_err(|_| anyhow::anyhow!(unknown()))?;
    let dir = paths.challenges.join(name.as_str());
    if !dir.join(MANIFEST).is_file() {
        bail!(unknown());
    }
    let runtimes = Runtimes::load(&paths.runtimes)?;
    let loader = Loader { runtimes: runtimes.names(), generated_root: generate::generated_root(&paths.data_dir) };
    // The grade reads and checks the hidden data at once; loading the manifest alone parses it once.
    let challenge = Challenge::load_manifest(&dir, &loader.runtimes, &loader.generated_root)?;
    // The engine removes this command's containers when they stop: it exits with its result.
    let sandbox = Sandbox::connect().await?.removed_by_engine();
    sandbox.ping().await.context("the Docker engine does not answer")?;
    let runtime = runtimes.get(&challenge.runtime).with_context(|| format!("runtime '{}' has no recipe", challenge.runtime))?;
    runtime::ensure(&sandbox, runtime).await?;
    // The first runs' containers start now and come up while the data is generated, read and checked.
    for &seed in challenge.run_seeds().iter().take(FIRST_RUNS) {
        sandbox.launch_ahead(ContainerKey::new(runtime.image.clone(), &challenge.limits, seed), cli_labels());
    }
    let catalogue = Catalogue::of(vec![challenge], loader);
    let mut grader = Grader::new(sandbox, runtimes, catalogue, Some(paths.data_dir.join("references")));
    // One grade has the machine to itself: its first two seeded runs go side by side.
    grader.runs_at_once = FIRST_RUNS;
    let challenge = grader.catalogue.get(slug).with_context(unknown)?;
    generate::ensure(&grader, &challenge, generate::Deployment::Folder(&paths.data_dir)).await?;
    Ok((grader, challenge))
}

pub async fn build_runtimes(paths: &Paths, names: &[String], force: bool) -> anyhow::Result<()> {
    let runtimes = Runtimes::load(&paths.runtimes)?;
    let sandbox = Sandbox::connect().await?;
    let wanted: Vec<_> = if names.is_empty() {
        runtimes.iter().collect()
    } else {
        names
            .iter()
            .map(|n| runtimes.get(n).with_context(|| format!("no runtime recipe named '{n}'")))
            .collect::<anyhow::Result<_>>()?
    };
    for rt in wanted {
        if force {
            runtime::build(&sandbox, rt).await?;
        } else {
            runtime::ensure(&sandbox, rt).await?;
        }
        println!("{}\t{}", rt.name, rt.image);
    }
    Ok(())
}

/// Runs every selected challenge's reference (must reach its expected score) and baseline (must stay at
/// or below its ceiling). Prints one line per run and fails if any is on the wrong side.
pub async fn check_challenges(paths: &Paths, slugs: &[String]) -> anyhow::Result<()> {
    let grader = startup::grader(paths).await?;
    startup::prepare(&grader, paths).await?;
    let mut failed = Vec::new();
    for c in selected(&grader, slugs)? {
        let check = grader.check_reference(&c, cli_labels()).await?;
        report_line(&c, "reference", check.reference_score, &format!(">= {}", check.expected_score));
        if let Some(ceiling) = check.baseline_max_score {
            report_line(&c, "baseline", check.baseline_score, &format!("<= {ceiling}"));
        }
        for failure in &check.failures {
            eprintln!("{}: {failure}", c.slug);
        }
        if !check.failures.is_empty() {
            failed.push(c.slug.to_string());
        }
    }
    if !failed.is_empty() {
        bail!("challenge check failed: {}", failed.join(", "));
    }
    Ok(())
}

fn report_line(c: &Challenge, what: &str, score: Option<f64>, bound: &str) {
    let shown = score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "no score".into());
    println!("{}\t{what}\tscore {shown}\t(needs {bound})", c.slug);
}

/// The named challenges of the catalogue, or all of them when none is named.
pub fn selected(grader: &Grader, slugs: &[String]) -> anyhow::Result<Vec<std::sync::Arc<Challenge>>> {
    if slugs.is_empty() {
        return Ok(grader.catalogue.all());
    }
    slugs
        .iter()
        .map(|s| grader.catalogue.get(s).with_context(|| format!("no challenge named '{s}'")))
        .collect()
}

/// Prints the calibration table (and writes every result as JSON when asked).
pub async fn calibrate(paths: &Paths, slugs: &[String], panel: &Path, seeds: u64, json: Option<&Path>) -> anyhow::Result<()> {
    let results = crate::calibrate::run(paths, slugs, panel, seeds).await?;
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_vec_pretty(&results)?).with_context(|| format!("writing {}", path.display()))?;
    }
    print!("{}", crate::calibrate::summary(&results));
    Ok(())
}
