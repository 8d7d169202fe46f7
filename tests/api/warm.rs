//! The warm pool against the real engine: each container handed out once and removed after its job,
//! whatever the job did; refills; warm and cold runs give identical results; idle containers of a
//! service that died stop by themselves and are then swept.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mlgrade::domain::{Limits, RawLimits};
use mlgrade::sandbox::{ContainerKey, InputFile, RunOutcome, RunSpec, Sandbox};
use serde_json::Value;

use crate::helpers::{created_container, repo};

/// Any runtime with numpy will do.
const RUNTIME: &str = "python-ml";
/// Label on every container one test's pool makes, so the test finds its own among everyone's.
const TEST_LABEL: &str = "mlgrade.test-pool";

/// Reports what a run's seeding decides and what the candidate's process can see.
const PROBE: &str = r#"
import json, os, random, sys
import numpy
words = {"w%d" % i for i in range(64)}
try:
    os.fstat(0)
    stdin_open = True
except OSError:
    stdin_open = False
print(json.dumps({
    "set_order": list(words),
    "hash": hash("mlgrade"),
    "random": random.random(),
    "legacy": numpy.random.rand(3).tolist(),
    "default_rng": [numpy.random.default_rng().random(2).tolist() for _ in range(2)],
    "hashseed": os.environ.get("PYTHONHASHSEED"),
    "stdin_open": stdin_open,
    "files": sorted(os.listdir(".")),
}))
with open("left-behind", "w") as f:
    f.write("a file the next job must never see")
"#;

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::connect().await.expect("engine");
    let sandbox = sandbox.with_oci_runtime(std::env::var("MLGRADE_TEST_OCI_RUNTIME").ok());
    let runtimes = mlgrade::runtime::Runtimes::load(&repo().join("docker/runtimes")).unwrap();
    mlgrade::runtime::ensure(&sandbox, runtimes.get(RUNTIME).unwrap()).await.expect("runtime image");
    sandbox
}

fn image() -> String {
    let runtimes = mlgrade::runtime::Runtimes::load(&repo().join("docker/runtimes")).unwrap();
    runtimes.get(RUNTIME).unwrap().image.clone()
}

fn limits() -> Limits {
    Limits::new(&RawLimits { time_seconds: 2, memory_mb: 256, cpus: 1.0, pids: 32, tmpfs_mb: 16 }).unwrap()
}

fn spec(harness: &str, seed: u32) -> RunSpec {
    RunSpec {
        image: image(),
        limits: limits(),
        files: vec![InputFile { name: "harness.py".into(), bytes: harness.as_bytes().to_vec() }],
        seed,
        labels: HashMap::new(),
    }
}

fn pool_labels(tag: &str) -> HashMap<String, String> {
    HashMap::from([(TEST_LABEL.to_owned(), tag.to_owned())])
}

/// Waits until the pool holds `n` idle containers for the key of `seed`.
async fn wait_idle(sandbox: &Sandbox, seed: u32, n: usize) {
    let started = Instant::now();
    loop {
        let stats = sandbox.pool_stats().expect("a pool");
        let idle = stats.idle.iter().find(|c| c.key.contains(&format!("seed {seed} "))).map_or(0, |c| c.idle);
        if idle >= n {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the pool did not refill to {n}: {stats:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ids and states of the containers labelled with this test's tag.
async fn tagged(sandbox: &Sandbox, tag: &str) -> Vec<(String, String)> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{TEST_LABEL}={tag}")])]);
    let list = sandbox
        .docker()
        .list_containers(Some(bollard::container::ListContainersOptions { all: true, filters, ..Default::default() }))
        .await
        .unwrap();
    list.into_iter().map(|c| (c.id.unwrap_or_default(), c.state.unwrap_or_default())).collect()
}

/// Ends a test: the pool removes its idle containers, every run's background removal finishes, and
/// no container of this test is left.
async fn finish(sandbox: &Sandbox, tag: &str) {
    sandbox.stop_pool().await;
    mlgrade::sandbox::removals_done().await;
    let left = tagged(sandbox, tag).await;
    assert!(left.is_empty(), "containers of this test were left behind: {left:?}");
}

async fn exists(sandbox: &Sandbox, id: &str) -> bool {
    sandbox.docker().inspect_container(id, None).await.is_ok()
}

/// Whether the container is removed within a generous bound (a warm run removes its container just
/// after returning the outcome).
async fn gone(sandbox: &Sandbox, id: &str) -> bool {
    let started = Instant::now();
    while exists(sandbox, id).await {
        if started.elapsed() > Duration::from_secs(30) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

fn probe_result(outcome: &RunOutcome) -> Value {
    assert_eq!(outcome.exit_code, 0, "probe failed: {}", outcome.log);
    serde_json::from_slice(&outcome.result).unwrap_or_else(|e| panic!("probe output {e}: {:?}", outcome.result))
}

#[tokio::test]
async fn warm_and_cold_runs_give_identical_results() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let cold = sandbox().await;
    let warm = sandbox().await;
    warm.start_pool(2, pool_labels(&tag));
    let seed = 1_234_567;

    let first = warm.run(spec(PROBE, seed)).await.unwrap();
    assert!(!first.warm, "a key nobody asked for yet has no warm container");
    wait_idle(&warm, seed, 2).await;
    let warm_run = warm.run(spec(PROBE, seed)).await.unwrap();
    assert!(warm_run.warm, "the second run of the key found a ready container");
    let cold_run = cold.run(spec(PROBE, seed)).await.unwrap();
    assert!(!cold_run.warm);

    let (w, c) = (probe_result(&warm_run), probe_result(&cold_run));
    assert_eq!(w, c, "warm and cold runs must be indistinguishable");
    assert_eq!(w, probe_result(&first));
    assert_eq!(w["hashseed"], seed.to_string());
    assert_eq!(w["stdin_open"], false, "the candidate never holds the container's stdin");
    assert_eq!(w["files"], serde_json::json!(["harness.py", "seeded.py"]), "only this job's files");
    // The seed decides the numbers: another seed gives others (so the comparison above could fail).
    let other = probe_result(&cold.run(spec(PROBE, seed + 1)).await.unwrap());
    assert_ne!(other["random"], w["random"]);
    assert_ne!(other["hash"], w["hash"]);
    finish(&warm, &tag).await;
}

#[tokio::test]
async fn the_pool_hands_each_container_out_once_removes_it_after_its_job_and_refills() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    sandbox.start_pool(2, pool_labels(&tag));
    let seed = 7_654_321;
    assert!(!sandbox.run(spec(PROBE, seed)).await.unwrap().warm);
    wait_idle(&sandbox, seed, 2).await;
    let ready: Vec<String> = tagged(&sandbox, &tag).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ready.len(), 2, "two idle containers, nothing else");

    let (a, b) = tokio::join!(sandbox.run(spec(PROBE, seed)), sandbox.run(spec(PROBE, seed)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.warm && b.warm);
    assert_ne!(a.container, b.container, "a container is handed out once");
    for run in [&a, &b] {
        assert!(ready.contains(&run.container));
        assert!(gone(&sandbox, &run.container).await, "removed after its job");
        // A fresh container: the file the previous job on this key left is nowhere.
        assert_eq!(probe_result(run)["files"], serde_json::json!(["harness.py", "seeded.py"]));
    }

    wait_idle(&sandbox, seed, 2).await;
    let refilled: Vec<String> = tagged(&sandbox, &tag).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(refilled.len(), 2);
    assert!(refilled.iter().all(|id| !ready.contains(id)), "refilled with new containers");
    let stats = sandbox.pool_stats().unwrap();
    assert!(stats.started >= 4, "{stats:?}");
    assert_eq!((stats.hits, stats.misses), (2, 1), "{stats:?}");

    finish(&sandbox, &tag).await;
}

#[tokio::test]
async fn failed_killed_and_abandoned_warm_runs_leave_no_container() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    sandbox.start_pool(1, pool_labels(&tag));
    let seed = 99;
    sandbox.run(spec("raise SystemExit(0)", seed)).await.unwrap();

    wait_idle(&sandbox, seed, 1).await;
    let failed = sandbox.run(spec("import os\nos._exit(3)", seed)).await.unwrap();
    assert!(failed.warm);
    assert_eq!(failed.exit_code, 3);
    assert!(gone(&sandbox, &failed.container).await);

    wait_idle(&sandbox, seed, 1).await;
    let burner = sandbox.run(spec("while True:\n    pass", seed)).await.unwrap();
    assert!(burner.warm);
    assert!(burner.out_of_time(), "stopped for time: {burner:?}");
    assert!(gone(&sandbox, &burner.container).await);

    // A run dropped mid-job (a lost lease, a shutdown) still removes its container.
    wait_idle(&sandbox, seed, 1).await;
    let before: Vec<String> = tagged(&sandbox, &tag).await.into_iter().map(|(id, _)| id).collect();
    let abandoned = tokio::time::timeout(Duration::from_secs(3), sandbox.run(spec("import time\ntime.sleep(60)", seed))).await;
    assert!(abandoned.is_err(), "the sleeper was still running");
    assert!(gone(&sandbox, &before[0]).await, "the abandoned run's container stayed");
    finish(&sandbox, &tag).await;
}

#[tokio::test]
async fn idle_containers_of_a_dead_service_stop_and_are_swept() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let seed = 4242;
    // A service in its own runtime that fills its pool, then dies without cleaning anything up.
    let tag_in = tag.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let sandbox = sandbox().await;
            sandbox.start_pool(1, pool_labels(&tag_in));
            sandbox.run(spec("raise SystemExit(0)", seed)).await.unwrap();
            wait_idle(&sandbox, seed, 1).await;
            // Its finished run's container goes as any run's does; the idle one is what it leaves.
            mlgrade::sandbox::removals_done().await;
        });
        rt.shutdown_background();
    })
    .join()
    .unwrap();

    let sweeper = sandbox().await;
    let left = tagged(&sweeper, &tag).await;
    assert_eq!(left.len(), 1, "the dead service left its idle container: {left:?}");
    let id = left[0].0.clone();
    // Its stdin closed with the dead service's connection: the supervisor ends it.
    let started = Instant::now();
    while tagged(&sweeper, &tag).await.iter().any(|(_, state)| state == "running") {
        assert!(started.elapsed() < Duration::from_secs(60), "the orphaned warm container kept running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let orphans = sweeper.labelled_containers().await.unwrap();
    assert!(orphans.iter().any(|c| c.id == id && !c.launching), "a stopped warm container of another process is the sweeper's");
    let state = sweeper.docker().inspect_container(&id, None).await.unwrap().state.unwrap();
    assert_eq!(state.exit_code, Some(mlgrade::sandbox::NO_JOB_EXIT), "it says it never got a job");
    // Any service may remove it, whatever instance made it: it holds nothing and nobody waits for it.
    assert!(sweeper.remove_jobless().await.unwrap() >= 1);
    assert!(!exists(&sweeper, &id).await);
}

#[tokio::test]
async fn running_and_launching_warm_containers_are_not_the_sweepers() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    sandbox.start_pool(1, pool_labels(&tag));
    let seed = 31337;
    sandbox.run(spec("raise SystemExit(0)", seed)).await.unwrap();
    wait_idle(&sandbox, seed, 1).await;
    let idle = tagged(&sandbox, &tag).await;
    let other_process = Sandbox::connect().await.unwrap();
    let sweepable = other_process.labelled_containers().await.unwrap();
    assert!(!sweepable.iter().any(|c| c.id == idle[0].0), "an idle, running warm container is accounted for");

    // One another process has just created and not yet started may be a launch in progress: the
    // sweeper is told, and asks whether that process lives (see the nodes tests).
    let labels = [(TEST_LABEL, tag.as_str()), (mlgrade::sandbox::POOL_LABEL, "warm")];
    let launching = created_container(sandbox.docker(), &labels).await;
    let sweepable = other_process.labelled_containers().await.unwrap();
    let marked = sweepable.iter().find(|c| c.id == launching).map(|c| c.launching);
    sandbox.remove(&launching).await.unwrap();
    assert_eq!(marked, Some(true), "a warm container only created is marked as launching");
    finish(&sandbox, &tag).await;
}

/// Runs only when MLGRADE_TEST_OCI_RUNTIME names a runtime registered with the engine (e.g. `runsc`):
/// the sandbox's containers then run under it, and a run still works.
#[tokio::test]
async fn the_oci_runtime_option_runs_sandboxes_under_that_runtime() {
    let Ok(runtime) = std::env::var("MLGRADE_TEST_OCI_RUNTIME") else { return };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    sandbox.start_pool(1, pool_labels(&tag));
    let seed = 5;
    sandbox.run(spec("raise SystemExit(0)", seed)).await.unwrap();
    wait_idle(&sandbox, seed, 1).await;
    let (id, _) = tagged(&sandbox, &tag).await.remove(0);
    let inspected = sandbox.docker().inspect_container(&id, None).await.unwrap();
    assert_eq!(inspected.host_config.and_then(|h| h.runtime), Some(runtime));
    let kernel = "import platform\nprint(platform.release())";
    let run = sandbox.run(spec(kernel, seed)).await.unwrap();
    assert_eq!(run.exit_code, 0, "{}", run.log);
    println!("kernel seen inside the sandbox: {}", String::from_utf8_lossy(&run.result));
    finish(&sandbox, &tag).await;
}

#[tokio::test]
async fn containers_started_ahead_serve_their_run_once_and_the_rest_are_removed() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    let (used, unused) = (31_337, 31_338);
    let key = |seed| ContainerKey::new(image(), &limits(), seed);
    sandbox.launch_ahead(key(used), pool_labels(&tag));
    sandbox.launch_ahead(key(unused), pool_labels(&tag));
    let ahead: Vec<String> = {
        let started = Instant::now();
        loop {
            let ids: Vec<String> = tagged(&sandbox, &tag).await.into_iter().map(|(id, _)| id).collect();
            if ids.len() == 2 {
                break ids;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "two containers start ahead: {ids:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };

    let first = sandbox.run(spec(PROBE, used)).await.unwrap();
    assert!(ahead.contains(&first.container), "the run took the container started for its key");
    assert_eq!(probe_result(&first)["hashseed"], used.to_string(), "made for its seed");
    let second = sandbox.run(spec(PROBE, used)).await.unwrap();
    assert!(!ahead.contains(&second.container), "a container started ahead serves one run");
    assert_eq!(probe_result(&second), probe_result(&first), "and runs exactly like one made for the run");

    sandbox.discard_ahead().await;
    for id in &ahead {
        assert!(gone(&sandbox, id).await, "{id} stayed");
    }
}

/// A run dropped at any moment of its container's creation (a lost lease, a stopping service) leaves
/// nothing behind, also when the engine finishes creating the container after the drop.
#[tokio::test]
async fn runs_dropped_while_their_container_is_created_leave_none() {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sandbox = sandbox().await;
    for after_ms in [0, 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55] {
        let mut dropped = spec("raise SystemExit(0)", 77);
        dropped.labels = pool_labels(&tag);
        let _ = tokio::time::timeout(Duration::from_millis(after_ms), sandbox.run(dropped)).await;
    }
    finish(&sandbox, &tag).await;
}
