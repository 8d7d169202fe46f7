//! The HTTP API: routes, shared state and middleware.

pub mod access;
pub mod accounts;
pub mod auth;
pub mod challenges;
pub mod error;
pub mod invitations;
pub mod form;
pub mod greenhouse;
pub mod openapi;
pub mod practice;
pub mod submissions;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::Notify;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
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
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks/{id}", get(webhooks::get).delete(webhooks::delete))
        .route("/webhooks/{id}/ping", post(webhooks::ping))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/deliveries", get(webhooks::all_deliveries))
        .route("/webhooks/deliveries/{id}", get(webhooks::delivery))
        .route("/webhooks/deliveries/{id}/resend", post(webhooks::resend))
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
        // Greenhouse's Assessment Partner calls (HTTP Basic with an admin's API key).
        .route("/integrations/greenhouse/list_tests", get(greenhouse::list_tests))
        .route("/integrations/greenhouse/send_test", post(greenhouse::send_test))
        .route("/integrations/greenhouse/test_status", get(greenhouse::test_status))
        .route("/integrations/greenhouse/response_error", post(greenhouse::response_error))
        .merge(crate::web::router(body_limit))
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(request_deadline))
        // No route takes more than a bundle; a larger body is refused before any handler runs, also on
        // routes that would ignore it.
        .layer(RequestBodyLimitLayer::new(challenges::MAX_BUNDLE_BYTES + 64 * 1024))
        .layer(axum::middleware::from_fn(shape_errors))
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
            error::error_json(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the service failed to handle this request; it has been logged")
        }))
}

/// `GET /healthz`: the service and its queue.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` (a failing dependency answers 503 with an error body).
    pub status: &'static str,
    pub queued: i64,
    pub running: i64,
    pub completed: i64,
}

/// 200 when both the database and the Docker engine answer.
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.ping().await.map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    state.grader.sandbox.ping().await.map_err(|e| ApiError::Unavailable(format!("docker engine: {e}")))?;
    let (queued, running, completed) = state.store.counts().await?;
    Ok(Json(Health { status: "ok", queued, running, completed }))
}

/// Unknown addresses: a JSON error on the API, a page with the site's navigation elsewhere.
async fn not_found(viewer: Result<crate::web::MaybeViewer, crate::web::PageError>, uri: axum::http::Uri) -> Response {
    if is_api(uri.path()) {
        ApiError::NotFound("no such route".into()).into_response()
    } else {
        let viewer = viewer.ok().and_then(|v| v.0);
        crate::web::not_found_page(viewer.as_ref())
    }
}

/// Whether a path belongs to the API (JSON errors) rather than the pages (HTML errors).
fn is_api(path: &str) -> bool {
    (path.starts_with("/api/") && path != "/api/docs") || path == "/healthz" || path.starts_with("/integrations/")
}

/// How long any request may take, body included, except a bundle upload: that one bounds its body by
/// the size cap (`form::bundle_body_timeout`) and then runs the reference in the sandbox, which may
/// take the challenge's whole time limit.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

async fn request_deadline(req: Request<axum::body::Body>, next: Next) -> Response {
    let bundle_upload = req.method() == axum::http::Method::POST && matches!(req.uri().path(), "/api/v1/challenges" | "/challenges");
    if bundle_upload {
        return next.run(req).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// Largest error body of the framework's own that is read to be reshaped; its rejections are short.
const FRAMEWORK_ERROR_BYTES: usize = 16 * 1024;

/// Errors the framework answers by itself (a path or query it could not parse, a timeout, a method
/// the route lacks) come as plain text or with no body. They are rewritten into the shapes the service
/// promises: `{"error": {...}}` on the API, a page elsewhere. Headers such as `Allow` are kept.
async fn shape_errors(req: Request<axum::body::Body>, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let already = if api { content_type.starts_with("application/json") } else { content_type.starts_with("text/html") };
    if already {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, FRAMEWORK_ERROR_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { error::excerpt_text(&text) };
    let shaped = if api {
        error::error_json(status, error::code_for(status), &message)
    } else {
        crate::web::error_response(status, &message)
    };
    let (shaped_parts, shaped_body) = shaped.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in shaped_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, shaped_body)
}
