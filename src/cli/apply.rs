//! `pxmctl apply`: plan (or read a saved plan and check it still holds),
//! ask, then run the plan's actions and report each one.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::connect::ConnectArgs;
use super::output::{Output, Tone};
use super::plan::{AssetArgs, LockWait, Prepared, prepare, report};
use crate::apply::{ApplyOptions, Event, Outcome, Report};
use crate::plan::saved::{self, SavedPlan};
use crate::plan::{Action, Op, Plan};
use crate::render::plan as render_plan;

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells do).
const INTERRUPTED: u8 = 130;

/// Make the account match the catalog: plan, confirm, then create,
/// update, upload, link and delete in dependency order.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl apply                          # plan, show, ask, apply\n  pxmctl apply --auto-approve --json    # in CI: no question, one JSON event per action\n  pxmctl plan --out plan.json && pxmctl apply plan.json   # exactly the reviewed plan"
)]
pub struct ApplyArgs {
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

pub fn run(args: &ApplyArgs, out: Output) -> ExitCode {
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
    let mut prepared = match prepare(dir, &args.connect, &args.assets, &out.quieted(args.quiet)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = match run_prepared(args, (saved_plan, dir, wait), &mut prepared, out) {
        Ok(code) | Err(code) => code,
    };
    if prepared
        .lock
        .as_ref()
        .is_some_and(super::plan::HeldLock::lost)
    {
        out.warning("the account lock was removed (`pxmctl unlock`) while this run held it; another writer may have started");
    }
    if let Some(Err(e)) = prepared.lock.take().map(super::plan::HeldLock::release) {
        out.warning(&format!(
            "could not remove the account lock ({e}); it expires with its lease, or run `pxmctl unlock`"
        ));
    }
    code
}

/// Plan (or check the saved plan), ask, take the account lock, plan
/// again from the account as it is under the lock, and execute.
fn run_prepared(
    args: &ApplyArgs,
    (saved_plan, dir, wait): (bool, &Path, LockWait),
    prepared: &mut Prepared,
    out: Output,
) -> Result<ExitCode, ExitCode> {
    let planned = |prepared: &Prepared| {
        if saved_plan {
            checked_saved_plan(&args.path, prepared, &out)
        } else {
            prepared.plan(&args.target, &args.assets, &out)
        }
    };
    let plan = planned(prepared)?;
    if plan.is_empty() {
        no_changes(args, out);
        return Ok(ExitCode::SUCCESS);
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
    prepared.lock_and_reread(wait, &args.assets, dir, &out)?;
    let locked = planned(prepared)?;
    if locked.actions != plan.actions {
        if locked.is_empty() {
            out.stderr(
                "the account changed while the lock was awaited, and now matches the catalog\n",
            );
            no_changes(args, out);
            return Ok(ExitCode::SUCCESS);
        }
        if !args.auto_approve {
            out.error("the account changed since the plan was shown (another writer finished first); nothing was applied: run `pxmctl apply` again and review the new plan");
            return Err(ExitCode::FAILURE);
        }
        if !args.quiet && !args.json {
            out.stderr("the account changed while the lock was awaited; applying the plan made under the lock:\n");
            out.stdout(&render_plan::text::text(&locked, out.text_style()));
        }
    }
    deletions_allowed(&locked, args, prepared, &out)?;
    Ok(execute(args, prepared, &locked, out))
}

/// A plan that deletes more than `max_deletes` needs `--allow-deletes`
/// naming at least as many: a prune gone wrong (a catalog file left out,
/// the wrong environment) is refused before anything is written.
fn deletions_allowed(
    plan: &Plan,
    args: &ApplyArgs,
    prepared: &Prepared,
    out: &Output,
) -> Result<(), ExitCode> {
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
    Err(ExitCode::FAILURE)
}

/// What an apply with nothing to do says.
fn no_changes(args: &ApplyArgs, out: Output) {
    if args.json {
        out.stdout(&format!(
            "{}\n",
            json!({"event": "summary", "done": 0, "failed": 0, "skipped": 0, "not_started": 0})
        ));
    } else {
        out.stderr(&format!("{}\n", render_plan::NO_CHANGES));
    }
}

/// The saved plan at `path`, if the catalog and every live object it read
/// are as they were; else the reasons, and exit 1.
fn checked_saved_plan(path: &Path, prepared: &Prepared, out: &Output) -> Result<Plan, ExitCode> {
    let saved = SavedPlan::read(path).map_err(|e| {
        out.error(&e.to_string());
        ExitCode::FAILURE
    })?;
    let base_url = prepared.connected.client.base_url();
    let account = prepared.connected.settings.connection.account();
    let mut stale: Vec<saved::Stale> = saved::other_account(&saved, base_url, &account)
        .into_iter()
        .collect();
    stale.extend(saved::staleness(
        &saved,
        (&prepared.digest(), &prepared.file_digests()),
        &saved::live_fingerprints(&prepared.live),
    ));
    stale.extend(saved::asset_changes(&saved, &prepared.hashes.by_path));
    if stale.is_empty() {
        // Same catalog, same account: the plan pxmctl makes now is the one
        // that was reviewed, unless the file was edited since.
        let assets = AssetArgs {
            force_upload: saved.options.force_upload,
            no_hash_cache: false,
        };
        let now = prepared.plan(&saved.options.targets, &assets, out)?;
        let tampered = saved::tampering(&saved.plan, &now);
        if tampered.is_empty() {
            return Ok(saved.plan);
        }
        let mut message = format!(
            "the saved plan `{}` is not the plan of this catalog and account, so it was changed after it was made; nothing was applied:\n",
            path.display()
        );
        for t in &tampered {
            message.push_str(&format!("  - {t}\n"));
        }
        message.push_str("run `pxmctl plan --out` again, review it, and apply the new plan");
        out.error(&message);
        return Err(ExitCode::FAILURE);
    }
    const SHOWN: usize = 20;
    let mut message = format!(
        "the saved plan `{}` no longer describes what apply would meet:\n",
        path.display()
    );
    // Name the entry behind a live object: the one that managed it when
    // the plan was made.
    let entry = |kind, id: &str| saved.entries.get(&saved::live_key(kind, id)).cloned();
    for s in stale.iter().take(SHOWN) {
        let of = s
            .live_object()
            .and_then(|(kind, id)| entry(kind, id))
            .map(|key| format!(" (entry `{}`)", crate::render::printable(&key)))
            .unwrap_or_default();
        message.push_str(&format!(
            "  - {}{of}\n",
            crate::render::printable(&s.to_string())
        ));
    }
    if stale.len() > SHOWN {
        message.push_str(&format!("  … and {} more\n", stale.len() - SHOWN));
    }
    message.push_str("run `pxmctl plan --out` again, review it, and apply the new plan");
    out.error(&message);
    Err(ExitCode::FAILURE)
}

/// Asks on the terminal; refuses without one.
fn confirm(plan: &Plan, base_url: &str, out: &Output) -> Result<(), ExitCode> {
    if !std::io::stdin().is_terminal() {
        out.error(
            "refusing to apply without confirmation: stdin is not a terminal; \
             review the plan and pass `--auto-approve` (or apply a saved plan: `pxmctl apply plan.json`)",
        );
        return Err(ExitCode::FAILURE);
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
        Err(ExitCode::FAILURE)
    }
}

fn execute(args: &ApplyArgs, prepared: &Prepared, plan: &Plan, out: Output) -> ExitCode {
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
            return ExitCode::FAILURE;
        }
    };
    // The apply's own requests, not the read's before it.
    let stats = client.stats().since(&requests_before);
    summary(&report, plan, &out, args.json, &stats);
    if report.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
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
        std::process::exit(i32::from(INTERRUPTED));
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
                    let mut event = json!({
                        "event": "action",
                        "index": index,
                        "address": address,
                        "kind": action.kind,
                        "op": action.op,
                        "key": action.key,
                        "ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                    });
                    if let (Some(map), Ok(serde_json::Value::Object(o))) =
                        (event.as_object_mut(), serde_json::to_value(outcome))
                    {
                        map.extend(o);
                    }
                    self.out.stdout(&format!("{event}\n"));
                } else if !self.quiet {
                    let line = self.line(action, &address, outcome, elapsed);
                    self.bars.multi.suspend(|| self.out.stderr(&line));
                }
            }
        }
    }

    fn line(&self, action: &Action, address: &str, outcome: &Outcome, elapsed: Duration) -> String {
        // Keys of pruned objects, ids, details and API messages come from
        // the account.
        let address = crate::render::printable(address);
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
                    .map(|i| format!(" (id {})", crate::render::printable(i)))
                    .unwrap_or_default();
                let detail = detail
                    .as_deref()
                    .map(|d| format!(": {}", crate::render::printable(d)))
                    .unwrap_or_default();
                format!(
                    "{} {address}{id} {done}{detail} [{} ms]\n",
                    self.out
                        .paint(action.op.symbol(self.out.unicode), Tone::Good),
                    elapsed.as_millis()
                )
            }
            Outcome::Failed { reason } => format!(
                "{} {address} failed: {}\n",
                self.out.paint("✗", Tone::Bad),
                crate::render::printable(reason)
            ),
            Outcome::Skipped { because } => format!(
                "{} {address} skipped: it depends on action {} which did not succeed\n",
                self.out.paint("·", Tone::Warn),
                because + 1
            ),
            Outcome::NotStarted => String::new(),
        }
    }
}

fn summary(
    report: &Report,
    plan: &Plan,
    out: &Output,
    json: bool,
    stats: &crate::remote::ClientStats,
) {
    let t = report.tally();
    if json {
        out.stdout(&format!(
            "{}\n",
            json!({
                "event": "summary",
                "done": t.done,
                "failed": t.failed,
                "skipped": t.skipped,
                "not_started": t.not_started,
                "interrupted": report.interrupted,
                "requests": stats.requests,
                "store_requests": stats.store_requests,
                "retries": stats.retries,
                "rate_limited": stats.rate_limited,
                "slowdowns": stats.pacing.slowdowns,
                "lowest_pace": stats.pacing.lowest,
                "ms": u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
            })
        ));
        return;
    }
    let failures: Vec<(usize, &str)> = report
        .outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Outcome::Failed { reason } => Some((i, reason.as_str())),
            _ => None,
        })
        .collect();
    for (i, reason) in &failures {
        out.error(&format!(
            "{} failed: {reason}",
            render_plan::address(&plan.actions[*i])
        ));
    }
    let head = if report.succeeded() {
        out.paint("Apply complete!", Tone::Good)
    } else if report.interrupted {
        out.paint("Apply interrupted.", Tone::Warn)
    } else {
        out.paint("Apply finished with failures.", Tone::Bad)
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
    if let Some(slowdown) = crate::render::pacing::slowdown(&stats.pacing) {
        line.push_str(&format!("It {slowdown}.\n"));
    }
    if !report.succeeded() {
        line.push_str(
            "Run `pxmctl apply` again to finish: it plans from the account as it now is.\n",
        );
    }
    out.stderr(&line);
}
