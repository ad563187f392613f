//! Asset bytes for `pxmctl export --with-assets`: each file's presigned
//! `download_url` streamed to `<out>/assets/<name>` through a hidden
//! temporary file and a rename, a few at a time, with the byte count
//! checked against the size PXM lists.
//!
//! These are object-store GETs, not API calls (no bearer token, no rate
//! limit), but they go through the run's [`Transport`]: its store client,
//! its reading of statuses and errors, its backoff and the retry budget
//! the API reads spent, so a dead store ends the export after about that
//! many retries in all. A presigned URL is a credential: it never appears
//! in an error or a log line (errors are built without the URL, and
//! redacted besides).

use std::path::Path;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::write::temp_path;
use super::{Download, ExportError};
use crate::remote::secret::redact;
use crate::remote::transport::{Failure, StatusClass, Stop, Transport, status_class};

/// Downloads at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What a download run did.
#[derive(Debug, Default)]
pub struct Downloaded {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Files that failed, in the order of the downloads given.
    pub failures: Vec<ExportError>,
}

/// Downloads every asset in `downloads` into `dir` (each to its
/// `path`), `concurrency` at a time, through `transport`. Failures are
/// gathered, not fatal: the others still download.
pub async fn download_all(
    transport: &Transport,
    downloads: &[Download],
    dir: &Path,
    concurrency: usize,
) -> Downloaded {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, download) in downloads.iter().cloned().enumerate() {
        let transport = transport.clone();
        let slots = Arc::clone(&slots);
        let dest = dir.join(&download.path);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            (
                index,
                fetch_with_retries(&transport, &download, &dest).await,
            )
        });
    }
    let mut results: Vec<(usize, Result<u64, ExportError>)> = Vec::with_capacity(downloads.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => results.push(result),
            Err(e) => results.push((
                usize::MAX,
                Err(ExportError::Setup(format!("a download task failed: {e}"))),
            )),
        }
    }
    results.sort_by_key(|(index, _)| *index);
    let mut out = Downloaded::default();
    for (_, result) in results {
        match result {
            Ok(bytes) => {
                out.files += 1;
                out.bytes += bytes;
            }
            Err(e) => out.failures.push(e),
        }
    }
    out
}

async fn fetch_with_retries(
    transport: &Transport,
    download: &Download,
    dest: &Path,
) -> Result<u64, ExportError> {
    let what = format!("the download of `{}`", download.file_name);
    transport
        .run(true, &what, || {
            fetch(transport.store_attempt(), download, dest)
        })
        .await
        .map_err(|stop| {
            let cause = match stop {
                Stop::Fatal(cause) => cause,
                Stop::GaveUp(gave_up) => gave_up.to_string(),
            };
            ExportError::Download {
                file_name: download.file_name.clone(),
                file_id: download.file_id.clone(),
                cause: redact(&cause),
            }
        })
}

/// One attempt: GET, stream to a temporary file, check the size, rename.
///
/// A failure is transient when the transport says so, or when fewer bytes
/// came than PXM lists (a body cut short); the fatal ones carry their
/// cause.
async fn fetch(
    http: &reqwest::Client,
    download: &Download,
    dest: &Path,
) -> Result<u64, Failure<String>> {
    let transport = |e: reqwest::Error| Failure::of_error(&e, |cause| cause);
    let mut response = http
        .get(download.url.expose())
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    let cause = format!("the object store answered {status}");
    match status_class(status.as_u16()) {
        StatusClass::Success => {}
        // The store has no limiter to pause: a 429 waits out a backoff.
        StatusClass::RateLimited | StatusClass::Transient => {
            return Err(Failure::busy(cause, response.headers()));
        }
        StatusClass::Final => return Err(Failure::Fatal(cause)),
    }
    let local = |action: &str, e: std::io::Error| {
        Failure::Fatal(format!("cannot {action} `{}`: {e}", dest.display()))
    };
    if let Some(parent) = dest.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| local("create directory for", e))?;
    }
    let temp = temp_path(dest);
    let result = async {
        let mut file = tokio::fs::File::create(&temp)
            .await
            .map_err(|e| local("write", e))?;
        let mut written: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            file.write_all(&chunk)
                .await
                .map_err(|e| local("write", e))?;
            written += chunk.len() as u64;
        }
        file.sync_all().await.map_err(|e| local("write", e))?;
        drop(file);
        if let Some(expected) = download.size
            && expected != written
        {
            return Err(Failure::Transient {
                cause: format!("got {written} bytes, but PXM lists {expected}"),
                sent: true,
                wait: None,
            });
        }
        tokio::fs::rename(&temp, dest)
            .await
            .map_err(|e| local("write", e))?;
        Ok(written)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result
}
