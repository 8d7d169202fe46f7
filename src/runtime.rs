//! Runtime images, built from Debian's packages without any registry.
//!
//! A recipe (`docker/runtimes/NAME/recipe.toml`) lists a Debian suite and packages. `mmdebstrap` turns
//! it into a root filesystem tarball using the host's own apt sources, and the tarball is imported
//! through the Docker API. The tag is a hash of the recipe, so a changed recipe builds a new image
//! and an unchanged one is reused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use bollard::image::CreateImageOptions;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::sandbox::Sandbox;

/// Repository part of every runtime image name.
const IMAGE_REPO: &str = "mlgrade-runtime";

/// What goes into one runtime image.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub description: String,
    pub suite: String,
    pub packages: Vec<String>,
}

/// A recipe with its name and the image tag derived from its text.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub name: String,
    pub recipe: Recipe,
    pub image: String,
}

/// Every recipe under the runtimes folder, by name.
#[derive(Debug, Clone, Default)]
pub struct Runtimes {
    by_name: BTreeMap<String, Runtime>,
}

impl Runtimes {
    pub fn load(root: &Path) -> anyhow::Result<Runtimes> {
        let mut by_name = BTreeMap::new();
        let entries = std::fs::read_dir(root).with_context(|| format!("reading runtime recipes in {}", root.display()))?;
        for entry in entries {
            let dir = entry?.path();
            let file = dir.join("recipe.toml");
            if !file.is_file() {
                continue;
            }
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let recipe: Recipe = toml::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
            if recipe.packages.is_empty() || recipe.packages.iter().any(|p| !is_package_name(p)) {
                bail!("{}: packages: each must be a Debian package name", file.display());
            }
            let image = format!("{IMAGE_REPO}/{name}:{}", recipe_hash(&text));
            by_name.insert(name.clone(), Runtime { name, recipe, image });
        }
        Ok(Runtimes { by_name })
    }

    pub fn names(&self) -> BTreeSet<String> {
        self.by_name.keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<&Runtime> {
        self.by_name.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Runtime> {
        self.by_name.values()
    }
}

fn is_package_name(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
}

/// The first 16 hex digits of the recipe text's SHA-256.
fn recipe_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))[..16].to_owned()
}

/// Builds the image of `runtime` unless an image with its tag exists already. Returns true if it built.
pub async fn ensure(sandbox: &Sandbox, runtime: &Runtime) -> anyhow::Result<bool> {
    if sandbox.docker().inspect_image(&runtime.image).await.is_ok() {
        tracing::info!(image = %runtime.image, "runtime image present");
        return Ok(false);
    }
    build(sandbox, runtime).await?;
    Ok(true)
}

/// Makes the root filesystem with mmdebstrap and imports it as the runtime's image.
pub async fn build(sandbox: &Sandbox, runtime: &Runtime) -> anyhow::Result<()> {
    let work = tempfile::tempdir().context("creating a build folder")?;
    let rootfs = work.path().join("rootfs.tar");
    tracing::info!(runtime = %runtime.name, packages = ?runtime.recipe.packages, "building runtime root filesystem with mmdebstrap");
    let started = std::time::Instant::now();
    let status = tokio::process::Command::new("mmdebstrap")
        .args(mmdebstrap_args(&runtime.recipe, &rootfs, &host_apt_sources()))
        .stdin(std::process::Stdio::null())
        .status()
        .await
        .context("running mmdebstrap (install it with `apt-get install mmdebstrap`)")?;
    if !status.success() {
        bail!("mmdebstrap failed for runtime {} ({status})", runtime.name);
    }
    tracing::info!(runtime = %runtime.name, seconds = started.elapsed().as_secs(), "root filesystem ready; importing");
    // The engine's import endpoint takes the tarball as one request body.
    let tarball = tokio::fs::read(&rootfs).await.context("reading the root filesystem tarball")?;
    let (repo, tag) = runtime.image.split_once(':').expect("image names carry a tag");
    let options = CreateImageOptions { from_src: "-", repo, tag, ..Default::default() };
    let mut progress = sandbox.docker().create_image(Some(options), Some(tarball.into()), None);
    while let Some(step) = progress.next().await {
        step.with_context(|| format!("importing {}", runtime.image))?;
    }
    tracing::info!(image = %runtime.image, seconds = started.elapsed().as_secs(), "runtime image built");
    Ok(())
}

fn mmdebstrap_args(recipe: &Recipe, out: &Path, sources: &[PathBuf]) -> Vec<String> {
    let mut args = vec![
        "--variant=apt".to_owned(),
        "--mode=root".to_owned(),
        format!("--include={}", recipe.packages.join(",")),
        // Hosts that serve a fixed snapshot of the archive have Release files past their validity.
        "--aptopt=Acquire::Check-Valid-Until \"false\"".to_owned(),
        // Documentation and translations only make the image larger.
        "--dpkgopt=path-exclude=/usr/share/{doc,man,info,locale}/*".to_owned(),
        "--dpkgopt=path-include=/usr/share/locale/locale.alias".to_owned(),
        "--quiet".to_owned(),
        recipe.suite.clone(),
        out.display().to_string(),
    ];
    args.extend(sources.iter().map(|p| p.display().to_string()));
    args
}

/// The host's apt source files, which mmdebstrap reads in place of a mirror URL, so the image comes
/// from the same archive the host installs from.
fn host_apt_sources() -> Vec<PathBuf> {
    let mut sources = Vec::new();
    let main = PathBuf::from("/etc/apt/sources.list");
    if std::fs::metadata(&main).map(|m| m.len() > 0).unwrap_or(false) {
        sources.push(main);
    }
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("list" | "sources")))
            .collect();
        extra.sort();
        sources.extend(extra);
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_follows_the_recipe_text() {
        let a = recipe_hash("packages = [\"python3\"]");
        let b = recipe_hash("packages = [\"python3\", \"python3-numpy\"]");
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert_eq!(a, recipe_hash("packages = [\"python3\"]"));
    }

    #[test]
    fn shipped_recipes_load_and_exclude_scikit_learn_from_python_numpy() {
        let runtimes = Runtimes::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docker/runtimes"))).unwrap();
        let numpy = runtimes.get("python-numpy").expect("python-numpy recipe");
        assert!(!numpy.recipe.packages.iter().any(|p| p.contains("sklearn") || p.contains("scipy")));
        assert!(runtimes.get("python-ml").unwrap().recipe.packages.iter().any(|p| p == "python3-sklearn"));
        assert!(numpy.image.starts_with("mlgrade-runtime/python-numpy:"));
    }
}
