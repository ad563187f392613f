//! Regions, attribute definitions and attribute groups: the entries the
//! others refer to, exported first. pxmctl's hash attribute is left out
//! here, and so are its values and group memberships everywhere.

use crate::catalog::format::Pin;
use std::collections::BTreeSet;

use serde_json::Value;

use super::{AttributeInfo, Converter, dedup, noun, subject};
use crate::catalog::format::{self, AttributeType};
use crate::export::catalog_form;
use crate::export::keys::{self, Hint, Wanted};
use crate::remote::wire::LiveValue;

impl Converter<'_> {
    pub(super) fn regions(&mut self) {
        let snapshot = self.snapshot;
        let mut wanted = Vec::new();
        for r in &snapshot.regions {
            if r.name.is_empty() {
                self.regions.skipped.insert(r.id.clone());
                self.skip(noun::REGION, &r.id, "it has no name");
            } else {
                wanted.push(Wanted {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    hint: Hint::None,
                });
            }
        }
        self.regions.keys = keys::assign(noun::REGION, &wanted);
        for r in &snapshot.regions {
            if let Some(key) = self.regions.get(&r.id).cloned() {
                self.out.regions.insert(
                    key,
                    format::Region {
                        name: r.name.clone(),
                        id: Some(Pin::Everywhere(r.id.clone())),
                    },
                );
            }
        }
    }

    pub(super) fn attributes(&mut self) {
        let snapshot = self.snapshot;
        let mut kept = Vec::new();
        for a in &snapshot.attributes {
            if a.name == self.options.hash_attribute {
                // pxmctl's own bookkeeping: never part of a catalog.
                self.hash_attributes.insert(a.id.clone());
                continue;
            }
            if a.name.is_empty() {
                self.skipped_attributes.insert(a.id.clone());
                self.skip(noun::ATTRIBUTE, &a.id, "it has no name");
                continue;
            }
            let Some(kind) = catalog_form::attribute_type(&a.kind) else {
                self.skipped_attributes.insert(a.id.clone());
                let why = format!(
                    "its type `{}` is not one the catalog knows (Text, Date, List, Pick List, Boolean, Number)",
                    a.kind
                );
                self.skip(noun::ATTRIBUTE, &a.id, &why);
                continue;
            };
            kept.push((a, kind));
        }
        let wanted: Vec<Wanted> = kept
            .iter()
            .map(|(a, _)| Wanted {
                id: a.id.clone(),
                name: a.name.clone(),
                hint: Hint::None,
            })
            .collect();
        let keys = keys::assign(noun::ATTRIBUTE, &wanted);
        for (a, kind) in kept {
            let Some(key) = keys.get(&a.id).cloned() else {
                continue;
            };
            let at = subject(noun::ATTRIBUTE, &key, &a.id);
            let mut options = dedup(a.options.iter().cloned());
            if kind == AttributeType::PickList && options.is_empty() {
                options = self.values_in_use(&a.id);
                if options.is_empty() {
                    self.skipped_attributes.insert(a.id.clone());
                    self.skip(
                        noun::ATTRIBUTE,
                        &a.id,
                        "a pick list without options, and no collection uses it",
                    );
                    continue;
                }
                self.warn(
                    at.clone(),
                    format!(
                        "the pick list has no options in PXM; the values in use are written as its options ({}), which a plan would set",
                        options.join(", ")
                    ),
                    Some(("attributes", &key)),
                );
            } else if kind != AttributeType::PickList && !options.is_empty() {
                self.warn(
                    at,
                    "options left out: only pick lists take options in the catalog".to_owned(),
                    Some(("attributes", &key)),
                );
                options.clear();
            }
            self.attributes.insert(
                a.id.clone(),
                AttributeInfo {
                    key: key.clone(),
                    kind,
                    options: options.clone(),
                },
            );
            self.out.attributes.insert(
                key,
                format::Attribute {
                    name: a.name.clone(),
                    kind,
                    options: (kind == AttributeType::PickList).then_some(options),
                    description: a.description.clone().filter(|d| !d.is_empty()),
                    id: Some(Pin::Everywhere(a.id.clone())),
                    renamed_from: None,
                    protect: None,
                },
            );
        }
    }

    /// The distinct text values collections hold for an attribute, sorted.
    fn values_in_use(&self, attribute_id: &str) -> Vec<String> {
        let used: BTreeSet<String> = self
            .snapshot
            .collections
            .iter()
            .flat_map(|c| &c.attributes)
            .filter(|v| *v.id == *attribute_id)
            .filter_map(|v| match &v.value {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect();
        used.into_iter().collect()
    }

    pub(super) fn attribute_groups(&mut self) {
        let snapshot = self.snapshot;
        let mut wanted = Vec::new();
        for g in &snapshot.attribute_groups {
            if g.name.is_empty() {
                self.skip(noun::ATTRIBUTE_GROUP, &g.id, "it has no name");
            } else {
                wanted.push(Wanted {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    hint: Hint::None,
                });
            }
        }
        let keys = keys::assign("attribute-group", &wanted);
        for g in &snapshot.attribute_groups {
            let Some(key) = keys.get(&g.id).cloned() else {
                continue;
            };
            let mut members = Vec::new();
            for id in dedup(g.attributes.iter().cloned()) {
                if self.hash_attributes.contains(&id) {
                    continue;
                }
                match self.attributes.get(&id) {
                    Some(info) => members.push(info.key.clone()),
                    None => {
                        let why = if self.skipped_attributes.contains(&id) {
                            "which is not exported (see its warning)"
                        } else {
                            "which is not in the account"
                        };
                        self.warn(
                            subject(noun::ATTRIBUTE_GROUP, &key, &g.id),
                            format!("dropped member attribute {id}, {why}"),
                            Some(("attribute_groups", &key)),
                        );
                    }
                }
            }
            self.out.attribute_groups.insert(
                key,
                format::AttributeGroup {
                    name: g.name.clone(),
                    attributes: (!members.is_empty()).then_some(members),
                    id: Some(Pin::Everywhere(g.id.clone())),
                    renamed_from: None,
                    protect: None,
                },
            );
        }
    }

    /// Attribute values on categories and files: the catalog has no field
    /// for them, so they are counted in one warning.
    pub(super) fn values_without_a_place(&mut self) {
        let snapshot = self.snapshot;
        let counted = |values: &[LiveValue]| {
            values
                .iter()
                .filter(|v| !v.value.is_null() && !self.hash_attributes.contains(&*v.id))
                .count()
        };
        let on_categories: usize = snapshot
            .categories
            .iter()
            .map(|c| counted(&c.attributes))
            .sum();
        let on_files: usize = snapshot
            .files
            .iter()
            .map(|f| counted(f.attributes.as_deref().unwrap_or_default()))
            .sum();
        for (n, what) in [(on_categories, "categories"), (on_files, "files")] {
            if n > 0 {
                self.warn(
                    String::new(),
                    format!(
                        "{n} attribute value(s) on {what} are not exported: the catalog holds attribute values on collections only"
                    ),
                    None,
                );
            }
        }
    }
}
