//! Greenhouse's Assessment Partner API, with mlgrade as the partner: Greenhouse lists our tests
//! (challenges), sends one to a candidate (an invitation, e-mailed), and learns the result from
//! `test_status`, which we prompt with a PATCH to the callback URL it gave once the candidate is done.
//!
//! Field names and values follow Greenhouse's documentation: `partner_test_id`, `partner_test_name`,
//! `partner_interview_id`, `partner_status` (`complete` once done), `partner_profile_url`,
//! `partner_score` and a flat `metadata` object of labels and values.

pub mod store;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::integrations::outcome::{self, Outcome};
use crate::webhooks::store::{Audience, HookStore, NewEvent, Tx};
use crate::webhooks::GREENHOUSE_CALLBACK;
use store::Interview;

/// `partner_status` values: sent (not yet opened), in progress, complete.
pub const SENT: &str = "sent";
pub const IN_PROGRESS: &str = "in_progress";
pub const COMPLETE: &str = "complete";

/// The answer to `test_status`, also the body of the callback PATCH.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestStatus {
    /// `sent`, `in_progress` or `complete`.
    #[schema(value_type = String)]
    pub partner_status: &'static str,
    pub partner_profile_url: String,
    pub partner_score: f64,
    pub metadata: Map<String, Value>,
}

pub fn test_status(interview: &Interview, outcome: &Outcome) -> TestStatus {
    let partner_status = match (outcome.ended, outcome.started_at) {
        (Some(_), _) => COMPLETE,
        (None, Some(_)) => IN_PROGRESS,
        (None, None) => SENT,
    };
    TestStatus {
        partner_status,
        partner_profile_url: format!("{}{}", interview.base_url.trim_end_matches('/'), outcome::profile_path(&interview.invitation_id)),
        partner_score: outcome.score,
        metadata: metadata(outcome),
    }
}

/// Flat labels and values, as Greenhouse shows them beside the score.
fn metadata(outcome: &Outcome) -> Map<String, Value> {
    let mut m = Map::new();
    let submitted = outcome.challenges.iter().filter(|c| c.submissions > 0).count();
    m.insert("Challenges submitted".into(), json!(format!("{submitted} of {}", outcome.challenges.len())));
    for c in &outcome.challenges {
        let score = c.best_score.map(|s| json!((s * 10.0).round() / 10.0)).unwrap_or_else(|| json!("no accepted submission"));
        m.insert(format!("Score: {}", c.title), score);
    }
    m.insert("Flags".into(), json!(outcome.flags.len()));
    m.insert("Flagged checks".into(), json!(if outcome.flags.is_empty() { "none".to_owned() } else { outcome.flags.join("; ") }));
    let minutes = outcome.time_used_ms.map(|ms| json!((ms as f64 / 6_000.0).round() / 10.0)).unwrap_or_else(|| json!("not started"));
    m.insert("Time used (minutes)".into(), minutes);
    if let Some(reason) = outcome.ended {
        m.insert("Ended".into(), json!(reason.replace('_', " ")));
    }
    m
}

/// Queues the PATCH that tells Greenhouse the test is complete, in the caller's transaction; its body
/// is what `test_status` answers, with the interview's id.
pub async fn queue_callback(hooks: &HookStore, tx: &mut Tx<'_>, interview: &Interview, outcome: &Outcome) -> anyhow::Result<bool> {
    let mut body = serde_json::to_value(test_status(interview, outcome))?;
    body["partner_interview_id"] = json!(interview.partner_interview_id);
    let id = crate::webhooks::store::new_event_id();
    let body = body.to_string();
    let key = format!("{GREENHOUSE_CALLBACK}:{}", interview.partner_interview_id);
    let event = NewEvent { id: &id, kind: GREENHOUSE_CALLBACK, dedupe_key: &key, result_id: None, body: &body };
    hooks.enqueue(tx, &event, Audience::Url { url: &interview.callback_url, method: "PATCH" }).await
}
