//! End to end in a real headless Chromium, driven through WebDriver (Debian's `chromium` and
//! `chromium-driver`): a candidate opens the invitation, uploads a solution through the form and
//! watches the verdict arrive; an interviewer signs in and sees the private score and the overfitting
//! flag; a second candidate cannot open the first one's page.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::*;

/// chromedriver on a loopback port, in a process group of its own with the browsers it starts; the
/// whole group is killed when dropped, so a failed assertion leaves no Chromium behind.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (apt-get install chromium chromium-driver; .ci/run installs them)");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/status", driver.url)).await {
            if r.status() == 200 {
                return driver;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new browser with its own profile, so its cookies are its own.
pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"] }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

pub(crate) async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).text().await.unwrap().trim().to_owned()
}

/// Waits for a form's navigation to reach a page under `prefix`.
pub(crate) async fn landed_on(client: &Client, prefix: &str) -> String {
    let started = Instant::now();
    loop {
        let url = client.current_url().await.unwrap();
        if url.path().starts_with(prefix) && client.find(Locator::Css("main h1")).await.is_ok() {
            return url.path().to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never reached {prefix}; at {url}:\n{}", client.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn has(client: &Client, css: &str) -> bool {
    client.find(Locator::Css(css)).await.is_ok()
}

#[tokio::test]
async fn candidate_submits_in_the_browser_and_the_interviewer_sees_the_private_side() {
    let app = spawn_app().await;
    app.create_user("ivy", "interviewer").await;
    let invite = |email: &str| {
        json!({ "name": format!("Candidate {email}"), "email": email, "challenges": [DECISION_TREE], "submission_limit": 3, "cooldown_seconds": 0 })
    };
    let first = app.invite(invite("first@example.com")).await;
    let second = app.invite(invite("second@example.com")).await;
    let driver = start_driver().await;

    // The candidate opens the link and finds the challenge.
    let candidate = browser(&driver).await;
    candidate.goto(&app.url(&first.link)).await.unwrap();
    assert_eq!(candidate.current_url().await.unwrap().path(), "/", "the link leads to the landing page");
    assert!(text(&candidate, "main").await.contains("3 of 3"), "the remaining count is shown");
    candidate.find(Locator::Css(&format!("a[href='/challenges/{DECISION_TREE}']"))).await.unwrap().click().await.unwrap();
    assert!(has(&candidate, ".statement h1, .statement h2, .statement p").await, "the statement is rendered");
    assert!(has(&candidate, &format!("a[href='/challenges/{DECISION_TREE}/solution.py']")).await);
    let upload = repo().join("tests/fixtures/submissions/memoriser.py");
    candidate.find(Locator::Id("file")).await.unwrap().send_keys(upload.to_str().unwrap()).await.unwrap();

    // Keep both workers busy so the submission is still waiting when its page first shows.
    for _ in 0..2 {
        app.submit(TINY, fixture("slow_majority.py")).await;
    }
    candidate.find(Locator::Css("form[enctype='multipart/form-data'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = landed_on(&candidate, "/submissions/").await;
    let id = page["/submissions/".len()..].to_owned();
    let first_status = text(&candidate, "#status").await;
    assert!(first_status == "queued" || first_status == "running", "first shown as {first_status}");
    assert!(!has(&candidate, "#verdict").await);

    // The page updates by itself: no navigation from here on.
    candidate
        .wait()
        .at_most(Duration::from_secs(180))
        .every(Duration::from_millis(250))
        .for_element(Locator::Id("verdict"))
        .await
        .expect("the verdict arrives on the open page");
    assert_eq!(candidate.current_url().await.unwrap().path(), page);
    assert!(text(&candidate, "#verdict").await.contains("accepted"));
    let public_shown = text(&candidate, "#public-score").await;
    let source = candidate.source().await.unwrap();
    assert!(!source.contains("private-score") && !source.contains("Overfitting"), "the candidate sees no private result");

    let full: Value = app.wait_for(&id).await;
    let public: f64 = public_shown.parse().unwrap();
    assert_eq!(full["overfitting"]["flagged"], true, "{full:#}");
    candidate.close().await.unwrap();

    // The interviewer signs in and sees the private score and the flag.
    let interviewer = browser(&driver).await;
    interviewer.goto(&app.url("/login")).await.unwrap();
    interviewer.find(Locator::Id("name")).await.unwrap().send_keys("ivy").await.unwrap();
    interviewer.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    interviewer.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    landed_on(&interviewer, "/dashboard").await;
    interviewer.find(Locator::Css(&format!("a[href='/submissions/{id}']"))).await.expect("the dashboard lists it").click().await.unwrap();
    let private_shown: f64 = text(&interviewer, "#private-score").await.parse().unwrap();
    assert!((private_shown - full["score"].as_f64().unwrap()).abs() < 1e-4);
    assert_eq!(text(&interviewer, "#overfitting-flag").await, "flagged");
    assert!(text(&interviewer, "#checks").await.contains("train test gap"));
    assert!(text(&interviewer, "#public-score").await.parse::<f64>().unwrap() == public);
    interviewer.close().await.unwrap();

    // Another candidate cannot open the first one's page.
    let other = browser(&driver).await;
    other.goto(&app.url(&second.link)).await.unwrap();
    other.goto(&app.url(&format!("/submissions/{id}"))).await.unwrap();
    assert_eq!(text(&other, "h1").await, "Not found");
    assert!(!has(&other, "#public-score").await && !has(&other, "#status").await);
    other.close().await.unwrap();
    app.stop().await;
}
