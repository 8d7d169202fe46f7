//! Finds what is worth announcing: newly graded submissions and candidates who are done. Reading the
//! results table, rather than hooking the graders, means an event can never be lost between storing a
//! result and raising its event: a result without its event is found on the next look, by any node.

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::store::{Audience, HookStore, NewEvent, NewResult};
use super::{INVITATION_COMPLETED, SUBMISSION_COMPLETED, SUBMISSION_FLAGGED};
use crate::api::AppState;
use crate::grading::Report;
use crate::integrations::{greenhouse, outcome};
use crate::store::now_ms;

/// Results are looked for this far behind the newest one seen, so a result whose transaction
/// committed late (after a newer one) is still announced; results already announced are skipped.
const LOOKBACK_MS: i64 = 10 * 60 * 1000;
const RESULTS_CURSOR: &str = "results";
const BATCH: i64 = 200;

pub async fn run(state: AppState, stop: CancellationToken) {
    let store = HookStore::new(state.store.pool().clone());
    let poll = state.access.config.hooks.poll();
    loop {
        if let Err(e) = announce_results(&state, &store).await {
            tracing::warn!(error = %format!("{e:#}"), "looking for graded submissions to announce");
        }
        if let Err(e) = announce_finished_invitations(&state, &store).await {
            tracing::warn!(error = %format!("{e:#}"), "looking for finished invitations to announce");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stop.cancelled() => return,
        }
    }
}

async fn announce_results(state: &AppState, store: &HookStore) -> anyhow::Result<()> {
    loop {
        let since = store.cursor(RESULTS_CURSOR).await? - LOOKBACK_MS;
        let results = store.unannounced_results(since, BATCH).await?;
        let Some(newest) = results.iter().map(|r| r.created_at).max() else { return Ok(()) };
        for result in &results {
            announce_result(state, store, result).await?;
        }
        store.advance_cursor(RESULTS_CURSOR, newest).await?;
        if (results.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

async fn announce_result(state: &AppState, store: &HookStore, result: &NewResult) -> anyhow::Result<()> {
    let report: Report = serde_json::from_str(&result.report)?;
    let flagged: Vec<&crate::grading::Check> = report.checks.iter().filter(|c| c.flagged).collect();
    let overfitting = report.overfitting.as_ref().is_some_and(|o| o.flagged);
    let public_url = state.access.config.public_url.as_deref().map(|u| u.trim_end_matches('/').to_owned());
    let link = |path: String| match &public_url {
        Some(base) => format!("{base}{path}"),
        None => path,
    };
    let candidate = result.invitation_id.as_ref().map(|id| {
        json!({
            "invitation_id": id,
            "name": result.candidate_name,
            "email": result.candidate_email,
            "profile_url": link(outcome::profile_path(id)),
        })
    });
    let data = json!({
        "submission_id": result.submission_id,
        "challenge": result.challenge,
        "verdict": report.verdict.as_str(),
        "score": report.score,
        "public_score": report.public_score,
        "flagged": !flagged.is_empty() || overfitting,
        "candidate": candidate,
        "submission_url": link(format!("/submissions/{}", result.submission_id)),
        "graded_at": result.created_at,
    });
    let mut tx = store.begin().await?;
    let completed_key = format!("{SUBMISSION_COMPLETED}:{}", result.result_id);
    raise(store, &mut tx, SUBMISSION_COMPLETED, &completed_key, Some(result.result_id), data.clone()).await?;
    if !flagged.is_empty() || overfitting {
        let mut data = data;
        let checks: Vec<_> = flagged
            .iter()
            .map(|c| json!({ "name": c.name, "value": c.value, "threshold": c.threshold, "explanation": c.explanation }))
            .chain(report.overfitting.as_ref().filter(|o| o.flagged).map(|o| {
                json!({ "name": "overfitting", "value": o.gap, "threshold": o.threshold, "explanation": format!("{} is {} on the training rows and {} on the hidden rows", o.metric, o.train_metric, o.test_metric) })
            }))
            .collect();
        data["checks"] = json!(checks);
        // Keyed by the result too; the anti-join on `result_id` looks at any event of the result.
        let flagged_key = format!("{SUBMISSION_FLAGGED}:{}", result.result_id);
        raise(store, &mut tx, SUBMISSION_FLAGGED, &flagged_key, None, data).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Wraps `data` in the envelope every webhook body has and queues it for the subscribers.
async fn raise(
    store: &HookStore,
    tx: &mut super::store::Tx<'_>,
    kind: &str,
    key: &str,
    result_id: Option<i64>,
    data: serde_json::Value,
) -> anyhow::Result<bool> {
    let id = super::store::new_event_id();
    let body = envelope(&id, kind, data);
    store.enqueue(tx, &NewEvent { id: &id, kind, dedupe_key: key, result_id, body: &body }, Audience::Subscribers).await
}

/// `{"id", "type", "created_at", "data"}`: the body of every webhook delivery.
pub fn envelope(id: &str, kind: &str, data: serde_json::Value) -> String {
    json!({ "id": id, "type": kind, "created_at": now_ms() / 1000, "data": data }).to_string()
}

async fn announce_finished_invitations(state: &AppState, store: &HookStore) -> anyhow::Result<()> {
    for id in store.open_invitations().await? {
        let Some(outcome) = outcome::assess(state, &id).await? else { continue };
        let Some(reason) = outcome.ended else { continue };
        let mut tx = store.begin().await?;
        if !store.record_outcome(&mut tx, &id, reason).await? {
            continue;
        }
        let interview = greenhouse::store::GreenhouseStore::new(state.store.pool().clone()).interview_for_invitation(&id).await?;
        let base = interview.as_ref().map(|i| i.base_url.clone()).or_else(|| state.access.config.public_url.clone());
        let profile = match &base {
            Some(b) => format!("{}{}", b.trim_end_matches('/'), outcome::profile_path(&id)),
            None => outcome::profile_path(&id),
        };
        let data = json!({
            "invitation_id": id,
            "name": outcome.name,
            "email": outcome.email,
            "reason": reason,
            "score": outcome.score,
            "challenges": outcome.challenges,
            "flags": outcome.flags,
            "started_at": outcome.started_at,
            "time_used_seconds": outcome.time_used_ms.map(|ms| ms / 1000),
            "profile_url": profile,
            "greenhouse_partner_interview_id": interview.as_ref().map(|i| i.partner_interview_id.clone()),
        });
        raise(store, &mut tx, INVITATION_COMPLETED, &format!("{INVITATION_COMPLETED}:{id}"), None, data).await?;
        if let Some(interview) = &interview {
            greenhouse::queue_callback(store, &mut tx, interview, &outcome).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
