//! Published challenge versions and generated hidden data, as rows with their bytes in `blobs`.
//!
//! A version is an archive of its folder; a node unpacks it under its data folder the first time it
//! needs it. Generated data is keyed by the challenge and the hash of its generator, and stored by the
//! first node that made it; every other node unpacks that same copy instead of generating its own.

use anyhow::Context;
use sqlx::Row;

use super::{blobs, now_ms, Dialect, Origin, Store};

impl Store {
    /// The content hash of the newest version of `slug` that came from `origin`.
    pub async fn latest_version_hash(&self, slug: &str, origin: Origin) -> anyhow::Result<Option<String>> {
        let hash = sqlx::query_scalar(
            "SELECT content_sha256 FROM challenge_versions WHERE slug = $1 AND origin = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(slug)
        .bind(origin.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(hash)
    }

    /// The newest version of every slug.
    pub async fn current_versions(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT slug, CAST(MAX(version) AS BIGINT) AS version FROM challenge_versions GROUP BY slug ORDER BY slug",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| (r.get("slug"), r.get("version"))).collect())
    }

    /// Records the next version of `slug` with its folder's archive; `place` moves the folder into
    /// this node's cache inside the transaction, so the row commits only if the folder is there.
    ///
    /// Nodes starting together publish the same shipped folder at once: the numbering is serialised
    /// (SQLite's write lock, a table lock on PostgreSQL) and a `catalogue` version whose content is
    /// already the newest is not published twice; its number is returned instead.
    pub async fn insert_version(
        &self,
        slug: &str,
        hash: &str,
        origin: Origin,
        archive: &[u8],
        place: impl FnOnce(i64) -> std::io::Result<()>,
    ) -> anyhow::Result<i64> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        if self.db.dialect() == Dialect::Postgres {
            sqlx::query("LOCK TABLE challenge_versions IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
        }
        if origin == Origin::Catalogue {
            let latest = sqlx::query(
                "SELECT version, content_sha256 FROM challenge_versions WHERE slug = $1 AND origin = $2
                  ORDER BY version DESC LIMIT 1",
            )
            .bind(slug)
            .bind(origin.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = latest.filter(|r| r.get::<String, _>("content_sha256") == hash) {
                return Ok(row.get("version"));
            }
        }
        let version: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM challenge_versions WHERE slug = $1")
                .bind(slug)
                .fetch_one(&mut *tx)
                .await?;
        let archive_sha = blobs::put(&mut tx, archive, now).await?;
        sqlx::query(
            "INSERT INTO challenge_versions (slug, version, content_sha256, origin, created_at, archive_sha256)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(slug)
        .bind(version)
        .bind(hash)
        .bind(origin.as_str())
        .bind(now)
        .bind(&archive_sha)
        .execute(&mut *tx)
        .await?;
        place(version).context("moving the version's folder into place")?;
        tx.commit().await?;
        Ok(version)
    }

    /// The archive of a published version: `None` when there is no such version, `Some(None)` for a
    /// version published before archives were kept (its folder is only on the node that made it).
    pub async fn version_archive(&self, slug: &str, version: i64) -> anyhow::Result<Option<Option<Vec<u8>>>> {
        let row = sqlx::query(
            "SELECT b.bytes FROM challenge_versions v LEFT JOIN blobs b ON b.sha256 = v.archive_sha256
              WHERE v.slug = $1 AND v.version = $2",
        )
        .bind(slug)
        .bind(version)
        .fetch_optional(self.pool())
        .await
        .with_context(|| format!("reading version {version} of {slug}"))?;
        Ok(row.map(|r| r.get("bytes")))
    }

    /// Keeps the archive of a version published before archives were kept, from its folder.
    pub async fn adopt_version_archive(&self, slug: &str, version: i64, archive: &[u8]) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await?;
        let sha = blobs::put(&mut tx, archive, now_ms()).await?;
        sqlx::query(
            "UPDATE challenge_versions SET archive_sha256 = $1 WHERE slug = $2 AND version = $3 AND archive_sha256 IS NULL",
        )
        .bind(&sha)
        .bind(slug)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The versions whose folder is not in the database yet.
    pub async fn versions_without_archive(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT slug, version FROM challenge_versions WHERE archive_sha256 IS NULL ORDER BY slug, version")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|r| (r.get("slug"), r.get("version"))).collect())
    }

    /// The stored generated data of `slug` for the generator whose hash is `generator`.
    pub async fn generated_archive(&self, slug: &str, generator: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT b.bytes FROM generated_data g JOIN blobs b ON b.sha256 = g.archive_sha256
              WHERE g.slug = $1 AND g.generator = $2",
        )
        .bind(slug)
        .bind(generator)
        .fetch_optional(self.pool())
        .await
        .with_context(|| format!("reading the generated data of {slug}"))?;
        Ok(row.map(|r| r.get("bytes")))
    }

    /// Keeps generated data unless another node stored some for the same generator first; returns
    /// the stored copy, which every node then uses.
    pub async fn store_generated(&self, slug: &str, generator: &str, archive: &[u8]) -> anyhow::Result<Vec<u8>> {
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let sha = blobs::put(&mut tx, archive, now).await?;
        sqlx::query(
            "INSERT INTO generated_data (slug, generator, archive_sha256, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug, generator) DO NOTHING",
        )
        .bind(slug)
        .bind(generator)
        .bind(&sha)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.generated_archive(slug, generator).await?.context("generated data just stored")
    }
}
