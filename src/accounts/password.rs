//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async threads.

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Shortest accepted password.
pub const MIN_LENGTH: usize = 10;

pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("the password must have at least {MIN_LENGTH} characters"));
    }
    Ok(())
}

pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("password hashing task")?
}

/// Whether `password` matches `stored`. With no stored hash (unknown user, or an account without a
/// password) a dummy hash is checked, so the answer takes as long either way.
pub async fn verify(password: &str, stored: Option<String>) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&stored)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random string nobody knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let secret = super::new_secret("");
        Argon2::default().hash_password(secret.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(h.clone())).await);
        assert!(!verify("wrong horse battery", Some(h)).await);
        assert!(!verify("anything", None).await);
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough pw").is_ok());
    }
}
