//! The job queue: the submissions table, claimed with a lease that a heartbeat extends. A job whose
//! lease runs out (its worker died) is claimed again by another worker on any node.
//!
//! The claim is the one statement whose dialects differ. SQLite has one writer at a time, so a single
//! `UPDATE … RETURNING` inside an immediate transaction is already exclusive. PostgreSQL runs claims
//! concurrently: the inner `SELECT … FOR UPDATE SKIP LOCKED` makes each claimer lock a different row
//! and pass over rows another claimer holds, instead of waiting on them or taking them twice.

use std::time::Duration;

use anyhow::Context;
use sqlx::Row;

use super::{blobs, now_ms, Claim, Dialect, Regrade, Store, Tx};
use crate::domain::{Slug, SubmissionId};
use crate::identity::Owner;

const CLAIM_SQLITE: &str = "UPDATE submissions
    SET status = 'running', worker_id = $1, attempts = attempts + 1, lease_expires_at = $2, started_at = $3
  WHERE id = (SELECT id FROM submissions
               WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < $3)
               ORDER BY created_at, id LIMIT 1)
RETURNING id, challenge, challenge_version, file_sha256, attempts, kind";

const CLAIM_POSTGRES: &str = "UPDATE submissions
    SET status = 'running', worker_id = $1, attempts = attempts + 1, lease_expires_at = $2, started_at = $3
  WHERE id = (SELECT id FROM submissions
               WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < $3)
               ORDER BY created_at, id LIMIT 1
               FOR UPDATE SKIP LOCKED)
RETURNING id, challenge, challenge_version, file_sha256, attempts, kind";

/// The row of a stored file, once per content; its bytes are a blob.
async fn record_file(tx: &mut Tx, bytes: &[u8], now: i64) -> anyhow::Result<String> {
    let sha = blobs::put(tx, bytes, now).await?;
    sqlx::query("INSERT INTO files (sha256, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
        .bind(&sha)
        .bind(bytes.len() as i64)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(sha)
}
impl Store {
    /// Stores the file under its SHA-256 and queues a submission for it. The file's bytes are stored in the
    /// same transaction as the row, so a queued job always finds its source, on any node. The owner's quota is taken in the same
    /// transaction; when it refuses, the error is a [`super::quota::QuotaError`] and nothing
    /// is queued.
    pub async fn create_submission(
        &self,
        challenge: &Slug,
        version: i64,
        file_name: &str,
        bytes: &[u8],
        owner: &Owner,
    ) -> anyhow::Result<SubmissionId> {
        let id = SubmissionId::new();
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let sha = record_file(&mut tx, bytes, now).await?;
        sqlx::query(
            "INSERT INTO submissions (id, challenge, challenge_version, file_sha256, file_name, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'queued', $6)",
        )
        .bind(id.to_string())
        .bind(challenge.as_str())
        .bind(version)
        .bind(&sha)
        .bind(file_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        super::quota::take(&mut tx, &id.to_string(), owner, challenge.as_str(), now).await?;
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
        owner: &Owner,
    ) -> anyhow::Result<SubmissionId> {
        let id = SubmissionId::new();
        let now = now_ms();
        let (invitation, user) = match owner {
            Owner::Invitation(i) => (Some(i.as_str()), None),
            Owner::User(u) => (None, Some(*u)),
        };
        let mut tx = self.db.begin().await?;
        let sha = record_file(&mut tx, bytes, now).await?;
        sqlx::query(
            "INSERT INTO submissions (id, kind, challenge, challenge_version, file_sha256, file_name, status, created_at, invitation_id, user_id)
             VALUES ($1, 'practice', $2, $3, $4, $5, 'queued', $6, $7, $8)",
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
    pub async fn practice_since(&self, owner: &Owner, since: i64) -> anyhow::Result<(i64, Option<i64>)> {
        let (invitation, user) = match owner {
            Owner::Invitation(i) => (Some(i.clone()), None),
            Owner::User(u) => (None, Some(*u)),
        };
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM submissions
              WHERE kind = 'practice' AND created_at >= $1
                AND (($2 IS NOT NULL AND invitation_id = $2) OR ($3 IS NOT NULL AND user_id = $3))",
        )
        .bind(since)
        .bind(invitation)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        Ok((row.get("n"), row.get("oldest")))
    }

    /// Takes the oldest queued job, or a running one whose lease has run out, for `worker`.
    pub async fn claim(&self, worker: &str, lease: Duration) -> anyhow::Result<Option<Claim>> {
        let now = now_ms();
        let sql = match self.db.dialect() {
            Dialect::Sqlite => CLAIM_SQLITE,
            Dialect::Postgres => CLAIM_POSTGRES,
        };
        let mut tx = self.db.begin_write().await?;
        let row = sqlx::query(sql)
        .bind(worker)
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get("id");
        Ok(Some(Claim {
            id: super::submission_id(&id)?,
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
            "UPDATE submissions SET lease_expires_at = $1
              WHERE id = $2 AND worker_id = $3 AND attempts = $4 AND status = 'running'",
        )
        .bind(now_ms() + lease.as_millis() as i64)
        .bind(claim.id.to_string())
        .bind(&claim.worker)
        .bind(claim.attempt)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the claim `(id, attempt)` is still alive: running and within its lease.
    pub async fn claim_is_live(&self, id: &str, attempt: i64) -> anyhow::Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM submissions WHERE id = $1 AND attempts = $2 AND status = 'running' AND lease_expires_at >= $3",
        )
        .bind(id)
        .bind(attempt)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Counts of submissions by status: queued, running, completed.
    pub async fn counts(&self) -> anyhow::Result<(i64, i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0) AS BIGINT) AS q,
                    CAST(COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS BIGINT) AS r,
                    CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS c
               FROM submissions",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((row.get("q"), row.get("r"), row.get("c")))
    }

    /// Queues a completed submission again, on `version`; its earlier results stay.
    pub async fn regrade(&self, id: SubmissionId, version: i64) -> anyhow::Result<Regrade> {
        // The update is itself the check (`status = 'completed'`), so two regrades racing on
        // different nodes queue the job once.
        let mut tx = self.db.begin_write().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM submissions WHERE id = $1 AND kind = 'submission'")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match status.as_deref() {
            None => Regrade::NotFound,
            Some("completed") => {
                let done = sqlx::query(
                    "UPDATE submissions SET status = 'queued', challenge_version = $1, attempts = 0, worker_id = NULL,
                            lease_expires_at = NULL, started_at = NULL, completed_at = NULL
                      WHERE id = $2 AND status = 'completed'",
                )
                .bind(version)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    Regrade::Queued
                } else {
                    Regrade::Busy
                }
            }
            Some(_) => Regrade::Busy,
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
