//! The graded path: good, naive and memorising solutions land in the right order, and only the
//! memoriser is flagged for overfitting.

use crate::helpers::*;

fn challenge_file(rel: &str) -> String {
    std::fs::read_to_string(repo().join("challenges").join(DECISION_TREE).join(rel)).unwrap()
}

#[tokio::test]
async fn reference_beats_baseline_beats_memoriser_and_only_the_memoriser_is_flagged() {
    let app = spawn_app().await;
    let reference = app.submit(DECISION_TREE, challenge_file("reference/solution.py")).await;
    let baseline = app.submit(DECISION_TREE, challenge_file("baseline/solution.py")).await;
    let memoriser = app.submit(DECISION_TREE, fixture("memoriser.py")).await;

    let r = app.wait_for(&reference).await;
    let b = app.wait_for(&baseline).await;
    let m = app.wait_for(&memoriser).await;
    for (name, s) in [("reference", &r), ("baseline", &b), ("memoriser", &m)] {
        assert_eq!(s["verdict"], "accepted", "{name}: {s:#}");
        assert_eq!(s["challenge"], DECISION_TREE);
        for part in ["metrics", "public"] {
            for metric in ["accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro"] {
                assert!(s[part][metric].is_f64(), "{name}: {part}.{metric} missing: {s:#}");
            }
        }
        assert!(s["duration_ms"].as_i64().unwrap() > 0);
        assert!(s["log"].is_string());
    }
    let score = |s: &serde_json::Value| s["score"].as_f64().unwrap();
    assert!(score(&r) > score(&b), "reference {} vs baseline {}", score(&r), score(&b));
    assert!(score(&b) > score(&m), "baseline {} vs memoriser {}", score(&b), score(&m));

    let flagged = |s: &serde_json::Value| s["overfitting"]["flagged"].as_bool().unwrap();
    assert!(!flagged(&r), "reference flagged: {:#}", r["overfitting"]);
    assert!(!flagged(&b), "baseline flagged: {:#}", b["overfitting"]);
    assert!(flagged(&m), "memoriser not flagged: {:#}", m["overfitting"]);
    let o = &m["overfitting"];
    assert_eq!(o["train_metric"].as_f64().unwrap(), 1.0);
    let gap = o["train_metric"].as_f64().unwrap() - o["test_metric"].as_f64().unwrap();
    assert!((o["gap"].as_f64().unwrap() - gap).abs() < 1e-12);
    // The score comes from the private part of the hidden test rows; the gap from all of them, which
    // here are two halves of equal size.
    let all = (m["metrics"]["accuracy"].as_f64().unwrap() + m["public"]["accuracy"].as_f64().unwrap()) / 2.0;
    assert!((o["test_metric"].as_f64().unwrap() - all).abs() < 1e-12, "{o:#}");
    assert_eq!(r["score"].as_f64().unwrap(), expected_score(r["metrics"]["accuracy"].as_f64().unwrap()));
    let check = |s: &serde_json::Value, name: &str| {
        s["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap_or_else(|| panic!("no {name} check: {s:#}"))
    };
    assert_eq!(check(&m, "train_test_gap")["flagged"], true);
    assert!(check(&m, "train_test_gap")["explanation"].as_str().unwrap().contains("memorised"));
    let public_gap = check(&r, "public_private_gap");
    let expected = r["public"]["accuracy"].as_f64().unwrap() - r["metrics"]["accuracy"].as_f64().unwrap();
    assert!((public_gap["value"].as_f64().unwrap() - expected).abs() < 1e-12, "{public_gap:#}");
    assert_eq!(public_gap["threshold"].as_f64().unwrap(), 0.1);
    // The reference exposes probabilities, so the probability metrics are reported too.
    assert!(r["metrics"]["roc_auc"].as_f64().unwrap() > 0.9, "{:#}", r["metrics"]);

    let csv = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{reference}/predictions")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let test_rows = 400; // the manifest's data.redraw.test_rows
    assert_eq!(text.lines().count(), test_rows + 1, "one line per hidden test row plus the header");
    assert!(text.starts_with("row,part,prediction"));
    assert!(text.contains(",public,") && text.contains(",private,"));
    app.stop().await;
}

/// The manifest's scale for this challenge: accuracy 0.5 scores 0, 0.95 scores 100.
fn expected_score(accuracy: f64) -> f64 {
    let t = ((accuracy - 0.5) / (0.95 - 0.5)).clamp(0.0, 1.0);
    (t * 10000.0).round() / 100.0
}
