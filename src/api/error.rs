//! The one error type of the HTTP layer. Client errors say what was wrong; server errors are logged
//! with their cause and answered with an opaque message, so no SQL or engine text leaves the service.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
        let mut response = (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response();
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

/// A request that should have been `multipart/form-data` and is not, answered in JSON like every other
/// client error.
pub fn not_multipart(rejection: axum::extract::multipart::MultipartRejection) -> ApiError {
    ApiError::BadRequest(format!("expected a multipart/form-data body: {}", rejection.body_text()))
}
