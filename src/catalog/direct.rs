//! A catalog file read straight from YAML into JSON, keeping only where
//! each entry's key is: the quick way through a file with no problems.
//!
//! A problem needs a position for every key and value (`tree::Node`), but
//! a file without one needs only its entries' keys' (the entry's
//! `declared_at`; anything else is found again in the file's tree when a
//! later check needs it). Building that tree, with a span on every node,
//! then converting it to JSON took about two thirds of `validate`. This
//! reading gives up at the first thing out of the ordinary (a repeated
//! key, an entry key that is not a string, a section that is not a
//! mapping, YAML it cannot read); the caller then reads the file as a
//! tree, whose checks report the problem. The JSON it builds is the JSON
//! `Node::to_json` would build from that tree, by the same conversions.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};
use serde_saphyr::Spanned;

use super::tree::{Pos, Value, ValueVisitor, parse_options};
use crate::api::Kind;

/// A file read straight into JSON.
#[derive(Debug, Default)]
pub struct Direct {
    /// The whole document, as `Node::to_json` would give it.
    pub json: Map<String, Json>,
    /// Each top-level pair in the order written: its name and, for a
    /// kind's section, its entries' keys and their positions in order.
    pub sections: Vec<(String, Vec<(String, Pos)>)>,
}

/// Reads `text`, or `None` when it holds anything this reading leaves to
/// the tree: the caller reads the file again that way.
#[must_use]
pub fn read(text: &str) -> Option<Direct> {
    serde_saphyr::from_str_with_options::<Root>(text, parse_options())
        .ok()
        .map(|root| root.0)
}

/// Why this reading gave up; never shown, the tree's reading reports.
fn declined<E: de::Error>() -> E {
    E::custom("left to the tree")
}

struct Root(Direct);

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RootVisitor)
    }
}

struct RootVisitor;

impl<'de> Visitor<'de> for RootVisitor {
    type Value = Root;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of catalog sections")
    }
    // An empty file, or one of comments only, declares nothing.
    fn visit_unit<E: de::Error>(self) -> Result<Root, E> {
        Ok(Root(Direct::default()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Root, E> {
        Ok(Root(Direct::default()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let mut direct = Direct::default();
        while let Some(Text(name)) = map.next_key::<Text>()? {
            let (json, keys) = if Kind::ALL.iter().any(|k| k.map() == name) {
                let Section(entries, keys) = map.next_value::<Section>()?;
                (Json::Object(entries), keys)
            } else {
                (map.next_value::<AnyJson>()?.0, Vec::new())
            };
            if direct.json.insert(name.clone(), json).is_some() {
                return Err(declined());
            }
            direct.sections.push((name, keys));
        }
        Ok(Root(direct))
    }
}

/// A key that is a string as written; a number, boolean or null as a key
/// is left to the tree, which says how it reads it.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(v))
    }
}

/// A kind's section: its entries as JSON by key, and the keys with their
/// positions in the order written.
struct Section(Map<String, Json>, Vec<(String, Pos)>);

impl<'de> Deserialize<'de> for Section {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SectionVisitor)
    }
}

struct SectionVisitor;

impl<'de> Visitor<'de> for SectionVisitor {
    type Value = Section;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of entries")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Section, A::Error> {
        let mut entries = Map::new();
        let mut keys = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Spanned<Text>>()? {
            let AnyJson(value) = map.next_value()?;
            let Text(name) = key.value;
            if entries.insert(name.clone(), value).is_some() {
                return Err(declined());
            }
            keys.push((name, Pos::from(key.referenced)));
        }
        Ok(Section(entries, keys))
    }
}

/// Any value, as JSON: the conversions of `tree::ValueVisitor` followed
/// by `Node::to_json`, without the tree between them.
struct AnyJson(Json);

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(AnyJson)
    }
}

impl<'de> DeserializeSeed<'de> for JsonVisitor {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    // Scalars are read as the tree reads them, then made JSON as
    // `Node::to_json` makes them: one rule for both readings.
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        ValueVisitor.visit_unit().map(Value::into_scalar_json)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        ValueVisitor.visit_none().map(Value::into_scalar_json)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        ValueVisitor.visit_bool(v).map(Value::into_scalar_json)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        ValueVisitor.visit_i64(v).map(Value::into_scalar_json)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        ValueVisitor.visit_u64(v).map(Value::into_scalar_json)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Json, E> {
        ValueVisitor.visit_i128(v).map(Value::into_scalar_json)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Json, E> {
        ValueVisitor.visit_u128(v).map(Value::into_scalar_json)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        ValueVisitor.visit_f64(v).map(Value::into_scalar_json)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        ValueVisitor.visit_str(v).map(Value::into_scalar_json)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        ValueVisitor.visit_string(v).map(Value::into_scalar_json)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Json, E> {
        ValueVisitor.visit_bytes(v).map(Value::into_scalar_json)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(JsonVisitor)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        // Keys are read as the tree reads them, and named as `to_json`
        // names them (`Value::key_text`); a repeated one is the tree's to
        // report.
        while let Some(key) = map.next_key::<Value>()? {
            let value = map.next_value_seed(JsonVisitor)?;
            if out.insert(key.key_text().into_owned(), value).is_some() {
                return Err(declined());
            }
        }
        Ok(Json::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tree::Node;

    fn tree(text: &str) -> Node {
        serde_saphyr::from_str_with_options(text, parse_options()).expect("valid yaml")
    }

    #[test]
    fn gives_the_json_and_key_positions_of_the_tree() {
        let text = "collections:\n  shirt:\n    name: Shirt\n    attributes: { size: 2, 3: x, on: true, w: 1.5, n: ~ }\n  hat: { name: Hat, regions: [us, ca] }\nprune: [collections]\n";
        let direct = read(text).expect("read directly");
        let node = tree(text);
        assert_eq!(Json::Object(direct.json), node.to_json());
        let positions: Vec<(String, Pos)> = node.entries()[0]
            .1
            .entries()
            .iter()
            .map(|(k, _)| (k.key_text().into_owned(), k.pos))
            .collect();
        assert_eq!(direct.sections[0], ("collections".to_owned(), positions));
        assert_eq!(direct.sections[1], ("prune".to_owned(), Vec::new()));
    }

    #[test]
    fn leaves_to_the_tree_what_it_must_report() {
        for text in [
            "collections:\n  a: { name: A }\n  a: { name: B }\n",
            "collections:\n  a: { name: A, name: B }\n",
            "collections: {}\ncollections: {}\n",
            "collections:\n  12: { name: A }\n",
            "collections: [a]\n",
            "collections:\n",
            "collections: {a: [}\n",
        ] {
            assert!(read(text).is_none(), "{text:?} was read directly");
        }
    }

    #[test]
    fn an_empty_file_declares_nothing() {
        let direct = read("# nothing yet\n").expect("read");
        assert!(direct.sections.is_empty() && direct.json.is_empty());
    }
}
