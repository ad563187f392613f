//! Assets with the same bytes under two entries: two files in PXM holding
//! one content, which is almost always a copy made by mistake. Found from
//! the assets' SHA-256s; only assets that share a size with another can
//! be equal, so [`candidates`] names the few worth hashing for `validate`.

use std::collections::BTreeMap;

use super::model::Catalog;
use crate::diag::{Code, Diagnostic};

/// Asset paths that share their size with another entry's asset.
#[must_use]
pub fn candidates(catalog: &Catalog) -> Vec<&str> {
    let mut by_size: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    for e in catalog.files.values() {
        if let Some(asset) = &e.value.content {
            by_size
                .entry(asset.size)
                .or_default()
                .push(asset.path.as_str());
        }
    }
    by_size
        .into_values()
        .filter(|paths| paths.len() > 1)
        .flatten()
        .collect()
}

/// A warning at each entry whose asset's bytes another entry's asset
/// holds too (`hashes` by asset path), naming the first such entry.
#[must_use]
pub fn same_bytes(catalog: &Catalog, hashes: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    let mut first: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut out = Vec::new();
    for e in catalog.files.values() {
        let Some(asset) = &e.value.content else {
            continue;
        };
        let Some(hash) = hashes.get(&asset.path) else {
            continue;
        };
        match first.get(hash.as_str()) {
            None => {
                first.insert(hash, (e.key.as_str(), asset.path.as_str()));
            }
            Some((other, other_path)) => {
                let other_at = catalog.files.get(other).map(|o| o.declared_at.clone());
                let mut d = Diagnostic::warning(
                    Code::DuplicateContent,
                    e.declared_at.clone(),
                    format!(
                        "file `{}` (`{}`) has the same bytes as file `{other}` (`{other_path}`), so PXM would hold them twice",
                        e.key, asset.path
                    ),
                )
                .with_hint(format!(
                    "remove one entry, or link the collections of `{}` to `{other}` instead",
                    e.key
                ));
                if let Some(at) = other_at {
                    d = d.with_label(at, "the same bytes");
                }
                out.push(d);
            }
        }
    }
    out
}
