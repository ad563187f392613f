//! Collections: family (`type`, `parent`), primary and further
//! categories, sku, publishing, regions and attribute values in the form
//! of each attribute's type.

use crate::api::fields::{collection, common};
use crate::catalog::format::Pin;
use crate::catalog::sorted::SortedMap;
use std::collections::HashMap;

use super::{Converter, KindKeysRef, noun, section_noun, subject};
use crate::catalog::format::{self, AttributeValue, CollectionType, Key};
use crate::export::catalog_form;
use crate::export::keys::{self, Hint, Wanted, slug};
use crate::remote::wire::{Id, LiveCollection, LiveValue};

impl Converter<'_> {
    pub(super) fn collections(&mut self) {
        let snapshot = self.snapshot;
        let mut named: Vec<&LiveCollection> = Vec::with_capacity(snapshot.collections.len());
        for c in &snapshot.collections {
            if c.name.is_empty() {
                self.collections.skipped.insert(c.id.clone());
                self.skip(noun::COLLECTION, &c.id, "it has no name");
            } else {
                named.push(c);
            }
        }
        // The family role each collection is written with.
        let declared: HashMap<&str, Option<CollectionType>> = named
            .iter()
            .map(|c| (c.id.as_str(), collection_type(c.collection_type.as_deref())))
            .collect();
        let family = |c: &LiveCollection| -> Family {
            match declared.get(c.id.as_str()).copied().flatten() {
                Some(CollectionType::Parent) => Family::Parent,
                Some(CollectionType::Variant) => match c.parent_topic_id.as_deref() {
                    Some(p) if declared.get(p) == Some(&Some(CollectionType::Parent)) => {
                        Family::Variant(p.to_owned())
                    }
                    _ => Family::OrphanVariant,
                },
                None => Family::Standalone,
            }
        };
        let wanted: Vec<Wanted> = named
            .iter()
            .map(|c| Wanted {
                id: c.id.clone(),
                name: c.name.clone(),
                hint: match (family(c), c.additional_title.as_deref()) {
                    (Family::Variant(p), _) => Hint::SameKindPrefix(p),
                    (_, Some(sku)) => Hint::Suffix(slug(sku)),
                    _ => Hint::None,
                },
            })
            .collect();
        self.collections.keys = keys::assign(noun::COLLECTION, &wanted);
        let mut variant_of: Vec<(Key, Key)> = Vec::new();
        for c in named {
            let Some(key) = self.collections.get(&c.id).cloned() else {
                continue;
            };
            let family = family(c);
            let (kind, parent) = self.family_fields(c, &key, family, &mut variant_of);
            let entry = self.collection(c, &key, kind, parent);
            let group = entry.category.as_ref().map(|cat| self.top_level(cat));
            self.out.collection_groups.insert(key.clone(), group);
            self.out.collections.insert(key, entry);
        }
        // A variant without a category of its own is written beside its family.
        for (variant, parent) in variant_of {
            if self.out.collection_groups.get(&variant) == Some(&None)
                && let Some(group) = self.out.collection_groups.get(&parent).cloned()
            {
                self.out.collection_groups.insert(variant, group);
            }
        }
    }

    /// `type` and `parent` of a collection, with a warning when the live
    /// family cannot be said.
    fn family_fields(
        &mut self,
        c: &LiveCollection,
        key: &Key,
        family: Family,
        variant_of: &mut Vec<(Key, Key)>,
    ) -> (Option<CollectionType>, Option<Key>) {
        let at = subject(noun::COLLECTION, key, &c.id);
        let entry = Some(("collections", key.as_str()));
        if let Some(t) = c.collection_type.as_deref()
            && collection_type(Some(t)).is_none()
            && !is_standalone(t)
        {
            self.warn(
                at.clone(),
                format!("collection type `{t}` is not one the catalog knows; written as a standalone collection"),
                entry,
            );
        }
        match family {
            Family::Parent => (Some(CollectionType::Parent), None),
            Family::Standalone => {
                if let Some(p) = &c.parent_topic_id {
                    self.warn(
                        at,
                        format!(
                            "dropped `parent_topic_id` {p}: only variants have a family parent"
                        ),
                        entry,
                    );
                }
                (None, None)
            }
            Family::Variant(parent_id) => match self.collections.get(&parent_id).cloned() {
                Some(parent) => {
                    variant_of.push((key.clone(), parent.clone()));
                    (Some(CollectionType::Variant), Some(parent))
                }
                None => (None, None),
            },
            Family::OrphanVariant => {
                let why = match c.parent_topic_id.as_deref() {
                    None => "it has no family parent".to_owned(),
                    Some(p) if self.collections.skipped.contains(p) => {
                        format!("its family parent {p} is not exported (see its warning)")
                    }
                    Some(p) if self.collections.get(p).is_some() => {
                        format!("its family parent {p} is not a collection of type parent")
                    }
                    Some(p) => format!("its family parent {p} is not in the account"),
                };
                self.warn(
                    at,
                    format!("a variant, but {why}; written as a standalone collection"),
                    entry,
                );
                (None, None)
            }
        }
    }

    fn collection(
        &mut self,
        c: &LiveCollection,
        key: &Key,
        kind: Option<CollectionType>,
        parent: Option<Key>,
    ) -> format::Collection {
        let at = ("collections", key.as_str(), c.id.as_str());
        let category = c.parent_id.as_deref().and_then(|p| {
            self.reference(
                &KindKeysRef::Categories,
                p,
                collection::CATEGORY.catalog,
                at,
            )
        });
        let further: Vec<Id> = c
            .direct_parent
            .iter()
            .filter(|id| Some(id.as_str()) != c.parent_id.as_deref())
            .cloned()
            .collect();
        let also_in = self
            .references(
                &KindKeysRef::Categories,
                &further,
                collection::ALSO_IN.catalog,
                at,
            )
            .map(|list| {
                list.into_iter()
                    .filter(|k| Some(k) != category.as_ref())
                    .collect::<Vec<_>>()
            })
            .filter(|list| !list.is_empty());
        let regions = self.references(
            &KindKeysRef::Regions,
            &c.region_ids,
            common::REGIONS.catalog,
            at,
        );
        let published = self.published(&c.publishing, at);
        let attributes = self.attribute_values(&c.attributes, at);
        format::Collection {
            name: c.name.clone(),
            kind,
            parent,
            category,
            also_in,
            sku: c
                .additional_title
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            published,
            attributes,
            regions,
            id: Some(Pin::Everywhere(c.id.clone())),
            renamed_from: None,
            protect: None,
        }
    }

    fn attribute_values(
        &mut self,
        live: &[LiveValue],
        at: (&'static str, &str, &str),
    ) -> Option<SortedMap<Key, AttributeValue>> {
        let (section, key, id) = at;
        let mut out = SortedMap::new();
        for v in live {
            if self.hash_attributes.contains(&*v.id) || v.value.is_null() {
                continue;
            }
            let Some(info) = self.attributes.get(&*v.id) else {
                let why = if self.skipped_attributes.contains(&*v.id) {
                    "which is not exported (see its warning)"
                } else {
                    "which is not in the account"
                };
                let label = v
                    .name
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" ({n})"));
                self.warn(
                    subject(section_noun(section), key, id),
                    format!("dropped the value of attribute {}{label}, {why}", v.id),
                    Some((section, key)),
                );
                continue;
            };
            if out.contains_key(&info.key) {
                continue;
            }
            match catalog_form::attribute_value(info.kind, &info.options, &v.value) {
                Ok(Some(value)) => {
                    out.insert(info.key.clone(), value);
                }
                Ok(None) => {}
                Err(why) => {
                    let attribute = info.key.clone();
                    self.warn(
                        subject(section_noun(section), key, id),
                        format!("dropped the value of attribute `{attribute}`: {why}"),
                        Some((section, key)),
                    );
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// A collection's place in a family, as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Family {
    Standalone,
    Parent,
    Variant(Id),
    /// A live variant whose parent is missing or not a family parent.
    OrphanVariant,
}

fn collection_type(api: Option<&str>) -> Option<CollectionType> {
    match api?.trim().to_ascii_lowercase().as_str() {
        "parent" => Some(CollectionType::Parent),
        "variant" => Some(CollectionType::Variant),
        _ => None,
    }
}

/// API spellings of "no family".
fn is_standalone(api: &str) -> bool {
    matches!(
        api.trim().to_ascii_lowercase().as_str(),
        "" | "standalone" | "single" | "none" | "simple"
    )
}
