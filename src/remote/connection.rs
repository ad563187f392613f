//! What the client needs to reach one account: where, as whom, and how
//! fast. `config` resolves it from `pxmctl.yaml` and the environment;
//! tests and the demo build it directly.

use std::path::PathBuf;
use std::time::Duration;

use super::limiter::RateLimit;
use super::secret::Secret;

/// How requests are authorised. Both forms redact their secret in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A ready bearer token.
    Token(Secret),
    /// A client id and secret, exchanged for a token.
    Client { id: String, secret: Secret },
}

/// Where bearer tokens are cached between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCacheSetting {
    /// The user's cache directory; `remote` decides which.
    Default,
    /// No cache: authorise on every run.
    Off,
    /// This directory.
    Dir(PathBuf),
}

/// Everything needed to talk to one PXM account.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `http(s)://host[:port][/path]`, without a trailing `/`.
    pub base_url: String,
    pub credentials: Credentials,
    pub rate_limit: RateLimit,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub page_size: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    pub token_cache: TokenCacheSetting,
    /// Where the credentials were read from, for a message about them
    /// (`` `PXM_CLIENT_ID` and `PXM_SANDBOX_CLIENT_SECRET` ``); `None` when
    /// they were given directly.
    pub credentials_from: Option<String>,
}

impl Connection {
    /// Which account this is, without naming a secret: a digest of the
    /// API's URL and the client id (of the token, for a ready token).
    /// One URL serves many accounts, so the URL alone does not say.
    #[must_use]
    pub fn account(&self) -> String {
        use sha2::{Digest, Sha256};
        let who = match &self.credentials {
            Credentials::Client { id, .. } => format!("client {id}"),
            Credentials::Token(token) => {
                format!("token {}", hex::encode(Sha256::digest(token.expose())))
            }
        };
        let digest = Sha256::digest(format!("{}\n{who}", self.base_url.trim_end_matches('/')));
        hex::encode(&digest[..12])
    }
}
