//! Invitation links by e-mail, through a real SMTP conversation with a local sink (Debian's
//! `python3-aiosmtpd`, which `.ci/run` installs) on loopback.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;

/// An SMTP server that prints every message it receives to a file; killed with its process group when
/// dropped.
pub(crate) struct Sink {
    child: Child,
    pub(crate) port: u16,
    out: tempfile::NamedTempFile,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

pub(crate) async fn sink() -> Sink {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = tempfile::NamedTempFile::new().unwrap();
    // Debian's interpreter, where python3-aiosmtpd installs (a python3 earlier on PATH may lack it).
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let child = Command::new(python)
        .process_group(0)
        .args(["-u", "-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::from(out.reopen().unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd runs (apt-get install python3-aiosmtpd; .ci/run installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the SMTP sink did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Sink { child, port, out }
}

impl Sink {
    /// Waits until the sink has received something containing `needle`; returns all it received.
    pub(crate) async fn received(&self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            // Undo quoted-printable's soft line breaks, which split a long link as a mail client would join it.
            let text = std::fs::read_to_string(self.out.path()).unwrap_or_default().replace("=\r\n", "").replace("=\n", "");
            if text.contains(needle) {
                return text;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no mail with {needle:?}; received:\n{text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn invitation_links_are_emailed_through_smtp() {
    let sink = sink().await;
    let port = sink.port;
    let app = spawn_app_configured(|c| {
        c.access.smtp_url = Some(format!("smtp://127.0.0.1:{port}").parse().unwrap());
        c.access.mail_from = Some("Hiring <jobs@example.com>".parse().unwrap());
    })
    .await;

    let resp = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Ada Lovelace", "email": "ada@example.com", "challenges": [TINY], "time_limit_minutes": 90 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["emailed"], true, "{created}");
    let token = created["token"].as_str().unwrap();
    let mail = sink.received(token).await;
    assert!(mail.contains("ada@example.com") && mail.contains("jobs@example.com"), "{mail}");
    assert!(mail.contains("90 minutes"), "the time box is explained: {mail}");

    // Asked not to, it sends nothing and says so.
    let resp = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Bob", "email": "bob@example.com", "challenges": [TINY], "send_email": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["emailed"], false);

    // A re-issued link goes out by e-mail from the candidate page.
    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let id = created["id"].as_str().unwrap();
    let resp = raw_client()
        .post(app.url(&format!("/invitations/{id}/reissue")))
        .header("cookie", ivy.header())
        .form(&[("csrf", ivy.csrf.as_str()), ("send_email", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "email-sent").unwrap().contains("e-mailed to ada@example.com"), "{html}");
    let new_link = text_of(&html, "invitation-link").unwrap();
    let new_token = new_link.rsplit('/').next().unwrap();
    sink.received(new_token).await;
    app.stop().await;

    // A relay that does not answer: the invitation stands, and the answer says the mail failed.
    drop(sink);
    let app = spawn_app_configured(|c| c.access.smtp_url = Some(format!("smtp://127.0.0.1:{port}").parse().unwrap())).await;
    let resp = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Cy", "email": "cy@example.com", "challenges": [TINY] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["emailed"], false);
    assert!(created["email_problem"].as_str().is_some(), "{created}");
    app.stop().await;
}
