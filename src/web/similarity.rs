//! The side-by-side view behind a `similarity` check: a submission beside the earlier file it
//! resembles (another submission, or the challenge's reference), with the matching regions marked.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::layout::Page;
use super::session::Viewer;
use super::PageResult;
use crate::api::access::visible_submission;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::integrity::fingerprint::regions_between;
use crate::integrity::similar::prints_of;

/// `GET /submissions/{id}/similar/{other}`: `other` is a submission id or `reference`. Staff only.
pub async fn side_by_side(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, other)): Path<(String, String)>,
) -> PageResult<Response> {
    viewer.require_staff()?;
    let mine = visible_submission(&state, &viewer.principal, &id).await?;
    let challenge = state
        .grader
        .catalogue
        .get(&mine.challenge)
        .ok_or_else(|| ApiError::NotFound(format!("no challenge named '{}'", mine.challenge)))?;
    let my_source = state.store.read_file(&mine.file_sha256).await?;
    let (their_title, their_source) = if other == "reference" {
        let source = std::fs::read(&challenge.reference.0).map_err(anyhow::Error::from)?;
        ("The challenge's reference solution".to_owned(), source)
    } else {
        let theirs = visible_submission(&state, &viewer.principal, &other).await?;
        (format!("Submission {} by {}", short(&theirs.id), theirs.owner_name), state.store.read_file(&theirs.file_sha256).await?)
    };
    let regions = regions_between(&prints_of(&challenge, &my_source), &prints_of(&challenge, &their_source));
    let (mine_marked, theirs_marked): (Vec<_>, Vec<_>) = regions.into_iter().unzip();
    let body = html! {
        p { a href={ "/submissions/" (mine.id) } { "Back to the submission" } }
        p {
            "Lines marked on both sides hold the same code once names, literals, comments and layout are set aside "
            "(the challenge's starter is not counted). Methods may appear in another order."
        }
        div.side-by-side {
            (column(&format!("Submission {} by {}", short(&mine.id), mine.owner_name), &my_source, &mine_marked))
            (column(&their_title, &their_source, &theirs_marked))
        }
    };
    Ok(Page::new("Similar code").render(Some(&viewer), body).into_response())
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// One file with line numbers; lines inside a matching region are marked.
fn column(title: &str, source: &[u8], marked: &[RangeInclusive<usize>]) -> Markup {
    let text = String::from_utf8_lossy(source);
    let lines: BTreeSet<usize> = marked.iter().flat_map(|r| r.clone()).collect();
    html! {
        section.column {
            h2 { (title) }
            p { (lines.len()) " matching lines" }
            pre.code {
                @for (i, line) in text.lines().enumerate() {
                    @if lines.contains(&(i + 1)) { mark.l { (line) } } @else { span.l { (line) } }
                }
            }
        }
    }
}
