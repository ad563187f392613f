//! Files: links, regions and publishing, by name; with assets, a safe
//! `path` under `assets/`, a `mime_type` when the extension does not say
//! it, and a download.

use super::{Converter, KindKeysRef, noun, subject};
use crate::api::fields::{common, file};
use crate::catalog::check::{canonical_mime, implied_mime_type};
use crate::catalog::format::Pin;
use crate::catalog::format::{self, Key};
use crate::export::Download;
use crate::export::asset_names::{AssetNames, Refusal};
use crate::export::keys::{self, Hint, Wanted};
use crate::remote::secret::Secret;
use crate::remote::wire::LiveFile;

impl Converter<'_> {
    pub(super) fn files(&mut self) {
        let snapshot = self.snapshot;
        let mut wanted = Vec::new();
        for f in &snapshot.files {
            if f.file_name.is_empty() {
                self.skip(noun::FILE, &f.id, "it has no file name");
            } else {
                wanted.push(Wanted {
                    id: f.id.clone(),
                    name: f.file_name.clone(),
                    hint: Hint::None,
                });
            }
        }
        let keys = keys::assign(noun::FILE, &wanted);
        let mut names = AssetNames::default();
        let mut in_categories = 0;
        for f in &snapshot.files {
            let Some(key) = keys.get(&f.id).cloned() else {
                continue;
            };
            if f.parent_id.is_some() {
                in_categories += 1;
            }
            let at = ("files", key.as_str(), f.id.as_str());
            let collections = self.references(
                &KindKeysRef::Collections,
                &f.collections,
                file::COLLECTIONS.catalog,
                at,
            );
            let regions = self.references(
                &KindKeysRef::Regions,
                &f.region_ids,
                common::REGIONS.catalog,
                at,
            );
            let published = self.published(&f.publishing, at);
            let mut entry = format::File {
                path: None,
                name: Some(f.file_name.clone()),
                mime_type: None,
                collections,
                regions,
                published,
                on_conflict: None,
                if_duplicate: None,
                id: Some(Pin::Everywhere(f.id.clone())),
                renamed_from: None,
                protect: None,
            };
            if self.options.with_assets {
                self.asset(f, &key, &mut names, &mut entry);
            }
            self.out.files.insert(key, entry);
        }
        if in_categories > 0 {
            self.warn(
                String::new(),
                format!(
                    "{in_categories} file(s) sit in a category folder (`parent_id`), which the catalog does not describe; pxmctl leaves them where they are"
                ),
                None,
            );
        }
    }

    /// Gives a file entry its `path` (and `mime_type` when the extension
    /// does not imply it) and queues its download; with a warning and no
    /// path when that cannot be done.
    fn asset(&mut self, f: &LiveFile, key: &Key, names: &mut AssetNames, entry: &mut format::File) {
        let at = subject(noun::FILE, key, &f.id);
        let here = Some(("files", key.as_str()));
        let Some(url) = f.download_url.as_deref().filter(|u| !u.is_empty()) else {
            self.warn(
                at,
                "PXM lists no download URL; written without `path`".to_owned(),
                here,
            );
            return;
        };
        if f.size == Some(0) {
            self.warn(
                at,
                "empty (0 bytes) in PXM, and the catalog refuses empty assets; written without `path`".to_owned(),
                here,
            );
            return;
        }
        let path = match names.path_for(&f.file_name, &f.id) {
            Ok(path) => path,
            Err(Refusal::CatalogExtension) => {
                self.warn(
                    at,
                    "not downloaded: a `.yaml`/`.yml` asset would be read as a catalog file; written without `path`".to_owned(),
                    here,
                );
                return;
            }
        };
        let file_part = path.rsplit('/').next().unwrap_or(&path);
        if file_part == f.file_name {
            entry.name = None;
        }
        let implied = implied_mime_type(&path);
        let live = f
            .mime_type
            .as_deref()
            .map(canonical_mime)
            .filter(|m| m != "application/octet-stream" && is_catalog_mime(m));
        match (implied, live) {
            (None, Some(live)) => entry.mime_type = Some(live),
            (Some(implied), Some(live)) if implied != live => self.warn(
                at,
                format!(
                    "PXM lists its type as {live}, but its name implies {implied}; the catalog goes by the name"
                ),
                here,
            ),
            _ => {}
        }
        self.out.downloads.push(Download {
            file_id: f.id.clone(),
            file_name: f.file_name.clone(),
            url: Secret::new(url),
            path: path.clone(),
            size: f.size,
        });
        entry.path = Some(path);
    }
}

/// The catalog's MIME type pattern.
fn is_catalog_mime(mime: &str) -> bool {
    let part = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && chars
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "!#$&^_.+-".contains(c))
    };
    mime.split_once('/')
        .is_some_and(|(a, b)| part(a) && part(b))
}
