//! Practice runs: graded on the public sample only, through the same queue and sandbox, outside the
//! submission limit and the cooldown, with their own hourly limit.

use serde_json::{json, Value};

use crate::helpers::*;

fn tiny(path: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join(path)).unwrap()
}

/// A Model that prints how many rows it trains on and predicts for, then predicts the first class.
const COUNTING: &str = r#"
import numpy as np

class Model:
    def __init__(self, **params):
        pass

    def fit(self, X, y):
        print("fit rows", len(X))
        self.c = np.unique(y)[0]
        return self

    def predict(self, X):
        print("predict rows", len(X))
        return [self.c] * len(X)
"#;

#[tokio::test]
async fn practice_runs_grade_on_the_sample_and_cost_no_submission() {
    let app = spawn_app().await;
    let inv = app
        .invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "submission_limit": 1, "cooldown_seconds": 600 }))
        .await;

    // The reference passes on the sample: a verdict, a score and metrics on the held-out rows.
    let resp = app.post_practice(&inv.token, TINY, &tiny("reference/solution.py")).await;
    assert_eq!(resp.status(), 202);
    let accepted: Value = resp.json().await.unwrap();
    assert_eq!(accepted["status"], "queued");
    let id = accepted["id"].as_str().unwrap().to_owned();
    let run = app.wait_practice(&inv.token, &id).await;
    assert_eq!(run["verdict"], "accepted", "{run}");
    assert_eq!(run["practice"], true);
    assert!(run["score"].as_f64().is_some(), "{run}");
    assert!(run["metrics"]["accuracy"].as_f64().is_some(), "{run}");
    assert!(run["rows"].as_str().unwrap().contains("hidden rows are never used"));

    // The sample's 20 rows: 15 to train on, 5 scored. The hidden tables (300 and 120 rows) never
    // enter a practice run.
    let id = app.post_practice(&inv.token, TINY, COUNTING).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let run = app.wait_practice(&inv.token, &id).await;
    let log = run["log"].as_str().unwrap();
    assert!(log.contains("fit rows 15"), "{log}");
    assert!(log.contains("predict rows 5"), "{log}");

    // A syntax error in practice costs nothing, and there is no cooldown between practice runs.
    let id = app.post_practice(&inv.token, TINY, "class Model(:\n").await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_practice(&inv.token, &id).await["verdict"], "runtime_error");

    // The one real submission is still there, and the listings hold only it.
    let resp = app.submit_as(&inv.token, TINY, &tiny("reference/solution.py")).await;
    assert_eq!(resp.status(), 202, "the submission limit and the cooldown were untouched by practice");
    let submission = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let listed: Value = app.client.get(app.url("/api/v1/submissions")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![submission.as_str()], "practice runs are kept apart from submissions");

    // Interviewers see how many practice runs the candidate made.
    let invitation: Value = app.client.get(app.url(&format!("/api/v1/invitations/{}", inv.id))).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    assert_eq!(invitation["practice_runs"], 3, "{invitation}");

    // A practice run is not a submission, and a submission is not a practice run.
    let resp = app.client.get(app.url(&format!("/api/v1/submissions/{id}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app.client.get(app.url(&format!("/api/v1/practice/{submission}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn practice_runs_are_private_limited_per_hour_and_only_where_there_is_a_sample() {
    let app = spawn_app_configured(|c| c.access.practice_runs_per_hour = 2).await;
    let ada = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY, "tiny-scored"] })).await;
    let bob = app.invite(json!({ "name": "Bob", "email": "bob@example.com", "challenges": [TINY] })).await;

    let first = app.post_practice(&ada.token, TINY, COUNTING).await;
    assert_eq!(first.status(), 202);
    let first = first.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_practice(&ada.token, TINY, COUNTING).await.status(), 202);
    let third = app.post_practice(&ada.token, TINY, COUNTING).await;
    assert_eq!(third.status(), 429, "the hourly practice limit holds");
    assert!(third.headers().get("retry-after").is_some());
    let body: Value = third.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("practice runs"), "{body}");

    // Another candidate has a limit of its own and cannot read Ada's run.
    assert_eq!(app.post_practice(&bob.token, TINY, COUNTING).await.status(), 202);
    let resp = app.client.get(app.url(&format!("/api/v1/practice/{first}"))).bearer_auth(&bob.token).send().await.unwrap();
    assert_eq!(resp.status(), 404);

    // Not invited: the same 404 as a challenge that does not exist. A challenge graded by its own
    // scoring program has no sample rows: 409 with the reason.
    assert_eq!(app.post_practice(&bob.token, "tiny-scored", COUNTING).await.status(), 404);
    let resp = app.post_practice(&bob.token, "no-such-challenge", COUNTING).await;
    assert_eq!(resp.status(), 404);
    let resp = app.post_practice(&ada.token, "tiny-scored", COUNTING).await;
    assert_eq!(resp.status(), 409);

    // Empty and binary files are refused like submissions.
    assert_eq!(app.post_practice(&bob.token, TINY, "").await.status(), 400);
    app.stop().await;
}
