//! `App`: the shared state every handler and middleware reads.

use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;

use super::api_error::ApiError;
use super::blobs::BlobStore;
use super::config::{Credentials, UploadConfig};
use super::db::{Change, Db, Record};
use super::faults::Faults;
use super::ids::IdGen;
use super::kind::Kind;
use super::limit::Limiter;
use super::presign::Signer;
use super::processing::Processing;
use super::readings::Readings;
use super::render::Renderer;
use super::stats::{Stats, StatsSnapshot};
use super::validate::PublishedDates;

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
    pub readings: Readings,
    /// Files whose by-id routes answer 404 for a while after a confirm
    /// (`Readings::processing_delay`).
    pub processing: Processing,
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

    /// Stores one created or updated object: the write every route makes.
    pub(crate) fn put(db: &mut Db, kind: Kind, record: &Record) -> Result<(), ApiError> {
        Self::commit(
            db,
            vec![Change::Put {
                kind,
                record: record.clone(),
            }],
        )
    }

    /// The object `id` of `kind`, or the API's 404.
    pub(crate) fn require<'a>(db: &'a Db, kind: Kind, id: &str) -> Result<&'a Record, ApiError> {
        db.state()
            .get(kind, id)
            .ok_or_else(|| ApiError::not_found(kind, id))
    }

    /// The 404 a file answers on its by-id routes while it is still
    /// processing; `Ok` for every other object.
    pub(crate) fn available(&self, kind: Kind, id: &str) -> Result<(), ApiError> {
        if kind == Kind::File && self.processing.is_processing(id) {
            return Err(ApiError::not_found(kind, id));
        }
        Ok(())
    }

    /// How request bodies may write `published_start_date` / `published_end_date`.
    pub(crate) fn published_dates(&self) -> PublishedDates {
        if self.readings.strict_dates {
            PublishedDates::DateTime
        } else {
            PublishedDates::DateOrDateTime
        }
    }

    pub(crate) fn renderer<'a>(&'a self, db: &'a Db) -> Renderer<'a> {
        Renderer {
            state: db.state(),
            base_url: &self.base_url,
            signer: &self.signer,
            file_values: self.readings.file_list_values,
        }
    }

    /// What `GET /_sandbox/stats` answers now.
    pub(crate) fn stats_snapshot(&self) -> StatsSnapshot {
        let mut snapshot = self.stats.snapshot(self.db().state());
        snapshot.files_processing = self.processing.count();
        snapshot
    }
}
