//! What an invitation request must hold, checked once into a [`NewInvitation`].

use serde::Deserialize;

use super::store::NewInvitation;
use crate::catalogue::Catalogue;
use crate::storage::now_ms;

/// Submissions per challenge when the request names none.
pub const DEFAULT_LIMIT: i64 = 5;
/// Validity when the request names none: a week.
pub const DEFAULT_HOURS: f64 = 7.0 * 24.0;
/// The longest validity accepted: a year.
pub const MAX_HOURS: f64 = 365.0 * 24.0;
/// Shortest lifetime: a link that dies before a candidate could read the statement is a mistake.
pub const MIN_HOURS: f64 = 1.0;

/// `POST /api/v1/invitations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// The candidate's name, as the staff pages show it.
    pub name: String,
    pub email: String,
    /// Challenge slugs, or objects with a slug and that challenge's own submission limit.
    pub challenges: Vec<Grant>,
    /// Submissions allowed per challenge (default 5).
    #[serde(default)]
    pub submission_limit: Option<i64>,
    /// Hours until the link stops working (default 168, a week; fractions allowed; at least 1).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 8760)]
    pub expires_in_hours: Option<f64>,
    /// Least seconds between two submissions (default: the service's setting).
    #[serde(default)]
    pub cooldown_seconds: Option<i64>,
    /// A time box in minutes, counted from when the candidate first opens a challenge (default: none,
    /// the invitation's validity is the only limit).
    #[serde(default)]
    pub time_limit_minutes: Option<i64>,
    /// E-mail the link to the candidate (default: yes, when the service has an SMTP relay).
    #[serde(default)]
    pub send_email: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Grant {
    Slug(String),
    WithLimit { slug: String, submission_limit: i64 },
}

fn check_limit(n: i64) -> Result<i64, String> {
    if (1..=1000).contains(&n) {
        Ok(n)
    } else {
        Err(format!("a submission limit must be between 1 and 1000, not {n}"))
    }
}

fn check_email(raw: &str) -> Result<String, String> {
    let email = raw.trim();
    let shape_ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'));
    if shape_ok {
        Ok(email.to_owned())
    } else {
        Err(format!("'{email}' is not an e-mail address"))
    }
}

impl InvitationRequest {
    /// Checks every field against the catalogue and the limits; the error says which field and why.
    pub fn validate(&self, catalogue: &Catalogue, default_cooldown: u32) -> Result<NewInvitation, String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err("name: give the candidate's name (at most 200 characters)".into());
        }
        let email = check_email(&self.email).map_err(|e| format!("email: {e}"))?;
        let default_limit = check_limit(self.submission_limit.unwrap_or(DEFAULT_LIMIT)).map_err(|e| format!("submission_limit: {e}"))?;
        if self.challenges.is_empty() {
            return Err("challenges: name at least one challenge".into());
        }
        let mut challenges: Vec<(String, i64)> = Vec::new();
        for grant in &self.challenges {
            let (slug, limit) = match grant {
                Grant::Slug(s) => (s.trim(), default_limit),
                Grant::WithLimit { slug, submission_limit } => {
                    (slug.trim(), check_limit(*submission_limit).map_err(|e| format!("challenges: {slug}: {e}"))?)
                }
            };
            if catalogue.get(slug).is_none() {
                return Err(format!("challenges: no challenge named '{slug}'"));
            }
            if challenges.iter().any(|(s, _)| s == slug) {
                return Err(format!("challenges: '{slug}' is named twice"));
            }
            challenges.push((slug.to_owned(), limit));
        }
        let hours = self.expires_in_hours.unwrap_or(DEFAULT_HOURS);
        if !(MIN_HOURS..=MAX_HOURS).contains(&hours) {
            return Err(format!("expires_in_hours: must be between {MIN_HOURS} and {MAX_HOURS}, not {hours}"));
        }
        let cooldown = self.cooldown_seconds.unwrap_or(default_cooldown as i64);
        if !(0..=86_400).contains(&cooldown) {
            return Err(format!("cooldown_seconds: must be between 0 and 86400, not {cooldown}"));
        }
        if let Some(minutes) = self.time_limit_minutes {
            if !(1..=10_080).contains(&minutes) {
                return Err(format!("time_limit_minutes: must be between 1 and 10080 (a week), not {minutes}"));
            }
        }
        Ok(NewInvitation {
            name: name.to_owned(),
            email,
            challenges,
            expires_at: now_ms() + (hours * 3_600_000.0).round() as i64,
            cooldown_seconds: cooldown,
            time_limit_minutes: self.time_limit_minutes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_limits_are_checked() {
        assert!(check_email("ada@example.com").is_ok());
        for bad in ["", "ada", "@example.com", "ada@example", "a b@example.com", "a@b@c.d"] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        assert!(check_limit(0).is_err());
        assert!(check_limit(3).is_ok());
        let grants: Vec<Grant> = serde_json::from_str(r#"["a", {"slug": "b", "submission_limit": 2}]"#).unwrap();
        assert!(matches!(&grants[1], Grant::WithLimit { submission_limit: 2, .. }));
    }
}
