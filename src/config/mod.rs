//! How pxmctl reaches a PXM account: the optional `pxmctl.yaml` in the
//! catalog directory (named environments with their base URL, client id,
//! the *names* of the variables holding secrets, and client tuning) and
//! the process environment, resolved into [`Settings`].
//!
//! Precedence, highest first: process environment variables, the selected
//! environment of `pxmctl.yaml`, defaults. Secrets come only from
//! environment variables; a secret written in the file is refused and
//! never echoed. Variables are read through an injected lookup, so nothing
//! here touches the real process environment, the network, or prints.

mod base_url;
mod error;
mod file;
pub mod format;
mod read;
mod redact;
mod resolve;
mod settings;
pub mod vars;

pub use error::{ConfigError, EnvironmentOrigin};
pub use file::{ConfigFile, Environment};
pub use settings::Settings;

/// The settings file inside the catalog directory.
pub const FILE_NAME: &str = crate::catalog::load::SETTINGS_FILES[0];

/// The spelling of [`FILE_NAME`] that is also recognised, since the
/// catalog accepts `*.yml` too.
pub const ALT_FILE_NAME: &str = crate::catalog::load::SETTINGS_FILES[1];

/// The PXM API used when neither the file nor `PXM_BASE_URL` names one.
pub const DEFAULT_BASE_URL: &str = "https://entapi.amplifi.io";

/// The Text attribute that holds an asset's SHA-256.
pub const DEFAULT_HASH_ATTRIBUTE: &str = "pxmctl_sha256";
