//! The resolved settings: what the rest of pxmctl needs to reach an
//! account, already checked, with the limits every source is held to.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use crate::remote::Connection;

/// Parallel requests allowed, wherever the number comes from.
pub(super) const CONCURRENCY: RangeInclusive<u64> = 1..=64;
/// Items per page of a list request; the API returns at most 1000.
pub(super) const PAGE_SIZE: RangeInclusive<u64> = 1..=1000;
/// Seconds a single request may take.
pub(super) const TIMEOUT_SECONDS: RangeInclusive<u64> = 1..=3600;
/// Requests per rate-limit window.
pub(super) const RATE_LIMIT_REQUESTS: RangeInclusive<u64> = 1..=1_000_000;
/// Length of the rate-limit window in seconds.
pub(super) const RATE_LIMIT_WINDOW_SECONDS: RangeInclusive<u64> = 1..=3600;

/// Deletions a plan may hold before apply needs `--allow-deletes`.
pub(super) const MAX_DELETES: RangeInclusive<u64> = 0..=1_000_000;
/// Enough for a pull request that retires a product line; a prune gone
/// wrong (a catalog file left out, a wrong environment) deletes more.
pub(super) const DEFAULT_MAX_DELETES: usize = 25;

pub(super) const DEFAULT_CONCURRENCY: usize = 8;
pub(super) const DEFAULT_PAGE_SIZE: u32 = 100;
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The outcome of resolving `pxmctl.yaml` and the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The environment of `pxmctl.yaml` in use, if any.
    pub environment: Option<String>,
    /// Every environment `pxmctl.yaml` defines, sorted (none without one).
    pub environments: Vec<String>,
    /// The settings file read, if there was one.
    pub config_file: Option<PathBuf>,
    /// The Text attribute holding each asset's SHA-256.
    pub hash_attribute: String,
    /// Deletions (and retirements) a plan may hold before apply needs
    /// `--allow-deletes`: the environment's `max_deletes`, else the
    /// file's, else [`DEFAULT_MAX_DELETES`].
    pub max_deletes: usize,
    pub connection: Connection,
}
