//! Output formats: one renderer per format, each a pure function from data
//! to text. Nothing here writes to a terminal; `cli` does.

pub mod diagnostics;
pub mod pacing;
pub mod plan;

/// Text read from the account made safe to print: control characters
/// and bidi overrides escaped (see `plan::value::printable`).
#[must_use]
pub fn printable(text: &str) -> String {
    plan::printable(text)
}
