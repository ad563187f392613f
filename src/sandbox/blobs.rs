//! The bytes behind the object store: in memory, or one file per blob in
//! `DIR/blobs/` (written to a temporary file and renamed into place, so a
//! kill never leaves half a blob under a live key). Request bodies are
//! streamed into their final buffer or file while the MD5 is computed;
//! nothing is buffered twice. The blob index (length, MD5) lives in `db`.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use md5::{Digest, Md5};
use tokio::io::AsyncWriteExt;

use super::db::BlobMeta;

/// Why a body could not be stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    #[error("the body ended after {got} of {expected} bytes")]
    Incomplete { got: u64, expected: u64 },
    #[error("the body is longer than its Content-Length")]
    TooLong,
    #[error("cannot store the body: {0}")]
    Io(#[from] io::Error),
}

#[derive(Debug)]
pub(crate) enum BlobStore {
    Memory(Mutex<HashMap<String, Bytes>>),
    Disk(PathBuf),
}

impl BlobStore {
    pub(crate) fn memory() -> Self {
        BlobStore::Memory(Mutex::new(HashMap::new()))
    }

    /// A store in `dir`, dropping files that the index does not name
    /// (left by a kill between writing a blob and journaling it).
    pub(crate) fn disk(dir: PathBuf, index: &BTreeMap<String, BlobMeta>) -> io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let known = name
                .to_str()
                .and_then(|n| hex::decode(n).ok())
                .and_then(|k| String::from_utf8(k).ok())
                .is_some_and(|k| index.contains_key(&k));
            if !known {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(BlobStore::Disk(dir))
    }

    fn memory_map(
        m: &Mutex<HashMap<String, Bytes>>,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Bytes>> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn path(dir: &Path, key: &str) -> PathBuf {
        dir.join(hex::encode(key))
    }

    fn tmp_path(dir: &Path, key: &str) -> PathBuf {
        dir.join(format!("tmp-{}", hex::encode(key)))
    }

    /// Streams `body` (announced as `expected` bytes) under `key`.
    pub(crate) async fn write(
        &self,
        key: &str,
        body: Body,
        expected: u64,
    ) -> Result<BlobMeta, WriteError> {
        let mut stream = body.into_data_stream();
        let mut md5 = Md5::new();
        let mut got = 0u64;
        match self {
            BlobStore::Memory(map) => {
                let capacity = usize::try_from(expected).unwrap_or(usize::MAX).min(1 << 30);
                let mut buf = BytesMut::with_capacity(capacity);
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|_| WriteError::Incomplete { got, expected })?;
                    got += chunk.len() as u64;
                    if got > expected {
                        return Err(WriteError::TooLong);
                    }
                    md5.update(&chunk);
                    buf.extend_from_slice(&chunk);
                }
                check_len(got, expected)?;
                Self::memory_map(map).insert(key.to_string(), buf.freeze());
            }
            BlobStore::Disk(dir) => {
                let tmp = Self::tmp_path(dir, key);
                let mut file = tokio::fs::File::create(&tmp).await?;
                let result = async {
                    while let Some(chunk) = stream.next().await {
                        let chunk = chunk.map_err(|_| WriteError::Incomplete { got, expected })?;
                        got += chunk.len() as u64;
                        if got > expected {
                            return Err(WriteError::TooLong);
                        }
                        md5.update(&chunk);
                        file.write_all(&chunk).await?;
                    }
                    check_len(got, expected)?;
                    file.flush().await?;
                    Ok(())
                }
                .await;
                if let Err(e) = result {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(e);
                }
                tokio::fs::rename(&tmp, Self::path(dir, key)).await?;
            }
        }
        Ok(BlobMeta {
            len: got,
            md5: hex::encode(md5.finalize()),
        })
    }

    /// Stores bytes already in memory (seeding).
    pub(crate) async fn put(&self, key: &str, bytes: Bytes) -> io::Result<BlobMeta> {
        let meta = BlobMeta {
            len: bytes.len() as u64,
            md5: hex::encode(Md5::digest(&bytes)),
        };
        match self {
            BlobStore::Memory(map) => {
                Self::memory_map(map).insert(key.to_string(), bytes);
            }
            BlobStore::Disk(dir) => {
                let tmp = Self::tmp_path(dir, key);
                tokio::fs::write(&tmp, &bytes).await?;
                tokio::fs::rename(&tmp, Self::path(dir, key)).await?;
            }
        }
        Ok(meta)
    }

    pub(crate) async fn read(&self, key: &str) -> io::Result<Bytes> {
        match self {
            BlobStore::Memory(map) => Self::memory_map(map)
                .get(key)
                .cloned()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, key.to_string())),
            BlobStore::Disk(dir) => tokio::fs::read(Self::path(dir, key)).await.map(Bytes::from),
        }
    }

    /// Writes the concatenation of `sources` under `dest`; the sources stay.
    pub(crate) async fn concat(&self, sources: &[String], dest: &str) -> io::Result<BlobMeta> {
        let mut md5 = Md5::new();
        let mut len = 0u64;
        match self {
            BlobStore::Memory(map) => {
                let mut buf = BytesMut::new();
                for key in sources {
                    let part = self.read(key).await?;
                    md5.update(&part);
                    len += part.len() as u64;
                    buf.extend_from_slice(&part);
                }
                Self::memory_map(map).insert(dest.to_string(), buf.freeze());
            }
            BlobStore::Disk(dir) => {
                let tmp = Self::tmp_path(dir, dest);
                let mut out = tokio::fs::File::create(&tmp).await?;
                for key in sources {
                    let part = tokio::fs::read(Self::path(dir, key)).await?;
                    md5.update(&part);
                    len += part.len() as u64;
                    out.write_all(&part).await?;
                }
                out.flush().await?;
                tokio::fs::rename(&tmp, Self::path(dir, dest)).await?;
            }
        }
        Ok(BlobMeta {
            len,
            md5: hex::encode(md5.finalize()),
        })
    }

    /// Drops a blob's bytes (after its index entry is gone).
    pub(crate) async fn remove(&self, key: &str) {
        match self {
            BlobStore::Memory(map) => {
                Self::memory_map(map).remove(key);
            }
            BlobStore::Disk(dir) => {
                let _ = tokio::fs::remove_file(Self::path(dir, key)).await;
            }
        }
    }
}

fn check_len(got: u64, expected: u64) -> Result<(), WriteError> {
    if got < expected {
        return Err(WriteError::Incomplete { got, expected });
    }
    Ok(())
}
