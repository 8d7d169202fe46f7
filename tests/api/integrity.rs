//! Integrity against the real engine: data carried in the code, hidden answers looked up, copies of
//! the reference and of other candidates' work end flagged; independent honest work does not.

use serde_json::Value;

use crate::helpers::*;

fn check<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name} check: {s:#}"))
}

fn flagged(s: &Value, name: &str) -> bool {
    check(s, name)["flagged"].as_bool().unwrap()
}

/// A copy as a cheater disguises it: comments dropped, names changed, indentation halved.
fn disguised(source: &str) -> String {
    let renames = [("_grow", "_expand"), ("node", "vertex"), ("depth", "level"), ("counts", "tally"), ("idx", "index_of")];
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let mut line = format!("{}{}", " ".repeat(indent / 2), l.trim_start());
            for (from, to) in renames {
                line = replace_word(&line, from, to);
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces `from` where it stands as a whole identifier (not `max_depth` for `depth`).
fn replace_word(line: &str, from: &str, to: &str) -> String {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

fn panel(file: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/panel").join(DECISION_TREE).join(file)).unwrap()
}

#[tokio::test]
async fn pasted_tables_and_a_renamed_reference_are_flagged() {
    let app = spawn_app().await;
    let cases = ["lookup_exact.py", "lookup_nearest.py", "embedded_table.py", "renamed_reference.py"];
    let mut ids = Vec::new();
    for file in cases {
        ids.push(app.submit(DECISION_TREE, fixture(file)).await);
    }
    for (file, id) in cases.iter().zip(&ids) {
        let s = app.wait_for(id).await;
        assert_eq!(s["verdict"], "accepted", "{file}: {s:#}");
        if file.starts_with("renamed") {
            assert!(!flagged(&s, "embedded_data"), "{file}: {:#}", check(&s, "embedded_data"));
            let similar = check(&s, "similarity");
            assert!(similar["flagged"].as_bool().unwrap(), "{file}: {similar:#}");
            assert!(similar["explanation"].as_str().unwrap().contains("reference"), "{similar:#}");
            let link = similar["link"].as_str().expect("a link to the side-by-side view");
            assert_eq!(link, format!("/submissions/{id}/similar/reference"));
            app.create_user("ivy", "interviewer").await;
            let ivy = app.sign_in("ivy").await;
            let page = app.client.get(app.url(link)).header("cookie", ivy.header()).send().await.unwrap();
            assert_eq!(page.status(), 200);
            let html = page.text().await.unwrap();
            let marked = html.matches("<mark").count();
            assert!(html.contains("matching lines") && marked > 40, "most lines are marked on both sides: {marked}");
        } else {
            let embedded = check(&s, "embedded_data");
            assert!(embedded["flagged"].as_bool().unwrap(), "{file}: {embedded:#}");
            assert!(embedded["value"].as_f64().unwrap() > 5000.0, "{file}: the table's numbers are counted: {embedded:#}");
        }
        // Redrawn rows: the public table holds none of them, so a lookup is only a nearest-neighbour
        // model trained on the public rows, not a source of the hidden answers.
        if file.starts_with("lookup") {
            assert!(s["metrics"]["accuracy"].as_f64().unwrap() < 0.99, "{file}: {s:#}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_copy_between_two_candidates_is_flagged_and_independent_work_is_not() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for name in ["Ada", "Grace", "Edsger", "Barbara"] {
        let inv = app
            .invite(serde_json::json!({
                "name": name, "email": format!("{name}@example.com"), "challenges": [DECISION_TREE],
                "submission_limit": 3, "expires_in_hours": 24, "cooldown_seconds": 0
            }))
            .await;
        tokens.push(inv.token);
    }
    let submit = |token: String, source: String| {
        let app = &app;
        async move {
            let resp = app.submit_as(&token, DECISION_TREE, &source).await;
            assert_eq!(resp.status(), 202);
            resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        }
    };
    // Ada and Grace write their own trees; Edsger submits Ada's file with its names changed and its
    // comments dropped; Barbara writes a k-nearest-neighbour model of her own.
    let ada = submit(tokens[0].clone(), panel("honest_entropy_cart.py")).await;
    let ada_done = app.wait_for(&ada).await;
    let grace = submit(tokens[1].clone(), fixture("honest_dict_tree.py")).await;
    let copy = disguised(&panel("honest_entropy_cart.py"));
    let edsger = submit(tokens[2].clone(), copy).await;
    let barbara = submit(tokens[3].clone(), panel("memoriser_1nn.py")).await;
    let (g, e, b) = (app.wait_for(&grace).await, app.wait_for(&edsger).await, app.wait_for(&barbara).await);

    for (who, s) in [("Ada", &ada_done), ("Grace", &g), ("Barbara", &b)] {
        assert_eq!(s["verdict"], "accepted", "{who}: {s:#}");
        assert!(!flagged(s, "similarity"), "{who} wrote their own: {:#}", check(s, "similarity"));
        for name in ["embedded_data", "leak", "probe_consistency", "stability"] {
            assert!(!flagged(s, name), "{who}: {name}: {:#}", check(s, name));
        }
    }
    assert_eq!(e["verdict"], "accepted", "the disguised copy still works: {e:#}");
    let similar = check(&e, "similarity");
    assert!(similar["flagged"].as_bool().unwrap(), "{similar:#}");
    assert!(similar["value"].as_f64().unwrap() > 0.8, "{similar:#}");
    assert!(similar["explanation"].as_str().unwrap().contains("by Ada"), "{similar:#}");
    assert_eq!(similar["link"].as_str().unwrap(), format!("/submissions/{edsger}/similar/{ada}"));
    app.stop().await;
}

#[tokio::test]
async fn leaked_hidden_answers_are_caught_by_the_reference_and_the_probe_rows() {
    let app = spawn_app().await;
    let reference = std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join("reference/solution.py")).unwrap();
    let honest = app.submit(TINY, reference).await;
    let cheat = app.submit(TINY, fixture("tiny_lookup.py")).await;
    let (h, c) = (app.wait_for(&honest).await, app.wait_for(&cheat).await);
    assert_eq!(c["verdict"], "accepted", "{c:#}");
    assert_eq!(c["score"].as_f64().unwrap(), 100.0, "the leaked answers are all right: {c:#}");
    assert!(flagged(&c, "leak"), "{:#}", check(&c, "leak"));
    let probes = check(&c, "probe_consistency");
    assert!(probes["flagged"].as_bool().unwrap(), "the lookup cannot find the near-copies: {probes:#}");
    assert!(probes["value"].as_f64().unwrap() < 0.8, "{probes:#}");
    for name in ["leak", "probe_consistency", "embedded_data"] {
        assert!(!flagged(&h, name), "the reference: {name}: {:#}", check(&h, name));
    }
    // Submitted verbatim, the challenge's own reference is itself a copy.
    assert!(flagged(&h, "similarity"), "{:#}", check(&h, "similarity"));
    assert!(check(&h, "probe_consistency")["value"].as_f64().unwrap() >= 0.9, "{h:#}");
    app.stop().await;
}
