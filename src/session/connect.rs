//! Connecting to an account: the settings (`pxmctl.yaml` beside the
//! catalog, then the environment) and the client built from them.

use std::path::Path;

use crate::config::{ConfigError, Settings};
use crate::remote::Client;

/// Settings and a client ready to use.
pub struct Connected {
    pub settings: Settings,
    pub client: Client,
}

/// Why a command could not connect, kept until it is its turn to be
/// reported (a catalog's own problems come first).
#[derive(Debug)]
pub enum ConnectError {
    Config(ConfigError),
    Client(String),
}

/// Resolves the settings of environment `env` (or the default one) for
/// the catalog in `dir`, reading variables through `vars`, and builds
/// the client.
///
/// # Errors
/// The settings are invalid or incomplete, or the client cannot be built.
pub fn connect(
    dir: &Path,
    env: Option<&str>,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Connected, ConnectError> {
    let settings = Settings::resolve(dir, env, vars).map_err(ConnectError::Config)?;
    let client =
        Client::new(&settings.connection).map_err(|e| ConnectError::Client(e.to_string()))?;
    Ok(Connected { settings, client })
}
