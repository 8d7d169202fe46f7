//! Greenhouse's Assessment Partner API, with this test playing Greenhouse: it lists tests, sends one
//! (the candidate gets it by e-mail through a real SMTP sink), receives the completion PATCH on a local
//! listener and asks for the status; the profile link opens for an interviewer and not a candidate.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail::sink;
use crate::webhooks::receiver;

const BASE: &str = "/integrations/greenhouse";

/// An admin's API key, made the way an operator would: an admin account, a token from its page.
async fn admin_key(app: &TestApp) -> String {
    app.create_user("ops", "admin").await;
    let session = app.sign_in("ops").await;
    app.api_token(&session).await
}

#[tokio::test]
async fn greenhouse_must_present_an_admin_key_and_sees_the_challenges() {
    let app = spawn_app().await;
    let key = admin_key(&app).await;
    let url = app.url(&format!("{BASE}/list_tests"));

    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(none.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    let wrong = app.client.get(&url).basic_auth("mlgt_not-a-key", Some("")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let bearer = app.client.get(&url).bearer_auth(&key).send().await.unwrap();
    assert_eq!(bearer.status(), 401, "Greenhouse's scheme is Basic");
    app.create_user("iris", "interviewer").await;
    let iris = app.sign_in("iris").await;
    let iris_key = app.api_token(&iris).await;
    assert_eq!(app.client.get(&url).basic_auth(&iris_key, Some("")).send().await.unwrap().status(), 403);
    for path in ["send_test", "response_error"] {
        let resp = app.client.post(app.url(&format!("{BASE}/{path}"))).basic_auth("wrong", Some("")).json(&json!({})).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{path}");
    }
    let status = app.client.get(app.url(&format!("{BASE}/test_status?partner_interview_id=x"))).basic_auth("wrong", None::<&str>).send().await.unwrap();
    assert_eq!(status.status(), 401);

    let ok = app.client.get(&url).basic_auth(&key, Some("")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let tests: Value = ok.json().await.unwrap();
    let tests = tests.as_array().expect("a list of tests");
    let tiny = tests.iter().find(|t| t["partner_test_id"] == TINY).expect("the tiny challenge is a test");
    let title = tiny["partner_test_name"].as_str().unwrap();
    assert!(!title.is_empty() && title != TINY, "named by its title: {title}");
    assert!(tests.iter().any(|t| t["partner_test_id"] == DECISION_TREE));

    // Bad requests are refused with the reason, and nothing is created.
    let unknown = app
        .client
        .post(app.url(&format!("{BASE}/send_test")))
        .basic_auth(&key, Some(""))
        .json(&json!({ "partner_test_id": "no-such-test", "candidate": { "email": "a@example.com" }, "url": "http://127.0.0.1:9/cb" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let private_callback = app
        .client
        .post(app.url(&format!("{BASE}/send_test")))
        .basic_auth(&key, Some(""))
        .json(&json!({ "partner_test_id": TINY, "candidate": { "email": "a@example.com" }, "url": "http://127.0.0.1:9/cb" }))
        .send()
        .await
        .unwrap();
    assert_eq!(private_callback.status(), 400, "a callback to loopback is refused unless the operator allows it");
    let invitations: Value = app.client.get(app.url("/api/v1/invitations")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    assert_eq!(invitations.as_array().unwrap().len(), 0);
    let missing = app.client.get(app.url(&format!("{BASE}/test_status?partner_interview_id=gh_nope"))).basic_auth(&key, Some("")).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let reported = app
        .client
        .post(app.url(&format!("{BASE}/response_error")))
        .basic_auth(&key, Some(""))
        .json(&json!({ "partner_interview_id": "gh_x", "message": "partner_score was not a number" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reported.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_test_sent_from_greenhouse_is_mailed_taken_and_reported_complete() {
    let mail = sink().await;
    let greenhouse = receiver(0).await;
    let app = spawn_app_configured(|c| {
        c.access.smtp_url = Some(format!("smtp://127.0.0.1:{}", mail.port).parse().unwrap());
        c.access.hooks.allow_private_targets = true;
        c.access.hooks.poll_ms = 100;
    })
    .await;
    let key = admin_key(&app).await;
    let callback = format!("{}/v1/partner/callback/abc123", greenhouse.url);
    let sent = app
        .client
        .post(app.url(&format!("{BASE}/send_test")))
        .basic_auth(&key, Some(""))
        .json(&json!({
            "partner_test_id": TINY,
            "candidate": {
                "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
                "resume_url": "https://example.com/cv.pdf", "phone_number": "555-0100",
                "greenhouse_profile_url": "https://app.greenhouse.io/people/1"
            },
            "url": callback,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let interview = sent.json::<Value>().await.unwrap()["partner_interview_id"].as_str().unwrap().to_owned();
    let status_url = app.url(&format!("{BASE}/test_status?partner_interview_id={interview}"));

    // The candidate is mailed a link; the invitation is theirs, for the test's challenge.
    let text = mail.received("grace@example.com").await;
    let at = text.find("/i/mlgi_").expect("the mail holds an invitation link");
    let token = text[at + 3..at + 3 + 5 + 64].to_owned();
    let invitations: Value = app.client.get(app.url("/api/v1/invitations")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let invitation = &invitations.as_array().unwrap()[0];
    assert_eq!(invitation["name"], "Grace Hopper");
    assert_eq!(invitation["challenges"][0]["challenge"], TINY);
    let invitation_id = invitation["id"].as_str().unwrap().to_owned();

    let before: Value = app.client.get(&status_url).basic_auth(&key, Some("")).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["partner_status"], "sent");
    assert!(greenhouse.hits().is_empty(), "no callback before the candidate is done");

    let resp = app.submit_as(&token, TINY, crate::webhooks::CENTROID).await;
    assert_eq!(resp.status(), 202);
    let patch = greenhouse.wait_for(1, Duration::from_secs(300), |h| h.method == "PATCH").await;
    let hit = &patch[0];
    assert_eq!(hit.path, "/v1/partner/callback/abc123");
    let body = hit.json();
    assert_eq!(body["partner_interview_id"], interview.as_str());
    assert_eq!(body["partner_status"], "complete");
    let score = body["partner_score"].as_f64().expect("a numeric score");
    assert!(score > 0.0 && score <= 100.0, "{body}");
    let profile = body["partner_profile_url"].as_str().unwrap().to_owned();
    assert_eq!(profile, app.url(&format!("/candidates/{invitation_id}")));
    let metadata = body["metadata"].as_object().unwrap();
    assert!(metadata.values().all(|v| v.is_string() || v.is_number()), "metadata is flat: {body}");
    assert_eq!(metadata["Challenges submitted"], "1 of 1");
    assert!(metadata["Flags"].is_number() && metadata["Flagged checks"].is_string(), "{body}");
    assert!(metadata[&format!("Score: {}", "Tiny classify (test fixture)")].as_f64().unwrap() > 0.0, "{body}");
    assert!(metadata.contains_key("Time used (minutes)"));

    let status: Value = app.client.get(&status_url).basic_auth(&key, Some("")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["partner_status"], "complete");
    assert_eq!(status["partner_score"], body["partner_score"]);
    assert_eq!(status["partner_profile_url"], profile.as_str());
    assert_eq!(status["metadata"], body["metadata"]);

    // The profile opens for a signed-in interviewer; a candidate is refused; anyone else must sign in.
    app.create_user("iris", "interviewer").await;
    let iris = app.sign_in("iris").await;
    let page = raw_client().get(&profile).header("cookie", iris.header()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Grace Hopper"));
    let other = app.invite(json!({ "name": "Eve", "email": "eve@example.com", "challenges": [TINY] })).await;
    let eve = app.open_invitation(&other).await;
    assert_eq!(raw_client().get(&profile).header("cookie", eve.header()).send().await.unwrap().status(), 403);
    assert_eq!(raw_client().get(&profile).send().await.unwrap().status(), 303);

    // One callback, however many scans ran since.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(greenhouse.hits().iter().filter(|h| h.method == "PATCH").count(), 1);
    app.stop().await;
}
