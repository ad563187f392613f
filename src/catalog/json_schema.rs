//! A validator for the part of JSON Schema (draft 2020-12) that the
//! generated catalog schema uses. Compiling refuses any keyword it does
//! not implement, so a schema change that needs one fails the schema tests
//! instead of being ignored. Written here rather than taken from a crate:
//! the general validators cost more build time than all of pxmctl's own
//! code, for a dozen keywords (issue 18).

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

/// A pattern a text field must match: the regex the schema publishes for
/// editors, and the matcher the validator runs in its place (no regex
/// engine in the binary). A test holds the two to agree.
#[derive(Debug)]
pub struct TextPattern {
    pub regex: &'static str,
    pub matches: fn(&str) -> bool,
}

/// One place where a document breaks the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// Where in the document: object keys and array indices as text.
    pub path: Vec<String>,
    pub kind: ErrorKind,
}

/// What rule a value breaks.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// Fields the object may not hold, in document order.
    AdditionalProperties {
        unexpected: Vec<String>,
    },
    /// A field the object must hold (also from `dependentRequired`).
    Required {
        property: String,
    },
    /// The JSON types the value may have.
    Type {
        expected: Vec<&'static str>,
    },
    Const {
        expected: Value,
    },
    Enum {
        options: Vec<Value>,
    },
    /// A key that breaks the rule for the object's keys.
    PropertyNames {
        name: String,
    },
    MinProperties {
        limit: usize,
    },
    MinLength {
        limit: usize,
    },
    Minimum {
        limit: f64,
    },
    Maximum {
        limit: f64,
    },
    Pattern {
        regex: &'static str,
    },
    UniqueItems,
    /// No branch held; each branch's errors.
    AnyOf {
        context: Vec<Vec<SchemaError>>,
    },
    /// No branch held; each branch's errors.
    OneOfNone {
        context: Vec<Vec<SchemaError>>,
    },
    /// More than one branch held.
    OneOfMany,
}

/// A published schema: generated from a type, with its validator, and
/// read back for messages (which fields a mapping may hold, a field's
/// description).
#[derive(Debug)]
pub struct Schema {
    value: Value,
    validator: Result<Validator, String>,
}

impl Schema {
    /// The schema of `T`, published under `id`, whose `pattern`s are
    /// among `patterns`.
    #[must_use]
    pub fn generate<T: schemars::JsonSchema>(
        id: &str,
        patterns: &'static [&'static TextPattern],
    ) -> Self {
        let mut value = schemars::schema_for!(T).to_value();
        if let Value::Object(map) = &mut value {
            map.insert("$id".to_owned(), Value::String(id.to_owned()));
        }
        let validator = Validator::new(&value, patterns);
        Self { value, validator }
    }

    /// The schema as a JSON value.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The schema as its committed file holds it: pretty JSON and a
    /// newline.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The compiled validator. Compiling can only fail if the generated
    /// schema uses what [`Validator`] does not implement, which the
    /// schema tests rule out.
    ///
    /// # Errors
    /// Why the schema does not compile.
    pub fn validator(&self) -> Result<&Validator, &str> {
        self.validator.as_ref().map_err(String::as_str)
    }

    /// The sub-schema that applies at a path into a document, following
    /// `properties`, `additionalProperties`, `items`, `$ref` and the first
    /// matching branch of `anyOf`/`oneOf`.
    #[must_use]
    pub fn at<I, S>(&self, segments: I) -> Option<&Value>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut here = self.resolve(&self.value);
        for seg in segments {
            here = self.step(here, seg.as_ref())?;
        }
        Some(here)
    }

    /// The sub-schema of one field of an object schema.
    #[must_use]
    pub fn field<'s>(&'s self, schema: &'s Value, field: &str) -> Option<&'s Value> {
        self.step(schema, field)
    }

    fn step<'s>(&'s self, schema: &'s Value, seg: &str) -> Option<&'s Value> {
        if let Some(next) = schema.get("properties").and_then(|p| p.get(seg)) {
            return Some(self.resolve(next));
        }
        if let Some(next) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            return Some(self.resolve(next));
        }
        if let Some(next) = schema.get("items").filter(|v| v.is_object()) {
            return Some(self.resolve(next));
        }
        for branch_key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(branch_key)
                && let Some(found) = branches
                    .iter()
                    .find_map(|b| self.step(self.resolve(b), seg))
            {
                return Some(found);
            }
        }
        None
    }

    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .strip_prefix("#/$defs/")
                .and_then(|name| self.value.get("$defs").and_then(|d| d.get(name)))
                .map_or(schema, |target| self.resolve(target)),
            None => schema,
        }
    }

    /// The field names a mapping at this sub-schema may hold, looking
    /// through `$ref` and `anyOf` (an optional object is `anyOf: [T, null]`).
    #[must_use]
    pub fn known_fields<'s>(&'s self, schema: &'s Value) -> Vec<&'s str> {
        let schema = self.resolve(schema);
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
                names.extend(self.known_fields(branch));
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The first paragraph of a sub-schema's description, which is the doc
    /// comment of the Rust field or type: a ready-made hint.
    #[must_use]
    pub fn description(&self, schema: &Value) -> Option<String> {
        let d = self.annotation(schema, "description")?.as_str()?;
        Some(
            d.split("\n\n")
                .next()
                .unwrap_or(d)
                .trim()
                .replace('\n', " "),
        )
    }

    /// A keyword's value in a sub-schema, looking through `$ref` and the
    /// branches of `anyOf`/`oneOf` (an optional field is `anyOf: [T, null]`).
    #[must_use]
    pub fn annotation<'s>(&'s self, schema: &'s Value, keyword: &str) -> Option<&'s Value> {
        let schema = self.resolve(schema);
        if let Some(found) = schema.get(keyword) {
            return Some(found);
        }
        ["anyOf", "oneOf"].iter().find_map(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .and_then(|branches| branches.iter().find_map(|b| self.annotation(b, keyword)))
        })
    }
}

/// A compiled schema.
#[derive(Debug)]
pub struct Validator {
    nodes: Vec<Node>,
}

type Id = usize;

const ROOT: Id = 0;

#[derive(Debug, Default)]
struct Node {
    types: Option<Types>,
    constant: Option<Value>,
    choices: Option<Vec<Value>>,
    /// Sorted by name.
    properties: Vec<(String, Id)>,
    additional: Additional,
    required: Vec<String>,
    dependent_required: Vec<(String, Vec<String>)>,
    property_names: Option<Text>,
    min_properties: Option<usize>,
    items: Option<Id>,
    unique_items: bool,
    text: Text,
    minimum: Option<f64>,
    maximum: Option<f64>,
    any_of: Vec<Id>,
    one_of: Vec<Id>,
    reference: Option<Id>,
}

#[derive(Debug, Default, Clone, Copy)]
enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(Id),
}

/// The rules for a string.
#[derive(Debug, Default, Clone, Copy)]
struct Text {
    min_length: Option<usize>,
    pattern: Option<&'static TextPattern>,
}

/// A set of JSON types, as bits in [`TYPE_NAMES`] order.
#[derive(Debug, Clone, Copy)]
struct Types(u8);

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Keywords that only describe: they never make a document invalid.
const ANNOTATIONS: [&str; 9] = [
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "format",
];

impl Validator {
    /// Compiles a schema whose references all point into its `$defs` and
    /// whose `pattern`s are among `patterns`.
    ///
    /// # Errors
    /// A keyword, reference or pattern this validator does not implement.
    pub fn new(schema: &Value, patterns: &'static [&'static TextPattern]) -> Result<Self, String> {
        let defs = match schema.get("$defs") {
            Some(Value::Object(defs)) => defs.iter().collect(),
            Some(_) => return Err("`$defs` is not an object".to_owned()),
            None => Vec::new(),
        };
        let mut compiler = Compiler {
            patterns,
            nodes: vec![Node::default()],
            defs: defs
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (format!("#/$defs/{name}"), i + 1))
                .collect(),
        };
        compiler.nodes.extend(defs.iter().map(|_| Node::default()));
        compiler.nodes[ROOT] = compiler.compile(schema)?;
        for (i, (_, def)) in defs.iter().enumerate() {
            compiler.nodes[i + 1] = compiler.compile(def)?;
        }
        Ok(Self {
            nodes: compiler.nodes,
        })
    }

    /// Every way `document` breaks the schema; empty when it is valid.
    #[must_use]
    pub fn errors(&self, document: &Value) -> Vec<SchemaError> {
        let mut out = Report::collecting();
        self.walk(ROOT, document, &At::Root, &mut out);
        out.errors
    }

    /// Whether `document` is valid, stopping at its first error.
    #[must_use]
    pub fn is_valid(&self, document: &Value) -> bool {
        self.holds(ROOT, document)
    }

    fn holds(&self, id: Id, value: &Value) -> bool {
        let mut out = Report::first();
        self.walk(id, value, &At::Root, &mut out);
        !out.failed
    }

    fn walk(&self, id: Id, value: &Value, at: &At<'_>, out: &mut Report) {
        let node = &self.nodes[id];
        if let Some(target) = node.reference {
            self.walk(target, value, at, out);
            if out.done() {
                return;
            }
        }
        if let Some(types) = node.types
            && !types.admits(value)
        {
            out.push(|| {
                at.error(ErrorKind::Type {
                    expected: types.names(),
                })
            });
        }
        if let Some(expected) = &node.constant
            && value != expected
        {
            out.push(|| {
                at.error(ErrorKind::Const {
                    expected: expected.clone(),
                })
            });
        }
        if let Some(options) = &node.choices
            && !options.contains(value)
        {
            out.push(|| {
                at.error(ErrorKind::Enum {
                    options: options.clone(),
                })
            });
        }
        match value {
            Value::Object(map) => self.walk_object(node, map, at, out),
            Value::Array(items) => self.walk_array(node, items, at, out),
            Value::String(text) => {
                if let Some(kind) = node.text.broken_by(text) {
                    out.push(|| at.error(kind));
                }
            }
            Value::Number(n) => {
                // Every JSON number has an `f64` reading.
                let n = n.as_f64().unwrap_or_default();
                if let Some(limit) = node.minimum
                    && n < limit
                {
                    out.push(|| at.error(ErrorKind::Minimum { limit }));
                }
                if let Some(limit) = node.maximum
                    && n > limit
                {
                    out.push(|| at.error(ErrorKind::Maximum { limit }));
                }
            }
            _ => {}
        }
        if out.done() {
            return;
        }
        if !node.any_of.is_empty() && !node.any_of.iter().any(|&b| self.holds(b, value)) {
            out.push(|| {
                at.error(ErrorKind::AnyOf {
                    context: self.branch_errors(&node.any_of, value, at),
                })
            });
        }
        if !node.one_of.is_empty() {
            match node
                .one_of
                .iter()
                .filter(|&&b| self.holds(b, value))
                .count()
            {
                1 => {}
                0 => out.push(|| {
                    at.error(ErrorKind::OneOfNone {
                        context: self.branch_errors(&node.one_of, value, at),
                    })
                }),
                _ => out.push(|| at.error(ErrorKind::OneOfMany)),
            }
        }
    }

    fn branch_errors(&self, branches: &[Id], value: &Value, at: &At<'_>) -> Vec<Vec<SchemaError>> {
        branches
            .iter()
            .map(|&branch| {
                let mut out = Report::collecting();
                self.walk(branch, value, at, &mut out);
                out.errors
            })
            .collect()
    }

    fn walk_object(&self, node: &Node, map: &Map<String, Value>, at: &At<'_>, out: &mut Report) {
        let mut unexpected = Vec::new();
        for (name, value) in map {
            if let Some(rules) = node.property_names
                && rules.broken_by(name).is_some()
            {
                out.push(|| at.error(ErrorKind::PropertyNames { name: name.clone() }));
            }
            let here = At::Key(at, name);
            match node
                .properties
                .binary_search_by(|(known, _)| known.as_str().cmp(name))
            {
                Ok(i) => self.walk(node.properties[i].1, value, &here, out),
                Err(_) => match node.additional {
                    Additional::Any => {}
                    Additional::Forbidden if out.collect => unexpected.push(name.clone()),
                    Additional::Forbidden => out.failed = true,
                    Additional::Schema(id) => self.walk(id, value, &here, out),
                },
            }
            if out.done() {
                return;
            }
        }
        if !unexpected.is_empty() {
            out.push(|| at.error(ErrorKind::AdditionalProperties { unexpected }));
        }
        let missing = node.required.iter().chain(
            node.dependent_required
                .iter()
                .filter(|(field, _)| map.contains_key(field))
                .flat_map(|(_, needs)| needs),
        );
        for property in missing.filter(|p| !map.contains_key(p.as_str())) {
            out.push(|| {
                at.error(ErrorKind::Required {
                    property: property.clone(),
                })
            });
        }
        if let Some(limit) = node.min_properties
            && map.len() < limit
        {
            out.push(|| at.error(ErrorKind::MinProperties { limit }));
        }
    }

    fn walk_array(&self, node: &Node, items: &[Value], at: &At<'_>, out: &mut Report) {
        if let Some(id) = node.items {
            for (i, item) in items.iter().enumerate() {
                self.walk(id, item, &At::Index(at, i), out);
                if out.done() {
                    return;
                }
            }
        }
        if node.unique_items && !all_unique(items) {
            out.push(|| at.error(ErrorKind::UniqueItems));
        }
    }
}

fn all_unique(items: &[Value]) -> bool {
    if let Some(texts) = items.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
        let mut seen = HashSet::with_capacity(texts.len());
        return texts.into_iter().all(|t| seen.insert(t));
    }
    items
        .iter()
        .enumerate()
        .all(|(i, item)| !items[..i].contains(item))
}

impl Text {
    fn broken_by(self, text: &str) -> Option<ErrorKind> {
        if let Some(limit) = self.min_length
            && text.chars().count() < limit
        {
            return Some(ErrorKind::MinLength { limit });
        }
        match self.pattern {
            Some(pattern) if !(pattern.matches)(text) => Some(ErrorKind::Pattern {
                regex: pattern.regex,
            }),
            _ => None,
        }
    }
}

impl Types {
    fn admits(self, value: &Value) -> bool {
        let bit = match value {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Object(_) => 2,
            Value::Array(_) => 3,
            Value::Number(n) => {
                let integral =
                    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
                return self.has(4) || (integral && self.has(6));
            }
            Value::String(_) => 5,
        };
        self.has(bit)
    }

    fn has(self, bit: usize) -> bool {
        self.0 & (1 << bit) != 0
    }

    fn names(self) -> Vec<&'static str> {
        (0..TYPE_NAMES.len())
            .filter(|&bit| self.has(bit))
            .map(|bit| TYPE_NAMES[bit])
            .collect()
    }
}

/// Where the walk is, built into a path only for an error.
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn error(&self, kind: ErrorKind) -> SchemaError {
        let mut path = Vec::new();
        let mut here = self;
        loop {
            match here {
                At::Root => break,
                At::Key(up, key) => {
                    path.push((*key).to_owned());
                    here = up;
                }
                At::Index(up, i) => {
                    path.push(i.to_string());
                    here = up;
                }
            }
        }
        path.reverse();
        SchemaError { path, kind }
    }
}

/// The errors found so far; a validity check stops at the first.
struct Report {
    errors: Vec<SchemaError>,
    collect: bool,
    failed: bool,
}

impl Report {
    fn collecting() -> Self {
        Self {
            errors: Vec::new(),
            collect: true,
            failed: false,
        }
    }

    fn first() -> Self {
        Self {
            collect: false,
            ..Self::collecting()
        }
    }

    fn push(&mut self, error: impl FnOnce() -> SchemaError) {
        self.failed = true;
        if self.collect {
            self.errors.push(error());
        }
    }

    fn done(&self) -> bool {
        self.failed && !self.collect
    }
}

struct Compiler {
    patterns: &'static [&'static TextPattern],
    nodes: Vec<Node>,
    defs: BTreeMap<String, Id>,
}

impl Compiler {
    fn compile(&mut self, schema: &Value) -> Result<Node, String> {
        let map = match schema {
            Value::Bool(true) => return Ok(Node::default()),
            Value::Object(map) => map,
            other => return Err(format!("a schema must be an object, found {other}")),
        };
        let mut node = Node::default();
        for (keyword, value) in map {
            match keyword.as_str() {
                "type" => node.types = Some(types(value)?),
                "const" => node.constant = Some(value.clone()),
                "enum" => node.choices = Some(array(keyword, value)?.clone()),
                "properties" => {
                    let mut properties = Vec::new();
                    for (name, sub) in object(keyword, value)? {
                        properties.push((name.clone(), self.child(sub)?));
                    }
                    properties.sort_by(|a, b| a.0.cmp(&b.0));
                    node.properties = properties;
                }
                "additionalProperties" => {
                    node.additional = match value {
                        Value::Bool(false) => Additional::Forbidden,
                        Value::Bool(true) => Additional::Any,
                        sub => Additional::Schema(self.child(sub)?),
                    };
                }
                "required" => node.required = strings(keyword, value)?,
                "dependentRequired" => {
                    for (field, needs) in object(keyword, value)? {
                        node.dependent_required
                            .push((field.clone(), strings(keyword, needs)?));
                    }
                }
                "propertyNames" => node.property_names = Some(self.text_only(value)?),
                "minProperties" => node.min_properties = Some(count(keyword, value)?),
                "items" => node.items = Some(self.child(value)?),
                "uniqueItems" => node.unique_items = value == &Value::Bool(true),
                "minLength" => node.text.min_length = Some(count(keyword, value)?),
                "pattern" => node.text.pattern = Some(self.pattern(value)?),
                "minimum" => node.minimum = Some(bound(keyword, value)?),
                "maximum" => node.maximum = Some(bound(keyword, value)?),
                "anyOf" => node.any_of = self.branches(keyword, value)?,
                "oneOf" => node.one_of = self.branches(keyword, value)?,
                "$ref" => {
                    let target = value.as_str().and_then(|r| self.defs.get(r)).copied();
                    node.reference =
                        Some(target.ok_or_else(|| format!("unknown reference {value}"))?);
                }
                other if ANNOTATIONS.contains(&other) => {}
                other => return Err(format!("the keyword `{other}` is not supported")),
            }
        }
        Ok(node)
    }

    fn child(&mut self, schema: &Value) -> Result<Id, String> {
        let node = self.compile(schema)?;
        self.nodes.push(node);
        Ok(self.nodes.len() - 1)
    }

    fn branches(&mut self, keyword: &str, value: &Value) -> Result<Vec<Id>, String> {
        array(keyword, value)?
            .iter()
            .map(|b| self.child(b))
            .collect()
    }

    /// The rules for an object's keys, which are strings: only string rules.
    fn text_only(&self, schema: &Value) -> Result<Text, String> {
        let mut text = Text::default();
        for (keyword, value) in object("propertyNames", schema)? {
            match keyword.as_str() {
                "minLength" => text.min_length = Some(count(keyword, value)?),
                "pattern" => text.pattern = Some(self.pattern(value)?),
                other if ANNOTATIONS.contains(&other) => {}
                other => return Err(format!("`propertyNames` with `{other}` is not supported")),
            }
        }
        Ok(text)
    }

    fn pattern(&self, value: &Value) -> Result<&'static TextPattern, String> {
        self.patterns
            .iter()
            .copied()
            .find(|p| Some(p.regex) == value.as_str())
            .ok_or_else(|| format!("the pattern {value} has no matcher"))
    }
}

fn types(value: &Value) -> Result<Types, String> {
    let names = match value {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        other => return Err(format!("`type` must name types, found {other}")),
    };
    names.into_iter().try_fold(Types(0), |set, name| {
        let bit = TYPE_NAMES
            .iter()
            .position(|t| *t == name)
            .ok_or_else(|| format!("unknown type `{name}`"))?;
        Ok(Types(set.0 | 1 << bit))
    })
}

fn object<'v>(keyword: &str, value: &'v Value) -> Result<&'v Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("`{keyword}` must be an object"))
}

fn array<'v>(keyword: &str, value: &'v Value) -> Result<&'v Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("`{keyword}` must be an array"))
}

fn strings(keyword: &str, value: &Value) -> Result<Vec<String>, String> {
    array(keyword, value)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{keyword}` must list strings"))
        })
        .collect()
}

fn bound(keyword: &str, value: &Value) -> Result<f64, String> {
    value
        .as_f64()
        .ok_or_else(|| format!("`{keyword}` must be a number"))
}

fn count(keyword: &str, value: &Value) -> Result<usize, String> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("`{keyword}` must be a whole number"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::format::PATTERNS;
    use super::*;

    fn kinds(schema: &Value, document: &Value) -> Vec<(String, ErrorKind)> {
        let validator = Validator::new(schema, &PATTERNS).expect("compiles");
        let errors = validator.errors(document);
        assert_eq!(validator.is_valid(document), errors.is_empty());
        errors
            .into_iter()
            .map(|e| (e.path.join("/"), e.kind))
            .collect()
    }

    #[test]
    fn refuses_what_it_does_not_implement() {
        for schema in [
            json!({"exclusiveMaximum": 3}),
            json!({"properties": {"a": {"if": true}}}),
            json!({"pattern": "^a+$"}),
            json!({"$ref": "#/$defs/Missing"}),
            json!({"propertyNames": {"type": "string"}}),
            json!({"type": "date"}),
        ] {
            assert!(Validator::new(&schema, &PATTERNS).is_err(), "{schema}");
        }
    }

    #[test]
    fn objects_report_every_rule_at_its_path() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "path": {"type": "string"},
                "mime_type": {"type": "string", "pattern": MIME_TYPE_REGEX},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
            },
            "required": ["name"],
            "dependentRequired": {"mime_type": ["path"]},
            "additionalProperties": false,
        });
        let document = json!({
            "mime_type": "Image/JPEG",
            "tags": ["a", 3, "a"],
            "colour": 1,
            "size": 2,
        });
        let mut found = kinds(&schema, &document);
        found.sort_by_key(|(path, kind)| format!("{path}{kind:?}"));
        assert_eq!(
            found,
            vec![
                (
                    String::new(),
                    ErrorKind::AdditionalProperties {
                        unexpected: vec!["colour".to_owned(), "size".to_owned()]
                    }
                ),
                (
                    String::new(),
                    ErrorKind::Required {
                        property: "name".to_owned()
                    }
                ),
                (
                    String::new(),
                    ErrorKind::Required {
                        property: "path".to_owned()
                    }
                ),
                (
                    "mime_type".to_owned(),
                    ErrorKind::Pattern {
                        regex: MIME_TYPE_REGEX
                    }
                ),
                (
                    "tags/1".to_owned(),
                    ErrorKind::Type {
                        expected: vec!["string"]
                    }
                ),
                ("tags".to_owned(), ErrorKind::UniqueItems),
            ]
        );
        assert!(kinds(&schema, &json!({"name": "x", "tags": ["a", "b"]})).is_empty());
        assert_eq!(
            kinds(&schema, &json!({"name": ""})),
            vec![("name".to_owned(), ErrorKind::MinLength { limit: 1 })]
        );
    }

    const MIME_TYPE_REGEX: &str = super::super::format::MIME_TYPE.regex;

    #[test]
    fn branches_keep_each_branch_errors() {
        let schema = json!({
            "$defs": {"Choice": {"oneOf": [
                {"const": "a", "type": "string"},
                {"const": "b", "type": "string"},
            ]}},
            "type": "object",
            "additionalProperties": {"anyOf": [{"$ref": "#/$defs/Choice"}, {"type": "null"}]},
            "propertyNames": {"pattern": super::super::format::KEY_PATTERN},
        });
        assert!(kinds(&schema, &json!({"x": "a", "y": null})).is_empty());
        let found = kinds(&schema, &json!({"x": "c", "-bad": "b"}));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.contains(&(
            String::new(),
            ErrorKind::PropertyNames {
                name: "-bad".to_owned()
            }
        )));
        let Some((path, ErrorKind::AnyOf { context })) = found
            .iter()
            .find(|(_, k)| matches!(k, ErrorKind::AnyOf { .. }))
        else {
            panic!("no anyOf error: {found:?}");
        };
        assert_eq!(path, "x");
        assert!(matches!(
            context[0].as_slice(),
            [SchemaError { kind: ErrorKind::OneOfNone { context }, .. }] if context.len() == 2
        ));
        assert!(matches!(
            context[1].as_slice(),
            [SchemaError { kind: ErrorKind::Type { expected }, .. }] if expected == &["null"]
        ));
        let both = json!({"oneOf": [{"type": "string"}, {"minLength": 1}]});
        assert_eq!(
            kinds(&both, &json!("x")),
            vec![(String::new(), ErrorKind::OneOfMany)]
        );
    }

    #[test]
    fn integers_are_numbers_without_a_fraction() {
        let schema = json!({"type": "integer"});
        assert!(kinds(&schema, &json!(3)).is_empty());
        assert!(kinds(&schema, &json!(3.0)).is_empty());
        assert_eq!(kinds(&schema, &json!(3.5)).len(), 1);
        assert!(kinds(&json!({"type": "number"}), &json!(3)).is_empty());
    }
}
