//! The catalog's JSON Schema: generated from the `format` types, published
//! as `schemas/catalog.schema.json` for editors, and used by `validate` on
//! every document before typed decoding, so both always agree.

use std::sync::LazyLock;

use serde_json::Value;

use super::format::CatalogFile;
use super::json_schema::Validator;

/// Where the committed schema lives, relative to the repository root, and
/// what the pragma at the top of catalog files points at.
pub const SCHEMA_PATH: &str = "schemas/catalog.schema.json";

static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let mut schema = schemars::schema_for!(CatalogFile).to_value();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$id".to_owned(),
            Value::String("https://pxmctl.dev/schemas/catalog.schema.json".to_owned()),
        );
    }
    schema
});

static VALIDATOR: LazyLock<Result<Validator, String>> = LazyLock::new(|| Validator::new(&SCHEMA));

/// The schema as a JSON value.
#[must_use]
pub fn schema() -> &'static Value {
    &SCHEMA
}

/// The schema as the committed file holds it: pretty JSON and a newline.
#[must_use]
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The compiled validator. Compiling can only fail if the generated schema
/// itself is broken, which the schema tests rule out.
pub fn validator() -> Result<&'static Validator, &'static str> {
    VALIDATOR.as_ref().map_err(String::as_str)
}

/// The sub-schema that applies at a JSON Pointer path into a document,
/// following `properties`, `additionalProperties`, `items`, `$ref` and the
/// first matching branch of `anyOf`/`oneOf`.
#[must_use]
pub fn schema_at<'a, I, S>(segments: I) -> Option<&'static Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + 'a,
{
    let mut here = resolve(schema());
    for seg in segments {
        let seg = seg.as_ref();
        here = step(here, seg)?;
    }
    Some(here)
}

/// The sub-schema of one field of an object schema.
#[must_use]
pub fn schema_at_from(schema: &'static Value, field: &str) -> Option<&'static Value> {
    step(schema, field)
}

fn step(schema: &'static Value, seg: &str) -> Option<&'static Value> {
    if let Some(next) = schema.get("properties").and_then(|p| p.get(seg)) {
        return Some(resolve(next));
    }
    if let Some(next) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        return Some(resolve(next));
    }
    if let Some(next) = schema.get("items").filter(|v| v.is_object()) {
        return Some(resolve(next));
    }
    for branch_key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(branch_key)
            && let Some(found) = branches.iter().find_map(|b| step(resolve(b), seg))
        {
            return Some(found);
        }
    }
    None
}

fn resolve(schema: &'static Value) -> &'static Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/$defs/")
            .and_then(|name| SCHEMA.get("$defs").and_then(|d| d.get(name)))
            .map_or(schema, resolve),
        None => schema,
    }
}

/// The field names a mapping at this path may hold, looking through
/// `$ref` and `anyOf` (an optional object is `anyOf: [T, null]`).
#[must_use]
pub fn known_fields(schema: &'static Value) -> Vec<&'static str> {
    let schema = resolve(schema);
    let mut names: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for key in ["anyOf", "oneOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            names.extend(known_fields(branch));
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// The first paragraph of the schema's description, which is the doc
/// comment of the Rust field or type: a ready-made hint. Looks through
/// `$ref` and `anyOf` (an optional field is `anyOf: [T, null]`).
#[must_use]
pub fn description(schema: &'static Value) -> Option<String> {
    let schema = resolve(schema);
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        return Some(
            d.split("\n\n")
                .next()
                .unwrap_or(d)
                .trim()
                .replace('\n', " "),
        );
    }
    ["anyOf", "oneOf"].iter().find_map(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .and_then(|branches| branches.iter().find_map(description))
    })
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
