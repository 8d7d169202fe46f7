//! Signed webhooks against a real service and a local receiver: registration rules, signatures
//! checked with an HMAC computed here, retries with backoff, resending from the admin page, event ids
//! that stay the same, and deliveries that survive a restart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }
}

/// A local HTTP receiver that records every request and answers 500 to the first `failures` of
/// them (more can be set later), 200 after.
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    failures: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn receiver(failures: usize) -> Receiver {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(failures));
    let (h, f) = (hits.clone(), failures.clone());
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
        let (h, f) = (h.clone(), f.clone());
        async move {
            h.lock().unwrap().push(Hit { method: method.to_string(), path: uri.path().to_owned(), headers, body, at: Instant::now() });
            let failing = f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
            if failing {
                (StatusCode::INTERNAL_SERVER_ERROR, "receiver down")
            } else {
                (StatusCode::OK, "ok")
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver { url, hits, failures, task }
}

impl Receiver {
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn fail_next(&self, n: usize) {
        self.failures.store(n, Ordering::SeqCst);
    }

    /// Waits until `pick` holds for at least `n` of the requests received; returns those.
    pub async fn wait_for(&self, n: usize, limit: Duration, pick: impl Fn(&Hit) -> bool) -> Vec<Hit> {
        let started = Instant::now();
        loop {
            let picked: Vec<Hit> = self.hits().into_iter().filter(|h| pick(h)).collect();
            if picked.len() >= n {
                return picked;
            }
            assert!(started.elapsed() < limit, "expected {n} matching requests, got {}: {:#?}", picked.len(), self.hits());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Checks `Mlgrade-Signature` the way a receiver would: HMAC-SHA256 over "<t>.<raw body>".
pub fn verify_signature(hit: &Hit, secret: &str) {
    let header = hit.header("mlgrade-signature");
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("a signature header t=…,v1=…, got {header:?}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hit.body).as_bytes());
    assert_eq!(v1, hex::encode(mac.finalize().into_bytes()), "the signature verifies with the secret");
    let t: u64 = t.parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(t.abs_diff(now) < 300, "signed now, not at {t}");
    let mut wrong = Hmac::<Sha256>::new_from_slice(b"another secret entirely").unwrap();
    wrong.update(format!("{t}.{}", hit.body).as_bytes());
    assert_ne!(v1, hex::encode(wrong.finalize().into_bytes()));
}

/// An honest solution of the tiny challenge: nearest class centroid on standardised features.
pub const CENTROID: &str = "import numpy as np
class Model:
    def __init__(self, **params): pass
    def fit(self, X, y):
        X = np.asarray(X, dtype=float); y = np.asarray(y)
        self.mu, self.sd = X.mean(axis=0), X.std(axis=0) + 1e-12
        Z = (X - self.mu) / self.sd
        self.classes = np.unique(y)
        self.centres = np.array([Z[y == c].mean(axis=0) for c in self.classes])
        return self
    def predict(self, X):
        Z = (np.asarray(X, dtype=float) - self.mu) / self.sd
        d = ((Z[:, None, :] - self.centres[None, :, :]) ** 2).sum(axis=2)
        return self.classes[d.argmin(axis=1)]
";

const SECRET: &str = "a-shared-secret-for-signing-0123";

fn open_hooks(retry: &[f64]) -> impl FnOnce(&mut mlgrade::config::ServeConfig) + '_ {
    move |c| {
        c.access.hooks.allow_private_targets = true;
        c.access.hooks.retry_seconds = retry.to_vec();
        c.access.hooks.poll_ms = 100;
    }
}

async fn register(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let resp = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({ "url": url, "secret": SECRET, "events": events, "description": "test receiver" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "registering: {}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

async fn ping(app: &TestApp, webhook: i64) -> i64 {
    let resp = app.client.post(app.url(&format!("/api/v1/webhooks/{webhook}/ping"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 202);
    resp.json::<Value>().await.unwrap()["delivery_id"].as_i64().unwrap()
}

async fn delivery(app: &TestApp, id: i64) -> Value {
    let resp = app.client.get(app.url(&format!("/api/v1/webhooks/deliveries/{id}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn wait_state(app: &TestApp, id: i64, state: &str) -> Value {
    let started = Instant::now();
    loop {
        let d = delivery(app, id).await;
        if d["state"] == state {
            return d;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "delivery {id} never became {state}: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn registration_is_for_admins_checks_its_fields_and_never_shows_the_secret() {
    let app = spawn_app().await;
    let post = |token: Option<&str>, body: Value| {
        let mut r = app.client.post(app.url("/api/v1/webhooks")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t.to_owned());
        }
        r.send()
    };
    let good = json!({ "url": "https://hooks.example.com/x", "secret": SECRET, "events": ["submission.completed"] });
    assert_eq!(post(None, good.clone()).await.unwrap().status(), 401);
    app.create_user("iris", "interviewer").await;
    let iris = app.sign_in("iris").await;
    let iris_token = app.api_token(&iris).await;
    assert_eq!(post(Some(&iris_token), good.clone()).await.unwrap().status(), 403);

    // By default a receiver must be a public address: loopback, private and metadata addresses are refused.
    for url in ["http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest", "http://[::1]/x", "ftp://example.com/x"] {
        let resp = post(Some(TOKEN), json!({ "url": url, "secret": SECRET, "events": ["submission.completed"] })).await.unwrap();
        assert_eq!(resp.status(), 400, "{url}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
    }

    // Allowed for this deployment: a loopback receiver is accepted; a made secret is shown once.
    let open = spawn_app_configured(open_hooks(&[1.0])).await;
    for (body, problem) in [
        (json!({ "url": "http://127.0.0.1:9/", "secret": SECRET, "events": ["everything"] }), "events:"),
        (json!({ "url": "http://127.0.0.1:9/", "secret": SECRET, "events": [] }), "events:"),
        (json!({ "url": "http://127.0.0.1:9/", "secret": "short", "events": ["submission.completed"] }), "secret:"),
    ] {
        let resp = open.client.post(open.url("/api/v1/webhooks")).bearer_auth(TOKEN).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let message = resp.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.starts_with(problem), "{message}");
    }
    let made = open
        .client
        .post(open.url("/api/v1/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({ "url": "http://127.0.0.1:9/hook", "events": ["invitation.completed", "submission.flagged"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    assert_eq!(made["secret_hint"], format!("…{}", &secret[secret.len() - 4..]));
    let given = register(&open, "http://127.0.0.1:9/other", &["submission.completed"]).await;
    assert!(given.get("secret").is_none(), "a secret the admin chose is not echoed");
    let listed = open.client.get(open.url("/api/v1/webhooks")).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    assert!(!listed.contains(&secret) && !listed.contains(SECRET), "the list never holds a secret: {listed}");
    assert!(listed.contains("…0123"));
    let id = made["id"].as_i64().unwrap();
    let deleted = open.client.delete(open.url(&format!("/api/v1/webhooks/{id}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let again = open.client.delete(open.url(&format!("/api/v1/webhooks/{id}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(again.status(), 404);
    open.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn graded_work_is_delivered_signed_and_each_event_once() {
    let hook = receiver(0).await;
    let app = spawn_app_configured(open_hooks(&[1.0])).await;
    register(&app, &format!("{}/mlgrade", hook.url), &["submission.completed", "invitation.completed", "submission.flagged"]).await;
    let inv = app.invite(json!({ "name": "Ada", "email": "ada@example.com", "challenges": [TINY], "cooldown_seconds": 0 })).await;
    let resp = app.submit_as(&inv.token, TINY, CENTROID).await;
    assert_eq!(resp.status(), 202);
    let submission = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let completed = hook.wait_for(1, Duration::from_secs(300), |h| h.json()["type"] == "submission.completed").await;
    let hit = &completed[0];
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, "/mlgrade");
    verify_signature(hit, SECRET);
    let body = hit.json();
    assert_eq!(hit.header("mlgrade-event-id"), body["id"].as_str().unwrap());
    assert_eq!(hit.header("mlgrade-event"), "submission.completed");
    assert_eq!(body["data"]["submission_id"], submission);
    assert_eq!(body["data"]["challenge"], TINY);
    assert_eq!(body["data"]["verdict"], "accepted");
    assert_eq!(body["data"]["candidate"]["invitation_id"], inv.id);
    assert_eq!(body["data"]["candidate"]["email"], "ada@example.com");

    // The only challenge is submitted: the invitation is complete.
    let done = hook.wait_for(1, Duration::from_secs(30), |h| h.json()["type"] == "invitation.completed").await;
    verify_signature(&done[0], SECRET);
    let data = &done[0].json()["data"];
    assert_eq!(data["invitation_id"], inv.id);
    assert_eq!(data["reason"], "all_submitted");
    assert!(data["score"].as_f64().unwrap() > 0.0, "{data}");
    assert_eq!(data["challenges"][0]["challenge"], TINY);

    // A few more scans find nothing new: one event per fact.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hits = hook.hits();
    let count = |kind: &str| hits.iter().filter(|h| h.json()["type"] == kind).count();
    assert_eq!((count("submission.completed"), count("invitation.completed")), (1, 1), "{hits:#?}");
    let ids: std::collections::HashSet<String> = hits.iter().map(|h| h.header("mlgrade-event-id")).collect();
    assert_eq!(ids.len(), hits.len(), "every event has its own id");
    app.stop().await;
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_with_backoff_then_success() {
    let hook = receiver(2).await;
    let app = spawn_app_configured(open_hooks(&[1.0, 2.0])).await;
    let webhook = register(&app, &hook.url, &["submission.completed"]).await["id"].as_i64().unwrap();
    let id = ping(&app, webhook).await;
    let hits = hook.wait_for(3, Duration::from_secs(30), |_| true).await;
    // The same event each time: a receiver that saw it drops the repeat by its id.
    let event = hits[0].header("mlgrade-event-id");
    assert!(event.starts_with("evt_"));
    assert!(hits.iter().all(|h| h.header("mlgrade-event-id") == event && h.json()["id"] == event.as_str()));
    assert!(hits.iter().all(|h| h.json()["type"] == "ping"));
    for h in &hits {
        verify_signature(h, SECRET);
    }
    // Waits follow the schedule (1 s, then 2 s); the delivery poll adds a little.
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(900) && gaps[1] >= Duration::from_millis(1900), "{gaps:?}");
    let d = wait_state(&app, id, "delivered").await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status"], 200);
    let statuses: Vec<i64> = d["log"].as_array().unwrap().iter().map(|a| a["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert!(d["log"][0]["error"].as_str().unwrap().contains("500"));

    // Three failures use up a schedule of two retries: the delivery is marked failed.
    hook.fail_next(10);
    let failing = ping(&app, webhook).await;
    let d = wait_state(&app, failing, "failed").await;
    assert_eq!(d["attempts"], 3);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_resends_a_failed_delivery_from_the_page_with_the_same_event_id() {
    let hook = receiver(1).await;
    let app = spawn_app_configured(open_hooks(&[])).await;
    let webhook = register(&app, &hook.url, &["invitation.completed"]).await["id"].as_i64().unwrap();
    let id = ping(&app, webhook).await;
    let failed = wait_state(&app, id, "failed").await;
    assert_eq!(failed["last_status"], 500);

    app.create_user("root", "admin").await;
    let admin = app.sign_in("root").await;
    let page = raw_client().get(app.url("/admin/webhooks")).header("cookie", admin.header()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("/admin/webhooks/deliveries/{id}/resend")), "the failed delivery has a resend button");
    assert!(html.contains("HTTP 500") && !html.contains(SECRET));

    // Adding one on the page: a made secret is shown that once, the events are the boxes ticked.
    let added = raw_client()
        .post(app.url("/admin/webhooks"))
        .header("cookie", admin.header())
        .form(&[
            ("csrf", admin.csrf.as_str()),
            ("url", hook.url.as_str()),
            ("secret", ""),
            ("description", "from the page"),
            ("events", "invitation.completed"),
            ("events", "submission.flagged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    let made = text_of(&added.text().await.unwrap(), "new-secret").expect("the made secret is shown");
    assert!(made.starts_with("whsec_"));
    let listed: Value = app.client.get(app.url("/api/v1/webhooks")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["events"], json!(["invitation.completed", "submission.flagged"]));
    assert_eq!(listed[0]["description"], "from the page");
    let again = raw_client().get(app.url("/admin/webhooks")).header("cookie", admin.header()).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(&made), "the secret is not shown again");
    let refused_form = raw_client()
        .post(app.url("/admin/webhooks"))
        .header("cookie", admin.header())
        .form(&[("csrf", admin.csrf.as_str()), ("url", "ftp://example.com/x"), ("events", "invitation.completed")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused_form.status(), 400);
    assert!(refused_form.text().await.unwrap().contains("the scheme must be http or https"));

    app.create_user("iris", "interviewer").await;
    let iris = app.sign_in("iris").await;
    let refused = raw_client().get(app.url("/admin/webhooks")).header("cookie", iris.header()).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let no_csrf = raw_client()
        .post(app.url(&format!("/admin/webhooks/deliveries/{id}/resend")))
        .header("cookie", admin.header())
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);

    let resent = raw_client()
        .post(app.url(&format!("/admin/webhooks/deliveries/{id}/resend")))
        .header("cookie", admin.header())
        .form(&[("csrf", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resent.status(), 303);
    let hits = hook.wait_for(2, Duration::from_secs(30), |_| true).await;
    assert_eq!(hits[0].header("mlgrade-event-id"), hits[1].header("mlgrade-event-id"), "a resend carries the same event id");
    assert_eq!(hits[0].body, hits[1].body);
    verify_signature(&hits[1], SECRET);
    let log: Value = app.client.get(app.url("/api/v1/webhooks/deliveries")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let states: Vec<&str> = log.as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    let started = Instant::now();
    let mut states = states.join(",");
    while states != "delivered,failed" {
        assert!(started.elapsed() < Duration::from_secs(10), "{states}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let log: Value = app.client.get(app.url("/api/v1/webhooks/deliveries")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
        states = log.as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect::<Vec<_>>().join(",");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_queued_before_a_restart_is_sent_after_it() {
    let hook = receiver(1).await;
    let dir = tempfile::tempdir().unwrap();
    let challenges = test_catalogue(dir.path());
    let paths = paths(challenges, &dir.path().join("data"));
    let mut config = serve_config();
    open_hooks(&[3.0])(&mut config);
    let start = |config: mlgrade::config::ServeConfig, paths: mlgrade::config::Paths| async move {
        let app = mlgrade::startup::Application::build(&config, &paths).await.expect("service builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        (address, stop, server)
    };
    let client = reqwest::Client::new();
    let (address, stop, server) = start(config.clone(), paths.clone()).await;
    let made: Value = client
        .post(format!("{address}/api/v1/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({ "url": hook.url, "secret": SECRET, "events": ["submission.completed"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let webhook = made["id"].as_i64().unwrap();
    let pinged: Value = client.post(format!("{address}/api/v1/webhooks/{webhook}/ping")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let id = pinged["delivery_id"].as_i64().unwrap();
    // The first attempt fails; the service stops before the retry is due.
    hook.wait_for(1, Duration::from_secs(30), |_| true).await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), server).await;

    let (address, stop, server) = start(config, paths).await;
    let hits = hook.wait_for(2, Duration::from_secs(30), |_| true).await;
    assert_eq!(hits[0].header("mlgrade-event-id"), hits[1].header("mlgrade-event-id"));
    verify_signature(&hits[1], SECRET);
    let started = Instant::now();
    loop {
        let d: Value = client.get(format!("{address}/api/v1/webhooks/deliveries/{id}")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
        if d["state"] == "delivered" {
            assert_eq!(d["attempts"], 2);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
}
