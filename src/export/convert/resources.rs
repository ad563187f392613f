//! Resources: a URL on a category or on collections, keyed by owner where
//! descriptions repeat.

use super::{Converter, KindKeysRef, noun, subject};
use crate::catalog::format::Pin;
use crate::catalog::format::{self, Key};
use crate::export::keys::{self, Hint, Wanted};
use crate::remote::wire::LiveResource;

impl Converter<'_> {
    pub(super) fn resources(&mut self) {
        let snapshot = self.snapshot;
        let mut kept: Vec<&LiveResource> = Vec::new();
        for r in &snapshot.resources {
            if r.description.is_empty() {
                self.skip(noun::RESOURCE, &r.id, "it has no description");
            } else if !is_catalog_link(&r.link) {
                let why = format!("its link `{}` is not an absolute URL", r.link);
                self.skip(noun::RESOURCE, &r.id, &why);
            } else {
                kept.push(r);
            }
        }
        let owner_key = |c: &Self, r: &LiveResource| -> Option<Key> {
            r.category_id
                .as_deref()
                .and_then(|id| c.categories.get(id))
                .or_else(|| r.collections.iter().find_map(|id| c.collections.get(id)))
                .cloned()
        };
        let wanted: Vec<Wanted> = kept
            .iter()
            .map(|r| Wanted {
                id: r.id.clone(),
                name: r.description.clone(),
                hint: owner_key(self, r).map_or(Hint::None, Hint::Prefix),
            })
            .collect();
        let keys = keys::assign(noun::RESOURCE, &wanted);
        for r in kept {
            let Some(key) = keys.get(&r.id).cloned() else {
                continue;
            };
            let at = ("resources", key.as_str(), r.id.as_str());
            let category = r
                .category_id
                .as_deref()
                .and_then(|id| self.reference(&KindKeysRef::Categories, id, "category", at));
            let collections = if category.is_some() && !r.collections.is_empty() {
                self.warn(
                    subject(noun::RESOURCE, &key, &r.id),
                    "also linked to collections, but a catalog resource belongs to a category or to collections; the collections are left out".to_owned(),
                    Some(("resources", &key)),
                );
                None
            } else {
                self.references(&KindKeysRef::Collections, &r.collections, "collections", at)
            };
            self.out.resources.insert(
                key,
                format::Resource {
                    description: r.description.clone(),
                    link: r.link.clone(),
                    category,
                    collections,
                    id: Some(Pin::Everywhere(r.id.clone())),
                    renamed_from: None,
                    protect: None,
                },
            );
        }
    }
}

/// Whether a link passes the catalog's URL pattern
/// (`^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$`).
fn is_catalog_link(link: &str) -> bool {
    let Some((scheme, rest)) = link.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        && !rest.is_empty()
        && !rest.chars().any(char::is_whitespace)
}
