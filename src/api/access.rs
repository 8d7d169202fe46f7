//! Who is calling the API, and what they may see of a submission.
//!
//! A bearer token is one of: the configured admin token, a staff API token, or a candidate's
//! invitation token. The API reads only the `Authorization` header, never cookies, so a page a
//! candidate visits elsewhere cannot make their browser call it (no CSRF surface on the API).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;

use super::auth::token_hash;
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::accounts::quota::QuotaError;
use crate::accounts::store::{InvitationLookup, SubmissionRow};
use crate::accounts::{Invitee, Principal, Role, StaffUser, ADMIN_TOKEN_USER};
use crate::challenge::Challenge;
use crate::domain::Slug;
use crate::grading::Report;
use crate::storage::Status;

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = header.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

/// Resolves a bearer token to whoever holds it.
pub async fn resolve_bearer(state: &AppState, token: &str) -> ApiResult<Principal> {
    if crate::accounts::constant_time_eq(&hex::encode(token_hash(token)), &hex::encode(state.admin_token_hash)) {
        let admin = StaffUser { id: ADMIN_TOKEN_USER, name: "admin-token".into(), role: Role::Admin };
        return Ok(Principal::Staff(admin));
    }
    if let Some(user) = state.access.db.staff_by_token(token).await? {
        return Ok(Principal::Staff(user));
    }
    match state.access.db.invitation_by_token(token).await? {
        InvitationLookup::Valid(invitee) => Ok(Principal::Candidate(invitee)),
        InvitationLookup::Closed => Err(ApiError::InvitationClosed),
        InvitationLookup::Unknown => Err(ApiError::Unauthorized),
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        resolve_bearer(state, token).await
    }
}

/// An admin or interviewer.
pub struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        staff_only(&Principal::from_request_parts(parts, state).await?).map(|u| Staff(u.clone()))
    }
}

/// An admin.
pub struct AdminUser(pub StaffUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Staff(user) = Staff::from_request_parts(parts, state).await?;
        admin_only(&user)?;
        Ok(AdminUser(user))
    }
}

pub fn staff_only(principal: &Principal) -> ApiResult<&StaffUser> {
    principal.staff().ok_or_else(|| ApiError::Forbidden("this is for interviewers and admins only".into()))
}

pub fn admin_only(user: &StaffUser) -> ApiResult<()> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("this is for admins only".into()))
    }
}

/// The challenges a principal may see: all of them for staff, the invited ones for a candidate.
pub async fn visible_challenges(state: &AppState, principal: &Principal) -> ApiResult<Vec<Arc<Challenge>>> {
    let all = state.grader.catalogue.all().into_iter();
    match principal {
        Principal::Staff(_) => Ok(all.collect()),
        Principal::Candidate(c) => {
            let invitation = state.access.db.invitation(&c.invitation_id).await?.ok_or(ApiError::InvitationClosed)?;
            Ok(all.filter(|ch| invitation.quota(ch.slug.as_str()).is_some()).collect())
        }
    }
}

/// The challenge `slug`, if the principal may see it; a 404 otherwise, whether it exists or not.
pub async fn visible_challenge(state: &AppState, principal: &Principal, slug: &str) -> ApiResult<Arc<Challenge>> {
    visible_challenges(state, principal)
        .await?
        .into_iter()
        .find(|c| c.slug.as_str() == slug)
        .ok_or_else(|| ApiError::NotFound(format!("no challenge named '{slug}'")))
}

/// Checks that the principal may submit to `slug` now, before the upload is stored: a candidate
/// only to an invited challenge (the quota itself is taken with the insert), staff within their
/// rate limit. The configured admin token is the operator's own key (benchmarks queue thousands with
/// it) and is not limited.
pub async fn may_submit(state: &AppState, principal: &Principal, slug: &Slug) -> ApiResult<()> {
    match principal {
        Principal::Candidate(_) => visible_challenge(state, principal, slug.as_str()).await.map(|_| ()),
        Principal::Staff(user) if user.id == ADMIN_TOKEN_USER => Ok(()),
        Principal::Staff(user) => state.access.staff_submissions.hit(&user.id.to_string()).await.map_err(|wait| {
            ApiError::TooManyRequests {
                message: format!("too many submissions; wait {} s", wait.as_secs()),
                retry_after_secs: Some(wait.as_secs()),
            }
        }),
    }
}

/// Turns a refused quota into its HTTP answer; any other error stays the service's fault.
pub fn quota_error(e: anyhow::Error) -> ApiError {
    match e.downcast::<QuotaError>() {
        Ok(q @ QuotaError::Cooldown { wait_ms }) => ApiError::TooManyRequests {
            message: q.to_string(),
            retry_after_secs: Some(((wait_ms + 999) / 1000) as u64),
        },
        Ok(q @ QuotaError::LimitReached { .. }) => ApiError::TooManyRequests { message: q.to_string(), retry_after_secs: None },
        Ok(QuotaError::Closed) => ApiError::InvitationClosed,
        Ok(q @ QuotaError::TimeUp { .. }) => ApiError::Forbidden(q.to_string()),
        Ok(QuotaError::NotInvited(slug)) => ApiError::NotFound(format!("no challenge named '{slug}'")),
        Err(e) => ApiError::Internal(e),
    }
}

/// The submission `id` if the principal may see it: staff see all, a candidate only its own. Anything
/// else is the same 404 as a submission that does not exist.
pub async fn visible_submission(state: &AppState, principal: &Principal, id: &str) -> ApiResult<SubmissionRow> {
    let not_found = || ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(id)));
    let row = state.access.db.submission(id).await?.ok_or_else(not_found)?;
    match principal {
        Principal::Staff(_) => Ok(row),
        Principal::Candidate(c) if row.owner == Some(crate::accounts::Owner::Invitation(c.invitation_id.clone())) => Ok(row),
        Principal::Candidate(_) => Err(not_found()),
    }
}

/// What a candidate sees of its own submission: the verdict, the public metrics and the score they
/// give, its log. Never the private metrics, the private score or the overfitting checks (which are
/// computed on the private rows).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateSubmission {
    pub id: String,
    pub challenge: String,
    /// `queued`, `running` or `completed`.
    #[schema(value_type = String)]
    pub status: Status,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub verdict: Option<crate::grading::Verdict>,
    /// 0–100 from the primary metric on the public part of the hidden test rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_score: Option<f64>,
    /// Metrics on the public part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
}

/// The score the public part of the hidden test rows gives, on the scale of the version the result was
/// graded on (recorded in the report); results stored before that was recorded use the challenge's
/// current scale. Only for accepted runs, like the private score.
pub fn public_score(report: &Report, challenge: Option<impl std::ops::Deref<Target = Challenge>>) -> Option<f64> {
    if report.verdict != crate::grading::Verdict::Accepted {
        return None;
    }
    if report.public_score.is_some() {
        return report.public_score;
    }
    let challenge = challenge?;
    let value = report.public.get(challenge.grading.metric.name())?;
    Some(challenge.grading.score(*value))
}

pub fn candidate_view(row: &SubmissionRow, challenge: Option<impl std::ops::Deref<Target = Challenge>>) -> CandidateSubmission {
    let report = row.report.as_ref();
    CandidateSubmission {
        id: row.id.clone(),
        challenge: row.challenge.clone(),
        status: row.status,
        created_at: row.created_at,
        verdict: report.map(|r| r.verdict),
        public_score: report.and_then(|r| public_score(r, challenge)),
        public: report.map(|r| r.public.clone()),
        message: report.and_then(|r| r.message.clone()),
        log: row.log.clone(),
        duration_ms: row.duration_ms,
    }
}

/// The candidate's view of submission `id`, or 404.
pub async fn candidate_submission(state: &AppState, candidate: &Invitee, id: &str) -> ApiResult<CandidateSubmission> {
    let row = visible_submission(state, &Principal::Candidate(candidate.clone()), id).await?;
    Ok(candidate_view(&row, state.grader.catalogue.get(&row.challenge).as_deref()))
}
