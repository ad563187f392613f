//! Asset bytes for `pxmctl export --with-assets`: each file's presigned
//! `download_url` streamed to `<out>/assets/<name>` through a hidden
//! temporary file and a rename, a few at a time, with the byte count
//! checked against the size PXM lists.
//!
//! These are object-store GETs, not API calls: a plain client, no bearer
//! token, no rate limit. A presigned URL is a credential: it never
//! appears in an error or a log line (errors are built without the URL,
//! and redacted besides).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::write::temp_path;
use super::{Download, ExportError};
use crate::remote::secret::redact;

/// Downloads at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Attempts per file for failures that may pass (connection, 5xx, 429).
const ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence while reading a body; a large file may take longer
/// than this in total.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

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
/// `path`), `concurrency` at a time. Failures are gathered, not fatal:
/// the others still download.
///
/// # Errors
///
/// [`ExportError::Setup`] when no HTTP client can be built.
pub async fn download_all(
    downloads: &[Download],
    dir: &Path,
    concurrency: usize,
) -> Result<Downloaded, ExportError> {
    // reqwest is built without a bundled crypto provider; ring is ours.
    // Installing twice is harmless (the first one stays).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .user_agent(concat!("pxmctl/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|e| ExportError::Setup(redact(&e.without_url().to_string())))?;
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, download) in downloads.iter().cloned().enumerate() {
        let http = http.clone();
        let slots = Arc::clone(&slots);
        let dest = dir.join(&download.path);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            (index, fetch_with_retries(&http, &download, &dest).await)
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
    Ok(out)
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    cause: String,
    retry: bool,
}

async fn fetch_with_retries(
    http: &reqwest::Client,
    download: &Download,
    dest: &Path,
) -> Result<u64, ExportError> {
    let mut attempt = 1;
    loop {
        match fetch(http, download, dest).await {
            Ok(bytes) => return Ok(bytes),
            Err(f) if f.retry && attempt < ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(f) => {
                let cause = if attempt > 1 {
                    format!("{} (after {attempt} attempts)", f.cause)
                } else {
                    f.cause
                };
                return Err(ExportError::Download {
                    file_name: download.file_name.clone(),
                    file_id: download.file_id.clone(),
                    cause: redact(&cause),
                });
            }
        }
    }
}

/// One attempt: GET, stream to a temporary file, check the size, rename.
async fn fetch(http: &reqwest::Client, download: &Download, dest: &Path) -> Result<u64, Failure> {
    let transport = |e: reqwest::Error| Failure {
        retry: e.is_connect() || e.is_timeout() || e.is_request() || e.is_body(),
        cause: e.without_url().to_string(),
    };
    let mut response = http
        .get(download.url.expose())
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure {
            cause: format!("the object store answered {status}"),
            retry: status.is_server_error() || status.as_u16() == 429,
        });
    }
    let local = |action: &str, e: std::io::Error| Failure {
        cause: format!("cannot {action} `{}`: {e}", dest.display()),
        retry: false,
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
            return Err(Failure {
                cause: format!("got {written} bytes, but PXM lists {expected}"),
                retry: true,
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
