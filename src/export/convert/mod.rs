//! The live snapshot as catalog entries: each live object becomes one
//! `format` entry that pins its id, with references turned into keys.
//! References to objects that are not exported are dropped with a warning;
//! objects the catalog cannot hold (no name, an unknown attribute type)
//! are skipped with a warning. The result always passes the checker.

mod categories;
mod collections;
mod definitions;
mod files;
mod resources;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::catalog_form;
use super::{Download, ExportOptions, Warning};
use crate::catalog::format::Key;
use crate::catalog::format::{self, AttributeType, Published};
use crate::remote::LiveSnapshot;
use crate::remote::wire::{Id, LivePublishing};

/// Every exported entry per section, plus what did not fit.
#[derive(Debug, Default)]
pub(super) struct Converted {
    pub regions: BTreeMap<Key, format::Region>,
    pub attributes: BTreeMap<Key, format::Attribute>,
    pub attribute_groups: BTreeMap<Key, format::AttributeGroup>,
    pub categories: BTreeMap<Key, format::Category>,
    pub collections: BTreeMap<Key, format::Collection>,
    /// The top-level category whose file each collection is written to
    /// (`None`: uncategorised).
    pub collection_groups: BTreeMap<Key, Option<Key>>,
    pub files: BTreeMap<Key, format::File>,
    pub resources: BTreeMap<Key, format::Resource>,
    pub downloads: Vec<Download>,
    pub warnings: Vec<Warning>,
    /// Why an entry is pinned, by section and key: written above it.
    pub pin_notes: Vec<(&'static str, Key, String)>,
}

impl Converted {
    pub(super) fn counts(&self) -> Vec<(&'static str, usize)> {
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

/// Singular nouns of the kinds, for keys (`category-17`) and messages.
mod noun {
    pub(super) const REGION: &str = "region";
    pub(super) const ATTRIBUTE: &str = "attribute";
    pub(super) const ATTRIBUTE_GROUP: &str = "attribute group";
    pub(super) const CATEGORY: &str = "category";
    pub(super) const COLLECTION: &str = "collection";
    pub(super) const FILE: &str = "file";
    pub(super) const RESOURCE: &str = "resource";
}

/// What the exporter knows about an exported attribute.
struct AttributeInfo {
    key: Key,
    kind: AttributeType,
    options: Vec<String>,
}

/// Ids and keys of one kind: the keys of exported objects, and the ids of
/// objects that exist but were skipped (so a reference to one says so).
#[derive(Default)]
struct KindKeys {
    keys: HashMap<Id, Key>,
    skipped: HashSet<Id>,
}

impl KindKeys {
    fn get(&self, id: &str) -> Option<&Key> {
        self.keys.get(id)
    }
}

struct Converter<'a> {
    snapshot: &'a LiveSnapshot,
    options: &'a ExportOptions,
    out: Converted,
    regions: KindKeys,
    attributes: HashMap<Id, AttributeInfo>,
    skipped_attributes: HashSet<Id>,
    hash_attributes: HashSet<Id>,
    categories: KindKeys,
    collections: KindKeys,
    /// Each exported category's parent key, for finding top-level ancestors.
    category_parent: HashMap<Key, Key>,
}

pub(super) fn convert(snapshot: &LiveSnapshot, options: &ExportOptions) -> Converted {
    let mut c = Converter {
        snapshot,
        options,
        out: Converted::default(),
        regions: KindKeys::default(),
        attributes: HashMap::new(),
        skipped_attributes: HashSet::new(),
        hash_attributes: HashSet::new(),
        categories: KindKeys::default(),
        collections: KindKeys::default(),
        category_parent: HashMap::new(),
    };
    c.regions();
    c.attributes();
    c.attribute_groups();
    c.categories();
    c.collections();
    c.files();
    c.resources();
    c.values_without_a_place();
    c.out
}

/// `collection `rain-jacket` (id 42)`.
fn subject(noun: &str, key: &str, id: &str) -> String {
    format!("{noun} `{key}` (id {id})")
}

/// Keeps the first of each item, in order.
fn dedup<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

impl Converter<'_> {
    fn warn(&mut self, subject: String, message: String, entry: Option<(&'static str, &str)>) {
        self.out.warnings.push(Warning {
            subject,
            message,
            entry: entry.map(|(section, key)| (section, key.to_owned())),
        });
    }

    /// Skips an object the catalog cannot hold.
    fn skip(&mut self, noun: &str, id: &str, why: &str) {
        self.warn(format!("{noun} {id}"), format!("not exported: {why}"), None);
    }

    /// Resolves one reference; `None` (with a warning) when the target is
    /// not exported.
    fn reference(
        &mut self,
        target: &KindKeysRef,
        id: &str,
        field: &str,
        at: (&'static str, &str, &str),
    ) -> Option<Key> {
        let keys = self.kind_keys(*target);
        if let Some(key) = keys.get(id) {
            return Some(key.clone());
        }
        let why = if keys.skipped.contains(id) {
            "which is not exported (see its warning)"
        } else {
            "which is not in the account"
        };
        let (section, key, owner_id) = at;
        let target_noun = target.noun();
        self.warn(
            subject(section_noun(section), key, owner_id),
            format!("dropped reference `{field}` to {target_noun} {id}, {why}"),
            Some((section, key)),
        );
        None
    }

    /// Resolves a list of references, deduplicated and sorted by key
    /// (the catalog treats them as sets); `None` when nothing is left.
    fn references(
        &mut self,
        target: &KindKeysRef,
        ids: &[Id],
        field: &str,
        at: (&'static str, &str, &str),
    ) -> Option<Vec<Key>> {
        let mut keys = BTreeSet::new();
        for id in dedup(ids.iter().cloned()) {
            if let Some(key) = self.reference(target, &id, field, at) {
                keys.insert(key);
            }
        }
        (!keys.is_empty()).then(|| keys.into_iter().collect())
    }

    fn kind_keys(&self, kind: KindKeysRef) -> &KindKeys {
        match kind {
            KindKeysRef::Regions => &self.regions,
            KindKeysRef::Categories => &self.categories,
            KindKeysRef::Collections => &self.collections,
        }
    }

    fn published(
        &mut self,
        live: &LivePublishing,
        at: (&'static str, &str, &str),
    ) -> Option<Box<Published>> {
        match catalog_form::published(live) {
            Ok(p) => Some(Box::new(p)),
            Err(why) => {
                let (section, key, id) = at;
                self.warn(
                    subject(section_noun(section), key, id),
                    why,
                    Some((section, key)),
                );
                None
            }
        }
    }
}

/// The kinds other entries refer to by id.
#[derive(Debug, Clone, Copy)]
enum KindKeysRef {
    Regions,
    Categories,
    Collections,
}

impl KindKeysRef {
    fn noun(self) -> &'static str {
        match self {
            Self::Regions => noun::REGION,
            Self::Categories => noun::CATEGORY,
            Self::Collections => noun::COLLECTION,
        }
    }
}

fn section_noun(section: &str) -> &'static str {
    match section {
        "regions" => noun::REGION,
        "attributes" => noun::ATTRIBUTE,
        "attribute_groups" => noun::ATTRIBUTE_GROUP,
        "categories" => noun::CATEGORY,
        "collections" => noun::COLLECTION,
        "files" => noun::FILE,
        _ => noun::RESOURCE,
    }
}
