//! Every example catalog (`examples/*`, the demo `catalog/`) does what its README promises
//! on a fresh account: it plans, applies, and then plans nothing, so a
//! user copying one starts from something that converges.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod cli_support;

use std::path::{Path, PathBuf};

use cli_support::{Served, copy_dir, pxmctl, repo, text};
use pxmctl::sandbox::Seed;
use serde_json::{Value, json};

/// The example catalogs: every directory of `examples/` but the CI files,
/// and the demo catalog.
fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "ci"))
        .collect();
    dirs.sort();
    // The README's demo catalog is an example too.
    dirs.push(repo("catalog"));
    dirs
}

/// An account holding the regions the catalog names: PXM regions are
/// read-only, so an example's regions must already exist.
fn account_for(catalog: &Path) -> Seed {
    let mut seed = Seed::default();
    for entry in walkdir::WalkDir::new(catalog) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let yaml: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        for region in yaml["regions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, r)| r)
        {
            let i = seed.regions.len();
            seed.regions.push(
                json!({"id": format!("r{i}"), "name": region["name"], "is_primary": i == 0})
                    .as_object()
                    .unwrap()
                    .clone(),
            );
        }
    }
    seed
}

#[test]
fn every_example_applies_and_then_plans_nothing() {
    let examples = examples();
    let names: Vec<_> = examples.iter().map(|p| p.file_name().unwrap()).collect();
    for expected in ["apparel", "minimal", "multi-region", "catalog"] {
        assert!(names.iter().any(|n| *n == expected), "{names:?}");
    }
    for example in &examples {
        let name = example.file_name().unwrap().to_string_lossy();
        let served = Served::start(account_for(example));
        let work = tempfile::tempdir().unwrap();
        copy_dir(example, &work.path().join("catalog"));
        let env = served.env();
        let run = |args: &[&str]| pxmctl(work.path(), &env, args);

        let plan = run(&["plan", "catalog", "--detailed-exitcode"]);
        assert_eq!(plan.status.code(), Some(2), "{name}: plan\n{}", text(&plan));
        let apply = run(&["apply", "catalog", "--auto-approve"]);
        assert_eq!(
            apply.status.code(),
            Some(0),
            "{name}: apply\n{}",
            text(&apply)
        );
        assert!(
            text(&apply).contains("Apply complete!"),
            "{name}: apply\n{}",
            text(&apply)
        );
        let again = run(&["plan", "catalog", "--detailed-exitcode"]);
        assert_eq!(
            again.status.code(),
            Some(0),
            "{name}: plan after apply\n{}",
            text(&again)
        );
        eprintln!("{name}: applied, then no changes");
    }
}
