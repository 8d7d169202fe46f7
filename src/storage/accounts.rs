//! The tables of access control: users, API tokens, sessions, invitations, notes, the audit log, and
//! the submission listings the staff pages read. Every change a member of staff makes is written to
//! the audit log in the same transaction as the change itself.

use anyhow::Context;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{flag, now_ms, parse_status, Db, Status, Tx};
use crate::grading::Report;
use crate::identity::{new_secret, secret_hash, Invitee, Owner, Principal, Role, StaffUser};

#[derive(Clone)]
pub struct AccountStore {
    db: Db,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub disabled: bool,
    /// Whether the account can sign in with a password.
    pub has_password: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quota {
    pub challenge: String,
    pub limit: i64,
    pub used: i64,
}

impl Quota {
    pub fn remaining(&self) -> i64 {
        (self.limit - self.used).max(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Active,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvitationRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub cooldown_seconds: i64,
    pub last_submission_at: Option<i64>,
    pub state: InvitationState,
    pub challenges: Vec<Quota>,
    /// The time box, when the invitation has one.
    pub time_limit_minutes: Option<i64>,
    /// When the candidate first opened a challenge (the time box starts then).
    pub started_at: Option<i64>,
    /// The candidate's latest submission or practice run.
    pub last_activity_at: Option<i64>,
    /// Practice runs made (they never count against the limits).
    pub practice_runs: i64,
}

impl InvitationRow {
    /// Milliseconds until the candidate may submit again; 0 when now.
    pub fn cooldown_left_ms(&self, now: i64) -> i64 {
        self.last_submission_at.map(|t| t + self.cooldown_seconds * 1000 - now).unwrap_or(0).max(0)
    }

    pub fn quota(&self, challenge: &str) -> Option<&Quota> {
        self.challenges.iter().find(|q| q.challenge == challenge)
    }

    /// When the time box ends, once it has started.
    pub fn deadline(&self) -> Option<i64> {
        Some(self.started_at? + self.time_limit_minutes? * 60_000)
    }

    /// Milliseconds left in the time box; `None` without a box or before it starts.
    pub fn time_left_ms(&self, now: i64) -> Option<i64> {
        self.deadline().map(|d| (d - now).max(0))
    }

    pub fn time_is_up(&self, now: i64) -> bool {
        self.deadline().is_some_and(|d| d <= now)
    }

    /// From the start to the latest submission or practice run, within the time box.
    pub fn time_used_ms(&self) -> Option<i64> {
        let used = self.last_activity_at? - self.started_at?;
        Some(match self.time_limit_minutes {
            Some(limit) => used.min(limit * 60_000),
            None => used,
        }
        .max(0))
    }
}

pub struct NewInvitation {
    pub name: String,
    pub email: String,
    pub challenges: Vec<(String, i64)>,
    pub expires_at: i64,
    pub cooldown_seconds: i64,
    pub time_limit_minutes: Option<i64>,
}

/// What an invitation token opens.
pub enum InvitationLookup {
    Valid(Invitee),
    /// Expired or revoked: it opened something once, and no longer does.
    Closed,
    Unknown,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

/// A submission with its owner and result, as the listings, leaderboards and exports read it.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    pub id: String,
    pub challenge: String,
    pub status: Status,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub attempts: i64,
    pub file_sha256: String,
    pub file_name: String,
    pub owner: Option<Owner>,
    /// The candidate's or staff user's name.
    pub owner_name: String,
    pub owner_email: Option<String>,
    pub report: Option<Report>,
    pub log: Option<String>,
    pub duration_ms: Option<i64>,
}

impl SubmissionRow {
    /// Whether a candidate made this submission through an invitation (not a member of staff or an
    /// API token trying the challenge).
    pub fn by_candidate(&self) -> bool {
        matches!(self.owner, Some(Owner::Invitation(_)))
    }

    /// Whether any generalisation check raised a flag.
    pub fn flagged(&self) -> bool {
        self.report.as_ref().is_some_and(|r| {
            r.overfitting.as_ref().is_some_and(|o| o.flagged) || r.checks.iter().any(|c| c.flagged)
        })
    }
}

/// Which submissions a listing returns.
#[derive(Debug, Default, Clone)]
pub struct SubmissionFilter {
    pub challenge: Option<String>,
    pub invitation: Option<String>,
    pub verdict: Option<String>,
    /// A part of the candidate's name or e-mail address, any case.
    pub candidate: Option<String>,
    /// Only candidates' work (submissions that belong to an invitation), leaving out staff's and API
    /// tokens' test runs.
    pub candidates_only: bool,
    /// Practice runs instead of submissions (the two are never listed together).
    pub practice: bool,
}

fn parse_role(s: &str) -> anyhow::Result<Role> {
    s.parse().map_err(|e: String| anyhow::anyhow!("stored role: {e}"))
}

fn invitation_state(expires_at: i64, revoked_at: Option<i64>, now: i64) -> InvitationState {
    if revoked_at.is_some() {
        InvitationState::Revoked
    } else if expires_at <= now {
        InvitationState::Expired
    } else {
        InvitationState::Active
    }
}

/// Writes one audit entry inside the caller's transaction.
async fn audit(tx: &mut Tx, actor: i64, action: &str, target: &str, detail: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(now_ms())
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut **tx)
        .await
        .context("writing the audit log")?;
    Ok(())
}

const SUBMISSION_COLUMNS: &str = "s.id, s.challenge, s.status, s.created_at, s.started_at, s.completed_at, s.attempts,
       s.file_sha256, s.file_name, s.invitation_id, s.user_id,
       COALESCE(i.name, u.name, '(no owner)') AS owner_name, i.email AS owner_email,
       r.report, r.log, r.duration_ms
  FROM submissions s
  LEFT JOIN invitations i ON i.id = s.invitation_id
  LEFT JOIN users u ON u.id = s.user_id
  LEFT JOIN results r ON r.submission_id = s.id";

fn submission_row(row: &AnyRow) -> anyhow::Result<SubmissionRow> {
    let owner = match (row.get::<Option<String>, _>("invitation_id"), row.get::<Option<i64>, _>("user_id")) {
        (Some(inv), _) => Some(Owner::Invitation(inv)),
        (None, Some(user)) => Some(Owner::User(user)),
        (None, None) => None,
    };
    let report = match row.get::<Option<String>, _>("report") {
        Some(text) => Some(serde_json::from_str(&text).context("stored report")?),
        None => None,
    };
    Ok(SubmissionRow {
        id: row.get("id"),
        challenge: row.get("challenge"),
        status: parse_status(&row.get::<String, _>("status")),
        created_at: row.get("created_at"),
        started_at: row.get("started_at"),
        completed_at: row.get("completed_at"),
        attempts: row.get("attempts"),
        file_sha256: row.get("file_sha256"),
        file_name: row.get("file_name"),
        owner,
        owner_name: row.get("owner_name"),
        owner_email: row.get("owner_email"),
        report,
        log: row.get("log"),
        duration_ms: row.get("duration_ms"),
    })
}

impl AccountStore {
    pub fn new(db: Db) -> AccountStore {
        AccountStore { db }
    }

    fn pool(&self) -> &AnyPool {
        self.db.pool()
    }

    // ---- users ----

    /// Creates a staff account; `None` when the name is taken.
    pub async fn create_user(&self, actor: i64, name: &str, role: Role, password_hash: &str) -> anyhow::Result<Option<i64>> {
        let mut tx = self.db.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else { return Ok(None) };
        let id: i64 = row.get("id");
        audit(&mut tx, actor, "user.create", &format!("user {name}"), &format!("role {role}")).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn users(&self) -> anyhow::Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT id, name, role, created_at, disabled_at, CASE WHEN password_hash IS NOT NULL THEN 1 ELSE 0 END AS has_password FROM users ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UserRow {
                    id: r.get("id"),
                    name: r.get("name"),
                    role: parse_role(&r.get::<String, _>("role"))?,
                    created_at: r.get("created_at"),
                    disabled: r.get::<Option<i64>, _>("disabled_at").is_some(),
                    has_password: flag(r, "has_password"),
                })
            })
            .collect()
    }

    /// Disables an account: its sessions and tokens stop working at once. False when there is no such
    /// active account.
    pub async fn disable_user(&self, actor: i64, id: i64) -> anyhow::Result<bool> {
        let mut tx = self.db.begin().await?;
        let row = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL RETURNING name")
            .bind(now_ms())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        audit(&mut tx, actor, "user.disable", &format!("user {}", row.get::<String, _>("name")), "").await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An active account and its password hash, for signing in.
    pub async fn user_for_sign_in(&self, name: &str) -> anyhow::Result<Option<(StaffUser, Option<String>)>> {
        let row = sqlx::query("SELECT id, name, role, password_hash FROM users WHERE name = $1 AND disabled_at IS NULL")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok((
                StaffUser { id: r.get("id"), name: r.get("name"), role: parse_role(&r.get::<String, _>("role"))? },
                r.get("password_hash"),
            ))
        })
        .transpose()
    }

    pub async fn user(&self, id: i64) -> anyhow::Result<Option<StaffUser>> {
        let row = sqlx::query("SELECT id, name, role FROM users WHERE id = $1 AND disabled_at IS NULL")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(StaffUser { id: r.get("id"), name: r.get("name"), role: parse_role(&r.get::<String, _>("role"))? }))
            .transpose()
    }

    // ---- API tokens ----

    /// Creates an API token for `user`; returns its id and the token itself, which is never stored.
    pub async fn create_token(&self, user: &StaffUser, name: &str) -> anyhow::Result<(i64, String)> {
        let secret = new_secret("mlgt_");
        let mut tx = self.db.begin().await?;
        let id: i64 = sqlx::query("INSERT INTO api_tokens (user_id, name, token_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(user.id)
            .bind(name)
            .bind(secret_hash(&secret))
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await?
            .get("id");
        audit(&mut tx, user.id, "token.create", &format!("token {id} of {}", user.name), name).await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    pub async fn tokens(&self, user: i64) -> anyhow::Result<Vec<TokenRow>> {
        let rows = sqlx::query("SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
            .bind(user)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| TokenRow {
                id: r.get("id"),
                name: r.get("name"),
                created_at: r.get("created_at"),
                last_used_at: r.get("last_used_at"),
                revoked: r.get::<Option<i64>, _>("revoked_at").is_some(),
            })
            .collect())
    }

    /// Revokes a token of `actor`'s own (an admin may revoke anyone's). False when there is no such
    /// live token the actor may revoke.
    pub async fn revoke_token(&self, actor: &StaffUser, id: i64) -> anyhow::Result<bool> {
        let mut tx = self.db.begin().await?;
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND (user_id = $3 OR $4) RETURNING name",
        )
        .bind(now_ms())
        .bind(id)
        .bind(actor.id)
        .bind(actor.is_admin())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        audit(&mut tx, actor.id, "token.revoke", &format!("token {id}"), &row.get::<String, _>("name")).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active user a live API token belongs to.
    pub async fn staff_by_token(&self, token: &str) -> anyhow::Result<Option<StaffUser>> {
        let hash = secret_hash(token);
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.last_used_at, u.id, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
              WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let now = now_ms();
        // Note the use at minute resolution: a busy script should not turn every read into a write.
        if r.get::<Option<i64>, _>("last_used_at").is_none_or(|t| now - t > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(r.get::<i64, _>("token_id"))
                .execute(self.pool())
                .await?;
        }
        Ok(Some(StaffUser { id: r.get("id"), name: r.get("name"), role: parse_role(&r.get::<String, _>("role"))? }))
    }

    // ---- sessions ----

    /// Opens a browser session; returns the cookie value and the session's CSRF token.
    pub async fn create_session(&self, owner: &Owner, expires_at: i64) -> anyhow::Result<(String, String)> {
        let key = new_secret("mlgs_");
        let csrf = new_secret("");
        let (user, invitation) = match owner {
            Owner::User(id) => (Some(*id), None),
            Owner::Invitation(id) => (None, Some(id.as_str())),
        };
        // Sweep sessions that ended, so opening links again and again does not grow the table.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now_ms()).execute(self.pool()).await?;
        sqlx::query(
            "INSERT INTO sessions (key_sha256, user_id, invitation_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(secret_hash(&key))
        .bind(user)
        .bind(invitation)
        .bind(&csrf)
        .bind(now_ms())
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok((key, csrf))
    }

    /// The principal and CSRF token of a live session; `Closed` for a session whose invitation expired
    /// or was revoked; `Unknown` for no session, an expired one, or a disabled user's.
    pub async fn session(&self, key: &str) -> anyhow::Result<SessionLookup> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT s.csrf_token, s.expires_at AS session_expires, s.user_id, s.invitation_id,
                    u.name AS user_name, u.role, u.disabled_at,
                    i.name AS candidate_name, i.expires_at AS invitation_expires, i.revoked_at
               FROM sessions s
               LEFT JOIN users u ON u.id = s.user_id
               LEFT JOIN invitations i ON i.id = s.invitation_id
              WHERE s.key_sha256 = $1",
        )
        .bind(secret_hash(key))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(SessionLookup::Unknown) };
        let csrf: String = r.get("csrf_token");
        if let Some(id) = r.get::<Option<i64>, _>("user_id") {
            if r.get::<Option<i64>, _>("disabled_at").is_some() || r.get::<i64, _>("session_expires") <= now {
                return Ok(SessionLookup::Unknown);
            }
            let user = StaffUser { id, name: r.get("user_name"), role: parse_role(&r.get::<String, _>("role"))? };
            return Ok(SessionLookup::Live(Principal::Staff(user), csrf));
        }
        let invitation: String = r.get("invitation_id");
        let expires_at: i64 = r.get("invitation_expires");
        // A closed invitation is told as such (not as "sign in"), for as long as its session row lasts.
        if r.get::<Option<i64>, _>("revoked_at").is_some() || expires_at <= now {
            return Ok(SessionLookup::Closed);
        }
        if r.get::<i64, _>("session_expires") <= now {
            return Ok(SessionLookup::Unknown);
        }
        let invitee = Invitee { invitation_id: invitation, name: r.get("candidate_name"), expires_at };
        Ok(SessionLookup::Live(Principal::Candidate(invitee), csrf))
    }

    pub async fn delete_session(&self, key: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE key_sha256 = $1").bind(secret_hash(key)).execute(self.pool()).await?;
        Ok(())
    }

    // ---- invitations ----

    /// Creates an invitation; returns its id and token (the token is never stored).
    pub async fn create_invitation(&self, actor: &StaffUser, new: &NewInvitation) -> anyhow::Result<(String, String)> {
        let id = uuid::Uuid::now_v7().to_string();
        let token = new_secret("mlgi_");
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO invitations (id, token_sha256, name, email, created_by, created_at, expires_at, cooldown_seconds, time_limit_minutes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(secret_hash(&token))
        .bind(&new.name)
        .bind(&new.email)
        .bind(actor.id)
        .bind(now)
        .bind(new.expires_at)
        .bind(new.cooldown_seconds)
        .bind(new.time_limit_minutes)
        .execute(&mut *tx)
        .await?;
        for (challenge, limit) in &new.challenges {
            sqlx::query("INSERT INTO invitation_challenges (invitation_id, challenge, submission_limit) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(challenge)
                .bind(limit)
                .execute(&mut *tx)
                .await?;
        }
        let challenges: Vec<String> = new.challenges.iter().map(|(c, l)| format!("{c} ×{l}")).collect();
        let detail = format!("{} <{}>: {}", new.name, new.email, challenges.join(", "));
        audit(&mut tx, actor.id, "invitation.create", &format!("invitation {id}"), &detail).await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Starts the invitation's clock, once: the first time its candidate opens a challenge (or
    /// submits without having opened one).
    pub async fn start_clock(&self, invitation: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE invitations SET started_at = $1 WHERE id = $2 AND started_at IS NULL")
            .bind(now_ms())
            .bind(invitation)
            .execute(self.pool())
            .await
            .context("starting the invitation's clock")?;
        Ok(())
    }

    pub async fn invitation_by_token(&self, token: &str) -> anyhow::Result<InvitationLookup> {
        let row = sqlx::query("SELECT id, name, expires_at, revoked_at FROM invitations WHERE token_sha256 = $1")
            .bind(secret_hash(token))
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else { return Ok(InvitationLookup::Unknown) };
        let expires_at: i64 = r.get("expires_at");
        if r.get::<Option<i64>, _>("revoked_at").is_some() || expires_at <= now_ms() {
            return Ok(InvitationLookup::Closed);
        }
        Ok(InvitationLookup::Valid(Invitee { invitation_id: r.get("id"), name: r.get("name"), expires_at }))
    }

    pub async fn invitations(&self) -> anyhow::Result<Vec<InvitationRow>> {
        self.load_invitations(None).await
    }

    pub async fn invitation(&self, id: &str) -> anyhow::Result<Option<InvitationRow>> {
        Ok(self.load_invitations(Some(id)).await?.pop())
    }

    async fn load_invitations(&self, only: Option<&str>) -> anyhow::Result<Vec<InvitationRow>> {
        let rows = sqlx::query(
            "SELECT i.id, i.name, i.email, u.name AS created_by, i.created_at, i.expires_at, i.revoked_at,
                    i.cooldown_seconds, i.last_submission_at, i.time_limit_minutes, i.started_at,
                    (SELECT MAX(created_at) FROM submissions s WHERE s.invitation_id = i.id) AS last_activity_at,
                    (SELECT COUNT(*) FROM submissions s WHERE s.invitation_id = i.id AND s.kind = 'practice') AS practice_runs
               FROM invitations i JOIN users u ON u.id = i.created_by
              WHERE $1 IS NULL OR i.id = $1 ORDER BY i.created_at DESC",
        )
        .bind(only)
        .fetch_all(self.pool())
        .await?;
        let quotas = sqlx::query(
            "SELECT invitation_id, challenge, submission_limit, used FROM invitation_challenges
              WHERE $1 IS NULL OR invitation_id = $1 ORDER BY challenge",
        )
        .bind(only)
        .fetch_all(self.pool())
        .await?;
        let now = now_ms();
        Ok(rows
            .iter()
            .map(|r| {
                let id: String = r.get("id");
                let challenges = quotas
                    .iter()
                    .filter(|q| q.get::<String, _>("invitation_id") == id)
                    .map(|q| Quota { challenge: q.get("challenge"), limit: q.get("submission_limit"), used: q.get("used") })
                    .collect();
                let expires_at: i64 = r.get("expires_at");
                let revoked_at: Option<i64> = r.get("revoked_at");
                InvitationRow {
                    id,
                    name: r.get("name"),
                    email: r.get("email"),
                    created_by: r.get("created_by"),
                    created_at: r.get("created_at"),
                    expires_at,
                    revoked_at,
                    cooldown_seconds: r.get("cooldown_seconds"),
                    last_submission_at: r.get("last_submission_at"),
                    state: invitation_state(expires_at, revoked_at, now),
                    challenges,
                    time_limit_minutes: r.get("time_limit_minutes"),
                    started_at: r.get("started_at"),
                    last_activity_at: r.get("last_activity_at"),
                    practice_runs: r.get("practice_runs"),
                }
            })
            .collect())
    }

    /// Revokes an invitation: its link, its sessions and its bearer use stop at once (sessions are kept
    /// so the candidate is told why). False when there is no such unrevoked invitation.
    pub async fn revoke_invitation(&self, actor: &StaffUser, id: &str) -> anyhow::Result<bool> {
        let mut tx = self.db.begin().await?;
        let row = sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING name, email")
            .bind(now_ms())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let detail = format!("{} <{}>", row.get::<String, _>("name"), row.get::<String, _>("email"));
        audit(&mut tx, actor.id, "invitation.revoke", &format!("invitation {id}"), &detail).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves the expiry `hours` later, counted from now when it has already passed (an expired
    /// invitation opens again). False when there is no such unrevoked invitation.
    pub async fn extend_invitation(&self, actor: &StaffUser, id: &str, hours: f64) -> anyhow::Result<bool> {
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let row = sqlx::query(
            "UPDATE invitations SET expires_at = CASE WHEN expires_at > $1 THEN expires_at ELSE $1 END + $2 WHERE id = $3 AND revoked_at IS NULL RETURNING expires_at",
        )
        .bind(now)
        .bind((hours * 3_600_000.0).round() as i64)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let until = crate::time::format_utc(row.get("expires_at"));
        audit(&mut tx, actor.id, "invitation.extend", &format!("invitation {id}"), &format!("+{hours} h, until {until}")).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Raises one challenge's submission limit by `more`. False when the invitation does not include
    /// the challenge or was revoked.
    pub async fn add_attempts(&self, actor: &StaffUser, id: &str, challenge: &str, more: i64) -> anyhow::Result<bool> {
        let mut tx = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE invitation_challenges SET submission_limit = submission_limit + $1
              WHERE invitation_id = $2 AND challenge = $3
                AND EXISTS (SELECT 1 FROM invitations WHERE id = $2 AND revoked_at IS NULL)",
        )
        .bind(more)
        .bind(id)
        .bind(challenge)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        audit(&mut tx, actor.id, "invitation.add_attempts", &format!("invitation {id}"), &format!("{challenge} +{more}")).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives an invitation a new link: the old token stops working and its browser sessions end, the
    /// submissions, limits and clock stay. Returns the new token, or `None` when there is no such
    /// unrevoked invitation.
    pub async fn reissue_invitation(&self, actor: &StaffUser, id: &str) -> anyhow::Result<Option<String>> {
        let token = new_secret("mlgi_");
        let mut tx = self.db.begin().await?;
        let row = sqlx::query("UPDATE invitations SET token_sha256 = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING name, email")
            .bind(secret_hash(&token))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        sqlx::query("DELETE FROM sessions WHERE invitation_id = $1").bind(id).execute(&mut *tx).await?;
        let detail = format!("{} <{}>", row.get::<String, _>("name"), row.get::<String, _>("email"));
        audit(&mut tx, actor.id, "invitation.reissue", &format!("invitation {id}"), &detail).await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    // ---- submissions, notes, audit ----

    pub async fn submission(&self, id: &str) -> anyhow::Result<Option<SubmissionRow>> {
        let row = sqlx::query(&format!("SELECT {SUBMISSION_COLUMNS} WHERE s.id = $1 AND s.kind = 'submission'"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(submission_row).transpose()
    }

    /// A practice run, by id.
    pub async fn practice_run(&self, id: &str) -> anyhow::Result<Option<SubmissionRow>> {
        let row = sqlx::query(&format!("SELECT {SUBMISSION_COLUMNS} WHERE s.id = $1 AND s.kind = 'practice'"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(submission_row).transpose()
    }

    /// How many practice runs an invitation made, per challenge.
    pub async fn practice_counts(&self, invitation: &str) -> anyhow::Result<std::collections::BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT challenge, COUNT(*) AS n FROM submissions WHERE kind = 'practice' AND invitation_id = $1 GROUP BY challenge",
        )
        .bind(invitation)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(|r| (r.get("challenge"), r.get("n"))).collect())
    }

    /// Submissions matching `filter`, newest first, at most `limit`. The candidate filter matches its
    /// text literally: `%` and `_` in it are escaped, not wildcards.
    pub async fn submissions(&self, filter: &SubmissionFilter, limit: i64) -> anyhow::Result<Vec<SubmissionRow>> {
        let candidate = filter.candidate.as_ref().map(|c| format!("%{}%", escape_like(&c.to_lowercase())));
        let rows = sqlx::query(&format!(
            "SELECT {SUBMISSION_COLUMNS}
              WHERE ($1 IS NULL OR s.challenge = $1)
                AND ($2 IS NULL OR s.invitation_id = $2)
                AND ($3 IS NULL OR r.verdict = $3)
                AND ($4 IS NULL OR LOWER(COALESCE(i.name, u.name, '')) LIKE $4 ESCAPE '\\' OR LOWER(COALESCE(i.email, '')) LIKE $4 ESCAPE '\\')
                AND (NOT $6 OR s.invitation_id IS NOT NULL)
                AND s.kind = CASE WHEN $7 THEN 'practice' ELSE 'submission' END
              ORDER BY s.created_at DESC, s.id DESC LIMIT $5"
        ))
        .bind(&filter.challenge)
        .bind(&filter.invitation)
        .bind(&filter.verdict)
        .bind(candidate)
        .bind(limit)
        .bind(filter.candidates_only)
        .bind(filter.practice)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(submission_row).collect()
    }

    pub async fn add_note(&self, author: &StaffUser, submission: &str, body: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO notes (submission_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)")
            .bind(submission)
            .bind(author.id)
            .bind(body)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn notes(&self, submission: &str) -> anyhow::Result<Vec<Note>> {
        let rows = sqlx::query(
            "SELECT u.name, n.body, n.created_at FROM notes n JOIN users u ON u.id = n.author_id
              WHERE n.submission_id = $1 ORDER BY n.id",
        )
        .bind(submission)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(|r| Note { author: r.get("name"), body: r.get("body"), created_at: r.get("created_at") }).collect())
    }

    /// Records an action that has no row of its own to change (a sign-in as admin, a CLI account).
    pub async fn audit(&self, actor: i64, action: &str, target: &str, detail: &str) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await?;
        audit(&mut tx, actor, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_log(&self, limit: i64) -> anyhow::Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.id, a.at, u.name, a.action, a.target, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
              ORDER BY a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: r.get("id"),
                at: r.get("at"),
                actor: r.get("name"),
                action: r.get("action"),
                target: r.get("target"),
                detail: r.get("detail"),
            })
            .collect())
    }
}

/// What a session cookie opens.
pub enum SessionLookup {
    Live(Principal, String),
    /// The candidate's invitation expired or was revoked.
    Closed,
    Unknown,
}

/// `text` with LIKE's wildcards and its escape character escaped (used with `ESCAPE '\'`).
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(limit: Option<i64>, started: Option<i64>, last: Option<i64>) -> InvitationRow {
        InvitationRow {
            id: "i".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            created_by: "ivy".into(),
            created_at: 0,
            expires_at: i64::MAX,
            revoked_at: None,
            cooldown_seconds: 0,
            last_submission_at: None,
            state: InvitationState::Active,
            challenges: Vec::new(),
            time_limit_minutes: limit,
            started_at: started,
            last_activity_at: last,
            practice_runs: 0,
        }
    }

    #[test]
    fn a_time_box_counts_from_the_start_and_caps_the_time_used() {
        let minute = 60_000;
        let unstarted = invitation(Some(90), None, None);
        assert_eq!((unstarted.deadline(), unstarted.time_left_ms(0), unstarted.time_is_up(i64::MAX)), (None, None, false));
        let running = invitation(Some(90), Some(10 * minute), Some(40 * minute));
        assert_eq!(running.deadline(), Some(100 * minute));
        assert_eq!(running.time_left_ms(70 * minute), Some(30 * minute));
        assert!(!running.time_is_up(99 * minute) && running.time_is_up(100 * minute));
        assert_eq!(running.time_used_ms(), Some(30 * minute));
        let overran = invitation(Some(90), Some(0), Some(200 * minute));
        assert_eq!(overran.time_used_ms(), Some(90 * minute), "never more than the box");
        let untimed = invitation(None, Some(0), Some(200 * minute));
        assert_eq!((untimed.deadline(), untimed.time_used_ms()), (None, Some(200 * minute)));
    }

    #[test]
    fn wildcards_are_matched_literally() {
        assert_eq!(super::escape_like("a_b%c\\d"), "a\\_b\\%c\\\\d");
    }
}
