//! Hostile submissions: each must get its expected verdict, leak nothing, and leave the service healthy
//! with no container behind.

use std::time::Duration;

use crate::helpers::*;

/// The label column name of the test-only challenge's hidden files: it must never be seen in a sandbox.
const LABEL_CANARY: &str = "label_c4n4ry_7f3a";

/// (fixture, text the log must contain, text the log must not contain)
const CASES: &[(&str, &[&str], &[&str])] = &[
    ("infinite_loop.py", &[], &[]),
    ("long_sleep.py", &[], &[]),
    ("memory_bomb.py", &[], &[]),
    ("fork_bomb.py", &[], &[]),
    ("network.py", &[], &["NETWORK-REACHED"]),
    ("fs_search.py", &[], &["LEAK-FOUND"]),
    ("env_search.py", &[], &["SECRET-FOUND", TOKEN]),
    ("stdout_flood.py", &["mlgrade cut the log"], &[]),
    ("disk_fill.py", &["DISK-FULL"], &["ROOT-WRITABLE"]),
    ("forged_score.py", &["\"score\": 100"], &[]),
    ("privilege.py", &[], &["ESCALATED"]),
    ("syntax_error.py", &["SyntaxError"], &[]),
    ("no_model.py", &["must define a class named Model"], &[]),
    ("fit_raises.py", &["ValueError"], &[]),
    ("wrong_count.py", &[], &[]),
    ("nan_predictions.py", &[], &[]),
    ("unknown_label.py", &[], &[]),
    ("sklearn_import.py", &["No module named 'sklearn'"], &[]),
    ("exit_in_predict.py", &[], &[]),
];

/// The fixture's `# expect:` verdict, or its `# expect under another OCI runtime:` one when the suite
/// runs under such a runtime (MLGRADE_TEST_OCI_RUNTIME), whose limits bound some attacks differently.
fn expected_verdict(source: &str) -> String {
    let line = |prefix: &str| source.lines().find_map(|l| l.strip_prefix(prefix)).map(|v| v.trim().to_owned());
    let other_runtime = std::env::var("MLGRADE_TEST_OCI_RUNTIME").is_ok_and(|r| !r.is_empty());
    other_runtime
        .then(|| line("# expect under another OCI runtime: "))
        .flatten()
        .or_else(|| line("# expect: "))
        .unwrap_or_else(|| panic!("fixture without '# expect:' line"))
}

#[tokio::test]
async fn hostile_submissions_get_their_verdicts_and_leak_nothing() {
    let app = spawn_app().await;
    // A listener on the host's loopback: a sandbox with network mode none must never reach it.
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_port = trap.local_addr().unwrap().port().to_string();

    let mut submitted = Vec::new();
    for (name, must, must_not) in CASES {
        let source = fixture(name).replace("{{PORT}}", &trap_port).replace("{{CANARY}}", if *name == "env_search.py" { TOKEN } else { LABEL_CANARY });
        let expect = expected_verdict(&source);
        let id = app.submit(TINY, source).await;
        submitted.push((id, *name, expect, *must, *must_not));
    }

    let mut failures = Vec::new();
    let mut ids = Vec::new();
    for (id, name, expect, must, must_not) in &submitted {
        let s = app.wait_for(id).await;
        ids.push(id.clone());
        let log = s["log"].as_str().unwrap_or_default();
        if s["verdict"] != expect.as_str() {
            failures.push(format!("{name}: verdict {} (message {}), expected {expect}\nlog: {}", s["verdict"], s["message"], tail(log)));
        }
        for text in *must {
            if !log.contains(text) {
                failures.push(format!("{name}: log lacks {text:?}\nlog: {}", tail(log)));
            }
        }
        for text in *must_not {
            if log.contains(text) {
                failures.push(format!("{name}: log contains {text:?}\nlog: {}", tail(log)));
            }
        }
        if log.len() > mlgrade::sandbox::LOG_CAP + 200 {
            failures.push(format!("{name}: log of {} bytes passed the cap", log.len()));
        }
        if *name == "forged_score.py" && s["score"].as_f64() != Some(0.0) {
            failures.push(format!("{name}: forged lines changed the score to {}", s["score"]));
        }
        if expect != "accepted" && !s["score"].is_null() {
            failures.push(format!("{name}: a failed run has a score {}", s["score"]));
        }
    }
    assert!(failures.is_empty(), "{} hostile case(s) failed:\n{}", failures.len(), failures.join("\n\n"));

    let accepted = tokio::time::timeout(Duration::from_millis(50), trap.accept()).await;
    assert!(accepted.is_err(), "a sandbox connected to the host's loopback");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "service healthy after the hostile suite");
    until_containers_gone(&ids, Duration::from_secs(10)).await;
    app.stop().await;
}

fn tail(log: &str) -> &str {
    let start = log.len().saturating_sub(1500);
    let start = (start..log.len()).find(|&i| log.is_char_boundary(i)).unwrap_or(log.len());
    &log[start..]
}
