//! `/metrics` in Prometheus text format, `/readyz` and `/livez`, on a real service that grades.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::*;

/// The value of one series; absent series read as `None`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.parse().unwrap())
}

/// Checks the exposition format: every sample belongs to a metric declared by a `# TYPE` line before it
/// (a histogram's `_bucket`, `_sum` and `_count` included) and has a numeric value.
fn assert_well_formed(text: &str) {
    let mut declared = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE line names a kind");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            declared.insert(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("malformed line {line:?}"));
        value.parse::<f64>().unwrap_or_else(|_| panic!("non-numeric value in {line:?}"));
        let name = series.split('{').next().unwrap();
        let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(declared.contains(name) || declared.contains(base), "{name} has no TYPE line before it");
    }
}

async fn metrics_text(app: &TestApp) -> String {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = resp.text().await.unwrap();
    assert_well_formed(&text);
    text
}

#[tokio::test]
async fn metrics_count_gradings_verdicts_and_container_starts() {
    let app = spawn_app().await;
    let live: Value = app.client.get(app.url("/livez")).send().await.unwrap().json().await.unwrap();
    assert_eq!(live["status"], "alive");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["role"], "api+worker", "this node serves and grades");

    let before = metrics_text(&app).await;
    assert_eq!(sample(&before, "mlgrade_ready"), Some(1.0));
    assert_eq!(sample(&before, "mlgrade_database_up"), Some(1.0));
    assert_eq!(sample(&before, "mlgrade_worker_slots"), Some(2.0));
    assert_eq!(sample(&before, "mlgrade_grade_duration_seconds_count"), Some(0.0));
    assert_eq!(sample(&before, "mlgrade_verdicts_total{verdict=\"accepted\"}"), None);
    // The warm pool keeps one container per worker ready.
    assert_eq!(sample(&before, "mlgrade_sandbox_pool_capacity"), Some(2.0));
    assert!(sample(&before, "mlgrade_sandbox_pool_size").unwrap() <= 2.0);
    let starts_before = sample(&before, "mlgrade_sandbox_container_starts_total").expect("container starts");

    let accepted = app.submit(TINY, fixture("trivial.py")).await;
    let failing = app.submit(TINY, fixture("no_model.py")).await;
    assert_eq!(app.wait_for(&accepted).await["verdict"], "accepted");
    assert_eq!(app.wait_for(&failing).await["verdict"], "runtime_error");

    let after = metrics_text(&app).await;
    assert_eq!(sample(&after, "mlgrade_verdicts_total{verdict=\"accepted\"}"), Some(1.0), "{after}");
    assert_eq!(sample(&after, "mlgrade_verdicts_total{verdict=\"runtime_error\"}"), Some(1.0), "{after}");
    assert_eq!(sample(&after, "mlgrade_grade_duration_seconds_count"), Some(2.0));
    assert_eq!(sample(&after, "mlgrade_grade_duration_seconds_bucket{le=\"+Inf\"}"), Some(2.0));
    assert!(sample(&after, "mlgrade_grade_duration_seconds_sum").unwrap() > 0.0);
    assert_eq!(sample(&after, "mlgrade_jobs_queued"), Some(0.0));
    assert_eq!(sample(&after, "mlgrade_jobs_running"), Some(0.0));
    // At least the two candidates' runs, whatever else this test process runs meanwhile.
    let starts_after = sample(&after, "mlgrade_sandbox_container_starts_total").unwrap();
    assert!(starts_after >= starts_before + 2.0, "{starts_before} -> {starts_after}");
    // Every run either found a ready container or started its own (the reference and seeded runs too).
    let runs = sample(&after, "mlgrade_sandbox_pool_hits_total").unwrap() + sample(&after, "mlgrade_sandbox_pool_misses_total").unwrap();
    assert!(runs >= 2.0, "{after}");
    app.stop().await;
}

#[tokio::test]
async fn an_api_node_is_ready_without_workers_and_reports_the_queue() {
    let app = spawn_app_configured(|c| c.workers = Some(0)).await;
    let ready: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["role"], "api");
    assert_eq!(sample(&metrics_text(&app).await, "mlgrade_jobs_queued"), Some(0.0));

    let first = app.submit(TINY, fixture("trivial.py")).await;
    app.submit(TINY, fixture("trivial.py")).await;
    let text = metrics_text(&app).await;
    assert_eq!(sample(&text, "mlgrade_jobs_queued"), Some(2.0), "nobody grades on an API node:\n{text}");
    assert_eq!(sample(&text, "mlgrade_worker_slots"), Some(0.0));
    assert_eq!(app.submission_json(&first).await["status"], "queued");
    app.stop().await;
}
