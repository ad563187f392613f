//! What the API answers in an upload, read defensively (the guide shows
//! fields without always saying where they sit): request-upload's session
//! (where the bytes go: one presigned URL, parts with their own, or a
//! presigned POST form; the path and name to confirm; a name conflict)
//! and confirm-upload's file. Values are read as `remote::wire` and
//! `api::codec` read them everywhere else, so a flag or an id means here
//! what it means in a list. A presigned URL is a [`Secret`] from the
//! moment it is read, and no message quotes one. Pure: no I/O.

use serde_json::{Map, Value};

use super::source::ByteRange;
use crate::api::codec;
use crate::api::names::{FORM_FIELDS_FIELD, FORM_FILE_FIELD};
use crate::remote::secret::{Secret, redact};
use crate::remote::wire::{self, LiveFile};

/// A request-upload answer.
#[derive(Debug)]
pub(super) struct Session {
    pub file_path: String,
    pub file_name: Option<String>,
    pub transfer: Transfer,
    pub conflict: Option<Conflict>,
}

/// Where the bytes go.
#[derive(Debug)]
pub(super) enum Transfer {
    Single {
        url: Secret,
    },
    /// Parts sorted by number, covering the file exactly.
    Multipart {
        upload_id: String,
        parts: Vec<Part>,
    },
    /// A presigned POST: the fields to send before the file, as given.
    Form {
        url: Secret,
        fields: Vec<(String, String)>,
    },
}

#[derive(Debug)]
pub(super) struct Part {
    pub number: u32,
    pub url: Secret,
    pub range: ByteRange,
}

/// Another file has the name asked for.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Conflict {
    pub file_id: Option<String>,
}

impl Session {
    /// Reads request-upload's answer for a file of `size` bytes; the error
    /// says what is missing or wrong.
    pub(super) fn parse(body: &[u8], size: u64) -> Result<Self, String> {
        let answer: Value =
            serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
        let outer = answer
            .as_object()
            .ok_or("the answer is not a JSON object")?;
        let data = match outer.get("upload_data") {
            Some(Value::Object(data)) => data,
            None | Some(Value::Null) => outer,
            Some(_) => return Err("`upload_data` is not an object".into()),
        };
        let file_path = text(data.get("file_path"))
            .or_else(|| text(outer.get("file_path")))
            .ok_or("the answer has no `file_path`")?;
        let file_name = text(data.get("file_name"));
        let transfer = match data.get("upload_type").and_then(Value::as_str) {
            _ if data.get(FORM_FIELDS_FIELD).is_some_and(Value::is_object) => form(data)?,
            Some("multipart") => multipart(data, size)?,
            Some("single" | "standard") => single(data)?,
            Some(other) => return Err(format!("unknown `upload_type` `{other}`")),
            None if data.get("parts").is_some_and(Value::is_array) => multipart(data, size)?,
            None => single(data)?,
        };
        Ok(Self {
            file_path,
            file_name,
            transfer,
            conflict: conflict(data, outer),
        })
    }
}

/// `is_conflict` and `conflict_file_id` inside `upload_data` or beside it.
fn conflict(data: &Map<String, Value>, outer: &Map<String, Value>) -> Option<Conflict> {
    let places = [data, outer];
    let flags: Vec<bool> = places
        .iter()
        .filter_map(|o| o.get("is_conflict").and_then(codec::read_bool))
        .collect();
    let file_id = places.iter().find_map(|o| text(o.get("conflict_file_id")));
    let is_conflict = if flags.is_empty() {
        file_id.is_some()
    } else {
        flags.contains(&true)
    };
    is_conflict.then_some(Conflict { file_id })
}

/// A presigned POST form: `upload_url` (or `url`) and the `fields` to
/// send with their values unchanged (a signature covers them).
fn form(data: &Map<String, Value>) -> Result<Transfer, String> {
    let url = text(data.get("upload_url"))
        .or_else(|| text(data.get("url")))
        .ok_or("the form answer has no `upload_url` or `url`")?;
    let mut fields = Vec::new();
    for (name, value) in data
        .get(FORM_FIELDS_FIELD)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = codec::read_text(value).ok_or(format!("form field `{name}` is not text"))?;
        fields.push((name.clone(), value));
    }
    if fields.iter().any(|(name, _)| name == FORM_FILE_FIELD) {
        return Err(format!("the form already has a `{FORM_FILE_FIELD}` field"));
    }
    Ok(Transfer::Form {
        url: Secret::new(url),
        fields,
    })
}

fn single(data: &Map<String, Value>) -> Result<Transfer, String> {
    let url = text(data.get("upload_url")).ok_or("the answer has no `upload_url`")?;
    Ok(Transfer::Single {
        url: Secret::new(url),
    })
}

fn multipart(data: &Map<String, Value>, size: u64) -> Result<Transfer, String> {
    let upload_id = text(data.get("upload_id")).ok_or("the multipart answer has no `upload_id`")?;
    let listed = data
        .get("parts")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or("the multipart answer has no `parts`")?;
    let mut parts = Vec::with_capacity(listed.len());
    for (i, p) in listed.iter().enumerate() {
        let field = |name: &str| {
            p.get(name)
                .and_then(wire::u64_of)
                .ok_or(format!("part {} has no `{name}`", i + 1))
        };
        let number = u32::try_from(field("part_number")?)
            .map_err(|_| format!("part {} has an invalid `part_number`", i + 1))?;
        let url = text(p.get("upload_url")).ok_or(format!("part {number} has no `upload_url`"))?;
        let start = field("start_byte")?;
        let end = field("end_byte")?;
        if end < start {
            return Err(format!("part {number} ends before it starts"));
        }
        parts.push(Part {
            number,
            url: Secret::new(url),
            range: ByteRange {
                start,
                len: end - start + 1,
            },
        });
    }
    parts.sort_by_key(|p| p.number);
    // Gaps or overlaps would make the confirmed object differ from the
    // file; better to stop before sending a byte.
    let mut next = 0;
    for part in &parts {
        if part.range.start != next {
            return Err(format!(
                "the parts do not cover the {size} bytes in order (part {} starts at byte {}, expected {next})",
                part.number, part.range.start
            ));
        }
        next = part.range.start + part.range.len;
    }
    if next != size {
        return Err(format!(
            "the parts cover {next} bytes but the file has {size}"
        ));
    }
    Ok(Transfer::Multipart { upload_id, parts })
}

/// A field's text as [`wire::text_of`] reads it, unless it is blank or a
/// boolean: none of these fields (a path, a name, a URL, an id) can be
/// either, and a missing one has a clearer message than a wrong one.
fn text(value: Option<&Value>) -> Option<String> {
    let value = value?;
    wire::text_of(value).filter(|text| !value.is_boolean() && !text.trim().is_empty())
}

/// confirm-upload's answer: the file, or the file under `file` or `data`.
pub(super) fn confirmed_file(body: &[u8]) -> Result<LiveFile, String> {
    // serde's messages may quote a value, such as a download URL.
    let direct = serde_json::from_slice::<LiveFile>(body).map_err(|e| redact(&e.to_string()));
    match direct {
        Ok(file) => Ok(file),
        Err(error) => {
            let value: Value = serde_json::from_slice(body).map_err(|_| error.clone())?;
            ["file", "data"]
                .iter()
                .find_map(|k| {
                    value
                        .get(k)
                        .filter(|v| v.is_object())
                        .and_then(|v| serde_json::from_value::<LiveFile>(v.clone()).ok())
                })
                .ok_or(format!("the answer is not a file: {error}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_is_read_inside_or_beside_upload_data() {
        let inside =
            br#"{"upload_data": {"upload_type": "single", "upload_url": "http://s/x?sig=1",
            "file_path": "p", "is_conflict": true, "conflict_file_id": 42}}"#;
        let s = Session::parse(inside, 5).expect("parses");
        assert_eq!(
            s.conflict,
            Some(Conflict {
                file_id: Some("42".into())
            })
        );
        let beside = br#"{"upload_data": {"upload_url": "http://s/x", "file_path": "p"},
            "is_conflict": "true", "conflict_file_id": "f-1"}"#;
        let s = Session::parse(beside, 5).expect("parses");
        assert_eq!(
            s.conflict,
            Some(Conflict {
                file_id: Some("f-1".into())
            })
        );
        let none = br#"{"upload_data": {"upload_type": "standard", "upload_url": "http://s/x",
            "file_path": "p", "is_conflict": false}}"#;
        assert_eq!(Session::parse(none, 5).expect("parses").conflict, None);
    }

    #[test]
    fn multipart_parts_are_sorted_and_must_cover_the_file() {
        let body =
            br#"{"upload_data": {"upload_type": "multipart", "upload_id": "u", "file_path": "p",
            "parts": [
              {"part_number": 2, "upload_url": "http://s/2", "start_byte": "4", "end_byte": 9},
              {"part_number": 1, "upload_url": "http://s/1", "start_byte": 0, "end_byte": 3}]}}"#;
        let s = Session::parse(body, 10).expect("parses");
        let Transfer::Multipart { upload_id, parts } = s.transfer else {
            panic!("multipart expected");
        };
        assert_eq!(upload_id, "u");
        let ranges: Vec<_> = parts.iter().map(|p| (p.number, p.range)).collect();
        assert_eq!(
            ranges,
            [
                (1, ByteRange { start: 0, len: 4 }),
                (2, ByteRange { start: 4, len: 6 })
            ]
        );
        let short = Session::parse(body, 11).expect_err("10 bytes covered of 11");
        assert!(short.contains("cover 10 bytes"), "{short}");
        let gap =
            br#"{"upload_data": {"upload_type": "multipart", "upload_id": "u", "file_path": "p",
            "parts": [
              {"part_number": 1, "upload_url": "http://s/1", "start_byte": 0, "end_byte": 3},
              {"part_number": 2, "upload_url": "http://s/2", "start_byte": 5, "end_byte": 9}]}}"#;
        let gap = Session::parse(gap, 10).expect_err("gap");
        assert!(gap.contains("part 2 starts at byte 5"), "{gap}");
    }

    #[test]
    fn odd_answers_are_refused_without_quoting_urls() {
        for (body, expect) in [
            (&br#"{"upload_data": {"file_path": "p"}}"#[..], "`upload_url`"),
            (br#"{"upload_data": {"upload_url": "http://s/x?X-Amz-Signature=abc"}}"#, "`file_path`"),
            (br#"{"upload_data": {"upload_type": "chunky", "upload_url": "u", "file_path": "p"}}"#, "`chunky`"),
            (br#"[1]"#, "not a JSON object"),
        ] {
            let e = Session::parse(body, 3).expect_err("refused");
            assert!(e.contains(expect), "{e}");
            assert!(!e.contains("abc"), "{e}");
        }
    }

    #[test]
    fn blank_and_boolean_fields_are_missing_ones() {
        for file_path in [r#""  ""#, "true", "false", "null", r#"{"id": 1}"#] {
            let body = format!(r#"{{"upload_url": "http://s/x", "file_path": {file_path}}}"#);
            let e = Session::parse(body.as_bytes(), 3).expect_err(file_path);
            assert!(e.contains("no `file_path`"), "{file_path}: {e}");
        }
        let numbered = br#"{"upload_url": "http://s/x", "file_path": 7}"#;
        assert_eq!(
            Session::parse(numbered, 3).expect("a number").file_path,
            "7"
        );
    }

    #[test]
    fn a_presigned_post_form_is_read_whatever_its_upload_type() {
        let body = br#"{"upload_data": {"upload_type": "post", "upload_url": "http://s/u?sig=1",
            "fields": {"key": "s3path/temp/u1/a.png", "policy": "eyJ9", "x-sig": "ff"},
            "file_path": "s3path/temp/u1/a.png", "file_name": "a.png"}}"#;
        let session = Session::parse(body, 3).expect("a form");
        let Transfer::Form { url, fields } = &session.transfer else {
            panic!("not a form: {session:?}");
        };
        assert_eq!(url.expose(), "http://s/u?sig=1");
        assert_eq!(
            fields,
            &[
                ("key".to_owned(), "s3path/temp/u1/a.png".to_owned()),
                ("policy".to_owned(), "eyJ9".to_owned()),
                ("x-sig".to_owned(), "ff".to_owned()),
            ]
        );
        let other = br#"{"url": "http://s/u", "fields": {"key": "k"}, "file_path": "k"}"#;
        assert!(matches!(
            Session::parse(other, 3)
                .expect("a form without upload_data")
                .transfer,
            Transfer::Form { .. }
        ));
        let clash = br#"{"url": "http://s/u", "fields": {"file": "x"}, "file_path": "k"}"#;
        assert!(Session::parse(clash, 3).is_err());
    }

    #[test]
    fn session_debug_never_shows_a_presigned_url() {
        let body = br#"{"upload_data": {"upload_url": "http://s/x?X-Amz-Signature=s3cr3t", "file_path": "p"}}"#;
        let s = Session::parse(body, 3).expect("parses");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
