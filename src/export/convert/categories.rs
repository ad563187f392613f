//! Categories: nesting through `parent`, with a live parent loop broken
//! (the catalog refuses loops) and the top-level ancestor each collection
//! file is named after.

use crate::api::fields::category;
use crate::catalog::format::Pin;
use std::collections::{HashMap, HashSet};

use super::{Converter, KindKeysRef, noun, subject};
use crate::catalog::format::{self, Key};
use crate::export::keys::{self, Hint, Wanted};
use crate::remote::wire::{Id, LiveCategory};

impl Converter<'_> {
    pub(super) fn categories(&mut self) {
        let snapshot = self.snapshot;
        let mut named: Vec<&LiveCategory> = Vec::with_capacity(snapshot.categories.len());
        for c in &snapshot.categories {
            if c.name.is_empty() {
                self.categories.skipped.insert(c.id.clone());
                self.skip(noun::CATEGORY, &c.id, "it has no name");
            } else {
                named.push(c);
            }
        }
        let loops = parent_loops(&named);
        let wanted: Vec<Wanted> = named
            .iter()
            .map(|c| Wanted {
                id: c.id.clone(),
                name: c.name.clone(),
                hint: match &c.parent_id {
                    Some(p) if !loops.contains(&c.id) => Hint::SameKindPrefix(p.clone()),
                    _ => Hint::None,
                },
            })
            .collect();
        self.categories.keys = keys::assign(noun::CATEGORY, &wanted);
        for c in named {
            let Some(key) = self.categories.get(&c.id).cloned() else {
                continue;
            };
            let at = ("categories", key.as_str(), c.id.as_str());
            let parent = match &c.parent_id {
                Some(_) if loops.contains(&c.id) => {
                    self.warn(
                        subject(noun::CATEGORY, &key, &c.id),
                        "dropped `parent`: the live parent chain loops back to this category"
                            .to_owned(),
                        Some(("categories", &key)),
                    );
                    None
                }
                Some(p) => {
                    self.reference(&KindKeysRef::Categories, p, category::PARENT.catalog, at)
                }
                None => None,
            };
            if let Some(p) = &parent {
                self.category_parent.insert(key.clone(), p.clone());
            }
            self.out.categories.insert(
                key,
                format::Category {
                    name: c.name.clone(),
                    parent,
                    prune: None,
                    id: Some(Pin::Everywhere(c.id.clone())),
                    renamed_from: None,
                    protect: None,
                },
            );
        }
    }

    /// The key of the top-level category above `key` (itself when it has
    /// no parent).
    pub(super) fn top_level(&self, key: &Key) -> Key {
        let mut here = key;
        let mut steps = 0;
        while let Some(parent) = self.category_parent.get(here) {
            here = parent;
            steps += 1;
            if steps > self.category_parent.len() {
                break;
            }
        }
        here.clone()
    }
}

/// Categories (by id) whose parent link closes a loop: walking in id
/// order, the first category found to be its own ancestor loses its
/// parent, which breaks that loop for the others in it.
fn parent_loops(categories: &[&LiveCategory]) -> HashSet<Id> {
    let mut parent: HashMap<&str, &str> = categories
        .iter()
        .filter_map(|c| c.parent_id.as_deref().map(|p| (c.id.as_str(), p)))
        .collect();
    let mut cut = HashSet::new();
    for c in categories {
        let mut seen = HashSet::new();
        let mut here = parent.get(c.id.as_str()).copied();
        while let Some(p) = here {
            if p == c.id {
                parent.remove(c.id.as_str());
                cut.insert(c.id.clone());
                break;
            }
            if !seen.insert(p) {
                break;
            }
            here = parent.get(p).copied();
        }
    }
    cut
}
