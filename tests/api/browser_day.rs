//! The candidate's and the reviewer's day in headless Chromium: a practice run, a refusal that keeps
//! the page and the code with a live countdown, a time box running out on screen, the comparison of
//! two candidates, and the candidate's page at 390 px.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{browser, has, landed_on, start_driver, text};
use crate::helpers::*;

async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).click().await.unwrap();
}

/// Waits until the element matching `css` has text containing `needle`.
async fn wait_text(client: &Client, css: &str, needle: &str, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            if let Ok(t) = el.text().await {
                if t.contains(needle) {
                    return t;
                }
            }
        }
        assert!(started.elapsed() < limit, "{css} never showed {needle:?}:\n{}", client.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_candidate_practises_is_refused_inline_and_watches_the_countdown() {
    let app = spawn_app().await;
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "cooldown_seconds": 5, "submission_limit": 2 })).await;
    let driver = start_driver().await;
    let ada = browser(&driver).await;
    ada.goto(&app.url(&inv.link)).await.unwrap();
    ada.goto(&app.url(&format!("/challenges/{TINY}"))).await.unwrap();

    // Run on the sample: a verdict and a score on the held-out sample rows, no submission used.
    ada.find(Locator::Id("code")).await.unwrap().send_keys(&fixture("trivial.py")).await.unwrap();
    click(&ada, "#practise").await;
    landed_on(&ada, "/practice/").await;
    wait_text(&ada, "#verdict", "accepted", Duration::from_secs(120)).await;
    assert!(has(&ada, "#practice-score").await);
    click(&ada, "main > p:last-child a").await;
    landed_on(&ada, "/challenges/").await;
    assert!(text(&ada, "main").await.contains("2 of 2 submissions left"), "practice used no submission");

    // A submission made elsewhere starts the pause while this page is open: the next press is
    // refused on the same page, with the code still there and the button counting down.
    let code = "# my second idea\n".to_owned() + &fixture("trivial.py");
    ada.find(Locator::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    assert_eq!(app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await.status(), 202);
    click(&ada, "#submit-button").await;
    let refusal = wait_text(&ada, "#refusal", "Wait", Duration::from_secs(10)).await;
    assert!(refusal.contains("before submitting again"), "{refusal}");
    let kept = ada.find(Locator::Id("code")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert!(kept.starts_with("# my second idea"), "the code is kept: {kept:?}");
    assert!(text(&ada, "#cooldown").await.contains("across all the challenges"));
    let button = ada.find(Locator::Id("submit-button")).await.unwrap();
    assert!(!button.is_enabled().await.unwrap(), "held back during the pause");
    assert!(button.text().await.unwrap().contains("wait"), "with a countdown");
    let started = Instant::now();
    while !button.is_enabled().await.unwrap() {
        assert!(started.elapsed() < Duration::from_secs(10), "the button came back on by itself");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(button.text().await.unwrap(), "Submit for grading");
    button.click().await.unwrap();
    landed_on(&ada, "/submissions/").await;
    ada.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_time_box_runs_out_on_screen() {
    let app = spawn_app().await;
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "time_limit_minutes": 1 })).await;
    let driver = start_driver().await;
    let ada = browser(&driver).await;
    ada.goto(&app.url(&inv.link)).await.unwrap();
    assert!(text(&ada, "#time-box").await.contains("1 minutes from when you open your first challenge"));
    ada.goto(&app.url(&format!("/challenges/{TINY}"))).await.unwrap();
    assert!(has(&ada, "#time-left").await && has(&ada, "#submit-button").await);

    // Pretend the candidate opened it 56 s ago: four seconds left, counted down, then closed.
    crate::timed::started_ago(&app, &inv.id, 56).await;
    ada.refresh().await.unwrap();
    let left = text(&ada, "#time-left").await;
    assert!(left.ends_with(" s"), "seconds left: {left}");
    wait_text(&ada, "#time-box", "are over", Duration::from_secs(15)).await;
    assert!(!has(&ada, "#submit-button").await, "no form once the time is up");
    let resp = app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 403);
    ada.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn an_interviewer_compares_two_candidates_and_a_phone_sees_the_whole_home_page() {
    let app = spawn_app().await;
    let invite = |name: &str| json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase()), "challenges": [TINY], "cooldown_seconds": 0 });
    let ada = app.invite(invite("Ada")).await;
    let bob = app.invite(invite("Bob")).await;
    for inv in [&ada, &bob] {
        let resp = app.submit_as(&inv.token, TINY, &fixture("trivial.py")).await;
        let id = resp.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        app.wait_for(&id).await;
    }
    app.create_user("ivy", "interviewer").await;
    let driver = start_driver().await;

    let ivy = browser(&driver).await;
    ivy.goto(&app.url("/login")).await.unwrap();
    ivy.find(Locator::Id("name")).await.unwrap().send_keys("ivy").await.unwrap();
    ivy.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    click(&ivy, "form button[type=submit]").await;
    landed_on(&ivy, "/dashboard").await;
    ivy.goto(&app.url("/invitations")).await.unwrap();
    click(&ivy, &format!("input[name=c][value='{}']", ada.id)).await;
    click(&ivy, &format!("input[name=c][value='{}']", bob.id)).await;
    click(&ivy, "#compare-form button").await;
    landed_on(&ivy, "/compare").await;
    let sections = ivy.find_all(Locator::Css(".compare section")).await.unwrap();
    assert_eq!(sections.len(), 2, "one column per candidate");
    let page = text(&ivy, "main").await;
    assert!(page.contains("Ada") && page.contains("Bob") && page.contains("Score (private)"));
    assert!(text(&ivy, ".compare section pre").await.contains("class Model"), "the code side by side");
    click(&ivy, ".compare section h3 a").await;
    landed_on(&ivy, "/candidates/").await;
    assert!(text(&ivy, "#challenges").await.contains("1 of 5"));
    ivy.close().await.unwrap();

    // At 390 px the candidate's home page fits: nothing sticks out past the right edge.
    let phone = browser(&driver).await;
    phone.set_window_size(390, 844).await.unwrap();
    phone.goto(&app.url(&ada.link)).await.unwrap();
    let overflow = phone
        .execute(
            "const w = document.documentElement.clientWidth; \
             return [...document.querySelectorAll('main th, main td')].map(e => e.getBoundingClientRect().right).filter(r => r > w + 1).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(0), "every column is on screen at 390 px");
    phone.close().await.unwrap();
    app.stop().await;
}
