//! Honest boards: the leaderboard and the dashboard show candidates' work unless asked for staff's
//! test runs, equal scores share a rank, and a staff submission page leads with its flags, its score
//! interval and how the metric maps to the score.

use serde_json::{json, Value};
use sqlx::Row;

use crate::helpers::*;

fn tiny(rel: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join(rel)).unwrap()
}

/// Fetches `path` with `session`'s cookie and returns the page, which must answer 200.
async fn page(app: &TestApp, session: &Session, path: &str) -> String {
    let resp = raw_client().get(app.url(path)).header("cookie", session.header()).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

/// The text of the first cell of each body row of the table with `id`.
fn first_cells(html: &str, id: &str) -> Vec<String> {
    let at = html.find(&format!(r#"id="{id}""#)).expect("the table is on the page");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr").skip(1)
        .map(|row| {
            let cell = &row[row.find("<td").unwrap()..];
            let start = cell.find('>').unwrap() + 1;
            cell[start..start + cell[start..].find('<').unwrap()].trim().to_owned()
        })
        .collect()
}

async fn submit_id(app: &TestApp, token: &str, source: &str) -> String {
    let resp = app.submit_as(token, TINY, source).await;
    assert_eq!(resp.status(), 202);
    resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn boards_show_candidates_by_default_and_staff_test_runs_on_request() {
    let app = spawn_app().await;
    let grace = app.invite(json!({ "name": "Grace Hopper", "email": "grace@example.com", "challenges": [TINY], "cooldown_seconds": 0 })).await;
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let script = app.api_token(&ivy).await;

    let reference = tiny("reference/solution.py");
    // The same file by the candidate and by the admin token: the same score, so the same rank.
    let candidate = submit_id(&app, &grace.token, &reference).await;
    let admin_run = submit_id(&app, TOKEN, &reference).await;
    let token_run = submit_id(&app, &script, &fixture("trivial.py")).await;
    for id in [&candidate, &admin_run, &token_run] {
        app.wait_for(id).await;
    }
    let staff_runs = [&admin_run, &token_run];

    let board = page(&app, &ivy, &format!("/leaderboard/{TINY}")).await;
    assert!(board.contains(&candidate) && board.contains("Grace Hopper"), "the candidate is ranked");
    assert!(staff_runs.iter().all(|id| !board.contains(id.as_str())), "no staff run by default");
    assert!(board.contains("include staff test runs"), "the filter is offered");
    assert!(board.contains("half the width of its 95% interval divided by 1.96"), "the noise rule is stated");
    assert_eq!(first_cells(&board, "leaderboard"), ["1"]);

    let with_staff = page(&app, &ivy, &format!("/leaderboard/{TINY}?staff=on")).await;
    assert!(staff_runs.iter().all(|id| with_staff.contains(id.as_str())), "staff runs when asked for");
    assert!(with_staff.contains("staff run"), "and marked as such");
    assert_eq!(first_cells(&with_staff, "leaderboard"), ["1", "1", "3"], "equal scores share a rank; the next one skips");
    assert!(with_staff.contains("tied with #1"));

    let dashboard = page(&app, &ivy, "/dashboard").await;
    assert!(dashboard.contains(&candidate), "the candidate's work is listed");
    assert!(staff_runs.iter().all(|id| !dashboard.contains(id.as_str())), "no staff run by default");
    let dashboard = page(&app, &ivy, &format!("/dashboard?challenge={TINY}&staff=on")).await;
    assert!([&candidate, &admin_run, &token_run].iter().all(|id| dashboard.contains(id.as_str())));
    assert!(dashboard.contains("export.csv?challenge=tiny-classify&amp;staff=on"), "the export carries the filter");

    let count = |csv: String| csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(count(page(&app, &ivy, "/dashboard/export.csv").await), 1);
    assert_eq!(count(page(&app, &ivy, "/dashboard/export.csv?staff=on").await), 3);

    // Intervals wide enough to cover every score put all three in one group.
    let db = app.db().await;
    for id in [&candidate, &admin_run, &token_run] {
        let stored: String = sqlx::query("SELECT report FROM results WHERE submission_id = $1").bind(id).fetch_one(&db).await.unwrap().get(0);
        let mut report: Value = serde_json::from_str(&stored).unwrap();
        let score = report["score"].as_f64().unwrap();
        report["score_interval"] = json!([score - 100.0, score + 100.0]);
        sqlx::query("UPDATE results SET report = $1 WHERE submission_id = $2").bind(report.to_string()).bind(id).execute(&db).await.unwrap();
    }
    let grouped = page(&app, &ivy, &format!("/leaderboard/{TINY}?staff=on")).await;
    assert_eq!(first_cells(&grouped, "leaderboard"), ["1", "1", "3"], "a group does not change the ranks");
    assert_eq!(grouped.matches(r#"data-group="A""#).count(), 3, "one group");
    assert!(grouped.contains("within the noise of #1"));
    app.stop().await;
}

#[tokio::test]
async fn a_staff_submission_page_leads_with_flags_interval_and_score_rule() {
    let app = spawn_app().await;
    let grace = app.invite(json!({ "name": "Grace Hopper", "email": "grace@example.com", "challenges": [TINY], "cooldown_seconds": 0 })).await;
    let id = submit_id(&app, &grace.token, &tiny("reference/solution.py")).await;
    app.wait_for(&id).await;

    // Give the stored report the fields the grading core fills in, so the page is tested whatever
    // grading produces today.
    let db = app.db().await;
    let stored: String = sqlx::query("SELECT report FROM results WHERE submission_id = $1").bind(&id).fetch_one(&db).await.unwrap().get(0);
    let mut report: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(report["verdict"], "accepted");
    report["score"] = json!(87.6);
    report["score_interval"] = json!([80.12, 93.19]);
    report["public_score"] = json!(84.0);
    report["public_score_interval"] = json!([70.04, 95.51]);
    report["intervals"] = json!({ "accuracy": [0.8612, 0.9421] });
    report["public_intervals"] = json!({ "accuracy": [0.8133, 0.9744] });
    report["seed"] = json!(4242);
    report["runs"] = json!([
        { "seed": 4242, "verdict": "accepted", "score": 87.6, "metric": 0.894 },
        { "seed": 4243, "verdict": "accepted", "score": 86.1, "metric": 0.887 },
        { "seed": 4244, "verdict": "accepted", "score": 88.9, "metric": 0.9 },
    ]);
    report["resources"] = json!({ "cpu_seconds": 1.234, "wall_seconds": 1.5, "peak_memory_mb": 42.4 });
    report["notes"] = json!(["predict_proba failed, so only the labels were graded"]);
    report["checks"] = json!([
        { "name": "train_test_gap", "value": 0.02, "threshold": 0.1, "flagged": false, "explanation": "within 0.1" },
        { "name": "leak", "value": 0.99, "threshold": 0.9, "flagged": true, "explanation": "the answers match hidden labels no model could know" },
    ]);
    sqlx::query("UPDATE results SET report = $1 WHERE submission_id = $2").bind(report.to_string()).bind(&id).execute(&db).await.unwrap();

    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let html = page(&app, &ivy, &format!("/submissions/{id}")).await;
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} is on the page"));
    let warning = at(r#"id="flags""#);
    assert!(html[warning..].contains("leak</strong>: the answers match hidden labels no model could know"));
    let warning_box = &html[warning..warning + html[warning..].find("</div>").unwrap()];
    assert!(!warning_box.contains("train test gap"), "only flagged checks are in the warning");
    assert!(warning < at(r#"id="private-score""#) && warning < at("<h2"), "the warning leads the page, beside the verdict");
    assert!(at(r#"id="verdict""#) < warning);
    assert_eq!(text_of(&html, "private-score").unwrap(), "87.6");
    assert!(html[at(r#"id="private-score""#)..].starts_with(r#"id="private-score">87.6</span> <span class="iv" title="95% interval">(80.1–93.2)</span>"#));
    assert!(html.contains("(70.0–95.5)"), "the public score's interval");
    assert!(html.contains("Score = accuracy on the private rows, 0.5 → 0 and 0.95 → 100, linear and clamped; the median over 3 seeded runs."));
    assert!(html.contains("(0.861–0.942)") && html.contains("(0.813–0.974)"), "each metric's interval");
    assert!(html.contains("CPU 1.2 s of 6 s · wall 1.5 s · peak memory 42 MB of 256 MB"), "resources beside the limits");
    assert!(html.contains("4243") && html.contains("(graded)"), "the seeded runs");
    assert!(html[at(r#"id="grading-notes""#)..].contains("predict_proba failed"), "notes as notes");
    assert!(!html.contains(r#"class="error""#), "a note is not an error");

    // The candidate sees the public score with its interval and what the run used, nothing private.
    let session = app.open_invitation(&grace).await;
    let mine = page(&app, &session, &format!("/submissions/{id}")).await;
    assert_eq!(text_of(&mine, "public-score").unwrap(), "84");
    assert!(mine.contains("(70.0–95.5)") && mine.contains("(0.813–0.974)"), "public intervals");
    assert!(mine.contains("CPU 1.2 s of 6 s · peak memory 42 MB of 256 MB"), "resources beside the limits");
    for private in ["80.1", "87.6", "leak", "4243", "predict_proba failed", "private-score"] {
        assert!(!mine.contains(private), "the candidate does not see {private}");
    }

    // The leaderboard shows the interval beside the score.
    let board = page(&app, &ivy, &format!("/leaderboard/{TINY}")).await;
    assert!(board.contains("87.6 <span class=\"iv\" title=\"95% interval\">(80.1–93.2)</span>"));
    app.stop().await;
}
