//! `pxmctl schema`: print a JSON Schema that editors use.

use super::exit::{Exit, Outcome};
use super::output::Output;
use crate::catalog::schema;
use crate::config::format::SCHEMA as SETTINGS_SCHEMA;

/// Print the JSON Schema of catalog files (the committed
/// `schemas/catalog.schema.json`), or of `pxmctl.yaml` with `--settings`
/// (`schemas/pxmctl.schema.json`).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl schema > catalog/catalog.schema.json              # refresh the editors' catalog schema after upgrading pxmctl\n  pxmctl schema --settings > catalog/pxmctl.schema.json   # and the one for pxmctl.yaml"
)]
pub(super) struct SchemaArgs {
    /// The schema of `pxmctl.yaml` instead of catalog files.
    #[arg(long)]
    settings: bool,
}

pub(super) fn run(args: &SchemaArgs, out: Output) -> Outcome {
    if args.settings {
        out.stdout(&SETTINGS_SCHEMA.text());
    } else {
        out.stdout(&schema::schema_text());
    }
    Ok(Exit::Success)
}
