//! The validator against a corpus of broken catalogs (`tests/corpus/NN-*`,
//! each the smallest catalog that shows one class of mistake) and against
//! every catalog we ship (`catalog/`, `examples/*`), which must be clean.
//!
//! Each corpus case is snapshotted in the `short` format with paths made
//! relative to the case directory, so a snapshot reads like what a user
//! sees and does not depend on where the repository is checked out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::files::repo;

use std::path::{Path, PathBuf};

use pxmctl::render::diagnostics::short;

/// The directories directly under `dir`, sorted by name.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list `{}`: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `text` with the case directory removed from every path: `<dir>/a.yaml`
/// becomes `a.yaml`, and the directory itself becomes `.`.
fn relative(text: &str, dir: &Path) -> String {
    let dir = dir.display().to_string();
    text.replace(&format!("{dir}/"), "").replace(&dir, ".")
}

#[test]
fn every_broken_catalog_is_refused_with_located_diagnostics() {
    let corpus = repo("tests/corpus");
    let cases = subdirs(&corpus);
    assert!(
        cases.len() >= 30,
        "the corpus should hold at least 30 cases, found {}",
        cases.len()
    );
    let mut accepted = Vec::new();
    for dir in &cases {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("case directory name is UTF-8");
        let loaded = pxmctl::catalog::load(dir);
        if loaded.catalog.is_some() || !loaded.diagnostics.has_errors() {
            accepted.push(name.to_owned());
        }
        let text = relative(&short(&loaded.diagnostics), dir);
        insta::assert_snapshot!(name, text);
    }
    assert!(
        accepted.is_empty(),
        "these broken catalogs were accepted: {accepted:?}"
    );
}

#[test]
fn every_shipped_catalog_is_valid() {
    let mut dirs = vec![repo("catalog")];
    // examples/ci holds CI workflows, not a catalog.
    dirs.extend(
        subdirs(&repo("examples"))
            .into_iter()
            .filter(|d| !d.ends_with("ci")),
    );
    assert!(dirs.len() >= 4, "expected catalog/ and three examples");
    for dir in dirs {
        let loaded = pxmctl::catalog::load(&dir);
        assert!(
            loaded.diagnostics.is_empty() && loaded.catalog.is_some(),
            "`{}` should load cleanly, but:\n{}",
            dir.display(),
            short(&loaded.diagnostics)
        );
        assert!(
            !loaded.files.is_empty(),
            "`{}` has no YAML files",
            dir.display()
        );
    }
}
