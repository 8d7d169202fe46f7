//! Hiring teams publish challenges as bundles: a valid one becomes a new version, every invalid kind is
//! refused precisely and leaves nothing behind, and versions and regrades keep old results.

use std::path::Path;

use serde_json::Value;

use crate::helpers::*;

/// A `.tar.gz` of `dir` under a top folder named `top`, with `edit` applied to each (path, bytes).
fn bundle_of(dir: &Path, top: &str, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    for rel in files {
        let bytes = std::fs::read(dir.join(&rel)).unwrap();
        if let Some(bytes) = edit(&rel, bytes) {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, format!("{top}/{rel}"), bytes.as_slice()).unwrap();
        }
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

fn tiny_dir() -> std::path::PathBuf {
    repo().join("tests/fixtures/challenges").join(TINY)
}

async fn upload(app: &TestApp, slug: &str, bundle: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("slug", slug.to_owned())
        .part("bundle", reqwest::multipart::Part::bytes(bundle).file_name("bundle.tar.gz"));
    let resp = app.client.post(app.url("/api/v1/challenges")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn message(body: &Value) -> String {
    body["error"]["message"].as_str().unwrap_or_default().to_owned()
}

async fn challenge_status(app: &TestApp, slug: &str) -> u16 {
    app.client.get(app.url(&format!("/api/v1/challenges/{slug}"))).bearer_auth(TOKEN).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn invalid_bundles_are_refused_precisely_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "bad manifest",
            bundle_of(&tiny_dir(), "c", |p, b| {
                Some(if p == "challenge.toml" { String::from_utf8(b).unwrap().replace("\"accuracy\"", "\"acuracy\"").into_bytes() } else { b })
            }),
            422,
            "grading.metric",
        ),
        ("missing file", bundle_of(&tiny_dir(), "c", |p, b| (p != "hidden/test.csv").then_some(b)), 422, "data.test"),
        ("traversal", raw_tar_gz(&[("c/challenge.toml", b"x".as_slice()), ("../escape.txt", b"x".as_slice())]), 400, "climbs out"),
        ("link", link_tar_gz(), 400, "link"),
        ("oversized", bomb_tar_gz(), 413, "limit"),
        (
            "failing reference",
            bundle_of(&tiny_dir(), "c", |p, b| {
                Some(if p == "reference/solution.py" { std::fs::read(tiny_dir().join("baseline/solution.py")).unwrap() } else { b })
            }),
            422,
            "the reference scored",
        ),
        ("not an archive", b"just text".to_vec(), 400, "neither a .tar.gz nor a .zip"),
    ];
    for (name, bundle, status, says) in cases {
        let (got, body) = upload(&app, "fresh-challenge", bundle).await;
        assert_eq!(got, status, "{name}: {body}");
        assert!(message(&body).contains(says), "{name}: {:?} should mention {says:?}", message(&body));
        assert_eq!(challenge_status(&app, "fresh-challenge").await, 404, "{name} published something");
    }
    let data = app.data_dir();
    assert!(!data.join("challenges/fresh-challenge").exists(), "a refused bundle left a version folder");
    let staging: Vec<_> = std::fs::read_dir(data.join("staging")).unwrap().collect();
    assert!(staging.is_empty(), "staging folders left behind: {staging:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_new_bundle_makes_a_new_version_and_regrade_keeps_the_old_result() {
    let app = spawn_app().await;
    let list: Value = app.client.get(app.url("/api/v1/challenges")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let tiny = list.as_array().unwrap().iter().find(|c| c["slug"] == TINY).unwrap().clone();
    assert_eq!(tiny["version"], 1, "the shipped folder is published as version 1");

    let reference = std::fs::read_to_string(tiny_dir().join("reference/solution.py")).unwrap();
    let first = app.submit(TINY, reference).await;
    let before = app.wait_for(&first).await;
    assert_eq!(before["challenge_version"], 1);

    // Version 2 scores on a harsher scale (full marks only at accuracy 1.0): the same code scores lower.
    let harsher = bundle_of(&tiny_dir(), TINY, |p, b| {
        Some(if p == "challenge.toml" {
            String::from_utf8(b).unwrap().replace("full = 0.95", "full = 1.0 ").replace("expected_score = 80", "expected_score = 60").into_bytes()
        } else {
            b
        })
    });
    let (status, body) = upload(&app, TINY, harsher).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"], 2);
    assert!(body["check"]["reference_score"].as_f64().unwrap() >= body["check"]["expected_score"].as_f64().unwrap());

    let again = app.submission_json(&first).await;
    assert_eq!(again["score"], before["score"], "publishing a version changed an old result");
    assert_eq!(again["challenge_version"], 1);

    let resp = app.client.post(app.url(&format!("/api/v1/submissions/{first}/regrade"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 202);
    let regraded = app.wait_for(&first).await;
    assert_eq!(regraded["challenge_version"], 2);
    let history = regraded["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{regraded:#}");
    assert_eq!(history[0]["challenge_version"], 1);
    assert_eq!(history[0]["score"], before["score"]);
    assert_eq!(history[1]["challenge_version"], 2);
    assert!(history[1]["score"].as_f64().unwrap() < history[0]["score"].as_f64().unwrap(), "{history:?}");

    let fresh = app.submit(TINY, fixture("trivial.py")).await;
    assert_eq!(app.wait_for(&fresh).await["challenge_version"], 2, "new submissions use the current version");

    let missing = app.client.post(app.url("/api/v1/submissions/0190b2f4-0000-7000-8000-000000000000/regrade")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let anonymous = app.client.post(app.url(&format!("/api/v1/submissions/{first}/regrade"))).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn a_valid_bundle_under_a_new_slug_publishes_and_grades() {
    let app = spawn_app().await;
    let (status, body) = upload(&app, "uploaded-tiny", bundle_of(&tiny_dir(), "anything", |_, b| Some(b))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(challenge_status(&app, "uploaded-tiny").await, 200);
    let id = app.submit("uploaded-tiny", fixture("trivial.py")).await;
    let graded = app.wait_for(&id).await;
    assert_eq!(graded["verdict"], "accepted", "{graded:#}");
    let detail = app.client.get(app.url("/api/v1/challenges/uploaded-tiny")).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    assert!(!detail.contains("hidden/"), "hidden file names are never served");
    app.stop().await;
}

fn raw_tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn link_tar_gz() -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder.append_link(&mut header, "c/challenge.toml", "/etc/passwd").unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// A small archive that expands past the per-file cap.
fn bomb_tar_gz() -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best()));
    let mut header = tar::Header::new_gnu();
    let size: u64 = 80 << 20;
    header.set_size(size);
    header.set_mode(0o644);
    builder.append_data(&mut header, "c/hidden/huge.csv", std::io::repeat(b'0').take(size)).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

use std::io::Read;

#[tokio::test]
async fn the_challenges_page_publishes_a_bundle_and_says_in_words_why_one_is_refused() {
    let app = spawn_app().await;
    app.create_user("hana", "admin").await;
    app.create_user("ivo", "interviewer").await;
    let admin = app.sign_in("hana").await;
    let post = |session: &Session, slug: &str, bundle: Vec<u8>, csrf: &str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .text("slug", slug.to_owned())
            .part("bundle", reqwest::multipart::Part::bytes(bundle).file_name("bundle.tar.gz"));
        raw_client().post(app.url("/challenges")).header("cookie", session.header()).multipart(form).send()
    };

    let page = raw_client().get(app.url("/challenges")).header("cookie", admin.header()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"enctype="multipart/form-data""#) && page.contains(r#"name="bundle""#), "the admin sees the upload form");

    let broken = bundle_of(&tiny_dir(), "c", |p, b| (p != "hidden/test.csv").then_some(b));
    let refused = post(&admin, "page-upload", broken, &admin.csrf).await.unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("Not published") && text.contains("data.test") && text.contains("does not exist"), "{text}");

    let forged = post(&admin, "page-upload", bundle_of(&tiny_dir(), "c", |_, b| Some(b)), "not-the-token").await.unwrap();
    assert_eq!(forged.status(), 403, "the form needs its CSRF token");

    let ok = post(&admin, "page-upload", bundle_of(&tiny_dir(), "c", |_, b| Some(b)), &admin.csrf).await.unwrap();
    assert_eq!(ok.status(), 200);
    let text = ok.text().await.unwrap();
    assert!(text.contains("Published") && text.contains("page-upload"), "{text}");
    assert_eq!(challenge_status(&app, "page-upload").await, 200);

    let interviewer = app.sign_in("ivo").await;
    let page = raw_client().get(app.url("/challenges")).header("cookie", interviewer.header()).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(r#"name="bundle""#), "interviewers do not publish");
    let denied = post(&interviewer, "page-upload-2", bundle_of(&tiny_dir(), "c", |_, b| Some(b)), &interviewer.csrf).await.unwrap();
    assert_eq!(denied.status(), 403);
    app.stop().await;
}
