//! `pxmctl compare FROM TO`: what differs between two environments'
//! accounts, in catalog terms. FROM is read as a catalog (an export, in
//! memory terms, written to a temporary directory and loaded as any
//! catalog is) and planned against TO with every kind in scope: what the
//! plan would create is only in FROM, what it would delete only in TO,
//! and its updates are the fields that differ. Nothing is written to
//! either account.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::connect::{ConnectArgs, connect, runtime};
use super::exit::{Exit, Outcome, Reported};
use super::output::Output;
use super::plan::report;
use crate::catalog::model::{Catalog, PruneKind};
use crate::export::{ExportOptions, export};
use crate::plan::PlanOptions;
use crate::remote::LiveSnapshot;
use crate::render::plan::compare;

/// Show what one environment's account holds that another's does not,
/// and which fields differ (read-only: before promoting staging to
/// production).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl compare staging production          # what staging holds that production does not\n  pxmctl compare production staging --catalog shop/catalog\n\nExit status: 0 when the accounts hold the same catalog, 2 when they differ, 1 on error."
)]
pub(super) struct CompareArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The environment read as the catalog (from `pxmctl.yaml`).
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The environment compared with it.
    #[arg(value_name = "TO")]
    pub to: String,
    /// The catalog directory whose `pxmctl.yaml` defines both.
    #[arg(long, default_value = "catalog", value_name = "DIR")]
    pub catalog: PathBuf,
}

pub(super) fn run(args: &CompareArgs, out: Output) -> Outcome {
    match compare_accounts(args, &out) {
        Ok(true) => Ok(Exit::Changes),
        Ok(false) => Ok(Exit::Success),
        Err(reported) => Err(reported),
    }
}

/// Whether the accounts differ; `Err` once the problem is printed.
fn compare_accounts(args: &CompareArgs, out: &Output) -> Result<bool, Reported> {
    if args.from == args.to {
        out.error(&format!(
            "`{}` compared with itself: name two environments",
            args.from
        ));
        return Err(Reported);
    }
    let env = |name: &str| ConnectArgs {
        env: Some(name.to_owned()),
    };
    let from = connect(&args.catalog, &env(&args.from), out)?;
    let to = connect(&args.catalog, &env(&args.to), out)?;
    let rt = runtime(out)?;
    let (first, second) = rt.block_on(async {
        tokio::join!(
            LiveSnapshot::fetch(&from.client),
            LiveSnapshot::fetch(&to.client)
        )
    });
    let read = |name: &str, r: Result<LiveSnapshot, crate::remote::RemoteError>| {
        r.map_err(|e| {
            out.error(&format!("reading `{name}`: {e}"));
            Reported
        })
    };
    let first = read(&args.from, first)?;
    let mut second = read(&args.to, second)?;
    // pxmctl's own hash attribute is bookkeeping, not catalog content.
    second
        .attributes
        .retain(|a| a.name != to.settings.hash_attribute);

    let exported = export(
        &first,
        &ExportOptions {
            with_assets: false,
            hash_attribute: from.settings.hash_attribute.clone(),
            environment: Some(args.from.clone()),
            other_pins: std::collections::BTreeMap::new(),
        },
    )
    .map_err(|e| {
        out.error(&e.to_string());
        Reported
    })?;
    let dir = tempfile::tempdir().map_err(|e| {
        out.error(&format!("cannot make a temporary directory: {e}"));
        Reported
    })?;
    crate::export::write::write_files(dir.path(), &exported.files).map_err(|e| {
        out.error(&e.to_string());
        Reported
    })?;
    let loaded = crate::catalog::load(dir.path());
    let Some(mut catalog) = loaded.catalog else {
        report(&loaded.diagnostics, &loaded.sources, out);
        out.error(&format!(
            "`{}` read as a catalog does not load (a defect: please report it)",
            args.from
        ));
        return Err(Reported);
    };
    let regions = compare::RegionsApart {
        only_first: drop_missing_regions(&mut catalog, &second),
        only_second: regions_missing_from(&first, &second),
    };
    catalog.prune = PruneKind::ALL.into();
    catalog.select_environment(Some(&args.to));
    let plan = crate::plan::plan(&catalog, &second, &PlanOptions::default()).map_err(|d| {
        report(&d, &loaded.sources, out);
        out.error(&format!(
            "`{}` and `{}` cannot be compared object for object (above: `{}` read as a catalog, in a temporary directory)",
            args.from, args.to, args.from
        ));
        Reported
    })?;
    out.stdout(&compare::text(&plan, (&args.from, &args.to), &regions));
    if !exported.warnings.is_empty() {
        out.warning(&format!(
            "{} thing(s) in `{}` have no catalog form and were not compared; `pxmctl export --env {}` lists them",
            exported.warnings.len(),
            args.from,
            args.from
        ));
    }
    Ok(compare::differ(&plan, &regions))
}

/// The names of the regions `second` has and `first` lacks: read-only,
/// so no plan would delete them, and they are listed instead.
fn regions_missing_from(first: &LiveSnapshot, second: &LiveSnapshot) -> Vec<String> {
    let names: BTreeSet<&str> = first.regions.iter().map(|r| r.name.as_str()).collect();
    second
        .regions
        .iter()
        .filter(|r| !names.contains(r.name.as_str()))
        .map(|r| r.name.clone())
        .collect()
}

/// Regions are read-only, so one that only the first account has cannot
/// be planned: it is listed, and the references to it are dropped so the
/// rest still compares.
fn drop_missing_regions(catalog: &mut Catalog, second: &LiveSnapshot) -> Vec<String> {
    let names: BTreeSet<&str> = second.regions.iter().map(|r| r.name.as_str()).collect();
    let missing: BTreeSet<String> = catalog
        .regions
        .values()
        .filter(|e| !names.contains(e.value.name.as_str()))
        .map(|e| e.key.clone())
        .collect();
    let mut only = Vec::new();
    for key in &missing {
        if let Some(e) = catalog.regions.remove(key) {
            only.push(e.value.name);
        }
    }
    let strip = |regions: &mut Option<crate::catalog::model::SortedSet<String>>| {
        if let Some(r) = regions {
            r.retain(|k| !missing.contains(k));
        }
    };
    for e in catalog.collections.values_mut() {
        strip(&mut e.value.regions);
    }
    for e in catalog.files.values_mut() {
        strip(&mut e.value.regions);
    }
    only
}
