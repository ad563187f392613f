//! Command-line interface: the only place that prints or picks an exit code.

mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "pxmctl", version, about = "Catalog-as-code for the PXM API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a local PXM API and presigned object store until stopped.
    Sandbox(sandbox::SandboxArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sandbox(args) => sandbox::run(&args),
    }
}
