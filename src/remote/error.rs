//! What can go wrong talking to the API, as values. Every message names
//! the method and path and quotes the API's own message; every message has
//! been through [`redact`](super::secret::redact), so no token, Basic
//! credential or presigned signature reaches an error, whatever the HTTP
//! library put into its own error text.

use std::fmt;

use super::secret::redact;

/// One API request, as errors name it: `GET /v2.1/category?limit=100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestName {
    pub method: reqwest::Method,
    pub path: String,
}

impl fmt::Display for RequestName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, redact(&self.path))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// A 4xx the API will answer the same way however often it is asked.
    #[error("`{request}` was refused ({status}): {message}")]
    Refused {
        request: RequestName,
        status: u16,
        message: String,
    },
    /// 401 even with a freshly fetched token, or with a given `PXM_TOKEN`.
    #[error("`{request}` was not authorised (401): {message}; {hint}")]
    Unauthorized {
        request: RequestName,
        message: String,
        hint: Box<str>,
    },
    /// A write whose answer was lost: it may or may not have taken effect,
    /// so it is not repeated blindly. The caller decides (look it up).
    #[error(
        "`{request}` may or may not have taken effect: {cause}; it was not repeated, so nothing is done twice"
    )]
    Unclear { request: RequestName, cause: String },
    /// Transient failures that outlasted the retries or the run's budget.
    #[error("`{request}` failed after {attempts} attempt(s): {cause}{}", budget_note(*.budget_exhausted))]
    GaveUp {
        request: RequestName,
        attempts: u32,
        cause: String,
        budget_exhausted: bool,
    },
    /// No connection could be made to the API at all (refused, no such
    /// host): the address or the network is wrong, not the request.
    #[error(
        "cannot reach the API at {}: `{}` failed to connect after {} attempt(s): {}; check `base_url` (pxmctl.yaml, or PXM_BASE_URL) and the network; for a local sandbox, start one: `pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret`",
        .0.base_url, .0.request, .0.attempts, .0.cause
    )]
    Unreachable(Box<Unreachable>),
    /// The API answered something we cannot read.
    #[error("`{request}` answered something unexpected: {detail}")]
    Unexpected {
        request: RequestName,
        detail: String,
    },
    /// The client could not be built (TLS, bad base URL).
    #[error("cannot set up the API client: {0}")]
    Setup(String),
}

/// What [`RemoteError::Unreachable`] knows (boxed: errors stay small).
#[derive(Debug)]
pub struct Unreachable {
    pub base_url: String,
    pub request: RequestName,
    pub attempts: u32,
    pub cause: String,
}

fn budget_note(exhausted: bool) -> &'static str {
    if exhausted {
        " (the run's retry budget is spent: the API looks unavailable; try again later)"
    } else {
        ""
    }
}

impl RemoteError {
    /// The HTTP status of a refusal (404 for a vanished object, say).
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            Self::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }
}

/// The API's message from an error body (`{"error": ...}`, `{"message":
/// ...}`, or the text itself), redacted and kept short.
#[must_use]
pub fn api_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            ["error", "message", "detail", "error_description"]
                .iter()
                .find_map(|k| v.get(k).and_then(|m| m.as_str().map(str::to_owned)))
        });
    let message = from_json.unwrap_or_else(|| text.trim().to_owned());
    let message = if message.is_empty() {
        "no message".to_owned()
    } else {
        message
    };
    let mut message = redact(&message);
    if message.chars().count() > 300 {
        message = message.chars().take(300).collect::<String>() + "…";
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_message_reads_json_and_text() {
        assert_eq!(
            api_message(br#"{"error":"`name` is required"}"#),
            "`name` is required"
        );
        assert_eq!(api_message(b"  upstream broke \n"), "upstream broke");
        assert_eq!(api_message(b""), "no message");
    }

    #[test]
    fn api_message_redacts() {
        let m = api_message(br#"{"error":"bad token Bearer abc.def"}"#);
        assert!(!m.contains("abc.def"), "{m}");
    }
}
