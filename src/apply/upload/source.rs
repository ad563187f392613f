//! The asset's bytes, from disk. The asset is opened through the
//! catalog's [`AssetDir`], so a path that leads outside the catalog
//! directory (`..`, absolute, a symlink pointing out) is refused by the
//! open itself, however the tree changed since it was checked; its length
//! is compared with the checked size before any request is sent. Bytes
//! are streamed from that one open file, a chunk at a time, never held
//! whole in memory. Its [`Stamp`] is noted at the open and compared again,
//! on the open file and at its path, after the last byte and before
//! confirm: a file that changed meanwhile is not confirmed.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures_util::Stream;
use md5::{Digest as _, Md5};

use super::UploadError;
use crate::catalog::asset_dir::{AssetDir, Stamp};
use crate::catalog::model::Asset;

/// Bytes read from disk per chunk of a PUT body.
const CHUNK: usize = 256 * 1024;
/// Chunks read ahead of the send, per PUT: reading and MD5 run on their
/// own thread while the connection writes.
const READ_AHEAD: usize = 4;

/// Bytes `start..start + len` of the asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ByteRange {
    pub start: u64,
    pub len: u64,
}

/// The asset, open, and how it looked when it was opened.
pub(super) struct OpenedAsset {
    file: Arc<std::fs::File>,
    /// The catalog directory, to look at the path again.
    dir: Arc<AssetDir>,
    rel: String,
    at_open: Stamp,
}

impl OpenedAsset {
    /// Opens the asset inside `root` (no escape) and checks its length.
    pub(super) async fn open(root: &Path, asset: &Asset) -> Result<Self, UploadError> {
        let open_error = |source: io::Error| UploadError::Open {
            path: asset.path.clone(),
            root: root.to_path_buf(),
            source,
        };
        let dir_path = root.to_path_buf();
        let rel = asset.path.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let dir = AssetDir::open_root(&dir_path)?;
            let file = dir.open_file(&rel)?;
            let metadata = file.metadata()?;
            io::Result::Ok((dir, file.into_std(), metadata))
        })
        .await
        .map_err(|e| open_error(io::Error::other(e.to_string())))?;
        let (dir, file, metadata) = opened.map_err(open_error)?;
        if !metadata.is_file() {
            return Err(open_error(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        if metadata.len() != asset.size {
            return Err(UploadError::Changed {
                path: asset.path.clone(),
                expected: asset.size,
                actual: metadata.len(),
            });
        }
        Ok(Self {
            file: Arc::new(file),
            dir: Arc::new(dir),
            rel: asset.path.clone(),
            at_open: Stamp::of(&metadata),
        })
    }

    pub(super) fn file(&self) -> &Arc<std::fs::File> {
        &self.file
    }

    /// Compares the open file and the file now at its path with how the
    /// file was at the open.
    pub(super) async fn check_unchanged(&self, path: &str) -> Result<(), UploadError> {
        let file = Arc::clone(&self.file);
        let dir = Arc::clone(&self.dir);
        let rel = self.rel.clone();
        let now = tokio::task::spawn_blocking(move || {
            let open = Stamp::of_open(&file)?;
            let at_path = dir.metadata(&rel);
            io::Result::Ok((open, at_path.map(|m| Stamp::of(&m))))
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e.to_string())));
        let changed = |detail: String| UploadError::ChangedWhileUploading {
            path: path.to_owned(),
            detail,
        };
        let (open, at_path) = now.map_err(|e| changed(format!("cannot look at it again: {e}")))?;
        if let Some(detail) = change(self.at_open, open, "the open file") {
            return Err(changed(detail));
        }
        match at_path {
            Ok(at_path) => match change(self.at_open, at_path, "the file at its path") {
                Some(detail) => Err(changed(detail)),
                None => Ok(()),
            },
            Err(e) => Err(changed(format!("the file at its path: {e}"))),
        }
    }
}

/// How `now` differs from `at_open`, in words; `None` when it does not.
fn change(at_open: Stamp, now: Stamp, place: &str) -> Option<String> {
    if at_open.size != now.size {
        Some(format!(
            "{place} is {} bytes, not {} as when it was opened",
            now.size, at_open.size
        ))
    } else if at_open.modified != now.modified {
        Some(format!("{place} has a new modification time"))
    } else {
        None
    }
}

/// The bytes of `range`, read from `file` a chunk at a time by a
/// blocking task that stays up to [`READ_AHEAD`] chunks ahead of the send
/// and takes their MD5 on the way (sent to `digest` after the last
/// chunk). Reads are positional, so an earlier attempt's reader still
/// winding down cannot move this one's offset; a dropped body stops its
/// reader. A read failure is also left in `failure`: the HTTP error that
/// follows does not say whose fault it was. The length of each chunk
/// handed to the connection is sent to `went_out`.
pub(super) fn range_stream(
    file: Arc<std::fs::File>,
    range: ByteRange,
    failure: Arc<Mutex<Option<String>>>,
    went_out: tokio::sync::mpsc::UnboundedSender<u64>,
    digest: tokio::sync::oneshot::Sender<String>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let (chunks, received) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        let end = range.start + range.len;
        let mut offset = range.start;
        let mut md5 = Md5::new();
        while offset < end {
            let want = usize::try_from(end - offset).map_or(CHUNK, |left| left.min(CHUNK));
            match read_exact_at(&file, offset, want) {
                Ok(chunk) => {
                    md5.update(&chunk);
                    offset += chunk.len() as u64;
                    if chunks.blocking_send(Ok(chunk)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    *failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
                    let _ = chunks.blocking_send(Err(e));
                    return;
                }
            }
        }
        let _ = digest.send(hex::encode(md5.finalize()));
    });
    futures_util::stream::unfold(received, move |mut received| {
        let went_out = went_out.clone();
        async move {
            let chunk = received.recv().await?;
            if let Ok(bytes) = &chunk {
                // Nobody listens once the attempt is over.
                let _ = went_out.send(bytes.len() as u64);
            }
            Some((chunk, received))
        }
    })
}

fn read_exact_at(file: &std::fs::File, offset: u64, len: usize) -> io::Result<Bytes> {
    let mut buf = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match read_at(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the file ends at byte {}: it changed since it was checked; run plan again",
                        offset + filled as u64
                    ),
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Bytes::from(buf))
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    // Moves the file pointer too, which no reader here depends on.
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}
