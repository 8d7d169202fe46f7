//! A candidate's submission quota: a cooldown between submissions and a limit per challenge, taken in
//! the same transaction that stores the submission, so two concurrent posts cannot both take the last
//! slot and a refused post stores nothing.

use sqlx::Row;

use super::Tx;
use crate::identity::Owner;

/// Why a candidate may not submit now.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuotaError {
    #[error("this invitation does not include the challenge '{0}'")]
    NotInvited(String),
    #[error("this invitation has expired or was revoked")]
    Closed,
    #[error("wait {} s before submitting again", (.wait_ms + 999) / 1000)]
    Cooldown { wait_ms: i64 },
    #[error("all {limit} submissions for '{challenge}' are used")]
    LimitReached { challenge: String, limit: i64 },
    #[error("your {minutes} minutes are over (the time box ended at {}); nothing more can be submitted", crate::time::format_utc(*.ended_at))]
    TimeUp { minutes: i64, ended_at: i64 },
}

/// Refuses when the invitation's time box has run out; starts its clock when it has not started (a
/// candidate may submit through the API without opening a challenge page).
pub async fn check_time_box(tx: &mut Tx, invitation: &str, now: i64) -> anyhow::Result<()> {
    let row = sqlx::query("SELECT time_limit_minutes, started_at FROM invitations WHERE id = $1")
        .bind(invitation)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(QuotaError::Closed)?;
    let (limit, started): (Option<i64>, Option<i64>) = (row.get("time_limit_minutes"), row.get("started_at"));
    match (limit, started) {
        (Some(minutes), Some(started)) if started + minutes * 60_000 <= now => {
            Err(QuotaError::TimeUp { minutes, ended_at: started + minutes * 60_000 }.into())
        }
        (_, None) => {
            sqlx::query("UPDATE invitations SET started_at = $1 WHERE id = $2 AND started_at IS NULL")
                .bind(now)
                .bind(invitation)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Records who owns submission `id` and, for a candidate, takes one submission from the quota.
pub async fn take(tx: &mut Tx, id: &str, owner: &Owner, challenge: &str, now: i64) -> anyhow::Result<()> {
    match owner {
        Owner::User(user) => {
            sqlx::query("UPDATE submissions SET user_id = $1 WHERE id = $2").bind(user).bind(id).execute(&mut **tx).await?;
        }
        Owner::Invitation(invitation) => {
            take_slot(tx, invitation, challenge, now).await?;
            sqlx::query("UPDATE submissions SET invitation_id = $1 WHERE id = $2")
                .bind(invitation)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

async fn take_slot(tx: &mut Tx, invitation: &str, challenge: &str, now: i64) -> anyhow::Result<()> {
    let inv = sqlx::query(
        "SELECT expires_at, revoked_at, cooldown_seconds, last_submission_at FROM invitations WHERE id = $1",
    )
    .bind(invitation)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(QuotaError::Closed)?;
    if inv.get::<Option<i64>, _>("revoked_at").is_some() || inv.get::<i64, _>("expires_at") <= now {
        return Err(QuotaError::Closed.into());
    }
    check_time_box(tx, invitation, now).await?;
    let cooldown_ms = inv.get::<i64, _>("cooldown_seconds") * 1000;
    if let Some(last) = inv.get::<Option<i64>, _>("last_submission_at") {
        let wait_ms = last + cooldown_ms - now;
        if wait_ms > 0 {
            return Err(QuotaError::Cooldown { wait_ms }.into());
        }
    }
    let slot = sqlx::query(
        "SELECT submission_limit, used FROM invitation_challenges WHERE invitation_id = $1 AND challenge = $2",
    )
    .bind(invitation)
    .bind(challenge)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| QuotaError::NotInvited(challenge.to_owned()))?;
    let limit: i64 = slot.get("submission_limit");
    // The `used < limit` condition makes the update itself the check, whatever ran in between.
    let taken = sqlx::query(
        "UPDATE invitation_challenges SET used = used + 1
          WHERE invitation_id = $1 AND challenge = $2 AND used < submission_limit",
    )
    .bind(invitation)
    .bind(challenge)
    .execute(&mut **tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(QuotaError::LimitReached { challenge: challenge.to_owned(), limit }.into());
    }
    sqlx::query("UPDATE invitations SET last_submission_at = $1 WHERE id = $2")
        .bind(now)
        .bind(invitation)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
