//! Managing an invitation after it was sent: a later expiry, more submissions, a new link. The pages
//! do the same from the candidate page; every change is in the audit log.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::access::Staff;
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::accounts::store::InvitationRow;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// Hours added to the expiry, counted from now when it has already passed.
    #[schema(exclusive_minimum = 0, maximum = 8760)]
    pub hours: f64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptsRequest {
    pub challenge: String,
    /// Submissions added to that challenge's limit (1–100); a whole number, `2` or `2.0`.
    #[schema(value_type = i64, minimum = 1, maximum = 100)]
    pub more: serde_json::Number,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueRequest {
    /// E-mail the new link to the candidate (default: yes, when the service has an SMTP relay).
    #[serde(default)]
    pub send_email: Option<bool>,
}

/// A new link: shown once, like the first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Reissued {
    pub id: String,
    pub link: String,
    pub url: String,
    pub token: String,
    pub emailed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_problem: Option<String>,
}

fn json_body<T>(body: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> ApiResult<T> {
    body.map(|Json(b)| b).map_err(|e| ApiError::BadRequest(e.body_text()))
}

async fn reload(state: &AppState, id: &str) -> ApiResult<InvitationRow> {
    state.access.db.invitation(id).await?.ok_or_else(|| ApiError::NotFound(format!("no invitation '{id}'")))
}

/// `POST /api/v1/invitations/{id}/extend`.
pub async fn extend(
    Staff(actor): Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ExtendRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<InvitationRow>> {
    let request = json_body(body)?;
    if !(request.hours > 0.0 && request.hours <= crate::accounts::invite::MAX_HOURS) {
        return Err(ApiError::BadRequest(format!("hours: must be more than 0 and at most {}", crate::accounts::invite::MAX_HOURS)));
    }
    if !state.access.db.extend_invitation(&actor, &id, request.hours).await? {
        return Err(ApiError::NotFound(format!("no unrevoked invitation '{id}'")));
    }
    Ok(Json(reload(&state, &id).await?))
}

/// `POST /api/v1/invitations/{id}/attempts`.
pub async fn add_attempts(
    Staff(actor): Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AttemptsRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<InvitationRow>> {
    let request = json_body(body)?;
    let more = whole_number(&request.more).filter(|n| (1..=100).contains(n));
    let Some(more) = more else {
        return Err(ApiError::BadRequest(format!("more: must be a whole number between 1 and 100, not {}", request.more)));
    };
    if !state.access.db.add_attempts(&actor, &id, request.challenge.trim(), more).await? {
        return Err(ApiError::NotFound(format!("no unrevoked invitation '{id}' that includes '{}'", request.challenge.trim())));
    }
    Ok(Json(reload(&state, &id).await?))
}

/// `POST /api/v1/invitations/{id}/reissue`: a new link; the old one and its sessions stop.
pub async fn reissue(
    Staff(actor): Staff,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Reissued>)> {
    let request = reissue_request(&body)?;
    let token = state
        .access
        .db
        .reissue_invitation(&actor, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no unrevoked invitation '{id}'")))?;
    let link = format!("/i/{token}");
    let url = format!("{}{link}", super::accounts::base_url(&state, &headers));
    let i = reload(&state, &id).await?;
    let send = request.send_email.unwrap_or(true);
    let email_problem = match (&state.access.mail, send) {
        (Some(mailer), true) => {
            let challenges: Vec<String> = i.challenges.iter().map(|q| q.challenge.clone()).collect();
            super::accounts::mail_link(&state, mailer, &i.name, &i.email, &url, i.expires_at, i.time_limit_minutes, &challenges).await.err()
        }
        _ => None,
    };
    let emailed = state.access.mail.is_some() && send && email_problem.is_none();
    Ok((StatusCode::OK, Json(Reissued { id, link, url, token, emailed, email_problem })))
}

/// The optional body of a reissue: nothing (or `null`) keeps the defaults.
fn reissue_request(body: &[u8]) -> ApiResult<ReissueRequest> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?.trim();
    if text.is_empty() || text == "null" {
        return Ok(ReissueRequest::default());
    }
    serde_json::from_str(text).map_err(|e| ApiError::BadRequest(format!("the body is not a reissue request: {e}")))
}

/// A JSON number that is a whole number, written `2` or `2.0`.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64))
}
