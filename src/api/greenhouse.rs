//! `/integrations/greenhouse/…`: the four calls Greenhouse makes to an assessment partner.
//! Greenhouse authenticates with HTTP Basic: the user name is an mlgrade API key of an admin (or the
//! configured admin token), the password empty.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::accounts::invite::{Grant, InvitationRequest};
use crate::accounts::{Principal, StaffUser};
use crate::integrations::greenhouse::store::{GreenhouseStore, Interview};
use crate::integrations::{greenhouse, outcome};
use crate::store::now_ms;

/// An API error, with the challenge Greenhouse's Basic authentication expects on a 401.
pub struct GreenhouseError(ApiError);

impl From<ApiError> for GreenhouseError {
    fn from(e: ApiError) -> Self {
        GreenhouseError(e)
    }
}

impl From<anyhow::Error> for GreenhouseError {
    fn from(e: anyhow::Error) -> Self {
        GreenhouseError(ApiError::Internal(e))
    }
}

impl IntoResponse for GreenhouseError {
    fn into_response(self) -> Response {
        let unauthorized = matches!(self.0, ApiError::Unauthorized);
        let mut response = self.0.into_response();
        if unauthorized {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"mlgrade\""));
        }
        response
    }
}

type Result<T> = std::result::Result<T, GreenhouseError>;

/// The admin whose API key Greenhouse sent as the Basic user name.
pub struct GreenhouseCaller(pub StaffUser);

impl FromRequestParts<AppState> for GreenhouseCaller {
    type Rejection = GreenhouseError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, Self::Rejection> {
        let key = basic_user(&parts.headers).ok_or(ApiError::Unauthorized)?;
        match super::access::resolve_bearer(state, &key).await {
            Ok(Principal::Staff(user)) if user.is_admin() => Ok(GreenhouseCaller(user)),
            Ok(Principal::Staff(_)) => Err(ApiError::Forbidden("this API key is not an admin's; Greenhouse needs an admin's key".into()).into()),
            Ok(Principal::Candidate(_)) | Err(ApiError::Unauthorized | ApiError::InvitationClosed) => Err(ApiError::Unauthorized.into()),
            Err(other) => Err(other.into()),
        }
    }
}

/// The user name of an HTTP Basic `Authorization` header.
fn basic_user(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u).trim();
    (!user.is_empty()).then(|| user.to_owned())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PartnerTest {
    pub partner_test_id: String,
    pub partner_test_name: String,
}

/// `GET list_tests`: every challenge, by slug and title.
#[utoipa::path(get, path = "/integrations/greenhouse/list_tests", tag = "greenhouse",
    responses((status = 200, body = Vec<PartnerTest>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("greenhouse" = [])))]
pub async fn list_tests(GreenhouseCaller(_): GreenhouseCaller, State(state): State<AppState>) -> Json<Vec<PartnerTest>> {
    let mut tests: Vec<PartnerTest> = state
        .grader
        .catalogue
        .all()
        .into_iter()
        .map(|c| PartnerTest { partner_test_id: c.slug.as_str().to_owned(), partner_test_name: c.title.clone() })
        .collect();
    tests.sort_by(|a, b| a.partner_test_name.cmp(&b.partner_test_name));
    Json(tests)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SendTest {
    pub partner_test_id: String,
    pub candidate: Candidate,
    /// Greenhouse's callback: PATCHed when the candidate is done.
    pub url: String,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    pub email: String,
    /// `resume_url`, `phone_number`, `greenhouse_profile_url` and whatever else Greenhouse sends: kept as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `send_test`'s answer: the id Greenhouse asks about later.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SentTest {
    pub partner_interview_id: String,
}

/// `response_error`'s answer: the id the report was kept under.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorReceived {
    pub received: i64,
}

/// `POST send_test`: an invitation to the test's challenge, e-mailed to the candidate when the service
/// has a relay; answers the `partner_interview_id` Greenhouse asks about later.
#[utoipa::path(post, path = "/integrations/greenhouse/send_test", tag = "greenhouse", request_body = SendTest,
    responses((status = 200, body = SentTest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("greenhouse" = [])))]
pub async fn send_test(
    GreenhouseCaller(actor): GreenhouseCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<SendTest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<SentTest>> {
    let Json(request) = body.map_err(super::error::json_rejection)?;
    let slug = request.partner_test_id.trim();
    if state.grader.catalogue.get(slug).is_none() {
        return Err(ApiError::BadRequest(format!("partner_test_id: no test '{}'", super::error::excerpt(slug))).into());
    }
    let callback = crate::webhooks::target::check(&request.url, state.access.config.hooks.allow_private_targets)
        .await
        .map_err(ApiError::BadRequest)?;
    let name = [request.candidate.first_name.as_deref(), request.candidate.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let invitation = InvitationRequest {
        name: if name.is_empty() { request.candidate.email.trim().to_owned() } else { name },
        email: request.candidate.email.clone(),
        challenges: vec![Grant::Slug(slug.to_owned())],
        submission_limit: None,
        expires_in_hours: None,
        cooldown_seconds: None,
        time_limit_minutes: None,
        send_email: Some(false),
    };
    // Mail only once the interview is recorded, so a candidate never gets a link Greenhouse cannot follow.
    let created = super::accounts::create_invitation(&state, &actor, &invitation, &headers, false).await.map_err(|e| match e {
        ApiError::BadRequest(m) => ApiError::BadRequest(format!("candidate: {m}")),
        other => other,
    })?;
    let interview = Interview {
        partner_interview_id: format!("gh_{}", uuid::Uuid::new_v4().simple()),
        invitation_id: created.id.clone(),
        partner_test_id: slug.to_owned(),
        callback_url: callback.to_string(),
        base_url: super::accounts::base_url(&state, &headers),
        created_at: now_ms(),
    };
    let candidate = serde_json::to_string(&request.candidate).map_err(anyhow::Error::from)?;
    if let Err(e) = GreenhouseStore::new(state.store.pool().clone()).insert(&interview, &candidate).await {
        // Leave no invitation that no interview points at.
        let _ = state.access.db.revoke_invitation(&actor, &created.id).await;
        return Err(e.into());
    }
    if let Some(mailer) = &state.access.mail {
        let challenges = vec![slug.to_owned()];
        let inv = state.access.db.invitation(&created.id).await?.ok_or_else(|| anyhow::anyhow!("invitation just created"))?;
        if let Err(problem) = super::accounts::mail_link(&state, mailer, &inv.name, &inv.email, &created.url, inv.expires_at, inv.time_limit_minutes, &challenges).await {
            tracing::warn!(partner_interview_id = %interview.partner_interview_id, problem, "the Greenhouse test was not e-mailed");
        }
    }
    tracing::info!(partner_interview_id = %interview.partner_interview_id, invitation = %created.id, test = slug, "Greenhouse sent a test");
    Ok(Json(SentTest { partner_interview_id: interview.partner_interview_id }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatusQuery {
    pub partner_interview_id: Option<String>,
}

/// `GET test_status?partner_interview_id=`.
#[utoipa::path(get, path = "/integrations/greenhouse/test_status", tag = "greenhouse", params(StatusQuery),
    responses((status = 200, body = greenhouse::TestStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("greenhouse" = [])))]
pub async fn test_status(
    GreenhouseCaller(_): GreenhouseCaller,
    State(state): State<AppState>,
    Query(query): Query<StatusQuery>,
) -> Result<Json<greenhouse::TestStatus>> {
    let id = query.partner_interview_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let id = id.ok_or_else(|| ApiError::BadRequest("partner_interview_id: give the id send_test answered".into()))?;
    let not_found = || ApiError::NotFound(format!("no test with partner_interview_id '{}'", super::error::excerpt(id)));
    let interview = GreenhouseStore::new(state.store.pool().clone()).interview(id).await?.ok_or_else(not_found)?;
    let outcome = outcome::assess(&state, &interview.invitation_id).await?.ok_or_else(not_found)?;
    Ok(Json(greenhouse::test_status(&interview, &outcome)))
}

/// Largest error report kept.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// `POST response_error`: Greenhouse could not use one of our answers; kept and logged for the operator.
#[utoipa::path(post, path = "/integrations/greenhouse/response_error", tag = "greenhouse",
    request_body(content = Object, description = "Greenhouse's report of an answer it could not use"),
    responses((status = 200, body = ErrorReceived), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("greenhouse" = [])))]
pub async fn response_error(
    GreenhouseCaller(_): GreenhouseCaller,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ErrorReceived>)> {
    if body.len() > MAX_ERROR_BYTES {
        return Err(ApiError::PayloadTooLarge(format!("an error report may be at most {MAX_ERROR_BYTES} bytes")).into());
    }
    let report: Value = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    if !report.is_object() {
        return Err(ApiError::BadRequest("the body must be a JSON object".into()).into());
    }
    let interview = report.get("partner_interview_id").and_then(Value::as_str);
    let id = GreenhouseStore::new(state.store.pool().clone()).record_error(interview, &report.to_string()).await?;
    tracing::warn!(partner_interview_id = ?interview, report = %super::error::excerpt_text(&report.to_string()), "Greenhouse reported an error in our answer");
    Ok((StatusCode::OK, Json(ErrorReceived { received: id })))
}
