//! Why an upload failed, and in which of its steps. Every message names
//! the asset's catalog path; none quotes a presigned URL.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::remote::RemoteError;

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
