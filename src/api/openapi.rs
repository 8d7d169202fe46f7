//! The API description, generated with `utoipa` from the handlers' annotations and the response types,
//! served at `/api/openapi.json` and shown as a plain page at `/api/docs` (no script, no CDN).
//!
//! The endpoints of the core contract are described here, beside their handlers' module, by the
//! `*_doc` items below; the access-control endpoints carry their annotations on the handlers
//! themselves (`api::accounts`). Every body's schema is derived from the type the handler serialises
//! (`SubmissionView`, `Report`, `ErrorBody` …), never from a copy of it, so the document cannot drift
//! from what is sent; the multipart forms, which no type deserialises, are the only schemas written
//! here. Tests check that every API route is in the document and that every field a live service
//! sends is declared in it.

#![allow(dead_code)] // The `*_doc` functions and form schemas exist only to be read by the macros.


use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::html;
use serde_json::Value;

use super::error::ErrorBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};


/// The form of `POST /api/v1/submissions`.
#[derive(ToSchema)]
pub struct SubmissionForm {
    /// The challenge's slug.
    #[schema(min_length = 1, max_length = 1000)]
    challenge: String,
    /// The Python source: UTF-8 text without NUL bytes, up to the service's size cap (256 KiB unless
    /// configured otherwise).
    #[schema(min_length = 1, max_length = 65536, pattern = "^[^\\x00]+$")]
    file: String,
}

/// The form of `POST /api/v1/challenges/{slug}/practice`.
#[derive(ToSchema)]
pub struct PracticeForm {
    /// The Python source, as for a submission.
    #[schema(min_length = 1, max_length = 65536, pattern = "^[^\\x00]+$")]
    file: String,
}

/// The form of `POST /api/v1/challenges`.
#[derive(ToSchema)]
pub struct BundleForm {
    /// The challenge's slug: 1–64 lowercase letters, digits and single dashes.
    #[schema(max_length = 1000)]
    slug: String,
    /// A `.tar.gz` or `.zip` laid out like a catalogue folder, at most 64 MiB.
    #[schema(value_type = String, format = Binary)]
    bundle: Vec<u8>,
}

/// The database and the Docker engine answer.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, body = super::Health), (status = 503, body = ErrorBody)))]
fn healthz_doc() {}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "service", responses((status = 200, description = "OpenAPI 3.1")))]
fn openapi_doc() {}

/// Submit a Python file: multipart with `challenge` (a slug) and `file`. A candidate may submit only
/// to its invited challenges, within its limit and after its cooldown.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "submissions",
    request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses((status = 202, body = super::submissions::Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "unknown or uninvited challenge"), (status = 413, body = ErrorBody),
              (status = 429, body = ErrorBody, description = "cooldown (with Retry-After), submission limit, or staff rate limit")),
    security(("bearer" = [])))]
fn create_submission_doc() {}

/// A submission: everything for staff; for a candidate its own, public part only (`CandidateSubmission`).
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions", params(("id" = String, Path)),
    responses((status = 200, body = super::submissions::SubmissionAnswer), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "no such submission, or not the candidate's own")),
    security(("bearer" = [])))]
fn get_submission_doc() {}

/// The test predictions as CSV (`row,part,prediction[,proba_…]`). Staff only.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/predictions", tag = "submissions", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn predictions_doc() {}

/// Grade a completed submission again on the challenge's current version; earlier results stay in its
/// `history`. Admins only.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/regrade", tag = "submissions", params(("id" = String, Path)),
    responses((status = 202, body = super::submissions::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "still being graded")),
    security(("bearer" = [])))]
fn regrade_doc() {}

/// Publish a challenge bundle (multipart `slug` and `bundle`, a `.tar.gz` or `.zip` laid out like a
/// catalogue folder) as the slug's next version, after validating it and running its reference and
/// baseline in the sandbox. Admins only.
#[utoipa::path(post, path = "/api/v1/challenges", tag = "challenges",
    request_body(content = BundleForm, content_type = "multipart/form-data"),
    responses((status = 201, body = super::challenges::Published),
              (status = 400, body = ErrorBody, description = "a missing field, a damaged archive, a traversal path or a link"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody, description = "the bundle or one of its files passes a size bound"),
              (status = 422, body = ErrorBody, description = "a manifest error (file, field, problem) or a reference below its score")),
    security(("bearer" = [])))]
fn upload_doc() {}

/// Challenges: all for staff, the invited ones for a candidate.
#[utoipa::path(get, path = "/api/v1/challenges", tag = "challenges",
    responses((status = 200, body = Vec<super::challenges::ChallengeSummary>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
fn challenges_doc() {}

/// One challenge's public facts; never hidden file names or data.
#[utoipa::path(get, path = "/api/v1/challenges/{slug}", tag = "challenges", params(("slug" = String, Path)),
    responses((status = 200, body = super::challenges::ChallengeDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn challenge_doc() {}

/// The public sample rows: CSV, or JSON for a challenge whose sample is a document (its statement says
/// which).
#[utoipa::path(get, path = "/api/v1/challenges/{slug}/sample.csv", tag = "challenges", params(("slug" = String, Path)),
    responses((status = 200, content((String = "text/csv"), (serde_json::Value = "application/json"))), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn sample_doc() {}

/// The starter solution.
#[utoipa::path(get, path = "/api/v1/challenges/{slug}/solution.py", tag = "challenges", params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/x-python"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn starter_doc() {}

/// A further file the challenge makes public (listed under `files` in its detail): a data generator
/// to practise with, a local harness. Nothing else in the challenge folder is served.
#[utoipa::path(get, path = "/api/v1/challenges/{slug}/files/{path}", tag = "challenges",
    params(("slug" = String, Path), ("path" = String, Path, description = "the file's path in the challenge folder")),
    responses((status = 200, content_type = "text/plain"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn public_file_doc() {}

// ---- practice runs ----

/// Run a Python file on the challenge's public sample (multipart `file`): trained on three of every
/// four sample rows and scored on the fourth, never on hidden rows. Takes nothing from the submission
/// limit or the cooldown; limited per hour on its own (`MLGRADE_PRACTICE_RUNS_PER_HOUR`).
#[utoipa::path(post, path = "/api/v1/challenges/{slug}/practice", tag = "practice", params(("slug" = String, Path)),
    request_body(content = PracticeForm, content_type = "multipart/form-data"),
    responses((status = 202, body = super::practice::PracticeAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "unknown or uninvited challenge"),
              (status = 409, body = ErrorBody, description = "the challenge is graded by its own scoring program and has no sample rows"),
              (status = 413, body = ErrorBody), (status = 429, body = ErrorBody, description = "the hourly practice limit (with Retry-After)")),
    security(("bearer" = [])))]
fn create_practice_doc() {}

/// A practice run, like a submission: status, verdict, score and metrics on the held-out sample rows,
/// message, log. Staff see every run; a candidate its own.
#[utoipa::path(get, path = "/api/v1/practice/{id}", tag = "practice", params(("id" = String, Path)),
    responses((status = 200, body = super::practice::PracticeView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
fn get_practice_doc() {}

/// Move an invitation's expiry later (`{"hours": 24}`), counted from now when it has passed. Staff only.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/extend", tag = "invitations", params(("id" = String, Path)),
    request_body = super::invitations::ExtendRequest,
    responses((status = 200, body = crate::accounts::store::InvitationRow), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such unrevoked invitation")),
    security(("bearer" = [])))]
fn extend_invitation_doc() {}

/// Add submissions to one challenge of an invitation (`{"challenge": "slug", "more": 2}`). Staff only.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/attempts", tag = "invitations", params(("id" = String, Path)),
    request_body = super::invitations::AttemptsRequest,
    responses((status = 200, body = crate::accounts::store::InvitationRow), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such unrevoked invitation, or not that challenge")),
    security(("bearer" = [])))]
fn add_attempts_doc() {}

/// A new link for a lost one: the old token and its sessions stop; submissions, limits and the clock
/// stay. The new token is shown once (and e-mailed when SMTP is configured, unless `send_email` is
/// false). Staff only.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/reissue", tag = "invitations", params(("id" = String, Path)),
    request_body(content = super::invitations::ReissueRequest, description = "optional: an empty body keeps the defaults"),
    responses((status = 200, body = super::invitations::Reissued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "no such unrevoked invitation")),
    security(("bearer" = [])))]
fn reissue_invitation_doc() {}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The admin token, a staff API token, or a candidate's invitation token"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        let basic = HttpBuilder::new()
            .scheme(HttpAuthScheme::Basic)
            .description(Some("Greenhouse: an admin's API key as the user name, the password empty"))
            .build();
        components.add_security_scheme("greenhouse", SecurityScheme::Http(basic));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mlgrade", description = "Sandboxed grading of machine-learning coding challenges. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&BearerAuth),
    paths(
        healthz_doc, openapi_doc,
        create_submission_doc, get_submission_doc, predictions_doc, regrade_doc,
        challenges_doc, upload_doc, challenge_doc, sample_doc, starter_doc, public_file_doc,
        create_practice_doc, get_practice_doc, extend_invitation_doc, add_attempts_doc, reissue_invitation_doc,
        super::accounts::me, super::accounts::list_submissions, super::accounts::results_csv,
        super::accounts::post_invitation, super::accounts::list_invitations, super::accounts::get_invitation,
        super::accounts::revoke_invitation,
        super::accounts::post_token, super::accounts::list_tokens, super::accounts::revoke_token,
        super::accounts::post_user, super::accounts::list_users, super::accounts::disable_user, super::accounts::audit_log,
        super::webhooks::create, super::webhooks::list, super::webhooks::get, super::webhooks::delete, super::webhooks::ping,
        super::webhooks::deliveries, super::webhooks::all_deliveries, super::webhooks::delivery, super::webhooks::resend,
        super::greenhouse::list_tests, super::greenhouse::send_test, super::greenhouse::test_status, super::greenhouse::response_error,
    ),
    components(schemas(super::access::CandidateSubmission))
)]
pub struct ApiDoc;

/// The document as JSON. The annotations list what each handler answers by itself; added here are
/// the answers every route shares, so the document lists every status a route can give: a malformed
/// path, query or body (400), a body over its limit (413) or of the wrong type (415), a missing token
/// (401), the request deadline (408) and a fault of the service (500). Every error has the error body.
pub fn json() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the API document serialises");
    flattened_options(&mut doc);
    // The forms take their fields and nothing else.
    for form in ["SubmissionForm", "PracticeForm", "BundleForm"] {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{form}")) {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
    let operations = doc["paths"].as_object_mut().into_iter().flat_map(|p| p.values_mut()).filter_map(Value::as_object_mut).flat_map(|i| i.values_mut());
    for op in operations {
        let shared = shared_statuses(op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
        for status in shared {
            responses.entry(status).or_insert_with(|| serde_json::json!({ "description": "" }));
        }
        for (status, response) in responses.iter_mut() {
            if response["description"].as_str().is_some_and(str::is_empty) {
                response["description"] = Value::from(standard_meaning(status));
            }
            if (status.starts_with('4') || status.starts_with('5')) && response.get("content").is_none() {
                response["content"] = serde_json::json!({ "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } });
            }
        }
    }
    doc
}

/// The statuses an operation can answer whatever its handler does.
fn shared_statuses(op: &Value) -> Vec<String> {
    let mut statuses = vec!["500"];
    let public = op.get("security").is_none();
    if !public {
        statuses.extend(["401", "408"]);
    }
    if op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty()) {
        statuses.push("400");
    }
    if let Some(body) = op.get("requestBody") {
        statuses.extend(["400", "413"]);
        if body.pointer("/content/application~1json").is_some() {
            statuses.push("415");
        }
    }
    statuses.into_iter().map(str::to_owned).collect()
}

fn standard_meaning(status: &str) -> &'static str {
    match status {
        "200" => "done",
        "201" => "created",
        "204" => "done; no body",
        "400" => "a field is missing or wrong; the message says which",
        "401" => "no valid token, or an expired or revoked invitation",
        "403" => "the token's role may not do this",
        "404" => "no such thing, or not visible to this caller",
        "408" => "the request took longer than the service allows",
        "413" => "the body is larger than this route accepts",
        "415" => "the body is not of the type this route takes",
        "500" => "a fault of the service; it has been logged",
        _ => "see the error message",
    }
}

pub async fn document() -> Json<Value> {
    Json(json())
}

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// `/api/docs`: the document as a page, server-rendered.
pub async fn page(crate::web::MaybeViewer(viewer): crate::web::MaybeViewer) -> Response {
    let doc = json();
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let schema_name = |v: &Value| -> String {
        let r = v.pointer("/content/application~1json/schema").unwrap_or(&Value::Null);
        if let Some(s) = r["$ref"].as_str() {
            return s.rsplit('/').next().unwrap_or(s).to_owned();
        }
        if let Some(s) = r.pointer("/items/$ref").and_then(Value::as_str) {
            return format!("list of {}", s.rsplit('/').next().unwrap_or(s));
        }
        v["content"].as_object().and_then(|c| c.keys().next().cloned()).unwrap_or_default()
    };
    let body = html! {
        p { "Every endpoint, from " a href="/api/openapi.json" { "/api/openapi.json" } ". Send tokens as "
            code { "Authorization: Bearer TOKEN" } ": the admin token, an API token from the " a href="/tokens" { "tokens page" }
            ", or a candidate's invitation token." }
        nav aria-label="Endpoints" { ul { @for (path, item) in paths { @for m in METHODS { @if item.get(*m).is_some() {
            li { a href=(format!("#{}-{}", m, anchor(path))) { code { (m.to_uppercase()) " " (path) } } }
        } } } } }
        @for (path, item) in paths { @for m in METHODS { @if let Some(op) = item.get(*m) {
            section id=(format!("{}-{}", m, anchor(path))) {
                h2 { code { (m.to_uppercase()) " " (path) } }
                @if let Some(s) = op["summary"].as_str() { p { (s) } }
                @if let Some(d) = op["description"].as_str() { p { (d) } }
                @if let Some(params) = op["parameters"].as_array() {
                    p { "Parameters: " @for p in params { code { (p["name"].as_str().unwrap_or("")) } " (" (p["in"].as_str().unwrap_or("")) ") " } }
                }
                @if let Some(rb) = op.get("requestBody") {
                    p { "Body: " (schema_name(rb)) @if let Some(d) = rb["description"].as_str() { " — " (d) } }
                }
                table {
                    thead { tr { th { "Status" } th { "Meaning" } th { "Body" } } }
                    tbody { @for (status, r) in op["responses"].as_object().unwrap_or(&empty) { tr {
                        td { (status) } td { (r["description"].as_str().unwrap_or("")) } td { (schema_name(r)) }
                    } } }
                }
            }
        } } }
        h2 { "Schemas" }
        @for (name, schema) in doc.pointer("/components/schemas").and_then(Value::as_object).unwrap_or(&empty) {
            section id=(format!("schema-{name}")) {
                h3 { (name) }
                @if let Some(d) = schema["description"].as_str() { p { (d) } }
                @if let Some(props) = schema["properties"].as_object() {
                    table { tbody { @for (field, p) in props { tr {
                        td { code { (field) } } td { (type_of(p)) } td { (p["description"].as_str().unwrap_or("")) }
                    } } } }
                }
            }
        }
    };
    crate::web::render_page("API", viewer.as_ref(), body).into_response()
}

fn anchor(path: &str) -> String {
    path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

fn type_of(p: &Value) -> String {
    if let Some(r) = p["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match &p["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" or "),
        _ => p["oneOf"].as_array().map(|_| "one of several".to_owned()).unwrap_or_else(|| "object".into()),
    }
}


/// A flattened `Option` (a submission's result: every result field, or none while it is queued) comes
/// out of the derive as "null or the result", which no object matches; OpenAPI has no word for "all of
/// these fields or none of them", so the document says the nearest true thing: the object is a full
/// result, or it lacks some of the result's required fields.
fn flattened_options(doc: &mut Value) {
    let schemas = doc.pointer("/components/schemas").cloned().unwrap_or(Value::Null);
    let Some(all) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for schema in all.values_mut() {
        let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) else { continue };
        for part in parts.iter_mut() {
            let Some(target) = nullable_ref(part) else { continue };
            let required = required_fields(&schemas, &target);
            *part = serde_json::json!({ "anyOf": [
                { "$ref": target },
                { "type": "object", "not": { "required": required } },
            ] });
        }
    }
}

/// The `$ref` of a `oneOf: [null, {$ref}]`.
fn nullable_ref(part: &Value) -> Option<String> {
    let options = part.get("oneOf")?.as_array()?;
    if options.len() != 2 || !options.iter().any(|o| o["type"] == "null") {
        return None;
    }
    options.iter().find_map(|o| o["$ref"].as_str().map(str::to_owned))
}

/// Every required field of a schema, through `$ref`s and `allOf`s.
fn required_fields(schemas: &Value, reference: &str) -> Vec<Value> {
    let name = reference.rsplit('/').next().unwrap_or(reference);
    let schema = &schemas[name];
    let mut out: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        match part["$ref"].as_str() {
            Some(r) => out.extend(required_fields(schemas, r)),
            None => out.extend(part["required"].as_array().cloned().unwrap_or_default()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The API's routes as the router declares them in `api/mod.rs`: every `.route("path", get(…)
    /// .post(…))` up to the pages' router, those of the `/api/v1` router prefixed.
    fn routed() -> BTreeSet<String> {
        let source = include_str!("mod.rs");
        let body = &source[source.find("pub fn router(").expect("the router")..];
        let body = &body[..body.find(".merge(crate::web::router").expect("the pages are merged after the API")];
        let nested_from = body.find("Router::new()\n        .route(\"/healthz\"").expect("the outer router");
        let mut out = BTreeSet::new();
        for (at, _) in body.match_indices(".route(") {
            let rest = &body[at + 7..];
            let rest = rest.trim_start();
            let Some(rest) = rest.strip_prefix('"') else { continue };
            let path = &rest[..rest.find('"').unwrap()];
            // The methods: up to the next route.
            let end = rest.find(".route(").unwrap_or(rest.len());
            let prefix = if at < nested_from { "/api/v1" } else { "" };
            for method in ["get", "post", "put", "patch", "delete"] {
                let call = format!("{method}(");
                let found = rest[..end].match_indices(&call).any(|(i, _)| i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric() && rest.as_bytes()[i - 1] != b'_');
                if found {
                    out.insert(format!("{} {prefix}{}", method.to_uppercase(), path.replace("{*path}", "{path}")));
                }
            }
        }
        out
    }

    #[test]
    fn every_route_of_the_router_is_in_the_document_and_nothing_else() {
        let doc = json();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
        let routed = routed();
        assert!(routed.len() > 30, "the router's routes were found: {routed:?}");
        assert_eq!(documented, routed, "the document and the router differ");
    }

    #[test]
    fn a_queued_submission_and_a_graded_one_both_fit_the_schema() {
        let doc = json();
        let view = &doc["components"]["schemas"]["SubmissionView"];
        let result = view["allOf"].as_array().unwrap().iter().find(|p| p.get("anyOf").is_some()).expect("the result part");
        assert_eq!(result["anyOf"][0]["$ref"], "#/components/schemas/ResultView");
        let missing = result["anyOf"][1]["not"]["required"].as_array().unwrap();
        for field in ["verdict", "metrics", "log", "duration_ms"] {
            assert!(missing.iter().any(|f| f == field), "{field} is among the result's fields: {missing:?}");
        }
    }
}
