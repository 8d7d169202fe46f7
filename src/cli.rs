//! The commands that run without a server: `grade`, `runtimes build`, `challenges check`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};

use crate::api::submissions::{ResultView, SubmissionView};
use crate::challenge::Challenge;
use crate::config::Paths;
use crate::domain::SubmissionId;
use crate::grading::Verdict;
use crate::pipeline::{Grader, Outcome};
use crate::runtime::{self, Runtimes};
use crate::sandbox::Sandbox;
use crate::startup;
use crate::store::Status;
use crate::worker::CLI_PID_LABEL;

/// Grades `file` once and returns what the API would show for it.
pub async fn grade_file(grader: &Grader, challenge: &Challenge, file: &Path) -> anyhow::Result<SubmissionView> {
    let source = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let outcome = grade_source(grader, challenge, &source).await?;
    Ok(SubmissionView {
        id: SubmissionId::new().to_string(),
        challenge: challenge.slug.to_string(),
        status: Status::Completed,
        result: Some(ResultView {
            report: outcome.graded.report,
            log: outcome.log,
            duration_ms: outcome.duration.as_millis() as i64,
        }),
    })
}

async fn grade_source(grader: &Grader, challenge: &Challenge, source: &[u8]) -> anyhow::Result<Outcome> {
    let labels = HashMap::from([(CLI_PID_LABEL.to_owned(), std::process::id().to_string())]);
    grader.grade(challenge, source, labels).await
}

pub async fn grade(paths: &Paths, slug: &str, file: &Path) -> anyhow::Result<()> {
    let grader = startup::grader(paths).await?;
    let challenge = grader.catalogue.get(slug).with_context(|| format!("no challenge named '{slug}'"))?;
    startup::prepare(&grader, paths).await?;
    let view = grade_file(&grader, challenge, file).await?;
    println!("{}", serde_json::to_string_pretty(&view)?);
    Ok(())
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
    let selected: Vec<&Challenge> = if slugs.is_empty() {
        grader.catalogue.iter().collect()
    } else {
        slugs
            .iter()
            .map(|s| grader.catalogue.get(s).with_context(|| format!("no challenge named '{s}'")))
            .collect::<anyhow::Result<_>>()?
    };
    let mut failures = Vec::new();
    for c in selected {
        let (reference, expected) = &c.reference;
        let score = run_check(&grader, c, reference).await?;
        let ok = score.is_some_and(|s| s >= *expected);
        report_line(c, "reference", score, &format!(">= {expected}"), ok);
        if !ok {
            failures.push(format!("{}: reference", c.slug));
        }
        if let Some((baseline, ceiling)) = &c.baseline {
            let score = run_check(&grader, c, baseline).await?;
            let ok = score.is_some_and(|s| s <= *ceiling);
            report_line(c, "baseline", score, &format!("<= {ceiling}"), ok);
            if !ok {
                failures.push(format!("{}: baseline", c.slug));
            }
        }
    }
    if !failures.is_empty() {
        bail!("challenge check failed: {}", failures.join(", "));
    }
    Ok(())
}

async fn run_check(grader: &Grader, c: &Challenge, solution: &Path) -> anyhow::Result<Option<f64>> {
    let source = std::fs::read(solution).with_context(|| format!("reading {}", solution.display()))?;
    let outcome = grade_source(grader, c, &source).await?;
    let report = outcome.graded.report;
    if report.verdict != Verdict::Accepted {
        eprintln!(
            "{}: {} ended {}: {}\n{}",
            c.slug,
            solution.display(),
            report.verdict.as_str(),
            report.message.unwrap_or_default(),
            outcome.log
        );
    }
    Ok(report.score)
}

fn report_line(c: &Challenge, what: &str, score: Option<f64>, bound: &str, ok: bool) {
    let shown = score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "no score".into());
    println!("{}\t{what}\tscore {shown}\t(needs {bound})\t{}", c.slug, if ok { "ok" } else { "FAILED" });
}
