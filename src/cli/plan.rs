//! `pxmctl plan`: load and check the catalog, read the live account, and
//! show what apply would change, for people, machines or a pull request.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::connect::{ConnectArgs, Connected, runtime, try_connect};
use super::output::Output;
use crate::catalog::hashes::{self, Hashes};
use crate::catalog::model::Catalog;
use crate::catalog::{self, load::Loaded};
use crate::diag::{Diagnostics, Sources};
use crate::plan::identity::Matches;
use crate::plan::saved::{self, SavedPlan};
use crate::plan::{Plan, PlanOptions};
use crate::remote::LiveSnapshot;
use crate::remote::file_values::{self, ValueCache};
use crate::remote::lock::{AccountLock, Holder};
use crate::render::diagnostics as render_diagnostics;
use crate::render::plan as render_plan;

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Blocks with field-level changes, like `terraform plan`.
    #[default]
    Text,
    /// A versioned JSON document (docs/plan-format.md).
    Json,
    /// A pull-request comment: summary on top, details folded.
    Markdown,
}

/// Show what `pxmctl apply` would change in the live account: creates,
/// updates, uploads, links and (only inside a `prune:` scope) deletions.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl plan\n  pxmctl plan --env production --format markdown > plan.md\n  pxmctl plan --env staging --env production --format markdown > plan.md   # both in one comment\n  pxmctl plan --target collections.rain-jacket\n  pxmctl plan --detailed-exitcode --out plan.json   # 0 no changes, 2 changes, 3 with deletions"
)]
pub struct PlanArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The catalog directory.
    #[arg(default_value = "catalog")]
    pub dir: PathBuf,
    /// Environment from `pxmctl.yaml` (default: `PXM_ENV`, then the file's
    /// `default_environment`); repeat it to plan against several in one
    /// run, one plan after the other.
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 0 with no changes, 2 with changes, 3 when they include a
    /// deletion (1 is always an error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only this entry and what it depends on: the address the plan
    /// prints (`collection.KEY`), `collections.KEY` or a bare `KEY`;
    /// repeatable. An address that names nothing is an error.
    #[arg(long, value_name = "KEY")]
    pub target: Vec<String>,
    /// Text in short: one line per action (symbol and address) and the
    /// counts, for long plans.
    #[arg(long, conflicts_with = "format")]
    pub summary: bool,
    /// Save the plan, with a digest of the catalog and a fingerprint of
    /// every live object read, for `pxmctl apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub assets: AssetArgs,
}

/// How assets are compared with their live files.
#[derive(Debug, Clone, clap::Args)]
pub struct AssetArgs {
    /// Upload every asset, even those whose recorded SHA-256 matches (and
    /// record the hash on files uploaded outside pxmctl).
    #[arg(long)]
    pub force_upload: bool,
    /// Read every asset again (its type and SHA-256) instead of trusting
    /// `.pxmctl/hashes.json`.
    #[arg(long)]
    pub no_hash_cache: bool,
}

/// A checked catalog, a connection to its account and that account read.
/// Fields drop in order: the lock is released while the runtime lives.
pub(super) struct Prepared {
    /// The account lock, once a command that writes has taken it
    /// ([`Prepared::lock_and_reread`]).
    pub lock: Option<HeldLock>,
    pub catalog: Catalog,
    /// The catalog's text, for diagnostics and the saved-plan digest.
    pub sources: Sources,
    pub connected: Connected,
    pub rt: tokio::runtime::Runtime,
    pub live: LiveSnapshot,
    /// SHA-256 of every asset, by path.
    pub hashes: Hashes,
}

/// The account lock, released when dropped, on every path out of a
/// command (an error, a refused plan, the end of an apply).
pub(super) struct HeldLock {
    lock: Option<AccountLock>,
    rt: tokio::runtime::Handle,
}

impl HeldLock {
    /// Releases the lock now; an error says the lock may linger until
    /// its lease runs out.
    pub fn release(mut self) -> Result<(), crate::remote::RemoteError> {
        match self.lock.take() {
            Some(lock) => self.rt.block_on(lock.release()),
            None => Ok(()),
        }
    }

    /// Whether `pxmctl unlock` removed the lock during the run.
    pub fn lost(&self) -> bool {
        self.lock.as_ref().is_some_and(AccountLock::lost)
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let _ = self.rt.block_on(lock.release());
        }
    }
}

/// How a writer takes the account lock (`remote::lock`).
#[derive(Debug, Clone, Copy)]
pub(super) struct LockWait {
    /// How long to wait for another writer.
    pub timeout: std::time::Duration,
    /// The lease this writer renews while it runs.
    pub lease: std::time::Duration,
}

impl Prepared {
    /// Takes the account lock, then reads the account again: what a
    /// writer plans from is the account as it is once no other writer can
    /// change it.
    pub fn lock_and_reread(
        &mut self,
        wait: LockWait,
        assets: &AssetArgs,
        dir: &Path,
        out: &Output,
    ) -> Result<(), ExitCode> {
        let client = &self.connected.client;
        let acquired = self.rt.block_on(AccountLock::acquire(
            client,
            Holder::this_process(),
            wait.timeout,
            wait.lease,
        ));
        let lock = acquired.map_err(|e| {
            out.error(&crate::render::printable(&e.to_string()));
            ExitCode::FAILURE
        })?;
        self.lock = Some(HeldLock {
            lock: Some(lock),
            rt: self.rt.handle().clone(),
        });
        let mut live = self.rt.block_on(LiveSnapshot::fetch(client)).map_err(|e| {
            out.error(&e.to_string());
            ExitCode::FAILURE
        })?;
        complete_file_values(
            dir,
            &self.catalog,
            &mut live,
            &self.connected,
            assets,
            &self.rt,
        );
        self.live = live;
        Ok(())
    }

    /// The digest a saved plan records of the catalog that was planned.
    pub fn digest(&self) -> String {
        saved::catalog_digest(&self.catalog.root, &self.sources)
    }

    /// Each catalog file's digest, so a stale saved plan names the file.
    pub fn file_digests(&self) -> std::collections::BTreeMap<String, String> {
        saved::catalog_files(&self.catalog.root, &self.sources)
    }

    /// Plans the catalog against the account; reports why it cannot.
    pub fn plan(
        &self,
        targets: &[String],
        assets: &AssetArgs,
        out: &Output,
    ) -> Result<Plan, ExitCode> {
        self.planned(targets, assets, out).map(|(plan, _)| plan)
    }

    /// [`Prepared::plan`], with the matches it was made from.
    fn planned(
        &self,
        targets: &[String],
        assets: &AssetArgs,
        out: &Output,
    ) -> Result<(Plan, Matches), ExitCode> {
        let options = PlanOptions {
            targets: targets.to_vec(),
            hashes: self.hashes.by_path.clone(),
            force_upload: assets.force_upload,
        };
        let (mut plan, matches) = crate::plan::plan_matched(&self.catalog, &self.live, &options)
            .map_err(|diagnostics| {
                report(&diagnostics, &self.sources, out);
                out.error(
                    "the catalog cannot be planned against this account; fix the problems above",
                );
                ExitCode::FAILURE
            })?;
        plan.summary.max_deletes = Some(self.connected.settings.max_deletes);
        Ok((plan, matches))
    }
}

/// Loads and checks the catalog in `dir`, connects to its account and
/// reads it: what plan and apply both start from.
///
/// Reading the account waits on the network while checking and hashing
/// the catalog use the CPU, so the two overlap. Problems are still
/// reported in the order they are fixed: the catalog's, the connection's,
/// then the account's. A catalog that cannot be planned stops the read.
pub(super) fn prepare(
    dir: &Path,
    args: &ConnectArgs,
    assets: &AssetArgs,
    out: &Output,
) -> Result<Prepared, ExitCode> {
    let rt = runtime(out)?;
    let connecting = try_connect(dir, args);
    let (checked, fetched) = rt.block_on(async {
        let (dir, cache) = (dir.to_owned(), !assets.no_hash_cache);
        let mut checking = tokio::task::spawn_blocking(move || Checked::run(&dir, cache));
        let Ok(connected) = &connecting else {
            return (checking.await, None);
        };
        let fetch = LiveSnapshot::fetch(&connected.client);
        tokio::pin!(fetch);
        tokio::select! {
            checked = &mut checking => {
                let plannable = checked.as_ref().is_ok_and(Checked::plannable);
                let live = if plannable { Some(fetch.await) } else { None };
                (checked, live)
            }
            live = &mut fetch => (checking.await, Some(live)),
        }
    });
    let checked = checked.map_err(|e| {
        out.error(&format!("checking the catalog stopped: {e}"));
        ExitCode::FAILURE
    })?;
    let Checked {
        loaded:
            Loaded {
                catalog,
                diagnostics,
                sources,
                ..
            },
        hashed,
        hash_time,
    } = checked;
    let Some(mut catalog) = catalog else {
        if !dir.is_dir() {
            out.error(&super::catalog_dir::missing(dir));
            return Err(ExitCode::FAILURE);
        }
        report(&diagnostics, &sources, out);
        out.error(&format!(
            "catalog `{}` is invalid; run `pxmctl validate {}` for details",
            dir.display(),
            dir.display()
        ));
        return Err(ExitCode::FAILURE);
    };
    let hashes = match hashed {
        Some(Ok(hashes)) => hashes,
        Some(Err(e)) => {
            out.error(&format!(
                "{e}; run `pxmctl validate` to check the catalog's assets"
            ));
            return Err(ExitCode::FAILURE);
        }
        None => Hashes::default(),
    };
    let copies = catalog::duplicates::same_bytes(&catalog, &hashes.by_path);
    if !copies.is_empty() {
        let mut warnings = Diagnostics::default();
        warnings.extend(copies);
        report(&warnings, &sources, out);
    }
    if !hashes.by_path.is_empty() {
        out.note(&format!(
            "hashed {} assets ({} from the cache, {} read) in {} ms\n",
            hashes.by_path.len(),
            hashes.cached,
            crate::render::plan::human_bytes(hashes.bytes_read),
            hash_time.as_millis()
        ));
    }
    let connected = connecting.map_err(|e| {
        e.report(out);
        ExitCode::FAILURE
    })?;

    catalog.select_environment(connected.settings.environment.as_deref());
    unknown_pin_environments(&catalog, &connected.settings.environments, out);
    if let Err(d) = catalog.declare_hash_attribute(&connected.settings.hash_attribute) {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(*d);
        report(&diagnostics, &sources, out);
        return Err(ExitCode::FAILURE);
    }
    let client = &connected.client;
    let mut live = match fetched {
        Some(Ok(live)) => live,
        Some(Err(e)) => {
            out.error(&e.to_string());
            return Err(ExitCode::FAILURE);
        }
        // Not reached: the account is read unless the catalog or the
        // connection failed, and both were reported above.
        None => return Err(ExitCode::FAILURE),
    };
    let listed = client.stats().requests;
    let values = complete_file_values(dir, &catalog, &mut live, &connected, assets, &rt);
    let per_file = match (values.read, values.cached) {
        (0, 0) => String::new(),
        (read, cached) => format!(
            "; the file list carries no attribute values, so {read} file(s) were read one by one ({cached} from the cache)"
        ),
    };
    out.note(&format!(
        "read {} live objects from {} ({listed} requests{per_file})\n",
        live.counts().iter().map(|(_, n)| n).sum::<usize>(),
        client.base_url(),
    ));
    if let Some(slowdown) = crate::render::pacing::slowdown(&client.stats().pacing) {
        out.note(&format!("the read {slowdown}\n"));
    }
    if values.failed > 0 {
        out.warning(&format!(
            "the attribute values of {} file(s) could not be read; the plan's notes name them",
            values.failed
        ));
    }
    Ok(Prepared {
        catalog,
        sources,
        connected,
        rt,
        live,
        hashes,
        lock: None,
    })
}

/// Reads, one file at a time, the attribute values the content gate needs
/// from files whose list items carried none (`remote::file_values`).
fn complete_file_values(
    dir: &Path,
    catalog: &Catalog,
    live: &mut LiveSnapshot,
    connected: &Connected,
    assets: &AssetArgs,
    rt: &tokio::runtime::Runtime,
) -> file_values::Completed {
    let options = PlanOptions {
        force_upload: assets.force_upload,
        ..PlanOptions::default()
    };
    let state = dir.join(hashes::STATE_DIR);
    let account = connected.settings.connection.account();
    let mut cache = ValueCache::open(Some(&state), &account);
    rt.block_on(crate::session::complete_snapshot(
        &connected.client,
        catalog,
        live,
        &options,
        &mut cache,
    ))
}

/// The catalog loaded and checked and, when valid, its assets hashed
/// (taking what the cache vouches for).
struct Checked {
    loaded: Loaded,
    hashed: Option<Result<Hashes, hashes::HashError>>,
    hash_time: std::time::Duration,
}

impl Checked {
    fn run(dir: &Path, cache: bool) -> Self {
        let loaded = catalog::load_with(dir, cache);
        let started = std::time::Instant::now();
        let hashed = loaded
            .catalog
            .as_ref()
            .map(|catalog| hashes::hash_catalog(catalog, &loaded.assets));
        Self {
            loaded,
            hashed,
            hash_time: started.elapsed(),
        }
    }

    /// Whether planning can go on, so the account is worth reading.
    fn plannable(&self) -> bool {
        matches!(self.hashed, Some(Ok(_)))
    }
}

pub fn run(args: &PlanArgs, out: Output) -> ExitCode {
    if args.env.len() <= 1 {
        let connect = ConnectArgs {
            env: args.env.first().cloned(),
        };
        return match plan_one(args, &connect, out) {
            Ok(status) => ExitCode::from(status),
            Err(code) => code,
        };
    }
    if args.out.is_some() {
        out.error("a saved plan is for one environment: run `pxmctl plan --env NAME --out FILE` once per environment");
        return ExitCode::FAILURE;
    }
    // Every environment is planned, even after one fails, so a pull
    // request shows all it can; the exit code is the worst of them.
    let mut worst = 0;
    for (i, env) in args.env.iter().enumerate() {
        if args.format == Format::Text {
            let gap = if i == 0 { "" } else { "\n" };
            out.stdout(&format!("{gap}=== Environment `{env}` ===\n\n"));
        }
        let connect = ConnectArgs {
            env: Some(env.clone()),
        };
        match plan_one(args, &connect, out) {
            // 3 (deletions) over 2 (changes) over 0; an error (1) over all.
            Ok(status) if worst != 1 => worst = worst.max(status),
            Ok(_) => {}
            Err(_) => {
                if args.format == Format::Markdown {
                    out.stdout(&render_plan::markdown::failed(&markdown_options(Some(env))));
                }
                worst = 1;
            }
        }
    }
    ExitCode::from(worst)
}

/// Plans against one environment and prints it: its exit status, or `Err`
/// when it could not be planned (already reported).
fn plan_one(args: &PlanArgs, connect: &ConnectArgs, out: Output) -> Result<u8, ExitCode> {
    let prepared = prepare(&args.dir, connect, &args.assets, &out)?;
    let started = std::time::Instant::now();
    let (plan, matches) = prepared.planned(&args.target, &args.assets, &out)?;
    let style = out.text_style();
    let environment = prepared.connected.settings.environment.as_deref();
    out.stdout(&match args.format {
        Format::Text if args.summary => render_plan::text::summary(&plan, style),
        Format::Text => render_plan::text::text(&plan, style),
        Format::Json => {
            let layout = if args.env.len() > 1 {
                render_plan::json::Layout::Line
            } else {
                render_plan::json::Layout::Pretty
            };
            render_plan::json::json_for(&plan, environment, layout)
        }
        Format::Markdown => {
            render_plan::markdown::markdown_with(&plan, &markdown_options(environment))
        }
    });
    tracing::debug!(
        "planned and rendered {} actions in {} ms after the snapshot",
        plan.actions.len(),
        started.elapsed().as_millis()
    );
    if let Some(path) = &args.out {
        save(
            path,
            (&plan, &matches, &args.target, args.assets.force_upload),
            &prepared,
            &out,
        )?;
    }
    Ok(exit_status(&plan, args.detailed_exitcode))
}

/// A pin for an environment pxmctl.yaml does not define is never used:
/// most likely a typo, so say so (with the nearest name).
fn unknown_pin_environments(catalog: &Catalog, defined: &[String], out: &Output) {
    if defined.is_empty() {
        return;
    }
    for name in &catalog.pinned_environments() {
        if defined.iter().any(|d| d == name) {
            continue;
        }
        let hint = crate::catalog::suggest::did_you_mean(name, defined.iter().map(String::as_str))
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        out.warning(&format!(
            "the catalog pins ids for environment `{}`, which pxmctl.yaml does not define, so those pins are never used{hint}",
            crate::render::printable(name)
        ));
    }
}

/// A comment's heading names the environment, so a pull request planned
/// against staging and production shows which is which.
fn markdown_options(environment: Option<&str>) -> render_plan::markdown::MarkdownOptions {
    let defaults = render_plan::markdown::MarkdownOptions::default();
    match environment {
        Some(env) => render_plan::markdown::MarkdownOptions {
            heading: format!("{} ({env})", defaults.heading),
            ..defaults
        },
        None => defaults,
    }
}

fn save(
    path: &std::path::Path,
    (plan, matches, targets, force_upload): (&Plan, &Matches, &[String], bool),
    prepared: &Prepared,
    out: &Output,
) -> Result<(), ExitCode> {
    let settings = &prepared.connected.settings;
    let saved = SavedPlan {
        assets: prepared.hashes.by_path.clone(),
        catalog_files: prepared.file_digests(),
        entries: saved::managed_entries(&prepared.catalog, &prepared.live, matches),
        account: Some(settings.connection.account()),
        options: saved::SavedOptions {
            targets: targets.to_vec(),
            force_upload,
        },
        ..SavedPlan::new(
            plan.clone(),
            settings.environment.clone(),
            settings.connection.base_url.clone(),
            prepared.digest(),
            saved::live_fingerprints(&prepared.live),
        )
    };
    saved.write(path).map_err(|e| {
        out.error(&e.to_string());
        ExitCode::FAILURE
    })?;
    out.stderr(&format!("saved the plan to `{}`\n", path.display()));
    Ok(())
}

pub(super) fn report(diagnostics: &Diagnostics, sources: &Sources, out: &Output) {
    out.stderr(&render_diagnostics::text(
        diagnostics,
        sources,
        out.text_style(),
    ));
}

fn exit_status(plan: &Plan, detailed: bool) -> u8 {
    match (detailed, plan.is_empty(), plan.deletes()) {
        (false, ..) | (true, true, _) => 0,
        (true, false, false) => 2,
        (true, false, true) => 3,
    }
}
