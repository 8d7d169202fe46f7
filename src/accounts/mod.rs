//! Who may do what: staff accounts (admin, interviewer), candidates (an invitation is their key),
//! API tokens, browser sessions, submission quotas, rate limits and the audit log.
//!
//! Secrets (API tokens, session keys, invitation tokens) are random 256-bit values kept only as their
//! SHA-256, so a copy of the database opens nothing. Passwords are argon2id hashes.

pub mod cli;
pub mod config;
pub mod invite;
pub mod mail;
pub mod password;
pub mod quota;
pub mod ratelimit;
pub mod store;
pub mod time;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use config::AccessConfig;
use ratelimit::RateLimiter;

/// Id of the built-in account that the configured admin token acts as (created by the migration).
pub const ADMIN_TOKEN_USER: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Interviewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Interviewer => "interviewer",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "interviewer" => Ok(Role::Interviewer),
            other => Err(format!("'{other}' is not a role; use admin or interviewer")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in or token-bearing member of the hiring team.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

impl StaffUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A candidate, known by the invitation that let them in. Only valid (unexpired, unrevoked)
/// invitations ever become an `Invitee`.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub invitation_id: String,
    pub name: String,
    pub expires_at: i64,
}

/// Whoever is asking.
#[derive(Debug, Clone)]
pub enum Principal {
    Staff(StaffUser),
    Candidate(Invitee),
}

/// Who a submission belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(i64),
    Invitation(String),
}

impl Principal {
    pub fn owner(&self) -> Owner {
        match self {
            Principal::Staff(u) => Owner::User(u.id),
            Principal::Candidate(c) => Owner::Invitation(c.invitation_id.clone()),
        }
    }

    pub fn staff(&self) -> Option<&StaffUser> {
        match self {
            Principal::Staff(u) => Some(u),
            Principal::Candidate(_) => None,
        }
    }
}

/// Access settings and the in-memory rate limiters, shared by the API and the pages.
pub struct Access {
    pub config: AccessConfig,
    pub db: store::AccountStore,
    /// Failed sign-ins per client address and user name.
    pub sign_in: RateLimiter,
    /// Submissions per staff user (candidates have their cooldown and limit in the database).
    pub staff_submissions: RateLimiter,
    /// The SMTP relay, when one is configured.
    pub mail: Option<mail::Mailer>,
}

impl Access {
    pub fn new(config: AccessConfig, pool: sqlx::SqlitePool) -> Arc<Access> {
        let sign_in = RateLimiter::new(config.sign_in_attempts, std::time::Duration::from_secs(15 * 60));
        let staff_submissions = RateLimiter::new(config.staff_submissions_per_minute, std::time::Duration::from_secs(60));
        let mail = config.smtp_url.as_ref().map(|url| mail::Mailer::new(url, config.mail_from.as_ref()));
        Arc::new(Access { config, db: store::AccountStore::new(pool), sign_in, staff_submissions, mail })
    }
}

/// A fresh secret with a short prefix that says what it is (`mlgt_` API token, `mlgi_` invitation,
/// `mlgs_` session): 32 random bytes, hex-encoded.
pub fn new_secret(prefix: &str) -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed() {
        let a = new_secret("mlgt_");
        let b = new_secret("mlgt_");
        assert_ne!(a, b);
        assert!(a.starts_with("mlgt_") && a.len() == 5 + 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
        assert!("auditor".parse::<Role>().is_err());
        assert_eq!("interviewer".parse::<Role>().unwrap(), Role::Interviewer);
    }
}

/// A staff user name: 1–64 letters, digits, dots, dashes or underscores.
pub fn validate_user_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!("'{name}' is not a valid user name (1-64 letters, digits, '.', '-' or '_')"))
    }
}
