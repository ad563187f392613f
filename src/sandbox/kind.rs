//! The kinds of objects the sandbox stores, and what each kind's wire
//! shape looks like (path segment, list wrapper, required fields).
//! Knows nothing about HTTP or storage.

use serde::{Deserialize, Serialize};

use super::assumptions;

/// A kind of PXM object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Region,
    Attribute,
    AttributeGroup,
    Category,
    Collection,
    File,
    Resource,
}

impl Kind {
    /// Every kind, in the order a seed is loaded (referenced kinds first).
    pub const ALL: [Kind; 7] = [
        Kind::Region,
        Kind::Attribute,
        Kind::AttributeGroup,
        Kind::Category,
        Kind::Collection,
        Kind::File,
        Kind::Resource,
    ];

    /// The singular name used in messages, stats and seed files.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Region => "region",
            Kind::Attribute => "attribute",
            Kind::AttributeGroup => "attribute_group",
            Kind::Category => "category",
            Kind::Collection => "collection",
            Kind::File => "file",
            Kind::Resource => "resource",
        }
    }

    /// The path segment under `/v2.1/`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::AttributeGroup => assumptions::ATTRIBUTE_GROUP_SEGMENT,
            other => other.label(),
        }
    }

    /// The key a list answer wraps its items in, or `None` for a raw array.
    pub fn list_key(self) -> Option<&'static str> {
        match self {
            Kind::Collection => Some("collections"),
            _ => None,
        }
    }

    /// Whether objects of this kind carry attribute values.
    pub fn has_attribute_values(self) -> bool {
        matches!(self, Kind::Category | Kind::Collection | Kind::File)
    }

    /// Whether objects of this kind are scoped to regions (primary by default).
    pub fn has_regions(self) -> bool {
        matches!(self, Kind::Collection | Kind::File)
    }

    /// The field that names an object of this kind: required on create and
    /// matched by search.
    pub fn name_field(self) -> &'static str {
        match self {
            Kind::File => "file_name",
            Kind::Resource => "description",
            _ => "name",
        }
    }

    /// Parses an `{entity}` path segment of the attribute-values routes.
    pub fn from_entity(entity: &str) -> Option<Kind> {
        match entity {
            "category" => Some(Kind::Category),
            "collection" => Some(Kind::Collection),
            "file" => Some(Kind::File),
            _ => None,
        }
    }
}
