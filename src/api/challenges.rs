//! The public face of the catalogue: statement, interface, limits, metric. Never hidden file names,
//! never hidden data.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

use super::access::{visible_challenge, AdminUser};
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::accounts::{Principal, StaffUser};
use crate::bundle::{self, BundleError, BundleLimits};
use crate::catalogue::{self, Origin};
use crate::challenge::{Challenge, Input, Kind, Task};
use crate::domain::{Limits, Slug};
use crate::pipeline::ReferenceCheck;

#[derive(Serialize)]
pub struct MetricView {
    name: String,
    higher_is_better: bool,
    /// Metric value that scores 0.
    zero: f64,
    /// Metric value that scores 100.
    full: f64,
}

#[derive(Serialize)]
pub struct ChallengeSummary {
    slug: String,
    version: i64,
    title: String,
    summary: String,
    task: String,
    runtime: String,
    metric: MetricView,
    limits: Limits,
}

/// What the candidate writes: the predict contract, or for a scored challenge whatever its statement
/// asks for in the entry file.
#[derive(Serialize)]
pub struct InterfaceView {
    file: String,
    kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'static str>,
    methods: Vec<String>,
    optional: Vec<String>,
    /// What `X` is: a numpy array or a pandas DataFrame.
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<Input>,
    params: serde_json::Value,
}

/// The thresholds of the generalisation checks, so candidates know what is measured.
#[derive(Serialize)]
pub struct ChecksView {
    max_train_test_gap: f64,
    max_public_private_gap: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_train: Option<f64>,
    /// Set when the Model must report its own cross-validated estimate as `cv_score_`.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_optimism: Option<f64>,
}

#[derive(Serialize)]
pub struct ChallengeDetail {
    #[serde(flatten)]
    summary: ChallengeSummary,
    statement: String,
    starter: String,
    interface: InterfaceView,
    checks: ChecksView,
    public_fraction: f64,
    hidden_labels_public: bool,
    sample_url: String,
    starter_url: String,
    /// Further files the statement refers to, each with its download address.
    files: Vec<PublicFile>,
}

#[derive(Serialize)]
pub struct PublicFile {
    path: String,
    url: String,
}

fn summary(c: &Challenge) -> ChallengeSummary {
    let g = &c.grading;
    ChallengeSummary {
        slug: c.slug.to_string(),
        version: c.version,
        title: c.title.clone(),
        summary: c.summary.clone(),
        task: c.task.to_string(),
        runtime: c.runtime.clone(),
        metric: MetricView {
            name: g.metric.name().to_owned(),
            higher_is_better: g.metric.higher_is_better(),
            zero: g.zero,
            full: g.full,
        },
        limits: c.limits,
    }
}

/// Every challenge for staff; the invited ones for a candidate.
pub async fn list(principal: Principal, State(state): State<AppState>) -> ApiResult<Json<Vec<ChallengeSummary>>> {
    let visible = super::access::visible_challenges(&state, &principal).await?;
    Ok(Json(visible.iter().map(|c| summary(c)).collect()))
}

pub async fn detail(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<Json<ChallengeDetail>> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    Ok(Json(ChallengeDetail {
        summary: summary(&c),
        statement: c.statement.clone(),
        starter: c.starter.clone(),
        interface: interface(&c),
        checks: ChecksView {
            max_train_test_gap: c.grading.max_gap,
            max_public_private_gap: c.grading.max_public_gap,
            min_train: c.grading.min_train,
            max_optimism: c.grading.max_optimism,
        },
        public_fraction: c.grading.public_fraction,
        hidden_labels_public: c.hidden_labels_public,
        sample_url: format!("/api/v1/challenges/{}/sample.csv", c.slug),
        starter_url: format!("/api/v1/challenges/{}/solution.py", c.slug),
        files: c
            .public_files
            .iter()
            .map(|(rel, _)| PublicFile { path: rel.clone(), url: format!("/api/v1/challenges/{}/files/{rel}", c.slug) })
            .collect(),
    }))
}

fn interface(c: &Challenge) -> InterfaceView {
    let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (class, methods, optional, input) = match (c.kind, c.task) {
        (Kind::Scored, _) => (None, Vec::new(), Vec::new(), None),
        (Kind::Predict, Task::Clustering) => {
            (Some("Model"), owned(&["__init__(self, **params)", "fit(self, X)", "predict(self, X)"]), Vec::new(), Some(c.input))
        }
        (Kind::Predict, task) => {
            let mut optional = Vec::new();
            if task == Task::Classification {
                optional.push("predict_proba(self, X)".to_owned());
            }
            if c.grading.max_optimism.is_some() {
                optional.push("cv_score_ (attribute set by fit: your own cross-validated estimate; required here)".to_owned());
            }
            (Some("Model"), owned(&["__init__(self, **params)", "fit(self, X, y)", "predict(self, X)"]), optional, Some(c.input))
        }
    };
    InterfaceView { file: c.entry.clone(), kind: c.kind, class, methods, optional, input, params: c.params.clone() }
}

/// The public sample rows, for candidates to try their code locally.
pub async fn sample(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<impl IntoResponse> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    let bytes = tokio::fs::read(&c.public_sample).await.map_err(anyhow::Error::from)?;
    let kind = match c.public_sample.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        _ => "text/csv; charset=utf-8",
    };
    Ok(([(header::CONTENT_TYPE, kind)], bytes))
}

/// `GET /api/v1/challenges/{slug}/files/{*path}`: one of the files the manifest makes public.
pub async fn public_file(
    principal: Principal,
    State(state): State<AppState>,
    Path((slug, path)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    let bytes = read_public_file(&c, &path).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes))
}

/// The bytes of a listed public file; anything not listed is a 404, whatever exists on disk.
pub async fn read_public_file(c: &Challenge, rel: &str) -> ApiResult<Vec<u8>> {
    let (_, path) = c
        .public_files
        .iter()
        .find(|(listed, _)| listed == rel)
        .ok_or_else(|| ApiError::NotFound(format!("'{rel}' is not a public file of this challenge")))?;
    Ok(tokio::fs::read(path).await.map_err(anyhow::Error::from)?)
}

pub async fn starter(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<impl IntoResponse> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    Ok(([(header::CONTENT_TYPE, "text/x-python; charset=utf-8")], c.starter.clone()))
}

/// Largest bundle accepted by `POST /api/v1/challenges`.
pub const MAX_BUNDLE_BYTES: usize = 64 << 20;

#[derive(Serialize)]
pub struct Published {
    pub slug: String,
    pub version: i64,
    pub check: ReferenceCheck,
}

/// `POST /api/v1/challenges`: multipart with `slug` and `bundle` (a `.tar.gz` or `.zip` laid out like a
/// catalogue folder). The bundle is unpacked into a staging folder, its manifest and files validated,
/// its reference and baseline run in the sandbox; only then does it become the slug's next version.
/// Any refusal leaves nothing behind.
pub async fn upload(
    AdminUser(admin): AdminUser,
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Published>)> {
    let mut form = form.map_err(super::error::not_multipart)?;
    let mut slug = None;
    let mut archive = None;
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        match field.name() {
            Some("slug") => slug = Some(field.text().await.map_err(form_error)?),
            Some("bundle") => archive = Some(field.bytes().await.map_err(form_error)?),
            _ => {}
        }
    }
    let slug = slug.ok_or_else(|| ApiError::BadRequest("missing field 'slug'".into()))?;
    let archive = archive.ok_or_else(|| ApiError::BadRequest("missing field 'bundle'".into()))?;
    let published = publish(&state, &admin, &slug, archive).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

/// Validates a bundle and publishes it as the next version of `slug`; shared by the API and the
/// challenges page. Writes the publication to the audit log.
pub async fn publish(state: &AppState, admin: &StaffUser, slug: &str, archive: bytes::Bytes) -> ApiResult<Published> {
    let slug: Slug = slug.trim().parse().map_err(ApiError::BadRequest)?;

    let staging_root = state.data_dir.join("staging");
    std::fs::create_dir_all(&staging_root).map_err(anyhow::Error::from)?;
    let staging = tempfile::tempdir_in(&staging_root).map_err(anyhow::Error::from)?;
    let folder = tokio::task::spawn_blocking({
        let dest = staging.path().to_owned();
        move || bundle::unpack(&archive, &dest, BundleLimits::default())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(bundle_error)?;

    let loader = state.grader.catalogue.loader().clone();
    let candidate = Challenge::load_as(slug.clone(), 0, &folder, &loader.runtimes, &loader.generated_root)
        .map_err(|e| ApiError::Unprocessable(strip_staging(&e.to_string(), &folder)))?;
    let generated = crate::generate::ensure(&state.grader, &candidate, &state.data_dir)
        .await
        .map_err(|e| ApiError::Unprocessable(format!("the data generator failed: {e:#}")))?;
    let check = state.grader.check_reference(&candidate, crate::cli::cli_labels()).await?;
    if !check.failures.is_empty() {
        if generated {
            if let Some(generator) = &candidate.generator {
                let _ = std::fs::remove_dir_all(&generator.out);
            }
        }
        return Err(ApiError::Unprocessable(format!("the bundle was not published: {}", check.failures.join("; "))));
    }

    let hash = catalogue::content_hash(&folder)?;
    let versions_root = state.grader.catalogue.versions_root().ok_or_else(|| anyhow::anyhow!("no versions folder"))?.to_owned();
    let version = catalogue::publish_dir(&state.store, &versions_root, &slug, &folder, &hash, Origin::Upload).await?;
    let published = Challenge::load_as(
        slug.clone(),
        version,
        &catalogue::version_dir(&versions_root, &slug, version),
        &loader.runtimes,
        &loader.generated_root,
    )
    .map_err(anyhow::Error::from)?;
    state.grader.catalogue.publish(published);
    tracing::info!(challenge = %slug, version, "published an uploaded bundle");
    state.access.db.audit(admin.id, "publish challenge", slug.as_str(), &format!("version {version}")).await?;
    Ok(Published { slug: slug.to_string(), version, check })
}

fn form_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(format!("the bundle passes the {MAX_BUNDLE_BYTES}-byte limit"))
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn bundle_error(e: BundleError) -> ApiError {
    match e {
        BundleError::TooLarge(m) => ApiError::PayloadTooLarge(m),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Manifest errors name the file inside the bundle, not the staging folder on the server.
fn strip_staging(message: &str, folder: &std::path::Path) -> String {
    message.replace(&format!("{}/", folder.display()), "")
}
