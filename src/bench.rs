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
    wide_data(config, paths, &exe, &image, work.path(), &trivial)?;
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

/// `n` bare runs started at once, timed until the last ends: the floor of a grade's side-by-side runs.
fn bare_runs_side_by_side(image: &str, n: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let children = (0..n)
        .map(|_| {
            Command::new("docker")
                .args(["run", "--rm", "--network", "none", image, "python3", "-c", "import numpy"])
                .stdout(Stdio::null())
                .spawn()
                .context("running docker")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            bail!("bare docker run failed: {status}");
        }
    }
    Ok(started.elapsed())
}

/// One `mlgrade grade` process, timed from start to exit, with what it cost itself and what it did.
struct GradeRun {
    elapsed: Duration,
    /// CPU time of the `grade` process itself (the sandbox's containers are not its children).
    cpu_seconds: f64,
    peak_mb: f64,
    /// Sandbox runs the grade made (one per seeded run).
    runs: usize,
    /// Wall time of the graded run the report shows, as the service measured it.
    run_seconds: f64,
}

fn grade_once(exe: &Path, paths: &Paths, slug: &str, file: &Path) -> anyhow::Result<GradeRun> {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("grade")
        .arg("--challenge")
        .arg(slug)
        .arg(file)
        .arg("--challenges")
        .arg(&paths.challenges)
        .arg("--runtimes")
        .arg(&paths.runtimes)
        .arg("--data-dir")
        .arg(&paths.data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("running mlgrade grade")?;
    let mut stdout = Vec::new();
    std::io::Read::read_to_end(&mut child.stdout.take().context("grade's stdout")?, &mut stdout)?;
    let usage = wait_with_usage(child)?;
    let elapsed = started.elapsed();
    let result: serde_json::Value = serde_json::from_slice(&stdout).context("grade output")?;
    if result["verdict"] != "accepted" {
        bail!("the trivial submission was not accepted: {result}");
    }
    Ok(GradeRun {
        elapsed,
        cpu_seconds: usage.cpu_seconds,
        peak_mb: usage.peak_mb,
        runs: result["runs"].as_array().map_or(1, |r| r.len().max(1)),
        run_seconds: result["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0,
    })
}

struct ChildUsage {
    cpu_seconds: f64,
    peak_mb: f64,
}

/// Reaps `child` and reads its own resource use (user + system CPU, peak resident set) from the
/// kernel, which keeps them per process until it is reaped.
fn wait_with_usage(child: std::process::Child) -> anyhow::Result<ChildUsage> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain out-parameters; `child` is not waited on elsewhere, and is dropped unreaped by
    // std (dropping a Child neither waits nor kills).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    drop(child);
    if reaped != pid {
        bail!("waiting for mlgrade grade: {}", std::io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("mlgrade grade failed (wait status {status})");
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(ChildUsage { cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime), peak_mb: usage.ru_maxrss as f64 / 1024.0 })
}

fn latency(config: &BenchConfig, paths: &Paths, exe: &Path, image: &str, file: &Path) -> anyhow::Result<()> {
    // One unmeasured round of each warms the page cache for both (and grades the reference once for
    // the leak check, which is then kept in the data folder).
    bare_run(image)?;
    let runs = grade_once(exe, paths, &config.challenge, file)?.runs;
    let (mut bare, mut pairs, mut graded) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..config.rounds {
        bare.push(bare_run(image)?);
        pairs.push(bare_runs_side_by_side(image, runs)?);
        graded.push(grade_once(exe, paths, &config.challenge, file)?);
    }
    let mut times: Vec<Duration> = graded.iter().map(|g| g.elapsed).collect();
    let (b, p, g) = (median(&mut bare), median(&mut pairs), median(&mut times));
    let cpu = graded.iter().map(|g| g.cpu_seconds).sum::<f64>() / graded.len() as f64;
    let peak = graded.iter().map(|g| g.peak_mb).fold(0.0, f64::max);
    println!("\nlatency, {} interleaved rounds (median / min / max seconds)", config.rounds);
    println!("  floor  docker run --rm --network none IMAGE python3 -c 'import numpy'  {}", spread(&bare, b));
    println!("  floor  {runs} of those side by side                                      {}", spread(&pairs, p));
    println!("  mlgrade grade --challenge {} trivial.py       {}", config.challenge, spread(&times, g));
    println!("  ratio of medians: {:.2} to one bare run (goal <= 1.1), {:.2} to {runs} side by side", ratio(g, b), ratio(g, p));
    println!("  a grade is {runs} seeded sandbox runs (the first two always run side by side); the grade process");
    println!("  itself used {cpu:.3} s of CPU on average and at most {peak:.1} MB resident");
    Ok(())
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Rows of each part of the wide challenge, and its features.
const WIDE_ROWS: usize = 100_000;
const WIDE_FEATURES: usize = 30;
const WIDE_SLUG: &str = "bench-wide-data";

/// The data path at scale: a generated challenge of 100,000 training and 100,000 test rows of 30
/// features, graded whole, against shipping the same two CSV files into a container of the same
/// image and reading them with pandas' C reader.
fn wide_data(config: &BenchConfig, paths: &Paths, exe: &Path, image: &str, work: &Path, file: &Path) -> anyhow::Result<()> {
    let challenges = work.join("wide-challenges");
    let (train, test_features) = write_wide_challenge(&challenges.join(WIDE_SLUG))?;
    let wide = Paths { challenges, runtimes: paths.runtimes.clone(), data_dir: work.join("wide-data") };
    let job = tar_of(&[("train.csv", train.as_slice()), ("test.csv", test_features.as_slice())])?;
    // Unmeasured: warms the page cache and grades the reference once for the leak check.
    pandas_floor(image, &job)?;
    let runs = grade_once(exe, &wide, WIDE_SLUG, file)?.runs;
    let rounds = config.rounds.clamp(1, 5);
    let (mut floor, mut graded) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        floor.push(pandas_floor(image, &job)?);
        graded.push(grade_once(exe, &wide, WIDE_SLUG, file)?);
    }
    let mut times: Vec<Duration> = graded.iter().map(|g| g.elapsed).collect();
    let mut run_times: Vec<Duration> = graded.iter().map(|g| Duration::from_secs_f64(g.run_seconds)).collect();
    let (f, g, r) = (median(&mut floor), median(&mut times), median(&mut run_times));
    let peak = graded.iter().map(|g| g.peak_mb).fold(0.0, f64::max);
    let cpu = graded.iter().map(|g| g.cpu_seconds).sum::<f64>() / graded.len() as f64;
    println!(
        "\ndata path, {WIDE_ROWS} training and {WIDE_ROWS} test rows of {WIDE_FEATURES} features, {rounds} interleaved rounds (median / min / max seconds)"
    );
    println!("  floor  both CSVs streamed into docker run -i IMAGE, read with pandas.read_csv  {}", spread(&floor, f));
    println!("  mlgrade grade --challenge {WIDE_SLUG} trivial.py              {}", spread(&times, g));
    println!("  one graded sandbox run, as the report gives it                           {}", spread(&run_times, r));
    println!("  ratio of medians: {:.2} (goal <= 1.3); the graded run alone {:.2}", ratio(g, f), ratio(r, f));
    println!("  a grade is {runs} seeded sandbox runs side by side; the grade process itself used {cpu:.2} s of CPU");
    println!("  on average and at most {peak:.0} MB resident");
    Ok(())
}

/// The floor of the data path: the CSV files streamed into a plain container, each read by pandas.
fn pandas_floor(image: &str, job: &[u8]) -> anyhow::Result<Duration> {
    const READ: &str = "import sys, tarfile, pandas\n\
        tarfile.open(fileobj=sys.stdin.buffer, mode='r|').extractall('/tmp/job')\n\
        pandas.read_csv('/tmp/job/train.csv'); pandas.read_csv('/tmp/job/test.csv')";
    let started = Instant::now();
    let mut child = Command::new("docker")
        .args(["run", "--rm", "-i", "--network", "none", image, "python3", "-c", READ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("running docker")?;
    std::io::Write::write_all(&mut child.stdin.take().context("docker's stdin")?, job)?;
    let status = child.wait()?;
    if !status.success() {
        bail!("the pandas floor run failed: {status}");
    }
    Ok(started.elapsed())
}

fn tar_of(files: &[(&str, &[u8])]) -> anyhow::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, *bytes)?;
    }
    Ok(builder.into_inner()?)
}

/// Writes a binary classification challenge of [`WIDE_ROWS`] rows per part into `dir` (numbers from
/// a fixed seed: the label follows a linear score of the features, with noise), and returns the
/// training CSV and the test features' CSV as the sandbox received them before the binary data path.
fn write_wide_challenge(dir: &Path) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let weights: Vec<f64> = (0..WIDE_FEATURES).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let header: Vec<String> = (0..WIDE_FEATURES).map(|i| format!("x{i}")).collect();
    // Each part as the features' CSV and the labelled CSV.
    let mut table = |rows: usize| {
        let mut features = header.join(",");
        let mut labelled = format!("{features},label\n");
        features.push('\n');
        for _ in 0..rows {
            let x: Vec<f64> = (0..WIDE_FEATURES).map(|_| rng.gen_range(-3.0..3.0)).collect();
            let score: f64 = x.iter().zip(&weights).map(|(a, b)| a * b).sum::<f64>() + rng.gen_range(-1.0..1.0);
            let line = x.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",");
            features.push_str(&line);
            features.push('\n');
            labelled.push_str(&line);
            labelled.push_str(if score > 0.0 { ",1\n" } else { ",0\n" });
        }
        (features, labelled)
    };
    let (_, train) = table(WIDE_ROWS);
    let (test_features, test) = table(WIDE_ROWS);
    let sample: String = train.lines().take(41).map(|l| format!("{l}\n")).collect();
    let trivial = TRIVIAL.lines().filter(|l| !l.starts_with("# expect")).collect::<Vec<_>>().join("\n");
    for sub in ["hidden", "public", "reference"] {
        std::fs::create_dir_all(dir.join(sub)).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(dir.join("challenge.toml"), WIDE_MANIFEST)?;
    std::fs::write(dir.join("README.md"), "# Wide data\n\nPredict the label from 30 numeric features.\n")?;
    std::fs::write(dir.join("solution.py"), &trivial)?;
    std::fs::write(dir.join("reference/solution.py"), &trivial)?;
    std::fs::write(dir.join("public/sample.csv"), sample)?;
    std::fs::write(dir.join("hidden/train.csv"), &train)?;
    std::fs::write(dir.join("hidden/test.csv"), test)?;
    Ok((train.into_bytes(), test_features.into_bytes()))
}

const WIDE_MANIFEST: &str = r#"title = "Wide data"
summary = "Generated by mlgrade bench: 100,000 rows of 30 numeric features per part"
runtime = "python-numpy"
kind = "predict"
task = "classification"
hidden_labels_public = false

[interface]
entry = "solution.py"
input = "numpy"

[limits]
time_seconds = 120
memory_mb = 2048
cpus = 1.0
pids = 64
tmpfs_mb = 256

[data]
train = "hidden/train.csv"
test = "hidden/test.csv"
label = "label"
public_sample = "public/sample.csv"
public_fraction = 0.5
split_seed = 7

[grading]
metric = "accuracy"
zero = 0.5
full = 1.0
max_gap = 0.1

[reference]
solution = "reference/solution.py"
expected_score = 0
"#;

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
