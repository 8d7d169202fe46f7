//! Building the service's nodes: catalogue, runtime images, database, token, listener; then serving
//! and running the workers until a shutdown future resolves.
//!
//! Every node shares one database. `serve` is an API node that also grades unless `--workers 0`;
//! `worker` only grades, on the Docker engine `DOCKER_HOST` names, with probes and metrics on an
//! optional address of their own.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::api::{self, auth, AppState};
use crate::catalogue::{self, Catalogue, Loader};
use crate::config::{EdgeConfig, Paths, ServeConfig, WorkerConfig};
use crate::generate;
use crate::health::{self, Probes};
use crate::metrics::Metrics;
use crate::pipeline::Grader;
use crate::runtime::{self, Runtimes};
use crate::sandbox::Sandbox;
use crate::storage::Store;
use crate::worker::{self, WorkerContext};

/// Settings key of the generated admin token's hash.
const ADMIN_TOKEN_KEY: &str = "admin_token_sha256";

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    workers: usize,
    lease: Duration,
    instance: String,
    edge: EdgeConfig,
    metrics: Arc<Metrics>,
    warm_pool: usize,
}

/// What every node holds: the grader (catalogue, runtimes, engine), the database and the instance id.
struct Node {
    grader: Grader,
    store: Store,
    instance: String,
}

impl Node {
    /// Connects to the engine and the database, publishes the catalogue folder, builds missing images
    /// and generated data. When the node grades, it also removes what crashed runs left on its engine.
    /// `configure` sets how the engine runs containers (the OCI runtime), before any run.
    async fn build(
        database_url: &str,
        paths: &Paths,
        grades: bool,
        configure: impl FnOnce(Sandbox) -> Sandbox,
    ) -> anyhow::Result<Node> {
        tokio::fs::create_dir_all(&paths.data_dir)
            .await
            .with_context(|| format!("creating the data folder {}", paths.data_dir.display()))?;
        let mut grader = grader(paths).await?;
        grader.sandbox = configure(grader.sandbox);
        let store = Store::open(database_url, &paths.data_dir).await?;
        grader.catalogue = Arc::new(catalogue::publish_folder(&store, &grader.catalogue, &paths.data_dir).await?);
        tracing::info!(challenges = grader.catalogue.len(), "catalogue loaded");
        build_runtimes(&grader).await?;
        generate::prepare(&grader, generate::Deployment::Shared(&store)).await?;
        let instance = instance_id(&store).await?;
        if grades {
            let removed = worker::remove_orphans(&grader.sandbox, &store, &instance).await?;
            if removed > 0 {
                tracing::warn!(removed, "removed sandbox containers left by an earlier run");
            }
        }
        Ok(Node { grader, store, instance })
    }
}

/// Loads runtimes and catalogue and connects to the engine: what both the server and the commands need.
pub async fn grader(paths: &Paths) -> anyhow::Result<Grader> {
    let runtimes = Runtimes::load(&paths.runtimes)?;
    let loader = Loader { runtimes: runtimes.names(), generated_root: generate::generated_root(&paths.data_dir) };
    let catalogue = Catalogue::from_folder(&paths.challenges, loader)?;
    let sandbox = Sandbox::connect().await?;
    sandbox.ping().await.context("the Docker engine does not answer")?;
    Ok(Grader::new(sandbox, runtimes, catalogue, Some(paths.data_dir.join("references"))))
}

/// Builds every runtime image some challenge needs and that is missing, then makes any generated
/// hidden data that is missing (generators run in those images).
pub async fn prepare(grader: &Grader, paths: &Paths) -> anyhow::Result<()> {
    build_runtimes(grader).await?;
    generate::prepare(grader, generate::Deployment::Folder(&paths.data_dir)).await
}

async fn build_runtimes(grader: &Grader) -> anyhow::Result<()> {
    for name in grader.catalogue.runtimes() {
        let rt = grader.runtimes.get(&name).with_context(|| format!("runtime '{name}' has no recipe"))?;
        runtime::ensure(&grader.sandbox, rt).await?;
    }
    Ok(())
}

impl Application {
    pub async fn build(config: &ServeConfig, paths: &Paths) -> anyhow::Result<Application> {
        let swept = api::form::sweep_staging(&paths.data_dir)?;
        if swept > 0 {
            tracing::warn!(removed = swept, "removed upload staging folders left by an earlier run");
        }
        let workers = config.workers();
        let oci_runtime = config.sandbox.oci_runtime.clone();
        let Node { grader, store, instance } =
            Node::build(&config.database_url(&paths.data_dir), paths, workers > 0, |sandbox| sandbox.with_oci_runtime(oci_runtime))
                .await?;
        let admin_token_hash = admin_token_hash(config, &store).await?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            store: store.clone(),
            grader,
            admin_token_hash,
            max_upload_bytes: config.max_upload_kb * 1024,
            data_dir: paths.data_dir.clone(),
            wakeup: Arc::new(Notify::new()),
            access: crate::accounts::Access::new(config.access.clone(), store.db().clone()),
        };
        Ok(Application {
            listener,
            port,
            state,
            workers,
            lease: Duration::from_secs(config.lease_seconds.max(1)),
            instance,
            edge: config.edge.clone(),
            metrics: Arc::new(Metrics::default()),
            // An API node (no workers) keeps no warm containers.
            warm_pool: if workers == 0 { 0 } else { config.sandbox.warm_pool.unwrap_or(workers) },
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves and runs the workers until `shutdown` resolves, then stops claiming jobs, gives back the
    /// ones in flight and returns once in-flight requests are answered.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let grading = Grading::start(GradingSetup {
            store: self.state.store.clone(),
            grader: self.state.grader.clone(),
            instance: self.instance.clone(),
            workers: self.workers,
            lease: self.lease,
            wakeup: self.state.wakeup.clone(),
            metrics: self.metrics.clone(),
            warm_pool: self.warm_pool,
        });
        let probes = Probes {
            store: self.state.store.clone(),
            engine: (self.workers > 0).then(|| self.state.grader.sandbox.clone()),
            metrics: self.metrics.clone(),
            draining: stop.clone(),
            role: if self.workers > 0 { "api+worker" } else { "api" },
        };
        let notifications = tokio::spawn(crate::webhooks::run(self.state.clone(), stop.clone()));
        tracing::info!(port = self.port, workers = self.workers, "serving");
        let stop_server = stop.clone();
        tokio::spawn(async move {
            shutdown.await;
            stop_server.cancel();
        });
        let router = api::router(self.state).merge(health::router(probes));
        serve(self.listener, router, &self.edge, stop.clone()).await;
        stop.cancel();
        // The API node stops at once: its runs in flight go back to the queue for other workers.
        grading.stop(Duration::ZERO).await;
        let _ = notifications.await;
        Ok(())
    }
}

/// A worker node: grades from the shared database with no API, serving only its probes and metrics
/// when asked to.
pub struct WorkerNode {
    node: Node,
    workers: usize,
    /// Started containers kept ready, as on a serving node.
    warm_pool: usize,
    lease: Duration,
    drain: Duration,
    metrics_listener: Option<TcpListener>,
    metrics: Arc<Metrics>,
}

impl WorkerNode {
    pub async fn build(config: &WorkerConfig, paths: &Paths) -> anyhow::Result<WorkerNode> {
        let oci_runtime = config.sandbox.oci_runtime.clone();
        let node =
            Node::build(&config.database_url(&paths.data_dir), paths, true, |sandbox| sandbox.with_oci_runtime(oci_runtime)).await?;
        let workers = config.workers().max(1);
        let metrics_listener = match config.metrics_bind {
            Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| format!("binding {addr} for metrics"))?),
            None => None,
        };
        Ok(WorkerNode {
            node,
            workers,
            warm_pool: config.sandbox.warm_pool.unwrap_or(workers),
            lease: Duration::from_secs(config.lease_seconds.max(1)),
            drain: Duration::from_secs(config.drain_seconds),
            metrics_listener,
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// The port of the probes and metrics listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port())
    }

    /// Grades until `shutdown` resolves; then turns unready, stops claiming, lets runs in flight finish
    /// for up to the drain time, gives back the rest and removes its containers.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let draining = CancellationToken::new();
        let grading = Grading::start(GradingSetup {
            store: self.node.store.clone(),
            grader: self.node.grader.clone(),
            instance: self.node.instance.clone(),
            workers: self.workers,
            lease: self.lease,
            // Jobs are queued by API nodes in other processes; workers find them by polling.
            wakeup: Arc::new(Notify::new()),
            metrics: self.metrics.clone(),
            warm_pool: self.warm_pool,
        });
        let probes = Probes {
            store: self.node.store.clone(),
            engine: Some(self.node.grader.sandbox.clone()),
            metrics: self.metrics.clone(),
            draining: draining.clone(),
            role: "worker",
        };
        let exited = CancellationToken::new();
        let probe_server = self.metrics_listener.map(|listener| {
            let exited = exited.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, health::router::<()>(probes)).with_graceful_shutdown(exited.cancelled_owned());
                if let Err(e) = served.await {
                    tracing::error!(error = %e, "serving probes and metrics");
                }
            })
        });
        tracing::info!(workers = self.workers, engine = %crate::sandbox::engine::Endpoint::from_env().map(|e| e.to_string()).unwrap_or_default(), "grading");
        shutdown.await;
        draining.cancel();
        grading.stop(self.drain).await;
        exited.cancel();
        if let Some(server) = probe_server {
            let _ = server.await;
        }
        Ok(())
    }
}

/// What the grading loop of a node needs.
struct GradingSetup {
    store: Store,
    grader: Grader,
    instance: String,
    workers: usize,
    lease: Duration,
    wakeup: Arc<Notify>,
    metrics: Arc<Metrics>,
    /// Created containers kept ready for this node's runs.
    warm_pool: usize,
}

/// A node's running workers and its sweeper.
struct Grading {
    ctx: WorkerContext,
    workers: Vec<JoinHandle<()>>,
    reaper: Option<JoinHandle<()>>,
}

impl Grading {
    fn start(setup: GradingSetup) -> Grading {
        setup.metrics.set_worker_slots(setup.workers);
        let ctx = WorkerContext {
            store: setup.store,
            grader: setup.grader,
            lease: setup.lease,
            wakeup: setup.wakeup,
            shutdown: CancellationToken::new(),
            abort: CancellationToken::new(),
            instance: setup.instance,
            process: worker_prefix(),
            metrics: setup.metrics,
        };
        let pool_labels = std::collections::HashMap::from([
            (worker::INSTANCE_LABEL.to_owned(), ctx.instance.clone()),
            (worker::PROCESS_LABEL.to_owned(), ctx.process.clone()),
            (worker::HOST_LABEL.to_owned(), worker::host_name()),
        ]);
        ctx.grader.sandbox.start_pool(setup.warm_pool, pool_labels);
        let workers = (0..setup.workers)
            .map(|i| tokio::spawn(worker::run(ctx.clone(), format!("{}-{i}", ctx.process))))
            .collect();
        // A node that does not grade leaves the engine's leftovers to the nodes that do.
        let reaper = (setup.workers > 0).then(|| tokio::spawn(reap_orphans(ctx.clone())));
        Grading { ctx, workers, reaper }
    }

    /// Stops claiming, waits up to `drain` for the runs in flight, gives back the rest, and removes
    /// every container this process started.
    async fn stop(self, drain: Duration) {
        self.ctx.shutdown.cancel();
        let mut workers = futures_util::future::join_all(self.workers);
        if tokio::time::timeout(drain, &mut workers).await.is_err() {
            tracing::info!(drain_seconds = drain.as_secs(), "runs still in flight after the drain time; giving them back");
        }
        self.ctx.abort.cancel();
        workers.await;
        if let Some(reaper) = self.reaper {
            let _ = reaper.await;
        }
        self.ctx.grader.sandbox.stop_pool().await;
        // Creates still under way end and their containers go (they count as pending removals); then
        // anything else this process labelled goes too.
        crate::sandbox::removals_done().await;
        if let Err(e) = self.ctx.grader.sandbox.remove_labelled(worker::PROCESS_LABEL, &self.ctx.process).await {
            tracing::warn!(error = %e, "removing this process's containers at shutdown");
        }
        crate::sandbox::removals_done().await;
    }
}

/// Accepts connections until `stop` is cancelled, then lets each finish its request in flight and
/// waits for them. Each connection must send its headers within the header timeout, which also closes
/// a keep-alive connection left idle that long; bodies are bounded by the router's request deadline.
/// At most `max_connections` are served at once; an accept error (out of file descriptors, say) is
/// waited out instead of stopping the server.
async fn serve(listener: TcpListener, router: axum::Router, edge: &EdgeConfig, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(edge.max_connections.max(1)));
    let header_timeout = Duration::from_secs(edge.header_timeout_seconds.max(1));
    let connections = TaskTracker::new();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the connection semaphore is never closed"),
            _ = stop.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        connections.spawn(serve_connection(stream, peer, router.clone(), header_timeout, stop.clone(), slot));
    }
    connections.close();
    connections.wait().await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    header_timeout: Duration,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    // Client addresses feed the sign-in rate limit.
    let service = router.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // Headers larger than this are refused; it also bounds what a connection that never
        // finishes its headers can make the server hold.
        .max_buf_size(MAX_HEADER_BUFFER)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
}

/// Read buffer of a connection, and so the largest request head accepted.
const MAX_HEADER_BUFFER: usize = 64 * 1024;

/// Every lease period, removes containers whose job is no longer live: a run abandoned by a worker
/// that died, once its lease has run out.
async fn reap_orphans(ctx: WorkerContext) {
    let mut tick = tokio::time::interval(ctx.lease);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = ctx.shutdown.cancelled() => return,
        }
        match worker::remove_orphans(&ctx.grader.sandbox, &ctx.store, &ctx.instance).await {
            Ok(0) => {}
            Ok(n) => {
                ctx.metrics.orphans_removed(n);
                tracing::warn!(removed = n, "removed abandoned sandbox containers");
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "sweeping abandoned containers"),
        }
    }
}

/// The id of this service's database, created at first start: several services may share one Docker
/// engine, and each must only clean up its own containers.
async fn instance_id(store: &Store) -> anyhow::Result<String> {
    const KEY: &str = "instance_id";
    store.insert_setting(KEY, &uuid::Uuid::new_v4().simple().to_string()).await?;
    store.setting(KEY).await?.context("instance id just stored")
}

/// Worker names are unique per process start, so a restarted service never mistakes an old claim for
/// its own.
fn worker_prefix() -> String {
    format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// The admin token's hash: from the configuration, or from the database, or generated now and printed
/// this one time.
async fn admin_token_hash(config: &ServeConfig, store: &Store) -> anyhow::Result<[u8; 32]> {
    if let Some(token) = &config.admin_token {
        return Ok(auth::token_hash(token.expose()));
    }
    if let Some(stored) = store.setting(ADMIN_TOKEN_KEY).await? {
        let bytes = hex::decode(stored).context("stored admin token hash")?;
        return bytes.try_into().map_err(|_| anyhow::anyhow!("stored admin token hash has the wrong length"));
    }
    let token = auth::generate_token();
    let hash = auth::token_hash(&token);
    if store.insert_setting(ADMIN_TOKEN_KEY, &hex::encode(hash)).await? {
        println!("admin token (shown once; set MLGRADE_ADMIN_TOKEN to choose your own): {token}");
        Ok(hash)
    } else {
        // Another process stored one first; use that.
        Box::pin(admin_token_hash(config, store)).await
    }
}
