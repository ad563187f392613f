//! The one table of managed fields (`api::fields`) says what the wire
//! types read and what the catalog schema holds: every field's wire name
//! is a name the live type of its kind reads and writes back, and every
//! catalog name is a property of the kind's entries in the schema. A
//! field renamed in one place and not the other fails here.
#![allow(clippy::unwrap_used)]

use pxmctl::api::Kind;
use pxmctl::api::fields::{self, Merge};
use pxmctl::remote::wire::{
    LiveAttribute, LiveAttributeGroup, LiveCategory, LiveCollection, LiveFile, LiveRegion,
    LiveResource,
};
use serde_json::{Map, Value, json};

/// An object of `kind` carrying every field of the table, read by its
/// live type and written back: the names the type knows.
fn round_trip(kind: Kind) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("id".into(), json!("1"));
    for f in fields::of(kind) {
        object.insert(f.wire.into(), json!(null));
    }
    let value = Value::Object(object);
    let back = match kind {
        Kind::Region => serde_json::to_value(serde_json::from_value::<LiveRegion>(value).unwrap()),
        Kind::Attribute => {
            serde_json::to_value(serde_json::from_value::<LiveAttribute>(value).unwrap())
        }
        Kind::AttributeGroup => {
            serde_json::to_value(serde_json::from_value::<LiveAttributeGroup>(value).unwrap())
        }
        Kind::Category => {
            serde_json::to_value(serde_json::from_value::<LiveCategory>(value).unwrap())
        }
        Kind::Collection => {
            serde_json::to_value(serde_json::from_value::<LiveCollection>(value).unwrap())
        }
        Kind::File => serde_json::to_value(serde_json::from_value::<LiveFile>(value).unwrap()),
        Kind::Resource => {
            serde_json::to_value(serde_json::from_value::<LiveResource>(value).unwrap())
        }
    };
    back.unwrap().as_object().unwrap().clone()
}

#[test]
fn every_wire_name_is_one_the_live_type_reads() {
    for kind in Kind::ALL {
        let known = round_trip(kind);
        for f in fields::of(kind) {
            assert!(
                known.contains_key(f.wire),
                "{}: `{}` is not a field of its live type ({:?})",
                kind.ident(),
                f.wire,
                known.keys().collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn every_catalog_name_is_a_property_of_the_kinds_entries() {
    let schema: Value = serde_json::from_str(&pxmctl::catalog::schema::schema_text()).unwrap();
    for kind in Kind::ALL {
        let reference = schema["properties"][kind.map()]["additionalProperties"]["$ref"]
            .as_str()
            .unwrap();
        let definition = reference.trim_start_matches("#/$defs/");
        let properties = &schema["$defs"][definition]["properties"];
        for f in fields::of(kind) {
            // A file's size is read from the account, never written.
            if f == fields::file::SIZE {
                continue;
            }
            assert!(
                properties.get(f.catalog).is_some(),
                "{}: `{}` is not a catalog property",
                kind.ident(),
                f.catalog
            );
        }
    }
}

#[test]
fn identity_fields_are_among_the_kinds_fields_and_never_merged() {
    for kind in Kind::ALL {
        for has_sku in [false, true] {
            for f in fields::identity(kind, has_sku) {
                assert!(fields::of(kind).contains(f), "{}: {f:?}", kind.ident());
                assert!(
                    !matches!(f.merge, Merge::Owned | Merge::OwnedOrdered),
                    "an identity field is set exactly: {f:?}"
                );
            }
        }
    }
}
