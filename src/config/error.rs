//! What can stop settings from resolving. No variant holds a secret: file
//! problems point at the key, variables are described rather than quoted
//! when they may be credentials, and the file text kept for snippets has
//! every secret masked.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::catalog::suggest::closest;
use crate::diag::{Diagnostics, Sources};

/// Where an explicitly chosen environment name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentOrigin {
    /// The `--env` argument.
    Argument,
    /// The `PXM_ENV` variable.
    Variable,
}

impl std::fmt::Display for EnvironmentOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Argument => "`--env`",
            Self::Variable => "`PXM_ENV`",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `pxmctl.yaml` has problems; each is a diagnostic with its location.
    /// `sources` holds the file's text with secrets masked, for snippets.
    #[error("{}", invalid_message(.diagnostics))]
    Invalid {
        diagnostics: Diagnostics,
        sources: Sources,
    },
    /// `--env` or `PXM_ENV` names an environment the file does not define.
    #[error("{}", unknown_environment_message(.name, *.origin, .available, .config_file.as_ref()))]
    UnknownEnvironment {
        name: String,
        origin: EnvironmentOrigin,
        /// The environments the file defines, sorted.
        available: Vec<String>,
        /// The file read, or `None` when there is none.
        config_file: Option<PathBuf>,
    },
    /// Neither a token nor a client id and secret are set.
    #[error(
        "{}",
        missing_credentials_message(
            .environment.as_deref(),
            .token_var,
            .secret_var,
            (*.has_client_id, *.has_secret),
            .unselected
        )
    )]
    MissingCredentials {
        environment: Option<String>,
        /// The variable a bearer token would be read from.
        token_var: String,
        /// The variable the client secret would be read from.
        secret_var: String,
        /// Whether a client id was found (in `PXM_CLIENT_ID` or the file).
        has_client_id: bool,
        /// Whether the client secret variable was set.
        has_secret: bool,
        /// The environments of the file, when none was selected.
        unselected: Vec<String>,
    },
    /// A variable pxmctl reads has a value it cannot use.
    #[error("environment variable `{name}` is {value_description}, which {reason}")]
    InvalidVariable {
        name: String,
        /// The value quoted, or described when it may be a credential.
        value_description: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The file defines several environments, none was chosen, and no
    /// `PXM_BASE_URL` says where to go: guessing could mean production.
    #[error(
        "`{}` defines {} but none is selected; pass `--env NAME`, set `PXM_ENV`, or add `default_environment:` to the file",
        .config_file.display(),
        quoted_list(.available)
    )]
    NoEnvironment {
        available: Vec<String>,
        config_file: PathBuf,
    },
    /// The settings file exists but cannot be read.
    #[error("cannot read `{}`: {source}; check that it is a readable file", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn invalid_message(diagnostics: &Diagnostics) -> String {
    let Some(first) = diagnostics.iter().next() else {
        return "invalid settings file".to_owned();
    };
    let mut out = match first.primary() {
        Some(at) => format!("{at}: {}", first.message),
        None => first.message.clone(),
    };
    match diagnostics.len() {
        1 => {}
        2 => out.push_str(" (and 1 more problem)"),
        n => {
            let _ = write!(out, " (and {} more problems)", n - 1);
        }
    }
    if let Some(hint) = &first.hint {
        let _ = write!(out, "; {hint}");
    }
    out
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_environment_message(
    name: &str,
    origin: EnvironmentOrigin,
    available: &[String],
    config_file: Option<&PathBuf>,
) -> String {
    let mut out = format!("unknown environment `{name}` (chosen by {origin})");
    match config_file {
        None => {
            let _ = write!(
                out,
                ": there is no `{}` in the catalog directory; create one with an `environments:` section, or leave out {origin}",
                super::FILE_NAME
            );
        }
        Some(file) if available.is_empty() => {
            let _ = write!(
                out,
                ": `{}` defines no environments; add `{name}` under `environments:`, or leave out {origin}",
                file.display()
            );
        }
        Some(file) => {
            let _ = write!(
                out,
                ": `{}` defines {}",
                file.display(),
                quoted_list(available)
            );
            match closest(name, available.iter().map(String::as_str)) {
                Some(near) => {
                    let _ = write!(out, "; did you mean `{near}`?");
                }
                None => out.push_str("; choose one of them"),
            }
        }
    }
    out
}

fn missing_credentials_message(
    environment: Option<&str>,
    token_var: &str,
    secret_var: &str,
    (has_client_id, has_secret): (bool, bool),
    unselected: &[String],
) -> String {
    let mut out = match environment {
        Some(env) => format!("no credentials for environment `{env}`: "),
        None => "no credentials for the PXM API: ".to_owned(),
    };
    let id_var = super::vars::PXM_CLIENT_ID;
    match (has_client_id, has_secret) {
        (true, _) => {
            let _ = write!(
                out,
                "set `{token_var}` to a bearer token, or set `{secret_var}` to the client secret (the client id is set)"
            );
        }
        (false, true) => {
            let _ = write!(
                out,
                "`{secret_var}` is set but there is no client id; set `{id_var}` (or `client_id:` in the environment), or set `{token_var}` to a bearer token"
            );
        }
        (false, false) => {
            let _ = write!(
                out,
                "set `{token_var}` to a bearer token, or set both `{id_var}` and `{secret_var}`"
            );
        }
    }
    if !unselected.is_empty() {
        let _ = write!(
            out,
            "; no environment was selected, choose one of {} with `--env` or `PXM_ENV`",
            quoted_list(unselected)
        );
    }
    out
}
