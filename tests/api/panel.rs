//! The calibration panel as a test, against the real engine: on one deployment, every honest
//! solution (and each challenge's reference) is graded with no check flagged, and every memoriser,
//! underfitter and unstable solution is flagged by the check made for it.

use std::collections::BTreeMap;

use mlgrade::calibrate::{self, PanelResult};

use crate::helpers::*;

const SUPERVISED: [&str; 8] = [
    "decision-tree-from-scratch",
    "gradient-boosting-from-scratch",
    "logistic-regression-gd",
    "hyperparameter-tuning-cv",
    "imbalanced-classification",
    "messy-tabular-data",
    "feature-engineering-pipeline",
    "cost-sensitive-threshold",
];

/// Checks that judge a solution; similarity needs other submissions and is tested on its own.
const JUDGING: [&str; 8] =
    ["train_test_gap", "underfitting", "public_private_gap", "optimism", "stability", "leak", "probe_consistency", "embedded_data"];

/// On the redrawn tumour table, the nearest training row predicts as well as a careful tree (test
/// accuracy within the noise of the reference), so a 1-NN model is no memoriser there.
const GENERALISES_HERE: [(&str, &str); 1] = [("decision-tree-from-scratch", "memoriser_1nn")];

fn flagged(r: &PanelResult) -> Vec<&str> {
    r.checks.iter().filter(|(_, (_, f))| *f).map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn honest_work_passes_and_memorising_underfitting_and_luck_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("challenges");
    std::fs::create_dir_all(&catalogue).unwrap();
    for slug in SUPERVISED.iter().chain(&["kmeans-from-scratch"]) {
        std::os::unix::fs::symlink(repo().join("challenges").join(slug), catalogue.join(slug)).unwrap();
    }
    let paths = paths(catalogue, &dir.path().join("data"));
    let results = calibrate::run(&paths, &[], &repo().join("tests/fixtures/panel"), 1).await.expect("the panel runs");
    let by_name: BTreeMap<(&str, &str), &PanelResult> =
        results.iter().map(|r| ((r.challenge.as_str(), r.solution.as_str()), r)).collect();
    let mut problems = Vec::new();
    for ((challenge, solution), r) in &by_name {
        let flags = flagged(r);
        let judged: Vec<&str> = flags.iter().copied().filter(|f| JUDGING.contains(f)).collect();
        if r.verdict != "accepted" {
            problems.push(format!("{challenge}/{solution}: {}", r.verdict));
            continue;
        }
        let expect_flag = |name: &str, problems: &mut Vec<String>| {
            if !flags.contains(&name) {
                problems.push(format!("{challenge}/{solution}: {name} did not flag ({:?})", r.checks));
            }
        };
        match solution.split('_').next().unwrap_or_default() {
            "reference" | "honest" if !judged.is_empty() => problems.push(format!("{challenge}/{solution}: honest work flagged {judged:?}")),
            "memoriser" if GENERALISES_HERE.contains(&(challenge, solution)) => {}
            // A target leak (a column recorded after the outcome, an encoding that saw each row's own
            // label) shows as a training score far above the test score, as memorising does.
            "leaky" => expect_flag("train_test_gap", &mut problems),
            "memoriser" => {
                expect_flag("train_test_gap", &mut problems);
                if *challenge == "hyperparameter-tuning-cv" {
                    expect_flag("optimism", &mut problems);
                }
            }
            "underfit" => {
                expect_flag("underfitting", &mut problems);
                if flags.contains(&"train_test_gap") {
                    problems.push(format!("{challenge}/{solution}: an underfitter was called memorising"));
                }
            }
            "unstable" => expect_flag("stability", &mut problems),
            _ => {}
        }
    }
    for slug in SUPERVISED {
        let count = |prefix: &str| by_name.keys().filter(|(c, s)| *c == slug && s.starts_with(prefix)).count();
        // The tree's third memoriser (a fully grown tree) is an honest answer on its nearly separable rows.
        let memorisers = if slug == "decision-tree-from-scratch" { 2 } else { 3 };
        assert!(count("honest_") >= 3 && count("memoriser_") + count("leaky_") >= memorisers && count("underfit_") >= 1, "{slug}: the panel is complete");
    }
    assert!(by_name.contains_key(&("kmeans-from-scratch", "unstable_random_start")));
    assert!(problems.is_empty(), "{} panel expectations failed:\n{}", problems.len(), problems.join("\n"));
}
