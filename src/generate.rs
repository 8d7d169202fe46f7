//! Hidden data made at deployment time from a secret seed, so no public copy of the answers exists.
//!
//! A challenge may name a generator script. At the first start of a deployment, mlgrade creates a
//! random seed kept in the data folder; each generator runs once in the sandbox (it is the hiring
//! team's code, so it gets the same isolation as a candidate's) and its files are kept under
//! `generated/<slug>/<hash of the generator>/`, so a changed generator makes new data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::challenge::{Challenge, Generator};
use crate::domain::{Limits, RawLimits};
use crate::pipeline::Grader;
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

/// Runs every generator whose output is missing, then checks the generated data of each challenge.
pub async fn prepare(grader: &Grader, data_dir: &Path) -> anyhow::Result<()> {
    let pending: Vec<_> = grader.catalogue.all().into_iter().filter(|c| c.generator.is_some()).collect();
    if pending.is_empty() {
        return Ok(());
    }
    for challenge in pending {
        ensure(grader, &challenge, data_dir).await?;
    }
    Ok(())
}

/// Makes the challenge's generated data if it is missing, then checks it. Returns whether it generated.
pub async fn ensure(grader: &Grader, challenge: &Challenge, data_dir: &Path) -> anyhow::Result<bool> {
    let Some(generator) = challenge.generator.as_ref() else { return Ok(false) };
    let mut generated = false;
    if !generator.out.join(COMPLETE).is_file() {
        tracing::info!(challenge = %challenge.slug, "generating hidden data from the deployment seed");
        generate(grader, challenge, generator, secret_seed(data_dir)?).await?;
        generated = true;
    }
    challenge.check_data()?;
    Ok(generated)
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
