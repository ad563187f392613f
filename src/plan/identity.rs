//! Matching each catalog entry to at most one live object: by pinned
//! `id`, else by the kind's live identity (name, parent + name, sku, file
//! name, link + owner), else by the identity it had before a rename
//! (`renamed_from`). Parents are matched before their children, because a
//! child's identity includes its parent's live id.
//!
//! Problems (a pinned id that vanished, two live objects for one entry,
//! one live object claimed twice) are diagnostics at the entry.

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::action::Kind;
use crate::catalog::model::{Catalog, Entry, Family, Key, ResourceOwner};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::remote::LiveSnapshot;

/// Matched live objects: entry key → index into the snapshot's list of
/// that kind, and back. Entries without a live object are absent (they
/// are created). Keys and ids are borrowed from the catalog and the
/// snapshot: at a million collections, owned copies of both and of every
/// identity were more memory than the snapshot's own strings.
#[derive(Debug, Default)]
pub struct Matches<'a> {
    regions: Matched<'a>,
    attributes: Matched<'a>,
    attribute_groups: Matched<'a>,
    categories: Matched<'a>,
    collections: Matched<'a>,
    files: Matched<'a>,
    resources: Matched<'a>,
}

/// One kind's matches. Both lookups are tables of live indices alone
/// (`hashbrown::HashTable`), whose texts are found through the index: a
/// map of borrowed strings to indices has 24-byte slots, and at a million
/// collections its 2^21 slots were ~50 MB a map, two of them held through
/// the whole plan; these have 8-byte slots.
#[derive(Default)]
struct Matched<'a> {
    /// Entry key → index of its live object: the indices that `owners`
    /// gives a key, hashed by that key.
    by_key: HashTable<usize>,
    /// Live id → index, every live object of the kind, hashed by its id.
    ids: HashTable<usize>,
    /// The key of the entry that claimed each live object, by index.
    owners: Vec<Option<&'a str>>,
    /// The account and the kind whose live objects these are.
    live: Option<(&'a LiveSnapshot, Kind)>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Matched<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matched")
            .field("matched", &self.by_key.len())
            .field("live", &self.owners.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Matched<'a> {
    /// The live objects of `kind` in `snapshot`, none of them claimed yet.
    fn new(snapshot: &'a LiveSnapshot, kind: Kind) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let len = live_len(snapshot, kind);
        let mut ids = HashTable::with_capacity(len);
        for i in 0..len {
            ids.insert_unique(hasher.hash_one(live_id(snapshot, kind, i)), i, |&j| {
                hasher.hash_one(live_id(snapshot, kind, j))
            });
        }
        Self {
            by_key: HashTable::with_capacity(len),
            ids,
            owners: vec![None; len],
            live: Some((snapshot, kind)),
            hasher,
        }
    }

    /// The index of the live object whose id is `id`.
    fn index_of_id(&self, id: &str) -> Option<usize> {
        let (snapshot, kind) = self.live?;
        self.ids
            .find(self.hasher.hash_one(id), |&i| {
                live_id(snapshot, kind, i) == id
            })
            .copied()
    }

    /// The index of the live object entry `key` claimed.
    fn index_of_key(&self, key: &str) -> Option<usize> {
        self.by_key
            .find(self.hasher.hash_one(key), |&i| self.owners[i] == Some(key))
            .copied()
    }

    /// Entry `key` claims the live object `i`.
    fn claim(&mut self, key: &'a str, i: usize) {
        self.owners[i] = Some(key);
        let (owners, hasher) = (&self.owners, &self.hasher);
        self.by_key.insert_unique(hasher.hash_one(key), i, |&j| {
            owners[j].map_or(0, |k| hasher.hash_one(k))
        });
    }
}

impl<'a> Matches<'a> {
    fn of(&self, kind: Kind) -> &Matched<'a> {
        match kind {
            Kind::Region => &self.regions,
            Kind::Attribute => &self.attributes,
            Kind::AttributeGroup => &self.attribute_groups,
            Kind::Category => &self.categories,
            Kind::Collection => &self.collections,
            Kind::File => &self.files,
            Kind::Resource => &self.resources,
        }
    }

    /// The index of `key`'s live object.
    #[must_use]
    pub fn index(&self, kind: Kind, key: &str) -> Option<usize> {
        self.of(kind).index_of_key(key)
    }

    /// The entry that manages the live object `id`, if any.
    #[must_use]
    pub fn owner(&self, kind: Kind, id: &str) -> Option<&'a str> {
        let m = self.of(kind);
        m.index_of_id(id).and_then(|i| m.owners[i])
    }

    /// The live id of `key`'s object.
    #[must_use]
    pub fn id<'l>(&self, live: &'l LiveSnapshot, kind: Kind, key: &str) -> Option<&'l str> {
        let i = self.index(kind, key)?;
        Some(live_id(live, kind, i))
    }
}

/// The id of the `i`-th live object of `kind`.
fn live_id(live: &LiveSnapshot, kind: Kind, i: usize) -> &str {
    match kind {
        Kind::Region => &live.regions[i].id,
        Kind::Attribute => &live.attributes[i].id,
        Kind::AttributeGroup => &live.attribute_groups[i].id,
        Kind::Category => &live.categories[i].id,
        Kind::Collection => &live.collections[i].id,
        Kind::File => &live.files[i].id,
        Kind::Resource => &live.resources[i].id,
    }
}

/// How many live objects of `kind` there are.
fn live_len(live: &LiveSnapshot, kind: Kind) -> usize {
    match kind {
        Kind::Region => live.regions.len(),
        Kind::Attribute => live.attributes.len(),
        Kind::AttributeGroup => live.attribute_groups.len(),
        Kind::Category => live.categories.len(),
        Kind::Collection => live.collections.len(),
        Kind::File => live.files.len(),
        Kind::Resource => live.resources.len(),
    }
}

/// The matching's maps, a million keys each on a large account: hashed
/// with foldhash, several times faster than SipHash on short strings and
/// still seeded per process.
type Fast<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

fn fast<K, V>(capacity: usize) -> Fast<K, V> {
    HashMap::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default())
}

/// One kind's live objects by identity, and which entry has claimed
/// which object. An identity is held as its 64-bit hash, not its text (a
/// million collections have two identities each); every object a hash
/// finds is checked against the identity itself, so two identities that
/// share a hash are still told apart.
struct Index<'a, L> {
    kind: Kind,
    live: &'a [L],
    snapshot: &'a LiveSnapshot,
    identities_of: fn(&L) -> Vec<String>,
    hasher: foldhash::fast::RandomState,
    /// The object of each identity hash, and all of them for the few a
    /// hash finds several of: a list per identity was a million
    /// allocations at a million objects.
    identities: Fast<u64, usize>,
    shared: Fast<u64, Vec<usize>>,
    matched: Matched<'a>,
    /// The environment whose pins are in force, for messages.
    environment: Option<&'a str>,
}

impl<'a, L> Index<'a, L> {
    /// The index of one kind's live objects, for the entries of `catalog`
    /// (whose selected environment names the pins in force).
    fn new(
        catalog: &'a Catalog,
        kind: Kind,
        live: &'a [L],
        snapshot: &'a LiveSnapshot,
        identities_of: fn(&L) -> Vec<String>,
    ) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let mut identities: Fast<u64, usize> = fast(live.len());
        let mut shared: Fast<u64, Vec<usize>> = fast(0);
        for (i, object) in live.iter().enumerate() {
            for identity in identities_of(object) {
                let hash = hasher.hash_one(identity.as_str());
                match identities.entry(hash) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                    std::collections::hash_map::Entry::Occupied(slot) => {
                        let list = shared.entry(hash).or_insert_with(|| vec![*slot.get()]);
                        // One object may have one identity twice (a sku
                        // equal to its place): it is one candidate.
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        Self {
            kind,
            live,
            snapshot,
            identities_of,
            hasher,
            identities,
            shared,
            matched: Matched::new(snapshot, kind),
            environment: catalog.environment.as_deref(),
        }
    }

    /// The live objects whose identities include `identity`.
    fn candidates(&self, identity: &str) -> Vec<usize> {
        let hash = self.hasher.hash_one(identity);
        let found = self
            .shared
            .get(&hash)
            .map(Vec::as_slice)
            .or_else(|| self.identities.get(&hash).map(std::slice::from_ref))
            .unwrap_or_default();
        found
            .iter()
            .copied()
            .filter(|i| {
                (self.identities_of)(&self.live[*i])
                    .iter()
                    .any(|s| s == identity)
            })
            .collect()
    }

    /// The live id of object `i`.
    fn live_id(&self, i: usize) -> &'a str {
        live_id(self.snapshot, self.kind, i)
    }

    /// `id: { staging: "42" }`, or `id: "42"` without an environment.
    fn pin_example(&self, id: &str) -> String {
        match self.environment {
            Some(env) => format!("id: {{ {env}: \"{id}\" }}"),
            None => format!("id: \"{id}\""),
        }
    }

    /// The live object for one entry. `identity` is `None` when it cannot
    /// exist live yet (its parent is still to be created).
    fn find<T>(
        &mut self,
        entry: &'a Entry<T>,
        identity: Option<String>,
        renamed: Option<String>,
        describe: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<usize> {
        let noun = self.kind.noun();
        let found = if let Some(id) = &entry.id {
            match self.matched.index_of_id(id) {
                Some(i) => Some(i),
                None => {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::VanishedId,
                            entry.declared_at.clone(),
                            format!(
                                "{noun} `{}` is pinned to id `{id}`{}, which does not exist in the account",
                                entry.key,
                                self.environment
                                    .filter(|env| entry.pins.contains_key(*env))
                                    .map(|env| format!(" for environment `{env}`"))
                                    .unwrap_or_default()
                            ),
                        )
                        .with_hint(format!(
                            "if it was deleted on purpose, remove `id:` so the plan creates it again (matched by {describe}); otherwise correct the id"
                        )),
                    );
                    return None;
                }
            }
        } else {
            let by = |identity: &Option<String>| {
                identity
                    .as_deref()
                    .map(|i| self.candidates(i))
                    .unwrap_or_default()
            };
            let current = by(&identity);
            let candidates = if current.is_empty() {
                by(&renamed)
            } else {
                current
            };
            match candidates[..] {
                [] => None,
                [one] => Some(one),
                [first, second, ..] => {
                    let (a, b) = (self.live_id(first), self.live_id(second));
                    diagnostics.push(
                        Diagnostic::error(
                            Code::AmbiguousMatch,
                            entry.declared_at.clone(),
                            format!(
                                "{noun} `{}` matches {} live {noun} objects by {describe}: ids `{a}` and `{b}`",
                                entry.key,
                                candidates.len()
                            ),
                        )
                        .with_hint(format!(
                            "pin the one this entry means with `{}` (or `{}`); `pxmctl export` pins what it cannot tell apart",
                            self.pin_example(a),
                            self.pin_example(b)
                        )),
                    );
                    return None;
                }
            }
        };
        let i = found?;
        if let Some(other) = self.matched.owners[i] {
            diagnostics.push(
                Diagnostic::error(
                    Code::AmbiguousMatch,
                    entry.declared_at.clone(),
                    format!(
                        "{noun} `{}` and {noun} `{other}` both match the live {noun} `{}`",
                        entry.key,
                        self.live_id(i)
                    ),
                )
                .with_hint("each live object belongs to one entry: pin each entry to its own id, or remove one"),
            );
            return None;
        }
        self.matched.claim(&entry.key, i);
        Some(i)
    }

    /// The live id claimed so far by entry `key` (parents are matched
    /// before their children).
    fn claimed_id(&self, key: &str) -> Option<&'a str> {
        self.matched.index_of_key(key).map(|i| self.live_id(i))
    }

    fn finish(self) -> Matched<'a> {
        self.matched
    }
}

fn join(parts: &[&str]) -> String {
    parts.join("\u{1f}")
}

/// The identities each kind's live objects are found by, first the one an
/// entry written from the object (by export) looks it up by.
mod by {
    use super::join;
    use crate::remote::wire::{
        LiveAttribute, LiveAttributeGroup, LiveCategory, LiveCollection, LiveFile, LiveRegion,
        LiveResource,
    };

    pub(super) fn region(r: &LiveRegion) -> Vec<String> {
        vec![r.name.clone()]
    }

    pub(super) fn attribute(a: &LiveAttribute) -> Vec<String> {
        vec![a.name.clone()]
    }

    pub(super) fn attribute_group(g: &LiveAttributeGroup) -> Vec<String> {
        vec![g.name.clone()]
    }

    pub(super) fn category(c: &LiveCategory) -> Vec<String> {
        vec![join(&[c.parent_id.as_deref().unwrap_or(""), &c.name])]
    }

    /// A live collection is findable by its sku and by its name in place,
    /// so an entry without `sku:` still finds a live object that has one.
    pub(super) fn collection(c: &LiveCollection) -> Vec<String> {
        let mut ids = Vec::with_capacity(2);
        if let Some(sku) = c.additional_title.as_deref().filter(|s| !s.is_empty()) {
            ids.push(join(&["sku", sku]));
        }
        match (c.collection_type.as_deref(), &c.parent_topic_id) {
            (Some("variant"), Some(parent)) => ids.push(join(&["family", parent, &c.name])),
            _ => ids.push(join(&[
                "category",
                c.parent_id.as_deref().unwrap_or(""),
                &c.name,
            ])),
        }
        ids
    }

    pub(super) fn file(f: &LiveFile) -> Vec<String> {
        vec![f.file_name.clone()]
    }

    pub(super) fn resource(r: &LiveResource) -> Vec<String> {
        let owner = match (&r.category_id, r.collections.is_empty()) {
            (Some(c), _) => join(&["category", c]),
            (None, false) => {
                let mut ids: Vec<&str> = r.collections.iter().map(String::as_str).collect();
                ids.sort_unstable();
                join(&["collections", &ids.join(",")])
            }
            (None, true) => "account".to_owned(),
        };
        vec![join(&[&r.link, &owner])]
    }
}

/// The live objects an entry cannot find by its natural identity alone,
/// because another live object of its kind shares it: the ones `export`
/// pins, by kind and id.
#[must_use]
pub fn shared_identities(live: &LiveSnapshot) -> HashMap<Kind, std::collections::HashSet<String>> {
    fn shared<'a, L>(
        objects: &'a [L],
        id: impl Fn(&'a L) -> &'a str,
        identities: impl Fn(&'a L) -> Vec<String>,
    ) -> std::collections::HashSet<String> {
        let all: Vec<Vec<String>> = objects.iter().map(&identities).collect();
        let mut count: HashMap<&str, usize> = HashMap::with_capacity(objects.len());
        for identity in all.iter().flatten() {
            *count.entry(identity.as_str()).or_default() += 1;
        }
        objects
            .iter()
            .zip(&all)
            .filter(|(_, ids)| ids.first().is_some_and(|first| count[first.as_str()] > 1))
            .map(|(o, _)| id(o).to_owned())
            .collect()
    }
    HashMap::from([
        (Kind::Region, shared(&live.regions, |r| &r.id, by::region)),
        (
            Kind::Attribute,
            shared(&live.attributes, |a| &a.id, by::attribute),
        ),
        (
            Kind::AttributeGroup,
            shared(&live.attribute_groups, |g| &g.id, by::attribute_group),
        ),
        (
            Kind::Category,
            shared(&live.categories, |c| &c.id, by::category),
        ),
        (
            Kind::Collection,
            shared(&live.collections, |c| &c.id, by::collection),
        ),
        (Kind::File, shared(&live.files, |f| &f.id, by::file)),
        (
            Kind::Resource,
            shared(&live.resources, |r| &r.id, by::resource),
        ),
    ])
}

/// Matches every entry of `catalog` in `live`.
pub fn match_all<'a>(
    catalog: &'a Catalog,
    live: &'a LiveSnapshot,
    diagnostics: &mut Diagnostics,
) -> Matches<'a> {
    let mut m = Matches::default();

    let mut idx = Index::new(catalog, Kind::Region, &live.regions, live, by::region);
    for e in catalog.regions.values() {
        let found = idx.find(e, Some(e.value.name.clone()), None, "name", diagnostics);
        if found.is_none() && e.id.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingLive,
                    e.declared_at.clone(),
                    format!("region `{}` ({}) does not exist in the account", e.key, e.value.name),
                )
                .with_hint("regions are read-only in PXM: create it there, or correct `name:` to an existing region's name"),
            );
        }
    }
    m.regions = idx.finish();

    let mut idx = Index::new(
        catalog,
        Kind::Attribute,
        &live.attributes,
        live,
        by::attribute,
    );
    for e in catalog.attributes.values() {
        let renamed = e.renamed_from.clone();
        idx.find(e, Some(e.value.name.clone()), renamed, "name", diagnostics);
    }
    m.attributes = idx.finish();

    let mut idx = Index::new(
        catalog,
        Kind::AttributeGroup,
        &live.attribute_groups,
        live,
        by::attribute_group,
    );
    for e in catalog.attribute_groups.values() {
        let renamed = e.renamed_from.clone();
        idx.find(e, Some(e.value.name.clone()), renamed, "name", diagnostics);
    }
    m.attribute_groups = idx.finish();

    // Categories, parents first: a child's identity holds its parent's id.
    let mut idx = Index::new(
        catalog,
        Kind::Category,
        &live.categories,
        live,
        by::category,
    );
    for key in parents_first(catalog) {
        let Some(e) = catalog.categories.get(key) else {
            continue;
        };
        let parent = match &e.value.parent {
            None => Some(""),
            Some(p) => idx.claimed_id(p),
        };
        let identity = parent.map(|p| join(&[p, &e.value.name]));
        let renamed = parent
            .zip(e.renamed_from.as_deref())
            .map(|(p, old)| join(&[p, old]));
        idx.find(e, identity, renamed, "name and parent", diagnostics);
    }
    m.categories = idx.finish();

    match_collections(catalog, live, &mut m, diagnostics);

    match_files(catalog, live, &mut m, diagnostics);

    let mut idx = Index::new(catalog, Kind::Resource, &live.resources, live, by::resource);
    for e in catalog.resources.values() {
        let owner = match &e.value.owner {
            ResourceOwner::Account => Some("account".to_owned()),
            ResourceOwner::Category(k) => m
                .id(live, Kind::Category, k)
                .map(|id| join(&["category", id])),
            ResourceOwner::Collections(keys) => keys
                .iter()
                .map(|k| m.id(live, Kind::Collection, k))
                .collect::<Option<Vec<&str>>>()
                .map(|mut ids| {
                    ids.sort_unstable();
                    join(&["collections", &ids.join(",")])
                }),
        };
        let identity = owner.as_ref().map(|o| join(&[&e.value.link, o]));
        let renamed = owner
            .as_ref()
            .zip(e.renamed_from.as_deref())
            .map(|(o, old)| join(&[old, o]));
        idx.find(e, identity, renamed, "link and owner", diagnostics);
    }
    m.resources = idx.finish();
    m
}

/// Matches the file entries alone: a file's identity is its name, so it
/// needs no other kind matched first, and reading the file values the
/// plan needs (before planning) matches only files.
pub fn match_files<'a>(
    catalog: &'a Catalog,
    live: &'a LiveSnapshot,
    m: &mut Matches<'a>,
    diagnostics: &mut Diagnostics,
) {
    let mut idx = Index::new(catalog, Kind::File, &live.files, live, by::file);
    for e in catalog.files.values() {
        let found = idx.find(
            e,
            Some(e.value.name.clone()),
            e.renamed_from.clone(),
            "file name",
            diagnostics,
        );
        if found.is_none() && e.id.is_none() && e.value.content.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingLive,
                    e.declared_at.clone(),
                    format!(
                        "file `{}` has no `path:` and no live file is named `{}`",
                        e.key, e.value.name
                    ),
                )
                .with_hint("add `path:` pointing at the asset so pxmctl can upload it, or correct `name:` to the live file's name"),
            );
        }
    }
    m.files = idx.finish();
}

fn match_collections<'a>(
    catalog: &'a Catalog,
    live: &'a LiveSnapshot,
    m: &mut Matches<'a>,
    diagnostics: &mut Diagnostics,
) {
    let mut idx = Index::new(
        catalog,
        Kind::Collection,
        &live.collections,
        live,
        by::collection,
    );
    let variants_last = catalog
        .collections
        .values()
        .filter(|e| !matches!(e.value.family, Family::Variant { .. }))
        .chain(
            catalog
                .collections
                .values()
                .filter(|e| matches!(e.value.family, Family::Variant { .. })),
        );
    for e in variants_last {
        let c = &e.value;
        let place = |name: &str| -> Option<String> {
            match &c.family {
                Family::Variant { parent } => {
                    idx.claimed_id(parent).map(|p| join(&["family", p, name]))
                }
                _ => match &c.category {
                    None => Some(join(&["category", "", name])),
                    Some(k) => m
                        .id(live, Kind::Category, k)
                        .map(|id| join(&["category", id, name])),
                },
            }
        };
        let (identity, renamed, describe) = match &c.sku {
            Some(sku) => (
                Some(join(&["sku", sku])),
                e.renamed_from.as_deref().map(|old| join(&["sku", old])),
                "sku",
            ),
            None => (
                place(&c.name),
                e.renamed_from.as_deref().and_then(place),
                "name and place",
            ),
        };
        idx.find(e, identity, renamed, describe, diagnostics);
    }
    m.collections = idx.finish();
}

/// Category keys ordered so every parent comes before its children.
fn parents_first(catalog: &Catalog) -> Vec<&Key> {
    let depth = |start: &Key| {
        let mut key = start;
        let mut d = 0usize;
        while let Some(parent) = catalog
            .categories
            .get(key)
            .and_then(|e| e.value.parent.as_ref())
        {
            d += 1;
            key = parent;
            if d > catalog.categories.len() {
                break;
            }
        }
        d
    };
    let mut keys: Vec<(usize, &Key)> = catalog.categories.keys().map(|k| (depth(k), k)).collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}
