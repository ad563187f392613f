//! `pxmctl validate` as a user runs it: given a catalog and arguments,
//! expect this output and exit status.

use crate::support::cli::Pxmctl;
use crate::support::files::temp_with;

use predicates::prelude::*;

const VALID: &str = "\
categories:
  apparel: { name: Apparel }
  jackets: { name: Jackets, parent: apparel }
collections:
  rain-jacket: { name: Rain Jacket, type: parent, category: jackets }
  rain-jacket-m: { name: Rain Jacket M, type: variant, parent: rain-jacket, sku: RJ-M }
";

#[test]
fn valid_catalog_exits_zero_with_a_summary() {
    let dir = temp_with(&[("a.yaml", VALID)]);
    Pxmctl::new(&[])
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "is valid: 1 file; 2 categories, 2 collections",
        ));
}

/// Collections are checked in key order and each raw entry is dropped as
/// it is built, so a variant's parent is judged before any is built:
/// whichever side of it the parent sorts on, and across files.
#[test]
fn a_variant_parent_is_judged_on_either_side_of_it_in_key_order() {
    let dir = temp_with(&[
        (
            "a.yaml",
            "collections:\n  a-variant: { name: A, type: variant, parent: z-family, sku: A1 }\n  \
             y-variant: { name: Y, type: variant, parent: b-standalone, sku: Y1 }\n",
        ),
        (
            "b.yaml",
            "collections:\n  z-family: { name: Z, type: parent }\n  b-standalone: { name: B }\n",
        ),
    ]);
    let file = dir.path().join("a.yaml");
    Pxmctl::new(&[])
        .args(["validate", "--format", "short"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(format!(
            "{}:3:48: error[wrong-reference]: variant `y-variant` has parent `b-standalone`, which is a standalone collection, not a family parent\n  {}:3:3: declared here\n  hint: give `b-standalone` `type: parent`, or point `parent:` at a collection that has it\n",
            file.display(),
            dir.path().join("b.yaml").display()
        ));
}

#[test]
fn invalid_catalog_exits_one_and_names_file_line_column() {
    let dir = temp_with(&[(
        "a.yaml",
        "categories:\n  apparel: { name: Apparel }\ncollections:\n  x: { name: X, category: aparel }\n",
    )]);
    let file = dir.path().join("a.yaml");
    Pxmctl::new(&[])
        .args(["validate", "--format", "short"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(format!(
            "{}:4:27: error[unknown-reference]: `category` refers to category `aparel`, which is not in the catalog\n  hint: did you mean `apparel`?\n",
            file.display()
        ));
}

#[test]
fn text_output_shows_the_snippet_and_no_colour_under_no_color() {
    let dir = temp_with(&[("a.yaml", "collections:\n  x: { name: X, colour: red }\n")]);
    let out = Pxmctl::new(&[])
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("error[unknown-field]: unknown field `colour` in collection `x`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 |   x: { name: X, colour: red }"),
        "{stdout}"
    );
    assert!(stdout.contains("invalid: catalog"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "escape codes under NO_COLOR: {stdout}"
    );
}

#[test]
fn json_output_is_versioned_and_complete() {
    let dir = temp_with(&[
        ("a.yaml", "categories:\n  a: { name: A }\n"),
        ("b.yaml", "categories:\n  a: { name: B }\n"),
    ]);
    let out = Pxmctl::new(&[])
        .args(["validate", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["errors"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "duplicate-key");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["labels"][0]["location"]["line"], 2);
    assert_eq!(d["labels"][0]["location"]["column"], 3);
    assert!(
        d["labels"][0]["location"]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("b.yaml"))
    );
    assert!(
        d["labels"][1]["location"]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("a.yaml"))
    );
    assert!(d["hint"].is_string());
}

#[test]
fn json_output_of_a_valid_catalog_has_a_summary() {
    let dir = temp_with(&[("a.yaml", VALID)]);
    let out = Pxmctl::new(&[])
        .args(["validate", "--format", "json"])
        .arg(dir.path())
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["summary"]["entries"]["collections"], 2);
    assert_eq!(doc["summary"]["files"], 1);
}

#[test]
fn a_missing_directory_is_an_error_not_a_crash() {
    Pxmctl::new(&[])
        .args(["validate", "--format", "short", "/definitely/not/here"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[io]: cannot read catalog directory `/definitely/not/here`",
        ));
}

#[test]
fn files_in_subdirectories_and_yml_count_but_hidden_and_settings_do_not() {
    let dir = temp_with(&[
        ("products/jackets.yml", VALID),
        (".pxmctl/cache.yaml", "not: [valid"),
        ("pxmctl.yaml", "environments: {}\n"),
    ]);
    Pxmctl::new(&[])
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("1 file;"));
}

#[test]
fn the_default_directory_is_catalog() {
    let dir = temp_with(&[("catalog/a.yaml", VALID)]);
    Pxmctl::new(&[])
        .dir(dir.path())
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::contains("catalog `catalog` is valid"));
}

#[test]
fn help_has_an_example() {
    Pxmctl::new(&[])
        .args(["validate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("pxmctl validate catalog"));
}
