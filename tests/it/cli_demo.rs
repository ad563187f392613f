//! The README's main command, `pxmctl demo`, as a new user runs it: the
//! bundled catalog is planned, applied and planned again (empty) against
//! a sandbox the demo starts itself.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{Pxmctl, stderr};
use crate::support::files::{copy_dir, repo};

#[test]
fn the_demo_plans_applies_and_plans_empty_on_the_bundled_catalog() {
    // A copy: the demo leaves its hash cache in catalog/.pxmctl/.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo("catalog"), &dir.path().join("catalog"));
    // One file for stdout and stderr, as a terminal shows them: in order.
    let log = dir.path().join("demo.log");
    let file = std::fs::File::create(&log).unwrap();
    let status = Pxmctl::new(&["demo"])
        .dir(dir.path())
        .command()
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{text}");
    let first = text.find("==> 1/3 pxmctl plan catalog").unwrap();
    let apply = text
        .find("==> 2/3 pxmctl apply catalog --auto-approve -q")
        .unwrap();
    let last = text
        .find("==> 3/3 pxmctl plan catalog --detailed-exitcode")
        .unwrap();
    assert!(first < apply && apply < last, "{text}");
    assert!(
        text[first..apply].contains("Plan: 28 to add, 0 to change, 0 to destroy, 4 uploads"),
        "{text}"
    );
    assert!(
        text[apply..last].contains("Apply complete! 36 done"),
        "{text}"
    );
    assert!(
        text[last..].contains("No changes. The account matches the catalog."),
        "{text}"
    );
    assert!(text.contains("Where to look next:"), "{text}");
    // One plan in full, not a second copy from apply.
    assert_eq!(text.matches("will be created").count(), 28, "{text}");
    assert_eq!(text.matches("Plan: 28 to add").count(), 1, "{text}");
    assert!(dir.path().join("catalog/.pxmctl/hashes.json").is_file());
}

#[test]
fn the_demo_names_an_invalid_catalog_and_the_command_that_explains_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("catalog")).unwrap();
    std::fs::write(
        dir.path().join("catalog/c.yaml"),
        "collections:\n  x: { nam: X }\n",
    )
    .unwrap();
    let output = Pxmctl::new(&["demo"]).dir(dir.path()).output();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("run `pxmctl validate catalog`"), "{err}");
}
