//! Values on the wire, both ways: one reader per value type for whatever
//! shape the API may answer, and one writer per documented field type.
//! Plan (diff), apply (desired bodies, merge, lookups), export and the
//! uploader all read and write values here, so an exported account plans
//! nothing and a value goes out in the type the guide gives its field.
//!
//! Readings where the guides are silent (listed in docs/ARCHITECTURE.md,
//! "Assumptions about the API"):
//! - a date may come as an RFC 3339 instant, a date-time without offset
//!   (UTC, `T` or a space), or a bare date (midnight UTC);
//! - a boolean may come as `true`/`false` in any case and with spaces,
//!   `1`/`0`, or the numbers 1 and 0;
//! - a number may come as a JSON number or as text;
//! - a List value may come as an array of scalars (kept in order) or as
//!   one comma-separated text (`"Red, Blue"` is `[Red, Blue]`).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde_json::{Number, Value};

/// How a date field is typed in the guides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateType {
    /// `date (YYYY-MM-DD)`: the list filters `created_start_date` … `updated_end_date`.
    Date,
    /// `date-time`: `published_start_date`, `published_end_date`.
    DateTime,
}

/// Any date or date-time the API may send, as an instant.
#[must_use]
pub fn read_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    // jiff reads the date part of a date-time as a `Date`, so date-times first.
    if let Ok(civil) = text
        .parse::<DateTime>()
        .or_else(|_| text.replacen(' ', "T", 1).parse::<DateTime>())
    {
        return Some(civil.to_zoned(TimeZone::UTC).ok()?.timestamp());
    }
    let date = text.parse::<Date>().ok()?;
    Some(date.to_zoned(TimeZone::UTC).ok()?.timestamp())
}

/// A date-like value the API sent, as an instant.
#[must_use]
pub fn read_date_value(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(read_date)
}

/// An instant as a field of type `kind` expects it: `2026-03-01` (the UTC
/// day) for a date, `2026-03-01T00:00:00Z` for a date-time.
#[must_use]
pub fn write_date(ts: Timestamp, kind: DateType) -> String {
    match kind {
        DateType::Date => ts.to_zoned(TimeZone::UTC).date().to_string(),
        DateType::DateTime => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// An instant as the catalog writes it and plans compare it: `2026-03-01`
/// for midnight UTC, else the RFC 3339 instant.
#[must_use]
pub fn catalog_date(ts: Timestamp) -> String {
    let utc = ts.to_zoned(TimeZone::UTC);
    if utc.time() == Time::midnight() {
        utc.date().to_string()
    } else {
        ts.to_string()
    }
}

/// A boolean in any of the shapes the API may use.
#[must_use]
pub fn read_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") || s == "1" {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") || s == "0" {
                Some(false)
            } else {
                None
            }
        }
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number from a JSON number or its text (`"12.50"`).
#[must_use]
pub fn read_number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => s.trim().parse::<Number>().ok(),
        _ => None,
    }
}

/// A number by value, so `1`, `1.0` and `"1"` compare equal: integral
/// values as integers.
#[must_use]
pub fn number_by_value(n: &Number) -> Value {
    let Some(f) = n.as_f64() else {
        return Value::Number(n.clone());
    };
    // 2^53: beyond it f64 cannot tell integers apart anyway.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(f as i64);
    }
    Number::from_f64(f).map_or_else(|| Value::Number(n.clone()), Value::Number)
}

/// Text from a string, a number or a boolean.
#[must_use]
pub fn read_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A List value's items, in order: an array of scalars, or one text
/// holding the items separated by commas.
#[must_use]
pub fn read_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(read_text).collect(),
        Value::String(s) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dates_in_every_shape_and_written_in_their_type() {
        let midnight = read_date("2026-03-01").expect("date");
        for text in [
            "2026-03-01T00:00:00Z",
            "2026-03-01T00:00:00+00:00",
            "2026-03-01 00:00:00",
            "2026-03-01T00:00:00",
            " 2026-03-01 ",
        ] {
            assert_eq!(read_date(text), Some(midnight), "{text}");
        }
        assert_eq!(write_date(midnight, DateType::Date), "2026-03-01");
        assert_eq!(
            write_date(midnight, DateType::DateTime),
            "2026-03-01T00:00:00Z"
        );
        let later = read_date("2026-03-01T09:30:00+02:00").expect("instant");
        assert_eq!(write_date(later, DateType::Date), "2026-03-01");
        assert_eq!(
            write_date(later, DateType::DateTime),
            "2026-03-01T07:30:00Z"
        );
        assert_eq!(catalog_date(midnight), "2026-03-01");
        assert_eq!(catalog_date(later), "2026-03-01T07:30:00Z");
        assert_eq!(read_date("2026-02-30"), None);
        assert_eq!(read_date("soon"), None);
    }

    #[test]
    fn booleans_numbers_and_lists() {
        for yes in [
            json!(true),
            json!("TRUE"),
            json!(" true"),
            json!("1"),
            json!(1),
        ] {
            assert_eq!(read_bool(&yes), Some(true), "{yes}");
        }
        for no in [json!(false), json!("False "), json!("0"), json!(0)] {
            assert_eq!(read_bool(&no), Some(false), "{no}");
        }
        assert_eq!(read_bool(&json!("yes")), None);
        assert_eq!(
            number_by_value(&read_number(&json!("12.50")).expect("n")),
            json!(12.5)
        );
        assert_eq!(
            number_by_value(&Number::from_f64(3.0).expect("n")),
            json!(3)
        );
        assert_eq!(
            read_list(&json!("Red, Blue")),
            Some(vec!["Red".into(), "Blue".into()])
        );
        assert_eq!(
            read_list(&json!(["b", "a", 3])),
            Some(vec!["b".into(), "a".into(), "3".into()])
        );
        assert_eq!(read_list(&json!({"a": 1})), None);
    }
}
