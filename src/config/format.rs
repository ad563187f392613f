//! `pxmctl.yaml` as written: the types serde decodes it into, and the
//! source of its JSON Schema (`schemas/pxmctl.schema.json`), which editors
//! check the file against and `ConfigFile::parse` validates it with before
//! decoding, so the two cannot disagree. Checks no schema can say (a
//! `base_url`'s scheme and host, that `default_environment` is defined)
//! come after decoding.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::Deserialize;

use super::settings::{
    CONCURRENCY, MAX_DELETES, PAGE_SIZE, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS,
    TIMEOUT_SECONDS,
};
use crate::catalog::format::{KEY, KEY_PATTERN};
use crate::catalog::json_schema::{Schema, TextPattern};

/// Where the committed schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schemas/pxmctl.schema.json";

/// The schema's name beside `pxmctl.yaml`, as `init` writes it and the
/// file's pragma line points at it.
pub const SCHEMA_FILE: &str = "pxmctl.schema.json";

/// The file's schema and its validator.
pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::generate::<SettingsFile>("https://pxmctl.dev/schemas/pxmctl.schema.json", &PATTERNS)
});

/// Every pattern the settings schema may use.
pub const PATTERNS: [&TextPattern; 3] = [&KEY, &NOT_BLANK, &VARIABLE_NAME];

/// Text with something in it besides spaces.
pub const NOT_BLANK: TextPattern = TextPattern {
    regex: r"\S",
    matches: |text| !text.trim().is_empty(),
};

/// The name of an environment variable: upper-case letters, digits and
/// `_`, not starting with a digit. Upper case only, so a secret pasted
/// where its variable's name belongs is refused rather than looked up
/// (and later echoed as a "name").
pub const VARIABLE_NAME: TextPattern = TextPattern {
    regex: "^[A-Z_][A-Z0-9_]{0,127}$",
    matches: super::vars::is_valid_name,
};

/// The settings file: where pxmctl plans and applies this catalog, and
/// how it signs in. Secrets never go here; each environment names the
/// variable that holds its secret.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pxmctl settings (pxmctl.yaml)")]
pub struct SettingsFile {
    /// The environment used when neither `--env` nor `PXM_ENV` chooses
    /// one; must be defined under `environments`.
    #[schemars(extend("type" = "string", "pattern" = NOT_BLANK.regex), example = &"sandbox")]
    pub default_environment: Option<String>,
    /// The Text attribute that holds each asset's SHA-256.
    #[schemars(extend("type" = "string", "pattern" = NOT_BLANK.regex), example = &"pxmctl_sha256")]
    pub hash_attribute: Option<String>,
    /// Deletions and retirements one apply may make without
    /// `--allow-deletes N`; an environment's own `max_deletes` wins.
    #[schemars(
        extend("type" = "integer"),
        range(min = *MAX_DELETES.start(), max = *MAX_DELETES.end()),
        example = 25
    )]
    pub max_deletes: Option<u64>,
    /// Named environments: the accounts this catalog is planned against.
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": KEY_PATTERN}))]
    pub environments: BTreeMap<String, Option<EnvironmentFile>>,
}

/// One PXM account and how to reach it. An environment with no fields
/// (`production:` alone) takes every default.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentFile {
    /// The API's address: an `https://` URL, or `http://` to a loopback
    /// host only; no user name, password, query or fragment.
    #[schemars(extend("type" = "string"), example = &"https://entapi.amplifi.io")]
    pub base_url: Option<String>,
    /// The API client id (not a secret).
    #[schemars(extend("type" = "string", "pattern" = NOT_BLANK.regex), example = &"my-client")]
    pub client_id: Option<String>,
    /// The name of the variable holding the client secret.
    #[schemars(
        extend("type" = "string", "pattern" = VARIABLE_NAME.regex),
        example = &"PXM_CLIENT_SECRET"
    )]
    pub client_secret_env: Option<String>,
    /// The name of the variable holding a ready bearer token.
    #[schemars(extend("type" = "string", "pattern" = VARIABLE_NAME.regex), example = &"PXM_TOKEN")]
    pub token_env: Option<String>,
    /// The client's own limit, below the account's (the guide recommends
    /// 95% of it).
    #[schemars(extend("type" = "object"))]
    pub rate_limit: Option<RateLimitFile>,
    /// Requests in flight at once.
    #[schemars(
        extend("type" = "integer"),
        range(min = *CONCURRENCY.start(), max = *CONCURRENCY.end()),
        example = 8
    )]
    pub concurrency: Option<u64>,
    /// Items per page of a list request.
    #[schemars(
        extend("type" = "integer"),
        range(min = *PAGE_SIZE.start(), max = *PAGE_SIZE.end()),
        example = 100
    )]
    pub page_size: Option<u64>,
    /// Seconds one request may take.
    #[schemars(
        extend("type" = "integer"),
        range(min = *TIMEOUT_SECONDS.start(), max = *TIMEOUT_SECONDS.end()),
        example = 30
    )]
    pub timeout_seconds: Option<u64>,
    /// This environment's `max_deletes`, over the file's.
    #[schemars(
        extend("type" = "integer"),
        range(min = *MAX_DELETES.start(), max = *MAX_DELETES.end()),
        example = 25
    )]
    pub max_deletes: Option<u64>,
}

/// `{ requests: N, window_seconds: W }`: at most N requests in any W
/// seconds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = serde_json::json!({"requests": 950, "window_seconds": 60}))]
pub struct RateLimitFile {
    /// Requests per window.
    #[schemars(
        range(min = *RATE_LIMIT_REQUESTS.start(), max = *RATE_LIMIT_REQUESTS.end()),
        example = 950
    )]
    pub requests: u64,
    /// The window's length in seconds.
    #[schemars(
        range(min = *RATE_LIMIT_WINDOW_SECONDS.start(), max = *RATE_LIMIT_WINDOW_SECONDS.end()),
        example = 60
    )]
    pub window_seconds: u64,
}
