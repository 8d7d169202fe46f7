//! Queue workers: claim a job, grade it while keeping its lease alive, complete it atomically.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tracing::Instrument;
use tokio_util::sync::CancellationToken;

use crate::grading::{Report, Verdict};
use crate::integrity::{self, fingerprint::Fingerprints, similar};
use crate::metrics::Metrics;
use crate::pipeline::{Grader, Outcome};
use crate::sandbox::Sandbox;
use crate::storage::{Claim, NewResult, Store};

/// Label naming the submission a container runs for.
pub const JOB_LABEL: &str = "mlgrade.job";
/// Label naming the service instance (one per database) that owns a container.
pub const INSTANCE_LABEL: &str = "mlgrade.instance";
/// Label naming the process whose worker started a container.
pub const PROCESS_LABEL: &str = "mlgrade.process";
/// Label naming the attempt of that submission.
pub const ATTEMPT_LABEL: &str = "mlgrade.attempt";
/// A job claimed this many times without completing is given up with `internal_error`: something in
/// the service fails on it every time, and retrying forever would block the queue.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Clone)]
pub struct WorkerContext {
    pub store: Store,
    pub grader: Grader,
    pub lease: Duration,
    /// Poked when a submission is queued, so idle workers start at once.
    pub wakeup: Arc<Notify>,
    /// Cancelled to stop claiming jobs; runs in flight go on.
    pub shutdown: CancellationToken,
    /// Cancelled to stop the runs in flight: their containers are removed and their jobs given back.
    pub abort: CancellationToken,
    pub metrics: Arc<Metrics>,
    /// This service's instance id, stamped on its containers.
    pub instance: String,
    /// This process's id among the workers (unique per start), stamped on its containers.
    pub process: String,
}

/// Runs one worker until shutdown.
pub async fn run(ctx: WorkerContext, name: String) {
    let idle_poll = (ctx.lease / 3).min(Duration::from_secs(2));
    while !ctx.shutdown.is_cancelled() {
        match ctx.store.claim(&name, ctx.lease).await {
            Ok(Some(claim)) => {
                let span = tracing::info_span!("job", submission = %claim.id, attempt = claim.attempt, worker = %name);
                if process(&ctx, claim).instrument(span).await == Processed::Failed {
                    until_engine_answers(&ctx, idle_poll).await;
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = ctx.wakeup.notified() => {}
                    _ = tokio::time::sleep(idle_poll) => {}
                    _ = ctx.shutdown.cancelled() => {}
                }
            }
            Err(e) => {
                tracing::error!(worker = %name, error = %format!("{e:#}"), "claiming a job failed");
                tokio::time::sleep(idle_poll).await;
            }
        }
    }
}

/// After a grading failed inside the service, claims nothing until the engine answers again: a worker
/// cut off from its engine would otherwise fail job after job, using up their attempts.
async fn until_engine_answers(ctx: &WorkerContext, poll: Duration) {
    let mut warned = false;
    while !ctx.shutdown.is_cancelled() {
        match tokio::time::timeout(poll, ctx.grader.sandbox.ping()).await {
            Ok(Ok(())) => return,
            _ if !warned => {
                tracing::warn!("the Docker engine does not answer; claiming nothing until it does");
                warned = true;
            }
            _ => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = ctx.shutdown.cancelled() => {}
        }
    }
}

/// How handling a claim ended.
#[derive(Debug, PartialEq, Eq)]
enum Processed {
    /// Stored, taken over, or given back.
    Done,
    /// Failed inside the service; the job runs again after its lease.
    Failed,
}

async fn process(ctx: &WorkerContext, claim: Claim) -> Processed {
    tracing::info!(challenge = %claim.challenge, practice = claim.practice, "grading");
    if claim.attempt > MAX_ATTEMPTS {
        let report = Report::failed(
            Verdict::InternalError,
            format!("the service failed to grade this submission {MAX_ATTEMPTS} times; see the service log"),
        );
        if finish(ctx, &claim, &report, "", None, 0).await {
            ctx.metrics.graded(report.verdict.as_str(), Duration::ZERO);
        }
        return Processed::Done;
    }
    let _running = ctx.metrics.start_grading();
    let started = Instant::now();
    let mut heartbeat = tokio::time::interval(ctx.lease / 3);
    heartbeat.tick().await;
    let mut grading = Box::pin(grade(ctx, &claim));
    let outcome = loop {
        tokio::select! {
            outcome = &mut grading => break Some(outcome),
            _ = heartbeat.tick() => match ctx.store.heartbeat(&claim, ctx.lease).await {
                Ok(true) => {}
                Ok(false) => {
                    // Dropping the run removes its container.
                    tracing::warn!("lease lost to another worker; abandoning this run");
                    return Processed::Done;
                }
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "heartbeat failed; retrying"),
            },
            _ = ctx.abort.cancelled() => break None,
        }
    };
    let Some(outcome) = outcome else {
        drop(grading);
        release(ctx, &claim).await;
        return Processed::Done;
    };
    match outcome {
        Ok(o) => {
            let csv = o.graded.predictions_csv.as_deref();
            if finish(ctx, &claim, &o.graded.report, &o.log, csv, o.duration.as_millis() as i64).await {
                ctx.metrics.graded(o.graded.report.verdict.as_str(), started.elapsed());
            }
            Processed::Done
        }
        Err(e) => {
            // The service's own fault: leave the job to be claimed again when its lease runs out, up to
            // MAX_ATTEMPTS, rather than blaming the candidate. Waiting out the lease also spaces the
            // retries when the engine or the database is briefly away.
            ctx.metrics.failed();
            tracing::error!(error = %format!("{e:#}"), "grading failed inside the service");
            Processed::Failed
        }
    }
}

/// Gives an interrupted job back to the queue at once, after removing its container: another worker
/// takes it without waiting for the lease to run out.
async fn release(ctx: &WorkerContext, claim: &Claim) {
    if let Err(e) = ctx.grader.sandbox.remove_labelled(JOB_LABEL, &claim.id.to_string()).await {
        tracing::warn!(error = %e, "removing the interrupted run's container");
    }
    // A lease that ends now is the queue's "free to claim": the claim query takes running jobs whose
    // lease has passed, and only this claim's owner may move its lease.
    match ctx.store.heartbeat(claim, Duration::ZERO).await {
        Ok(true) => {
            ctx.metrics.released();
            tracing::info!("shutting down; the job is back in the queue");
        }
        Ok(false) => tracing::info!("shutting down; the job was already taken over"),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "giving the job back failed; it runs again once its lease ends"),
    }
}

async fn grade(ctx: &WorkerContext, claim: &Claim) -> anyhow::Result<Outcome> {
    let challenge = ctx.grader.catalogue.fetch_version(&ctx.store, &claim.challenge, claim.challenge_version).await?;
    let source = ctx.store.read_file(&claim.file_sha256).await?;
    let labels = HashMap::from([
        (JOB_LABEL.to_owned(), claim.id.to_string()),
        (ATTEMPT_LABEL.to_owned(), claim.attempt.to_string()),
        (INSTANCE_LABEL.to_owned(), ctx.instance.clone()),
        (PROCESS_LABEL.to_owned(), ctx.process.clone()),
    ]);
    // Practice runs see only the public sample and are kept apart: they are not fingerprinted.
    if claim.practice {
        return ctx.grader.practice(&challenge, &source, labels).await;
    }
    let mut outcome = ctx.grader.grade(&challenge, &source, labels).await?;
    let mine = similar::prints_of(&challenge, &source);
    ctx.store.save_fingerprints(claim.id, &claim.challenge, &mine.to_bytes()).await?;
    if outcome.graded.report.verdict == Verdict::Accepted {
        let best = closest_earlier(ctx, &challenge, claim, &mine).await?;
        outcome.graded.report.checks.push(integrity::checks::similarity(best));
    }
    Ok(outcome)
}

/// The closest of the challenge's reference and every earlier submission by someone else.
async fn closest_earlier(
    ctx: &WorkerContext,
    challenge: &crate::challenge::Challenge,
    claim: &Claim,
    mine: &Fingerprints,
) -> anyhow::Result<Option<integrity::checks::Match>> {
    let reference = similar::reference_prints(challenge).map(|prints| similar::Candidate {
        what: "the challenge's reference solution".into(),
        link: Some(format!("/submissions/{}/similar/reference", claim.id)),
        prints,
    });
    let earlier = ctx.store.earlier_fingerprints(claim.id).await?.into_iter().filter_map(|e| {
        let prints = Fingerprints::from_bytes(&e.prints).ok()?;
        let short = e.id.to_string().chars().take(8).collect::<String>();
        Some(similar::Candidate {
            what: format!("submission {short} by {}", e.who),
            link: Some(format!("/submissions/{}/similar/{}", claim.id, e.id)),
            prints,
        })
    });
    Ok(similar::closest(mine, reference.into_iter().chain(earlier)))
}

/// Stores the result; whether it was stored (this claim still owned the job).
async fn finish(ctx: &WorkerContext, claim: &Claim, report: &Report, log: &str, predictions: Option<&str>, ms: i64) -> bool {
    let result = NewResult { report, log, predictions, duration_ms: ms };
    match ctx.store.complete(claim, result).await {
        Ok(true) => {
            tracing::info!(verdict = report.verdict.as_str(), score = ?report.score, "completed");
            true
        }
        Ok(false) => {
            tracing::warn!("job was taken over by another worker; result discarded");
            false
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "storing the result failed; the job will run again");
            false
        }
    }
}

/// Removes every container of this instance that no live job owns (leftovers of a crash), and runs of
/// a process on this host (the `grade` command, data generation, a bundle's check) whose process is
/// gone. Containers of other instances sharing the engine are theirs to clean; so are runs started by
/// processes on other hosts that reach the same engine.
///
/// A job's container is judged by its claim in the database, not by its process: a worker on another
/// host keeps its claim alive with heartbeats while it runs, and once a worker dies its lease runs out
/// and any worker of the instance on that engine removes what it left.
pub async fn remove_orphans(sandbox: &Sandbox, store: &Store, instance: &str) -> anyhow::Result<usize> {
    let mut removed = 0;
    for container in sandbox.labelled_containers().await? {
        let (id, labels) = (container.id, container.labels);
        let live = if labels.contains_key(CLI_PID_LABEL) {
            cli_alive(&labels)
        } else if labels.get(INSTANCE_LABEL).map(String::as_str) != Some(instance) {
            true
        } else if container.launching {
            launcher_alive(&labels)
        } else {
            match (labels.get(JOB_LABEL), labels.get(ATTEMPT_LABEL)) {
                (Some(job), Some(attempt)) => store.claim_is_live(job, attempt.parse().unwrap_or(-1)).await?,
                _ => false,
            }
        };
        if !live {
            sandbox.remove(&id).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Label on runs outside the queue (the `grade` command, data generation, a bundle's check): the
/// process id that owns them.
pub const CLI_PID_LABEL: &str = "mlgrade.cli-pid";
/// Label naming the host of that process: a process id means something only on its own host.
pub const HOST_LABEL: &str = "mlgrade.host";

/// Labels of a run outside the queue: this process and its host.
pub fn process_labels() -> HashMap<String, String> {
    HashMap::from([
        (CLI_PID_LABEL.to_owned(), std::process::id().to_string()),
        (HOST_LABEL.to_owned(), host_name()),
    ])
}

pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_default()
}

/// Whether the process that started a run outside the queue may still be running. One on another host
/// cannot be checked from here and is left to its own host's sweeper.
fn cli_alive(labels: &HashMap<String, String>) -> bool {
    if labels.get(HOST_LABEL).is_some_and(|host| *host != host_name()) {
        return true;
    }
    labels.get(CLI_PID_LABEL).is_some_and(|pid| pid_alive(pid))
}

/// Whether the service that created a warm container, not started yet, may still be launching it. Its
/// process label begins with its process id; one on another host, or without those labels, is given
/// the benefit of the doubt, and the engine-wide sweep takes it once its launch grace is over.
fn launcher_alive(labels: &HashMap<String, String>) -> bool {
    let here = labels.get(HOST_LABEL).is_some_and(|host| *host == host_name());
    match labels.get(PROCESS_LABEL).and_then(|p| p.split_once('-')) {
        Some((pid, _)) if here => pid_alive(pid),
        _ => true,
    }
}

fn pid_alive(pid: &str) -> bool {
    pid.parse::<u32>().is_ok_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}
