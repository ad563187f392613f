//! One action against the API. Creates send every field the catalog
//! names; updates and links are a fresh GET, the ownership merge and a
//! PUT of the changed fields; deletes treat "already gone" as done. A
//! create whose answer was lost is looked up before it is sent again.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::desired::{self, Unresolved};
use super::ids::Ids;
use super::lookup;
use super::merge;
use super::report::{Event, Outcome};
use super::upload::{UploadError, UploadJob, Uploaded, Uploader};
use crate::api::{fields, paths};
use crate::catalog::model::Catalog;
use crate::plan::{Action, Kind, Op, SHA256_FIELD, short_hash};
use crate::remote::wire::id_of;
use crate::remote::{Client, RemoteError, Request};

/// Sends of one create before giving up when every answer is lost and
/// the lookup never finds the object.
const CREATE_ATTEMPTS: u32 = 3;

/// How long a file just confirmed may answer 404 while PXM processes it
/// (upload guide, lifecycle steps 6 and 7: "PXM processes the file
/// asynchronously", then "File is available via GET /v2.1/file/{id}").
const PROCESSING_WAIT: std::time::Duration = std::time::Duration::from_secs(120);
/// First wait between asks of a file still processing; doubled, capped.
const PROCESSING_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);
const PROCESSING_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(8);

/// What a create's sends came to.
enum Sent<T> {
    /// Answered, on the given send (1 for the first).
    Answered(T, u32),
    /// An answer was lost, and the lookup found the object it made.
    Found(String),
}

/// Sends a create (a POST, or an upload and its confirm) until it is
/// answered. After a lost answer (`unclear`), the object is looked up
/// (`find`, given when that send started) before it is sent again, so
/// nothing is made twice; after [`CREATE_ATTEMPTS`] lost answers the
/// last error stands.
async fn send_or_find<T, E>(
    mut send: impl AsyncFnMut() -> Result<T, E>,
    unclear: impl Fn(&E) -> bool,
    mut find: impl AsyncFnMut(Timestamp) -> Result<Option<String>, RemoteError>,
) -> Result<Sent<T>, ActionError>
where
    E: std::fmt::Display,
    ActionError: From<E>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let since = Timestamp::now();
        match send().await {
            Ok(answer) => return Ok(Sent::Answered(answer, attempt)),
            Err(e) if unclear(&e) => {
                if let Some(id) = find(since).await? {
                    return Ok(Sent::Found(id));
                }
                if attempt >= CREATE_ATTEMPTS {
                    return Err(e.into());
                }
                tracing::debug!("{e}; not found live, sending it again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// What every action needs.
pub(super) struct Context<'a> {
    pub client: &'a Client,
    pub catalog: &'a Catalog,
    /// Live file id → file name, as read for this apply.
    pub live_file_names: std::collections::HashMap<String, String>,
    pub ids: &'a Ids,
    /// Uploads through `client`'s transport, so they spend its budget.
    pub uploader: &'a Uploader,
    pub upload_budget: UploadBudget,
    /// Hears the bytes each upload sends.
    pub on_event: &'a (dyn Fn(Event<'_>) + Sync),
    /// Files this run confirmed: a 404 from one of them means "still
    /// processing", not "gone".
    pub confirmed: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Bytes of assets being uploaded at once. Uploads also count against
/// the action concurrency; the budget keeps a few large files from
/// splitting the bandwidth many ways (each would finish late, and a run
/// stopped halfway would have nothing to show) while small files still
/// go many at a time.
pub(super) struct UploadBudget(tokio::sync::Semaphore);

impl UploadBudget {
    /// In KiB, the unit of the semaphore's permits.
    const KIB: u32 = 256 * 1024;

    #[must_use]
    pub(super) fn new() -> Self {
        Self(tokio::sync::Semaphore::new(Self::KIB as usize))
    }

    /// Waits until `bytes` more (at most the whole budget) may be in flight.
    async fn reserve(&self, bytes: u64) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, Self::KIB);
        self.0.acquire_many(kib).await.ok()
    }
}

impl Default for UploadBudget {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, thiserror::Error)]
pub(super) enum ActionError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{0}")]
    Unresolved(#[from] Unresolved),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error("{0}")]
    Other(String),
}

type Done = (Option<String>, Option<String>);

impl Context<'_> {
    pub(super) async fn run(&self, index: usize, action: &Action) -> Outcome {
        match self.execute(index, action).await {
            Ok((id, detail)) => Outcome::Done { id, detail },
            Err(e) => Outcome::Failed {
                reason: e.to_string(),
            },
        }
    }

    async fn execute(&self, index: usize, a: &Action) -> Result<Done, ActionError> {
        match a.op {
            Op::Create => self.create(a).await,
            Op::Update | Op::Link => self.update(a).await,
            Op::Upload => self.upload(index, a).await,
            Op::Delete => self.delete(a).await,
            Op::Retire => self.retire(a).await,
        }
    }

    fn live_id(&self, a: &Action) -> Result<String, ActionError> {
        a.id.clone()
            .or_else(|| self.ids.get(a.kind, &a.key))
            .ok_or_else(|| {
                ActionError::Unresolved(Unresolved {
                    kind: a.kind,
                    key: a.key.clone(),
                })
            })
    }

    async fn create(&self, a: &Action) -> Result<Done, ActionError> {
        let fields = desired::fields(self.catalog, self.ids, a.kind, a.op, &a.key)?;
        let body = Value::Object(merge::body(&fields, None, self.ids));
        let path = a.kind.path();
        let sent = send_or_find(
            async || self.client.send(Request::post(path, &body)).await,
            |e| matches!(e, RemoteError::Unclear { .. }),
            async |since| {
                lookup::find(self.client, self.ids, (a.kind, &a.key), &fields, since).await
            },
        )
        .await?;
        let (id, detail) = match sent {
            Sent::Answered(response, attempt) => {
                let id = lookup::object(&response.body)
                    .and_then(|o| o.get("id").and_then(id_of))
                    .ok_or_else(|| {
                        ActionError::Other(format!(
                            "POST {path} answered without the new {}'s id",
                            a.kind.noun()
                        ))
                    })?;
                (
                    id,
                    (attempt > 1).then(|| "created after a lost answer".to_owned()),
                )
            }
            Sent::Found(id) => (id, Some("found after a lost answer".to_owned())),
        };
        self.ids.insert(a.kind, &a.key, &id);
        Ok((Some(id), detail))
    }

    async fn update(&self, a: &Action) -> Result<Done, ActionError> {
        let id = self.live_id(a)?;
        let fields = desired::fields(self.catalog, self.ids, a.kind, a.op, &a.key)?;
        // A field the catalog clears that the plan did not show changing
        // was already clear: it need not be sent.
        let catalog_name = |wire: &str| {
            fields::of(a.kind)
                .into_iter()
                .find(|f| f.wire == wire)
                .map(|f| f.catalog)
        };
        let shown = |f: &desired::Field| {
            catalog_name(f.name).is_some_and(|name| {
                a.changes
                    .iter()
                    .any(|c| c.field == name || c.field.starts_with(&format!("{name}.")))
            })
        };
        if let Some(done) = self.one_value(a, &id, &fields).await? {
            return Ok(done);
        }
        let fields: Vec<desired::Field> = fields
            .into_iter()
            .filter(|f| !f.want.clears() || shown(f))
            .collect();
        self.put_merged(a.kind, &id, &fields).await
    }

    /// When the plan changes one attribute value and nothing else, one
    /// PUT through the per-attribute endpoint ("Update the value of a
    /// specific attribute on an object"), which leaves the other values
    /// alone; the object's own PUT would need a GET first, since its
    /// `attributes` op array replaces every value.
    async fn one_value(
        &self,
        a: &Action,
        id: &str,
        wanted: &[desired::Field],
    ) -> Result<Option<Done>, ActionError> {
        let [change] = a.changes.as_slice() else {
            return Ok(None);
        };
        let prefix = format!("{}.", fields::collection::ATTRIBUTES.catalog);
        let Some(key) = change.field.strip_prefix(&prefix) else {
            return Ok(None);
        };
        let Some(attribute) = self.ids.get(Kind::Attribute, key) else {
            return Ok(None);
        };
        let value = wanted.iter().find_map(|f| match &f.want {
            desired::Want::Values(values) => values
                .iter()
                .find(|(v_id, _, _)| *v_id == attribute)
                .map(|(_, _, v)| crate::plan::normal_form::attribute_value(v)),
            _ => None,
        });
        let Some(value) = value else {
            return Ok(None);
        };
        let path = paths::attribute_value(a.kind, id, &attribute);
        let body = serde_json::json!({ "value": value });
        self.settled(a.kind, id, async || {
            self.client
                .send(Request::put(&path, &body).idempotent(true))
                .await
        })
        .await?;
        Ok(Some((Some(id.to_owned()), None)))
    }

    /// GET (fresh) → ownership merge → PUT of what differs; or, when
    /// every field is a value the catalog owns outright (no wholesale
    /// array to merge, nothing to clear), one PUT of them: PUT leaves the
    /// fields it does not name alone, so nothing made elsewhere is lost.
    async fn put_merged(
        &self,
        kind: Kind,
        id: &str,
        fields: &[desired::Field],
    ) -> Result<Done, ActionError> {
        let id = id.to_owned();
        let path = kind.path();
        let path = format!("{path}/{id}");
        if !fields.is_empty()
            && fields
                .iter()
                .all(|f| !f.want.needs_fresh() && !f.want.clears())
        {
            let body = Value::Object(merge::body(fields, None, self.ids));
            self.settled(kind, &id, async || {
                self.client
                    .send(Request::put(&path, &body).idempotent(true))
                    .await
            })
            .await?;
            return Ok((Some(id), None));
        }
        let response = self
            .settled(kind, &id, async || {
                self.client.send(Request::get(&path)).await
            })
            .await?;
        let fresh = lookup::object(&response.body).ok_or_else(|| {
            ActionError::Other(format!("GET {path} did not answer a {}", kind.noun()))
        })?;
        let body = merge::body(fields, Some(&fresh), self.ids);
        if body.is_empty() {
            return Ok((Some(id), Some("already up to date".into())));
        }
        self.client
            .send(Request::put(&path, &Value::Object(body)).idempotent(true))
            .await?;
        Ok((Some(id), None))
    }

    /// A pruned file: unlinked from every collection and unpublished,
    /// the closest the documented API comes to deleting it.
    async fn retire(&self, a: &Action) -> Result<Done, ActionError> {
        let id = self.live_id(a)?;
        let retired = [
            desired::Field {
                name: fields::file::COLLECTIONS.wire,
                want: desired::Want::Exact(Vec::new()),
            },
            desired::Field {
                name: fields::common::PUBLISHED.wire,
                want: desired::Want::Flag(false),
            },
        ];
        self.put_merged(a.kind, &id, &retired).await
    }

    async fn delete(&self, a: &Action) -> Result<Done, ActionError> {
        let id = self.live_id(a)?;
        let path = a.kind.path();
        match self
            .client
            .send(Request::delete(format!("{path}/{id}")).idempotent(true))
            .await
        {
            Ok(_) => Ok((Some(id), None)),
            Err(e) if e.status() == Some(404) => Ok((Some(id), Some("already gone".into()))),
            Err(e) => Err(e.into()),
        }
    }

    async fn upload(&self, index: usize, a: &Action) -> Result<Done, ActionError> {
        let uploader = self.uploader;
        let entry = self.catalog.files.get(&a.key).ok_or_else(|| Unresolved {
            kind: Kind::File,
            key: a.key.clone(),
        })?;
        let file = &entry.value;
        let asset = file.content.as_ref().ok_or_else(|| {
            ActionError::Other(format!("file `{}` has no `path:` to upload", a.key))
        })?;
        let existing = a.id.clone().or_else(|| self.ids.get(Kind::File, &a.key));
        // New content for an existing file goes under its live name (a
        // rename is the update after this), so it replaces that file and
        // keeps its links, attributes and regions. The name is the one read
        // for this apply: if the file was renamed since, request-upload
        // finds no file of that name and the uploader refuses, never
        // creating a second file. A new file gets its publishing and
        // regions at confirm; an existing one keeps its own, and its
        // update action merges them.
        let (name, metadata) = match &existing {
            Some(id) => match self.live_file_names.get(id) {
                Some(name) => (name.clone(), Map::new()),
                None => (self.live_file_name(id).await?, Map::new()),
            },
            None => {
                let fields =
                    desired::fields(self.catalog, self.ids, Kind::File, Op::Upload, &a.key)?;
                (file.name.clone(), merge::body(&fields, None, self.ids))
            }
        };
        let sent = |bytes| {
            (self.on_event)(Event::Sent {
                index,
                action: a,
                bytes,
            });
        };
        let job = UploadJob {
            root: &self.catalog.root,
            asset,
            name: &name,
            replaces: existing.as_deref(),
            metadata,
            progress: Some(&sent),
        };
        let _budget = self.upload_budget.reserve(asset.size).await;
        // After a lost answer, the size tells our confirmed bytes from a
        // file that was already there under the name.
        let identity = [
            desired::Field {
                name: fields::file::NAME.wire,
                want: desired::Want::Text(Some(file.name.clone())),
            },
            desired::Field {
                name: fields::file::SIZE.wire,
                want: desired::Want::Text(Some(asset.size.to_string())),
            },
        ];
        let sent = send_or_find(
            async || uploader.upload(self.client, &job).await,
            UploadError::is_unclear,
            async |since| {
                lookup::find(
                    self.client,
                    self.ids,
                    (Kind::File, &a.key),
                    &identity,
                    since,
                )
                .await
            },
        )
        .await?;
        match sent {
            Sent::Answered(Uploaded::File(live), _) => {
                self.ids.insert(Kind::File, &a.key, &live.id);
                self.just_confirmed(&live.id);
                let detail = self.record_hash(a, &live.id).await?;
                Ok((Some(live.id), detail))
            }
            Sent::Answered(Uploaded::Skipped { conflict_file_id }, _) => {
                if let Some(id) = &conflict_file_id {
                    self.ids.insert(Kind::File, &a.key, id);
                }
                Ok((
                    conflict_file_id,
                    Some("a file of this name exists and `on_conflict: skip`".into()),
                ))
            }
            Sent::Found(id) => {
                self.ids.insert(Kind::File, &a.key, &id);
                self.just_confirmed(&id);
                self.record_hash(a, &id).await?;
                Ok((Some(id), Some("confirmed after a lost answer".into())))
            }
        }
    }

    fn just_confirmed(&self, id: &str) {
        self.confirmed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned());
    }

    /// Sends a request about object `id`, waiting out processing: when
    /// `id` is a file this run confirmed, a 404 is asked again after a
    /// growing pause, for up to [`PROCESSING_WAIT`], then it stands with
    /// what it means.
    async fn settled<T>(
        &self,
        kind: Kind,
        id: &str,
        mut send: impl AsyncFnMut() -> Result<T, RemoteError>,
    ) -> Result<T, ActionError> {
        let processing = kind == Kind::File
            && self
                .confirmed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(id);
        let started = tokio::time::Instant::now();
        let mut pause = PROCESSING_BACKOFF;
        loop {
            match send().await {
                Err(e) if processing && e.status() == Some(404) => {
                    if started.elapsed() + pause > PROCESSING_WAIT {
                        return Err(ActionError::Other(format!(
                            "file {id} was confirmed but still answers 404 after {} s (PXM processes new files before they can be written); run `pxmctl apply` again once it shows in the PXM UI: {e}",
                            PROCESSING_WAIT.as_secs()
                        )));
                    }
                    tracing::debug!(
                        "file {id} is still processing (404); asking again in {} ms",
                        pause.as_millis()
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(PROCESSING_BACKOFF_MAX);
                }
                other => return other.map_err(ActionError::from),
            }
        }
    }

    /// The name file `id` has now.
    async fn live_file_name(&self, id: &str) -> Result<String, ActionError> {
        let path = Kind::File.path();
        let path = format!("{path}/{id}");
        let response = self.client.send(Request::get(&path)).await?;
        lookup::object(&response.body)
            .and_then(|o| {
                o.get(fields::file::NAME.wire)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or_else(|| ActionError::Other(format!("GET {path} answered no `file_name`")))
    }

    /// Records the upload's SHA-256 (the plan's `sha256` change) on file
    /// `id`, through the per-attribute PUT that leaves its other values
    /// alone. A run that stops before this leaves the file without a hash:
    /// the next plan shows it "unverified", or uploads it again when its
    /// size differs.
    async fn record_hash(&self, a: &Action, id: &str) -> Result<Option<String>, ActionError> {
        let Some(sha) = a
            .changes
            .iter()
            .find(|c| c.field == SHA256_FIELD)
            .and_then(|c| c.after.as_ref())
            .and_then(Value::as_str)
        else {
            return Ok(None);
        };
        let key = self.catalog.hash_attribute.as_deref().ok_or_else(|| {
            ActionError::Other(
                "the plan records a hash but the catalog has no hash attribute".into(),
            )
        })?;
        let attribute = self
            .ids
            .get(Kind::Attribute, key)
            .ok_or_else(|| Unresolved {
                kind: Kind::Attribute,
                key: key.to_owned(),
            })?;
        let path = paths::attribute_value(Kind::File, id, &attribute);
        let body = serde_json::json!({ "value": sha });
        self.settled(Kind::File, id, async || {
            self.client
                .send(Request::put(&path, &body).idempotent(true))
                .await
        })
        .await?;
        // The plan may come from a file: never slice it by bytes.
        Ok(Some(format!("sha256 {} recorded", short_hash(sha))))
    }
}
