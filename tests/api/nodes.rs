//! Nodes by role, for real: the `mlgrade` binary as API-only nodes (`serve --workers 0`) and as
//! workers (`mlgrade worker`) sharing one database; one worker reaches the Docker engine over TCP
//! through a proxy this test can cut. On PostgreSQL when `MLGRADE_TEST_POSTGRES_URL` is set (a fresh
//! database made from it), otherwise on one SQLite file shared by the processes. Each node has its own
//! data folder: the database holds everything nodes share, and a data folder is only a cache.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;
use tokio::net::{TcpListener, UnixStream};
use tokio::sync::watch;

use crate::helpers::*;

const DOCKER_SOCKET: &str = "/var/run/docker.sock";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The shared database of one test.
enum Database {
    Sqlite { url: String },
    Postgres { url: String },
}

impl Database {
    async fn fresh(dir: &Path) -> Database {
        match std::env::var("MLGRADE_TEST_POSTGRES_URL") {
            Ok(base) if !base.is_empty() => {
                let name = format!("mlgrade_nodes_{}", uuid::Uuid::new_v4().simple());
                psql(&base, &format!("CREATE DATABASE {name}"));
                let (server, _) = base.rsplit_once('/').expect("a PostgreSQL URL names a database");
                Database::Postgres { url: format!("{server}/{name}") }
            }
            _ => {
                std::fs::create_dir_all(dir.join("shared")).unwrap();
                Database::Sqlite { url: format!("sqlite://{}", dir.join("shared/mlgrade.db").display()) }
            }
        }
    }

    fn url(&self) -> &str {
        match self {
            Database::Sqlite { url } | Database::Postgres { url } => url,
        }
    }

    /// A node's own data folder.
    fn data_dir(&self, dir: &Path, node: &str) -> PathBuf {
        dir.join(node).join("data")
    }

    /// Per submission: status, attempts and the number of stored results.
    async fn records(&self) -> Vec<(String, String, i64, i64)> {
        const SQL: &str = "SELECT s.id, s.status, s.attempts,
                                  (SELECT COUNT(*) FROM results r WHERE r.submission_id = s.id) AS results
                             FROM submissions s ORDER BY s.id";
        match self {
            Database::Sqlite { url } => {
                let db = sqlx::SqlitePool::connect(url).await.unwrap();
                let rows = sqlx::query(SQL).fetch_all(&db).await.unwrap();
                db.close().await;
                rows.iter()
                    .map(|r| (r.get("id"), r.get("status"), r.get("attempts"), r.get("results")))
                    .collect()
            }
            Database::Postgres { url } => psql(url, SQL)
                .lines()
                .map(|line| {
                    let f: Vec<&str> = line.split('|').collect();
                    (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap(), f[3].parse().unwrap())
                })
                .collect(),
        }
    }
}

impl Database {
    async fn attempts(&self, id: &str) -> i64 {
        let records = self.records().await;
        records.iter().find(|r| r.0 == id).map(|r| r.2).expect("the submission is stored")
    }
}

/// Runs one statement with the PostgreSQL client and returns its unaligned output.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-F", "|", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One `mlgrade` process of the deployment.
struct NodeProcess {
    child: Child,
    /// Where its API (API nodes) or its probes and metrics (workers) answer.
    address: String,
}

impl NodeProcess {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn sigkill(&mut self) {
        self.child.kill().expect("SIGKILL the node");
        self.child.wait().unwrap();
    }

    fn sigterm(&self) {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit on its own and returns whether it exited cleanly.
    async fn exited(&mut self, limit: Duration) -> bool {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(started.elapsed() < limit, "the node did not exit within {limit:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for NodeProcess {
    /// Stops a node still running at the end of a test as an operator would (SIGTERM), so that it
    /// removes its own containers, and kills it if it has not gone within seconds.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The deployment's common settings.
struct Deployment {
    dir: PathBuf,
    challenges: PathBuf,
    db: Database,
}

impl Deployment {
    async fn new(dir: &Path) -> Deployment {
        // Only the test challenge: it has no generator, so a node starts in seconds.
        let challenges = dir.join("challenges");
        std::fs::create_dir_all(&challenges).unwrap();
        std::os::unix::fs::symlink(repo().join("tests/fixtures/challenges").join(TINY), challenges.join(TINY)).unwrap();
        Deployment { dir: dir.to_owned(), challenges, db: Database::fresh(dir).await }
    }

    fn command(&self, node: &str) -> Command {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join(format!("{node}.log"))).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlgrade"));
        cmd.arg("--data-dir")
            .arg(self.db.data_dir(&self.dir, node))
            .arg("--challenges")
            .arg(&self.challenges)
            .arg("--runtimes")
            .arg(repo().join("docker/runtimes"))
            .env("MLGRADE_DATABASE_URL", self.db.url())
            .env("MLGRADE_ADMIN_TOKEN", TOKEN)
            .env_remove("DOCKER_HOST")
            .stdout(Stdio::null())
            .stderr(log);
        cmd
    }

    /// An API-only node.
    async fn api(&self, node: &str) -> NodeProcess {
        let port = free_port();
        let mut cmd = self.command(node);
        cmd.args(["serve", "--workers", "0", "--bind", &format!("127.0.0.1:{port}")]);
        started(cmd, port, "api").await
    }

    /// A worker with `extra` flags, through `docker_host` when given.
    async fn worker(&self, node: &str, docker_host: Option<&str>, extra: &[&str]) -> NodeProcess {
        let port = free_port();
        let mut cmd = self.command(node);
        cmd.args(["worker", "--workers", "2", "--metrics-bind", &format!("127.0.0.1:{port}")]).args(extra);
        if let Some(host) = docker_host {
            cmd.env("DOCKER_HOST", host);
        }
        started(cmd, port, "worker").await
    }
}

/// Starts the process and waits until its `/readyz` says it is ready in `role`.
async fn started(mut cmd: Command, port: u16, role: &str) -> NodeProcess {
    let child = cmd.spawn().expect("the mlgrade binary starts");
    let node = NodeProcess { child, address: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{}/readyz", node.address)).send().await {
            if r.status() == 200 {
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["role"], role, "{body}");
                return node;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(180), "a {role} node did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A loopback TCP listener in front of the engine's socket, whose connections the test can cut.
struct EngineProxy {
    port: u16,
    cut: watch::Sender<bool>,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl EngineProxy {
    async fn start() -> EngineProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, cut_rx) = watch::channel(false);
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                if *cut_rx.borrow() {
                    // Cut: the engine is unreachable, connections close at once.
                    drop(client);
                    continue;
                }
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut cut_rx = cut_rx.clone();
                tokio::spawn(async move {
                    let Ok(mut engine) = UnixStream::connect(DOCKER_SOCKET).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut engine) => {}
                        _ = cut_rx.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        EngineProxy { port, cut, connections }
    }

    fn docker_host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }

    fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }
}

async fn submit_to(client: &reqwest::Client, address: &str, source: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("challenge", TINY)
        .part("file", reqwest::multipart::Part::bytes(source.as_bytes().to_vec()).file_name("solution.py"));
    let resp = client
        .post(format!("{address}/api/v1/submissions"))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn submission(client: &reqwest::Client, address: &str, id: &str) -> Value {
    let resp = client.get(format!("{address}/api/v1/submissions/{id}")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// How many containers of this engine carry an `mlgrade.process` label of the process `pid`.
async fn containers_of_process(pid: u32) -> usize {
    let prefix = format!("{pid}-");
    managed_containers(|labels| labels.get("mlgrade.process").is_some_and(|p| p.starts_with(&prefix))).await.len()
}

/// Waits until `pid` has a sandbox container running.
async fn until_running_on(pid: u32, what: &str) {
    let started = Instant::now();
    while containers_of_process(pid).await == 0 {
        assert!(started.elapsed() < Duration::from_secs(120), "{what} never ran a sandbox");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.parse().unwrap())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn two_api_nodes_and_two_workers_survive_a_killed_worker_and_a_cut_engine() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = Deployment::new(dir.path()).await;
    let proxy = EngineProxy::start().await;
    // Started one after another, as an operator rolls them out: the first publishes the catalogue.
    let api_a = deployment.api("api-a").await;
    let api_b = deployment.api("api-b").await;
    let mut killed = deployment.worker("worker-local", None, &["--lease-seconds", "3"]).await;
    let mut remote = deployment.worker("worker-tcp", Some(&proxy.docker_host()), &["--lease-seconds", "3"]).await;
    assert!(proxy.connections() > 0, "the TCP worker reaches its engine through the proxy");
    let client = reqwest::Client::new();

    let apis = [&api_a.address, &api_b.address];
    let mut ids = Vec::new();
    for i in 0..24 {
        let source = if i % 3 == 0 { fixture("slow_majority.py") } else { fixture("trivial.py") };
        ids.push(submit_to(&client, apis[i % 2], &source).await);
    }

    until_running_on(killed.pid(), "the local worker").await;
    killed.sigkill();
    until_running_on(remote.pid(), "the TCP worker").await;
    proxy.set_cut(true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.set_cut(false);

    let mut completed = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let body = wait_completed(&client, apis[i % 2], id, Duration::from_secs(300)).await;
        assert_eq!(body["verdict"], "accepted", "{body:#}");
        completed.push(body);
    }
    // Every result reads the same from both API nodes, and each submission was graded once.
    for (id, body) in ids.iter().zip(&completed) {
        for api in apis {
            assert_eq!(&submission(&client, api, id).await, body, "submission {id} differs between API nodes");
        }
        assert_eq!(body["history"].as_array().map(Vec::len), Some(1), "one grading in {body:#}");
    }
    let records = deployment.db.records().await;
    assert_eq!(records.len(), ids.len());
    let mut retried = 0;
    for (id, status, attempts, results) in &records {
        assert_eq!(status, "completed", "{id}");
        assert_eq!(*results, 1, "submission {id} has exactly one result");
        retried += (*attempts > 1) as usize;
    }
    assert!(retried >= 1, "the runs interrupted by the kill and the cut ran again");

    // The live worker's sweeper removes what the killed worker left once its leases run out, and the
    // cut worker removes its own leftovers once the engine is back.
    let started = Instant::now();
    loop {
        let left = containers_of(&ids).await;
        if left.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "containers left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let metrics = client.get(format!("{}/metrics", remote.address)).send().await.unwrap().text().await.unwrap();
    assert!(metric(&metrics, "mlgrade_verdicts_total{verdict=\"accepted\"}") >= 1.0, "{metrics}");
    assert!(metric(&metrics, "mlgrade_grading_failures_total") >= 1.0, "the cut failed a run in flight:\n{metrics}");
    assert_eq!(metric(&metrics, "mlgrade_jobs_queued"), 0.0);

    // Stopped the way an operator stops it, the live worker leaves nothing of its own, and its sweeper
    // has taken what the killed worker left, warm containers included.
    remote.sigterm();
    assert!(remote.exited(Duration::from_secs(60)).await, "the TCP worker stopped cleanly");
    let workers = [format!("{}-", killed.pid()), format!("{}-", remote.pid())];
    let of_a_worker = |labels: &std::collections::HashMap<String, String>| {
        labels.get("mlgrade.process").is_some_and(|p| workers.iter().any(|w| p.starts_with(w.as_str())))
    };
    until_no_container(of_a_worker, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn a_stopping_worker_turns_unready_finishes_its_run_or_gives_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = Deployment::new(dir.path()).await;
    let api = deployment.api("api").await;
    let client = reqwest::Client::new();

    // With time to drain, a run in flight finishes while the worker already reads as unready.
    let mut draining = deployment.worker("draining", None, &["--drain-seconds", "60"]).await;
    let id = submit_to(&client, &api.address, &fixture("slow_majority.py")).await;
    until_running_on(draining.pid(), "the draining worker").await;
    draining.sigterm();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{}/readyz", draining.address)).send().await.unwrap();
        if ready.status() == 503 {
            let body: Value = ready.json().await.unwrap();
            assert_eq!(body["error"]["message"], "shutting down");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "a stopping worker stays ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let live = client.get(format!("{}/livez", draining.address)).send().await.unwrap();
    assert_eq!(live.status(), 200, "still alive while draining");
    assert!(draining.exited(Duration::from_secs(60)).await, "a drained worker exits cleanly");
    let body = submission(&client, &api.address, &id).await;
    assert_eq!(body["status"], "completed", "the run in flight finished during the drain: {body:#}");
    assert_eq!(deployment.db.attempts(&id).await, 1, "finished by the worker that started it");

    // Without, the job goes back to the queue at once: another worker takes it long before the
    // (one-minute) lease would have run out.
    let mut hasty = deployment.worker("hasty", None, &["--drain-seconds", "0", "--lease-seconds", "60"]).await;
    let id = submit_to(&client, &api.address, &fixture("slow_majority.py")).await;
    until_running_on(hasty.pid(), "the hasty worker").await;
    hasty.sigterm();
    assert!(hasty.exited(Duration::from_secs(20)).await, "a stopped worker exits cleanly");
    assert_eq!(containers_of_process(hasty.pid()).await, 0, "the stopped worker removed its container");
    let next = deployment.worker("next", None, &["--lease-seconds", "60"]).await;
    let body = wait_completed(&client, &api.address, &id, Duration::from_secs(40)).await;
    assert_eq!(body["verdict"], "accepted");
    assert_eq!(deployment.db.attempts(&id).await, 2, "the given-back job ran again");
    let metrics = client.get(format!("{}/metrics", next.address)).send().await.unwrap().text().await.unwrap();
    assert_eq!(metric(&metrics, "mlgrade_verdicts_total{verdict=\"accepted\"}"), 1.0, "{metrics}");
}

/// A certificate authority, a server certificate for 127.0.0.1 and a client certificate, as the Docker
/// daemon's TLS setup uses them.
struct Pki {
    ca_pem: String,
    server: (rcgen::Certificate, rcgen::KeyPair),
    ca_der: tokio_rustls::rustls::pki_types::CertificateDer<'static>,
    client_pem: (String, String),
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&server_key, &ca_cert, &ca_key).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client.signed_by(&client_key, &ca_cert, &ca_key).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server: (server, server_key),
        client_pem: (client.pem(), client_key.serialize_pem()),
    }
}

/// A TLS-terminating listener in front of the engine's socket that, like a daemon started with
/// `--tlsverify`, accepts only clients with a certificate from the authority. Returns its port and a
/// count of completed handshakes.
async fn tls_engine_proxy(pki: &Pki) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer, server::WebPkiClientVerifier, RootCertStore, ServerConfig};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let key = PrivateKeyDer::Pkcs8(pki.server.1.serialize_der().into());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server.0.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handshakes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = handshakes.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { continue };
            let acceptor = acceptor.clone();
            let counted = counted.clone();
            tokio::spawn(async move {
                let Ok(mut client) = acceptor.accept(client).await else { return };
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Ok(mut engine) = UnixStream::connect(DOCKER_SOCKET).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
            });
        }
    });
    (port, handshakes)
}

#[tokio::test]
async fn a_worker_reaches_its_engine_over_tls_with_client_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = Deployment::new(dir.path()).await;
    let api = deployment.api("api").await;
    let pki = pki();
    let (port, handshakes) = tls_engine_proxy(&pki).await;
    let certs = dir.path().join("docker-certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::write(certs.join("ca.pem"), &pki.ca_pem).unwrap();
    std::fs::write(certs.join("cert.pem"), &pki.client_pem.0).unwrap();

    // Without its key the worker stops at start and says which file is missing.
    let host = format!("tcp://127.0.0.1:{port}");
    let mut cmd = deployment.command("no-key");
    cmd.args(["worker", "--workers", "1"]).env("DOCKER_HOST", &host).env("DOCKER_CERT_PATH", &certs);
    let mut no_key = NodeProcess { child: cmd.spawn().unwrap(), address: String::new() };
    assert!(!no_key.exited(Duration::from_secs(60)).await, "a worker without its key fails");
    let log = std::fs::read_to_string(dir.path().join("no-key.log")).unwrap();
    assert!(log.contains("key.pem"), "the error names the missing file:\n{log}");
    assert_eq!(handshakes.load(std::sync::atomic::Ordering::Relaxed), 0);

    std::fs::write(certs.join("key.pem"), &pki.client_pem.1).unwrap();
    let mut cmd = deployment.command("tls");
    let metrics_port = free_port();
    cmd.args(["worker", "--workers", "1", "--metrics-bind", &format!("127.0.0.1:{metrics_port}")])
        .env("DOCKER_HOST", &host)
        .env("DOCKER_CERT_PATH", &certs);
    let _worker = started(cmd, metrics_port, "worker").await;
    let client = reqwest::Client::new();
    let id = submit_to(&client, &api.address, &fixture("trivial.py")).await;
    let body = wait_completed(&client, &api.address, &id, Duration::from_secs(120)).await;
    assert_eq!(body["verdict"], "accepted", "{body:#}");
    assert!(handshakes.load(std::sync::atomic::Ordering::Relaxed) > 0, "the worker spoke TLS to the engine");
}

async fn exists(docker: &bollard::Docker, id: &str) -> bool {
    docker.inspect_container(id, None).await.is_ok()
}

#[tokio::test]
async fn the_sweeper_spares_live_claims_and_other_hosts_and_removes_the_dead() {
    use mlgrade::sandbox::POOL_LABEL;
    use mlgrade::worker::{self, ATTEMPT_LABEL, CLI_PID_LABEL, HOST_LABEL, INSTANCE_LABEL, JOB_LABEL, PROCESS_LABEL};
    let app = spawn_app_configured(|c| c.workers = Some(0)).await;
    let id = app.submit(TINY, fixture("trivial.py")).await;
    let store = mlgrade::storage::Store::open(&app.database_url, &app.data_dir()).await.unwrap();
    let instance = store.setting("instance_id").await.unwrap().expect("instance id");
    // Another worker process, alive, holds the job: its container must stay.
    let claim = store.claim("another-process-0", Duration::from_secs(2)).await.unwrap().expect("the job is claimed");
    assert_eq!(claim.id.to_string(), id);
    let docker = bollard::Docker::connect_with_defaults().unwrap().negotiate_version().await.unwrap();
    let attempt = claim.attempt.to_string();
    let live_job = created_container(
        &docker,
        &[(JOB_LABEL, &id), (ATTEMPT_LABEL, &attempt), (INSTANCE_LABEL, &instance), (PROCESS_LABEL, "another-process")],
    )
    .await;
    // Runs outside the queue: one by a dead process on this host, one by a process on another host
    // (its pid means nothing here), one of another deployment sharing the engine.
    let dead_here = created_container(&docker, &[(CLI_PID_LABEL, "999999999")]).await;
    let elsewhere = created_container(&docker, &[(CLI_PID_LABEL, "999999999"), (HOST_LABEL, "another-host")]).await;
    let other_deployment =
        created_container(&docker, &[(JOB_LABEL, "01J000000000000000000000000"), (ATTEMPT_LABEL, "1"), (INSTANCE_LABEL, "someone-else")])
            .await;
    // Warm containers only created, not started: one by a dead process on this host (it died
    // mid-launch), one that a process on another host may be starting right now.
    let here = worker::host_name();
    let warm = [(POOL_LABEL, "warm"), (INSTANCE_LABEL, instance.as_str()), (PROCESS_LABEL, "999999999-deadbeef")];
    let launch_died_here = created_container(&docker, &[&warm[..], &[(HOST_LABEL, here.as_str())]].concat()).await;
    let launching_elsewhere = created_container(&docker, &[&warm[..], &[(HOST_LABEL, "another-host")]].concat()).await;
    let other_deployments_launch = created_container(
        &docker,
        &[(POOL_LABEL, "warm"), (INSTANCE_LABEL, "someone-else"), (PROCESS_LABEL, "999999999-deadbeef"), (HOST_LABEL, here.as_str())],
    )
    .await;
    let sandbox = mlgrade::sandbox::Sandbox::connect().await.unwrap();

    // Checked at once, before other services sharing this engine sweep it.
    worker::remove_orphans(&sandbox, &store, &instance).await.unwrap();
    assert!(exists(&docker, &live_job).await, "a live claim's container was removed");
    assert!(!exists(&docker, &dead_here).await, "a dead local process's container stayed");
    assert!(exists(&docker, &elsewhere).await, "another host's run was judged from here");
    assert!(exists(&docker, &other_deployment).await, "another deployment's container was removed");
    assert!(!exists(&docker, &launch_died_here).await, "a launch whose local process died stayed");
    assert!(exists(&docker, &launching_elsewhere).await, "another host's launch in progress was removed");
    assert!(exists(&docker, &other_deployments_launch).await, "another deployment's launch was judged from here");

    // Once the holder stops renewing its lease, its container is an orphan.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    worker::remove_orphans(&sandbox, &store, &instance).await.unwrap();
    assert!(!exists(&docker, &live_job).await, "an expired claim's container stayed");
    for id in [elsewhere, other_deployment, launching_elsewhere, other_deployments_launch] {
        sandbox.remove(&id).await.unwrap();
    }
    app.stop().await;
}
