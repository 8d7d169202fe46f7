//! Browser sessions: the cookie, the extractors that turn it into a viewer, sign-in and sign-out,
//! opening an invitation link, and CSRF checks.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::layout::Page;
use super::{PageError, PageResult};
use crate::accounts::store::{InvitationLookup, SessionLookup};
use crate::accounts::{constant_time_eq, new_secret, password, Owner, Principal, StaffUser};
use crate::api::accounts::came_over_tls;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::storage::now_ms;

pub const SESSION_COOKIE: &str = "mlgrade_session";
/// The sign-in form's double-submit CSRF cookie: there is no session yet to hold a token.
pub const LOGIN_COOKIE: &str = "mlgrade_login";
const CLOSED_GRACE_MS: i64 = 7 * 24 * 3_600_000;

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. Secure when the request came over TLS or the configuration says so.
fn set_cookie(state: &AppState, headers: &HeaderMap, name: &str, value: &str, path: &str, same_site: &str, max_age: i64) -> HeaderValue {
    let secure = state.access.config.secure_cookies || came_over_tls(headers);
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite={same_site}{}",
        max_age.max(0),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).expect("cookie values are hex and fixed words")
}

/// Percent-encodes a path for a query parameter.
pub fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: a path on this site only, never another host.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Someone with a live session: staff or a candidate.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub principal: Principal,
    pub csrf: String,
}

impl Viewer {
    pub fn staff(&self) -> Option<&StaffUser> {
        self.principal.staff()
    }

    /// Refuses a form that does not carry this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> PageResult<()> {
        if constant_time_eq(sent, &self.csrf) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            )
            .into())
        }
    }

    /// Staff only; a candidate gets a 403 page.
    pub fn require_staff(&self) -> PageResult<&StaffUser> {
        Ok(crate::api::access::staff_only(&self.principal)?)
    }

    pub fn require_admin(&self) -> PageResult<&StaffUser> {
        let user = self.require_staff()?;
        crate::api::access::admin_only(user)?;
        Ok(user)
    }
}

async fn lookup(parts: &Parts, state: &AppState) -> PageResult<Option<Viewer>> {
    let Some(key) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    match state.access.db.session(key).await? {
        SessionLookup::Live(principal, csrf) => Ok(Some(Viewer { principal, csrf })),
        SessionLookup::Closed => Err(ApiError::InvitationClosed.into()),
        SessionLookup::Unknown => Ok(None),
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        lookup(parts, state).await?.ok_or(PageError::SignIn { next })
    }
}

/// A viewer if there is one; for pages anyone may open.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match lookup(parts, state).await {
            Ok(v) => Ok(MaybeViewer(v)),
            // An expired candidate session is no viewer at all on public pages.
            Err(PageError::Api(ApiError::InvitationClosed)) => Ok(MaybeViewer(None)),
            Err(e) => Err(e),
        }
    }
}

// ---- sign-in and sign-out ----

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(state: &AppState, headers: &HeaderMap, next: &str, problem: Option<&str>, status: StatusCode) -> Response {
    let token = new_secret("");
    let body = html! {
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        form.narrow method="post" action="/login" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(next);
            label for="name" { "User name" }
            input #name type="text" name="name" autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
        p.hint { "Candidates need no account: open the link in your invitation." }
    };
    let page = Page::new("Sign in").render(None, body);
    let cookie = set_cookie(state, headers, LOGIN_COOKIE, &token, "/login", "Strict", 3600);
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if viewer.as_ref().is_some_and(|v| v.staff().is_some()) {
        return Redirect::to(&next).into_response();
    }
    login_page(&state, &headers, &next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

fn client_ip(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub async fn login(State(state): State<AppState>, request: axum::extract::Request) -> PageResult<Response> {
    let (parts, body) = request.into_parts();
    let headers = parts.headers.clone();
    let ip = client_ip(&parts.extensions);
    let Form(form) = Form::<LoginForm>::from_request(axum::extract::Request::from_parts(parts, body), &state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("the sign-in form is incomplete: {}", e.body_text())))?;
    let sent_cookie = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if sent_cookie.is_empty() || !constant_time_eq(sent_cookie, &form.csrf) {
        return Err(ApiError::Forbidden("This sign-in form has expired or did not come from this site. Reload it and try again.".into()).into());
    }
    let next = safe_next(form.next.as_deref());
    // Failed attempts count per address and name, so guessing one account's password is slow while
    // others on the same address (an office behind one proxy) can still sign in.
    let key = format!("{ip}|{}", form.name.trim().to_lowercase());
    if let Err(wait) = state.access.sign_in.check(&key).await {
        return Err(ApiError::TooManyRequests {
            message: format!("Too many failed sign-ins. Wait {} minutes and try again.", wait.as_secs().div_ceil(60)),
            retry_after_secs: Some(wait.as_secs()),
        }
        .into());
    }
    let found = state.access.db.user_for_sign_in(form.name.trim()).await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    if !password::verify(&form.password, hash).await {
        let _ = state.access.sign_in.hit(&key).await;
        return Ok(login_page(&state, &headers, &next, Some("Wrong user name or password."), StatusCode::UNAUTHORIZED));
    }
    let user = user.expect("a verified password has a user");
    state.access.sign_in.clear(&key).await;
    let hours = state.access.config.session_hours.max(1) as i64;
    let (key, _) = state.access.db.create_session(&Owner::User(user.id), now_ms() + hours * 3_600_000).await?;
    let cookie = set_cookie(&state, &headers, SESSION_COOKIE, &key, "/", "Lax", hours * 3600);
    let clear_login = set_cookie(&state, &headers, LOGIN_COOKIE, "", "/login", "Strict", 0);
    let target = if next == "/" { "/dashboard".to_owned() } else { next };
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().append(header::SET_COOKIE, clear_login);
    Ok(response)
}

use axum::extract::FromRequest;

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    if let Some(key) = cookie(&headers, SESSION_COOKIE) {
        state.access.db.delete_session(key).await?;
    }
    let cleared = set_cookie(&state, &headers, SESSION_COOKIE, "", "/", "Lax", 0);
    // A candidate has no password to sign in with again: their way back is the invitation link.
    let next = if viewer.staff().is_some() { "/login" } else { "/signed-out" };
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(header::SET_COOKIE, cleared);
    Ok(response)
}

/// `/i/{token}`: the invitation link. Opens a candidate session (until the invitation expires) and
/// goes to the landing page, so the key leaves the address bar.
pub async fn open_invitation(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> PageResult<Response> {
    match state.access.db.invitation_by_token(&token).await? {
        InvitationLookup::Valid(invitee) => {
            let owner = Owner::Invitation(invitee.invitation_id.clone());
            // The session outlives the invitation by a week so that, after it closes, the candidate is
            // told so instead of being sent to a sign-in form that is not for them.
            let until = invitee.expires_at + CLOSED_GRACE_MS;
            let (key, _) = state.access.db.create_session(&owner, until).await?;
            let max_age = (until - now_ms()) / 1000;
            let cookie = set_cookie(&state, &headers, SESSION_COOKIE, &key, "/", "Lax", max_age);
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        InvitationLookup::Closed => Err(ApiError::InvitationClosed.into()),
        InvitationLookup::Unknown => Err(ApiError::NotFound(
            "This invitation link is not valid. Check that you copied all of it, or ask the hiring team.".into(),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/dashboard?x=1")), "/dashboard?x=1");
        for bad in [Some("//evil.example"), Some("https://evil.example"), Some("/\\evil"), None] {
            assert_eq!(safe_next(bad), "/");
        }
        assert_eq!(encode_query("/a b?c=d"), "/a%20b%3Fc%3Dd");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; mlgrade_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
