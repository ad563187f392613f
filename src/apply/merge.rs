//! The ownership merge on fresh state: what to send so the live object
//! has what the catalog wants while keeping everything pxmctl does not
//! own. A create sends every wanted field; an update only the fields
//! whose merged value differs from the fresh one (compared in the plan's
//! normal forms, so `"12.50"` and `12.5` are the same number).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::desired::{Field, Want};
use super::ids::Ids;
use crate::api::codec::{self, DateType};
use crate::plan::normal_form::{attribute_value, live_attribute_value};
use crate::remote::wire::{flag_of, id_of, ids_of, text_of, texts_of, values_of};

/// The body to send: for a create (`fresh` is `None`) every field with a
/// value; for an update the changed fields only (empty: nothing to do).
#[must_use]
pub(super) fn body(
    fields: &[Field],
    fresh: Option<&Map<String, Value>>,
    ids: &Ids,
) -> Map<String, Value> {
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
        // Publishing dates are typed `date-time` in the guide.
        Want::Date(ts) => ts.map_or(Value::Null, |ts| {
            json!(codec::write_date(ts, DateType::DateTime))
        }),
        Want::Ordered(items) => json!(items),
        Want::TypeName(t) => json!(t),
        Want::Merged {
            kind,
            desired,
            objects,
            ..
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
                .map(values_of)
                .unwrap_or_default()
                .into_iter()
                .filter(|v| !managed.iter().any(|(m, _, _)| **m == *v.id))
                .map(|v| json!({ "id": v.id, "type": "update", "value": v.value }))
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
            text_of(have).filter(|s| !s.is_empty()) == t.clone().filter(|s| !s.is_empty())
        }
        Want::Flag(b) => flag_of(have) == *b,
        Want::Id(id) => id_of(have) == *id,
        Want::Date(ts) => {
            let live = text_of(have).filter(|s| !s.is_empty());
            match (live, ts) {
                (None, None) => true,
                (Some(s), Some(ts)) => codec::read_date(&s).is_some_and(|l| l == *ts),
                _ => false,
            }
        }
        Want::Ordered(items) => texts_of(have) == *items,
        Want::TypeName(name) => text_of(have).is_some_and(|t| {
            let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], " ");
            norm(&t) == norm(name)
        }),
        Want::Merged { ordered: true, .. } => ids_of(have) == ids_of(wanted),
        Want::Merged { .. } | Want::Exact(_) => {
            let have: BTreeSet<String> = ids_of(have).into_iter().collect();
            have == ids_of(wanted).into_iter().collect()
        }
        Want::Values(managed) => {
            let live = values_of(have);
            managed.iter().all(|(id, kind, v)| {
                let current = live
                    .iter()
                    .find(|l| *l.id == **id)
                    .map_or(Value::Null, |l| live_attribute_value(kind, &l.value));
                current == live_attribute_value(kind, &attribute_value(v))
            })
        }
    }
}

/// Whether `object` already holds what `field` wants.
#[must_use]
pub(super) fn holds(field: &Field, object: &Map<String, Value>, ids: &Ids) -> bool {
    let have = object.get(field.name).unwrap_or(&Value::Null);
    same(&field.want, have, &value(&field.want, Some(have), ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{AttributeKind, AttributeValue};
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
                ordered: false,
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
        assert_eq!(
            sent["published_start_date"],
            json!("2026-03-01T00:00:00Z"),
            "a date-time field gets a full instant"
        );
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
