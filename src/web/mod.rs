//! Server-rendered pages for candidates, interviewers and the hiring team.
//!
//! Templates are `maud` macros: HTML checked at compile time, every interpolated value escaped unless
//! it is explicitly marked pre-escaped (only the sanitised challenge statement is). Pages work without
//! JavaScript; one small script makes a submission's status update live. Pages authenticate with a
//! session cookie (HttpOnly, SameSite=Lax, Secure over TLS) and every form carries the session's CSRF
//! token; the API (`/api/…`) takes bearer tokens only.

mod admin;
mod candidate;
pub mod charts;
pub mod export;
mod layout;
mod ranking;
mod pdf;
mod report;
mod review;
pub mod markdown;
mod session;
mod staff;
mod webhooks;
mod similarity;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api::error::ApiError;
use crate::api::AppState;
pub use session::{MaybeViewer, Viewer};

/// What a page answers when it cannot show itself: a redirect to sign in, or an error in words.
#[derive(Debug)]
pub enum PageError {
    SignIn { next: String },
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Api(e)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Api(ApiError::Internal(e))
    }
}

pub type PageResult<T> = Result<T, PageError>;

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = match self {
            PageError::SignIn { next } => {
                return Redirect::to(&format!("/login?next={}", session::encode_query(&next))).into_response();
            }
            PageError::Api(e) => e,
        };
        let (status, _) = e.status_and_code();
        let message = match &e {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "page failed inside the service");
                "The service failed to show this page. The fault has been logged; please try again later.".to_owned()
            }
            other => other.to_string(),
        };
        let retry_after = match &e {
            ApiError::TooManyRequests { retry_after_secs: Some(s), .. } => Some(*s),
            _ => None,
        };
        let mut response = (status, layout::error_page(status, &message)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

const STYLE: &str = include_str!("static/style.css");
const LIVE_JS: &str = include_str!("static/live.js");
const PAGE_JS: &str = include_str!("static/page.js");
const FAVICON: &str = include_str!("static/favicon.svg");

/// Pages' security headers: only this origin's scripts and styles, no framing, no referrer (an
/// invitation link holds a key).
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

pub fn router(body_limit: usize) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(candidate::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/signed-out", get(candidate::signed_out))
        .route("/i/{token}", get(session::open_invitation))
        .route(
            "/challenges",
            get(admin::challenges)
                .post(admin::upload_bundle)
                .layer(DefaultBodyLimit::max(crate::api::challenges::MAX_BUNDLE_BYTES)),
        )
        .route("/challenges/{slug}", get(candidate::challenge))
        .route("/challenges/{slug}/solution.py", get(candidate::starter))
        .route("/challenges/{slug}/sample.csv", get(candidate::sample))
        .route("/challenges/{slug}/files/{*path}", get(candidate::public_file))
        // Room for a file and pasted code, each up to the cap, and the form around them.
        .route("/challenges/{slug}/submissions", post(candidate::submit).layer(DefaultBodyLimit::max(2 * body_limit)))
        .route("/challenges/{slug}/practice", post(candidate::practise).layer(DefaultBodyLimit::max(2 * body_limit)))
        .route("/practice/{id}", get(candidate::practice))
        .route("/practice/{id}/status", get(candidate::practice_status))
        .route("/submissions/{id}", get(candidate::submission))
        .route("/submissions/{id}/status", get(candidate::status))
        .route("/submissions/{id}/predictions.csv", get(staff::predictions))
        .route("/submissions/{id}/notes", post(staff::add_note))
        .route("/submissions/{id}/similar/{other}", get(similarity::side_by_side))
        .route("/dashboard", get(staff::dashboard))
        .route("/dashboard/export.csv", get(staff::export))
        .route("/leaderboard/{slug}", get(staff::leaderboard))
        .route("/leaderboard/{slug}/board.csv", get(review::board_csv))
        .route("/candidates/{id}", get(review::candidate_page))
        .route("/candidates/{id}/report", get(report::page))
        .route("/candidates/{id}/report.pdf", get(report::pdf))
        .route("/compare", get(review::compare))
        .route("/invitations/{id}/extend", post(review::extend))
        .route("/invitations/{id}/attempts", post(review::add_attempts))
        .route("/invitations/{id}/reissue", post(review::reissue))
        .route("/invitations", get(admin::invitations).post(admin::create_invitation))
        .route("/invitations/{id}/revoke", post(admin::revoke_invitation))
        .route("/tokens", get(admin::tokens).post(admin::create_token))
        .route("/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/webhooks", get(webhooks::show).post(webhooks::create))
        .route("/admin/webhooks/{id}/delete", post(webhooks::delete))
        .route("/admin/webhooks/{id}/ping", post(webhooks::ping))
        .route("/admin/webhooks/deliveries/{id}/resend", post(webhooks::resend))
        .route("/api/docs", get(crate::api::openapi::page))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    Router::new()
        .route("/static/style.css", get(|| async { static_file("text/css; charset=utf-8", STYLE) }))
        .route("/static/report.css", get(|| async { static_file("text/css; charset=utf-8", report::REPORT_STYLE) }))
        .route("/static/live.js", get(|| async { static_file("text/javascript; charset=utf-8", LIVE_JS) }))
        .route("/static/page.js", get(|| async { static_file("text/javascript; charset=utf-8", PAGE_JS) }))
        // Browsers ask for /favicon.ico whatever the page links; both answer the same small SVG.
        .route("/favicon.ico", get(|| async { static_file("image/svg+xml", FAVICON) }))
        .route("/static/favicon.svg", get(|| async { static_file("image/svg+xml", FAVICON) }))
        .merge(pages)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// An error page with its status, for errors raised outside the pages' own handlers.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    (status, layout::error_page(status, message)).into_response()
}

/// A page in the shared frame, without scripts, for modules outside `web`.
pub fn render_page(title: &str, viewer: Option<&Viewer>, body: maud::Markup) -> maud::Markup {
    layout::Page::new(title).without_script().render(viewer, body)
}

/// The page for an address that leads nowhere, with the navigation of whoever is looking.
pub fn not_found_page(viewer: Option<&Viewer>) -> Response {
    let body = maud::html! {
        p.error role="alert" { "There is no page at this address." }
        (layout::ways_on(viewer.is_some()))
    };
    let page = layout::Page::new("Not found").render(viewer, body);
    let mut response = (StatusCode::NOT_FOUND, page).into_response();
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}
