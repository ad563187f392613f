//! Deletions, only inside a scope the catalog declares: a kind listed
//! under `prune:` (every live object of that kind no entry matches), or a
//! category with `prune_children: true` (its unmatched live descendants).
//! Nothing outside those scopes is ever deleted. Regions are read-only and
//! never pruned.

use std::collections::{BTreeSet, HashMap};

use super::action::{Action, Kind, Op};
use super::diff::Draft;
use super::identity::Matches;
use crate::catalog::model::{Catalog, PruneKind};
use crate::remote::LiveSnapshot;

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

/// The deletions the catalog's prune scopes imply.
pub fn deletions(catalog: &Catalog, live: &LiveSnapshot, m: &Matches) -> Vec<Draft> {
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
            out.push(delete(Kind::File, &f.id, &f.file_name));
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
