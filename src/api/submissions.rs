//! Submitting code and reading results.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

use super::access;
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::accounts::Principal;
use crate::domain::{Slug, SubmissionId};
use crate::grading::Report;
use crate::store::{HistoryEntry, Regrade, Status, Submission};

/// A submission as the API and the `grade` command print it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub challenge: String,
    /// The version the shown result was graded on (or a queued run will use).
    pub challenge_version: i64,
    pub status: Status,
    #[serde(flatten)]
    pub result: Option<ResultView>,
    /// Every grading of this submission, oldest first; a regrade adds one and changes none.
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    #[serde(flatten)]
    pub report: Report,
    pub log: String,
    pub duration_ms: i64,
}

impl From<Submission> for SubmissionView {
    fn from(s: Submission) -> Self {
        SubmissionView {
            id: s.id.to_string(),
            challenge: s.challenge,
            challenge_version: s.challenge_version,
            status: s.status,
            result: s.result.map(|r| ResultView { report: r.report, log: r.log, duration_ms: r.duration_ms }),
            history: s.history,
        }
    }
}

/// `202` answer to a submission or a regrade.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    id: String,
    /// Always `queued`.
    #[schema(value_type = String)]
    status: Status,
    /// The challenge version the run will use.
    challenge_version: i64,
}

/// `POST /api/v1/submissions`: multipart with `challenge` (a slug) and `file` (Python source).
pub async fn create(
    principal: Principal,
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let mut form = form.map_err(super::error::not_multipart)?;
    let mut challenge: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("challenge") => challenge = Some(super::form::text(field, super::form::MAX_TEXT_BYTES).await?),
            Some("file") => {
                let name = field.file_name().unwrap_or("solution.py").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some((name, bytes.to_vec()));
            }
            other => return Err(unexpected_field(other)),
        }
    }
    let challenge = challenge.ok_or_else(|| ApiError::BadRequest("missing field 'challenge'".into()))?;
    let (file_name, bytes) = file.ok_or_else(|| ApiError::BadRequest("missing field 'file'".into()))?;
    let (id, version) = accept(&state, &principal, &challenge, &file_name, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { id: id.to_string(), status: Status::Queued, challenge_version: version })))
}

/// Checks and queues one submission for `principal` on the challenge's current version; shared by the
/// API and the submission form. Returns the id and the version.
pub async fn accept(
    state: &AppState,
    principal: &Principal,
    challenge: &str,
    file_name: &str,
    bytes: &[u8],
) -> ApiResult<(SubmissionId, i64)> {
    let slug: Slug = challenge.trim().parse().map_err(|_| unknown_challenge(challenge))?;
    let current = state.grader.catalogue.get(slug.as_str()).ok_or_else(|| unknown_challenge(challenge))?;
    access::may_submit(state, principal, &slug).await?;
    check_source(bytes, state.max_upload_bytes)?;
    let id = state
        .store
        .create_submission(&slug, current.version, file_name, bytes, &principal.owner())
        .await
        .map_err(access::quota_error)?;
    state.wakeup.notify_one();
    tracing::info!(submission = %id, challenge = %slug, bytes = bytes.len(), "queued");
    Ok((id, current.version))
}

/// `POST /api/v1/submissions/{id}/regrade`: grades the submission again on the challenge's current
/// version; the earlier results stay in its history.
pub async fn regrade(
    _admin: access::AdminUser,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let id = parse_id(&raw)?;
    let submission = state.store.submission(id).await?.ok_or_else(|| ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(&raw))))?;
    let current = state
        .grader
        .catalogue
        .get(&submission.challenge)
        .ok_or_else(|| ApiError::NotFound(format!("challenge '{}' is no longer published", submission.challenge)))?;
    match state.store.regrade(id, current.version).await? {
        Regrade::Queued => {
            state.wakeup.notify_one();
            tracing::info!(submission = %id, version = current.version, "queued for regrading");
            Ok((StatusCode::ACCEPTED, Json(Accepted { id: id.to_string(), status: Status::Queued, challenge_version: current.version })))
        }
        Regrade::NotFound => Err(ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(&raw)))),
        Regrade::Busy => Err(ApiError::Conflict("the submission is still being graded; regrade it once it completes".into())),
    }
}

/// The API's forms take their documented fields and nothing else.
pub fn unexpected_field(name: Option<&str>) -> ApiError {
    ApiError::BadRequest(format!("unexpected field '{}'", super::error::excerpt(name.unwrap_or_default())))
}

fn unknown_challenge(name: &str) -> ApiError {
    ApiError::NotFound(format!("no challenge named '{}'", super::error::excerpt(name.trim())))
}

/// The source must fit the cap and be text: UTF-8 without NUL bytes.
pub(crate) fn check_source(bytes: &[u8], cap: usize) -> ApiResult<()> {
    if bytes.len() > cap {
        return Err(ApiError::PayloadTooLarge(format!("the file is {} bytes; the limit is {cap}", bytes.len())));
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("the file is empty".into()));
    }
    if bytes.contains(&0) {
        return Err(ApiError::BadRequest("the file is binary; submit Python source text".into()));
    }
    std::str::from_utf8(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to())))?;
    Ok(())
}

pub(crate) fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than the limit".into())
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn parse_id(raw: &str) -> ApiResult<SubmissionId> {
    raw.parse().map_err(|_| ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(raw))))
}

/// What `GET /api/v1/submissions/{id}` answers: everything for staff, the public part for the
/// candidate who made it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SubmissionAnswer {
    Staff(SubmissionView),
    Candidate(access::CandidateSubmission),
}

/// `GET /api/v1/submissions/{id}`: everything for staff; for a candidate, its own submission's public
/// part only (anyone else's is a 404).
pub async fn get(principal: Principal, State(state): State<AppState>, Path(raw): Path<String>) -> ApiResult<Json<SubmissionAnswer>> {
    let id = parse_id(&raw)?;
    if let Principal::Candidate(candidate) = &principal {
        let own = access::candidate_submission(&state, candidate, &id.to_string()).await?;
        return Ok(Json(SubmissionAnswer::Candidate(own)));
    }
    let submission = state.store.submission(id).await?.ok_or_else(|| ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(&raw))))?;
    Ok(Json(SubmissionAnswer::Staff(SubmissionView::from(submission))))
}

/// `GET /api/v1/submissions/{id}/predictions`: the test predictions as CSV.
pub async fn predictions(
    access::Staff(_): access::Staff,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = parse_id(&raw)?;
    let csv = state
        .store
        .predictions(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no submission '{}'", super::error::excerpt(&raw))))?
        .ok_or_else(|| ApiError::NotFound(format!("submission '{}' has no predictions (not graded yet, or the run produced none)", super::error::excerpt(&raw))))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_checks_say_what_is_wrong() {
        assert!(check_source(b"class Model: pass\n", 100).is_ok());
        assert!(matches!(check_source(&[b'a'; 101], 100), Err(ApiError::PayloadTooLarge(_))));
        assert!(matches!(check_source(b"a\0b", 100), Err(ApiError::BadRequest(m)) if m.contains("binary")));
        assert!(matches!(check_source(&[0xff, 0xfe, b'a'], 100), Err(ApiError::BadRequest(m)) if m.contains("UTF-8")));
        assert!(matches!(check_source(b"", 100), Err(ApiError::BadRequest(_))));
    }
}
