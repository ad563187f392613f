//! The table of fields that point at other objects. Validation checks
//! them on every write; deleting an object scrubs the links to it (and
//! refuses when children or variants still hang from it).

use serde_json::Value;

use super::kind::Kind;

/// How a reference field holds its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A single id or `null`.
    Scalar,
    /// An array of id strings.
    Strings,
    /// An array of `{ "id": ... }` objects (a file's `collections`).
    IdObjects,
}

/// One reference field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref {
    pub owner: Kind,
    pub field: &'static str,
    pub target: Kind,
    pub shape: Shape,
    /// Deleting the target is refused while this field points at it.
    pub blocks_delete: bool,
}

const fn r(
    owner: Kind,
    field: &'static str,
    target: Kind,
    shape: Shape,
    blocks_delete: bool,
) -> Ref {
    Ref {
        owner,
        field,
        target,
        shape,
        blocks_delete,
    }
}

pub(crate) const REFS: [Ref; 11] = [
    r(
        Kind::Category,
        "parent_id",
        Kind::Category,
        Shape::Scalar,
        true,
    ),
    r(
        Kind::Collection,
        "parent_id",
        Kind::Category,
        Shape::Scalar,
        false,
    ),
    r(
        Kind::Collection,
        "direct_parent",
        Kind::Category,
        Shape::Strings,
        false,
    ),
    r(
        Kind::Collection,
        "parent_topic_id",
        Kind::Collection,
        Shape::Scalar,
        true,
    ),
    r(
        Kind::Collection,
        "region_ids",
        Kind::Region,
        Shape::Strings,
        false,
    ),
    r(
        Kind::File,
        "parent_id",
        Kind::Category,
        Shape::Scalar,
        false,
    ),
    r(
        Kind::File,
        "collections",
        Kind::Collection,
        Shape::IdObjects,
        false,
    ),
    r(
        Kind::File,
        "region_ids",
        Kind::Region,
        Shape::Strings,
        false,
    ),
    r(
        Kind::Resource,
        "category_id",
        Kind::Category,
        Shape::Scalar,
        false,
    ),
    r(
        Kind::Resource,
        "collections",
        Kind::Collection,
        Shape::Strings,
        false,
    ),
    r(
        Kind::AttributeGroup,
        "attributes",
        Kind::Attribute,
        Shape::Strings,
        false,
    ),
];

/// The reference field `field` of `owner`, if it is one.
pub(crate) fn find(owner: Kind, field: &str) -> Option<&'static Ref> {
    REFS.iter().find(|r| r.owner == owner && r.field == field)
}

/// Whether `value` (in this shape) points at `id`.
pub(crate) fn points_at(shape: Shape, value: &Value, id: &str) -> bool {
    match (shape, value) {
        (Shape::Scalar, Value::String(s)) => s == id,
        (Shape::Strings | Shape::IdObjects, Value::Array(items)) => items
            .iter()
            .any(|v| v.as_str().or_else(|| v.get("id").and_then(Value::as_str)) == Some(id)),
        _ => false,
    }
}

/// `value` without its links to `id`.
pub(crate) fn without(shape: Shape, value: &Value, id: &str) -> Value {
    match (shape, value) {
        (Shape::Scalar, _) => Value::Null,
        (_, Value::Array(items)) => Value::Array(
            items
                .iter()
                .filter(|v| v.as_str().or_else(|| v.get("id").and_then(Value::as_str)) != Some(id))
                .cloned()
                .collect(),
        ),
        _ => value.clone(),
    }
}
