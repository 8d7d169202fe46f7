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

use std::sync::Arc;

pub use crate::identity::*;
pub use crate::storage::accounts as store;
pub use crate::storage::{quota, ratelimit};
pub use crate::time;
pub use config::AccessConfig;
use ratelimit::RateLimiter;

/// Access settings and the rate limiters (counted in the database, so they hold across API nodes),
/// shared by the API and the pages.
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
    pub fn new(config: AccessConfig, db: crate::storage::Db) -> Arc<Access> {
        let minutes = std::time::Duration::from_secs(60);
        let sign_in = RateLimiter::new(db.clone(), "sign-in", config.sign_in_attempts, 15 * minutes);
        let staff_submissions = RateLimiter::new(db.clone(), "staff-submissions", config.staff_submissions_per_minute, minutes);
        let mail = config.smtp_url.as_ref().map(|url| mail::Mailer::new(url, config.mail_from.as_ref()));
        Arc::new(Access { config, db: store::AccountStore::new(db), sign_in, staff_submissions, mail })
    }
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
