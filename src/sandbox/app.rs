//! `App`: the shared state every handler and middleware reads.

use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;

use super::api_error::ApiError;
use super::blobs::BlobStore;
use super::config::{Credentials, UploadConfig};
use super::db::{Change, Db};
use super::faults::Faults;
use super::ids::IdGen;
use super::limit::Limiter;
use super::presign::Signer;
use super::render::Renderer;
use super::stats::Stats;

#[derive(Debug)]
pub(crate) struct App {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub credentials: Credentials,
    pub token: String,
    pub signer: Signer,
    pub db: Mutex<Db>,
    pub blobs: BlobStore,
    pub ids: IdGen,
    pub limiter: Option<Limiter>,
    pub faults: Faults,
    pub stats: Stats,
    pub uploads: UploadConfig,
}

impl App {
    pub(crate) fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn now() -> Timestamp {
        Timestamp::now()
    }

    /// Commits through a held lock, mapping a journal failure to a 500.
    pub(crate) fn commit(db: &mut Db, changes: Vec<Change>) -> Result<(), ApiError> {
        db.commit(changes)
            .map_err(|e| ApiError::internal(format!("cannot journal the change: {e}")))
    }

    pub(crate) fn renderer<'a>(&'a self, db: &'a Db) -> Renderer<'a> {
        Renderer {
            state: db.state(),
            base_url: &self.base_url,
            signer: &self.signer,
        }
    }
}
