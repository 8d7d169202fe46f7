//! The SQL of the Greenhouse integration (portable statements, `$N` placeholders).

use sqlx::{Row, SqlitePool};

use crate::store::now_ms;

#[derive(Clone)]
pub struct GreenhouseStore {
    pool: SqlitePool,
}

/// A test Greenhouse sent through this service.
#[derive(Debug, Clone)]
pub struct Interview {
    pub partner_interview_id: String,
    pub invitation_id: String,
    pub partner_test_id: String,
    pub callback_url: String,
    pub base_url: String,
    pub created_at: i64,
}

fn interview(r: &sqlx::sqlite::SqliteRow) -> Interview {
    Interview {
        partner_interview_id: r.get("partner_interview_id"),
        invitation_id: r.get("invitation_id"),
        partner_test_id: r.get("partner_test_id"),
        callback_url: r.get("callback_url"),
        base_url: r.get("base_url"),
        created_at: r.get("created_at"),
    }
}

const COLUMNS: &str = "partner_interview_id, invitation_id, partner_test_id, callback_url, base_url, created_at";

impl GreenhouseStore {
    pub fn new(pool: SqlitePool) -> GreenhouseStore {
        GreenhouseStore { pool }
    }

    pub async fn insert(&self, i: &Interview, candidate: &str) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO greenhouse_interviews (partner_interview_id, invitation_id, partner_test_id, callback_url, candidate, base_url, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&i.partner_interview_id)
        .bind(&i.invitation_id)
        .bind(&i.partner_test_id)
        .bind(&i.callback_url)
        .bind(candidate)
        .bind(&i.base_url)
        .bind(i.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn interview(&self, partner_interview_id: &str) -> anyhow::Result<Option<Interview>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM greenhouse_interviews WHERE partner_interview_id = $1"))
            .bind(partner_interview_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(interview))
    }

    pub async fn interview_for_invitation(&self, invitation_id: &str) -> anyhow::Result<Option<Interview>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM greenhouse_interviews WHERE invitation_id = $1"))
            .bind(invitation_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(interview))
    }

    /// Keeps an error Greenhouse reported about one of our answers.
    pub async fn record_error(&self, partner_interview_id: Option<&str>, body: &str) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO greenhouse_errors (partner_interview_id, body, received_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(partner_interview_id)
        .bind(body)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }
}
