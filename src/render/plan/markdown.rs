//! A plan as a pull-request comment: the summary and a table of counts on
//! top, then one `<details>` section per kind holding each action as a
//! ```` ```diff ```` block (`+` added, `-` removed, `!` changed, so GitHub
//! colours them).
//!
//! A GitHub comment holds at most 65,536 characters. When the full plan
//! would not fit, it is folded, never cut: complete blocks are kept in
//! order up to about 90% of the limit, the remaining actions become a
//! list of `kind.key (op)` lines, and if even that list would not fit,
//! counts per kind and a pointer to `pxmctl plan`. Lengths are measured
//! in bytes, which are never fewer than characters.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::block::{self, Line, Sign};
use super::{NO_CHANGES, OPS, address, human_bytes, note_lines, op_count, op_word, summary_line};
use crate::plan::{Action, Kind, Op, Plan, Summary};

/// The most characters a GitHub comment may hold.
pub const COMMENT_LIMIT: usize = 65_536;

/// The line width blocks are laid out for (GitHub's code view).
const WIDTH: usize = 100;

/// How a comment is titled and how long it may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The heading's text: `pxmctl plan (production)`.
    pub heading: String,
    /// The output stays strictly shorter than this many bytes.
    pub limit: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        Self {
            heading: "pxmctl plan".to_owned(),
            limit: COMMENT_LIMIT,
        }
    }
}

/// The plan as a pull-request comment under [`COMMENT_LIMIT`].
#[must_use]
pub fn markdown(plan: &Plan) -> String {
    markdown_with(plan, &MarkdownOptions::default())
}

/// The section a comment shows for a plan that could not be made.
#[must_use]
pub fn failed(options: &MarkdownOptions) -> String {
    format!(
        "{}**The plan failed**; the job log says why.\n\n",
        heading(options)
    )
}

fn heading(options: &MarkdownOptions) -> String {
    format!("### {}\n\n", options.heading)
}

/// The plan as a pull-request comment, with a chosen heading and limit.
#[must_use]
pub fn markdown_with(plan: &Plan, options: &MarkdownOptions) -> String {
    let mut head = heading(options);
    if plan.actions.is_empty() {
        head.push_str(NO_CHANGES);
        head.push('\n');
        if !plan.notes.is_empty() {
            head.push('\n');
            head.push_str(&notes(plan));
        }
        return head;
    }
    let summary = plan.counted();
    head.push_str(&overview(&summary));
    head.push_str(&notes(plan));

    let comment = Comment::new(plan, head);
    let all = comment.render(comment.order.len(), Tail::List);
    if all.len() < options.limit {
        return all;
    }
    // Blocks may use about 90% of the limit; the rest is room for the
    // list or the counts of what was left out.
    let soft = options.limit - options.limit / 10;
    let mut shown = comment.fitting(soft);
    loop {
        for tail in [Tail::List, Tail::Counts] {
            let text = comment.render(shown, tail);
            if text.len() < options.limit || (shown == 0 && tail == Tail::Counts) {
                return text;
            }
        }
        shown -= 1;
    }
}

/// The summary line, a table of counts per op, and a warning when the
/// plan deletes.
fn overview(summary: &Summary) -> String {
    let mut out = format!("**{}**\n\n", summary_line(summary));
    out.push_str("| | action | count |\n|:-:|---|--:|\n");
    for op in OPS {
        let count = op_count(summary, op);
        let bytes = if op == Op::Upload && count > 0 {
            format!(" ({})", human_bytes(summary.upload_bytes))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {count}{bytes} |",
            op.symbol(true),
            op_word(op)
        );
    }
    out.push('\n');
    if summary.delete > 0 {
        let objects = if summary.delete == 1 {
            "object"
        } else {
            "objects"
        };
        let _ = write!(
            out,
            "> [!WARNING]\n> This plan deletes {} {objects}.\n\n",
            summary.delete
        );
    }
    if summary.retire > 0 {
        let files = if summary.retire == 1 { "file" } else { "files" };
        let _ = write!(
            out,
            "> [!WARNING]\n> This plan retires {} {files}: unlinked from every collection and unpublished (PXM has no file delete).\n\n",
            summary.retire
        );
    }
    out
}

/// The plan's notes as a GitHub note block, or nothing.
fn notes(plan: &Plan) -> String {
    if plan.notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("> [!NOTE]\n");
    for line in note_lines(&plan.notes) {
        let _ = writeln!(out, "> - {line}");
    }
    out.push('\n');
    out
}

/// How the actions that are not shown in full are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// One `kind.key (op)` line each.
    List,
    /// Counts per kind only.
    Counts,
}

/// A plan grouped for the comment, every block rendered once.
struct Comment<'a> {
    plan: &'a Plan,
    head: String,
    /// Action indices, grouped per kind (in `Kind` order), in plan order
    /// within a kind: the order blocks are shown in.
    order: Vec<usize>,
    /// The fenced block of `plan.actions[i]`, by index.
    blocks: Vec<String>,
}

impl<'a> Comment<'a> {
    fn new(plan: &'a Plan, head: String) -> Self {
        let mut groups: BTreeMap<Kind, Vec<usize>> = BTreeMap::new();
        for (i, action) in plan.actions.iter().enumerate() {
            groups.entry(action.kind).or_default().push(i);
        }
        Self {
            plan,
            head,
            order: groups.into_values().flatten().collect(),
            blocks: plan.actions.iter().map(fenced).collect(),
        }
    }

    /// How many blocks, in order, fit in `budget` bytes with their
    /// sections (estimated; `render` has the last word).
    fn fitting(&self, budget: usize) -> usize {
        // A section's tags with the longest summary it may have.
        const SECTION: usize = 160;
        let mut used = self.head.len();
        let mut kind = None;
        for (shown, &i) in self.order.iter().enumerate() {
            let action = &self.plan.actions[i];
            let mut cost = self.blocks[i].len() + 1;
            if kind != Some(action.kind) {
                cost += SECTION;
            }
            if used + cost > budget {
                return shown;
            }
            used += cost;
            kind = Some(action.kind);
        }
        self.order.len()
    }

    /// The comment with the first `shown` blocks of `order` in full.
    fn render(&self, shown: usize, tail: Tail) -> String {
        let mut out = self.head.clone();
        let (full, rest) = self.order.split_at(shown.min(self.order.len()));
        let mut start = 0;
        while start < self.order.len() {
            let kind = self.plan.actions[self.order[start]].kind;
            let len = self.order[start..]
                .iter()
                .take_while(|&&i| self.plan.actions[i].kind == kind)
                .count();
            let group = &self.order[start..start + len];
            let in_full = group.len().min(full.len().saturating_sub(start));
            if in_full > 0 {
                out.push_str(&self.section(kind, group, in_full));
            }
            start += len;
        }
        if !rest.is_empty() {
            out.push_str(&match tail {
                Tail::List => self.list(rest),
                Tail::Counts => self.counts(rest),
            });
        }
        out
    }

    /// One kind's `<details>` with its first `in_full` blocks.
    fn section(&self, kind: Kind, group: &[usize], in_full: usize) -> String {
        let actions = group.iter().map(|&i| &self.plan.actions[i]);
        let mut summary = format!(
            "<b>{}</b>: {}",
            kind.map(),
            counts_phrase(&Summary::of(actions))
        );
        if in_full < group.len() {
            let _ = write!(summary, " ({in_full} of {} shown)", group.len());
        }
        let mut out = format!("<details><summary>{summary}</summary>\n\n");
        for &i in &group[..in_full] {
            out.push_str(&self.blocks[i]);
            out.push('\n');
        }
        out.push_str("</details>\n\n");
        out
    }

    fn list(&self, rest: &[usize]) -> String {
        let mut out = format!(
            "<details><summary>{} not shown in full (the comment would be too long)</summary>\n\n",
            actions_count(rest.len())
        );
        for &i in rest {
            let action = &self.plan.actions[i];
            let _ = writeln!(
                out,
                "- {} ({})",
                code_span(&address(action)),
                op_name(action.op)
            );
        }
        out.push_str("\n</details>\n\n");
        out
    }

    fn counts(&self, rest: &[usize]) -> String {
        let mut per_kind: BTreeMap<Kind, Vec<&Action>> = BTreeMap::new();
        for &i in rest {
            let action = &self.plan.actions[i];
            per_kind.entry(action.kind).or_default().push(action);
        }
        let mut out = format!(
            "{} more {} not shown; run `pxmctl plan` locally for the full plan.\n\nNot shown, per kind:\n\n",
            rest.len(),
            if rest.len() == 1 { "action" } else { "actions" }
        );
        for (kind, actions) in per_kind {
            let _ = writeln!(
                out,
                "- {}: {}",
                kind.map(),
                counts_phrase(&Summary::of(actions))
            );
        }
        out.push('\n');
        out
    }
}

/// `1 action`, `5,000 actions`.
fn actions_count(n: usize) -> String {
    if n == 1 {
        "1 action".to_owned()
    } else {
        format!("{n} actions")
    }
}

/// The non-zero counts of a summary: `2 to add, 1 upload (3.0 KiB)`.
fn counts_phrase(summary: &Summary) -> String {
    let mut parts = Vec::new();
    for (n, words) in [
        (summary.create, "to add"),
        (summary.update, "to change"),
        (summary.delete, "to destroy"),
        (summary.retire, "to retire"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {words}"));
        }
    }
    if summary.upload > 0 {
        let s = if summary.upload == 1 { "" } else { "s" };
        parts.push(format!(
            "{} upload{s} ({})",
            summary.upload,
            human_bytes(summary.upload_bytes)
        ));
    }
    if summary.link > 0 {
        let s = if summary.link == 1 { "" } else { "s" };
        parts.push(format!("{} link{s}", summary.link));
    }
    parts.join(", ")
}

/// The op as the JSON output names it.
fn op_name(op: Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::Update => "update",
        Op::Upload => "upload",
        Op::Link => "link",
        Op::Delete => "delete",
        Op::Retire => "retire",
    }
}

/// An action as a fenced `diff` block. The fence is longer than any run
/// of backticks inside, so text from the account cannot close it early.
fn fenced(action: &Action) -> String {
    let body: String = block::lines(action, WIDTH)
        .iter()
        .map(|line| diff_line(line) + "\n")
        .collect();
    let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
    format!("{fence}diff\n{body}{fence}\n")
}

/// A block line with its sign in column 0, as diff highlighting wants.
fn diff_line(line: &Line) -> String {
    if line.comment {
        return line.text.clone();
    }
    let mark = match line.sign {
        None => ' ',
        Some(Sign::Add) => '+',
        Some(Sign::Remove) => '-',
        Some(Sign::Change | Sign::Upload | Sign::Link) => '!',
    };
    format!("{mark}{}{}", " ".repeat(line.indent - 1), line.text)
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `text` as inline code, fenced so a backtick inside cannot end it.
fn code_span(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_backticks_inside() {
        assert_eq!(longest_backtick_run("a ``` b ```` c"), 4);
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
    }
}
