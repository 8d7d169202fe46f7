//! `mlgrade challenges calibrate`: grades a panel of honest and dishonest solutions on many
//! deployments (one per secret seed) and counts how often each check flags each of them.
//!
//! Thresholds are set from this table: honest solutions must stay unflagged on every seed, and
//! memorisers, underfitters and unstable solutions must be flagged. The panel lives in
//! `tests/fixtures/panel/<slug>/`, one file per solution, named for its side: `honest_*`,
//! `memoriser_*`, `underfit_*`, `unstable_*`; the challenge's own reference and baseline join it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::challenge::Challenge;
use crate::config::Paths;
use crate::grading::Report;
use crate::{cli, startup};

/// One graded panel solution on one deployment.
#[derive(Debug, Clone, Serialize)]
pub struct PanelResult {
    pub challenge: String,
    pub solution: String,
    pub deployment_seed: u64,
    pub verdict: String,
    pub score: Option<f64>,
    /// Every check's value and whether it flagged, by name.
    pub checks: BTreeMap<String, (Option<f64>, bool)>,
}

/// The panel of a challenge: its reference, its baseline and every file in `panel/<slug>/`.
pub fn panel_files(panel: &Path, challenge: &Challenge) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = vec![("reference".to_owned(), challenge.reference.0.clone())];
    if let Some((baseline, _)) = &challenge.baseline {
        files.push(("baseline".to_owned(), baseline.clone()));
    }
    let dir = panel.join(challenge.slug.as_str());
    if dir.is_dir() {
        let mut own: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "py"))
            .map(|p| (p.file_stem().unwrap_or_default().to_string_lossy().into_owned(), p))
            .collect();
        own.sort();
        files.extend(own);
    }
    Ok(files)
}

/// Grades every panel solution of the selected challenges on deployments `1..=seeds`.
pub async fn run(paths: &Paths, slugs: &[String], panel: &Path, seeds: u64) -> anyhow::Result<Vec<PanelResult>> {
    let mut results = Vec::new();
    for seed in 1..=seeds {
        let data = tempfile::tempdir()?;
        std::fs::write(data.path().join("secret-seed"), seed.to_string())?;
        let deployment = Paths { data_dir: data.path().to_owned(), ..paths.clone() };
        let grader = startup::grader(&deployment).await?;
        startup::prepare(&grader, &deployment).await?;
        for challenge in cli::selected(&grader, slugs)? {
            for (name, file) in panel_files(panel, &challenge)? {
                let source = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let outcome = grader.grade(&challenge, &source, cli::cli_labels()).await?;
                let result = panel_result(&challenge, &name, seed, &outcome.graded.report);
                eprintln!("{}", line(&result));
                results.push(result);
            }
        }
    }
    // The runs' containers go in the background; the panel is done once they are gone.
    crate::sandbox::removals_done().await;
    Ok(results)
}

fn panel_result(challenge: &Challenge, name: &str, seed: u64, report: &Report) -> PanelResult {
    PanelResult {
        challenge: challenge.slug.to_string(),
        solution: name.to_owned(),
        deployment_seed: seed,
        verdict: report.verdict.as_str().to_owned(),
        score: report.score,
        checks: report.checks.iter().map(|c| (c.name.clone(), (c.value, c.flagged))).collect(),
    }
}

fn line(r: &PanelResult) -> String {
    let flags: Vec<String> = r
        .checks
        .iter()
        .map(|(name, (value, flagged))| {
            let v = value.map(crate::grading::words::number).unwrap_or_else(|| "-".into());
            format!("{name}={v}{}", if *flagged { "!" } else { "" })
        })
        .collect();
    let score = r.score.map(crate::grading::words::number).unwrap_or_else(|| "-".into());
    format!("seed {} {} {} {} score {score} {}", r.deployment_seed, r.challenge, r.solution, r.verdict, flags.join(" "))
}

/// The summary table: per challenge and solution, the score range and how many deployments each
/// check flagged.
pub fn summary(results: &[PanelResult]) -> String {
    let mut groups: BTreeMap<(&str, &str), Vec<&PanelResult>> = BTreeMap::new();
    for r in results {
        groups.entry((r.challenge.as_str(), r.solution.as_str())).or_default().push(r);
    }
    let mut out = String::new();
    for ((challenge, solution), rs) in groups {
        let scores: Vec<f64> = rs.iter().filter_map(|r| r.score).collect();
        let (lo, hi) = scores.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &s| (a.min(s), b.max(s)));
        let mut flags: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        for r in &rs {
            for (name, (value, flagged)) in &r.checks {
                let entry = flags.entry(name.as_str()).or_insert((0, f64::NEG_INFINITY));
                entry.0 += usize::from(*flagged);
                entry.1 = entry.1.max(value.unwrap_or(f64::NEG_INFINITY));
            }
        }
        let accepted = rs.iter().filter(|r| r.verdict == "accepted").count();
        let range = if scores.is_empty() { "-".to_owned() } else { format!("{lo:.1}-{hi:.1}") };
        let checks: Vec<String> = flags
            .iter()
            .map(|(name, (n, max))| format!("{name} {n}/{} (max {})", rs.len(), crate::grading::words::number(*max)))
            .collect();
        out.push_str(&format!("{challenge}\t{solution}\taccepted {accepted}/{}\tscore {range}\t{}\n", rs.len(), checks.join(", ")));
    }
    out
}
