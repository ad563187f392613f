//! SHA-256 of the catalog's assets, the content gate of uploads. Files
//! are read through a `cap-std` handle on the catalog directory (no `..`
//! or symlink escape), several at a time, and remembered in
//! `.pxmctl/hashes.json` by (path, size, modification time), so a second
//! plan reads only what changed. An entry whose file was modified within
//! [`RACY`] of its hashing is not trusted: a write in the same clock tick
//! as the read would leave the modification time unchanged (Git's "racy
//! clean" problem).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Catalog;

/// The folder, inside the catalog directory, of pxmctl's local state.
/// Users keep it out of Git.
pub const STATE_DIR: &str = ".pxmctl";
const CACHE_FILE: &str = "hashes.json";
const CACHE_VERSION: u32 = 1;
/// Read size: large enough that hashing, not syscalls, sets the pace.
const BUFFER: usize = 1 << 20;
/// How close to its hashing a modification must be to distrust the entry.
const RACY: Duration = Duration::from_secs(2);

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CacheEntry {
    size: u64,
    /// Nanoseconds since the Unix epoch.
    modified: u128,
    /// When the hash was computed, same unit.
    hashed: u128,
    sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: BTreeMap<String, CacheEntry>,
}

fn nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// The SHA-256 of everything `reader` yields, as lowercase hex.
///
/// # Errors
///
/// What reading fails with.
pub fn sha256(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; BUFFER];
    let mut total = 0u64;
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
    Ok((hex::encode(hasher.finalize()), total))
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
    let dir =
        Dir::open_ambient_dir(root, ambient_authority()).map_err(|source| HashError::Root {
            root: root.to_owned(),
            source,
        })?;
    let cache_path = root.join(STATE_DIR).join(CACHE_FILE);
    let old = if cache {
        read_cache(&cache_path)
    } else {
        CacheFile::default()
    };
    let mut paths: Vec<&str> = paths.into_iter().collect();
    paths.sort_unstable();
    paths.dedup();
    let results: Vec<(String, CacheEntry, bool, u64)> = paths
        .par_iter()
        .map(|path| {
            let read_error = |source| HashError::Read {
                path: (*path).to_owned(),
                source,
            };
            let stamp = |meta: &cap_std::fs::Metadata| {
                let modified = meta.modified().map(|t| nanos(t.into_std())).unwrap_or(0);
                (meta.len(), modified)
            };
            // A cache hit needs one stat, not an open: a warm plan of many
            // assets costs little more than one without them.
            let (size, modified) = stamp(&dir.metadata(path).map_err(read_error)?);
            if let Some(hit) = old.entries.get(*path).filter(|e| {
                e.size == size
                    && e.modified == modified
                    && modified != 0
                    && e.hashed.saturating_sub(e.modified) > RACY.as_nanos()
            }) {
                return Ok(((*path).to_owned(), hit.clone(), true, 0));
            }
            let mut file = dir.open(path).map_err(read_error)?;
            // The entry records the file that is read, not the one stat'd.
            let (_, modified) = stamp(&file.metadata().map_err(read_error)?);
            let hashed = nanos(SystemTime::now());
            let (sha256, read) = sha256(&mut file).map_err(read_error)?;
            let entry = CacheEntry {
                size: read,
                modified,
                hashed,
                sha256,
            };
            Ok(((*path).to_owned(), entry, false, read))
        })
        .collect::<Result<_, HashError>>()?;
    let mut out = Hashes::default();
    let mut new = CacheFile {
        version: CACHE_VERSION,
        entries: BTreeMap::new(),
    };
    let mut changed = false;
    for (path, entry, hit, read) in results {
        out.bytes_read += read;
        if hit {
            out.cached += 1;
        } else {
            changed = true;
        }
        out.by_path.insert(path.clone(), entry.sha256.clone());
        new.entries.insert(path, entry);
    }
    if cache && (changed || new.entries.len() != old.entries.len()) {
        write_cache(&cache_path, &new);
    }
    Ok(out)
}

/// Hashes every asset the catalog's file entries name.
///
/// # Errors
///
/// As [`hash_assets`].
pub fn hash_catalog(catalog: &Catalog, cache: bool) -> Result<Hashes, HashError> {
    let paths = catalog
        .files
        .values()
        .filter_map(|e| e.value.content.as_ref())
        .map(|a| a.path.as_str());
    hash_assets(&catalog.root, paths, cache)
}

fn read_cache(path: &Path) -> CacheFile {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
        .filter(|c| c.version == CACHE_VERSION)
        .unwrap_or_default()
}

fn write_cache(path: &Path, cache: &CacheFile) {
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            let bytes = serde_json::to_vec(cache).map_err(std::io::Error::other)?;
            crate::atomic_file::write(path, &bytes)
        });
    if let Err(e) = written {
        tracing::debug!("cannot write the hash cache {}: {e}", path.display());
    }
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
