//! Every example catalog (`examples/*`, the demo `catalog/`) does what its README promises
//! on a fresh account: it plans, applies, and then plans nothing, so a
//! user copying one starts from something that converges; against the
//! sandbox's default readings of the guides and its strict ones.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support::cli::{pxmctl, text};
use crate::support::files::{copy_dir, repo};
use crate::support::served::Served;

use std::path::{Path, PathBuf};

use pxmctl::sandbox::{Readings, Seed};

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

/// An account holding the regions the catalog names.
fn account_for(catalog: &Path) -> Seed {
    let loaded = pxmctl::catalog::load(catalog).catalog.unwrap();
    Seed::with_regions(loaded.regions.values().map(|r| r.value.name.as_str()))
}

#[test]
fn every_example_applies_and_then_plans_nothing() {
    applies_and_then_plans_nothing(&Readings::default());
}

#[test]
fn every_example_applies_and_then_plans_nothing_under_the_strict_readings() {
    applies_and_then_plans_nothing(&Readings::strict());
}

fn applies_and_then_plans_nothing(readings: &Readings) {
    let examples = examples();
    let names: Vec<_> = examples.iter().map(|p| p.file_name().unwrap()).collect();
    for expected in ["apparel", "minimal", "multi-region", "catalog"] {
        assert!(names.iter().any(|n| *n == expected), "{names:?}");
    }
    for example in &examples {
        let name = example.file_name().unwrap().to_string_lossy();
        let served = Served::reading(account_for(example), readings.clone());
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
