//! The hiring team's pages: challenges, invitations, API tokens, users and the audit log.

use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{badge, csrf_field, num, Page};
use super::session::{CsrfForm, Viewer};
use super::PageResult;
use crate::accounts::invite::{Grant, InvitationRequest, DEFAULT_LIMIT};
use crate::accounts::store::InvitationState;
use crate::accounts::Role;
use crate::api::accounts::{self as api, CreatedInvitation, UserRequest};
use crate::api::error::ApiError;
use crate::api::challenges::Published;
use crate::api::AppState;

/// `/challenges`: the catalogue for staff, with its versions and, for admins, the bundle upload form.
pub async fn challenges(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    challenges_page(&state, &viewer, None).await
}

/// What the last upload did, shown above the form.
enum Notice {
    Published(Published),
    Refused(String),
}

async fn challenges_page(state: &AppState, viewer: &Viewer, notice: Option<Notice>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    let refused = matches!(notice, Some(Notice::Refused(_)));
    let body = html! {
        table {
            thead { tr { th { "Challenge" } th { "Slug" } th.n { "Version" } th { "Task" } th { "Metric" } th { "Runtime" } th { "Limits" } th { "Pages" } } }
            tbody { @for c in state.grader.catalogue.all() { tr {
                td { a href=(format!("/challenges/{}", c.slug)) { (c.title) } }
                td { code { (c.slug) } }
                td.n { (c.version) }
                td { (c.task) }
                td { (c.grading.metric.name()) }
                td { (c.runtime) }
                td { (c.limits.time_seconds) " s, " (c.limits.memory_mb) " MB, " (num(c.limits.cpus)) " CPU" }
                td { a href=(format!("/leaderboard/{}", c.slug)) { "leaderboard" } " · " a href=(format!("/dashboard?challenge={}", c.slug)) { "submissions" } }
            } } }
        }
        @if user.is_admin() { (bundle_upload_section(viewer, notice.as_ref())) }
    };
    let page = Page::new("Challenges").render(Some(viewer), body);
    if refused {
        Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    } else {
        Ok(page.into_response())
    }
}

/// The upload form: a bundle for a new slug is a new challenge, for an existing slug its next version.
fn bundle_upload_section(viewer: &Viewer, notice: Option<&Notice>) -> Markup {
    html! {
        section #bundle-upload aria-labelledby="bundle-upload-title" {
            h2 #bundle-upload-title { "Publish a challenge or a new version" }
            @match notice {
                Some(Notice::Published(p)) => p.notice role="status" {
                    "Published " code { (p.slug) } " version " (p.version) ": the reference scored "
                    (p.check.reference_score.map(num).unwrap_or_default()) " (needs " (num(p.check.expected_score)) ")."
                },
                Some(Notice::Refused(problem)) => p.error role="alert" { "Not published: " (problem) },
                None => {},
            }
            p {
                "A " code { ".tar.gz" } " or " code { ".zip" } " laid out like a catalogue folder: "
                code { "challenge.toml" } ", " code { "README.md" } ", the starter, public and hidden data, the reference and the baseline. "
                "It is checked, and its reference and baseline run in the sandbox, before anything is published."
            }
            form.stack method="post" action="/challenges" enctype="multipart/form-data" {
                (csrf_field(viewer))
                label for="bundle-slug" { "Slug" }
                input #bundle-slug type="text" name="slug" required pattern="[a-z0-9]+(-[a-z0-9]+)*" maxlength="64";
                label for="bundle-file" { "Bundle" }
                input #bundle-file type="file" name="bundle" required accept=".tar.gz,.tgz,.zip";
                button type="submit" { "Check and publish" }
            }
        }
    }
}

/// `POST /challenges`: the upload form. Refusals are shown in words on the same page.
use crate::api::challenges::MAX_BUNDLE_BYTES;
use crate::api::form;

pub async fn upload_bundle(State(state): State<AppState>, viewer: Viewer, mut form: Multipart) -> PageResult<Response> {
    let admin = viewer.require_admin()?.clone();
    let mut csrf = String::new();
    let mut slug = String::new();
    let mut archive = None;
    let read = async {
        while let Some(field) = form.next_field().await.map_err(form::multipart_error)? {
            match field.name() {
                Some("csrf") => csrf = form::text(field, form::MAX_TEXT_BYTES).await?,
                Some("slug") => slug = form::text(field, form::MAX_TEXT_BYTES).await?,
                Some("bundle") => archive = Some(form::stage_bundle(field, &state.data_dir, MAX_BUNDLE_BYTES).await?),
                _ => {}
            }
        }
        Ok::<_, ApiError>(())
    };
    tokio::time::timeout(form::bundle_body_timeout(MAX_BUNDLE_BYTES), read)
        .await
        .map_err(|_| ApiError::RequestTimeout("the bundle did not arrive in time".into()))??;
    viewer.check_csrf(&csrf)?;
    let Some(archive) = archive.filter(|a| a.len > 0) else {
        return challenges_page(&state, &viewer, Some(Notice::Refused("choose a bundle file to upload.".into()))).await;
    };
    match crate::api::challenges::publish(&state, &admin, &slug, archive).await {
        Ok(published) => challenges_page(&state, &viewer, Some(Notice::Published(published))).await,
        Err(ApiError::Internal(e)) => Err(ApiError::Internal(e).into()),
        Err(refusal) => challenges_page(&state, &viewer, Some(Notice::Refused(refusal.to_string()))).await,
    }
}

// ---- invitations ----

/// The invitation form; after a refusal it holds what was typed (`typed`), not the defaults.
fn invitation_form(state: &AppState, viewer: &Viewer, problem: Option<&str>, typed: Option<&[(String, String)]>) -> Markup {
    let value = |k: &str, default: String| match typed {
        Some(fields) => fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default(),
        None => default,
    };
    let checked = |slug: &str| typed.is_some_and(|f| f.iter().any(|(k, v)| k == "challenge" && v == slug));
    html! {
        h2 { "Invite a candidate" }
        @if let Some(p) = problem { p.error #invitation-problem role="alert" { (p) } }
        form.stack method="post" action="/invitations" {
            (csrf_field(viewer))
            label for="inv-name" { "Candidate's name" }
            input #inv-name type="text" name="name" required maxlength="200" value=(value("name", String::new()));
            label for="inv-email" { "E-mail address" }
            input #inv-email type="email" name="email" required value=(value("email", String::new()));
            fieldset {
                legend { "Challenges" }
                @for c in state.grader.catalogue.all() {
                    div { label { input type="checkbox" name="challenge" value=(c.slug) checked[checked(c.slug.as_str())]; " " (c.title) } }
                }
            }
            label for="inv-limit" { "Submissions allowed per challenge" }
            input #inv-limit type="number" name="submission_limit" min="1" max="1000" value=(value("submission_limit", DEFAULT_LIMIT.to_string()));
            label for="inv-days" { "Valid for (days)" }
            input #inv-days type="number" name="days" min="0.01" max="365" step="any" value=(value("days", "7".into()));
            label for="inv-time" { "Time box (minutes from opening the first challenge; empty for none)" }
            input #inv-time type="number" name="time_limit_minutes" min="1" max="10080" value=(value("time_limit_minutes", String::new()));
            label for="inv-cooldown" { "Pause between submissions (seconds)" }
            input #inv-cooldown type="number" name="cooldown_seconds" min="0" max="86400" value=(value("cooldown_seconds", state.access.config.submission_cooldown_seconds.to_string()));
            @if state.access.mail.is_some() {
                label.check { input type="checkbox" name="send_email" value="1" checked[typed.is_none() || checked_box(typed, "send_email")]; " E-mail the link to the candidate" }
            }
            button type="submit" { "Create invitation" }
        }
    }
}

fn checked_box(typed: Option<&[(String, String)]>, name: &str) -> bool {
    typed.is_some_and(|f| f.iter().any(|(k, _)| k == name))
}

/// The time box of an invitation in a few words, for the staff tables.
pub fn time_box_words(i: &crate::accounts::store::InvitationRow) -> Markup {
    html! {
        @match (i.started_at, i.time_limit_minutes) {
            (None, Some(m)) => { "not started · " (m) " min box" }
            (None, None) => { "not started" }
            (Some(start), limit) => {
                "started " (super::layout::when(start))
                @if let Some(used) = i.time_used_ms() { br; small { "used " (crate::accounts::time::span(used)) @if let Some(m) = limit { " of " (m) " min" } } }
                @else if let Some(m) = limit { br; small { (m) " min box" } }
            }
        }
    }
}

async fn invitations_page(state: &AppState, viewer: &Viewer, created: Option<&CreatedInvitation>, problem: Option<&str>) -> PageResult<Response> {
    invitations_page_typed(state, viewer, created, problem, None).await
}

async fn invitations_page_typed(
    state: &AppState,
    viewer: &Viewer,
    created: Option<&CreatedInvitation>,
    problem: Option<&str>,
    typed: Option<&[(String, String)]>,
) -> PageResult<Response> {
    viewer.require_staff()?;
    let invitations = state.access.db.invitations().await?;
    let created_email = created.and_then(|c| {
        let to = invitations.iter().find(|i| i.id == c.id).map(|i| i.email.as_str()).unwrap_or("the candidate");
        c.email_sentence(to)
    });
    let body = html! {
        @if let Some(c) = created {
            div role="status" {
                p.ok { "Invitation created. Send the candidate this link; it is shown only now:" }
                p.secret #invitation-link { (c.url) }
                button type="button" data-copy="invitation-link" hidden { "Copy" }
                @if let Some(sent) = created_email.as_deref() { p #email-sent { (sent) } }
            }
        }
        (invitation_form(state, viewer, problem, typed))
        h2 { "Invitations" }
        form #compare-form method="get" action="/compare" {
            p { "Tick two to four candidates to see them side by side: " button type="submit" { "Compare" } }
        }
        table #invitations {
            thead { tr { th { span.visually-hidden { "Compare" } } th { "Candidate" } th { "Challenges (used of allowed)" } th { "Created" } th { "Expires" } th { "Time" } th { "State" } th { "" } } }
            tbody { @for i in &invitations { tr {
                td { input type="checkbox" name="c" value=(i.id) form="compare-form" aria-label=(format!("Compare {}", i.name)); }
                td { a href=(format!("/candidates/{}", i.id)) { (i.name) } br; small { (i.email) } }
                td {
                    @for q in &i.challenges { (q.challenge) " " (q.used) "/" (q.limit) br; }
                    @if i.practice_runs > 0 { small.practice-runs { (i.practice_runs) " practice run" @if i.practice_runs != 1 { "s" } } }
                }
                td { (super::layout::when(i.created_at)) br; small { "by " (i.created_by) } }
                td { (super::layout::when(i.expires_at)) }
                td { (time_box_words(i)) }
                td { (badge(match i.state { InvitationState::Active => "active", InvitationState::Expired => "expired", InvitationState::Revoked => "revoked" })) }
                td {
                    a href=(format!("/candidates/{}", i.id)) { "candidate page" }
                    @if i.state == InvitationState::Active {
                        " "
                        form.inline method="post" action=(format!("/invitations/{}/revoke", i.id))
                            data-confirm=(format!("Revoke the invitation of {}? Their link stops working at once.", i.name)) {
                            (csrf_field(viewer))
                            button type="submit" aria-label=(format!("Revoke the invitation of {}", i.name)) { "Revoke" }
                        }
                    }
                }
            } } }
        }
    };
    let status = if problem.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, Page::new("Invitations").render(Some(viewer), body)).into_response())
}

/// `/invitations`.
pub async fn invitations(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    invitations_page(&state, &viewer, None, None).await
}

/// Reads the invitation form: repeated `challenge` checkboxes need a list of pairs, not a struct.
fn invitation_request(fields: &[(String, String)]) -> Result<(String, InvitationRequest), String> {
    let one = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let number = |k: &str, what: &str| -> Result<Option<f64>, String> {
        let v = one(k);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>().map(Some).map_err(|_| format!("{what}: '{v}' is not a number"))
    };
    let request = InvitationRequest {
        name: one("name"),
        email: one("email"),
        challenges: fields.iter().filter(|(k, _)| k == "challenge").map(|(_, v)| Grant::Slug(v.clone())).collect(),
        submission_limit: number("submission_limit", "Submissions allowed")?.map(|v| v as i64),
        expires_in_hours: number("days", "Valid for")?.map(|d| d * 24.0),
        cooldown_seconds: number("cooldown_seconds", "Pause between submissions")?.map(|v| v as i64),
        time_limit_minutes: number("time_limit_minutes", "Time box")?.map(|v| v.round() as i64),
        send_email: None,
    };
    Ok((one("csrf"), request))
}

/// `POST /invitations`.
pub async fn create_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let user = viewer.require_staff()?.clone();
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    viewer.check_csrf(csrf)?;
    let request = match invitation_request(&fields) {
        Ok((_, r)) => r,
        Err(problem) => return invitations_page_typed(&state, &viewer, None, Some(&problem), Some(&fields)).await,
    };
    let send_email = fields.iter().any(|(k, _)| k == "send_email");
    match api::create_invitation(&state, &user, &request, &headers, send_email).await {
        Ok(created) => invitations_page(&state, &viewer, Some(&created), None).await,
        Err(ApiError::BadRequest(problem)) => invitations_page_typed(&state, &viewer, None, Some(&problem), Some(&fields)).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /invitations/{id}/revoke`.
pub async fn revoke_invitation(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    viewer.check_csrf(&form.csrf)?;
    if !state.access.db.revoke_invitation(user, &id).await? {
        return Err(ApiError::NotFound("There is no such unrevoked invitation.".into()).into());
    }
    Ok(Redirect::to("/invitations").into_response())
}

// ---- API tokens ----

async fn tokens_page(state: &AppState, viewer: &Viewer, created: Option<&str>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    let tokens = state.access.db.tokens(user.id).await?;
    let body = html! {
        p { "Tokens let scripts use the API as you: send " code { "Authorization: Bearer TOKEN" } ". See the " a href="/api/docs" { "API description" } "." }
        @if let Some(t) = created {
            div role="status" {
                p.ok { "Token created. Copy it now; it is shown only once:" }
                p.secret #new-token { (t) }
            }
        }
        form.stack method="post" action="/tokens" {
            (csrf_field(viewer))
            label for="token-name" { "What the token is for" }
            input #token-name type="text" name="name" required maxlength="100";
            button type="submit" { "Create token" }
        }
        h2 { "Your tokens" }
        table {
            thead { tr { th { "Name" } th { "Created" } th { "Last used" } th { "State" } th { "" } } }
            tbody { @for t in &tokens { tr {
                td { (t.name) }
                td { (super::layout::when(t.created_at)) }
                td { @if let Some(t) = t.last_used_at { (super::layout::when(t)) } @else { "never" } }
                td { (badge(if t.revoked { "revoked" } else { "active" })) }
                td { @if !t.revoked {
                    form.inline method="post" action=(format!("/tokens/{}/revoke", t.id)) {
                        (csrf_field(viewer))
                        button type="submit" aria-label=(format!("Revoke the token {}", t.name)) { "Revoke" }
                    }
                } }
            } } }
        }
    };
    Ok(Page::new("API tokens").render(Some(viewer), body).into_response())
}

pub async fn tokens(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    tokens_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
}

pub async fn create_token(State(state): State<AppState>, viewer: Viewer, Form(form): Form<TokenForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?.clone();
    viewer.check_csrf(&form.csrf)?;
    let name = api::check_token_name(&form.name)?;
    let (_, token) = state.access.db.create_token(&user, &name).await?;
    tokens_page(&state, &viewer, Some(&token)).await
}

pub async fn revoke_token(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    viewer.check_csrf(&form.csrf)?;
    if !state.access.db.revoke_token(user, id).await? {
        return Err(ApiError::NotFound("There is no such live token of yours.".into()).into());
    }
    Ok(Redirect::to("/tokens").into_response())
}

// ---- users and audit ----

async fn users_page(state: &AppState, viewer: &Viewer, problem: Option<&str>) -> PageResult<Response> {
    let me = viewer.require_admin()?;
    let users = state.access.db.users().await?;
    let body = html! {
        h2 { "Add a user" }
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        form.stack method="post" action="/admin/users" {
            (csrf_field(viewer))
            label for="user-name" { "User name" }
            input #user-name type="text" name="name" required maxlength="64" pattern="[A-Za-z0-9._\\-]+" autocomplete="off";
            label for="user-role" { "Role" }
            select #user-role name="role" {
                option value="interviewer" { "interviewer: reads results, invites candidates" }
                option value="admin" { "admin: also manages users and challenges" }
            }
            label for="user-password" { "Password (at least 10 characters)" }
            input #user-password type="password" name="password" required minlength="10" autocomplete="new-password";
            button type="submit" { "Add user" }
        }
        h2 { "Users" }
        table {
            thead { tr { th { "Name" } th { "Role" } th { "Created" } th { "State" } th { "" } } }
            tbody { @for u in &users { tr {
                td { (u.name) }
                td { (u.role) }
                td { (super::layout::when(u.created_at)) }
                td { (badge(if u.disabled { "disabled" } else if u.has_password { "active" } else { "token only" })) }
                td { @if !u.disabled && u.id != me.id && u.id != crate::accounts::ADMIN_TOKEN_USER {
                    form.inline method="post" action=(format!("/admin/users/{}/disable", u.id)) {
                        (csrf_field(viewer))
                        button type="submit" aria-label=(format!("Disable {}", u.name)) { "Disable" }
                    }
                } }
            } } }
        }
    };
    let status = if problem.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, Page::new("Users").render(Some(viewer), body)).into_response())
}

pub async fn users(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    users_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    name: String,
    role: String,
    password: String,
}

pub async fn create_user(State(state): State<AppState>, viewer: Viewer, Form(form): Form<UserForm>) -> PageResult<Response> {
    let me = viewer.require_admin()?.clone();
    viewer.check_csrf(&form.csrf)?;
    let role: Role = match form.role.parse() {
        Ok(r) => r,
        Err(problem) => return users_page(&state, &viewer, Some(&problem)).await,
    };
    let request = UserRequest { name: form.name, role, password: form.password };
    match api::create_user(&state, &me, &request).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(ApiError::BadRequest(problem)) => users_page(&state, &viewer, Some(&problem)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn disable_user(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    let me = viewer.require_admin()?;
    viewer.check_csrf(&form.csrf)?;
    if id == me.id || id == crate::accounts::ADMIN_TOKEN_USER {
        return Err(ApiError::BadRequest("You cannot disable your own account or the admin-token account.".into()).into());
    }
    if !state.access.db.disable_user(me.id, id).await? {
        return Err(ApiError::NotFound("There is no such active user.".into()).into());
    }
    Ok(Redirect::to("/admin/users").into_response())
}

pub async fn audit(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    viewer.require_admin()?;
    let entries = state.access.db.audit_log(500).await?;
    let body = html! {
        p.hint { "The latest 500 changes to users, tokens and invitations, newest first." }
        table #audit {
            thead { tr { th { "When" } th { "Who" } th { "Action" } th { "On" } th { "Detail" } } }
            tbody { @for e in &entries { tr {
                td { (super::layout::when(e.at)) }
                td { (e.actor.as_deref().unwrap_or("—")) }
                td { code { (e.action) } }
                td { (e.target) }
                td { (e.detail) }
            } } }
        }
    };
    Ok(Page::new("Audit log").render(Some(&viewer), body).into_response())
}
