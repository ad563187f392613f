//! The catalog format as written in YAML: one struct per kind, the source
//! of both typed decoding and the published JSON Schema (so the editor and
//! `pxmctl validate` can never disagree). These types accept anything the
//! schema accepts; `check` turns them into model types that hold only
//! valid catalogs.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::json_schema::TextPattern;
use super::sorted::SortedMap;

/// Declares a kind pxmctl manages, adding the fields every such kind
/// shares. A macro rather than `#[serde(flatten)]`, which serde cannot
/// combine with `deny_unknown_fields`.
macro_rules! managed_entry {
    (
        $(#[$attr:meta])*
        pub struct $name:ident { $($body:tt)* }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $($body)*
            /// Pins the entry to a live object by id instead of its
            /// natural identity: ids per environment
            /// (`id: { production: "90210" }`), or one id for every
            /// environment. `pxmctl export` writes a pin only where the
            /// natural identity is shared by several live objects.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub id: Option<Pin>,
            /// The entry's previous live identity (its old name; for a
            /// collection with a sku, its old sku; for a file, its old file
            /// name), so a rename is planned as an update instead of a
            /// delete and a create.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(length(min = 1))]
            pub renamed_from: Option<String>,
            /// Never delete or replace this object; a plan that would do so
            /// fails.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub protect: Option<bool>,
        }

        impl Pinned for $name {
            fn pin_mut(&mut self) -> &mut Option<Pin> {
                &mut self.id
            }
        }
    };
}

/// Entries that may carry a pin.
pub trait Pinned {
    fn pin_mut(&mut self) -> &mut Option<Pin>;
}

/// An entry key: a stable slug other entries use to refer to this one.
pub type Key = String;

/// The pattern every key matches: what export derives from names and what
/// reads well in a reference.
pub const KEY_PATTERN: &str = KEY.regex;

/// Entry keys.
pub const KEY: TextPattern = TextPattern {
    regex: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$",
    matches: is_valid_key,
};

/// A file's `mime_type`: `type/subtype` in lower case.
pub const MIME_TYPE: TextPattern = TextPattern {
    regex: r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$",
    matches: |text| {
        let token = |part: &str| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && chars.all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || "!#$&^_.+-".contains(c)
                })
        };
        text.split_once('/')
            .is_some_and(|(kind, sub)| token(kind) && token(sub))
    },
};

/// A resource's `link`: an absolute URL with a scheme.
pub const URL: TextPattern = TextPattern {
    regex: r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$",
    matches: |text| {
        // The scheme's characters exclude `:`, so the longest run of them
        // is the only one `://` can follow.
        let scheme = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .unwrap_or(text.len());
        let rest = &text[scheme..];
        text.starts_with(|c: char| c.is_ascii_alphabetic())
            && rest
                .strip_prefix("://")
                .is_some_and(|after| !after.is_empty() && !after.contains(char::is_whitespace))
    },
};

/// Every pattern the catalog schema may use; its validator refuses any
/// other.
pub const PATTERNS: [&TextPattern; 3] = [&KEY, &MIME_TYPE, &URL];

/// Whether a key matches [`KEY_PATTERN`].
#[must_use]
pub fn is_valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && key.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Reads a date as the catalog writes it: `YYYY-MM-DD` (midnight UTC) or
/// an RFC 3339 date-time. (What the API sends is read by `api::codec`,
/// which accepts more.)
#[must_use]
pub fn parse_date(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// One catalog file. Every map is optional, and entries of one kind may be
/// spread over any number of files.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pxmctl catalog file")]
pub struct CatalogFile {
    /// Regions (org units) the catalog refers to. Regions are read-only in
    /// the API: pxmctl matches them by name and never creates them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub regions: BTreeMap<Key, Region>,
    /// Global attribute definitions (metadata fields).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub attributes: BTreeMap<Key, Attribute>,
    /// Named groups of attributes, as shown on a collection.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub attribute_groups: BTreeMap<Key, AttributeGroup>,
    /// Category folders, nested through `parent`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub categories: BTreeMap<Key, Category>,
    /// Products: standalone, parents of a family, or variants.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub collections: BTreeMap<Key, Collection>,
    /// Files (images, PDFs, videos): assets uploaded from the catalog
    /// directory (`path`), or live files managed by `name` alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub files: BTreeMap<Key, File>,
    /// URL references attached to a category or to collections.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub resources: BTreeMap<Key, Resource>,
    /// Kinds whose live objects that are not in the catalog may be deleted.
    /// Without this, pxmctl never deletes anything of that kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("uniqueItems" = true))]
    pub prune: Vec<PruneKind>,
}

/// A kind that `prune:` may name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PruneKind {
    Attributes,
    AttributeGroups,
    Categories,
    Collections,
    Files,
    Resources,
}

impl PruneKind {
    /// Every kind a prune can delete (regions are read-only).
    pub const ALL: [Self; 6] = [
        Self::Attributes,
        Self::AttributeGroups,
        Self::Categories,
        Self::Collections,
        Self::Files,
        Self::Resources,
    ];
}

/// A region (org unit), matched by name. Read-only in the API.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// The region's display name in PXM.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Pins the region to a live one by id (see `Pin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Pin>,
}

/// Which live object an entry is pinned to. Ids belong to one account,
/// so a pin names the environment (from `pxmctl.yaml`) it is for; in
/// any other environment the entry is matched by its natural identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Pin {
    /// The same id in every environment: only right for a catalog that
    /// serves one account.
    Everywhere(#[schemars(length(min = 1))] String),
    /// Environment name → id.
    #[schemars(extend("minProperties" = 1, "additionalProperties" = {"type": "string", "minLength": 1}))]
    PerEnvironment(BTreeMap<String, String>),
}

impl Pinned for Region {
    fn pin_mut(&mut self) -> &mut Option<Pin> {
        &mut self.id
    }
}

/// The value type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// Free text.
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A list of text values.
    List,
    /// One value out of `options`.
    PickList,
    /// `true` or `false`.
    Boolean,
    /// A number.
    Number,
}

managed_entry! {
/// A global attribute definition, matched by name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name in PXM.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The type of its values.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// The allowed values of a `pick_list` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub options: Option<Vec<String>>,
    /// A description shown to editors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
}

managed_entry! {
/// A named group of attributes, matched by name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeGroup {
    /// The group's name in PXM.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Keys of the attributes in this group, in display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub attributes: Option<Vec<Key>>,
}
}

managed_entry! {
/// A category folder, matched by its parent and name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The category's name in PXM.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Key of the category this one is nested in (the API's `parent_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Key>,
    /// When true, live subcategories of this category that the catalog
    /// does not name are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
}
}

/// Whether a collection stands alone, heads a family, or is a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CollectionType {
    /// A product family (the API's `collection_type: parent`).
    Parent,
    /// One SKU of a family; needs `parent`.
    Variant,
}

managed_entry! {
/// A product (collection), matched by `sku` when set, else by its
/// parent (variant parent or category) and name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// The product name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// `parent` for a family, `variant` for a SKU of one; omit for a
    /// standalone product.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CollectionType>,
    /// Key of the parent collection of a variant (the API's
    /// `parent_topic_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Key>,
    /// Key of the primary category (the API's `parent_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Key>,
    /// Keys of further categories (the API's `direct_parent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub also_in: Option<Vec<Key>>,
    /// The SKU (the API's `additional_title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub sku: Option<String>,
    // Boxed, as few entries have one: 40 bytes of every entry otherwise.
    // (A `//` comment: a doc comment would become the schema's description.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Box<Published>>,
    /// Attribute values by attribute key; `null` clears a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BTreeMap<Key, AttributeValue>>")]
    pub attributes: Option<SortedMap<Key, AttributeValue>>,
    /// Keys of the regions this product is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub regions: Option<Vec<Key>>,
}
}

/// `false` to unpublish, or a window with a start date:
/// `{ start: 2026-01-01 }` (optionally `end:`).
///
/// `true` alone is refused because the API needs a start date with it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Published {
    Flag(bool),
    Window(PublishWindow),
}

/// A publishing window. Dates are `YYYY-MM-DD` or RFC 3339 date-times.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishWindow {
    /// First day (or instant) the object is published.
    pub start: String,
    /// Last day (or instant), if the publication ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A string, a number, `true`/`false`, a list of strings, or `null` to
/// clear the value; it must fit the attribute's type.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AttributeValue {
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
    List(Vec<String>),
    /// `null` clears the value in the live account.
    Clear(()),
}

/// What to do when a file of the same name already exists live and is not
/// this entry's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Leave the existing file alone and do not upload.
    Skip,
    /// Replace the existing file's content, keeping its id and links.
    #[default]
    Overwrite,
    /// Upload as a new version of the existing file.
    Version,
}

/// What to do when a new file's bytes are already live in another file
/// (its recorded SHA-256 is the asset's), in the spirit of other upload
/// APIs' duplicate strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IfDuplicate {
    /// Upload a copy anyway; the plan notes the duplicate.
    #[default]
    Upload,
    /// Use the live file instead of uploading a copy: the entry takes it
    /// over (its name, links, regions and publishing follow the entry).
    Reuse,
    /// Refuse to plan: the bytes must not be in the account twice.
    Reject,
}

managed_entry! {
/// A file (image, PDF, video) in PXM, matched by file name. With `path`,
/// pxmctl uploads the asset from the catalog directory whenever its bytes
/// change; without it, the entry names a live file by `name` and pxmctl
/// manages only its links, regions and publishing, never its bytes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "anyOf" = [{"required": ["path"]}, {"required": ["name"]}],
    "dependentRequired" = {"mime_type": ["path"], "on_conflict": ["path"], "if_duplicate": ["path"]}
))]
pub struct File {
    /// Path of the asset, relative to the catalog directory; omit it to
    /// manage a live file named by `name` without uploading bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1), extend("type" = "string"))]
    pub path: Option<String>,
    /// The file name in PXM; defaults to the last part of `path`, and is
    /// required without `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1), extend("type" = "string"))]
    pub name: Option<String>,
    /// The asset's MIME type; defaults to the one the extension of `path`
    /// implies. Only with `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = MIME_TYPE.regex))]
    pub mime_type: Option<String>,
    /// Keys of the collections this file is linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub collections: Option<Vec<Key>>,
    /// Keys of the regions this file is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub regions: Option<Vec<Key>>,
    // Boxed, as few entries have one: 40 bytes of every entry otherwise.
    // (A `//` comment: a doc comment would become the schema's description.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Box<Published>>,
    /// What an upload does when another live file already has this name.
    /// Only with `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<OnConflict>,
    /// What a new file does when its bytes are already live in another
    /// file: `upload` a copy (default), `reuse` that file, or `reject`
    /// the plan. Only with `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_duplicate: Option<IfDuplicate>,
}
}

managed_entry! {
/// A URL reference on a category or on collections, matched by link and
/// owner.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// A human-readable label.
    #[schemars(length(min = 1))]
    pub description: String,
    /// The URL.
    #[schemars(regex(pattern = URL.regex))]
    pub link: String,
    /// Key of the category this resource belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Key>,
    /// Keys of the collections this resource is linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("uniqueItems" = true))]
    pub collections: Option<Vec<Key>>,
}
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_and_datetimes_parse() {
        assert_eq!(parse_date("2026-01-01"), parse_date("2026-01-01T00:00:00Z"));
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("tomorrow").is_none());
    }
}
