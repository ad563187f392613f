//! Field values as a plan shows them: strings quoted, lists as `[...]`,
//! objects as `{ k = v }`, and which text is long enough to be shown as a
//! line diff instead of `"before" -> "after"`.

use serde_json::Value;

/// Text longer than this (in characters), or with a line break, is shown
/// as a line diff.
pub(super) const LONG_TEXT: usize = 60;

/// One value on one line.
pub(super) fn inline(value: &Value) -> String {
    let mut out = String::new();
    write_inline(&mut out, value);
    out
}

fn write_inline(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&quoted(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_inline(out, item);
            }
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{ ");
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&object_key(k));
                out.push_str(" = ");
                write_inline(out, v);
            }
            out.push_str(" }");
        }
    }
}

/// A string as a JSON string literal: quoted, with control characters
/// escaped, so a value can never break the layout.
pub(super) fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Keys that read as identifiers stay bare; others are quoted.
fn object_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { key.to_owned() } else { quoted(key) }
}

/// The text of a long string (see [`LONG_TEXT`]), if `value` is one. A
/// long token without spaces (a hash, a URL) is not prose: a line diff of
/// it would show nothing the inline form does not.
pub(super) fn long_text(value: Option<&Value>) -> Option<&str> {
    match value {
        Some(Value::String(s))
            if s.contains('\n')
                || (s.chars().count() > LONG_TEXT && s.contains(char::is_whitespace)) =>
        {
            Some(s)
        }
        _ => None,
    }
}

pub(crate) use crate::diag::printable;

/// A value that may be shown as a line diff against a long text: a
/// string, or nothing.
pub(super) fn text_or_absent(value: Option<&Value>) -> Option<Option<&str>> {
    match value {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_read_like_the_catalog() {
        assert_eq!(inline(&json!("Rain Jacket")), r#""Rain Jacket""#);
        assert_eq!(inline(&json!(["sale", "outlet"])), r#"["sale", "outlet"]"#);
        assert_eq!(
            inline(&json!({ "start": "2026-01-01" })),
            r#"{ start = "2026-01-01" }"#
        );
        assert_eq!(
            inline(&json!({ "a b": 1, "c": [] })),
            r#"{ "a b" = 1, c = [] }"#
        );
        assert_eq!(inline(&json!({})), "{}");
        assert_eq!(inline(&json!(null)), "null");
        assert_eq!(inline(&json!(true)), "true");
        assert_eq!(inline(&json!(1.5)), "1.5");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(inline(&json!("a\"b\u{1b}[31m")), r#""a\"b\u001b[31m""#);
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(printable("plain\ttab"), "plain\ttab");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn long_text_is_long_or_multi_line() {
        assert_eq!(long_text(Some(&json!("short"))), None);
        assert!(long_text(Some(&json!("x ".repeat(31)))).is_some());
        assert_eq!(long_text(Some(&json!("x".repeat(64)))), None, "a token");
        assert_eq!(long_text(Some(&json!("x".repeat(60)))), None);
        assert!(long_text(Some(&json!("a\nb"))).is_some());
        assert_eq!(long_text(Some(&json!(["x"]))), None);
        assert_eq!(long_text(None), None);
    }
}
