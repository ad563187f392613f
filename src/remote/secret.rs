//! Secrets stay secret: a type that never shows its value, and redaction of
//! anything that might carry one (bearer tokens, Basic credentials,
//! presigned-URL signatures) before it reaches an error or a log line.

use std::fmt;

/// A client secret or bearer token. `Debug` and `Display` print
/// `[redacted]`; the value is reachable only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that must send it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Query parameters whose values are credentials in a presigned URL (S3's
/// and the sandbox's).
const SECRET_PARAMS: &[&str] = &[
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-sandbox-signature",
    "signature",
    "sig",
    "token",
    "access_token",
];

/// Redacts credentials from free text: query-string signatures, bearer
/// and basic authorization values. Applied to every error and log line
/// that may quote a URL or a header, including those from reqwest.
#[must_use]
pub fn redact(text: &str) -> String {
    let mut out = redact_query_params(text);
    for scheme in ["Bearer ", "bearer ", "Basic ", "basic "] {
        out = redact_after(&out, scheme);
    }
    out
}

fn redact_query_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['?', '&']) {
        let (head, tail) = rest.split_at(pos + 1);
        out.push_str(head);
        let name_end = tail.find('=').unwrap_or(0);
        let name = &tail[..name_end];
        let is_secret = name_end > 0
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str());
        if is_secret {
            out.push_str(name);
            out.push_str("=[redacted]");
            let value = &tail[name_end + 1..];
            let end = value
                .find(|c: char| {
                    c == '&' || c == '#' || c.is_whitespace() || c == '"' || c == '\'' || c == ')'
                })
                .unwrap_or(value.len());
            rest = &value[end..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn redact_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(marker) {
        let (head, tail) = rest.split_at(pos + marker.len());
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
            .unwrap_or(tail.len());
        if end > 0 {
            out.push_str("[redacted]");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn presigned_signatures_are_redacted() {
        let url = "error sending request for url (http://127.0.0.1:9/_store/u/1?X-Amz-Expires=60&X-Amz-Signature=abcdef0123&x-amz-credential=AKIA%2Fx&part=1)";
        let r = redact(url);
        assert!(!r.contains("abcdef0123"), "{r}");
        assert!(!r.contains("AKIA"), "{r}");
        assert!(r.contains("X-Amz-Expires=60"), "{r}");
        assert!(r.contains("part=1)"), "{r}");
    }

    #[test]
    fn sandbox_signatures_are_redacted() {
        let r = redact(
            "PUT http://127.0.0.1:1/_store/a?X-Sandbox-Expires=9&X-Sandbox-Signature=deadbeef: 403",
        );
        assert!(!r.contains("deadbeef"), "{r}");
        assert!(r.contains("X-Sandbox-Expires=9"), "{r}");
    }

    #[test]
    fn authorization_values_are_redacted() {
        let r = redact(
            "headers: {\"authorization\": \"Bearer eyJhbGciOi.x.y\", basic: Basic dXNlcjpwYXNz}",
        );
        assert!(!r.contains("eyJhbGciOi"), "{r}");
        assert!(!r.contains("dXNlcjpwYXNz"), "{r}");
    }
}
