//! The YAML document as parsed: a generic tree that keeps the location of
//! every key and value, so any problem found later (by the JSON Schema or a
//! checker) can point at the exact line and column.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node sits in its file: 1-based line and column, byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl From<serde_saphyr::Location> for Pos {
    fn from(l: serde_saphyr::Location) -> Self {
        let span = l.span();
        Self {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
            offset: span
                .byte_offset()
                .and_then(|o| usize::try_from(o).ok())
                .unwrap_or(0),
            len: span
                .byte_len()
                .and_then(|o| usize::try_from(o).ok())
                .unwrap_or(0),
        }
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A YAML value. Mappings keep every pair in order, duplicates included,
/// so a repeated key is reported rather than silently overwritten.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// A scalar as JSON (`catalog::direct` reads scalars the same way);
    /// a list or mapping, whose items are nodes, is `null` here.
    #[must_use]
    pub fn into_scalar_json(self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Seq(_) | Value::Map(_) => J::Null,
            Value::Bool(b) => J::Bool(b),
            Value::Int(i) => J::from(i),
            Value::UInt(u) => J::from(u),
            Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s),
        }
    }

    /// The scalar text of a key (numbers and booleans as written in JSON),
    /// borrowed where the key is a string, as nearly all are.
    #[must_use]
    pub fn key_text(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Null => Cow::Borrowed("null"),
            Value::Bool(b) => Cow::Owned(b.to_string()),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::UInt(u) => Cow::Owned(u.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Seq(_) | Value::Map(_) => Cow::Borrowed("<complex key>"),
        }
    }
}

impl Node {
    /// The pairs of a mapping; empty for anything else.
    #[must_use]
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(pairs) => pairs,
            _ => &[],
        }
    }

    /// [`Value::key_text`] of this node.
    #[must_use]
    pub fn key_text(&self) -> Cow<'_, str> {
        self.value.key_text()
    }

    /// The value under `key` in a mapping (the last one, as YAML readers do).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
            .map(|(_, v)| v)
    }

    /// The key node for `key` in a mapping.
    #[must_use]
    pub fn get_key(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
            .map(|(k, _)| k)
    }

    /// Follows a JSON Pointer's segments; stops at the deepest node found,
    /// so a location is always available even for a missing field.
    #[must_use]
    pub fn locate<I, S>(&self, segments: I) -> &Node
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut node = self;
        for seg in segments {
            let seg = seg.as_ref();
            let next = match &node.value {
                Value::Map(_) => node.get(seg),
                Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// The key node whose value the path leads to (the entry key for
    /// `["collections", "x"]`), when the last segment is a mapping key.
    #[must_use]
    pub fn locate_key<S: AsRef<str>>(&self, path: &[S]) -> Option<&Node> {
        let (last, parent) = path.split_last()?;
        let parent = self.locate(parent.iter().map(AsRef::as_ref));
        parent.get_key(last.as_ref())
    }

    /// The value as JSON, for schema validation and typed decoding. Keys
    /// become strings; a repeated key keeps its last value.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(pairs) => {
                let mut map = serde_json::Map::with_capacity(pairs.len());
                for (k, v) in pairs {
                    map.insert(k.key_text().into_owned(), v.to_json());
                }
                J::Object(map)
            }
            scalar => scalar.clone().into_scalar_json(),
        }
    }

    /// A short description of the value's YAML type, for messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: spanned.referenced.into(),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// How every YAML scalar is read, for the tree and for `catalog::direct`.
pub struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::UInt))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            pairs.push((key, value));
        }
        Ok(Value::Map(pairs))
    }
}

/// Parse options: duplicate keys reach the tree (the checker reports each
/// one with both locations), and the size budget is raised so a catalog of
/// a hundred thousand products fits in one file, while alias limits still
/// stop "billion laughs" documents.
#[must_use]
pub fn parse_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 50_000_000;
    budget.max_nodes = 20_000_000;
    budget.max_total_scalar_bytes = 1 << 30;
    budget.max_reader_input_bytes = Some(1 << 30);
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options.budget = Some(budget);
    options.strict_booleans = true;
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        serde_saphyr::from_str_with_options(text, parse_options()).expect("valid yaml")
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let doc = parse("a:\n  bb: hello\n  cc: [1, 2]\n");
        let (k, v) = &doc.get("a").expect("a").entries()[0];
        assert_eq!((k.pos.line, k.pos.column), (2, 3));
        assert_eq!((v.pos.line, v.pos.column), (2, 7));
        assert_eq!(
            &"a:\n  bb: hello\n"[v.pos.offset..v.pos.offset + v.pos.len],
            "hello"
        );
        let two = doc.locate(["a", "cc", "1"]);
        assert_eq!((two.pos.line, two.pos.column), (3, 11));
    }

    #[test]
    fn keeps_duplicate_keys() {
        let doc = parse("a: 1\na: 2\n");
        assert_eq!(doc.entries().len(), 2);
        assert_eq!(doc.to_json(), serde_json::json!({"a": 2}));
    }

    #[test]
    fn locate_stops_at_deepest_existing_node() {
        let doc = parse("a:\n  b: 1\n");
        let n = doc.locate(["a", "missing", "x"]);
        assert_eq!(n.pos.line, 2);
    }
}
