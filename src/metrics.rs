//! What a node reports to Prometheus: the queue, the grading workers and the sandbox, in the text
//! exposition format (version 0.0.4), written by hand: a few counters, gauges and one histogram.
//!
//! Counters and the histogram are this process's own; a scraper sums them over nodes. The queue gauges
//! are read from the database at scrape time and so are the same on every node: take their maximum.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::sandbox::PoolStats;

/// Upper bounds, in seconds, of the grading-duration buckets: from a trivial run to a challenge's
/// longest time limit with its reference run beside it.
const DURATION_BUCKETS: [f64; 12] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0];

/// Sandbox figures, process-wide because the engine handle is: every container this process starts
/// is counted where it starts. The warm pool reports its own figures (`Sandbox::pool_stats`).
pub struct SandboxStats {
    container_starts: AtomicU64,
}

pub static SANDBOX: SandboxStats = SandboxStats { container_starts: AtomicU64::new(0) };

impl SandboxStats {
    pub fn container_started(&self) {
        self.container_starts.fetch_add(1, Ordering::Relaxed);
    }

    /// Sandbox containers this process has started.
    pub fn container_starts(&self) -> u64 {
        self.container_starts.load(Ordering::Relaxed)
    }
}

/// The grading workers' figures in one process.
#[derive(Default)]
pub struct Metrics {
    /// Grading slots this process runs (`--workers`).
    worker_slots: AtomicI64,
    running: AtomicI64,
    durations: Mutex<Histogram>,
    verdicts: Mutex<BTreeMap<String, u64>>,
    /// Claims given back unfinished at shutdown, for another worker to take at once.
    released: AtomicU64,
    /// Gradings that failed inside the service and are left to be claimed again.
    failures: AtomicU64,
    /// Containers the sweeper removed because their job or process was gone.
    orphans_removed: AtomicU64,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The database-wide queue at scrape time.
pub struct QueueCounts {
    pub queued: i64,
    pub running: i64,
}

/// Decrements the running gauge when a grading ends, however it ends.
pub struct Running<'a>(&'a Metrics);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn set_worker_slots(&self, n: usize) {
        self.worker_slots.store(n as i64, Ordering::Relaxed);
    }

    pub fn start_grading(&self) -> Running<'_> {
        self.running.fetch_add(1, Ordering::Relaxed);
        Running(self)
    }

    /// A grading whose result was stored: how long it took from claim to result, and its verdict.
    pub fn graded(&self, verdict: &str, took: Duration) {
        let seconds = took.as_secs_f64();
        {
            let mut h = self.durations.lock().expect("metrics lock");
            for (bound, count) in DURATION_BUCKETS.iter().zip(h.counts.iter_mut()) {
                if seconds <= *bound {
                    *count += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
        *self.verdicts.lock().expect("metrics lock").entry(verdict.to_owned()).or_default() += 1;
    }

    pub fn released(&self) {
        self.released.fetch_add(1, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn orphans_removed(&self, n: usize) {
        self.orphans_removed.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The exposition text. `queue` is absent when the database did not answer; `ready` is the
    /// readiness probe's answer; `pool` is the warm pool of a node that grades with one.
    pub fn render(&self, queue: Option<&QueueCounts>, ready: bool, pool: Option<&PoolStats>) -> String {
        let mut out = String::new();
        gauge(&mut out, "mlgrade_ready", "1 when this node accepts traffic or jobs (what /readyz answers).", ready as i64);
        gauge(&mut out, "mlgrade_database_up", "1 when the database answered this scrape.", queue.is_some() as i64);
        if let Some(q) = queue {
            gauge(&mut out, "mlgrade_jobs_queued", "Submissions and practice runs waiting for a worker, in the whole database.", q.queued);
            gauge(
                &mut out,
                "mlgrade_jobs_claimed",
                "Jobs claimed by some worker and not completed, in the whole database.",
                q.running,
            );
        }
        gauge(&mut out, "mlgrade_jobs_running", "Jobs this node's workers are grading now.", self.running.load(Ordering::Relaxed));
        gauge(&mut out, "mlgrade_worker_slots", "Grading workers this node runs.", self.worker_slots.load(Ordering::Relaxed));
        self.render_durations(&mut out);
        let _ = writeln!(out, "# HELP mlgrade_verdicts_total Gradings completed by this node, by verdict.");
        let _ = writeln!(out, "# TYPE mlgrade_verdicts_total counter");
        for (verdict, n) in self.verdicts.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "mlgrade_verdicts_total{{verdict=\"{verdict}\"}} {n}");
        }
        counter(&mut out, "mlgrade_jobs_released_total", "Claims given back unfinished at shutdown.", self.released.load(Ordering::Relaxed));
        counter(
            &mut out,
            "mlgrade_grading_failures_total",
            "Gradings that failed inside the service (engine or database trouble) and will run again.",
            self.failures.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "mlgrade_orphan_containers_removed_total",
            "Sandbox containers removed because the job or process that started them was gone.",
            self.orphans_removed.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "mlgrade_sandbox_container_starts_total",
            "Sandbox containers this process started.",
            SANDBOX.container_starts(),
        );
        render_pool(&mut out, pool);
        out
    }

    fn render_durations(&self, out: &mut String) {
        let h = self.durations.lock().expect("metrics lock");
        let name = "mlgrade_grade_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time from claiming a job to storing its result.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bound, count) in DURATION_BUCKETS.iter().zip(h.counts.iter()) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum {}", h.sum);
        let _ = writeln!(out, "{name}_count {}", h.count);
    }
}

/// The warm pool: containers ready now and the most it keeps, and how often a run found one ready.
/// A node without a pool reports an empty one of size 0.
fn render_pool(out: &mut String, pool: Option<&PoolStats>) {
    let (idle, capacity, hits, misses, started) =
        pool.map(|p| (p.idle_total(), p.capacity, p.hits, p.misses, p.started)).unwrap_or_default();
    gauge(out, "mlgrade_sandbox_pool_size", "Started sandbox containers waiting in the warm pool for a job.", idle as i64);
    gauge(out, "mlgrade_sandbox_pool_capacity", "Most containers the warm pool keeps ready.", capacity as i64);
    counter(out, "mlgrade_sandbox_pool_started_total", "Containers the warm pool started ahead of a job.", started);
    counter(out, "mlgrade_sandbox_pool_hits_total", "Runs that found a ready container in the warm pool.", hits);
    counter(out, "mlgrade_sandbox_pool_misses_total", "Runs that had to start their own container.", misses);
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, series: &str) -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{series} missing from\n{text}"))
            .parse()
            .unwrap()
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.graded("accepted", Duration::from_millis(1500));
        m.graded("accepted", Duration::from_secs(45));
        m.graded("runtime_error", Duration::from_secs(5000));
        let text = m.render(Some(&QueueCounts { queued: 4, running: 1 }), true, None);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_bucket{le=\"1\"}"), 0.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_bucket{le=\"2\"}"), 1.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_bucket{le=\"60\"}"), 2.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_bucket{le=\"1200\"}"), 2.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_bucket{le=\"+Inf\"}"), 3.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_count"), 3.0);
        assert_eq!(sample(&text, "mlgrade_grade_duration_seconds_sum"), 5046.5);
        assert_eq!(sample(&text, "mlgrade_verdicts_total{verdict=\"accepted\"}"), 2.0);
        assert_eq!(sample(&text, "mlgrade_verdicts_total{verdict=\"runtime_error\"}"), 1.0);
        assert_eq!(sample(&text, "mlgrade_jobs_queued"), 4.0);
    }

    #[test]
    fn running_gauge_follows_gradings() {
        let m = Metrics::default();
        let a = m.start_grading();
        let b = m.start_grading();
        assert_eq!(sample(&m.render(None, true, None), "mlgrade_jobs_running"), 2.0);
        drop(a);
        drop(b);
        let text = m.render(None, false, None);
        assert_eq!(sample(&text, "mlgrade_jobs_running"), 0.0);
        assert_eq!(sample(&text, "mlgrade_database_up"), 0.0);
        assert_eq!(sample(&text, "mlgrade_ready"), 0.0);
        assert!(!text.contains("mlgrade_jobs_queued"), "no queue figures without the database");
    }
}
