//! The candidate report a hiring manager reads: a cover page, then one printed page per challenge
//! with the verdict, the score and its interval, the checks in words, resources, time and code.
//! Printed by a real headless Chromium, both through the browser (WebDriver's print) and by the
//! service's own PDF download.

use fantoccini::wd::PrintConfiguration;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::browser::{browser, landed_on, start_driver, text};
use crate::helpers::*;

/// The number of pages in a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree).
fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let mut n = 0;
    for (at, _) in text.match_indices("/Type") {
        let rest = text[at + 5..].trim_start();
        if rest.starts_with("/Page") && !rest.starts_with("/Pages") {
            n += 1;
        }
    }
    n
}

async fn get(app: &TestApp, session: &Session, path: &str) -> reqwest::Response {
    raw_client().get(app.url(path)).header("cookie", session.header()).send().await.unwrap()
}

/// Ada submits the tiny classifier's reference and leaves the scored challenge alone.
async fn candidate_with_one_result(app: &TestApp) -> Invitation {
    let ada = app
        .invite(json!({ "name": "Ada Lovelace", "email": "ada@example.com", "challenges": [TINY, "tiny-scored"], "cooldown_seconds": 0 }))
        .await;
    let reference = std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join("reference/solution.py")).unwrap();
    let resp = app.submit_as(&ada.token, TINY, &reference).await;
    assert_eq!(resp.status(), 202);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let done = app.wait_for(&id).await;
    assert_eq!(done["verdict"], "accepted", "{done}");
    ada
}

#[tokio::test]
async fn the_report_has_a_cover_and_a_page_per_challenge_and_downloads_as_pdf() {
    let app = spawn_app().await;
    let ada = candidate_with_one_result(&app).await;
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;

    // The page: every part a hiring manager reads, in words.
    let resp = get(&app, &ivy, &format!("/candidates/{}/report", ada.id)).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<h1>Ada Lovelace</h1>"));
    assert_eq!(html.matches(r#"class="page challenge""#).count(), 2, "one page per challenge");
    assert!(html.contains("Verdict: <strong>accepted</strong>"));
    assert!(html.contains(r#"<span class="iv" title="95% interval">"#), "the score carries its interval");
    assert!(html.contains("train test gap: ok") || html.contains("underfitting: ok"), "checks in words");
    assert!(html.contains("class Model"), "the code excerpt");
    assert!(html.contains("Not submitted."), "the challenge without a submission says so");
    assert!(html.contains("CPU "), "resources");
    assert!(html.contains(r#"href="/static/report.css""#) && !html.contains("<script"), "no script, the print stylesheet");

    // The PDF: a real PDF from the server's Chromium, a cover and one page per challenge.
    let resp = get(&app, &ivy, &format!("/candidates/{}/report.pdf", ada.id)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("mlgrade-report-ada-lovelace.pdf"));
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pages(&pdf), 3, "a cover and one page per challenge");

    // The candidate page links to both.
    let html = get(&app, &ivy, &format!("/candidates/{}", ada.id)).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"href="/candidates/{}/report.pdf""#, ada.id)));

    // Only staff read reports: the candidate's own session gets no report, and nobody signed out does.
    let own = app.open_invitation(&ada).await;
    let resp = get(&app, &own, &format!("/candidates/{}/report", ada.id)).await;
    assert_eq!(resp.status(), 403);
    let resp = raw_client().get(app.url(&format!("/candidates/{}/report.pdf", ada.id))).send().await.unwrap();
    assert!(resp.status().is_redirection(), "signed out is sent to sign in, got {}", resp.status());
    let resp = get(&app, &ivy, "/candidates/nobody/report.pdf").await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_report_prints_cleanly_from_the_browser() {
    let app = spawn_app().await;
    let ada = candidate_with_one_result(&app).await;
    app.create_user("ivy", "interviewer").await;
    let driver = start_driver().await;
    let ivy = browser(&driver).await;
    ivy.goto(&app.url("/login")).await.unwrap();
    ivy.find(Locator::Id("name")).await.unwrap().send_keys("ivy").await.unwrap();
    ivy.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    ivy.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    landed_on(&ivy, "/dashboard").await;

    ivy.goto(&app.url(&format!("/candidates/{}/report", ada.id))).await.unwrap();
    assert_eq!(text(&ivy, "h1").await, "Ada Lovelace");
    // The print stylesheet was applied: each challenge starts a new printed page.
    let breaks = ivy
        .execute(
            "return [...document.querySelectorAll('section.page')].map(s => getComputedStyle(s).breakBefore)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(breaks, json!(["auto", "page", "page"]), "the cover, then a page break before each challenge");
    // Printed by the browser itself (what "Save as PDF" does): a cover and one page per challenge.
    let pdf = ivy.print(PrintConfiguration::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pages(&pdf), 3, "a cover and one page per challenge, none spilling over");
    ivy.close().await.unwrap();
}
