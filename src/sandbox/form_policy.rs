//! The policy of a presigned POST form (`--upload-form post`), shaped like
//! S3's: a base64 JSON document `{"expiration": "<RFC 3339>", "conditions":
//! [{"bucket": ...}, {"key": ...}, {"Content-Type": ...},
//! ["content-length-range", min, max]]}`, signed by the `Signer`. Checks a
//! form's fields and file length against it the way S3 does and says why
//! it refuses; the route turns that into an S3 error. No I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::{Value, json};

/// What a policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormPolicy {
    pub expiration: Timestamp,
    /// `{"name": "value"}` conditions: the field must carry exactly this
    /// value (`bucket` is matched against the URL, as S3 does).
    pub exact: Vec<(String, String)>,
    /// `["content-length-range", min, max]`, inclusive.
    pub length: (u64, u64),
}

/// Why a form does not satisfy its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyRefusal {
    Expired,
    /// A field the policy fixes is missing or differs: `(name, expected)`.
    ConditionFailed(String, String),
    /// A field the policy does not mention.
    ExtraField(String),
    TooSmall,
    TooLarge,
}

impl PolicyRefusal {
    /// S3's status: 403 for a policy the form breaks, 400 for a file size.
    pub(crate) fn status(&self) -> u16 {
        match self {
            PolicyRefusal::TooSmall | PolicyRefusal::TooLarge => 400,
            _ => 403,
        }
    }

    /// S3's error code and message.
    pub(crate) fn s3(&self) -> (&'static str, String) {
        match self {
            PolicyRefusal::Expired => (
                "AccessDenied",
                "Invalid according to Policy: Policy expired.".into(),
            ),
            PolicyRefusal::ConditionFailed(name, value) => (
                "AccessDenied",
                format!(
                    "Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\", \"{value}\"]"
                ),
            ),
            PolicyRefusal::ExtraField(name) => (
                "AccessDenied",
                format!("Invalid according to Policy: Extra input fields: {name}"),
            ),
            PolicyRefusal::TooSmall => (
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size".into(),
            ),
            PolicyRefusal::TooLarge => (
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size".into(),
            ),
        }
    }
}

impl FormPolicy {
    /// The base64 JSON document, as the `policy` field carries it.
    pub(crate) fn encode(&self) -> String {
        let mut conditions: Vec<Value> = self
            .exact
            .iter()
            .map(|(k, v)| {
                let mut condition = serde_json::Map::new();
                condition.insert(k.clone(), json!(v));
                Value::Object(condition)
            })
            .collect();
        conditions.push(json!([
            "content-length-range",
            self.length.0,
            self.length.1
        ]));
        let document = json!({
            "expiration": self.expiration.to_string(),
            "conditions": conditions,
        });
        STANDARD.encode(document.to_string())
    }

    /// Reads a `policy` field back; `None` when it is not one this
    /// sandbox could have written.
    pub(crate) fn decode(policy: &str) -> Option<Self> {
        let document: Value = serde_json::from_slice(&STANDARD.decode(policy).ok()?).ok()?;
        let expiration = document.get("expiration")?.as_str()?.parse().ok()?;
        let mut exact = Vec::new();
        let mut length = (0, u64::MAX);
        for condition in document.get("conditions")?.as_array()? {
            match condition {
                Value::Object(map) if map.len() == 1 => {
                    let (k, v) = map.iter().next()?;
                    exact.push((k.clone(), v.as_str()?.to_string()));
                }
                Value::Array(items) if items.first()?.as_str()? == "content-length-range" => {
                    length = (items.get(1)?.as_u64()?, items.get(2)?.as_u64()?);
                }
                _ => return None,
            }
        }
        Some(FormPolicy {
            expiration,
            exact,
            length,
        })
    }

    /// Checks the form's text fields (the policy and signature fields
    /// included) sent to `bucket` at `now`. `ignored` are the field names
    /// S3 never asks a policy to cover (the policy and its signature).
    pub(crate) fn check_fields(
        &self,
        fields: &[(String, String)],
        bucket: &str,
        ignored: &[&str],
        now: Timestamp,
    ) -> Result<(), PolicyRefusal> {
        if now >= self.expiration {
            return Err(PolicyRefusal::Expired);
        }
        for (name, expected) in &self.exact {
            let given = if name == "bucket" {
                Some(bucket)
            } else {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            if given != Some(expected.as_str()) {
                return Err(PolicyRefusal::ConditionFailed(
                    name.clone(),
                    expected.clone(),
                ));
            }
        }
        let extra = fields.iter().find(|(k, _)| {
            !ignored.contains(&k.as_str())
                && !k.starts_with("x-ignore-")
                && !self.exact.iter().any(|(name, _)| name == k)
        });
        match extra {
            Some((k, _)) => Err(PolicyRefusal::ExtraField(k.clone())),
            None => Ok(()),
        }
    }

    /// Checks the file's length against `content-length-range`.
    pub(crate) fn check_length(&self, len: u64) -> Result<(), PolicyRefusal> {
        if len < self.length.0 {
            Err(PolicyRefusal::TooSmall)
        } else if len > self.length.1 {
            Err(PolicyRefusal::TooLarge)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FormPolicy {
        FormPolicy {
            expiration: Timestamp::from_second(1_000).expect("in range"),
            exact: vec![
                ("bucket".into(), "b".into()),
                ("key".into(), "s3path/temp/u/a.txt".into()),
                ("Content-Type".into(), "text/plain".into()),
            ],
            length: (5, 5),
        }
    }

    fn fields(key: &str) -> Vec<(String, String)> {
        vec![
            ("key".into(), key.into()),
            ("Content-Type".into(), "text/plain".into()),
            ("policy".into(), "p".into()),
        ]
    }

    #[test]
    fn a_policy_round_trips_through_its_base64_document() {
        let p = policy();
        assert_eq!(FormPolicy::decode(&p.encode()), Some(p));
        assert_eq!(FormPolicy::decode("not base64!"), None);
    }

    #[test]
    fn fields_must_match_the_conditions_and_add_nothing() {
        let p = policy();
        let at = Timestamp::from_second(999).expect("in range");
        let ok = fields("s3path/temp/u/a.txt");
        assert_eq!(p.check_fields(&ok, "b", &["policy"], at), Ok(()));
        assert!(matches!(
            p.check_fields(&fields("other"), "b", &["policy"], at),
            Err(PolicyRefusal::ConditionFailed(name, _)) if name == "key"
        ));
        assert!(matches!(
            p.check_fields(&ok, "other-bucket", &["policy"], at),
            Err(PolicyRefusal::ConditionFailed(name, _)) if name == "bucket"
        ));
        let mut extra = ok.clone();
        extra.push(("acl".into(), "public-read".into()));
        assert_eq!(
            p.check_fields(&extra, "b", &["policy"], at),
            Err(PolicyRefusal::ExtraField("acl".into()))
        );
        let later = Timestamp::from_second(1_000).expect("in range");
        assert_eq!(
            p.check_fields(&ok, "b", &["policy"], later),
            Err(PolicyRefusal::Expired)
        );
    }

    #[test]
    fn the_length_range_is_inclusive() {
        let p = policy();
        assert_eq!(p.check_length(5), Ok(()));
        assert_eq!(p.check_length(4), Err(PolicyRefusal::TooSmall));
        assert_eq!(p.check_length(6), Err(PolicyRefusal::TooLarge));
    }
}
