//! Reviewing candidates: one page per candidate (every challenge, every submission, practice, time,
//! flags, and the invitation's controls), a side-by-side comparison of two to four candidates, and
//! the leaderboard as CSV.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::admin::time_box_words;
use super::layout::{badge, csrf_field, num, opt_num, score_iv, when, Page};
use super::session::Viewer;
use super::staff::{flag_warning, public_interval, standings};
use super::PageResult;
use crate::accounts::store::{InvitationRow, InvitationState, SubmissionFilter, SubmissionRow};
use crate::api::access::public_score;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::grading::Verdict;

/// Everything the review pages show about one candidate.
pub(super) struct Candidate {
    pub(super) invitation: InvitationRow,
    pub(super) submissions: Vec<SubmissionRow>,
    pub(super) practice: BTreeMap<String, i64>,
}

pub(super) async fn candidate(state: &AppState, id: &str) -> PageResult<Candidate> {
    let invitation = state
        .access
        .db
        .invitation(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("There is no invitation '{id}'.")))?;
    let filter = SubmissionFilter { invitation: Some(id.to_owned()), ..Default::default() };
    let submissions = state.access.db.submissions(&filter, 10_000).await?;
    let practice = state.access.db.practice_counts(id).await?;
    Ok(Candidate { invitation, submissions, practice })
}

impl Candidate {
    /// The board's pick for a challenge: the best accepted submission, else the latest one.
    pub(super) fn pick(&self, challenge: &str) -> Option<&SubmissionRow> {
        let rows: Vec<SubmissionRow> = self.submissions.iter().filter(|r| r.challenge == challenge).cloned().collect();
        let best_id = standings(&rows).first().map(|s| s.best.id.clone());
        let of_challenge = || self.submissions.iter().filter(|r| r.challenge == challenge);
        match best_id {
            Some(id) => of_challenge().find(|r| r.id == id),
            None => of_challenge().next(),
        }
    }

    fn practice_total(&self) -> i64 {
        self.practice.values().sum()
    }
}

fn state_word(s: InvitationState) -> &'static str {
    match s {
        InvitationState::Active => "active",
        InvitationState::Expired => "expired",
        InvitationState::Revoked => "revoked",
    }
}

/// `/candidates/{id}`: one candidate, by invitation.
pub async fn candidate_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = candidate(&state, &id).await?;
    Ok(render_candidate(&state, &viewer, &c, None).into_response())
}

/// What the last management action produced, shown at the top of the candidate page.
enum Notice {
    NewLink { url: String, email: Option<String> },
}

fn render_candidate(state: &AppState, viewer: &Viewer, c: &Candidate, notice: Option<Notice>) -> Markup {
    let i = &c.invitation;
    let body = html! {
        @if let Some(Notice::NewLink { url, email }) = &notice {
            div role="status" {
                p.ok { "A new link was made; the old one no longer works. It is shown only now:" }
                p.secret #invitation-link { (url) }
                button type="button" data-copy="invitation-link" hidden { "Copy" }
                @if let Some(e) = email { p #email-sent { (e) } }
            }
        }
        p #who { (i.email) " · " (badge(state_word(i.state))) " · invited by " (i.created_by) " on " (when(i.created_at)) }
        dl.facts {
            dt { "Open until" } dd { (when(i.expires_at)) }
            dt { "Time" } dd #time-used { (time_box_words(i)) }
            dt { "Pause between submissions" } dd { (i.cooldown_seconds) " s" }
            dt { "Practice runs" } dd #practice-count { (c.practice_total()) }
        }
        h2 { "Challenges" }
        table #challenges {
            thead { tr { th { "Challenge" } th.n { "Submissions" } th.n { "Practice runs" } th { "Best verdict" } th.n { "Best score (private)" } th { "Flags" } } }
            tbody { @for q in &i.challenges {
                @let pick = c.pick(&q.challenge);
                @let report = pick.and_then(|r| r.report.as_ref());
                tr {
                    td { a href=(format!("/leaderboard/{}", q.challenge)) { (title(state, &q.challenge)) } }
                    td.n { (q.used) " of " (q.limit) }
                    td.n { (c.practice.get(&q.challenge).copied().unwrap_or(0)) }
                    td { @if let Some(x) = report { a href=(format!("/submissions/{}", pick.map(|r| r.id.as_str()).unwrap_or(""))) { (badge(x.verdict.as_str())) } } @else { "—" } }
                    td.n { (score_iv(report.and_then(|x| x.score), report.and_then(|x| x.score_interval))) }
                    td { @if pick.is_some_and(|r| r.flagged()) { span.badge.bad { "flagged" } } }
                }
            } }
        }
        p.actions #report-links {
            a href=(format!("/candidates/{}/report", i.id)) { "Report to print" } " · "
            a href=(format!("/candidates/{}/report.pdf", i.id)) { "Report as PDF" }
        }
        h2 { "Every submission" }
        @if c.submissions.is_empty() { p.hint { "None yet." } } @else { (submissions_table(state, &c.submissions)) }
        h2 { "Compare" }
        (compare_hint(&i.id))
        h2 { "Invitation" }
        (manage_forms(state, viewer, i))
    };
    Page::new(&i.name).render(Some(viewer), body)
}

fn title(state: &AppState, slug: &str) -> String {
    state.grader.catalogue.get(slug).map(|c| c.title.clone()).unwrap_or_else(|| slug.to_owned())
}

fn submissions_table(state: &AppState, rows: &[SubmissionRow]) -> Markup {
    html! {
        table #submissions {
            thead { tr { th { "Submitted" } th { "Challenge" } th { "Verdict" } th.n { "Score (private)" } th.n { "Public score" } th { "Flags" } } }
            tbody { @for r in rows {
                @let x = r.report.as_ref();
                tr {
                    td { a href=(format!("/submissions/{}", r.id)) { (when(r.created_at)) } }
                    td { (r.challenge) }
                    td { @if let Some(x) = x { (badge(x.verdict.as_str())) } @else { (badge(super::candidate::status_word(r.status))) } }
                    td.n { (score_iv(x.and_then(|x| x.score), x.and_then(|x| x.score_interval))) }
                    td.n { (score_iv(x.and_then(|x| public_score(x, state.grader.catalogue.get(&r.challenge))), x.and_then(public_interval))) }
                    td { @if r.flagged() { span.badge.bad { "flagged" } } }
                }
            } }
        }
    }
}

/// Where to compare this candidate with others.
fn compare_hint(with: &str) -> Markup {
    html! {
        p { "Pick others on the " a href="/invitations" { "invitations page" } " (tick up to four and press Compare), or "
            a href=(format!("/compare?c={with}")) { "open the comparison with this candidate" } " and add more there." }
    }
}

fn manage_forms(state: &AppState, viewer: &Viewer, i: &InvitationRow) -> Markup {
    html! {
        @if i.state == InvitationState::Revoked {
            p.hint { "This invitation was revoked; it cannot be changed." }
        } @else {
            div.columns {
                form.stack method="post" action=(format!("/invitations/{}/extend", i.id)) {
                    (csrf_field(viewer))
                    label for="extend-hours" { "Extend the expiry by (hours)" }
                    input #extend-hours type="number" name="hours" min="0.1" max="8760" step="any" value="24";
                    button type="submit" { "Extend" }
                }
                form.stack method="post" action=(format!("/invitations/{}/attempts", i.id)) {
                    (csrf_field(viewer))
                    label for="attempts-challenge" { "Add submissions to" }
                    select #attempts-challenge name="challenge" { @for q in &i.challenges { option value=(q.challenge) { (q.challenge) } } }
                    label for="attempts-more" { "How many more" }
                    input #attempts-more type="number" name="more" min="1" max="100" value="1";
                    button type="submit" { "Add" }
                }
                form.stack method="post" action=(format!("/invitations/{}/reissue", i.id))
                    data-confirm="Make a new link? The old link stops working at once." {
                    (csrf_field(viewer))
                    p { "Lost link? A new one keeps the submissions, limits and clock; the old one stops." }
                    @if state.access.mail.is_some() {
                        label.check { input type="checkbox" name="send_email" value="1" checked; " E-mail it to " (i.email) }
                    }
                    button type="submit" { "Re-issue the link" }
                }
                @if i.state == InvitationState::Active {
                    form.stack method="post" action=(format!("/invitations/{}/revoke", i.id))
                        data-confirm=(format!("Revoke the invitation of {}? Their link stops working at once.", i.name)) {
                        (csrf_field(viewer))
                        p { "Revoking ends the candidate's access at once." }
                        button.danger type="submit" { "Revoke" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ExtendForm {
    csrf: String,
    hours: String,
}

/// `POST /invitations/{id}/extend`.
pub async fn extend(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<ExtendForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    viewer.check_csrf(&form.csrf)?;
    let hours: f64 = form.hours.trim().parse().map_err(|_| ApiError::BadRequest(format!("'{}' is not a number of hours.", form.hours)))?;
    if !(hours > 0.0 && hours <= crate::accounts::invite::MAX_HOURS) {
        return Err(ApiError::BadRequest("Extend by more than 0 hours and at most a year.".into()).into());
    }
    if !state.access.db.extend_invitation(user, &id, hours).await? {
        return Err(ApiError::NotFound("There is no such unrevoked invitation.".into()).into());
    }
    Ok(Redirect::to(&format!("/candidates/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct AttemptsForm {
    csrf: String,
    challenge: String,
    more: String,
}

/// `POST /invitations/{id}/attempts`.
pub async fn add_attempts(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<AttemptsForm>) -> PageResult<Response> {
    let user = viewer.require_staff()?;
    viewer.check_csrf(&form.csrf)?;
    let more: i64 = form.more.trim().parse().map_err(|_| ApiError::BadRequest(format!("'{}' is not a whole number.", form.more)))?;
    if !(1..=100).contains(&more) {
        return Err(ApiError::BadRequest("Add between 1 and 100 submissions at a time.".into()).into());
    }
    if !state.access.db.add_attempts(user, &id, form.challenge.trim(), more).await? {
        return Err(ApiError::NotFound("That invitation does not include that challenge, or was revoked.".into()).into());
    }
    Ok(Redirect::to(&format!("/candidates/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ReissueForm {
    csrf: String,
    send_email: Option<String>,
}

/// `POST /invitations/{id}/reissue`: a new link, shown once (and e-mailed when asked).
pub async fn reissue(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReissueForm>,
) -> PageResult<Response> {
    let user = viewer.require_staff()?.clone();
    viewer.check_csrf(&form.csrf)?;
    let token = state
        .access
        .db
        .reissue_invitation(&user, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("There is no such unrevoked invitation.".into()))?;
    let url = format!("{}/i/{token}", crate::api::accounts::base_url(&state, &headers));
    let c = candidate(&state, &id).await?;
    let i = &c.invitation;
    let email = match (&state.access.mail, form.send_email.is_some()) {
        (Some(mailer), true) => {
            let challenges: Vec<String> = i.challenges.iter().map(|q| q.challenge.clone()).collect();
            let sent = crate::api::accounts::mail_link(&state, mailer, &i.name, &i.email, &url, i.expires_at, i.time_limit_minutes, &challenges).await;
            Some(match sent {
                Ok(()) => format!("The new link was e-mailed to {}.", i.email),
                Err(problem) => format!("The e-mail could not be sent ({problem}); copy the link instead."),
            })
        }
        _ => None,
    };
    Ok(render_candidate(&state, &viewer, &c, Some(Notice::NewLink { url, email })).into_response())
}

/// The most candidates compared at once: four columns still fit a laptop screen.
const MAX_COMPARED: usize = 4;

/// `/compare?c=…&c=…`: two to four candidates side by side, challenge by challenge: the board's pick
/// of each (best accepted submission), its score with interval, its checks and its code.
pub async fn compare(State(state): State<AppState>, viewer: Viewer, Query(pairs): Query<Vec<(String, String)>>) -> PageResult<Response> {
    viewer.require_staff()?;
    // `c` repeats, once per candidate.
    let mut ids: Vec<String> = Vec::new();
    for id in pairs.iter().filter(|(k, _)| k == "c").map(|(_, v)| v.trim()).filter(|s| !s.is_empty()) {
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.len() > MAX_COMPARED {
        return Err(ApiError::BadRequest(format!("Compare at most {MAX_COMPARED} candidates at once; {} were chosen.", ids.len())).into());
    }
    let mut candidates = Vec::new();
    for id in &ids {
        candidates.push(candidate(&state, id).await?);
    }
    let mut challenges: Vec<String> = Vec::new();
    for c in &candidates {
        for q in &c.invitation.challenges {
            if !challenges.contains(&q.challenge) {
                challenges.push(q.challenge.clone());
            }
        }
    }
    let all = state.access.db.invitations().await?;
    let mut sources = BTreeMap::new();
    for c in &candidates {
        for ch in &challenges {
            if let Some(r) = c.pick(ch) {
                let bytes = state.store.read_file(&r.file_sha256).await?;
                sources.insert(r.id.clone(), String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let body = html! {
        form.filters method="get" action="/compare" {
            @for slot in 0..MAX_COMPARED {
                label {
                    "Candidate " (slot + 1)
                    select name="c" {
                        option value="" { "—" }
                        @for i in &all {
                            option value=(i.id) selected[ids.get(slot) == Some(&i.id)] { (i.name) " <" (i.email) ">" }
                        }
                    }
                }
            }
            button type="submit" { "Compare" }
        }
        @if candidates.len() < 2 {
            p.hint { "Choose two to four candidates." }
        }
        @for ch in &challenges {
            h2 { (title(&state, ch)) }
            div.compare {
                @for c in &candidates {
                    (compare_cell(&state, c, ch, &sources))
                }
            }
        }
    };
    Ok(Page::new("Compare candidates").render(Some(&viewer), body).into_response())
}

fn compare_cell(state: &AppState, c: &Candidate, challenge: &str, sources: &BTreeMap<String, String>) -> Markup {
    let i = &c.invitation;
    let quota = i.quota(challenge);
    let pick = c.pick(challenge);
    let report = pick.and_then(|r| r.report.as_ref());
    let catalogue = state.grader.catalogue.get(challenge);
    html! {
        section.candidate aria-label=(i.name) {
            h3 { a href=(format!("/candidates/{}", i.id)) { (i.name) } }
            @match quota {
                None => p.hint { "Not invited to this challenge." },
                Some(q) => {
                    p.hint {
                        (q.used) " of " (q.limit) " submissions · " (c.practice.get(challenge).copied().unwrap_or(0)) " practice runs"
                        @if let Some(used) = i.time_used_ms() { " · " (crate::accounts::time::span(used)) " used" }
                    }
                    @match (pick, report) {
                        (Some(r), Some(x)) => {
                            p { a href=(format!("/submissions/{}", r.id)) { (badge(x.verdict.as_str())) } " " (when(r.created_at)) }
                            (flag_warning(x))
                            p { "Score (private): " strong.score { (score_iv(x.score, x.score_interval)) } }
                            p { "Public score: " (score_iv(public_score(x, catalogue.as_deref()), public_interval(x))) }
                            @if x.verdict != Verdict::Accepted { @if let Some(m) = &x.message { p.error { (m) } } }
                            @if let Some(o) = &x.overfitting {
                                p.hint { (o.metric) ": train " (num(o.train_metric)) ", test " (num(o.test_metric)) ", gap " (num(o.gap)) }
                            }
                            @if !x.checks.is_empty() {
                                table.checks {
                                    tbody { @for chk in &x.checks { tr {
                                        td { (chk.name.replace('_', " ")) }
                                        td.n { (opt_num(chk.value)) }
                                        td { @if chk.flagged { span.badge.bad { "flagged" } } @else { span.badge.good { "ok" } } }
                                    } } }
                                }
                            }
                            @if let Some(code) = sources.get(&r.id) {
                                details open {
                                    summary { "Code (" (code.lines().count()) " lines)" }
                                    pre.code { @for line in code.lines() { span.l { (line) } } }
                                }
                            }
                        }
                        (Some(r), None) => p { a href=(format!("/submissions/{}", r.id)) { (badge(super::candidate::status_word(r.status))) } },
                        _ => p.hint { "No submission yet." },
                    }
                }
            }
        }
    }
}

/// `/leaderboard/{slug}/board.csv`: the board as shown, one line per candidate.
pub async fn board_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<super::staff::BoardQuery>,
) -> PageResult<Response> {
    viewer.require_staff()?;
    let c = state.grader.catalogue.get(&slug).ok_or_else(|| ApiError::NotFound(format!("no challenge named '{slug}'")))?;
    let filter = SubmissionFilter { challenge: Some(slug.clone()), candidates_only: !q.include_staff(), ..Default::default() };
    let rows = state.access.db.submissions(&filter, 100_000).await?;
    let best = standings(&rows);
    let places = super::staff::places(&best);
    let metric = c.grading.metric.name();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "rank", "group", "candidate", "email", "score", "score_low", "score_high", "public_score", &format!("train_{metric}"),
        &format!("test_{metric}"), "gap", "flagged", "submissions", "flagged_runs", "best_submission", "submitted_at",
    ];
    w.write_record(header).map_err(anyhow::Error::from)?;
    for (s, place) in best.iter().zip(&places) {
        let r = s.best;
        let Some(x) = r.report.as_ref() else { continue };
        let o = x.overfitting.as_ref();
        let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            place.rank.to_string(),
            super::ranking::group_letter(place.group),
            super::export::spreadsheet_safe(&r.owner_name),
            super::export::spreadsheet_safe(r.owner_email.as_deref().unwrap_or("")),
            f(x.score),
            f(x.score_interval.map(|i| i[0])),
            f(x.score_interval.map(|i| i[1])),
            f(public_score(x, Some(&*c))),
            f(o.map(|o| o.train_metric)),
            f(o.map(|o| o.test_metric).or_else(|| x.metrics.get(metric).copied())),
            f(o.map(|o| o.gap)),
            r.flagged().to_string(),
            s.submissions.to_string(),
            s.flagged.to_string(),
            r.id.clone(),
            super::layout::iso(r.created_at),
        ])
        .map_err(anyhow::Error::from)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("writing the CSV: {e}"))?;
    let disposition = format!("attachment; filename=\"leaderboard-{slug}.csv\"");
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
