//! Content-addressed bytes in the database, with this node's copies on disk as a cache.
//!
//! Submitted files, challenge version archives and generated hidden data are stored once per content
//! in `blobs`, keyed by their SHA-256, so every node reads the same bytes and none keeps something
//! another needs. A node writes what it reads to its data folder (`files/<sha256>`, unpacked folders
//! for archives) and reads it from there next time; a lost data folder is filled again from the
//! database. Small values (the secret seed, the instance id, the admin token hash) are setting rows.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{now_ms, Store, Tx};

/// The setting row that holds the deployment's secret seed.
pub const SEED_KEY: &str = "secret_seed";
/// Where versions before the shared store kept the seed, under the data folder.
const SEED_FILE: &str = "secret-seed";

/// Stores `bytes` (once per content) inside the caller's transaction and returns their SHA-256.
pub async fn put(tx: &mut Tx, bytes: &[u8], now: i64) -> anyhow::Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    sqlx::query("INSERT INTO blobs (sha256, size, bytes, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
        .bind(&sha)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("storing a blob")?;
    Ok(sha)
}

impl Store {
    /// Stores `bytes` once per content and returns their SHA-256.
    pub async fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let mut tx = self.db.begin().await?;
        let sha = put(&mut tx, bytes, now_ms()).await?;
        tx.commit().await?;
        Ok(sha)
    }

    /// The bytes stored under `sha`, if any.
    pub async fn blob(&self, sha: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT bytes FROM blobs WHERE sha256 = $1")
            .bind(sha)
            .fetch_optional(self.pool())
            .await
            .with_context(|| format!("reading blob {sha}"))?;
        Ok(row.map(|r| r.get("bytes")))
    }

    pub(super) fn files_dir(&self) -> std::path::PathBuf {
        self.cache_dir.join("files")
    }

    /// A submitted file: from this node's cache, or from the database (and then cached).
    pub async fn read_file(&self, sha: &str) -> anyhow::Result<Vec<u8>> {
        // The name comes from the database, but it also becomes a path: only a hash may.
        anyhow::ensure!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "'{sha}' is not a file hash");
        let path = self.files_dir().join(sha);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(bytes);
        }
        let bytes = self.blob(sha).await?.with_context(|| format!("stored file {sha} is in neither the cache nor the database"))?;
        if let Err(e) = write_cached(&self.files_dir(), &path, &bytes).await {
            tracing::warn!(file = sha, error = %e, "could not cache a stored file");
        }
        Ok(bytes)
    }

    /// Moves source files that older versions kept only under `files/` into the database, so other
    /// nodes can read them. Quick when there is nothing to move.
    pub(super) async fn adopt_disk_files(&self) -> anyhow::Result<()> {
        let missing: Vec<String> =
            sqlx::query_scalar("SELECT f.sha256 FROM files f LEFT JOIN blobs b ON b.sha256 = f.sha256 WHERE b.sha256 IS NULL")
                .fetch_all(self.pool())
                .await
                .context("listing files without stored bytes")?;
        let mut adopted = 0;
        for sha in missing {
            let Ok(bytes) = tokio::fs::read(self.files_dir().join(&sha)).await else {
                tracing::warn!(file = %sha, "a submitted file is neither in the database nor in the data folder");
                continue;
            };
            anyhow::ensure!(hex::encode(Sha256::digest(&bytes)) == sha, "the cached file {sha} does not match its hash");
            self.put_blob(&bytes).await?;
            adopted += 1;
        }
        if adopted > 0 {
            tracing::info!(files = adopted, "moved submitted files from the data folder into the database");
        }
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(self.pool()).await?;
        Ok(row.map(|r| r.get("value")))
    }

    /// Stores a setting unless one exists; returns whether it was stored.
    pub async fn insert_setting(&self, key: &str, value: &str) -> anyhow::Result<bool> {
        let done = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The deployment's secret seed, created at first use. Nodes starting together race on one insert
    /// that only the first wins, and all of them read back the winner.
    pub async fn secret_seed(&self) -> anyhow::Result<u64> {
        if let Some(text) = self.setting(SEED_KEY).await? {
            return parse_seed(&text);
        }
        let seed = rand::random::<u64>() >> 1;
        self.insert_setting(SEED_KEY, &seed.to_string()).await?;
        parse_seed(&self.setting(SEED_KEY).await?.context("the secret seed just stored")?)
    }

    /// Keeps the seed of a deployment that had it in `secret-seed` under the data folder, so its
    /// generated data (and its public redraws) stay the same.
    pub(super) async fn adopt_seed_file(&self) -> anyhow::Result<()> {
        let path = self.cache_dir.join(SEED_FILE);
        let Ok(text) = tokio::fs::read_to_string(&path).await else { return Ok(()) };
        let seed = parse_seed(&text).with_context(|| format!("{} holds no seed", path.display()))?;
        if self.insert_setting(SEED_KEY, &seed.to_string()).await? {
            tracing::info!("moved the secret seed from the data folder into the database");
        } else if self.secret_seed().await? != seed {
            tracing::warn!(file = %path.display(), "the data folder holds a secret seed that differs from the database's; the database's stands");
        }
        Ok(())
    }
}

fn parse_seed(text: &str) -> anyhow::Result<u64> {
    text.trim().parse().context("the stored secret seed is not a number")
}

/// Writes a cache file through a temporary file and a rename: a crash never leaves half a file under
/// its hash.
async fn write_cached(dir: &Path, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (dir, path, bytes) = (dir.to_owned(), path.to_owned(), bytes.to_vec());
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        tmp.write_all(&bytes)?;
        tmp.persist(path)?;
        Ok(())
    })
    .await?
}

/// A folder as a gzipped tar, its entries in a fixed order so the same folder gives the same bytes.
pub fn pack_dir(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for rel in files {
        let bytes = std::fs::read(dir.join(&rel)).with_context(|| format!("reading {}", rel.display()))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, &rel, bytes.as_slice())?;
    }
    Ok(tar.into_inner()?.finish()?)
}

/// Unpacks an archive made by [`pack_dir`] into `target`, whole or not at all: into a staging folder
/// beside it first, then renamed into place. A target that exists already is left as it is (another
/// task of this node unpacked the same content first).
pub fn unpack_dir(archive: &[u8], target: &Path) -> anyhow::Result<()> {
    let parent = target.parent().context("an unpack target has a parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::tempdir_in(parent)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in tar.entries()? {
        let mut entry = entry?;
        // `unpack_in` refuses paths that leave the folder.
        anyhow::ensure!(entry.unpack_in(staging.path())?, "an archive entry points outside its folder");
    }
    match std::fs::rename(staging.path(), target) {
        Ok(()) => {
            let _ = staging.keep();
            Ok(())
        }
        Err(_) if target.is_dir() => Ok(()),
        Err(e) => Err(e).with_context(|| format!("moving an unpacked archive to {}", target.display())),
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == "__pycache__") {
            continue;
        }
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else if meta.is_file() {
            out.push(path.strip_prefix(root).expect("under root").to_owned());
        }
    }
    Ok(())
}
