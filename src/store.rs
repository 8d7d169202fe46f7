//! Persistence and the job queue, in SQLite through sqlx.
//!
//! The SQL stays portable except for the claim, the one place the dialects differ: on SQLite it is a
//! single `UPDATE … RETURNING` inside an immediate transaction, so two workers never take one job.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::catalogue::Origin;
use crate::domain::{Slug, SubmissionId};
use crate::grading::Report;

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

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    files_dir: PathBuf,
}

/// The row of a stored file, once per content.
async fn record_file(tx: &mut sqlx::SqliteConnection, sha: &str, size: usize, now: i64) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO files (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
        .bind(sha)
        .bind(size as i64)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the database and applies the migrations.
    pub async fn open(database_url: &str, data_dir: &Path) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str(database_url)
            .with_context(|| "parsing the database URL".to_string())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .context("opening the database")?;
        sqlx::migrate!("./migrations").run(&pool).await.context("applying database migrations")?;
        let files_dir = data_dir.join("files");
        tokio::fs::create_dir_all(&files_dir)
            .await
            .with_context(|| format!("creating {}", files_dir.display()))?;
        Ok(Store { pool, files_dir })
    }

    /// The connection pool, for the access-control tables (`crate::accounts::store`).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores the file under its SHA-256 and queues a submission for it. The file is on disk before the
    /// row exists, so a queued job always finds its source. The owner's quota is taken in the same
    /// transaction; when it refuses, the error is a [`crate::accounts::quota::QuotaError`] and nothing
    /// is queued.
    pub async fn create_submission(
        &self,
        challenge: &Slug,
        version: i64,
        file_name: &str,
        bytes: &[u8],
        owner: &crate::accounts::Owner,
    ) -> anyhow::Result<SubmissionId> {
        let sha = self.write_file(bytes).await?;
        let id = SubmissionId::new();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        record_file(&mut tx, &sha, bytes.len(), now).await?;
        sqlx::query(
            "INSERT INTO submissions (id, challenge, challenge_version, file_sha256, file_name, status, created_at)
             VALUES (?, ?, ?, ?, ?, 'queued', ?)",
        )
        .bind(id.to_string())
        .bind(challenge.as_str())
        .bind(version)
        .bind(&sha)
        .bind(file_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        crate::accounts::quota::take(&mut tx, &id.to_string(), owner, challenge.as_str(), now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores the file and queues a practice run for it: same queue, same workers, no quota taken. The
    /// caller has checked the practice rate limit.
    pub async fn create_practice(
        &self,
        challenge: &Slug,
        version: i64,
        file_name: &str,
        bytes: &[u8],
        owner: &crate::accounts::Owner,
    ) -> anyhow::Result<SubmissionId> {
        let sha = self.write_file(bytes).await?;
        let id = SubmissionId::new();
        let now = now_ms();
        let (invitation, user) = match owner {
            crate::accounts::Owner::Invitation(i) => (Some(i.as_str()), None),
            crate::accounts::Owner::User(u) => (None, Some(*u)),
        };
        let mut tx = self.pool.begin().await?;
        record_file(&mut tx, &sha, bytes.len(), now).await?;
        sqlx::query(
            "INSERT INTO submissions (id, kind, challenge, challenge_version, file_sha256, file_name, status, created_at, invitation_id, user_id)
             VALUES (?, 'practice', ?, ?, ?, ?, 'queued', ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(challenge.as_str())
        .bind(version)
        .bind(&sha)
        .bind(file_name)
        .bind(now)
        .bind(invitation)
        .bind(user)
        .execute(&mut *tx)
        .await
        .context("queueing a practice run")?;
        tx.commit().await?;
        Ok(id)
    }

    /// How many practice runs `owner` queued since `since` (Unix ms), and when the oldest of them was.
    pub async fn practice_since(&self, owner: &crate::accounts::Owner, since: i64) -> anyhow::Result<(i64, Option<i64>)> {
        let (invitation, user) = match owner {
            crate::accounts::Owner::Invitation(i) => (Some(i.clone()), None),
            crate::accounts::Owner::User(u) => (None, Some(*u)),
        };
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM submissions
              WHERE kind = 'practice' AND created_at >= ?1
                AND ((?2 IS NOT NULL AND invitation_id = ?2) OR (?3 IS NOT NULL AND user_id = ?3))",
        )
        .bind(since)
        .bind(invitation)
        .bind(user)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.get("n"), row.get("oldest")))
    }

    /// Stores `bytes` under their SHA-256 and returns it; a file already stored is not written again.
    async fn write_file(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.files_dir.join(&sha);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(sha);
        }
        let dir = self.files_dir.clone();
        let bytes = bytes.to_vec();
        // Write to a temporary file and rename: a crash never leaves a half-written file under its hash.
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            use std::io::Write;
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
            tmp.write_all(&bytes)?;
            tmp.as_file().sync_all()?;
            tmp.persist(path)?;
            Ok(())
        })
        .await??;
        Ok(sha)
    }

    pub async fn read_file(&self, sha: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.files_dir.join(sha);
        tokio::fs::read(&path).await.with_context(|| format!("reading stored file {sha}"))
    }

    /// Takes the oldest queued job, or a running one whose lease has run out, for `worker`.
    pub async fn claim(&self, worker: &str, lease: Duration) -> anyhow::Result<Option<Claim>> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "UPDATE submissions
                SET status = 'running', worker_id = ?1, attempts = attempts + 1,
                    lease_expires_at = ?2, started_at = ?3
              WHERE id = (SELECT id FROM submissions
                           WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < ?3)
                           ORDER BY created_at, id LIMIT 1)
          RETURNING id, challenge, challenge_version, file_sha256, attempts, kind",
        )
        .bind(worker)
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get("id");
        Ok(Some(Claim {
            id: id.parse().context("stored submission id")?,
            challenge: row.get("challenge"),
            challenge_version: row.get("challenge_version"),
            file_sha256: row.get("file_sha256"),
            attempt: row.get("attempts"),
            worker: worker.to_owned(),
            practice: row.get::<String, _>("kind") == "practice",
        }))
    }

    /// Extends the lease; false when the job is no longer this worker's (its lease ran out and another
    /// worker took it), in which case the caller must stop the run.
    pub async fn heartbeat(&self, claim: &Claim, lease: Duration) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE submissions SET lease_expires_at = ?
              WHERE id = ? AND worker_id = ? AND attempts = ? AND status = 'running'",
        )
        .bind(now_ms() + lease.as_millis() as i64)
        .bind(claim.id.to_string())
        .bind(&claim.worker)
        .bind(claim.attempt)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Writes the result and marks the job completed in one transaction, only if this claim still owns
    /// the job. Returns false (and writes nothing) otherwise, so a job is never completed twice.
    pub async fn complete(&self, claim: &Claim, result: NewResult<'_>) -> anyhow::Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let owned = sqlx::query(
            "UPDATE submissions SET status = 'completed', completed_at = ?, lease_expires_at = NULL
              WHERE id = ? AND worker_id = ? AND attempts = ? AND status = 'running'",
        )
        .bind(now)
        .bind(claim.id.to_string())
        .bind(&claim.worker)
        .bind(claim.attempt)
        .execute(&mut *tx)
        .await?;
        if owned.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO results (submission_id, challenge_version, verdict, score, report, log, predictions, duration_ms, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(claim.id.to_string())
        .bind(claim.challenge_version)
        .bind(result.report.verdict.as_str())
        .bind(result.report.score)
        .bind(serde_json::to_string(result.report)?)
        .bind(result.log)
        .bind(result.predictions)
        .bind(result.duration_ms)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn submission(&self, id: SubmissionId) -> anyhow::Result<Option<Submission>> {
        let row = sqlx::query(
            "SELECT s.id, s.challenge, s.challenge_version, s.status, s.attempts, s.created_at,
                    r.report, r.log, r.duration_ms, r.challenge_version AS graded_version
               FROM submissions s
               LEFT JOIN results r ON r.id = (SELECT MAX(id) FROM results WHERE submission_id = s.id)
              WHERE s.id = ? AND s.kind = 'submission'",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status = match row.get::<String, _>("status").as_str() {
            "queued" => Status::Queued,
            "running" => Status::Running,
            _ => Status::Completed,
        };
        let result = match row.get::<Option<String>, _>("report") {
            Some(report) => Some(StoredResult {
                report: serde_json::from_str(&report).context("stored report")?,
                log: row.get("log"),
                duration_ms: row.get("duration_ms"),
            }),
            None => None,
        };
        let challenge_version = match status {
            Status::Completed => row.get::<Option<i64>, _>("graded_version").unwrap_or_default(),
            _ => row.get("challenge_version"),
        };
        let history = sqlx::query(
            "SELECT challenge_version, verdict, score, created_at FROM results WHERE submission_id = ? ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| HistoryEntry {
            challenge_version: r.get("challenge_version"),
            verdict: r.get("verdict"),
            score: r.get("score"),
            graded_at: r.get("created_at"),
        })
        .collect();
        Ok(Some(Submission {
            id,
            challenge: row.get("challenge"),
            challenge_version,
            status,
            attempts: row.get("attempts"),
            created_at: row.get("created_at"),
            result,
            history,
        }))
    }

    /// The stored predictions CSV: `None` when the submission does not exist, `Some(None)` when it has
    /// no predictions (not graded yet, or the run produced none).
    pub async fn predictions(&self, id: SubmissionId) -> anyhow::Result<Option<Option<String>>> {
        let row = sqlx::query(
            "SELECT r.predictions FROM submissions s
               LEFT JOIN results r ON r.id = (SELECT MAX(id) FROM results WHERE submission_id = s.id)
              WHERE s.id = ?",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.get::<Option<String>, _>("predictions")))
    }

    /// Whether the claim `(id, attempt)` is still alive: running and within its lease.
    pub async fn claim_is_live(&self, id: &str, attempt: i64) -> anyhow::Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM submissions WHERE id = ? AND attempts = ? AND status = 'running' AND lease_expires_at >= ?",
        )
        .bind(id)
        .bind(attempt)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Counts of submissions by status: queued, running, completed.
    pub async fn counts(&self) -> anyhow::Result<(i64, i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(status = 'queued'), 0) AS q, COALESCE(SUM(status = 'running'), 0) AS r,
                    COALESCE(SUM(status = 'completed'), 0) AS c FROM submissions",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.get("q"), row.get("r"), row.get("c")))
    }

    /// Queues a completed submission again, on `version`; its earlier results stay.
    pub async fn regrade(&self, id: SubmissionId, version: i64) -> anyhow::Result<Regrade> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM submissions WHERE id = ? AND kind = 'submission'")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match status.as_deref() {
            None => Regrade::NotFound,
            Some("completed") => {
                sqlx::query(
                    "UPDATE submissions SET status = 'queued', challenge_version = ?, attempts = 0, worker_id = NULL,
                            lease_expires_at = NULL, started_at = NULL, completed_at = NULL
                      WHERE id = ?",
                )
                .bind(version)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                Regrade::Queued
            }
            Some(_) => Regrade::Busy,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// The content hash of the newest version of `slug` that came from `origin`.
    pub async fn latest_version_hash(&self, slug: &str, origin: Origin) -> anyhow::Result<Option<String>> {
        let hash = sqlx::query_scalar(
            "SELECT content_sha256 FROM challenge_versions WHERE slug = ? AND origin = ? ORDER BY version DESC LIMIT 1",
        )
        .bind(slug)
        .bind(origin.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(hash)
    }

    /// The newest version of every slug.
    pub async fn current_versions(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT slug, MAX(version) AS version FROM challenge_versions GROUP BY slug ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get("slug"), r.get("version"))).collect())
    }

    /// Records the next version of `slug`; `place` moves its folder into place inside the transaction,
    /// so the row commits only if the folder is there.
    pub async fn insert_version(
        &self,
        slug: &str,
        hash: &str,
        origin: Origin,
        place: impl FnOnce(i64) -> std::io::Result<()>,
    ) -> anyhow::Result<i64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM challenge_versions WHERE slug = ?")
            .bind(slug)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO challenge_versions (slug, version, content_sha256, origin, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(slug)
        .bind(version)
        .bind(hash)
        .bind(origin.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        place(version).context("moving the version's folder into place")?;
        tx.commit().await?;
        Ok(version)
    }

    /// Keeps a submission's code fingerprints; grading it again replaces them.
    pub async fn save_fingerprints(&self, id: SubmissionId, challenge: &str, prints: &[u8]) -> anyhow::Result<()> {
        sqlx::query("INSERT OR REPLACE INTO fingerprints (submission_id, challenge, prints, created_at) VALUES (?, ?, ?, ?)")
            .bind(id.to_string())
            .bind(challenge)
            .bind(prints)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .context("storing fingerprints")?;
        Ok(())
    }

    /// The fingerprints of every submission to the same challenge made before `id` by someone else:
    /// another invitation, or another staff user. Linear in the challenge's submissions; each entry is
    /// a few kilobytes, and comparing two is a merge of sorted lists.
    pub async fn earlier_fingerprints(&self, id: SubmissionId) -> anyhow::Result<Vec<EarlierPrints>> {
        let rows = sqlx::query(
            "SELECT f.submission_id, f.prints, COALESCE(i.name, u.name, 'an unknown submitter') AS who
               FROM submissions me
               JOIN fingerprints f ON f.challenge = me.challenge AND f.submission_id <> me.id
               JOIN submissions s ON s.id = f.submission_id
               LEFT JOIN invitations i ON i.id = s.invitation_id
               LEFT JOIN users u ON u.id = s.user_id
              WHERE me.id = ?
                AND s.created_at <= me.created_at
                AND NOT (s.invitation_id IS NOT NULL AND s.invitation_id = me.invitation_id)
                AND NOT (s.user_id IS NOT NULL AND s.user_id = me.user_id)",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context("reading earlier fingerprints")?;
        rows.into_iter()
            .map(|r| {
                let other: String = r.get("submission_id");
                Ok(EarlierPrints { id: other.parse().context("stored submission id")?, who: r.get("who"), prints: r.get("prints") })
            })
            .collect()
    }

    pub async fn setting(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.get("value")))
    }

    /// Stores a setting unless one exists; returns whether it was stored.
    pub async fn insert_setting(&self, key: &str, value: &str) -> anyhow::Result<bool> {
        let done = sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
