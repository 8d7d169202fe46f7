//! Reviewing: the per-candidate page, the side-by-side comparison, the board as CSV, and managing an
//! invitation (extend, add submissions, re-issue the link, a form that keeps what was typed).

use serde_json::{json, Value};

use crate::helpers::*;

fn tiny(path: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join(path)).unwrap()
}

async fn get(app: &TestApp, session: &Session, path: &str) -> (u16, String) {
    let resp = raw_client().get(app.url(path)).header("cookie", session.header()).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post(app: &TestApp, session: &Session, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf", &session.csrf));
    raw_client().post(app.url(path)).header("cookie", session.header()).form(&all).send().await.unwrap()
}

async fn submitted(app: &TestApp, token: &str, source: &str) -> String {
    let resp = app.submit_as(token, TINY, source).await;
    assert_eq!(resp.status(), 202);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    app.wait_for(&id).await;
    id
}

#[tokio::test]
async fn interviewers_see_each_candidate_compare_them_and_export_the_board() {
    let app = spawn_app().await;
    let invite = |name: &str| json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase()), "challenges": [TINY], "cooldown_seconds": 0 });
    let ada = app.invite(invite("Ada")).await;
    let bob = app.invite(invite("Bob")).await;
    submitted(&app, &ada.token, &fixture("trivial.py")).await;
    let best = submitted(&app, &ada.token, &tiny("reference/solution.py")).await;
    let failed = submitted(&app, &bob.token, "class Model(:\n").await;
    submitted(&app, &bob.token, &fixture("trivial.py")).await;
    let practice = app.post_practice(&ada.token, TINY, &fixture("trivial.py")).await.json::<Value>().await.unwrap();
    app.wait_practice(&ada.token, practice["id"].as_str().unwrap()).await;
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;

    // One candidate: every challenge with its best, every submission, practice and time.
    let (status, html) = get(&app, &ivy, &format!("/candidates/{}", ada.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Ada</h1>"));
    assert_eq!(text_of(&html, "practice-count").unwrap(), "1");
    assert!(html.contains(&format!(r#"href="/submissions/{best}""#)), "the best submission is linked");
    assert!(html.contains("2 of 5"), "submissions used");
    assert!(html.matches(r#"<a href="/submissions/"#).count() >= 2, "every submission is listed");

    // Side by side: both names, scores, code.
    let (status, html) = get(&app, &ivy, &format!("/compare?c={}&c={}", ada.id, bob.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"class="compare""#) && html.contains(r#"aria-label="Ada""#) && html.contains(r#"aria-label="Bob""#));
    assert!(html.contains("class Model"), "the code is shown");
    assert!(html.contains("Score (private)"));
    let (status, _) = get(&app, &ivy, &format!("/compare?c={0}&c={1}&c=x&c=y&c=z", ada.id, bob.id)).await;
    assert_eq!(status, 400, "at most four at once");

    // A run that failed has no predictions link.
    let (_, html) = get(&app, &ivy, &format!("/submissions/{failed}")).await;
    assert!(!html.contains("predictions.csv"), "no link to predictions that do not exist");
    let (_, html) = get(&app, &ivy, &format!("/submissions/{best}")).await;
    assert!(html.contains("predictions.csv"));

    // The board's CSV is the board: one line per candidate, ranked.
    let (status, csv) = get(&app, &ivy, &format!("/leaderboard/{TINY}/board.csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("rank,group,candidate,email,score"), "{csv}");
    assert_eq!(lines.len(), 3, "a header and one line per candidate: {csv}");
    assert!(lines[1].starts_with("1,") && lines[1].contains("Ada") && lines[1].contains(&best), "{csv}");

    let (_, list) = get(&app, &ivy, "/invitations").await;
    assert!(list.contains(r#"<small class="practice-runs">1 practice run</small>"#), "the list shows practice too");

    // The leaderboard leads to each candidate's page and into the comparison.
    let (_, board) = get(&app, &ivy, &format!("/leaderboard/{TINY}")).await;
    assert!(board.contains(&format!(r#"href="/candidates/{}""#, ada.id)));
    assert!(board.contains(&format!(r#"name="c" value="{}" form="compare-form""#, bob.id)));

    // Candidates see none of it.
    let session = app.open_invitation(&ada).await;
    for path in [format!("/candidates/{}", ada.id), format!("/compare?c={}", ada.id), format!("/leaderboard/{TINY}/board.csv")] {
        assert_eq!(get(&app, &session, &path).await.0, 403, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn invitations_are_extended_topped_up_and_reissued() {
    let app = spawn_app().await;
    let ada = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "submission_limit": 1 })).await;
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let before: Value = app.client.get(app.url(&format!("/api/v1/invitations/{}", ada.id))).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();

    let resp = post(&app, &ivy, &format!("/invitations/{}/extend", ada.id), &[("hours", "48")]).await;
    assert_eq!(resp.status(), 303);
    let resp = post(&app, &ivy, &format!("/invitations/{}/attempts", ada.id), &[("challenge", TINY), ("more", "2")]).await;
    assert_eq!(resp.status(), 303);
    let after: Value = app.client.get(app.url(&format!("/api/v1/invitations/{}", ada.id))).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let gained = after["expires_at"].as_i64().unwrap() - before["expires_at"].as_i64().unwrap();
    assert_eq!(gained, 48 * 3_600_000);
    assert_eq!(after["challenges"][0]["limit"], 3);
    assert_eq!(post(&app, &ivy, &format!("/invitations/{}/attempts", ada.id), &[("challenge", "nope"), ("more", "2")]).await.status(), 404);

    // A lost link: the new one works, the old one and its sessions stop.
    let old_session = app.open_invitation(&ada).await;
    let resp = post(&app, &ivy, &format!("/invitations/{}/reissue", ada.id), &[]).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    let url = text_of(&html, "invitation-link").expect("the new link is shown once");
    assert!(html.contains(r#"data-copy="invitation-link""#), "with a copy button");
    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(&ada.token).send().await.unwrap();
    assert_eq!(me.status(), 401, "the old token stopped");
    assert_ne!(get(&app, &old_session, "/").await.0, 200, "the old session ended");
    let new = raw_client().get(&url).send().await.unwrap();
    assert_eq!(new.status(), 303, "the new link opens the invitation");

    // The invitation form keeps what was typed when it refuses.
    let resp = post(&app, &ivy, "/invitations", &[("name", "Grace Hopper"), ("email", "grace@example.com"), ("days", "3"), ("time_limit_minutes", "90")]).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "invitation-problem").unwrap().contains("challenge"), "{html}");
    assert!(html.contains(r#"value="Grace Hopper""#) && html.contains(r#"value="grace@example.com""#) && html.contains(r#"value="90""#));
    // Revoking asks first.
    let (_, list) = get(&app, &ivy, "/invitations").await;
    assert!(list.contains("data-confirm=\"Revoke the invitation of Ada?"));
    app.stop().await;
}

#[tokio::test]
async fn invitations_are_managed_through_the_api_too() {
    let app = spawn_app().await;
    let ada = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "submission_limit": 1 })).await;
    let call = |path: String, body: Value| {
        let app = &app;
        async move { app.client.post(app.url(&path)).bearer_auth(TOKEN).json(&body).send().await.unwrap() }
    };
    let resp = call(format!("/api/v1/invitations/{}/attempts", ada.id), json!({ "challenge": TINY, "more": 4 })).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["challenges"][0]["limit"], 5);
    let resp = call(format!("/api/v1/invitations/{}/extend", ada.id), json!({ "hours": 0 })).await;
    assert_eq!(resp.status(), 400);
    let resp = call(format!("/api/v1/invitations/{}/extend", ada.id), json!({ "hours": 1.5 })).await;
    assert_eq!(resp.status(), 200);

    let resp = app.client.post(app.url(&format!("/api/v1/invitations/{}/reissue", ada.id))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let reissued: Value = resp.json().await.unwrap();
    let token = reissued["token"].as_str().unwrap();
    assert_eq!(reissued["emailed"], false, "no SMTP relay configured");
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&ada.token).send().await.unwrap().status(), 401);
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status(), 200);

    // Revoked is final.
    assert_eq!(app.client.post(app.url(&format!("/api/v1/invitations/{}/revoke", ada.id))).bearer_auth(TOKEN).send().await.unwrap().status(), 204);
    let resp = call(format!("/api/v1/invitations/{}/extend", ada.id), json!({ "hours": 1 })).await;
    assert_eq!(resp.status(), 404);
    app.stop().await;
}
