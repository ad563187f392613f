//! Records as the API answers them: wire fields, attribute values (with
//! names and types), timestamps, and for files the presigned download
//! and rendition links; trimmed and metadata-only shapes for lists.

use serde_json::{Map, Value, json};

use super::assumptions::{
    ATTRIBUTES_FIELD, CREATED_FIELD, DOWNLOAD_URL_LIFETIME_SECS, RENDITIONS, STORE_PREFIX,
    UPDATED_FIELD,
};
use super::db::{Record, State};
use super::kind::Kind;
use super::presign::Signer;

/// How much of an object a list answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Detail {
    /// Everything a client needs, so it never has to GET one by one.
    #[default]
    Full,
    /// `metadata_only`: everything but attribute values.
    MetadataOnly,
    /// `trimmed`: id, name, parent and `updated_at` only.
    Trimmed,
}

pub(crate) struct Renderer<'a> {
    pub state: &'a State,
    pub base_url: &'a str,
    pub signer: &'a Signer,
    /// Whether file objects carry `attributes` (`Readings::file_list_values`).
    pub file_values: bool,
}

impl Renderer<'_> {
    pub(crate) fn object(&self, kind: Kind, record: &Record, detail: Detail) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), Value::String(record.id.clone()));
        if detail == Detail::Trimmed {
            for field in [kind.name_field(), "parent_id", "size"] {
                if let Some(v) = record.fields.get(field) {
                    out.insert(field.into(), v.clone());
                }
            }
            out.insert(UPDATED_FIELD.into(), json!(record.updated_at));
            return Value::Object(out);
        }
        out.extend(record.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        let values_shown = kind != Kind::File || self.file_values;
        if kind.has_attribute_values() && detail == Detail::Full && values_shown {
            out.insert(
                ATTRIBUTES_FIELD.into(),
                Value::Array(self.attribute_values(record)),
            );
        }
        match kind {
            Kind::Region => {
                let collections: Vec<&str> = self
                    .state
                    .table(Kind::Collection)
                    .filter(|c| c.id_list("region_ids").contains(&record.id.as_str()))
                    .map(|c| c.id.as_str())
                    .collect();
                out.insert("collections".into(), json!(collections));
            }
            Kind::File => self.file_links(record, &mut out),
            _ => {}
        }
        out.insert(CREATED_FIELD.into(), json!(record.created_at));
        out.insert(UPDATED_FIELD.into(), json!(record.updated_at));
        Value::Object(out)
    }

    /// `[{"id","name","type","value"}]`, by attribute id.
    pub(crate) fn attribute_values(&self, record: &Record) -> Vec<Value> {
        record
            .values
            .iter()
            .filter_map(|(id, value)| {
                let attribute = self.state.get(Kind::Attribute, id)?;
                Some(json!({
                    "id": id,
                    "name": attribute.fields.get("name"),
                    "type": attribute.fields.get("type"),
                    "value": value,
                }))
            })
            .collect()
    }

    fn file_links(&self, record: &Record, out: &mut Map<String, Value>) {
        let Some(key) = &record.content else {
            return;
        };
        let path = format!("{STORE_PREFIX}/{key}");
        let expires = record.updated_at.as_second() + DOWNLOAD_URL_LIFETIME_SECS;
        out.insert(
            "download_url".into(),
            Value::String(self.signer.url(self.base_url, "GET", &path, &[], expires)),
        );
        let renditions: Map<String, Value> = RENDITIONS
            .iter()
            .map(|r| {
                let url = self.signer.url(
                    self.base_url,
                    "GET",
                    &path,
                    &[("rendition", (*r).to_string())],
                    expires,
                );
                ((*r).to_string(), Value::String(url))
            })
            .collect();
        out.insert("renditions".into(), Value::Object(renditions));
        out.entry("dimensions").or_insert(Value::Null);
        out.entry("labels").or_insert(json!([]));
        out.entry("ocr_text").or_insert(Value::Null);
    }
}
