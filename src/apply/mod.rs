//! Executing a plan: a ready-queue over the plan's dependency graph. An
//! action starts as soon as every action it depends on has succeeded, up
//! to the configured concurrency, all through the client's one rate
//! limiter; ids returned by creates flow to the actions that reference
//! them. A failure skips the actions that depend on it, not the
//! independent ones. A stop request (Ctrl-C) starts nothing new and lets
//! running actions finish.

mod desired;
mod execute;
mod ids;
mod lookup;
mod merge;
pub mod report;
pub mod upload;

pub use report::{Event, Outcome, Report, Tally};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::catalog::model::Catalog;
use crate::diag::Diagnostics;
use crate::plan::Plan;
use crate::plan::identity;
use crate::remote::{Client, LiveSnapshot};

/// How to run.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Actions in flight at once.
    pub concurrency: usize,
    /// Set to stop starting actions (Ctrl-C).
    pub stop: Arc<AtomicBool>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Applies `plan`, made from `catalog` against `live`. Every action ends
/// in the report; `on_event` hears each start and end as it happens.
///
/// # Errors
///
/// Diagnostics when the catalog no longer matches `live` unambiguously
/// (a plan made from them would have failed the same way).
pub async fn apply(
    plan: &Plan,
    catalog: &Catalog,
    live: &LiveSnapshot,
    client: &Client,
    options: &ApplyOptions,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Report, Diagnostics> {
    let started = Instant::now();
    let mut diagnostics = Diagnostics::default();
    let matches = identity::match_all(catalog, live, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let ids = ids::Ids::matched(catalog, live, &matches);
    let uploader = upload::Uploader::new();
    // An existing file's new content goes up under the name the account
    // gave it when it was read, just before applying.
    let replaced: std::collections::HashSet<&str> = plan
        .actions
        .iter()
        .filter(|a| a.op == crate::plan::Op::Upload)
        .filter_map(|a| a.id.as_deref())
        .collect();
    let live_file_names = live
        .files
        .iter()
        .filter(|f| replaced.contains(f.id.as_str()))
        .map(|f| (f.id.to_string(), f.file_name.clone()))
        .collect();
    let context = execute::Context {
        client,
        catalog,
        live_file_names,
        ids: &ids,
        uploader: &uploader,
        upload_budget: execute::UploadBudget::new(),
        on_event,
        confirmed: std::sync::Mutex::default(),
    };
    let (outcomes, interrupted) = run_queue(plan, &context, options, on_event).await;
    Ok(Report {
        outcomes,
        interrupted,
        elapsed: started.elapsed(),
    })
}

/// The ready-queue. Futures borrow the context and run on this task:
/// the work is waiting on the network, so one task interleaves them.
async fn run_queue(
    plan: &Plan,
    context: &execute::Context<'_>,
    options: &ApplyOptions,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> (Vec<Outcome>, bool) {
    let actions = &plan.actions;
    let n = actions.len();
    let mut waiting: Vec<usize> = actions.iter().map(|a| a.depends_on.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, a) in actions.iter().enumerate() {
        for &d in &a.depends_on {
            if d < n {
                dependents[d].push(i);
            } else {
                // A dependency outside the plan cannot finish: treat it
                // as met rather than wait forever.
                waiting[i] -= 1;
            }
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut ready: std::collections::VecDeque<usize> =
        (0..n).filter(|i| waiting[*i] == 0).collect();
    let mut running = FuturesUnordered::new();
    let limit = options.concurrency.max(1);
    let mut interrupted = false;
    loop {
        while running.len() < limit && !interrupted {
            if options.stop.load(Ordering::Relaxed) {
                interrupted = true;
                break;
            }
            let Some(i) = ready.pop_front() else { break };
            on_event(Event::Started {
                index: i,
                action: &actions[i],
            });
            running.push(async move {
                let began = Instant::now();
                (i, context.run(i, &actions[i]).await, began.elapsed())
            });
        }
        let Some((i, outcome, elapsed)) = running.next().await else {
            break;
        };
        on_event(Event::Finished {
            index: i,
            action: &actions[i],
            outcome: &outcome,
            elapsed,
        });
        if outcome.is_done() {
            for &d in &dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 && outcomes[d].is_none() {
                    ready.push_back(d);
                }
            }
        } else {
            skip_dependents(i, actions, &dependents, &mut outcomes, on_event);
        }
        outcomes[i] = Some(outcome);
        if options.stop.load(Ordering::Relaxed) {
            interrupted = true;
        }
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::NotStarted))
        .collect();
    (outcomes, interrupted)
}

/// Marks everything downstream of failed action `failed` as skipped.
fn skip_dependents(
    failed: usize,
    actions: &[crate::plan::Action],
    dependents: &[Vec<usize>],
    outcomes: &mut [Option<Outcome>],
    on_event: &(dyn Fn(Event<'_>) + Sync),
) {
    let mut stack = vec![failed];
    while let Some(i) = stack.pop() {
        for &d in &dependents[i] {
            if outcomes[d].is_none() {
                let outcome = Outcome::Skipped { because: failed };
                on_event(Event::Finished {
                    index: d,
                    action: &actions[d],
                    outcome: &outcome,
                    elapsed: std::time::Duration::ZERO,
                });
                outcomes[d] = Some(outcome);
                stack.push(d);
            }
        }
    }
}
