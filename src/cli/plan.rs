//! `pxmctl plan`: load and check the catalog, read the live account, and
//! show what apply would change, for people, machines or a pull request.

use std::path::{Path, PathBuf};

use super::connect::{process_vars, report_connect};
use super::exit::{Exit, Outcome, Reported, worst};
use super::output::Output;
use crate::diag::{Diagnostics, Sources};
use crate::plan::Plan;
use crate::plan::identity::Matches;
use crate::plan::saved::{self, SavedPlan};
use crate::render::diagnostics as render_diagnostics;
use crate::render::plan as render_plan;
use crate::session::{self, Notice, PrepareError, PrepareOptions, Prepared};

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(super) enum Format {
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
pub(super) struct PlanArgs {
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
pub(super) struct AssetArgs {
    /// Upload every asset, even those whose recorded SHA-256 matches (and
    /// record the hash on files uploaded outside pxmctl).
    #[arg(long)]
    pub force_upload: bool,
    /// Read every asset again (its type and SHA-256) instead of trusting
    /// `.pxmctl/hashes.json`.
    #[arg(long)]
    pub no_hash_cache: bool,
}

/// The session's options for these flags.
pub(super) fn prepare_options(env: Option<String>, assets: &AssetArgs) -> PrepareOptions {
    PrepareOptions {
        env,
        force_upload: assets.force_upload,
        no_hash_cache: assets.no_hash_cache,
    }
}

/// [`session::prepare`], showing its notices as they come and reporting
/// why it stopped.
pub(super) fn prepare(
    dir: &Path,
    options: &PrepareOptions,
    out: &Output,
) -> Result<Prepared, Reported> {
    session::prepare(dir, options, &process_vars, &|n| notice(&n, out))
        .map_err(|e| report_prepare(&e, out))
}

/// What the session says on the way: notes on stderr (left out with
/// `-q`), warnings always.
fn notice(notice: &Notice<'_>, out: &Output) {
    match notice {
        Notice::Warnings(diagnostics, sources) => report(diagnostics, sources, out),
        Notice::Hashed {
            assets,
            cached,
            bytes_read,
            elapsed,
        } => out.note(&format!(
            "hashed {assets} assets ({cached} from the cache, {} read) in {} ms\n",
            crate::render::plan::human_bytes(*bytes_read),
            elapsed.as_millis()
        )),
        Notice::UnknownPinEnvironment { name, nearest } => {
            let hint = nearest
                .as_ref()
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            out.warning(&format!(
                "the catalog pins ids for environment `{}`, which pxmctl.yaml does not define, so those pins are never used{hint}",
                crate::render::printable(name)
            ));
        }
        Notice::Read {
            objects,
            base_url,
            requests,
            files_read,
            files_cached,
            pacing,
        } => {
            let per_file = match (files_read, files_cached) {
                (0, 0) => String::new(),
                (read, cached) => format!(
                    "; the file list carries no attribute values, so {read} file(s) were read one by one ({cached} from the cache)"
                ),
            };
            out.note(&format!(
                "read {objects} live objects from {base_url} ({requests} requests{per_file})\n"
            ));
            if let Some(slowdown) = crate::render::pacing::slowdown(pacing) {
                out.note(&format!("the read {slowdown}\n"));
            }
        }
        Notice::ValuesUnread(files) => out.warning(&format!(
            "the attribute values of {files} file(s) could not be read; the plan's notes name them"
        )),
    }
}

/// Why the session stopped, in the words of the step that stopped it.
pub(super) fn report_prepare(error: &PrepareError, out: &Output) -> Reported {
    match error {
        PrepareError::Runtime(e) => out.error(&format!("cannot start the async runtime: {e}")),
        PrepareError::Checking(e) => out.error(&format!("checking the catalog stopped: {e}")),
        PrepareError::NoCatalog(dir) => out.error(&super::catalog_dir::missing(dir)),
        PrepareError::InvalidCatalog {
            dir,
            diagnostics,
            sources,
        } => {
            report(diagnostics, sources, out);
            out.error(&format!(
                "catalog `{}` is invalid; run `pxmctl validate {}` for details",
                dir.display(),
                dir.display()
            ));
        }
        PrepareError::Hashing(e) => out.error(&format!(
            "{e}; run `pxmctl validate` to check the catalog's assets"
        )),
        PrepareError::Connect(e) => report_connect(e, out),
        PrepareError::HashAttribute {
            diagnostics,
            sources,
        } => report(diagnostics, sources, out),
        PrepareError::Remote(e) => out.error(&e.to_string()),
    }
    Reported
}

/// A catalog that checks but cannot be planned against this account.
pub(super) fn unplannable(diagnostics: &Diagnostics, sources: &Sources, out: &Output) -> Reported {
    report(diagnostics, sources, out);
    out.error("the catalog cannot be planned against this account; fix the problems above");
    Reported
}

pub(super) fn run(args: &PlanArgs, out: Output) -> Outcome {
    if args.env.len() <= 1 {
        return plan_one(args, args.env.first().cloned(), out);
    }
    if args.out.is_some() {
        out.error("a saved plan is for one environment: run `pxmctl plan --env NAME --out FILE` once per environment");
        return Err(Reported);
    }
    // Every environment is planned, even after one fails, so a pull
    // request shows all it can; the exit code is the worst of them.
    let mut outcome = Ok(Exit::Success);
    for (i, env) in args.env.iter().enumerate() {
        if args.format == Format::Text {
            let gap = if i == 0 { "" } else { "\n" };
            out.stdout(&format!("{gap}=== Environment `{env}` ===\n\n"));
        }
        let this = plan_one(args, Some(env.clone()), out);
        if this.is_err() && args.format == Format::Markdown {
            out.stdout(&render_plan::markdown::failed(&markdown_options(Some(env))));
        }
        outcome = worst(outcome, this);
    }
    outcome
}

/// Plans against one environment and prints it.
fn plan_one(args: &PlanArgs, env: Option<String>, out: Output) -> Outcome {
    let prepared = prepare(&args.dir, &prepare_options(env, &args.assets), &out)?;
    let started = std::time::Instant::now();
    let (plan, matches) = prepared
        .planned(&args.target, args.assets.force_upload)
        .map_err(|d| unplannable(&d, &prepared.sources, &out))?;
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
) -> Result<(), Reported> {
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
        Reported
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

fn exit_status(plan: &Plan, detailed: bool) -> Exit {
    match (detailed, plan.is_empty(), plan.deletes()) {
        (false, ..) | (true, true, _) => Exit::Success,
        (true, false, false) => Exit::Changes,
        (true, false, true) => Exit::Deletions,
    }
}
