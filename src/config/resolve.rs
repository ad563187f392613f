//! Precedence: which environment of the file applies, and for each setting
//! whether it comes from a variable, that environment, or the default.
//!
//! Environment: `--env` > `PXM_ENV` > `default_environment` > the file's
//! only environment > none. Each setting: variable > environment > default.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use super::base_url;
use super::error::{ConfigError, EnvironmentOrigin};
use super::file::{ConfigFile, Environment};
use super::settings::{
    CONCURRENCY, DEFAULT_CONCURRENCY, DEFAULT_MAX_DELETES, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT,
    PAGE_SIZE, Settings,
};
use super::vars::{
    PXM_BASE_URL, PXM_CLIENT_ID, PXM_CLIENT_SECRET, PXM_CONCURRENCY, PXM_ENV, PXM_PAGE_SIZE,
    PXM_TOKEN, PXM_TOKEN_CACHE, Vars,
};
use super::{DEFAULT_BASE_URL, DEFAULT_HASH_ATTRIBUTE};
use crate::remote::limiter::RateLimit;
use crate::remote::secret::Secret;
use crate::remote::{Connection, Credentials, TokenCacheSetting};

impl Settings {
    /// Reads `<catalog_dir>/pxmctl.yaml` if present and resolves it with
    /// the variables `vars` returns (`|name| std::env::var(name).ok()` in
    /// the CLI). `env` is the `--env` argument.
    ///
    /// # Errors
    ///
    /// Any [`ConfigError`]: the file cannot be read or is invalid, the
    /// environment is unknown, a variable is invalid, or no credentials.
    pub fn resolve(
        catalog_dir: &Path,
        env: Option<&str>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = ConfigFile::load(catalog_dir)?;
        Self::from_file(file.as_ref(), env, vars)
    }

    /// Resolves an already parsed file (or none) without any I/O.
    ///
    /// # Errors
    ///
    /// As [`Settings::resolve`], except for reading the file.
    pub fn from_file(
        file: Option<&ConfigFile>,
        env: Option<&str>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let vars = Vars::new(vars);
        let name = select_environment(file, env, &vars)?;
        let fallback = Environment::default();
        let environment = name
            .as_ref()
            .and_then(|n| file.and_then(|f| f.environments.get(n)))
            .unwrap_or(&fallback);

        let base_url = match vars.get(PXM_BASE_URL) {
            Some(raw) => base_url::normalize(&raw).map_err(|err| ConfigError::InvalidVariable {
                name: PXM_BASE_URL.to_owned(),
                value_description: if err.may_echo() {
                    describe(&raw)
                } else {
                    err.masked_description().to_owned()
                },
                reason: format!("{}; {}", err.reason(), err.hint()),
            })?,
            None => environment
                .base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        };
        if let (None, Some(f)) = (&name, file)
            && f.environments.len() > 1
            && vars.get(PXM_BASE_URL).is_none()
        {
            return Err(ConfigError::NoEnvironment {
                available: f.environment_names(),
                config_file: f.path.clone(),
            });
        }
        let unselected = match (&name, file) {
            (None, Some(f)) if f.environments.len() > 1 => f.environment_names(),
            _ => Vec::new(),
        };
        let (credentials, credentials_from) =
            credentials(&vars, name.as_deref(), environment, unselected)?;
        let concurrency = match number_variable(&vars, PXM_CONCURRENCY, CONCURRENCY, 8)? {
            Some(n) => usize::try_from(n).unwrap_or(DEFAULT_CONCURRENCY),
            None => environment.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        };
        let page_size = match number_variable(&vars, PXM_PAGE_SIZE, PAGE_SIZE, 100)? {
            Some(n) => u32::try_from(n).unwrap_or(DEFAULT_PAGE_SIZE),
            None => environment.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        };
        Ok(Settings {
            environment: name,
            environments: file.map(ConfigFile::environment_names).unwrap_or_default(),
            config_file: file.map(|f| f.path.clone()),
            hash_attribute: file
                .and_then(|f| f.hash_attribute.clone())
                .unwrap_or_else(|| DEFAULT_HASH_ATTRIBUTE.to_owned()),
            max_deletes: environment
                .max_deletes
                .or_else(|| file.and_then(|f| f.max_deletes))
                .unwrap_or(DEFAULT_MAX_DELETES),
            connection: Connection {
                base_url,
                credentials,
                rate_limit: environment.rate_limit.unwrap_or(RateLimit::DEFAULT),
                concurrency,
                page_size,
                timeout: environment.timeout.unwrap_or(DEFAULT_TIMEOUT),
                token_cache: token_cache(&vars)?,
                credentials_from: Some(credentials_from),
            },
        })
    }
}

/// The environment in use: `--env`, else `PXM_ENV` (either must exist in
/// the file), else `default_environment`, else the only one, else none.
fn select_environment(
    file: Option<&ConfigFile>,
    arg: Option<&str>,
    vars: &Vars<'_>,
) -> Result<Option<String>, ConfigError> {
    let explicit = arg
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| (a.to_owned(), EnvironmentOrigin::Argument))
        .or_else(|| vars.get(PXM_ENV).map(|v| (v, EnvironmentOrigin::Variable)));
    if let Some((name, origin)) = explicit {
        if file.is_some_and(|f| f.environments.contains_key(&name)) {
            return Ok(Some(name));
        }
        return Err(ConfigError::UnknownEnvironment {
            name,
            origin,
            available: file.map(ConfigFile::environment_names).unwrap_or_default(),
            config_file: file.map(|f| f.path.clone()),
        });
    }
    let Some(file) = file else {
        return Ok(None);
    };
    if let Some(default) = &file.default_environment
        && file.environments.contains_key(default)
    {
        return Ok(Some(default.clone()));
    }
    if file.environments.len() == 1 {
        return Ok(file.environments.keys().next().cloned());
    }
    Ok(None)
}

/// A token if one is set, else a client id and secret, else an error
/// naming exactly what to set; with where they were read from.
fn credentials(
    vars: &Vars<'_>,
    environment_name: Option<&str>,
    environment: &Environment,
    unselected: Vec<String>,
) -> Result<(Credentials, String), ConfigError> {
    let token_var = environment.token_env.as_deref().unwrap_or(PXM_TOKEN);
    let secret_var = environment
        .client_secret_env
        .as_deref()
        .unwrap_or(PXM_CLIENT_SECRET);
    if let Some(token) = vars.get(token_var) {
        return Ok((
            Credentials::Token(Secret::new(token)),
            format!("`{token_var}`"),
        ));
    }
    let id_from = if vars.get(PXM_CLIENT_ID).is_some() {
        format!("`{PXM_CLIENT_ID}`")
    } else {
        format!("`client_id:` in `{}`", super::FILE_NAME)
    };
    let id = vars
        .get(PXM_CLIENT_ID)
        .or_else(|| environment.client_id.clone());
    let secret = vars.get(secret_var);
    match (id, secret) {
        (Some(id), Some(secret)) => Ok((
            Credentials::Client {
                id,
                secret: Secret::new(secret),
            },
            format!("{id_from} and `{secret_var}`"),
        )),
        (id, secret) => Err(ConfigError::MissingCredentials {
            environment: environment_name.map(str::to_owned),
            token_var: token_var.to_owned(),
            secret_var: secret_var.to_owned(),
            has_client_id: id.is_some(),
            has_secret: secret.is_some(),
            unselected,
        }),
    }
}

/// A whole-number variable within `range`, if set.
fn number_variable(
    vars: &Vars<'_>,
    name: &str,
    range: RangeInclusive<u64>,
    example: u64,
) -> Result<Option<u64>, ConfigError> {
    let Some(raw) = vars.get(name) else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError::InvalidVariable {
            name: name.to_owned(),
            value_description: describe(&raw),
            reason: format!(
                "is not a whole number from {} to {}; set it to e.g. `{example}`, or unset it",
                range.start(),
                range.end()
            ),
        }),
    }
}

/// `PXM_TOKEN_CACHE`: `off`, a directory, or unset for the default.
fn token_cache(vars: &Vars<'_>) -> Result<TokenCacheSetting, ConfigError> {
    let Some(raw) = vars.get(PXM_TOKEN_CACHE) else {
        return Ok(TokenCacheSetting::Default);
    };
    let lower = raw.to_ascii_lowercase();
    if lower == "off" {
        return Ok(TokenCacheSetting::Off);
    }
    // Words meant as a switch would otherwise become a directory named
    // `false` next to wherever pxmctl ran.
    if matches!(
        lower.as_str(),
        "0" | "1" | "no" | "yes" | "false" | "true" | "on" | "none" | "disable" | "disabled"
    ) {
        return Err(ConfigError::InvalidVariable {
            name: PXM_TOKEN_CACHE.to_owned(),
            value_description: describe(&raw),
            reason: "would be taken as a directory name; write `off` to disable the token cache, a directory path to move it, or unset it for the default".to_owned(),
        });
    }
    Ok(TokenCacheSetting::Dir(PathBuf::from(raw)))
}

/// A variable's value quoted for a message, or described when long.
fn describe(raw: &str) -> String {
    const LONGEST: usize = 64;
    if raw.chars().count() > LONGEST || raw.contains('`') {
        format!("a value of {} characters", raw.chars().count())
    } else {
        format!("`{raw}`")
    }
}
