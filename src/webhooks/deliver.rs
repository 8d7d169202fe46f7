//! Delivery workers: claim a due delivery, send it, log the attempt, schedule the retry.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::sign::{self, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER};
use super::store::{AttemptOutcome, Claimed, HookStore};
use super::{target, HookConfig};
use crate::api::AppState;
use crate::store::now_ms;

/// Longest piece of a receiver's answer kept in the log.
const ERROR_CHARS: usize = 300;

pub async fn run(state: AppState, owner: String, stop: CancellationToken) {
    let store = HookStore::new(state.store.pool().clone());
    let config = state.access.config.hooks.clone();
    // Longer than any one attempt can take, so a live sender never loses its lease mid-send.
    let lease_ms = (config.timeout_seconds as i64 + 30) * 1000;
    loop {
        if stop.is_cancelled() {
            return;
        }
        match store.claim(&owner, lease_ms).await {
            Ok(Some(claimed)) => {
                // Stopping does not wait for a slow receiver: the lease runs out and the delivery is
                // sent again (same event id) by whichever node claims it next.
                let outcome = tokio::select! {
                    outcome = send(&config, &claimed) => outcome,
                    _ = stop.cancelled() => return,
                };
                let retry_at = (!outcome.delivered)
                    .then(|| config.backoff(claimed.attempt))
                    .flatten()
                    .filter(|_| !claimed.webhook_deleted)
                    .map(|wait| now_ms() + wait.as_millis() as i64);
                let error = outcome.error.as_deref();
                let settled = AttemptOutcome { status: outcome.status, error, duration_ms: outcome.duration_ms, delivered: outcome.delivered, retry_at };
                log_attempt(&claimed, &settled);
                if let Err(e) = store.settle(&claimed, &owner, &settled).await {
                    tracing::warn!(error = %format!("{e:#}"), delivery = claimed.id, "recording a delivery attempt");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "claiming a webhook delivery"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.poll()) => {}
            _ = stop.cancelled() => return,
        }
    }
}

fn log_attempt(claimed: &Claimed, outcome: &AttemptOutcome<'_>) {
    if outcome.delivered {
        tracing::info!(delivery = claimed.id, event = %claimed.event_id, kind = %claimed.kind, attempt = claimed.attempt, status = ?outcome.status, "delivered");
    } else {
        tracing::warn!(
            delivery = claimed.id, event = %claimed.event_id, kind = %claimed.kind, attempt = claimed.attempt,
            status = ?outcome.status, error = ?outcome.error, retry_at = ?outcome.retry_at, "delivery failed"
        );
    }
}

struct Sent {
    status: Option<u16>,
    error: Option<String>,
    duration_ms: i64,
    delivered: bool,
}

async fn send(config: &HookConfig, claimed: &Claimed) -> Sent {
    let started = Instant::now();
    let result = if claimed.webhook_deleted { Err("the webhook was deleted".to_owned()) } else { attempt(config, claimed).await };
    let duration_ms = started.elapsed().as_millis() as i64;
    match result {
        Ok((status, _)) if (200..300).contains(&status) => Sent { status: Some(status), error: None, duration_ms, delivered: true },
        Ok((status, body_text)) => {
            let error = format!("the receiver answered {status}{}", if body_text.is_empty() { String::new() } else { format!(": {body_text}") });
            Sent { status: Some(status), error: Some(error), duration_ms, delivered: false }
        }
        Err(error) => Sent { status: None, error: Some(error), duration_ms, delivered: false },
    }
}

/// One HTTP attempt: the status and the start of the answer, or why there was none.
async fn attempt(config: &HookConfig, claimed: &Claimed) -> Result<(u16, String), String> {
    let url = target::parse(&claimed.url)?;
    let addr = target::resolve(&url, config.allow_private_targets).await?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    // Connect to the address just checked, never to what a second lookup might answer; follow no
    // redirect, which could lead anywhere.
    let client = reqwest::Client::builder()
        .resolve(&host, addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(config.timeout_seconds.max(1)))
        .user_agent(concat!("mlgrade-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))?;
    let method = reqwest::Method::from_bytes(claimed.method.as_bytes()).map_err(|_| format!("unknown method {}", claimed.method))?;
    let mut request = client
        .request(method, url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_ID_HEADER, &claimed.event_id)
        .header(EVENT_TYPE_HEADER, &claimed.kind);
    if let Some(secret) = &claimed.secret {
        request = request.header(SIGNATURE_HEADER, sign::header_value(secret, now_ms() / 1000, claimed.body.as_bytes()));
    }
    let response = request.body(claimed.body.clone()).send().await.map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    Ok((status, text.chars().take(ERROR_CHARS).collect::<String>().trim().to_owned()))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the receiver did not answer in time".into()
    } else if e.is_connect() {
        "could not connect to the receiver".into()
    } else {
        format!("the request failed: {e}")
    }
}
