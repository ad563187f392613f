//! Live values in the catalog's form: dates as `YYYY-MM-DD` (or an RFC 3339
//! instant when there is a time of day), publishing state as `false` or a
//! window, and attribute values per attribute type. What cannot be said
//! in the catalog comes back as the reason, for a warning; nothing here is
//! silently changed.

use serde_json::Value;

use crate::api::codec;
use crate::catalog::format::parse_date;
use crate::catalog::format::{AttributeType, AttributeValue, PublishWindow, Published};
use crate::remote::wire::LivePublishing;

/// A live date or date-time as the catalog writes it: `2026-01-31` for
/// midnight UTC, else the RFC 3339 instant (`2026-01-31T09:30:00Z`), read
/// as `api::codec` reads every live date. `None` when it is no date.
#[must_use]
pub fn date(text: &str) -> Option<String> {
    let instant = codec::read_date(text)?;
    let written = codec::catalog_date(instant);
    // The catalog must read back exactly this instant.
    (parse_date(&written) == Some(instant)).then_some(written)
}

/// The publishing state in the catalog's form, or why it cannot be.
///
/// - not published: `published: false`;
/// - published with a start date: `{ start, end }`;
/// - published without a start date: not expressible (the catalog, like
///   the API, publishes only from a start date), so the field is left out
///   and the caller warns; pxmctl then leaves publishing alone.
pub fn published(live: &LivePublishing) -> Result<Published, String> {
    if !live.published {
        return Ok(Published::Flag(false));
    }
    let Some(start_text) = live
        .published_start_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    else {
        return Err(
            "published without a start date, which the catalog cannot say; `published` is left out, so pxmctl leaves publishing alone"
                .to_owned(),
        );
    };
    let start = date(start_text).ok_or_else(|| {
        format!("publishing start `{start_text}` is not a date; `published` is left out")
    })?;
    let end = match live
        .published_end_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        None => None,
        Some(end_text) => match date(end_text) {
            Some(end) if parse_date(&end) >= parse_date(&start) => Some(end),
            Some(_) => {
                return Err(format!(
                    "publishing ends ({end_text}) before it starts ({start_text}); `published` is left out"
                ));
            }
            None => {
                return Err(format!(
                    "publishing end `{end_text}` is not a date; `published` is left out"
                ));
            }
        },
    };
    Ok(Published::Window(PublishWindow { start, end }))
}

/// The catalog's type for an API type name (`Text`, `Date`, `List`,
/// `Pick List`, `Boolean`, `Number`; any case, `_` for a space).
#[must_use]
pub fn attribute_type(api: &str) -> Option<AttributeType> {
    let wanted = api.trim().to_ascii_lowercase().replace('_', " ");
    Some(match wanted.as_str() {
        "text" => AttributeType::Text,
        "date" => AttributeType::Date,
        "list" => AttributeType::List,
        "pick list" | "picklist" => AttributeType::PickList,
        "boolean" => AttributeType::Boolean,
        "number" => AttributeType::Number,
        _ => return None,
    })
}

/// A live attribute value in the catalog's form for an attribute of type
/// `kind` (with `options` for a pick list). `Ok(None)`: no value to write
/// (`null`). `Err`: the value does not fit the type, with what it was.
pub fn attribute_value(
    kind: AttributeType,
    options: &[String],
    value: &Value,
) -> Result<Option<AttributeValue>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let text = codec::read_text(value);
    let misfit = || format!("value {value} does not fit its type");
    let converted = match kind {
        AttributeType::Text => AttributeValue::Text(text.ok_or_else(misfit)?),
        AttributeType::Date => {
            AttributeValue::Text(text.as_deref().and_then(date).ok_or_else(misfit)?)
        }
        AttributeType::Number => {
            AttributeValue::Number(codec::read_number(value).ok_or_else(misfit)?)
        }
        AttributeType::Boolean => AttributeValue::Bool(codec::read_bool(value).ok_or_else(misfit)?),
        AttributeType::List => AttributeValue::List(codec::read_list(value).ok_or_else(misfit)?),
        AttributeType::PickList => {
            let choice = text.ok_or_else(misfit)?;
            if !options.contains(&choice) {
                return Err(format!(
                    "value `{choice}` is not one of the pick list's options"
                ));
            }
            AttributeValue::Text(choice)
        }
    };
    Ok(Some(converted))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dates_are_written_as_the_catalog_reads_them() {
        assert_eq!(date("2026-01-31").as_deref(), Some("2026-01-31"));
        assert_eq!(date("2026-01-31T00:00:00Z").as_deref(), Some("2026-01-31"));
        assert_eq!(date("2026-01-31 00:00:00").as_deref(), Some("2026-01-31"));
        assert_eq!(
            date("2026-01-31T09:30:00+02:00").as_deref(),
            Some("2026-01-31T07:30:00Z")
        );
        assert_eq!(
            date("2026-01-31T09:30:00").as_deref(),
            Some("2026-01-31T09:30:00Z")
        );
        assert_eq!(date("soon"), None);
        assert_eq!(date("2026-02-30"), None);
    }

    #[test]
    fn publishing_needs_a_start_to_be_said() {
        let live = |published, start: Option<&str>, end: Option<&str>| LivePublishing {
            published,
            published_start_date: start.map(Box::from),
            published_end_date: end.map(Box::from),
        };
        assert_eq!(
            published(&live(false, Some("2026-01-01"), None)),
            Ok(Published::Flag(false))
        );
        assert_eq!(
            published(&live(
                true,
                Some("2026-01-01T00:00:00Z"),
                Some("2026-12-31")
            )),
            Ok(Published::Window(PublishWindow {
                start: "2026-01-01".into(),
                end: Some("2026-12-31".into())
            }))
        );
        assert!(published(&live(true, None, None)).is_err());
        assert!(published(&live(true, Some(""), None)).is_err());
        assert!(published(&live(true, Some("2026-02-01"), Some("2026-01-01"))).is_err());
    }

    #[test]
    fn values_take_the_form_of_their_type() {
        let none: &[String] = &[];
        let v = |kind, value| attribute_value(kind, none, &value);
        assert_eq!(
            v(AttributeType::Text, json!(42)),
            Ok(Some(AttributeValue::Text("42".into())))
        );
        assert_eq!(
            v(AttributeType::Number, json!("12.5")),
            Ok(Some(AttributeValue::Number(
                serde_json::Number::from_f64(12.5).expect("finite")
            )))
        );
        assert_eq!(
            v(AttributeType::Boolean, json!("TRUE")),
            Ok(Some(AttributeValue::Bool(true)))
        );
        assert_eq!(
            v(AttributeType::List, json!("Hood")),
            Ok(Some(AttributeValue::List(vec!["Hood".into()])))
        );
        assert_eq!(
            v(AttributeType::List, json!("Red, Blue")),
            Ok(Some(AttributeValue::List(vec![
                "Red".into(),
                "Blue".into()
            ])))
        );
        assert_eq!(
            v(AttributeType::Date, json!("2026-03-01T00:00:00Z")),
            Ok(Some(AttributeValue::Text("2026-03-01".into())))
        );
        assert_eq!(v(AttributeType::Text, Value::Null), Ok(None));
        assert!(v(AttributeType::Number, json!("twelve")).is_err());
        assert!(v(AttributeType::Boolean, json!("yes")).is_err());
        assert_eq!(
            v(AttributeType::Boolean, json!(" true")),
            Ok(Some(AttributeValue::Bool(true)))
        );
        assert!(v(AttributeType::Text, json!({"a": 1})).is_err());
        let options = ["Red".to_owned(), "Blue".to_owned()];
        assert_eq!(
            attribute_value(AttributeType::PickList, &options, &json!("Blue")),
            Ok(Some(AttributeValue::Text("Blue".into())))
        );
        assert!(attribute_value(AttributeType::PickList, &options, &json!("Green")).is_err());
        assert_eq!(attribute_type("Pick List"), Some(AttributeType::PickList));
        assert_eq!(attribute_type("pick_list"), Some(AttributeType::PickList));
        assert_eq!(attribute_type("Rich Text"), None);
    }
}
