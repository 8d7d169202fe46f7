//! Sliding-window rate limits counted in the database, so a limit holds across every API node (a
//! password guesser spreading attempts over nodes meets one count).
//!
//! Each event is a row of `rate_limit_hits`. A hit first upserts the key's row in `rate_limit_keys`,
//! which takes that row's lock (SQLite: the write lock) until the transaction ends, so two nodes
//! counting the same key take turns and the window never holds more than its maximum.

use std::time::Duration;

use anyhow::Context;
use sqlx::Row;

use super::{now_ms, Db};

pub struct RateLimiter {
    db: Db,
    /// Keeps limiters that share the tables apart (`sign-in`, `staff-submissions`).
    name: &'static str,
    max: u32,
    window: Duration,
}

impl RateLimiter {
    pub fn new(db: Db, name: &'static str, max: u32, window: Duration) -> RateLimiter {
        RateLimiter { db, name, max, window }
    }

    /// `Err(wait)` when `key` has used up its window, without counting this call. A database error
    /// lets the call through (logged): the request it guards needs the database too and fails there.
    pub async fn check(&self, key: &str) -> Result<(), Duration> {
        self.outcome(self.try_check(key).await)
    }

    /// Counts one event for `key`; `Err(wait)` (and nothing counted) when the window is already full.
    pub async fn hit(&self, key: &str) -> Result<(), Duration> {
        self.outcome(self.try_hit(key).await)
    }

    /// Forgets `key`'s events (after a successful sign-in, say).
    pub async fn clear(&self, key: &str) {
        let done = sqlx::query("DELETE FROM rate_limit_hits WHERE key = $1").bind(self.key(key)).execute(self.db.pool()).await;
        if let Err(e) = done {
            tracing::error!(limiter = self.name, error = %e, "clearing a rate limit");
        }
    }

    fn outcome(&self, result: anyhow::Result<Result<(), Duration>>) -> Result<(), Duration> {
        result.unwrap_or_else(|e| {
            tracing::error!(limiter = self.name, error = format!("{e:#}"), "rate limit unavailable");
            Ok(())
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.name)
    }

    async fn try_check(&self, key: &str) -> anyhow::Result<Result<(), Duration>> {
        let now = now_ms();
        let row = sqlx::query("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_limit_hits WHERE key = $1 AND at > $2")
            .bind(self.key(key))
            .bind(now - self.window_ms())
            .fetch_one(self.db.pool())
            .await
            .context("counting rate-limited events")?;
        Ok(self.verdict(row.get("n"), row.get("oldest"), now))
    }

    async fn try_hit(&self, key: &str) -> anyhow::Result<Result<(), Duration>> {
        let key = self.key(key);
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO rate_limit_keys (key, touched_at) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(&key)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("locking a rate-limit key")?;
        // Events that left the window are forgotten here, so the table stays as small as the limits.
        sqlx::query("DELETE FROM rate_limit_hits WHERE key = $1 AND at <= $2")
            .bind(&key)
            .bind(now - self.window_ms())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_limit_hits WHERE key = $1")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
        let verdict = self.verdict(row.get("n"), row.get("oldest"), now);
        if verdict.is_ok() {
            sqlx::query("INSERT INTO rate_limit_hits (key, at) VALUES ($1, $2)").bind(&key).bind(now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(verdict)
    }

    fn window_ms(&self) -> i64 {
        self.window.as_millis() as i64
    }

    fn verdict(&self, count: i64, oldest: Option<i64>, now: i64) -> Result<(), Duration> {
        if count < i64::from(self.max) {
            return Ok(());
        }
        let left = oldest.map(|t| t + self.window_ms() - now).unwrap_or(0).max(1000);
        Err(Duration::from_millis(left as u64))
    }
}
