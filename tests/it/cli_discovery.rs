//! Finding the catalog as cargo finds `Cargo.toml`: from the current
//! directory upward when none is named, and `-C DIR` on every command.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{pxmctl, text};
use crate::support::files::{copy_dir, repo};

#[test]
fn inside_a_catalog_or_beside_one_it_is_found_without_naming_it() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("shop");
    let catalog = project.join("catalog");
    copy_dir(&repo("catalog"), &catalog);
    let deep = catalog.join("deeper/still");
    std::fs::create_dir_all(&deep).unwrap();

    for dir in [&project, &catalog, &deep] {
        let o = pxmctl(dir, &[], &["validate"]);
        assert!(o.status.success(), "from {}: {}", dir.display(), text(&o));
        assert!(text(&o).contains("is valid"), "{}", text(&o));
    }
    // Found upward, it says which; named, it is used as given.
    let o = pxmctl(&deep, &[], &["validate"]);
    assert!(
        text(&o)
            .contains("note: using the catalog `../..` (found from the current directory upward)"),
        "{}",
        text(&o)
    );
    let o = pxmctl(&deep, &[], &["validate", "catalog"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!text(&o).contains("is valid"), "{}", text(&o));
    // -C works as if started there, on any command.
    let o = pxmctl(root.path(), &[], &["-C", "shop", "validate"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pxmctl(root.path(), &[], &["validate", "-C", "shop/catalog/deeper"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pxmctl(root.path(), &[], &["-C", "nowhere", "validate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("error: -C nowhere:"), "{}", text(&o));
}

#[test]
fn with_no_catalog_anywhere_up_the_message_says_where_pxmctl_looked() {
    let root = tempfile::tempdir().unwrap();
    let o = pxmctl(root.path(), &[], &["plan"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("no catalog directory `catalog` here or above"),
        "{t}"
    );
    assert!(t.contains("pxmctl init"), "{t}");
    assert!(!t.contains("run `pxmctl validate"), "{t}");
}
