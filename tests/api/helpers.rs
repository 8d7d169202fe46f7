//! Shared test helpers: a real service on port 0 with a fresh SQLite file, a real Docker engine, and
//! the catalogue plus the test-only challenge.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mlgrade::config::{Paths, ServeConfig};
use mlgrade::startup::Application;
use serde_json::Value;

pub const TOKEN: &str = "test-admin-token-0123456789";
pub const DECISION_TREE: &str = "decision-tree-from-scratch";
pub const TINY: &str = "tiny-classify";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/submissions").join(name)).expect("fixture")
}

/// A catalogue folder holding the shipped challenge and the test-only one.
pub fn test_catalogue(dir: &Path) -> PathBuf {
    let root = dir.join("challenges");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(repo().join("challenges").join(DECISION_TREE), root.join(DECISION_TREE)).unwrap();
    for fixture in [TINY, "tiny-scored"] {
        std::os::unix::fs::symlink(repo().join("tests/fixtures/challenges").join(fixture), root.join(fixture)).unwrap();
    }
    root
}

pub fn paths(challenges: PathBuf, data_dir: &Path) -> Paths {
    Paths { challenges, runtimes: repo().join("docker/runtimes"), data_dir: data_dir.to_owned() }
}

pub fn serve_config() -> ServeConfig {
    ServeConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: None,
        workers: Some(2),
        admin_token: Some(TOKEN.parse().unwrap()),
        max_upload_kb: 64,
        lease_seconds: 10,
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Holds the data folder and catalogue until the app is dropped.
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let challenges = test_catalogue(dir.path());
    let app = Application::build(&serve_config(), &paths(challenges, &dir.path().join("data")))
        .await
        .expect("service builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestApp { address, client: reqwest::Client::new(), _dir: dir, stop: Some(stop), server: Some(server) }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Posts a submission; returns the raw response.
    pub async fn post_submission(&self, challenge: &str, source: impl Into<Vec<u8>>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().text("challenge", challenge.to_owned()).part(
            "file",
            reqwest::multipart::Part::bytes(source.into()).file_name("solution.py"),
        );
        self.client
            .post(self.url("/api/v1/submissions"))
            .bearer_auth(TOKEN)
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Submits and returns the new submission's id.
    pub async fn submit(&self, challenge: &str, source: impl Into<Vec<u8>>) -> String {
        let resp = self.post_submission(challenge, source).await;
        assert_eq!(resp.status(), 202, "submission accepted");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "queued");
        body["id"].as_str().unwrap().to_owned()
    }

    pub fn data_dir(&self) -> PathBuf {
        self._dir.path().join("data")
    }

    pub async fn submission_json(&self, id: &str) -> Value {
        let resp = self.client.get(self.url(&format!("/api/v1/submissions/{id}"))).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Polls until the submission is completed and returns it.
    pub async fn wait_for(&self, id: &str) -> Value {
        wait_completed(&self.client, &self.address, id, Duration::from_secs(300)).await
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
        }
    }
}

pub async fn wait_completed(client: &reqwest::Client, address: &str, id: &str, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let resp = client
            .get(format!("{address}/api/v1/submissions/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await;
        if let Ok(resp) = resp {
            if resp.status() == 200 {
                let body: Value = resp.json().await.unwrap();
                if body["status"] == "completed" {
                    return body;
                }
            }
        }
        assert!(started.elapsed() < limit, "submission {id} did not complete within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Containers (any state) that carry the job label of one of `ids`.
pub async fn containers_of(ids: &[String]) -> Vec<String> {
    let docker = bollard::Docker::connect_with_defaults().unwrap().negotiate_version().await.unwrap();
    let filters = std::collections::HashMap::from([("label".to_string(), vec!["mlgrade.managed=true".to_string()])]);
    let list = docker
        .list_containers(Some(bollard::container::ListContainersOptions { all: true, filters, ..Default::default() }))
        .await
        .unwrap();
    list.into_iter()
        .filter(|c| {
            c.labels
                .as_ref()
                .and_then(|l| l.get("mlgrade.job"))
                .is_some_and(|job| ids.iter().any(|id| id == job))
        })
        .filter_map(|c| c.id)
        .collect()
}
