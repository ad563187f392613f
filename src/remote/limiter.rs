//! The client-side rate limiter shared by every request of a run. A token
//! bucket whose burst plus refill over one window equals the limit, so no
//! sliding window ever holds more than the limit: a steady rate plus a
//! small burst, never "the whole limit at once, then the whole limit
//! again". A 429 pauses every caller until its `Retry-After` has passed.
//!
//! Built on `tokio::time`, so tests run it on a paused clock.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Requests allowed per window, and how many of them may go at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
    pub burst: u32,
}

impl RateLimit {
    /// The API allows 1,000 per 60 s; aim for 950 as the guide advises,
    /// with a burst small enough that the steady rate carries the run.
    pub const DEFAULT: Self = Self {
        requests: 950,
        window: Duration::from_secs(60),
        burst: 20,
    };

    /// A limit of `requests` per `window` with a burst of about 2% (at least
    /// one, at most `requests`).
    #[must_use]
    pub fn new(requests: u32, window: Duration) -> Self {
        let burst = (requests / 50).clamp(1, requests.max(1));
        Self {
            requests,
            window,
            burst,
        }
    }

    /// Tokens added per second: what is left of the limit after the burst,
    /// spread over the window.
    fn refill_per_sec(&self) -> f64 {
        f64::from(self.requests.saturating_sub(self.burst).max(1)) / self.window.as_secs_f64()
    }
}

#[derive(Debug)]
struct State {
    tokens: f64,
    updated: Instant,
    paused_until: Option<Instant>,
}

/// A shared limiter; clone the `Arc` it lives in, not the limiter.
#[derive(Debug)]
pub struct Limiter {
    limit: RateLimit,
    state: Mutex<State>,
}

impl Limiter {
    #[must_use]
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            state: Mutex::new(State {
                tokens: f64::from(limit.burst),
                updated: Instant::now(),
                paused_until: None,
            }),
        }
    }

    #[must_use]
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits until one request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = self.try_acquire(Instant::now());
            match wait {
                None => return,
                Some(until) => {
                    // Timers have millisecond resolution: round up, so the
                    // wake-up is never before the token is there (which
                    // would spin without time passing on a paused clock).
                    let wait = until.saturating_duration_since(Instant::now());
                    let ms = u64::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
                    tokio::time::sleep(Duration::from_millis(ms.max(1))).await;
                }
            }
        }
    }

    /// Takes a token if one is available now; otherwise says when to try
    /// again.
    fn try_acquire(&self, now: Instant) -> Option<Instant> {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = s.paused_until {
            if now < until {
                return Some(until);
            }
            s.paused_until = None;
            // Nothing accrues during a pause: the server said to stop.
            s.updated = until;
        }
        let rate = self.limit.refill_per_sec();
        let elapsed = now.saturating_duration_since(s.updated).as_secs_f64();
        s.tokens = (s.tokens + elapsed * rate).min(f64::from(self.limit.burst));
        s.updated = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            None
        } else {
            let missing = 1.0 - s.tokens;
            Some(now + Duration::from_secs_f64(missing / rate))
        }
    }

    /// Stops every caller until `until` (a 429's `Retry-After`). A later
    /// pause extends an earlier one; an earlier one never shortens it.
    pub fn pause_until(&self, until: Instant) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        s.tokens = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use super::*;

    /// Runs `workers` tasks that each acquire as fast as they can for
    /// `run`, recording when each acquisition happened.
    async fn hammer(limiter: Arc<Limiter>, workers: usize, run: Duration) -> Vec<Instant> {
        let start = Instant::now();
        let times = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for _ in 0..workers {
            let limiter = Arc::clone(&limiter);
            let times = Arc::clone(&times);
            handles.push(tokio::spawn(async move {
                while Instant::now() < start + run {
                    limiter.acquire().await;
                    times.lock().expect("lock").push(Instant::now());
                }
            }));
        }
        for h in handles {
            h.await.expect("worker");
        }
        let mut t = times.lock().expect("lock").clone();
        t.sort();
        t
    }

    fn max_in_any_window(times: &[Instant], window: Duration) -> usize {
        let mut q = VecDeque::new();
        let mut best = 0;
        for &t in times {
            q.push_back(t);
            while let Some(&front) = q.front() {
                if t.duration_since(front) >= window {
                    q.pop_front();
                } else {
                    break;
                }
            }
            best = best.max(q.len());
        }
        best
    }

    #[tokio::test(start_paused = true)]
    async fn no_sliding_window_exceeds_the_limit() {
        let limit = RateLimit::new(100, Duration::from_secs(10));
        let limiter = Arc::new(Limiter::new(limit));
        let times = hammer(limiter, 8, Duration::from_secs(60)).await;
        assert!(max_in_any_window(&times, limit.window) <= 100);
        // ... and the limit is used, not wasted: about 100 per 10 s.
        assert!(times.len() >= 560, "only {} in 60 s", times.len());
    }

    #[tokio::test(start_paused = true)]
    async fn default_limit_stays_under_the_api_limit() {
        let limiter = Arc::new(Limiter::new(RateLimit::DEFAULT));
        let times = hammer(limiter, 16, Duration::from_secs(180)).await;
        assert!(max_in_any_window(&times, Duration::from_secs(60)) <= 950);
        assert!(times.len() >= 2_800);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_stops_every_caller() {
        let limiter = Arc::new(Limiter::new(RateLimit::new(1000, Duration::from_secs(1))));
        let start = Instant::now();
        limiter.pause_until(start + Duration::from_secs(3));
        let times = hammer(Arc::clone(&limiter), 4, Duration::from_secs(4)).await;
        assert!(times.iter().all(|t| *t >= start + Duration::from_secs(3)));
        assert!(!times.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_pause_does_not_shorten_a_later_one() {
        let limiter = Limiter::new(RateLimit::new(10, Duration::from_secs(1)));
        let start = Instant::now();
        limiter.pause_until(start + Duration::from_secs(5));
        limiter.pause_until(start + Duration::from_secs(1));
        limiter.acquire().await;
        assert!(Instant::now() >= start + Duration::from_secs(5));
    }
}
