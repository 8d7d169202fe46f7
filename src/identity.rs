//! Who is asking and who owns what: staff roles and users, candidates (known by their invitation),
//! and the secrets that identify them. Plain types, shared by the storage layer and the access rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

