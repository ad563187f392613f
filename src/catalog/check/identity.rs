//! Two entries must never claim the same live object: same pinned id, same
//! name in the same place, same sku, same file name. Otherwise a plan could
//! not tell which entry a live object belongs to.

use std::collections::HashMap;

use super::Checker;
use crate::catalog::format;
use crate::catalog::model::Entries;
use crate::catalog::parse::{RawEntry, kind_noun};
use crate::diag::{Code, Diagnostic};

impl Checker<'_> {
    pub(super) fn identities(&mut self) {
        let raw = self.raw;
        self.unique("regions", &raw.regions, |_, r| {
            vec![format!("name `{}`", r.name)]
        });
        self.unique("attributes", &raw.attributes, |_, a| {
            vec![format!("name `{}`", a.name)]
        });
        self.unique("attribute_groups", &raw.attribute_groups, |_, g| {
            vec![format!("name `{}`", g.name)]
        });
        self.unique("categories", &raw.categories, |_, c| {
            vec![match &c.parent {
                Some(p) => format!("name `{}` under category `{p}`", c.name),
                None => format!("top-level name `{}`", c.name),
            }]
        });
        self.unique("collections", &raw.collections, |_, c| {
            vec![match (&c.sku, c.kind, &c.parent, &c.category) {
                (Some(sku), ..) => format!("sku `{sku}`"),
                (None, Some(format::CollectionType::Variant), Some(p), _) => {
                    format!("name `{}` in family `{p}`", c.name)
                }
                (None, _, _, Some(cat)) => format!("name `{}` in category `{cat}`", c.name),
                (None, ..) => format!("name `{}` outside any category", c.name),
            }]
        });
        // A file whose path is refused is reported there; its name would
        // only add a confusing second error. One with neither path nor name
        // is reported by the schema.
        self.unique("files", &raw.files, |_, f| {
            let refused = f
                .path
                .as_deref()
                .is_some_and(|p| super::assets::path_refusal(p).is_some());
            match file_name(f) {
                Some(name) if !refused => vec![format!("file name `{name}`")],
                _ => Vec::new(),
            }
        });
        self.unique("resources", &raw.resources, |_, r| {
            let owner = match (&r.category, &r.collections) {
                (Some(c), _) => format!("category `{c}`"),
                (None, Some(cols)) => format!("collections {}", cols.join(", ")),
                (None, None) => "the account".to_owned(),
            };
            vec![format!("link `{}` on {owner}", r.link)]
        });
    }

    /// Reports entries of one kind that share a pinned id or an identity.
    fn unique<T: super::HasMeta>(
        &mut self,
        kind: &str,
        entries: &Entries<Box<RawEntry<T>>>,
        identity: impl Fn(&str, &T) -> Vec<String>,
    ) {
        let mut seen: HashMap<String, &RawEntry<T>> = HashMap::with_capacity(entries.len());
        let noun = kind_noun(kind);
        for (key, entry) in entries {
            let Some(value) = entry.value.as_ref() else {
                continue;
            };
            let mut claims = identity(key, value);
            let pinned = value.meta().0;
            match pinned {
                // A pinned id is the identity: names may then repeat.
                Some(format::Pin::Everywhere(id)) => claims = vec![format!("id `{id}`")],
                Some(format::Pin::PerEnvironment(ids)) => {
                    claims = ids
                        .iter()
                        .map(|(env, id)| format!("id `{id}` in environment `{env}`"))
                        .collect();
                }
                None => {}
            }
            for claim in claims {
                if let Some(first) = seen.get(&claim) {
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateIdentity,
                            entry.source.key_location(),
                            format!(
                                "{noun} `{key}` and {noun} `{}` would both match the live {noun} with {claim}",
                                first.key
                            ),
                        )
                        .with_label(first.source.key_location(), "the other entry")
                        .with_hint(if pinned.is_some() {
                            "each live object belongs to one entry: remove one, or pin each to its own id"
                        } else {
                            match kind {
                                "files" => "give one a different `name:` (its file name in PXM), or pin each with `id:`",
                                "regions" => "two keys name the same live region: remove one (regions are matched by name and are read-only)",
                                "collections" => "give each its own sku, or a different name or place, or pin each with `id:`",
                                "resources" => "remove one, or attach them to different owners",
                                _ => "give one a different name (or parent), or pin each with `id:`",
                            }
                        }),
                    );
                } else {
                    seen.insert(claim, entry);
                }
            }
        }
    }
}

/// The file name in PXM: `name`, else the last part of `path`; `None`
/// when the entry has neither.
#[must_use]
pub(super) fn file_name(f: &format::File) -> Option<&str> {
    f.name.as_deref().or_else(|| {
        f.path
            .as_deref()
            .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p))
    })
}
