//! The client-side rate limiter shared by every request of a run. A token
//! bucket whose burst plus refill over one window equals the limit, so no
//! sliding window ever holds more than the limit: a steady rate plus a
//! small burst, never "the whole limit at once, then the whole limit
//! again". A 429 pauses every caller until its `Retry-After` has passed.
//!
//! The limit is the account's, shared with every other integration, so a
//! 429 met while under our own limit says others spend part of it. The
//! limiter then paces itself (AIMD, as TCP does with a shared link): at
//! the moment of a 429 the account's window is full, so what we sent in
//! the last window is exactly the share others left us; the pace drops to
//! [`SHARE_TARGET`] of that share, but at most to half of what it was. It holds for one window, then closes
//! half the gap to that share each window, and past it probes upward by
//! half a percent of the limit, doubling each window without a 429 (as
//! TCP CUBIC does: slow near the level that last overflowed, fast far
//! from it), so a share that grows back is taken back within minutes.
//!
//! Built on `tokio::time`, so tests run it on a paused clock.

use std::collections::VecDeque;
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

/// The share of what others left us that the pace aims at after a 429:
/// the guide's 950 of 1,000, a buffer for their traffic to vary.
const SHARE_TARGET: f64 = 0.95;
/// The pace never drops below this fraction of the limit.
const LOWEST_PACE: f64 = 0.02;
/// The first probe past the last share, as a fraction of the limit.
const FIRST_PROBE: f64 = 0.005;
const LARGEST_PROBE: f64 = 0.25;

/// How a run adapted to a limit it shared, for the run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Pacing {
    /// Times the pace was lowered after a 429.
    pub slowdowns: u32,
    /// The lowest pace, as a fraction of the configured limit (1.0 when
    /// never lowered).
    pub lowest: f64,
    /// When the first slowdown happened, from the limiter's start.
    #[serde(skip)]
    pub first_after: Option<Duration>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    updated: Instant,
    paused_until: Option<Instant>,
    /// Fraction of the configured refill currently allowed.
    pace: f64,
    /// When each of our requests of the last window was sent.
    sent: VecDeque<Instant>,
    last_cut: Option<Instant>,
    next_rise: Option<Instant>,
    /// The share measured at the last cut: the level that overflowed.
    share: f64,
    probe: f64,
    started: Instant,
    pacing: Pacing,
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
        let now = Instant::now();
        Self {
            limit,
            state: Mutex::new(State {
                tokens: f64::from(limit.burst),
                updated: now,
                paused_until: None,
                pace: 1.0,
                sent: VecDeque::new(),
                last_cut: None,
                next_rise: None,
                share: 1.0,
                probe: FIRST_PROBE,
                started: now,
                pacing: Pacing {
                    lowest: 1.0,
                    ..Pacing::default()
                },
            }),
        }
    }

    #[must_use]
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    #[must_use]
    pub fn pacing(&self) -> Pacing {
        self.lock().pacing
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until one request may be sent; returns when it was let go,
    /// for [`Limiter::rate_limited`].
    pub async fn acquire(&self) -> Instant {
        loop {
            let now = Instant::now();
            let wait = self.try_acquire(now);
            match wait {
                None => return now,
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
        let mut s = self.lock();
        if let Some(until) = s.paused_until {
            if now < until {
                return Some(until);
            }
            s.paused_until = None;
            // Nothing accrues during a pause: the server said to stop.
            s.updated = until;
        }
        self.rise(&mut s, now);
        let rate = self.limit.refill_per_sec() * s.pace;
        let elapsed = now.saturating_duration_since(s.updated).as_secs_f64();
        s.tokens = (s.tokens + elapsed * rate).min(f64::from(self.limit.burst));
        s.updated = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            s.sent.push_back(now);
            while s
                .sent
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= self.limit.window)
            {
                s.sent.pop_front();
            }
            None
        } else {
            let missing = 1.0 - s.tokens;
            Some(now + Duration::from_secs_f64(missing / rate))
        }
    }

    /// Raises the pace once per window after a cut's hold has passed.
    fn rise(&self, s: &mut State, now: Instant) {
        while let Some(at) = s.next_rise.filter(|at| now >= *at) {
            let gap = s.share - s.pace;
            if gap > FIRST_PROBE / 2.0 {
                s.pace += gap / 2.0;
            } else {
                s.pace = (s.pace + s.probe).min(1.0);
                s.probe = (s.probe * 2.0).min(LARGEST_PROBE);
            }
            s.next_rise = (s.pace < 1.0).then(|| at + self.limit.window);
        }
    }

    /// A 429 answered the request let go at `sent_at`: pause every caller
    /// until `until` (its `Retry-After`; a later pause extends an earlier
    /// one, never shortens it), and pace to the share others left. A 429
    /// for a request sent before the last cut says nothing new.
    pub fn rate_limited(&self, sent_at: Instant, until: Instant) {
        let mut s = self.lock();
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        s.tokens = 0.0;
        if s.last_cut.is_some_and(|cut| sent_at < cut) {
            return;
        }
        // The refused request is not in the account's window.
        if let Some(i) = s.sent.iter().rposition(|t| *t == sent_at) {
            s.sent.remove(i);
        }
        let now = Instant::now();
        while s
            .sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.limit.window)
        {
            s.sent.pop_front();
        }
        s.share = (s.sent.len() as f64 / f64::from(self.limit.requests.max(1))).min(1.0);
        // At most halved per slowdown: a window others filled in a burst
        // is not a share they keep, and a share that stays small brings
        // more 429s, each halving again.
        s.pace = (s.pace.min(s.share) * SHARE_TARGET)
            .max(s.pace * 0.5)
            .max(LOWEST_PACE);
        s.last_cut = Some(now);
        s.probe = FIRST_PROBE;
        s.next_rise = Some(until.max(now) + self.limit.window);
        let (pace, after) = (s.pace, now.saturating_duration_since(s.started));
        let p = &mut s.pacing;
        p.slowdowns += 1;
        p.lowest = p.lowest.min(pace);
        p.first_after.get_or_insert(after);
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
        limiter.rate_limited(start, start + Duration::from_secs(3));
        let times = hammer(Arc::clone(&limiter), 4, Duration::from_secs(4)).await;
        assert!(times.iter().all(|t| *t >= start + Duration::from_secs(3)));
        assert!(!times.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_pause_does_not_shorten_a_later_one() {
        let limiter = Limiter::new(RateLimit::new(10, Duration::from_secs(1)));
        let start = Instant::now();
        limiter.rate_limited(start, start + Duration::from_secs(5));
        limiter.rate_limited(start, start + Duration::from_secs(1));
        limiter.acquire().await;
        assert!(Instant::now() >= start + Duration::from_secs(5));
    }

    /// An account limit as the sandbox enforces it: no sliding window
    /// holds more than `limit` requests, ours and others' together.
    struct Account {
        limit: usize,
        window: Duration,
        /// Count in fixed windows from the first request of each, as an
        /// API whose `Retry-After` is the rest of the window would.
        fixed: bool,
        log: VecDeque<Instant>,
    }

    impl Account {
        fn admit(&mut self, now: Instant) -> Result<(), Duration> {
            if self.fixed
                && self
                    .log
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                self.log.clear();
            }
            while !self.fixed
                && self
                    .log
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                self.log.pop_front();
            }
            if self.log.len() < self.limit {
                self.log.push_back(now);
                return Ok(());
            }
            let oldest = self.log.front().copied().unwrap_or(now);
            Err(self.window - now.duration_since(oldest))
        }
    }

    struct Shared {
        ours: usize,
        rate_limited: usize,
    }

    /// Eight workers under a limiter of 95 per 6 s on an account of 100
    /// per 6 s, while others send `others` per 6 s until `others_stop`.
    async fn share(others: u32, others_stop: Duration, run: Duration) -> (Shared, Arc<Limiter>) {
        share_of(false, others, others_stop, run).await
    }

    async fn share_of(
        fixed: bool,
        others: u32,
        others_stop: Duration,
        run: Duration,
    ) -> (Shared, Arc<Limiter>) {
        let window = Duration::from_secs(6);
        let account = Arc::new(Mutex::new(Account {
            limit: 100,
            window,
            fixed,
            log: VecDeque::new(),
        }));
        let limiter = Arc::new(Limiter::new(RateLimit::new(95, window)));
        let shared = Arc::new(Mutex::new(Shared {
            ours: 0,
            rate_limited: 0,
        }));
        let start = Instant::now();
        let background = {
            let account = Arc::clone(&account);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(window / others);
                while Instant::now() < start + others_stop {
                    ticks.tick().await;
                    let _ = account.lock().expect("lock").admit(Instant::now());
                }
            })
        };
        let mut workers = Vec::new();
        for _ in 0..8 {
            let (account, limiter, shared) = (
                Arc::clone(&account),
                Arc::clone(&limiter),
                Arc::clone(&shared),
            );
            workers.push(tokio::spawn(async move {
                while Instant::now() < start + run {
                    let sent = limiter.acquire().await;
                    let answer = account.lock().expect("lock").admit(sent);
                    // The answer takes a while to come back.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let mut shared = shared.lock().expect("lock");
                    match answer {
                        Ok(()) => shared.ours += 1,
                        Err(wait) => {
                            shared.rate_limited += 1;
                            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                            limiter.rate_limited(sent, Instant::now() + Duration::from_secs(secs));
                        }
                    }
                }
            }));
        }
        for w in workers {
            w.await.expect("worker");
        }
        background.abort();
        let shared = Arc::try_unwrap(shared)
            .ok()
            .expect("workers done")
            .into_inner()
            .expect("lock");
        (shared, limiter)
    }

    /// Others leaving 50 per 6 s for 600 s leave 5,000 requests: at least
    /// 0.9 of them are ours, with few 429s.
    fn assert_most_of_what_others_left(shared: &Shared, limiter: &Limiter) {
        let fraction = shared.ours as f64 / 5_000.0;
        assert!(
            fraction >= 0.9,
            "used {fraction:.3} of what others left, {} × 429, {:?}",
            shared.rate_limited,
            limiter.pacing()
        );
        assert!(shared.rate_limited <= 30, "{} × 429", shared.rate_limited);
    }

    #[tokio::test(start_paused = true)]
    async fn with_half_the_limit_spent_by_others_the_rest_is_used_with_few_429s() {
        let run = Duration::from_secs(600);
        let (shared, limiter) = share(50, run, run).await;
        assert_most_of_what_others_left(&shared, &limiter);
        let pacing = limiter.pacing();
        assert!(pacing.slowdowns >= 1);
        assert!(pacing.lowest < 0.6, "{pacing:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn in_fixed_windows_half_the_limit_spent_by_others_still_leaves_most_of_the_rest() {
        let run = Duration::from_secs(600);
        let (shared, limiter) = share_of(true, 50, run, run).await;
        assert_most_of_what_others_left(&shared, &limiter);
        // Alone, a fixed window is never met either: no sliding window of
        // ours holds more than the limit, so no fixed one does.
        let (alone, limiter) = share_of(true, 1, Duration::ZERO, Duration::from_secs(120)).await;
        assert_eq!(alone.rate_limited, 0);
        assert_eq!(limiter.pacing().slowdowns, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn alone_on_the_account_nothing_is_slowed() {
        let run = Duration::from_secs(120);
        let (shared, limiter) = share(1, Duration::ZERO, run).await;
        assert_eq!(shared.rate_limited, 0);
        assert_eq!(limiter.pacing().slowdowns, 0);
        // 95 per 6 s for 120 s, less the burst's share of each window.
        assert!(shared.ours >= 1_800, "only {}", shared.ours);
    }

    #[tokio::test(start_paused = true)]
    async fn when_others_stop_the_pace_climbs_back() {
        let (_, limiter) = share(60, Duration::from_secs(60), Duration::from_secs(180)).await;
        let pacing = limiter.pacing();
        assert!(pacing.slowdowns >= 1 && pacing.lowest < 0.5, "{pacing:?}");
        assert!(
            (limiter.lock().pace - 1.0).abs() < f64::EPSILON,
            "pace {} two minutes after others stopped",
            limiter.lock().pace
        );
    }
}
