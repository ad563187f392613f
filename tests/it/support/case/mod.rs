//! Random, seeded test cases for the convergence tests of `pxmctl apply`.
//!
//! [`case`] builds, from one `u64`, a live account (a sandbox [`Seed`]) and
//! a catalog directory that differs from it in the ways `apply` must
//! handle: new, renamed (`renamed_from`), moved (pinned `id:`) and changed
//! objects of every kind, wholesale arrays holding links made "in the UI"
//! to objects outside the catalog, assets to upload, and `prune:` scopes
//! with live objects inside them (to delete) and outside them (to keep).
//! The case says what apply must delete, keep and leave linked.
//!
//! The generator is [`generate`], the small valid asset files it writes
//! [`assets`]; the faults a case runs under are [`super::profile`], the
//! checks of the account after it [`super::account`].

mod assets;
mod generate;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pxmctl::sandbox::Seed;

/// One generated test case.
pub struct Case {
    pub seed: u64,
    /// The account before apply.
    pub live: Seed,
    /// A catalog directory (YAML + a few small asset files).
    pub dir: tempfile::TempDir,
    /// Links made "in the UI": (file id, collection id) pairs in `live` where
    /// the collection is NOT managed by the catalog and the file IS managed
    /// by the catalog (via a name-only file entry that manages its
    /// `collections:`). Apply must keep them.
    pub unmanaged_links: Vec<(String, String)>,
    /// Live objects the catalog's `prune:` scope should delete: (kind ident
    /// like "category", id).
    pub expected_deletions: Vec<(String, String)>,
    /// Live objects that must survive (not in any prune scope, not managed).
    pub must_survive: Vec<(String, String)>,
    /// Whether the catalog declares a prune scope. Every scope generated
    /// holds at least one live object to delete.
    pub has_prune: bool,
    /// The YAML files written, by path relative to `dir`.
    pub yaml: BTreeMap<String, String>,
    /// The asset files written, by path relative to `dir`.
    pub assets: BTreeMap<String, Vec<u8>>,
}

impl Case {
    /// Every YAML file of the catalog in path order, each after a
    /// `# ==> path` line: for determinism checks and failure messages.
    pub fn yaml_text(&self) -> String {
        let mut out = String::new();
        for (path, text) in &self.yaml {
            let _ = writeln!(out, "# ==> {path}");
            out.push_str(text);
        }
        out
    }

    /// The catalog, loaded and checked; panics with the diagnostics and
    /// the YAML when it has errors.
    pub fn catalog(&self) -> pxmctl::catalog::model::Catalog {
        let loaded = pxmctl::catalog::load(self.dir.path());
        assert!(
            !loaded.diagnostics.has_errors(),
            "case {}: {:#?}\n{}",
            self.seed,
            loaded.diagnostics,
            self.yaml_text()
        );
        loaded.catalog.unwrap()
    }
}

/// Builds the case of `seed`. The same seed always gives the same case
/// (same YAML, assets and seed data); only the temp dir's path differs.
pub fn case(seed: u64) -> Case {
    generate::case(seed)
}

/// splitmix64: spreads nearby seeds far apart.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
