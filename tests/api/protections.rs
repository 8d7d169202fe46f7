//! The protections, each with a test that fails if it is removed: CSRF on forms, the sign-in rate
//! limit, a candidate's cooldown and submission limit, invitation expiry and revocation, and what a
//! candidate may see of its own result.


use serde_json::{json, Value};

use crate::helpers::*;

fn invitation_body(email: &str, limit: i64, cooldown: i64, hours: f64) -> Value {
    json!({ "name": email, "email": email, "challenges": [TINY], "submission_limit": limit,
            "cooldown_seconds": cooldown, "expires_in_hours": hours })
}

async fn own_submissions(app: &TestApp, token: &str) -> usize {
    let list: Value = app.client.get(app.url("/api/v1/submissions")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    list.as_array().unwrap().len()
}

fn page_submission(csrf: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().text("csrf", csrf.to_owned()).text("code", fixture("trivial.py"))
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let a = app.invite(invitation_body("a@example.com", 10, 0, 24.0)).await;
    let b = app.invite(invitation_body("b@example.com", 10, 0, 24.0)).await;
    let session_a = app.open_invitation(&a).await;
    let session_b = app.open_invitation(&b).await;
    let client = raw_client();
    let submit_url = app.url(&format!("/challenges/{TINY}/submissions"));

    // No token, a made-up token, and another session's token: all refused, nothing queued.
    for csrf in ["", "0123456789abcdef", session_b.csrf.as_str()] {
        let resp = client.post(&submit_url).header("cookie", session_a.header()).multipart(page_submission(csrf)).send().await.unwrap();
        assert_eq!(resp.status(), 403, "csrf {csrf:?}");
        assert!(resp.text().await.unwrap().contains("did not come from this site"));
    }
    assert_eq!(own_submissions(&app, &a.token).await, 0, "a refused form queued a submission");
    let resp = client.post(&submit_url).header("cookie", session_a.header()).multipart(page_submission(&session_a.csrf)).send().await.unwrap();
    assert_eq!(resp.status(), 303, "the session's own token is accepted");
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("/submissions/"));
    assert_eq!(own_submissions(&app, &a.token).await, 1);

    // Staff forms too: an invitation form without the token creates no invitation.
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let count = || async {
        let list: Value = app.client.get(app.url("/api/v1/invitations")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
        list.as_array().unwrap().len()
    };
    let before = count().await;
    let form = [("name", "Forged"), ("email", "forged@example.com"), ("challenge", TINY), ("csrf", "forged")];
    let resp = client.post(app.url("/invitations")).header("cookie", ivy.header()).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(count().await, before);
    let resp = client.post(app.url("/logout")).header("cookie", ivy.header()).form(&[("csrf", "")]).send().await.unwrap();
    assert_eq!(resp.status(), 403, "signing someone out takes the token too");

    // The sign-in form: its cookie and its field must match.
    let resp = client
        .post(app.url("/login"))
        .form(&[("name", "ivy"), ("password", PASSWORD), ("csrf", "guess"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a sign-in post without the form's cookie");
    assert!(set_cookie(&resp, "mlgrade_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn session_cookies_are_http_only_same_site_and_secure_over_tls() {
    let app = spawn_app().await;
    let inv = app.invite(invitation_body("e@example.com", 1, 0, 24.0)).await;
    let cookie_of = |resp: &reqwest::Response| {
        resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("mlgrade_session=")).unwrap()
    };
    let plain = raw_client().get(app.url(&inv.link)).send().await.unwrap();
    let cookie = cookie_of(&plain);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP without the flag: {cookie}");
    let proxied = raw_client().get(app.url(&inv.link)).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(cookie_of(&proxied).contains("; Secure"), "behind a TLS proxy");
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_refused_even_with_the_right_password() {
    let app = spawn_app().await;
    app.create_user("ivy", "interviewer").await;
    app.create_user("ada", "admin").await;
    // The service allows 5 failures per address and name in 15 minutes.
    for i in 0..5 {
        let resp = app.post_sign_in("ivy", "not the password at all").await;
        assert_eq!(resp.status(), 401, "attempt {i}");
        assert!(resp.text().await.unwrap().contains("Wrong user name or password"));
    }
    let resp = app.post_sign_in("ivy", PASSWORD).await;
    assert_eq!(resp.status(), 429, "the right password after 5 failures");
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 60 && wait <= 900, "retry after {wait} s");
    assert!(set_cookie(&resp, "mlgrade_session").is_none(), "no session while limited");
    assert!(resp.text().await.unwrap().contains("Too many failed sign-ins"));
    // Another account signs in from the same address.
    assert_eq!(app.post_sign_in("ada", PASSWORD).await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn a_candidate_waits_between_submissions_and_stops_at_the_limit() {
    let app = spawn_app().await;
    let source = fixture("trivial.py");

    let slow = app.invite(invitation_body("slow@example.com", 3, 60, 24.0)).await;
    assert_eq!(app.submit_as(&slow.token, TINY, &source).await.status(), 202);
    let resp = app.submit_as(&slow.token, TINY, &source).await;
    assert_eq!(resp.status(), 429, "a second submission inside the cooldown");
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((55..=60).contains(&wait), "retry after {wait} s");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert_eq!(own_submissions(&app, &slow.token).await, 1, "the refused one was not stored");
    let me: Value = app.client.get(app.url("/api/v1/me")).bearer_auth(&slow.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["invitation"]["challenges"][0]["used"], 1);
    assert_eq!(me["invitation"]["challenges"][0]["limit"], 3);
    assert!(me["invitation"]["cooldown_left_seconds"].as_i64().unwrap() > 50);
    let session = app.open_invitation(&slow).await;
    let page = raw_client().get(app.url(&format!("/challenges/{TINY}"))).header("cookie", session.header()).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("<strong>2</strong> of 3 submissions left"), "remaining count shown");
    assert!(html.contains("You can submit again in"), "cooldown shown");

    let eager = app.invite(invitation_body("eager@example.com", 2, 0, 24.0)).await;
    assert_eq!(app.submit_as(&eager.token, TINY, &source).await.status(), 202);
    assert_eq!(app.submit_as(&eager.token, TINY, &source).await.status(), 202);
    let resp = app.submit_as(&eager.token, TINY, &source).await;
    assert_eq!(resp.status(), 429, "a third submission past a limit of two");
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("all 2 submissions"), "{body}");
    assert_eq!(own_submissions(&app, &eager.token).await, 2);
    let session = app.open_invitation(&eager).await;
    let html = raw_client().get(app.url(&format!("/challenges/{TINY}"))).header("cookie", session.header()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<strong>0</strong> of 2 submissions left"));
    assert!(!html.contains(r#"id="submit-button""#), "no submit button once the limit is reached");
    assert!(html.contains(r#"id="practise""#), "runs on the sample stay open: they do not count");
    app.stop().await;
}

#[tokio::test]
async fn expired_and_revoked_invitations_stop_working_at_once() {
    let app = spawn_app().await;
    let short = app.invite(invitation_body("short@example.com", 5, 0, 1.0)).await;
    let too_short = app.client.post(app.url("/api/v1/invitations")).bearer_auth(TOKEN)
        .json(&invitation_body("dead@example.com", 5, 0, 1e-9)).send().await.unwrap();
    assert_eq!(too_short.status(), 400, "an invitation dead on arrival is refused");
    let session = app.open_invitation(&short).await;
    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(&short.token).send().await.unwrap();
    assert_eq!(me.status(), 200, "valid before it expires");
    let resp = app.submit_as(&short.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 202);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // The shortest lifetime is an hour; the clock is moved by ending the invitation in the database.
    let db = app.db().await;
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
        .bind(mlgrade::storage::now_ms() - 1)
        .bind(&short.id)
        .execute(&db)
        .await
        .unwrap();
    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(&short.token).send().await.unwrap();
    assert_eq!(me.status(), 401);
    assert_eq!(me.json::<Value>().await.unwrap()["error"]["code"], "invitation_closed");
    assert_eq!(app.submit_as(&short.token, TINY, &fixture("trivial.py")).await.status(), 401);
    let own = app.client.get(app.url(&format!("/api/v1/submissions/{id}"))).bearer_auth(&short.token).send().await.unwrap();
    assert_eq!(own.status(), 401, "even its own results");
    let client = raw_client();
    for path in ["/".to_owned(), format!("/submissions/{id}"), format!("/challenges/{TINY}")] {
        let resp = client.get(app.url(&path)).header("cookie", session.header()).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{path} with the open session");
        assert!(resp.text().await.unwrap().contains("expired or was revoked"), "{path} says why");
    }
    assert_eq!(client.get(app.url(&short.link)).send().await.unwrap().status(), 401, "the link itself");

    let revoked = app.invite(invitation_body("gone@example.com", 5, 0, 24.0)).await;
    let session = app.open_invitation(&revoked).await;
    let resp = app.client.post(app.url(&format!("/api/v1/invitations/{}/revoke", revoked.id))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&revoked.token).send().await.unwrap().status(), 401);
    assert_eq!(client.get(app.url("/")).header("cookie", session.header()).send().await.unwrap().status(), 401);
    let audit: Value = app.client.get(app.url("/api/v1/audit")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"invitation.revoke") && actions.contains(&"invitation.create"), "{actions:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_candidate_sees_its_public_result_and_nothing_private() {
    let app = spawn_app().await;
    let inv = app.invite(invitation_body("c@example.com", 5, 0, 24.0)).await;
    let other = app.invite(invitation_body("d@example.com", 5, 0, 24.0)).await;
    let resp = app.submit_as(&inv.token, TINY, &fixture("memoriser.py")).await;
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let full = app.wait_for(&id).await;
    assert_eq!(full["verdict"], "accepted", "{full:#}");

    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let note = "Memorises the training rows; ask about it in the interview.";
    let resp = raw_client()
        .post(app.url(&format!("/submissions/{id}/notes")))
        .header("cookie", ivy.header())
        .form(&[("csrf", ivy.csrf.as_str()), ("body", note)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let mine: Value = app.client.get(app.url(&format!("/api/v1/submissions/{id}"))).bearer_auth(&inv.token).send().await.unwrap().json().await.unwrap();
    for private in ["score", "metrics", "overfitting", "checks"] {
        assert!(mine.get(private).is_none(), "the candidate sees {private}: {mine:#}");
    }
    assert_eq!(mine["verdict"], "accepted");
    assert_eq!(mine["public"], full["public"]);
    // The tiny challenge scores accuracy linearly from 0.5 (0) to 0.95 (100).
    let public_accuracy = full["public"]["accuracy"].as_f64().unwrap();
    let expected = (((public_accuracy - 0.5) / 0.45).clamp(0.0, 1.0) * 10000.0).round() / 100.0;
    assert_eq!(mine["public_score"].as_f64().unwrap(), expected);
    assert!(mine["log"].is_string());

    let session = app.open_invitation(&inv).await;
    let html = raw_client().get(app.url(&format!("/submissions/{id}"))).header("cookie", session.header()).send().await.unwrap().text().await.unwrap();
    assert_eq!(text_of(&html, "public-score").unwrap(), format_score(expected));
    assert!(text_of(&html, "private-score").is_none(), "the private score is not on the candidate's page");
    assert!(!html.contains(note) && !html.contains("Notes"), "interviewer notes are not on the candidate's page");
    assert!(!html.contains("overfitting") && !html.contains("flagged"));

    let staff_html = raw_client().get(app.url(&format!("/submissions/{id}"))).header("cookie", ivy.header()).send().await.unwrap().text().await.unwrap();
    assert_eq!(text_of(&staff_html, "private-score").unwrap(), format_score(full["score"].as_f64().unwrap()));
    assert!(staff_html.contains(note));

    // The other candidate lists nothing of it and cannot open it.
    assert_eq!(own_submissions(&app, &other.token).await, 0);
    let theirs = app.client.get(app.url(&format!("/api/v1/submissions/{id}"))).bearer_auth(&other.token).send().await.unwrap();
    assert_eq!(theirs.status(), 404);
    app.stop().await;
}

/// A score as the pages print it: up to four decimals, no trailing zeros.
fn format_score(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}
