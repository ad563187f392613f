//! The one HTTP stack under every request of a run: API calls (through
//! [`Client`](super::Client)) and object-store transfers to and from
//! presigned URLs (asset uploads, export downloads). It owns the TLS
//! setup and the timeouts, reads what a status or a library error means
//! for another attempt, waits out the backoff between attempts, and keeps
//! the run's one retry budget, which API and object-store requests spend
//! alike: a dead API or a dead object store ends a run after about
//! `budget_initial` retries in all, not attempts × requests. Every cause
//! it words is redacted (reqwest quotes URLs, and presigned ones carry
//! signatures).
//!
//! It speaks no protocol: tokens, 429 pauses and paths are the client's;
//! sessions, byte ranges and ETags the uploader's. A caller makes one
//! attempt at a time and hands each failure to [`Retries::after`], so an
//! attempt can rebuild what the last one consumed (a streamed body) and
//! keep state across attempts (progress, an ETag seen before).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBackoff};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::retry::{RetryBudget, RetryPolicy, full_jitter};
use super::secret::redact;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence on an object-store connection. A large body may take
/// far longer in all, so store requests have no total timeout.
const STORE_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest `Retry-After` honoured; a longer one is treated as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// The longest a failed attempt waits for the server's `Retry-After`
/// before the next. A 429 from the API pauses the whole run instead (the
/// client's limiter); a 503 asking for ten minutes would, per retry of a
/// run's thirty, hold it for hours, so the budget and not one answer
/// decides how long a run holds on.
pub const MAX_TRANSIENT_WAIT: Duration = Duration::from_secs(30);

/// The HTTP clients and the retry budget of a run; cheap to clone, all
/// clones share the budget.
#[derive(Debug, Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// API requests: bounded in all by the configured timeout.
    api: reqwest::Client,
    /// Presigned URLs: bounded by silence, not in all.
    store: reqwest::Client,
    policy: RetryPolicy,
    budget: RetryBudget,
    retries: AtomicU64,
    store_attempts: AtomicU64,
}

impl Transport {
    /// `api_timeout` bounds one API exchange from connect to the last
    /// byte; `api_connections` idle connections are kept to the API.
    ///
    /// # Errors
    ///
    /// The (redacted) reason when no HTTP client can be built.
    pub fn new(
        api_timeout: Duration,
        api_connections: usize,
        policy: RetryPolicy,
    ) -> Result<Self, String> {
        // reqwest is built without a bundled crypto provider; ring is ours.
        // Installing twice is harmless (the first one stays).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("pxmctl/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(CONNECT_TIMEOUT)
        };
        let api = builder()
            .timeout(api_timeout)
            .pool_max_idle_per_host(api_connections.max(1))
            .build()
            .map_err(|e| cause(&e))?;
        let store = builder()
            .read_timeout(STORE_READ_TIMEOUT)
            .build()
            .map_err(|e| cause(&e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                api,
                store,
                policy,
                budget: RetryBudget::new(policy),
                retries: AtomicU64::new(0),
                store_attempts: AtomicU64::new(0),
            }),
        })
    }

    /// The client for API requests.
    #[must_use]
    pub fn api(&self) -> &reqwest::Client {
        &self.inner.api
    }

    /// The client for one attempt at a presigned object-store URL (no
    /// token, no limit); each call is counted as a store request sent.
    #[must_use]
    pub fn store_attempt(&self) -> &reqwest::Client {
        self.inner.store_attempts.fetch_add(1, Ordering::Relaxed);
        &self.inner.store
    }

    /// Object-store requests sent so far, every attempt counted.
    #[must_use]
    pub fn store_attempts(&self) -> u64 {
        self.inner.store_attempts.load(Ordering::Relaxed)
    }

    #[must_use]
    pub fn policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// Retries spent so far, API and object store together.
    #[must_use]
    pub fn retries_spent(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// The retry state of one request. `idempotent`: repeating it after
    /// it may have reached the server does nothing twice.
    #[must_use]
    pub fn retries(&self, idempotent: bool) -> Retries<'_> {
        Retries {
            inner: &self.inner,
            schedule: self.inner.policy.backoff().build(),
            idempotent,
            attempts: 0,
        }
    }

    /// Runs `attempt` until it succeeds or [`Retries::after`] says stop;
    /// `what` names the request in log lines.
    ///
    /// # Errors
    ///
    /// A fatal failure as it came, or why the retries ended.
    pub async fn run<T, E, F, Fut>(
        &self,
        idempotent: bool,
        what: &(impl fmt::Display + Sync),
        mut attempt: F,
    ) -> Result<T, Stop<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        let mut retries = self.retries(idempotent);
        loop {
            match attempt().await {
                Ok(value) => {
                    retries.succeeded();
                    return Ok(value);
                }
                Err(failure) => retries.after(failure, what).await?,
            }
        }
    }
}

/// Why one attempt failed.
#[derive(Debug)]
pub enum Failure<E> {
    /// May pass (a 5xx, a timeout, a dropped connection). `sent` when the
    /// request may have reached the server; `wait`, how long the server
    /// asked to be left alone (`Retry-After`), waited instead of a shorter
    /// backoff.
    Transient {
        cause: String,
        sent: bool,
        wait: Option<Duration>,
    },
    /// Will fail the same way however often it is tried.
    Fatal(E),
}

impl<E> Failure<E> {
    /// A busy or failing server's answer (a 429 or a transient 5xx): worth
    /// another attempt, after its `Retry-After` where it gives one. The
    /// guides give `Retry-After` for the API's 429 only; a store that
    /// sends it is heeded too, one that does not gets the backoff.
    #[must_use]
    pub fn busy(cause: String, headers: &HeaderMap) -> Self {
        Self::Transient {
            cause,
            sent: true,
            wait: retry_after(headers),
        }
    }

    /// An exchange that got no whole answer: transient, unless the
    /// request could not be built or its redirects led nowhere, which
    /// `fatal` words from the redacted cause.
    pub fn of_error(error: &reqwest::Error, fatal: impl FnOnce(String) -> E) -> Self {
        if error.is_builder() || error.is_redirect() {
            Self::Fatal(fatal(cause(error)))
        } else {
            Self::Transient {
                cause: cause(error),
                sent: !error.is_connect(),
                wait: None,
            }
        }
    }
}

/// Why a request's retries ended.
#[derive(Debug)]
pub enum Stop<E> {
    Fatal(E),
    GaveUp(GaveUp),
}

/// A transient failure that outlasted the retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaveUp {
    pub attempts: u32,
    /// The last attempt's cause, redacted.
    pub cause: String,
    /// Whether the last attempt may have reached the server.
    pub sent: bool,
    /// The run's budget was spent, rather than this request's retries.
    pub budget_exhausted: bool,
}

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (after {} attempt(s)", self.cause, self.attempts)?;
        if self.budget_exhausted {
            f.write_str("; the run's retry budget is spent, so it was not tried again")?;
        }
        f.write_str(")")
    }
}

/// One request's retries: how many attempts it made and which backoff
/// step comes next. The budget is the transport's, shared by the run.
#[derive(Debug)]
pub struct Retries<'t> {
    inner: &'t Inner,
    schedule: ExponentialBackoff,
    idempotent: bool,
    attempts: u32,
}

impl Retries<'_> {
    /// After a failed attempt: `Ok` once the backoff has been waited out
    /// and another attempt is due, else why the request stops. A
    /// non-idempotent request that may have reached the server is never
    /// repeated; another attempt takes one step of the per-request
    /// schedule and one retry from the run's budget.
    ///
    /// # Errors
    ///
    /// [`Stop`]: the fatal failure as given, or the transient one that
    /// ends the request.
    pub async fn after<E>(
        &mut self,
        failure: Failure<E>,
        what: &(impl fmt::Display + Sync),
    ) -> Result<(), Stop<E>> {
        self.attempts += 1;
        let (cause, sent, asked) = match failure {
            Failure::Fatal(error) => return Err(Stop::Fatal(error)),
            Failure::Transient { cause, sent, wait } => (cause, sent, wait),
        };
        let gave_up = |budget_exhausted| {
            Stop::GaveUp(GaveUp {
                attempts: self.attempts,
                cause: redact(&cause),
                sent,
                budget_exhausted,
            })
        };
        if sent && !self.idempotent {
            return Err(gave_up(false));
        }
        let Some(cap) = self.schedule.next() else {
            return Err(gave_up(false));
        };
        if !self.inner.budget.try_spend() {
            return Err(gave_up(true));
        }
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
        let wait = full_jitter(cap).max(asked.unwrap_or_default().min(MAX_TRANSIENT_WAIT));
        tracing::debug!(
            "{what} failed ({}); retrying in {} ms",
            redact(&cause),
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// The request succeeded: the run earns back part of a retry.
    pub fn succeeded(&self) {
        self.inner.budget.record_success();
    }
}

/// What an answer's status means for another attempt, whoever answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Success,
    /// 429: wait (`Retry-After` where the server gives one), then again.
    RateLimited,
    /// 500, 502, 503, 504: the server may answer otherwise soon. Other
    /// 5xx (501 Not Implemented, 505) say the same every time.
    Transient,
    /// Everything else: the caller words it.
    Final,
}

#[must_use]
pub fn status_class(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        429 => StatusClass::RateLimited,
        500 | 502 | 503 | 504 => StatusClass::Transient,
        _ => StatusClass::Final,
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at
/// [`MAX_RETRY_AFTER`].
#[must_use]
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An HTTP library error as text, redacted: reqwest quotes URLs, which
/// for presigned ones carry signatures.
#[must_use]
pub fn cause(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "connection failed".to_owned()
    };
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    redact(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn transport(policy: RetryPolicy) -> Transport {
        Transport::new(Duration::from_secs(5), 1, policy).expect("transport")
    }

    fn quick(budget: f64) -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            budget_initial: budget,
            ..RetryPolicy::DEFAULT
        }
    }

    fn transient() -> Failure<()> {
        Failure::Transient {
            cause: "503".into(),
            sent: true,
            wait: None,
        }
    }

    async fn attempts_until_stop(t: &Transport, idempotent: bool) -> GaveUp {
        let mut retries = t.retries(idempotent);
        loop {
            match retries.after(transient(), &"test").await {
                Ok(()) => {}
                Err(Stop::GaveUp(g)) => return g,
                Err(Stop::Fatal(())) => panic!("not fatal"),
            }
        }
    }

    #[tokio::test]
    async fn one_request_stops_after_its_retries() {
        let t = transport(quick(100.0));
        let g = attempts_until_stop(&t, true).await;
        let max = u32::try_from(RetryPolicy::DEFAULT.max_retries).expect("small");
        assert_eq!(g.attempts, max + 1);
        assert!(!g.budget_exhausted);
        assert_eq!(t.retries_spent(), u64::from(max));
    }

    #[tokio::test]
    async fn every_request_spends_one_budget() {
        let t = transport(quick(7.0));
        let a = attempts_until_stop(&t, true).await;
        let b = attempts_until_stop(&t.clone(), true).await;
        assert_eq!((a.attempts, a.budget_exhausted), (6, false));
        assert_eq!((b.attempts, b.budget_exhausted), (3, true), "{b}");
        assert!(b.to_string().contains("budget is spent"), "{b}");
        let c = attempts_until_stop(&t, true).await;
        assert_eq!(c.attempts, 1, "nothing left: one attempt, no retry");
        assert_eq!(t.retries_spent(), 7);
    }

    #[tokio::test]
    async fn a_write_that_may_have_arrived_is_not_repeated() {
        let t = transport(quick(10.0));
        let g = attempts_until_stop(&t, false).await;
        assert_eq!(g.attempts, 1);
        assert!(g.sent);
        let mut retries = t.retries(false);
        let unsent = Failure::<()>::Transient {
            cause: "could not connect".into(),
            sent: false,
            wait: None,
        };
        assert!(retries.after(unsent, &"test").await.is_ok(), "never sent");
    }

    #[tokio::test]
    async fn causes_are_redacted() {
        let t = transport(quick(0.0));
        let mut retries = t.retries(true);
        let failure = Failure::<()>::Transient {
            cause: "GET http://s/x?X-Amz-Signature=s3cr3t failed".into(),
            sent: true,
            wait: None,
        };
        let Err(Stop::GaveUp(g)) = retries.after(failure, &"test").await else {
            panic!("no budget");
        };
        assert!(!g.to_string().contains("s3cr3t"), "{g}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_waits_as_long_as_the_server_asks_within_bounds() {
        let t = transport(quick(10.0));
        let mut headers = HeaderMap::new();
        let waited = |headers: &HeaderMap| {
            let t = t.clone();
            let failure = Failure::<()>::busy("503 Slow Down".into(), headers);
            async move {
                let started = tokio::time::Instant::now();
                let mut retries = t.retries(true);
                assert!(retries.after(failure, &"test").await.is_ok());
                started.elapsed()
            }
        };
        // No Retry-After: the backoff alone (at most 2 ms here).
        assert!(waited(&headers).await <= Duration::from_millis(2));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(waited(&headers).await, Duration::from_secs(7));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(waited(&headers).await, MAX_TRANSIENT_WAIT);
    }

    #[test]
    fn statuses_are_classed_once_for_every_server() {
        assert_eq!(status_class(204), StatusClass::Success);
        assert_eq!(status_class(429), StatusClass::RateLimited);
        for s in [500, 502, 503, 504] {
            assert_eq!(status_class(s), StatusClass::Transient);
        }
        for s in [400, 403, 404, 501, 505] {
            assert_eq!(status_class(s), StatusClass::Final);
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = SystemTime::now() + Duration::from_secs(30);
        let date = httpdate::fmt_http_date(later);
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).expect("ascii"));
        let got = retry_after(&h).expect("date");
        assert!(
            got <= Duration::from_secs(30) && got >= Duration::from_secs(28),
            "{got:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("99999"));
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
