//! Settings of access control: cookies, links, cooldowns and rate limits.

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct AccessConfig {
    /// Mark cookies Secure even when the request did not say it came over TLS (set it behind a TLS
    /// proxy that does not send `X-Forwarded-Proto: https`).
    #[arg(long, env = "MLGRADE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address candidates reach the service at, for invitation links (e.g. https://grade.example.com);
    /// by default the link is built from the request's Host header.
    #[arg(long, env = "MLGRADE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Least seconds between two submissions of one candidate, unless the invitation sets its own.
    #[arg(long, env = "MLGRADE_SUBMISSION_COOLDOWN_SECONDS", default_value_t = 60)]
    pub submission_cooldown_seconds: u32,
    /// Failed sign-ins allowed per client address and user name in 15 minutes.
    #[arg(long, env = "MLGRADE_SIGN_IN_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_attempts: u32,
    /// Submissions a staff user may make per minute.
    #[arg(long, env = "MLGRADE_STAFF_SUBMISSIONS_PER_MINUTE", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub staff_submissions_per_minute: u32,
    /// Practice runs (graded on the public sample, outside the submission limit) one candidate or
    /// staff user may queue per hour.
    #[arg(long, env = "MLGRADE_PRACTICE_RUNS_PER_HOUR", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub practice_runs_per_hour: u32,
    /// The SMTP relay invitation links are e-mailed through, e.g. `smtp://127.0.0.1:25`,
    /// `smtp://user:password@host:587?tls=required` or `smtps://user:password@host:465`. Without it no
    /// mail is sent and staff copy the link.
    #[arg(long, env = "MLGRADE_SMTP_URL")]
    pub smtp_url: Option<super::mail::SmtpUrl>,
    /// The sender of those e-mails, e.g. `Hiring <jobs@example.com>`.
    #[arg(long, env = "MLGRADE_MAIL_FROM")]
    pub mail_from: Option<super::mail::From>,
    /// Hours a staff sign-in lasts.
    #[arg(long, env = "MLGRADE_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    pub session_hours: u32,
    /// Outgoing webhooks and Greenhouse callbacks.
    #[command(flatten)]
    pub hooks: crate::webhooks::HookConfig,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            secure_cookies: false,
            public_url: None,
            submission_cooldown_seconds: 60,
            sign_in_attempts: 5,
            staff_submissions_per_minute: 120,
            practice_runs_per_hour: 30,
            smtp_url: None,
            mail_from: None,
            session_hours: 12,
            hooks: crate::webhooks::HookConfig::default(),
        }
    }
}
