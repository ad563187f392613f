//! The live account at one moment: every kind a catalog can hold, each
//! read with as few list requests as its size allows (list items carry
//! attribute values, links and regions, so nothing is fetched per
//! object). The kinds are fetched concurrently; objects are sorted by id
//! so everything downstream is deterministic.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::RemoteError;
use super::page::list_all;
use super::wire::{
    LiveAttribute, LiveAttributeGroup, LiveCategory, LiveCollection, LiveFile, LiveRegion,
    LiveResource,
};
use crate::api::Kind;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveSnapshot {
    pub regions: Vec<LiveRegion>,
    pub attributes: Vec<LiveAttribute>,
    pub attribute_groups: Vec<LiveAttributeGroup>,
    pub categories: Vec<LiveCategory>,
    pub collections: Vec<LiveCollection>,
    pub files: Vec<LiveFile>,
    pub resources: Vec<LiveResource>,
    /// Files whose attribute values the list left out and a read per file
    /// could not fetch, with the reason ([`super::file_values`]).
    #[serde(skip)]
    pub unread_values: std::collections::BTreeMap<String, String>,
}

impl LiveSnapshot {
    /// Reads the whole account.
    pub async fn fetch(client: &Client) -> Result<Self, RemoteError> {
        let (regions, attributes, attribute_groups, categories, collections, files, resources) = tokio::try_join!(
            sorted::<LiveRegion>(client, Kind::Region, |o| &o.id),
            sorted::<LiveAttribute>(client, Kind::Attribute, |o| &o.id),
            sorted::<LiveAttributeGroup>(client, Kind::AttributeGroup, |o| &o.id),
            sorted::<LiveCategory>(client, Kind::Category, |o| &o.id),
            sorted::<LiveCollection>(client, Kind::Collection, |o| &o.id),
            sorted::<LiveFile>(client, Kind::File, |o| &o.id),
            sorted::<LiveResource>(client, Kind::Resource, |o| &o.id),
        )?;
        // The account lock is pxmctl's own state, not catalog content.
        let mut attributes = attributes;
        attributes.retain(|a| a.name != crate::api::names::LOCK_ATTRIBUTE);
        Ok(Self {
            regions,
            attributes,
            attribute_groups,
            categories,
            collections,
            files,
            resources,
            unread_values: std::collections::BTreeMap::new(),
        })
    }

    /// The snapshot without its files' presigned download URLs, for a run
    /// that never fetches a file's bytes (plan, apply: only export's
    /// `--with-assets` does). Each is a credential held for nothing, and
    /// the longest text of a file: ~150 bytes in the sandbox, several
    /// hundred for S3's, one per file of the account.
    #[must_use]
    pub fn without_download_urls(mut self) -> Self {
        for file in &mut self.files {
            file.download_url = None;
        }
        self
    }

    /// Objects per kind, for summaries.
    #[must_use]
    pub fn counts(&self) -> [(&'static str, usize); 7] {
        [
            ("regions", self.regions.len()),
            ("attributes", self.attributes.len()),
            ("attribute_groups", self.attribute_groups.len()),
            ("categories", self.categories.len()),
            ("collections", self.collections.len()),
            ("files", self.files.len()),
            ("resources", self.resources.len()),
        ]
    }
}

/// Shorter ids first, then as text: numeric ids come out in numeric
/// order, and any ids get one total order.
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

async fn sorted<T: DeserializeOwned>(
    client: &Client,
    kind: Kind,
    id: fn(&T) -> &String,
) -> Result<Vec<T>, RemoteError> {
    let mut items: Vec<T> = list_all(client, kind.path(), kind.list_key()).await?;
    // Unstable: a stable sort takes room for half the list, 136 MB for a
    // million collections, and ids are unique (equal ones, should an API
    // repeat one, still come out in the same order for the same answer).
    items.sort_unstable_by(|a, b| id_order(id(a), id(b)));
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_order_is_shortest_first_so_numbers_sort_numerically() {
        let mut ids = vec!["10", "9", "100", "a2", "a10"];
        ids.sort_by(|a, b| id_order(a, b));
        assert_eq!(ids, ["9", "10", "a2", "100", "a10"]);
    }

    #[test]
    fn a_snapshot_for_planning_holds_no_download_url() {
        let file: LiveFile = serde_json::from_str(
            r#"{"id": "f1", "file_name": "a.jpg", "size": 10,
                "download_url": "https://store.example/a.jpg?X-Amz-Signature=secret"}"#,
        )
        .expect("file");
        assert!(file.download_url.is_some());
        let snapshot = LiveSnapshot {
            files: vec![file.clone()],
            ..LiveSnapshot::default()
        }
        .without_download_urls();
        let kept = &snapshot.files[0];
        assert_eq!(kept.download_url, None);
        assert_eq!((kept.id.as_str(), kept.size), ("f1", Some(10)));
        assert_eq!(kept.file_name, file.file_name);
    }
}
