//! `pxmctl apply`: plan (or read a saved plan and check it still holds),
//! ask, then run the plan's actions and report each one.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::connect::ConnectArgs;
use super::exit::{Exit, Outcome, Reported};
use super::output::Output;
use super::plan::{AssetArgs, prepare, prepare_options, report, unplannable};
use crate::apply::{ApplyOptions, Event};
use crate::plan::{Action, Op, Plan};
use crate::render::apply as render_apply;
use crate::render::plan as render_plan;
use crate::session::saved::{self, Refusal};
use crate::session::{HeldLock, LockWait, Prepared};

/// Make the account match the catalog: plan, confirm, then create,
/// update, upload, link and delete in dependency order.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl apply                          # plan, show, ask, apply\n  pxmctl apply --auto-approve --json    # in CI: no question, one JSON event per action\n  pxmctl plan --out plan.json && pxmctl apply plan.json   # exactly the reviewed plan"
)]
pub(super) struct ApplyArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The catalog directory, or a plan saved with `pxmctl plan --out`
    /// (applied without asking: it was reviewed when it was made).
    #[arg(default_value = "catalog", value_name = "DIR|PLANFILE")]
    pub path: PathBuf,
    /// The catalog directory a saved plan was made from.
    #[arg(long, value_name = "DIR", default_value = "catalog")]
    pub catalog: PathBuf,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// One JSON object per finished action on stdout, then a summary.
    #[arg(long)]
    pub json: bool,
    /// Print only errors and the final summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Apply only this entry and what it depends on: the address the plan
    /// prints (`collection.KEY`), `collections.KEY` or a bare `KEY`;
    /// repeatable. An address that names nothing is an error.
    #[arg(long, value_name = "KEY")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub assets: AssetArgs,
    /// Allow a plan that deletes or retires up to N objects when that is
    /// more than `max_deletes` (pxmctl.yaml, default 25): a second yes for
    /// a mass deletion, naming how many.
    #[arg(long, value_name = "N")]
    pub allow_deletes: Option<usize>,
    /// Wait up to SECONDS for another pxmctl writing to the account to
    /// finish (default: fail at once, naming the holder).
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub lock_timeout: u64,
    /// The lease of this run's account lock, renewed while it runs: a
    /// killed run blocks others for at most this long.
    #[arg(long, default_value_t = crate::remote::lock::DEFAULT_LEASE.as_secs(), value_name = "SECONDS", hide = true)]
    pub lock_lease: u64,
}

pub(super) fn run(args: &ApplyArgs, out: Output) -> Outcome {
    let saved_plan = args.path.is_file();
    let dir = if saved_plan {
        &args.catalog
    } else {
        &args.path
    };
    let wait = LockWait {
        timeout: Duration::from_secs(args.lock_timeout),
        lease: Duration::from_secs(args.lock_lease.max(3)),
    };
    let options = prepare_options(args.connect.env.clone(), &args.assets);
    let mut prepared = prepare(dir, &options, &out.quieted(args.quiet))?;
    let outcome = run_prepared(args, (saved_plan, wait), &mut prepared, out);
    if prepared.lock.as_ref().is_some_and(HeldLock::lost) {
        out.warning("the account lock was removed (`pxmctl unlock`) while this run held it; another writer may have started");
    }
    if let Some(Err(e)) = prepared.lock.take().map(HeldLock::release) {
        out.warning(&format!(
            "could not remove the account lock ({e}); it expires with its lease, or run `pxmctl unlock`"
        ));
    }
    outcome
}

/// Plan (or check the saved plan), ask, take the account lock, plan
/// again from the account as it is under the lock, and execute.
fn run_prepared(
    args: &ApplyArgs,
    (saved_plan, wait): (bool, LockWait),
    prepared: &mut Prepared,
    out: Output,
) -> Outcome {
    let planned = |prepared: &Prepared| {
        if saved_plan {
            checked_saved_plan(&args.path, prepared, &out)
        } else {
            prepared
                .plan(&args.target, args.assets.force_upload)
                .map_err(|d| unplannable(&d, &prepared.sources, &out))
        }
    };
    let plan = planned(prepared)?;
    if plan.is_empty() {
        no_changes(args, out);
        return Ok(Exit::Success);
    }
    deletions_allowed(&plan, args, prepared, &out)?;
    if !args.quiet && !args.json {
        out.stdout(&render_plan::text::text(&plan, out.text_style()));
    }
    if !saved_plan && !args.auto_approve {
        confirm(&plan, prepared.connected.client.base_url(), &out)?;
    }
    // One writer at a time: what runs is planned from the account as it
    // is once no other pxmctl can change it (a saved plan is checked
    // against it again).
    prepared.lock_and_reread(wait).map_err(|e| {
        out.error(&crate::render::printable(&e.to_string()));
        Reported
    })?;
    let locked = planned(prepared)?;
    if locked.actions != plan.actions {
        if locked.is_empty() {
            out.stderr(
                "the account changed while the lock was awaited, and now matches the catalog\n",
            );
            no_changes(args, out);
            return Ok(Exit::Success);
        }
        if !args.auto_approve {
            out.error("the account changed since the plan was shown (another writer finished first); nothing was applied: run `pxmctl apply` again and review the new plan");
            return Err(Reported);
        }
        if !args.quiet && !args.json {
            out.stderr("the account changed while the lock was awaited; applying the plan made under the lock:\n");
            out.stdout(&render_plan::text::text(&locked, out.text_style()));
        }
    }
    deletions_allowed(&locked, args, prepared, &out)?;
    execute(args, prepared, &locked, out)
}

/// A plan that deletes more than `max_deletes` needs `--allow-deletes`
/// naming at least as many: a prune gone wrong (a catalog file left out,
/// the wrong environment) is refused before anything is written.
fn deletions_allowed(
    plan: &Plan,
    args: &ApplyArgs,
    prepared: &Prepared,
    out: &Output,
) -> Result<(), Reported> {
    let settings = &prepared.connected.settings;
    // Counted from the actions: a saved plan's own summary is only text.
    let (n, max) = (plan.counted().removals(), settings.max_deletes);
    if n <= max || args.allow_deletes.is_some_and(|allowed| allowed >= n) {
        return Ok(());
    }
    let whose = settings
        .environment
        .as_deref()
        .map(|env| format!(" for environment `{env}`"))
        .unwrap_or_default();
    let given = match args.allow_deletes {
        Some(allowed) => format!(" (`--allow-deletes {allowed}` allows fewer)"),
        None => String::new(),
    };
    out.error(&format!(
        "the plan deletes or retires {n} objects, more than `max_deletes` ({max}){whose} allows{given}; nothing was applied: review the deletions the plan lists, then run again with `--allow-deletes {n}` (or raise `max_deletes` in pxmctl.yaml)"
    ));
    Err(Reported)
}

/// What an apply with nothing to do says.
fn no_changes(args: &ApplyArgs, out: Output) {
    if args.json {
        out.stdout(&render_apply::no_changes_event());
    } else {
        out.stderr(&format!("{}\n", render_plan::NO_CHANGES));
    }
}

/// The saved plan at `path`, if it still holds (`session::saved`); else
/// why not, and exit 1.
fn checked_saved_plan(path: &Path, prepared: &Prepared, out: &Output) -> Result<Plan, Reported> {
    const SHOWN: usize = 20;
    let refusal = match saved::check(path, prepared) {
        Ok(plan) => return Ok(plan),
        Err(refusal) => refusal,
    };
    let again = "run `pxmctl plan --out` again, review it, and apply the new plan";
    match refusal {
        Refusal::Unreadable(e) => out.error(&e.to_string()),
        Refusal::Unplannable(diagnostics) => {
            return Err(unplannable(&diagnostics, &prepared.sources, out));
        }
        Refusal::Tampered(tampered) => {
            let mut message = format!(
                "the saved plan `{}` is not the plan of this catalog and account, so it was changed after it was made; nothing was applied:\n",
                path.display()
            );
            for t in &tampered {
                message.push_str(&format!("  - {t}\n"));
            }
            message.push_str(again);
            out.error(&message);
        }
        Refusal::Stale(stale) => {
            let mut message = format!(
                "the saved plan `{}` no longer describes what apply would meet:\n",
                path.display()
            );
            for (s, entry) in stale.iter().take(SHOWN) {
                let of = entry
                    .as_ref()
                    .map(|key| format!(" (entry `{}`)", crate::render::printable(key)))
                    .unwrap_or_default();
                message.push_str(&format!(
                    "  - {}{of}\n",
                    crate::render::printable(&s.to_string())
                ));
            }
            if stale.len() > SHOWN {
                message.push_str(&format!("  … and {} more\n", stale.len() - SHOWN));
            }
            message.push_str(again);
            out.error(&message);
        }
    }
    Err(Reported)
}

/// Asks on the terminal; refuses without one.
fn confirm(plan: &Plan, base_url: &str, out: &Output) -> Result<(), Reported> {
    if !std::io::stdin().is_terminal() {
        out.error(
            "refusing to apply without confirmation: stdin is not a terminal; \
             review the plan and pass `--auto-approve` (or apply a saved plan: `pxmctl apply plan.json`)",
        );
        return Err(Reported);
    }
    let deletes = if plan.deletes() {
        format!(" including {} deletion(s)", plan.counted().removals())
    } else {
        String::new()
    };
    out.stderr(&format!(
        "\nApply these {} actions{deletes} to {base_url}?\n  Only `yes` will be accepted: ",
        plan.actions.len()
    ));
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        out.stderr("Apply cancelled; nothing was changed.\n");
        Err(Reported)
    }
}

fn execute(args: &ApplyArgs, prepared: &Prepared, plan: &Plan, out: Output) -> Outcome {
    let client = &prepared.connected.client;
    let stop = Arc::new(AtomicBool::new(false));
    let options = ApplyOptions {
        concurrency: prepared.connected.settings.connection.concurrency.max(1),
        stop: stop.clone(),
    };
    let bars = Bars::new(plan, args.quiet || args.json);
    let view = View {
        out,
        json: args.json,
        quiet: args.quiet,
        bars,
        running: Mutex::new(Vec::new()),
    };
    let on_event = |e: Event<'_>| view.event(e);
    let requests_before = client.stats();
    let result = prepared.rt.block_on(async {
        let interrupts = tokio::spawn(watch_interrupts(stop.clone(), view.bars.multi.clone(), out));
        let result = crate::apply::apply(
            plan,
            &prepared.catalog,
            &prepared.live,
            client,
            &options,
            &on_event,
        )
        .await;
        interrupts.abort();
        result
    });
    view.bars.clear();
    let report = match result {
        Ok(report) => report,
        Err(diagnostics) => {
            report(&diagnostics, &prepared.sources, &out);
            out.error("the catalog no longer matches the account unambiguously; plan again");
            return Err(Reported);
        }
    };
    // The apply's own requests, not the read's before it.
    let stats = client.stats().since(&requests_before);
    if args.json {
        out.stdout(&render_apply::summary_event(&report, &stats));
    } else {
        for failure in render_apply::failures(&report, plan) {
            out.error(&failure);
        }
        out.stderr(&render_apply::summary(&report, &stats, out.text_style()));
    }
    if report.interrupted {
        Ok(Exit::Interrupted)
    } else if report.succeeded() {
        Ok(Exit::Success)
    } else {
        Err(Reported)
    }
}

/// The first Ctrl-C stops new actions; a second one ends the process.
async fn watch_interrupts(stop: Arc<AtomicBool>, bars: MultiProgress, out: Output) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop.store(true, Ordering::Relaxed);
    bars.suspend(|| {
        out.warning(
            "interrupted: starting nothing new, waiting for running actions to finish (Ctrl-C again to quit now; apply converges when run again)",
        );
    });
    if tokio::signal::ctrl_c().await.is_ok() {
        // Exiting skips the bars' own cleanup: clear them, so no stale
        // frame stays above the prompt.
        let _ = bars.clear();
        std::process::exit(i32::from(Exit::Interrupted.code()));
    }
}

/// The bars on a terminal: actions done, and for uploads all bytes plus
/// one bar per file being sent. Hidden off a terminal and with `--json`
/// or `-q`, where they would only be noise.
struct Bars {
    multi: MultiProgress,
    actions: ProgressBar,
    /// All upload bytes, with rate and ETA; `None` when nothing uploads.
    bytes: Option<ProgressBar>,
    /// The bar of each running upload, by action index.
    files: Mutex<HashMap<usize, ProgressBar>>,
}

impl Bars {
    fn new(plan: &Plan, hidden: bool) -> Self {
        let target = if hidden || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let multi = MultiProgress::with_draw_target(target);
        let actions = multi.add(ProgressBar::new(plan.actions.len() as u64));
        styled(&actions, "{bar:30} {pos}/{len} actions  {elapsed}  {msg}");
        actions.enable_steady_tick(Duration::from_millis(200));
        let bytes = (plan.summary.upload_bytes > 0).then(|| {
            let bar = multi.add(ProgressBar::new(plan.summary.upload_bytes));
            styled(
                &bar,
                "{bar:30} {bytes}/{total_bytes} uploaded  {binary_bytes_per_sec}  ETA {eta}",
            );
            bar
        });
        Self {
            multi,
            actions,
            bytes,
            files: Mutex::new(HashMap::new()),
        }
    }

    fn files(&self) -> std::sync::MutexGuard<'_, HashMap<usize, ProgressBar>> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn upload_started(&self, index: usize, action: &Action) {
        let bar = self.multi.add(ProgressBar::new(action.bytes.unwrap_or(0)));
        styled(&bar, "  {bar:28} {bytes}/{total_bytes}  {msg}");
        bar.set_message(action.title.clone());
        self.files().insert(index, bar);
    }

    fn sent(&self, index: usize, bytes: u64) {
        if let Some(bar) = self.files().get(&index) {
            bar.inc(bytes);
        }
        if let Some(all) = &self.bytes {
            all.inc(bytes);
        }
    }

    fn finished(&self, index: usize) {
        if let Some(bar) = self.files().remove(&index) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }

    fn clear(&self) {
        for (_, bar) in self.files().drain() {
            bar.finish_and_clear();
        }
        if let Some(all) = &self.bytes {
            all.finish_and_clear();
        }
        self.actions.finish_and_clear();
    }
}

fn styled(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
}

/// Shows events as they come: a progress bar and a line per action on a
/// terminal, a line per action otherwise, JSON with `--json`.
struct View {
    out: Output,
    json: bool,
    quiet: bool,
    bars: Bars,
    /// Addresses of running actions, for the bar's message.
    running: Mutex<Vec<String>>,
}

impl View {
    fn event(&self, e: Event<'_>) {
        match e {
            Event::Sent { index, bytes, .. } => self.bars.sent(index, bytes),
            Event::Started { index, action } => {
                if action.op == Op::Upload {
                    self.bars.upload_started(index, action);
                }
                let mut running = self
                    .running
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                running.push(render_plan::address(action));
                self.bars
                    .actions
                    .set_message(running.last().cloned().unwrap_or_default());
            }
            Event::Finished {
                index,
                action,
                outcome,
                elapsed,
            } => {
                let address = render_plan::address(action);
                self.bars.finished(index);
                {
                    let mut running = self
                        .running
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    running.retain(|a| a != &address);
                    self.bars
                        .actions
                        .set_message(running.last().cloned().unwrap_or_default());
                }
                self.bars.actions.inc(1);
                if self.json {
                    self.out
                        .stdout(&render_apply::action_event(index, action, outcome, elapsed));
                } else if !self.quiet {
                    let line =
                        render_apply::action_line(action, outcome, elapsed, self.out.text_style());
                    self.bars.multi.suspend(|| self.out.stderr(&line));
                }
            }
        }
    }
}
