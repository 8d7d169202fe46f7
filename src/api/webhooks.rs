//! `/api/v1/webhooks`: admins register receivers, read the delivery log, send a test, resend.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::AdminUser;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::AppState;
use crate::webhooks::store::{Audience, DeliveryRow, HookStore, NewEvent, WebhookRow};
use crate::webhooks::{self, EVENTS, PING};

/// Shortest and longest signing secret accepted.
pub const SECRET_CHARS: std::ops::RangeInclusive<usize> = 16..=256;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where deliveries are POSTed: an http(s) URL of a public address (private ones only where the
    /// operator allows them).
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// The HMAC-SHA256 key that signs each delivery (16–256 characters). Left out, one is made and
    /// shown in the answer this one time.
    #[serde(default)]
    #[schema(min_length = 16, max_length = 256)]
    pub secret: Option<String>,
    /// `submission.completed`, `submission.flagged`, `invitation.completed`.
    #[schema(min_items = 1)]
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookRow,
    /// The secret made for this webhook, shown this once; absent when the request gave its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `202` answer to a test delivery or a resend: the delivery queued.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub delivery_id: i64,
}

pub fn hooks(state: &AppState) -> HookStore {
    HookStore::new(state.store.pool().clone())
}

/// A webhook request whose fields were checked.
pub struct ValidWebhook {
    pub url: String,
    pub secret: String,
    /// Whether the secret was made here (and so is shown once).
    pub generated: bool,
    pub description: String,
    pub events: Vec<String>,
}

impl ValidWebhook {
    /// Stores the webhook; answers it as listed, with a made secret shown this once.
    pub async fn store(self, state: &AppState, actor: i64) -> ApiResult<CreatedWebhook> {
        let id = hooks(state).create_webhook(actor, &self.url, &self.secret, &self.description, &self.events).await?;
        let webhook = hooks(state).webhook(id).await?.ok_or_else(|| anyhow::anyhow!("webhook {id} just stored"))?;
        Ok(CreatedWebhook { webhook, secret: self.generated.then_some(self.secret) })
    }
}

/// The fields of a webhook request, checked: the URL (and where it leads), the secret, the events.
pub async fn validate(state: &AppState, request: &WebhookRequest) -> ApiResult<ValidWebhook> {
    let url = webhooks::target::check(&request.url, state.access.config.hooks.allow_private_targets)
        .await
        .map_err(ApiError::BadRequest)?;
    let (secret, generated) = match request.secret.as_deref().map(str::trim) {
        Some(s) if SECRET_CHARS.contains(&s.chars().count()) => (s.to_owned(), false),
        Some(_) => {
            return Err(ApiError::BadRequest(format!(
                "secret: must be {} to {} characters (or leave it out and one is made)",
                SECRET_CHARS.start(),
                SECRET_CHARS.end()
            )))
        }
        None => (crate::accounts::new_secret("whsec_"), true),
    };
    let mut events: Vec<String> = Vec::new();
    for e in &request.events {
        let e = e.trim();
        if !EVENTS.contains(&e) {
            return Err(ApiError::BadRequest(format!("events: '{}' is not an event; use {}", super::error::excerpt(e), EVENTS.join(", "))));
        }
        if !events.iter().any(|x| x == e) {
            events.push(e.to_owned());
        }
    }
    if events.is_empty() {
        return Err(ApiError::BadRequest(format!("events: name at least one of {}", EVENTS.join(", "))));
    }
    let description = request.description.as_deref().unwrap_or("").trim().to_owned();
    if description.chars().count() > 200 {
        return Err(ApiError::BadRequest("description: at most 200 characters".into()));
    }
    Ok(ValidWebhook { url: url.to_string(), secret, generated, description, events })
}

/// Register a receiver: `{url, secret?, events, description?}`. Deliveries are JSON, signed in
/// `Mlgrade-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Admins only.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookRequest,
    responses((status = 201, body = CreatedWebhook), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    AdminUser(actor): AdminUser,
    State(state): State<AppState>,
    body: Result<Json<WebhookRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let Json(request) = body.map_err(super::error::json_rejection)?;
    let created = validate(&state, &request).await?.store(&state, actor.id).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Every registered receiver (secrets shown by their last four characters only). Admins only.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookRow>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(AdminUser(_): AdminUser, State(state): State<AppState>) -> ApiResult<Json<Vec<WebhookRow>>> {
    Ok(Json(hooks(&state).webhooks().await?))
}

/// One receiver. Admins only.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(AdminUser(_): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<WebhookRow>> {
    Ok(Json(hooks(&state).webhook(id).await?.ok_or_else(|| no_webhook(id))?))
}

fn no_webhook(id: i64) -> ApiError {
    ApiError::NotFound(format!("no webhook {id}"))
}

/// Remove a receiver; its pending deliveries are dropped (marked failed). Admins only.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(AdminUser(actor): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if hooks(&state).delete_webhook(actor.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_webhook(id))
    }
}

/// Queues a `ping` event to one webhook; returns the delivery id.
pub async fn queue_ping(state: &AppState, webhook: i64) -> ApiResult<i64> {
    let store = hooks(state);
    if store.webhook(webhook).await?.is_none() {
        return Err(no_webhook(webhook));
    }
    let id = webhooks::store::new_event_id();
    let body = webhooks::scan::envelope(&id, PING, json!({ "webhook_id": webhook, "message": "a test delivery from mlgrade" }));
    let key = format!("{PING}:{id}");
    store.raise(&NewEvent { id: &id, kind: PING, dedupe_key: &key, result_id: None, body: &body }, Audience::Webhook(webhook)).await?;
    let delivery = store.deliveries_of_event(&id).await?.into_iter().next().ok_or_else(|| no_webhook(webhook))?;
    Ok(delivery)
}

/// A signed test delivery (`ping`), sent by the delivery workers like any other. Admins only.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/ping", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = Queued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn ping(AdminUser(_): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<(StatusCode, Json<Queued>)> {
    let delivery_id = queue_ping(&state, id).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { delivery_id })))
}

/// Deliveries listed at most.
const LOG_ROWS: i64 = 200;

/// One receiver's deliveries, newest first (at most 200). Admins only.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DeliveryRow>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn deliveries(AdminUser(_): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Vec<DeliveryRow>>> {
    if hooks(&state).webhook(id).await?.is_none() {
        return Err(no_webhook(id));
    }
    Ok(Json(hooks(&state).deliveries(Some(id), LOG_ROWS).await?))
}

/// Every delivery (Greenhouse callbacks too), newest first (at most 200). Admins only.
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", tag = "webhooks",
    responses((status = 200, body = Vec<DeliveryRow>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn all_deliveries(AdminUser(_): AdminUser, State(state): State<AppState>) -> ApiResult<Json<Vec<DeliveryRow>>> {
    Ok(Json(hooks(&state).deliveries(None, LOG_ROWS).await?))
}

/// One delivery with each attempt: when, the receiver's status code, the error. Admins only.
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delivery(AdminUser(_): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<DeliveryRow>> {
    Ok(Json(hooks(&state).delivery(id).await?.ok_or_else(|| ApiError::NotFound(format!("no delivery {id}")))?))
}

/// The same event (same id, so receivers can drop duplicates) queued again. Admins only.
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/resend", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = Queued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn resend(AdminUser(actor): AdminUser, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<(StatusCode, Json<Queued>)> {
    let delivery_id = hooks(&state)
        .resend(actor.id, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no delivery {id} whose webhook still exists")))?;
    Ok((StatusCode::ACCEPTED, Json(Queued { delivery_id })))
}
