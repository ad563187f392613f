//! Deletions, only inside a scope the catalog declares: a kind listed
//! under `prune:` (every live object of that kind no entry matches), or a
//! category with `prune_children: true` (its unmatched live descendants).
//! Nothing outside those scopes is ever deleted. Regions are read-only and
//! never pruned; files are retired rather than deleted.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::action::{Action, Change, Kind, Op};
use super::diff::Draft;
use super::identity::Matches;
use super::normal_form::live_publishing;
use crate::api::fields;
use crate::catalog::model::{Catalog, PruneKind};
use crate::remote::LiveSnapshot;
use crate::remote::wire::LiveFile;

fn delete(kind: Kind, id: &str, title: &str) -> Draft {
    Draft {
        action: Action {
            kind,
            op: Op::Delete,
            key: format!("id:{id}"),
            id: Some(id.to_owned()),
            title: title.to_owned(),
            changes: Vec::new(),
            bytes: None,
            note: None,
            depends_on: Vec::new(),
        },
        needs: Vec::new(),
    }
}

/// A pruned file, retired: the guides name no way to delete a file (the
/// file API lists, gets, updates, requests and confirms uploads), so it
/// is unlinked from every collection and unpublished. A file already
/// retired needs nothing, so a retired file does not plan again.
fn retire(file: &LiveFile, m: &Matches) -> Option<Draft> {
    let mut changes = Vec::new();
    if !file.collections.is_empty() {
        let before: Vec<Value> = file
            .collections
            .iter()
            .map(|id| {
                Value::String(
                    m.owner(Kind::Collection, id)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("id:{id}")),
                )
            })
            .collect();
        changes.push(Change {
            field: fields::file::COLLECTIONS.catalog.into(),
            before: Some(Value::Array(before)),
            after: Some(Value::Array(Vec::new())),
        });
    }
    if file.publishing.published {
        changes.push(Change {
            field: fields::common::PUBLISHED.catalog.into(),
            before: Some(live_publishing(&file.publishing)),
            after: Some(Value::Bool(false)),
        });
    }
    if changes.is_empty() {
        return None;
    }
    let mut draft = delete(Kind::File, &file.id, &file.file_name);
    draft.action.op = Op::Retire;
    draft.action.changes = changes;
    Some(draft)
}

/// The deletions the catalog's prune scopes imply.
pub(super) fn deletions(catalog: &Catalog, live: &LiveSnapshot, m: &Matches) -> Vec<Draft> {
    let mut out = Vec::new();
    let pruned = |k: PruneKind| catalog.prune.contains(&k);
    let unmanaged = |kind: Kind, id: &str| m.owner(kind, id).is_none();

    if pruned(PruneKind::Attributes) {
        for a in live
            .attributes
            .iter()
            .filter(|a| unmanaged(Kind::Attribute, &a.id))
        {
            out.push(delete(Kind::Attribute, &a.id, &a.name));
        }
    }
    if pruned(PruneKind::AttributeGroups) {
        for g in live
            .attribute_groups
            .iter()
            .filter(|g| unmanaged(Kind::AttributeGroup, &g.id))
        {
            out.push(delete(Kind::AttributeGroup, &g.id, &g.name));
        }
    }
    let mut categories: BTreeSet<&str> = BTreeSet::new();
    if pruned(PruneKind::Categories) {
        categories.extend(
            live.categories
                .iter()
                .filter(|c| unmanaged(Kind::Category, &c.id))
                .map(|c| c.id.as_str()),
        );
    }
    // Unmatched descendants of categories that prune their children.
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &live.categories {
        if let Some(p) = &c.parent_id {
            children.entry(p.as_str()).or_default().push(c.id.as_str());
        }
    }
    let mut stack: Vec<&str> = catalog
        .categories
        .iter()
        .filter(|(_, e)| e.value.prune_children)
        .filter_map(|(k, _)| m.id(live, Kind::Category, k))
        .collect();
    while let Some(parent) = stack.pop() {
        for child in children.get(parent).into_iter().flatten() {
            if unmanaged(Kind::Category, child) && categories.insert(child) {
                stack.push(child);
            }
        }
    }
    for c in live
        .categories
        .iter()
        .filter(|c| categories.contains(c.id.as_str()))
    {
        out.push(delete(Kind::Category, &c.id, &c.name));
    }
    if pruned(PruneKind::Collections) {
        for c in live
            .collections
            .iter()
            .filter(|c| unmanaged(Kind::Collection, &c.id))
        {
            out.push(delete(Kind::Collection, &c.id, &c.name));
        }
    }
    if pruned(PruneKind::Files) {
        for f in live.files.iter().filter(|f| unmanaged(Kind::File, &f.id)) {
            out.extend(retire(f, m));
        }
    }
    if pruned(PruneKind::Resources) {
        for r in live
            .resources
            .iter()
            .filter(|r| unmanaged(Kind::Resource, &r.id))
        {
            out.push(delete(Kind::Resource, &r.id, &r.link));
        }
    }
    out
}
