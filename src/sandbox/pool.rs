//! The warm pool: started, single-use containers kept ready so that container creation and the
//! interpreter's start (numpy imported) leave a run's critical path.
//!
//! A container is made for one [`ContainerKey`] (image, limits, seed): limits such as the pids cap and
//! the tmpfs size cannot change once a container exists, and Python fixes its hash seed when the
//! interpreter starts, which here is before the job arrives. So the pool keeps containers per key, for
//! the keys runs asked for most recently (a challenge version's run seeds are few and fixed, so the
//! same keys come back). A run whose key has no ready container makes one itself, the same way, and
//! the pool learns the key for next time.
//!
//! Safety: a warm container has run nothing but the supervisor and its child's imports (trusted code,
//! no job data), is handed out once, and is removed after its job like any other. Idle containers are
//! labelled so a sweeper can tell them apart; one whose service died stops by itself, because its stdin
//! closes with the service's attach connection (and, failing that, after [`super::IDLE_LIMIT`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{remove_jobless, ContainerKey, Launched, Launcher, IDLE_LIMIT, MANAGED_LABEL, POOL_LABEL};

/// An idle container older than this is replaced rather than handed out, well before its supervisor
/// gives up waiting.
const RETIRE_AFTER: Duration = Duration::from_secs(IDLE_LIMIT.as_secs() * 2 / 3);
/// A key nobody asked for in this long is forgotten and its idle containers removed.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// How often the refiller looks again without being woken (to retire and forget).
const REVIEW_EVERY: Duration = Duration::from_secs(10);
/// How often stopped, jobless warm containers (of any service on the engine) are removed.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Pause after a failed start, so a broken engine or image is not hammered.
const BACKOFF: Duration = Duration::from_secs(2);

/// A handle on a running pool; clones share it.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    launcher: Launcher,
    /// Most idle containers kept, over all keys.
    size: usize,
    labels: HashMap<String, String>,
    state: Mutex<State>,
    /// Ids of every container this pool made that is not removed yet, idle or running a job.
    held: Arc<Mutex<HashSet<String>>>,
    wake: Notify,
    stop: CancellationToken,
    refiller: Mutex<Option<tokio::task::JoinHandle<()>>>,
    started: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct State {
    idle: HashMap<ContainerKey, VecDeque<Idle>>,
    /// Keys runs asked for, with when they last did; most recent first.
    wanted: Vec<(ContainerKey, Instant)>,
}

struct Idle {
    launched: Launched,
    born: Instant,
}

/// What the pool holds and has done since it started, for metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PoolStats {
    /// Most idle containers kept, over all keys.
    pub capacity: usize,
    /// Idle containers ready now, per key (image, seed and limits), most wanted first.
    pub idle: Vec<IdleCount>,
    /// Containers the pool has started.
    pub started: u64,
    /// Runs that found a ready container.
    pub hits: u64,
    /// Runs that had to make their own.
    pub misses: u64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IdleCount {
    pub key: String,
    pub idle: usize,
}

impl PoolStats {
    pub fn idle_total(&self) -> usize {
        self.idle.iter().map(|c| c.idle).sum()
    }
}

impl Pool {
    pub(super) fn start(launcher: Launcher, size: usize, mut labels: HashMap<String, String>) -> Pool {
        labels.insert(MANAGED_LABEL.to_owned(), "true".to_owned());
        labels.insert(POOL_LABEL.to_owned(), "warm".to_owned());
        let inner = Arc::new(Inner {
            launcher,
            size,
            labels,
            state: Mutex::default(),
            held: Arc::default(),
            wake: Notify::new(),
            stop: CancellationToken::new(),
            refiller: Mutex::default(),
            started: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        });
        let task = tokio::spawn(refill(inner.clone()));
        *inner.refiller.lock().expect("pool lock") = Some(task);
        Pool { inner }
    }

    /// A ready container for `key`, handed out once, or `None`; either way the key is noted as wanted
    /// and the refiller woken.
    pub(super) fn take(&self, key: &ContainerKey) -> Option<Launched> {
        if self.inner.stop.is_cancelled() {
            return None;
        }
        let found = {
            let mut state = self.inner.state.lock().expect("pool lock");
            state.note_wanted(key);
            let queue = state.idle.entry(key.clone()).or_default();
            // Dropping a retired one removes it in the background.
            std::iter::from_fn(|| queue.pop_front()).find(|i| i.born.elapsed() < RETIRE_AFTER)
        };
        let counter = if found.is_some() { &self.inner.hits } else { &self.inner.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        self.inner.wake.notify_one();
        found.map(|i| i.launched)
    }

    pub fn stats(&self) -> PoolStats {
        let state = self.inner.state.lock().expect("pool lock");
        let idle = state
            .wanted
            .iter()
            .map(|(key, _)| IdleCount { key: key.to_string(), idle: state.idle.get(key).map_or(0, VecDeque::len) })
            .collect();
        PoolStats {
            capacity: self.inner.size,
            idle,
            started: self.inner.started.load(Ordering::Relaxed),
            hits: self.inner.hits.load(Ordering::Relaxed),
            misses: self.inner.misses.load(Ordering::Relaxed),
        }
    }

    /// Ids of the containers this pool made that are not removed yet.
    pub(super) fn held(&self) -> HashSet<String> {
        self.inner.held.lock().expect("pool lock").clone()
    }

    /// Stops refilling and removes the idle containers; runs in progress remove their own.
    pub(super) async fn stop(&self) {
        self.inner.stop.cancel();
        let task = self.inner.refiller.lock().expect("pool lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
        let idle: Vec<Idle> = {
            let mut state = self.inner.state.lock().expect("pool lock");
            state.idle.drain().flat_map(|(_, q)| q).collect()
        };
        for i in idle {
            i.launched.guard.remove_now().await;
        }
    }
}

impl State {
    fn note_wanted(&mut self, key: &ContainerKey) {
        self.wanted.retain(|(k, _)| k != key);
        self.wanted.insert(0, (key.clone(), Instant::now()));
    }

    /// Forgets keys nobody asked for lately and drops (so removes) their idle containers, and the idle
    /// containers too old to hand out.
    fn tidy(&mut self, size: usize) {
        self.wanted.retain(|(_, at)| at.elapsed() < FORGET_AFTER);
        self.wanted.truncate(size);
        let wanted: HashSet<&ContainerKey> = self.wanted.iter().map(|(k, _)| k).collect();
        self.idle.retain(|key, _| wanted.contains(key));
        for queue in self.idle.values_mut() {
            queue.retain(|i| i.born.elapsed() < RETIRE_AFTER);
        }
    }

    /// The next key short of its share: `size` slots split over the wanted keys, the most recent
    /// taking the remainder.
    fn short_of(&self, size: usize) -> Option<ContainerKey> {
        let n = self.wanted.len();
        self.wanted.iter().enumerate().find_map(|(i, (key, _))| {
            let target = size / n + usize::from(i < size % n);
            let have = self.idle.get(key).map_or(0, VecDeque::len);
            (have < target).then(|| key.clone())
        })
    }
}

/// Keeps every wanted key at its share, one container at a time so refilling never crowds the runs
/// themselves off the CPU.
async fn refill(inner: Arc<Inner>) {
    let mut swept = None::<Instant>;
    loop {
        if swept.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            swept = Some(Instant::now());
            match remove_jobless(&inner.launcher.docker).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed warm containers left idle by services that are gone"),
                Err(e) => tracing::warn!(error = %e, "sweeping jobless warm containers"),
            }
        }
        let next = {
            let mut state = inner.state.lock().expect("pool lock");
            state.tidy(inner.size);
            state.short_of(inner.size)
        };
        let Some(key) = next else {
            tokio::select! {
                _ = inner.wake.notified() => continue,
                _ = tokio::time::sleep(REVIEW_EVERY) => continue,
                _ = inner.stop.cancelled() => return,
            }
        };
        let launched = tokio::select! {
            launched = inner.launcher.launch(&key, &inner.labels) => launched,
            _ = inner.stop.cancelled() => return,
        };
        match launched {
            Ok(mut launched) => {
                inner.started.fetch_add(1, Ordering::Relaxed);
                inner.held.lock().expect("pool lock").insert(launched.id.clone());
                launched.guard.held = Some(inner.held.clone());
                let idle = Idle { launched, born: Instant::now() };
                inner.state.lock().expect("pool lock").idle.entry(key).or_default().push_back(idle);
            }
            Err(e) => {
                tracing::warn!(key = %key, error = %e, "starting a warm container");
                tokio::select! {
                    _ = tokio::time::sleep(BACKOFF) => {}
                    _ = inner.stop.cancelled() => return,
                }
            }
        }
    }
}
