//! Results: each grading of a submission, written with the status change in one transaction, its
//! predictions, and the code fingerprints the similarity check compares.

use anyhow::Context;
use sqlx::Row;

use std::borrow::Cow;

use super::{now_ms, parse_status, Claim, EarlierPrints, HistoryEntry, NewResult, Status, StoredResult, Store, Submission};
use crate::domain::SubmissionId;
impl Store {
    /// Writes the result and marks the job completed in one transaction, only if this claim still owns
    /// the job. Returns false (and writes nothing) otherwise, so a job is never completed twice.
    pub async fn complete(&self, claim: &Claim, result: NewResult<'_>) -> anyhow::Result<bool> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let owned = sqlx::query(
            "UPDATE submissions SET status = 'completed', completed_at = $1, lease_expires_at = NULL
              WHERE id = $2 AND worker_id = $3 AND attempts = $4 AND status = 'running'",
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(claim.id.to_string())
        .bind(claim.challenge_version)
        .bind(result.report.verdict.as_str())
        .bind(result.report.score)
        .bind(serde_json::to_string(result.report)?)
        .bind(without_nul(result.log).as_ref())
        .bind(result.predictions.map(without_nul).as_deref())
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
              WHERE s.id = $1 AND s.kind = 'submission'",
        )
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status = parse_status(&row.get::<String, _>("status"));
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
            "SELECT challenge_version, verdict, score, created_at FROM results WHERE submission_id = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
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
              WHERE s.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.get::<Option<String>, _>("predictions")))
    }

    /// Keeps a submission's code fingerprints; grading it again replaces them.
    pub async fn save_fingerprints(&self, id: SubmissionId, challenge: &str, prints: &[u8]) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO fingerprints (submission_id, challenge, prints, created_at) VALUES ($1, $2, $3, $4)
              ON CONFLICT (submission_id) DO UPDATE SET challenge = excluded.challenge, prints = excluded.prints,
                 created_at = excluded.created_at")
            .bind(id.to_string())
            .bind(challenge)
            .bind(prints)
            .bind(now_ms())
            .execute(self.pool())
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
              WHERE me.id = $1
                AND s.created_at <= me.created_at
                AND NOT (s.invitation_id IS NOT NULL AND s.invitation_id = me.invitation_id)
                AND NOT (s.user_id IS NOT NULL AND s.user_id = me.user_id)",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await
        .context("reading earlier fingerprints")?;
        rows.into_iter()
            .map(|r| {
                let other: String = r.get("submission_id");
                Ok(EarlierPrints { id: super::submission_id(&other)?, who: r.get("who"), prints: r.get("prints") })
            })
            .collect()
    }
}

/// `text` without NUL characters, which PostgreSQL's `TEXT` refuses (a candidate's program may print
/// them); each becomes U+FFFD on both dialects, so a log reads the same whichever stores it.
fn without_nul(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}
