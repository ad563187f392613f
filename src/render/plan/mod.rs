//! Plans for people and machines: `text` (a terminal, like `terraform
//! plan`), `json` (a versioned document for scripts and CI) and
//! `markdown` (a pull-request comment that stays under GitHub's size
//! limit). Each renderer is a pure function from a [`Plan`] to a
//! `String`; nothing here writes to a terminal or reads the clock.
//!
//! The text and Markdown forms share one layout of an action's block
//! (`block`), so a PR comment reads exactly like `pxmctl plan`.
//!
//! [`Plan`]: crate::plan::Plan

mod block;
pub mod compare;
pub mod json;
pub mod markdown;
pub mod text;
mod value;

pub(crate) use value::printable;

pub use super::diagnostics::TextStyle;
pub use json::json;
pub use markdown::{MarkdownOptions, markdown, markdown_with};
pub use text::text;

use std::fmt::Write as _;

use crate::plan::{Action, Kind, Note, Op, Summary};

/// What an empty plan says, in every human format.
pub const NO_CHANGES: &str = "No changes. The account matches the catalog.";

/// The summary line: `Plan: 3 to add, 2 to change, 0 to destroy, 1 upload
/// (2.3 MiB), 1 link.` Uploads and links are left out when there are none.
#[must_use]
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to destroy",
        summary.create, summary.update, summary.delete
    );
    if summary.upload > 0 {
        let _ = write!(
            line,
            ", {} ({})",
            counted(summary.upload, "upload"),
            human_bytes(summary.upload_bytes)
        );
    }
    if summary.link > 0 {
        let _ = write!(line, ", {}", counted(summary.link, "link"));
    }
    if summary.retire > 0 {
        let _ = write!(
            line,
            ", {} to retire (unlink and unpublish)",
            summary.retire
        );
    }
    let limit = summary.max_deletes.filter(|_| summary.removals() > 0);
    if let Some(max) = limit.filter(|_| !summary.over_delete_limit()) {
        let _ = write!(line, " (within max_deletes {max})");
    }
    line.push('.');
    if let Some(max) = limit.filter(|_| summary.over_delete_limit()) {
        let n = summary.removals();
        let _ = write!(
            line,
            " {n} deletions exceed max_deletes ({max}): apply needs `--allow-deletes {n}`."
        );
    }
    line
}

/// A size in binary units with one decimal: `512 B`, `1.0 KiB`, `2.3 MiB`.
#[must_use]
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Precision loss above 2^53 bytes is far below the one decimal shown.
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Round first, so 1023.96 KiB is shown as `1.0 MiB`, not `1024.0 KiB`.
    while (size * 10.0).round() / 10.0 >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// The plan address of an action: `collection.rain-jacket`.
#[must_use]
pub fn address(action: &Action) -> String {
    address_of(action.kind, &action.key)
}

/// `<kind>.<key>`, for an action or a note about an entry.
#[must_use]
pub fn address_of(kind: Kind, key: &str) -> String {
    format!("{}.{key}", kind.ident())
}

/// How many notes the text and Markdown forms show in full; JSON has all.
const NOTES_SHOWN: usize = 20;

/// One line per note (`file.hero ("hero.jpg"): unverified: …`), at most
/// [`NOTES_SHOWN`], then how many more there are.
#[must_use]
pub fn note_lines(notes: &[Note]) -> Vec<String> {
    let mut lines: Vec<String> = notes
        .iter()
        .take(NOTES_SHOWN)
        // Titles and messages quote the account's names.
        .map(|n| {
            value::printable(&format!(
                "{} (\"{}\"): {}",
                address_of(n.kind, &n.key),
                n.title,
                n.message
            ))
        })
        .collect();
    if notes.len() > NOTES_SHOWN {
        lines.push(format!(
            "… and {} more (all of them in `pxmctl plan --format json`)",
            notes.len() - NOTES_SHOWN
        ));
    }
    lines
}

/// `1 link`, `2 links`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Ops in the order a legend or a table lists them.
const OPS: [Op; 6] = [
    Op::Create,
    Op::Update,
    Op::Upload,
    Op::Link,
    Op::Delete,
    Op::Retire,
];

/// What a legend calls an op: `update in place`.
fn op_word(op: Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::Update => "update in place",
        Op::Upload => "upload",
        Op::Link => "link",
        Op::Delete => "delete",
        Op::Retire => "retire (unlink and unpublish)",
    }
}

/// How many actions of `summary` have `op`.
fn op_count(summary: &Summary, op: Op) -> usize {
    match op {
        Op::Create => summary.create,
        Op::Update => summary.update,
        Op::Upload => summary.upload,
        Op::Link => summary.link,
        Op::Delete => summary.delete,
        Op::Retire => summary.retire,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_binary_units_with_one_decimal() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(2_411_724), "2.3 MiB");
        assert_eq!(human_bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(human_bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn summary_line_leaves_out_uploads_and_links_when_there_are_none() {
        let mut s = Summary {
            create: 3,
            update: 2,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&s),
            "Plan: 3 to add, 2 to change, 0 to destroy."
        );
        s.upload = 1;
        s.upload_bytes = 2_411_724;
        s.link = 1;
        assert_eq!(
            summary_line(&s),
            "Plan: 3 to add, 2 to change, 0 to destroy, 1 upload (2.3 MiB), 1 link."
        );
        s.upload = 2;
        s.link = 4;
        assert_eq!(
            summary_line(&s),
            "Plan: 3 to add, 2 to change, 0 to destroy, 2 uploads (2.3 MiB), 4 links."
        );
    }
}
