//! The public face of the catalogue: statement, interface, limits, metric. Never hidden file names,
//! never hidden data.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::access::{visible_challenge, AdminUser};
use super::error::{ApiError, ApiResult};
use super::form;
use super::AppState;
use crate::accounts::{Principal, StaffUser};
use crate::bundle::{self, BundleError, BundleLimits};
use crate::catalogue::{self, Origin};
use crate::challenge::{Challenge, Input, Kind, Task};
use crate::domain::{Limits, Slug};
use crate::pipeline::ReferenceCheck;

#[derive(Serialize, ToSchema)]
pub struct MetricView {
    name: String,
    higher_is_better: bool,
    /// Metric value that scores 0.
    zero: f64,
    /// Metric value that scores 100.
    full: f64,
}

#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
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
    /// The parameters the Model's constructor receives.
    #[schema(value_type = Object)]
    params: serde_json::Value,
}

/// The thresholds of the generalisation checks, so candidates know what is measured.
#[derive(Serialize, ToSchema)]
pub struct ChecksView {
    max_train_test_gap: f64,
    max_public_private_gap: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_train: Option<f64>,
    /// Set when the Model must report its own cross-validated estimate as `cv_score_`.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_optimism: Option<f64>,
}

#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct Published {
    pub slug: String,
    pub version: i64,
    /// The reference and baseline scores against their thresholds.
    #[schema(value_type = Object)]
    pub check: ReferenceCheck,
}

/// `POST /api/v1/challenges`: multipart with `slug` and `bundle` (a `.tar.gz` or `.zip` laid out like a
/// catalogue folder). The bundle is streamed to a staging folder and unpacked there, its manifest and
/// files validated, its reference and baseline run in the sandbox; only then does it become the slug's
/// next version. Any refusal, and a client that goes away, leaves nothing behind.
pub async fn upload(
    AdminUser(admin): AdminUser,
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Published>)> {
    let form = form.map_err(super::error::not_multipart)?;
    let (slug, staged) = tokio::time::timeout(form::bundle_body_timeout(MAX_BUNDLE_BYTES), read_upload(form, &state))
        .await
        .map_err(|_| ApiError::RequestTimeout("the bundle did not arrive in time".into()))??;
    let slug = slug.ok_or_else(|| ApiError::BadRequest("missing field 'slug'".into()))?;
    let staged = staged.ok_or_else(|| ApiError::BadRequest("missing field 'bundle'".into()))?;
    let published = publish(&state, &admin, &slug, staged).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

async fn read_upload(mut form: Multipart, state: &AppState) -> ApiResult<(Option<String>, Option<form::StagedBundle>)> {
    let (mut slug, mut staged) = (None, None);
    while let Some(field) = form.next_field().await.map_err(form::multipart_error)? {
        match field.name() {
            Some("slug") => slug = Some(form::text(field, form::MAX_TEXT_BYTES).await?),
            Some("bundle") => staged = Some(form::stage_bundle(field, &state.data_dir, MAX_BUNDLE_BYTES).await?),
            other => return Err(super::submissions::unexpected_field(other)),
        }
    }
    Ok((slug, staged))
}

/// Validates a staged bundle and publishes it as the next version of `slug`; shared by the API and
/// the challenges page. Writes the publication to the audit log. The staging folder goes when
/// `staged` is dropped, whichever way this returns.
pub async fn publish(state: &AppState, admin: &StaffUser, slug: &str, staged: form::StagedBundle) -> ApiResult<Published> {
    let slug: Slug = slug.trim().parse().map_err(ApiError::BadRequest)?;

    // The staging folder moves into the blocking task and back: if the request is dropped while the
    // archive is unpacking, the task still owns the folder and removes it once it stops writing.
    let (staged, folder) = tokio::task::spawn_blocking(move || {
        let dest = staged.dir.path().join("unpacked");
        let unpacked = std::fs::create_dir(&dest)
            .map_err(|e| BundleError::Damaged(e.to_string()))
            .and_then(|()| bundle::unpack_file(&staged.archive, &dest, BundleLimits::default()));
        // The archive is not needed once unpacked; its space is freed before the sandbox runs.
        let _ = std::fs::remove_file(&staged.archive);
        unpacked.map(|folder| (staged, folder))
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(bundle_error)?;

    let loader = state.grader.catalogue.loader().clone();
    let candidate = Challenge::load_as(slug.clone(), 0, &folder, &loader.runtimes, &loader.generated_root)
        .map_err(|e| ApiError::Unprocessable(strip_staging(&e.to_string(), &folder)))?;
    // Data generated for a bundle that is then refused (or abandoned mid-generation) is removed.
    let mut fresh_data = FreshData(
        candidate.generator.as_ref().filter(|g| !g.out.join(crate::generate::COMPLETE).is_file()).map(|g| g.out.clone()),
    );
    crate::generate::ensure(&state.grader, &candidate, crate::generate::Deployment::Shared(&state.store))
        .await
        .map_err(|e| ApiError::Unprocessable(format!("the data generator failed: {e:#}")))?;
    let check = state.grader.check_reference(&candidate, crate::cli::cli_labels()).await?;
    if !check.failures.is_empty() {
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
    fresh_data.keep();
    drop(staged);
    tracing::info!(challenge = %slug, version, "published an uploaded bundle");
    state.access.db.audit(admin.id, "publish challenge", slug.as_str(), &format!("version {version}")).await?;
    Ok(Published { slug: slug.to_string(), version, check })
}

/// Generated data of a bundle under test: removed on drop unless the bundle was published.
struct FreshData(Option<std::path::PathBuf>);

impl FreshData {
    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for FreshData {
    fn drop(&mut self) {
        if let Some(out) = self.0.take() {
            let _ = std::fs::remove_dir_all(out);
        }
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
