//! Catalog values and live values in one normal form, so a plan shows
//! only real changes: dates as `YYYY-MM-DD` (or RFC 3339 when not
//! midnight UTC), numbers by value (`1` = `1.0` = `"1"`), booleans from
//! strings, lists as sorted sets, publishing as `false` or
//! `{ start, end }`.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::catalog::check::parse_date;
use crate::catalog::model::{AttributeKind, AttributeValue, Publishing};
use crate::remote::wire::LivePublishing;

/// A date as the catalog would write it.
#[must_use]
pub fn date(ts: &Timestamp) -> Value {
    let utc = ts.to_zoned(jiff::tz::TimeZone::UTC);
    if utc.time() == jiff::civil::Time::midnight() {
        Value::String(utc.date().to_string())
    } else {
        Value::String(ts.to_string())
    }
}

/// A date the API sent, normalised when it parses.
fn live_date(text: &str) -> Value {
    parse_date(text).map_or_else(|| Value::String(text.to_owned()), |ts| date(&ts))
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

/// A number by value: integral values as integers.
fn number(n: f64) -> Value {
    // 2^53: beyond it f64 cannot tell integers apart anyway.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        return json!(n as i64);
    }
    json!(n)
}

fn sorted_strings(mut items: Vec<String>) -> Value {
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

#[must_use]
pub fn attribute_value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::Text(s) | AttributeValue::Choice(s) => Value::String(s.clone()),
        AttributeValue::Date(ts) => date(ts),
        AttributeValue::List(items) => sorted_strings(items.clone()),
        AttributeValue::Boolean(b) => Value::Bool(*b),
        AttributeValue::Number(n) => n.as_f64().map_or_else(|| Value::Number(n.clone()), number),
        AttributeValue::Clear => Value::Null,
    }
}

/// A live attribute value in the normal form of its attribute's type.
#[must_use]
pub fn live_attribute_value(kind: &AttributeKind, v: &Value) -> Value {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if v.is_null() || v.as_str() == Some("") {
        return Value::Null;
    }
    match kind {
        AttributeKind::Text | AttributeKind::PickList { .. } => {
            text(v).map_or(Value::Null, Value::String)
        }
        AttributeKind::Date => text(v).map_or(Value::Null, |s| live_date(&s)),
        AttributeKind::Boolean => match v {
            Value::Bool(b) => Value::Bool(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            other => other.clone(),
        },
        AttributeKind::Number => match v {
            Value::Number(n) => n.as_f64().map_or_else(|| v.clone(), number),
            Value::String(s) => s.trim().parse::<f64>().map_or_else(|_| v.clone(), number),
            other => other.clone(),
        },
        AttributeKind::List => match v {
            Value::Array(items) => sorted_strings(items.iter().filter_map(text).collect()),
            Value::String(s) => sorted_strings(
                s.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            other => other.clone(),
        },
    }
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
            json!(["a", "b"])
        );
        assert_eq!(
            live_attribute_value(&list, &json!("b, a")),
            json!(["a", "b"])
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
            published_end_date: Some(String::new()),
        };
        assert_eq!(live_publishing(&live), json!({"start": "2026-03-01"}));
        assert_eq!(live_publishing(&LivePublishing::default()), json!(false));
    }
}
