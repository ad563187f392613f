//! Live objects as the API sends them, read defensively: only the fields
//! pxmctl uses, unknown fields ignored, ids accepted as strings or
//! numbers, id lists as strings, numbers or `{ "id": ... }` objects, and
//! `null` wherever a list or text may be missing. Field names are the
//! API's (`additional_title`, `parent_topic_id`, `direct_parent`, ...).

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// An object id, whatever JSON type the API used for it.
pub type Id = String;

/// A live object's list of ids (regions, categories, collections): never
/// grown once read, so a boxed slice, 8 bytes smaller than a `Vec`.
pub type Ids = Box<[Id]>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRegion {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "flag")]
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAttribute {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// The API's type name: `Text`, `Date`, `List`, `Pick List`, `Boolean`, `Number`.
    #[serde(rename = "type", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(default, deserialize_with = "texts")]
    pub options: Vec<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAttributeGroup {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// Member attribute ids, in display order.
    #[serde(default, deserialize_with = "ids")]
    pub attributes: Ids,
}

/// One attribute value on a category, collection or file. Its attribute's
/// id and name are [`shared`]: an account has a few thousand attributes
/// and may hold millions of values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveValue {
    #[serde(deserialize_with = "shared_id")]
    pub id: Arc<str>,
    #[serde(default, deserialize_with = "shared_text")]
    pub name: Option<Arc<str>>,
    #[serde(default)]
    pub value: Value,
}

thread_local! {
    static SHARED: RefCell<HashSet<Arc<str>, foldhash::fast::RandomState>> =
        RefCell::new(HashSet::with_hasher(foldhash::fast::RandomState::default()));
}

/// `text`, as one allocation shared by every value that names it (per
/// thread reading the account; the set lives as long as the thread).
#[must_use]
pub fn shared(text: &str) -> Arc<str> {
    SHARED.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(known) = set.get(text) {
            return Arc::clone(known);
        }
        let new: Arc<str> = Arc::from(text);
        set.insert(Arc::clone(&new));
        new
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveCategory {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "optional_id")]
    pub parent_id: Option<Id>,
    #[serde(default, deserialize_with = "values")]
    pub attributes: Box<[LiveValue]>,
}

/// Publishing fields shared by collections and files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePublishing {
    #[serde(default, deserialize_with = "flag")]
    pub published: bool,
    #[serde(default, deserialize_with = "optional_boxed_text")]
    pub published_start_date: Option<Box<str>>,
    #[serde(default, deserialize_with = "optional_boxed_text")]
    pub published_end_date: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveCollection {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// `parent`, `variant`, or absent for a standalone collection; one of
    /// a few words, so [`shared`].
    #[serde(default, deserialize_with = "shared_text")]
    pub collection_type: Option<Arc<str>>,
    /// Primary category.
    #[serde(default, deserialize_with = "optional_id")]
    pub parent_id: Option<Id>,
    /// Further categories.
    #[serde(default, deserialize_with = "ids")]
    pub direct_parent: Ids,
    /// A variant's parent collection.
    #[serde(default, deserialize_with = "optional_id")]
    pub parent_topic_id: Option<Id>,
    /// The SKU.
    #[serde(default, deserialize_with = "optional_boxed_text")]
    pub additional_title: Option<Box<str>>,
    #[serde(default, deserialize_with = "ids")]
    pub region_ids: Ids,
    #[serde(flatten)]
    pub publishing: LivePublishing,
    #[serde(default, deserialize_with = "values")]
    pub attributes: Box<[LiveValue]>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFile {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub file_name: String,
    #[serde(default, deserialize_with = "optional_text")]
    pub mime_type: Option<String>,
    #[serde(default, deserialize_with = "optional_size")]
    pub size: Option<u64>,
    /// Category the file sits in, if any.
    #[serde(default, deserialize_with = "optional_id")]
    pub parent_id: Option<Id>,
    #[serde(default, deserialize_with = "ids")]
    pub collections: Ids,
    #[serde(default, deserialize_with = "ids")]
    pub region_ids: Ids,
    #[serde(flatten)]
    pub publishing: LivePublishing,
    /// `None` when the answer carried no attribute values: the guide's
    /// "File Response Fields" list none, so a list may leave them out and
    /// they are read per file from the attribute endpoint
    /// ([`super::file_values`]).
    #[serde(default, deserialize_with = "listed_values")]
    pub attributes: Option<Vec<LiveValue>>,
    /// When the file last changed, if the answer says (the guides name
    /// the `updated_*` filters, not the field).
    #[serde(
        default,
        alias = "updated",
        alias = "modified_at",
        alias = "date_modified",
        alias = "last_modified",
        deserialize_with = "optional_text"
    )]
    pub updated_at: Option<String>,
    /// Where the original bytes can be fetched (presigned: never logged).
    #[serde(default, deserialize_with = "optional_text", skip_serializing)]
    pub download_url: Option<String>,
}

/// Written by hand: the presigned `download_url` is a credential and
/// must not reach a log or a panic message through `{:?}`.
impl std::fmt::Debug for LiveFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveFile")
            .field("id", &self.id)
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("size", &self.size)
            .field("parent_id", &self.parent_id)
            .field("collections", &self.collections)
            .field("region_ids", &self.region_ids)
            .field("publishing", &self.publishing)
            .field("attributes", &self.attributes)
            .field("updated_at", &self.updated_at)
            .field(
                "download_url",
                &self.download_url.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveResource {
    #[serde(deserialize_with = "id")]
    pub id: Id,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    #[serde(default, deserialize_with = "text")]
    pub link: String,
    #[serde(default, deserialize_with = "optional_id")]
    pub category_id: Option<Id>,
    #[serde(default, deserialize_with = "ids")]
    pub collections: Ids,
}

/// An id from a string, a number or an `{ "id": ... }` object.
#[must_use]
pub fn id_of(value: &Value) -> Option<Id> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("id").and_then(id_of),
        _ => None,
    }
}

/// Ids from a list of ids (in any of [`id_of`]'s shapes) or a
/// comma-separated string, which some endpoints answer.
#[must_use]
pub fn ids_of(value: &Value) -> Vec<Id> {
    match value {
        Value::Array(items) => exact(items.len(), items.iter().filter_map(id_of)),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The items of `iter`, of which there are at most `most`, in a list
/// no longer than they are. A list collected from `filter_map` starts at
/// room for four: at a million objects with one or two ids or values
/// each, that slack was a fifth of the snapshot.
fn exact<T>(most: usize, iter: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::with_capacity(most);
    out.extend(iter);
    out.shrink_to_fit();
    out
}

/// Text from a string, a number or a boolean.
#[must_use]
pub fn text_of(value: &Value) -> Option<String> {
    crate::api::codec::read_text(value)
}

/// Texts from a list of texts or of `{ "name" | "value": ... }` objects.
#[must_use]
pub fn texts_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => exact(
            items.len(),
            items.iter().filter_map(|v| match v {
                Value::Object(o) => o
                    .get("name")
                    .or_else(|| o.get("value"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                other => text_of(other).filter(|_| !other.is_boolean()),
            }),
        ),
        _ => Vec::new(),
    }
}

/// A flag as `api::codec` reads booleans; anything else (a missing
/// field, `null`) is `false`.
#[must_use]
pub fn flag_of(value: &Value) -> bool {
    crate::api::codec::read_bool(value).unwrap_or(false)
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
    let v = Value::deserialize(d)?;
    id_of(&v).ok_or_else(|| serde::de::Error::custom(format!("`id` is not an id: {v}")))
}

fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Id>, D::Error> {
    Ok(id_of(&Value::deserialize(d)?))
}

fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Ids, D::Error> {
    Ok(ids_of(&Value::deserialize(d)?).into_boxed_slice())
}

fn shared_id<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    id(d).map(|id| shared(&id))
}

fn shared_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
    Ok(text_of(&Value::deserialize(d)?).map(|text| shared(&text)))
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(optional_text(d)?.unwrap_or_default())
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text_of(&Value::deserialize(d)?))
}

/// Optional text held as `Box<str>`, 8 bytes smaller than a `String`
/// that is never pushed to: a live collection's SKU and publishing
/// dates, 23 MiB at a million collections.
fn optional_boxed_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<str>>, D::Error> {
    Ok(optional_text(d)?.map(String::into_boxed_str))
}

fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(texts_of(&Value::deserialize(d)?))
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(flag_of(&Value::deserialize(d)?))
}

/// A non-negative integer from a JSON number or its text (sizes, part
/// numbers and byte offsets come both ways).
#[must_use]
pub fn u64_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn optional_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(u64_of(&Value::deserialize(d)?))
}

/// Attribute values from a list of `{id, value}` objects or a keyed
/// object (`{ "<attribute id>": value }`).
#[must_use]
pub fn values_of(value: &Value) -> Vec<LiveValue> {
    match value {
        Value::Array(items) => exact(
            items.len(),
            items.iter().filter_map(|v| LiveValue::deserialize(v).ok()),
        ),
        Value::Object(map) => map
            .iter()
            .map(|(id, value)| LiveValue {
                id: shared(id),
                name: None,
                value: value.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[LiveValue]>, D::Error> {
    Ok(values_of(&Value::deserialize(d)?).into_boxed_slice())
}

/// Values when the field holds some (`null` says as little as absence).
fn listed_values<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<LiveValue>>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok((!value.is_null()).then(|| values_of(&value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_on_one_attribute_share_its_id_and_name() {
        let read =
            |json: &str| -> LiveCollection { serde_json::from_str(json).expect("collection") };
        let a = read(
            r#"{"id": 1, "attributes": [{"id": "a1", "name": "Material", "value": "Nylon"}]}"#,
        );
        let b =
            read(r#"{"id": 2, "attributes": [{"id": "a1", "name": "Material", "value": "Wool"}]}"#);
        let c = read(r#"{"id": 3, "attributes": {"a1": "Silk"}}"#);
        assert!(Arc::ptr_eq(&a.attributes[0].id, &b.attributes[0].id));
        assert!(Arc::ptr_eq(&a.attributes[0].id, &c.attributes[0].id));
        let name = |x: &LiveCollection| x.attributes[0].name.clone().expect("name");
        assert!(Arc::ptr_eq(&name(&a), &name(&b)));
        assert_eq!(
            (&*a.attributes[0].id, b.attributes[0].value.as_str()),
            ("a1", Some("Wool"))
        );
        // A value without an id is dropped, as before.
        let d = read(r#"{"id": 4, "attributes": [{"name": "Material", "value": "x"}]}"#);
        assert!(d.attributes.is_empty());
    }

    #[test]
    fn reads_loose_shapes() {
        let c: LiveCollection = serde_json::from_str(
            r#"{"id": 42, "name": "Rain Jacket", "direct_parent": [7, "8", {"id": 9}],
                "region_ids": null, "published": "true", "extra": {"ignored": true},
                "attributes": [{"id": "a1", "name": "Material", "type": "Text", "value": "Nylon"}]}"#,
        )
        .expect("loose collection");
        assert_eq!(c.id, "42");
        assert_eq!(*c.direct_parent, ["7", "8", "9"]);
        assert!(c.region_ids.is_empty());
        assert!(c.publishing.published);
        assert_eq!(c.attributes[0].value, Value::String("Nylon".into()));
    }

    #[test]
    fn an_object_without_id_is_refused() {
        assert!(serde_json::from_str::<LiveCategory>(r#"{"name": "x"}"#).is_err());
        assert!(serde_json::from_str::<LiveCategory>(r#"{"id": null, "name": "x"}"#).is_err());
    }

    #[test]
    fn file_size_and_collections() {
        let f: LiveFile = serde_json::from_str(
            r#"{"id": "f1", "file_name": "a.jpg", "size": "1234", "collections": [{"id": "c1"}],
                "download_url": "https://x/y?X-Amz-Signature=abc"}"#,
        )
        .expect("file");
        assert_eq!(f.size, Some(1234));
        assert_eq!(*f.collections, ["c1"]);
        let out = serde_json::to_string(&f).expect("serialize");
        assert!(
            !out.contains("Signature"),
            "download URLs are never written: {out}"
        );
        let debug = format!("{f:?}");
        assert!(!debug.contains("Signature"), "nor shown by Debug: {debug}");
    }
}
