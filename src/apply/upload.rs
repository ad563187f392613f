//! One asset upload, the three steps of the upload guide: request-upload
//! (an API call), the bytes PUT to the presigned URL(s), confirm-upload
//! (an API call that is never repeated blindly). Where request-upload
//! answers a presigned POST form instead (a URL and form `fields`, as S3's
//! presigned POST and other vendors' upload APIs do), the bytes go as
//! `multipart/form-data`, every field as given and the file last, and
//! confirm carries the `etag` the store answered. A PUT refused with 403
//! (the presigned URL expired) starts over from a fresh request-upload, a
//! bounded number of times. Deciding *whether* to upload (hash gating),
//! looking a file up after a lost confirm answer and running several
//! uploads at once belong to the caller.
//!
//! The asset is opened relative to the catalog directory with `cap-std`,
//! so a path that leads outside it (`..`, absolute, a symlink pointing
//! out) is refused by the open itself, however the tree changed since it
//! was checked; its length is compared with the checked size before any
//! request is sent. Bytes are streamed from that one open file, a chunk at
//! a time, never held whole in memory. Its size and modification time are
//! noted at the open and compared again, on the open file and at its path,
//! after the last byte and before confirm: a file that changed meanwhile
//! is not confirmed.
//!
//! Object-store PUTs are not API calls (no bearer token, no API rate
//! limit), but they go through the run's [`Transport`]: its store client,
//! its reading of statuses and errors, its backoff and the retry budget
//! the API calls spend too, so a dead store ends the run as a dead API
//! does. Each attempt builds its body afresh from the open file (a
//! streamed body is consumed by the attempt that sends it). A presigned
//! URL is a credential: it is held as a [`Secret`] and never formatted
//! into an error, a log line or `Debug` output.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use cap_std::ambient_authority;
use cap_std::fs::Dir;
use futures_util::Stream;
use md5::{Digest as _, Md5};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG};
use serde_json::{Map, Value, json};

use crate::api::codec;
use crate::api::names::{
    CONFIRM_ETAG_FIELD, CONFLICT_ACTION_FIELD, CONFLICT_OVERWRITE, CONFLICT_VERSION,
    FORM_FIELDS_FIELD, FORM_FILE_FIELD,
};
use crate::api::paths;
use crate::catalog::model::{Asset, OnConflict};
use crate::remote::secret::{Secret, redact};
use crate::remote::transport::{self, Failure, StatusClass, Stop, Transport, status_class};
use crate::remote::wire::LiveFile;
use crate::remote::{Client, RemoteError, Request};

/// Bytes read from disk per chunk of a PUT body.
const CHUNK: usize = 256 * 1024;
/// Chunks read ahead of the send, per PUT: reading and MD5 run on their
/// own thread while the connection writes.
const READ_AHEAD: usize = 4;
/// request-uploads per upload: the first, and fresh ones after a 403.
const SESSIONS: u32 = 3;

/// Uploads assets, through the transport of the client each upload is
/// given; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Uploader {
    /// Set once the object store answers a part's PUT with an ETag that
    /// is not the MD5 of the bytes twice in a row: its ETags are opaque
    /// (an SSE-KMS bucket, another store), so they are kept verbatim
    /// instead of checked.
    opaque_etags: Arc<std::sync::atomic::AtomicBool>,
}

/// One asset to upload.
pub struct UploadJob<'a> {
    /// The catalog directory; `asset.path` is relative to it.
    pub root: &'a Path,
    pub asset: &'a Asset,
    /// The file name in PXM.
    pub name: &'a str,
    /// The live file (its id) whose content this upload replaces, when
    /// `name` is its name: the name conflict with it is expected and
    /// answered with `overwrite` (`version` when the asset asks for
    /// versions), whatever `on_conflict` says about other files.
    pub replaces: Option<&'a str>,
    /// confirm-upload's `metadata` (`published`, `published_start_date`,
    /// `published_end_date`, `region_ids`); sent only when not empty.
    pub metadata: Map<String, Value>,
    /// Called with the number of bytes newly handed to the object store,
    /// chunk by chunk as a body streams out, from the task running the
    /// upload (keep it cheap). Bytes sent *again* (a part retried after a
    /// failure, every part after a fresh request-upload) are not reported
    /// again: the calls of one upload add up to at most the asset's size,
    /// and to exactly that when it returns [`Uploaded::File`], so a bar
    /// over the sizes of all uploads stays honest. A skipped upload reports
    /// nothing; a failed one may have reported any part of its size.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

// By hand: a closure has no `Debug`.
impl fmt::Debug for UploadJob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadJob")
            .field("root", &self.root)
            .field("asset", &self.asset)
            .field("name", &self.name)
            .field("replaces", &self.replaces)
            .field("metadata", &self.metadata)
            .field("progress", &self.progress.map(|_| "Fn(u64)"))
            .finish()
    }
}

/// What an upload did.
// One value per upload, moved once: boxing the file would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq)]
pub enum Uploaded {
    /// The confirmed file, as confirm-upload answered it.
    File(LiveFile),
    /// Another file had the name and the asset says `on_conflict: skip`:
    /// nothing was sent or confirmed.
    Skipped { conflict_file_id: Option<String> },
}

// By hand: `LiveFile`'s derived `Debug` would print its presigned
// `download_url`.
impl fmt::Debug for Uploaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(file) => f
                .debug_struct("File")
                .field("id", &file.id)
                .field("file_name", &file.file_name)
                .field("size", &file.size)
                .finish_non_exhaustive(),
            Self::Skipped { conflict_file_id } => f
                .debug_struct("Skipped")
                .field("conflict_file_id", conflict_file_id)
                .finish(),
        }
    }
}

/// The step of an upload an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    RequestUpload,
    /// The PUT of the whole file (`part: None`) or of one part.
    Put {
        part: Option<u32>,
    },
    /// The POST of the file in a presigned form.
    Post,
    Confirm,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequestUpload => f.write_str("request-upload"),
            Self::Put { part: None } => f.write_str("PUT of the bytes"),
            Self::Put { part: Some(n) } => write!(f, "PUT of part {n}"),
            Self::Post => f.write_str("form POST of the bytes"),
            Self::Confirm => f.write_str("confirm-upload"),
        }
    }
}

/// Why an upload failed. Every message names the asset's catalog path;
/// none quotes a presigned URL.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Missing, not a regular file, or a path that leads outside the
    /// catalog directory.
    #[error("cannot open asset `{path}` inside the catalog directory `{}`: {source}", root.display())]
    Open {
        path: String,
        root: PathBuf,
        source: io::Error,
    },
    /// The file's length is not the size that was checked (and planned).
    #[error(
        "asset `{path}` is {actual} bytes but was {expected} bytes when it was checked: it changed since it was checked; run plan again"
    )]
    Changed {
        path: String,
        expected: u64,
        actual: u64,
    },
    /// Reading the file failed while its bytes were being sent.
    #[error("cannot read asset `{path}` while uploading it: {cause}")]
    Read { path: String, cause: String },
    /// The object store refused a PUT, or failed it past the retries.
    #[error("uploading `{path}`: the {step} to the object store failed: {cause}")]
    Store {
        path: String,
        step: Step,
        /// The store's answer, when there was one.
        status: Option<u16>,
        cause: String,
    },
    /// 403 on a presigned URL (expired, or its signature is not
    /// accepted), still after fresh URLs from new request-uploads.
    #[error(
        "uploading `{path}`: the object store refused the {step} (403{detail}) with the presigned URLs of each of {requests} request-upload(s): they expire before they are used or their signature is not accepted"
    )]
    Expired {
        path: String,
        step: Step,
        detail: String,
        /// request-uploads made, each with new URLs.
        requests: u32,
    },
    /// The file's size or modification time changed between the open and
    /// the end of its upload; confirm-upload was not sent.
    #[error(
        "asset `{path}` changed while it was being uploaded ({detail}); nothing was confirmed; run plan again"
    )]
    ChangedWhileUploading { path: String, detail: String },
    /// request-upload or confirm-upload failed; the source names the request.
    #[error("uploading `{path}` ({step}): {source}")]
    Remote {
        path: String,
        step: Step,
        source: RemoteError,
    },
    /// The API answered something we cannot read.
    #[error("uploading `{path}`: {step} answered something unexpected: {detail}")]
    Unexpected {
        path: String,
        step: Step,
        detail: String,
    },
}

impl UploadError {
    /// True when confirm-upload's answer was lost: the file may exist now.
    /// The caller looks it up by name instead of uploading again.
    #[must_use]
    pub fn is_unclear(&self) -> bool {
        matches!(
            self,
            Self::Remote {
                source: RemoteError::Unclear { .. },
                ..
            }
        )
    }

    /// True for a 403 on a presigned URL that fresh request-uploads did
    /// not cure.
    #[must_use]
    pub fn is_expired(&self) -> bool {
        matches!(self, Self::Expired { .. })
    }
}

impl Uploader {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Uploads one asset: open and check it, request-upload, resolve a
    /// name conflict by `on_conflict`, PUT the bytes (from a fresh
    /// request-upload after a 403, up to [`SESSIONS`] in all), check the
    /// file did not change meanwhile, confirm-upload.
    ///
    /// # Errors
    ///
    /// See [`UploadError`]; nothing is sent when the asset cannot be
    /// opened or its size changed, nothing is confirmed when it changed
    /// during the upload.
    pub async fn upload(
        &self,
        client: &Client,
        job: &UploadJob<'_>,
    ) -> Result<Uploaded, UploadError> {
        let path = job.asset.path.as_str();
        let opened = open_asset(job.root, job.asset).await?;
        let mut progress = Progress::new(job.progress);
        let mut requests = 1;
        let confirm = loop {
            match self.send(client, job, &opened, &mut progress).await {
                Ok(Sent::Confirm(confirm)) => break confirm,
                Ok(Sent::Skipped { conflict_file_id }) => {
                    tracing::debug!("`{path}`: `{}` exists; skipped", job.name);
                    return Ok(Uploaded::Skipped { conflict_file_id });
                }
                Err(UploadError::Expired { step, detail, .. }) if requests < SESSIONS => {
                    tracing::debug!(
                        "uploading `{path}`: the object store refused the {step} (403{detail}); asking for fresh presigned URLs"
                    );
                    requests += 1;
                    progress.start_over();
                }
                Err(UploadError::Expired {
                    path, step, detail, ..
                }) => {
                    return Err(UploadError::Expired {
                        path,
                        step,
                        detail,
                        requests,
                    });
                }
                Err(e) => return Err(e),
            }
        };
        opened.check_unchanged(path).await?;

        // Not idempotent: a second confirm of the same session may be
        // refused or make a second version, so a lost answer is reported
        // as unclear rather than retried.
        let answer = client
            .send(Request::post(
                paths::CONFIRM_UPLOAD,
                &Value::Object(confirm),
            ))
            .await
            .map_err(|source| remote(path, Step::Confirm, source))?;
        let file = parse_file(&answer.body).map_err(|detail| UploadError::Unexpected {
            path: path.to_owned(),
            step: Step::Confirm,
            detail,
        })?;
        tracing::debug!("`{path}` uploaded as file {}", file.id);
        Ok(Uploaded::File(file))
    }

    /// One session: request-upload, the conflict decision, every PUT;
    /// returns the confirm-upload body to send.
    async fn send(
        &self,
        client: &Client,
        job: &UploadJob<'_>,
        opened: &Opened,
        progress: &mut Progress<'_>,
    ) -> Result<Sent, UploadError> {
        let asset = job.asset;
        let path = asset.path.as_str();
        let request = json!({
            "filename": job.name,
            "file_name": job.name,
            "mime_type": asset.mime_type,
            "size": asset.size,
        });
        // An unconfirmed session is harmless, so a lost answer may be asked again.
        let answer = client
            .send(Request::post(paths::REQUEST_UPLOAD, &request).idempotent(true))
            .await
            .map_err(|source| remote(path, Step::RequestUpload, source))?;
        let session =
            Session::parse(&answer.body, asset.size).map_err(|detail| UploadError::Unexpected {
                path: path.to_owned(),
                step: Step::RequestUpload,
                detail,
            })?;

        let conflict_action = match (&session.conflict, job.replaces) {
            (None, None) => None,
            (None, Some(id)) => {
                return Err(UploadError::Unexpected {
                    path: path.to_owned(),
                    step: Step::RequestUpload,
                    detail: format!(
                        "file {id} was to get new content, but no file is named `{}` any more (renamed or deleted since it was read); plan again",
                        job.name
                    ),
                });
            }
            (Some(conflict), Some(id)) => {
                if let Some(other) = conflict.file_id.as_deref().filter(|other| *other != id) {
                    return Err(UploadError::Unexpected {
                        path: path.to_owned(),
                        step: Step::RequestUpload,
                        detail: format!(
                            "file {id} was to get new content, but the name `{}` belongs to file {other}",
                            job.name
                        ),
                    });
                }
                Some(match asset.on_conflict {
                    OnConflict::Version => CONFLICT_VERSION,
                    OnConflict::Skip | OnConflict::Overwrite => CONFLICT_OVERWRITE,
                })
            }
            (Some(conflict), None) => match asset.on_conflict {
                OnConflict::Skip => {
                    return Ok(Sent::Skipped {
                        conflict_file_id: conflict.file_id.clone(),
                    });
                }
                OnConflict::Overwrite => Some(CONFLICT_OVERWRITE),
                OnConflict::Version => Some(CONFLICT_VERSION),
            },
        };

        let mut confirm = Map::new();
        confirm.insert("file_path".into(), json!(session.file_path));
        let file_name = session.file_name.as_deref().unwrap_or(job.name);
        confirm.insert("file_name".into(), json!(file_name));
        confirm.insert("file_size".into(), json!(asset.size));
        let file = &opened.file;
        match &session.transfer {
            Transfer::Single { url } => {
                let range = ByteRange {
                    start: 0,
                    len: asset.size,
                };
                let step = Step::Put { part: None };
                let target = Target {
                    url,
                    range,
                    step,
                    form: None,
                };
                self.put(
                    client.transport(),
                    file,
                    target,
                    &asset.mime_type,
                    path,
                    progress,
                )
                .await?;
            }
            Transfer::Form { url, fields } => {
                let range = ByteRange {
                    start: 0,
                    len: asset.size,
                };
                let step = Step::Post;
                let target = Target {
                    url,
                    range,
                    step,
                    form: Some(fields),
                };
                let etag = self
                    .put(
                        client.transport(),
                        file,
                        target,
                        &asset.mime_type,
                        path,
                        progress,
                    )
                    .await?;
                let etag = etag_for_confirm(etag, path, step)?;
                confirm.insert(CONFIRM_ETAG_FIELD.into(), json!(etag.trim_matches('"')));
            }
            Transfer::Multipart { upload_id, parts } => {
                let mut etags = Vec::with_capacity(parts.len());
                // In part order, as the guide asks; `parts` is sorted, so
                // the confirm list is too. Each part's ETag is the one of
                // its last (successful) PUT.
                for part in parts {
                    let step = Step::Put {
                        part: Some(part.number),
                    };
                    let target = Target {
                        url: &part.url,
                        range: part.range,
                        step,
                        form: None,
                    };
                    let etag = self
                        .put(
                            client.transport(),
                            file,
                            target,
                            &asset.mime_type,
                            path,
                            progress,
                        )
                        .await?;
                    let etag = etag_for_confirm(etag, path, step)?;
                    etags.push(json!({ "part_number": part.number, "etag": etag }));
                }
                confirm.insert("upload_id".into(), json!(upload_id));
                confirm.insert("multipart".into(), Value::Array(etags));
            }
        }
        if let Some(action) = conflict_action {
            confirm.insert(CONFLICT_ACTION_FIELD.into(), json!(action));
        }
        if !job.metadata.is_empty() {
            confirm.insert("metadata".into(), Value::Object(job.metadata.clone()));
        }
        Ok(Sent::Confirm(confirm))
    }

    /// PUTs one byte range to a presigned URL, retrying what may pass on
    /// the same URL under the transport's policy and budget (a part sent
    /// again replaces the earlier one); returns the `ETag` header of the
    /// accepted PUT verbatim.
    async fn put(
        &self,
        transport: &Transport,
        file: &Arc<std::fs::File>,
        target: Target<'_>,
        mime_type: &str,
        path: &str,
        progress: &mut Progress<'_>,
    ) -> Result<Option<String>, UploadError> {
        let Target {
            url,
            range,
            step,
            form,
        } = target;
        let what = format!("uploading `{path}`: the {step}");
        // Object-store writes replace what they name: repeating one is harmless.
        let mut retries = transport.retries(true);
        let mut damaged_before = false;
        let mut last_status;
        loop {
            let sent = self.put_once(
                transport.store_attempt(),
                file,
                (url, form),
                mime_type,
                range,
                progress,
            );
            let failure = match sent.await {
                Ok(etag) => {
                    retries.succeeded();
                    progress.part_done(range.len);
                    return Ok(etag);
                }
                Err(failure) => failure,
            };
            let failure = match failure {
                // Twice in a row is not bad luck: this store's ETags are
                // not MD5s. Keep them verbatim from now on.
                PutFailure::Damaged { etag, .. } if damaged_before => {
                    tracing::debug!(
                        "uploading `{path}`: the object store's ETags are not MD5s of the bytes; keeping them verbatim"
                    );
                    self.opaque_etags
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    retries.succeeded();
                    progress.part_done(range.len);
                    return Ok(Some(etag));
                }
                PutFailure::Damaged { etag, sent } => {
                    damaged_before = true;
                    last_status = None;
                    Failure::Transient {
                        cause: format!(
                            "it was answered ETag {etag}, not the MD5 of the bytes sent ({sent})"
                        ),
                        sent: true,
                        wait: None,
                    }
                }
                PutFailure::Retry {
                    cause,
                    status,
                    wait,
                } => {
                    damaged_before = false;
                    last_status = status;
                    Failure::Transient {
                        cause,
                        sent: true,
                        wait,
                    }
                }
                PutFailure::Refused { cause, status } => {
                    return Err(UploadError::Store {
                        path: path.to_owned(),
                        step,
                        status,
                        cause: redact(&cause),
                    });
                }
                PutFailure::Expired { detail } => {
                    return Err(UploadError::Expired {
                        path: path.to_owned(),
                        step,
                        detail: redact(&detail),
                        requests: 1,
                    });
                }
                PutFailure::Local { cause } => {
                    return Err(UploadError::Read {
                        path: path.to_owned(),
                        cause,
                    });
                }
            };
            match retries
                .after::<std::convert::Infallible>(failure, &what)
                .await
            {
                Ok(()) => {}
                Err(Stop::GaveUp(gave_up)) => {
                    return Err(UploadError::Store {
                        path: path.to_owned(),
                        step,
                        status: last_status,
                        cause: gave_up.to_string(),
                    });
                }
                Err(Stop::Fatal(never)) => match never {},
            }
        }
    }

    async fn put_once(
        &self,
        http: &reqwest::Client,
        file: &Arc<std::fs::File>,
        (url, form): (&Secret, Option<&[(String, String)]>),
        mime_type: &str,
        range: ByteRange,
        progress: &mut Progress<'_>,
    ) -> Result<Option<String>, PutFailure> {
        let local = Arc::new(Mutex::new(None));
        // The body stream must be `'static`, the progress hook is not: the
        // stream tells this task what went out, and this task reports it.
        let (went_out, mut out) = tokio::sync::mpsc::unbounded_channel();
        let (digest_tx, digest) = tokio::sync::oneshot::channel();
        let body = reqwest::Body::wrap_stream(range_stream(
            Arc::clone(file),
            range,
            Arc::clone(&local),
            went_out,
            digest_tx,
        ));
        // A streamed body has no known length, so reqwest would send it
        // chunked, which S3 refuses (501); an explicit Content-Length
        // makes hyper send exactly that many bytes instead. A form's
        // length is known once every part's is, and reqwest sends it.
        let request = match form {
            None => http
                .put(url.expose())
                .header(CONTENT_TYPE, mime_type)
                .header(CONTENT_LENGTH, range.len)
                .body(body),
            Some(fields) => {
                let mut multipart = reqwest::multipart::Form::new();
                for (name, value) in fields {
                    multipart = multipart.text(name.clone(), value.clone());
                }
                // S3 reads the fields before the file and ignores any after it.
                let file_part = reqwest::multipart::Part::stream_with_length(body, range.len)
                    .file_name("file")
                    .mime_str(mime_type)
                    .map_err(|e| PutFailure::Refused {
                        cause: format!("the MIME type cannot be sent: {}", transport::cause(&e)),
                        status: None,
                    })?;
                http.post(url.expose())
                    .multipart(multipart.part(FORM_FILE_FIELD, file_part))
            }
        }
        .send();
        tokio::pin!(request);
        let mut in_attempt = 0;
        let sent = loop {
            tokio::select! {
                sent = &mut request => break sent,
                // Once the body is done the channel closes and this
                // branch is off until the answer comes.
                Some(len) = out.recv() => {
                    in_attempt += len;
                    progress.sent(in_attempt);
                }
            }
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                if let Some(cause) = local.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    return Err(PutFailure::Local { cause });
                }
                return Err(match Failure::of_error(&e, |cause| cause) {
                    Failure::Fatal(cause) => PutFailure::Refused {
                        cause: format!("the presigned URL is not usable: {cause}"),
                        status: None,
                    },
                    Failure::Transient { cause, wait, .. } => PutFailure::Retry {
                        cause,
                        status: None,
                        wait,
                    },
                });
            }
        };
        let status = response.status();
        if status.is_success() {
            let etag = response
                .headers()
                .get(ETAG)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            // Read to the end so the connection can be reused.
            let _ = response.bytes().await;
            // The reader finishes its MD5 right after the last chunk; a
            // reader that did not finish (never, after a whole body went
            // out) leaves nothing to check.
            let sent = digest.await.ok();
            return match (etag, sent) {
                (Some(tag), Some(sent)) if self.damaged(&tag, &sent) => {
                    Err(PutFailure::Damaged { etag: tag, sent })
                }
                (etag, _) => Ok(etag),
            };
        }
        let wait = transport::retry_after(response.headers());
        let detail = store_message(&response.bytes().await.unwrap_or_default());
        let code = status.as_u16();
        let cause = format!("the object store answered {status}{detail}");
        match status_class(code) {
            _ if code == 403 => Err(PutFailure::Expired { detail }),
            // The store has no limiter to pause: a 429 waits out a backoff,
            // or the `Retry-After` the store gives.
            StatusClass::RateLimited | StatusClass::Transient => Err(PutFailure::Retry {
                cause,
                status: Some(code),
                wait,
            }),
            StatusClass::Success | StatusClass::Final => Err(PutFailure::Refused {
                cause,
                status: Some(code),
            }),
        }
    }
}

impl Uploader {
    /// Whether `etag` says the store received other bytes than the ones
    /// whose MD5 is `sent`. Only an ETag of 32 hex digits is an MD5 (a
    /// multipart object's or an encrypted bucket's is not).
    fn damaged(&self, etag: &str, sent: &str) -> bool {
        let tag = etag.trim_matches('"');
        tag.len() == 32
            && tag.bytes().all(|b| b.is_ascii_hexdigit())
            && !tag.eq_ignore_ascii_case(sent)
            && !self.opaque_etags.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The `ETag` a store answered, which confirm-upload needs.
fn etag_for_confirm(etag: Option<String>, path: &str, step: Step) -> Result<String, UploadError> {
    etag.ok_or_else(|| UploadError::Store {
        path: path.to_owned(),
        step,
        status: None,
        cause: "the answer has no `ETag` header, which confirm-upload needs".into(),
    })
}

fn remote(path: &str, step: Step, source: RemoteError) -> UploadError {
    UploadError::Remote {
        path: path.to_owned(),
        step,
        source,
    }
}

/// What one session ends with.
enum Sent {
    /// Every byte is accepted: confirm-upload's body.
    Confirm(Map<String, Value>),
    /// Another file has the name and the asset says `on_conflict: skip`.
    Skipped { conflict_file_id: Option<String> },
}

/// One PUT: a byte range of the file to a presigned URL; or with `form`,
/// the whole file POSTed after those form fields.
#[derive(Clone, Copy)]
struct Target<'u> {
    url: &'u Secret,
    range: ByteRange,
    step: Step,
    form: Option<&'u [(String, String)]>,
}

/// What the job's progress hook has been told: the furthest point of any
/// pass over the file. Each pass (session) sends its ranges in order
/// from byte 0, so bytes sent again are reported only once they go
/// beyond that point, and the reports of one upload add up to at most its
/// size, and to exactly that once every byte of one pass is accepted.
struct Progress<'a> {
    hook: Option<&'a (dyn Fn(u64) + Sync)>,
    reported: u64,
    /// Bytes of this pass's accepted PUTs.
    accepted: u64,
}

impl<'a> Progress<'a> {
    fn new(hook: Option<&'a (dyn Fn(u64) + Sync)>) -> Self {
        Self {
            hook,
            reported: 0,
            accepted: 0,
        }
    }

    /// The current PUT has sent `in_attempt` bytes of its range.
    fn sent(&mut self, in_attempt: u64) {
        let reached = self.accepted + in_attempt;
        if reached > self.reported {
            if let Some(hook) = self.hook {
                hook(reached - self.reported);
            }
            self.reported = reached;
        }
    }

    /// The current PUT, of `len` bytes, was accepted.
    fn part_done(&mut self, len: u64) {
        self.accepted += len;
        self.sent(0);
    }

    /// A fresh session sends every byte again, from byte 0.
    fn start_over(&mut self) {
        self.accepted = 0;
    }
}

/// Why one PUT attempt failed.
enum PutFailure {
    /// Worth another attempt on the same URL, after `wait` where the
    /// store asked for one.
    Retry {
        cause: String,
        status: Option<u16>,
        wait: Option<std::time::Duration>,
    },
    /// The store will answer the same again.
    Refused {
        cause: String,
        status: Option<u16>,
    },
    Expired {
        detail: String,
    },
    /// Reading the asset failed; the store is not to blame.
    Local {
        cause: String,
    },
    /// Accepted, but the ETag is an MD5 of other bytes than were sent:
    /// damaged on the way. Sending the part again replaces it.
    Damaged {
        etag: String,
        sent: String,
    },
}

/// The asset, open, and how it looked when it was opened.
struct Opened {
    file: Arc<std::fs::File>,
    /// The catalog directory, to look at the path again.
    dir: Arc<Dir>,
    rel: String,
    at_open: Stamp,
}

/// What tells a changed file: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    /// `None` where the platform keeps no modification time.
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(metadata: &cap_std::fs::Metadata) -> Self {
        Self {
            size: metadata.len(),
            modified: metadata
                .modified()
                .ok()
                .map(cap_std::time::SystemTime::into_std),
        }
    }

    /// How `now` differs from `self`, in words; `None` when it does not.
    fn change(self, now: Self, place: &str) -> Option<String> {
        if self.size != now.size {
            Some(format!(
                "{place} is {} bytes, not {} as when it was opened",
                now.size, self.size
            ))
        } else if self.modified != now.modified {
            Some(format!("{place} has a new modification time"))
        } else {
            None
        }
    }
}

impl Opened {
    /// Compares the open file and the file now at its path with how the
    /// file was at the open.
    async fn check_unchanged(&self, path: &str) -> Result<(), UploadError> {
        let file = Arc::clone(&self.file);
        let dir = Arc::clone(&self.dir);
        let rel = self.rel.clone();
        let now = tokio::task::spawn_blocking(move || {
            let open = cap_std::fs::File::from_std(file.try_clone()?).metadata()?;
            let at_path = dir.metadata(&rel);
            io::Result::Ok((Stamp::of(&open), at_path.map(|m| Stamp::of(&m))))
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e.to_string())));
        let changed = |detail: String| UploadError::ChangedWhileUploading {
            path: path.to_owned(),
            detail,
        };
        let (open, at_path) = now.map_err(|e| changed(format!("cannot look at it again: {e}")))?;
        if let Some(detail) = self.at_open.change(open, "the open file") {
            return Err(changed(detail));
        }
        match at_path {
            Ok(at_path) => match self.at_open.change(at_path, "the file at its path") {
                Some(detail) => Err(changed(detail)),
                None => Ok(()),
            },
            Err(e) => Err(changed(format!("the file at its path: {e}"))),
        }
    }
}

/// Opens the asset inside `root` (no escape) and checks its length.
async fn open_asset(root: &Path, asset: &Asset) -> Result<Opened, UploadError> {
    let open_error = |source: io::Error| UploadError::Open {
        path: asset.path.clone(),
        root: root.to_path_buf(),
        source,
    };
    let dir_path = root.to_path_buf();
    let rel = asset.path.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let dir = Dir::open_ambient_dir(&dir_path, ambient_authority())?;
        let file = dir.open(&rel)?;
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
    Ok(Opened {
        file: Arc::new(file),
        dir: Arc::new(dir),
        rel: asset.path.clone(),
        at_open: Stamp::of(&metadata),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRange {
    start: u64,
    len: u64,
}

/// The bytes of `range`, read from `file` a chunk at a time by a
/// blocking task that stays up to [`READ_AHEAD`] chunks ahead of the send
/// and takes their MD5 on the way (sent to `digest` after the last
/// chunk). Reads are positional, so an earlier attempt's reader still
/// winding down cannot move this one's offset; a dropped body stops its
/// reader. A read failure is also left in `failure`: the HTTP error that
/// follows does not say whose fault it was. The length of each chunk
/// handed to the connection is sent to `went_out`.
fn range_stream(
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

/// `: Code: Message` from an S3 error document, or nothing.
fn store_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    let mut out = String::new();
    for part in [element("Code"), element("Message")].into_iter().flatten() {
        if !part.is_empty() {
            out.push_str(": ");
            out.push_str(&part);
        }
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    redact(&out)
}

/// A request-upload answer, read defensively: the guide shows fields
/// without always saying where they sit.
#[derive(Debug)]
struct Session {
    file_path: String,
    file_name: Option<String>,
    transfer: Transfer,
    conflict: Option<Conflict>,
}

#[derive(Debug)]
enum Transfer {
    Single {
        url: Secret,
    },
    /// Parts sorted by number, covering the file exactly.
    Multipart {
        upload_id: String,
        parts: Vec<Part>,
    },
    /// A presigned POST: the fields to send before the file, as given.
    Form {
        url: Secret,
        fields: Vec<(String, String)>,
    },
}

#[derive(Debug)]
struct Part {
    number: u32,
    url: Secret,
    range: ByteRange,
}

#[derive(Debug, PartialEq, Eq)]
struct Conflict {
    file_id: Option<String>,
}

impl Session {
    fn parse(body: &[u8], size: u64) -> Result<Self, String> {
        let answer: Value =
            serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
        let outer = answer
            .as_object()
            .ok_or("the answer is not a JSON object")?;
        let data = match outer.get("upload_data") {
            Some(Value::Object(data)) => data,
            None | Some(Value::Null) => outer,
            Some(_) => return Err("`upload_data` is not an object".into()),
        };
        let file_path = text(data.get("file_path"))
            .or_else(|| text(outer.get("file_path")))
            .ok_or("the answer has no `file_path`")?;
        let file_name = text(data.get("file_name"));
        let transfer = match data.get("upload_type").and_then(Value::as_str) {
            _ if data.get(FORM_FIELDS_FIELD).is_some_and(Value::is_object) => form(data)?,
            Some("multipart") => multipart(data, size)?,
            Some("single" | "standard") => single(data)?,
            Some(other) => return Err(format!("unknown `upload_type` `{other}`")),
            None if data.get("parts").is_some_and(Value::is_array) => multipart(data, size)?,
            None => single(data)?,
        };
        Ok(Self {
            file_path,
            file_name,
            transfer,
            conflict: conflict(data, outer),
        })
    }
}

/// `is_conflict` and `conflict_file_id` inside `upload_data` or beside it.
fn conflict(data: &Map<String, Value>, outer: &Map<String, Value>) -> Option<Conflict> {
    let places = [data, outer];
    let flags: Vec<bool> = places
        .iter()
        .filter_map(|o| o.get("is_conflict").and_then(codec::read_bool))
        .collect();
    let file_id = places.iter().find_map(|o| text(o.get("conflict_file_id")));
    let is_conflict = if flags.is_empty() {
        file_id.is_some()
    } else {
        flags.contains(&true)
    };
    is_conflict.then_some(Conflict { file_id })
}

/// A presigned POST form: `upload_url` (or `url`) and the `fields` to
/// send with their values unchanged (a signature covers them).
fn form(data: &Map<String, Value>) -> Result<Transfer, String> {
    let url = text(data.get("upload_url"))
        .or_else(|| text(data.get("url")))
        .ok_or("the form answer has no `upload_url` or `url`")?;
    let mut fields = Vec::new();
    for (name, value) in data
        .get("fields")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = codec::read_text(value).ok_or(format!("form field `{name}` is not text"))?;
        fields.push((name.clone(), value));
    }
    if fields.iter().any(|(name, _)| name == FORM_FILE_FIELD) {
        return Err(format!("the form already has a `{FORM_FILE_FIELD}` field"));
    }
    Ok(Transfer::Form {
        url: Secret::new(url),
        fields,
    })
}

fn single(data: &Map<String, Value>) -> Result<Transfer, String> {
    let url = text(data.get("upload_url")).ok_or("the answer has no `upload_url`")?;
    Ok(Transfer::Single {
        url: Secret::new(url),
    })
}

fn multipart(data: &Map<String, Value>, size: u64) -> Result<Transfer, String> {
    let upload_id = text(data.get("upload_id")).ok_or("the multipart answer has no `upload_id`")?;
    let listed = data
        .get("parts")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or("the multipart answer has no `parts`")?;
    let mut parts = Vec::with_capacity(listed.len());
    for (i, p) in listed.iter().enumerate() {
        let field =
            |name: &str| number(p.get(name)).ok_or(format!("part {} has no `{name}`", i + 1));
        let number = u32::try_from(field("part_number")?)
            .map_err(|_| format!("part {} has an invalid `part_number`", i + 1))?;
        let url = text(p.get("upload_url")).ok_or(format!("part {number} has no `upload_url`"))?;
        let start = field("start_byte")?;
        let end = field("end_byte")?;
        if end < start {
            return Err(format!("part {number} ends before it starts"));
        }
        parts.push(Part {
            number,
            url: Secret::new(url),
            range: ByteRange {
                start,
                len: end - start + 1,
            },
        });
    }
    parts.sort_by_key(|p| p.number);
    // Gaps or overlaps would make the confirmed object differ from the
    // file; better to stop before sending a byte.
    let mut next = 0;
    for part in &parts {
        if part.range.start != next {
            return Err(format!(
                "the parts do not cover the {size} bytes in order (part {} starts at byte {}, expected {next})",
                part.number, part.range.start
            ));
        }
        next = part.range.start + part.range.len;
    }
    if next != size {
        return Err(format!(
            "the parts cover {next} bytes but the file has {size}"
        ));
    }
    Ok(Transfer::Multipart { upload_id, parts })
}

/// A non-empty string, or a number as text (ids come both ways).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A non-negative integer, or one written as a string.
fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// confirm-upload's answer: the file, or the file under `file` or `data`.
fn parse_file(body: &[u8]) -> Result<LiveFile, String> {
    // serde's messages may quote a value, such as a download URL.
    let direct = serde_json::from_slice::<LiveFile>(body).map_err(|e| redact(&e.to_string()));
    match direct {
        Ok(file) => Ok(file),
        Err(error) => {
            let value: Value = serde_json::from_slice(body).map_err(|_| error.clone())?;
            ["file", "data"]
                .iter()
                .find_map(|k| {
                    value
                        .get(k)
                        .filter(|v| v.is_object())
                        .and_then(|v| serde_json::from_value::<LiveFile>(v.clone()).ok())
                })
                .ok_or(format!("the answer is not a file: {error}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_is_read_inside_or_beside_upload_data() {
        let inside =
            br#"{"upload_data": {"upload_type": "single", "upload_url": "http://s/x?sig=1",
            "file_path": "p", "is_conflict": true, "conflict_file_id": 42}}"#;
        let s = Session::parse(inside, 5).expect("parses");
        assert_eq!(
            s.conflict,
            Some(Conflict {
                file_id: Some("42".into())
            })
        );
        let beside = br#"{"upload_data": {"upload_url": "http://s/x", "file_path": "p"},
            "is_conflict": "true", "conflict_file_id": "f-1"}"#;
        let s = Session::parse(beside, 5).expect("parses");
        assert_eq!(
            s.conflict,
            Some(Conflict {
                file_id: Some("f-1".into())
            })
        );
        let none = br#"{"upload_data": {"upload_type": "standard", "upload_url": "http://s/x",
            "file_path": "p", "is_conflict": false}}"#;
        assert_eq!(Session::parse(none, 5).expect("parses").conflict, None);
    }

    #[test]
    fn multipart_parts_are_sorted_and_must_cover_the_file() {
        let body =
            br#"{"upload_data": {"upload_type": "multipart", "upload_id": "u", "file_path": "p",
            "parts": [
              {"part_number": 2, "upload_url": "http://s/2", "start_byte": "4", "end_byte": 9},
              {"part_number": 1, "upload_url": "http://s/1", "start_byte": 0, "end_byte": 3}]}}"#;
        let s = Session::parse(body, 10).expect("parses");
        let Transfer::Multipart { upload_id, parts } = s.transfer else {
            panic!("multipart expected");
        };
        assert_eq!(upload_id, "u");
        let ranges: Vec<_> = parts.iter().map(|p| (p.number, p.range)).collect();
        assert_eq!(
            ranges,
            [
                (1, ByteRange { start: 0, len: 4 }),
                (2, ByteRange { start: 4, len: 6 })
            ]
        );
        let short = Session::parse(body, 11).expect_err("10 bytes covered of 11");
        assert!(short.contains("cover 10 bytes"), "{short}");
        let gap =
            br#"{"upload_data": {"upload_type": "multipart", "upload_id": "u", "file_path": "p",
            "parts": [
              {"part_number": 1, "upload_url": "http://s/1", "start_byte": 0, "end_byte": 3},
              {"part_number": 2, "upload_url": "http://s/2", "start_byte": 5, "end_byte": 9}]}}"#;
        let gap = Session::parse(gap, 10).expect_err("gap");
        assert!(gap.contains("part 2 starts at byte 5"), "{gap}");
    }

    #[test]
    fn odd_answers_are_refused_without_quoting_urls() {
        for (body, expect) in [
            (&br#"{"upload_data": {"file_path": "p"}}"#[..], "`upload_url`"),
            (br#"{"upload_data": {"upload_url": "http://s/x?X-Amz-Signature=abc"}}"#, "`file_path`"),
            (br#"{"upload_data": {"upload_type": "chunky", "upload_url": "u", "file_path": "p"}}"#, "`chunky`"),
            (br#"[1]"#, "not a JSON object"),
        ] {
            let e = Session::parse(body, 3).expect_err("refused");
            assert!(e.contains(expect), "{e}");
            assert!(!e.contains("abc"), "{e}");
        }
    }

    #[test]
    fn a_presigned_post_form_is_read_whatever_its_upload_type() {
        let body = br#"{"upload_data": {"upload_type": "post", "upload_url": "http://s/u?sig=1",
            "fields": {"key": "s3path/temp/u1/a.png", "policy": "eyJ9", "x-sig": "ff"},
            "file_path": "s3path/temp/u1/a.png", "file_name": "a.png"}}"#;
        let session = Session::parse(body, 3).expect("a form");
        let Transfer::Form { url, fields } = &session.transfer else {
            panic!("not a form: {session:?}");
        };
        assert_eq!(url.expose(), "http://s/u?sig=1");
        assert_eq!(
            fields,
            &[
                ("key".to_owned(), "s3path/temp/u1/a.png".to_owned()),
                ("policy".to_owned(), "eyJ9".to_owned()),
                ("x-sig".to_owned(), "ff".to_owned()),
            ]
        );
        let other = br#"{"url": "http://s/u", "fields": {"key": "k"}, "file_path": "k"}"#;
        assert!(matches!(
            Session::parse(other, 3)
                .expect("a form without upload_data")
                .transfer,
            Transfer::Form { .. }
        ));
        let clash = br#"{"url": "http://s/u", "fields": {"file": "x"}, "file_path": "k"}"#;
        assert!(Session::parse(clash, 3).is_err());
    }

    #[test]
    fn session_debug_never_shows_a_presigned_url() {
        let body = br#"{"upload_data": {"upload_url": "http://s/x?X-Amz-Signature=s3cr3t", "file_path": "p"}}"#;
        let s = Session::parse(body, 3).expect("parses");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn progress_reports_each_byte_once_across_retries_and_fresh_sessions() {
        let reports = Mutex::new(Vec::new());
        let hook = |n: u64| reports.lock().expect("lock").push(n);
        let mut p = Progress::new(Some(&hook));
        // Part 1 (10 bytes): 6 out, the attempt fails, 4 out again, then all.
        p.sent(6);
        p.sent(4);
        p.sent(10);
        p.part_done(10);
        // Part 2: 5 of 10 out, then a 403 and a fresh session from byte 0.
        p.sent(5);
        p.start_over();
        p.sent(10);
        p.part_done(10);
        p.sent(3);
        p.sent(10);
        p.part_done(10);
        assert_eq!(*reports.lock().expect("lock"), [6, 4, 5, 5]);
        let mut quiet = Progress::new(None);
        quiet.sent(5);
        quiet.part_done(5);
        assert_eq!(quiet.reported, 5);
    }

    #[test]
    fn store_errors_are_read_from_s3_documents() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(store_message(body), ": AccessDenied: Request has expired");
        assert_eq!(store_message(b""), "");
    }

    /// A tiny object store: answers the scripted statuses in turn, then
    /// 200 with an ETag; records each request's length headers and body.
    mod store {
        use std::sync::{Arc, Mutex};

        use axum::body::Bytes;
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::put;

        #[derive(Debug, Default)]
        pub(super) struct Seen {
            pub content_length: Option<String>,
            pub chunked: bool,
            pub body: Vec<u8>,
        }

        pub(super) async fn start(mut statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Seen>>>) {
            statuses.reverse();
            let script = Arc::new(Mutex::new(statuses));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = Arc::clone(&seen);
            let app = axum::Router::new().route(
                "/obj",
                put(move |headers: HeaderMap, body: Bytes| {
                    let script = Arc::clone(&script);
                    let log = Arc::clone(&log);
                    async move {
                        log.lock().expect("lock").push(Seen {
                            content_length: headers
                                .get("content-length")
                                .map(|v| v.to_str().expect("ascii").to_owned()),
                            chunked: headers.contains_key("transfer-encoding"),
                            body: body.to_vec(),
                        });
                        let status = script.lock().expect("lock").pop().unwrap_or(200);
                        let status = StatusCode::from_u16(status).expect("status");
                        if status.is_success() {
                            (status, [("etag", "\"abc\"")], String::new())
                        } else {
                            (
                                status,
                                [("content-type", "application/xml")],
                                "<Error><Code>Nope</Code><Message>Request has expired</Message></Error>".to_owned(),
                            )
                        }
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });
            (format!("http://{addr}/obj?X-Amz-Signature=topsecret"), seen)
        }
    }

    fn temp_file(bytes: &[u8]) -> (tempfile::TempDir, Arc<std::fs::File>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.bin");
        std::fs::write(&path, bytes).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        (dir, Arc::new(file))
    }

    /// A transport with the default budget and millisecond backoff.
    fn test_transport() -> Transport {
        use std::time::Duration;
        let policy = crate::remote::retry::RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            ..crate::remote::retry::RetryPolicy::DEFAULT
        };
        Transport::new(Duration::from_secs(10), 1, policy).expect("transport")
    }

    /// A plain-text PUT of the first `len` bytes of `file` to `url` (a
    /// part when `part` is set), reported as the asset `path`.
    async fn put_head(
        file: &Arc<std::fs::File>,
        url: String,
        len: u64,
        part: Option<u32>,
        path: &str,
    ) -> Result<Option<String>, UploadError> {
        Uploader::new()
            .put(
                &test_transport(),
                file,
                Target {
                    url: &Secret::new(url),
                    range: ByteRange { start: 0, len },
                    step: Step::Put { part },
                    form: None,
                },
                "text/plain",
                path,
                &mut Progress::new(None),
            )
            .await
    }

    #[tokio::test]
    async fn a_part_put_sends_its_exact_range_with_content_length_and_retries_5xx() {
        let data: Vec<u8> = (0..800_000u32).map(|i| (i % 251) as u8).collect();
        let (_dir, file) = temp_file(&data);
        let (url, seen) = store::start(vec![503, 500]).await;
        let uploader = Uploader::new();
        let range = ByteRange {
            start: 70_000,
            len: 600_000,
        };
        let reports = Mutex::new(Vec::new());
        let hook = |n: u64| reports.lock().expect("lock").push(n);
        let etag = uploader
            .put(
                &test_transport(),
                &file,
                Target {
                    url: &Secret::new(url),
                    range,
                    step: Step::Put { part: Some(2) },
                    form: None,
                },
                "image/png",
                "a.bin",
                &mut Progress::new(Some(&hook)),
            )
            .await
            .expect("put");
        let reports = reports.into_inner().expect("lock");
        assert!(reports.len() > 1, "chunk by chunk: {reports:?}");
        assert_eq!(
            reports.iter().sum::<u64>(),
            600_000,
            "the bytes of the failed attempts are not counted again: {reports:?}"
        );
        assert_eq!(
            etag.as_deref(),
            Some("\"abc\""),
            "kept verbatim, quotes and all"
        );
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 3, "two 5xx, then success");
        for s in seen.iter() {
            assert_eq!(s.content_length.as_deref(), Some("600000"));
            assert!(!s.chunked, "never chunked");
            assert_eq!(s.body, &data[70_000..670_000]);
        }
    }

    #[tokio::test]
    async fn a_403_is_not_retried_and_the_error_hides_the_url() {
        let (_dir, file) = temp_file(b"hello");
        let (url, seen) = store::start(vec![403]).await;
        let err = put_head(&file, url, 5, None, "docs/a.txt")
            .await
            .expect_err("403");
        assert!(err.is_expired(), "{err}");
        assert_eq!(seen.lock().expect("lock").len(), 1, "not retried");
        let text = format!("{err} {err:?}");
        assert!(text.contains("docs/a.txt"), "{text}");
        assert!(text.contains("PUT of the bytes"), "{text}");
        assert!(text.contains("Request has expired"), "{text}");
        assert!(
            !text.contains("topsecret") && !text.contains("/obj"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_dead_store_fails_after_the_retries_without_quoting_the_url() {
        let (_dir, file) = temp_file(b"hello");
        // Bound then dropped: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let url = format!("http://127.0.0.1:{port}/obj?X-Amz-Signature=topsecret");
        let err = put_head(&file, url, 5, Some(1), "a.txt")
            .await
            .expect_err("no store");
        let text = format!("{err} {err:?}");
        let attempts = crate::remote::retry::RetryPolicy::DEFAULT.max_retries + 1;
        assert!(
            text.contains(&format!("after {attempts} attempt(s)")),
            "{text}"
        );
        assert!(!text.contains("topsecret"), "{text}");
    }

    #[tokio::test]
    async fn a_file_that_shrinks_mid_upload_is_a_read_error_not_a_retry() {
        let (_dir, file) = temp_file(b"hello");
        let (url, seen) = store::start(vec![]).await;
        let err = put_head(&file, url, 50, None, "a.txt")
            .await
            .expect_err("short file");
        assert!(matches!(err, UploadError::Read { .. }), "{err}");
        assert!(
            err.to_string().contains("changed since it was checked"),
            "{err}"
        );
        assert!(
            seen.lock().expect("lock").is_empty(),
            "the store never got a whole body"
        );
    }
}
