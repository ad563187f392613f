//! Connecting a command to an account: the settings (`pxmctl.yaml` beside
//! the catalog, then the environment), the client, and the runtime that
//! drives it. Problems are printed here and become exit code 1.

use std::path::Path;
use std::process::ExitCode;

use super::output::Output;
use crate::config::{ConfigError, Settings};
use crate::remote::Client;
use crate::render::diagnostics as render;

/// Flags every command that talks to an account shares.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// Environment from `pxmctl.yaml` (default: `PXM_ENV`, then the file's
    /// `default_environment`).
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Option<String>,
}

/// Settings and a client ready to use.
pub struct Connected {
    pub settings: Settings,
    pub client: Client,
}

/// Why a command could not connect, kept until it is its turn to be
/// reported (a catalog's own problems come first).
pub enum ConnectError {
    Config(ConfigError),
    Client(String),
}

impl ConnectError {
    pub fn report(&self, out: &Output) {
        match self {
            Self::Config(e) => report_config(e, out),
            Self::Client(e) => out.error(e),
        }
    }
}

/// Resolves settings for the catalog in `dir` and builds the client.
pub fn try_connect(dir: &Path, args: &ConnectArgs) -> Result<Connected, ConnectError> {
    let vars = |name: &str| std::env::var(name).ok();
    let settings =
        Settings::resolve(dir, args.env.as_deref(), &vars).map_err(ConnectError::Config)?;
    let client =
        Client::new(&settings.connection).map_err(|e| ConnectError::Client(e.to_string()))?;
    Ok(Connected { settings, client })
}

/// [`try_connect`], reporting what goes wrong.
pub fn connect(dir: &Path, args: &ConnectArgs, out: &Output) -> Result<Connected, ExitCode> {
    try_connect(dir, args).map_err(|e| {
        e.report(out);
        ExitCode::FAILURE
    })
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
pub fn runtime(out: &Output) -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            out.error(&format!("cannot start the async runtime: {e}"));
            ExitCode::FAILURE
        })
}
