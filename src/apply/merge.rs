//! The ownership merge on fresh state: what to send so the live object
//! has what the catalog wants while keeping everything pxmctl does not
//! own. A create sends every wanted field; an update only the fields
//! whose merged value differs from the fresh one (compared in the plan's
//! normal forms, so `"12.50"` and `12.5` are the same number).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::desired::{Field, Want};
use super::ids::Ids;
use crate::catalog::check::parse_date;
use crate::catalog::model::AttributeKind;
use crate::plan::values::{attribute_value, date, live_attribute_value};

/// The body to send: for a create (`fresh` is `None`) every field with a
/// value; for an update the changed fields only (empty: nothing to do).
#[must_use]
pub fn body(fields: &[Field], fresh: Option<&Map<String, Value>>, ids: &Ids) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let have = fresh.map(|o| o.get(f.name).unwrap_or(&Value::Null));
        let wanted = value(&f.want, have, ids);
        match have {
            None if wanted.is_null() => {}
            None => {
                out.insert(f.name.to_owned(), wanted);
            }
            Some(have) => {
                if !same(&f.want, have, &wanted) {
                    out.insert(f.name.to_owned(), wanted);
                }
            }
        }
    }
    out
}

/// The wire value of `want`, merged into `have` for wholesale arrays.
fn value(want: &Want, have: Option<&Value>, ids: &Ids) -> Value {
    match want {
        Want::Text(t) => t.as_ref().map_or(Value::Null, |t| json!(t)),
        Want::Flag(b) => json!(b),
        Want::Id(id) => id.as_ref().map_or(Value::Null, |id| json!(id)),
        Want::Date(ts) => ts.as_ref().map_or(Value::Null, date),
        Want::Set(items) => json!(items),
        Want::TypeName(t) => json!(t),
        Want::Merged {
            kind,
            desired,
            objects,
        } => {
            let mut merged: Vec<String> = have
                .map(ids_of)
                .unwrap_or_default()
                .into_iter()
                .filter(|id| !ids.is_managed(*kind, id))
                .collect();
            for id in desired {
                if !merged.contains(id) {
                    merged.push(id.clone());
                }
            }
            if *objects {
                Value::Array(merged.into_iter().map(|id| json!({ "id": id })).collect())
            } else {
                json!(merged)
            }
        }
        Want::Exact(items) => json!(items),
        Want::Values(managed) => {
            // The `attributes` op array replaces every value: values the
            // YAML does not name are sent back as they are.
            let mut ops: Vec<Value> = have
                .map(live_values)
                .unwrap_or_default()
                .into_iter()
                .filter(|(id, _)| !managed.iter().any(|(m, _, _)| m == id))
                .map(|(id, v)| json!({ "id": id, "type": "update", "value": v }))
                .collect();
            for (id, _, v) in managed {
                let wire = attribute_value(v);
                if !wire.is_null() {
                    ops.push(json!({ "id": id, "type": "update", "value": wire }));
                }
            }
            Value::Array(ops)
        }
    }
}

/// Whether `have` already is `wanted`.
fn same(want: &Want, have: &Value, wanted: &Value) -> bool {
    match want {
        Want::Text(t) => {
            text(have).filter(|s| !s.is_empty()) == t.clone().filter(|s| !s.is_empty())
        }
        Want::Flag(b) => flag(have) == *b,
        Want::Id(id) => id_of(have) == *id,
        Want::Date(ts) => {
            let live = text(have).filter(|s| !s.is_empty());
            match (live, ts) {
                (None, None) => true,
                (Some(s), Some(ts)) => parse_date(&s).is_some_and(|l| l == *ts),
                _ => false,
            }
        }
        Want::Set(items) => {
            let have: BTreeSet<String> = texts(have).into_iter().collect();
            have == items.iter().cloned().collect()
        }
        Want::TypeName(name) => text(have).is_some_and(|t| {
            let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], " ");
            norm(&t) == norm(name)
        }),
        Want::Merged { .. } | Want::Exact(_) => {
            let have: BTreeSet<String> = ids_of(have).into_iter().collect();
            have == ids_of(wanted).into_iter().collect()
        }
        Want::Values(managed) => {
            let live = live_values(have);
            managed.iter().all(|(id, kind, v)| {
                let current = live
                    .iter()
                    .find(|(l, _)| l == id)
                    .map_or(Value::Null, |(_, value)| live_attribute_value(kind, value));
                current == normal(kind, &attribute_value(v))
            })
        }
    }
}

/// Whether `object` already holds what `field` wants.
#[must_use]
pub fn holds(field: &Field, object: &Map<String, Value>, ids: &Ids) -> bool {
    let have = object.get(field.name).unwrap_or(&Value::Null);
    same(&field.want, have, &value(&field.want, Some(have), ids))
}

/// A desired value in the normal form `live_attribute_value` gives.
fn normal(kind: &AttributeKind, v: &Value) -> Value {
    live_attribute_value(kind, v)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| text(i).or_else(|| i.get("name").and_then(text)))
            .collect(),
        _ => Vec::new(),
    }
}

fn flag(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true") || s == "1",
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    }
}

pub fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("id").and_then(id_of),
        _ => None,
    }
}

fn ids_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(id_of).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// `(attribute id, raw value)` of a live object's values, from the list
/// or the keyed-object shape.
fn live_values(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| {
                Some((
                    id_of(i.get("id")?)?,
                    i.get("value").cloned().unwrap_or(Value::Null),
                ))
            })
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::AttributeValue;
    use crate::plan::Kind;

    fn ids() -> Ids {
        let ids = Ids::default();
        ids.insert(Kind::Collection, "managed", "c1");
        ids.insert(Kind::Attribute, "color", "a1");
        ids
    }

    #[test]
    fn a_link_made_in_the_ui_survives_the_merge() {
        let fields = [Field {
            name: "collections",
            want: Want::Merged {
                kind: Kind::Collection,
                desired: vec!["c2".into()],
                objects: true,
            },
        }];
        let fresh = json!({"collections": [{"id": "ui"}, {"id": "c1"}]});
        let body = body(&fields, fresh.as_object(), &ids());
        assert_eq!(body["collections"], json!([{"id": "ui"}, {"id": "c2"}]));
    }

    #[test]
    fn an_update_sends_only_what_differs_in_normal_form() {
        let ts: jiff::Timestamp = "2026-03-01T00:00:00Z".parse().expect("ts");
        let fields = [
            Field {
                name: "name",
                want: Want::Text(Some("Jacket".into())),
            },
            Field {
                name: "published_start_date",
                want: Want::Date(Some(ts)),
            },
            Field {
                name: "attributes",
                want: Want::Values(vec![(
                    "a1".into(),
                    AttributeKind::Number,
                    AttributeValue::Number(serde_json::Number::from(12)),
                )]),
            },
        ];
        let fresh = json!({
            "name": "Jacket",
            "published_start_date": "2026-03-01T00:00:00+00:00",
            "attributes": [{"id": "a1", "value": "12.0"}, {"id": "a9", "value": "kept"}],
        });
        assert!(body(&fields, fresh.as_object(), &ids()).is_empty());
        let fresh = json!({"name": "Old", "attributes": [{"id": "a9", "value": "kept"}]});
        let sent = body(&fields, fresh.as_object(), &ids());
        assert_eq!(sent["name"], json!("Jacket"));
        assert_eq!(sent["published_start_date"], json!("2026-03-01"));
        assert_eq!(
            sent["attributes"],
            json!([{"id": "a9", "type": "update", "value": "kept"}, {"id": "a1", "type": "update", "value": 12}])
        );
    }

    #[test]
    fn a_create_sends_every_field_with_a_value() {
        let fields = [
            Field {
                name: "name",
                want: Want::Text(Some("A".into())),
            },
            Field {
                name: "parent_id",
                want: Want::Id(None),
            },
        ];
        let sent = body(&fields, None, &ids());
        assert_eq!(Value::Object(sent), json!({"name": "A"}));
    }
}
