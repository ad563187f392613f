//! The catalog directory as assets are reached through it: a `cap-std`
//! handle, so neither `..` nor a symlink leads outside it, and the
//! [`Stamp`] that tells whether an asset changed. Validation, hashing and
//! the uploader all reach the catalog's assets here, so no other module
//! opens one.
//!
//! cap-std's sandboxed `metadata` costs an `openat2`, an `fstat` and a
//! `close` per call, most of a warm plan's time on thousands of assets.
//! Holding each asset folder open makes a stat one `fstatat` of a single
//! name that follows no symlink, which cannot leave the folder; a symlink
//! (or any error) takes cap-std's own path, which follows it inside the
//! catalog only and gives the precise error.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, Metadata};

pub(crate) struct AssetDir {
    root: Dir,
    /// Folders holding assets, by their path from the root ("" is the
    /// root itself and is not held twice).
    folders: HashMap<PathBuf, Dir>,
}

impl AssetDir {
    /// Opens `root` and every folder holding one of `paths`. A folder that
    /// cannot be opened is left to [`Self::metadata`]'s slow path, which
    /// reports why.
    pub(crate) fn open<'p>(
        root: &Path,
        paths: impl IntoIterator<Item = &'p str>,
    ) -> io::Result<Self> {
        let root = Dir::open_ambient_dir(root, ambient_authority())?;
        let mut folders = HashMap::new();
        let mut last = None;
        for path in paths {
            let Some(folder) = Path::new(path).parent() else {
                continue;
            };
            // Assets of a folder usually come together: comparing with the
            // last one is cheaper than hashing a path.
            if last == Some(folder) {
                continue;
            }
            last = Some(folder);
            if folder.as_os_str().is_empty() || folders.contains_key(folder) {
                continue;
            }
            if let Ok(dir) = root.open_dir(folder) {
                folders.insert(folder.to_owned(), dir);
            }
        }
        Ok(Self { root, folders })
    }

    /// Opens `root` and no folder: a later [`Self::metadata`] of a path in
    /// a folder resolves the path from the root again, so it sees a folder
    /// replaced since the open.
    pub(crate) fn open_root(root: &Path) -> io::Result<Self> {
        Self::open(root, std::iter::empty())
    }

    /// What `cap_std::fs::Dir::metadata` says of `path` (symlinks followed
    /// inside the catalog only), in one system call for a regular file.
    pub(crate) fn metadata(&self, path: &str) -> io::Result<Metadata> {
        let path = Path::new(path);
        if let (Some(folder), Some(name)) = (path.parent(), path.file_name()) {
            let dir = if folder.as_os_str().is_empty() {
                Some(&self.root)
            } else {
                self.folders.get(folder)
            };
            if let Some(Ok(meta)) = dir.map(|d| d.symlink_metadata(name))
                && !meta.is_symlink()
            {
                return Ok(meta);
            }
        }
        self.root.metadata(path)
    }

    /// Opens `path` for reading, inside the catalog only.
    pub(crate) fn open_file(&self, path: &str) -> io::Result<File> {
        self.root.open(path)
    }
}

/// What tells a changed file: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub size: u64,
    /// `None` where the platform keeps no modification time.
    pub modified: Option<SystemTime>,
}

impl Stamp {
    pub(crate) fn of(metadata: &Metadata) -> Self {
        Self {
            size: metadata.len(),
            modified: metadata
                .modified()
                .ok()
                .map(cap_std::time::SystemTime::into_std),
        }
    }

    /// The stamp of a file already open (one opened through an
    /// [`AssetDir`], then handed on as a `std` file).
    pub(crate) fn of_open(file: &std::fs::File) -> io::Result<Self> {
        Metadata::from_file(file).map(|metadata| Self::of(&metadata))
    }
}
