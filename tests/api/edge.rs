//! The HTTP edge against hostile clients: every error is JSON with the right status on the API and a
//! page elsewhere, no error quotes more than an excerpt of its input, text fields are strict UTF-8,
//! listing filters match literally, and an abandoned upload leaves nothing behind.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::helpers::*;

/// Status, content type and body of a response.
async fn answer(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, kind, resp.text().await.unwrap())
}

/// Asserts a JSON error with `status` and `code`; returns its message.
async fn json_error(resp: reqwest::Response, status: u16, code: &str) -> String {
    let (got, kind, body) = answer(resp).await;
    assert_eq!(got, status, "{body}");
    assert!(kind.starts_with("application/json"), "{kind}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], code, "{body}");
    v["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn framework_rejections_answer_json_with_the_right_status() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(app.url(path)).bearer_auth(TOKEN).send();

    json_error(get("/api/v1/submissions?flagged=yes").await.unwrap(), 400, "bad_request").await;
    json_error(get("/api/v1/submissions/%FF").await.unwrap(), 400, "bad_request").await;
    let revoke = app.client.post(app.url("/api/v1/tokens/99999999999999999999999/revoke")).bearer_auth(TOKEN).send().await.unwrap();
    json_error(revoke, 400, "bad_request").await;

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(10 << 20));
    let resp = app.client.post(app.url("/api/v1/tokens")).bearer_auth(TOKEN).header("content-type", "application/json").body(huge).send().await;
    // The service may close the connection once it has answered, before the whole body is sent.
    if let Ok(resp) = resp {
        json_error(resp, 413, "payload_too_large").await;
    }
    // A body past the largest any route takes, on a route that reads no body at all.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!("POST /api/v1/submissions/x/regrade HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 100000000\r\n\r\n");
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::io::AsyncReadExt::read(&mut conn, &mut buf).await.unwrap();
    let refusal = String::from_utf8_lossy(&buf[..n]).to_lowercase();
    assert!(refusal.starts_with("http/1.1 413"), "{refusal}");
    assert!(refusal.contains("application/json") && refusal.contains("payload_too_large"), "{refusal}");

    let plain = app.client.post(app.url("/api/v1/tokens")).bearer_auth(TOKEN).body("name=x").send().await.unwrap();
    json_error(plain, 415, "unsupported_media_type").await;
    let broken = app.client.post(app.url("/api/v1/tokens")).bearer_auth(TOKEN).header("content-type", "application/json").body("{").send().await.unwrap();
    json_error(broken, 400, "bad_request").await;

    let delete = app.client.delete(app.url("/api/v1/me")).bearer_auth(TOKEN).send().await.unwrap();
    assert!(delete.headers().get("allow").is_some(), "405 keeps its Allow header");
    json_error(delete, 405, "method_not_allowed").await;
    json_error(get("/api/v1/nothing-here").await.unwrap(), 404, "not_found").await;

    // Pages answer in HTML, also for what the framework refuses.
    app.create_user("edge-staff", "interviewer").await;
    let session = app.sign_in("edge-staff").await;
    for (path, status) in [("/nothing-here", 404), ("/submissions/%FF", 400), ("/admin/users/1x/disable", 405)] {
        let resp = raw_client().get(app.url(path)).header("cookie", session.header()).send().await.unwrap();
        let (got, kind, body) = answer(resp).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(body.contains("<html") || body.contains("<!DOCTYPE"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn errors_quote_only_an_excerpt_and_text_fields_are_strict_utf8() {
    let app = spawn_app().await;
    let long = "a".repeat(4000);
    let message = json_error(app.post_submission(&long, "class Model: pass\n").await, 404, "not_found").await;
    assert!(message.len() < 200, "the name is quoted whole: {} bytes", message.len());
    let too_long = "a".repeat(10_000);
    json_error(app.post_submission(&too_long, "class Model: pass\n").await, 413, "payload_too_large").await;

    let form = reqwest::multipart::Form::new()
        .part("challenge", reqwest::multipart::Part::bytes(vec![b't', 0xff, 0xfe]))
        .part("file", reqwest::multipart::Part::bytes(b"class Model: pass\n".to_vec()).file_name("solution.py"));
    let resp = app.client.post(app.url("/api/v1/submissions")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    let message = json_error(resp, 400, "bad_request").await;
    assert!(message.contains("UTF-8"), "{message}");

    let long_id = "9".repeat(5000);
    let message = json_error(app.client.get(app.url(&format!("/api/v1/submissions/{long_id}"))).bearer_auth(TOKEN).send().await.unwrap(), 404, "not_found").await;
    assert!(message.len() < 200, "{} bytes", message.len());
    app.stop().await;
}

#[tokio::test]
async fn candidate_filters_match_their_text_literally() {
    let app = spawn_app().await;
    app.submit(TINY, fixture("trivial.py")).await;
    let list = |q: &'static str| {
        let c = app.client.clone();
        let url = app.url(&format!("/api/v1/submissions?candidate={q}"));
        async move { c.get(url).bearer_auth(TOKEN).send().await.unwrap().json::<Vec<Value>>().await.unwrap() }
    };
    let me: Value = app.client.get(app.url("/api/v1/me")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    let name = me["name"].as_str().unwrap().to_owned();
    assert!(!name.contains('_') && !name.contains('%'));
    assert_eq!(list("_").await.len(), 0, "'_' is not a wildcard");
    assert_eq!(list("%25").await.len(), 0, "'%' is not a wildcard");
    let part: &'static str = Box::leak(name[..2].to_owned().into_boxed_str());
    assert_eq!(list(part).await.len(), 1, "part of the name matches");
    app.stop().await;
}

/// Every entry of the staging folder (hidden ones included).
fn staged(app: &TestApp) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(app.data_dir().join("staging")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Waits until `check` holds, for at most `limit`.
async fn until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// The head and the first part of a bundle upload whose body claims `len` bytes of bundle.
fn upload_head(app: &TestApp, len: usize) -> (Vec<u8>, Vec<u8>) {
    let boundary = "edge-test-boundary";
    let start = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"slug\"\r\n\r\nabandoned\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"bundle\"; filename=\"b.tar.gz\"\r\nContent-Type: application/gzip\r\n\r\n"
    );
    let end = format!("\r\n--{boundary}--\r\n");
    let head = format!(
        "POST /api/v1/challenges HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{start}",
        app.address.trim_start_matches("http://"),
        start.len() + len + end.len()
    );
    (head.into_bytes(), end.into_bytes())
}

/// A gzipped tar that unpacks to `files` files of `mb` MiB of zeros each: small to send, slow to unpack.
fn slow_bundle(files: usize, mb: usize) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    let zeros = vec![0u8; mb << 20];
    for i in 0..files {
        let mut header = tar::Header::new_gnu();
        header.set_size(zeros.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, format!("c/data{i}.bin"), zeros.as_slice()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_upload_or_mid_unpack_leaves_nothing_behind() {
    let app = spawn_app().await;
    let addr = app.address.trim_start_matches("http://").to_owned();

    // Mid-upload: half of a 20 MB body, then the connection closes.
    let (head, _) = upload_head(&app, 20 << 20);
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(&head).await.unwrap();
    conn.write_all(&vec![0x1f; 10 << 20]).await.unwrap();
    assert!(until(Duration::from_secs(10), || !staged(&app).is_empty()).await, "the upload is staged on disk");
    drop(conn);
    assert!(until(Duration::from_secs(10), || staged(&app).is_empty()).await, "left behind: {:?}", staged(&app));

    // Mid-unpack: the whole body, then the connection closes while the archive is unpacking.
    let bundle = slow_bundle(4, 60);
    let (head, end) = upload_head(&app, bundle.len());
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(&head).await.unwrap();
    conn.write_all(&bundle).await.unwrap();
    conn.write_all(&end).await.unwrap();
    let unpacking = until(Duration::from_secs(10), || staged(&app).iter().any(|d| d.join("unpacked").exists())).await;
    drop(conn);
    assert!(unpacking, "the archive was being unpacked");
    assert!(until(Duration::from_secs(30), || staged(&app).is_empty()).await, "left behind: {:?}", staged(&app));

    // The service still publishes nothing and answers.
    let resp = app.client.get(app.url("/api/v1/challenges/abandoned")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_others_still_served() {
    let app = spawn_app_configured(|c| c.edge.header_timeout_seconds = 2).await;
    let addr = app.address.trim_start_matches("http://").to_owned();

    // Hundreds of connections that send a request line and never finish their headers.
    const SLOW: usize = 300;
    let mut slow = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        slow.push(conn);
    }
    // And one that is idle after a request on a keep-alive connection.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();

    let started = Instant::now();
    let resp = app.client.get(app.url("/api/v1/challenges")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200, "others are still served");
    assert!(started.elapsed() < Duration::from_secs(2), "promptly: {:?}", started.elapsed());

    // Each slow connection is closed by the server within the header timeout (and some slack).
    let deadline = Duration::from_secs(8);
    let closed = futures_util::future::join_all(slow.iter_mut().chain(std::iter::once(&mut idle)).map(|conn| closed_within(conn, deadline))).await;
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(open, 0, "{open} of {} connections still open after {deadline:?}", SLOW + 1);
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

/// Whether the server closes `conn` within `limit` (whatever it sends first is read and dropped).
async fn closed_within(conn: &mut tokio::net::TcpStream, limit: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}
