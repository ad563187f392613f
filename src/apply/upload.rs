//! Placeholder until the upload module lands.
use std::path::Path;

use serde_json::{Map, Value};

use crate::catalog::model::Asset;
use crate::remote::wire::LiveFile;
use crate::remote::{Client, RemoteError};

pub struct Uploader;
pub struct UploadJob<'a> {
    pub root: &'a Path,
    pub asset: &'a Asset,
    pub name: &'a str,
    pub metadata: Map<String, Value>,
}
#[allow(clippy::large_enum_variant)]
pub enum Uploaded {
    File(LiveFile),
    Skipped { conflict_file_id: Option<String> },
}
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("uploads are not built yet")]
    Unbuilt,
}
impl UploadError {
    pub fn is_unclear(&self) -> bool {
        matches!(self, Self::Remote(RemoteError::Unclear { .. }))
    }
}
impl Uploader {
    pub fn new() -> Result<Self, UploadError> {
        Ok(Self)
    }
    pub async fn upload(
        &self,
        _client: &Client,
        _job: &UploadJob<'_>,
    ) -> Result<Uploaded, UploadError> {
        Err(UploadError::Unbuilt)
    }
}
