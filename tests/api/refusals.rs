//! No dead ends: a refused submission shows the challenge page again with the reason and the code,
//! a cooldown is counted down on the button, and browsers get pages (not JSON) for unknown addresses.

use serde_json::json;

use crate::helpers::*;

async fn post_form(app: &TestApp, session: &Session, action: &str, code: &str, file: Option<Vec<u8>>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone()).text("code", code.to_owned());
    if let Some(bytes) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("solution.py"));
    }
    raw_client().post(app.url(&format!("/challenges/{TINY}/{action}"))).header("cookie", session.header()).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn a_refused_submission_keeps_the_page_the_code_and_says_why() {
    let app = spawn_app().await;
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "cooldown_seconds": 120 })).await;
    let session = app.open_invitation(&inv).await;

    // Nothing to submit: the challenge page again, the reason above the form.
    let resp = post_form(&app, &session, "submissions", "  ", None).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Tiny classify"), "the challenge page, not a bare error page");
    assert!(text_of(&html, "refusal").unwrap().contains("Choose a file"), "{html}");
    assert!(html.contains("Sign out"), "the navigation is there");

    // A binary file: refused, and said so.
    let resp = post_form(&app, &session, "submissions", "", Some(vec![0x7f, b'E', b'L', b'F', 0, 0, 1])).await;
    assert_eq!(resp.status(), 400);
    assert!(text_of(&resp.text().await.unwrap(), "refusal").unwrap().contains("binary"));

    // Too large for the cap (256 KiB in tests): refused with the limit, the code still in the form.
    let big = format!("# {}\nclass Model: pass\n", "x".repeat(300 * 1024));
    let resp = post_form(&app, &session, "submissions", &big, None).await;
    assert_eq!(resp.status(), 413);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "refusal").unwrap().contains("limit"));

    // One submission goes through; the next one within the cooldown comes back with its code, a
    // disabled button that counts down, and a sentence saying what the pause covers.
    let code = fixture("trivial.py");
    let resp = post_form(&app, &session, "submissions", &code, None).await;
    assert_eq!(resp.status(), 303);
    let again = format!("{code}\n# second try\n");
    let resp = post_form(&app, &session, "submissions", &again, None).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "refusal").unwrap().starts_with("Wait "), "{html}");
    assert!(html.contains("# second try"), "the code is kept");
    assert!(html.contains(r#"id="submit-button" type="submit" disabled data-wait-ms=""#), "{html}");
    assert!(text_of(&html, "cooldown").unwrap().contains("across all the challenges of your invitation"));

    // Practice has no pause: the same code runs on the sample at once.
    let resp = post_form(&app, &session, "practice", &again, None).await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/practice/"), "{location}");
    let page = raw_client().get(app.url(&location)).header("cookie", session.header()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("does not count against your submissions"));
    let html = raw_client().get(app.url(&format!("/challenges/{TINY}"))).header("cookie", session.header()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!(r#"href="{location}""#)), "the challenge page lists the run on the sample");
    app.stop().await;
}

#[tokio::test]
async fn browsers_get_pages_for_unknown_addresses_and_a_favicon() {
    let app = spawn_app().await;
    let html_accept = "text/html,application/xhtml+xml,*/*;q=0.8";
    let resp = app.client.get(app.url("/no/such/page")).header("accept", html_accept).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("There is no page at this address") && html.contains(r#"href="/""#), "{html}");

    // The API keeps its JSON, whoever asks.
    let resp = app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let resp = app.client.get(app.url("/api/v1/nothing-here")).header("accept", html_accept).send().await.unwrap();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));

    // A candidate who strays onto a staff page gets a page with a way home.
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY] })).await;
    let session = app.open_invitation(&inv).await;
    let resp = raw_client().get(app.url("/dashboard")).header("cookie", session.header()).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains(r#"<a href="/">Home</a>"#));

    let icon = app.client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    app.stop().await;
}

#[tokio::test]
async fn a_candidate_who_signs_out_is_told_how_to_come_back() {
    let app = spawn_app().await;
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY] })).await;
    let session = app.open_invitation(&inv).await;
    let resp = raw_client()
        .post(app.url("/logout"))
        .header("cookie", session.header())
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/signed-out", "not the staff sign-in form");
    let page = raw_client().get(app.url("/signed-out")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("open the invitation link"));
    app.stop().await;
}

#[test]
fn users_add_outside_the_data_folder_refuses_instead_of_making_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nowhere");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mlgrade"))
            .args(["users", "add", "alice", "--role", "admin", "--password", "a long enough password"])
            .args(extra)
            .arg("--data-dir")
            .arg(&data)
            .env_remove("MLGRADE_DATABASE_URL")
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("there is no database"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(!data.join("mlgrade.db").exists(), "nothing was created");
    let created = run(&["--init"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(data.join("mlgrade.db").exists());
}
