//! Text read from an account, made safe to show in a terminal.

/// `text` with control characters (other than tab) and the invisible
/// characters that reorder text (bidi overrides and isolates) escaped, so
/// a value read from the account cannot move the cursor, change colours,
/// set a terminal title or disguise what it says.
#[must_use]
pub fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
