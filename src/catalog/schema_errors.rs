//! A schema error in a catalog file as a diagnostic: where it is (the
//! error's path walked back through the spanned tree), what it says (from
//! the error's kind and the catalog's vocabulary: "collection `x`") and
//! the hint (the field's doc comment, a did-you-mean, an example).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::json_schema::{ErrorKind as K, SchemaError};
use super::parse::kind_noun;
use super::schema;
use super::source::location;
use super::suggest::did_you_mean;
use super::tree::{Node, Pos, Value};
use crate::diag::{Code, Diagnostic};

/// What a JSON Pointer path points at, for messages: "collection `x`",
/// "field `category` of collection `x`".
fn describe(path: &[String]) -> String {
    match path {
        [] => "the file".to_owned(),
        [kind] => format!("`{kind}`"),
        [kind, index] if kind == "prune" => match index.parse::<usize>() {
            Ok(i) => format!("item {} of `prune`", i + 1),
            Err(_) => format!("`prune` entry `{index}`"),
        },
        [kind, key] => format!("{} `{key}`", kind_noun(kind)),
        [kind, key, rest @ ..] => {
            format!("`{}` of {} `{key}`", rest.join("."), kind_noun(kind))
        }
    }
}

/// The diagnostics of one schema error at `path` in the file `root` was
/// parsed from.
pub(super) fn diagnostics(
    file: &Arc<Path>,
    root: &Node,
    path: &[String],
    kind: &K,
) -> Vec<Diagnostic> {
    let node = root.locate(path);
    let at = location(file, node.pos);
    let here = schema::schema_at(path);
    let what = describe(path);
    let field_hint = here.and_then(schema::description);
    match kind {
        K::AdditionalProperties { unexpected } => {
            // Keys by their text (as the JSON the schema saw names them,
            // numbers and odd keys included), looked up once each: a scan
            // per unknown field would be quadratic in their number.
            let keys: HashMap<String, Pos> = node
                .entries()
                .iter()
                .map(|(k, _)| (k.key_text().into_owned(), k.pos))
                .collect();
            let known = here.map(schema::known_fields).unwrap_or_default();
            unexpected
                .iter()
                .map(|name| {
                    let key_pos = keys.get(name.as_str()).copied().unwrap_or(node.pos);
                    let msg = if path.is_empty() {
                        format!("unknown section `{name}` at the top of the file")
                    } else {
                        format!("unknown field `{name}` in {what}")
                    };
                    let hint = did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "{} may hold: {}",
                            if path.is_empty() {
                                "a catalog file"
                            } else {
                                "it"
                            },
                            known
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                    Diagnostic::error(Code::UnknownField, location(file, key_pos), msg)
                        .with_hint(hint)
                })
                .collect()
        }
        K::Required { property } => {
            let name = property.as_str();
            let needing = here.map(|s| dependents(s, node, name)).unwrap_or_default();
            if !needing.is_empty() {
                return needing
                    .into_iter()
                    .map(|field| {
                        let key_at = node.get_key(field).map_or(node.pos, |k| k.pos);
                        Diagnostic::error(
                            Code::MissingField,
                            location(file, key_at),
                            format!("{what} has `{field}` but no `{name}`"),
                        )
                        .with_hint(format!(
                            "`{field}` only applies with `{name}`: remove it, or add `{name}: {}`",
                            example_for(name)
                        ))
                    })
                    .collect();
            }
            let key_at = root
                .locate_key(path)
                .map_or_else(|| at.clone(), |k| location(file, k.pos));
            let hint = here
                .and_then(|s| schema::schema_at_from(s, name))
                .and_then(schema::description)
                .map_or_else(
                    || format!("add `{name}:`"),
                    |d| format!("add `{name}:` ({})", lower_first(&d)),
                );
            vec![
                Diagnostic::error(
                    Code::MissingField,
                    key_at,
                    format!("{what} is missing the required field `{name}`"),
                )
                .with_hint(hint),
            ]
        }
        K::Type { expected } => {
            let expected = type_phrase(expected);
            let msg = if path.is_empty() {
                format!(
                    "a catalog file must be a mapping of sections, found {}",
                    node.type_name()
                )
            } else {
                format!("{what} must be {expected}, found {}", node.type_name())
            };
            let hint = if path.is_empty() {
                "a catalog file is a mapping of sections (`categories:`, `collections:`, ...); remove any leading `- `".to_owned()
            } else {
                type_hint(path.last().map_or("value", String::as_str), &expected, node)
            };
            vec![Diagnostic::error(Code::InvalidValue, at, msg).with_hint(hint)]
        }
        K::Enum { options } => {
            let choices: Vec<&str> = options
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect();
            vec![not_a_choice(at, &what, node, &choices)]
        }
        K::PropertyNames { name } => {
            let key_at = node.get_key(name).map_or(node.pos, |k| k.pos);
            vec![
                Diagnostic::error(
                    Code::InvalidKey,
                    location(file, key_at),
                    format!("`{name}` is not a valid key in {what}"),
                )
                .with_hint(
                    "keys start with a letter or digit and use only letters, digits, `-`, `_` and `.` (at most 128)",
                ),
            ]
        }
        K::MinLength { .. } => vec![
            Diagnostic::error(Code::InvalidValue, at, format!("{what} must not be empty"))
                .with_hint(format!(
                    "give it a value, e.g. `{}: {}`",
                    path.last().map_or("name", String::as_str),
                    example_for(path.last().map_or("", String::as_str))
                )),
        ],
        K::Pattern { .. } => {
            let found = node.to_json();
            let found_text = found
                .as_str()
                .map_or_else(|| found.to_string(), str::to_owned);
            vec![
                Diagnostic::error(
                    Code::InvalidValue,
                    at,
                    format!("{what} has an invalid value `{found_text}`"),
                )
                .with_hint(match path.last().map(String::as_str) {
                    Some("link") => "write an absolute URL with a scheme, e.g. `https://example.com/care.pdf`".to_owned(),
                    Some("mime_type") => "write a MIME type such as `image/jpeg`, or remove `mime_type` to use the extension's".to_owned(),
                    _ => field_hint.unwrap_or_else(|| "see docs/catalog.md for this field's format".to_owned()),
                }),
            ]
        }
        K::UniqueItems => {
            let items = match &node.value {
                Value::Seq(items) => items.as_slice(),
                _ => &[],
            };
            let repeated = items.iter().enumerate().find_map(|(i, item)| {
                let first = items[..i]
                    .iter()
                    .find(|earlier| earlier.to_json() == item.to_json())?;
                Some((first, item))
            });
            match repeated {
                Some((first, second)) => {
                    let text = second.to_json();
                    let shown = text
                        .as_str()
                        .map_or_else(|| text.to_string(), str::to_owned);
                    vec![
                        Diagnostic::error(
                            Code::InvalidValue,
                            location(file, second.pos),
                            format!("{what} lists `{shown}` twice"),
                        )
                        .with_label(location(file, first.pos), "first listed here")
                        .with_hint(format!("remove the second `{shown}`")),
                    ]
                }
                None => vec![
                    Diagnostic::error(
                        Code::InvalidValue,
                        at,
                        format!("{what} lists the same item more than once"),
                    )
                    .with_hint("remove the repeated item"),
                ],
            }
        }
        K::Const { expected } => {
            let choices: Vec<&str> = expected.as_str().into_iter().collect();
            vec![not_a_choice(at, &what, node, &choices)]
        }
        K::Minimum { limit } | K::Maximum { limit } => vec![
            Diagnostic::error(
                Code::InvalidValue,
                at,
                format!(
                    "{what} must be {} {limit}, found {}",
                    if matches!(kind, K::Minimum { .. }) {
                        "at least"
                    } else {
                        "at most"
                    },
                    node.to_json()
                ),
            )
            .with_hint_opt(field_hint),
        ],
        K::MinProperties { .. } => vec![
            Diagnostic::error(Code::InvalidValue, at, format!("{what} must not be empty"))
                .with_hint_opt(field_hint),
        ],
        K::AnyOf { context } | K::OneOfNone { context } => {
            // An enum whose variants carry docs becomes `oneOf` of `const`s.
            let mut choices = Vec::new();
            constants(context, &mut choices);
            if !choices.is_empty() {
                return vec![not_a_choice(at, &what, node, &choices)];
            }
            if let Some(fields) = required_one_of(path, context) {
                let key_at = root
                    .locate_key(path)
                    .map_or_else(|| at.clone(), |k| location(file, k.pos));
                return vec![
                    Diagnostic::error(
                        Code::MissingField,
                        key_at,
                        format!("{what} has {}", neither(&fields)),
                    )
                    .with_hint(one_of_hint(&fields)),
                ];
            }
            match best_branch_error(path, context) {
                Some((sub_path, sub_kind)) => diagnostics(file, root, sub_path, sub_kind),
                None => vec![
                    Diagnostic::error(
                        Code::InvalidValue,
                        at,
                        format!("{what} has an invalid value ({})", node.type_name()),
                    )
                    .with_hint_opt(field_hint),
                ],
            }
        }
        K::OneOfMany => vec![
            Diagnostic::error(
                Code::InvalidValue,
                at,
                format!("{what} has an invalid value ({})", node.type_name()),
            )
            .with_hint_opt(field_hint),
        ],
    }
}

fn not_a_choice(
    at: crate::diag::Location,
    what: &str,
    node: &Node,
    choices: &[&str],
) -> Diagnostic {
    let found = node.to_json();
    let found_text = found
        .as_str()
        .map_or_else(|| found.to_string(), str::to_owned);
    let list = choices
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::error(
        Code::InvalidValue,
        at,
        format!("{what} must be one of {list}, found `{found_text}`"),
    )
    .with_hint(
        did_you_mean(&found_text, choices.iter().copied())
            .unwrap_or_else(|| format!("use one of {list}")),
    )
}

/// The string constants that the branches of an `anyOf`/`oneOf` expected,
/// through nested branches.
fn constants<'e>(context: &'e [Vec<SchemaError>], out: &mut Vec<&'e str>) {
    for e in context.iter().flatten() {
        match &e.kind {
            K::Const { expected } => {
                if let Some(s) = expected.as_str()
                    && !out.contains(&s)
                {
                    out.push(s);
                }
            }
            K::Enum { options } => {
                for s in options.iter().filter_map(serde_json::Value::as_str) {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
            K::AnyOf { context } | K::OneOfNone { context } => constants(context, out),
            _ => {}
        }
    }
}

/// The fields of a `dependentRequired` rule that are present in `node`
/// and need the missing `required` field (`mime_type` needs `path`).
/// Empty when `required` is simply required.
fn dependents<'n>(
    schema: &'static serde_json::Value,
    node: &'n Node,
    required: &str,
) -> Vec<&'n str> {
    let Some(rules) = schema
        .get("dependentRequired")
        .and_then(serde_json::Value::as_object)
    else {
        return Vec::new();
    };
    node.entries()
        .iter()
        .filter_map(|(k, _)| {
            let field = k.key_text();
            let needs = rules.get(field.as_ref())?.as_array()?;
            needs
                .iter()
                .any(|n| n.as_str() == Some(required))
                .then_some(k)
        })
        .filter_map(|k| match &k.value {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// When every branch of an `anyOf` failed only because one field is
/// missing (`path` or `name` of a file), those fields, in branch order.
fn required_one_of(path: &[String], context: &[Vec<SchemaError>]) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    for branch in context {
        let [error] = branch.as_slice() else {
            return None;
        };
        let at_entry = error.path.len() == path.len();
        match &error.kind {
            K::Required { property } if at_entry => {
                fields.push(property.clone());
            }
            _ => return None,
        }
    }
    (fields.len() > 1).then_some(fields)
}

/// "neither `path` nor `name`", "none of `a`, `b`, `c`".
fn neither(fields: &[String]) -> String {
    match fields {
        [a, b] => format!("neither `{a}` nor `{b}`"),
        _ => format!(
            "none of {}",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What to add when an entry needs one of several fields.
fn one_of_hint(fields: &[String]) -> String {
    if fields == ["path", "name"] {
        return "add `path: assets/hero.jpg` to upload a local asset, or `name: hero.jpg` to manage the live file of that name (its links, regions and publishing) without its bytes".to_owned();
    }
    format!(
        "add one of {}",
        fields
            .iter()
            .map(|f| format!("`{f}: {}`", example_for(f)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Of the errors of each `anyOf` branch, the one that explains the problem
/// best: a value outside an enum, else an error deeper inside the value
/// (a missing `start` in a publishing window). `None` when every branch
/// just failed on the value's type, where a generic message is clearer.
fn best_branch_error<'e>(
    path: &[String],
    context: &'e [Vec<SchemaError>],
) -> Option<(&'e [String], &'e K)> {
    let all = context.iter().flatten();
    if let Some(e) = all.clone().find(|e| matches!(e.kind, K::Enum { .. })) {
        return Some((&e.path, &e.kind));
    }
    all.filter(|e| !matches!(e.kind, K::Type { .. }) || e.path.len() > path.len())
        .max_by_key(|e| e.path.len())
        .map(|e| (e.path.as_slice(), &e.kind))
}

/// What to write instead of a value of the wrong type.
fn type_hint(field: &str, expected: &str, node: &Node) -> String {
    if field == "prune" && matches!(&node.value, Value::Str(_)) {
        return "write `prune: true` or `prune: false` (YAML 1.2 reads `yes`/`no` as text)"
            .to_owned();
    }
    if expected.starts_with("a list") {
        return format!("write a list: `{field}: [{}]`", example_for(field));
    }
    if expected.starts_with("a mapping") {
        return format!("write a mapping: `{field}: {{ ... }}`");
    }
    if expected.starts_with("a string") {
        return format!("write one value: `{field}: {}`", example_for(field));
    }
    format!("write {expected}")
}

/// A plausible value for a field, for hints.
fn example_for(field: &str) -> &'static str {
    match field {
        "name" => "Jackets",
        "also_in" | "category" | "parent" => "sale",
        "regions" => "us",
        "collections" => "rain-jacket",
        "attributes" => "material",
        "options" => "Red, Blue",
        "sku" => "SKU-001",
        "path" => "assets/hero.jpg",
        "description" => "Care guide",
        _ => "...",
    }
}

fn lower_first(s: &str) -> String {
    let trimmed = s.trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn type_phrase(types: &[&str]) -> String {
    let mut parts = Vec::new();
    for (name, phrase) in [
        ("object", "a mapping"),
        ("array", "a list"),
        ("string", "a string"),
        ("integer", "a whole number"),
        ("number", "a number"),
        ("boolean", "`true` or `false`"),
    ] {
        if types.contains(&name) {
            parts.push(phrase);
        }
    }
    if parts.is_empty() {
        return "empty".to_owned();
    }
    parts.join(" or ")
}
