//! Command-line flags and environment variables, in one place.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "mlgrade", version, about = "Sandboxed grading of machine-learning coding challenges")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub paths: Paths,
}

/// Where the catalogue and the runtime recipes live.
#[derive(Debug, Clone, Args)]
pub struct Paths {
    /// Folder of challenges, one sub-folder each.
    #[arg(long, env = "MLGRADE_CHALLENGES", default_value = "challenges", global = true)]
    pub challenges: PathBuf,
    /// Folder of runtime image recipes.
    #[arg(long, env = "MLGRADE_RUNTIMES", default_value = "docker/runtimes", global = true)]
    pub runtimes: PathBuf,
    /// Folder for the database, stored files, generated challenge data and the deployment's secret seed.
    #[arg(long, env = "MLGRADE_DATA_DIR", default_value = "./mlgrade-data", global = true)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and pages, and run grading workers (`--workers 0`: an API node that only serves).
    Serve(ServeConfig),
    /// A worker node: grade queued jobs from the database on the Docker engine named by `DOCKER_HOST`,
    /// with no API.
    Worker(WorkerConfig),
    /// Grade one file once, without a server, and print the result as the API would.
    Grade {
        /// The challenge's slug.
        #[arg(long)]
        challenge: String,
        /// The candidate's solution.py.
        file: PathBuf,
    },
    /// Manage runtime images.
    Runtimes {
        #[command(subcommand)]
        action: RuntimesAction,
    },
    /// Manage the challenge catalogue.
    Challenges {
        #[command(subcommand)]
        action: ChallengesAction,
    },
    /// Measure grading latency, throughput and service memory against bare container runs.
    Bench(BenchConfig),
    /// Manage staff accounts (admins and interviewers).
    Users {
        #[command(subcommand)]
        action: crate::accounts::cli::UsersAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuntimesAction {
    /// Build runtime images (all of them when no name is given); an image whose recipe is unchanged is kept.
    Build {
        names: Vec<String>,
        /// Build even when an image with the recipe's tag exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChallengesAction {
    /// Validate manifests and run each reference (and baseline) solution in the sandbox.
    Check { slugs: Vec<String> },
    /// Grade a panel of honest and dishonest solutions on many deployments and count each check's
    /// flags, to set thresholds from.
    Calibrate {
        slugs: Vec<String>,
        /// Folder with one sub-folder of panel solutions per challenge.
        #[arg(long, default_value = "tests/fixtures/panel")]
        panel: PathBuf,
        /// Deployments to generate, with secret seeds 1..=N.
        #[arg(long, default_value_t = 5)]
        seeds: u64,
        /// Also write every result as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "MLGRADE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Database URL; a SQLite file in the data folder by default.
    #[arg(long, env = "MLGRADE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Grading workers in this process; the number of cores by default. 0 makes an API node that only
    /// serves, for `mlgrade worker` nodes to grade.
    #[arg(long, env = "MLGRADE_WORKERS")]
    pub workers: Option<usize>,
    /// The admin API token; when unset, one is generated at first start and printed once.
    #[arg(long, env = "MLGRADE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,
    /// Largest accepted source file, in KiB.
    #[arg(long, env = "MLGRADE_MAX_UPLOAD_KB", default_value_t = 256)]
    pub max_upload_kb: usize,
    /// Seconds a claimed job stays owned without a heartbeat before another worker may take it.
    #[arg(long, env = "MLGRADE_LEASE_SECONDS", default_value_t = 30)]
    pub lease_seconds: u64,
    /// Sign-in, invitations, cooldowns and rate limits.
    #[command(flatten)]
    pub access: crate::accounts::AccessConfig,
    /// Connection handling: header timeout, idle connections, the connection cap.
    #[command(flatten)]
    pub edge: EdgeConfig,
    /// How sandbox containers are run: OCI runtime, warm pool.
    #[command(flatten)]
    pub sandbox: SandboxConfig,
}

/// How sandbox containers are run.
#[derive(Debug, Clone, Default, Args)]
pub struct SandboxConfig {
    /// OCI runtime for sandbox containers, registered with the engine (e.g. `runsc` for gVisor); the
    /// engine's default when unset.
    #[arg(long, env = "MLGRADE_OCI_RUNTIME")]
    pub oci_runtime: Option<String>,
    /// Started containers kept ready for the next runs; as many as workers by default, 0 turns the warm
    /// pool off.
    #[arg(long, env = "MLGRADE_WARM_POOL")]
    pub warm_pool: Option<usize>,
}

/// How the server treats connections, so slow or idle clients cannot hold them.
#[derive(Debug, Clone, Args)]
pub struct EdgeConfig {
    /// Seconds a client has to send a request's headers; also how long an idle keep-alive connection
    /// stays open between requests.
    #[arg(long, env = "MLGRADE_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_timeout_seconds: u64,
    /// Most connections served at once; further clients wait in the listen queue.
    #[arg(long, env = "MLGRADE_MAX_CONNECTIONS", default_value_t = 2048)]
    pub max_connections: usize,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig { header_timeout_seconds: 10, max_connections: 2048 }
    }
}

impl ServeConfig {
    pub fn database_url(&self, data_dir: &std::path::Path) -> String {
        self.database_url.clone().unwrap_or_else(|| default_database_url(data_dir))
    }

    pub fn workers(&self) -> usize {
        self.workers.unwrap_or_else(cores)
    }
}

/// A worker node: no API listener, only grading (and probes and metrics when `--metrics-bind` is set).
#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    /// Database URL; a SQLite file in the data folder by default. Every node of a deployment uses the
    /// same database.
    #[arg(long, env = "MLGRADE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Grading workers in this process; the number of cores by default.
    #[arg(long, env = "MLGRADE_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds a claimed job stays owned without a heartbeat before another worker may take it.
    #[arg(long, env = "MLGRADE_LEASE_SECONDS", default_value_t = 30)]
    pub lease_seconds: u64,
    /// Address for `/livez`, `/readyz` and `/metrics`; none are served when unset.
    #[arg(long, env = "MLGRADE_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Seconds a stopping worker lets its runs in flight finish before it gives their jobs back to the
    /// queue.
    #[arg(long, env = "MLGRADE_DRAIN_SECONDS", default_value_t = 30)]
    pub drain_seconds: u64,
    #[command(flatten)]
    pub sandbox: SandboxConfig,
}

impl WorkerConfig {
    pub fn database_url(&self, data_dir: &std::path::Path) -> String {
        self.database_url.clone().unwrap_or_else(|| default_database_url(data_dir))
    }

    pub fn workers(&self) -> usize {
        self.workers.unwrap_or_else(cores)
    }
}

fn default_database_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}", data_dir.join("mlgrade.db").display())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[derive(Debug, Clone, Args)]
pub struct BenchConfig {
    /// Challenge to grade (its reference solution is not used: a trivial majority-class file is).
    #[arg(long, default_value = "decision-tree-from-scratch")]
    pub challenge: String,
    /// Interleaved latency rounds.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Submissions in the throughput run.
    #[arg(long, default_value_t = 50)]
    pub jobs: usize,
    /// Submissions queued for the memory figure.
    #[arg(long, default_value_t = 1000)]
    pub queued: usize,
}

/// A value that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() < 16 {
            return Err("the admin token must be at least 16 characters".into());
        }
        Ok(Secret(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s: Secret = "0123456789abcdef-secret".parse().unwrap();
        assert!(!format!("{s:?}").contains("secret"));
        assert!("short".parse::<Secret>().is_err());
    }
}
