//! What happened to each action, as events while apply runs and as a
//! report at the end. Data only: the CLI shows it.

use std::time::Duration;

use serde::Serialize;

use crate::plan::Action;

/// The end of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// It ran; `id` is the live object's, `detail` says anything unusual
    /// ("already up to date", "found after a lost answer").
    Done {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    Failed {
        reason: String,
    },
    /// Not run because an action it depends on did not succeed.
    Skipped {
        because: usize,
    },
    /// Not started: the run was interrupted first.
    NotStarted,
}

impl Outcome {
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Done { .. })
    }
}

/// What apply tells its caller while it runs.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    Started {
        index: usize,
        action: &'a Action,
    },
    Finished {
        index: usize,
        action: &'a Action,
        outcome: &'a Outcome,
        elapsed: Duration,
    },
    /// An upload handed `bytes` more of its asset to the object store.
    /// Bytes sent again (a retried part) are not counted twice, so an
    /// upload's events add up to at most its `action.bytes`.
    Sent {
        index: usize,
        action: &'a Action,
        bytes: u64,
    },
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// One per plan action, in plan order.
    pub outcomes: Vec<Outcome>,
    /// Ctrl-C (or the caller's stop flag) ended the run early.
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// Counts of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
    pub not_started: usize,
}

impl Report {
    #[must_use]
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for o in &self.outcomes {
            match o {
                Outcome::Done { .. } => t.done += 1,
                Outcome::Failed { .. } => t.failed += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
                Outcome::NotStarted => t.not_started += 1,
            }
        }
        t
    }

    /// Every action ran and succeeded.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        !self.interrupted && self.outcomes.iter().all(Outcome::is_done)
    }
}
