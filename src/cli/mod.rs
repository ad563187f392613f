//! Command-line interface: parses arguments into commands and runs them.
//! The only module that prints or picks an exit code.

mod apply;
mod catalog_dir;
mod compare;
mod completions;
mod connect;
mod demo;
mod exit;
mod export;
mod init;
mod logging;
mod output;
mod plan;
mod sandbox;
mod schema;
mod status;
mod unlock;
mod validate;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub use exit::{Exit, Outcome, Reported, exit_code};

use output::{ColorChoice, Output};

/// `0.1.0 (8e9499c 2026-11-23)`: the package version and the commit it
/// was built from, `-dirty` when its sources differed (see build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PXMCTL_BUILD"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "pxmctl",
    version = VERSION,
    about = "Catalog-as-code for the PXM product-information API",
    long_about = "Keep your PXM catalog (categories, products, attributes, regions, \
                  resources and assets) as YAML in Git: validate it, plan changes \
                  against a live account, and apply them.",
    after_help = "Examples:\n  pxmctl init                    # start a catalog repository: catalog/, CI files\n  pxmctl validate catalog\n  pxmctl plan catalog --env production\n  pxmctl apply catalog --env production"
)]
struct Cli {
    /// When to use colour.
    #[arg(long, value_enum, global = true, default_value_t)]
    color: ColorChoice,
    /// Run as if started in DIR (as `git -C` and `make -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    directory: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    Demo(demo::DemoArgs),
    Init(init::InitArgs),
    Validate(validate::ValidateArgs),
    Schema(schema::SchemaArgs),
    Status(status::StatusArgs),
    Plan(plan::PlanArgs),
    Apply(apply::ApplyArgs),
    Unlock(unlock::UnlockArgs),
    Export(export::ExportArgs),
    Compare(compare::CompareArgs),
    /// Serve a local PXM API and presigned object store until stopped.
    Sandbox(sandbox::SandboxArgs),
    Completions(completions::CompletionsArgs),
}

/// Runs the command line; the binary turns the outcome into its exit
/// code ([`exit_code`]).
pub fn run() -> Outcome {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let out = Output::new(cli.color);
    logging::init(match &cli.command {
        Command::Plan(a) => a.log.verbose,
        Command::Apply(a) => a.log.verbose,
        Command::Status(a) => a.log.verbose,
        Command::Unlock(a) => a.log.verbose,
        Command::Export(a) => a.log.verbose,
        Command::Compare(a) => a.log.verbose,
        Command::Sandbox(a) => a.log.verbose,
        Command::Demo(a) => a.log.verbose,
        Command::Init(_) | Command::Validate(_) | Command::Schema(_) | Command::Completions(_) => 0,
    });
    if let Some(dir) = &cli.directory
        && let Err(e) = std::env::set_current_dir(dir)
    {
        out.error(&format!("-C {}: {e}", dir.display()));
        return Err(Reported);
    }
    // Only a directory nobody named is looked for: one named on the
    // command line is used as given, even when it does not exist.
    let named = |id: &str| {
        matches
            .subcommand()
            .and_then(|(_, m)| m.value_source(id))
            .is_some_and(|source| source != clap::parser::ValueSource::DefaultValue)
    };
    let locate = |dir: &mut std::path::PathBuf, id: &str| {
        if named(id) {
            return;
        }
        let found = catalog_dir::locate(dir);
        if found != *dir {
            out.stderr(&format!(
                "note: using the catalog `{}` (found from the current directory upward)\n",
                found.display()
            ));
        }
        *dir = found;
    };
    let mut command = cli.command;
    match &mut command {
        Command::Validate(a) => locate(&mut a.dir, "dir"),
        Command::Status(a) => locate(&mut a.dir, "dir"),
        Command::Plan(a) => locate(&mut a.dir, "dir"),
        Command::Apply(a) => {
            locate(&mut a.path, "path");
            locate(&mut a.catalog, "catalog");
        }
        Command::Compare(a) => locate(&mut a.catalog, "catalog"),
        Command::Unlock(a) => locate(&mut a.catalog, "catalog"),
        _ => {}
    }
    match command {
        Command::Demo(args) => demo::run(&args, out),
        Command::Init(args) => init::run(&args, out),
        Command::Validate(args) => validate::run(&args, out),
        Command::Schema(args) => schema::run(&args, out),
        Command::Status(args) => status::run(&args, out),
        Command::Plan(args) => plan::run(&args, out),
        Command::Apply(args) => apply::run(&args, out),
        Command::Compare(args) => compare::run(&args, out),
        Command::Unlock(args) => unlock::run(&args, out),
        Command::Export(args) => export::run(&args, out),
        Command::Sandbox(args) => sandbox::run(&args),
        Command::Completions(args) => completions::run(&args, Cli::command(), out),
    }
}
