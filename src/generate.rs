//! Hidden data made at deployment time from a secret seed, so no public copy of the answers exists.
//!
//! A challenge may name a generator script. At the first start of a deployment, mlgrade creates a
//! random seed; each generator runs once in the sandbox (it is the hiring team's code, so it gets the
//! same isolation as a candidate's) and its files are kept under `generated/<slug>/<hash of the
//! generator>/`, so a changed generator makes new data.
//!
//! A served deployment keeps the seed and the generated data in the database ([`Deployment::Shared`]):
//! the first node to generate stores its copy and every other node unpacks that copy, so all nodes
//! grade against the same hidden rows. The commands that run without a database (`grade`, `challenges
//! check`) keep the seed in a file of the data folder ([`Deployment::Folder`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::challenge::{Challenge, Generator};
use crate::domain::{Limits, RawLimits};
use crate::pipeline::Grader;
use crate::storage::{blobs, Store};
use crate::sandbox::{InputFile, RunSpec};

const DRIVER: &str = include_str!("sandbox/generator_driver.py");
/// Marks a generated folder as complete; written last.
pub const COMPLETE: &str = ".complete";
const SEED_FILE: &str = "secret-seed";

/// Where generated data lives under the data folder.
pub fn generated_root(data_dir: &Path) -> PathBuf {
    data_dir.join("generated")
}

/// The deployment's secret seed: read from the data folder, or created there (readable by the owner
/// only) at first use.
pub fn secret_seed(data_dir: &Path) -> anyhow::Result<u64> {
    let path = data_dir.join(SEED_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return text.trim().parse().with_context(|| format!("{} holds no seed", path.display()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let seed = rand::random::<u64>() >> 1;
    let mut tmp = tempfile::NamedTempFile::new_in(data_dir)?;
    std::io::Write::write_all(&mut tmp, seed.to_string().as_bytes())?;
    // Another process may have created it meanwhile; keep whichever landed first.
    match tmp.persist_noclobber(&path) {
        Ok(_) => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            Ok(seed)
        }
        Err(_) => secret_seed(data_dir),
    }
}

/// Where a deployment keeps its secret seed and its generated data.
#[derive(Clone, Copy)]
pub enum Deployment<'a> {
    /// In the data folder: one machine, no database (the CLI's grading commands).
    Folder(&'a Path),
    /// In the shared database, the data folder only caching it (the service, on every node).
    Shared(&'a Store),
}

/// The key generated data is stored under: the hash of its generator (its folder's name).
pub fn generator_key(generator: &Generator) -> anyhow::Result<String> {
    let name = generator.out.file_name().and_then(|n| n.to_str()).context("the generated folder has a name")?;
    Ok(name.to_owned())
}

/// Runs every generator whose output is missing, then checks the generated data of each challenge.
pub async fn prepare(grader: &Grader, at: Deployment<'_>) -> anyhow::Result<()> {
    let pending: Vec<_> = grader.catalogue.all().into_iter().filter(|c| c.generator.is_some()).collect();
    for challenge in pending {
        ensure(grader, &challenge, at).await?;
    }
    Ok(())
}

/// Makes the challenge's generated data if it is missing (in a shared deployment: unpacks the copy
/// another node stored, or generates and stores one), then checks it. Returns whether it generated.
pub async fn ensure(grader: &Grader, challenge: &Challenge, at: Deployment<'_>) -> anyhow::Result<bool> {
    let Some(generator) = challenge.generator.as_ref() else { return Ok(false) };
    let generated = match at {
        Deployment::Folder(data_dir) => {
            let missing = !generator.out.join(COMPLETE).is_file();
            if missing {
                tracing::info!(challenge = %challenge.slug, "generating hidden data from the deployment seed");
                generate(grader, challenge, generator, secret_seed(data_dir)?).await?;
            }
            missing
        }
        Deployment::Shared(store) => ensure_shared(grader, challenge, generator, store).await?,
    };
    challenge.check_data()?;
    Ok(generated)
}

async fn ensure_shared(grader: &Grader, challenge: &Challenge, generator: &Generator, store: &Store) -> anyhow::Result<bool> {
    let slug = challenge.slug.as_str();
    let key = generator_key(generator)?;
    let complete = generator.out.join(COMPLETE).is_file();
    if let Some(stored) = store.generated_archive(slug, &key).await? {
        if !complete {
            tracing::info!(challenge = %slug, "unpacking generated hidden data from the database");
            unpack(&stored, &generator.out).await?;
        }
        return Ok(false);
    }
    let mut generated = false;
    if !complete {
        tracing::info!(challenge = %slug, "generating hidden data from the deployment seed");
        generate(grader, challenge, generator, store.secret_seed().await?).await?;
        generated = true;
    }
    // Data generated before the database kept it is stored as it is. Two nodes generating at once
    // both offer theirs; the first stored wins, and the other replaces its own with it.
    let ours = blobs::pack_dir(&generator.out)?;
    let stored = store.store_generated(slug, &key, &ours).await?;
    if stored != ours {
        std::fs::remove_dir_all(&generator.out).with_context(|| format!("replacing {}", generator.out.display()))?;
        unpack(&stored, &generator.out).await?;
    }
    Ok(generated)
}

async fn unpack(archive: &[u8], out: &Path) -> anyhow::Result<()> {
    let (archive, out) = (archive.to_vec(), out.to_owned());
    tokio::task::spawn_blocking(move || blobs::unpack_dir(&archive, &out)).await?
}

async fn generate(grader: &Grader, challenge: &Challenge, generator: &Generator, seed: u64) -> anyhow::Result<()> {
    let runtime = grader.runtimes.get(&challenge.runtime).context("runtime recipe")?;
    let limits = Limits::new(&RawLimits { time_seconds: 600, memory_mb: 2048, cpus: 1.0, pids: 64, tmpfs_mb: 512 })
        .map_err(anyhow::Error::msg)?;
    let spec = RunSpec {
        image: runtime.image.clone(),
        limits,
        files: [
            InputFile { name: "harness.py".into(), bytes: DRIVER.as_bytes().to_vec() },
            InputFile { name: "job.json".into(), bytes: serde_json::to_vec(&serde_json::json!({ "seed": seed }))? },
        ]
        .into_iter()
        .chain(generator.inputs.iter().map(|(name, bytes)| InputFile { name: name.clone(), bytes: bytes.clone() }))
        .collect(),
        seed: 0,
        labels: crate::worker::process_labels(),
    };
    let run = grader.sandbox.run(spec).await?;
    if run.timed_out || run.oom_killed || run.exit_code != 0 {
        bail!(
            "the data generator of {} failed (exit {}, timed out {}, out of memory {}):\n{}",
            challenge.slug,
            run.exit_code,
            run.timed_out,
            run.oom_killed,
            run.log
        );
    }
    let files: BTreeMap<String, String> =
        serde_json::from_slice(&run.result).with_context(|| format!("reading what the generator of {} wrote", challenge.slug))?;
    write_atomically(&generator.out, &files)
}

/// Writes the files into a fresh folder and renames it into place, so a crash never leaves half the data.
fn write_atomically(out: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let parent = out.parent().context("generated folder has a parent")?;
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::tempdir_in(parent)?;
    for (name, text) in files {
        if name.contains('/') || name.starts_with('.') {
            bail!("the generator wrote an unexpected file name '{name}'");
        }
        std::fs::write(staging.path().join(name), text)?;
    }
    std::fs::write(staging.path().join(COMPLETE), b"")?;
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    std::fs::rename(staging.keep(), out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_created_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = secret_seed(dir.path()).unwrap();
        assert_eq!(secret_seed(dir.path()).unwrap(), first);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(SEED_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn generated_files_land_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("slug/abc");
        let files = BTreeMap::from([("train.csv".to_owned(), "a\n1\n".to_owned())]);
        write_atomically(&out, &files).unwrap();
        assert!(out.join(COMPLETE).is_file());
        let bad = BTreeMap::from([("../escape".to_owned(), String::new())]);
        assert!(write_atomically(&dir.path().join("slug/def"), &bad).is_err());
        assert!(!dir.path().join("slug/def").exists());
    }
}
