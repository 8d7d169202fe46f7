//! Bad input gets a precise JSON error; the catalogue endpoints show public facts only.

use serde_json::Value;

use crate::helpers::*;

async fn error_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("JSON error body");
    let code = body["error"]["code"].as_str().expect("error.code").to_owned();
    let message = body["error"]["message"].as_str().expect("error.message").to_owned();
    (status, code, message)
}

#[tokio::test]
async fn bad_submissions_are_refused_with_clear_json_errors() {
    let app = spawn_app().await;
    let post = |form: reqwest::multipart::Form, token: Option<&str>| {
        let mut req = app.client.post(app.url("/api/v1/submissions")).multipart(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let file = |bytes: Vec<u8>| reqwest::multipart::Part::bytes(bytes).file_name("solution.py");
    let ok_source = b"class Model:\n    pass\n".to_vec();

    let (s, code, msg) = error_of(app.post_submission("no-such-challenge", ok_source.clone()).await).await;
    assert_eq!((s, code.as_str()), (404, "not_found"), "{msg}");
    assert!(msg.contains("no-such-challenge"));

    let form = reqwest::multipart::Form::new().part("file", file(ok_source.clone()));
    let (s, _, msg) = error_of(post(form, Some(TOKEN)).await.unwrap()).await;
    assert_eq!(s, 400);
    assert!(msg.contains("challenge"), "{msg}");

    let not_multipart = app.client.post(app.url("/api/v1/submissions")).bearer_auth(TOKEN).json(&serde_json::json!({"challenge": TINY})).send().await.unwrap();
    let (s, code, msg) = error_of(not_multipart).await;
    assert_eq!((s, code.as_str()), (400, "bad_request"));
    assert!(msg.contains("multipart/form-data"), "{msg}");

    let form = reqwest::multipart::Form::new().text("challenge", TINY);
    let (s, _, msg) = error_of(post(form, Some(TOKEN)).await.unwrap()).await;
    assert_eq!(s, 400);
    assert!(msg.contains("file"), "{msg}");

    // The test service caps uploads at 256 KiB, the default: a pasted data table fits, this does not.
    let big = format!("# {}\n", "x".repeat(300 * 1024));
    let (s, code, _) = error_of(app.post_submission(TINY, big).await).await;
    assert_eq!((s, code.as_str()), (413, "payload_too_large"));
    let huge = vec![b'#'; 2 * 1024 * 1024];
    let (s, _, _) = error_of(app.post_submission(TINY, huge).await).await;
    assert_eq!(s, 413, "a body far past the cap is refused too");

    let (s, _, msg) = error_of(app.post_submission(TINY, vec![0x7f, b'E', b'L', b'F', 0, 0, 1]).await).await;
    assert_eq!(s, 400);
    assert!(msg.contains("binary"), "{msg}");
    let (s, _, msg) = error_of(app.post_submission(TINY, vec![b'a', 0xff, 0xfe, b'\n']).await).await;
    assert_eq!(s, 400);
    assert!(msg.contains("UTF-8"), "{msg}");

    let form = reqwest::multipart::Form::new().text("challenge", TINY).part("file", file(ok_source.clone()));
    let (s, code, _) = error_of(post(form, None).await.unwrap()).await;
    assert_eq!((s, code.as_str()), (401, "unauthorized"));
    let form = reqwest::multipart::Form::new().text("challenge", TINY).part("file", file(ok_source));
    let (s, _, _) = error_of(post(form, Some("wrong-token-wrong-token")).await.unwrap()).await;
    assert_eq!(s, 401);

    for path in ["/api/v1/submissions/not-an-id", "/api/v1/submissions/0190b2f4-0000-7000-8000-000000000000"] {
        let resp = app.client.get(app.url(path)).bearer_auth(TOKEN).send().await.unwrap();
        let (s, code, _) = error_of(resp).await;
        assert_eq!((s, code.as_str()), (404, "not_found"), "{path}");
    }
    let resp = app.client.get(app.url("/api/v1/submissions/0190b2f4-0000-7000-8000-000000000000")).send().await.unwrap();
    assert_eq!(resp.status(), 401, "reading results needs the token");
    let (s, _, _) = error_of(app.client.get(app.url("/api/nowhere")).send().await.unwrap()).await;
    assert_eq!(s, 404);

    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn challenge_endpoints_show_public_facts_and_never_hidden_files() {
    let app = spawn_app().await;
    let list: Value = app.client.get(app.url("/api/v1/challenges")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let slugs: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&DECISION_TREE) && slugs.contains(&TINY), "{slugs:?}");

    let resp = app.client.get(app.url(&format!("/api/v1/challenges/{TINY}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["metric"]["name"], "accuracy");
    assert_eq!(detail["limits"]["time_seconds"], 6);
    assert_eq!(detail["interface"]["class"], "Model");
    assert!(detail["statement"].as_str().unwrap().len() > 20);
    for secret in ["hidden/", "train.csv", "test.csv", "reference/", "baseline/"] {
        assert!(!text.contains(secret), "challenge detail mentions {secret:?}");
    }
    let sample = app.client.get(app.url(&format!("/api/v1/challenges/{TINY}/sample.csv"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(sample.status(), 200);
    assert!(sample.text().await.unwrap().lines().count() > 1);

    let missing = app.client.get(app.url("/api/v1/challenges/nope")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    // The catalogue is for staff and invited candidates only.
    let anonymous = app.client.get(app.url("/api/v1/challenges")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn a_malformed_manifest_stops_the_service_with_file_field_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("challenges");
    let broken = root.join("broken-one");
    std::fs::create_dir_all(&broken).unwrap();
    let good = std::fs::read_to_string(repo().join("tests/fixtures/challenges").join(TINY).join("challenge.toml")).unwrap();
    std::fs::write(broken.join("challenge.toml"), good.replace("metric = \"accuracy\"", "metric = \"acuracy\"")).unwrap();
    let err = match mlgrade::startup::Application::build(&serve_config(), &paths(root, &dir.path().join("data"))).await {
        Ok(_) => panic!("a broken manifest must stop the service"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("broken-one/challenge.toml"), "{err}");
    assert!(err.contains("grading.metric"), "{err}");
    assert!(err.contains("acuracy"), "{err}");
}
