//! Reading multipart forms without trusting them: text fields are strict UTF-8 under a length bound,
//! and a bundle is streamed to a staging folder on disk, never held whole in memory. A staged bundle
//! removes its folder when dropped, so every exit path (a refusal, an error, a client that hangs up
//! and so drops the request's future) cleans up after itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use super::error::{excerpt, ApiError, ApiResult};

/// Longest text field any form takes (a slug, a CSRF token, a challenge name); pasted code has its own
/// bound.
pub const MAX_TEXT_BYTES: usize = 4096;

/// Slowest upload rate a bundle may arrive at before its request is given up: a full-size bundle at
/// this rate still arrives in time.
const MIN_UPLOAD_BYTES_PER_SECOND: usize = 64 << 10;

/// How long a bundle's body may take to arrive: proportional to the size cap, plus a grace period.
pub fn bundle_body_timeout(max_bytes: usize) -> Duration {
    Duration::from_secs((max_bytes / MIN_UPLOAD_BYTES_PER_SECOND) as u64 + 30)
}

/// Where uploads are staged under the data folder; emptied at every start.
pub fn staging_root(data_dir: &Path) -> PathBuf {
    data_dir.join("staging")
}

/// Removes whatever earlier runs left in the staging folder (a process killed mid-upload cannot clean
/// up after itself). Only uploads use this folder, and none is in flight before the listener opens.
pub fn sweep_staging(data_dir: &Path) -> anyhow::Result<usize> {
    let root = staging_root(data_dir);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(anyhow::Error::from(e).context(format!("reading {}", root.display()))),
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        let result = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        result.map_err(|e| anyhow::Error::from(e).context(format!("removing {}", path.display())))?;
        removed += 1;
    }
    Ok(removed)
}

/// A bundle's bytes in a file of their own staging folder; the folder goes when this is dropped.
pub struct StagedBundle {
    pub dir: tempfile::TempDir,
    pub archive: PathBuf,
    pub len: u64,
}

/// Streams one file field into a fresh staging folder, refusing it once it passes `max_bytes`.
pub async fn stage_bundle(mut field: Field<'_>, data_dir: &Path, max_bytes: usize) -> ApiResult<StagedBundle> {
    let root = staging_root(data_dir);
    tokio::fs::create_dir_all(&root).await.map_err(|e| anyhow::Error::from(e).context("creating the staging folder"))?;
    let dir = tempfile::Builder::new().prefix("upload-").tempdir_in(&root).map_err(anyhow::Error::from)?;
    let archive = dir.path().join("bundle");
    let mut file = tokio::fs::File::create(&archive).await.map_err(anyhow::Error::from)?;
    let mut len = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        len += chunk.len() as u64;
        if len > max_bytes as u64 {
            return Err(ApiError::PayloadTooLarge(format!("the bundle passes the {max_bytes}-byte limit")));
        }
        file.write_all(&chunk).await.map_err(anyhow::Error::from)?;
    }
    file.flush().await.map_err(anyhow::Error::from)?;
    Ok(StagedBundle { dir, archive, len })
}

/// A text field: strict UTF-8 (a lossy decoding would silently change what was sent) of at most
/// `max_bytes`.
pub async fn text(mut field: Field<'_>, max_bytes: usize) -> ApiResult<String> {
    let name = field.name().unwrap_or("field").to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > max_bytes {
            return Err(ApiError::PayloadTooLarge(format!("field '{}' is longer than {max_bytes} bytes", excerpt(&name))));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|e| {
        ApiError::BadRequest(format!("field '{}' is not UTF-8 text (invalid byte at offset {})", excerpt(&name), e.utf8_error().valid_up_to()))
    })
}

/// A body that is too large is a 413; any other fault of the framing is the client's, a 400.
pub fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the body is larger than this route accepts".into())
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", excerpt(&e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_size_bundle_at_the_slowest_rate_arrives_in_time() {
        let cap = 64 << 20;
        assert!(bundle_body_timeout(cap) >= Duration::from_secs((cap / MIN_UPLOAD_BYTES_PER_SECOND) as u64));
    }

    #[test]
    fn the_sweep_empties_the_staging_folder() {
        let data = tempfile::tempdir().unwrap();
        assert_eq!(sweep_staging(data.path()).unwrap(), 0);
        let left = staging_root(data.path()).join(".tmpabc/inner");
        std::fs::create_dir_all(&left).unwrap();
        std::fs::write(left.join("f"), b"x").unwrap();
        std::fs::write(staging_root(data.path()).join("loose"), b"x").unwrap();
        assert_eq!(sweep_staging(data.path()).unwrap(), 2);
        assert_eq!(std::fs::read_dir(staging_root(data.path())).unwrap().count(), 0);
    }
}
