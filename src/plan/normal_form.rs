//! Catalog values and live values in one normal form, so a plan shows
//! only real changes: dates as `YYYY-MM-DD` (or RFC 3339 when not
//! midnight UTC), numbers by value (`1` = `1.0` = `"1"`), booleans from
//! strings, lists in their order, publishing as `false` or `{ start, end
//! }`. Live values are read with `api::codec`, as export reads them.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::api::codec;
use crate::catalog::model::{AttributeKind, AttributeValue, Publishing};
use crate::remote::wire::LivePublishing;

/// A date as the catalog would write it.
#[must_use]
pub fn date(ts: &Timestamp) -> Value {
    Value::String(codec::catalog_date(*ts))
}

/// A date the API sent, normalised when it reads as one.
fn live_date(text: &str) -> Value {
    codec::read_date(text).map_or_else(|| Value::String(text.to_owned()), |ts| date(&ts))
}

#[must_use]
pub fn publishing(p: &Publishing) -> Value {
    match p {
        Publishing::Unpublished => Value::Bool(false),
        Publishing::Window { start, end } => {
            let mut m = Map::new();
            m.insert("start".into(), date(start));
            if let Some(end) = end {
                m.insert("end".into(), date(end));
            }
            Value::Object(m)
        }
    }
}

#[must_use]
pub fn live_publishing(p: &LivePublishing) -> Value {
    if !p.published {
        return Value::Bool(false);
    }
    let mut m = Map::new();
    m.insert(
        "start".into(),
        p.published_start_date
            .as_deref()
            .map_or(Value::Null, live_date),
    );
    if let Some(end) = p.published_end_date.as_deref().filter(|e| !e.is_empty()) {
        m.insert("end".into(), live_date(end));
    }
    Value::Object(m)
}

fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

#[must_use]
pub fn attribute_value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::Text(s) | AttributeValue::Choice(s) => Value::String(s.clone()),
        AttributeValue::Date(ts) => date(ts),
        AttributeValue::List(items) => strings(items.clone()),
        AttributeValue::Boolean(b) => Value::Bool(*b),
        AttributeValue::Number(n) => codec::number_by_value(n),
        AttributeValue::Clear => Value::Null,
    }
}

/// A live attribute value in the normal form of its attribute's type; a
/// value that does not read as its type stays as it is (and differs).
#[must_use]
pub fn live_attribute_value(kind: &AttributeKind, v: &Value) -> Value {
    if v.is_null() || v.as_str() == Some("") {
        return Value::Null;
    }
    let read = match kind {
        AttributeKind::Text | AttributeKind::PickList { .. } => {
            codec::read_text(v).map(Value::String)
        }
        AttributeKind::Date => codec::read_text(v).map(|s| live_date(&s)),
        AttributeKind::Boolean => codec::read_bool(v).map(Value::Bool),
        AttributeKind::Number => codec::read_number(v).map(|n| codec::number_by_value(&n)),
        AttributeKind::List => codec::read_list(v).map(strings),
    };
    read.unwrap_or_else(|| v.clone())
}

/// The API's name for an attribute type.
#[must_use]
pub fn kind_name(kind: &AttributeKind) -> &'static str {
    match kind {
        AttributeKind::Text => "Text",
        AttributeKind::Date => "Date",
        AttributeKind::List => "List",
        AttributeKind::PickList { .. } => "Pick List",
        AttributeKind::Boolean => "Boolean",
        AttributeKind::Number => "Number",
    }
}

/// A live type name compared loosely (`pick_list`, `PICK LIST`).
#[must_use]
pub fn same_kind_name(live: &str, kind: &AttributeKind) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], " ");
    norm(live) == norm(kind_name(kind))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dates_numbers_and_lists_compare_by_value() {
        let ts: Timestamp = "2026-01-01T00:00:00Z".parse().expect("ts");
        assert_eq!(date(&ts), json!("2026-01-01"));
        assert_eq!(live_date("2026-01-01T00:00:00+00:00"), json!("2026-01-01"));
        assert_eq!(
            live_date("2026-01-01T09:30:00Z"),
            json!("2026-01-01T09:30:00Z")
        );
        let n = AttributeKind::Number;
        assert_eq!(live_attribute_value(&n, &json!("12.50")), json!(12.5));
        assert_eq!(live_attribute_value(&n, &json!(3.0)), json!(3));
        let list = AttributeKind::List;
        assert_eq!(
            live_attribute_value(&list, &json!(["b", "a"])),
            json!(["b", "a"]),
            "a list keeps its order"
        );
        assert_eq!(
            live_attribute_value(&list, &json!("b, a")),
            json!(["b", "a"])
        );
        assert_eq!(
            live_attribute_value(&AttributeKind::Boolean, &json!("TRUE")),
            json!(true)
        );
        assert!(same_kind_name(
            "pick_list",
            &AttributeKind::PickList { options: vec![] }
        ));
    }

    #[test]
    fn publishing_normal_form() {
        let live = LivePublishing {
            published: true,
            published_start_date: Some("2026-03-01T00:00:00Z".into()),
            published_end_date: Some(Box::from("")),
        };
        assert_eq!(live_publishing(&live), json!({"start": "2026-03-01"}));
        assert_eq!(live_publishing(&LivePublishing::default()), json!(false));
    }
}
