//! `.pxmctl/hashes.json`: what pxmctl learnt about each asset the last
//! time it read the whole file (its SHA-256 and the type its first bytes
//! show), keyed by path and trusted while the file's size and
//! modification time are unchanged. Validation stats every asset anyway;
//! it takes the type from a fresh entry and keeps the entry in a
//! [`Census`], from which hashing takes the SHA-256. A warm plan stats
//! each asset once and opens none.
//!
//! An entry whose file was modified within [`RACY`] of its reading is not
//! trusted: a write in the same clock tick as the read would leave the
//! modification time unchanged (Git's "racy clean" problem). A cache that
//! cannot be read or written only costs time, never an error.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::asset_dir::Stamp;

/// The folder, inside the catalog directory, of pxmctl's local state.
/// Users keep it out of Git.
pub const STATE_DIR: &str = ".pxmctl";
const CACHE_FILE: &str = "hashes.json";
/// 2 added `magic`; older files are ignored, not misread.
const CACHE_VERSION: u32 = 2;
/// How close to its reading a modification must be to distrust the entry.
const RACY: Duration = Duration::from_secs(2);
/// Bytes read from the start of a file to recognise its type.
pub(crate) const SNIFF_LEN: usize = 8192;

/// The MIME type the first bytes of a file show, if any.
pub(crate) fn sniff(head: &[u8]) -> Option<String> {
    infer::get(head).map(|t| t.mime_type().to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub size: u64,
    pub modified: u64,
    /// When the file was read, same unit as `modified`.
    pub read_at: u64,
    pub sha256: String,
    /// What [`sniff`] said of the first [`SNIFF_LEN`] bytes.
    pub magic: Option<String>,
}

/// A file about to be read: its stamp and the time reading starts, taken
/// before the first byte so that a write during the read counts as racy.
pub(crate) struct Reading {
    stamp: Stamp,
    at: u64,
}

impl Reading {
    pub(crate) fn start(stamp: Stamp) -> Self {
        Self {
            stamp,
            at: nanos(SystemTime::now()),
        }
    }

    pub(crate) fn finish(self, sha256: String, magic: Option<String>) -> Entry {
        Entry {
            size: self.stamp.size,
            modified: modified_nanos(self.stamp),
            read_at: self.at,
            sha256,
            magic,
        }
    }
}

/// The cache as read: a hash map, which fills several times faster than
/// a sorted one. It is written sorted ([`Cache::write`]), so the file is
/// the same for the same entries.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Cache {
    version: u32,
    entries: HashMap<String, Entry>,
}

#[derive(Serialize)]
struct CacheFile<'a> {
    version: u32,
    entries: &'a BTreeMap<String, Entry>,
}

impl Cache {
    /// The cache of the catalog in `root`; empty when there is none or it
    /// cannot be read.
    pub(crate) fn read(root: &Path) -> Self {
        std::fs::read(cache_path(root))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|c| c.version == CACHE_VERSION)
            .unwrap_or_default()
    }

    /// The entry for `path`, if the file still has the stamp it had when
    /// the entry was made and was not modified as it was read.
    pub(crate) fn fresh(&self, path: &str, stamp: Stamp) -> Option<&Entry> {
        let modified = modified_nanos(stamp);
        self.entries.get(path).filter(|e| {
            e.size == stamp.size
                && e.modified == modified
                && modified != 0
                && u128::from(e.read_at.saturating_sub(e.modified)) > RACY.as_nanos()
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Replaces the cache in `root` with `entries`; a failure is logged.
    pub(crate) fn write(root: &Path, entries: BTreeMap<String, Entry>) {
        let path = cache_path(root);
        let cache = CacheFile {
            version: CACHE_VERSION,
            entries: &entries,
        };
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let bytes = serde_json::to_vec(&cache).map_err(std::io::Error::other)?;
                crate::atomic_file::write(&path, &bytes)
            });
        if let Err(e) = written {
            tracing::debug!("cannot write the hash cache {}: {e}", path.display());
        }
    }
}

/// What the cache vouches for after a look at the files: the entries
/// whose file still has the stamp it had when read, by path.
#[derive(Debug, Default)]
pub struct Census {
    /// Whether the cache is read and written at all (`--no-hash-cache`
    /// turns it off).
    in_use: bool,
    fresh: HashMap<String, Entry>,
    /// How many entries the file holds, to tell whether it needs
    /// rewriting.
    stored: usize,
}

impl Census {
    /// Reads the cache of the catalog in `root` when `in_use`. The caller
    /// stats each asset, asks the cache for a [`Cache::fresh`] entry and
    /// gives those to [`Self::extend`].
    pub(crate) fn start(root: &Path, in_use: bool) -> (Self, Cache) {
        let cache = if in_use {
            Cache::read(root)
        } else {
            Cache::default()
        };
        let census = Self {
            in_use,
            fresh: HashMap::new(),
            stored: cache.len(),
        };
        (census, cache)
    }

    /// Keeps the fresh entries the look at the files found.
    pub(crate) fn extend(&mut self, fresh: impl IntoIterator<Item = (String, Entry)>) {
        self.fresh.extend(fresh);
    }

    pub(crate) fn fresh(&self, path: &str) -> Option<&Entry> {
        self.fresh.get(path)
    }

    /// Whether the cache file must be rewritten to hold exactly `entries`
    /// entries, `read` of them read anew.
    pub(crate) fn stale(&self, entries: usize, read: usize) -> bool {
        self.in_use && (read > 0 || entries != self.stored)
    }
}

fn cache_path(root: &Path) -> std::path::PathBuf {
    root.join(STATE_DIR).join(CACHE_FILE)
}

/// A stamp's modification time as entries keep it: 0 when the system
/// keeps none.
fn modified_nanos(stamp: Stamp) -> u64 {
    stamp.modified.map_or(0, nanos)
}

/// Nanoseconds since the Unix epoch (a u64 lasts until 2554, and parses
/// several times faster than a u128 from JSON); 0 before the epoch.
fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}
