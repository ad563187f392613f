//! Attribute values of files whose list items carried none. The guide's
//! "File Response Fields" table lists no attribute values, and names a
//! separate endpoint, `GET /v2.1/attribute/{entity}/{id}` ("Get
//! attributes on a specific object"), so an account may answer the file
//! list without them. The content gate then needs each file's recorded
//! hash: only the files whose decision needs it are read, one request
//! each, and what was read is kept in `.pxmctl/file-values.json` by file
//! id and what the list says about the file (its size and update time),
//! so a warm plan reads none again.
//!
//! A file whose list item names no update time is never cached: with the
//! size alone, a same-size replacement made elsewhere would be vouched
//! for by a stale entry. A value that cannot be read is reported back per
//! file, for the plan to say so; it never passes for "no change".

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, Request};
use super::page::read_page;
use super::snapshot::LiveSnapshot;
use super::wire::{Id, LiveValue, values_of};
use crate::api::{Kind, paths};

const CACHE_FILE: &str = "file-values.json";
const CACHE_VERSION: u32 = 1;

/// What completing the snapshot cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Completed {
    /// Files read from the attribute endpoint.
    pub read: usize,
    /// Files answered from the cache.
    pub cached: usize,
    /// Files whose values could not be read (in `LiveSnapshot::unread_values`).
    pub failed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cached {
    size: Option<u64>,
    updated_at: String,
    values: Vec<LiveValue>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// Per account (`Connection::account`), per file id.
    accounts: BTreeMap<String, BTreeMap<Id, Cached>>,
}

/// `.pxmctl/file-values.json` for one account. A cache that cannot be
/// read or written only costs requests, never an error.
#[derive(Debug)]
pub struct ValueCache {
    path: Option<PathBuf>,
    account: String,
    /// Read on first use: a plan whose list carries values never opens it.
    file: Option<CacheFile>,
    changed: bool,
}

impl ValueCache {
    /// The cache in `state_dir` for `account` (`Connection::account`);
    /// `None` keeps nothing on disk.
    #[must_use]
    pub fn open(state_dir: Option<&Path>, account: &str) -> Self {
        Self {
            path: state_dir.map(|d| d.join(CACHE_FILE)),
            account: account.to_owned(),
            file: None,
            changed: false,
        }
    }

    /// This account's entries, reading the file the first time.
    fn entries(&mut self) -> &mut BTreeMap<Id, Cached> {
        let path = self.path.as_deref();
        let file = self.file.get_or_insert_with(|| {
            path.and_then(|p| std::fs::read(p).ok())
                .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
                .filter(|f| f.version == CACHE_VERSION)
                .unwrap_or(CacheFile {
                    version: CACHE_VERSION,
                    ..CacheFile::default()
                })
        });
        file.accounts.entry(self.account.clone()).or_default()
    }

    fn get(
        &mut self,
        id: &str,
        size: Option<u64>,
        updated_at: Option<&str>,
    ) -> Option<&Vec<LiveValue>> {
        let entry = self.entries().get(id)?;
        (entry.size == size && Some(entry.updated_at.as_str()) == updated_at)
            .then_some(&entry.values)
    }

    fn put(&mut self, id: &str, size: Option<u64>, updated_at: Option<&str>, values: &[LiveValue]) {
        let Some(updated_at) = updated_at else {
            return;
        };
        let entry = Cached {
            size,
            updated_at: updated_at.to_owned(),
            values: values.to_vec(),
        };
        let files = self.entries();
        if files.get(id) != Some(&entry) {
            files.insert(id.to_owned(), entry);
            self.changed = true;
        }
    }

    /// Writes the cache back when it learnt something.
    pub fn save(&self) {
        let (Some(path), Some(file)) = (self.path.as_deref().filter(|_| self.changed), &self.file)
        else {
            return;
        };
        let written = serde_json::to_vec(file)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                crate::atomic_file::write(path, &bytes)
            });
        if let Err(e) = written {
            tracing::debug!("could not write `{}`: {e}", path.display());
        }
    }
}

/// Reads the values of the files `wanted` (ids) whose list items carried
/// none, from `cache` where it vouches for them, and fills them into
/// `live`. A file whose values cannot be read keeps `attributes: None`
/// and its reason goes into `live.unread_values`.
pub async fn complete(
    client: &Client,
    live: &mut LiveSnapshot,
    wanted: &[Id],
    cache: &mut ValueCache,
) -> Completed {
    let mut done = Completed::default();
    let index: HashMap<&str, usize> = live
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut to_read = Vec::new();
    let mut filled: Vec<(usize, Vec<LiveValue>)> = Vec::new();
    for id in wanted {
        let Some(&i) = index.get(id.as_str()) else {
            continue;
        };
        let file = &live.files[i];
        if file.attributes.is_some() {
            continue;
        }
        match cache.get(&file.id, file.size, file.updated_at.as_deref()) {
            Some(values) => {
                done.cached += 1;
                filled.push((i, values.clone()));
            }
            None => to_read.push(i),
        }
    }
    // The client's slots and limiter pace these like any other request.
    let answers: Vec<(usize, Result<Vec<LiveValue>, String>)> = stream::iter(to_read)
        .map(|i| {
            let id = live.files[i].id.clone();
            async move { (i, read(client, &id).await) }
        })
        .buffer_unordered(client.concurrency())
        .collect()
        .await;
    for (i, answer) in answers {
        match answer {
            Ok(values) => {
                done.read += 1;
                let f = &live.files[i];
                cache.put(&f.id, f.size, f.updated_at.as_deref(), &values);
                filled.push((i, values));
            }
            Err(reason) => {
                done.failed += 1;
                live.unread_values.insert(live.files[i].id.clone(), reason);
            }
        }
    }
    for (i, values) in filled {
        live.files[i].attributes = Some(values);
    }
    done
}

/// One file's values: a list of `{id, value}` (raw or wrapped), or an
/// object keyed by attribute id.
async fn read(client: &Client, id: &str) -> Result<Vec<LiveValue>, String> {
    let request = Request::get(paths::attribute_values(Kind::File, id));
    let name = request.name();
    let response = client.send(request).await.map_err(|e| e.to_string())?;
    if let Ok(page) = read_page(&response.body, Some("attributes")) {
        return page
            .items
            .iter()
            .map(|raw| serde_json::from_str::<LiveValue>(raw.get()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{name} answered a value that cannot be read: {e}"));
    }
    let value: Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("{name} did not answer JSON: {e}"))?;
    if value.is_object() {
        Ok(values_of(&value))
    } else {
        Err(format!("{name} did not answer attribute values"))
    }
}
