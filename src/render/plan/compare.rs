//! Two accounts compared in catalog terms: the plan that would make the
//! second account hold what the first holds, read as differences. A
//! create is an object only in the first, a deletion (or a file's
//! retirement) one only in the second, any other action fields that
//! differ (`before` is the second account's value, `after` the first's).

use std::fmt::Write as _;

use super::address;
use super::value::{inline, printable, quoted};
use crate::plan::{Action, Op, Plan};

/// Regions are read-only, so never planned: the names only one account
/// has are listed beside the plan.
#[derive(Debug, Default)]
pub struct RegionsApart {
    pub only_first: Vec<String>,
    pub only_second: Vec<String>,
}

/// The comparison as text.
#[must_use]
pub fn text(plan: &Plan, (first, second): (&str, &str), regions: &RegionsApart) -> String {
    let (only_first, only_second, differ) = split(plan);
    let mut out = String::new();
    let mut section = |title: String, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "{title} ({}):", lines.len());
        for line in lines {
            out.push_str(&line);
        }
        out.push('\n');
    };
    let region = |name: &String| format!("  region {}\n", quoted(name));
    let mut firsts: Vec<String> = regions.only_first.iter().map(region).collect();
    firsts.extend(only_first.iter().map(|a| one_line(a)));
    let n_first = firsts.len();
    section(format!("Only in `{first}`"), firsts);
    let mut seconds: Vec<String> = regions.only_second.iter().map(region).collect();
    seconds.extend(only_second.iter().map(|a| one_line(a)));
    let n_second = seconds.len();
    section(format!("Only in `{second}`"), seconds);
    section(
        "Different".to_owned(),
        differ
            .iter()
            .map(|a| {
                let mut line = one_line(a);
                for c in &a.changes {
                    let show = |v: &Option<serde_json::Value>| {
                        v.as_ref().map_or_else(|| "(not set)".to_owned(), inline)
                    };
                    let _ = writeln!(
                        line,
                        "      {}: {} in `{first}`, {} in `{second}`",
                        printable(&c.field),
                        show(&c.after),
                        show(&c.before)
                    );
                }
                line
            })
            .collect(),
    );
    if n_first + n_second + differ.len() == 0 {
        let _ = writeln!(out, "`{first}` and `{second}` hold the same catalog.");
    } else {
        let _ = writeln!(
            out,
            "{n_first} only in `{first}`, {n_second} only in `{second}`, {} different.",
            differ.len()
        );
    }
    out
}

/// Whether the accounts differ at all.
#[must_use]
pub fn differ(plan: &Plan, regions: &RegionsApart) -> bool {
    !plan.actions.is_empty() || !regions.only_first.is_empty() || !regions.only_second.is_empty()
}

fn split(plan: &Plan) -> (Vec<&Action>, Vec<&Action>, Vec<&Action>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for a in &plan.actions {
        match a.op {
            Op::Create => out.0.push(a),
            Op::Delete | Op::Retire => out.1.push(a),
            Op::Update | Op::Upload | Op::Link => out.2.push(a),
        }
    }
    out
}

fn one_line(a: &Action) -> String {
    format!("  {} ({})\n", printable(&address(a)), printable(&a.title))
}
