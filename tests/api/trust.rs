//! Grades an interviewer can stake a hire on, against the real engine: the same file gets the same
//! numbers, every score carries its interval and resources, time is judged on CPU, and a wrong output
//! says what is wrong.

use serde_json::Value;

use crate::helpers::*;

fn panel(slug: &str, file: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/panel").join(slug).join(file)).unwrap()
}

/// What must not change between two gradings of one file (a check's link names the submission).
fn graded_numbers(s: &Value) -> Value {
    let mut checks = s["checks"].clone();
    for c in checks.as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("link");
    }
    serde_json::json!({
        "score": s["score"], "score_interval": s["score_interval"], "metrics": s["metrics"], "public": s["public"],
        "intervals": s["intervals"], "seed": s["seed"], "runs": s["runs"], "checks": checks,
    })
}

#[tokio::test]
async fn the_same_file_gets_the_same_numbers_with_intervals_and_resources() {
    let app = spawn_app().await;
    // A bagged forest that draws its bootstrap samples from an unseeded default_rng().
    let forest = panel(DECISION_TREE, "honest_bagged_forest.py");
    let first = app.submit(DECISION_TREE, forest.clone()).await;
    let second = app.submit(DECISION_TREE, forest).await;
    let (a, b) = (app.wait_for(&first).await, app.wait_for(&second).await);
    assert_eq!(a["verdict"], "accepted", "{a:#}");
    assert_eq!(graded_numbers(&a), graded_numbers(&b), "two gradings of one file differ");
    let predictions = |id: String| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(&format!("/api/v1/submissions/{id}/predictions"))).bearer_auth(TOKEN).send().await.unwrap();
            r.text().await.unwrap()
        }
    };
    assert_eq!(predictions(first.clone()).await, predictions(second).await);

    let [lo, hi] = [a["score_interval"][0].as_f64().unwrap(), a["score_interval"][1].as_f64().unwrap()];
    let score = a["score"].as_f64().unwrap();
    assert!(lo <= score && score <= hi, "the score {score} sits in its interval [{lo}, {hi}]");
    let acc = a["metrics"]["accuracy"].as_f64().unwrap();
    let [mlo, mhi] = [a["intervals"]["accuracy"][0].as_f64().unwrap(), a["intervals"]["accuracy"][1].as_f64().unwrap()];
    assert!(mlo <= acc && acc <= mhi && mhi - mlo > 0.02, "200 private rows leave a visible interval: [{mlo}, {mhi}]");
    let runs = a["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "a random forest is graded on three seeds: {a:#}");
    assert_ne!(runs[0]["seed"], runs[1]["seed"]);
    let r = &a["resources"];
    assert!(r["cpu_seconds"].as_f64().unwrap() > 0.05, "{r:#}");
    assert!(r["wall_seconds"].as_f64().unwrap() >= r["cpu_seconds"].as_f64().unwrap() * 0.5, "{r:#}");
    assert!((20.0..512.0).contains(&r["peak_memory_mb"].as_f64().unwrap()), "{r:#}");

    // A deterministic tree gives identical predictions on its first two seeds and is not run a third time.
    let tree = app.submit(DECISION_TREE, panel(DECISION_TREE, "honest_entropy_cart.py")).await;
    let t = app.wait_for(&tree).await;
    assert_eq!(t["runs"].as_array().unwrap().len(), 2, "{t:#}");
    let stability = t["checks"].as_array().unwrap().iter().find(|c| c["name"] == "stability").unwrap();
    assert_eq!(stability["value"].as_f64().unwrap(), 0.0);
    assert_eq!(stability["flagged"], false);
    app.stop().await;
}

#[tokio::test]
async fn the_grade_command_gives_the_same_numbers_twice() {
    let dir = tempfile::tempdir().unwrap();
    let challenges = test_catalogue(dir.path());
    let file = repo().join("tests/fixtures/panel").join(DECISION_TREE).join("honest_random_feature_order.py");
    let grade = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrade"))
            .arg("--challenges")
            .arg(&challenges)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--runtimes")
            .arg(repo().join("docker/runtimes"))
            .args(["grade", "--challenge", DECISION_TREE])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let (a, b) = (grade(), grade());
    assert_eq!(a["verdict"], "accepted", "{a:#}");
    assert_eq!(graded_numbers(&a), graded_numbers(&b));
    assert!(a["seed"].as_u64().is_some());
}

#[tokio::test]
async fn time_is_judged_on_cpu_and_waiting_is_named_as_such() {
    let app = spawn_app().await;
    let busy = app.submit(TINY, fixture("infinite_loop.py")).await;
    let asleep = app.submit(TINY, fixture("long_sleep.py")).await;
    let (b, s) = (app.wait_for(&busy).await, app.wait_for(&asleep).await);
    assert_eq!(b["verdict"], "time_limit_exceeded");
    let message = b["message"].as_str().unwrap();
    assert!(message.contains("6 s of CPU time allowed"), "{message}");
    assert!(b["resources"]["cpu_seconds"].as_f64().unwrap() >= 6.0, "{b:#}");
    assert_eq!(s["verdict"], "time_limit_exceeded");
    let message = s["message"].as_str().unwrap();
    assert!(message.contains("waiting rather than computing"), "{message}");
    assert!(s["resources"]["cpu_seconds"].as_f64().unwrap() < 1.0, "{s:#}");
    assert!(s["resources"]["wall_seconds"].as_f64().unwrap() > 30.0, "the wall clock waits three times the CPU limit: {s:#}");
    app.stop().await;
}

#[tokio::test]
async fn wrong_outputs_say_what_is_wrong_and_optional_methods_never_sink_a_result() {
    let app = spawn_app_with(&["logistic-regression-gd"]).await;
    let one_column = app.submit("logistic-regression-gd", fixture("proba_one_column.py")).await;
    let two_columns = app.submit(TINY, fixture("predict_two_columns.py")).await;
    let probabilities = app.submit(TINY, fixture("predict_probabilities.py")).await;
    let broken_proba = app.submit(TINY, fixture("broken_optional_proba.py")).await;

    let s = app.wait_for(&one_column).await;
    assert_eq!(s["verdict"], "wrong_output", "{s:#}");
    let m = s["message"].as_str().unwrap();
    assert!(m.contains("1-D array") && m.contains("one column per class") && m.contains("shape ("), "{m}");

    let s = app.wait_for(&two_columns).await;
    assert_eq!(s["verdict"], "wrong_output", "{s:#}");
    let m = s["message"].as_str().unwrap();
    assert!(m.contains("2-D array of shape (") && m.contains(", 2)") && m.contains("predict_proba"), "{m}");

    let s = app.wait_for(&probabilities).await;
    assert_eq!(s["verdict"], "wrong_output", "{s:#}");
    let m = s["message"].as_str().unwrap();
    assert!(m.contains("look like probabilities"), "{m}");
    assert!(m.contains("labels 0, 1"), "integer labels are shown as integers: {m}");
    assert!(m.contains(" more"), "every bad row is counted, a few are named: {m}");
    assert!(!m.contains("0.0000000"), "numbers are printed for people: {m}");

    let s = app.wait_for(&broken_proba).await;
    assert_eq!(s["verdict"], "accepted", "an unscored predict_proba cannot sink the result: {s:#}");
    let notes = s["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("NotImplementedError")), "{s:#}");
    assert!(s["metrics"].get("roc_auc").is_none(), "no probability metrics from a failed predict_proba");
    app.stop().await;
}
