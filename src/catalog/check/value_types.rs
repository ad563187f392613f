//! Values that must fit a type: publishing windows with real dates, and
//! attribute values that match their attribute (a pick-list value among
//! its options, a number for a number, a date for a date).

use jiff::Timestamp;

use super::Checker;
use crate::catalog::format::{self, AttributeType, Published, parse_date};
use crate::catalog::model::{AttributeValue, Publishing, SortedMap};
use crate::catalog::parse::RawEntry;
use crate::catalog::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic};

impl Checker<'_> {
    fn date<T>(&mut self, e: &RawEntry<T>, path: &[&str], text: &str) -> Option<Timestamp> {
        let parsed = parse_date(text);
        if parsed.is_none() {
            self.push(
                Diagnostic::error(
                    Code::InvalidDate,
                    e.source.at(path),
                    format!("`{text}` is not a date"),
                )
                .with_hint("write a date as `YYYY-MM-DD` (e.g. `2026-01-31`) or an RFC 3339 date-time (`2026-01-31T09:00:00Z`)"),
            );
        }
        parsed
    }

    /// `None`: a reported error; `Some(None)`: not managed.
    pub(super) fn publishing<T>(
        &mut self,
        e: &RawEntry<T>,
        published: Option<&Published>,
    ) -> Option<Option<Box<Publishing>>> {
        match published {
            None => Some(None),
            Some(Published::Flag(false)) => Some(Some(Box::new(Publishing::Unpublished))),
            Some(Published::Flag(true)) => {
                self.push(
                    Diagnostic::error(
                        Code::PublishedWithoutStart,
                        e.source.at(&["published"]),
                        "`published: true` needs a start date".to_owned(),
                    )
                    .with_hint("the API publishes only with a start date: write `published: { start: 2026-01-01 }`"),
                );
                None
            }
            Some(Published::Window(w)) => {
                let start = self.date(e, &["published", "start"], &w.start);
                let end = match &w.end {
                    Some(end) => Some(self.date(e, &["published", "end"], end)?),
                    None => None,
                };
                let start = start?;
                if let Some(end) = end
                    && end < start
                {
                    self.push(
                        Diagnostic::error(
                            Code::Conflict,
                            e.source.at(&["published", "end"]),
                            format!(
                                "publishing ends ({}) before it starts ({})",
                                w.end.as_deref().unwrap_or_default(),
                                w.start
                            ),
                        )
                        .with_hint("swap `start` and `end`, or fix one of them"),
                    );
                    return None;
                }
                Some(Some(Box::new(Publishing::Window { start, end })))
            }
        }
    }

    pub(super) fn attribute_values(
        &mut self,
        e: &RawEntry<format::Collection>,
        values: Option<&SortedMap<String, format::AttributeValue>>,
    ) -> Option<Option<SortedMap<String, AttributeValue>>> {
        let Some(values) = values else {
            return Some(None);
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in values {
            let Some(attr) = self.raw.attributes.get(key) else {
                let hint = self.missing_key_hint("attributes", key);
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        e.source.field_key_in("attributes", key),
                        format!(
                            "collection `{}` sets attribute `{key}`, which is not in the catalog",
                            e.key
                        ),
                    )
                    .with_hint(hint),
                );
                ok = false;
                continue;
            };
            // A broken attribute definition is reported on its own.
            let Some(def) = attr.value.as_ref() else {
                ok = false;
                continue;
            };
            match self.attribute_value(e, key, def, value) {
                Some(v) => out.push((key.clone(), v)),
                None => ok = false,
            }
        }
        ok.then(|| Some(out.into_iter().collect()))
    }

    fn attribute_value(
        &mut self,
        e: &RawEntry<format::Collection>,
        key: &str,
        def: &format::Attribute,
        value: &format::AttributeValue,
    ) -> Option<AttributeValue> {
        use format::AttributeValue as V;
        let path = ["attributes", key];
        let found = match value {
            V::Bool(_) => "a boolean",
            V::Number(_) => "a number",
            V::Text(_) => "a string",
            V::List(_) => "a list",
            V::Clear(()) => "null",
        };
        let mismatch = |expected: &str, hint: String| {
            Diagnostic::error(
                Code::AttributeValue,
                e.source.at(&path),
                format!(
                    "attribute `{key}` is of type `{}` and needs {expected}, found {found}",
                    super::type_name(def.kind)
                ),
            )
            .with_hint(hint)
        };
        let result = match (def.kind, value) {
            (_, V::Clear(())) => Ok(AttributeValue::Clear),
            (AttributeType::Text, V::Text(s)) => Ok(AttributeValue::Text(s.clone())),
            (AttributeType::Text, V::Number(n)) => Err(mismatch(
                "a string",
                format!(
                    "put the value in quotes as you mean it (YAML read it as the number {n}, losing leading zeros and trailing digits)"
                ),
            )),
            (AttributeType::Text, V::Bool(b)) => Err(mismatch(
                "a string",
                format!("quote it (`{key}: \"{b}\"`) if you mean the text"),
            )),
            (AttributeType::Number, V::Number(n)) => Ok(AttributeValue::Number(n.clone())),
            (AttributeType::Boolean, V::Bool(b)) => Ok(AttributeValue::Boolean(*b)),
            (AttributeType::List, V::List(items)) => Ok(AttributeValue::List(items.clone())),
            (AttributeType::Date, V::Text(s)) => {
                return self.date(e, &path, s).map(AttributeValue::Date);
            }
            (AttributeType::PickList, V::Text(s)) => {
                let options = def.options.as_deref().unwrap_or_default();
                if options.iter().any(|o| o == s) {
                    Ok(AttributeValue::Choice(s.clone()))
                } else {
                    let listed = options
                        .iter()
                        .map(|o| format!("`{o}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    Err(Diagnostic::error(
                        Code::AttributeValue,
                        e.source.at(&path),
                        format!("`{s}` is not an option of pick-list attribute `{key}`"),
                    )
                    .with_label(
                        self.raw
                            .attributes
                            .get(key)
                            .map_or_else(|| e.source.key_location(), |a| a.source.at(&["options"])),
                        "the options are declared here",
                    )
                    .with_hint(
                        did_you_mean(s, options.iter().map(String::as_str)).unwrap_or_else(|| {
                            format!("use one of {listed}, or add `{s}` to the attribute's options")
                        }),
                    ))
                }
            }
            (AttributeType::Number, _) => Err(mismatch(
                "a number",
                format!("write a plain number, e.g. `{key}: 12.5`"),
            )),
            (AttributeType::Boolean, _) => Err(mismatch(
                "`true` or `false`",
                format!("write `{key}: true` or `{key}: false`"),
            )),
            (AttributeType::List, _) => Err(mismatch(
                "a list of strings",
                format!("write `{key}: [first, second]`"),
            )),
            (AttributeType::Date, _) => {
                Err(mismatch("a date", format!("write `{key}: 2026-01-31`")))
            }
            (AttributeType::PickList | AttributeType::Text, _) => {
                Err(mismatch("a string", format!("write `{key}: some text`")))
            }
        };
        match result {
            Ok(v) => Some(v),
            Err(d) => {
                self.push(d);
                None
            }
        }
    }
}
