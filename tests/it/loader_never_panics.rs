//! Property tests: whatever a user (or a fuzzer) puts in a catalog file,
//! loading returns diagnostics instead of panicking.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use pxmctl::catalog::parse::parse_file;

/// Words the format uses, so random documents reach the deeper checks.
const WORDS: &[&str] = &[
    "regions",
    "attributes",
    "attribute_groups",
    "categories",
    "collections",
    "files",
    "resources",
    "prune",
    "name",
    "type",
    "parent",
    "category",
    "also_in",
    "sku",
    "published",
    "start",
    "end",
    "options",
    "pick_list",
    "text",
    "number",
    "date",
    "variant",
    "path",
    "collections",
    "id",
    "renamed_from",
    "protect",
    "link",
    "description",
    "a",
    "b",
    "x-1",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(WORDS).prop_map(str::to_owned),
        "[a-z]{1,6}",
        ".{0,8}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
        Just(json!("2026-01-01")),
        Just(json!("assets/missing.jpg")),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn file() -> Arc<std::path::Path> {
    Arc::from(std::path::Path::new("fuzz.yaml"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse_file(&file(), &text);
    }

    #[test]
    fn arbitrary_yaml_punctuation_never_panics(text in "[ \\-:\\[\\]{},&*!|>'\"%@`#?\na-z0-9\t]{0,300}") {
        let _ = parse_file(&file(), &text);
    }

    #[test]
    fn arbitrary_documents_load_without_panicking(doc in value()) {
        let text = serde_saphyr::to_string(&doc).unwrap_or_default();
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::write(dir.path().join("a.yaml"), &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = pxmctl::catalog::load(dir.path());
        // Invariant: a catalog is returned exactly when there is no error.
        prop_assert_eq!(loaded.catalog.is_some(), !loaded.diagnostics.has_errors());
    }

    #[test]
    fn catalog_shaped_documents_load_without_panicking(
        kind in proptest::sample::select(&["categories", "collections", "attributes", "files", "resources", "regions", "attribute_groups"][..]),
        entries in proptest::collection::vec(("[a-c]{1,2}", value()), 0..6),
    ) {
        let body: Map<String, Value> = entries.into_iter().collect();
        let doc = json!({ kind: body });
        let text = serde_saphyr::to_string(&doc).unwrap_or_default();
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::write(dir.path().join("a.yaml"), &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = pxmctl::catalog::load(dir.path());
        prop_assert_eq!(loaded.catalog.is_some(), !loaded.diagnostics.has_errors());
        // Every diagnostic points at a real line of a real file.
        for d in &loaded.diagnostics {
            let at = d.primary().ok_or_else(|| TestCaseError::fail("no location"))?;
            prop_assert!(at.line >= 1);
        }
    }
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.yaml"),
        b"categories:\n  a: { name: \xff }\n",
    )
    .expect("write");
    let loaded = pxmctl::catalog::load(dir.path());
    let d = loaded.diagnostics.iter().next().expect("one diagnostic");
    assert_eq!(d.code.as_str(), "not-utf8");
    let at = d.primary().expect("location");
    assert_eq!((at.line, at.column), (2, 14));
}
