//! Whether a candidate is done with an invitation, and what their work came to: the best score per
//! challenge, their mean, the flags raised and the time used.

use serde::Serialize;

use crate::accounts::store::{InvitationRow, SubmissionFilter, SubmissionRow};
use crate::api::AppState;
use crate::store::{now_ms, Status};

/// Why an invitation is over for the candidate.
pub const ALL_SUBMITTED: &str = "all_submitted";
pub const TIME_UP: &str = "time_up";
pub const EXPIRED: &str = "expired";
pub const REVOKED: &str = "revoked";

#[derive(Debug, Clone, Serialize)]
pub struct ChallengeResult {
    pub challenge: String,
    pub title: String,
    pub submissions: usize,
    /// The best hidden score (0–100) of an accepted submission; none when nothing was accepted.
    pub best_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub invitation_id: String,
    pub name: String,
    pub email: String,
    /// Why it is over; `None` while the candidate may still work.
    pub ended: Option<&'static str>,
    pub started_at: Option<i64>,
    /// The mean over the invited challenges of each one's best score, a challenge without an
    /// accepted submission counting 0; rounded to one decimal.
    pub score: f64,
    pub challenges: Vec<ChallengeResult>,
    /// `challenge: check` for every check a submission flagged.
    pub flags: Vec<String>,
    pub time_used_ms: Option<i64>,
}

/// Why the invitation is over, judged from its row and its submissions at `now`. A submission still
/// queued or running keeps it open (its grade belongs in the outcome), unless it was revoked.
pub fn judge(invitation: &InvitationRow, submissions: &[SubmissionRow], now: i64) -> Option<&'static str> {
    if invitation.revoked_at.is_some() {
        return Some(REVOKED);
    }
    if submissions.iter().any(|s| s.status != Status::Completed) {
        return None;
    }
    let all_submitted = !invitation.challenges.is_empty()
        && invitation.challenges.iter().all(|q| submissions.iter().any(|s| s.challenge == q.challenge));
    if all_submitted {
        Some(ALL_SUBMITTED)
    } else if invitation.time_is_up(now) {
        Some(TIME_UP)
    } else if invitation.expires_at <= now {
        Some(EXPIRED)
    } else {
        None
    }
}

/// The outcome of invitation `id` as it stands; `None` when there is no such invitation.
pub async fn assess(state: &AppState, id: &str) -> anyhow::Result<Option<Outcome>> {
    let Some(invitation) = state.access.db.invitation(id).await? else { return Ok(None) };
    let filter = SubmissionFilter { invitation: Some(id.to_owned()), ..SubmissionFilter::default() };
    let submissions = state.access.db.submissions(&filter, 10_000).await?;
    Ok(Some(summarise(state, &invitation, &submissions, now_ms())))
}

fn summarise(state: &AppState, invitation: &InvitationRow, submissions: &[SubmissionRow], now: i64) -> Outcome {
    let challenges: Vec<ChallengeResult> = invitation
        .challenges
        .iter()
        .map(|q| {
            let mine: Vec<&SubmissionRow> = submissions.iter().filter(|s| s.challenge == q.challenge).collect();
            let best_score = mine
                .iter()
                .filter_map(|s| s.report.as_ref().filter(|r| r.verdict == crate::grading::Verdict::Accepted).and_then(|r| r.score))
                .fold(None, |best: Option<f64>, s| Some(best.map_or(s, |b| b.max(s))));
            let title = state.grader.catalogue.get(&q.challenge).map(|c| c.title.clone()).unwrap_or_else(|| q.challenge.clone());
            ChallengeResult { challenge: q.challenge.clone(), title, submissions: mine.len(), best_score }
        })
        .collect();
    let score = if challenges.is_empty() {
        0.0
    } else {
        let mean = challenges.iter().map(|c| c.best_score.unwrap_or(0.0)).sum::<f64>() / challenges.len() as f64;
        (mean * 10.0).round() / 10.0
    };
    let flags = submissions
        .iter()
        .filter_map(|s| Some((s, s.report.as_ref()?)))
        .flat_map(|(s, r)| {
            let overfitting = r.overfitting.as_ref().filter(|o| o.flagged).map(|_| "overfitting".to_owned());
            r.checks.iter().filter(|c| c.flagged).map(|c| c.name.clone()).chain(overfitting).map(move |name| format!("{}: {name}", s.challenge))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Outcome {
        invitation_id: invitation.id.clone(),
        name: invitation.name.clone(),
        email: invitation.email.clone(),
        ended: judge(invitation, submissions, now),
        started_at: invitation.started_at,
        score,
        challenges,
        flags,
        time_used_ms: invitation.time_used_ms(),
    }
}

/// Where staff read a candidate's work: the candidate page (staff only; it asks to sign in).
pub fn profile_path(invitation_id: &str) -> String {
    format!("/candidates/{invitation_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::store::{InvitationState, Quota};

    fn invitation(challenges: &[&str]) -> InvitationRow {
        InvitationRow {
            id: "inv".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            created_by: "admin".into(),
            created_at: 0,
            expires_at: 1_000_000,
            revoked_at: None,
            cooldown_seconds: 0,
            last_submission_at: None,
            state: InvitationState::Active,
            challenges: challenges.iter().map(|c| Quota { challenge: (*c).into(), limit: 5, used: 0 }).collect(),
            time_limit_minutes: None,
            started_at: None,
            last_activity_at: None,
            practice_runs: 0,
        }
    }

    fn submission(challenge: &str, status: Status) -> SubmissionRow {
        SubmissionRow {
            id: format!("s-{challenge}"),
            challenge: challenge.into(),
            status,
            created_at: 0,
            started_at: None,
            completed_at: None,
            attempts: 1,
            file_sha256: String::new(),
            file_name: "solution.py".into(),
            owner: None,
            owner_name: "Ada".into(),
            owner_email: None,
            report: None,
            log: None,
            duration_ms: None,
        }
    }

    #[test]
    fn over_when_every_challenge_is_graded_or_time_runs_out_never_while_grading() {
        let inv = invitation(&["a", "b"]);
        assert_eq!(judge(&inv, &[], 10), None);
        assert_eq!(judge(&inv, &[submission("a", Status::Completed)], 10), None, "b is not submitted");
        let both = [submission("a", Status::Completed), submission("b", Status::Completed)];
        assert_eq!(judge(&inv, &both, 10), Some(ALL_SUBMITTED));
        let grading = [submission("a", Status::Completed), submission("b", Status::Running)];
        assert_eq!(judge(&inv, &grading, 10), None, "a grade still to come belongs in the outcome");
        assert_eq!(judge(&inv, &grading, 2_000_000), None, "not even once the link expired");
        assert_eq!(judge(&inv, &[submission("a", Status::Completed)], 2_000_000), Some(EXPIRED));

        let mut timed = invitation(&["a", "b"]);
        timed.time_limit_minutes = Some(1);
        timed.started_at = Some(0);
        assert_eq!(judge(&timed, &[], 59_999), None);
        assert_eq!(judge(&timed, &[], 60_000), Some(TIME_UP));

        let mut revoked = invitation(&["a"]);
        revoked.revoked_at = Some(5);
        assert_eq!(judge(&revoked, &[submission("a", Status::Queued)], 10), Some(REVOKED));
    }
}
