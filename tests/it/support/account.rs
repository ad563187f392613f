//! The account after a run, as the convergence tests check it: read even
//! through a faulty sandbox ([`snapshot`]), with its identity duplicates
//! ([`duplicates`]) and whether an object is still there ([`exists`],
//! [`pruned`]).

use std::collections::BTreeMap;
use std::time::Duration;

use pxmctl::remote::file_values::{self, ValueCache};
use pxmctl::remote::{Client, LiveSnapshot};
use pxmctl::sandbox::RunningSandbox;

use super::profile::convergence_connection;

/// The account as it is now, read even through a faulty profile.
///
/// The sandbox has no fault-free read path (the control endpoints give
/// counters, not objects, and fault injection applies to every API call),
/// so this reads through the API: the client retries 5xx, dropped
/// connections and 429s, reads are never "lost answer" faults, and a
/// whole failed read is started again with a fresh client (up to 10
/// times). Note that the reads draw from the sandbox's fault generator.
pub async fn snapshot(sandbox: &RunningSandbox) -> LiveSnapshot {
    let mut last = None;
    for attempt in 0..10u64 {
        let client = Client::new(&convergence_connection(sandbox)).unwrap();
        match LiveSnapshot::fetch(&client).await {
            Ok(mut live) => {
                // Where the file list carries no values, read them all.
                let files: Vec<String> = live
                    .files
                    .iter()
                    .filter(|f| f.attributes.is_none())
                    .map(|f| f.id.clone())
                    .collect();
                let mut no_cache = ValueCache::open(None, "");
                file_values::complete(&client, &mut live, &files, &mut no_cache).await;
                if live.unread_values.is_empty() {
                    return live;
                }
                last = None;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("cannot read the sandbox account (or its files' values): {last:?}")
}

/// Identity duplicates in `live`: two attributes (or attribute groups)
/// with one name, two categories with one parent and name, two
/// collections with one sku, two files with one file name, two
/// resources with one link and owner. Empty when the account is sound.
pub fn duplicates(live: &LiveSnapshot) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |kind: &str, items: Vec<(String, &str)>| {
        let mut by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (identity, id) in items {
            by.entry(identity).or_default().push(id);
        }
        for (identity, ids) in by.into_iter().filter(|(_, ids)| ids.len() > 1) {
            out.push(format!("{kind} {identity}: ids {}", ids.join(", ")));
        }
    };
    check(
        "attribute",
        live.attributes
            .iter()
            .map(|a| (format!("named {:?}", a.name), a.id.as_str()))
            .collect(),
    );
    check(
        "attribute_group",
        live.attribute_groups
            .iter()
            .map(|g| (format!("named {:?}", g.name), g.id.as_str()))
            .collect(),
    );
    check(
        "category",
        live.categories
            .iter()
            .map(|c| {
                let parent = c.parent_id.as_deref().unwrap_or("(top level)");
                (format!("named {:?} under {parent}", c.name), c.id.as_str())
            })
            .collect(),
    );
    check(
        "collection",
        live.collections
            .iter()
            .filter_map(|c| {
                let sku = c.additional_title.as_deref().filter(|s| !s.is_empty())?;
                Some((format!("with sku {sku:?}"), c.id.as_str()))
            })
            .collect(),
    );
    check(
        "file",
        live.files
            .iter()
            .map(|f| (format!("named {:?}", f.file_name), f.id.as_str()))
            .collect(),
    );
    check(
        "resource",
        live.resources
            .iter()
            .map(|r| {
                let owner = match (&r.category_id, r.collections.is_empty()) {
                    (Some(c), _) => format!("category {c}"),
                    (None, false) => {
                        let mut ids = r.collections.clone();
                        ids.sort();
                        format!("collections {}", ids.join(","))
                    }
                    (None, true) => "the account".to_owned(),
                };
                (format!("{:?} on {owner}", r.link), r.id.as_str())
            })
            .collect(),
    );
    out
}

/// `"attribute_group"`), as the case's expectations name them.
/// Whether a pruned object is out of the account: deleted, or for a file
/// (which PXM cannot delete) retired, unlinked from every collection and
/// unpublished.
pub fn pruned(live: &LiveSnapshot, kind: &str, id: &str) -> bool {
    match kind {
        "file" => live
            .files
            .iter()
            .find(|f| f.id == id)
            .is_none_or(|f| f.collections.is_empty() && !f.publishing.published),
        _ => !exists(live, kind, id),
    }
}

/// Whether `live` holds the object `id` of `kind` (a kind ident such as
/// `"attribute_group"`), as the case's expectations name them.
pub fn exists(live: &LiveSnapshot, kind: &str, id: &str) -> bool {
    match kind {
        "region" => live.regions.iter().any(|o| o.id == id),
        "attribute" => live.attributes.iter().any(|o| o.id == id),
        "attribute_group" => live.attribute_groups.iter().any(|o| o.id == id),
        "category" => live.categories.iter().any(|o| o.id == id),
        "collection" => live.collections.iter().any(|o| o.id == id),
        "file" => live.files.iter().any(|o| o.id == id),
        "resource" => live.resources.iter().any(|o| o.id == id),
        other => panic!("unknown kind {other}"),
    }
}
