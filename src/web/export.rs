//! Results as CSV for spreadsheets: one line per submission with its owner, scores and checks.

use crate::accounts::time::format_utc;
use crate::api::access::public_score;
use crate::api::accounts::ListQuery;
use crate::api::error::ApiResult;
use crate::api::AppState;

const HEADER: &[&str] = &[
    "submission", "submitted_at", "candidate", "email", "challenge", "status", "verdict", "score", "public_score",
    "metric", "private_metric", "public_metric", "train_metric", "gap", "flagged", "flags", "duration_ms",
    "score_low", "score_high", "public_score_low", "public_score_high", "by_candidate", "cpu_seconds", "peak_memory_mb",
];

/// Every submission the query matches, staff's test runs included (what the API's export returns).
pub async fn results_csv(state: &AppState, query: &ListQuery) -> ApiResult<String> {
    results_csv_of(state, query, true).await
}

/// The submissions the query matches; staff's and API tokens' test runs only when `include_staff`.
pub async fn results_csv_of(state: &AppState, query: &ListQuery, include_staff: bool) -> ApiResult<String> {
    let rows = super::staff::filtered(state, query, None, include_staff).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(anyhow::Error::from)?;
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in &rows {
        let challenge = state.grader.catalogue.get(&r.challenge);
        let challenge = challenge.as_deref();
        let report = r.report.as_ref();
        let metric = challenge.map(|c| c.grading.metric.name()).unwrap_or_default();
        let flags: Vec<&str> = report.map(|x| x.checks.iter().filter(|c| c.flagged).map(|c| c.name.as_str()).collect()).unwrap_or_default();
        let record = [
            r.id.clone(),
            format_utc(r.created_at),
            spreadsheet_safe(&r.owner_name),
            spreadsheet_safe(r.owner_email.as_deref().unwrap_or_default()),
            r.challenge.clone(),
            super::candidate::status_word(r.status).to_owned(),
            report.map(|x| x.verdict.as_str().to_owned()).unwrap_or_default(),
            opt(report.and_then(|x| x.score)),
            opt(report.and_then(|x| public_score(x, challenge))),
            metric.to_owned(),
            opt(report.and_then(|x| x.metrics.get(metric).copied())),
            opt(report.and_then(|x| x.public.get(metric).copied())),
            opt(report.and_then(|x| x.overfitting.as_ref()).map(|o| o.train_metric)),
            opt(report.and_then(|x| x.overfitting.as_ref()).map(|o| o.gap)),
            if report.is_some() { r.flagged().to_string() } else { String::new() },
            flags.join(" "),
            r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            opt(report.and_then(|x| x.score_interval).map(|i| i[0])),
            opt(report.and_then(|x| x.score_interval).map(|i| i[1])),
            opt(report.and_then(super::staff::public_interval).map(|i| i[0])),
            opt(report.and_then(super::staff::public_interval).map(|i| i[1])),
            r.by_candidate().to_string(),
            opt(report.and_then(|x| x.resources).map(|x| x.cpu_seconds)),
            opt(report.and_then(|x| x.resources).map(|x| x.peak_memory_mb)),
        ];
        w.write_record(&record).map_err(anyhow::Error::from)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
    Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
}

/// Text that a spreadsheet would read as a formula gets a leading apostrophe.
pub(super) fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("Ada Lovelace"), "Ada Lovelace");
    }
}
