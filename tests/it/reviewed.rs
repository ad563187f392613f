//! Nothing applied that was not reviewed, and no silent no-op: `--target`
//! takes the addresses a plan prints, and one that names nothing is an
//! error with a did-you-mean.
#![allow(clippy::unwrap_used)]

use crate::cli_support;

use cli_support::{Run, copy_dir, repo};
use pxmctl::sandbox::{Readings, Seed};

/// The demo catalog against an account holding its regions.
fn demo() -> Run {
    let catalog = pxmctl::catalog::load(&repo("catalog")).catalog.unwrap();
    let seed = Seed::with_regions(catalog.regions.values().map(|r| r.value.name.as_str()));
    let run = Run::new(seed, Readings::default(), &[]);
    copy_dir(&repo("catalog"), &run.work.path().join("catalog"));
    run
}

#[test]
fn a_target_takes_the_address_the_plan_prints() {
    let run = demo();
    let full = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(full.contains("# collection.trail-boot "), "{full}");
    for address in [
        "collection.trail-boot",
        "collections.trail-boot",
        "trail-boot",
    ] {
        let plan = run.expect(2, &["plan", "--detailed-exitcode", "--target", address]);
        assert!(
            plan.contains("# collection.trail-boot "),
            "{address}: {plan}"
        );
        assert!(
            !plan.contains("# collection.storm-shell "),
            "{address}: only the target and what it needs: {plan}"
        );
    }
    let applied = run.expect(
        0,
        &[
            "apply",
            "--auto-approve",
            "--target",
            "collection.trail-boot",
        ],
    );
    assert!(applied.contains("Apply complete!"), "{applied}");
    assert!(!applied.contains("No changes"), "{applied}");
}

#[test]
fn a_target_that_names_nothing_is_an_error_with_a_did_you_mean() {
    let run = demo();
    let out = run.expect(1, &["plan", "--target", "collection.trail-bot"]);
    assert!(out.contains("names no entry of the catalog"), "{out}");
    assert!(
        out.contains("did you mean `collection.trail-boot`?"),
        "{out}"
    );
    // The right key under another kind names nothing either.
    let wrong_kind = run.expect(
        1,
        &["apply", "--auto-approve", "--target", "files.trail-boot"],
    );
    assert!(wrong_kind.contains("names no entry"), "{wrong_kind}");
    assert_eq!(run.served.count("collection"), 0, "nothing was written");
}
