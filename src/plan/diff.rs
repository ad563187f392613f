//! What each entry needs done: a create when nothing live matched, else
//! an update of exactly the fields the YAML names that differ, in catalog
//! terms. Array fields the API replaces wholesale are merged first:
//! `(live − items the catalog manages) ∪ desired`, so links to objects
//! outside the catalog are kept and never shown as changes.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::PlanOptions;
use super::action::{Action, Change, Kind, Note, Op};
use super::identity::Matches;
use super::normal_form::{
    attribute_value, kind_name, live_attribute_value, live_publishing, publishing, same_kind_name,
};
use crate::api::fields::{
    attribute, attribute_group, category, collection, common, file, resource,
};
use crate::catalog::model::{
    Asset, AttributeKind, Catalog, Collection, Entry, Family, File, IfDuplicate, Key, OnConflict,
    ResourceOwner, SortedMap, SortedSet,
};
use crate::diag::{Code, Diagnostic};
use crate::remote::LiveSnapshot;
use crate::remote::wire::{LiveFile, LiveValue};

/// An action before ordering, with the entries whose creation it needs.
#[derive(Debug)]
pub(super) struct Draft {
    pub action: Action,
    pub needs: Vec<(Kind, Key)>,
}

/// Shared context of the per-kind diffs.
pub(super) struct Differ<'a> {
    pub catalog: &'a Catalog,
    pub live: &'a LiveSnapshot,
    pub matches: &'a Matches<'a>,
    pub options: &'a PlanOptions,
    pub drafts: Vec<Draft>,
    pub notes: Vec<Note>,
    /// What makes the catalog unplannable here (`if_duplicate: reject`).
    pub errors: Vec<Diagnostic>,
    /// Live files no entry matched that `if_duplicate: reuse` took over.
    pub reused: BTreeSet<String>,
}

/// How a live reference is shown: the managing entry's key, or `id:<id>`.
fn shown(matches: &Matches, kind: Kind, id: &str) -> String {
    matches
        .owner(kind, id)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("id:{id}"))
}

fn strings<I: IntoIterator<Item = String>>(items: I) -> Value {
    let set: BTreeSet<String> = items.into_iter().collect();
    Value::Array(set.into_iter().map(Value::String).collect())
}

/// The merged value of a wholesale array: live items the catalog does not
/// manage (shown as `id:…`) stay; managed ones are replaced by `desired`.
fn merged(live_shown: &[String], desired: &SortedSet<Key>) -> (Value, Value) {
    let before = strings(live_shown.iter().cloned());
    let after = strings(
        live_shown
            .iter()
            .filter(|s| s.starts_with("id:"))
            .cloned()
            .chain(desired.iter().cloned()),
    );
    (before, after)
}

/// Texts in their order, where the order is data (pick-list options,
/// a group's members).
fn ordered<I: IntoIterator<Item = String>>(items: I) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// Collects the changes of one entry.
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    /// A wholesale array field: merged into the live value when there is
    /// one, else set to `desired` (when not empty).
    fn merge(
        &mut self,
        field: &str,
        (matches, kind): (&Matches, Kind),
        live_ids: Option<&[String]>,
        desired: &SortedSet<Key>,
    ) {
        match live_ids {
            Some(ids) => {
                let live: Vec<String> = ids.iter().map(|id| shown(matches, kind, id)).collect();
                let (before, after) = merged(&live, desired);
                self.set(field, Some(before), after);
            }
            None if !desired.is_empty() => self.set(field, None, strings(desired.iter().cloned())),
            None => {}
        }
    }

    /// A wholesale array whose order is data: live items the catalog does
    /// not manage stay first, in their order, then `desired` in the
    /// catalog's order (as apply's merge sends it).
    fn merge_ordered(
        &mut self,
        field: &str,
        (matches, kind): (&Matches, Kind),
        live_ids: Option<&[String]>,
        desired: &[Key],
    ) {
        let Some(ids) = live_ids else {
            if !desired.is_empty() {
                self.set(field, None, ordered(desired.iter().cloned()));
            }
            return;
        };
        let live: Vec<String> = ids.iter().map(|id| shown(matches, kind, id)).collect();
        let after = ordered(
            live.iter()
                .filter(|s| s.starts_with("id:"))
                .cloned()
                .chain(desired.iter().cloned()),
        );
        self.set(field, Some(ordered(live)), after);
    }

    /// Records `field` when `after` differs from `before` (or always for a
    /// create, where `before` is `None`). The field's name is written out
    /// only then: a no-op plan of a million collections compares millions
    /// of values.
    fn set(&mut self, field: impl std::fmt::Display, before: Option<Value>, after: Value) {
        if before.as_ref() != Some(&after) {
            self.0.push(Change {
                field: field.to_string(),
                before,
                after: Some(after),
            });
        }
    }
}

/// An entry with its match, for [`Differ::create_or_update`].
struct Subject<'a> {
    kind: Kind,
    /// Key and `renamed_from`.
    entry: (&'a str, Option<&'a str>),
    /// Live id and live name, when matched.
    live: Option<(&'a str, &'a str)>,
    title: &'a str,
    /// The name the entry wants.
    name: &'a str,
}

/// Which object an action is about.
struct Head<'a> {
    kind: Kind,
    op: Op,
    key: &'a str,
    id: Option<&'a str>,
    title: &'a str,
}

impl<'a> Differ<'a> {
    fn push(&mut self, head: Head<'_>, changes: Changes, needs: Vec<(Kind, Key)>) {
        if head.op == Op::Update && changes.0.is_empty() {
            return;
        }
        self.drafts.push(Draft {
            action: Action {
                kind: head.kind,
                op: head.op,
                key: head.key.to_owned(),
                id: head.id.map(str::to_owned),
                title: head.title.to_owned(),
                changes: changes.0,
                bytes: None,
                note: None,
                depends_on: Vec::new(),
            },
            needs,
        });
    }

    /// A create when nothing live matched, else an update of the live
    /// object, noting a rename when the live name is the entry's old one.
    fn create_or_update(&mut self, s: Subject<'_>, changes: Changes, needs: Vec<(Kind, Key)>) {
        let (key, renamed_from) = s.entry;
        let op = if s.live.is_some() {
            Op::Update
        } else {
            Op::Create
        };
        let head = Head {
            kind: s.kind,
            op,
            key,
            id: s.live.map(|(id, _)| id),
            title: s.title,
        };
        let before = self.drafts.len();
        self.push(head, changes, needs);
        if let Some((_, live_name)) = s.live
            && live_name != s.name
            && renamed_from == Some(live_name)
            && self.drafts.len() > before
            && let Some(last) = self.drafts.last_mut()
        {
            last.action.note = Some(format!("renamed from \"{live_name}\""));
        }
    }

    pub(super) fn attributes(&mut self) {
        for (key, e) in &self.catalog.attributes {
            let a = &e.value;
            let live = self
                .matches
                .index(Kind::Attribute, key)
                .map(|i| &self.live.attributes[i]);
            let mut c = Changes::default();
            c.set(
                common::NAME.catalog,
                live.map(|l| json!(l.name)),
                json!(a.name),
            );
            let live_kind = live.map(|l| {
                if same_kind_name(&l.kind, &a.kind) {
                    json!(kind_name(&a.kind))
                } else {
                    json!(l.kind)
                }
            });
            c.set(
                attribute::TYPE.catalog,
                live_kind,
                json!(kind_name(&a.kind)),
            );
            if let AttributeKind::PickList { options } = &a.kind {
                c.set(
                    attribute::OPTIONS.catalog,
                    live.map(|l| ordered(l.options.iter().cloned())),
                    ordered(options.iter().cloned()),
                );
            }
            if let Some(d) = &a.description {
                c.set(
                    attribute::DESCRIPTION.catalog,
                    live.map(|l| json!(l.description.clone().unwrap_or_default())),
                    json!(d),
                );
            }
            self.create_or_update(
                Subject {
                    kind: Kind::Attribute,
                    entry: (key, e.renamed_from.as_deref()),
                    live: live.map(|l| (l.id.as_str(), l.name.as_str())),
                    title: &a.name,
                    name: &a.name,
                },
                c,
                Vec::new(),
            );
        }
    }

    pub(super) fn attribute_groups(&mut self) {
        for (key, e) in &self.catalog.attribute_groups {
            let g = &e.value;
            let live = self
                .matches
                .index(Kind::AttributeGroup, key)
                .map(|i| &self.live.attribute_groups[i]);
            let mut c = Changes::default();
            c.set(
                common::NAME.catalog,
                live.map(|l| json!(l.name)),
                json!(g.name),
            );
            let mut needs = Vec::new();
            if let Some(members) = &g.attributes {
                needs.extend(members.iter().map(|k| (Kind::Attribute, k.clone())));
                c.merge_ordered(
                    attribute_group::MEMBERS.catalog,
                    (self.matches, Kind::Attribute),
                    live.map(|l| &*l.attributes),
                    members,
                );
            }
            self.create_or_update(
                Subject {
                    kind: Kind::AttributeGroup,
                    entry: (key, e.renamed_from.as_deref()),
                    live: live.map(|l| (l.id.as_str(), l.name.as_str())),
                    title: &g.name,
                    name: &g.name,
                },
                c,
                needs,
            );
        }
    }

    pub(super) fn categories(&mut self) {
        for (key, e) in &self.catalog.categories {
            let cat = &e.value;
            let live = self
                .matches
                .index(Kind::Category, key)
                .map(|i| &self.live.categories[i]);
            let mut c = Changes::default();
            c.set(
                common::NAME.catalog,
                live.map(|l| json!(l.name)),
                json!(cat.name),
            );
            let parent = cat.parent.as_ref().map_or(Value::Null, |p| json!(p));
            let live_parent = live.map(|l| {
                l.parent_id.as_deref().map_or(Value::Null, |id| {
                    json!(shown(self.matches, Kind::Category, id))
                })
            });
            if live.is_some() || !parent.is_null() {
                c.set(category::PARENT.catalog, live_parent, parent);
            }
            let needs = cat
                .parent
                .iter()
                .map(|p| (Kind::Category, p.clone()))
                .collect();
            self.create_or_update(
                Subject {
                    kind: Kind::Category,
                    entry: (key, e.renamed_from.as_deref()),
                    live: live.map(|l| (l.id.as_str(), l.name.as_str())),
                    title: &cat.name,
                    name: &cat.name,
                },
                c,
                needs,
            );
        }
    }

    pub(super) fn collections(&mut self) {
        for (key, e) in &self.catalog.collections {
            let col = &e.value;
            let live = self
                .matches
                .index(Kind::Collection, key)
                .map(|i| &self.live.collections[i]);
            let (c, needs) = self.collection_changes(col, live);
            let title = col
                .sku
                .as_ref()
                .map_or_else(|| col.name.clone(), |s| format!("{} ({s})", col.name));
            self.create_or_update(
                Subject {
                    kind: Kind::Collection,
                    entry: (key, e.renamed_from.as_deref()),
                    live: live.map(|l| (l.id.as_str(), l.name.as_str())),
                    title: &title,
                    name: &col.name,
                },
                c,
                needs,
            );
        }
    }

    fn collection_changes(
        &self,
        col: &Collection,
        live: Option<&crate::remote::wire::LiveCollection>,
    ) -> (Changes, Vec<(Kind, Key)>) {
        let m = self.matches;
        let mut c = Changes::default();
        let mut needs = Vec::new();
        c.set(
            common::NAME.catalog,
            live.map(|l| json!(l.name)),
            json!(col.name),
        );
        let family = match &col.family {
            Family::Standalone => "standalone",
            Family::Parent => "parent",
            Family::Variant { .. } => "variant",
        };
        let live_family = live.map(|l| {
            json!(
                l.collection_type
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .unwrap_or("standalone")
            )
        });
        if live.is_some() || family != "standalone" {
            c.set(collection::TYPE.catalog, live_family, json!(family));
        }
        if let Family::Variant { parent } = &col.family {
            needs.push((Kind::Collection, parent.clone()));
            let live_parent = live.map(|l| {
                l.parent_topic_id
                    .as_deref()
                    .map_or(Value::Null, |id| json!(shown(m, Kind::Collection, id)))
            });
            c.set(collection::PARENT.catalog, live_parent, json!(parent));
        }
        if let Some(category) = &col.category {
            needs.push((Kind::Category, category.clone()));
            let live_category = live.map(|l| {
                l.parent_id
                    .as_deref()
                    .map_or(Value::Null, |id| json!(shown(m, Kind::Category, id)))
            });
            c.set(collection::CATEGORY.catalog, live_category, json!(category));
        }
        if let Some(also_in) = &col.also_in {
            needs.extend(also_in.iter().map(|k| (Kind::Category, k.clone())));
            c.merge(
                collection::ALSO_IN.catalog,
                (m, Kind::Category),
                live.map(|l| &*l.direct_parent),
                also_in,
            );
        }
        if let Some(sku) = &col.sku {
            c.set(
                collection::SKU.catalog,
                live.map(|l| json!(l.additional_title.clone().unwrap_or_default())),
                json!(sku),
            );
        }
        if let Some(p) = &col.published {
            c.set(
                common::PUBLISHED.catalog,
                live.map(|l| live_publishing(&l.publishing)),
                publishing(p),
            );
        }
        if let Some(regions) = &col.regions {
            c.merge(
                common::REGIONS.catalog,
                (m, Kind::Region),
                live.map(|l| &*l.region_ids),
                regions,
            );
        }
        if let Some(values) = &col.attributes {
            self.value_changes(values, live.map(|l| &*l.attributes), &mut c, &mut needs);
        }
        (c, needs)
    }

    /// One change per managed attribute whose value differs; values of
    /// attributes the YAML does not name are left alone.
    fn value_changes(
        &self,
        values: &SortedMap<Key, crate::catalog::model::AttributeValue>,
        live: Option<&[LiveValue]>,
        c: &mut Changes,
        needs: &mut Vec<(Kind, Key)>,
    ) {
        for (attr_key, value) in values {
            needs.push((Kind::Attribute, attr_key.clone()));
            let desired = attribute_value(value);
            let field = collection::ATTRIBUTES.catalog;
            let Some(live) = live else {
                if !desired.is_null() {
                    c.set(format_args!("{field}.{attr_key}"), None, desired);
                }
                continue;
            };
            let attribute = self.catalog.attributes.get(attr_key).map(|e| &e.value.kind);
            let current = self
                .matches
                .id(self.live, Kind::Attribute, attr_key)
                .and_then(|id| live.iter().find(|v| *v.id == *id))
                .zip(attribute)
                .map_or(Value::Null, |(v, kind)| {
                    live_attribute_value(kind, &v.value)
                });
            c.set(format_args!("{field}.{attr_key}"), Some(current), desired);
        }
    }

    /// A live file no entry matched (nor another entry reused) whose
    /// recorded hash is `hash`: the bytes of a new asset already there.
    fn live_copy(&self, hash: &str) -> Option<&'a LiveFile> {
        let live: &'a LiveSnapshot = self.live;
        live.files.iter().find(|l| {
            self.matches.owner(Kind::File, &l.id).is_none()
                && !self.reused.contains(&l.id)
                && self.recorded_hash(l) == Some(hash)
        })
    }

    /// For a new file whose bytes are already live: a note (`upload`),
    /// the live file to take over (`reuse`), or an error (`reject`).
    fn duplicate_of(&mut self, e: &Entry<File>, asset: &Asset) -> Option<&'a LiveFile> {
        let hash = self.options.hashes.get(&asset.path)?;
        let copy = self.live_copy(hash)?;
        let what = format!(
            "the bytes of `{}` (sha256 {}) are already live as file {} (`{}`)",
            asset.path,
            short(hash),
            copy.id,
            copy.file_name
        );
        let note = |message: String| Note {
            kind: Kind::File,
            key: e.key.clone(),
            title: e.value.name.clone(),
            message,
        };
        match asset.if_duplicate {
            IfDuplicate::Upload => {
                self.notes.push(note(format!(
                    "duplicate: {what}; this uploads a copy (`if_duplicate: reuse` would use that file instead)"
                )));
                None
            }
            IfDuplicate::Reuse => {
                self.notes.push(note(format!(
                    "reused: {what}, and `if_duplicate: reuse` takes that file over instead of uploading a copy"
                )));
                self.reused.insert(copy.id.clone());
                Some(copy)
            }
            IfDuplicate::Reject => {
                self.errors.push(
                    Diagnostic::error(
                        Code::DuplicateContent,
                        e.declared_at.clone(),
                        format!(
                            "file `{}`: {what}, and `if_duplicate: reject` refuses a copy",
                            e.key
                        ),
                    )
                    .with_hint(format!(
                        "name the live file instead (`name: {}`), or set `if_duplicate: reuse`",
                        copy.file_name
                    )),
                );
                None
            }
        }
    }

    pub(super) fn files(&mut self) {
        let catalog: &'a Catalog = self.catalog;
        for (key, e) in &catalog.files {
            let f = &e.value;
            let mut live = self
                .matches
                .index(Kind::File, key)
                .map(|i| &self.live.files[i]);
            if live.is_none()
                && let Some(asset) = &f.content
            {
                live = self.duplicate_of(e, asset);
            }
            let m = self.matches;
            let id = live.map(|l| l.id.as_str());
            if let Some(asset) = &f.content {
                let local = self.options.hashes.get(&asset.path).map(String::as_str);
                let recorded = live.and_then(|l| self.recorded_hash(l));
                let decision = gate(
                    asset,
                    local,
                    live.map(|l| (l, recorded)),
                    self.options.force_upload,
                );
                match decision {
                    Bytes::Same => {}
                    // A live file holds the name, and `skip` leaves its
                    // bytes: now and on every later plan.
                    Bytes::Upload(Some(why)) if asset.on_conflict == OnConflict::Skip => {
                        self.notes.push(Note {
                            kind: Kind::File,
                            key: key.clone(),
                            title: f.name.clone(),
                            message: format!(
                                "kept: a live file is named `{}` and `on_conflict: skip` leaves its bytes, so this asset is not uploaded ({why}); remove `on_conflict: skip` to replace them",
                                f.name
                            ),
                        });
                    }
                    Bytes::Unverified if asset.on_conflict == OnConflict::Skip => {}
                    Bytes::Unverified
                        if let Some(why) = live.and_then(|l| self.live.unread_values.get(&l.id)) =>
                    {
                        self.notes.push(Note {
                            kind: Kind::File,
                            key: key.clone(),
                            title: f.name.clone(),
                            message: format!(
                                "unverified: the live file's recorded SHA-256 could not be read ({why}), and it has the same size ({} bytes), so it is not uploaded; plan again, or `--force-upload --target files.{key}` uploads it",
                                asset.size
                            ),
                        });
                    }
                    Bytes::Unverified => self.notes.push(Note {
                        kind: Kind::File,
                        key: key.clone(),
                        title: f.name.clone(),
                        message: format!(
                            "unverified: the live file has no recorded SHA-256 (uploaded outside pxmctl?) and the same size ({} bytes), so it is not uploaded; `--force-upload --target files.{key}` uploads it and records its hash",
                            asset.size
                        ),
                    }),
                    Bytes::Upload(note) => {
                        let mut c = Changes::default();
                        c.set("path", None, json!(asset.path));
                        if live.is_none() {
                            c.set(file::NAME.catalog, None, json!(f.name));
                            if let Some(p) = &f.published {
                                c.set(common::PUBLISHED.catalog, None, publishing(p));
                            }
                            if let Some(r) = &f.regions {
                                c.set(common::REGIONS.catalog, None, strings(r.iter().cloned()));
                            }
                        }
                        if let Some(local) = local {
                            c.set(SHA256_FIELD, recorded.map(|r| json!(r)), json!(local));
                        }
                        // The hash is recorded once the bytes are up, so
                        // the attribute must exist first.
                        let needs = self
                            .catalog
                            .hash_attribute
                            .iter()
                            .filter(|_| local.is_some())
                            .map(|k| (Kind::Attribute, k.clone()))
                            .collect();
                        self.push(
                            Head {
                                kind: Kind::File,
                                op: Op::Upload,
                                key,
                                id,
                                title: &f.name,
                            },
                            c,
                            needs,
                        );
                        if let Some(last) = self.drafts.last_mut() {
                            last.action.bytes = Some(asset.size);
                            last.action.note = note;
                        }
                    }
                }
            }
            if let Some(l) = live {
                let mut c = Changes::default();
                c.set(file::NAME.catalog, Some(json!(l.file_name)), json!(f.name));
                if let Some(p) = &f.published {
                    c.set(
                        common::PUBLISHED.catalog,
                        Some(live_publishing(&l.publishing)),
                        publishing(p),
                    );
                }
                if let Some(regions) = &f.regions {
                    c.merge(
                        common::REGIONS.catalog,
                        (m, Kind::Region),
                        Some(&l.region_ids),
                        regions,
                    );
                }
                self.create_or_update(
                    Subject {
                        kind: Kind::File,
                        entry: (key, e.renamed_from.as_deref()),
                        live: Some((l.id.as_str(), l.file_name.as_str())),
                        title: &f.name,
                        name: &f.name,
                    },
                    c,
                    vec![(Kind::File, key.clone())],
                );
            }
            if let Some(collections) = &f.collections {
                let mut c = Changes::default();
                c.merge(
                    file::COLLECTIONS.catalog,
                    (m, Kind::Collection),
                    live.map(|l| &*l.collections),
                    collections,
                );
                let mut needs: Vec<(Kind, Key)> = collections
                    .iter()
                    .map(|k| (Kind::Collection, k.clone()))
                    .collect();
                needs.push((Kind::File, key.clone()));
                if !c.0.is_empty() {
                    self.push(
                        Head {
                            kind: Kind::File,
                            op: Op::Link,
                            key,
                            id,
                            title: &f.name,
                        },
                        c,
                        needs,
                    );
                }
            }
        }
    }

    /// The SHA-256 recorded on a live file, if the hash attribute exists.
    fn recorded_hash<'l>(&self, file: &'l LiveFile) -> Option<&'l str> {
        let key = self.catalog.hash_attribute.as_ref()?;
        let id = self.matches.id(self.live, Kind::Attribute, key)?;
        file.attributes
            .iter()
            .flatten()
            .find(|v| *v.id == *id)
            .and_then(|v| v.value.as_str())
            .filter(|h| !h.is_empty())
    }

    pub(super) fn resources(&mut self) {
        for (key, e) in &self.catalog.resources {
            let r = &e.value;
            let live = self
                .matches
                .index(Kind::Resource, key)
                .map(|i| &self.live.resources[i]);
            let mut c = Changes::default();
            let mut needs = Vec::new();
            c.set(
                resource::DESCRIPTION.catalog,
                live.map(|l| json!(l.description)),
                json!(r.description),
            );
            c.set(
                resource::LINK.catalog,
                live.map(|l| json!(l.link)),
                json!(r.link),
            );
            match &r.owner {
                ResourceOwner::Account => {}
                ResourceOwner::Category(k) => {
                    needs.push((Kind::Category, k.clone()));
                    let before = live.map(|l| {
                        l.category_id.as_deref().map_or(Value::Null, |id| {
                            json!(shown(self.matches, Kind::Category, id))
                        })
                    });
                    c.set(resource::CATEGORY.catalog, before, json!(k));
                }
                ResourceOwner::Collections(keys) => {
                    needs.extend(keys.iter().map(|k| (Kind::Collection, k.clone())));
                    let before = live.map(|l| {
                        strings(
                            l.collections
                                .iter()
                                .map(|id| shown(self.matches, Kind::Collection, id)),
                        )
                    });
                    c.set(
                        resource::COLLECTIONS.catalog,
                        before,
                        strings(keys.iter().cloned()),
                    );
                }
            }
            self.create_or_update(
                Subject {
                    kind: Kind::Resource,
                    entry: (key, e.renamed_from.as_deref()),
                    live: live.map(|l| (l.id.as_str(), l.link.as_str())),
                    title: &r.link,
                    name: &r.link,
                },
                c,
                needs,
            );
        }
    }
}

/// The live files whose recorded hash the plan needs but whose list items
/// carried no attribute values: matched by an entry whose asset has the
/// live file's size (a different size uploads anyway), not forced and not
/// `on_conflict: skip`; and unmatched files of the size of a new asset
/// that may reuse one (`if_duplicate: reuse | reject`).
#[must_use]
pub(super) fn values_needed(
    catalog: &Catalog,
    live: &LiveSnapshot,
    matches: &Matches,
    options: &PlanOptions,
) -> Vec<String> {
    let unlisted = |f: &&LiveFile| f.attributes.is_none();
    let mut out: BTreeSet<String> = BTreeSet::new();
    // A new asset that may reuse (or must not copy) a live file's bytes:
    // the unmatched live files of its size.
    let mut new_sizes = BTreeSet::new();
    for (key, e) in &catalog.files {
        let Some(asset) = &e.value.content else {
            continue;
        };
        match matches.index(Kind::File, key).map(|i| &live.files[i]) {
            Some(file)
                if unlisted(&file)
                    && !options.force_upload
                    && asset.on_conflict != OnConflict::Skip
                    && file.size == Some(asset.size) =>
            {
                out.insert(file.id.clone());
            }
            Some(_) => {}
            None if asset.if_duplicate != IfDuplicate::Upload => {
                new_sizes.insert(asset.size);
            }
            None => {}
        }
    }
    out.extend(
        live.files
            .iter()
            .filter(unlisted)
            .filter(|f| matches.owner(Kind::File, &f.id).is_none())
            .filter(|f| f.size.is_some_and(|s| new_sizes.contains(&s)))
            .map(|f| f.id.clone()),
    );
    out.into_iter().collect()
}

/// The field of an upload action holding the asset's SHA-256, which apply
/// records on the live file once the bytes are confirmed.
pub const SHA256_FIELD: &str = "sha256";

/// What the content gate decides for one asset.
#[derive(Debug, PartialEq, Eq)]
enum Bytes {
    /// The live file holds these bytes.
    Same,
    /// Upload, with the reason when the file exists.
    Upload(Option<String>),
    /// Same size, no recorded hash: cannot tell, so leave it.
    Unverified,
}

/// Uploads a new file, or an existing one whose recorded hash differs from
/// the asset's; compares sizes where either hash is unknown.
fn gate(
    asset: &Asset,
    local: Option<&str>,
    live: Option<(&LiveFile, Option<&str>)>,
    force: bool,
) -> Bytes {
    let Some((file, recorded)) = live else {
        return Bytes::Upload(None);
    };
    if force {
        return Bytes::Upload(Some("upload forced by --force-upload".into()));
    }
    match (recorded, local) {
        (Some(r), Some(l)) if r == l => Bytes::Same,
        (Some(r), Some(l)) => Bytes::Upload(Some(format!(
            "content changed: sha256 {} → {}",
            short(r),
            short(l)
        ))),
        _ if file.size != Some(asset.size) => Bytes::Upload(Some(format!(
            "content changed: {} → {} bytes",
            file.size
                .map_or_else(|| "unknown".to_owned(), |s| s.to_string()),
            asset.size
        ))),
        (None, _) => Bytes::Unverified,
        (Some(_), None) => Bytes::Same,
    }
}

/// A hash as people compare them: its first 12 hex digits.
#[must_use]
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
