//! The sandbox faults a convergence run meets ([`fault_profiles`],
//! [`profile_for`]), the sandbox of a profile, and the connection such a
//! run reads and writes through, whose client limit is set against the
//! profiles' sandbox limits.

use std::time::Duration;

use pxmctl::remote::Connection;
use pxmctl::remote::limiter::RateLimit as ClientRateLimit;
use pxmctl::sandbox::{FaultConfig, RateLimit, RunningSandbox, SandboxConfig, Seed};

use super::case::mix;
use super::connection::connection;
use super::sandbox::seeded;

/// The sandbox limit of every profile that is not about 429s: twice what
/// [`convergence_connection`] allows itself, so the client's limiter
/// alone keeps every window under it.
pub const GENEROUS_LIMIT: RateLimit = RateLimit {
    max_requests: 2000,
    window: Duration::from_secs(1),
};

/// The client's limit in [`convergence_connection`]: requests per window.
pub const CLIENT_LIMIT: (u32, Duration) = (1000, Duration::from_secs(1));

/// The low sandbox limit of the `rate-limited` profile: the client
/// (at [`CLIENT_LIMIT`]) runs into it and gets 429 bursts.
pub const LOW_LIMIT: RateLimit = RateLimit {
    max_requests: 30,
    window: Duration::from_secs(1),
};

/// A sandbox fault profile for one convergence run.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: &'static str,
    pub faults: FaultConfig,
    /// The sandbox's rate limit; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
}

impl Profile {
    /// The same profile with its fault generator seeded from `case_seed`.
    #[must_use]
    pub fn seeded(mut self, case_seed: u64) -> Profile {
        self.faults.seed = mix(case_seed ^ 0xfa17_5eed);
        self
    }

    /// A sandbox holding `seed`, with this profile's faults and rate limit.
    pub fn sandbox_config(&self, seed: Seed) -> SandboxConfig {
        SandboxConfig {
            faults: self.faults.clone(),
            rate_limit: self.rate_limit,
            ..seeded(seed)
        }
    }
}

/// The profiles a convergence test cycles through (fault seed 0; see
/// [`Profile::seeded`] and [`profile_for`]): none; 10 % 5xx; 5 % dropped
/// connections; 5 % lost answers of committed writes; a low sandbox rate
/// limit (30 requests / 1 s) for 429 bursts; and a mix of all of them
/// with a little latency.
pub fn fault_profiles() -> Vec<Profile> {
    let none = FaultConfig::default();
    vec![
        Profile {
            name: "none",
            faults: none.clone(),
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "errors-5xx",
            faults: FaultConfig {
                error_rate: 0.1,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "dropped-connections",
            faults: FaultConfig {
                drop_rate: 0.1,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "lost-answers",
            faults: FaultConfig {
                lost_answer_rate: 0.15,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "rate-limited",
            faults: none.clone(),
            rate_limit: Some(LOW_LIMIT),
        },
        Profile {
            name: "mixed",
            faults: FaultConfig {
                error_rate: 0.04,
                drop_rate: 0.02,
                lost_answer_rate: 0.03,
                latency: Duration::from_millis(1),
                latency_jitter: Duration::from_millis(4),
                ..none
            },
            rate_limit: Some(RateLimit {
                max_requests: 60,
                window: Duration::from_secs(1),
            }),
        },
    ]
}

/// The profile for a case: the profiles in turn by `case_seed`, with the
/// fault seed derived from `case_seed`.
pub fn profile_for(case_seed: u64) -> Profile {
    let mut all = fault_profiles();
    let i = usize::try_from(case_seed % all.len() as u64).unwrap();
    all.swap_remove(i).seeded(case_seed)
}

/// The connection of a convergence run: 4 requests in flight, a 3 s
/// timeout, pages of 50, and a client limit of [`CLIENT_LIMIT`], under
/// [`GENEROUS_LIMIT`] (and deliberately over [`LOW_LIMIT`], which is
/// there to cause 429s).
pub fn convergence_connection(sandbox: &RunningSandbox) -> Connection {
    Connection {
        rate_limit: ClientRateLimit::new(CLIENT_LIMIT.0, CLIENT_LIMIT.1),
        concurrency: 4,
        timeout: Duration::from_secs(3),
        ..connection(sandbox, 50)
    }
}
