//! Every field pxmctl manages, per kind: its name in the catalog (and in
//! plans), its name on the wire, how its value travels ([`Codec`]) and how
//! an update merges it with the live value ([`Merge`]). The diff names
//! changes by `catalog`, apply builds bodies by `wire` and picks the merge
//! by `merge`, the lost-answer lookup matches [`identity`] fields, and a
//! test holds the wire types' serde names and the catalog schema's
//! property names to this table.

use super::Kind;

/// How a field's value is written and read (`super::codec` for values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Text; `null` clears it.
    Text,
    /// Another object's id.
    Id,
    /// A list of ids (`["1", "2"]`).
    Ids,
    /// A list of `{"id": ...}` objects (a file's collections).
    IdObjects,
    /// A boolean.
    Flag,
    /// A `date-time` (RFC 3339 instant).
    DateTime,
    /// An attribute type name, compared loosely (`pick_list`).
    TypeName,
    /// A list of texts.
    Texts,
    /// The `attributes` op array of a collection.
    Values,
    /// A number.
    Number,
}

/// How an update sends a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The catalog's value replaces the live one.
    Replace,
    /// A wholesale array ("PUT requests fully replace array fields"): the
    /// live items no entry manages are kept, compared as a set.
    Owned,
    /// As [`Merge::Owned`], where the order is data (a group's members).
    OwnedOrdered,
    /// Replaced whole, order kept (pick-list options).
    Ordered,
    /// The values the catalog names; the others are sent back unchanged.
    Values,
}

/// One managed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// In the catalog and in plans (`also_in`).
    pub catalog: &'static str,
    /// On the wire (`direct_parent`).
    pub wire: &'static str,
    pub codec: Codec,
    pub merge: Merge,
}

const fn field(catalog: &'static str, wire: &'static str, codec: Codec, merge: Merge) -> Field {
    Field {
        catalog,
        wire,
        codec,
        merge,
    }
}

/// Fields several kinds share.
pub mod common {
    use super::{Codec, Field, Merge, field};

    pub const NAME: Field = field("name", "name", Codec::Text, Merge::Replace);
    /// Publishing is one catalog field (`published: false | { start, end }`)
    /// over three on the wire.
    pub const PUBLISHED: Field = field("published", "published", Codec::Flag, Merge::Replace);
    pub const PUBLISHED_START: Field = field(
        "published",
        "published_start_date",
        Codec::DateTime,
        Merge::Replace,
    );
    pub const PUBLISHED_END: Field = field(
        "published",
        "published_end_date",
        Codec::DateTime,
        Merge::Replace,
    );
    pub const REGIONS: Field = field("regions", "region_ids", Codec::Ids, Merge::Owned);
}

pub mod attribute {
    use super::{Codec, Field, Merge, field};

    pub const TYPE: Field = field("type", "type", Codec::TypeName, Merge::Replace);
    pub const OPTIONS: Field = field("options", "options", Codec::Texts, Merge::Ordered);
    pub const DESCRIPTION: Field = field("description", "description", Codec::Text, Merge::Replace);
}

pub mod attribute_group {
    use super::{Codec, Field, Merge, field};

    /// Member attributes, in display order.
    pub const MEMBERS: Field = field("attributes", "attributes", Codec::Ids, Merge::OwnedOrdered);
}

pub mod category {
    use super::{Codec, Field, Merge, field};

    pub const PARENT: Field = field("parent", "parent_id", Codec::Id, Merge::Replace);
}

pub mod collection {
    use super::{Codec, Field, Merge, field};

    /// `parent`, `variant`, or absent for a standalone collection.
    pub const TYPE: Field = field("type", "collection_type", Codec::Text, Merge::Replace);
    /// A variant's family parent.
    pub const PARENT: Field = field("parent", "parent_topic_id", Codec::Id, Merge::Replace);
    /// The primary category.
    pub const CATEGORY: Field = field("category", "parent_id", Codec::Id, Merge::Replace);
    pub const ALSO_IN: Field = field("also_in", "direct_parent", Codec::Ids, Merge::Owned);
    pub const SKU: Field = field("sku", "additional_title", Codec::Text, Merge::Replace);
    pub const ATTRIBUTES: Field = field("attributes", "attributes", Codec::Values, Merge::Values);
}

pub mod file {
    use super::{Codec, Field, Merge, field};

    pub const NAME: Field = field("name", "file_name", Codec::Text, Merge::Replace);
    pub const COLLECTIONS: Field =
        field("collections", "collections", Codec::IdObjects, Merge::Owned);
    /// Read, never written: with the name, what finds a file after a lost confirm.
    pub const SIZE: Field = field("size", "size", Codec::Number, Merge::Replace);
}

pub mod resource {
    use super::{Codec, Field, Merge, field};

    pub const DESCRIPTION: Field = field("description", "description", Codec::Text, Merge::Replace);
    pub const LINK: Field = field("link", "link", Codec::Text, Merge::Replace);
    pub const CATEGORY: Field = field("category", "category_id", Codec::Id, Merge::Replace);
    /// A resource's collections are part of its identity: set exactly.
    pub const COLLECTIONS: Field = field("collections", "collections", Codec::Ids, Merge::Replace);
}

/// The fields that identify an object of `kind` (what the plan matches
/// on); a collection with a sku is identified by it alone.
#[must_use]
pub fn identity(kind: Kind, has_sku: bool) -> &'static [Field] {
    match kind {
        Kind::Category => &[common::NAME, category::PARENT],
        Kind::Collection if has_sku => &[collection::SKU],
        Kind::Collection => &[common::NAME, collection::CATEGORY, collection::PARENT],
        Kind::File => &[file::NAME, file::SIZE],
        Kind::Resource => &[resource::LINK, resource::CATEGORY, resource::COLLECTIONS],
        Kind::Region | Kind::Attribute | Kind::AttributeGroup => &[common::NAME],
    }
}

/// Every field of `kind`, for the consistency tests.
#[must_use]
pub fn of(kind: Kind) -> Vec<Field> {
    let mut out = vec![common::NAME];
    match kind {
        Kind::Region => {}
        Kind::Attribute => {
            out.extend([attribute::TYPE, attribute::OPTIONS, attribute::DESCRIPTION])
        }
        Kind::AttributeGroup => out.push(attribute_group::MEMBERS),
        Kind::Category => out.push(category::PARENT),
        Kind::Collection => out.extend([
            collection::TYPE,
            collection::PARENT,
            collection::CATEGORY,
            collection::ALSO_IN,
            collection::SKU,
            collection::ATTRIBUTES,
            common::PUBLISHED,
            common::PUBLISHED_START,
            common::PUBLISHED_END,
            common::REGIONS,
        ]),
        Kind::File => {
            out = vec![
                file::NAME,
                file::COLLECTIONS,
                file::SIZE,
                common::PUBLISHED,
                common::PUBLISHED_START,
                common::PUBLISHED_END,
                common::REGIONS,
            ];
        }
        Kind::Resource => {
            out = vec![
                resource::DESCRIPTION,
                resource::LINK,
                resource::CATEGORY,
                resource::COLLECTIONS,
            ];
        }
    }
    out
}
