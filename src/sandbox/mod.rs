//! Runs untrusted code in a hardened Docker container and brings back what it printed.
//!
//! Every run uses every setting at once: no network, read-only root, an unprivileged user, no
//! capabilities, no-new-privileges, pids/memory/CPU limits, size-capped tmpfs, the engine's log driver
//! off, a service-enforced wall-clock deadline, and forced removal. Inputs go in as a tar on stdin and
//! outputs come back on the attach stream: with a read-only root the archive endpoints cannot reach the
//! tmpfs, and streams work the same against a remote engine.

pub mod engine;
mod output;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::container::{
    AttachContainerOptions, Config, CreateContainerOptions, InspectContainerOptions, KillContainerOptions,
    ListContainersOptions, LogOutput, RemoveContainerOptions, WaitContainerOptions,
};
use bollard::models::{HostConfig, HostConfigLogConfig};
use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::domain::Limits;
pub use output::CappedLog;
use output::CappedBuffer;

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

const BOOTSTRAP: &str = include_str!("bootstrap.py");
/// PID 1 after the bootstrap: runs the harness as its child, enforces the CPU-time limit and reports the
/// cgroup's CPU time and peak memory in a frame the child cannot write.
const SUPERVISOR: &str = include_str!("supervisor.py");
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
}

fn docker_err(context: &'static str) -> impl FnOnce(bollard::errors::Error) -> SandboxError {
    move |source| SandboxError::Docker { context, source }
}

/// A handle on the Docker engine used for sandboxed runs.
#[derive(Clone)]
pub struct Sandbox {
    docker: Docker,
}

impl Sandbox {
    /// Connects to the engine named by `DOCKER_HOST` (or the local socket) and agrees on an API version.
    pub async fn connect() -> Result<Sandbox, SandboxError> {
        let docker = engine::connect().map_err(docker_err("connecting"))?;
        let docker = docker.negotiate_version().await.map_err(docker_err("negotiating the API version"))?;
        Ok(Sandbox { docker })
    }

    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    pub async fn ping(&self) -> Result<(), SandboxError> {
        self.docker.ping().await.map_err(docker_err("ping"))?;
        Ok(())
    }

    /// Runs one job to its end and always removes the container, also when this future is dropped.
    pub async fn run(&self, spec: RunSpec) -> Result<RunOutcome, SandboxError> {
        let job_tar = pack(&spec)?;
        let name = format!("mlgrade-{}", uuid::Uuid::new_v4().simple());
        // Armed before the create request, by name: a run dropped mid-request still removes what the
        // engine goes on to create.
        let guard = RemoveOnDrop { docker: self.docker.clone(), id: Some(name.clone()) };
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptions { name: name.as_str(), platform: None }),
                container_config(&spec),
            )
            .await
            .map_err(docker_err("creating the container"))?;
        let outcome = self.drive(&created.id, job_tar, spec.limits.wall_clock()).await;
        guard.remove_now().await;
        outcome
    }

    async fn drive(&self, id: &str, job_tar: Vec<u8>, deadline: Duration) -> Result<RunOutcome, SandboxError> {
        let attach = self
            .docker
            .attach_container(
                id,
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
        let started = Instant::now();
        self.docker.start_container::<String>(id, None).await.map_err(docker_err("starting"))?;
        crate::metrics::SANDBOX.container_started();

        let mut stdin = attach.input;
        // A candidate that exits early closes stdin; a failed write then says nothing about the service.
        let feeder = tokio::spawn(async move {
            let _ = stdin.write_all(&job_tar).await;
            let _ = stdin.shutdown().await;
        });
        let collector = tokio::spawn(collect(attach.output));

        let timed_out = match tokio::time::timeout(deadline, self.wait(id)).await {
            Ok(waited) => {
                waited?;
                false
            }
            Err(_) => {
                self.kill(id).await;
                self.wait(id).await?;
                true
            }
        };
        let duration = started.elapsed();
        feeder.abort();
        // The attach stream ends with the container; the bound only guards against a stuck engine.
        let (result, log) = match tokio::time::timeout(Duration::from_secs(10), collector).await {
            Ok(Ok(collected)) => collected,
            _ => (CappedBuffer::new(RESULT_CAP), CappedLog::new(LOG_CAP)),
        };
        let state = self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(docker_err("inspecting"))?
            .state
            .unwrap_or_default();
        let result_overflow = result.overflowed();
        let (usage, result) = split_frame(result.into_bytes());
        Ok(RunOutcome {
            exit_code: usage.map(|u| u.exit_code).or(state.exit_code).unwrap_or(-1),
            oom_killed: state.oom_killed.unwrap_or(false),
            timed_out,
            result_overflow,
            result,
            log: log.render(),
            duration,
            usage,
        })
    }

    /// Waits for the container to stop; a non-zero exit is an outcome, not an error.
    async fn wait(&self, id: &str) -> Result<(), SandboxError> {
        let mut stream = self
            .docker
            .wait_container(id, Some(WaitContainerOptions { condition: "not-running" }));
        match stream.next().await {
            Some(Ok(_)) | None => Ok(()),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { .. })) => Ok(()),
            Some(Err(e)) => Err(docker_err("waiting")(e)),
        }
    }

    async fn kill(&self, id: &str) {
        if let Err(e) = self.docker.kill_container(id, Some(KillContainerOptions { signal: "SIGKILL" })).await {
            // The container may have exited on its own between the deadline and the kill.
            tracing::debug!(container = id, error = %e, "kill after deadline");
        }
    }

    /// Containers this service labelled, with their labels, whatever their state.
    pub async fn labelled_containers(&self) -> Result<Vec<(String, HashMap<String, String>)>, SandboxError> {
        let filters = HashMap::from([("label".to_string(), vec![format!("{MANAGED_LABEL}=true")])]);
        let list = self
            .docker
            .list_containers(Some(ListContainersOptions { all: true, filters, ..Default::default() }))
            .await
            .map_err(docker_err("listing containers"))?;
        Ok(list
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect())
    }

    /// Removes every container of this service whose `label` is `value`.
    pub async fn remove_labelled(&self, label: &str, value: &str) -> Result<(), SandboxError> {
        for (id, labels) in self.labelled_containers().await? {
            if labels.get(label).map(String::as_str) == Some(value) {
                self.remove(&id).await?;
            }
        }
        Ok(())
    }

    pub async fn remove(&self, id: &str) -> Result<(), SandboxError> {
        remove_forced(&self.docker, id).await.map_err(docker_err("removing a container"))
    }
}

fn container_config(spec: &RunSpec) -> Config<String> {
    let limits = &spec.limits;
    let mut labels = spec.labels.clone();
    labels.insert(MANAGED_LABEL.to_owned(), "true".to_owned());
    let tmpfs = HashMap::from([
        (WORK_DIR.to_owned(), format!("rw,nosuid,nodev,size={}m,mode=1777", limits.tmpfs_mb)),
        ("/tmp".to_owned(), "rw,nosuid,nodev,noexec,size=8m,mode=1777".to_owned()),
    ]);
    let threads = (limits.cpus.ceil() as u64).max(1).to_string();
    Config {
        image: Some(spec.image.clone()),
        // -I keeps the environment and the working directory out of Python's import path and settings,
        // so -B (no bytecode files) and -u (unbuffered output) are given as flags.
        cmd: Some(vec!["python3".into(), "-I".into(), "-B".into(), "-u".into(), "-c".into(), BOOTSTRAP.into()]),
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
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            pids_limit: Some(limits.pids as i64),
            memory: Some(limits.memory_bytes()),
            memory_swap: Some(limits.memory_bytes()),
            nano_cpus: Some(limits.nano_cpus()),
            tmpfs: Some(tmpfs),
            ipc_mode: Some("private".into()),
            log_config: Some(HostConfigLogConfig { typ: Some("none".into()), config: None }),
            auto_remove: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Builds the tar streamed into the container: the supervisor, its settings and the job's files. Fixed
/// owners and times keep it reproducible.
fn pack(spec: &RunSpec) -> std::io::Result<Vec<u8>> {
    let settings = serde_json::json!({
        "seed": spec.seed,
        "cpu_seconds": spec.limits.time_seconds,
        "wall_seconds": spec.limits.wall_clock().as_secs_f64() - SUPERVISOR_HEADSTART.as_secs_f64(),
        "result_cap": RESULT_CAP,
    });
    let own = [
        ("supervisor.py", SUPERVISOR.as_bytes().to_vec()),
        ("seeded.py", SEEDED.as_bytes().to_vec()),
        ("supervisor.json", settings.to_string().into_bytes()),
    ];
    let mut builder = tar::Builder::new(Vec::new());
    let own = own.iter().map(|(name, bytes)| (*name, bytes.as_slice()));
    for (name, bytes) in own.chain(spec.files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice()))) {
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

/// Splits the container's stdout into the supervisor's first line and the harness's result. Without a
/// readable first line (the supervisor was killed from outside) there is no usage and no result.
pub fn split_frame(stdout: Vec<u8>) -> (Option<Usage>, Vec<u8>) {
    let Some(end) = stdout.iter().position(|&b| b == b'\n') else { return (None, Vec::new()) };
    match serde_json::from_slice::<Usage>(&stdout[..end]) {
        Ok(usage) => (Some(usage), stdout[end + 1..].to_vec()),
        Err(_) => (None, Vec::new()),
    }
}

/// Splits the attach stream into the harness channel and the candidate's log, both capped. Bytes past a
/// cap are read and dropped so a flood never blocks the container or grows the service's memory.
async fn collect(
    mut output: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
) -> (CappedBuffer, CappedLog) {
    let mut result = CappedBuffer::new(RESULT_CAP);
    let mut log = CappedLog::new(LOG_CAP);
    while let Some(item) = output.next().await {
        match item {
            Ok(LogOutput::StdOut { message }) => result.push(&message),
            Ok(LogOutput::StdErr { message }) | Ok(LogOutput::Console { message }) => log.push(&message),
            Ok(LogOutput::StdIn { .. }) => {}
            Err(e) => {
                tracing::debug!(error = %e, "attach stream ended with an error");
                break;
            }
        }
    }
    (result, log)
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
}

impl RemoveOnDrop {
    async fn remove_now(mut self) {
        if let Some(id) = self.id.take() {
            if let Err(e) = remove_forced(&self.docker, &id).await {
                tracing::error!(container = %id, error = %e, "could not remove a sandbox container");
            }
        }
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let docker = self.docker.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    if let Err(e) = remove_forced(&docker, &id).await {
                        tracing::error!(container = %id, error = %e, "could not remove a cancelled run");
                    }
                });
            }
        }
    }
}
