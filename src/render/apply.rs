//! Apply's output, for people and for machines: a line per finished
//! action and the run's summary as text; with `--json`, one JSON object
//! per finished action and one summary object, each on its own line
//! (documented in docs/apply-events.md). Pure functions from the run's
//! events and report to text; `cli` writes them.

use std::time::Duration;

use serde::Serialize;

use super::diagnostics::TextStyle;
use super::plan::address;
use super::printable;
use super::tone::{Tone, paint};
use crate::api::Kind;
use crate::apply::{Outcome, Report};
use crate::plan::{Action, Op, Plan};
use crate::remote::ClientStats;

/// The version of the JSON events, bumped when a field changes meaning or
/// goes away (new fields may appear at any time).
pub const EVENTS_VERSION: u32 = 1;

/// The text line of a finished action; empty for one never started.
#[must_use]
pub fn action_line(
    action: &Action,
    outcome: &Outcome,
    elapsed: Duration,
    style: TextStyle,
) -> String {
    // Keys of pruned objects, ids, details and API messages come from
    // the account.
    let address = printable(&address(action));
    let done = match action.op {
        Op::Create => "created",
        Op::Update => "updated",
        Op::Upload => "uploaded",
        Op::Link => "linked",
        Op::Delete => "deleted",
        Op::Retire => "retired",
    };
    match outcome {
        Outcome::Done { id, detail } => {
            let id = id
                .as_deref()
                .map(|i| format!(" (id {})", printable(i)))
                .unwrap_or_default();
            let detail = detail
                .as_deref()
                .map(|d| format!(": {}", printable(d)))
                .unwrap_or_default();
            format!(
                "{} {address}{id} {done}{detail} [{} ms]\n",
                paint(action.op.symbol(style.unicode), Tone::Good, style.color),
                elapsed.as_millis()
            )
        }
        Outcome::Failed { reason } => format!(
            "{} {address} failed: {}\n",
            paint("✗", Tone::Bad, style.color),
            printable(reason)
        ),
        Outcome::Skipped { because } => format!(
            "{} {address} skipped: it depends on action {} which did not succeed\n",
            paint("·", Tone::Warn, style.color),
            because + 1
        ),
        Outcome::NotStarted => String::new(),
    }
}

/// `{"event":"action",…}`: one finished action.
#[derive(Serialize)]
struct ActionEvent<'a> {
    event: &'static str,
    version: u32,
    index: usize,
    address: String,
    kind: Kind,
    op: Op,
    key: &'a str,
    ms: u64,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// `{"event":"summary",…}`: how the run ended.
#[derive(Serialize, Default)]
struct SummaryEvent {
    event: &'static str,
    version: u32,
    done: usize,
    failed: usize,
    skipped: usize,
    not_started: usize,
    interrupted: bool,
    requests: u64,
    store_requests: u64,
    retries: u64,
    rate_limited: u64,
    slowdowns: u32,
    lowest_pace: f64,
    ms: u64,
}

/// The `--json` event of a finished action, as one line.
#[must_use]
pub fn action_event(index: usize, action: &Action, outcome: &Outcome, elapsed: Duration) -> String {
    line(&ActionEvent {
        event: "action",
        version: EVENTS_VERSION,
        index,
        address: address(action),
        kind: action.kind,
        op: action.op,
        key: &action.key,
        ms: millis(elapsed),
        outcome,
    })
}

/// The `--json` summary event of a run, as one line.
#[must_use]
pub fn summary_event(report: &Report, stats: &ClientStats) -> String {
    let t = report.tally();
    line(&SummaryEvent {
        event: "summary",
        version: EVENTS_VERSION,
        done: t.done,
        failed: t.failed,
        skipped: t.skipped,
        not_started: t.not_started,
        interrupted: report.interrupted,
        requests: stats.requests,
        store_requests: stats.store_requests,
        retries: stats.retries,
        rate_limited: stats.rate_limited,
        slowdowns: stats.pacing.slowdowns,
        lowest_pace: stats.pacing.lowest,
        ms: millis(report.elapsed),
    })
}

/// The `--json` summary of an apply with nothing to do: every count 0.
#[must_use]
pub fn no_changes_event() -> String {
    line(&SummaryEvent {
        event: "summary",
        version: EVENTS_VERSION,
        lowest_pace: 1.0,
        ..SummaryEvent::default()
    })
}

/// What each failed action says, for one `error:` line each (escaped:
/// the reason may quote the account).
#[must_use]
pub fn failures(report: &Report, plan: &Plan) -> Vec<String> {
    report
        .outcomes
        .iter()
        .zip(&plan.actions)
        .filter_map(|(outcome, action)| match outcome {
            Outcome::Failed { reason } => Some(format!(
                "{} failed: {}",
                printable(&address(action)),
                printable(reason)
            )),
            _ => None,
        })
        .collect()
}

/// The closing text: how the run ended, its counts and requests, how it
/// paced itself, and what to do next.
#[must_use]
pub fn summary(report: &Report, stats: &ClientStats, style: TextStyle) -> String {
    let t = report.tally();
    let head = if report.succeeded() {
        paint("Apply complete!", Tone::Good, style.color)
    } else if report.interrupted {
        paint("Apply interrupted.", Tone::Warn, style.color)
    } else {
        paint("Apply finished with failures.", Tone::Bad, style.color)
    };
    let mut line = format!("{head} {} done", t.done);
    for (n, what) in [
        (t.failed, "failed"),
        (t.skipped, "skipped"),
        (t.not_started, "not started"),
    ] {
        if n > 0 {
            line.push_str(&format!(", {n} {what}"));
        }
    }
    let store = match stats.store_requests {
        0 => String::new(),
        n => format!(", {n} to the object store"),
    };
    line.push_str(&format!(
        " in {:.1} s ({} requests{store}, {} retried, {} rate-limited).\n",
        report.elapsed.as_secs_f64(),
        stats.requests,
        stats.retries,
        stats.rate_limited
    ));
    if let Some(slowdown) = super::pacing::slowdown(&stats.pacing) {
        line.push_str(&format!("It {slowdown}.\n"));
    }
    if !report.succeeded() {
        line.push_str(
            "Run `pxmctl apply` again to finish: it plans from the account as it now is.\n",
        );
    }
    line
}

fn line(event: &impl Serialize) -> String {
    // Through a `Value`, whose keys are sorted: the same event prints the
    // same bytes.
    let value = serde_json::to_value(event).unwrap_or_default();
    format!("{value}\n")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
