//! The pages a candidate uses (staff open the same addresses and see more): the landing page, a
//! challenge with its submission form, and a submission whose status updates live.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::{html, Markup};
use serde::Serialize;

use super::layout::{badge, csrf_field, interval, metric_iv, num, score_iv, trusted, Page, SCORE_DECIMALS};
use super::session::Viewer;
use super::{staff, PageError, PageResult};
use crate::accounts::store::{InvitationRow, SubmissionFilter, SubmissionRow};
use crate::accounts::time::{format_utc, span};
use crate::accounts::{Invitee, Principal};
use crate::api::access::{candidate_view, visible_challenge, visible_submission};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::challenge::Challenge;
use crate::store::{now_ms, Status};

/// `/`: the candidate's landing page; staff go to their dashboard, anyone else to sign in (a
/// candidate whose invitation closed is told so).
pub async fn home(State(state): State<AppState>, viewer: Result<Viewer, PageError>) -> PageResult<Response> {
    let viewer = match viewer {
        Ok(v) => v,
        Err(PageError::SignIn { .. }) => return Ok(Redirect::to("/login").into_response()),
        Err(e) => return Err(e),
    };
    let Principal::Candidate(candidate) = &viewer.principal else { return Ok(Redirect::to("/dashboard").into_response()) };
    let invitation = invitation_of(&state, candidate).await?;
    let filter = SubmissionFilter { invitation: Some(candidate.invitation_id.clone()), ..Default::default() };
    let submissions = state.access.db.submissions(&filter, 200).await?;
    let now = now_ms();
    let body = html! {
        p { "Hello " (candidate.name) ". Your invitation is open until " (format_utc(invitation.expires_at)) " (" (span(invitation.expires_at - now)) " from now)." }
        (cooldown_note(&invitation, now))
        h2 { "Your challenges" }
        table {
            thead { tr { th { "Challenge" } th { "What it asks" } th { "Metric" } th.n { "Submissions left" } } }
            tbody {
                @for q in &invitation.challenges {
                    @let c = state.grader.catalogue.get(&q.challenge);
                    @let c = c.as_deref();
                    tr {
                        td { a href=(format!("/challenges/{}", q.challenge)) { (c.map(|c| c.title.as_str()).unwrap_or(&q.challenge)) } }
                        td { (c.map(|c| c.summary.as_str()).unwrap_or("")) }
                        td { (c.map(|c| c.grading.metric.name()).unwrap_or("")) }
                        td.n { (q.remaining()) " of " (q.limit) }
                    }
                }
            }
        }
        h2 { "Your submissions" }
        (candidate_submissions(&state, &submissions))
    };
    Ok(Page::new("Your invitation").render(Some(&viewer), body).into_response())
}

async fn invitation_of(state: &AppState, candidate: &Invitee) -> PageResult<InvitationRow> {
    Ok(state.access.db.invitation(&candidate.invitation_id).await?.ok_or(ApiError::InvitationClosed)?)
}

fn cooldown_note(invitation: &InvitationRow, now: i64) -> Markup {
    let left = invitation.cooldown_left_ms(now);
    html! {
        @if left > 0 {
            p.hint role="status" { "You can submit again in " (span(left)) " (there is a pause of " (invitation.cooldown_seconds) " s between submissions)." }
        }
    }
}

fn candidate_submissions(state: &AppState, rows: &[SubmissionRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.hint { "None yet." }
        } @else {
            table {
                thead { tr { th { "Submitted" } th { "Challenge" } th { "Status" } th { "Verdict" } th.n { "Public score" } } }
                tbody {
                    @for r in rows {
                        @let view = candidate_view(r, state.grader.catalogue.get(&r.challenge));
                        @let iv = r.report.as_ref().and_then(staff::public_interval);
                        tr {
                            td { a href=(format!("/submissions/{}", r.id)) { (format_utc(r.created_at)) } }
                            td { (r.challenge) }
                            td { (badge(status_word(r.status))) }
                            td { @if let Some(v) = view.verdict { (badge(v.as_str())) } }
                            td.n { (score_iv(view.public_score, iv)) }
                        }
                    }
                }
            }
        }
    }
}

pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Queued => "queued",
        Status::Running => "running",
        Status::Completed => "completed",
    }
}

/// `/challenges/{slug}`: statement, downloads, limits; the submission form for a candidate.
pub async fn challenge(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> PageResult<Response> {
    let c = visible_challenge(&state, &viewer.principal, &slug).await?;
    let form = match &viewer.principal {
        Principal::Candidate(candidate) => submission_form(&viewer, &c, &invitation_of(&state, candidate).await?),
        Principal::Staff(_) => html! {
            p { a href=(format!("/leaderboard/{}", c.slug)) { "Leaderboard of this challenge" } }
        },
    };
    let body = html! {
        p { (c.summary) }
        (facts(&c))
        p {
            a href=(format!("/challenges/{}/solution.py", c.slug)) download { "Download the starter solution.py" }
            " · "
            a href=(format!("/challenges/{}/sample.csv", c.slug)) download { "Download the public sample (sample.csv)" }
            @for (rel, _) in &c.public_files {
                " · "
                a href=(format!("/challenges/{}/files/{rel}", c.slug)) download { "Download " code { (rel) } }
            }
        }
        h2 { "Statement" }
        div.statement { (trusted(super::markdown::render(&c.statement))) }
        (form)
    };
    Ok(Page::new(&c.title).render(Some(&viewer), body).into_response())
}

fn facts(c: &Challenge) -> Markup {
    let g = &c.grading;
    let better = if g.metric.higher_is_better() { "higher is better" } else { "lower is better" };
    html! {
        dl.facts {
            dt { "Task" } dd { (c.task) }
            dt { "Metric" } dd { (g.metric.name()) " (" (better) "); " (num(g.zero)) " scores 0, " (num(g.full)) " scores 100" }
            dt { "Your code" } dd { code { (c.entry) } " defining " code { "class Model" } " with " code { "fit(self, X, y)" } " and " code { "predict(self, X)" } }
            dt { "Runtime" } dd { (c.runtime) }
            dt { "Time limit" } dd { (c.limits.time_seconds) " s of CPU time" }
            dt { "Memory limit" } dd { (c.limits.memory_mb) " MB" }
            dt { "CPUs" } dd { (num(c.limits.cpus)) }
        }
    }
}

fn submission_form(viewer: &Viewer, c: &Challenge, invitation: &InvitationRow) -> Markup {
    let quota = invitation.quota(c.slug.as_str());
    let remaining = quota.map(|q| q.remaining()).unwrap_or(0);
    html! {
        h2 { "Submit" }
        p role="status" {
            strong { (remaining) } " of " (quota.map(|q| q.limit).unwrap_or(0)) " submissions left for this challenge."
        }
        (cooldown_note(invitation, now_ms()))
        @if remaining > 0 {
            form.stack method="post" action=(format!("/challenges/{}/submissions", c.slug)) enctype="multipart/form-data" {
                (csrf_field(viewer))
                label for="file" { "Upload your " (c.entry) }
                input #file type="file" name="file" accept=".py,text/x-python";
                label for="code" { "…or paste your code" }
                textarea #code name="code" rows="16" spellcheck="false" {}
                button type="submit" { "Submit for grading" }
            }
            p.hint { "You will see the verdict, your score on the public part of the hidden test rows and your program's output. The final score uses rows you do not see." }
        } @else {
            p.error { "You have used every submission for this challenge." }
        }
    }
}

/// `/challenges/{slug}/solution.py`.
pub async fn starter(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> PageResult<Response> {
    let c = visible_challenge(&state, &viewer.principal, &slug).await?;
    let disposition = format!("attachment; filename=\"{}\"", c.entry);
    Ok(([(header::CONTENT_TYPE, "text/x-python; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], c.starter.clone())
        .into_response())
}

/// `/challenges/{slug}/files/{*path}`: one of the files the manifest makes public.
pub async fn public_file(State(state): State<AppState>, viewer: Viewer, Path((slug, path)): Path<(String, String)>) -> PageResult<Response> {
    let c = visible_challenge(&state, &viewer.principal, &slug).await?;
    let bytes = crate::api::challenges::read_public_file(&c, &path).await?;
    let name = path.rsplit('/').next().unwrap_or("file");
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// `/challenges/{slug}/sample.csv`: the public sample rows.
pub async fn sample(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> PageResult<Response> {
    let c = visible_challenge(&state, &viewer.principal, &slug).await?;
    let bytes = tokio::fs::read(&c.public_sample).await.map_err(anyhow::Error::from)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"sample.csv\"")], bytes)
        .into_response())
}

/// `POST /challenges/{slug}/submissions`: the form's file, or its pasted code when no file is chosen.
pub async fn submit(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>, mut form: Multipart) -> PageResult<Response> {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut code = String::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("The upload is larger than the limit.".into())
        } else {
            ApiError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => csrf = crate::api::form::text(field, crate::api::form::MAX_TEXT_BYTES).await?,
            Some("code") => code = crate::api::form::text(field, state.max_upload_bytes).await?,
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    viewer.check_csrf(&csrf)?;
    let (name, bytes) = match file {
        Some((name, bytes)) => (if name.is_empty() { "solution.py".to_owned() } else { name }, bytes),
        None if !code.trim().is_empty() => ("solution.py".to_owned(), code.replace("\r\n", "\n").into_bytes()),
        None => return Err(ApiError::BadRequest("Choose a file to upload or paste your code.".into()).into()),
    };
    let (id, _version) = crate::api::submissions::accept(&state, &viewer.principal, &slug, &name, &bytes).await?;
    Ok(Redirect::to(&format!("/submissions/{id}")).into_response())
}

/// `/submissions/{id}`: a candidate's own submission (public part only), or any submission for staff.
pub async fn submission(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    let row = visible_submission(&state, &viewer.principal, &id).await?;
    let challenge = state.grader.catalogue.get(&row.challenge);
    let challenge = challenge.as_deref();
    let done = row.status == Status::Completed;
    let mut page = Page::new("Submission");
    if !done {
        page = page.head(html! {
            noscript { meta http-equiv="refresh" content="3"; }
            script src="/static/live.js" defer {}
        });
    }
    let body = match viewer.principal {
        Principal::Staff(_) => staff::submission_body(&state, &viewer, &row, challenge).await?,
        Principal::Candidate(_) => candidate_submission_body(&row, challenge),
    };
    Ok(page.render(Some(&viewer), body).into_response())
}

/// The status line, which the live script updates.
pub fn status_line(row: &SubmissionRow) -> Markup {
    html! {
        p {
            "Status: "
            strong #status data-status=(status_word(row.status)) data-status-url=(format!("/submissions/{}/status", row.id)) aria-live="polite" {
                (status_word(row.status))
            }
            @if row.status != Status::Completed { " — this page updates by itself." }
        }
    }
}

/// What the candidate sees of its own submission: only the public part of the result, never the
/// private score, its interval, the checks or the seeded runs.
fn candidate_submission_body(row: &SubmissionRow, challenge: Option<&Challenge>) -> Markup {
    let view = candidate_view(row, challenge);
    let report = row.report.as_ref();
    let public_iv = report.and_then(staff::public_interval);
    let resources = report.and_then(|r| r.resources);
    html! {
        dl.facts {
            dt { "Challenge" } dd { a href=(format!("/challenges/{}", row.challenge)) { (challenge.map(|c| c.title.as_str()).unwrap_or(&row.challenge)) } }
            dt { "Submitted" } dd { (format_utc(row.created_at)) }
        }
        (status_line(row))
        @if let Some(verdict) = view.verdict {
            p #verdict { "Verdict: " (badge(verdict.as_str())) }
            @if let Some(m) = &view.message { p { (m) } }
            @if let Some(score) = view.public_score {
                p { "Public score: " span.big #public-score { (num(score)) } " / 100" (interval(public_iv, SCORE_DECIMALS)) }
                p.hint { "Computed on the public part of the hidden test rows"
                    @if public_iv.is_some() { "; in brackets, its 95% interval: with this few rows, scores inside it cannot be told apart" }
                    ". The final score uses the private part, which you do not see." }
            }
            @if let Some(public) = &view.public {
                @if !public.is_empty() {
                    h2 { "Metrics on the public rows" }
                    table #public-metrics {
                        @if report.is_some_and(|r| !r.public_intervals.is_empty()) { thead { tr { th { "Metric" } th.n { "Value (95% interval)" } } } }
                        tbody { @for (k, v) in public { tr { th { (k) } td.n { (metric_iv(Some(*v), report.and_then(|r| r.public_intervals.get(k).copied()))) } } } }
                    }
                }
            }
            @if let Some(res) = &resources { p #resources { "Resources: " (staff::resources_line(res, challenge, false)) } }
            @if let Some(ms) = view.duration_ms { p { "Run time: " (num(ms as f64 / 1000.0)) " s" } }
            h2 { "Your program's output" }
            @match view.log.as_deref() {
                Some(log) if !log.is_empty() => pre { (log) },
                _ => p.hint { "(nothing printed)" },
            }
        }
    }
}

#[derive(Serialize)]
pub struct StatusView {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'static str>,
}

/// `/submissions/{id}/status`: what the live script polls.
pub async fn status(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Json<StatusView>> {
    let row = visible_submission(&state, &viewer.principal, &id).await?;
    Ok(Json(StatusView { status: status_word(row.status), verdict: row.report.as_ref().map(|r| r.verdict.as_str()) }))
}
