//! Runs untrusted code in a hardened Docker container and brings back what it printed.
//!
//! Every run uses every setting at once: no network, read-only root, an unprivileged user, no
//! capabilities, no-new-privileges, pids/memory/CPU limits, size-capped tmpfs, the engine's log driver
//! off, a service-enforced wall-clock deadline, and forced removal. Inputs go in as a tar on stdin and
//! outputs come back on the attach stream: with a read-only root the archive endpoints cannot reach the
//! tmpfs, and streams work the same against a remote engine.
//!
//! A container is made for one (image, limits, seed) and starts before its job exists: the supervisor
//! forks the child interpreter (numpy imported, hash seed set) and waits for the job on stdin. The warm
//! [`pool`] keeps such containers ready so creation and interpreter start leave a run's critical path;
//! without a ready one a run makes its own the same way. Either way a container runs one job and goes.

pub mod engine;
mod output;
pub mod pool;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bollard::container::{
    AttachContainerOptions, AttachContainerResults, Config, CreateContainerOptions, InspectContainerOptions, KillContainerOptions,
    ListContainersOptions, LogOutput, RemoveContainerOptions, WaitContainerOptions,
};
use bollard::models::{HostConfig, HostConfigLogConfig};
use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::task::TaskTracker;

use crate::domain::Limits;
pub use output::{parse_frame, CappedLog, Frame, FrameReader};
pub use pool::PoolStats;

/// Label present on every container this service creates, so leftovers can be found after a crash.
pub const MANAGED_LABEL: &str = "mlgrade.managed";
/// Where the job is unpacked and the candidate's code runs: a size-capped tmpfs.
const WORK_DIR: &str = "/sandbox";
/// The unprivileged user of every run (Debian's `nobody`).
const SANDBOX_USER: &str = "65534:65534";
/// Most bytes of harness output (predictions) kept; more is a wrong output, not a service problem.
pub const RESULT_CAP: usize = 64 * 1024 * 1024;
/// Most bytes of the candidate's own output kept, split between its head and its tail.
pub const LOG_CAP: usize = 64 * 1024;

/// PID 1, passed on the command line: receives the job, runs the harness as its child, enforces the
/// CPU-time limit and reports the cgroup's CPU time and peak memory in a frame the child cannot write.
const SUPERVISOR: &str = include_str!("supervisor.py");
/// The child's first code: imports numpy, then waits for the supervisor to release it into the job.
const ZYGOTE: &str = include_str!("zygote.py");
/// How long a started container waits for its job before it ends itself: the bound on a warm container
/// whose service died without closing its stdin (a remote engine behind a half-open connection).
const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Host threads granted on top of the pids limit under another OCI runtime: gVisor's kernel runs in the
/// container's cgroup, so its own threads count against the pids limit (a limit of 32 stops it before
/// the first process starts), while the candidate's processes are its tasks, bounded by the memory
/// limit instead.
const RUNTIME_THREADS: u64 = 256;
/// Exit code of a container whose supervisor never got a job (its service died, or it waited too long);
/// see supervisor.py. Such a container holds nothing and nobody waits for it, so any sweeper removes it.
pub const NO_JOB_EXIT: i64 = 86;
/// A container is created, attached and started within seconds; a warm one still only created after
/// this was left by a process that died mid-launch, whichever service made it.
const LAUNCH_GRACE: Duration = Duration::from_secs(120);
/// Label on warm containers; their job is not known when they are made, so they carry no job label.
pub const POOL_LABEL: &str = "mlgrade.pool";
/// How much earlier than the service the supervisor enforces the wall clock, so that it can still
/// report what the run used.
const SUPERVISOR_HEADSTART: Duration = Duration::from_secs(5);
/// The built-in generator that redraws a public table for each deployment (`data.redraw`).
pub const REDRAW: &str = include_str!("redraw.py");
/// Seeds every random source from the run's seed, then runs the harness.
const SEEDED: &str = include_str!("seeded.py");

/// One file given to the sandbox: a name relative to the work directory, and its bytes.
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What to run: the image, the limits, the files, the seed of every random source, and labels that say
/// whose run it is.
pub struct RunSpec {
    pub image: String,
    pub limits: Limits,
    pub files: Vec<InputFile>,
    pub seed: u32,
    pub labels: HashMap<String, String>,
}

/// How a run ended, as the engine and the deadline saw it.
#[derive(Debug)]
pub struct RunOutcome {
    /// The container that ran the job (removed by now).
    pub container: String,
    /// The container was made ahead of time by the warm pool.
    pub warm: bool,
    pub exit_code: i64,
    pub oom_killed: bool,
    pub timed_out: bool,
    /// The harness's channel (stdout), up to [`RESULT_CAP`].
    pub result: Vec<u8>,
    pub result_overflow: bool,
    /// The candidate's output (stderr), head and tail kept.
    pub log: String,
    /// Wall-clock time from start to exit, as the service measured it.
    pub duration: Duration,
    /// What the supervisor read from the container's cgroup; absent when it could not report (the
    /// run was killed from outside, say).
    pub usage: Option<Usage>,
}

/// The supervisor's frame: how the harness ended and what the whole container used.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Usage {
    pub exit_code: i64,
    pub cpu_seconds: f64,
    pub peak_memory_mb: f64,
    /// The supervisor stopped the run for passing the CPU-time limit.
    pub cpu_exceeded: bool,
    /// The supervisor stopped the run at its wall-clock deadline.
    #[serde(default)]
    pub wall_exceeded: bool,
}

impl RunOutcome {
    /// Stopped on the wall clock while computing most of the time: the host gave the run too little
    /// CPU to finish, which is no verdict on the candidate's code.
    pub fn starved(&self) -> bool {
        let computing = |u: &Usage| u.cpu_seconds >= 0.25 * self.duration.as_secs_f64();
        self.usage.is_some_and(|u| u.wall_exceeded && computing(&u))
    }

    /// A run stopped for time: over its CPU-time limit, or past the wider wall-clock safety net.
    pub fn out_of_time(&self) -> bool {
        self.timed_out || self.usage.is_some_and(|u| u.cpu_exceeded || u.wall_exceeded)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("docker engine: {context}: {source}")]
    Docker {
        context: &'static str,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("packing the job: {0}")]
    Pack(#[from] std::io::Error),
    #[error("docker engine: creating the container: the request's task ended without an answer")]
    CreateLost,
}

fn docker_err(context: &'static str) -> impl FnOnce(bollard::errors::Error) -> SandboxError {
    move |source| SandboxError::Docker { context, source }
}

/// A handle on the Docker engine used for sandboxed runs.
#[derive(Clone)]
pub struct Sandbox {
    launcher: Launcher,
    /// Set once when a service starts its workers; shared by every clone of this handle.
    pool: Arc<OnceLock<pool::Pool>>,
    /// Containers started ahead of runs whose keys are known early (see [`Sandbox::launch_ahead`]),
    /// each taken by the first run with its key.
    ahead: Arc<Mutex<HashMap<ContainerKey, Vec<Ahead>>>>,
}

/// A container being started ahead of its run.
type Ahead = tokio::task::JoinHandle<Result<Launched, SandboxError>>;

/// What a container is made for: everything fixed when its interpreter starts. The seed belongs here
/// because Python's hash seed is set at interpreter start, before the job exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerKey {
    pub image: String,
    pub limits: LimitsKey,
    pub seed: u32,
}

/// [`Limits`] as a hashable key (the CPU share by its bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LimitsKey {
    time_seconds: u64,
    memory_mb: u64,
    cpus_bits: u64,
    pids: u64,
    tmpfs_mb: u64,
}

impl ContainerKey {
    pub fn of(spec: &RunSpec) -> ContainerKey {
        ContainerKey::new(spec.image.clone(), &spec.limits, spec.seed)
    }

    pub fn new(image: String, l: &Limits, seed: u32) -> ContainerKey {
        let limits = LimitsKey {
            time_seconds: l.time_seconds,
            memory_mb: l.memory_mb,
            cpus_bits: l.cpus.to_bits(),
            pids: l.pids,
            tmpfs_mb: l.tmpfs_mb,
        };
        ContainerKey { image, limits, seed }
    }

    fn limits(&self) -> Limits {
        let l = &self.limits;
        Limits {
            time_seconds: l.time_seconds,
            memory_mb: l.memory_mb,
            cpus: f64::from_bits(l.cpus_bits),
            pids: l.pids,
            tmpfs_mb: l.tmpfs_mb,
        }
    }
}

impl std::fmt::Display for ContainerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = self.limits();
        write!(
            f,
            "{} seed {} ({} s, {} MB, {} cpus, {} pids, {} MB tmpfs)",
            self.image, self.seed, l.time_seconds, l.memory_mb, l.cpus, l.pids, l.tmpfs_mb
        )
    }
}

/// Makes and starts containers: the engine, and the OCI runtime they run under.
#[derive(Clone)]
struct Launcher {
    docker: Docker,
    /// An OCI runtime registered with the engine (gVisor's `runsc`, say); the engine's default if unset.
    runtime: Option<String>,
    /// The engine removes each container once it stops (see [`Sandbox::removed_by_engine`]).
    auto_remove: bool,
}

/// A started container waiting for its job, with the attach streams that feed and read it, removed
/// when dropped unless removed before.
struct Launched {
    id: String,
    attach: AttachContainerResults,
    guard: RemoveOnDrop,
}

impl Launcher {
    /// Creates, attaches and starts a container for `key`; its supervisor then waits for the job.
    async fn launch(&self, key: &ContainerKey, labels: &HashMap<String, String>) -> Result<Launched, SandboxError> {
        let guard = self.create(key, labels).await?;
        let id = guard.id.clone().expect("a created container's guard is armed");
        // Attached before the start so nothing the container writes is missed.
        let attach = self
            .docker
            .attach_container(
                &id,
                Some(AttachContainerOptions::<String> {
                    stdin: Some(true),
                    stdout: Some(true),
                    stderr: Some(true),
                    stream: Some(true),
                    ..Default::default()
                }),
            )
            .await
            .map_err(docker_err("attaching"))?;
        self.docker.start_container::<String>(&id, None).await.map_err(docker_err("starting"))?;
        crate::metrics::SANDBOX.container_started();
        Ok(Launched { id, attach, guard })
    }

    /// Creates the container and hands back the guard that removes it. The request runs to its end
    /// on its own task even when the launch is dropped mid-request (a stopping pool, a lost lease):
    /// a removal sent while the engine is still creating finds nothing, and the container would
    /// appear after it. Whatever the engine made is then owned by a guard, in the answer or dropped
    /// with it, and the task counts as a pending removal until then.
    async fn create(&self, key: &ContainerKey, labels: &HashMap<String, String>) -> Result<RemoveOnDrop, SandboxError> {
        let docker = self.docker.clone();
        let config = container_config(key, labels, self.runtime.as_deref(), self.auto_remove);
        let (answer, created) = tokio::sync::oneshot::channel();
        tokio::spawn(REMOVALS.track_future(async move {
            let name = format!("mlgrade-{}", uuid::Uuid::new_v4().simple());
            let options = CreateContainerOptions { name: name.as_str(), platform: None };
            let guarded = docker
                .create_container(Some(options), config)
                .await
                .map(|created| RemoveOnDrop { docker: docker.clone(), id: Some(created.id), held: None })
                .map_err(docker_err("creating the container"));
            // Nobody waits any more: the answer, guard included, is dropped here and removes it.
            let _ = answer.send(guarded);
        }));
        created.await.map_err(|_| SandboxError::CreateLost)?
    }
}

impl Sandbox {
    /// Connects to the engine named by `DOCKER_HOST` (or the local socket) and agrees on an API version.
    pub async fn connect() -> Result<Sandbox, SandboxError> {
        let docker = engine::connect().map_err(docker_err("connecting"))?;
        let docker = docker.negotiate_version().await.map_err(docker_err("negotiating the API version"))?;
        Ok(Sandbox { launcher: Launcher { docker, runtime: None, auto_remove: false }, pool: Default::default(), ahead: Default::default() })
    }

    /// Runs every container under `runtime` (an OCI runtime registered with the engine, such as
    /// gVisor's `runsc`) instead of the engine's default.
    pub fn with_oci_runtime(mut self, runtime: Option<String>) -> Sandbox {
        self.launcher.runtime = runtime.filter(|r| !r.is_empty());
        self
    }

    /// Has the engine remove each container as soon as it stops, instead of this process: a one-shot
    /// command then exits with its result rather than after its containers' removal. Every run's
    /// container stops by itself (its supervisor ends after its frame, or at its deadline; an unused
    /// one when this process's attach connection closes), so none is left. A service keeps removing
    /// its own, whose stopped state its sweeper and the engine's account of a killed run rely on.
    pub fn removed_by_engine(mut self) -> Sandbox {
        self.launcher.auto_remove = true;
        self
    }

    pub fn docker(&self) -> &Docker {
        &self.launcher.docker
    }

    pub async fn ping(&self) -> Result<(), SandboxError> {
        self.docker().ping().await.map_err(docker_err("ping"))?;
        Ok(())
    }

    /// Starts the warm pool: up to `size` started containers kept ready for the keys runs asked for
    /// most recently, each labelled with `labels` (so sweepers know whose they are). Does nothing when
    /// `size` is 0 or a pool runs already. The pool refills in the background until [`Self::stop_pool`].
    pub fn start_pool(&self, size: usize, labels: HashMap<String, String>) {
        if size == 0 || self.pool.get().is_some() {
            return;
        }
        let _ = self.pool.set(pool::Pool::start(self.launcher.clone(), size, labels));
    }

    /// Starts a container for `key` now, for a run that will ask for it soon: its creation and its
    /// interpreter's start then overlap what the caller does before the run (reading the hidden
    /// data, say). The first run with that key takes it; [`Self::discard_ahead`] removes any left.
    pub fn launch_ahead(&self, key: ContainerKey, mut labels: HashMap<String, String>) {
        labels.insert(MANAGED_LABEL.to_owned(), "true".to_owned());
        let launcher = self.launcher.clone();
        let launching = key.clone();
        let task = tokio::spawn(async move { launcher.launch(&launching, &labels).await });
        self.ahead.lock().expect("ahead lock").entry(key).or_default().push(task);
    }

    /// Removes the containers started ahead that no run took.
    pub async fn discard_ahead(&self) {
        let left: Vec<Ahead> = self.ahead.lock().expect("ahead lock").drain().flat_map(|(_, tasks)| tasks).collect();
        for task in left {
            if let Ok(Ok(launched)) = task.await {
                launched.guard.remove_now().await;
            }
        }
    }

    /// A container started ahead for `key`, once it is up; `None` when there is none or its start
    /// failed (the run then makes its own, and says why if that fails too).
    async fn take_ahead(&self, key: &ContainerKey) -> Option<Launched> {
        let task = self.ahead.lock().expect("ahead lock").get_mut(key).and_then(Vec::pop)?;
        match task.await {
            Ok(Ok(launched)) => Some(launched),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "a container started ahead failed to start");
                None
            }
            Err(_) => None,
        }
    }

    /// Stops refilling and removes every idle warm container.
    pub async fn stop_pool(&self) {
        if let Some(pool) = self.pool.get() {
            pool.stop().await;
        }
    }

    /// What the warm pool holds and has done, for metrics; `None` without a pool.
    pub fn pool_stats(&self) -> Option<PoolStats> {
        self.pool.get().map(pool::Pool::stats)
    }

    /// Runs one job to its end and always removes the container, also when this future is dropped. A
    /// warm container made for the same image, limits and seed is used when the pool has one ready.
    pub async fn run(&self, spec: RunSpec) -> Result<RunOutcome, SandboxError> {
        let job_tar = pack(&spec)?;
        let key = ContainerKey::of(&spec);
        let warm = self.pool.get().and_then(|p| p.take(&key));
        let is_warm = warm.is_some();
        let ready = match warm {
            Some(launched) => Some(launched),
            None => self.take_ahead(&key).await,
        };
        let launched = match ready {
            Some(launched) => launched,
            None => {
                let mut labels = spec.labels.clone();
                labels.insert(MANAGED_LABEL.to_owned(), "true".to_owned());
                self.launcher.launch(&key, &labels).await?
            }
        };
        let Launched { id, attach, guard } = launched;
        let outcome = self.drive(&id, attach, job_tar, spec.limits.wall_clock()).await;
        // The job is over and the container stopping; removing it need not delay the result. The engine
        // does it where told to; otherwise it goes on in the background (see [`removals_done`]), the
        // pool accounts for a warm one until it is gone, and a sweeper takes any container whose
        // process died first.
        if self.launcher.auto_remove && outcome.is_ok() {
            guard.disarm();
        } else {
            drop(guard);
        }
        outcome.map(|mut o| {
            o.container = id;
            o.warm = is_warm;
            o
        })
    }

    /// Feeds the job and reads the container's output until the supervisor's frame is whole, which
    /// is the end of the run: the container is stopping by then, and its teardown is left to removal.
    /// Without a frame (the supervisor was killed from outside, or the deadline passed) the engine's
    /// view of the container decides.
    async fn drive(
        &self,
        id: &str,
        attach: AttachContainerResults,
        job_tar: Vec<u8>,
        deadline: Duration,
    ) -> Result<RunOutcome, SandboxError> {
        let started = Instant::now();
        let mut stdin = attach.input;
        // A candidate that exits early closes stdin; a failed write then says nothing about the service.
        let feeder = tokio::spawn(async move {
            let _ = stdin.write_all(&job_tar).await;
            let _ = stdin.shutdown().await;
        });
        let mut output = attach.output;
        let mut read = Collected::new();
        let timed_out = tokio::time::timeout(deadline, read.until_frame(&mut output)).await.is_err();
        if timed_out {
            self.kill(id).await;
        }
        let duration = started.elapsed();
        feeder.abort();
        let supervisor_log = read.stderr.render();
        let outcome = match read.frame.finish() {
            Some(frame) => {
                let oom_killed = match frame.oom_killed {
                    Some(killed) => killed,
                    None => self.engine_state(id).await?.oom_killed.unwrap_or(false),
                };
                let mut log = frame.log.render();
                log.push_str(&supervisor_log);
                RunOutcome {
                    container: id.to_owned(),
                    warm: false,
                    exit_code: frame.usage.exit_code,
                    oom_killed,
                    timed_out,
                    result_overflow: frame.result_overflow,
                    result: frame.result,
                    log,
                    duration,
                    usage: Some(frame.usage),
                }
            }
            None => {
                let waited = self.wait(id).await?;
                let state = self.engine_state(id).await?;
                RunOutcome {
                    container: id.to_owned(),
                    warm: false,
                    exit_code: state.exit_code.or(waited).unwrap_or(-1),
                    oom_killed: state.oom_killed.unwrap_or(false),
                    timed_out,
                    result_overflow: false,
                    result: Vec::new(),
                    log: supervisor_log,
                    duration,
                    usage: None,
                }
            }
        };
        Ok(outcome)
    }

    /// The engine's account of the container; empty once the engine has removed it (see
    /// [`Sandbox::removed_by_engine`]).
    async fn engine_state(&self, id: &str) -> Result<bollard::models::ContainerState, SandboxError> {
        match self.docker().inspect_container(id, None::<InspectContainerOptions>).await {
            Ok(inspected) => Ok(inspected.state.unwrap_or_default()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) if self.launcher.auto_remove => {
                Ok(Default::default())
            }
            Err(e) => Err(docker_err("inspecting")(e)),
        }
    }

    /// Waits for the container to stop and gives its exit code when the engine says; a non-zero exit
    /// is an outcome, not an error, and so is a container the engine has already removed.
    async fn wait(&self, id: &str) -> Result<Option<i64>, SandboxError> {
        let mut stream = self
            .docker()
            .wait_container(id, Some(WaitContainerOptions { condition: "not-running" }));
        match stream.next().await {
            Some(Ok(done)) => Ok(Some(done.status_code)),
            None => Ok(None),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(Some(code)),
            Some(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) if self.launcher.auto_remove => Ok(None),
            Some(Err(e)) => Err(docker_err("waiting")(e)),
        }
    }

    async fn kill(&self, id: &str) {
        if let Err(e) = self.docker().kill_container(id, Some(KillContainerOptions { signal: "SIGKILL" })).await {
            // The container may have exited on its own between the deadline and the kill.
            tracing::debug!(container = id, error = %e, "kill after deadline");
        }
    }

    /// Containers this service labelled that a sweeper may judge, with their labels. Warm containers
    /// that are accounted for are left out: those this process's pool holds or runs a job in, and any
    /// still running (an idle one ends by itself when the service holding its stdin goes, and a busy one
    /// at its supervisor's deadline). A warm container only created so far is marked `launching`: its
    /// process may be starting it, and the sweeper asks whether that process lives. A stopped warm
    /// container of another process is an orphan.
    pub async fn labelled_containers(&self) -> Result<Vec<Labelled>, SandboxError> {
        let held = self.pool.get().map(pool::Pool::held).unwrap_or_default();
        Ok(self
            .managed_containers()
            .await?
            .into_iter()
            .filter(|c| !(c.labelled.labels.contains_key(POOL_LABEL) && (c.running || held.contains(&c.labelled.id))))
            .map(|c| c.labelled)
            .collect())
    }

    /// Removes warm containers that stopped without ever getting a job, whichever service made them:
    /// the idle containers of services that are gone, and those left only created past
    /// [`LAUNCH_GRACE`] by a process that died mid-launch. Returns how many.
    pub async fn remove_jobless(&self) -> Result<usize, SandboxError> {
        remove_jobless(self.docker()).await
    }

    /// Every container this service labelled, whatever its state.
    async fn managed_containers(&self) -> Result<Vec<Managed>, SandboxError> {
        let filters = HashMap::from([("label".to_string(), vec![format!("{MANAGED_LABEL}=true")])]);
        let list = self
            .docker()
            .list_containers(Some(ListContainersOptions { all: true, filters, ..Default::default() }))
            .await
            .map_err(docker_err("listing containers"))?;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                let labels = c.labels.unwrap_or_default();
                let launching = labels.contains_key(POOL_LABEL) && c.state.as_deref() == Some("created") && recent(c.created);
                Some(Managed {
                    running: c.state.as_deref() == Some("running"),
                    labelled: Labelled { id: c.id?, labels, launching },
                })
            })
            .collect())
    }

    /// Removes every container of this service whose `label` is `value`.
    pub async fn remove_labelled(&self, label: &str, value: &str) -> Result<(), SandboxError> {
        for c in self.managed_containers().await? {
            if c.labelled.labels.get(label).map(String::as_str) == Some(value) {
                self.remove(&c.labelled.id).await?;
            }
        }
        Ok(())
    }

    pub async fn remove(&self, id: &str) -> Result<(), SandboxError> {
        remove_forced(self.docker(), id).await.map_err(docker_err("removing a container"))
    }
}

async fn remove_jobless(docker: &Docker) -> Result<usize, SandboxError> {
    let exited = warm_containers(docker, &[("status", "exited"), ("exited", &NO_JOB_EXIT.to_string())]).await?;
    // A launch that never reached its start: its process died mid-launch, and nobody will start it.
    let abandoned = warm_containers(docker, &[("status", "created")]).await?.into_iter().filter(|c| !recent(c.created));
    let mut removed = 0;
    for id in exited.into_iter().chain(abandoned).filter_map(|c| c.id) {
        remove_forced(docker, &id).await.map_err(docker_err("removing a jobless warm container"))?;
        removed += 1;
    }
    Ok(removed)
}

/// Warm containers of any service on the engine that match `filters`.
async fn warm_containers(docker: &Docker, filters: &[(&str, &str)]) -> Result<Vec<bollard::models::ContainerSummary>, SandboxError> {
    let mut all = HashMap::from([("label".to_string(), vec![POOL_LABEL.to_string()])]);
    all.extend(filters.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])));
    docker
        .list_containers(Some(ListContainersOptions { all: true, filters: all, ..Default::default() }))
        .await
        .map_err(docker_err("listing jobless warm containers"))
}

/// Whether a container created at `created` (unix seconds, as the engine lists it) is within
/// [`LAUNCH_GRACE`].
fn recent(created: Option<i64>) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    created.is_some_and(|at| now.saturating_sub(at) < LAUNCH_GRACE.as_secs() as i64)
}

/// A labelled container as the engine lists it.
struct Managed {
    labelled: Labelled,
    running: bool,
}

/// A container a sweeper may judge: its id and labels, and whether it is a warm container created
/// within [`LAUNCH_GRACE`] and not started yet, which a live process may be launching.
#[derive(Debug)]
pub struct Labelled {
    pub id: String,
    pub labels: HashMap<String, String>,
    pub launching: bool,
}

/// The container's settings: every hardening setting, the limits, and the supervisor with this
/// container's own settings (seed, time limits) on the command line. The job comes later, on stdin.
fn container_config(key: &ContainerKey, labels: &HashMap<String, String>, runtime: Option<&str>, auto_remove: bool) -> Config<String> {
    let limits = key.limits();
    let limits = &limits;
    let settings = serde_json::json!({
        "seed": key.seed,
        "cpu_seconds": limits.time_seconds,
        "wall_seconds": limits.wall_clock().as_secs_f64() - SUPERVISOR_HEADSTART.as_secs_f64(),
        "result_cap": RESULT_CAP,
        "log_cap": LOG_CAP,
        "idle_seconds": IDLE_LIMIT.as_secs(),
    });
    let tmpfs = HashMap::from([
        (WORK_DIR.to_owned(), format!("rw,nosuid,nodev,size={}m,mode=1777", limits.tmpfs_mb)),
        ("/tmp".to_owned(), "rw,nosuid,nodev,noexec,size=8m,mode=1777".to_owned()),
    ]);
    let threads = (limits.cpus.ceil() as u64).max(1).to_string();
    Config {
        image: Some(key.image.clone()),
        // -I keeps the environment and the working directory out of Python's import path and settings,
        // so -B (no bytecode files) and -u (unbuffered output) are given as flags.
        cmd: Some(vec![
            "python3".into(),
            "-I".into(),
            "-B".into(),
            "-u".into(),
            "-c".into(),
            SUPERVISOR.into(),
            ZYGOTE.into(),
            settings.to_string(),
        ]),
        user: Some(SANDBOX_USER.into()),
        // A fixed, minimal environment: nothing of the service's own environment enters the sandbox.
        env: Some(vec![
            "PATH=/usr/local/bin:/usr/bin:/bin".into(),
            format!("HOME={WORK_DIR}"),
            "MPLCONFIGDIR=/tmp".into(),
            format!("OMP_NUM_THREADS={threads}"),
            format!("OPENBLAS_NUM_THREADS={threads}"),
            "LANG=C.UTF-8".into(),
        ]),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        tty: Some(false),
        network_disabled: Some(true),
        labels: Some(labels.clone()),
        host_config: Some(HostConfig {
            runtime: runtime.map(str::to_owned),
            network_mode: Some("none".into()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            pids_limit: Some((limits.pids + if runtime.is_some() { RUNTIME_THREADS } else { 0 }) as i64),
            memory: Some(limits.memory_bytes()),
            memory_swap: Some(limits.memory_bytes()),
            nano_cpus: Some(limits.nano_cpus()),
            tmpfs: Some(tmpfs),
            ipc_mode: Some("private".into()),
            log_config: Some(HostConfigLogConfig { typ: Some("none".into()), config: None }),
            auto_remove: Some(auto_remove),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Builds the tar streamed into the container: the seeding wrapper and the job's files. Fixed owners
/// and times keep it reproducible.
fn pack(spec: &RunSpec) -> std::io::Result<Vec<u8>> {
    let own = [("seeded.py", SEEDED.as_bytes())];
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in own.into_iter().chain(spec.files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice()))) {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder.append_data(&mut header, name, bytes)?;
    }
    builder.into_inner()
}

/// What a run's attach stream brought: the supervisor's frame on stdout, and on stderr whatever the
/// supervisor itself printed (its own failure; the candidate's log is inside the frame).
struct Collected {
    frame: FrameReader,
    stderr: CappedLog,
}

impl Collected {
    fn new() -> Collected {
        Collected { frame: FrameReader::default(), stderr: CappedLog::new(LOG_CAP) }
    }

    /// Reads until the frame is whole or the stream ends (the container stopped without one).
    async fn until_frame(
        &mut self,
        output: &mut std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    ) {
        while let Some(item) = output.next().await {
            match item {
                Ok(LogOutput::StdOut { message }) => {
                    if self.frame.push(&message) {
                        return;
                    }
                }
                Ok(LogOutput::StdErr { message }) | Ok(LogOutput::Console { message }) => self.stderr.push(&message),
                Ok(LogOutput::StdIn { .. }) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "attach stream ended with an error");
                    return;
                }
            }
        }
    }
}

async fn remove_forced(docker: &Docker, id: &str) -> Result<(), bollard::errors::Error> {
    let opts = RemoveContainerOptions { force: true, v: true, ..Default::default() };
    match docker.remove_container(id, Some(opts)).await {
        // Gone already, or another sweeper is removing it right now: either way it is going.
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404 | 409, .. }) => Ok(()),
        other => other,
    }
}

/// Removes the container when dropped, so a cancelled or failed run never leaves one behind.
struct RemoveOnDrop {
    docker: Docker,
    id: Option<String>,
    /// The warm pool's set of the containers it accounts for; the id leaves it once removed.
    held: Option<Arc<Mutex<HashSet<String>>>>,
}

impl RemoveOnDrop {
    /// Leaves the container to the engine, which removes it when it stops.
    fn disarm(mut self) {
        if let Some(id) = self.id.take() {
            release(self.held.take(), &id);
        }
    }

    async fn remove_now(mut self) {
        if let Some(id) = self.id.take() {
            if let Err(e) = remove_forced(&self.docker, &id).await {
                tracing::error!(container = %id, error = %e, "could not remove a sandbox container");
            }
            release(self.held.take(), &id);
        }
    }
}

fn release(held: Option<Arc<Mutex<HashSet<String>>>>, id: &str) {
    if let Some(held) = held {
        held.lock().expect("pool lock").remove(id);
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let docker = self.docker.clone();
            let held = self.held.take();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(REMOVALS.track_future(async move {
                    if let Err(e) = remove_forced(&docker, &id).await {
                        tracing::error!(container = %id, error = %e, "could not remove a sandbox container");
                    }
                    release(held, &id);
                }));
            }
        }
    }
}

/// Container removals under way in this process. A run hands its container's removal off so it does
/// not delay the result; a process waits for them before it exits, so a one-shot command leaves
/// nothing behind.
static REMOVALS: LazyLock<TaskTracker> = LazyLock::new(TaskTracker::new);

/// Waits until every container removal this process started has ended. Polled rather than closing
/// the tracker: callers may wait at the same time (services stopping side by side) while runs go on
/// handing removals off.
pub async fn removals_done() {
    while !REMOVALS.is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_container_counts_as_launching_only_within_the_grace() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let grace = LAUNCH_GRACE.as_secs() as i64;
        assert!(recent(Some(now - 5)));
        assert!(!recent(Some(now - grace - 5)), "past the grace, the engine-wide sweep takes it");
        assert!(!recent(None), "an engine that gives no creation time cannot make one immortal");
    }
}
