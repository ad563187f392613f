//! One action laid out as a block of lines, the way `terraform plan`
//! shows a resource: a comment saying what will happen, the object's
//! header, one line per field with its own sign and `=` aligned, and line
//! diffs for long text. The layout is data (`Line`); `text` prints it for
//! a terminal and `markdown` as a `diff` code block.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::value::{inline, long_text, printable, quoted, text_or_absent};
use super::{address, human_bytes};
use crate::plan::{Action, Change, Op};

/// Column of a block's header sign.
pub(super) const HEADER: usize = 2;
/// Column of a field's sign.
pub(super) const FIELD: usize = 6;
/// Column of a text-diff or list-item sign.
pub(super) const ITEM: usize = 10;

/// Unchanged lines kept around each change in a text diff.
const CONTEXT: usize = 3;

/// What a line does to its object or value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sign {
    Add,
    Remove,
    Change,
    Upload,
    Link,
}

impl Sign {
    /// The sign of an action's header.
    pub(super) fn of(op: Op) -> Self {
        match op {
            Op::Create => Self::Add,
            Op::Update => Self::Change,
            Op::Upload => Self::Upload,
            Op::Link => Self::Link,
            Op::Delete | Op::Retire => Self::Remove,
        }
    }

    /// The op this sign stands for, whose symbol it shows.
    pub(super) fn op(self) -> Op {
        match self {
            Self::Add => Op::Create,
            Self::Change => Op::Update,
            Self::Upload => Op::Upload,
            Self::Link => Op::Link,
            Self::Remove => Op::Delete,
        }
    }
}

/// One line of a block. Signed lines show the sign at column `indent`
/// and the text two columns later; unsigned lines show the text where a
/// signed line's text would be, so a block's fields line up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    pub indent: usize,
    pub sign: Option<Sign>,
    pub text: String,
    /// A `#` comment, shown at column `indent` itself.
    pub comment: bool,
    /// A line of a text diff or list, coloured as a whole.
    pub item: bool,
}

impl Line {
    fn comment(text: String) -> Self {
        Self {
            indent: HEADER,
            sign: None,
            text,
            comment: true,
            item: false,
        }
    }

    fn code(indent: usize, sign: Option<Sign>, text: String) -> Self {
        Self {
            indent,
            sign,
            text,
            comment: false,
            item: false,
        }
    }

    fn item(sign: Option<Sign>, text: String) -> Self {
        Self {
            indent: ITEM,
            sign,
            text,
            comment: false,
            item: true,
        }
    }
}

/// A field's value part, before alignment.
enum Shown {
    /// `"a" -> "b"` on the field's own line.
    Inline(String),
    /// `<<-EOT`, a line diff, `EOT`.
    Text(Vec<(Option<Sign>, String)>),
}

struct Row<'a> {
    sign: Option<Sign>,
    name: String,
    shown: Shown,
    /// The change shown, if the row is one.
    change: Option<&'a Change>,
}

/// The lines of one action. `width` is the terminal width: a list change
/// that would not fit on one line is shown one item a line.
pub(super) fn lines(action: &Action, width: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let title = if action.title.is_empty() {
        String::new()
    } else {
        format!(" ({})", printable(&action.title))
    };
    out.push(Line::comment(format!(
        "# {}{title} {}",
        printable(&address(action)),
        action.op.verb()
    )));
    if let Some(note) = &action.note {
        out.push(Line::comment(format!("# ({})", printable(note))));
    }
    out.push(Line::code(
        HEADER,
        Some(Sign::of(action.op)),
        format!("{} {} {{", action.kind.noun(), quoted(&action.key)),
    ));

    let rows = rows(action);
    let name_width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    for row in rows {
        let name = format!("{:<name_width$}", row.name);
        match row.shown {
            Shown::Inline(value) => {
                let line = format!("{name} = {value}");
                let expanded = (FIELD + 2 + line.chars().count() > width)
                    .then_some(row.change)
                    .flatten()
                    .and_then(list_items);
                match expanded {
                    Some(items) => push_list(&mut out, row.sign, &name, items),
                    None => out.push(Line::code(FIELD, row.sign, line)),
                }
            }
            Shown::Text(items) => {
                out.push(Line::code(FIELD, row.sign, format!("{name} = <<-EOT")));
                out.extend(items.into_iter().map(|(s, t)| Line::item(s, t)));
                out.push(Line::code(FIELD, None, "EOT".to_owned()));
            }
        }
    }
    out.push(Line::code(HEADER, None, "}".to_owned()));
    out
}

fn push_list(
    out: &mut Vec<Line>,
    sign: Option<Sign>,
    name: &str,
    items: Vec<(Option<Sign>, String)>,
) {
    out.push(Line::code(FIELD, sign, format!("{name} = [")));
    out.extend(
        items
            .into_iter()
            .map(|(s, t)| Line::item(s, format!("{t},"))),
    );
    out.push(Line::code(FIELD, None, "]".to_owned()));
}

/// The field rows of an action, before alignment.
fn rows(action: &Action) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    let id = action.id.as_deref().map(quoted);
    match (action.op, id) {
        (Op::Create | Op::Upload, None) => {
            rows.push(row(Some(Sign::Add), "id", "(known after apply)"));
        }
        (Op::Delete, Some(id)) => {
            rows.push(row(Some(Sign::Remove), "id", &format!("{id} -> null")));
        }
        (_, Some(id)) => rows.push(row(None, "id", &id)),
        (_, None) => {}
    }
    if action.op == Op::Delete && !action.title.is_empty() {
        let title = format!("{} -> null", quoted(&action.title));
        rows.push(row(Some(Sign::Remove), "title", &title));
    }
    if action.op == Op::Upload
        && let Some(bytes) = action.bytes
    {
        rows.push(row(Some(Sign::Upload), "size", &human_bytes(bytes)));
    }
    rows.extend(action.changes.iter().map(change_row));
    rows
}

fn row(sign: Option<Sign>, name: &str, value: &str) -> Row<'static> {
    Row {
        sign,
        name: name.to_owned(),
        shown: Shown::Inline(value.to_owned()),
        change: None,
    }
}

fn change_row(change: &Change) -> Row<'_> {
    let before = change.before.as_ref();
    let after = change.after.as_ref();
    let sign = match (before, after) {
        (None, Some(_)) => Sign::Add,
        (Some(_), None) => Sign::Remove,
        _ => Sign::Change,
    };
    let name = printable(&change.field);
    if (long_text(before).is_some() || long_text(after).is_some())
        && let (Some(old), Some(new)) = (text_or_absent(before), text_or_absent(after))
    {
        return Row {
            sign: Some(sign),
            name,
            shown: Shown::Text(text_diff(old, new)),
            change: Some(change),
        };
    }
    let shown = match (before, after) {
        (None, Some(a)) => inline(a),
        (Some(b), None) => format!("{} -> null", inline(b)),
        (Some(b), Some(a)) => format!("{} -> {}", inline(b), inline(a)),
        (None, None) => "(absent)".to_owned(),
    };
    Row {
        sign: Some(sign),
        name,
        shown: Shown::Inline(shown),
        change: Some(change),
    }
}

/// The items of a list change, one a line, when both sides are lists (or
/// absent). `None` when the change is not a list change.
fn list_items(change: &Change) -> Option<Vec<(Option<Sign>, String)>> {
    let items = |v: Option<&Value>| -> Option<Vec<String>> {
        match v {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(items)) => Some(items.iter().map(inline).collect()),
            Some(_) => None,
        }
    };
    let old = items(change.before.as_ref())?;
    let new = items(change.after.as_ref())?;
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new);
    let mut out = Vec::new();
    for op in &ops {
        for c in op.iter_changes(&old, &new) {
            out.push((tag_sign(c.tag()), c.value()));
        }
    }
    Some(out)
}

/// A line diff of two texts (either may be absent), with unchanged runs
/// longer than the context shown as a count.
fn text_diff(old: Option<&str>, new: Option<&str>) -> Vec<(Option<Sign>, String)> {
    let diff = TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""));
    let total = diff.old_slices().len();
    let mut out = Vec::new();
    let mut shown_until = 0;
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let start = first.old_range().start;
        if start > shown_until {
            out.push((None, hidden(start - shown_until)));
        }
        for op in &group {
            for change in diff.iter_changes(op) {
                let line = change.value().trim_end_matches(['\n', '\r']);
                out.push((tag_sign(change.tag()), printable(line)));
            }
        }
        shown_until = last.old_range().end;
    }
    if total > shown_until {
        out.push((None, hidden(total - shown_until)));
    }
    out
}

fn hidden(lines: usize) -> String {
    if lines == 1 {
        "# (1 unchanged line hidden)".to_owned()
    } else {
        format!("# ({lines} unchanged lines hidden)")
    }
}

fn tag_sign(tag: ChangeTag) -> Option<Sign> {
    match tag {
        ChangeTag::Equal => None,
        ChangeTag::Delete => Some(Sign::Remove),
        ChangeTag::Insert => Some(Sign::Add),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[(Option<Sign>, String)]) -> Vec<String> {
        lines
            .iter()
            .map(|(s, t)| {
                let sign = match s {
                    Some(Sign::Add) => "+",
                    Some(Sign::Remove) => "-",
                    _ => " ",
                };
                format!("{sign}{t}")
            })
            .collect()
    }

    #[test]
    fn text_diff_keeps_three_lines_of_context() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let lines = texts(&text_diff(Some(&old), Some(&new)));
        assert_eq!(
            lines,
            [
                " # (6 unchanged lines hidden)",
                " line 7",
                " line 8",
                " line 9",
                "-line 10",
                "+line ten",
                " line 11",
                " line 12",
                " line 13",
                " # (7 unchanged lines hidden)",
            ]
        );
    }

    #[test]
    fn text_diff_of_a_new_text_adds_every_line() {
        let lines = texts(&text_diff(None, Some("a\nb")));
        assert_eq!(lines, ["+a", "+b"]);
    }

    #[test]
    fn text_diff_of_equal_texts_hides_everything() {
        let lines = texts(&text_diff(Some("a\nb\n"), Some("a\nb\n")));
        assert_eq!(lines, [" # (2 unchanged lines hidden)"]);
    }
}
