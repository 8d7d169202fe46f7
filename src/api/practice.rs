//! Practice runs: a candidate's code run on the public sample before spending a submission.
//!
//! They go through the same queue, workers and sandbox as submissions, but are graded on the public
//! sample alone (see [`crate::grading::practice`]), take nothing from the submission limit or the
//! cooldown, and have their own hourly rate limit. Listings, leaderboards and exports never show them;
//! interviewers see how many a candidate made.

use std::collections::BTreeMap;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::{access, AppState};
use crate::accounts::store::SubmissionRow;
use crate::accounts::{Principal, ADMIN_TOKEN_USER};
use crate::domain::{Slug, SubmissionId};
use crate::grading::practice::HOLD_OUT_EVERY;
use crate::storage::{now_ms, Status};

const HOUR_MS: i64 = 3_600_000;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PracticeAccepted {
    pub id: String,
    #[schema(value_type = String)]
    pub status: Status,
    pub challenge_version: i64,
}

/// A practice run as its owner (or staff) sees it: everything, since it holds nothing hidden.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PracticeView {
    pub id: String,
    pub challenge: String,
    /// `queued`, `running` or `completed`.
    #[schema(value_type = String)]
    pub status: Status,
    pub created_at: i64,
    /// Always `true`: this run was graded on the public sample only.
    pub practice: bool,
    /// How the sample was used.
    pub rows: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub verdict: Option<crate::grading::Verdict>,
    /// 0–100 from the primary metric on the held-out sample rows; only for accepted runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_interval: Option<[f64; 2]>,
    /// Every metric on the held-out sample rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
}

/// How a practice run uses the sample, in words for the API and the page.
pub fn rows_rule() -> String {
    let n = HOLD_OUT_EVERY;
    format!(
        "trained on {} of every {n} rows of the public sample, scored on the others (rows {n}, {}, {}, …); the hidden rows are never used",
        n - 1,
        2 * n,
        3 * n
    )
}

pub fn view(row: &SubmissionRow) -> PracticeView {
    let report = row.report.as_ref();
    PracticeView {
        id: row.id.clone(),
        challenge: row.challenge.clone(),
        status: row.status,
        created_at: row.created_at,
        practice: true,
        rows: rows_rule(),
        verdict: report.map(|r| r.verdict),
        score: report.and_then(|r| r.score),
        score_interval: report.and_then(|r| r.score_interval),
        metrics: report.map(|r| r.metrics.clone()),
        message: report.and_then(|r| r.message.clone()),
        log: row.log.clone(),
        duration_ms: row.duration_ms,
    }
}

/// `POST /api/v1/challenges/{slug}/practice`: multipart with `file` (Python source).
pub async fn create(
    principal: Principal,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<PracticeAccepted>)> {
    let mut form = form.map_err(super::error::not_multipart)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(super::submissions::multipart_error)? {
        if field.name() != Some("file") {
            return Err(super::submissions::unexpected_field(field.name()));
        }
        let name = field.file_name().unwrap_or("solution.py").to_owned();
        let bytes = field.bytes().await.map_err(super::submissions::multipart_error)?;
        file = Some((name, bytes.to_vec()));
    }
    let (file_name, bytes) = file.ok_or_else(|| ApiError::BadRequest("missing field 'file'".into()))?;
    let (id, version) = accept(&state, &principal, &slug, &file_name, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(PracticeAccepted { id: id.to_string(), status: Status::Queued, challenge_version: version })))
}

/// Checks and queues one practice run; shared by the API and the challenge page's "Run on the
/// sample" button.
pub async fn accept(state: &AppState, principal: &Principal, slug: &str, file_name: &str, bytes: &[u8]) -> ApiResult<(SubmissionId, i64)> {
    let challenge = access::visible_challenge(state, principal, slug.trim()).await?;
    if challenge.scoring.is_some() {
        return Err(ApiError::Conflict(
            "this challenge is graded by its own scoring program, so there are no sample rows to practise on; use the challenge's public files to test locally".into(),
        ));
    }
    let slug: Slug = challenge.slug.as_str().parse().map_err(|_| ApiError::NotFound(format!("no challenge named '{slug}'")))?;
    super::submissions::check_source(bytes, state.max_upload_bytes)?;
    if let Principal::Candidate(candidate) = principal {
        check_time_box(state, &candidate.invitation_id).await?;
    }
    check_rate(state, principal).await?;
    let id = state.store.create_practice(&slug, challenge.version, file_name, bytes, &principal.owner()).await?;
    state.wakeup.notify_one();
    tracing::info!(practice = %id, challenge = %slug, bytes = bytes.len(), "practice run queued");
    Ok((id, challenge.version))
}

/// A candidate's time box covers practice too; a practice run starts the clock like a submission.
async fn check_time_box(state: &AppState, invitation: &str) -> ApiResult<()> {
    state.access.db.start_clock(invitation).await?;
    let row = state.access.db.invitation(invitation).await?.ok_or(ApiError::InvitationClosed)?;
    let now = now_ms();
    match (row.time_limit_minutes, row.deadline()) {
        (Some(minutes), Some(ended_at)) if ended_at <= now => {
            Err(ApiError::Forbidden(crate::accounts::quota::QuotaError::TimeUp { minutes, ended_at }.to_string()))
        }
        _ => Ok(()),
    }
}

/// The hourly practice limit, counted in the database so it holds across restarts and API nodes.
/// The configured admin token is the operator's own key and is not limited.
async fn check_rate(state: &AppState, principal: &Principal) -> ApiResult<()> {
    if matches!(principal, Principal::Staff(u) if u.id == ADMIN_TOKEN_USER) {
        return Ok(());
    }
    let limit = i64::from(state.access.config.practice_runs_per_hour);
    let now = now_ms();
    let (count, oldest) = state.store.practice_since(&principal.owner(), now - HOUR_MS).await?;
    if count < limit {
        return Ok(());
    }
    let wait_secs = ((oldest.unwrap_or(now) + HOUR_MS - now).max(1000) + 999) / 1000;
    Err(ApiError::TooManyRequests {
        message: format!("all {limit} practice runs of the last hour are used; the next one is free in {}", crate::accounts::time::span(wait_secs * 1000)),
        retry_after_secs: Some(wait_secs as u64),
    })
}

/// The practice run `id`, if the principal may see it: staff see all, a candidate its own.
pub async fn visible(state: &AppState, principal: &Principal, id: &str) -> ApiResult<SubmissionRow> {
    let not_found = || ApiError::NotFound(format!("no practice run '{id}'"));
    let row = state.access.db.practice_run(id).await?.ok_or_else(not_found)?;
    match principal {
        Principal::Staff(_) => Ok(row),
        Principal::Candidate(c) if row.owner == Some(crate::accounts::Owner::Invitation(c.invitation_id.clone())) => Ok(row),
        Principal::Candidate(_) => Err(not_found()),
    }
}

/// `GET /api/v1/practice/{id}`.
pub async fn get(principal: Principal, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<PracticeView>> {
    Ok(Json(view(&visible(&state, &principal, &id).await?)))
}
