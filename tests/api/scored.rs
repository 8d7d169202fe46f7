//! Scored challenges: the candidate's code and the trusted scoring program run in separate sandboxes;
//! the references never reach the candidate, and a crashing program is the challenge's fault.

use crate::helpers::*;

const SCORED: &str = "tiny-scored";

fn solution(body: &str) -> String {
    format!("def add(a, b):\n{body}\n")
}

#[tokio::test]
async fn scored_challenges_grade_through_their_own_program() {
    let app = spawn_app().await;
    let right = app.submit(SCORED, solution("    return a + b")).await;
    let wrong = app.submit(SCORED, solution("    return a - b")).await;
    let crash = app.submit(SCORED, solution("    return 'boom'")).await;
    let raises = app.submit(SCORED, solution("    raise ValueError('no')")).await;
    // Looks for the references in its own sandbox: they must not be there.
    let snoop = app
        .submit(
            SCORED,
            "import os, time\nstop = time.time() + 4\nfor root, dirs, files in os.walk('/'):\n    if root.startswith(('/proc', '/sys', '/dev', '/usr/share', '/usr/lib')) or time.time() > stop:\n        dirs[:] = []\n        continue\n    for f in files:\n        if not os.path.isfile(os.path.join(root, f)):\n            continue\n        try:\n            if b'c4n4ry' in open(os.path.join(root, f), 'rb').read(1 << 20) and f != 'solution.py':\n                print('LEAK-FOUND', os.path.join(root, f))\n        except OSError:\n            pass\nprint('searched')\n\ndef add(a, b):\n    return a + b\n",
        )
        .await;

    let r = app.wait_for(&right).await;
    assert_eq!(r["verdict"], "accepted", "{r:#}");
    assert_eq!(r["score"].as_f64(), Some(100.0));
    assert_eq!(r["metrics"]["correct_fraction"].as_f64(), Some(1.0));

    let w = app.wait_for(&wrong).await;
    assert_eq!(w["verdict"], "accepted");
    assert!(w["score"].as_f64().unwrap() < 20.0, "{w:#}");

    let c = app.wait_for(&crash).await;
    assert_eq!(c["verdict"], "internal_error", "{c:#}");
    let message = c["message"].as_str().unwrap();
    assert!(message.contains("scoring program failed") && message.contains("fault of the challenge"), "{message}");
    assert!(c["score"].is_null());
    let fault = c["challenge_fault"].as_str().expect("staff see what the program printed");
    assert!(fault.contains("cannot handle this output"), "{fault}");
    assert!(!message.contains("answers_c4n4ry"), "the message carries none of the program's output");

    let e = app.wait_for(&raises).await;
    assert_eq!(e["verdict"], "runtime_error", "the candidate's own exception is the candidate's: {e:#}");

    let s = app.wait_for(&snoop).await;
    assert_eq!(s["verdict"], "accepted", "{s:#}");
    let log = s["log"].as_str().unwrap();
    assert!(log.contains("searched"), "the search ran: {log}");
    assert!(!log.contains("LEAK-FOUND"), "references reached the candidate: {log}");
    app.stop().await;
}
