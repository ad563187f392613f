//! Keeping secrets written in `pxmctl.yaml` out of everything pxmctl
//! shows: which field names hold a secret, and the file text with their
//! values masked, so a snippet of the offending line cannot leak them.

use std::ops::Range;

use crate::catalog::tree::{Node, Value};

/// What a secret field holds, for the hint that says where it belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretKind {
    Token,
    ClientSecret,
}

impl SecretKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::ClientSecret => "secret",
        }
    }

    /// The field that names the variable it belongs in.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::Token => "token_env",
            Self::ClientSecret => "client_secret_env",
        }
    }
}

/// Whether a field of this name holds a secret: `client_secret`, `token`,
/// `access_token`, `password` and their kin (`api_key`, `refresh_token`,
/// `clientSecret`). A name mentioning `env` names a variable instead
/// (`client_secret_env`, or a misspelling of it) and is not a secret.
pub(crate) fn secret_field(name: &str) -> Option<SecretKind> {
    let name = name.to_ascii_lowercase().replace('-', "_");
    if name.contains("env") {
        None
    } else if name.contains("token") {
        Some(SecretKind::Token)
    } else if ["secret", "password", "passwd"]
        .iter()
        .any(|w| name.contains(w))
        || matches!(name.as_str(), "api_key" | "apikey")
    {
        Some(SecretKind::ClientSecret)
    } else {
        None
    }
}

/// Byte ranges of the file text to hide, and secret values to hide
/// wherever else they appear (a comment, a repeated line).
#[derive(Debug, Default)]
pub(crate) struct Masks {
    ranges: Vec<Range<usize>>,
    /// Offsets from which the rest of the line is hidden.
    line_rests: Vec<usize>,
    values: Vec<String>,
}

/// Values shorter than this are masked only where they were found;
/// masking every `a` in the file would hide the file, not the secret.
const MIN_VALUE_LEN: usize = 4;

impl Masks {
    /// Hides a value node: its span through the end of its first line
    /// (quotes and all), and its text wherever it recurs.
    pub(crate) fn value(&mut self, node: &Node) {
        let start = node.pos.offset;
        self.ranges.push(start..start + node.pos.len);
        self.line_rests.push(start);
        self.collect_values(node);
    }

    fn collect_values(&mut self, node: &Node) {
        match &node.value {
            Value::Str(s) if s.len() >= MIN_VALUE_LEN => self.values.push(s.clone()),
            Value::Seq(items) => items.iter().for_each(|i| self.collect_values(i)),
            Value::Map(pairs) => pairs.iter().for_each(|(_, v)| self.collect_values(v)),
            _ => {}
        }
    }

    /// For text that does not parse: hides the rest of every line whose
    /// key looks like a secret field, since there is no tree to go by.
    pub(crate) fn secret_lines(&mut self, text: &str) {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let body = line.trim_start().trim_start_matches("- ");
            if let Some(colon) = body.find(':')
                && secret_field(body[..colon].trim().trim_matches(['"', '\''])).is_some()
            {
                let at = offset + (line.len() - body.len()) + colon + 1;
                self.line_rests.push(at);
            }
            offset += line.len();
        }
    }

    /// The text with every masked byte replaced by `*`. Line breaks are
    /// kept and the byte length does not change, so every location still
    /// points at the same place.
    pub(crate) fn apply(&self, text: &str) -> String {
        if self.ranges.is_empty() && self.line_rests.is_empty() && self.values.is_empty() {
            return text.to_owned();
        }
        let bytes = text.as_bytes();
        let mut hidden = vec![false; bytes.len()];
        let line_rests = self.line_rests.iter().map(|&start| {
            let start = start.min(bytes.len());
            let end = bytes[start..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| start + i);
            start..end
        });
        for range in self.ranges.iter().cloned().chain(line_rests) {
            let end = range.end.min(bytes.len());
            let start = range.start.min(end);
            hidden[start..end].iter_mut().for_each(|h| *h = true);
        }
        for value in &self.values {
            for (at, found) in text.match_indices(value.as_str()) {
                hidden[at..at + found.len()]
                    .iter_mut()
                    .for_each(|h| *h = true);
            }
        }
        // Whole characters only, so the result stays valid UTF-8 with the
        // same byte length.
        let mut out = String::with_capacity(text.len());
        for (at, c) in text.char_indices() {
            if c != '\n' && c != '\r' && hidden[at..at + c.len_utf8()].iter().any(|h| *h) {
                out.extend(std::iter::repeat_n('*', c.len_utf8()));
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields() {
        for name in [
            "client_secret",
            "token",
            "access_token",
            "password",
            "clientSecret",
            "api-key",
        ] {
            assert!(secret_field(name).is_some(), "{name}");
        }
        for name in [
            "client_secret_env",
            "token_env",
            "token_envv",
            "client_id",
            "base_url",
        ] {
            assert!(secret_field(name).is_none(), "{name}");
        }
    }

    #[test]
    fn masking_keeps_offsets_and_lines() {
        let text = "a: 1\nclient_secret: hünter2 # hünter2\nb: hünter2\n";
        let mut masks = Masks::default();
        let start = text.find("hünter2").unwrap_or(0);
        masks.ranges.push(start..start + "hünter2".len());
        masks.values.push("hünter2".to_owned());
        let out = masks.apply(text);
        assert_eq!(out.len(), text.len());
        assert!(!out.contains("nter2"), "{out}");
        assert_eq!(out.lines().count(), 3);
        assert!(out.starts_with("a: 1\nclient_secret: ********"), "{out}");
    }

    #[test]
    fn unparsable_text_masks_secret_lines() {
        let text = "x: [\n  password: \"s3cr3t\"\n";
        let mut masks = Masks::default();
        masks.secret_lines(text);
        let out = masks.apply(text);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(out.contains("password:"), "{out}");
    }
}
