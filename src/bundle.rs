//! Challenge bundles uploaded by hiring teams: a `.tar.gz` or `.zip` with the layout of a catalogue
//! folder, checked entry by entry before a single byte lands outside a staging folder.

use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use crate::challenge::MANIFEST;

/// Bounds that keep an archive bomb, a deep tree or a huge data set out.
#[derive(Debug, Clone, Copy)]
pub struct BundleLimits {
    pub max_entries: usize,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits { max_entries: 1000, max_file_bytes: 64 << 20, max_total_bytes: 256 << 20 }
    }
}

/// Why a bundle was refused, in words a hiring team can act on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BundleError {
    #[error("the bundle is neither a .tar.gz nor a .zip archive")]
    UnknownFormat,
    #[error("the archive is damaged: {0}")]
    Damaged(String),
    #[error("entry '{0}' is an absolute path or climbs out with '..'; paths must stay inside the bundle")]
    Traversal(String),
    #[error("entry '{0}' is a link or a special file; only regular files and folders are allowed")]
    Link(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("the bundle has no {MANIFEST} at its top (or inside a single top folder)")]
    NoManifest,
}

/// Unpacks `bytes` into `dest` (which must exist and be empty) and returns the folder holding the
/// manifest: `dest` itself, or the bundle's single top folder.
pub fn unpack(bytes: &[u8], dest: &Path, limits: BundleLimits) -> Result<PathBuf, BundleError> {
    unpack_from(std::io::Cursor::new(bytes), dest, limits)
}

/// Unpacks the archive in the file at `archive`, read as a stream (a zip's directory by seeking), so
/// a large bundle is never held in memory.
pub fn unpack_file(archive: &Path, dest: &Path, limits: BundleLimits) -> Result<PathBuf, BundleError> {
    let file = std::fs::File::open(archive).map_err(|e| BundleError::Damaged(e.to_string()))?;
    unpack_from(BufReader::new(file), dest, limits)
}

fn unpack_from(mut reader: impl Read + Seek, dest: &Path, limits: BundleLimits) -> Result<PathBuf, BundleError> {
    let damaged = |e: std::io::Error| BundleError::Damaged(e.to_string());
    let mut magic = [0u8; 4];
    let read = read_up_to(&mut reader, &mut magic).map_err(damaged)?;
    reader.seek(SeekFrom::Start(0)).map_err(damaged)?;
    let mut budget = Budget { limits, entries: 0, total: 0 };
    if magic[..read].starts_with(&[0x1f, 0x8b]) {
        unpack_tar_gz(reader, dest, &mut budget)?;
    } else if magic[..read].starts_with(b"PK\x03\x04") {
        unpack_zip(reader, dest, &mut budget)?;
    } else {
        return Err(BundleError::UnknownFormat);
    }
    manifest_folder(dest)
}

/// Fills `buf` as far as the reader has bytes; returns how many it got.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

struct Budget {
    limits: BundleLimits,
    entries: usize,
    total: u64,
}

impl Budget {
    fn entry(&mut self) -> Result<(), BundleError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(BundleError::TooLarge(format!("more than {} entries", self.limits.max_entries)));
        }
        Ok(())
    }

    /// Copies one file's bytes, stopping at the per-file and total caps whatever its header claims.
    fn copy(&mut self, name: &str, mut from: impl Read, to: &Path) -> Result<(), BundleError> {
        let io = |e: std::io::Error| BundleError::Damaged(format!("{name}: {e}"));
        let cap = self.limits.max_file_bytes.min(self.limits.max_total_bytes - self.total);
        let mut out = std::fs::File::create(to).map_err(io)?;
        let mut limited = (&mut from).take(cap + 1);
        let written = std::io::copy(&mut limited, &mut out).map_err(io)?;
        if written > cap {
            return Err(BundleError::TooLarge(format!(
                "'{name}' passes the limit of {} bytes per file and {} bytes in all",
                self.limits.max_file_bytes, self.limits.max_total_bytes
            )));
        }
        out.flush().map_err(io)?;
        self.total += written;
        Ok(())
    }
}

/// Whether an entry names the bundle's own root (".", "./").
fn is_root(name: &str) -> bool {
    Path::new(name).components().all(|c| c == Component::CurDir)
}

/// The relative path of an entry, refused if it is absolute or contains `..`.
fn checked_path(name: &str) -> Result<PathBuf, BundleError> {
    let path = Path::new(name);
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => clean.push(p),
            Component::CurDir => {}
            _ => return Err(BundleError::Traversal(name.to_owned())),
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(BundleError::Traversal(name.to_owned()));
    }
    Ok(clean)
}

fn unpack_tar_gz(reader: impl Read, dest: &Path, budget: &mut Budget) -> Result<(), BundleError> {
    let damaged = |e: std::io::Error| BundleError::Damaged(e.to_string());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    for entry in archive.entries().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        budget.entry()?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        // `tar czf bundle.tar.gz -C folder .` begins with the folder itself, "./": nothing to create.
        if entry.header().entry_type() == tar::EntryType::Directory && is_root(&name) {
            continue;
        }
        let rel = checked_path(&name)?;
        let target = dest.join(&rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => std::fs::create_dir_all(&target).map_err(damaged)?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                create_parent(&target)?;
                budget.copy(&name, entry, &target)?;
            }
            // PAX and GNU long-name headers are metadata the reader has already applied.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            _ => return Err(BundleError::Link(name)),
        }
    }
    Ok(())
}

fn unpack_zip(reader: impl Read + Seek, dest: &Path, budget: &mut Budget) -> Result<(), BundleError> {
    let damaged = |e: zip::result::ZipError| BundleError::Damaged(e.to_string());
    let mut archive = zip::ZipArchive::new(reader).map_err(damaged)?;
    for i in 0..archive.len() {
        let file = archive.by_index(i).map_err(damaged)?;
        budget.entry()?;
        let name = file.name().to_owned();
        let rel = checked_path(&name)?;
        if file.enclosed_name().is_none() {
            return Err(BundleError::Traversal(name));
        }
        let target = dest.join(&rel);
        if file.is_symlink() {
            return Err(BundleError::Link(name));
        }
        if file.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| BundleError::Damaged(e.to_string()))?;
        } else {
            create_parent(&target)?;
            budget.copy(&name, file, &target)?;
        }
    }
    Ok(())
}

fn create_parent(target: &Path) -> Result<(), BundleError> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BundleError::Damaged(e.to_string()))?;
    }
    Ok(())
}

fn manifest_folder(dest: &Path) -> Result<PathBuf, BundleError> {
    if dest.join(MANIFEST).is_file() {
        return Ok(dest.to_owned());
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(|e| BundleError::Damaged(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    match entries.as_slice() {
        [only] if only.join(MANIFEST).is_file() => Ok(only.clone()),
        _ => Err(BundleError::NoManifest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            // Written raw, so names the tar crate itself would refuse can be tested.
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn unpack_into(bytes: &[u8], limits: BundleLimits) -> (tempfile::TempDir, Result<PathBuf, BundleError>) {
        let dir = tempfile::tempdir().unwrap();
        let result = unpack(bytes, dir.path(), limits);
        (dir, result)
    }

    #[test]
    fn a_bundle_made_with_tar_c_folder_dot_unpacks() {
        let bytes = tar_gz(&[
            ("./", tar::EntryType::Directory, b""),
            ("./challenge.toml", tar::EntryType::Regular, b"x"),
            ("./data/", tar::EntryType::Directory, b""),
            ("./data/a.csv", tar::EntryType::Regular, b"1"),
        ]);
        let (dir, result) = unpack_into(&bytes, BundleLimits::default());
        assert_eq!(result.unwrap(), dir.path());
        assert_eq!(std::fs::read(dir.path().join("data/a.csv")).unwrap(), b"1");
        // A file may not pose as the root.
        let bytes = tar_gz(&[("./", tar::EntryType::Regular, b"x")]);
        assert!(matches!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::Traversal(_))));
    }

    #[test]
    fn a_bundle_in_a_top_folder_unpacks() {
        let bytes = tar_gz(&[("c/challenge.toml", tar::EntryType::Regular, b"x"), ("c/data/a.csv", tar::EntryType::Regular, b"1")]);
        let (dir, result) = unpack_into(&bytes, BundleLimits::default());
        assert_eq!(result.unwrap(), dir.path().join("c"));
        assert_eq!(std::fs::read(dir.path().join("c/data/a.csv")).unwrap(), b"1");
    }

    #[test]
    fn traversal_links_and_absolute_paths_are_refused() {
        for name in ["../evil", "a/../../evil", "/etc/evil"] {
            let bytes = tar_gz(&[(name, tar::EntryType::Regular, b"x")]);
            assert_eq!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::Traversal(name.into())));
        }
        let bytes = tar_gz(&[("link", tar::EntryType::Symlink, b"")]);
        assert_eq!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::Link("link".into())));
        let bytes = tar_gz(&[("hard", tar::EntryType::Link, b"")]);
        assert_eq!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::Link("hard".into())));
    }

    #[test]
    fn a_compression_bomb_stops_at_the_cap() {
        let zeros = vec![0u8; 2 << 20];
        let bytes = tar_gz(&[("challenge.toml", tar::EntryType::Regular, b"x"), ("big.bin", tar::EntryType::Regular, &zeros)]);
        assert!(bytes.len() < 64 << 10, "the archive itself is small");
        let limits = BundleLimits { max_entries: 10, max_file_bytes: 1 << 20, max_total_bytes: 4 << 20 };
        assert!(matches!(unpack_into(&bytes, limits).1, Err(BundleError::TooLarge(_))));
        let few = BundleLimits { max_entries: 1, ..limits };
        assert!(matches!(unpack_into(&bytes, few).1, Err(BundleError::TooLarge(_))));
    }

    #[test]
    fn zip_bundles_unpack_and_zip_links_are_refused() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("challenge.toml", opts).unwrap();
        zip.write_all(b"x").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let (dir, result) = unpack_into(&bytes, BundleLimits::default());
        assert_eq!(result.unwrap(), dir.path());

        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.add_symlink("challenge.toml", "/etc/passwd", opts).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::Link("challenge.toml".into())));
    }

    #[test]
    fn other_bytes_and_manifestless_bundles_are_refused() {
        assert_eq!(unpack_into(b"hello", BundleLimits::default()).1, Err(BundleError::UnknownFormat));
        let bytes = tar_gz(&[("README.md", tar::EntryType::Regular, b"x")]);
        assert_eq!(unpack_into(&bytes, BundleLimits::default()).1, Err(BundleError::NoManifest));
    }
}
