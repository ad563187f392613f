//! A small `multipart/form-data` reader for the object store's POST form
//! (the `--upload-form post` reading). It reads a buffered body the way
//! S3 reads a POST upload: text fields in order until the part named
//! `file`, whose bytes are the object; anything after the file part is
//! ignored, so the rest of the body need not be well formed. No I/O, no
//! policy checks (see `form_policy` and `routes::form_upload`).

use bytes::Bytes;

/// What a form carried up to and including its file part.
#[derive(Debug, Default)]
pub(crate) struct FormData {
    /// Text fields before the file part, in order (duplicates kept).
    pub fields: Vec<(String, String)>,
    /// The bytes of the part named `file_field`, if there was one.
    pub file: Option<Bytes>,
}

/// Why a body is not `multipart/form-data`, as a phrase.
pub(crate) type Malformed = String;

/// The `boundary` parameter of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut params = split_params(content_type).into_iter();
    let media = params.next()?;
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .filter_map(|p| param(&p))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// Reads `body` up to the part named `file_field`.
pub(crate) fn parse(body: &Bytes, boundary: &str, file_field: &str) -> Result<FormData, Malformed> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let next_delimiter = [b"\r\n".as_slice(), delimiter].concat();
    let mut pos = if body.starts_with(delimiter) {
        0
    } else {
        // A preamble before the first delimiter is allowed (RFC 2046).
        find(body, &next_delimiter, 0).ok_or("the body holds no boundary delimiter")? + 2
    } + delimiter.len();
    let mut form = FormData::default();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(form);
        }
        while matches!(body.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("a boundary delimiter is not followed by a line break".into());
        }
        pos += 2;
        if body[pos..].starts_with(b"\r\n") {
            return Err("a part has no headers".into());
        }
        let headers_end = find(body, b"\r\n\r\n", pos).ok_or("a part's headers do not end")?;
        let name = part_name(&body[pos..headers_end])?;
        let start = headers_end + 4;
        let end = find(body, &next_delimiter, start).ok_or("a part does not end")?;
        let content = body.slice(start..end);
        if name == file_field {
            form.file = Some(content);
            return Ok(form);
        }
        let value = String::from_utf8(content.to_vec())
            .map_err(|_| format!("form field `{name}` is not UTF-8 text"))?;
        form.fields.push((name, value));
        pos = end + next_delimiter.len();
    }
}

/// The `name` of a part from its header block.
fn part_name(headers: &[u8]) -> Result<String, Malformed> {
    let headers = std::str::from_utf8(headers).map_err(|_| "part headers are not UTF-8")?;
    let disposition = headers
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
        .map(|(_, v)| v)
        .ok_or("a part has no Content-Disposition")?;
    let mut params = split_params(disposition).into_iter();
    if !params
        .next()
        .is_some_and(|d| d.trim().eq_ignore_ascii_case("form-data"))
    {
        return Err("a part's Content-Disposition is not `form-data`".into());
    }
    params
        .filter_map(|p| param(&p))
        .find(|(k, _)| k.eq_ignore_ascii_case("name"))
        .map(|(_, v)| v)
        .ok_or_else(|| "a part has no `name`".into())
}

/// Splits a header value at the `;`s outside quoted strings.
fn split_params(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

/// `key=value` or `key="quoted value"`, unquoted.
fn param(p: &str) -> Option<(String, String)> {
    let (k, v) = p.split_once('=')?;
    let v = v.trim();
    let v = match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.extend(chars.next()),
                    _ => out.push(c),
                }
            }
            out
        }
        None => v.to_string(),
    };
    Some((k.trim().to_string(), v))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &[u8])], trailer: &[u8]) -> Bytes {
        let mut out = b"preamble\r\n".to_vec();
        for (name, value) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"a;name=b\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
            );
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(trailer);
        Bytes::from(out)
    }

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("application/json; boundary=x"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn fields_then_the_file_and_nothing_after_it() {
        let data = b"line1\r\n-XyZ\r\n--Xy\r\n\r\nend";
        let b = body(
            &[
                ("key", b"k/1"),
                ("policy", b"p"),
                ("file", data),
                ("late", b"x"),
            ],
            b"garbage",
        );
        let form = parse(&b, "XyZ", "file").expect("well formed");
        assert_eq!(
            form.fields,
            vec![("key".into(), "k/1".into()), ("policy".into(), "p".into())]
        );
        assert_eq!(form.file.as_deref(), Some(data.as_slice()));
    }

    #[test]
    fn a_form_without_a_file_ends_at_the_close_delimiter() {
        let b = body(&[("key", b"k")], b"--XyZ--\r\n");
        let form = parse(&b, "XyZ", "file").expect("well formed");
        assert_eq!(form.fields.len(), 1);
        assert!(form.file.is_none());
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(parse(&Bytes::from_static(b"no delimiter"), "XyZ", "file").is_err());
        let unnamed =
            Bytes::from_static(b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--");
        assert!(parse(&unnamed, "XyZ", "file").is_err());
        let unended =
            Bytes::from_static(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv");
        assert!(parse(&unended, "XyZ", "file").is_err());
    }
}
