//! The calibration panel as a test, against the real engine: on one deployment, every honest
//! solution (and each challenge's reference) is graded with no check flagged, and every memoriser,
//! underfitter and unstable solution is flagged by the check made for it.

use std::collections::BTreeMap;

use mlgrade::calibrate::{self, PanelResult};

use crate::helpers::*;

/// The PyTorch challenges' panels train a network per solution and run through `mlgrade challenges
/// calibrate` instead; `challenges check` grades their references and baselines in CI.
const SUPERVISED: [&str; 9] = [
    "decision-tree-from-scratch",
    "gradient-boosting-from-scratch",
    "logistic-regression-gd",
    "hyperparameter-tuning-cv",
    "imbalanced-classification",
    "messy-tabular-data",
    "neural-network-from-scratch",
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

/// Scored challenges have no overfitting checks to calibrate: their panel says which solutions a
/// hiring manager must be able to tell apart by score. Honest variants (another algorithm done
/// right) beat the naive baseline's ceiling; naive variants (a classic slip) fall short of the
/// reference. One honest and one naive entry per challenge keep this affordable. `bandit-policy` is
/// left to `mlgrade challenges calibrate`: it plays six rounds, twelve sandbox runs per solution, and
/// `challenges check` already plays its reference and baseline through every round in CI.
const SCORED: [(&str, &str, &str); 2] = [
    ("pca-from-scratch", "honest_power_iteration", "naive_uncentred_svd"),
    ("drift-detection", "honest_window_two_sample", "naive_every_batch"),
];

#[tokio::test]
async fn scored_challenges_rank_honest_work_above_naive_slips() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("challenges");
    let panel = dir.path().join("panel");
    for (slug, honest, naive) in SCORED {
        std::fs::create_dir_all(catalogue.as_path()).unwrap();
        std::os::unix::fs::symlink(repo().join("challenges").join(slug), catalogue.join(slug)).unwrap();
        std::fs::create_dir_all(panel.join(slug)).unwrap();
        for name in [honest, naive] {
            let file = format!("{name}.py");
            std::os::unix::fs::symlink(repo().join("tests/fixtures/panel").join(slug).join(&file), panel.join(slug).join(&file)).unwrap();
        }
    }
    let paths = paths(catalogue, &dir.path().join("data"));
    let results = calibrate::run(&paths, &[], &panel, 1).await.expect("the panel runs");
    let grader = mlgrade::startup::grader(&paths).await.unwrap();
    let mut problems = Vec::new();
    for (slug, honest, naive) in SCORED {
        let challenge = grader.catalogue.get(slug).expect("the challenge is loaded");
        let ceiling = challenge.baseline.as_ref().map(|(_, ceiling)| *ceiling).expect("a baseline");
        let expected = challenge.reference.1;
        let of = |solution: &str| results.iter().find(|r| r.challenge == slug && r.solution == solution).expect("graded");
        for r in [of("reference"), of("baseline"), of(honest), of(naive)] {
            if r.verdict != "accepted" {
                problems.push(format!("{slug}/{}: {}", r.solution, r.verdict));
            }
            if !flagged(r).is_empty() {
                problems.push(format!("{slug}/{}: flagged {:?}", r.solution, flagged(r)));
            }
        }
        let score = |solution: &str| of(solution).score.unwrap_or(f64::NAN);
        let (reference, baseline, honest_score, naive_score) = (score("reference"), score("baseline"), score(honest), score(naive));
        if !(reference >= expected) {
            problems.push(format!("{slug}: the reference scored {reference}, expected at least {expected}"));
        }
        if !(baseline <= ceiling) {
            problems.push(format!("{slug}: the baseline scored {baseline}, above its ceiling {ceiling}"));
        }
        if !(honest_score > ceiling) {
            problems.push(format!("{slug}/{honest}: {honest_score} is not above the baseline's ceiling {ceiling}"));
        }
        if !(naive_score < reference) {
            problems.push(format!("{slug}/{naive}: {naive_score} is not below the reference's {reference}"));
        }
    }
    assert!(problems.is_empty(), "{} panel expectations failed:\n{}", problems.len(), problems.join("\n"));
}
