//! The API rate limit: a sliding-window log of the accepted requests'
//! instants, so no window of the configured length ever holds more than
//! the limit, and the 429 answer that the guide documents.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use super::app::App;
use super::config::RateLimit;

#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    /// `Readings::fixed_rate_window`: count per window since its start.
    fixed: bool,
    log: Mutex<VecDeque<Instant>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit, fixed: bool) -> Self {
        Limiter {
            limit,
            fixed,
            log: Mutex::new(VecDeque::with_capacity(limit.max_requests as usize)),
        }
    }

    pub(crate) fn max_requests(&self) -> u32 {
        self.limit.max_requests
    }

    /// Admits a request at `now`, or says how long until one would be admitted.
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Duration> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let expired = |t: &Instant| now.saturating_duration_since(*t) >= self.limit.window;
        if self.fixed {
            // The window began with its first request and ends a window
            // later, whatever came in between.
            if log.front().is_some_and(expired) {
                log.clear();
            }
        } else {
            while log.front().is_some_and(expired) {
                log.pop_front();
            }
        }
        if log.len() < self.limit.max_requests as usize {
            log.push_back(now);
            return Ok(());
        }
        // Full until the oldest request counted leaves the window: the
        // first of a fixed window, the oldest of a sliding one.
        let oldest = log.front().copied().unwrap_or(now);
        Err(self
            .limit
            .window
            .saturating_sub(now.saturating_duration_since(oldest)))
    }
}

/// The guide's 429: `Retry-After` and `X-RateLimit-Limit` headers and
/// `{"error": "Rate limit exceeded.", "retry_after": N}`.
pub(crate) fn too_many_requests(retry_after_secs: u64, limit: u32) -> Response {
    let body = json!({ "error": "Rate limit exceeded.", "retry_after": retry_after_secs });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("retry-after", HeaderValue::from(retry_after_secs));
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    response
}

/// Whole seconds to wait, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// Other integrations' traffic (`SandboxConfig::background_load`): one
/// request every `window / max_requests`, admitted or refused by the same
/// limiter as the API's callers, until the sandbox shuts down. A refused
/// one is dropped, as a client that backs off would.
pub(crate) async fn spend_in_background(
    app: Arc<App>,
    load: RateLimit,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let Some(limiter) = &app.limiter else {
        return;
    };
    let mut ticks = tokio::time::interval(load.window / load.max_requests);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                let admitted = limiter.admit(Instant::now()).is_ok();
                app.stats.count_background(admitted);
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Middleware on API routes.
pub(crate) async fn middleware(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let now = Instant::now();
    app.stats.record_arrival(now);
    if let Some(limiter) = &app.limiter
        && let Err(wait) = limiter.admit(now)
    {
        app.stats.count_rate_limited();
        return too_many_requests(retry_after_secs(wait), limiter.max_requests());
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sliding_window_holds_more_than_the_limit() {
        let l = Limiter::new(
            RateLimit {
                max_requests: 3,
                window: Duration::from_secs(10),
            },
            false,
        );
        let t0 = Instant::now();
        assert!(l.admit(t0).is_ok());
        assert!(l.admit(t0 + Duration::from_secs(4)).is_ok());
        assert!(l.admit(t0 + Duration::from_secs(5)).is_ok());
        assert_eq!(
            l.admit(t0 + Duration::from_secs(9)),
            Err(Duration::from_secs(1))
        );
        assert!(l.admit(t0 + Duration::from_secs(10)).is_ok());
        assert_eq!(
            l.admit(t0 + Duration::from_secs(11)),
            Err(Duration::from_secs(3))
        );
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        // In a fixed window the count restarts only when the window ends.
        let f = Limiter::new(
            RateLimit {
                max_requests: 2,
                window: Duration::from_secs(10),
            },
            true,
        );
        assert!(f.admit(t0).is_ok());
        assert!(f.admit(t0 + Duration::from_secs(9)).is_ok());
        assert_eq!(
            f.admit(t0 + Duration::from_secs(9)),
            Err(Duration::from_secs(1))
        );
        assert!(f.admit(t0 + Duration::from_secs(10)).is_ok());
        assert!(f.admit(t0 + Duration::from_secs(11)).is_ok());
        assert_eq!(
            f.admit(t0 + Duration::from_secs(12)),
            Err(Duration::from_secs(8))
        );
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }
}
