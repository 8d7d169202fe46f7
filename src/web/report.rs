//! The candidate report a hiring manager reads: a cover page with the invitation and a summary, then
//! one printed page per challenge (verdict, score with its interval, the checks in words, resources,
//! time used, and the start of the code). The same document is served as HTML, which prints cleanly
//! from any browser, and as a PDF rendered by headless Chromium on the server.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::admin::time_box_words;
use super::layout::{metric_iv, score_iv, when};
use super::review::{candidate, Candidate};
use super::session::Viewer;
use super::staff::resources_line;
use super::{pdf, PageResult};
use crate::accounts::store::{InvitationRow, SubmissionRow};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::challenge::Challenge;
use crate::grading::Report;
use crate::storage::Status;

/// The report's own stylesheet: served at `/static/report.css` for the page, and inlined into the
/// document Chromium prints, which is read from a file and reaches no server.
pub const REPORT_STYLE: &str = include_str!("static/report.css");

/// How many lines of each submission's code the report prints; the rest is one link away.
const EXCERPT_LINES: usize = 16;

/// Where the document finds its stylesheet.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// A link to `/static/report.css` (the page is served under a policy that forbids inline styles).
    Linked,
    /// The stylesheet inside the document (for the PDF, rendered from a file).
    Inline,
}

/// One challenge of the invitation, with the submission the board picks for it.
struct Section<'a> {
    slug: &'a str,
    challenge: Option<std::sync::Arc<Challenge>>,
    used: i64,
    limit: i64,
    practice: i64,
    pick: Option<&'a SubmissionRow>,
    source: Option<String>,
}

/// `/candidates/{id}/report`: the print-ready report as a page.
pub async fn page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = candidate(&state, &id).await?;
    let sections = sections(&state, &c).await?;
    let html = document(&state, &c, &sections, Style::Linked);
    Ok(html.into_response())
}

/// `/candidates/{id}/report.pdf`: the same document, printed to PDF by headless Chromium.
pub async fn pdf(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = candidate(&state, &id).await?;
    let sections = sections(&state, &c).await?;
    let html = document(&state, &c, &sections, Style::Inline).into_string();
    let bytes = match pdf::print(&html).await {
        Ok(bytes) => bytes,
        Err(pdf::PrintError::NoBrowser) => {
            return Err(ApiError::Unavailable(format!(
                "This server cannot make PDFs: it has no Chromium (install Debian's `chromium`, or set {} to a \
                 Chromium binary). Open /candidates/{id}/report and print it from your browser instead.",
                pdf::BROWSER_ENV
            ))
            .into())
        }
        Err(pdf::PrintError::Failed(cause)) => return Err(cause.context("printing the candidate report to PDF").into()),
    };
    let file_name = format!("mlgrade-report-{}.pdf", file_safe(&c.invitation.name));
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A candidate's name as a file name: letters, digits and dashes.
fn file_safe(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if s.is_empty() { "candidate".into() } else { s }
}

async fn sections<'a>(state: &AppState, c: &'a Candidate) -> PageResult<Vec<Section<'a>>> {
    let mut out = Vec::with_capacity(c.invitation.challenges.len());
    for q in &c.invitation.challenges {
        let pick = c.pick(&q.challenge);
        let source = match pick {
            Some(row) => Some(String::from_utf8_lossy(&state.store.read_file(&row.file_sha256).await?).into_owned()),
            None => None,
        };
        out.push(Section {
            slug: &q.challenge,
            challenge: state.grader.catalogue.get(&q.challenge),
            used: q.used,
            limit: q.limit,
            practice: c.practice.get(&q.challenge).copied().unwrap_or(0),
            pick,
            source,
        });
    }
    Ok(out)
}

fn document(state: &AppState, c: &Candidate, sections: &[Section<'_>], style: Style) -> Markup {
    let i = &c.invitation;
    let base = state.access.config.public_url.as_deref().unwrap_or("").trim_end_matches('/').to_owned();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Candidate report: " (i.name) }
                @match style {
                    Style::Linked => link rel="stylesheet" href="/static/report.css";,
                    Style::Inline => style { (PreEscaped(REPORT_STYLE)) },
                }
            }
            body.report {
                (cover(i, c, sections))
                @for s in sections { (challenge_page(s, &base)) }
            }
        }
    }
}

fn cover(i: &InvitationRow, c: &Candidate, sections: &[Section<'_>]) -> Markup {
    let flagged = sections.iter().filter(|s| s.pick.is_some_and(|r| r.flagged())).count();
    let submitted = sections.iter().filter(|s| s.pick.is_some()).count();
    html! {
        section.page.cover #cover {
            p.brand { "mlgrade · candidate report" }
            h1 { (i.name) }
            p #who { (i.email) " · invited by " (i.created_by) " on " (when(i.created_at)) }
            dl.facts {
                dt { "Challenges" } dd { (submitted) " of " (sections.len()) " submitted" }
                dt { "Flags" } dd #flag-count { @if flagged == 0 { "none" } @else { (flagged) " challenge" @if flagged > 1 { "s" } " with a flagged check" } }
                dt { "Time" } dd #time-used { (time_box_words(i)) }
                dt { "Practice runs" } dd { (c.practice.values().sum::<i64>()) " (graded on public rows only; they never count)" }
                dt { "Report made" } dd { (when(crate::storage::now_ms())) }
            }
            table #summary {
                thead { tr { th { "Challenge" } th { "Verdict" } th.n { "Score (95% interval)" } th { "Checks" } } }
                tbody { @for s in sections {
                    @let report = s.pick.and_then(|r| r.report.as_ref());
                    tr {
                        td { (title(s)) }
                        td { (verdict_word(s.pick, report)) }
                        td.n { (score_iv(report.and_then(|r| r.score), report.and_then(|r| r.score_interval))) }
                        td { (check_summary(report)) }
                    }
                } }
            }
            p.hint { "Scores run from 0 to 100 and are computed on hidden rows the candidate never saw. The interval is the \
                      range the score would take on other draws of the same number of hidden rows: two candidates whose \
                      intervals overlap widely are not told apart by this challenge. One page per challenge follows." }
        }
    }
}

fn challenge_page(s: &Section<'_>, base: &str) -> Markup {
    let report = s.pick.and_then(|r| r.report.as_ref());
    html! {
        section.page.challenge data-challenge=(s.slug) {
            p.brand { "mlgrade · " (title(s)) }
            h2 { (title(s)) }
            @if let Some(c) = &s.challenge { p.summary { (c.summary) } }
            @match s.pick {
                None => p.verdict { "Not submitted. " (s.practice) " practice run" @if s.practice != 1 { "s" } "." },
                Some(row) => {
                    div.headline {
                        p.verdict { "Verdict: " strong { (verdict_word(Some(row), report)) } }
                        p.score { "Score " span.big { (score_iv(report.and_then(|r| r.score), report.and_then(|r| r.score_interval))) } }
                    }
                    @if let Some(m) = report.and_then(|r| r.message.as_deref()) { p.message { (m) } }
                    dl.facts {
                        dt { "Submitted" } dd { (when(row.created_at)) " · " (s.used) " of " (s.limit) " submissions used · " (s.practice) " practice runs" }
                        @if let Some(res) = report.and_then(|r| r.resources) { dt { "Resources" } dd { (resources_line(&res, s.challenge.as_deref(), false)) } }
                        dt { "Full result" } dd { a href=(format!("{base}/submissions/{}", row.id)) { (base) "/submissions/" (row.id) } }
                    }
                    @if let Some(r) = report { (metrics_table(r, s.challenge.as_deref())) (checks_list(r)) }
                    @if let Some(source) = &s.source { (excerpt(source, &row.file_name)) }
                }
            }
        }
    }
}

fn metrics_table(r: &Report, challenge: Option<&Challenge>) -> Markup {
    let scored = challenge.map(|c| c.grading.metric.name());
    let metrics: Vec<(&String, &f64)> = r.metrics.iter().collect();
    // Two metrics a row, so that a challenge's page holds its checks and code as well.
    html! {
        @if !metrics.is_empty() {
            table.metrics {
                caption { "Metrics on the hidden rows, each with its 95% interval" }
                tbody { @for pair in metrics.chunks(2) { tr {
                    @for (name, value) in pair {
                        th { (name.replace('_', " ")) @if scored == Some(name.as_str()) { " (scored)" } }
                        td.n { (metric_iv(Some(**value), r.intervals.get(*name).copied())) }
                    }
                } } }
            }
        }
    }
}

fn checks_list(r: &Report) -> Markup {
    html! {
        @if !r.checks.is_empty() {
            h3 { "Checks" }
            ul.checks { @for c in &r.checks {
                li class=(if c.flagged { "flagged" } else { "ok" }) {
                    strong { (c.name.replace('_', " ")) ": " @if c.flagged { "flagged" } @else { "ok" } }
                    " " (c.explanation)
                }
            } }
        }
    }
}

fn excerpt(source: &str, file_name: &str) -> Markup {
    let lines: Vec<&str> = source.lines().collect();
    let shown = lines.len().min(EXCERPT_LINES);
    html! {
        h3 { "Code" }
        p.hint { (file_name) ": "
            @if shown < lines.len() { "lines 1–" (shown) " of " (lines.len()) "; the whole file is on the full result." }
            @else { "all " (lines.len()) " lines." } }
        pre.code { code { (lines[..shown].join("\n")) } }
    }
}

fn check_summary(report: Option<&Report>) -> Markup {
    let Some(r) = report else { return html! { "—" } };
    let flagged: Vec<String> = r.checks.iter().filter(|c| c.flagged).map(|c| c.name.replace('_', " ")).collect();
    html! {
        @if flagged.is_empty() { @if r.checks.is_empty() { "—" } @else { "all " (r.checks.len()) " ok" } }
        @else { span.flag { "flagged: " (flagged.join(", ")) } }
    }
}

fn verdict_word(pick: Option<&SubmissionRow>, report: Option<&Report>) -> String {
    match (pick, report) {
        (None, _) => "not submitted".into(),
        (Some(row), None) => match row.status {
            Status::Queued => "queued, not graded yet".into(),
            Status::Running => "running, not graded yet".into(),
            Status::Completed => "completed without a result".into(),
        },
        (Some(_), Some(r)) => r.verdict.as_str().replace('_', " "),
    }
}

fn title(s: &Section<'_>) -> String {
    s.challenge.as_ref().map(|c| c.title.clone()).unwrap_or_else(|| s.slug.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("Ada Lovelace"), "ada-lovelace");
        assert_eq!(file_safe("../../etc"), "etc");
        assert_eq!(file_safe("李"), "candidate");
    }

    #[test]
    fn dates_are_read_to_the_minute() {
        assert!(when(0).into_string().contains(">1970-01-01 00:00 UTC<"));
    }
}
