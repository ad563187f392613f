//! How hard to try a failed request again, and how long to wait: the
//! numbers and the two pieces the [`Transport`](super::Transport) applies
//! to every request, API or object store. Backoff is capped exponential
//! with full jitter (AWS's "full jitter": sleep a random time in
//! `0..=min(cap, base·2ⁿ)`), the schedule from `backon`. Every retry also
//! spends from one budget shared by the whole run, refilled by successes,
//! so a dead API or object store fails the run after a few dozen retries
//! in total instead of attempts × requests.

use std::sync::Mutex;
use std::time::Duration;

use backon::ExponentialBuilder;

/// How hard to retry transient failures (5xx, timeouts, dropped
/// connections). An API 429 is not counted here: it pauses the limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries of one request, after its first attempt.
    pub max_retries: usize,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Retries the run may spend before any success refills the budget.
    pub budget_initial: f64,
    /// Retries earned per successful request.
    pub budget_per_success: f64,
    /// How long one request may be held back by 429s in total before it
    /// gives up: a server that keeps refusing is down, not busy.
    pub max_rate_limited_wait: Duration,
}

impl RetryPolicy {
    pub const DEFAULT: Self = Self {
        max_retries: 5,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(5),
        budget_initial: 30.0,
        budget_per_success: 0.2,
        max_rate_limited_wait: Duration::from_secs(600),
    };

    /// The per-request backoff schedule; jitter is applied by
    /// [`full_jitter`] so the schedule's values are the caps.
    #[must_use]
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A random delay in `0..=cap`.
#[must_use]
pub fn full_jitter(cap: Duration) -> Duration {
    let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

/// Retries the whole run may still spend.
#[derive(Debug)]
pub struct RetryBudget {
    policy: RetryPolicy,
    tokens: Mutex<f64>,
}

impl RetryBudget {
    #[must_use]
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            tokens: Mutex::new(policy.budget_initial),
        }
    }

    /// Takes one retry from the budget; false when it is spent.
    pub fn try_spend(&self) -> bool {
        let mut t = self.lock();
        if *t >= 1.0 {
            *t -= 1.0;
            true
        } else {
            false
        }
    }

    /// A success earns back part of a retry, up to the initial budget.
    pub fn record_success(&self) {
        let mut t = self.lock();
        *t = (*t + self.policy.budget_per_success).min(self.policy.budget_initial);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, f64> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;

    #[test]
    fn budget_runs_out_and_refills() {
        let budget = RetryBudget::new(RetryPolicy {
            budget_initial: 2.0,
            budget_per_success: 0.5,
            ..RetryPolicy::DEFAULT
        });
        assert!(budget.try_spend());
        assert!(budget.try_spend());
        assert!(!budget.try_spend());
        budget.record_success();
        assert!(!budget.try_spend(), "half a retry is not a retry");
        budget.record_success();
        assert!(budget.try_spend());
    }

    #[test]
    fn backoff_is_capped_and_bounded() {
        let policy = RetryPolicy::DEFAULT;
        let delays: Vec<Duration> = policy.backoff().build().collect();
        assert_eq!(delays.len(), policy.max_retries);
        assert_eq!(delays[0], policy.base_delay);
        assert!(delays.iter().all(|d| *d <= policy.max_delay));
        for cap in delays {
            assert!(full_jitter(cap) <= cap);
        }
    }
}
