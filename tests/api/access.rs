//! Access control as a table: every API endpoint and every page, asked by every kind of caller, gets
//! the expected status. The API rows are also checked against the OpenAPI document, both ways.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::*;

const ROLES: [&str; 6] = ["none", "candidate", "other candidate", "interviewer", "admin", "expired invitation"];

/// What fills the `{id}` or `{slug}` of a row's path.
#[derive(Clone, Copy)]
enum Target {
    Nothing,
    /// Candidate A's graded submission.
    Submission,
    /// Candidate A's practice run.
    Practice,
    /// Candidate A's invitation.
    Invitation,
    /// A new invitation for each call (the call may revoke it).
    FreshInvitation,
    /// A new API token of the interviewer for each call.
    FreshToken,
    /// A new interviewer account for each call.
    FreshUser,
    Slug(&'static str),
    /// A challenge and one of its public files.
    PublicFile(&'static str, &'static str),
}

#[derive(Clone)]
enum Body {
    Empty,
    Json(fn(usize) -> Value),
    /// A URL-encoded form; the caller's CSRF token is added.
    Form(&'static [(&'static str, &'static str)]),
    /// An API submission of the trivial solution to this challenge.
    ApiSubmission(&'static str),
    /// An API practice run of the trivial solution (the challenge is in the path).
    ApiPractice,
    /// The challenge page's submission form, with pasted code.
    PageSubmission,
}

struct Row {
    method: &'static str,
    path: &'static str,
    target: Target,
    body: Body,
    expect: [u16; 6],
}

const fn row(method: &'static str, path: &'static str, target: Target, body: Body, expect: [u16; 6]) -> Row {
    Row { method, path, target, body, expect }
}

fn new_user(role: usize) -> Value {
    json!({ "name": format!("made-by-role-{role}-{}", uuid::Uuid::new_v4().simple()), "role": "interviewer", "password": PASSWORD })
}

fn new_invitation(_: usize) -> Value {
    json!({ "name": "Someone", "email": "someone@example.com", "challenges": [TINY] })
}

fn extend(_: usize) -> Value {
    json!({ "hours": 24 })
}

fn attempts(_: usize) -> Value {
    json!({ "challenge": TINY, "more": 1 })
}

fn new_webhook(_: usize) -> Value {
    json!({ "url": "http://127.0.0.1:9/hook", "events": ["submission.completed"] })
}

fn new_token(_: usize) -> Value {
    json!({ "name": "ci" })
}

use Body::*;
use Target::*;

/// The API, bearer tokens only. Columns: none, candidate, other candidate, interviewer, admin, expired.
fn api_rows() -> Vec<Row> {
    vec![
        row("GET", "/healthz", Nothing, Empty, [200, 200, 200, 200, 200, 200]),
        row("GET", "/api/openapi.json", Nothing, Empty, [200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/me", Nothing, Empty, [401, 200, 200, 200, 200, 401]),
        row("GET", "/api/v1/challenges", Nothing, Empty, [401, 200, 200, 200, 200, 401]),
        row("GET", "/api/v1/challenges/{slug}", Slug(TINY), Empty, [401, 200, 200, 200, 200, 401]),
        // Not in either candidate's invitation: as absent as a challenge that does not exist.
        row("GET", "/api/v1/challenges/{slug}", Slug(DECISION_TREE), Empty, [401, 404, 404, 200, 200, 401]),
        row("GET", "/api/v1/challenges/{slug}/sample.csv", Slug(TINY), Empty, [401, 200, 200, 200, 200, 401]),
        row("GET", "/api/v1/challenges/{slug}/solution.py", Slug(TINY), Empty, [401, 200, 200, 200, 200, 401]),
        row("GET", "/api/v1/challenges/{slug}/files/{path}", PublicFile(TINY, "tools/make_data.py"), Empty, [401, 200, 200, 200, 200, 401]),
        // Only listed files are served, whatever else the folder holds.
        row("GET", "/api/v1/challenges/{slug}/files/{path}", PublicFile(TINY, "hidden/test.csv"), Empty, [401, 404, 404, 404, 404, 401]),
        row("POST", "/api/v1/submissions", Nothing, ApiSubmission(TINY), [401, 202, 202, 202, 202, 401]),
        row("POST", "/api/v1/submissions", Nothing, ApiSubmission(DECISION_TREE), [401, 404, 404, 202, 202, 401]),
        row("GET", "/api/v1/submissions", Nothing, Empty, [401, 200, 200, 200, 200, 401]),
        row("POST", "/api/v1/challenges/{slug}/practice", Slug(TINY), ApiPractice, [401, 202, 202, 202, 202, 401]),
        row("POST", "/api/v1/challenges/{slug}/practice", Slug(DECISION_TREE), ApiPractice, [401, 404, 404, 202, 202, 401]),
        row("GET", "/api/v1/practice/{id}", Practice, Empty, [401, 200, 404, 200, 200, 401]),
        row("GET", "/api/v1/submissions/{id}", Submission, Empty, [401, 200, 404, 200, 200, 401]),
        row("GET", "/api/v1/submissions/{id}/predictions", Submission, Empty, [401, 403, 403, 200, 200, 401]),
        row("GET", "/api/v1/results.csv", Nothing, Empty, [401, 403, 403, 200, 200, 401]),
        row("POST", "/api/v1/invitations", Nothing, Json(new_invitation), [401, 403, 403, 201, 201, 401]),
        row("GET", "/api/v1/invitations", Nothing, Empty, [401, 403, 403, 200, 200, 401]),
        row("GET", "/api/v1/invitations/{id}", Invitation, Empty, [401, 403, 403, 200, 200, 401]),
        row("POST", "/api/v1/invitations/{id}/revoke", FreshInvitation, Empty, [401, 403, 403, 204, 204, 401]),
        row("POST", "/api/v1/invitations/{id}/extend", FreshInvitation, Json(extend), [401, 403, 403, 200, 200, 401]),
        row("POST", "/api/v1/invitations/{id}/attempts", FreshInvitation, Json(attempts), [401, 403, 403, 200, 200, 401]),
        row("POST", "/api/v1/invitations/{id}/reissue", FreshInvitation, Empty, [401, 403, 403, 200, 200, 401]),
        row("POST", "/api/v1/tokens", Nothing, Json(new_token), [401, 403, 403, 201, 201, 401]),
        row("GET", "/api/v1/tokens", Nothing, Empty, [401, 403, 403, 200, 200, 401]),
        // The interviewer's own token; an admin may revoke anyone's.
        row("POST", "/api/v1/tokens/{id}/revoke", FreshToken, Empty, [401, 403, 403, 204, 204, 401]),
        row("POST", "/api/v1/users", Nothing, Json(new_user), [401, 403, 403, 403, 201, 401]),
        row("GET", "/api/v1/users", Nothing, Empty, [401, 403, 403, 403, 200, 401]),
        row("POST", "/api/v1/users/{id}/disable", FreshUser, Empty, [401, 403, 403, 403, 204, 401]),
        row("GET", "/api/v1/audit", Nothing, Empty, [401, 403, 403, 403, 200, 401]),
        // Publishing is for admins; the empty form gets as far as the missing-field check.
        row("POST", "/api/v1/challenges", Nothing, Empty, [401, 403, 403, 403, 400, 401]),
        row("POST", "/api/v1/submissions/{id}/regrade", Submission, Empty, [401, 403, 403, 403, 202, 401]),
        // Webhooks are for admins; a loopback receiver is refused unless the operator allows private ones.
        row("POST", "/api/v1/webhooks", Nothing, Json(new_webhook), [401, 403, 403, 403, 400, 401]),
        row("GET", "/api/v1/webhooks", Nothing, Empty, [401, 403, 403, 403, 200, 401]),
        row("GET", "/api/v1/webhooks/{id}", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        row("DELETE", "/api/v1/webhooks/{id}", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        row("POST", "/api/v1/webhooks/{id}/ping", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        row("GET", "/api/v1/webhooks/{id}/deliveries", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        row("GET", "/api/v1/webhooks/deliveries", Nothing, Empty, [401, 403, 403, 403, 200, 401]),
        row("GET", "/api/v1/webhooks/deliveries/{id}", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        row("POST", "/api/v1/webhooks/deliveries/{id}/resend", Slug("1"), Empty, [401, 403, 403, 403, 404, 401]),
        // Greenhouse presents an admin key through HTTP Basic; a bearer token is no way in.
        row("GET", "/integrations/greenhouse/list_tests", Nothing, Empty, [401, 401, 401, 401, 401, 401]),
        row("POST", "/integrations/greenhouse/send_test", Nothing, Empty, [401, 401, 401, 401, 401, 401]),
        row("GET", "/integrations/greenhouse/test_status", Nothing, Empty, [401, 401, 401, 401, 401, 401]),
        row("POST", "/integrations/greenhouse/response_error", Nothing, Empty, [401, 401, 401, 401, 401, 401]),
    ]
}

/// The pages, session cookies only. 303 for no one means "sign in first" (checked: it goes to /login).
fn page_rows() -> Vec<Row> {
    vec![
        row("GET", "/static/style.css", Nothing, Empty, [200, 200, 200, 200, 200, 200]),
        row("GET", "/static/report.css", Nothing, Empty, [200, 200, 200, 200, 200, 200]),
        row("GET", "/login", Nothing, Empty, [200, 200, 200, 303, 303, 200]),
        row("GET", "/api/docs", Nothing, Empty, [200, 200, 200, 200, 200, 200]),
        row("GET", "/", Nothing, Empty, [303, 200, 200, 303, 303, 401]),
        row("GET", "/challenges", Nothing, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/challenges/{slug}", Slug(TINY), Empty, [303, 200, 200, 200, 200, 401]),
        row("GET", "/challenges/{slug}", Slug(DECISION_TREE), Empty, [303, 404, 404, 200, 200, 401]),
        row("GET", "/challenges/{slug}/solution.py", Slug(TINY), Empty, [303, 200, 200, 200, 200, 401]),
        row("GET", "/challenges/{slug}/sample.csv", Slug(TINY), Empty, [303, 200, 200, 200, 200, 401]),
        row("GET", "/challenges/{slug}/files/{path}", PublicFile(TINY, "tools/make_data.py"), Empty, [303, 200, 200, 200, 200, 401]),
        row("GET", "/challenges/{slug}/files/{path}", PublicFile(TINY, "hidden/train.csv"), Empty, [303, 404, 404, 404, 404, 401]),
        row("POST", "/challenges/{slug}/submissions", Slug(TINY), PageSubmission, [303, 303, 303, 303, 303, 401]),
        row("POST", "/challenges/{slug}/submissions", Slug(DECISION_TREE), PageSubmission, [303, 404, 404, 303, 303, 401]),
        row("POST", "/challenges/{slug}/practice", Slug(TINY), PageSubmission, [303, 303, 303, 303, 303, 401]),
        row("POST", "/challenges/{slug}/practice", Slug(DECISION_TREE), PageSubmission, [303, 404, 404, 303, 303, 401]),
        row("GET", "/practice/{id}", Practice, Empty, [303, 200, 404, 200, 200, 401]),
        row("GET", "/practice/{id}/status", Practice, Empty, [303, 200, 404, 200, 200, 401]),
        row("GET", "/submissions/{id}", Submission, Empty, [303, 200, 404, 200, 200, 401]),
        row("GET", "/submissions/{id}/status", Submission, Empty, [303, 200, 404, 200, 200, 401]),
        row("GET", "/submissions/{id}/predictions.csv", Submission, Empty, [303, 403, 403, 200, 200, 401]),
        row("POST", "/submissions/{id}/notes", Submission, Form(&[("body", "solid work")]), [303, 403, 403, 303, 303, 401]),
        row("GET", "/submissions/{id}/similar/reference", Submission, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/dashboard", Nothing, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/dashboard/export.csv", Nothing, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/leaderboard/{slug}", Slug(TINY), Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/candidates/{id}", Invitation, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/candidates/{id}/report", Invitation, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/candidates/{id}/report.pdf", Invitation, Empty, [303, 403, 403, 200, 200, 401]),
        row("GET", "/invitations", Nothing, Empty, [303, 403, 403, 200, 200, 401]),
        row(
            "POST",
            "/invitations",
            Nothing,
            Form(&[("name", "Form Person"), ("email", "form@example.com"), ("challenge", TINY), ("days", "1")]),
            [303, 403, 403, 200, 200, 401],
        ),
        row("POST", "/invitations/{id}/revoke", FreshInvitation, Form(&[]), [303, 403, 403, 303, 303, 401]),
        row("GET", "/tokens", Nothing, Empty, [303, 403, 403, 200, 200, 401]),
        row("POST", "/tokens", Nothing, Form(&[("name", "laptop")]), [303, 403, 403, 200, 200, 401]),
        row("POST", "/tokens/{id}/revoke", FreshToken, Form(&[]), [303, 403, 403, 303, 303, 401]),
        row("GET", "/admin/users", Nothing, Empty, [303, 403, 403, 403, 200, 401]),
        row(
            "POST",
            "/admin/users",
            Nothing,
            Form(&[("name", "formuser"), ("role", "interviewer"), ("password", "a long enough password")]),
            [303, 403, 403, 403, 303, 401],
        ),
        row("POST", "/admin/users/{id}/disable", FreshUser, Form(&[]), [303, 403, 403, 403, 303, 401]),
        row("GET", "/admin/audit", Nothing, Empty, [303, 403, 403, 403, 200, 401]),
        // Last: it ends the session the rows above use.
        row("POST", "/logout", Nothing, Form(&[]), [303, 303, 303, 303, 303, 401]),
    ]
}

/// Everyone the table asks as, with what they present.
struct World {
    app: TestApp,
    submission: String,
    practice: String,
    invitation: crate::helpers::Invitation,
    interviewer_token: String,
    bearers: [Option<String>; 6],
    sessions: [Option<Session>; 6],
}

async fn world() -> World {
    let app = spawn_app().await;
    app.create_user("ivy", "interviewer").await;
    app.create_user("ada", "admin").await;
    let ivy = app.sign_in("ivy").await;
    let ada = app.sign_in("ada").await;
    let ivy_token = app.api_token(&ivy).await;
    let ada_token = app.api_token(&ada).await;
    let invite = |email: &str, hours: f64| {
        json!({ "name": email, "email": email, "challenges": [TINY], "submission_limit": 50,
                "cooldown_seconds": 0, "expires_in_hours": hours })
    };
    let a = app.invite(invite("a@example.com", 24.0)).await;
    let b = app.invite(invite("b@example.com", 24.0)).await;
    let x = app.invite(invite("x@example.com", 1.0)).await;
    let session_a = app.open_invitation(&a).await;
    let session_b = app.open_invitation(&b).await;
    let session_x = app.open_invitation(&x).await;

    let resp = app.submit_as(&a.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 202);
    let submission = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    app.wait_for(&submission).await;
    let resp = app.post_practice(&a.token, TINY, &fixture("trivial.py")).await;
    assert_eq!(resp.status(), 202);
    let practice = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // Let the short invitation lapse (the shortest lifetime is an hour, so its end is moved in the
    // database): its link, token and open session must all stop working.
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir().join("mlgrade.db").display())).await.unwrap();
    sqlx::query("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(mlgrade::store::now_ms() - 1).bind(&x.id).execute(&db).await.unwrap();

    World {
        bearers: [None, Some(a.token.clone()), Some(b.token.clone()), Some(ivy_token.clone()), Some(ada_token), Some(x.token.clone())],
        sessions: [None, Some(session_a), Some(session_b), Some(ivy), Some(ada), Some(session_x)],
        app,
        submission,
        practice,
        invitation: a,
        interviewer_token: ivy_token,
    }
}

impl World {
    /// The concrete path of a row, creating whatever a fresh target needs.
    async fn path(&self, r: &Row) -> String {
        let with = |v: &str| r.path.replace("{id}", v).replace("{slug}", v);
        match r.target {
            Nothing => r.path.to_owned(),
            Submission => with(&self.submission),
            Practice => with(&self.practice),
            Invitation => with(&self.invitation.id),
            Slug(s) => with(s),
            PublicFile(slug, file) => r.path.replace("{slug}", slug).replace("{path}", file),
            FreshInvitation => with(&self.app.invite(new_invitation(0)).await.id),
            FreshToken => {
                let resp = self.app.client.post(self.app.url("/api/v1/tokens")).bearer_auth(&self.interviewer_token).json(&new_token(0)).send().await.unwrap();
                with(&resp.json::<Value>().await.unwrap()["id"].to_string())
            }
            FreshUser => {
                let resp = self.app.client.post(self.app.url("/api/v1/users")).bearer_auth(TOKEN).json(&new_user(9)).send().await.unwrap();
                with(&resp.json::<Value>().await.unwrap()["id"].to_string())
            }
        }
    }

    async fn ask(&self, r: &Row, role: usize, api: bool) -> reqwest::Response {
        let client = raw_client();
        let path = self.path(r).await;
        let mut req = client.request(r.method.parse().unwrap(), self.app.url(&path));
        let session = if api { None } else { self.sessions[role].as_ref() };
        if api {
            if let Some(t) = &self.bearers[role] {
                req = req.bearer_auth(t);
            }
        } else if let Some(s) = session {
            req = req.header("cookie", s.header());
        }
        let csrf = session.map(|s| s.csrf.clone()).unwrap_or_default();
        req = match &r.body {
            Empty => req,
            Json(make) => req.json(&make(role)),
            Form(fields) => {
                let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                all.push(("csrf".into(), csrf));
                if r.path == "/admin/users" {
                    all.iter_mut().filter(|(k, _)| k == "name").for_each(|(_, v)| *v = format!("form-{role}-{}", uuid::Uuid::new_v4().simple()));
                }
                req.form(&all)
            }
            ApiSubmission(challenge) => req.multipart(
                reqwest::multipart::Form::new()
                    .text("challenge", *challenge)
                    .part("file", reqwest::multipart::Part::bytes(fixture("trivial.py").into_bytes()).file_name("solution.py")),
            ),
            ApiPractice => req.multipart(
                reqwest::multipart::Form::new()
                    .part("file", reqwest::multipart::Part::bytes(fixture("trivial.py").into_bytes()).file_name("solution.py")),
            ),
            PageSubmission => req.multipart(reqwest::multipart::Form::new().text("csrf", csrf).text("code", fixture("trivial.py"))),
        };
        req.send().await.unwrap()
    }
}

async fn check(world: &World, rows: &[Row], api: bool, failures: &mut Vec<String>) {
    let document: Value = world.app.client.get(world.app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let doc = crate::schema::Doc(&document);
    for r in rows {
        for (role, name) in ROLES.iter().enumerate() {
            let resp = world.ask(r, role, api).await;
            let got = resp.status().as_u16();
            let json = resp.headers().get("content-type").is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
            if api && json && got < 300 && r.path != "/api/openapi.json" {
                // What was sent is what the document declares, field by field.
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                match doc.response(r.method, r.path, got) {
                    None => failures.push(format!("{} {} as {name}: {got} with JSON, but the document gives it no JSON schema", r.method, r.path)),
                    Some(schema) => {
                        for p in doc.problems(schema, &body, "body") {
                            failures.push(format!("{} {} as {name}: {p}", r.method, r.path));
                        }
                    }
                }
                if got != r.expect[role] {
                    failures.push(format!("{} {} as {name}: {got}, expected {}", r.method, r.path, r.expect[role]));
                }
                continue;
            }
            let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
            if got != r.expect[role] {
                let text = resp.text().await.unwrap_or_default();
                failures.push(format!("{} {} ({:?}) as {name}: {got}, expected {}: {}", r.method, r.path, r.path, r.expect[role], &text[..text.len().min(300)]));
            } else if role == 0 && got == 303 && !api && r.path != "/i/{id}" && !location.starts_with("/login") {
                failures.push(format!("{} {} as none: redirected to {location}, not to sign in", r.method, r.path));
            } else if api && got >= 400 {
                // Errors on the API are JSON with a code and a message.
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                if body["error"]["code"].as_str().is_none() || body["error"]["message"].as_str().is_none() {
                    failures.push(format!("{} {} as {name}: {got} without a JSON error body", r.method, r.path));
                }
            }
        }
    }
}

#[tokio::test]
async fn every_endpoint_and_page_answers_each_role_as_expected() {
    let world = world().await;
    let mut failures = Vec::new();
    check(&world, &api_rows(), true, &mut failures).await;
    check(&world, &page_rows(), false, &mut failures).await;

    // The invitation links themselves: valid for anyone holding one, closed once expired, unknown otherwise.
    let client = raw_client();
    for (link, expect) in [
        (world.invitation.link.clone(), 303),
        (format!("/i/{}", world.bearers[5].as_ref().unwrap()), 401),
        ("/i/mlgi_not-a-real-token".to_owned(), 404),
    ] {
        let got = client.get(world.app.url(&link)).send().await.unwrap().status().as_u16();
        if got != expect {
            failures.push(format!("GET {link}: {got}, expected {expect}"));
        }
    }
    assert!(failures.is_empty(), "{} access rule(s) broken:\n{}", failures.len(), failures.join("\n"));
    world.app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_covers_every_api_route_and_no_other() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let routed: BTreeSet<String> = api_rows().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(documented, routed, "the document and the access table list different endpoints");
    assert!(doc.pointer("/components/securitySchemes/bearer").is_some());
    assert!(doc.pointer("/components/schemas/CandidateSubmission").is_some());

    let page = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for endpoint in &routed {
        let (method, path) = endpoint.split_once(' ').unwrap();
        assert!(html.contains(&format!("{method} {path}")), "the docs page lacks {endpoint}");
    }
    assert!(!html.contains("<script"), "the docs page works without scripts or a CDN");
    app.stop().await;
}
