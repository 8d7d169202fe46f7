//! Crash recovery: SIGKILL the real server binary while it grades; after a restart every submission
//! completes exactly once and no container is left behind.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;

use crate::helpers::*;

struct Server {
    child: Child,
    address: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_server(dir: &std::path::Path, challenges: &std::path::Path, port: u16) -> Server {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("server.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mlgrade"))
        .arg("serve")
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--challenges")
        .arg(challenges)
        .arg("--runtimes")
        .arg(repo().join("docker/runtimes"))
        .args(["--workers", "2", "--lease-seconds", "3"])
        .env("MLGRADE_ADMIN_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("server binary starts");
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{address}/healthz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(120), "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, address }
}

async fn status_of(client: &reqwest::Client, address: &str, id: &str) -> Value {
    client
        .get(format!("{address}/api/v1/submissions/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn sigkill_mid_grading_then_restart_completes_every_submission_once() {
    let dir = tempfile::tempdir().unwrap();
    let challenges = test_catalogue(dir.path());
    let port = free_port();
    let mut server = start_server(dir.path(), &challenges, port).await;
    let client = reqwest::Client::new();

    let mut ids = Vec::new();
    for _ in 0..6 {
        let form = reqwest::multipart::Form::new().text("challenge", TINY).part(
            "file",
            reqwest::multipart::Part::bytes(fixture("slow_majority.py").into_bytes()).file_name("solution.py"),
        );
        let resp = client
            .post(format!("{}/api/v1/submissions", server.address))
            .bearer_auth(TOKEN)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        let body: Value = resp.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    // Kill while a run is in flight: a submission is running and its container exists.
    let started = Instant::now();
    loop {
        let mut running = false;
        for id in &ids {
            running |= status_of(&client, &server.address, id).await["status"] == "running";
        }
        if running && !containers_of(&ids).await.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no submission started running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.child.kill().expect("SIGKILL the server");
    server.child.wait().unwrap();
    assert!(!containers_of(&ids).await.is_empty(), "the killed server left its sandbox behind, as a crash does");

    let mut server = start_server(dir.path(), &challenges, port).await;
    for id in &ids {
        let s = wait_completed(&client, &server.address, id, Duration::from_secs(180)).await;
        assert_eq!(s["verdict"], "accepted", "{s:#}");
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("data/mlgrade.db").display()))
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT s.id, s.status, s.attempts, COUNT(r.submission_id) AS results
           FROM submissions s LEFT JOIN results r ON r.submission_id = s.id GROUP BY s.id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(rows.len(), ids.len());
    let mut retried = 0;
    for row in &rows {
        assert_eq!(row.get::<String, _>("status"), "completed");
        assert_eq!(row.get::<i64, _>("results"), 1, "exactly one result per submission");
        if row.get::<i64, _>("attempts") > 1 {
            retried += 1;
        }
    }
    assert!(retried >= 1, "the job interrupted by the kill ran again");
    assert!(containers_of(&ids).await.is_empty(), "leftover containers were removed at restart");
}
