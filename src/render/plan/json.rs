//! A plan as a versioned JSON document for scripts and CI
//! (`pxmctl plan --format json`). The shape is documented field by field
//! in `docs/plan-format.md`; any incompatible change bumps
//! [`FORMAT_VERSION`]. Keys come out in struct order and every optional
//! field is always present (`null` when empty), so output is byte-stable.

use serde::Serialize;
use serde_json::Value;

use super::{NO_CHANGES, address, address_of, summary_line};
use crate::plan::{Action, Change, Kind, Op, Plan};

/// The version of the `--format json` document.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    pxmctl_version: &'static str,
    /// The environment planned against, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
    empty: bool,
    changes_include_deletion: bool,
    summary: JsonSummary,
    summary_line: String,
    actions: Vec<JsonAction<'a>>,
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    address: String,
    kind: Kind,
    key: &'a str,
    title: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    total: usize,
    create: usize,
    update: usize,
    upload: usize,
    link: usize,
    delete: usize,
    retire: usize,
    upload_bytes: u64,
    /// The deletions apply takes without `--allow-deletes`, and whether
    /// the plan exceeds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_deletes: Option<usize>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    over_delete_limit: bool,
}

#[derive(Serialize)]
struct JsonAction<'a> {
    index: usize,
    address: String,
    kind: Kind,
    op: Op,
    key: &'a str,
    id: Option<&'a str>,
    title: &'a str,
    note: Option<&'a str>,
    bytes: Option<u64>,
    depends_on: &'a [usize],
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    field: &'a str,
    change: ChangeKind,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
    /// The field had no value and gets one.
    Add,
    /// The field loses its value.
    Remove,
    /// The value changes.
    Modify,
}

/// The plan as a pretty-printed JSON document, ending in a newline.
#[must_use]
pub fn json(plan: &Plan) -> String {
    json_for(plan, None, Layout::Pretty)
}

/// How a document is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Pretty,
    /// On one line: several plans in one run are JSON Lines.
    Line,
}

/// [`json`], naming the environment planned against.
#[must_use]
pub fn json_for(plan: &Plan, environment: Option<&str>, layout: Layout) -> String {
    let summary = plan.counted();
    let document = Document {
        format_version: FORMAT_VERSION,
        pxmctl_version: env!("CARGO_PKG_VERSION"),
        environment,
        empty: plan.actions.is_empty(),
        changes_include_deletion: summary.delete + summary.retire > 0,
        summary: JsonSummary {
            total: plan.actions.len(),
            create: summary.create,
            update: summary.update,
            upload: summary.upload,
            link: summary.link,
            delete: summary.delete,
            retire: summary.retire,
            upload_bytes: summary.upload_bytes,
            max_deletes: summary.max_deletes,
            over_delete_limit: summary.over_delete_limit(),
        },
        summary_line: if plan.actions.is_empty() {
            NO_CHANGES.to_owned()
        } else {
            summary_line(&summary)
        },
        actions: plan.actions.iter().enumerate().map(json_action).collect(),
        notes: plan
            .notes
            .iter()
            .map(|n| JsonNote {
                address: address_of(n.kind, &n.key),
                kind: n.kind,
                key: &n.key,
                title: &n.title,
                message: &n.message,
            })
            .collect(),
    };
    // Serialising these types cannot fail: every map key is a string.
    let mut text = match layout {
        Layout::Pretty => serde_json::to_string_pretty(&document),
        Layout::Line => serde_json::to_string(&document),
    }
    .unwrap_or_default();
    text.push('\n');
    text
}

fn json_action((index, action): (usize, &Action)) -> JsonAction<'_> {
    JsonAction {
        index,
        address: address(action),
        kind: action.kind,
        op: action.op,
        key: &action.key,
        id: action.id.as_deref(),
        title: &action.title,
        note: action.note.as_deref(),
        bytes: action.bytes,
        depends_on: &action.depends_on,
        changes: action.changes.iter().map(json_change).collect(),
    }
}

fn json_change(change: &Change) -> JsonChange<'_> {
    JsonChange {
        field: &change.field,
        change: match (&change.before, &change.after) {
            (None, Some(_)) => ChangeKind::Add,
            (Some(_), None) => ChangeKind::Remove,
            _ => ChangeKind::Modify,
        },
        before: change.before.as_ref(),
        after: change.after.as_ref(),
    }
}
