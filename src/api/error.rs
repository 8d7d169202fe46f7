//! The one error type of the HTTP layer. Client errors say what was wrong; server errors are logged
//! with their cause and answered with an opaque message, so no SQL or engine text leaves the service.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("this invitation has expired or was revoked; ask the hiring team for a new one")]
    InvitationClosed,
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: Option<u64> },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvitationClosed => (StatusCode::UNAUTHORIZED, "invitation_closed"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed inside the service");
                "the service failed to handle this request; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = error_json(status, code, &message);
        if let ApiError::TooManyRequests { retry_after_secs: Some(secs), .. } = &self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(*secs));
        }
        if matches!(self, ApiError::Unauthorized | ApiError::InvitationClosed) {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Longest message an error carries; anything longer is cut, so no error can carry a large input back.
const MAX_MESSAGE_CHARS: usize = 1000;

/// Longest piece of a client's input an error message quotes.
const EXCERPT_CHARS: usize = 64;

/// The error body every API error has: `{"error": {"code", "message"}}`.
/// Every error the API answers: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `invitation_closed`, `forbidden`, `not_found`, `conflict`,
    /// `payload_too_large`, `request_timeout`, `unsupported_media_type`, `unprocessable`,
    /// `too_many_requests`, `unavailable` or `internal`.
    pub code: String,
    /// What was wrong, in words; never the service's internals.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: &str) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: code.to_owned(), message: cut(message, MAX_MESSAGE_CHARS) } }
    }
}

pub fn error_json(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(ErrorBody::new(code, message))).into_response()
}

/// The start of a client's input, for quoting in a message; marked when cut.
pub fn excerpt(input: &str) -> String {
    cut(input, EXCERPT_CHARS)
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &text[..at], text.len()),
        None => text.to_owned(),
    }
}

/// The error code of a status the service answers with but did not build itself (a rejection by the
/// framework, a timeout, a method the route lacks).
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// A JSON body the framework refused: 413 when it passes the route's limit, 415 when it is not JSON,
/// 400 for anything else wrong with it.
pub fn json_rejection(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    let text = excerpt_text(&rejection.body_text());
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the body is larger than this route accepts".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType("expected a body with content-type application/json".into()),
        _ => ApiError::BadRequest(text),
    }
}

/// A framework message cut to a few hundred characters: it may quote the input.
pub fn excerpt_text(text: &str) -> String {
    cut(text, 300)
}

/// A request that should have been `multipart/form-data` and is not, answered in JSON like every other
/// client error.
pub fn not_multipart(rejection: axum::extract::multipart::MultipartRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the body is larger than this route accepts".into()),
        _ => ApiError::BadRequest(format!("expected a multipart/form-data body: {}", excerpt_text(&rejection.body_text()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_say_they_were_cut() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(10_000);
        let cut = excerpt(&long);
        assert!(cut.chars().count() < 100, "{cut}");
        assert!(cut.ends_with("(20000 bytes in all)"));
    }
}
