//! `mlgrade bench`: grading latency, throughput and service memory, each printed beside its floor
//! measured in the same run (a bare `docker run` of the same image), because absolute times on a
//! shared machine drift.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::config::{BenchConfig, Paths};
use crate::startup;

/// The trivial submission every figure uses: majority class, nothing else.
const TRIVIAL: &str = include_str!("../tests/fixtures/submissions/trivial.py");

pub async fn run(paths: &Paths, config: &BenchConfig) -> anyhow::Result<()> {
    let grader = startup::grader(paths).await?;
    startup::prepare(&grader, paths).await?;
    let challenge = grader.catalogue.get(&config.challenge).with_context(|| format!("no challenge '{}'", config.challenge))?;
    let image = grader.runtimes.get(&challenge.runtime).context("runtime recipe")?.image.clone();
    let work = tempfile::tempdir()?;
    let trivial = work.path().join("solution.py");
    std::fs::write(&trivial, TRIVIAL)?;
    let exe = std::env::current_exe()?;

    println!("mlgrade bench: challenge {}, image {image}", challenge.slug);
    latency(config, paths, &exe, &image, &trivial)?;
    warm_latency(config, paths, &exe, &image, work.path()).await?;
    throughput(config, paths, &exe, &image, work.path()).await?;
    memory(config, paths, &exe, work.path()).await?;
    Ok(())
}

fn bare_run(image: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let status = Command::new("docker")
        .args(["run", "--rm", "--network", "none", image, "python3", "-c", "import numpy"])
        .stdout(Stdio::null())
        .status()
        .context("running docker")?;
    if !status.success() {
        bail!("bare docker run failed: {status}");
    }
    Ok(started.elapsed())
}

fn grade_once(exe: &Path, paths: &Paths, slug: &str, file: &Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let out = Command::new(exe)
        .arg("grade")
        .arg("--challenge")
        .arg(slug)
        .arg(file)
        .arg("--challenges")
        .arg(&paths.challenges)
        .arg("--runtimes")
        .arg(&paths.runtimes)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .output()
        .context("running mlgrade grade")?;
    let elapsed = started.elapsed();
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).context("grade output")?;
    if result["verdict"] != "accepted" {
        bail!("the trivial submission was not accepted: {result}");
    }
    Ok(elapsed)
}

fn latency(config: &BenchConfig, paths: &Paths, exe: &Path, image: &str, file: &Path) -> anyhow::Result<()> {
    // One unmeasured round of each warms the page cache for both.
    bare_run(image)?;
    grade_once(exe, paths, &config.challenge, file)?;
    let (mut bare, mut graded) = (Vec::new(), Vec::new());
    for _ in 0..config.rounds {
        bare.push(bare_run(image)?);
        graded.push(grade_once(exe, paths, &config.challenge, file)?);
    }
    let (b, g) = (median(&mut bare), median(&mut graded));
    println!("\nlatency, {} interleaved rounds (median / min / max seconds)", config.rounds);
    println!("  floor  docker run --rm --network none IMAGE python3 -c 'import numpy'  {}", spread(&bare, b));
    println!("  mlgrade grade --challenge {} trivial.py                {}", config.challenge, spread(&graded, g));
    println!("  ratio of medians: {:.2} (goal <= 1.3)", g.as_secs_f64() / b.as_secs_f64());
    Ok(())
}

/// Submit to stored result of the trivial file through the API, one at a time, with the warm pool and
/// without, interleaved with the bare run. A pause after each round lets the pool refill, as it does
/// between submissions that do not arrive back to back.
async fn warm_latency(config: &BenchConfig, paths: &Paths, exe: &Path, image: &str, work: &Path) -> anyhow::Result<()> {
    let warm = Server::start_with(exe, paths, &work.join("warm"), &[]).await?;
    let cold = Server::start_with(exe, paths, &work.join("cold"), &["--warm-pool", "0"]).await?;
    // Unmeasured: grades the reference once on each, and tells the pool which containers to keep.
    warm.submit_and_wait(&config.challenge).await?;
    cold.submit_and_wait(&config.challenge).await?;
    let (mut bare, mut pooled, mut unpooled) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..config.rounds {
        tokio::time::sleep(Duration::from_secs(2)).await;
        pooled.push(warm.submit_and_wait(&config.challenge).await?);
        bare.push(bare_run(image)?);
        unpooled.push(cold.submit_and_wait(&config.challenge).await?);
    }
    let (b, w, c) = (median(&mut bare), median(&mut pooled), median(&mut unpooled));
    println!("\nsubmit to stored result, {} interleaved rounds (median / min / max seconds)", config.rounds);
    println!("  floor  docker run --rm --network none IMAGE python3 -c 'import numpy'  {}", spread(&bare, b));
    println!("  mlgrade serve, warm pool                                       {}", spread(&pooled, w));
    println!("  mlgrade serve, --warm-pool 0                                   {}", spread(&unpooled, c));
    println!("  ratio of medians, warm pool: {:.2} (goal <= 0.5); without: {:.2}", w.as_secs_f64() / b.as_secs_f64(), c.as_secs_f64() / b.as_secs_f64());
    Ok(())
}

async fn throughput(config: &BenchConfig, paths: &Paths, exe: &Path, image: &str, work: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    for _ in 0..config.jobs {
        bare_run(image)?;
    }
    let bare = started.elapsed();

    let server = Server::start(exe, paths, &work.join("throughput")).await?;
    let started = Instant::now();
    let ids = server.submit_many(&config.challenge, config.jobs).await?;
    server.wait_all(&ids).await?;
    let served = started.elapsed();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("\nthroughput, {} trivial submissions", config.jobs);
    println!("  floor  {} sequential bare docker runs        {:>7.1} s  {:>5.2} runs/s", config.jobs, bare.as_secs_f64(), rate(config.jobs, bare));
    println!("  mlgrade serve, {workers} workers, queued via the API  {:>7.1} s  {:>5.2} graded/s", served.as_secs_f64(), rate(config.jobs, served));
    Ok(())
}

async fn memory(config: &BenchConfig, paths: &Paths, exe: &Path, work: &Path) -> anyhow::Result<()> {
    let server = Server::start(exe, paths, &work.join("memory")).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rest = server.rss_kib()?;
    let start_peak = server.hwm_kib()?;
    let uploads = server.upload_many(UPLOADS, UPLOAD_BYTES).await?;
    // The high-water mark catches a spike between two samples, when the uploads raised it.
    let high = server.hwm_kib()?;
    let uploads = if high > start_peak { uploads.max(high) } else { uploads };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = server.rss_kib()?;
    server.submit_many(&config.challenge, config.queued).await?;
    let loaded = server.rss_kib()?;
    let (queued, _) = server.counts().await?;
    println!("\nservice memory (resident set of the mlgrade serve process)");
    let during = format!("during {UPLOADS} concurrent {} MB bundle uploads, peak", UPLOAD_BYTES >> 20);
    let after = format!("after {} submissions, {queued} still queued", config.queued);
    println!("  {:<44} {:>6.1} MB (goal < 60)", "at rest", rest as f64 / 1024.0);
    println!("  {during:<44} {:>6.1} MB (goal < 120)", uploads as f64 / 1024.0);
    println!("  {:<44} {:>6.1} MB (goal < 60)", "2 s after the uploads", settled as f64 / 1024.0);
    println!("  {after:<44} {:>6.1} MB (goal < 120)", loaded as f64 / 1024.0);
    println!("  {:<44} {:>6.1} MB", "peak while starting", start_peak as f64 / 1024.0);
    println!("  {:<44} {:>6.1} MB", "peak", server.hwm_kib()? as f64 / 1024.0);
    Ok(())
}

/// Concurrent bundle uploads in the memory figure, and the size of each: near the 64 MiB cap, so a
/// service that held bundles in memory would show it at once.
const UPLOADS: usize = 8;
const UPLOAD_BYTES: usize = 60 << 20;

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn spread(v: &[Duration], median: Duration) -> String {
    let min = v.iter().min().copied().unwrap_or_default();
    let max = v.iter().max().copied().unwrap_or_default();
    format!("{:.3} / {:.3} / {:.3}", median.as_secs_f64(), min.as_secs_f64(), max.as_secs_f64())
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// A real `mlgrade serve` child process on a free loopback port, killed when dropped.
struct Server {
    child: std::process::Child,
    address: String,
    token: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(exe: &Path, paths: &Paths, data: &Path) -> anyhow::Result<Server> {
        Server::start_with(exe, paths, data, &[]).await
    }

    async fn start_with(exe: &Path, paths: &Paths, data: &Path, args: &[&str]) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let token = crate::api::auth::generate_token();
        let mut cmd = Command::new(exe);
        cmd.arg("serve")
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .arg("--challenges")
            .arg(&paths.challenges)
            .arg("--runtimes")
            .arg(&paths.runtimes)
            .args(args)
            .env("MLGRADE_ADMIN_TOKEN", &token)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(data.with_extension("log"))?);
        let child = cmd.spawn().context("starting mlgrade serve")?;
        let server = Server { child, address: format!("http://127.0.0.1:{port}"), token, client: reqwest::Client::new() };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(r) = server.client.get(format!("{}/healthz", server.address)).send().await {
                if r.status().is_success() {
                    return Ok(server);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
        bail!("mlgrade serve did not become healthy; its log:\n{log}")
    }

    async fn submit_many(&self, slug: &str, n: usize) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let form = reqwest::multipart::Form::new()
                .text("challenge", slug.to_owned())
                .part("file", reqwest::multipart::Part::text(TRIVIAL).file_name("solution.py"));
            let resp = self
                .client
                .post(format!("{}/api/v1/submissions", self.address))
                .bearer_auth(&self.token)
                .multipart(form)
                .send()
                .await?;
            if resp.status() != 202 {
                bail!("submission refused: {}", resp.text().await?);
            }
            let body: serde_json::Value = resp.json().await?;
            ids.push(body["id"].as_str().context("id")?.to_owned());
        }
        Ok(ids)
    }

    /// Sends `n` bundle uploads of `bytes` each at once (incompressible bytes behind a gzip header: the
    /// service stages each whole before the unpacker refuses it) and returns the highest resident set
    /// seen while they ran, sampled every 20 ms.
    async fn upload_many(&self, n: usize, bytes: usize) -> anyhow::Result<u64> {
        let mut body = vec![0u8; bytes];
        rand::Rng::fill(&mut rand::thread_rng(), body.as_mut_slice());
        body[..2].copy_from_slice(&[0x1f, 0x8b]);
        let body = bytes::Bytes::from(body);
        let uploads = (0..n).map(|i| {
            let form = reqwest::multipart::Form::new()
                .text("slug", format!("bench-upload-{i}"))
                .part("bundle", reqwest::multipart::Part::stream(body.clone()).file_name("bundle.tar.gz"));
            self.client.post(format!("{}/api/v1/challenges", self.address)).bearer_auth(&self.token).multipart(form).send()
        });
        let all = futures_util::future::join_all(uploads);
        tokio::pin!(all);
        let mut peak = self.rss_kib()?;
        let responses = loop {
            tokio::select! {
                responses = &mut all => break responses,
                _ = tokio::time::sleep(Duration::from_millis(20)) => peak = peak.max(self.rss_kib()?),
            }
        };
        for resp in responses {
            let status = resp?.status();
            if status != 400 {
                bail!("a junk bundle upload got {status}, not 400");
            }
        }
        Ok(peak.max(self.rss_kib()?))
    }

    /// Submits the trivial file and polls closely until its result is stored; the time between.
    async fn submit_and_wait(&self, slug: &str) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let id = self.submit_many(slug, 1).await?.remove(0);
        loop {
            let body: serde_json::Value = self
                .client
                .get(format!("{}/api/v1/submissions/{id}", self.address))
                .bearer_auth(&self.token)
                .send()
                .await?
                .json()
                .await?;
            if body["status"] == "completed" {
                if body["verdict"] != "accepted" {
                    bail!("a trivial submission was not accepted: {body}");
                }
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn wait_all(&self, ids: &[String]) -> anyhow::Result<()> {
        for id in ids {
            loop {
                let body: serde_json::Value = self
                    .client
                    .get(format!("{}/api/v1/submissions/{id}", self.address))
                    .bearer_auth(&self.token)
                    .send()
                    .await?
                    .json()
                    .await?;
                if body["status"] == "completed" {
                    if body["verdict"] != "accepted" {
                        bail!("a trivial submission was not accepted: {body}");
                    }
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    async fn counts(&self) -> anyhow::Result<(i64, i64)> {
        let body: serde_json::Value = self.client.get(format!("{}/healthz", self.address)).send().await?.json().await?;
        Ok((body["queued"].as_i64().unwrap_or(0), body["running"].as_i64().unwrap_or(0)))
    }

    fn status_field(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(PathBuf::from(format!("/proc/{}/status", self.child.id())))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("{field} in /proc status"))
    }

    fn rss_kib(&self) -> anyhow::Result<u64> {
        self.status_field("VmRSS:")
    }

    fn hwm_kib(&self) -> anyhow::Result<u64> {
        self.status_field("VmHWM:")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM first so the service removes its running containers; then make sure it is gone.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
