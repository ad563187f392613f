//! The bearer token a run uses: a given `PXM_TOKEN`, or one fetched with
//! the client credentials (OAuth client-credentials grant) and kept in the
//! token cache across runs. Tracks a generation so that when many workers
//! meet the same 401 at once, the token is fetched again exactly once.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::Credentials;
use super::secret::Secret;
use super::token_cache::{CachedToken, TokenCache};

/// The authorize endpoint.
pub(super) use crate::api::paths::AUTHORIZE as AUTHORIZE_PATH;

/// Tokens whose answer gives no lifetime are trusted this long.
const DEFAULT_LIFETIME_SECS: u64 = 3600;
/// Stop using a token this long before it expires.
const EXPIRY_MARGIN_SECS: u64 = 60;

/// The token in use, and which fetch produced it.
#[derive(Debug)]
pub(crate) struct TokenSlot {
    pub credentials: Credentials,
    pub cache: Option<TokenCache>,
    pub base_url: String,
    pub state: tokio::sync::Mutex<TokenState>,
}

#[derive(Debug, Default)]
pub(crate) struct TokenState {
    pub token: Option<Secret>,
    pub generation: u64,
}

/// What the API answers to an authorize request.
#[derive(Deserialize)]
struct AuthorizeAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl TokenSlot {
    pub(super) fn new(
        credentials: Credentials,
        cache: Option<TokenCache>,
        base_url: String,
    ) -> Self {
        let token = match &credentials {
            Credentials::Token(t) => Some(t.clone()),
            Credentials::Client { .. } => None,
        };
        Self {
            credentials,
            cache,
            base_url,
            state: tokio::sync::Mutex::new(TokenState {
                token,
                generation: 0,
            }),
        }
    }

    /// Whose token a cache entry is: the client id and a digest of the
    /// secret, so a cached token never vouches for a secret it was not
    /// fetched with (a wrong secret finds no entry and is tried, and
    /// refused, by the API).
    fn cache_key(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Client { id, secret } => Some(super::token_cache::owner(id, secret)),
            Credentials::Token(_) => None,
        }
    }

    /// Whether a refused token can be replaced by fetching a new one.
    pub(super) fn can_refresh(&self) -> bool {
        matches!(self.credentials, Credentials::Client { .. })
    }

    /// A cached token for these credentials, if one is valid. A cache that
    /// cannot be used is reported and skipped: it is an optimisation.
    pub(super) fn cached(&self) -> Option<Secret> {
        let (Some(who), Some(cache)) = (self.cache_key(), &self.cache) else {
            return None;
        };
        match cache.load(&who, &self.base_url, now()) {
            Ok(found) => found.map(|t| t.token),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }

    /// Keeps a freshly fetched token for later runs.
    pub(super) fn remember(&self, token: &Secret, expires_in: u64) {
        let (Some(who), Some(cache)) = (self.cache_key(), &self.cache) else {
            return;
        };
        let cached = CachedToken {
            token: token.clone(),
            expires_at: now() + expires_in.saturating_sub(EXPIRY_MARGIN_SECS),
        };
        if let Err(e) = cache.store(&who, &self.base_url, &cached) {
            tracing::warn!("{e}");
        }
    }

    /// Drops a token the API refused, here and in the cache.
    pub(super) fn forget(&self, state: &mut TokenState) {
        state.token = None;
        state.generation += 1;
        if let (Some(who), Some(cache)) = (self.cache_key(), &self.cache)
            && let Err(e) = cache.forget(&who, &self.base_url)
        {
            tracing::warn!("{e}");
        }
    }

    /// The Basic credentials of an authorize request.
    pub(super) fn basic(&self) -> Option<(&str, &Secret)> {
        match &self.credentials {
            Credentials::Client { id, secret } => Some((id.as_str(), secret)),
            Credentials::Token(_) => None,
        }
    }
}

/// The token and its lifetime in seconds from an authorize answer.
pub(crate) fn parse_authorize(body: &[u8]) -> Option<(Secret, u64)> {
    let answer: AuthorizeAnswer = serde_json::from_slice(body).ok()?;
    if answer.access_token.is_empty() {
        return None;
    }
    let lifetime = match answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .unwrap_or(DEFAULT_LIFETIME_SECS);
    Some((Secret::new(answer.access_token), lifetime))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_answer_shapes() {
        let (t, l) = parse_authorize(br#"{"access_token":"x","expires_in":"31536000"}"#)
            .expect("string lifetime");
        assert_eq!((t.expose(), l), ("x", 31_536_000));
        let (_, l) = parse_authorize(br#"{"access_token":"x","expires_in":60}"#).expect("number");
        assert_eq!(l, 60);
        let (_, l) = parse_authorize(br#"{"access_token":"x"}"#).expect("no lifetime");
        assert_eq!(l, DEFAULT_LIFETIME_SECS);
        assert!(parse_authorize(br#"{"access_token":""}"#).is_none());
        assert!(parse_authorize(b"<html>").is_none());
    }
}
