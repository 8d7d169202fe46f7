//! The API of access control: who am I, invitations, API tokens, users, the audit log, and the
//! staff's listings (submissions, leaderboards, CSV export).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::access::{self, AdminUser, Staff};
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::accounts::invite::InvitationRequest;
use crate::accounts::store::{AuditEntry, InvitationRow, Quota, SubmissionFilter, TokenRow, UserRow};
use crate::accounts::{password, validate_user_name, Principal, Role};
use crate::storage::now_ms;

/// Who the token belongs to; for a candidate, its invitation with the submissions left.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// `admin`, `interviewer` or `candidate`.
    pub role: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<CandidateInvitation>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateInvitation {
    pub expires_at: i64,
    pub challenges: Vec<Quota>,
    /// Seconds until the next submission is allowed; 0 when now.
    pub cooldown_left_seconds: i64,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    responses((status = 200, body = Me), (status = 401, description = "no valid token")),
    security(("bearer" = [])))]
pub async fn me(principal: Principal, State(state): State<AppState>) -> ApiResult<Json<Me>> {
    Ok(Json(match principal {
        Principal::Staff(u) => Me { role: u.role.to_string(), name: u.name, invitation: None },
        Principal::Candidate(c) => {
            let inv = state.access.db.invitation(&c.invitation_id).await?.ok_or(ApiError::InvitationClosed)?;
            Me {
                role: "candidate".into(),
                name: c.name,
                invitation: Some(CandidateInvitation {
                    expires_at: inv.expires_at,
                    cooldown_left_seconds: (inv.cooldown_left_ms(now_ms()) + 999) / 1000,
                    challenges: inv.challenges,
                }),
            }
        }
    }))
}

// ---- invitations ----

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    pub id: String,
    /// The candidate's link, relative to the service.
    pub link: String,
    /// The link in full, from `--public-url` or the request's Host header.
    pub url: String,
    /// The candidate's key, also usable as a bearer token. Shown this once; only its hash is kept.
    pub token: String,
    pub expires_at: i64,
    pub challenges: Vec<Quota>,
    /// Whether the link was e-mailed to the candidate (only when SMTP is configured).
    pub emailed: bool,
    /// Why the e-mail could not be sent, when it was asked for and failed; the invitation stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_problem: Option<String>,
}

impl CreatedInvitation {
    /// What happened to the e-mail, in a sentence for the page; nothing when none was asked for.
    pub fn email_sentence(&self, to: &str) -> Option<String> {
        match (&self.email_problem, self.emailed) {
            (Some(problem), _) => Some(format!("The e-mail could not be sent ({problem}); copy the link instead.")),
            (None, true) => Some(format!("The link was e-mailed to {to}.")),
            (None, false) => None,
        }
    }
}

/// The service's address as the caller sees it: the configured public URL, or the Host header
/// (https when a proxy says the request came over TLS).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.access.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if came_over_tls(headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

pub fn came_over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// Creates an invitation for staff; shared by the API and the invitations page.
pub async fn create_invitation(
    state: &AppState,
    actor: &crate::accounts::StaffUser,
    request: &InvitationRequest,
    headers: &HeaderMap,
    send_email: bool,
) -> ApiResult<CreatedInvitation> {
    let new = request
        .validate(&state.grader.catalogue, state.access.config.submission_cooldown_seconds)
        .map_err(ApiError::BadRequest)?;
    let (id, token) = state.access.db.create_invitation(actor, &new).await?;
    let link = format!("/i/{token}");
    let url = format!("{}{link}", base_url(state, headers));
    let challenges: Vec<String> = new.challenges.iter().map(|(c, _)| c.clone()).collect();
    let email_problem = match (&state.access.mail, send_email) {
        (Some(mailer), true) => mail_link(state, mailer, &new.name, &new.email, &url, new.expires_at, new.time_limit_minutes, &challenges).await.err(),
        _ => None,
    };
    Ok(CreatedInvitation {
        url,
        link,
        id,
        token,
        expires_at: new.expires_at,
        challenges: new.challenges.into_iter().map(|(challenge, limit)| Quota { challenge, limit, used: 0 }).collect(),
        emailed: state.access.mail.is_some() && send_email && email_problem.is_none(),
        email_problem,
    })
}

/// E-mails an invitation link; the error is a sentence for staff (the cause goes to the log).
#[allow(clippy::too_many_arguments)]
pub async fn mail_link(
    state: &AppState,
    mailer: &crate::accounts::mail::Mailer,
    name: &str,
    email: &str,
    url: &str,
    expires_at: i64,
    time_limit_minutes: Option<i64>,
    challenges: &[String],
) -> Result<(), String> {
    let titles = challenges
        .iter()
        .map(|c| state.grader.catalogue.get(c).map(|ch| ch.title.clone()).unwrap_or_else(|| c.clone()))
        .collect();
    let mail = crate::accounts::mail::InvitationMail { name, email, url, expires_at, time_limit_minutes, challenges: titles };
    mailer.send_invitation(&mail).await.map_err(|e| {
        tracing::warn!(error = %format!("{e:#}"), "e-mailing an invitation failed");
        format!("{e:#}")
    })
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "invitations", request_body = InvitationRequest,
    responses((status = 201, body = CreatedInvitation), (status = 400, description = "a field is wrong; the message says which"),
              (status = 401), (status = 403, description = "candidates may not invite")),
    security(("bearer" = [])))]
pub async fn post_invitation(
    Staff(actor): Staff,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<InvitationRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedInvitation>)> {
    let Json(request) = body.map_err(super::error::json_rejection)?;
    let send_email = request.send_email.unwrap_or(true);
    let created = create_invitation(&state, &actor, &request, &headers, send_email).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "invitations",
    responses((status = 200, body = Vec<InvitationRow>), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn list_invitations(Staff(_): Staff, State(state): State<AppState>) -> ApiResult<Json<Vec<InvitationRow>>> {
    Ok(Json(state.access.db.invitations().await?))
}

#[utoipa::path(get, path = "/api/v1/invitations/{id}", tag = "invitations", params(("id" = String, Path)),
    responses((status = 200, body = InvitationRow), (status = 401), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_invitation(Staff(_): Staff, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<InvitationRow>> {
    let inv = state.access.db.invitation(&id).await?.ok_or_else(|| ApiError::NotFound(format!("no invitation '{}'", super::error::excerpt(&id))))?;
    Ok(Json(inv))
}

#[utoipa::path(post, path = "/api/v1/invitations/{id}/revoke", tag = "invitations", params(("id" = String, Path)),
    responses((status = 204, description = "revoked: the link and token stop working at once"), (status = 401), (status = 403),
              (status = 404, description = "no such invitation, or already revoked")),
    security(("bearer" = [])))]
pub async fn revoke_invitation(Staff(actor): Staff, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if state.access.db.revoke_invitation(&actor, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no unrevoked invitation '{}'", super::error::excerpt(&id))))
    }
}

// ---- API tokens ----

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// What the token is for, to recognise it later.
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    /// Shown this once; only its hash is kept.
    pub token: String,
}

pub fn check_token_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadRequest("name: give the token a name of at most 100 characters".into()));
    }
    Ok(name.to_owned())
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn post_token(
    Staff(user): Staff,
    State(state): State<AppState>,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let Json(request) = body.map_err(super::error::json_rejection)?;
    let name = check_token_name(&request.name)?;
    let (id, token) = state.access.db.create_token(&user, &name).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, name, token })))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "access",
    responses((status = 200, body = Vec<TokenRow>, description = "the caller's own tokens"), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn list_tokens(Staff(user): Staff, State(state): State<AppState>) -> ApiResult<Json<Vec<TokenRow>>> {
    Ok(Json(state.access.db.tokens(user.id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404, description = "no such live token of the caller's")),
    security(("bearer" = [])))]
pub async fn revoke_token(Staff(user): Staff, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if state.access.db.revoke_token(&user, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no live token {id} of yours")))
    }
}

// ---- users and the audit log ----

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserRequest {
    pub name: String,
    pub role: Role,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub password: String,
}

/// Creates a staff account for an admin; shared by the API and the users page.
pub async fn create_user(state: &AppState, actor: &crate::accounts::StaffUser, request: &UserRequest) -> ApiResult<i64> {
    let name = validate_user_name(&request.name).map_err(|e| ApiError::BadRequest(format!("name: {e}")))?;
    password::check_strength(&request.password).map_err(|e| ApiError::BadRequest(format!("password: {e}")))?;
    let hash = password::hash(&request.password).await?;
    state
        .access
        .db
        .create_user(actor.id, &name, request.role, &hash)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("name: a user named '{name}' already exists")))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserRequest,
    responses((status = 201, body = UserRow), (status = 400), (status = 401), (status = 403, description = "admins only"),
              (status = 409, description = "a user of that name exists")),
    security(("bearer" = [])))]
pub async fn post_user(
    AdminUser(actor): AdminUser,
    State(state): State<AppState>,
    body: Result<Json<UserRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<UserRow>)> {
    let Json(request) = body.map_err(super::error::json_rejection)?;
    let id = create_user(&state, &actor, &request).await?;
    let row = state
        .access
        .db
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user {id} is missing right after it was created")))?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserRow>), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn list_users(AdminUser(_): AdminUser, State(state): State<AppState>) -> ApiResult<Json<Vec<UserRow>>> {
    Ok(Json(state.access.db.users().await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "disabled: its sessions and tokens stop at once"), (status = 401),
              (status = 403, description = "admins only; and no admin may disable their own account or the admin-token account"), (status = 404)),
    security(("bearer" = [])))]
pub async fn disable_user(AdminUser(actor): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if id == actor.id || id == crate::accounts::ADMIN_TOKEN_USER {
        return Err(ApiError::Forbidden("an admin cannot disable their own account or the admin-token account".into()));
    }
    if state.access.db.disable_user(actor.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no active user {id}")))
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "users",
    responses((status = 200, body = Vec<AuditEntry>, description = "the latest 500 entries, newest first"), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn audit_log(AdminUser(_): AdminUser, State(state): State<AppState>) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(state.access.db.audit_log(500).await?))
}

// ---- listings ----

/// Filters of the submission listings and the export.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub challenge: Option<String>,
    /// Part of the candidate's name or e-mail address.
    pub candidate: Option<String>,
    pub verdict: Option<String>,
    /// Only submissions with a raised generalisation flag.
    pub flagged: Option<bool>,
}

impl ListQuery {
    pub fn filter(&self) -> SubmissionFilter {
        let some = |o: &Option<String>| o.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        SubmissionFilter {
            challenge: some(&self.challenge),
            invitation: None,
            verdict: some(&self.verdict),
            candidate: some(&self.candidate),
            candidates_only: false,
            practice: false,
        }
    }
}

/// One line of a listing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SubmissionLine {
    pub id: String,
    pub challenge: String,
    #[schema(value_type = String)]
    pub status: crate::storage::Status,
    pub created_at: i64,
    pub candidate: String,
    pub email: Option<String>,
    pub verdict: Option<String>,
    /// The private score (staff only).
    pub score: Option<f64>,
    pub public_score: Option<f64>,
    pub flagged: Option<bool>,
}

/// Most submissions a listing returns.
pub const LIST_LIMIT: i64 = 1000;

#[utoipa::path(get, path = "/api/v1/submissions", tag = "submissions", params(ListQuery),
    responses((status = 200, body = Vec<SubmissionLine>, description = "newest first: every submission for staff, a candidate's own (without private scores) for a candidate"),
              (status = 401)),
    security(("bearer" = [])))]
pub async fn list_submissions(
    principal: Principal,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<SubmissionLine>>> {
    let mut filter = query.filter();
    if let Principal::Candidate(c) = &principal {
        filter = SubmissionFilter { invitation: Some(c.invitation_id.clone()), challenge: filter.challenge, ..Default::default() };
    }
    let rows = state.access.db.submissions(&filter, LIST_LIMIT).await?;
    let staff = principal.staff().is_some();
    let lines = rows
        .into_iter()
        .filter(|r| !staff || query.flagged.is_none_or(|f| r.flagged() == f))
        .map(|r| {
            let challenge = state.grader.catalogue.get(&r.challenge);
            let report = r.report.as_ref();
            SubmissionLine {
                verdict: report.map(|x| x.verdict.as_str().to_owned()),
                score: if staff { report.and_then(|x| x.score) } else { None },
                public_score: report.and_then(|x| access::public_score(x, challenge.as_deref())),
                flagged: if staff { report.map(|_| r.flagged()) } else { None },
                id: r.id,
                challenge: r.challenge,
                status: r.status,
                created_at: r.created_at,
                candidate: r.owner_name,
                email: if staff { r.owner_email } else { None },
            }
        })
        .collect();
    Ok(Json(lines))
}

#[utoipa::path(get, path = "/api/v1/results.csv", tag = "submissions", params(ListQuery),
    responses((status = 200, content_type = "text/csv", description = "one line per submission with its scores and checks"),
              (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn results_csv(Staff(_): Staff, State(state): State<AppState>, Query(query): Query<ListQuery>) -> ApiResult<impl IntoResponse> {
    let csv = crate::web::export::results_csv(&state, &query).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"results.csv\"")], csv))
}
