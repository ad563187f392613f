//! Checking the merged raw catalog into a [`Catalog`]: references resolve,
//! nesting does not loop, no two entries claim one live object, values fit
//! their types and assets are safe to upload. Every problem is gathered;
//! a problem in one entry never hides problems in others.

mod assets;
mod cycles;
mod identity;
mod references;
mod value_types;

pub use assets::{canonical_mime, implied_mime_type};

use std::borrow::Borrow;
use std::path::Path;

use super::format;
use super::load::RawCatalog;
use super::model::{
    Attribute, AttributeGroup, AttributeKind, Catalog, Category, Collection, Entries, Entry,
    Family, Region, Resource, ResourceOwner,
};
use super::parse::RawEntry;
use crate::catalog::asset_cache::Census;
use crate::diag::{Code, Diagnostic, Diagnostics};

/// How many did-you-mean searches a run may do: each scans every key of a
/// kind, and a catalog with thousands of broken references should still
/// be checked quickly.
const SUGGESTION_BUDGET: usize = 200;

/// Checks `raw` and returns the catalog, or `None` when an entry could not
/// be built. Diagnostics are added to `diagnostics`. With `asset_cache`,
/// an asset unchanged since pxmctl last read it is not opened again, and
/// `census` holds what the cache knows of it.
pub fn check(
    mut raw: RawCatalog,
    root: &Path,
    asset_cache: bool,
    census: &mut Census,
    diagnostics: &mut Diagnostics,
) -> Option<Catalog> {
    let mut checker = Checker {
        raw: &raw,
        diagnostics: Vec::new(),
        suggestions_left: SUGGESTION_BUDGET,
    };
    checker.cycles();
    checker.identities();
    let files = assets::check_files(&raw.files, root, asset_cache, census, &mut checker);
    let families = checker.families();
    let others = checker.build_others(root, files);
    // Collections are most of a large catalog, so they are built last, each
    // raw entry dropped as soon as its checked form exists: the two forms
    // are never held whole side by side. Building one looks up the other
    // kinds only; what it needs of other collections (a variant's parent)
    // is in `families`, judged while they were all there.
    let Checker {
        diagnostics: found,
        suggestions_left,
        ..
    } = checker;
    let raw_collections = std::mem::take(&mut raw.collections);
    assert_eq!(
        raw_collections.len(),
        families.len(),
        "a family is judged for every collection"
    );
    let mut checker = Checker {
        raw: &raw,
        diagnostics: found,
        suggestions_left,
    };
    let collections = checker.build_entries(
        raw_collections.into_values().zip(families),
        |c, e, col, family| c.collection(e, col, family),
    );
    diagnostics.extend(checker.diagnostics);
    let mut catalog = others?;
    catalog.collections = collections?;
    Some(catalog)
}

/// Shared state of one check run.
pub(super) struct Checker<'a> {
    raw: &'a RawCatalog,
    diagnostics: Vec<Diagnostic>,
    suggestions_left: usize,
}

impl Checker<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// The catalog without its collections, which [`check`] builds last.
    fn build_others(
        &mut self,
        root: &Path,
        files: Option<Entries<Entry<super::model::File>>>,
    ) -> Option<Catalog> {
        let raw = self.raw;
        let regions = self.build_kind(&raw.regions, |_, _, r| {
            Some(Region {
                name: r.name.clone(),
            })
        });
        let attributes = self.build_kind(&raw.attributes, |c, e, a| c.attribute(e, a));
        let attribute_groups = self.build_kind(&raw.attribute_groups, |c, e, g| {
            let attributes = c.refs_list(e, "attributes", g.attributes.as_deref(), "attributes")?;
            Some(AttributeGroup {
                name: g.name.clone(),
                attributes: attributes.map(|set| {
                    // Display order is the YAML order, not the set order.
                    g.attributes
                        .iter()
                        .flatten()
                        .filter(|k| set.contains(*k))
                        .cloned()
                        .collect()
                }),
            })
        });
        let categories = self.build_kind(&raw.categories, |c, e, cat| {
            let parent = c.ref_one(e, "parent", cat.parent.as_deref(), "categories")?;
            Some(Category {
                name: cat.name.clone(),
                parent,
                prune_children: cat.prune.unwrap_or(false),
            })
        });
        let resources = self.build_kind(&raw.resources, |c, e, r| c.resource(e, r));
        Some(Catalog {
            root: root.to_path_buf(),
            regions: regions?,
            attributes: attributes?,
            attribute_groups: attribute_groups?,
            categories: categories?,
            collections: Entries::default(),
            files: files?,
            resources: resources?,
            prune: raw.prune.clone(),
            hash_attribute: None,
            environment: None,
        })
    }

    /// Each collection's family, in key order (`None` where it is broken
    /// or reported), judged while every collection can be looked up.
    fn families(&mut self) -> Vec<Option<Family>> {
        let raw = self.raw;
        raw.collections
            .values()
            .map(|e| e.value.as_ref().and_then(|col| self.family(e, col)))
            .collect()
    }

    /// Builds every entry of a kind; `None` if any entry failed (its
    /// problems are reported), after still checking all the others.
    fn build_kind<R: HasMeta, T>(
        &mut self,
        raw: &Entries<Box<RawEntry<R>>>,
        mut one: impl FnMut(&mut Self, &RawEntry<R>, &R) -> Option<T>,
    ) -> Option<Entries<Entry<T>>> {
        self.build_entries(raw.values().map(|e| (&**e, ())), |c, e, r, ()| one(c, e, r))
    }

    /// Builds entries given in key order, borrowed or owned (an owned one
    /// is dropped once its checked form is built), each with what its
    /// builder needs besides (`X`).
    fn build_entries<R: HasMeta, T, E: Borrow<RawEntry<R>>, X>(
        &mut self,
        entries: impl ExactSizeIterator<Item = (E, X)>,
        mut one: impl FnMut(&mut Self, &RawEntry<R>, &R, X) -> Option<T>,
    ) -> Option<Entries<Entry<T>>> {
        // Pushed in key order: the finished list (`catalog::entries`).
        let mut out = Vec::with_capacity(entries.len());
        let mut ok = true;
        for (entry, extra) in entries {
            let entry = entry.borrow();
            let Some(value) = entry.value.as_ref() else {
                ok = false;
                continue;
            };
            match one(self, entry, value, extra) {
                Some(v) => out.push(checked(entry, value, v)),
                None => ok = false,
            }
        }
        ok.then(|| Entries::from_sorted(out))
    }

    fn attribute(
        &mut self,
        e: &RawEntry<format::Attribute>,
        a: &format::Attribute,
    ) -> Option<Attribute> {
        if a.name == crate::api::names::LOCK_ATTRIBUTE {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    e.source.at(&["name"]),
                    format!(
                        "attribute `{}` is named `{}`, the attribute pxmctl keeps its account lock in",
                        e.key, a.name
                    ),
                )
                .with_hint("give the attribute another name"),
            );
            return None;
        }
        let kind = match (a.kind, &a.options) {
            (format::AttributeType::PickList, Some(options)) if !options.is_empty() => {
                AttributeKind::PickList {
                    options: options.clone(),
                }
            }
            (format::AttributeType::PickList, options) => {
                let (at, what) = if options.is_some() {
                    (e.source.at(&["options"]), "an empty `options` list")
                } else {
                    (e.source.key_location(), "no `options`")
                };
                self.push(
                    Diagnostic::error(
                        Code::MissingField,
                        at,
                        format!("pick-list attribute `{}` has {what}", e.key),
                    )
                    .with_hint("list the allowed values: `options: [Red, Blue]`"),
                );
                return None;
            }
            (other, Some(_)) => {
                self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        e.source.field_key("options"),
                        format!(
                            "attribute `{}` has `options` but its type is `{}`",
                            e.key,
                            type_name(other)
                        ),
                    )
                    .with_hint(
                        "only `type: pick_list` takes options; remove them or change the type",
                    ),
                );
                return None;
            }
            (format::AttributeType::Text, None) => AttributeKind::Text,
            (format::AttributeType::Date, None) => AttributeKind::Date,
            (format::AttributeType::List, None) => AttributeKind::List,
            (format::AttributeType::Boolean, None) => AttributeKind::Boolean,
            (format::AttributeType::Number, None) => AttributeKind::Number,
        };
        Some(Attribute {
            name: a.name.clone(),
            kind,
            description: a.description.clone(),
        })
    }

    /// A collection whose family is already judged (`None`: reported).
    fn collection(
        &mut self,
        e: &RawEntry<format::Collection>,
        col: &format::Collection,
        family: Option<Family>,
    ) -> Option<Collection> {
        let category = self.ref_one(e, "category", col.category.as_deref(), "categories");
        let also_in = self.refs_list(e, "also_in", col.also_in.as_deref(), "categories");
        if let (Some(Some(primary)), Some(Some(extra))) = (&category, &also_in)
            && extra.contains(primary)
        {
            self.push(
                Diagnostic::warning(
                    Code::Conflict,
                    e.source.field_key("also_in"),
                    format!(
                        "collection `{}` lists its primary category `{primary}` in `also_in` too",
                        e.key
                    ),
                )
                .with_hint("`also_in` is for further categories; remove the primary one from it"),
            );
        }
        let regions = self.refs_list(e, "regions", col.regions.as_deref(), "regions");
        let published = self.publishing(e, col.published.as_deref());
        let attributes = self.attribute_values(e, col.attributes.as_ref());
        Some(Collection {
            name: col.name.clone(),
            family: family?,
            category: category?,
            also_in: also_in?,
            sku: col.sku.clone(),
            published: published?,
            attributes: attributes?,
            regions: regions?,
        })
    }

    fn family(
        &mut self,
        e: &RawEntry<format::Collection>,
        col: &format::Collection,
    ) -> Option<Family> {
        match (col.kind, &col.parent) {
            (Some(format::CollectionType::Variant), Some(_)) => {
                let parent = self.variant_parent(e, col)?;
                Some(Family::Variant { parent })
            }
            (Some(format::CollectionType::Variant), None) => {
                self.push(
                    Diagnostic::error(
                        Code::MissingField,
                        e.source.field_key("type"),
                        format!("variant `{}` has no `parent`", e.key),
                    )
                    .with_hint("a variant belongs to a family: add `parent: <key of a collection with type: parent>`"),
                );
                None
            }
            (kind, Some(_)) => {
                self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        e.source.field_key("parent"),
                        format!(
                            "collection `{}` has a `parent` but is not a variant",
                            e.key
                        ),
                    )
                    .with_hint(if kind.is_none() {
                        "add `type: variant`, or use `category:` to place it in a category"
                    } else {
                        "only `type: variant` takes a parent; use `category:` to place it in a category"
                    }),
                );
                None
            }
            (Some(format::CollectionType::Parent), None) => Some(Family::Parent),
            (None, None) => Some(Family::Standalone),
        }
    }

    fn resource(
        &mut self,
        e: &RawEntry<format::Resource>,
        r: &format::Resource,
    ) -> Option<Resource> {
        let category = self.ref_one(e, "category", r.category.as_deref(), "categories");
        let collections = self.refs_list(e, "collections", r.collections.as_deref(), "collections");
        let owner = match (category?, collections?) {
            (Some(_), Some(_)) => {
                self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        e.source.field_key("collections"),
                        format!("resource `{}` has both a `category` and `collections`", e.key),
                    )
                    .with_hint("a resource belongs to a category or to collections: split it into two resources"),
                );
                return None;
            }
            (Some(cat), None) => ResourceOwner::Category(cat),
            (None, Some(cols)) => ResourceOwner::Collections(cols),
            (None, None) => ResourceOwner::Account,
        };
        Some(Resource {
            description: r.description.clone(),
            link: r.link.clone(),
            owner,
        })
    }
}

/// An entry's checked form: `value` built from `raw`, with the fields
/// every kind shares.
fn checked<R: HasMeta, T>(entry: &RawEntry<R>, raw: &R, value: T) -> Entry<T> {
    let (pin, renamed_from, protect) = raw.meta();
    let (id, pins) = pin_parts(pin);
    Entry {
        key: entry.key.clone(),
        value: Box::new(value),
        id,
        pins,
        renamed_from: renamed_from.cloned(),
        protect: protect.unwrap_or(false),
        declared_at: entry.source.key_location(),
    }
}

fn type_name(t: format::AttributeType) -> &'static str {
    match t {
        format::AttributeType::Text => "text",
        format::AttributeType::Date => "date",
        format::AttributeType::List => "list",
        format::AttributeType::PickList => "pick_list",
        format::AttributeType::Boolean => "boolean",
        format::AttributeType::Number => "number",
    }
}

/// Access to the fields every kind shares.
pub(super) trait HasMeta {
    fn meta(&self) -> (Option<&format::Pin>, Option<&String>, Option<bool>);
}

/// A written pin as the model holds it: the id for every environment,
/// and the ids per environment.
pub(super) fn pin_parts(
    pin: Option<&format::Pin>,
) -> (Option<String>, std::collections::BTreeMap<String, String>) {
    match pin {
        None => (None, std::collections::BTreeMap::new()),
        Some(format::Pin::Everywhere(id)) => (Some(id.clone()), std::collections::BTreeMap::new()),
        Some(format::Pin::PerEnvironment(ids)) => (None, ids.clone()),
    }
}

macro_rules! has_meta {
    ($($t:ty),*) => {$(
        impl HasMeta for $t {
            fn meta(&self) -> (Option<&format::Pin>, Option<&String>, Option<bool>) {
                (self.id.as_ref(), self.renamed_from.as_ref(), self.protect)
            }
        }
    )*};
}
has_meta!(
    format::Attribute,
    format::AttributeGroup,
    format::Category,
    format::Collection,
    format::File,
    format::Resource
);

impl HasMeta for format::Region {
    fn meta(&self) -> (Option<&format::Pin>, Option<&String>, Option<bool>) {
        (self.id.as_ref(), None, None)
    }
}
