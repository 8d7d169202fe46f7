//! `/admin/webhooks`: register and remove webhooks, send a test, read the delivery log (Greenhouse
//! callbacks included) and resend a delivery. Admins only.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};

use super::layout::{badge, csrf_field, when, Page};
use super::session::{CsrfForm, Viewer};
use super::PageResult;
use crate::api::error::ApiError;
use crate::api::webhooks::{self as api, WebhookRequest};
use crate::api::AppState;
use crate::webhooks::store::DeliveryRow;
use crate::webhooks::EVENTS;

/// Deliveries the page lists.
const LOG_ROWS: i64 = 100;

/// What the last action produced, shown at the top.
enum Notice {
    Problem(String),
    Created { id: i64, secret: Option<String> },
}

async fn page(state: &AppState, viewer: &Viewer, notice: Option<Notice>) -> PageResult<Response> {
    viewer.require_admin()?;
    let store = api::hooks(state);
    let webhooks = store.webhooks().await?;
    let deliveries = store.deliveries(None, LOG_ROWS).await?;
    let problem = matches!(notice, Some(Notice::Problem(_)));
    let body = html! {
        @match &notice {
            Some(Notice::Problem(p)) => { p.error role="alert" { (p) } }
            Some(Notice::Created { id, secret }) => {
                p.notice role="status" { "Webhook " (id) " added." }
                @if let Some(s) = secret {
                    p { "Its signing secret, shown this once: " code #new-secret { (s) } }
                }
            }
            None => {}
        }
        h2 { "Add a webhook" }
        p { "Each delivery is a JSON POST signed in the header "
            code { "Mlgrade-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>" }
            "; its " code { "id" } " (also in " code { "Mlgrade-Event-Id" } ") stays the same across retries and resends." }
        form.stack method="post" action="/admin/webhooks" {
            (csrf_field(viewer))
            label for="hook-url" { "URL" }
            input #hook-url type="url" name="url" required maxlength="2000" placeholder="https://hooks.example.com/mlgrade";
            label for="hook-secret" { "Signing secret (16 to 256 characters; leave empty to have one made)" }
            input #hook-secret type="password" name="secret" maxlength="256" autocomplete="off";
            label for="hook-description" { "Description" }
            input #hook-description type="text" name="description" maxlength="200";
            fieldset {
                legend { "Events" }
                @for e in EVENTS {
                    label { input type="checkbox" name="events" value=(e) checked; " " (e) }
                }
            }
            button type="submit" { "Add webhook" }
        }
        h2 { "Webhooks" }
        @if webhooks.is_empty() { p { "None yet." } } @else {
            table {
                thead { tr { th { "Id" } th { "URL" } th { "Events" } th { "Secret" } th { "Added" } th { "" } } }
                tbody { @for w in &webhooks { tr {
                    td { (w.id) }
                    td { code { (w.url) } @if !w.description.is_empty() { br; (w.description) } }
                    td { (w.events.join(", ")) }
                    td { code { (w.secret_hint) } }
                    td { (when(w.created_at)) }
                    td {
                        form.inline method="post" action=(format!("/admin/webhooks/{}/ping", w.id)) {
                            (csrf_field(viewer))
                            button type="submit" aria-label=(format!("Send a test delivery to webhook {}", w.id)) { "Send test" }
                        }
                        form.inline method="post" action=(format!("/admin/webhooks/{}/delete", w.id)) {
                            (csrf_field(viewer))
                            button type="submit" aria-label=(format!("Delete webhook {}", w.id)) { "Delete" }
                        }
                    }
                } } }
            }
        }
        h2 { "Deliveries" }
        (log(viewer, &deliveries))
    };
    let status = if problem { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, Page::new("Webhooks").render(Some(viewer), body)).into_response())
}

fn log(viewer: &Viewer, deliveries: &[DeliveryRow]) -> Markup {
    html! {
        @if deliveries.is_empty() { p { "Nothing sent yet." } } @else {
            table #deliveries {
                thead { tr { th { "Delivery" } th { "Event" } th { "To" } th { "State" } th { "Attempts" } th { "Last answer" } th { "Queued" } th { "" } } }
                tbody { @for d in deliveries { tr id=(format!("delivery-{}", d.id)) {
                    td { (d.id) }
                    td { (d.event) br; code { (d.event_id) } }
                    td { @match d.webhook_id { Some(w) => { "webhook " (w) }, None => { "Greenhouse" } } br; code { (d.method) " " (d.url) } }
                    td { (badge(&d.state)) @if let (Some(at), "pending") = (d.next_attempt_at, d.state.as_str()) { br; "next " (when(at)) } }
                    td { (d.attempts) }
                    td {
                        @if let Some(s) = d.last_status { "HTTP " (s) }
                        @if let Some(e) = &d.last_error { br; small { (e) } }
                    }
                    td { (when(d.created_at)) }
                    td { @if d.state != "pending" {
                        form.inline method="post" action=(format!("/admin/webhooks/deliveries/{}/resend", d.id)) {
                            (csrf_field(viewer))
                            button type="submit" aria-label=(format!("Resend delivery {}", d.id)) { "Resend" }
                        }
                    } }
                } } }
            }
        }
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    page(&state, &viewer, None).await
}

/// The add form: `url`, `secret`, `description`, `csrf` and one `events` field per ticked box.
pub async fn create(State(state): State<AppState>, viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let admin = viewer.require_admin()?.clone();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    viewer.check_csrf(&field("csrf").unwrap_or_default())?;
    let secret = field("secret").filter(|s| !s.trim().is_empty());
    let request = WebhookRequest {
        url: field("url").unwrap_or_default(),
        secret,
        events: fields.iter().filter(|(k, _)| k == "events").map(|(_, v)| v.clone()).collect(),
        description: field("description"),
    };
    match api::validate(&state, &request).await {
        Ok(valid) => {
            let created = valid.store(&state, admin.id).await?;
            page(&state, &viewer, Some(Notice::Created { id: created.webhook.id, secret: created.secret })).await
        }
        Err(ApiError::BadRequest(problem)) => page(&state, &viewer, Some(Notice::Problem(problem))).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    let admin = viewer.require_admin()?;
    viewer.check_csrf(&form.csrf)?;
    if !api::hooks(&state).delete_webhook(admin.id, id).await? {
        return Err(ApiError::NotFound(format!("There is no webhook {id}.")).into());
    }
    Ok(Redirect::to("/admin/webhooks").into_response())
}

pub async fn ping(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    viewer.require_admin()?;
    viewer.check_csrf(&form.csrf)?;
    api::queue_ping(&state, id).await?;
    Ok(Redirect::to("/admin/webhooks").into_response())
}

pub async fn resend(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> PageResult<Response> {
    let admin = viewer.require_admin()?;
    viewer.check_csrf(&form.csrf)?;
    if api::hooks(&state).resend(admin.id, id).await?.is_none() {
        return Err(ApiError::NotFound(format!("There is no delivery {id} whose webhook still exists.")).into());
    }
    Ok(Redirect::to("/admin/webhooks").into_response())
}
