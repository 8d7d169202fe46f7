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
use super::layout::{badge, csrf_field, metric_iv, num, opt_num, score_iv, seconds, Page};
use super::ranking::{self, Place};
use super::session::Viewer;
use super::PageResult;
use crate::accounts::store::{SubmissionFilter, SubmissionRow};
use crate::api::access::{public_score, visible_submission};
use crate::api::accounts::ListQuery;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::challenge::Challenge;
use crate::grading::{Report, Resources, Verdict};

/// The dashboard's filters and order. Every field is text, so an empty form field means "any".
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    challenge: Option<String>,
    candidate: Option<String>,
    verdict: Option<String>,
    flagged: Option<String>,
    sort: Option<String>,
    /// "on" to list staff's and API tokens' test runs beside the candidates' work.
    staff: Option<String>,
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

    fn include_staff(&self) -> bool {
        checked(&self.staff)
    }

    /// The query string, to carry the filters to the export.
    fn query_string(&self) -> String {
        let pairs = [
            ("challenge", &self.challenge),
            ("candidate", &self.candidate),
            ("verdict", &self.verdict),
            ("flagged", &self.flagged),
            ("sort", &self.sort),
            ("staff", &self.staff),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", super::session::encode_query(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Whether a checkbox or select sent a yes.
fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("on" | "true" | "1" | "yes"))
}

/// The checkbox that brings staff's and API tokens' test runs into a listing.
fn staff_checkbox(include: bool) -> Markup {
    html! {
        label.check { input type="checkbox" name="staff" value="on" checked[include]; " include staff test runs" }
    }
}

/// What a listing says it shows.
fn whose(include_staff: bool) -> &'static str {
    if include_staff {
        "Candidates' submissions and staff test runs (staff runs are marked)."
    } else {
        "Candidates' submissions only; staff and API-token test runs are left out unless you include them."
    }
}

/// The 95% interval of the public score the candidate sees; only for accepted runs, like the score.
pub fn public_interval(report: &Report) -> Option<[f64; 2]> {
    report.public_score_interval.filter(|_| report.verdict == Verdict::Accepted)
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

/// Submissions matching the filters, in the requested order; staff's and API tokens' test runs only
/// when `include_staff`.
pub async fn filtered(state: &AppState, list: &ListQuery, sort: Option<&str>, include_staff: bool) -> anyhow::Result<Vec<SubmissionRow>> {
    let filter = SubmissionFilter { candidates_only: !include_staff, ..list.filter() };
    let mut rows = state.access.db.submissions(&filter, crate::api::accounts::LIST_LIMIT).await?;
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
    let rows = filtered(&state, &q.list(), q.sort.as_deref(), q.include_staff()).await?;
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
            (staff_checkbox(q.include_staff()))
            button type="submit" { "Show" }
        }
        p.hint #whose { (whose(q.include_staff())) " Scores show their 95% interval in brackets." }
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
                        td { a href=(format!("/submissions/{}", r.id)) { (super::layout::when(r.created_at)) } }
                        td { (r.owner_name) @if let Some(e) = &r.owner_email { br; small { (e) } } @if !r.by_candidate() { " " span.badge.wait { "staff run" } } }
                        td { a href=(format!("/leaderboard/{}", r.challenge)) { (r.challenge) } }
                        td { (badge(status_word(r.status))) }
                        td { @if let Some(x) = report { (badge(x.verdict.as_str())) } }
                        td.n { (score_iv(report.and_then(|x| x.score), report.and_then(|x| x.score_interval))) }
                        td.n { (score_iv(report.and_then(|x| public_score(x, state.grader.catalogue.get(&r.challenge))), report.and_then(public_interval))) }
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
    let csv = super::export::results_csv_of(&state, &q.list(), q.include_staff()).await?;
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
    // A run that failed, or a challenge graded by its own program, has no predictions to download.
    let has_predictions = match row.id.parse() {
        Ok(id) => state.store.predictions(id).await?.flatten().is_some(),
        Err(_) => false,
    };
    let names: std::collections::BTreeSet<&String> =
        report.map(|r| r.metrics.keys().chain(r.public.keys()).collect()).unwrap_or_default();
    // The verdict, any flag and the score come first, so they are read before anything else.
    Ok(html! {
        p #who {
            strong { (row.owner_name) } @if let Some(e) = &row.owner_email { " <" (e) ">" }
            @if !row.by_candidate() { " " span.badge.wait { "staff run" } }
            " · " a href=(format!("/leaderboard/{}", row.challenge)) { (challenge.map(|c| c.title.as_str()).unwrap_or(&row.challenge)) }
        }
        (status_line(row))
        @if let Some(r) = report {
            div.headline #headline {
                p #verdict { "Verdict: " (badge(r.verdict.as_str())) }
                (flag_warning(r))
                div.columns {
                    p { "Score (private): " span.big #private-score { (opt_num(r.score)) } (super::layout::interval(r.score_interval, super::layout::SCORE_DECIMALS)) }
                    p { "Public score: " span.big #public-score { (opt_num(public_score(r, challenge))) } (super::layout::interval(public_interval(r), super::layout::SCORE_DECIMALS)) }
                }
                @if r.score.is_some() && r.score_interval.is_some() { p.hint { "In brackets: the 95% interval of each score over the rows it was computed on." } }
                @if let Some(c) = challenge { p.hint #score-rule { (score_rule(c, r.runs.len())) } }
            }
            @if let Some(m) = &r.message { p { (m) } }
        }
        dl.facts {
            dt { "Submitted" } dd { (super::layout::when(row.created_at)) }
            dt { "File" } dd { (row.file_name) " (sha256 " code { (&row.file_sha256[..12]) } "…)" }
        }
        @if let Some(r) = report {
            @if !r.notes.is_empty() {
                div #grading-notes {
                    p { strong { "Notes from grading" } " (they do not change the verdict):" }
                    ul { @for n in &r.notes { li { (n) } } }
                }
            }
            @if let Some(fault) = &r.challenge_fault { details { summary { "What the challenge's own program printed" } pre { (fault) } } }
            @if !names.is_empty() {
                h2 { "Metrics" }
                table #metrics {
                    thead { tr { th { "Metric" } th.n { "Public part (95% interval)" } th.n { "Private part (95% interval)" } } }
                    tbody { @for n in &names { tr {
                        th { (n) @if challenge.is_some_and(|c| c.grading.metric.name() == n.as_str()) { " (scored)" } }
                        td.n { (metric_iv(r.public.get(*n).copied(), r.public_intervals.get(*n).copied())) }
                        td.n { (metric_iv(r.metrics.get(*n).copied(), r.intervals.get(*n).copied())) }
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
                        td { (c.explanation) @if let Some(link) = &c.link { " " a href=(link) { "Side by side" } } }
                    } } }
                }
            }
            @if r.runs.len() > 1 {
                h2 { "Seeded runs" }
                p { "The file ran " (r.runs.len()) " times with different seeds; the score is the median of their scores"
                    @if let Some(seed) = r.seed { ", and the metrics and predictions above are those of seed " code { (seed) } } "." }
                table #runs {
                    thead { tr { th.n { "Seed" } th { "Verdict" } th.n { "Score" } th.n { (challenge.map(|c| c.grading.metric.name()).unwrap_or("metric")) " (private)" } } }
                    tbody { @for run in &r.runs { tr {
                        td.n { code { (run.seed) } @if r.seed == Some(run.seed) { " (graded)" } }
                        td { (badge(run.verdict.as_str())) }
                        td.n { (opt_num(run.score)) }
                        td.n { (opt_num(run.metric)) }
                    } } }
                }
            }
        }
        h2 { "Resources" }
        @if let Some(res) = report.and_then(|r| r.resources) { p #resources { (resources_line(&res, challenge, true)) } }
        dl.facts {
            dt { "Run time" } dd { (row.duration_ms.map(|ms| format!("{} s", num(ms as f64 / 1000.0))).unwrap_or_else(|| "—".into()))
                " as the service timed it, start to end" }
            @if let Some(c) = challenge {
                dt { "Limits" } dd { (c.limits.time_seconds) " s of CPU time · " (c.limits.memory_mb) " MB of memory · " (num(c.limits.cpus)) " CPUs" }
            }
            @if let Some(seed) = report.and_then(|r| r.seed) { dt { "Seed" } dd { code { (seed) } } }
            dt { "Attempts" } dd { (row.attempts) }
            @if let (Some(s), Some(e)) = (row.started_at, row.completed_at) { dt { "Queued → done" } dd { (num((e - row.created_at) as f64 / 1000.0)) " s (started " (num((s - row.created_at) as f64 / 1000.0)) " s after submission)" } }
        }
        @if has_predictions { p { a href=(format!("/submissions/{}/predictions.csv", row.id)) { "Download the predictions (CSV)" } } }
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
        @for n in &notes { p { strong { (n.author) } " · " (super::layout::when(n.created_at)) br; (n.body) } }
        form.stack method="post" action=(format!("/submissions/{}/notes", row.id)) {
            (csrf_field(viewer))
            label for="note" { "Add a note" }
            textarea #note name="body" rows="3" required {}
            button type="submit" { "Save note" }
        }
    })
}

/// The flagged checks, each with its sentence, in one prominent warning beside the verdict; nothing
/// when no check flagged. Reports from before the checks list carry only the overfitting check.
pub fn flag_warning(r: &Report) -> Markup {
    let mut flagged: Vec<(String, &str, Option<&str>)> = r
        .checks
        .iter()
        .filter(|c| c.flagged)
        .map(|c| (c.name.replace('_', " "), c.explanation.as_str(), c.link.as_deref()))
        .collect();
    if let Some(o) = r.overfitting.as_ref().filter(|o| o.flagged) {
        if !r.checks.iter().any(|c| c.name == "train_test_gap") {
            flagged.push(("train test gap".to_owned(), o.explanation.as_str(), None));
        }
    }
    html! {
        @if !flagged.is_empty() {
            div.warning #flags role="alert" {
                strong { "⚠ Flagged: " (flagged.len()) (if flagged.len() == 1 { " check" } else { " checks" }) " raised a warning about this result." }
                ul {
                    @for (name, why, link) in &flagged {
                        li { strong { (name) } ": " (why) @if let Some(link) = link { " " a href=(link) { "See the two files side by side." } } }
                    }
                }
            }
        }
    }
}

/// One sentence on how the scored metric becomes the 0–100 score.
pub fn score_rule(c: &Challenge, runs: usize) -> String {
    let g = &c.grading;
    let median = if runs > 1 { format!("; the median over {runs} seeded runs") } else { String::new() };
    format!(
        "Score = {} on the private rows, {} → 0 and {} → 100, linear and clamped{median}.",
        g.metric.name(),
        num(g.zero),
        num(g.full)
    )
}

/// "CPU 12.3 s of 60 s · wall 14.0 s · peak memory 210 MB of 512 MB"; the wall time only for staff.
pub fn resources_line(res: &Resources, challenge: Option<&Challenge>, wall: bool) -> String {
    let limits = challenge.map(|c| &c.limits);
    let mut parts = vec![format!(
        "CPU {}{}",
        seconds(res.cpu_seconds),
        limits.map(|l| format!(" of {} s", l.time_seconds)).unwrap_or_default()
    )];
    if wall {
        parts.push(format!("wall {}", seconds(res.wall_seconds)));
    }
    parts.push(format!(
        "peak memory {:.0} MB{}",
        res.peak_memory_mb,
        limits.map(|l| format!(" of {} MB", l.memory_mb)).unwrap_or_default()
    ));
    parts.join(" · ")
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

/// The best accepted submission of each candidate (or staff user) for one challenge, best first;
/// equal scores keep the order of their first submission.
pub fn standings(rows: &[SubmissionRow]) -> Vec<Standing<'_>> {
    let mut out: Vec<Standing> = Vec::new();
    for r in rows {
        let same = |s: &&mut Standing| s.best.owner == r.owner && s.best.owner_name == r.owner_name;
        match out.iter_mut().find(|s| same(s)) {
            Some(s) => {
                s.submissions += 1;
                s.flagged += r.flagged() as usize;
                if best_score(r).is_some() && (best_score(s.best).is_none() || best_score(r) > best_score(s.best)) {
                    s.best = r;
                }
            }
            None => out.push(Standing { best: r, submissions: 1, flagged: r.flagged() as usize }),
        }
    }
    out.retain(|s| best_score(s.best).is_some());
    out.sort_by(|a, b| {
        let (x, y) = (best_score(a.best).unwrap_or(f64::NEG_INFINITY), best_score(b.best).unwrap_or(f64::NEG_INFINITY));
        y.total_cmp(&x).then(a.best.created_at.cmp(&b.best.created_at))
    });
    out
}

fn best_score(r: &SubmissionRow) -> Option<f64> {
    r.report.as_ref().filter(|x| x.verdict == Verdict::Accepted).and_then(|x| x.score)
}

/// Standings with their places: equal scores share a rank, and scores within the noise share a group.
pub fn places<'a>(standings: &[Standing<'a>]) -> Vec<Place> {
    let entries: Vec<(f64, Option<[f64; 2]>)> = standings
        .iter()
        .map(|s| (best_score(s.best).unwrap_or(f64::NEG_INFINITY), s.best.report.as_ref().and_then(|x| x.score_interval)))
        .collect();
    ranking::rank(&entries)
}

#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    /// "on" to rank staff's and API tokens' test runs too.
    staff: Option<String>,
}

impl BoardQuery {
    pub fn include_staff(&self) -> bool {
        checked(&self.staff)
    }
}

/// `/leaderboard/{slug}`.
pub async fn leaderboard(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>, Query(q): Query<BoardQuery>) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = state.grader.catalogue.get(&slug).ok_or_else(|| ApiError::NotFound(format!("no challenge named '{slug}'")))?;
    let include_staff = checked(&q.staff);
    let filter = SubmissionFilter { challenge: Some(slug.clone()), candidates_only: !include_staff, ..Default::default() };
    let rows = state.access.db.submissions(&filter, 100_000).await?;
    let best = standings(&rows);
    let places = places(&best);
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
    let staff_query = if include_staff { "&staff=on" } else { "" };
    let body = html! {
        p { (c.summary) }
        form.filters method="get" action=(format!("/leaderboard/{}", c.slug)) {
            (staff_checkbox(include_staff))
            button type="submit" { "Show" }
        }
        p { "Each candidate's best accepted submission, ranked by the private score; equal scores share a rank. " (whose(include_staff)) }
        p #noise-rule { "Scores show their 95% interval in brackets. " (ranking::RULE) " A shared letter means the order inside the group is not evidence of who did better." }
        p { a href=(format!("/dashboard?challenge={}{staff_query}", c.slug)) { "Every submission to this challenge" } " · "
            a #board-csv href=(format!("/leaderboard/{}/board.csv?{}", c.slug, staff_query.trim_start_matches('&'))) { "This board as CSV" } " · "
            a href=(format!("/dashboard/export.csv?challenge={}{staff_query}", c.slug)) { "Every submission as CSV" } }
        form #compare-form method="get" action="/compare" {
            p { "Tick two to four candidates to see them side by side: " button type="submit" { "Compare" } }
        }
        table #leaderboard {
            thead { tr {
                th.n { "Rank" } th { "Group" } th { "Candidate" } th.n { "Score (private)" } th.n { "Public score" }
                th.n { "Train " (metric) } th.n { "Test " (metric) } th.n { "Gap" } th { "Flags" } th.n { "Submissions" } th.n { "Flagged runs" } th { "Compare" }
            } }
            tbody { @for (i, (s, place)) in best.iter().zip(&places).enumerate() {
                @let r = s.best;
                @let x = r.report.as_ref().expect("leaderboard rows are graded");
                @let o = x.overfitting.as_ref();
                @let remark = ranking::remark(place, i.checked_sub(1).map(|j| places[j].rank));
                tr class=(if place.shared { "grouped" } else { "" }) data-group=(ranking::group_letter(place.group)) {
                    td.n { (place.rank) }
                    td.group {
                        @if place.shared { strong { (ranking::group_letter(place.group)) } } @else { (ranking::group_letter(place.group)) }
                        @if let Some(words) = &remark { br; small.noise { (words) } }
                    }
                    td {
                        a href=(format!("/submissions/{}", r.id)) { (r.owner_name) } @if !r.by_candidate() { " " span.badge.wait { "staff run" } }
                        @if let Some(crate::accounts::Owner::Invitation(inv)) = &r.owner { br; small { a href=(format!("/candidates/{inv}")) { "candidate page" } } }
                    }
                    td.n { (score_iv(x.score, x.score_interval)) }
                    td.n { (score_iv(public_score(x, Some(&*c)), public_interval(x))) }
                    td.n { (opt_num(o.map(|o| o.train_metric))) }
                    td.n { (metric_iv(o.map(|o| o.test_metric).or_else(|| x.metrics.get(metric).copied()), x.intervals.get(metric).copied())) }
                    td.n { (opt_num(o.map(|o| o.gap))) }
                    td { @if r.flagged() { span.badge.bad { "flagged" } } }
                    td.n { (s.submissions) }
                    td.n { (s.flagged) }
                    td { @if let Some(crate::accounts::Owner::Invitation(inv)) = &r.owner {
                        input type="checkbox" name="c" value=(inv) form="compare-form" aria-label=(format!("Compare {}", r.owner_name));
                    } }
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
