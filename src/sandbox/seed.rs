//! Seed files: regions and pre-existing objects in wire shape (YAML or
//! JSON), loaded into a fresh state through the same validation as the
//! API, with fixed ids and timestamps allowed so tests can refer to them.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::SandboxError;
use super::app::App;
use super::assumptions::{ATTRIBUTES_FIELD, CREATED_FIELD, UPDATED_FIELD};
use super::db::{Change, Record};
use super::kind::Kind;
use super::validate::{PublishedDates, apply_body};

/// Objects to load into a fresh sandbox. Each entry is an object in the
/// shape the API answers; `id`, `created_at` and `updated_at` may be
/// given. Attribute values may be `[{"id","value"}]` (as answered) or
/// the op array. A file takes its bytes from `content` (text),
/// `content_base64`, or `size` alone (filler bytes). Entries may refer
/// only to entries listed before them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// When none is `is_primary: true`, the first one becomes primary; with
    /// no regions at all a region named `Primary` is made.
    #[serde(default)]
    pub regions: Vec<Map<String, Value>>,
    #[serde(default)]
    pub attributes: Vec<Map<String, Value>>,
    #[serde(default)]
    pub attribute_groups: Vec<Map<String, Value>>,
    #[serde(default)]
    pub categories: Vec<Map<String, Value>>,
    #[serde(default)]
    pub collections: Vec<Map<String, Value>>,
    #[serde(default)]
    pub files: Vec<Map<String, Value>>,
    #[serde(default)]
    pub resources: Vec<Map<String, Value>>,
}

impl Seed {
    /// An account holding exactly the regions `names` (the first one
    /// primary), as a catalog naming them needs: PXM regions are
    /// read-only, so they must exist before the catalog is applied.
    #[must_use]
    pub fn with_regions<'a>(names: impl IntoIterator<Item = &'a str>) -> Seed {
        let mut seed = Seed::default();
        seed.add_regions(names);
        seed
    }

    /// Adds a region for each of `names` the seed does not hold yet (the
    /// first region of an empty seed is the primary).
    pub fn add_regions<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            let held = self
                .regions
                .iter()
                .any(|r| r.get("name").and_then(Value::as_str) == Some(name));
            if held {
                continue;
            }
            let mut region = Map::new();
            let n = self.regions.len() + 1;
            region.insert("id".into(), Value::String(format!("region-{n}")));
            region.insert("name".into(), Value::String(name.to_owned()));
            region.insert("is_primary".into(), Value::Bool(n == 1));
            self.regions.push(region);
        }
    }

    /// Reads a seed file: JSON when it ends in `.json`, YAML otherwise.
    pub fn from_path(path: &Path) -> Result<Seed, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::SeedRead {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Seed::from_json(&text, &origin)
        } else {
            Seed::from_yaml(&text, &origin)
        }
    }

    pub fn from_yaml(text: &str, origin: &str) -> Result<Seed, SandboxError> {
        serde_saphyr::from_str(text).map_err(|e| SandboxError::Seed {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    pub fn from_json(text: &str, origin: &str) -> Result<Seed, SandboxError> {
        serde_json::from_str(text).map_err(|e| SandboxError::Seed {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    fn entries(&self, kind: Kind) -> &[Map<String, Value>] {
        match kind {
            Kind::Region => &self.regions,
            Kind::Attribute => &self.attributes,
            Kind::AttributeGroup => &self.attribute_groups,
            Kind::Category => &self.categories,
            Kind::Collection => &self.collections,
            Kind::File => &self.files,
            Kind::Resource => &self.resources,
        }
    }
}

fn seed_error(kind: Kind, index: usize, message: impl std::fmt::Display) -> SandboxError {
    SandboxError::Seed {
        origin: format!("{}[{index}]", kind.ident()),
        message: message.to_string(),
    }
}

fn timestamp(
    entry: &Map<String, Value>,
    field: &str,
    kind: Kind,
    index: usize,
) -> Result<Option<Timestamp>, SandboxError> {
    entry
        .get(field)
        .and_then(Value::as_str)
        .map(|s| {
            s.parse::<Timestamp>()
                .map_err(|e| seed_error(kind, index, format!("`{field}`: {e}")))
        })
        .transpose()
}

/// Loads `seed` into the (fresh) state of `app`.
pub(crate) async fn apply(app: &App, seed: &Seed) -> Result<(), SandboxError> {
    for kind in Kind::ALL {
        for (index, entry) in seed.entries(kind).iter().enumerate() {
            load_entry(app, kind, index, entry).await?;
        }
        if kind == Kind::Region {
            ensure_primary_region(app)?;
        }
    }
    Ok(())
}

async fn load_entry(
    app: &App,
    kind: Kind,
    index: usize,
    entry: &Map<String, Value>,
) -> Result<(), SandboxError> {
    let id = match entry.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(_) => return Err(seed_error(kind, index, "`id` must be a non-empty string")),
        None => app.ids.uuid(),
    };
    if app.db().state().contains(kind, &id) {
        return Err(seed_error(kind, index, format!("duplicate id `{id}`")));
    }
    let now = App::now();
    let mut record = Record::new(id.clone(), now);
    record.created_at = timestamp(entry, CREATED_FIELD, kind, index)?.unwrap_or(now);
    record.updated_at = timestamp(entry, UPDATED_FIELD, kind, index)?.unwrap_or(record.created_at);

    let mut body = entry.clone();
    if let Some(Value::Array(values)) = body.get_mut(ATTRIBUTES_FIELD)
        && kind.has_attribute_values()
    {
        for v in values.iter_mut().filter_map(Value::as_object_mut) {
            v.entry("type").or_insert_with(|| json!("update"));
        }
    }
    let mut changes = Vec::new();
    if kind == Kind::File {
        let bytes = file_bytes(&mut body).map_err(|m| seed_error(kind, index, m))?;
        let key = format!("files/{id}/seed");
        let blob = app
            .blobs
            .put(&key, bytes)
            .await
            .map_err(|e| seed_error(kind, index, format!("cannot store the bytes: {e}")))?;
        let file_name = body
            .get("file_name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mime = mime_guess::from_path(file_name)
            .first_or_octet_stream()
            .to_string();
        record.fields.insert("size".into(), json!(blob.len));
        record.fields.insert("mime_type".into(), json!(mime));
        record.fields.insert("version".into(), json!(1));
        record.fields.insert("collections".into(), json!([]));
        record.fields.insert("published".into(), json!(false));
        record.content = Some(key.clone());
        changes.push(Change::PutBlob { key, blob });
    }
    let mut db = app.db();
    apply_body(
        db.state(),
        kind,
        &mut record,
        &body,
        true,
        PublishedDates::default(),
    )
    .map_err(|e| seed_error(kind, index, e.message))?;
    if kind == Kind::File
        && let Some(mime) = entry.get("mime_type")
    {
        record.fields.insert("mime_type".into(), mime.clone());
    }
    changes.push(Change::Put { kind, record });
    db.commit(changes).map_err(|e| seed_error(kind, index, e))
}

/// Takes the seed-only byte fields out of a file entry and returns its bytes.
fn file_bytes(body: &mut Map<String, Value>) -> Result<Bytes, String> {
    let text = body.remove("content");
    let b64 = body.remove("content_base64");
    let size = body.get("size").and_then(Value::as_u64);
    let bytes = match (text, b64) {
        (Some(Value::String(t)), None) => Bytes::from(t.into_bytes()),
        (None, Some(Value::String(b))) => Bytes::from(
            STANDARD
                .decode(b.trim())
                .map_err(|e| format!("`content_base64`: {e}"))?,
        ),
        (None, None) => {
            let size = size.ok_or("a file needs `content`, `content_base64` or `size`")?;
            let size = usize::try_from(size).map_err(|_| "`size` is too large")?;
            Bytes::from(
                (0..size)
                    .map(|i| b'a' + (i % 26) as u8)
                    .collect::<Vec<u8>>(),
            )
        }
        _ => return Err("give one of `content` (a string) and `content_base64`".into()),
    };
    if size.is_some_and(|s| s != bytes.len() as u64) {
        return Err(format!(
            "`size` differs from the {} bytes of the content",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Makes sure exactly one region is primary (creating one if there are none).
pub(crate) fn ensure_primary_region(app: &App) -> Result<(), SandboxError> {
    let mut db = app.db();
    let state = db.state();
    let primaries = state
        .table(Kind::Region)
        .filter(|r| r.fields.get("is_primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(seed_error(
            Kind::Region,
            0,
            "more than one region has `is_primary: true`",
        ));
    }
    if primaries == 1 {
        return Ok(());
    }
    let mut record = match state.table(Kind::Region).next() {
        Some(first) => first.clone(),
        None => {
            let mut r = Record::new(app.ids.uuid(), App::now());
            r.fields.insert("name".into(), json!("Primary"));
            r.fields.insert("language".into(), json!("en"));
            r
        }
    };
    record.fields.insert("is_primary".into(), json!(true));
    db.commit(vec![Change::Put {
        kind: Kind::Region,
        record,
    }])
    .map_err(|e| seed_error(Kind::Region, 0, e))
}
