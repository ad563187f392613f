//! The committed JSON Schema is the one the code generates, and it is the
//! schema `pxmctl schema` prints: editors and the CLI never disagree.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn committed_schema_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(pxmctl::catalog::schema::SCHEMA_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = pxmctl::catalog::schema::schema_text();
    assert!(
        committed == generated,
        "schemas/catalog.schema.json is stale: run `cargo run -- schema > schemas/catalog.schema.json` and commit it"
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(pxmctl::catalog::schema::SCHEMA_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let output = Command::cargo_bin("pxmctl")
        .expect("binary is built")
        .arg("schema")
        .output()
        .expect("pxmctl runs");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[test]
fn schema_is_draft_2020_12_and_closed() {
    let schema = pxmctl::catalog::schema::schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert!(jsonschema::meta::is_valid(schema));
}
