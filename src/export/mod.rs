//! `pxmctl export`: the live account written as a catalog that `pxmctl
//! validate` accepts. [`export`] is a pure function from a
//! [`LiveSnapshot`] to the files to write (and, with assets, the files to
//! download); [`write`] puts them on disk atomically, [`download`] fetches
//! asset bytes from their presigned URLs.
//!
//! Entries are matched by their natural identity; only an object whose
//! identity another live object shares is pinned by `id:`, for the
//! environment read (see `pins`). Keys are slugs of names, unique per
//! kind and stable across runs (see [`keys`]). What the catalog cannot say
//! (a reference to an object that is not in the account, a value that does
//! not fit its type, publishing without a start date) is left out with a
//! [`Warning`], written as a `# pxmctl:` comment above the entry too, so
//! the result always validates. pxmctl's own hash attribute is not
//! exported. Nothing here prints.

mod asset_names;
pub mod catalog_form;
mod convert;
pub mod download;
mod error;
pub mod keys;
mod layout;
mod pins;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;

pub use asset_names::{ASSETS_DIR, sanitise};
pub use error::ExportError;
pub use layout::SCHEMA_FILE;

use crate::remote::LiveSnapshot;
use crate::remote::secret::Secret;
use crate::remote::wire::Id;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// Download every file's bytes into `assets/` and write `path:`
    /// entries; without it, files are written by `name` alone.
    pub with_assets: bool,
    /// The Text attribute pxmctl keeps asset hashes in: neither it nor its
    /// values are exported.
    pub hash_attribute: String,
    /// The environment the account was read as: the few pins export
    /// writes are for it (see `pins`).
    pub environment: Option<String>,
    /// Pins of other environments already in the catalog being replaced,
    /// by section and key (`collections`, `twin`): kept on the entry of the
    /// same key, so exporting staging over a catalog with production's
    /// pins loses none.
    pub other_pins: BTreeMap<(String, String), BTreeMap<String, String>>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            with_assets: false,
            hash_attribute: crate::config::DEFAULT_HASH_ATTRIBUTE.to_owned(),
            environment: None,
            other_pins: BTreeMap::new(),
        }
    }
}

/// An exported catalog, ready to write.
#[derive(Debug, Clone)]
pub struct Export {
    /// File contents by path relative to the output directory
    /// (`categories.yaml`, `collections/apparel.yaml`, `catalog.schema.json`).
    pub files: BTreeMap<String, String>,
    /// Asset bytes to fetch (only with [`ExportOptions::with_assets`]), in
    /// file-id order.
    pub downloads: Vec<Download>,
    /// What could not be exported as it is live, in a stable order.
    pub warnings: Vec<Warning>,
    /// Entries written per catalog section, in catalog order.
    pub counts: Vec<(&'static str, usize)>,
}

/// One asset to download. `Debug` never shows the URL.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_id: Id,
    /// The file's name in PXM.
    pub file_name: String,
    /// The presigned download URL: a credential, never printed or logged.
    pub url: Secret,
    /// Where to write it, relative to the output directory (`assets/x.jpg`).
    pub path: String,
    /// The size PXM lists, checked after the download when known.
    pub size: Option<u64>,
}

/// Something the catalog cannot say as the account has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is about: `collection \`rain-jacket\` (id 42)`, or
    /// `category 17` for an object that was not exported.
    pub subject: String,
    pub message: String,
    /// The section and key of the entry it concerns, when one was written.
    pub entry: Option<(&'static str, String)>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.subject.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.subject, self.message)
        }
    }
}

/// Converts the account in `snapshot` into catalog files.
///
/// # Errors
///
/// [`ExportError::Serialize`] if an entry cannot be written as YAML, which
/// the format types rule out in practice.
pub fn export(snapshot: &LiveSnapshot, options: &ExportOptions) -> Result<Export, ExportError> {
    let mut converted = convert::convert(snapshot, options);
    pins::keep_needed(
        &mut converted,
        snapshot,
        options.environment.as_deref(),
        &options.other_pins,
    );
    let counts = converted.counts();
    let files = layout::render(&converted)?;
    Ok(Export {
        files,
        downloads: converted.downloads,
        warnings: converted.warnings,
        counts,
    })
}
