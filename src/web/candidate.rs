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
use crate::accounts::time::span;
use crate::accounts::{Invitee, Principal};
use crate::api::access::{candidate_view, visible_challenge, visible_submission};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::challenge::Challenge;
use crate::storage::{now_ms, Status};

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
        p { "Hello " (candidate.name) ". Your invitation is open until " (super::layout::when(invitation.expires_at)) " (" (span(invitation.expires_at - now)) " from now)." }
        (time_box(&invitation, now))
        (cooldown_note(&invitation, now))
        h2 { "Your challenges" }
        table {
            thead { tr { th { "Challenge" } th.opt { "What it asks" } th { "Metric" } th.n { "Submissions left" } } }
            tbody {
                @for q in &invitation.challenges {
                    @let c = state.grader.catalogue.get(&q.challenge);
                    @let c = c.as_deref();
                    tr {
                        td { a href=(format!("/challenges/{}", q.challenge)) { (c.map(|c| c.title.as_str()).unwrap_or(&q.challenge)) } }
                        td.opt { (c.map(|c| c.summary.as_str()).unwrap_or("")) }
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

/// The time box: how long it is before it starts, the time left (counted down live) once it runs,
/// and a plain statement when it is over.
fn time_box(invitation: &InvitationRow, now: i64) -> Markup {
    let Some(minutes) = invitation.time_limit_minutes else { return html! {} };
    html! {
        @match invitation.time_left_ms(now) {
            None => p.notice #time-box { "You have " strong { (minutes) " minutes" } " from when you open your first challenge. The clock does not stop once it starts." },
            Some(0) => p.error #time-box role="status" { "Your " (minutes) " minutes are over. You can still read your results; nothing more can be submitted." },
            Some(left) => p.notice #time-box role="timer" {
                "Time left: " strong #time-left data-left-ms=(left) { (span(left)) } " of your " (minutes) " minutes."
            },
        }
    }
}

/// The time box line for whichever page the candidate is on; nothing without a box.
async fn time_box_of(state: &AppState, candidate: &Invitee) -> PageResult<Markup> {
    Ok(time_box(&invitation_of(state, candidate).await?, now_ms()))
}

fn cooldown_note(invitation: &InvitationRow, now: i64) -> Markup {
    let left = invitation.cooldown_left_ms(now);
    html! {
        @if left > 0 {
            p.hint #cooldown role="status" {
            "You can submit again in " (span(left)) ". There is a pause of " (invitation.cooldown_seconds)
            " s after each submission, across all the challenges of your invitation; runs on the sample have no pause."
        }
        }
    }
}

fn candidate_submissions(state: &AppState, rows: &[SubmissionRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.hint { "None yet." }
        } @else {
            table {
                thead { tr { th { "Submitted" } th { "Challenge" } th.opt { "Status" } th { "Verdict" } th.n { "Public score" } } }
                tbody {
                    @for r in rows {
                        @let view = candidate_view(r, state.grader.catalogue.get(&r.challenge));
                        @let iv = r.report.as_ref().and_then(staff::public_interval);
                        tr {
                            td { a href=(format!("/submissions/{}", r.id)) { (super::layout::when(r.created_at)) } }
                            td { (r.challenge) }
                            td.opt { (badge(status_word(r.status))) }
                            td { @if let Some(v) = view.verdict { (badge(v.as_str())) } @else { (badge(status_word(r.status))) } }
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

/// What the submission form shows again after a refusal: the reason, and the code as it was sent.
#[derive(Default)]
pub struct Kept {
    pub refusal: Option<String>,
    pub code: String,
}

/// `/challenges/{slug}`: statement, downloads, limits; the submission form for a candidate.
pub async fn challenge(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> PageResult<Response> {
    let c = visible_challenge(&state, &viewer.principal, &slug).await?;
    Ok(challenge_page(&state, &viewer, &c, &Kept::default()).await?.into_response())
}

/// The challenge page, with `kept` in its form (a refusal re-renders the page rather than leaving
/// it).
async fn challenge_page(state: &AppState, viewer: &Viewer, c: &Challenge, kept: &Kept) -> PageResult<Markup> {
    let form = match &viewer.principal {
        Principal::Candidate(candidate) => {
            // Opening a challenge starts the invitation's clock.
            state.access.db.start_clock(&candidate.invitation_id).await?;
            let invitation = invitation_of(state, candidate).await?;
            let filter = SubmissionFilter {
                invitation: Some(candidate.invitation_id.clone()),
                challenge: Some(c.slug.to_string()),
                practice: true,
                ..Default::default()
            };
            let practice = state.access.db.submissions(&filter, 10).await?;
            html! {
                (time_box(&invitation, now_ms()))
                @if invitation.time_is_up(now_ms()) {
                    @if let Some(refusal) = &kept.refusal { p.error #refusal role="alert" { (refusal) } }
                } @else {
                    (submission_form(viewer, c, &invitation, kept))
                }
                @if !practice.is_empty() { (practice_list(&practice)) }
            }
        }
        Principal::Staff(_) => html! {
            p { a href=(format!("/leaderboard/{}", c.slug)) { "Leaderboard of this challenge" } }
        },
    };
    let body = html! {
        p { (c.summary) }
        (facts(c))
        p {
            a href=(format!("/challenges/{}/solution.py", c.slug)) download { "Download the starter solution.py" }
            " · "
            a href=(format!("/challenges/{}/sample.csv", c.slug)) download { "Download the public sample" }
            " (the statement's " code { "public/sample.csv" } ": save it in a " code { "public" } " folder beside your code)"
            @for (rel, _) in &c.public_files {
                " · "
                a href=(format!("/challenges/{}/files/{rel}", c.slug)) download { "Download " code { (rel) } }
            }
        }
        h2 { "Statement" }
        div.statement { (trusted(super::markdown::render(without_title(&c.statement)))) }
        (form)
    };
    Ok(Page::new(&c.title).render(Some(viewer), body))
}

/// The statement without its leading `# Title` line: the page's own heading already shows the title.
fn without_title(statement: &str) -> &str {
    let trimmed = statement.trim_start();
    match trimmed.strip_prefix("# ") {
        Some(rest) => rest.split_once('\n').map(|(_, body)| body).unwrap_or(""),
        None => statement,
    }
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

fn submission_form(viewer: &Viewer, c: &Challenge, invitation: &InvitationRow, kept: &Kept) -> Markup {
    let quota = invitation.quota(c.slug.as_str());
    let remaining = quota.map(|q| q.remaining()).unwrap_or(0);
    let wait_ms = invitation.cooldown_left_ms(now_ms());
    let practice = c.scoring.is_none();
    html! {
        h2 #submit { "Submit" }
        @if let Some(refusal) = &kept.refusal {
            p.error #refusal role="alert" { (refusal) }
        }
        p role="status" {
            strong { (remaining) } " of " (quota.map(|q| q.limit).unwrap_or(0)) " submissions left for this challenge."
            @if practice { " Runs on the sample are free: they do not count and have no pause." }
        }
        (cooldown_note(invitation, now_ms()))
        @if remaining == 0 {
            p.error { "You have used every submission for this challenge." }
        }
        @if remaining > 0 || practice {
            form.stack method="post" action=(format!("/challenges/{}/submissions", c.slug)) enctype="multipart/form-data" {
                (csrf_field(viewer))
                label for="file" { "Upload your " (c.entry) }
                input #file type="file" name="file" accept=".py,text/x-python";
                label for="code" { "…or paste your code" }
                textarea #code name="code" rows="16" spellcheck="false" { (kept.code) }
                div.buttons {
                    @if remaining > 0 {
                        @if wait_ms > 0 {
                            button #submit-button type="submit" disabled data-wait-ms=(wait_ms) data-label="Submit for grading" {
                                "Submit for grading (wait " (span(wait_ms)) ")"
                            }
                        } @else {
                            button #submit-button type="submit" { "Submit for grading" }
                        }
                    }
                    @if practice {
                        button #practise type="submit" formaction=(format!("/challenges/{}/practice", c.slug)) { "Run on the sample" }
                    }
                }
            }
            p.hint {
                @if practice {
                    "“Run on the sample” runs your code in the same sandbox on the public sample: "
                    (crate::api::practice::rows_rule()) ". "
                }
                "“Submit for grading” uses one submission: you will see the verdict, your score on the public part of the hidden test rows and your program's output. The final score uses rows you do not see."
            }
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

/// What the challenge page's form sent.
#[derive(Default)]
struct CodeForm {
    csrf: String,
    file: Option<(String, Vec<u8>)>,
    code: String,
}

impl CodeForm {
    /// The file, or the pasted code when no file was chosen.
    fn source(&self) -> Result<(String, Vec<u8>), ApiError> {
        match &self.file {
            Some((name, bytes)) => Ok((if name.is_empty() { "solution.py".to_owned() } else { name.clone() }, bytes.clone())),
            None if !self.code.trim().is_empty() => Ok(("solution.py".to_owned(), self.code.replace("\r\n", "\n").into_bytes())),
            None => Err(ApiError::BadRequest("Choose a file to upload or paste your code.".into())),
        }
    }

    /// The code to show again in the form: what was pasted, or the uploaded file when it is text.
    fn kept_code(&self) -> String {
        match &self.file {
            Some((_, bytes)) if !bytes.contains(&0) => std::str::from_utf8(bytes).map(str::to_owned).unwrap_or_else(|_| self.code.clone()),
            _ => self.code.clone(),
        }
    }
}

async fn read_code_form(mut form: Multipart, max_code_bytes: usize) -> Result<CodeForm, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("The upload is larger than the limit.".into())
        } else {
            ApiError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        }
    };
    let mut sent = CodeForm::default();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => sent.csrf = crate::api::form::text(field, crate::api::form::MAX_TEXT_BYTES).await?,
            Some("code") => {
                sent.code = crate::api::form::text(field, max_code_bytes).await.map_err(|e| match e {
                    ApiError::PayloadTooLarge(_) => {
                        ApiError::PayloadTooLarge(format!("The code is larger than the {} KB limit.", max_code_bytes / 1024))
                    }
                    other => other,
                })?
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    sent.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(sent)
}

/// Which button of the challenge form was pressed.
#[derive(Clone, Copy)]
enum Action {
    Submit,
    Practise,
}

/// `POST /challenges/{slug}/submissions`: the form's file, or its pasted code when no file is chosen.
pub async fn submit(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>, form: Multipart) -> PageResult<Response> {
    send_code(&state, &viewer, &slug, form, Action::Submit).await
}

/// `POST /challenges/{slug}/practice`: the same form, run on the public sample.
pub async fn practise(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>, form: Multipart) -> PageResult<Response> {
    send_code(&state, &viewer, &slug, form, Action::Practise).await
}

/// Queues the form's code; a refusal shows the challenge page again with the reason beside the form
/// and the code still in it.
async fn send_code(state: &AppState, viewer: &Viewer, slug: &str, form: Multipart, action: Action) -> PageResult<Response> {
    let c = visible_challenge(state, &viewer.principal, slug).await?;
    let sent = match read_code_form(form, state.max_upload_bytes).await {
        Ok(sent) => sent,
        Err(e) => return refused(state, viewer, &c, e, String::new()).await,
    };
    viewer.check_csrf(&sent.csrf)?;
    let queued = match sent.source() {
        Ok((name, bytes)) => match action {
            Action::Submit => crate::api::submissions::accept(state, &viewer.principal, slug, &name, &bytes)
                .await
                .map(|(id, _)| format!("/submissions/{id}")),
            Action::Practise => crate::api::practice::accept(state, &viewer.principal, slug, &name, &bytes)
                .await
                .map(|(id, _)| format!("/practice/{id}")),
        },
        Err(e) => Err(e),
    };
    match queued {
        Ok(next) => Ok(Redirect::to(&next).into_response()),
        Err(e @ (ApiError::Internal(_) | ApiError::InvitationClosed | ApiError::Unauthorized)) => Err(e.into()),
        Err(e) => refused(state, viewer, &c, e, sent.kept_code()).await,
    }
}

/// The challenge page again, answering with the refusal's status, its message above the form.
async fn refused(state: &AppState, viewer: &Viewer, c: &Challenge, e: ApiError, code: String) -> PageResult<Response> {
    let (status, _) = e.status_and_code();
    let retry_after = match &e {
        ApiError::TooManyRequests { retry_after_secs: Some(s), .. } => Some(*s),
        _ => None,
    };
    let refusal = sentence(&e.to_string());
    let page = challenge_page(state, viewer, c, &Kept { refusal: Some(refusal), code }).await?;
    let mut response = (status, page).into_response();
    if let Some(secs) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
    Ok(response)
}

/// A message as a sentence: a capital first letter and a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
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
        Principal::Candidate(ref candidate) => {
            let time = time_box_of(&state, candidate).await?;
            html! { (time) (candidate_submission_body(&row, challenge)) }
        }
    };
    Ok(page.render(Some(&viewer), body).into_response())
}

/// The status line, which the live script updates.
pub fn status_line(row: &SubmissionRow) -> Markup {
    status_line_at(row, &format!("/submissions/{}/status", row.id))
}

fn status_line_at(row: &SubmissionRow, url: &str) -> Markup {
    html! {
        p {
            "Status: "
            strong #status data-status=(status_word(row.status)) data-status-url=(url) aria-live="polite" {
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
            dt { "Submitted" } dd { (super::layout::when(row.created_at)) }
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

/// The candidate's latest runs on the sample for this challenge, so a result is never lost.
fn practice_list(rows: &[SubmissionRow]) -> Markup {
    html! {
        h2 { "Your runs on the sample" }
        table #practice-runs {
            thead { tr { th { "Run" } th { "Verdict" } th.n { "Sample score" } } }
            tbody { @for r in rows {
                @let report = r.report.as_ref();
                tr {
                    td { a href=(format!("/practice/{}", r.id)) { (super::layout::when(r.created_at)) } }
                    td { @if let Some(x) = report { (badge(x.verdict.as_str())) } @else { (badge(status_word(r.status))) } }
                    td.n { (score_iv(report.and_then(|x| x.score), report.and_then(|x| x.score_interval))) }
                }
            } }
        }
    }
}

/// `/signed-out`: where a candidate lands after signing out.
pub async fn signed_out() -> Markup {
    let body = html! {
        p role="status" { "You have signed out. To come back, open the invitation link from your e-mail again." }
        p.hint { "Members of the hiring team " a href="/login" { "sign in here" } "." }
    };
    Page::new("Signed out").render(None, body)
}

/// `/practice/{id}`: a practice run, live until it completes. It holds nothing hidden, so its owner
/// sees all of it.
pub async fn practice(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    let row = crate::api::practice::visible(&state, &viewer.principal, &id).await?;
    let challenge = state.grader.catalogue.get(&row.challenge);
    let title = challenge.as_deref().map(|c| c.title.as_str()).unwrap_or(&row.challenge);
    let mut page = Page::new("Practice run");
    if row.status != Status::Completed {
        page = page.head(html! {
            noscript { meta http-equiv="refresh" content="3"; }
            script src="/static/live.js" defer {}
        });
    }
    let view = crate::api::practice::view(&row);
    let time = match &viewer.principal {
        Principal::Candidate(candidate) => time_box_of(&state, candidate).await?,
        Principal::Staff(_) => html! {},
    };
    let body = html! {
        (time)
        p.hint { "A practice run: " (view.rows) ". It does not count against your submissions." }
        dl.facts {
            dt { "Challenge" } dd { a href=(format!("/challenges/{}#submit", row.challenge)) { (title) } }
            dt { "Run" } dd { (super::layout::when(row.created_at)) }
        }
        (status_line_at(&row, &format!("/practice/{}/status", row.id)))
        @if let Some(verdict) = view.verdict {
            p #verdict { "Verdict: " (badge(verdict.as_str())) }
            @if let Some(m) = &view.message { p { (m) } }
            @if let Some(score) = view.score {
                p { "Score on the held-out sample rows: " span.big #practice-score { (num(score)) } " / 100" (interval(view.score_interval, SCORE_DECIMALS)) }
                p.hint { "On a few sample rows this is a rough guide, not your grade." }
            }
            @if let Some(metrics) = view.metrics.as_ref().filter(|m| !m.is_empty()) {
                h2 { "Metrics on the held-out sample rows" }
                table #practice-metrics {
                    tbody { @for (k, v) in metrics { tr { th { (k) } td.n { (metric_iv(Some(*v), row.report.as_ref().and_then(|r| r.intervals.get(k).copied()))) } } } }
                }
            }
            h2 { "Your program's output" }
            @match view.log.as_deref() {
                Some(log) if !log.is_empty() => pre { (log) },
                _ => p.hint { "(nothing printed)" },
            }
        }
        p { a href=(format!("/challenges/{}#submit", row.challenge)) { "Back to the challenge" } }
    };
    Ok(page.render(Some(&viewer), body).into_response())
}

/// `/practice/{id}/status`: what the live script polls on a practice page.
pub async fn practice_status(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Json<StatusView>> {
    let row = crate::api::practice::visible(&state, &viewer.principal, &id).await?;
    Ok(Json(StatusView { status: status_word(row.status), verdict: row.report.as_ref().map(|r| r.verdict.as_str()) }))
}
