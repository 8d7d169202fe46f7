//! The public face of the catalogue: statement, interface, limits, metric. Never hidden file names,
//! never hidden data.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

use super::access::visible_challenge;
use super::error::ApiResult;
use super::AppState;
use crate::accounts::Principal;
use crate::challenge::Challenge;
use crate::domain::Limits;

#[derive(Serialize)]
pub struct MetricView {
    name: &'static str,
    higher_is_better: bool,
    /// Metric value that scores 0.
    zero: f64,
    /// Metric value that scores 100.
    full: f64,
}

#[derive(Serialize)]
pub struct ChallengeSummary {
    slug: String,
    title: String,
    summary: String,
    task: String,
    runtime: String,
    metric: MetricView,
    limits: Limits,
}

#[derive(Serialize)]
pub struct InterfaceView {
    file: String,
    class: &'static str,
    methods: [&'static str; 3],
    optional: [&'static str; 1],
    params: serde_json::Value,
}

#[derive(Serialize)]
pub struct ChallengeDetail {
    #[serde(flatten)]
    summary: ChallengeSummary,
    statement: String,
    starter: String,
    interface: InterfaceView,
    overfitting_max_gap: f64,
    public_fraction: f64,
    hidden_labels_public: bool,
    sample_url: String,
    starter_url: String,
}

fn summary(c: &Challenge) -> ChallengeSummary {
    let g = &c.grading;
    ChallengeSummary {
        slug: c.slug.to_string(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        task: c.task.to_string(),
        runtime: c.runtime.clone(),
        metric: MetricView {
            name: g.metric.name(),
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
    Ok(Json(visible.into_iter().map(summary).collect()))
}

pub async fn detail(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<Json<ChallengeDetail>> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    Ok(Json(ChallengeDetail {
        summary: summary(c),
        statement: c.statement.clone(),
        starter: c.starter.clone(),
        interface: InterfaceView {
            file: c.entry.clone(),
            class: "Model",
            methods: ["__init__(self, **params)", "fit(self, X, y)", "predict(self, X)"],
            optional: ["predict_proba(self, X)"],
            params: c.params.clone(),
        },
        overfitting_max_gap: c.grading.max_gap,
        public_fraction: c.grading.public_fraction,
        hidden_labels_public: c.hidden_labels_public,
        sample_url: format!("/api/v1/challenges/{}/sample.csv", c.slug),
        starter_url: format!("/api/v1/challenges/{}/solution.py", c.slug),
    }))
}

/// The public sample rows, for candidates to try their code locally.
pub async fn sample(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<impl IntoResponse> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    let bytes = tokio::fs::read(&c.public_sample).await.map_err(anyhow::Error::from)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes))
}

pub async fn starter(principal: Principal, State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<impl IntoResponse> {
    let c = visible_challenge(&state, &principal, &slug).await?;
    Ok(([(header::CONTENT_TYPE, "text/x-python; charset=utf-8")], c.starter.clone()))
}
