//! Shared test helpers: a real service on port 0 with a fresh database, a real Docker engine, and
//! the catalogue plus the test-only challenge.
//!
//! The database is a fresh SQLite file in the app's data folder, or, when `MLGRADE_TEST_DATABASE=postgres`,
//! a fresh PostgreSQL database on the server `MLGRADE_TEST_POSTGRES_URL` names (`.ci/run` runs the
//! suite both ways).

use std::collections::HashMap;
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
        max_upload_kb: 256,
        lease_seconds: 10,
        access: mlgrade::accounts::AccessConfig::default(),
        edge: mlgrade::config::EdgeConfig::default(),
        // MLGRADE_TEST_OCI_RUNTIME=runsc runs every sandbox of the suite under that runtime.
        sandbox: mlgrade::config::SandboxConfig {
            oci_runtime: std::env::var("MLGRADE_TEST_OCI_RUNTIME").ok(),
            warm_pool: None,
        },
    }
}

/// Whether this run tests against PostgreSQL (`MLGRADE_TEST_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    match std::env::var("MLGRADE_TEST_DATABASE").as_deref() {
        Ok("postgres") => {
            assert!(mlgrade::storage::test_postgres_url().is_some(), "MLGRADE_TEST_DATABASE=postgres needs MLGRADE_TEST_POSTGRES_URL");
            true
        }
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("MLGRADE_TEST_DATABASE is '{other}'; use sqlite or postgres"),
    }
}

/// A fresh database for one app: `None` (the app's own SQLite file) or a new PostgreSQL database.
pub async fn fresh_database_url() -> Option<String> {
    if !on_postgres() {
        return None;
    }
    let server = mlgrade::storage::test_postgres_url().expect("checked");
    Some(mlgrade::storage::fresh_postgres_database(&server).await.expect("a fresh PostgreSQL database"))
}

pub struct TestApp {
    pub address: String,
    /// The app's database (an SQLite file in its data folder, or a PostgreSQL database).
    pub database_url: String,
    pub client: reqwest::Client,
    /// Holds the data folder and catalogue until the app is dropped.
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A service whose settings `configure` changed first.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let mut config = serve_config();
    configure(&mut config);
    spawn_app_from(&[], config).await
}

/// A service whose catalogue also holds the named shipped challenges.
pub async fn spawn_app_with(shipped: &[&str]) -> TestApp {
    spawn_app_from(shipped, serve_config()).await
}

async fn spawn_app_from(shipped: &[&str], config: ServeConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let challenges = test_catalogue(dir.path());
    for slug in shipped {
        std::os::unix::fs::symlink(repo().join("challenges").join(slug), challenges.join(slug)).unwrap();
    }
    let mut config = config;
    if config.database_url.is_none() {
        config.database_url = fresh_database_url().await;
    }
    let data_dir = dir.path().join("data");
    let database_url = config.database_url(&data_dir);
    let app = Application::build(&config, &paths(challenges, &data_dir)).await.expect("service builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestApp { address, database_url, client: reqwest::Client::new(), _dir: dir, stop: Some(stop), server: Some(server) }
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

    /// A connection pool to the app's database, for tests that set up or inspect rows directly
    /// (portable SQL with `$1, $2 …` placeholders).
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.expect("the app's database")
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

/// Waits until no container carries the job label of one of `ids`: a run hands its container's removal
/// off when its result is in, so removal follows the result by a moment. Fails past `within`.
pub async fn until_containers_gone(ids: &[String], within: Duration) {
    until_no_container(|labels| carries_job_of(labels, ids), within).await
}

/// Waits until no managed container's labels satisfy `select`. Fails past `within`.
pub async fn until_no_container(select: impl Fn(&HashMap<String, String>) -> bool, within: Duration) {
    let started = std::time::Instant::now();
    loop {
        let left = managed_containers(&select).await;
        if left.is_empty() {
            return;
        }
        assert!(started.elapsed() < within, "containers left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Containers (any state) that carry the job label of one of `ids`.
pub async fn containers_of(ids: &[String]) -> Vec<String> {
    managed_containers(|labels| carries_job_of(labels, ids)).await
}

fn carries_job_of(labels: &HashMap<String, String>, ids: &[String]) -> bool {
    labels.get("mlgrade.job").is_some_and(|job| ids.iter().any(|id| id == job))
}

/// Ids of the managed containers (any state) whose labels satisfy `select`.
pub async fn managed_containers(select: impl Fn(&HashMap<String, String>) -> bool) -> Vec<String> {
    let docker = bollard::Docker::connect_with_defaults().unwrap().negotiate_version().await.unwrap();
    let filters = HashMap::from([("label".to_string(), vec!["mlgrade.managed=true".to_string()])]);
    let list = docker
        .list_containers(Some(bollard::container::ListContainersOptions { all: true, filters, ..Default::default() }))
        .await
        .unwrap();
    list.into_iter().filter(|c| c.labels.as_ref().is_some_and(&select)).filter_map(|c| c.id).collect()
}

/// A container created, never started, on the engine with these labels (besides the managed label).
pub async fn created_container(docker: &bollard::Docker, labels: &[(&str, &str)]) -> String {
    let image = mlgrade::runtime::Runtimes::load(&repo().join("docker/runtimes")).unwrap().get("python-numpy").unwrap().image.clone();
    let mut all: HashMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    all.insert("mlgrade.managed".into(), "true".into());
    let config = bollard::container::Config { image: Some(image), cmd: Some(vec!["true".to_string()]), labels: Some(all), ..Default::default() };
    docker.create_container::<String, String>(None, config).await.unwrap().id
}

// ---- access control: users, invitations, sessions ----

pub const PASSWORD: &str = "correct horse battery staple";

/// A client that follows no redirect and keeps no cookie: tests see every status and carry cookies
/// themselves.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A browser session: its cookie and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn header(&self) -> String {
        format!("mlgrade_session={}", self.cookie)
    }
}

/// An invitation as the API returned it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: String,
    pub token: String,
    pub link: String,
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let (pair, _) = v.split_once(';').unwrap_or((v, ""));
        let (k, val) = pair.split_once('=')?;
        (k == name && !val.is_empty()).then(|| val.to_owned())
    })
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("the page has a CSRF field");
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The text of the element with `id`, for elements holding plain text.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"id="{id}""#))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(rest[start..end].trim().to_owned())
}

impl TestApp {
    /// Creates a staff account through the API with the admin token.
    pub async fn create_user(&self, name: &str, role: &str) {
        let resp = self
            .client
            .post(self.url("/api/v1/users"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({ "name": name, "role": role, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "creating {name}: {}", resp.text().await.unwrap());
    }

    /// Creates an invitation through the API with the admin token.
    pub async fn invite(&self, body: Value) -> Invitation {
        let resp = self.client.post(self.url("/api/v1/invitations")).bearer_auth(TOKEN).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 201, "inviting: {}", resp.text().await.unwrap());
        let v: Value = resp.json().await.unwrap();
        Invitation {
            id: v["id"].as_str().unwrap().to_owned(),
            token: v["token"].as_str().unwrap().to_owned(),
            link: v["link"].as_str().unwrap().to_owned(),
        }
    }

    /// Opens an invitation link the way a browser does and returns the session it starts.
    pub async fn open_invitation(&self, inv: &Invitation) -> Session {
        let client = raw_client();
        let resp = client.get(self.url(&inv.link)).send().await.unwrap();
        assert_eq!(resp.status(), 303, "the invitation link redirects to the landing page");
        let cookie = set_cookie(&resp, "mlgrade_session").expect("a session cookie");
        let page = client.get(self.url("/")).header("cookie", format!("mlgrade_session={cookie}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csrf = csrf_of(&page.text().await.unwrap_or_default()).to_owned();
        Session { cookie, csrf }
    }

    /// Signs in through the sign-in form; returns the raw answer to the form post.
    pub async fn post_sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        let client = raw_client();
        let form = client.get(self.url("/login")).send().await.unwrap();
        let login_cookie = set_cookie(&form, "mlgrade_login").expect("a sign-in form cookie");
        let csrf = csrf_of(&form.text().await.unwrap());
        client
            .post(self.url("/login"))
            .header("cookie", format!("mlgrade_login={login_cookie}"))
            .form(&[("name", name), ("password", password), ("csrf", &csrf), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, name: &str) -> Session {
        let resp = self.post_sign_in(name, PASSWORD).await;
        assert_eq!(resp.status(), 303, "signing in {name}");
        let cookie = set_cookie(&resp, "mlgrade_session").expect("a session cookie");
        let page = raw_client().get(self.url("/tokens")).header("cookie", format!("mlgrade_session={cookie}")).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        Session { cookie, csrf }
    }

    /// Creates an API token through the tokens page of `session`'s user.
    pub async fn api_token(&self, session: &Session) -> String {
        let resp = raw_client()
            .post(self.url("/tokens"))
            .header("cookie", session.header())
            .form(&[("csrf", session.csrf.as_str()), ("name", "test script")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        text_of(&resp.text().await.unwrap(), "new-token").expect("the new token is shown")
    }

    /// Submits as the holder of `token` (an invitation or API token); returns the raw response.
    pub async fn submit_as(&self, token: &str, challenge: &str, source: &str) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().text("challenge", challenge.to_owned()).part(
            "file",
            reqwest::multipart::Part::bytes(source.as_bytes().to_vec()).file_name("solution.py"),
        );
        self.client.post(self.url("/api/v1/submissions")).bearer_auth(token).multipart(form).send().await.unwrap()
    }
}

// ---- practice runs ----

impl TestApp {
    /// Posts a practice run as the holder of `token`; returns the raw response.
    pub async fn post_practice(&self, token: &str, challenge: &str, source: &str) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(source.as_bytes().to_vec()).file_name("solution.py"));
        self.client
            .post(self.url(&format!("/api/v1/challenges/{challenge}/practice")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Polls a practice run as the holder of `token` until it completes.
    pub async fn wait_practice(&self, token: &str, id: &str) -> Value {
        let started = Instant::now();
        loop {
            let resp = self.client.get(self.url(&format!("/api/v1/practice/{id}"))).bearer_auth(token).send().await.unwrap();
            assert_eq!(resp.status(), 200, "reading practice run {id}");
            let body: Value = resp.json().await.unwrap();
            if body["status"] == "completed" {
                return body;
            }
            assert!(started.elapsed() < Duration::from_secs(300), "practice run {id} did not complete");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
