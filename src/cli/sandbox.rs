//! `pxmctl sandbox`: serve the local PXM API until stopped.

use std::process::ExitCode;

/// Arguments of `pxmctl sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {}

pub fn run(_args: &SandboxArgs) -> ExitCode {
    ExitCode::from(1)
}
