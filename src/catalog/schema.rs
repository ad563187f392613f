//! The catalog's JSON Schema: generated from the `format` types, published
//! as `schemas/catalog.schema.json` for editors, and used by `validate` on
//! every document before typed decoding, so both always agree.

use std::sync::LazyLock;

use serde_json::Value;

use super::format::{CatalogFile, PATTERNS};
use super::json_schema::{Schema, Validator};

/// Where the committed schema lives, relative to the repository root, and
/// what the pragma at the top of catalog files points at.
pub const SCHEMA_PATH: &str = "schemas/catalog.schema.json";

static CATALOG: LazyLock<Schema> = LazyLock::new(|| {
    Schema::generate::<CatalogFile>("https://pxmctl.dev/schemas/catalog.schema.json", &PATTERNS)
});

/// The schema as a JSON value.
#[must_use]
pub fn schema() -> &'static Value {
    CATALOG.value()
}

/// The schema as the committed file holds it: pretty JSON and a newline.
#[must_use]
pub fn schema_text() -> String {
    CATALOG.text()
}

/// The compiled validator.
///
/// # Errors
/// Why the schema does not compile, which the schema tests rule out.
pub fn validator() -> Result<&'static Validator, &'static str> {
    CATALOG.validator()
}

/// The sub-schema that applies at a path into a catalog file.
#[must_use]
pub fn schema_at<I, S>(segments: I) -> Option<&'static Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    CATALOG.at(segments)
}

/// The sub-schema of one field of an object schema.
#[must_use]
pub fn schema_at_from(schema: &'static Value, field: &str) -> Option<&'static Value> {
    CATALOG.field(schema, field)
}

/// The field names a mapping of this sub-schema may hold.
#[must_use]
pub fn known_fields(schema: &'static Value) -> Vec<&'static str> {
    CATALOG.known_fields(schema)
}

/// The first paragraph of a sub-schema's description: a ready-made hint.
#[must_use]
pub fn description(schema: &'static Value) -> Option<String> {
    CATALOG.description(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_compiles() {
        assert!(validator().is_ok());
    }

    #[test]
    fn finds_fields_of_nested_entries() {
        let at = schema_at(["collections", "any-key"]).expect("collection schema");
        let fields = known_fields(at);
        assert!(fields.contains(&"also_in"));
        assert!(fields.contains(&"renamed_from"));
        let published = schema_at(["collections", "k", "published"]).expect("published");
        assert!(description(published).is_some_and(|d| d.contains("start date")));
    }
}
