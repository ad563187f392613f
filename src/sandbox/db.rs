//! The sandbox's state and the only way to change it: a batch of
//! `Change`s, written to the journal (when persisting) and then applied.
//! Pure data: no HTTP, no validation (see `validate`), no rendering.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::kind::Kind;
use super::persist::Journal;

/// One stored object: its wire fields plus what the sandbox tracks beside them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    pub id: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Wire fields other than `id`, timestamps and attribute values.
    pub fields: Map<String, Value>,
    /// Attribute values by attribute id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, Value>,
    /// Key of the blob holding a file's bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Record {
    pub(crate) fn new(id: String, now: Timestamp) -> Self {
        Record {
            id,
            created_at: now,
            updated_at: now,
            fields: Map::new(),
            values: BTreeMap::new(),
            content: None,
        }
    }

    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// The string items of an array field (`region_ids`, `direct_parent`, ...),
    /// or the `id`s of an array of `{ "id": ... }` objects (a file's `collections`).
    pub(crate) fn id_list(&self, name: &str) -> Vec<&str> {
        let Some(Value::Array(items)) = self.fields.get(name) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|v| v.as_str().or_else(|| v.get("id").and_then(Value::as_str)))
            .collect()
    }
}

/// Identity and secrets that survive a restart with `--data`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Meta {
    pub client_id: String,
    pub client_secret: String,
    /// Hex key for presigned URLs and the bearer token.
    pub signing_key: String,
}

/// Length and MD5 of a stored blob.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct BlobMeta {
    pub len: u64,
    pub md5: String,
}

/// One byte range of a multipart upload (inclusive, as the guide shows).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PartRange {
    pub part_number: u32,
    pub start_byte: u64,
    pub end_byte: u64,
}

impl PartRange {
    pub(crate) fn len(&self) -> u64 {
        self.end_byte - self.start_byte + 1
    }
}

/// A requested upload awaiting confirm-upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadSession {
    pub upload_id: String,
    pub file_path: String,
    pub file_name: String,
    pub mime_type: Option<String>,
    pub size: u64,
    /// Empty for a single-PUT upload.
    pub parts: Vec<PartRange>,
    pub created_at: Timestamp,
    /// Handed out as a presigned POST form (`--upload-form post`): the
    /// bytes arrive in one POST and confirm-upload needs their `etag`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub post_form: bool,
}

impl UploadSession {
    pub(crate) fn is_multipart(&self) -> bool {
        !self.parts.is_empty()
    }
}

/// Everything the sandbox knows.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub meta: Option<Meta>,
    pub tables: BTreeMap<Kind, IndexMap<String, Record>>,
    /// Upload sessions by upload id.
    pub sessions: BTreeMap<String, UploadSession>,
    /// Blob index by key; the bytes live in the `BlobStore`.
    pub blobs: BTreeMap<String, BlobMeta>,
}

/// One journaled change. Applying a change twice has the effect of
/// applying it once, so a journal replayed over a snapshot that already
/// holds it is harmless.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Change {
    Meta { meta: Meta },
    Put { kind: Kind, record: Record },
    Delete { kind: Kind, id: String },
    OpenUpload { session: UploadSession },
    CloseUpload { upload_id: String },
    PutBlob { key: String, blob: BlobMeta },
    DropBlob { key: String },
}

impl State {
    pub(crate) fn apply(&mut self, change: Change) {
        match change {
            Change::Meta { meta } => self.meta = Some(meta),
            Change::Put { kind, record } => {
                self.tables
                    .entry(kind)
                    .or_default()
                    .insert(record.id.clone(), record);
            }
            Change::Delete { kind, id } => {
                if let Some(t) = self.tables.get_mut(&kind) {
                    t.shift_remove(&id);
                }
            }
            Change::OpenUpload { session } => {
                self.sessions.insert(session.upload_id.clone(), session);
            }
            Change::CloseUpload { upload_id } => {
                self.sessions.remove(&upload_id);
            }
            Change::PutBlob { key, blob } => {
                self.blobs.insert(key, blob);
            }
            Change::DropBlob { key } => {
                self.blobs.remove(&key);
            }
        }
    }

    /// The objects of one kind, in creation order.
    pub(crate) fn table(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.tables.get(&kind).into_iter().flat_map(|t| t.values())
    }

    /// The records of `kind` at `range` in table order (as [`Self::table`]
    /// yields them), without walking the ones before.
    pub(crate) fn table_range(
        &self,
        kind: Kind,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = &Record> {
        self.tables
            .get(&kind)
            .and_then(|t| t.get_range(range))
            .into_iter()
            .flat_map(|s| s.values())
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Record> {
        self.tables.get(&kind).and_then(|t| t.get(id))
    }

    pub(crate) fn contains(&self, kind: Kind, id: &str) -> bool {
        self.get(kind, id).is_some()
    }

    pub(crate) fn count(&self, kind: Kind) -> usize {
        self.tables.get(&kind).map_or(0, IndexMap::len)
    }

    /// The id of the region with `is_primary: true`.
    pub(crate) fn primary_region(&self) -> Option<&str> {
        self.table(Kind::Region)
            .find(|r| r.fields.get("is_primary") == Some(&Value::Bool(true)))
            .map(|r| r.id.as_str())
    }

    /// The live file with this `file_name`, if any.
    pub(crate) fn file_named(&self, file_name: &str) -> Option<&Record> {
        self.table(Kind::File)
            .find(|f| f.str_field("file_name") == Some(file_name))
    }
}

/// The state plus its journal: every change goes through [`Db::commit`].
#[derive(Debug)]
pub(crate) struct Db {
    state: State,
    journal: Option<Journal>,
}

impl Db {
    pub(crate) fn new(state: State, journal: Option<Journal>) -> Self {
        Db { state, journal }
    }

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// Journals the batch as one line (so a torn write loses all of it or
    /// none), then applies it.
    pub(crate) fn commit(&mut self, changes: Vec<Change>) -> std::io::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        if let Some(journal) = &mut self.journal {
            journal.append(&changes)?;
        }
        for change in changes {
            self.state.apply(change);
        }
        Ok(())
    }

    /// Folds the journal into a fresh snapshot (no-op in memory).
    pub(crate) fn compact(&mut self) -> Result<(), super::SandboxError> {
        match &mut self.journal {
            Some(journal) => journal.compact(&self.state),
            None => Ok(()),
        }
    }
}
