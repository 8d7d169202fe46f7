//! The storage layer against both dialects: every test runs on a fresh SQLite file and, when
//! `MLGRADE_TEST_POSTGRES_URL` names a server, on a fresh PostgreSQL database too.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::domain::Slug;
use crate::grading::{Report, Verdict};
use crate::identity::{Owner, Role, ADMIN_TOKEN_USER};

/// One database to test on: its URL and a folder that outlives the test body.
struct Backend {
    name: &'static str,
    url: String,
    dir: tempfile::TempDir,
}

impl Backend {
    /// A node of the deployment: the shared database with a data folder of its own.
    async fn node(&self, name: &str) -> Store {
        Store::open(&self.url, &self.dir.path().join(name)).await.expect("store opens")
    }
}

async fn backends() -> Vec<Backend> {
    let sqlite_dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", sqlite_dir.path().join("test.db").display());
    let mut all = vec![Backend { name: "sqlite", url, dir: sqlite_dir }];
    match test_postgres_url() {
        Some(server) => {
            let url = fresh_postgres_database(&server).await.expect("a fresh PostgreSQL database");
            all.push(Backend { name: "postgres", url, dir: tempfile::tempdir().unwrap() });
        }
        None => eprintln!("MLGRADE_TEST_POSTGRES_URL is not set: the PostgreSQL half of this test was skipped"),
    }
    all
}

fn slug() -> Slug {
    "tiny".parse().unwrap()
}

async fn submit(store: &Store, source: &str) -> SubmissionId {
    store.create_submission(&slug(), 1, "solution.py", source.as_bytes(), &Owner::User(ADMIN_TOKEN_USER)).await.unwrap()
}

fn accepted(score: f64) -> Report {
    let mut report = Report::empty(Verdict::Accepted);
    report.score = Some(score);
    report
}

#[tokio::test]
async fn a_job_is_claimed_heartbeaten_and_completed_once() {
    for b in backends().await {
        let store = b.node("a").await;
        let id = submit(&store, "print(1)").await;
        assert_eq!(store.counts().await.unwrap(), (1, 0, 0), "{}", b.name);
        let claim = store.claim("w1", Duration::from_secs(60)).await.unwrap().expect("a job");
        assert_eq!((claim.id, claim.attempt, claim.practice), (id, 1, false), "{}", b.name);
        assert!(store.claim("w2", Duration::from_secs(60)).await.unwrap().is_none(), "{}: one job, one claim", b.name);
        assert!(store.heartbeat(&claim, Duration::from_secs(60)).await.unwrap());
        assert!(store.claim_is_live(&id.to_string(), 1).await.unwrap());
        let report = accepted(91.5);
        let result = NewResult { report: &report, log: "ok", predictions: Some("0\n1\n"), duration_ms: 12 };
        assert!(store.complete(&claim, result).await.unwrap(), "{}", b.name);
        let again = NewResult { report: &report, log: "ok", predictions: None, duration_ms: 12 };
        assert!(!store.complete(&claim, again).await.unwrap(), "{}: a job completes once", b.name);
        let s = store.submission(id).await.unwrap().unwrap();
        assert_eq!((s.status, s.history.len()), (Status::Completed, 1), "{}", b.name);
        assert_eq!(s.result.unwrap().report.score, Some(91.5), "{}", b.name);
        assert_eq!(store.predictions(id).await.unwrap(), Some(Some("0\n1\n".to_owned())));
        assert_eq!(store.counts().await.unwrap(), (0, 0, 1), "{}", b.name);
        assert_eq!(store.regrade(id, 2).await.unwrap(), Regrade::Queued, "{}", b.name);
        assert_eq!(store.regrade(id, 2).await.unwrap(), Regrade::Busy, "{}: queued already", b.name);
        assert_eq!(store.regrade(SubmissionId::new(), 2).await.unwrap(), Regrade::NotFound);
    }
}

#[tokio::test]
async fn a_log_with_nul_characters_is_stored() {
    for b in backends().await {
        let store = b.node("a").await;
        let id = submit(&store, "print('\\0')").await;
        let claim = store.claim("w", Duration::from_secs(60)).await.unwrap().unwrap();
        let report = accepted(5.0);
        let result = NewResult { report: &report, log: "a\0b", predictions: Some("0\0\n"), duration_ms: 1 };
        assert!(store.complete(&claim, result).await.unwrap(), "{}", b.name);
        let s = store.submission(id).await.unwrap().unwrap();
        assert_eq!(s.result.unwrap().log, "a\u{FFFD}b", "{}", b.name);
        assert_eq!(store.predictions(id).await.unwrap(), Some(Some("0\u{FFFD}\n".to_owned())), "{}", b.name);
    }
}

#[tokio::test]
async fn a_lapsed_lease_is_claimed_again_and_the_old_claim_loses_the_job() {
    for b in backends().await {
        let store = b.node("a").await;
        submit(&store, "print(2)").await;
        let first = store.claim("w1", Duration::from_millis(1)).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = store.claim("w2", Duration::from_secs(60)).await.unwrap().expect("reclaimed");
        assert_eq!((second.id, second.attempt), (first.id, 2), "{}", b.name);
        assert!(!store.heartbeat(&first, Duration::from_secs(60)).await.unwrap(), "{}", b.name);
        let report = accepted(1.0);
        let late = NewResult { report: &report, log: "", predictions: None, duration_ms: 1 };
        assert!(!store.complete(&first, late).await.unwrap(), "{}: the lost claim writes nothing", b.name);
    }
}

/// Many claimers on several nodes drain one queue: each job is claimed exactly once.
#[tokio::test]
async fn concurrent_claimers_never_take_one_job_twice() {
    for b in backends().await {
        let nodes = [b.node("a").await, b.node("b").await, b.node("c").await];
        let jobs = 60;
        let mut queued = HashSet::new();
        for i in 0..jobs {
            queued.insert(submit(&nodes[i % 3], &format!("print({i})")).await);
        }
        let claimed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for worker in 0..12 {
            let store = nodes[worker % 3].clone();
            let claimed = claimed.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(claim) = store.claim(&format!("w{worker}"), Duration::from_secs(600)).await.unwrap() {
                    claimed.lock().unwrap().push(claim.id);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let claimed = claimed.lock().unwrap().clone();
        let distinct: HashSet<_> = claimed.iter().copied().collect();
        assert_eq!(claimed.len(), jobs, "{}: every job claimed once, none twice", b.name);
        assert_eq!(distinct, queued, "{}", b.name);
    }
}

#[tokio::test]
async fn a_node_reads_files_it_never_saw_and_refills_its_cache() {
    for b in backends().await {
        let (api, worker) = (b.node("api").await, b.node("worker").await);
        let id = submit(&api, "print('from the api node')").await;
        let claim = worker.claim("w", Duration::from_secs(60)).await.unwrap().unwrap();
        assert_eq!(claim.id, id);
        assert!(!worker.files_dir().join(&claim.file_sha256).exists(), "{}: not on the worker's disk yet", b.name);
        assert_eq!(worker.read_file(&claim.file_sha256).await.unwrap(), b"print('from the api node')");
        assert!(worker.files_dir().join(&claim.file_sha256).exists(), "{}: cached after the first read", b.name);
        std::fs::remove_dir_all(api.files_dir()).unwrap();
        assert_eq!(api.read_file(&claim.file_sha256).await.unwrap(), b"print('from the api node')", "{}", b.name);
        assert!(api.read_file("../../etc/passwd").await.is_err());
    }
}

#[tokio::test]
async fn the_secret_seed_is_made_once_and_an_old_seed_file_is_kept() {
    for b in backends().await {
        let a = b.node("a").await;
        let seeds = futures_util::future::join_all((0..8).map(|_| a.secret_seed())).await;
        let first = *seeds[0].as_ref().unwrap();
        assert!(seeds.iter().all(|s| *s.as_ref().unwrap() == first), "{}: racing first uses agree", b.name);
        assert_eq!(b.node("b").await.secret_seed().await.unwrap(), first, "{}: every node has the same seed", b.name);
    }
    // A deployment from before the shared store had its seed in a file: the database takes it over.
    for b in backends().await {
        let data = b.dir.path().join("old");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("secret-seed"), "4242").unwrap();
        let store = Store::open(&b.url, &data).await.unwrap();
        assert_eq!(store.secret_seed().await.unwrap(), 4242, "{}", b.name);
    }
}

#[tokio::test]
async fn a_version_published_on_one_node_unpacks_on_another() {
    for b in backends().await {
        let (api, worker) = (b.node("api").await, b.node("worker").await);
        let source = b.dir.path().join("src");
        std::fs::create_dir_all(source.join("data")).unwrap();
        std::fs::write(source.join("challenge.toml"), "x = 1\n").unwrap();
        std::fs::write(source.join("data/train.csv"), "a,b\n1,2\n").unwrap();
        let archive = blobs::pack_dir(&source).unwrap();
        assert_eq!(archive, blobs::pack_dir(&source).unwrap(), "packing is deterministic");
        let v1 = api.insert_version("tiny", "h1", Origin::Catalogue, &archive, |_| Ok(())).await.unwrap();
        let again = worker.insert_version("tiny", "h1", Origin::Catalogue, &archive, |_| Ok(())).await.unwrap();
        assert_eq!((v1, again), (1, 1), "{}: the same shipped content is one version", b.name);
        let v2 = worker.insert_version("tiny", "h2", Origin::Upload, &archive, |_| Ok(())).await.unwrap();
        assert_eq!(v2, 2, "{}", b.name);
        assert_eq!(worker.current_versions().await.unwrap(), vec![("tiny".to_owned(), 2)]);
        let stored = worker.version_archive("tiny", 1).await.unwrap().unwrap().unwrap();
        let target = b.dir.path().join("unpacked/v1");
        blobs::unpack_dir(&stored, &target).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("data/train.csv")).unwrap(), "a,b\n1,2\n");
        assert!(worker.version_archive("tiny", 9).await.unwrap().is_none());

        let stored = api.store_generated("tiny", "abc", b"first").await.unwrap();
        let other = worker.store_generated("tiny", "abc", b"second").await.unwrap();
        assert_eq!((stored.as_slice(), other.as_slice()), (&b"first"[..], &b"first"[..]), "{}: the first copy wins", b.name);
    }
}

#[tokio::test]
async fn rate_limits_hold_across_nodes() {
    for b in backends().await {
        let (a, c) = (b.node("a").await, b.node("c").await);
        let on_a = ratelimit::RateLimiter::new(a.db().clone(), "sign-in", 3, Duration::from_secs(60));
        let on_c = ratelimit::RateLimiter::new(c.db().clone(), "sign-in", 3, Duration::from_secs(60));
        let other = ratelimit::RateLimiter::new(c.db().clone(), "staff", 3, Duration::from_secs(60));
        assert!(on_a.hit("ip|ivy").await.is_ok());
        assert!(on_c.hit("ip|ivy").await.is_ok());
        assert!(on_a.hit("ip|ivy").await.is_ok());
        let wait = on_c.hit("ip|ivy").await.expect_err("the fourth hit, on another node, is refused");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{}: {wait:?}", b.name);
        assert!(on_a.check("ip|ivy").await.is_err(), "{}", b.name);
        assert!(other.hit("ip|ivy").await.is_ok(), "{}: limiters are apart", b.name);
        assert!(on_a.hit("ip|ada").await.is_ok(), "{}: keys are apart", b.name);
        on_c.clear("ip|ivy").await;
        assert!(on_a.check("ip|ivy").await.is_ok(), "{}", b.name);

        // Many hits at once from both nodes never let more than the maximum through.
        let hits = futures_util::future::join_all((0..20).map(|i| if i % 2 == 0 { on_a.hit("burst") } else { on_c.hit("burst") })).await;
        assert_eq!(hits.iter().filter(|h| h.is_ok()).count(), 3, "{}", b.name);

        let short = ratelimit::RateLimiter::new(a.db().clone(), "short", 1, Duration::from_millis(50));
        assert!(short.hit("k").await.is_ok());
        assert!(short.hit("k").await.is_err());
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert!(short.hit("k").await.is_ok(), "{}: the window slides", b.name);
    }
}

#[tokio::test]
async fn accounts_invitations_quotas_and_the_audit_log() {
    for b in backends().await {
        let store = b.node("a").await;
        let accounts = accounts::AccountStore::new(store.db().clone());
        let ivy = accounts.create_user(ADMIN_TOKEN_USER, "ivy", Role::Interviewer, "hash").await.unwrap().expect("created");
        assert!(ivy > ADMIN_TOKEN_USER, "{}: new ids follow the built-in account", b.name);
        assert!(accounts.create_user(ADMIN_TOKEN_USER, "ivy", Role::Admin, "x").await.unwrap().is_none(), "{}", b.name);
        let users = accounts.users().await.unwrap();
        let row = users.iter().find(|u| u.name == "ivy").unwrap();
        assert!(row.has_password && !row.disabled, "{}", b.name);
        assert!(!users.iter().find(|u| u.id == ADMIN_TOKEN_USER).unwrap().has_password, "{}", b.name);
        let staff = accounts.user(ivy).await.unwrap().unwrap();
        let (_, token) = accounts.create_token(&staff, "ci").await.unwrap();
        assert_eq!(accounts.staff_by_token(&token).await.unwrap().unwrap().id, ivy, "{}", b.name);

        let new = accounts::NewInvitation {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            challenges: vec![("tiny".into(), 1)],
            expires_at: now_ms() + 3_600_000,
            cooldown_seconds: 0,
            time_limit_minutes: None,
        };
        let (inv, _) = accounts.create_invitation(&staff, &new).await.unwrap();
        let owner = Owner::Invitation(inv.clone());
        store.create_submission(&slug(), 1, "a.py", b"1", &owner).await.expect("the first submission fits the quota");
        let refused = store.create_submission(&slug(), 1, "b.py", b"2", &owner).await.expect_err("the limit is one");
        assert!(matches!(refused.downcast_ref::<quota::QuotaError>(), Some(quota::QuotaError::LimitReached { .. })), "{}", b.name);
        assert!(accounts.extend_invitation(&staff, &inv, 1.5).await.unwrap());
        assert!(accounts.add_attempts(&staff, &inv, "tiny", 1).await.unwrap());
        store.create_submission(&slug(), 1, "b.py", b"2", &owner).await.expect("one more attempt");
        let filter = accounts::SubmissionFilter { candidate: Some("ADA".into()), candidates_only: true, ..Default::default() };
        assert_eq!(accounts.submissions(&filter, 10).await.unwrap().len(), 2, "{}: the name matches in any case", b.name);
        let row = accounts.invitation(&inv).await.unwrap().unwrap();
        assert_eq!((row.challenges[0].used, row.challenges[0].limit), (2, 2), "{}", b.name);
        let actions: Vec<String> = accounts.audit_log(10).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["invitation.add_attempts", "invitation.extend", "invitation.create", "token.create", "user.create"], "{}", b.name);
    }
}
