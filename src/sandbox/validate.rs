//! Applying a create or update body to a record, the way the guide says
//! the API does: fields present are set (arrays replaced wholesale),
//! fields absent are left alone, and the documented rules are enforced
//! (`name` required, variants need an existing parent, `published: true`
//! needs `published_start_date`, references must exist, attribute ops
//! must name existing attributes and fit their type).

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::api_error::ApiError;
use super::assumptions::{
    ATTRIBUTE_TYPES, ATTRIBUTES_FIELD, CREATED_FIELD, PICK_LIST_OPTIONS_FIELD, UPDATED_FIELD,
};
use super::db::{Record, State};
use super::kind::Kind;
use super::refs::{self, Shape};

/// File fields the server computes; a body cannot set them.
const FILE_READ_ONLY: [&str; 5] = ["size", "renditions", "download_url", "version", "versions"];

/// How a body may write `published_start_date` / `published_end_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PublishedDates {
    /// A date or a date-time (the default reading: the upload guide shows
    /// `"2026-01-21"`, the integration guide `"2025-01-01T00:00:00Z"`).
    #[default]
    DateOrDateTime,
    /// Only an RFC 3339 date-time, as the guide's field table types them
    /// (`--strict-dates`).
    DateTime,
}

/// Whether `s` is exactly `YYYY-MM-DD` naming a real day.
pub(crate) fn is_bare_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && s.parse::<Date>().is_ok()
}

/// Parses a date (`YYYY-MM-DD`, midnight UTC), a civil date-time (UTC) or
/// an RFC 3339 timestamp.
pub(crate) fn parse_date(s: &str) -> Option<(Timestamp, bool)> {
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some((ts, false));
    }
    if let Ok(d) = s.parse::<Date>() {
        return d
            .to_zoned(TimeZone::UTC)
            .ok()
            .map(|z| (z.timestamp(), true));
    }
    s.parse::<DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(TimeZone::UTC).ok())
        .map(|z| (z.timestamp(), false))
}

/// The canonical spelling of an attribute type, whatever its case and
/// whether it uses `_` or a space.
fn canonical_type(s: &str) -> Option<&'static str> {
    let wanted = s.trim().to_lowercase().replace('_', " ");
    ATTRIBUTE_TYPES
        .iter()
        .copied()
        .find(|t| t.to_lowercase() == wanted)
}

/// Applies `body` to `record` (a new one when `creating`).
pub(crate) fn apply_body(
    state: &State,
    kind: Kind,
    record: &mut Record,
    body: &Map<String, Value>,
    creating: bool,
    dates: PublishedDates,
) -> Result<(), ApiError> {
    for (key, value) in body {
        let key = key.as_str();
        if key == "id" || key == CREATED_FIELD || key == UPDATED_FIELD {
            continue;
        }
        if kind == Kind::File && FILE_READ_ONLY.contains(&key) {
            continue;
        }
        if key == ATTRIBUTES_FIELD && kind.has_attribute_values() {
            record.values = attribute_ops(state, value)?;
            continue;
        }
        let stored = if let Some(r) = refs::find(kind, key) {
            reference(state, key, r.target, r.shape, value)?
        } else {
            scalar(kind, key, value, dates)?
        };
        record.fields.insert(key.to_string(), stored);
    }

    let name = kind.name_field();
    match record.fields.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        None | Some(Value::Null) if creating => return Err(ApiError::required(name)),
        None => {}
        Some(_) => {
            return Err(ApiError::field(
                name,
                format!("`{name}` must be a non-empty string"),
            ));
        }
    }
    if creating {
        required_on_create(kind, record)?;
        if kind.has_regions()
            && !record.fields.contains_key("region_ids")
            && let Some(primary) = state.primary_region()
        {
            record.fields.insert("region_ids".into(), json!([primary]));
        }
    }
    if kind == Kind::Collection {
        variant_rule(state, record)?;
    }
    publishing_rule(record)?;
    Ok(())
}

fn required_on_create(kind: Kind, record: &Record) -> Result<(), ApiError> {
    let extra: &[&str] = match kind {
        Kind::Resource => &["link"],
        Kind::Attribute => &["type"],
        _ => &[],
    };
    for field in extra {
        if record.fields.get(*field).is_none_or(Value::is_null) {
            return Err(ApiError::required(field));
        }
    }
    Ok(())
}

fn reference(
    state: &State,
    field: &str,
    target: Kind,
    shape: Shape,
    value: &Value,
) -> Result<Value, ApiError> {
    let check = |id: &str| -> Result<(), ApiError> {
        if state.contains(target, id) {
            Ok(())
        } else {
            Err(ApiError::field(
                field,
                format!("`{field}` refers to unknown {} `{id}`", target.ident()),
            ))
        }
    };
    match (shape, value) {
        (_, Value::Null) if shape == Shape::Scalar => Ok(Value::Null),
        (Shape::Scalar, Value::String(id)) => {
            check(id)?;
            Ok(value.clone())
        }
        (Shape::Strings | Shape::IdObjects, Value::Array(items)) => {
            let mut ids: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let id = item
                    .as_str()
                    .or_else(|| item.get("id").and_then(Value::as_str))
                    .ok_or_else(|| {
                        ApiError::field(field, format!("`{field}` must be an array of ids"))
                    })?;
                check(id)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(match shape {
                Shape::IdObjects => {
                    Value::Array(ids.into_iter().map(|id| json!({ "id": id })).collect())
                }
                _ => json!(ids),
            })
        }
        (Shape::Scalar, _) => Err(ApiError::field(
            field,
            format!("`{field}` must be an id or null"),
        )),
        _ => Err(ApiError::field(
            field,
            format!("`{field}` must be an array of ids"),
        )),
    }
}

/// Checks the type of a non-reference field with a documented type.
fn scalar(kind: Kind, key: &str, value: &Value, dates: PublishedDates) -> Result<Value, ApiError> {
    match key {
        "published" | "is_primary" if !value.is_boolean() && !value.is_null() => Err(
            ApiError::field(key, format!("`{key}` must be true or false")),
        ),
        "published_start_date" | "published_end_date" => match (value, dates) {
            (Value::Null, _) => Ok(Value::Null),
            (Value::String(s), PublishedDates::DateOrDateTime) if parse_date(s).is_some() => {
                Ok(value.clone())
            }
            (Value::String(s), PublishedDates::DateTime) if s.parse::<Timestamp>().is_ok() => {
                Ok(value.clone())
            }
            (_, PublishedDates::DateTime) => Err(ApiError::field(
                key,
                format!(
                    "`{key}` must be an RFC 3339 date-time such as `2025-01-01T00:00:00Z`, found {value}"
                ),
            )),
            _ => Err(ApiError::field(
                key,
                format!("`{key}` must be a date (YYYY-MM-DD) or an RFC 3339 date-time"),
            )),
        },
        "collection_type" if kind == Kind::Collection => match value {
            Value::Null => Ok(Value::Null),
            Value::String(s) if s == "parent" || s == "variant" => Ok(value.clone()),
            _ => Err(ApiError::field(
                key,
                "`collection_type` must be `parent`, `variant` or null",
            )),
        },
        "type" if kind == Kind::Attribute => value
            .as_str()
            .and_then(canonical_type)
            .map(|t| Value::String(t.to_string()))
            .ok_or_else(|| {
                ApiError::field(
                    key,
                    format!("`type` must be one of {}", ATTRIBUTE_TYPES.join(", ")),
                )
            }),
        _ => Ok(value.clone()),
    }
}

fn variant_rule(state: &State, record: &Record) -> Result<(), ApiError> {
    let is_variant = record.str_field("collection_type") == Some("variant");
    let parent = record
        .fields
        .get("parent_topic_id")
        .filter(|v| !v.is_null());
    match (is_variant, parent) {
        (true, None) => Err(ApiError::field(
            "parent_topic_id",
            "`parent_topic_id` is required when `collection_type` is `variant`",
        )),
        (true, Some(parent)) => {
            let parent_id = parent.as_str().unwrap_or_default();
            let ok = parent_id != record.id
                && state
                    .get(Kind::Collection, parent_id)
                    .is_some_and(|p| p.str_field("collection_type") == Some("parent"));
            if ok {
                Ok(())
            } else {
                Err(ApiError::field(
                    "parent_topic_id",
                    format!(
                        "`parent_topic_id` `{parent_id}` is not a collection with `collection_type` `parent`"
                    ),
                ))
            }
        }
        (false, Some(_)) => Err(ApiError::field(
            "parent_topic_id",
            "`parent_topic_id` is only valid when `collection_type` is `variant`",
        )),
        (false, None) => Ok(()),
    }
}

fn publishing_rule(record: &Record) -> Result<(), ApiError> {
    let published = record.fields.get("published") == Some(&Value::Bool(true));
    let has_start = record
        .fields
        .get("published_start_date")
        .is_some_and(|v| !v.is_null());
    if published && !has_start {
        return Err(ApiError::field(
            "published_start_date",
            "`published_start_date` is required when `published` is true",
        ));
    }
    Ok(())
}

/// The attribute values an `attributes` op array leaves: the array
/// replaces them wholesale, so values it does not `update` are cleared.
pub(crate) fn attribute_ops(
    state: &State,
    ops: &Value,
) -> Result<BTreeMap<String, Value>, ApiError> {
    let field = ATTRIBUTES_FIELD;
    let ops = ops.as_array().ok_or_else(|| {
        ApiError::field(
            field,
            "`attributes` must be an array of attribute operations",
        )
    })?;
    let mut values = BTreeMap::new();
    for op in ops {
        let id = op
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::field(field, "every attribute operation needs an `id`"))?;
        let attribute = state.get(Kind::Attribute, id).ok_or_else(|| {
            ApiError::field(
                field,
                format!("`attributes` refers to unknown attribute `{id}`"),
            )
        })?;
        match op.get("type").and_then(Value::as_str) {
            Some("update") => {
                let value = op.get("value").ok_or_else(|| {
                    ApiError::field(
                        field,
                        format!("the update of attribute `{id}` needs a `value`"),
                    )
                })?;
                if value.is_null() {
                    values.remove(id);
                } else {
                    check_value(attribute, value)?;
                    values.insert(id.to_string(), value.clone());
                }
            }
            Some("delete") => {
                values.remove(id);
            }
            _ => {
                return Err(ApiError::field(
                    field,
                    format!(
                        "the operation on attribute `{id}` needs a `type` of `update` or `delete`"
                    ),
                ));
            }
        }
    }
    Ok(values)
}

/// Checks a value against its attribute's type.
pub(crate) fn check_value(attribute: &Record, value: &Value) -> Result<(), ApiError> {
    let kind = attribute.str_field("type").unwrap_or("Text");
    let ok = match kind {
        "Number" => {
            value.is_number()
                || value
                    .as_str()
                    .is_some_and(|s| s.trim().parse::<f64>().is_ok())
        }
        "Boolean" => value.is_boolean() || matches!(value.as_str(), Some("true" | "false")),
        "Date" => value.as_str().is_some_and(|s| parse_date(s).is_some()),
        "List" => {
            value.is_string()
                || value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string))
        }
        "Pick List" => match (
            value.as_str(),
            attribute.fields.get(PICK_LIST_OPTIONS_FIELD),
        ) {
            (Some(v), Some(Value::Array(options))) if !options.is_empty() => {
                options.iter().any(|o| o.as_str() == Some(v))
            }
            (Some(_), _) => true,
            (None, _) => false,
        },
        _ => value.is_string(),
    };
    if ok {
        Ok(())
    } else {
        let name = attribute.str_field("name").unwrap_or(&attribute.id);
        Err(ApiError::field(
            ATTRIBUTES_FIELD,
            format!("value {value} does not fit attribute `{name}` of type {kind}"),
        ))
    }
}
