//! The storage layer: one database that every node shares, SQLite or PostgreSQL.
//!
//! Everything a node needs from another lives in the database: the queue (`queue`), results and
//! fingerprints (`results`), content-addressed bytes such as submitted files, challenge version
//! archives, generated hidden data and the secret seed (`blobs`, `versions`), accounts, invitations,
//! quotas and the audit log (`accounts`, `quota`), and the rate-limit counters (`ratelimit`). A node's
//! data folder is only a cache of those bytes, filled on demand.
//!
//! # Two dialects, one set of statements
//! The handle is [`Db`]: an `sqlx::AnyPool` plus the [`Dialect`] it speaks. SQL is written once, with
//! `$1, $2 …` placeholders (SQLite accepts them as numbered parameters), `BIGINT` integers, `TEXT`,
//! `ON CONFLICT … DO NOTHING` and `RETURNING`, which both dialects run. Where they differ the statement
//! is chosen by [`Db::dialect`] side by side (the queue claim, write transactions). Values cross as
//! `i64`, `f64`, `String`, `Vec<u8>` and options of them; booleans are read back as integers (`CASE WHEN
//! … THEN 1 ELSE 0 END`), because SQLite has no boolean type to report.
//!
//! Another module that keeps tables of its own gets the handle with [`Store::db`] and runs its portable
//! statements on [`Db::pool`], opening transactions with [`Db::begin`] (or [`Db::begin_write`] for a
//! read-then-write that must not interleave). Its migration goes in both `migrations/sqlite/` and
//! `migrations/postgres/` under the same version number.

pub mod accounts;
pub mod blobs;
pub mod queue;
pub mod quota;
pub mod ratelimit;
pub mod results;
pub mod versions;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Transaction};

use crate::domain::SubmissionId;
use crate::grading::Report;

pub use crate::domain::Origin;

/// A transaction on either dialect.
pub type Tx = Transaction<'static, Any>;

/// The SQL dialect behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection pool to the shared database, with the dialect it speaks.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `database_url` (`sqlite://…` or `postgres://…`) and applies that dialect's
    /// migrations. A SQLite file is created when missing.
    pub async fn connect(database_url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = if database_url.starts_with("sqlite:") {
            (Dialect::Sqlite, sqlite_url(database_url))
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            (Dialect::Postgres, database_url.to_owned())
        } else {
            anyhow::bail!("the database URL must start with sqlite:// or postgres://");
        };
        let options = match dialect {
            // One writer at a time in SQLite: a few connections are plenty, and WAL lets readers
            // go on while one writes.
            Dialect::Sqlite => AnyPoolOptions::new().max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
                         PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Dialect::Postgres => AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)),
        };
        let pool = options.connect(&url).await.context("opening the database")?;
        let migrator = match dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.context("applying database migrations")?;
        Ok(Db { pool, dialect })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A transaction for statements that are each safe on their own (conditional updates, inserts).
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        self.pool.begin().await.context("starting a transaction")
    }

    /// A transaction that reads and then writes on what it read. SQLite takes its write lock at the
    /// start (`BEGIN IMMEDIATE`), so two such transactions never interleave; on PostgreSQL the
    /// statements inside lock the rows they read (`FOR UPDATE`) or the row they upsert.
    pub async fn begin_write(&self) -> anyhow::Result<Tx> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.pool.begin().await,
        }
        .context("starting a transaction")
    }
}

/// A SQLite URL that creates its file when missing.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Reads a `CASE WHEN … THEN 1 ELSE 0 END` column (or an integer flag) as a boolean.
pub fn flag(row: &AnyRow, column: &str) -> bool {
    use sqlx::Row;
    row.try_get::<i64, _>(column).map(|v| v != 0).or_else(|_| row.try_get::<bool, _>(column)).unwrap_or(false)
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The shared store, and this node's cache of its bytes under the data folder.
#[derive(Clone)]
pub struct Store {
    db: Db,
    cache_dir: PathBuf,
}

impl Store {
    /// Opens the database (creating a SQLite file if needed), applies the migrations, and moves what
    /// older versions kept only on disk (source files, the secret seed) into the database.
    pub async fn open(database_url: &str, data_dir: &Path) -> anyhow::Result<Store> {
        let db = Db::connect(database_url).await?;
        let store = Store { db, cache_dir: data_dir.to_owned() };
        tokio::fs::create_dir_all(store.files_dir())
            .await
            .with_context(|| format!("creating {}", store.files_dir().display()))?;
        store.adopt_disk_files().await?;
        store.adopt_seed_file().await?;
        Ok(store)
    }

    /// The database handle, for modules that keep tables of their own.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The connection pool (portable statements only; see the module notes).
    pub fn pool(&self) -> &AnyPool {
        &self.db.pool
    }

    /// This node's cache folder (the data folder).
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }
}

/// A claimed job: which submission, and which attempt of it this worker owns.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: SubmissionId,
    pub challenge: String,
    pub challenge_version: i64,
    pub file_sha256: String,
    pub attempt: i64,
    pub worker: String,
    /// A practice run: graded on the public sample only.
    pub practice: bool,
}

/// Another submitter's earlier submission to the same challenge, by its fingerprints.
pub struct EarlierPrints {
    pub id: SubmissionId,
    /// The candidate's or staff user's name.
    pub who: String,
    pub prints: Vec<u8>,
}

/// What a worker writes when a job completes.
pub struct NewResult<'a> {
    pub report: &'a Report,
    pub log: &'a str,
    pub predictions: Option<&'a str>,
    pub duration_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Running,
    Completed,
}

/// A submission as the API shows it.
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: SubmissionId,
    pub challenge: String,
    /// The version the latest result was graded on, or the version a queued run will use.
    pub challenge_version: i64,
    pub status: Status,
    pub attempts: i64,
    pub created_at: i64,
    pub result: Option<StoredResult>,
    /// Every grading, oldest first (the latest is `result`).
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub challenge_version: i64,
    pub verdict: String,
    pub score: Option<f64>,
    pub graded_at: i64,
}

/// What a regrade request found.
#[derive(Debug, PartialEq, Eq)]
pub enum Regrade {
    Queued,
    NotFound,
    /// Still queued or running: its current grading must finish first.
    Busy,
}

#[derive(Debug, Clone)]
pub struct StoredResult {
    pub report: Report,
    pub log: String,
    pub duration_ms: i64,
}


/// Reads a stored status.
pub fn parse_status(s: &str) -> Status {
    match s {
        "queued" => Status::Queued,
        "running" => Status::Running,
        _ => Status::Completed,
    }
}

/// The stored id of a submission.
fn submission_id(text: &str) -> anyhow::Result<SubmissionId> {
    text.parse().context("stored submission id")
}

/// Creates a fresh, empty PostgreSQL database through `server_url` (a role that may `CREATE
/// DATABASE`) and returns its URL. For tests and benchmarks: each run gets a database of its own.
pub async fn fresh_postgres_database(server_url: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("mlgrade_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(server_url).await.context("connecting to the PostgreSQL server")?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.context("creating a database")?;
    conn.close().await?;
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let (server, _) = base.rsplit_once('/').filter(|(s, _)| s.contains("://") && !s.ends_with('/')).unwrap_or((base, ""));
    Ok(format!("{server}/{name}{query}"))
}

/// For tests: the PostgreSQL server named by `MLGRADE_TEST_POSTGRES_URL`, when set.
pub fn test_postgres_url() -> Option<String> {
    std::env::var("MLGRADE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

#[cfg(test)]
mod tests;
