//! The kinds of PXM objects and what the guides say of each kind's wire
//! shape: its path, list wrapper, naming field, whether it carries
//! attribute values or regions. Plan, apply, export, the client and the
//! sandbox all use this one list.

use serde::{Deserialize, Serialize};

/// A kind of PXM object: the one list of kinds both sides of the wire use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Every kind, in the order a snapshot holds them.
    pub const ALL: [Kind; 7] = [
        Kind::Region,
        Kind::Attribute,
        Kind::AttributeGroup,
        Kind::Category,
        Kind::Collection,
        Kind::File,
        Kind::Resource,
    ];

    /// The kind as one identifier, as it is serialised: `attribute_group`.
    /// Names live objects in saved plans (`attribute_group/12`) and
    /// actions in rendered plans (`attribute_group.materials`).
    #[must_use]
    pub fn ident(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Attribute => "attribute",
            Self::AttributeGroup => "attribute_group",
            Self::Category => "category",
            Self::Collection => "collection",
            Self::File => "file",
            Self::Resource => "resource",
        }
    }

    /// Singular noun for messages: `attribute group`.
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Attribute => "attribute",
            Self::AttributeGroup => "attribute group",
            Self::Category => "category",
            Self::Collection => "collection",
            Self::File => "file",
            Self::Resource => "resource",
        }
    }

    /// The kind whose catalog map is `map` (`attribute_groups`).
    #[must_use]
    pub fn from_map(map: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.map() == map)
    }

    /// `1 category`, `2 categories`, `3 attribute groups`.
    #[must_use]
    pub fn counted(self, n: usize) -> String {
        if n == 1 {
            format!("1 {}", self.noun())
        } else {
            format!("{n} {}", self.map().replace('_', " "))
        }
    }

    /// The catalog map this kind lives in: `attribute_groups`.
    #[must_use]
    pub fn map(self) -> &'static str {
        match self {
            Self::Region => "regions",
            Self::Attribute => "attributes",
            Self::AttributeGroup => "attribute_groups",
            Self::Category => "categories",
            Self::Collection => "collections",
            Self::File => "files",
            Self::Resource => "resources",
        }
    }

    /// The list endpoint (and base of `/{id}`): `/v2.1/collection`. The
    /// guide's table gives no path for attribute groups; `attribute-group`
    /// is a guess.
    #[must_use]
    pub fn path(self) -> &'static str {
        match self {
            Self::Region => "/v2.1/region",
            Self::Attribute => "/v2.1/attribute",
            Self::AttributeGroup => "/v2.1/attribute-group",
            Self::Category => "/v2.1/category",
            Self::Collection => "/v2.1/collection",
            Self::File => "/v2.1/file",
            Self::Resource => "/v2.1/resource",
        }
    }

    /// The key a list answer wraps its items in (`GET /v2.1/collection`
    /// answers `{"collections": [...]}`), or `None` for a raw array.
    #[must_use]
    pub fn list_key(self) -> Option<&'static str> {
        match self {
            Self::Collection => Some("collections"),
            _ => None,
        }
    }

    /// Whether objects of this kind carry attribute values ("attached to
    /// collections, files, or categories").
    #[must_use]
    pub fn has_attribute_values(self) -> bool {
        matches!(self, Self::Category | Self::Collection | Self::File)
    }

    /// Whether objects of this kind are scoped to regions (the primary
    /// one when `region_ids` is omitted).
    #[must_use]
    pub fn has_regions(self) -> bool {
        matches!(self, Self::Collection | Self::File)
    }

    /// The field that names an object of this kind: required on create.
    #[must_use]
    pub fn name_field(self) -> &'static str {
        match self {
            Self::File => "file_name",
            Self::Resource => "description",
            _ => "name",
        }
    }

    /// The kind an `{entity}` segment of the attribute-value endpoints names.
    #[must_use]
    pub fn from_entity(entity: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.has_attribute_values() && k.ident() == entity)
    }
}
