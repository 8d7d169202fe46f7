//! Submitting code and reading results.

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
use crate::store::{Status, Submission};

/// A submission as the API and the `grade` command print it.
#[derive(Debug, Serialize)]
pub struct SubmissionView {
    pub id: String,
    pub challenge: String,
    pub status: Status,
    #[serde(flatten)]
    pub result: Option<ResultView>,
}

#[derive(Debug, Serialize)]
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
            status: s.status,
            result: s.result.map(|r| ResultView { report: r.report, log: r.log, duration_ms: r.duration_ms }),
        }
    }
}

#[derive(Serialize)]
pub struct Accepted {
    id: String,
    status: Status,
}

/// `POST /api/v1/submissions`: multipart with `challenge` (a slug) and `file` (Python source).
pub async fn create(
    principal: Principal,
    State(state): State<AppState>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let mut challenge: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("challenge") => challenge = Some(field.text().await.map_err(multipart_error)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("solution.py").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let challenge = challenge.ok_or_else(|| ApiError::BadRequest("missing field 'challenge'".into()))?;
    let (file_name, bytes) = file.ok_or_else(|| ApiError::BadRequest("missing field 'file'".into()))?;
    let id = accept(&state, &principal, &challenge, &file_name, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { id: id.to_string(), status: Status::Queued })))
}

/// Checks and queues one submission for `principal`; shared by the API and the submission form.
pub async fn accept(
    state: &AppState,
    principal: &Principal,
    challenge: &str,
    file_name: &str,
    bytes: &[u8],
) -> ApiResult<SubmissionId> {
    let slug: Slug = challenge.trim().parse().map_err(|_| unknown_challenge(challenge))?;
    if state.grader.catalogue.get(slug.as_str()).is_none() {
        return Err(unknown_challenge(challenge));
    }
    access::may_submit(state, principal, &slug).await?;
    check_source(bytes, state.max_upload_bytes)?;
    let id = state
        .store
        .create_submission(&slug, file_name, bytes, &principal.owner())
        .await
        .map_err(access::quota_error)?;
    state.wakeup.notify_one();
    tracing::info!(submission = %id, challenge = %slug, bytes = bytes.len(), "queued");
    Ok(id)
}

fn unknown_challenge(name: &str) -> ApiError {
    ApiError::NotFound(format!("no challenge named '{}'", name.trim()))
}

/// The source must fit the cap and be text: UTF-8 without NUL bytes.
fn check_source(bytes: &[u8], cap: usize) -> ApiResult<()> {
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

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than the limit".into())
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn parse_id(raw: &str) -> ApiResult<SubmissionId> {
    raw.parse().map_err(|_| ApiError::NotFound(format!("no submission '{raw}'")))
}

/// `GET /api/v1/submissions/{id}`: everything for staff; for a candidate, its own submission's public
/// part only (anyone else's is a 404).
pub async fn get(principal: Principal, State(state): State<AppState>, Path(raw): Path<String>) -> ApiResult<axum::response::Response> {
    let id = parse_id(&raw)?;
    if let Principal::Candidate(candidate) = &principal {
        return Ok(Json(access::candidate_submission(&state, candidate, &id.to_string()).await?).into_response());
    }
    let submission = state.store.submission(id).await?.ok_or_else(|| ApiError::NotFound(format!("no submission '{raw}'")))?;
    Ok(Json(SubmissionView::from(submission)).into_response())
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
        .ok_or_else(|| ApiError::NotFound(format!("no submission '{raw}'")))?
        .ok_or_else(|| ApiError::NotFound(format!("submission '{raw}' has no predictions (not graded yet, or the run produced none)")))?;
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
