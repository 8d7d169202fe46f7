//! Signed webhooks and every other notification this service sends out (Greenhouse callbacks).
//!
//! A fact worth telling (a graded submission, a flag, a candidate who is done) becomes one event row,
//! keyed by what it is about so it is raised once however many nodes notice it. Each receiver of the
//! event gets a delivery row; delivery workers on any node claim due deliveries with a lease, send
//! them, and retry failures on a fixed schedule. Everything lives in the database, so a restart loses
//! nothing and a crash mid-send only means the lease runs out and the delivery is sent again (with the
//! same event id, which receivers use to drop repeats).

pub mod deliver;
pub mod scan;
pub mod sign;
pub mod store;
pub mod target;

use std::time::Duration;

use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::api::AppState;

/// A submission was graded (every grading of a candidate's or staff member's submission, not practice runs).
pub const SUBMISSION_COMPLETED: &str = "submission.completed";
/// A graded submission raised at least one check's flag.
pub const SUBMISSION_FLAGGED: &str = "submission.flagged";
/// A candidate is done: every challenge submitted and graded, or the time box, validity or the
/// invitation itself ended.
pub const INVITATION_COMPLETED: &str = "invitation.completed";
/// A test delivery an admin asked for; sent to that one webhook only.
pub const PING: &str = "ping";
/// The PATCH that tells Greenhouse a test is complete.
pub const GREENHOUSE_CALLBACK: &str = "greenhouse.callback";

/// The events a webhook may subscribe to.
pub const EVENTS: [&str; 3] = [SUBMISSION_COMPLETED, SUBMISSION_FLAGGED, INVITATION_COMPLETED];

/// Settings of outgoing notifications.
#[derive(Debug, Clone, Args)]
pub struct HookConfig {
    /// Let webhooks and Greenhouse callbacks reach loopback, private, link-local and other
    /// non-public addresses. Off by default, so a webhook cannot be pointed at the service's own
    /// network (cloud metadata, internal admin pages); turn it on for receivers on a private network.
    #[arg(long = "webhook-allow-private", env = "MLGRADE_WEBHOOK_ALLOW_PRIVATE")]
    pub allow_private_targets: bool,
    /// Seconds to wait before each retry of a failed delivery; a delivery that fails once more after
    /// the last is marked failed (an admin can resend it).
    #[arg(long = "webhook-retry-seconds", env = "MLGRADE_WEBHOOK_RETRY_SECONDS", value_delimiter = ',', default_value = "10,60,300,1800,7200,21600,43200")]
    pub retry_seconds: Vec<f64>,
    /// Seconds a receiver has to answer.
    #[arg(long = "webhook-timeout-seconds", env = "MLGRADE_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub timeout_seconds: u64,
    /// Milliseconds between two looks for new events and due deliveries.
    #[arg(long = "webhook-poll-ms", env = "MLGRADE_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub poll_ms: u64,
}

impl Default for HookConfig {
    fn default() -> Self {
        HookConfig {
            allow_private_targets: false,
            retry_seconds: vec![10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 43200.0],
            timeout_seconds: 10,
            poll_ms: 1000,
        }
    }
}

impl HookConfig {
    /// The wait before retry number `failures` (1 after the first failure); `None` once the schedule is used up.
    pub fn backoff(&self, failures: i64) -> Option<Duration> {
        let i = usize::try_from(failures).ok()?.checked_sub(1)?;
        self.retry_seconds.get(i).map(|s| Duration::from_secs_f64(s.max(0.0)))
    }

    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms.max(10))
    }
}

/// Parallel senders per node: a slow receiver holds up only its own sender.
const SENDERS: usize = 4;

/// Runs the event scan and the delivery workers until `stop` is cancelled.
pub async fn run(state: AppState, stop: CancellationToken) {
    let owner = format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut tasks = vec![tokio::spawn(scan::run(state.clone(), stop.clone()))];
    for i in 0..SENDERS {
        tasks.push(tokio::spawn(deliver::run(state.clone(), format!("{owner}-{i}"), stop.clone())));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// The last few characters of a secret, for recognising it without showing it.
pub fn secret_hint(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_then_stops() {
        let c = HookConfig { retry_seconds: vec![1.0, 5.0], ..HookConfig::default() };
        assert_eq!(c.backoff(0), None);
        assert_eq!(c.backoff(1), Some(Duration::from_secs(1)));
        assert_eq!(c.backoff(2), Some(Duration::from_secs(5)));
        assert_eq!(c.backoff(3), None);
        assert_eq!(secret_hint("whsec_abcdef"), "…cdef");
    }
}
