//! The checked catalog: what `check` produces once every reference
//! resolves, every value fits its type and every asset is readable. These
//! types cannot hold what the checks refuse (a variant without a parent, a
//! pick-list value outside its options), and do no I/O.

use crate::api::Kind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use std::sync::Arc;

use jiff::Timestamp;

pub use super::entries::{Entries, Keyed};
pub use super::format::{CollectionType, IfDuplicate, OnConflict, PruneKind};
pub use super::sorted::{SortedMap, SortedSet};
use crate::diag::{Code, Diagnostic, Location};

/// An entry key.
pub type Key = String;

/// A checked entry: its key, its checked value, the fields every managed
/// kind shares, and where it was declared. The value is boxed for the
/// reason a raw one is (`parse::RawEntry`): a map of a million entries is
/// built from a list of them, sorted, and a collection is 176 bytes.
#[derive(Debug, Clone)]
pub struct Entry<T> {
    pub key: Key,
    pub value: Box<T>,
    /// The pin in force: an id for every environment, or, once
    /// [`Catalog::select_environment`] has run, the selected one's.
    pub id: Option<String>,
    /// Ids per environment name (`id: { production: "90210" }`).
    pub pins: BTreeMap<String, String>,
    pub renamed_from: Option<String>,
    pub protect: bool,
    pub declared_at: Location,
}

impl<T> Keyed for Entry<T> {
    fn key(&self) -> &Key {
        &self.key
    }
}

/// A whole checked catalog. Maps are ordered by key so everything derived
/// from it is deterministic.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The catalog directory.
    pub root: PathBuf,
    pub regions: Entries<Entry<Region>>,
    pub attributes: Entries<Entry<Attribute>>,
    pub attribute_groups: Entries<Entry<AttributeGroup>>,
    pub categories: Entries<Entry<Category>>,
    pub collections: Entries<Entry<Collection>>,
    pub files: Entries<Entry<File>>,
    pub resources: Entries<Entry<Resource>>,
    pub prune: BTreeSet<PruneKind>,
    /// The key of the Text attribute recording each asset's SHA-256 on
    /// its live file, once [`Catalog::declare_hash_attribute`] has run.
    pub hash_attribute: Option<Key>,
    /// The environment whose pins are in force, once
    /// [`Catalog::select_environment`] has run with one.
    pub environment: Option<String>,
}

impl Catalog {
    /// Puts `environment`'s pins in force: an entry pinned for it is
    /// matched by that id, and one pinned only for other environments by
    /// its natural identity. An id for every environment stays.
    pub fn select_environment(&mut self, environment: Option<&str>) {
        fn select<T>(entries: &mut Entries<Entry<T>>, environment: &str) {
            for e in entries.values_mut() {
                if let Some(id) = e.pins.get(environment) {
                    e.id = Some(id.clone());
                }
            }
        }
        let Some(env) = environment else {
            return;
        };
        select(&mut self.regions, env);
        select(&mut self.attributes, env);
        select(&mut self.attribute_groups, env);
        select(&mut self.categories, env);
        select(&mut self.collections, env);
        select(&mut self.files, env);
        select(&mut self.resources, env);
        self.environment = Some(env.to_owned());
    }

    /// Whether the entry `key` of `kind` is protected, and where it is
    /// declared; `None` when there is no such entry.
    #[must_use]
    pub fn protection(&self, kind: Kind, key: &str) -> Option<(bool, Location)> {
        fn of<T>(entries: &Entries<Entry<T>>, key: &str) -> Option<(bool, Location)> {
            entries.get(key).map(|e| (e.protect, e.declared_at.clone()))
        }
        match kind {
            Kind::Region => of(&self.regions, key),
            Kind::Attribute => of(&self.attributes, key),
            Kind::AttributeGroup => of(&self.attribute_groups, key),
            Kind::Category => of(&self.categories, key),
            Kind::Collection => of(&self.collections, key),
            Kind::File => of(&self.files, key),
            Kind::Resource => of(&self.resources, key),
        }
    }

    /// Every entry's pins per environment, by catalog section and key.
    #[must_use]
    pub fn environment_pins(&self) -> BTreeMap<(String, String), BTreeMap<String, String>> {
        fn of<T>(
            section: &str,
            entries: &Entries<Entry<T>>,
        ) -> impl Iterator<Item = ((String, String), BTreeMap<String, String>)> {
            entries
                .values()
                .filter(|e| !e.pins.is_empty())
                .map(move |e| ((section.to_owned(), e.key.clone()), e.pins.clone()))
        }
        of(Kind::Region.map(), &self.regions)
            .chain(of(Kind::Attribute.map(), &self.attributes))
            .chain(of(Kind::AttributeGroup.map(), &self.attribute_groups))
            .chain(of(Kind::Category.map(), &self.categories))
            .chain(of(Kind::Collection.map(), &self.collections))
            .chain(of(Kind::File.map(), &self.files))
            .chain(of(Kind::Resource.map(), &self.resources))
            .collect()
    }

    /// Every environment name a pin is written for.
    #[must_use]
    pub fn pinned_environments(&self) -> BTreeSet<String> {
        self.environment_pins()
            .into_values()
            .flat_map(BTreeMap::into_keys)
            .collect()
    }

    /// Makes the asset hash attribute (`name`, Text) part of the catalog
    /// when any file entry has content: the entry declaring it, or one
    /// added under the key `name`. Being an entry, it is matched, created
    /// when missing and kept by `prune: [attributes]` like any other.
    ///
    /// # Errors
    ///
    /// An entry of that name whose type is not Text: hashes could not be
    /// stored in it.
    pub fn declare_hash_attribute(&mut self, name: &str) -> Result<(), Box<Diagnostic>> {
        if !self.files.values().any(|e| e.value.content.is_some()) {
            return Ok(());
        }
        if let Some(e) = self.attributes.values().find(|e| e.value.name == name) {
            if e.value.kind != AttributeKind::Text {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::InvalidValue,
                        e.declared_at.clone(),
                        format!(
                            "attribute `{}` is named `{name}`, the attribute pxmctl records asset hashes in, but its type is not `Text`",
                            e.key
                        ),
                    )
                    .with_hint(
                        "make it `type: Text`, or set `hash_attribute:` in pxmctl.yaml to another name",
                    ),
                ));
            }
            self.hash_attribute = Some(e.key.clone());
            return Ok(());
        }
        let key = if self.attributes.contains_key(name) {
            format!("{name}_hash")
        } else {
            name.to_owned()
        };
        let entry = Entry {
            key: key.clone(),
            value: Box::new(Attribute {
                name: name.to_owned(),
                kind: AttributeKind::Text,
                // Left alone: someone may have described it by hand.
                description: None,
            }),
            id: None,
            pins: BTreeMap::new(),
            renamed_from: None,
            protect: false,
            declared_at: Location::file(Arc::from(self.root.as_path())),
        };
        self.attributes.insert(entry);
        self.hash_attribute = Some(key);
        Ok(())
    }

    /// The keys of the entries of `kind`, in order.
    pub fn keys(&self, kind: Kind) -> Box<dyn Iterator<Item = &Key> + '_> {
        match kind {
            Kind::Region => Box::new(self.regions.keys()),
            Kind::Attribute => Box::new(self.attributes.keys()),
            Kind::AttributeGroup => Box::new(self.attribute_groups.keys()),
            Kind::Category => Box::new(self.categories.keys()),
            Kind::Collection => Box::new(self.collections.keys()),
            Kind::File => Box::new(self.files.keys()),
            Kind::Resource => Box::new(self.resources.keys()),
        }
    }

    /// Counts per kind, for summaries.
    #[must_use]
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("regions", self.regions.len()),
            ("attributes", self.attributes.len()),
            ("attribute_groups", self.attribute_groups.len()),
            ("categories", self.categories.len()),
            ("collections", self.collections.len()),
            ("files", self.files.len()),
            ("resources", self.resources.len()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: String,
}

/// An attribute's type; a pick list carries its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeKind {
    Text,
    Date,
    List,
    PickList { options: Vec<String> },
    Boolean,
    Number,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeKind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeGroup {
    pub name: String,
    /// `None`: membership is not managed.
    pub attributes: Option<Vec<Key>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub parent: Option<Key>,
    /// Delete live subcategories the catalog does not name.
    pub prune_children: bool,
}

/// Where a collection sits in a product family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Family {
    Standalone,
    Parent,
    Variant { parent: Key },
}

/// Publishing state. The API needs a start date to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publishing {
    Unpublished,
    Window {
        start: Timestamp,
        end: Option<Timestamp>,
    },
}

/// An attribute value, checked against its attribute's type.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    Text(String),
    Date(Timestamp),
    List(Vec<String>),
    Choice(String),
    Boolean(bool),
    Number(serde_json::Number),
    /// Clear the live value.
    Clear,
}

/// Fields absent from the YAML are `None`: pxmctl leaves them alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub name: String,
    pub family: Family,
    pub category: Option<Key>,
    pub also_in: Option<SortedSet<Key>>,
    pub sku: Option<String>,
    /// Boxed, as few entries have one: 32 bytes of every entry otherwise.
    pub published: Option<Box<Publishing>>,
    pub attributes: Option<SortedMap<Key, AttributeValue>>,
    pub regions: Option<SortedSet<Key>>,
}

/// A file in PXM. With `content`, pxmctl uploads the asset when its
/// bytes change; without, it manages only the live file's links, regions
/// and publishing and never touches its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The file name in PXM.
    pub name: String,
    /// The local asset, when the catalog holds the bytes.
    pub content: Option<Asset>,
    pub collections: Option<SortedSet<Key>>,
    pub regions: Option<SortedSet<Key>>,
    /// Boxed, as few entries have one: 32 bytes of every entry otherwise.
    pub published: Option<Box<Publishing>>,
}

/// A checked asset: the file exists inside the catalog, is not empty, and
/// its extension, MIME type and bytes agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Path relative to the catalog directory, `/`-separated.
    pub path: String,
    pub mime_type: String,
    pub size: u64,
    /// What an upload does when another live file has the name.
    pub on_conflict: OnConflict,
    /// What a new file does when its bytes are already live elsewhere.
    pub if_duplicate: IfDuplicate,
}

/// Who a resource belongs to: part of its identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceOwner {
    Account,
    Category(Key),
    Collections(SortedSet<Key>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub description: String,
    pub link: String,
    pub owner: ResourceOwner,
}
