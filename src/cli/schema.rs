//! `pxmctl schema`: print the catalog JSON Schema that editors use.

use std::process::ExitCode;

use super::output::Output;
use crate::catalog::schema;

/// Print the JSON Schema of catalog files (the committed
/// `schemas/catalog.schema.json`).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl schema > catalog/catalog.schema.json   # refresh the editors' schema after upgrading pxmctl"
)]
pub struct SchemaArgs {}

pub fn run(_args: &SchemaArgs, out: Output) -> ExitCode {
    out.stdout(&schema::schema_text());
    ExitCode::SUCCESS
}
