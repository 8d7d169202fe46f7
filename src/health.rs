//! Probes for a load balancer or an orchestrator, and the metrics endpoint, on every node.
//!
//! `/livez` says the process is up (restart it when this fails); `/readyz` says the node should get
//! traffic or jobs: its database answers, its Docker engine answers when it grades, and it is not
//! shutting down. A draining node turns unready first, so a load balancer stops sending it requests
//! while it finishes the ones in flight.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Metrics, QueueCounts};
use crate::sandbox::Sandbox;
use crate::storage::Store;

/// How long a probe waits for the database or the engine: a cut connection must read as not ready,
/// not as a hung probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a node's probes look at.
#[derive(Clone)]
pub struct Probes {
    pub store: Store,
    /// The engine, checked when this node grades.
    pub engine: Option<Sandbox>,
    pub metrics: Arc<Metrics>,
    /// Cancelled when the node starts shutting down.
    pub draining: CancellationToken,
    /// `api`, `worker` or `api+worker`, as the readiness answer names it.
    pub role: &'static str,
}

/// The probe and metrics routes, for any router state.
pub fn router<S>(probes: Probes) -> Router<S> {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(probes)
}

async fn livez() -> Json<serde_json::Value> {
    Json(json!({ "status": "alive" }))
}

async fn readyz(State(probes): State<Probes>) -> Response {
    match probes.check().await {
        Ok(()) => Json(json!({ "status": "ready", "role": probes.role })).into_response(),
        Err(reason) => {
            let body = json!({ "error": { "code": "not_ready", "message": reason }, "role": probes.role });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

async fn metrics(State(probes): State<Probes>) -> Response {
    let queue = probes.queue().await;
    let ready = probes.check().await.is_ok();
    let pool = probes.engine.as_ref().and_then(Sandbox::pool_stats);
    let text = probes.metrics.render(queue.as_ref(), ready, pool.as_ref());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

impl Probes {
    /// Why this node should not get traffic now, if anything.
    pub async fn check(&self) -> Result<(), String> {
        if self.draining.is_cancelled() {
            return Err("shutting down".into());
        }
        match tokio::time::timeout(PROBE_TIMEOUT, self.store.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("the database does not answer: {e:#}")),
            Err(_) => return Err("the database does not answer in time".into()),
        }
        if let Some(engine) = &self.engine {
            match tokio::time::timeout(PROBE_TIMEOUT, engine.ping()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(format!("the Docker engine does not answer: {e}")),
                Err(_) => return Err("the Docker engine does not answer in time".into()),
            }
        }
        Ok(())
    }

    async fn queue(&self) -> Option<QueueCounts> {
        match tokio::time::timeout(PROBE_TIMEOUT, self.store.counts()).await {
            Ok(Ok((queued, running, _))) => Some(QueueCounts { queued, running }),
            Ok(Err(e)) => {
                tracing::warn!(error = %format!("{e:#}"), "reading the queue for metrics");
                None
            }
            Err(_) => None,
        }
    }
}
