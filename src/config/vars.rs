//! The process environment variables pxmctl reads, by name, and the
//! injected lookup they come through (tests pass a map; the CLI passes
//! `std::env::var`). An empty or blank variable counts as unset.

/// Chooses the environment of `pxmctl.yaml` when `--env` is not given.
pub const PXM_ENV: &str = "PXM_ENV";
/// Overrides the environment's `base_url`.
pub const PXM_BASE_URL: &str = "PXM_BASE_URL";
/// Overrides the environment's `client_id`.
pub const PXM_CLIENT_ID: &str = "PXM_CLIENT_ID";
/// Where the client secret is read when `client_secret_env` is not set.
pub const PXM_CLIENT_SECRET: &str = "PXM_CLIENT_SECRET";
/// Where a ready bearer token is read when `token_env` is not set.
pub const PXM_TOKEN: &str = "PXM_TOKEN";
/// Overrides the environment's `concurrency`.
pub const PXM_CONCURRENCY: &str = "PXM_CONCURRENCY";
/// Overrides the environment's `page_size`.
pub const PXM_PAGE_SIZE: &str = "PXM_PAGE_SIZE";
/// `off`, or the directory of the bearer-token cache.
pub const PXM_TOKEN_CACHE: &str = "PXM_TOKEN_CACHE";

/// A variable lookup that treats empty and blank values as unset and
/// trims surrounding whitespace (a trailing newline from `$(cat file)`
/// would otherwise end up in an HTTP header).
pub(crate) struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Vars<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    pub(crate) fn get(&self, name: &str) -> Option<String> {
        let value = (self.lookup)(name)?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == value.len() {
            Some(value)
        } else {
            Some(trimmed.to_owned())
        }
    }
}

/// Whether `name` can name an environment variable in `pxmctl.yaml`:
/// upper-case letters, digits and `_`, not starting with a digit. Upper
/// case only, so a secret pasted where its variable's name belongs is
/// refused rather than looked up (and later echoed as a "name").
#[must_use]
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name.len() <= 128
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
