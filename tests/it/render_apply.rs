//! Golden outputs of apply's renderer: the text line of each outcome with
//! and without colour, the JSON events (action and summary, which
//! docs/apply-events.md documents) and the closing summary.

use std::time::Duration;

use pxmctl::apply::{Outcome, Report};
use pxmctl::plan::{Action, Kind, Op, Plan};
use pxmctl::remote::ClientStats;
use pxmctl::remote::limiter::Pacing;
use pxmctl::render::apply as render;
use pxmctl::render::plan::TextStyle;
use serde_json::Value;

fn action(kind: Kind, op: Op, key: &str) -> Action {
    Action {
        kind,
        op,
        key: key.to_owned(),
        id: None,
        title: key.to_owned(),
        changes: Vec::new(),
        bytes: None,
        note: None,
        depends_on: Vec::new(),
    }
}

/// A run of four actions: done, done with a detail, failed, skipped, and
/// one never started.
fn run() -> (Plan, Report) {
    let plan = Plan {
        actions: vec![
            action(Kind::Category, Op::Create, "jackets"),
            action(Kind::File, Op::Upload, "hero"),
            action(Kind::Collection, Op::Update, "rain-jacket"),
            action(Kind::Resource, Op::Link, "care-guide"),
            action(Kind::Collection, Op::Delete, "old\u{1b}[31mname"),
        ],
        ..Plan::default()
    };
    let report = Report {
        outcomes: vec![
            Outcome::Done {
                id: Some("101".to_owned()),
                detail: None,
            },
            Outcome::Done {
                id: Some("202".to_owned()),
                detail: Some("found after a lost answer".to_owned()),
            },
            Outcome::Failed {
                reason: "PUT /v2.1/collections/7 answered 422: name is taken\u{1b}[2J".to_owned(),
            },
            Outcome::Skipped { because: 2 },
            Outcome::NotStarted,
        ],
        interrupted: false,
        elapsed: Duration::from_millis(2_345),
    };
    (plan, report)
}

fn stats() -> ClientStats {
    ClientStats {
        requests: 9,
        store_requests: 2,
        retries: 1,
        rate_limited: 1,
        authorizations: 1,
        pacing: Pacing {
            slowdowns: 1,
            lowest: 0.5,
            first_after: Some(Duration::from_secs(12)),
        },
    }
}

const PLAIN: TextStyle = TextStyle {
    color: false,
    unicode: true,
    width: 100,
};

#[test]
fn text_lines_and_summary() {
    let (plan, report) = run();
    let mut text = String::new();
    for (i, (action, outcome)) in plan.actions.iter().zip(&report.outcomes).enumerate() {
        let elapsed = Duration::from_millis(10 * (i as u64 + 1));
        text.push_str(&render::action_line(action, outcome, elapsed, PLAIN));
    }
    for failure in render::failures(&report, &plan) {
        text.push_str(&format!("error: {failure}\n"));
    }
    text.push_str(&render::summary(&report, &stats(), PLAIN));
    // Text from the account is escaped: no raw escape byte reaches a terminal.
    assert!(!text.contains('\u{1b}'), "{text}");
    insta::assert_snapshot!("apply_text", text);
}

#[test]
fn colour_paints_only_the_symbols_and_the_head() {
    let (plan, report) = run();
    let style = TextStyle {
        color: true,
        unicode: false,
        width: 100,
    };
    let line = render::action_line(&plan.actions[0], &report.outcomes[0], Duration::ZERO, style);
    assert!(line.starts_with("\u{1b}[1;32m"), "{line:?}");
    let summary = render::summary(&report, &stats(), style);
    assert!(
        summary.starts_with("\u{1b}[1;31mApply finished with failures."),
        "{summary:?}"
    );
    let done = Report {
        outcomes: vec![report.outcomes[0].clone()],
        ..report
    };
    let complete = render::summary(&done, &ClientStats::default(), PLAIN);
    assert!(
        complete.starts_with(
            "Apply complete! 1 done in 2.3 s (0 requests, 0 retried, 0 rate-limited)."
        ),
        "{complete}"
    );
    assert!(!complete.contains("Run `pxmctl apply` again"), "{complete}");
}

#[test]
fn json_events() {
    let (plan, report) = run();
    let mut lines = String::new();
    for (i, (action, outcome)) in plan.actions.iter().zip(&report.outcomes).enumerate() {
        lines.push_str(&render::action_event(
            i,
            action,
            outcome,
            Duration::from_millis(7),
        ));
    }
    lines.push_str(&render::summary_event(&report, &stats()));
    lines.push_str(&render::no_changes_event());
    // One object a line, each with its event name and the version.
    for line in lines.lines() {
        let event: Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(event["event"].is_string(), "{line}");
        assert_eq!(event["version"], render::EVENTS_VERSION, "{line}");
    }
    insta::assert_snapshot!("apply_json", lines);
}
