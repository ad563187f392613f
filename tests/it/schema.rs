//! The committed JSON Schema is the one the code generates, and it is the
//! schema `pxmctl schema` prints: editors and the CLI never disagree.

use crate::support::cli::Pxmctl;
use crate::support::files::repo;

#[test]
fn committed_schema_is_fresh() {
    let path = repo(pxmctl::catalog::schema::SCHEMA_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = pxmctl::catalog::schema::schema_text();
    assert!(
        committed == generated,
        "schemas/catalog.schema.json is stale: run `cargo run -- schema > schemas/catalog.schema.json` and commit it"
    );
}

#[test]
fn committed_settings_schema_is_fresh() {
    let path = repo(pxmctl::config::format::SCHEMA_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = pxmctl::config::format::SCHEMA.text();
    assert!(
        committed == generated,
        "schemas/pxmctl.schema.json is stale: run `cargo run -- schema --settings > schemas/pxmctl.schema.json` and commit it"
    );
    assert!(pxmctl::config::format::SCHEMA.validator().is_ok());
    let out = Pxmctl::new(&["schema", "--settings"]).output();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let path = repo(pxmctl::catalog::schema::SCHEMA_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let output = Pxmctl::new(&["schema"]).output();
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
}

/// The schema publishes regexes for editors; validate runs hand-written
/// matchers in their place. They agree on text near each pattern's edges.
#[test]
fn pattern_matchers_agree_with_their_regex() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let alphabet = prop::sample::select(vec![
        'a', 'Z', '0', '9', '-', '_', '.', '+', '/', ':', '!', '#', '$', '&', '^', ' ', '\t', '\n',
        'é', '\u{a0}', '@',
    ]);
    let text = prop::collection::vec(alphabet, 0..140)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    let seeded = prop_oneof![
        text.clone(),
        text.clone().prop_map(|rest| format!("https://{rest}")),
        text.clone().prop_map(|rest| format!("image/{rest}")),
        text.clone()
            .prop_map(|rest| format!("a{}", rest.replace(' ', ""))),
        text.prop_map(|rest| format!("PXM_{}", rest.to_uppercase())),
    ];
    let patterns = pxmctl::catalog::format::PATTERNS
        .into_iter()
        .chain(pxmctl::config::format::PATTERNS);
    for pattern in patterns {
        let regex = regex::Regex::new(pattern.regex).expect("the published regex compiles");
        let mut runner = TestRunner::new(Config {
            cases: 4000,
            ..Config::default()
        });
        runner
            .run(&seeded, |text| {
                prop_assert_eq!(
                    (pattern.matches)(&text),
                    regex.is_match(&text),
                    "{} on {:?}",
                    pattern.regex,
                    text
                );
                Ok(())
            })
            .expect("matcher and regex agree");
    }
}
