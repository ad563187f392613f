//! `pxmctl export`: write the live account as a catalog directory. Reads
//! the account, converts it (`crate::export`), downloads assets when
//! asked, writes the files atomically, checks that the result validates,
//! and says what it did and what could not be exported.

use std::path::{Path, PathBuf};

use super::connect::{ConnectArgs, connect, runtime};
use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone, plural};
use crate::catalog;
use crate::diag::Severity;
use crate::export::download::{DEFAULT_CONCURRENCY, download_all};
use crate::export::write::{existing, write_files};
use crate::export::{Export, ExportOptions, export};
use crate::remote::LiveSnapshot;

/// Warnings printed in full; the rest are counted (every one is also a
/// `# pxmctl:` comment above its entry).
const WARNINGS_SHOWN: usize = 20;

/// Write the live account as a catalog that `pxmctl validate` accepts:
/// one YAML file per kind (collections grouped by top-level category),
/// every entry pinned to its live `id`, keys derived from names. Without
/// `--with-assets`, files are written by name (pxmctl then manages their
/// links and publishing, never their bytes).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl export\n  pxmctl export --env production --out catalog\n  pxmctl export --with-assets --out catalog && pxmctl validate catalog"
)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The directory to write the catalog to (where `pxmctl.yaml` is read
    /// from, too).
    #[arg(long, value_name = "DIR", default_value = "catalog")]
    pub out: PathBuf,
    /// Download every file's bytes into `DIR/assets/` and write `path:`
    /// entries.
    #[arg(long)]
    pub with_assets: bool,
    /// Write into a directory that already holds catalog YAML or assets,
    /// replacing only the files the export writes.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub(super) fn run(args: &ExportArgs, out: Output) -> Outcome {
    match export_to(args, &out) {
        Ok(()) => Ok(Exit::Success),
        Err(()) => Err(Reported),
    }
}

/// `Err(())`: the problem has been printed.
fn export_to(args: &ExportArgs, out: &Output) -> Result<(), ()> {
    let dir = &args.out;
    let shown = shown(dir);
    let before = existing(dir).map_err(|e| out.error(&e.to_string()))?;
    if !before.is_empty() && !args.force {
        let mut what = Vec::new();
        if !before.catalog_files.is_empty() {
            what.push(plural(before.catalog_files.len(), "catalog YAML file"));
        }
        if before.assets > 0 {
            what.push(plural(before.assets, "asset"));
        }
        out.error(&format!(
            "`{shown}` already holds {}; pass `--force` to replace the files the export writes, or choose another `--out`",
            what.join(" and ")
        ));
        return Err(());
    }
    let connected = connect(dir, &args.connect, out).map_err(|_| ())?;
    let rt = runtime(out).map_err(|_| ())?;
    let client = connected.client;
    let snapshot = rt
        .block_on(LiveSnapshot::fetch(&client))
        .map_err(|e| out.error(&e.to_string()))?;
    // Other environments' pins in the catalog being replaced stay on
    // their entries: an export reads one account only.
    let other_pins = if before.catalog_files.is_empty() {
        std::collections::BTreeMap::new()
    } else {
        match crate::catalog::load(dir).catalog {
            Some(catalog) => catalog.environment_pins(),
            None => {
                out.warning(&format!(
                    "`{shown}` does not load as a catalog, so pins of other environments in it cannot be kept; run `pxmctl validate {shown}` first to keep them"
                ));
                std::collections::BTreeMap::new()
            }
        }
    };
    let options = ExportOptions {
        with_assets: args.with_assets,
        hash_attribute: connected.settings.hash_attribute.clone(),
        environment: connected.settings.environment.clone(),
        other_pins,
    };
    let exported = export(&snapshot, &options).map_err(|e| out.error(&e.to_string()))?;
    drop(snapshot);

    // Assets first: the YAML names them, so it is written only once they
    // are all there.
    let mut assets_note = String::new();
    if !exported.downloads.is_empty() {
        let downloaded = rt.block_on(download_all(
            client.transport(),
            &exported.downloads,
            dir,
            DEFAULT_CONCURRENCY,
        ));
        if !downloaded.failures.is_empty() {
            for failure in &downloaded.failures {
                out.error(&failure.to_string());
            }
            out.error(&format!(
                "{} of {} failed; no catalog YAML was written (the downloaded assets are in `{shown}`: run again with `--force`)",
                plural(downloaded.failures.len(), "download"),
                exported.downloads.len(),
            ));
            return Err(());
        }
        assets_note = format!(
            "; downloaded {} ({})",
            plural(downloaded.files, "asset"),
            human_bytes(downloaded.bytes)
        );
    }

    let written = write_files(dir, &exported.files).map_err(|e| out.error(&e.to_string()))?;
    report_warnings(&exported, out);
    if !written.replaced.is_empty() {
        out.stderr(&format!(
            "note: --force replaced {} in `{shown}`\n",
            plural(written.replaced.len(), "existing file")
        ));
    }
    let leftover: Vec<&PathBuf> = before
        .catalog_files
        .iter()
        .filter(|p| !exported.files.contains_key(&*p.to_string_lossy()))
        .collect();
    if !leftover.is_empty() {
        out.warning(&format!(
            "{} from before the export stay in `{shown}` (for example `{}`); remove what the export replaces",
            plural(leftover.len(), "catalog YAML file"),
            leftover[0].display()
        ));
    }

    let counts: Vec<String> = exported
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| super::output::section_count(kind, *n))
        .collect();
    let counts = if counts.is_empty() {
        "an empty account".to_owned()
    } else {
        counts.join(", ")
    };
    out.stderr(&format!(
        "{} exported {counts} to `{shown}` ({}){assets_note}\n",
        out.paint("ok:", Tone::Good),
        plural(
            usize::try_from(client.stats().requests).unwrap_or(usize::MAX),
            "request"
        ),
    ));
    check_result(dir, &shown, out)
}

/// Loads what was written: an export that `validate` would refuse is a
/// failure, whatever the reason (stale files from before, odd live data).
fn check_result(dir: &Path, shown: &str, out: &Output) -> Result<(), ()> {
    let loaded = catalog::load(dir);
    let errors = loaded.diagnostics.count(Severity::Error);
    if errors > 0 {
        out.error(&format!(
            "the catalog in `{shown}` does not validate ({}); run `pxmctl validate {shown}` to see where",
            plural(errors, "error")
        ));
        return Err(());
    }
    out.stderr(&format!("next: pxmctl validate {shown}\n"));
    Ok(())
}

fn report_warnings(exported: &Export, out: &Output) {
    for warning in exported.warnings.iter().take(WARNINGS_SHOWN) {
        out.warning(&warning.to_string());
    }
    if exported.warnings.len() > WARNINGS_SHOWN {
        out.warning(&format!(
            "{} more; each is also a `# pxmctl:` comment above its entry",
            plural(exported.warnings.len() - WARNINGS_SHOWN, "warning")
        ));
    }
}

/// The directory as the user will type it again.
fn shown(dir: &Path) -> String {
    dir.display().to_string()
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return plural(usize::try_from(bytes).unwrap_or(usize::MAX), "byte");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
