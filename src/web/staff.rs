//! Interviewers' pages: the dashboard of submissions, a submission with everything, a leaderboard per
//! challenge, the CSV export.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::candidate::{status_line, status_word};
use super::charts::{self, Point};
use super::layout::{badge, csrf_field, num, opt_num, Page};
use super::session::Viewer;
use super::PageResult;
use crate::accounts::store::{SubmissionFilter, SubmissionRow};
use crate::accounts::time::format_utc;
use crate::api::access::{public_score, visible_submission};
use crate::api::accounts::ListQuery;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::challenge::Challenge;
use crate::grading::Verdict;

/// The dashboard's filters and order. Every field is text, so an empty form field means "any".
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    challenge: Option<String>,
    candidate: Option<String>,
    verdict: Option<String>,
    flagged: Option<String>,
    sort: Option<String>,
}

impl DashboardQuery {
    fn list(&self) -> ListQuery {
        ListQuery {
            challenge: self.challenge.clone(),
            candidate: self.candidate.clone(),
            verdict: self.verdict.clone(),
            flagged: self.flagged.as_deref().filter(|f| !f.is_empty()).map(|f| f == "true" || f == "on"),
        }
    }

    /// The query string, to carry the filters to the export.
    fn query_string(&self) -> String {
        let pairs = [
            ("challenge", &self.challenge),
            ("candidate", &self.candidate),
            ("verdict", &self.verdict),
            ("flagged", &self.flagged),
            ("sort", &self.sort),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", super::session::encode_query(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

const SORTS: &[(&str, &str)] = &[
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("score", "Score, highest first"),
    ("score_asc", "Score, lowest first"),
    ("public", "Public score, highest first"),
    ("gap", "Train–test gap, largest first"),
];

const VERDICTS: &[Verdict] = &[
    Verdict::Accepted,
    Verdict::WrongOutput,
    Verdict::RuntimeError,
    Verdict::TimeLimitExceeded,
    Verdict::MemoryLimitExceeded,
    Verdict::InternalError,
];

/// Submissions matching the filters, in the requested order.
pub async fn filtered(state: &AppState, list: &ListQuery, sort: Option<&str>) -> anyhow::Result<Vec<SubmissionRow>> {
    let mut rows = state.access.db.submissions(&list.filter(), crate::api::accounts::LIST_LIMIT).await?;
    if let Some(f) = list.flagged {
        rows.retain(|r| r.flagged() == f);
    }
    let score = |r: &SubmissionRow| r.report.as_ref().and_then(|x| x.score).unwrap_or(f64::NEG_INFINITY);
    let public = |r: &SubmissionRow| {
        r.report.as_ref().and_then(|x| public_score(x, state.grader.catalogue.get(&r.challenge))).unwrap_or(f64::NEG_INFINITY)
    };
    let gap = |r: &SubmissionRow| {
        r.report.as_ref().and_then(|x| x.overfitting.as_ref()).map(|o| o.gap).unwrap_or(f64::NEG_INFINITY)
    };
    match sort.unwrap_or("newest") {
        "oldest" => rows.reverse(),
        "score" => rows.sort_by(|a, b| score(b).total_cmp(&score(a))),
        "score_asc" => rows.sort_by(|a, b| score(a).total_cmp(&score(b))),
        "public" => rows.sort_by(|a, b| public(b).total_cmp(&public(a))),
        "gap" => rows.sort_by(|a, b| gap(b).total_cmp(&gap(a))),
        _ => {}
    }
    Ok(rows)
}

/// `/dashboard`.
pub async fn dashboard(State(state): State<AppState>, viewer: Viewer, Query(q): Query<DashboardQuery>) -> PageResult<Response> {
    viewer.require_staff()?;
    let rows = filtered(&state, &q.list(), q.sort.as_deref()).await?;
    let selected = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let body = html! {
        form.filters method="get" action="/dashboard" {
            label { "Challenge"
                select name="challenge" {
                    option value="" { "any" }
                    @for c in state.grader.catalogue.all() {
                        option value=(c.slug) selected[selected(&q.challenge, c.slug.as_str())] { (c.title) }
                    }
                }
            }
            label { "Candidate (name or e-mail)"
                input type="text" name="candidate" value=(q.candidate.clone().unwrap_or_default());
            }
            label { "Verdict"
                select name="verdict" {
                    option value="" { "any" }
                    @for v in VERDICTS {
                        option value=(v.as_str()) selected[selected(&q.verdict, v.as_str())] { (v.as_str().replace('_', " ")) }
                    }
                }
            }
            label { "Flagged"
                select name="flagged" {
                    option value="" { "any" }
                    option value="true" selected[selected(&q.flagged, "true")] { "flagged only" }
                    option value="false" selected[selected(&q.flagged, "false")] { "not flagged" }
                }
            }
            label { "Order"
                select name="sort" {
                    @for (value, text) in SORTS {
                        option value=(value) selected[selected(&q.sort, value)] { (text) }
                    }
                }
            }
            button type="submit" { "Show" }
        }
        p {
            (rows.len()) " submissions"
            @if rows.len() as i64 >= crate::api::accounts::LIST_LIMIT { " (the newest " (crate::api::accounts::LIST_LIMIT) "; narrow the filters to see others)" }
            " · " a href=(format!("/dashboard/export.csv?{}", q.query_string())) { "Export these as CSV" }
        }
        (submission_table(&state, &rows))
    };
    Ok(Page::new("Submissions").render(Some(&viewer), body).into_response())
}

fn submission_table(state: &AppState, rows: &[SubmissionRow]) -> Markup {
    html! {
        table {
            thead { tr {
                th { "Submitted" } th { "Candidate" } th { "Challenge" } th { "Status" } th { "Verdict" }
                th.n { "Score (private)" } th.n { "Public score" } th.n { "Train–test gap" } th { "Flags" }
            } }
            tbody {
                @for r in rows {
                    @let report = r.report.as_ref();
                    tr {
                        td { a href=(format!("/submissions/{}", r.id)) { (format_utc(r.created_at)) } }
                        td { (r.owner_name) @if let Some(e) = &r.owner_email { br; small { (e) } } }
                        td { a href=(format!("/leaderboard/{}", r.challenge)) { (r.challenge) } }
                        td { (badge(status_word(r.status))) }
                        td { @if let Some(x) = report { (badge(x.verdict.as_str())) } }
                        td.n { (opt_num(report.and_then(|x| x.score))) }
                        td.n { (opt_num(report.and_then(|x| public_score(x, state.grader.catalogue.get(&r.challenge))))) }
                        td.n { (opt_num(report.and_then(|x| x.overfitting.as_ref()).map(|o| o.gap))) }
                        td { @if r.flagged() { span.badge.bad { "flagged" } } }
                    }
                }
            }
        }
    }
}

/// `/dashboard/export.csv`: the dashboard's rows as CSV.
pub async fn export(State(state): State<AppState>, viewer: Viewer, Query(q): Query<DashboardQuery>) -> PageResult<Response> {
    viewer.require_staff()?;
    let csv = super::export::results_csv(&state, &q.list()).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"results.csv\"")], csv)
        .into_response())
}

/// The staff's submission page: all metrics public beside private, the checks, resources, code, log
/// and notes.
pub async fn submission_body(state: &AppState, viewer: &Viewer, row: &SubmissionRow, challenge: Option<&Challenge>) -> PageResult<Markup> {
    let source = state.store.read_file(&row.file_sha256).await?;
    let source = String::from_utf8_lossy(&source);
    let notes = state.access.db.notes(&row.id).await?;
    let report = row.report.as_ref();
    let names: std::collections::BTreeSet<&String> =
        report.map(|r| r.metrics.keys().chain(r.public.keys()).collect()).unwrap_or_default();
    Ok(html! {
        dl.facts {
            dt { "Candidate" } dd { (row.owner_name) @if let Some(e) = &row.owner_email { " <" (e) ">" } }
            dt { "Challenge" } dd { a href=(format!("/leaderboard/{}", row.challenge)) { (challenge.map(|c| c.title.as_str()).unwrap_or(&row.challenge)) } }
            dt { "Submitted" } dd { (format_utc(row.created_at)) }
            dt { "File" } dd { (row.file_name) " (sha256 " code { (&row.file_sha256[..12]) } "…)" }
        }
        (status_line(row))
        @if let Some(r) = report {
            p #verdict { "Verdict: " (badge(r.verdict.as_str())) }
            @if let Some(m) = &r.message { p { (m) } }
            @if let Some(fault) = &r.challenge_fault { details { summary { "What the challenge's own program printed" } pre { (fault) } } }
            div.columns {
                p { "Score (private): " span.big #private-score { (opt_num(r.score)) } }
                p { "Public score: " span.big #public-score { (opt_num(public_score(r, challenge))) } }
            }
            @if !names.is_empty() {
                h2 { "Metrics" }
                table {
                    thead { tr { th { "Metric" } th.n { "Public part" } th.n { "Private part" } } }
                    tbody { @for n in &names { tr {
                        th { (n) @if challenge.is_some_and(|c| c.grading.metric.name() == n.as_str()) { " (scored)" } }
                        td.n { (opt_num(r.public.get(*n).copied())) }
                        td.n { (opt_num(r.metrics.get(*n).copied())) }
                    } } }
                }
            }
            @if let Some(o) = &r.overfitting {
                h2 { "Overfitting" }
                p #overfitting {
                    @if o.flagged { span.badge.bad #overfitting-flag { "flagged" } " " } @else { span.badge.good { "not flagged" } " " }
                    (o.metric) " on training rows " (num(o.train_metric)) ", on hidden test rows " (num(o.test_metric)) ", gap " (num(o.gap)) " (threshold " (num(o.threshold)) ")."
                }
            }
            @if !r.checks.is_empty() {
                h2 { "Generalisation checks" }
                table #checks {
                    thead { tr { th { "Check" } th.n { "Value" } th.n { "Threshold" } th { "Result" } th { "Explanation" } } }
                    tbody { @for c in &r.checks { tr {
                        td { (c.name.replace('_', " ")) }
                        td.n { (opt_num(c.value)) }
                        td.n { (num(c.threshold)) }
                        td { @if c.flagged { span.badge.bad { "flagged" } } @else { span.badge.good { "ok" } } }
                        td { (c.explanation) }
                    } } }
                }
            }
        }
        h2 { "Resources" }
        dl.facts {
            dt { "Run time" } dd { (row.duration_ms.map(|ms| format!("{} s", num(ms as f64 / 1000.0))).unwrap_or_else(|| "—".into()))
                @if let Some(c) = challenge { " of " (c.limits.time_seconds) " s allowed" } }
            @if let Some(c) = challenge {
                dt { "Memory limit" } dd { (c.limits.memory_mb) " MB" }
                dt { "CPUs" } dd { (num(c.limits.cpus)) }
            }
            dt { "Attempts" } dd { (row.attempts) }
            @if let (Some(s), Some(e)) = (row.started_at, row.completed_at) { dt { "Queued → done" } dd { (num((e - row.created_at) as f64 / 1000.0)) " s (started " (num((s - row.created_at) as f64 / 1000.0)) " s after submission)" } }
        }
        @if report.is_some() { p { a href=(format!("/submissions/{}/predictions.csv", row.id)) { "Download the predictions (CSV)" } } }
        h2 { "Code" }
        pre.code aria-label="submitted code with line numbers" { @for line in source.lines() { span.l { (line) } } }
        h2 { "Log" }
        @match row.log.as_deref() {
            Some(log) if !log.is_empty() => pre { (log) },
            Some(_) => p.hint { "(nothing printed)" },
            None => p.hint { "(not run yet)" },
        }
        h2 { "Notes" }
        p.hint { "Only interviewers and admins see notes." }
        @for n in &notes { p { strong { (n.author) } " · " (format_utc(n.created_at)) br; (n.body) } }
        form.stack method="post" action=(format!("/submissions/{}/notes", row.id)) {
            (csrf_field(viewer))
            label for="note" { "Add a note" }
            textarea #note name="body" rows="3" required {}
            button type="submit" { "Save note" }
        }
    })
}

/// `/submissions/{id}/predictions.csv`.
pub async fn predictions(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    viewer.require_staff()?;
    let row = visible_submission(&state, &viewer.principal, &id).await?;
    let parsed = row.id.parse().map_err(|_| ApiError::NotFound(format!("no submission '{id}'")))?;
    let csv = state
        .store
        .predictions(parsed)
        .await?
        .flatten()
        .ok_or_else(|| ApiError::NotFound("This submission has no predictions (not graded yet, or the run produced none).".into()))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    csrf: String,
    body: String,
}

/// `POST /submissions/{id}/notes`.
pub async fn add_note(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<NoteForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    viewer.check_csrf(&form.csrf)?;
    let row = visible_submission(&state, &viewer.principal, &id).await?;
    let body = form.body.trim();
    if body.is_empty() || body.len() > 10_000 {
        return Err(ApiError::BadRequest("A note must have between 1 and 10,000 characters.".into()).into());
    }
    state.access.db.add_note(user, &row.id, body).await?;
    Ok(Redirect::to(&format!("/submissions/{}", row.id)).into_response())
}

/// One line of a leaderboard: a candidate's best accepted submission and how they got there.
pub struct Standing<'a> {
    pub best: &'a SubmissionRow,
    pub submissions: usize,
    pub flagged: usize,
}

/// The best accepted submission of each candidate (or staff user) for one challenge, best first.
pub fn standings(rows: &[SubmissionRow]) -> Vec<Standing<'_>> {
    let score = |r: &SubmissionRow| r.report.as_ref().filter(|x| x.verdict == Verdict::Accepted).and_then(|x| x.score);
    let mut out: Vec<Standing> = Vec::new();
    for r in rows {
        let same = |s: &&mut Standing| s.best.owner == r.owner && s.best.owner_name == r.owner_name;
        match out.iter_mut().find(|s| same(s)) {
            Some(s) => {
                s.submissions += 1;
                s.flagged += r.flagged() as usize;
                if score(r).is_some() && (score(s.best).is_none() || score(r) > score(s.best)) {
                    s.best = r;
                }
            }
            None => out.push(Standing { best: r, submissions: 1, flagged: r.flagged() as usize }),
        }
    }
    out.retain(|s| score(s.best).is_some());
    out.sort_by(|a, b| score(b.best).unwrap_or(f64::NEG_INFINITY).total_cmp(&score(a.best).unwrap_or(f64::NEG_INFINITY)));
    out
}

/// `/leaderboard/{slug}`.
pub async fn leaderboard(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = state.grader.catalogue.get(&slug).ok_or_else(|| ApiError::NotFound(format!("no challenge named '{slug}'")))?;
    let filter = SubmissionFilter { challenge: Some(slug.clone()), ..Default::default() };
    let rows = state.access.db.submissions(&filter, 100_000).await?;
    let best = standings(&rows);
    let scores: Vec<f64> = best.iter().filter_map(|s| s.best.report.as_ref().and_then(|x| x.score)).collect();
    // Every accepted run, not only the best: a candidate who memorised once shows up here.
    let points: Vec<Point> = rows
        .iter()
        .filter_map(|r| {
            let o = r.report.as_ref().filter(|x| x.verdict == Verdict::Accepted)?.overfitting.as_ref()?;
            Some(Point { label: r.owner_name.clone(), train: o.train_metric, test: o.test_metric, flagged: r.flagged() })
        })
        .collect();
    let metric = c.grading.metric.name();
    let body = html! {
        p { (c.summary) }
        p { "Each candidate's best accepted submission, ranked by the private score." }
        p { a href=(format!("/dashboard?challenge={}", c.slug)) { "Every submission to this challenge" } " · "
            a href=(format!("/dashboard/export.csv?challenge={}", c.slug)) { "Export as CSV" } }
        table #leaderboard {
            thead { tr {
                th.n { "Rank" } th { "Candidate" } th.n { "Score (private)" } th.n { "Public score" }
                th.n { "Train " (metric) } th.n { "Test " (metric) } th.n { "Gap" } th { "Flags" } th.n { "Submissions" } th.n { "Flagged runs" }
            } }
            tbody { @for (i, s) in best.iter().enumerate() {
                @let r = s.best;
                @let x = r.report.as_ref().expect("leaderboard rows are graded");
                @let o = x.overfitting.as_ref();
                tr {
                    td.n { (i + 1) }
                    td { a href=(format!("/submissions/{}", r.id)) { (r.owner_name) } }
                    td.n { (opt_num(x.score)) }
                    td.n { (opt_num(public_score(x, Some(&*c)))) }
                    td.n { (opt_num(o.map(|o| o.train_metric))) }
                    td.n { (opt_num(o.map(|o| o.test_metric))) }
                    td.n { (opt_num(o.map(|o| o.gap))) }
                    td { @if r.flagged() { span.badge.bad { "flagged" } } }
                    td.n { (s.submissions) }
                    td.n { (s.flagged) }
                }
            } }
        }
        div.columns {
            figure {
                (charts::histogram(&scores))
                figcaption { "Scores of the best submissions, in bins of 10." }
            }
            figure {
                (charts::train_vs_test(&points, metric))
                figcaption { "Every accepted run: training against hidden test " (metric) ". The dashed line is equal performance; far below it means memorising." }
            }
        }
    };
    Ok(Page::new(&format!("Leaderboard: {}", c.title)).render(Some(&viewer), body).into_response())
}
