//! The one HTTP client of a run. Every API request goes through
//! [`Client::send`]: a concurrency slot, the shared rate limiter, the
//! bearer token (fetched once, again once on a 401), and the retry rules:
//!
//! - 429: every worker pauses until `Retry-After`, then the request goes
//!   again; this spends nothing from the retry budget.
//! - 500/502/503/504, timeouts, dropped connections: retried with capped
//!   full-jitter backoff while the request's attempts and the run's budget
//!   last; but a request that is not idempotent (a create) and may have
//!   reached the server is never repeated: it fails as
//!   [`RemoteError::Unclear`] so the caller can look the object up.
//! - any other 4xx: not retried; the error names method, path and the
//!   API's message.
//!
//! The HTTP clients, the retry loop and the run's retry budget are the
//! [`Transport`]'s; presigned object-store transfers (uploads, downloads)
//! are not API calls and use the same transport without coming through
//! here, so they spend the same budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::auth::{AUTHORIZE_PATH, TokenSlot, parse_authorize};
use super::error::{RemoteError, RequestName, api_message};
use super::limiter::{Limiter, Pacing};
use super::retry::RetryPolicy;
use super::secret::Secret;
use super::token_cache::TokenCache;
use super::transport::{Failure, StatusClass, Stop, Transport, retry_after, status_class};
use super::{Connection, TokenCacheSetting};

/// How long a 429 without `Retry-After` pauses.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthMode {
    Bearer,
    /// Client id and secret: only the authorize request.
    Basic,
}

/// One API request. Bodies are bytes, so a retry re-sends the same body.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    body: Option<Bytes>,
    idempotent: bool,
    auth: AuthMode,
}

impl Request {
    fn new(method: Method, path: impl Into<String>, body: Option<&serde_json::Value>) -> Self {
        let idempotent = method != Method::POST;
        Self {
            method,
            path: path.into(),
            body: body.map(|b| Bytes::from(b.to_string())),
            idempotent,
            auth: AuthMode::Bearer,
        }
    }

    #[must_use]
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, None)
    }

    #[must_use]
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path, None)
    }

    /// A PUT: it replaces what it names, so repeating it is harmless.
    #[must_use]
    pub fn put(path: impl Into<String>, body: &serde_json::Value) -> Self {
        Self::new(Method::PUT, path, Some(body))
    }

    /// A POST: not repeated after it may have reached the server, unless
    /// marked [`idempotent`](Self::idempotent).
    #[must_use]
    pub fn post(path: impl Into<String>, body: &serde_json::Value) -> Self {
        Self::new(Method::POST, path, Some(body))
    }

    /// Declares that repeating this request cannot do anything twice
    /// (an authorize, a request-upload).
    #[must_use]
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    #[must_use]
    pub fn name(&self) -> RequestName {
        RequestName {
            method: self.method.clone(),
            path: self.path.clone(),
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
}

/// What the client did during a run, for reports and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ClientStats {
    /// API requests sent, every attempt counted.
    pub requests: u64,
    /// Object-store requests sent (uploads, downloads), every attempt
    /// counted; not API requests, so not under the rate limit.
    pub store_requests: u64,
    /// Retries after transient failures, of API and object-store
    /// requests alike: they spend one budget.
    pub retries: u64,
    /// 429 answers met.
    pub rate_limited: u64,
    /// Tokens fetched with the client credentials.
    pub authorizations: u64,
    /// How the run paced itself on a limit others spend too.
    pub pacing: Pacing,
}

impl ClientStats {
    /// What the client did since `before` was taken (a phase of the run);
    /// the pacing stays the run's.
    #[must_use]
    pub fn since(&self, before: &Self) -> Self {
        Self {
            requests: self.requests.saturating_sub(before.requests),
            store_requests: self.store_requests.saturating_sub(before.store_requests),
            retries: self.retries.saturating_sub(before.retries),
            rate_limited: self.rate_limited.saturating_sub(before.rate_limited),
            authorizations: self.authorizations.saturating_sub(before.authorizations),
            pacing: self.pacing,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    rate_limited: AtomicU64,
    authorizations: AtomicU64,
}

/// The client; cheap to clone, all clones share limiter, budget and token.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    base_url: String,
    tokens: TokenSlot,
    limiter: Limiter,
    slots: Semaphore,
    concurrency: usize,
    page_size: u32,
    counters: Counters,
    credentials_from: Option<String>,
}

/// Why one attempt failed.
type Attempt = Failure<RemoteError>;

impl Client {
    /// A client for one account, with the default retry policy.
    pub fn new(connection: &Connection) -> Result<Self, RemoteError> {
        Self::with_policy(connection, RetryPolicy::DEFAULT)
    }

    pub fn with_policy(connection: &Connection, policy: RetryPolicy) -> Result<Self, RemoteError> {
        let transport = Transport::new(connection.timeout, connection.concurrency, policy)
            .map_err(RemoteError::Setup)?;
        let cache = match &connection.token_cache {
            TokenCacheSetting::Default => TokenCache::default_dir().map(TokenCache::new),
            TokenCacheSetting::Off => None,
            TokenCacheSetting::Dir(dir) => Some(TokenCache::new(dir.clone())),
        };
        let base_url = connection.base_url.trim_end_matches('/').to_owned();
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                tokens: TokenSlot::new(connection.credentials.clone(), cache, base_url.clone()),
                base_url,
                limiter: Limiter::new(connection.rate_limit),
                slots: Semaphore::new(connection.concurrency.max(1)),
                concurrency: connection.concurrency.max(1),
                credentials_from: connection.credentials_from.clone(),
                page_size: connection.page_size.max(1),
                counters: Counters::default(),
            }),
        })
    }

    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Requests in flight at once.
    #[must_use]
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// The HTTP stack under this client, for object-store traffic that
    /// must spend the same retry budget.
    #[must_use]
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    #[must_use]
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    #[must_use]
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            store_requests: self.inner.transport.store_attempts(),
            retries: self.inner.transport.retries_spent(),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            authorizations: c.authorizations.load(Ordering::Relaxed),
            pacing: self.inner.limiter.pacing(),
        }
    }

    /// Sends a request under the client's rules (module docs).
    pub async fn send(&self, request: Request) -> Result<Response, RemoteError> {
        self.inner.send(&request).await
    }
}

impl Inner {
    async fn send(&self, request: &Request) -> Result<Response, RemoteError> {
        let name = request.name();
        let outcome = self
            .transport
            .run(request.idempotent, &name, || self.attempt(request))
            .await;
        match outcome {
            Ok(response) => Ok(response),
            Err(Stop::Fatal(error)) => Err(error),
            Err(Stop::GaveUp(g)) if g.sent && !request.idempotent => Err(RemoteError::Unclear {
                request: name,
                cause: g.cause,
            }),
            // Never connected: nothing answers at the base URL.
            Err(Stop::GaveUp(g)) if !g.sent => Err(RemoteError::Unreachable(Box::new(
                super::error::Unreachable {
                    base_url: self.base_url.clone(),
                    request: name,
                    attempts: g.attempts,
                    cause: g.cause,
                },
            ))),
            Err(Stop::GaveUp(g)) => Err(RemoteError::GaveUp {
                request: name,
                attempts: g.attempts,
                cause: g.cause,
                budget_exhausted: g.budget_exhausted,
            }),
        }
    }

    async fn attempt(&self, request: &Request) -> Result<Response, Attempt> {
        let mut rate_limited = 0;
        let mut held_back = Duration::ZERO;
        let mut refreshed = false;
        loop {
            let bearer = match request.auth {
                AuthMode::Bearer => Some(self.bearer().await?),
                AuthMode::Basic => None,
            };
            let answer = self
                .exchange(request, bearer.as_ref().map(|b| &b.0))
                .await?;
            let Answer {
                status,
                body,
                retry_after,
                sent_at,
            } = answer;
            match (status_class(status), status) {
                (StatusClass::Success, _) => return Ok(Response { status, body }),
                (StatusClass::RateLimited, _) => {
                    rate_limited += 1;
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                    held_back += wait;
                    if held_back > self.transport.policy().max_rate_limited_wait {
                        return Err(Attempt::Fatal(RemoteError::GaveUp {
                            request: request.name(),
                            attempts: rate_limited,
                            cause: format!(
                                "rate limited {rate_limited} times, {} s in all",
                                held_back.as_secs()
                            ),
                            budget_exhausted: false,
                        }));
                    }
                    tracing::debug!(
                        "{} rate limited; every request pauses {} ms",
                        request.name(),
                        wait.as_millis()
                    );
                    self.limiter.rate_limited(sent_at, Instant::now() + wait);
                }
                (_, 401) if !refreshed && bearer.is_some() && self.tokens.can_refresh() => {
                    refreshed = true;
                    if let Some((_, generation)) = bearer {
                        self.invalidate(generation).await;
                    }
                }
                (_, 401) => {
                    let from = self.credentials_from.as_deref();
                    let hint = match (request.auth, self.tokens.can_refresh()) {
                        (AuthMode::Basic, _) => format!(
                            "check the client id and secret{}",
                            from.map(|f| format!(" ({f})")).unwrap_or_default()
                        ),
                        (AuthMode::Bearer, false) => format!(
                            "the token{} was rejected: fetch a new one, or unset it to use the client credentials",
                            from.map(|f| format!(" in {f}")).unwrap_or_default()
                        ),
                        (AuthMode::Bearer, true) => "a freshly fetched token was rejected too: check that the client may use this account".to_owned(),
                    }
                    .into_boxed_str();
                    return Err(Attempt::Fatal(RemoteError::Unauthorized {
                        request: request.name(),
                        message: api_message(&body),
                        hint,
                    }));
                }
                (StatusClass::Transient, _) => {
                    return Err(Attempt::Transient {
                        cause: format!("{status}: {}", api_message(&body)),
                        sent: true,
                        wait: retry_after,
                    });
                }
                (StatusClass::Final, _) => {
                    return Err(Attempt::Fatal(RemoteError::Refused {
                        request: request.name(),
                        status,
                        message: api_message(&body),
                    }));
                }
            }
        }
    }

    /// One HTTP exchange: a slot, a limiter token, the request, the body.
    async fn exchange(
        &self,
        request: &Request,
        bearer: Option<&Secret>,
    ) -> Result<Answer, Attempt> {
        let _slot =
            self.slots.acquire().await.map_err(|_| {
                Attempt::Fatal(RemoteError::Setup("the client was shut down".into()))
            })?;
        let sent_at = self.limiter.acquire().await;
        let url = format!("{}{}", self.base_url, request.path);
        let mut builder = self
            .transport
            .api()
            .request(request.method.clone(), url)
            .header(ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        match (request.auth, bearer) {
            (AuthMode::Bearer, Some(token)) => builder = builder.bearer_auth(token.expose()),
            (AuthMode::Basic, _) => {
                if let Some((id, secret)) = self.tokens.basic() {
                    builder = builder.basic_auth(id, Some(secret.expose()));
                }
            }
            (AuthMode::Bearer, None) => {}
        }
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let failed = |e: &reqwest::Error| {
            Attempt::of_error(e, |cause| {
                RemoteError::Setup(format!("`{}` cannot be sent: {cause}", request.name()))
            })
        };
        let response = builder.send().await.map_err(|e| failed(&e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(|e| failed(&e))?;
        tracing::debug!(
            "{} → {status} ({} bytes, {} ms)",
            request.name(),
            body.len(),
            started.elapsed().as_millis()
        );
        Ok(Answer {
            status,
            body,
            retry_after,
            sent_at,
        })
    }

    /// The current token and its generation, fetching one if needed.
    /// Holding the lock while fetching makes concurrent callers wait for
    /// one authorize instead of sending many.
    async fn bearer(&self) -> Result<(Secret, u64), Attempt> {
        let mut state = self.tokens.state.lock().await;
        if let Some(token) = &state.token {
            return Ok((token.clone(), state.generation));
        }
        let token = match self.tokens.cached() {
            Some(token) => token,
            None => {
                let (token, lifetime) = self.authorize().await.map_err(Attempt::Fatal)?;
                self.tokens.remember(&token, lifetime);
                token
            }
        };
        state.token = Some(token.clone());
        Ok((token, state.generation))
    }

    /// Drops the token of `generation` unless another worker already did.
    async fn invalidate(&self, generation: u64) {
        let mut state = self.tokens.state.lock().await;
        if state.generation == generation {
            self.tokens.forget(&mut state);
        }
    }

    async fn authorize(&self) -> Result<(Secret, u64), RemoteError> {
        let request = Request {
            auth: AuthMode::Basic,
            ..Request::post(
                AUTHORIZE_PATH,
                &serde_json::json!({ "grant_type": "client_credentials" }),
            )
            .idempotent(true)
        };
        self.counters.authorizations.fetch_add(1, Ordering::Relaxed);
        // Boxed: an authorize goes through the same send path that asks
        // for tokens, and async recursion needs a known size.
        let response = Box::pin(self.send(&request)).await?;
        parse_authorize(&response.body).ok_or_else(|| RemoteError::Unexpected {
            request: request.name(),
            detail: "the answer has no `access_token`".into(),
        })
    }
}

struct Answer {
    status: u16,
    body: Bytes,
    retry_after: Option<Duration>,
    /// When the limiter let the request go.
    sent_at: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_posts_are_not_idempotent_by_default() {
        let body = serde_json::json!({});
        assert!(Request::get("/x").idempotent);
        assert!(Request::put("/x", &body).idempotent);
        assert!(Request::delete("/x").idempotent);
        assert!(!Request::post("/x", &body).idempotent);
        assert!(Request::post("/x", &body).idempotent(true).idempotent);
    }
}
