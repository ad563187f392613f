//! SHA-256 of the catalog's assets, the content gate of uploads. Files
//! are read through a `cap-std` handle on the catalog directory (no `..`
//! or symlink escape), several at a time, and remembered in the
//! [`asset_cache`](super::asset_cache), so a second plan reads only what
//! changed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub use super::asset_cache::Census;
pub use super::asset_cache::STATE_DIR;
use super::asset_cache::{Cache, Entry, Reading, SNIFF_LEN, sniff};
use super::asset_dir::{AssetDir, Stamp};
use super::model::Catalog;

/// Read size: large enough that hashing, not syscalls, sets the pace.
const BUFFER: usize = 1 << 20;

/// Hashes by asset path (relative to the catalog, `/`-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes {
    pub by_path: BTreeMap<String, String>,
    /// Bytes read to hash (0 when every entry came from the cache).
    pub bytes_read: u64,
    /// Assets whose hash came from the cache.
    pub cached: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("cannot open catalog directory `{}`: {source}", root.display())]
    Root {
        root: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read asset `{path}` to hash it: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// The SHA-256 of everything `reader` yields, as lowercase hex.
///
/// # Errors
///
/// What reading fails with.
pub fn sha256(reader: impl Read) -> std::io::Result<(String, u64)> {
    digest(reader).map(|(hex, total, _)| (hex, total))
}

/// [`sha256`], and what the first [`SNIFF_LEN`] bytes show ([`sniff`]):
/// the validator's type check, answered by the same read.
fn digest(mut reader: impl Read) -> std::io::Result<(String, u64, Option<String>)> {
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    hasher.update(&head);
    let mut total = head.len() as u64;
    let mut buffer = vec![0u8; BUFFER];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total, sniff(&head)))
}

/// Hashes every path in `paths` (relative to `root`), using and then
/// updating the cache in `root/.pxmctl/` when `cache` is set. A cache that
/// cannot be read or written only costs time: it is never an error.
///
/// # Errors
///
/// An asset that cannot be opened or read.
pub fn hash_assets<'p>(
    root: &Path,
    paths: impl IntoIterator<Item = &'p str>,
    cache: bool,
) -> Result<Hashes, HashError> {
    let paths = sorted(paths);
    let dir = open(root, &paths)?;
    let (mut census, cache) = Census::start(root, cache);
    // A cache hit needs one stat, not an open. A path that cannot be
    // stat'd is left to the read below, which reports why.
    let fresh: Vec<(String, Entry)> = paths
        .par_iter()
        .filter_map(|path| {
            let stamp = Stamp::of(&dir.metadata(path).ok()?);
            cache
                .fresh(path, stamp)
                .map(|e| ((*path).to_owned(), e.clone()))
        })
        .collect();
    census.extend(fresh);
    hash_with(root, &paths, &census)
}

/// Hashes every asset the catalog's file entries name, taking what the
/// load's [`Census`] found fresh in the cache without touching the file.
///
/// # Errors
///
/// As [`hash_assets`].
pub fn hash_catalog(catalog: &Catalog, census: &Census) -> Result<Hashes, HashError> {
    let paths = sorted(
        catalog
            .files
            .values()
            .filter_map(|e| e.value.content.as_ref())
            .map(|a| a.path.as_str()),
    );
    hash_with(&catalog.root, &paths, census)
}

fn sorted<'p>(paths: impl IntoIterator<Item = &'p str>) -> Vec<&'p str> {
    let mut paths: Vec<&str> = paths.into_iter().collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

fn open(root: &Path, paths: &[&str]) -> Result<AssetDir, HashError> {
    AssetDir::open(root, paths.iter().copied()).map_err(|source| HashError::Root {
        root: root.to_owned(),
        source,
    })
}

/// Reads the assets `census` has no fresh entry for, and rewrites the
/// cache when anything was read or an entry is no longer wanted.
fn hash_with(root: &Path, paths: &[&str], census: &Census) -> Result<Hashes, HashError> {
    let unknown: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|path| census.fresh(path).is_none())
        .collect();
    let mut read: BTreeMap<&str, Entry> = BTreeMap::new();
    let mut out = Hashes::default();
    if !unknown.is_empty() {
        let dir = open(root, &unknown)?;
        let results: Vec<(&str, Entry, u64)> = unknown
            .par_iter()
            .map(|path| {
                let read_error = |source| HashError::Read {
                    path: (*path).to_owned(),
                    source,
                };
                let mut file = dir.open_file(path).map_err(read_error)?;
                let reading = Reading::start(Stamp::of(&file.metadata().map_err(read_error)?));
                let (sha256, bytes, magic) = digest(&mut file).map_err(read_error)?;
                Ok((*path, reading.finish(sha256, magic), bytes))
            })
            .collect::<Result<_, HashError>>()?;
        for (path, entry, bytes) in results {
            out.bytes_read += bytes;
            read.insert(path, entry);
        }
    }
    out.cached = paths.len() - read.len();
    let entry = |path: &str| census.fresh(path).or_else(|| read.get(path));
    out.by_path = paths
        .iter()
        .filter_map(|path| Some(((*path).to_owned(), entry(path)?.sha256.clone())))
        .collect();
    if census.stale(paths.len(), read.len()) {
        let entries = paths
            .iter()
            .filter_map(|path| Some(((*path).to_owned(), entry(path)?.clone())))
            .collect();
        Cache::write(root, entries);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        let (hex, n) = sha256(&b"abc"[..]).expect("hash");
        assert_eq!(n, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
