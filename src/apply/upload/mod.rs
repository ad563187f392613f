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
//! This module is the protocol and what the uploader decides (a name
//! conflict by `on_conflict`, a fresh session after a 403, nothing
//! confirmed for a file that changed), and the only surface the rest of
//! `apply` uses. The parts it runs: reading the API's answers (`session`),
//! the object-store PUT or form POST (`store`), the asset's bytes from
//! disk (`source`), what the progress hook is told (`progress`), and why
//! an upload failed (`error`).

mod error;
mod progress;
mod session;
mod source;
mod store;

pub use error::{Step, UploadError};

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value, json};

use self::progress::Progress;
use self::session::{Conflict, Session, Transfer};
use self::source::{ByteRange, OpenedAsset};
use self::store::{ObjectStore, Target, etag_for_confirm};
use crate::api::names::{
    CONFIRM_ETAG_FIELD, CONFLICT_ACTION_FIELD, CONFLICT_OVERWRITE, CONFLICT_VERSION,
};
use crate::api::paths;
use crate::catalog::model::{Asset, OnConflict};
use crate::remote::wire::LiveFile;
use crate::remote::{Client, RemoteError, Request};

/// request-uploads per upload: the first, and fresh ones after a 403.
const SESSIONS: u32 = 3;

/// Uploads assets, through the transport of the client each upload is
/// given; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Uploader {
    /// What the run's uploads have learnt of the store's ETags.
    store: ObjectStore,
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

/// What one session ends with.
enum Sent {
    /// Every byte is accepted: confirm-upload's body.
    Confirm(Map<String, Value>),
    /// Another file has the name and the asset says `on_conflict: skip`.
    Skipped { conflict_file_id: Option<String> },
}

/// What the name request-upload was asked for means for the upload.
enum OnName {
    /// Send the bytes, and confirm with this `conflict_action`, if any.
    Send(Option<&'static str>),
    /// Another file has the name and the asset says `on_conflict: skip`.
    Skip { conflict_file_id: Option<String> },
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
        let opened = OpenedAsset::open(job.root, job.asset).await?;
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
        let file =
            session::confirmed_file(&answer.body).map_err(|detail| UploadError::Unexpected {
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
        opened: &OpenedAsset,
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
        let conflict_action = match on_name(session.conflict.as_ref(), job)? {
            OnName::Send(action) => action,
            OnName::Skip { conflict_file_id } => return Ok(Sent::Skipped { conflict_file_id }),
        };

        let mut confirm = Map::new();
        confirm.insert("file_path".into(), json!(session.file_path));
        let file_name = session.file_name.as_deref().unwrap_or(job.name);
        confirm.insert("file_name".into(), json!(file_name));
        confirm.insert("file_size".into(), json!(asset.size));
        let whole = ByteRange {
            start: 0,
            len: asset.size,
        };
        match &session.transfer {
            Transfer::Single { url } => {
                let target = Target {
                    url,
                    range: whole,
                    step: Step::Put { part: None },
                    form: None,
                };
                self.put(client, job, opened, target, progress).await?;
            }
            Transfer::Form { url, fields } => {
                let step = Step::Post;
                let target = Target {
                    url,
                    range: whole,
                    step,
                    form: Some(fields),
                };
                let etag = self.put(client, job, opened, target, progress).await?;
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
                    let etag = self.put(client, job, opened, target, progress).await?;
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

    /// One PUT (or form POST) of the job's open asset, through `client`'s
    /// transport.
    async fn put(
        &self,
        client: &Client,
        job: &UploadJob<'_>,
        opened: &OpenedAsset,
        target: Target<'_>,
        progress: &mut Progress<'_>,
    ) -> Result<Option<String>, UploadError> {
        self.store
            .put(
                client.transport(),
                opened.file(),
                target,
                &job.asset.mime_type,
                &job.asset.path,
                progress,
            )
            .await
    }
}

/// The conflict policy. A file this upload replaces must be the one that
/// holds the name, and its conflict is answered with `overwrite`
/// (`version` when the asset asks for versions); any other file's goes by
/// `on_conflict`.
fn on_name(conflict: Option<&Conflict>, job: &UploadJob<'_>) -> Result<OnName, UploadError> {
    let asset = job.asset;
    let unexpected = |detail| UploadError::Unexpected {
        path: asset.path.clone(),
        step: Step::RequestUpload,
        detail,
    };
    let action = match (conflict, job.replaces) {
        (None, None) => None,
        (None, Some(id)) => {
            return Err(unexpected(format!(
                "file {id} was to get new content, but no file is named `{}` any more (renamed or deleted since it was read); plan again",
                job.name
            )));
        }
        (Some(conflict), Some(id)) => {
            if let Some(other) = conflict.file_id.as_deref().filter(|other| *other != id) {
                return Err(unexpected(format!(
                    "file {id} was to get new content, but the name `{}` belongs to file {other}",
                    job.name
                )));
            }
            Some(match asset.on_conflict {
                OnConflict::Version => CONFLICT_VERSION,
                OnConflict::Skip | OnConflict::Overwrite => CONFLICT_OVERWRITE,
            })
        }
        (Some(conflict), None) => match asset.on_conflict {
            OnConflict::Skip => {
                return Ok(OnName::Skip {
                    conflict_file_id: conflict.file_id.clone(),
                });
            }
            OnConflict::Overwrite => Some(CONFLICT_OVERWRITE),
            OnConflict::Version => Some(CONFLICT_VERSION),
        },
    };
    Ok(OnName::Send(action))
}

fn remote(path: &str, step: Step, source: RemoteError) -> UploadError {
    UploadError::Remote {
        path: path.to_owned(),
        step,
        source,
    }
}
