//! Timed attempts: a time box that starts when the candidate first opens a challenge, shown on the
//! pages, closing submissions and practice when it ends, and visible to interviewers.

use serde_json::{json, Value};

use crate::helpers::*;

/// Moves an invitation's start back by `seconds`, as if the candidate had opened it that long ago.
pub(crate) async fn started_ago(app: &TestApp, invitation: &str, seconds: i64) {
    let db = app.db().await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    sqlx::query("UPDATE invitations SET started_at = $1 WHERE id = $2").bind(now - seconds * 1000).bind(invitation).execute(&db).await.unwrap();
    db.close().await;
}

async fn page(app: &TestApp, session: &Session, path: &str) -> (u16, String) {
    let resp = raw_client().get(app.url(path)).header("cookie", session.header()).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn invitation_json(app: &TestApp, id: &str) -> Value {
    app.client.get(app.url(&format!("/api/v1/invitations/{id}"))).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_clock_starts_at_the_first_challenge_and_closes_submissions_when_it_ends() {
    let app = spawn_app().await;
    let inv = app
        .invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "time_limit_minutes": 30, "cooldown_seconds": 0 }))
        .await;
    let session = app.open_invitation(&inv).await;

    // The landing page announces the box; opening the invitation does not start it.
    let (_, home) = page(&app, &session, "/").await;
    assert!(home.contains(r#"id="time-box">You have <strong>30 minutes</strong>"#), "{home}");
    assert!(invitation_json(&app, &inv.id).await["started_at"].is_null());

    // Opening the challenge starts it; the pages show the time left.
    let (status, challenge) = page(&app, &session, &format!("/challenges/{TINY}")).await;
    assert_eq!(status, 200);
    let left = text_of(&challenge, "time-left").expect("the time left is shown");
    assert!(left == "30 min" || left == "29 min", "{left}");
    let row = invitation_json(&app, &inv.id).await;
    assert!(row["started_at"].as_i64().is_some(), "{row}");
    assert_eq!(row["time_limit_minutes"], 30);

    let resp = app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 202, "inside the box");
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    app.wait_for(&id).await;
    let (_, submission) = page(&app, &session, &format!("/submissions/{id}")).await;
    assert!(submission.contains(r#"id="time-left""#), "the submission page shows the time left too");

    // Thirty-one minutes later the box is closed: submissions and practice are refused with the
    // reason, the page says so, and the results stay readable.
    started_ago(&app, &inv.id, 31 * 60).await;
    let resp = app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("30 minutes are over"), "{body}");
    assert_eq!(app.post_practice(&inv.token, TINY, &fixture("trivial.py")).await.status(), 403);
    let (status, challenge) = page(&app, &session, &format!("/challenges/{TINY}")).await;
    assert_eq!(status, 200);
    assert!(text_of(&challenge, "time-box").unwrap().contains("are over"));
    assert!(!challenge.contains("submit-button"), "no form once the time is up");
    let (status, _) = page(&app, &session, &format!("/submissions/{id}")).await;
    assert_eq!(status, 200, "results stay readable");

    // Interviewers see when the candidate started and how long it took.
    let row = invitation_json(&app, &inv.id).await;
    assert!(row["started_at"].as_i64().is_some() && row["last_activity_at"].as_i64().is_some(), "{row}");
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let (_, list) = page(&app, &ivy, "/invitations").await;
    assert!(list.contains("started ") && list.contains("of 30 min"), "{list}");
    app.stop().await;
}

#[tokio::test]
async fn a_submission_through_the_api_starts_the_clock_and_limits_are_checked() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Bob", "email": "bob@example.com", "challenges": [TINY], "time_limit_minutes": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("time_limit_minutes"));

    let inv = app.invite(json!({ "name": "Bob", "email": "bob@example.com", "challenges": [TINY], "time_limit_minutes": 90 })).await;
    assert_eq!(app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await.status(), 202);
    assert!(invitation_json(&app, &inv.id).await["started_at"].as_i64().is_some(), "submitting without opening a page starts the clock");
    app.stop().await;
}
