//! The challenges the service grades, by slug, with their published versions.
//!
//! A published version is an immutable copy of a challenge folder: an archive in the database, which
//! every node unpacks into its data folder (`challenges/<slug>/v<N>/`) when it first needs it. The shipped catalogue folder is synced in at start: a folder whose
//! content changed since its last published version becomes a new version. Bundles uploaded by hiring
//! teams become versions the same way. Submissions record the version they were graded on; the
//! current version of each slug is the newest one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::challenge::{Challenge, ManifestError, MANIFEST};
use crate::domain::Slug;
pub use crate::domain::Origin;
use crate::storage::Store;

/// Everything needed to load a challenge folder.
#[derive(Debug, Clone)]
pub struct Loader {
    pub runtimes: BTreeSet<String>,
    pub generated_root: PathBuf,
}

#[derive(Debug)]
pub struct Catalogue {
    current: RwLock<BTreeMap<Slug, Arc<Challenge>>>,
    older: RwLock<HashMap<(Slug, i64), Arc<Challenge>>>,
    loader: Loader,
    /// Where published versions live; `None` for a catalogue read straight from a folder.
    versions_root: Option<PathBuf>,
}

impl Catalogue {
    /// Every sub-folder of `root` holding a manifest, as working copies (version 0). The first broken
    /// challenge stops the load with its file, field and problem.
    pub fn from_folder(root: &Path, loader: Loader) -> anyhow::Result<Catalogue> {
        let mut current = BTreeMap::new();
        for dir in challenge_folders(root)? {
            let c = Challenge::load(&dir, &loader.runtimes, &loader.generated_root)?;
            current.insert(c.slug.clone(), Arc::new(c));
        }
        Ok(Catalogue { current: RwLock::new(current), older: Default::default(), loader, versions_root: None })
    }

    /// A catalogue of the given challenges only, as working copies.
    pub fn of(challenges: Vec<Challenge>, loader: Loader) -> Catalogue {
        let current = challenges.into_iter().map(|c| (c.slug.clone(), Arc::new(c))).collect();
        Catalogue { current: RwLock::new(current), older: Default::default(), loader, versions_root: None }
    }

    pub fn get(&self, slug: &str) -> Option<Arc<Challenge>> {
        let slug: Slug = slug.parse().ok()?;
        self.current.read().expect("catalogue lock").get(&slug).cloned()
    }

    /// The current version of every challenge, by slug.
    pub fn all(&self) -> Vec<Arc<Challenge>> {
        self.current.read().expect("catalogue lock").values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.current.read().expect("catalogue lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The runtimes some challenge needs.
    pub fn runtimes(&self) -> BTreeSet<String> {
        self.all().iter().map(|c| c.runtime.clone()).collect()
    }

    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// A given version of a challenge: the current one, or an older one loaded from its folder.
    pub fn version(&self, slug: &str, version: i64) -> anyhow::Result<Arc<Challenge>> {
        let slug: Slug = slug.parse().map_err(anyhow::Error::msg)?;
        if let Some(current) = self.current.read().expect("catalogue lock").get(&slug).filter(|c| c.version == version) {
            return Ok(current.clone());
        }
        let key = (slug.clone(), version);
        if let Some(c) = self.older.read().expect("catalogue lock").get(&key) {
            return Ok(c.clone());
        }
        let root = self.versions_root.as_ref().context("this catalogue has no published versions")?;
        let dir = version_dir(root, &slug, version);
        anyhow::ensure!(dir.is_dir(), "challenge '{slug}' has no version {version} on this node");
        let loaded = Arc::new(Challenge::load_as(slug, version, &dir, &self.loader.runtimes, &self.loader.generated_root)?);
        self.older.write().expect("catalogue lock").insert(key, loaded.clone());
        Ok(loaded)
    }

    /// A given version, unpacked from the database first when this node has not got its folder or its
    /// generated data (published by another node, or the data folder is new).
    pub async fn fetch_version(&self, store: &Store, slug: &str, version: i64) -> anyhow::Result<Arc<Challenge>> {
        if let Some(root) = &self.versions_root {
            let parsed: Slug = slug.parse().map_err(anyhow::Error::msg)?;
            materialise_version(store, root, &parsed, version).await?;
        }
        let challenge = self.version(slug, version)?;
        fetch_generated(store, &challenge).await?;
        Ok(challenge)
    }

    /// Makes `challenge` the current version of its slug.
    pub fn publish(&self, challenge: Challenge) {
        let mut current = self.current.write().expect("catalogue lock");
        if let Some(previous) = current.insert(challenge.slug.clone(), Arc::new(challenge)) {
            self.older.write().expect("catalogue lock").insert((previous.slug.clone(), previous.version), previous);
        }
    }

    pub fn versions_root(&self) -> Option<&Path> {
        self.versions_root.as_deref()
    }
}

fn challenge_folders(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(root).with_context(|| format!("cannot read the challenge folder {}", root.display()))?;
    let mut dirs: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join(MANIFEST).is_file()).collect();
    dirs.sort();
    Ok(dirs)
}

pub fn version_dir(root: &Path, slug: &Slug, version: i64) -> PathBuf {
    root.join(slug.as_str()).join(format!("v{version}"))
}

/// Syncs the shipped catalogue folder into the published versions and returns the catalogue of the
/// newest version of every slug, uploaded ones included.
pub async fn publish_folder(store: &Store, folder: &Catalogue, data_dir: &Path) -> anyhow::Result<Catalogue> {
    let versions_root = data_dir.join("challenges");
    for working in folder.all() {
        let hash = content_hash(&working.dir)?;
        if store.latest_version_hash(working.slug.as_str(), Origin::Catalogue).await?.as_deref() == Some(&hash) {
            continue;
        }
        let version = publish_dir(store, &versions_root, &working.slug, &working.dir, &hash, Origin::Catalogue).await?;
        tracing::info!(challenge = %working.slug, version, "published a new version from the catalogue folder");
    }
    adopt_version_folders(store, &versions_root).await?;
    let loader = folder.loader.clone();
    let mut current = BTreeMap::new();
    for (slug, version) in store.current_versions().await? {
        let slug: Slug = slug.parse().map_err(anyhow::Error::msg)?;
        materialise_version(store, &versions_root, &slug, version).await?;
        let dir = version_dir(&versions_root, &slug, version);
        let c = Challenge::load_as(slug.clone(), version, &dir, &loader.runtimes, &loader.generated_root)
            .map_err(|e| reframe(e, &folder.all(), &slug))?;
        current.insert(slug, Arc::new(c));
    }
    Ok(Catalogue { current: RwLock::new(current), older: Default::default(), loader, versions_root: Some(versions_root) })
}

/// Unpacks a version's archive into `versions_root` unless its folder is there already.
async fn materialise_version(store: &Store, versions_root: &Path, slug: &Slug, version: i64) -> anyhow::Result<()> {
    let dir = version_dir(versions_root, slug, version);
    if dir.is_dir() {
        return Ok(());
    }
    let archive = match store.version_archive(slug.as_str(), version).await? {
        None => bail!("challenge '{slug}' has no version {version}"),
        Some(None) => bail!("version {version} of '{slug}' was published before versions were kept in the database, and its folder is not on this node"),
        Some(Some(archive)) => archive,
    };
    tracing::info!(challenge = %slug, version, "unpacking a published version from the database");
    tokio::task::spawn_blocking(move || crate::storage::blobs::unpack_dir(&archive, &dir)).await?
}

/// Generated data this node lacks, unpacked from the copy the node that generated it stored.
async fn fetch_generated(store: &Store, challenge: &Challenge) -> anyhow::Result<()> {
    let Some(generator) = &challenge.generator else { return Ok(()) };
    if generator.out.join(crate::generate::COMPLETE).is_file() {
        return Ok(());
    }
    let key = crate::generate::generator_key(generator)?;
    let archive = store
        .generated_archive(challenge.slug.as_str(), &key)
        .await?
        .with_context(|| format!("the generated data of '{}' is in neither the data folder nor the database", challenge.slug))?;
    let out = generator.out.clone();
    tokio::task::spawn_blocking(move || crate::storage::blobs::unpack_dir(&archive, &out)).await?
}

/// Stores the folders of versions published before the database kept them, so other nodes can
/// unpack them.
async fn adopt_version_folders(store: &Store, versions_root: &Path) -> anyhow::Result<()> {
    for (slug, version) in store.versions_without_archive().await? {
        let slug: Slug = slug.parse().map_err(anyhow::Error::msg)?;
        let dir = version_dir(versions_root, &slug, version);
        if !dir.is_dir() {
            tracing::warn!(challenge = %slug, version, "a published version is neither in the database nor in the data folder");
            continue;
        }
        let archive = crate::storage::blobs::pack_dir(&dir)?;
        store.adopt_version_archive(slug.as_str(), version, &archive).await?;
        tracing::info!(challenge = %slug, version, "moved a published version from the data folder into the database");
    }
    Ok(())
}

/// Errors in a published copy are reported against the shipped folder the copy came from, which is
/// the file the hiring team edits.
fn reframe(e: ManifestError, shipped: &[Arc<Challenge>], slug: &Slug) -> ManifestError {
    match shipped.iter().find(|c| &c.slug == slug) {
        Some(c) => ManifestError { file: c.dir.join(MANIFEST), ..e },
        None => e,
    }
}

/// Copies `source` into a staging folder, then gives it the next version number and moves it into
/// place inside the transaction that records it, so a version row always has its folder.
pub async fn publish_dir(
    store: &Store,
    versions_root: &Path,
    slug: &Slug,
    source: &Path,
    hash: &str,
    origin: Origin,
) -> anyhow::Result<i64> {
    let slug_root = versions_root.join(slug.as_str());
    std::fs::create_dir_all(&slug_root).with_context(|| format!("creating {}", slug_root.display()))?;
    let staging = tempfile::tempdir_in(&slug_root)?;
    copy_tree(source, staging.path())?;
    let staged = staging.path().to_owned();
    let archive = crate::storage::blobs::pack_dir(&staged)?;
    store
        .insert_version(slug.as_str(), hash, origin, &archive, |version| {
            let target = version_dir(versions_root, slug, version);
            if target.exists() {
                // Left by a crash between the move and the commit: no row owns it.
                std::fs::remove_dir_all(&target)?;
            }
            std::fs::rename(&staged, &target)?;
            Ok(())
        })
        .await
}

/// SHA-256 over every file's relative path and bytes, in a fixed order.
pub fn content_hash(dir: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for rel in files {
        let bytes = std::fs::read(dir.join(&rel))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name == "__pycache__" {
            continue;
        }
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else if meta.is_file() {
            out.push(path.strip_prefix(root).expect("under root").to_owned());
        } else {
            bail!("{} is neither a file nor a folder", path.display());
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    walk(from, from, &mut files)?;
    for rel in files {
        let target = to.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(&rel), &target).with_context(|| format!("copying {}", rel.display()))?;
    }
    Ok(())
}
