//! The SQL of webhooks, events and deliveries. Portable statements only (`$N` placeholders, `ON
//! CONFLICT … DO NOTHING`, `RETURNING`), so SQLite and PostgreSQL run the same text.

use anyhow::Context;
use serde::Serialize;
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use crate::store::now_ms;

pub type Tx<'a> = Transaction<'a, Sqlite>;

#[derive(Clone)]
pub struct HookStore {
    pool: SqlitePool,
}

/// A registered webhook as admins see it: never its secret, only the secret's last characters.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    /// The end of the signing secret, to recognise it.
    pub secret_hint: String,
    pub created_at: i64,
}

/// Who receives an event.
pub enum Audience<'a> {
    /// Every live webhook subscribed to the event's kind.
    Subscribers,
    /// One webhook, whatever it subscribed to (a ping).
    Webhook(i64),
    /// An address that is no webhook (Greenhouse's callback), with the HTTP method to use.
    Url { url: &'a str, method: &'a str },
}

/// An event to raise.
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub dedupe_key: &'a str,
    pub result_id: Option<i64>,
    pub body: &'a str,
}

/// A delivery a sender has claimed, with what it needs to send it.
#[derive(Debug)]
pub struct Claimed {
    pub id: i64,
    pub event_id: String,
    pub kind: String,
    pub body: String,
    pub url: String,
    pub method: String,
    /// Attempts including this one.
    pub attempt: i64,
    /// The signing secret; `None` for a callback that is no webhook, or when the webhook was deleted.
    pub secret: Option<String>,
    pub webhook_id: Option<i64>,
    pub webhook_deleted: bool,
}

/// One row of the delivery log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub event: String,
    /// `None` for a Greenhouse callback.
    pub webhook_id: Option<i64>,
    pub url: String,
    pub method: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<AttemptRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptRow {
    pub attempt: i64,
    pub at: i64,
    /// The receiver's HTTP status; none when it could not be reached.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A graded result not yet announced.
#[derive(Debug)]
pub struct NewResult {
    pub result_id: i64,
    pub submission_id: String,
    pub challenge: String,
    pub report: String,
    pub created_at: i64,
    pub invitation_id: Option<String>,
    pub candidate_name: Option<String>,
    pub candidate_email: Option<String>,
}

/// What the sender learnt from one attempt.
pub struct AttemptOutcome<'a> {
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    pub delivered: bool,
    /// When to try again; `None` to give up (or when delivered).
    pub retry_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_id, e.kind, d.webhook_id, d.url, d.method, d.state, d.attempts, d.next_attempt_at, \
                                d.last_status, d.last_error, d.created_at, d.delivered_at";

fn delivery_row(r: &sqlx::sqlite::SqliteRow) -> DeliveryRow {
    let state: String = r.get("state");
    DeliveryRow {
        id: r.get("id"),
        event_id: r.get("event_id"),
        event: r.get("kind"),
        webhook_id: r.get("webhook_id"),
        url: r.get("url"),
        method: r.get("method"),
        next_attempt_at: (state == "pending").then(|| r.get("next_attempt_at")),
        state,
        attempts: r.get("attempts"),
        last_status: r.get("last_status"),
        last_error: r.get("last_error"),
        created_at: r.get("created_at"),
        delivered_at: r.get("delivered_at"),
        log: Vec::new(),
    }
}

impl HookStore {
    pub fn new(pool: SqlitePool) -> HookStore {
        HookStore { pool }
    }

    pub async fn begin(&self) -> anyhow::Result<Tx<'static>> {
        Ok(self.pool.begin().await?)
    }

    // ---- webhooks ----

    pub async fn create_webhook(&self, actor: i64, url: &str, secret: &str, description: &str, events: &[String]) -> anyhow::Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (url, secret, description, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(url)
        .bind(secret)
        .bind(description)
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .context("storing a webhook")?;
        for event in events {
            sqlx::query("INSERT INTO webhook_subscriptions (webhook_id, event) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(event)
                .execute(&mut *tx)
                .await?;
        }
        audit(&mut tx, actor, "webhook.create", &id.to_string(), &format!("{url} ({})", events.join(", "))).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Live webhooks, newest first.
    pub async fn webhooks(&self) -> anyhow::Result<Vec<WebhookRow>> {
        let rows = sqlx::query(
            "SELECT id, url, description, secret, created_at FROM webhooks WHERE deleted_at IS NULL ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let subs = sqlx::query(
            "SELECT s.webhook_id, s.event FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
              WHERE w.deleted_at IS NULL ORDER BY s.event",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id: i64 = r.get("id");
                WebhookRow {
                    id,
                    url: r.get("url"),
                    description: r.get("description"),
                    events: subs.iter().filter(|s| s.get::<i64, _>("webhook_id") == id).map(|s| s.get("event")).collect(),
                    secret_hint: super::secret_hint(&r.get::<String, _>("secret")),
                    created_at: r.get("created_at"),
                }
            })
            .collect())
    }

    pub async fn webhook(&self, id: i64) -> anyhow::Result<Option<WebhookRow>> {
        Ok(self.webhooks().await?.into_iter().find(|w| w.id == id))
    }

    /// Deletes a webhook; its deliveries still pending are marked failed. False when there is no such live webhook.
    pub async fn delete_webhook(&self, actor: i64, id: i64) -> anyhow::Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', last_error = 'the webhook was deleted', lease_owner = NULL, lease_until = NULL
              WHERE webhook_id = $1 AND state = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, actor, "webhook.delete", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(true)
    }

    // ---- events ----

    /// Raises an event and queues its deliveries, inside the caller's transaction. Returns false (and
    /// writes nothing) when an event with the same dedupe key exists already.
    pub async fn enqueue(&self, tx: &mut Tx<'_>, event: &NewEvent<'_>, audience: Audience<'_>) -> anyhow::Result<bool> {
        let now = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO webhook_events (id, kind, dedupe_key, result_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(event.id)
        .bind(event.kind)
        .bind(event.dedupe_key)
        .bind(event.result_id)
        .bind(event.body)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("storing an event")?;
        if inserted.rows_affected() != 1 {
            return Ok(false);
        }
        let queued = match audience {
            Audience::Subscribers => {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (event_id, webhook_id, url, method, state, attempts, next_attempt_at, created_at)
                     SELECT $1, w.id, w.url, 'POST', 'pending', 0, $2, $2
                       FROM webhooks w JOIN webhook_subscriptions s ON s.webhook_id = w.id
                      WHERE s.event = $3 AND w.deleted_at IS NULL",
                )
                .bind(event.id)
                .bind(now)
                .bind(event.kind)
                .execute(&mut **tx)
                .await
            }
            Audience::Webhook(id) => {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (event_id, webhook_id, url, method, state, attempts, next_attempt_at, created_at)
                     SELECT $1, id, url, 'POST', 'pending', 0, $2, $2 FROM webhooks WHERE id = $3 AND deleted_at IS NULL",
                )
                .bind(event.id)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await
            }
            Audience::Url { url, method } => {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (event_id, webhook_id, url, method, state, attempts, next_attempt_at, created_at)
                     VALUES ($1, NULL, $2, $3, 'pending', 0, $4, $4)",
                )
                .bind(event.id)
                .bind(url)
                .bind(method)
                .bind(now)
                .execute(&mut **tx)
                .await
            }
        };
        queued.context("queueing deliveries")?;
        Ok(true)
    }

    /// Raises an event in a transaction of its own.
    pub async fn raise(&self, event: &NewEvent<'_>, audience: Audience<'_>) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let raised = self.enqueue(&mut tx, event, audience).await?;
        tx.commit().await?;
        Ok(raised)
    }

    /// The delivery ids queued for an event.
    pub async fn deliveries_of_event(&self, event_id: &str) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE event_id = $1 ORDER BY id")
            .bind(event_id)
            .fetch_all(&self.pool)
            .await?)
    }

    // ---- deliveries ----

    /// Takes the most overdue pending delivery whose lease is free or has run out. The conditions are
    /// repeated on the row itself so that two nodes racing for one row cannot both win: the loser's
    /// update finds the row leased and changes nothing.
    pub async fn claim(&self, owner: &str, lease_ms: i64) -> anyhow::Result<Option<Claimed>> {
        let now = now_ms();
        let row = sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
              WHERE id = (SELECT id FROM webhook_deliveries
                           WHERE state = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                           ORDER BY next_attempt_at, id LIMIT 1)
                AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3)
          RETURNING id, event_id, webhook_id, url, method, attempts",
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .context("claiming a delivery")?;
        let Some(row) = row else { return Ok(None) };
        let event_id: String = row.get("event_id");
        let webhook_id: Option<i64> = row.get("webhook_id");
        let event = sqlx::query("SELECT kind, body FROM webhook_events WHERE id = $1")
            .bind(&event_id)
            .fetch_one(&self.pool)
            .await
            .context("reading a delivery's event")?;
        let (secret, webhook_deleted) = match webhook_id {
            Some(w) => {
                let hook = sqlx::query("SELECT secret, deleted_at FROM webhooks WHERE id = $1").bind(w).fetch_optional(&self.pool).await?;
                match hook {
                    Some(h) if h.get::<Option<i64>, _>("deleted_at").is_none() => (Some(h.get("secret")), false),
                    _ => (None, true),
                }
            }
            None => (None, false),
        };
        Ok(Some(Claimed {
            id: row.get("id"),
            event_id,
            kind: event.get("kind"),
            body: event.get("body"),
            url: row.get("url"),
            method: row.get("method"),
            attempt: row.get("attempts"),
            secret,
            webhook_id,
            webhook_deleted,
        }))
    }

    /// Logs an attempt and settles the delivery: delivered, due again at `retry_at`, or failed. Only
    /// the sender holding the lease may settle it.
    pub async fn settle(&self, claimed: &Claimed, owner: &str, outcome: &AttemptOutcome<'_>) -> anyhow::Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let (state, next) = match (outcome.delivered, outcome.retry_at) {
            (true, _) => ("delivered", now),
            (false, Some(at)) => ("pending", at),
            (false, None) => ("failed", now),
        };
        let settled = sqlx::query(
            "UPDATE webhook_deliveries
                SET state = $1, next_attempt_at = $2, lease_owner = NULL, lease_until = NULL, last_status = $3, last_error = $4,
                    delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END
              WHERE id = $6 AND lease_owner = $7 AND state = 'pending'",
        )
        .bind(state)
        .bind(next)
        .bind(outcome.status.map(i64::from))
        .bind(outcome.error)
        .bind(now)
        .bind(claimed.id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if settled.rows_affected() == 1 {
            sqlx::query(
                "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(claimed.id)
            .bind(claimed.attempt)
            .bind(now)
            .bind(outcome.status.map(i64::from))
            .bind(outcome.error)
            .bind(outcome.duration_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log, newest first; of one webhook when given.
    pub async fn deliveries(&self, webhook: Option<i64>, limit: i64) -> anyhow::Result<Vec<DeliveryRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
              WHERE $1 IS NULL OR d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2"
        ))
        .bind(webhook)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(delivery_row).collect())
    }

    /// One delivery with its attempts.
    pub async fn delivery(&self, id: i64) -> anyhow::Result<Option<DeliveryRow>> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut delivery = delivery_row(&row);
        delivery.log = sqlx::query("SELECT attempt, at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|a| AttemptRow { attempt: a.get("attempt"), at: a.get("at"), status: a.get("status"), error: a.get("error"), duration_ms: a.get("duration_ms") })
            .collect();
        Ok(Some(delivery))
    }

    /// Sends a delivery's event again as a new delivery (same event id, so a receiver that has it drops
    /// the repeat), to the webhook's current address. `None` when there is no such delivery or its
    /// webhook was deleted.
    pub async fn resend(&self, actor: i64, id: i64) -> anyhow::Result<Option<i64>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let new_id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (event_id, webhook_id, url, method, state, attempts, next_attempt_at, created_at)
             SELECT d.event_id, d.webhook_id, COALESCE(w.url, d.url), d.method, 'pending', 0, $1, $1
               FROM webhook_deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id
              WHERE d.id = $2 AND (d.webhook_id IS NULL OR w.deleted_at IS NULL)
          RETURNING id",
        )
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(new_id) = new_id {
            audit(&mut tx, actor, "webhook.resend", &id.to_string(), &format!("as delivery {new_id}")).await?;
        }
        tx.commit().await?;
        Ok(new_id)
    }

    // ---- what the scan reads ----

    pub async fn cursor(&self, name: &str) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar("SELECT position FROM webhook_cursors WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or(0))
    }

    pub async fn advance_cursor(&self, name: &str, position: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO webhook_cursors (name, position) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position WHERE webhook_cursors.position < excluded.position",
        )
        .bind(name)
        .bind(position)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Results of submissions (not practice runs) graded after `since` that no event announced yet.
    pub async fn unannounced_results(&self, since: i64, limit: i64) -> anyhow::Result<Vec<NewResult>> {
        let rows = sqlx::query(
            "SELECT r.id, r.submission_id, r.report, r.created_at, s.challenge, s.invitation_id, i.name, i.email
               FROM results r
               JOIN submissions s ON s.id = r.submission_id
               LEFT JOIN invitations i ON i.id = s.invitation_id
               LEFT JOIN webhook_events e ON e.result_id = r.id
              WHERE r.created_at > $1 AND s.kind = 'submission' AND e.id IS NULL
              ORDER BY r.created_at, r.id LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| NewResult {
                result_id: r.get("id"),
                submission_id: r.get("submission_id"),
                challenge: r.get("challenge"),
                report: r.get("report"),
                created_at: r.get("created_at"),
                invitation_id: r.get("invitation_id"),
                candidate_name: r.get("name"),
                candidate_email: r.get("email"),
            })
            .collect())
    }

    /// Invitations not yet over.
    pub async fn open_invitations(&self) -> anyhow::Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT i.id FROM invitations i LEFT JOIN invitation_outcomes o ON o.invitation_id = i.id
              WHERE o.invitation_id IS NULL ORDER BY i.created_at",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that an invitation is over; false when another node recorded it first.
    pub async fn record_outcome(&self, tx: &mut Tx<'_>, invitation: &str, reason: &str) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO invitation_outcomes (invitation_id, reason, completed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(invitation)
        .bind(reason)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Why and when an invitation ended, once it has.
    pub async fn outcome(&self, invitation: &str) -> anyhow::Result<Option<(String, i64)>> {
        let row = sqlx::query("SELECT reason, completed_at FROM invitation_outcomes WHERE invitation_id = $1")
            .bind(invitation)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get("reason"), r.get("completed_at"))))
    }
}

/// An audit entry in the caller's transaction, like every other staff change.
async fn audit(tx: &mut Tx<'_>, actor: i64, action: &str, target: &str, detail: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(now_ms())
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A fresh event id.
pub fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn open() -> (tempfile::TempDir, HookStore) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = crate::store::Store::open(&url, dir.path()).await.unwrap();
        (dir, HookStore::new(store.pool().clone()))
    }

    fn event<'a>(id: &'a str, key: &'a str) -> NewEvent<'a> {
        NewEvent { id, kind: "submission.completed", dedupe_key: key, result_id: None, body: "{}" }
    }

    fn failed(retry_at: Option<i64>) -> AttemptOutcome<'static> {
        AttemptOutcome { status: Some(503), error: Some("down"), duration_ms: 3, delivered: false, retry_at }
    }

    #[tokio::test]
    async fn an_event_is_raised_once_and_each_delivery_is_leased_retried_and_logged() {
        let (_dir, store) = open().await;
        let subscribed = store.create_webhook(1, "http://a.example/x", "secret-0123456789", "", &["submission.completed".into()]).await.unwrap();
        store.create_webhook(1, "http://b.example/x", "secret-0123456789", "", &["invitation.completed".into()]).await.unwrap();
        assert!(store.raise(&event("evt_1", "k1"), Audience::Subscribers).await.unwrap());
        assert!(!store.raise(&event("evt_2", "k1"), Audience::Subscribers).await.unwrap(), "same fact, no second event");
        assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1, "only the subscribed webhook gets it");

        let first = store.claim("a", 60_000).await.unwrap().expect("a due delivery");
        assert_eq!((first.event_id.as_str(), first.attempt, first.webhook_id), ("evt_1", 1, Some(subscribed)));
        assert_eq!(first.secret.as_deref(), Some("secret-0123456789"));
        assert!(store.claim("b", 60_000).await.unwrap().is_none(), "leased to a");

        store.settle(&first, "b", &failed(None)).await.unwrap();
        assert_eq!(store.delivery(first.id).await.unwrap().unwrap().state, "pending", "only the lease holder settles");
        store.settle(&first, "a", &failed(Some(now_ms() + 60_000))).await.unwrap();
        assert!(store.claim("b", 60_000).await.unwrap().is_none(), "not due yet");

        let (_dir2, other) = open().await;
        other.raise(&event("evt_9", "k9"), Audience::Url { url: "http://gh.example/cb", method: "PATCH" }).await.unwrap();
        let gh = other.claim("x", 60_000).await.unwrap().unwrap();
        assert_eq!((gh.method.as_str(), gh.secret.clone(), gh.webhook_id), ("PATCH", None, None));
        other.settle(&gh, "x", &failed(Some(now_ms() - 1))).await.unwrap();
        let again = other.claim("y", 60_000).await.unwrap().expect("due again");
        assert_eq!(again.attempt, 2);
        other
            .settle(&again, "y", &AttemptOutcome { status: Some(204), error: None, duration_ms: 2, delivered: true, retry_at: None })
            .await
            .unwrap();
        let done = other.delivery(gh.id).await.unwrap().unwrap();
        assert_eq!((done.state.as_str(), done.attempts, done.last_status), ("delivered", 2, Some(204)));
        assert_eq!(done.log.iter().map(|a| a.status).collect::<Vec<_>>(), [Some(503), Some(204)]);

        let resent = other.resend(1, gh.id).await.unwrap().expect("a new delivery");
        let resent = other.claim("z", 60_000).await.unwrap().filter(|c| c.id == resent).expect("the resend is due now");
        assert_eq!((resent.event_id.as_str(), resent.attempt), ("evt_9", 1));
    }

    #[tokio::test]
    async fn deleting_a_webhook_drops_its_pending_deliveries() {
        let (_dir, store) = open().await;
        let id = store.create_webhook(1, "http://a.example/x", "secret-0123456789", "", &["invitation.completed".into()]).await.unwrap();
        store.raise(&NewEvent { kind: "invitation.completed", ..event("evt_1", "k1") }, Audience::Subscribers).await.unwrap();
        assert!(store.delete_webhook(1, id).await.unwrap());
        assert!(!store.delete_webhook(1, id).await.unwrap());
        assert!(store.claim("a", 60_000).await.unwrap().is_none());
        let log = store.deliveries(None, 10).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].last_error.as_deref()), ("failed", Some("the webhook was deleted")));
        assert!(store.resend(1, log[0].id).await.unwrap().is_none(), "nothing is resent to a deleted webhook");
        assert!(store.webhooks().await.unwrap().is_empty());
    }
}
