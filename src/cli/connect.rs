//! Connecting a command to an account (`session::connect`, with the
//! process environment) and the runtime that drives it. Problems are
//! printed here.

use std::path::Path;

use super::exit::Reported;
use super::output::Output;
use crate::config::ConfigError;
use crate::render::diagnostics as render;
use crate::session::{self, ConnectError, Connected};

/// Flags every command that talks to an account shares.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct ConnectArgs {
    /// Environment from `pxmctl.yaml` (default: `PXM_ENV`, then the file's
    /// `default_environment`).
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Option<String>,
}

/// Resolves settings for the catalog in `dir` and builds the client,
/// reading the process environment.
pub(super) fn try_connect(dir: &Path, args: &ConnectArgs) -> Result<Connected, ConnectError> {
    session::connect(dir, args.env.as_deref(), &process_vars)
}

/// The process environment, the one place `cli` hands it to the library.
pub(super) fn process_vars(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// [`try_connect`], reporting what goes wrong.
pub(super) fn connect(dir: &Path, args: &ConnectArgs, out: &Output) -> Result<Connected, Reported> {
    try_connect(dir, args).map_err(|e| {
        report_connect(&e, out);
        Reported
    })
}

/// Why a command could not connect.
pub(super) fn report_connect(error: &ConnectError, out: &Output) {
    match error {
        ConnectError::Config(e) => report_config(e, out),
        ConnectError::Client(e) => out.error(e),
    }
}

/// File problems are shown like catalog problems (snippets, hints);
/// the rest as one error line.
fn report_config(error: &ConfigError, out: &Output) {
    match error {
        ConfigError::Invalid {
            diagnostics,
            sources,
        } => {
            let style = out.text_style();
            out.stderr(&render::text(diagnostics, sources, style));
            out.error(&error.to_string());
        }
        _ => out.error(&error.to_string()),
    }
}

/// The runtime network commands run on.
pub(super) fn runtime(out: &Output) -> Result<tokio::runtime::Runtime, Reported> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            out.error(&format!("cannot start the async runtime: {e}"));
            Reported
        })
}
