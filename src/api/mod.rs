//! The HTTP API: routes, shared state and middleware.

pub mod access;
pub mod accounts;
pub mod auth;
pub mod challenges;
pub mod error;
pub mod invitations;
pub mod openapi;
pub mod practice;
pub mod submissions;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::Notify;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::pipeline::Grader;
use crate::store::Store;
use error::{ApiError, ApiResult};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub grader: Grader,
    pub admin_token_hash: [u8; 32],
    pub max_upload_bytes: usize,
    /// The data folder: published challenge versions, generated data, staging for uploads.
    pub data_dir: std::path::PathBuf,
    pub wakeup: Arc<Notify>,
    /// Accounts, invitations, sessions and rate limits.
    pub access: Arc<crate::accounts::Access>,
}

pub fn router(state: AppState) -> Router {
    // Room for the multipart framing and the slug around the largest accepted file.
    let body_limit = state.max_upload_bytes + 16 * 1024;
    let api = Router::new()
        .route("/submissions", post(submissions::create).layer(DefaultBodyLimit::max(body_limit)))
        .route("/submissions/{id}", get(submissions::get))
        .route("/submissions/{id}/predictions", get(submissions::predictions))
        .route("/submissions/{id}/regrade", post(submissions::regrade))
        .route("/challenges/{slug}/practice", post(practice::create).layer(DefaultBodyLimit::max(body_limit)))
        .route("/practice/{id}", get(practice::get))
        .route("/challenges/{slug}", get(challenges::detail))
        .route("/challenges/{slug}/sample.csv", get(challenges::sample))
        .route("/challenges/{slug}/solution.py", get(challenges::starter))
        .route("/challenges/{slug}/files/{*path}", get(challenges::public_file))
        // Access control: who am I, invitations, tokens, users, audit log, listings.
        .route("/me", get(accounts::me))
        .route("/submissions", get(accounts::list_submissions))
        .route("/results.csv", get(accounts::results_csv))
        .route("/invitations", post(accounts::post_invitation).get(accounts::list_invitations))
        .route("/invitations/{id}", get(accounts::get_invitation))
        .route("/invitations/{id}/revoke", post(accounts::revoke_invitation))
        .route("/invitations/{id}/extend", post(invitations::extend))
        .route("/invitations/{id}/attempts", post(invitations::add_attempts))
        .route("/invitations/{id}/reissue", post(invitations::reissue))
        .route("/tokens", post(accounts::post_token).get(accounts::list_tokens))
        .route("/tokens/{id}/revoke", post(accounts::revoke_token))
        .route("/users", post(accounts::post_user).get(accounts::list_users))
        .route("/users/{id}/disable", post(accounts::disable_user))
        .route("/audit", get(accounts::audit_log))
        .route_layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        // Publishing runs the reference solution in the sandbox, which can take the challenge's whole
        // time limit, so this route is outside the request timeout.
        .route(
            "/challenges",
            get(challenges::list).post(challenges::upload).layer(DefaultBodyLimit::max(challenges::MAX_BUNDLE_BYTES)),
        );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .nest("/api/v1", api)
        .merge(crate::web::router(body_limit))
        .fallback(not_found)
        .with_state(state)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let route = req
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| req.uri().path().to_owned());
            let request_id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            tracing::info_span!("request", method = %req.method(), route, request_id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(|_| {
            let body = json!({ "error": { "code": "internal", "message": "the service failed to handle this request; it has been logged" } });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }))
}

/// 200 when both the database and the Docker engine answer.
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    state.store.ping().await.map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    state.grader.sandbox.ping().await.map_err(|e| ApiError::Unavailable(format!("docker engine: {e}")))?;
    let (queued, running, completed) = state.store.counts().await?;
    Ok(Json(json!({ "status": "ok", "queued": queued, "running": running, "completed": completed })))
}

/// An unknown route: an HTML page with the site's navigation for a browser, JSON for anything else
/// and for every address under `/api/`.
async fn not_found(
    viewer: Result<crate::web::MaybeViewer, crate::web::PageError>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let browser = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if browser && !uri.path().starts_with("/api/") {
        let viewer = viewer.ok().and_then(|v| v.0);
        return crate::web::not_found_page(viewer.as_ref());
    }
    ApiError::NotFound("no such route".into()).into_response()
}
