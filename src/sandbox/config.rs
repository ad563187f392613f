//! `SandboxConfig`: everything a sandbox is started with, and the check
//! that turns a raw config into one the server can run.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{Readings, SandboxError, Seed};

/// How to start a sandbox. `Default` is what tests want: loopback,
/// ephemeral port, in memory, random credentials, the real API's
/// rate limit, no faults, the default [`Readings`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Permit a non-loopback `listen` address.
    pub allow_non_loopback: bool,
    /// Directory that keeps state across restarts; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
    /// Objects to load into a fresh state.
    pub seed: Option<Seed>,
    /// Fixed credentials; random (or the persisted ones) when `None`.
    pub credentials: Option<Credentials>,
    /// API rate limit; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
    /// Requests other integrations spend of the rate limit, spread evenly
    /// over each window; `None` when pxmctl has the limit to itself.
    pub background_load: Option<RateLimit>,
    pub faults: FaultConfig,
    pub uploads: UploadConfig,
    /// Which reading of the guides to serve where they are silent.
    pub readings: Readings,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_non_loopback: false,
            data_dir: None,
            seed: None,
            credentials: None,
            rate_limit: Some(RateLimit::default()),
            background_load: None,
            faults: FaultConfig::default(),
            uploads: UploadConfig::default(),
            readings: Readings::default(),
        }
    }
}

impl SandboxConfig {
    /// Refuses settings the server cannot honour.
    pub fn check(&self) -> Result<(), SandboxError> {
        if !self.allow_non_loopback && !self.listen.ip().is_loopback() {
            return Err(SandboxError::NonLoopback(self.listen));
        }
        self.faults.check()?;
        self.uploads.check()?;
        self.readings.check()?;
        if let Some(limit) = &self.rate_limit
            && (limit.max_requests == 0 || limit.window.is_zero())
        {
            return Err(SandboxError::Config(
                "the rate limit needs a positive request count and window".into(),
            ));
        }
        if let Some(load) = &self.background_load {
            let Some(limit) = &self.rate_limit else {
                return Err(SandboxError::Config(
                    "background load spends part of the rate limit: set a rate limit too".into(),
                ));
            };
            if load.per_second() >= limit.per_second() {
                return Err(SandboxError::Config(format!(
                    "the background load ({:.2}/s) leaves nothing of the rate limit ({:.2}/s)",
                    load.per_second(),
                    limit.per_second()
                )));
            }
        }
        if let Some(c) = &self.credentials
            && (c.client_id.is_empty() || c.client_secret.is_empty() || c.client_id.contains(':'))
        {
            return Err(SandboxError::Config(
                "the client id and secret must be non-empty and the id must not contain `:`".into(),
            ));
        }
        Ok(())
    }
}

/// OAuth client credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

/// At most `max_requests` API calls in any sliding `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max_requests: u32,
    pub window: Duration,
}

impl Default for RateLimit {
    /// The real API's limit: 1,000 requests per 60 s.
    fn default() -> Self {
        RateLimit {
            max_requests: 1000,
            window: Duration::from_secs(60),
        }
    }
}

impl RateLimit {
    pub fn per_second(&self) -> f64 {
        f64::from(self.max_requests) / self.window.as_secs_f64()
    }
}

impl FromStr for RateLimit {
    type Err = String;

    /// Parses `N/SECONDS`, e.g. `1000/60`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (n, secs) = s
            .split_once('/')
            .ok_or_else(|| format!("expected `N/SECONDS`, found `{s}`"))?;
        let max_requests: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a request count"))?;
        let secs: f64 = secs
            .trim()
            .parse()
            .map_err(|_| format!("`{secs}` is not a number of seconds"))?;
        if max_requests == 0 || !secs.is_finite() || secs <= 0.0 {
            return Err("both the count and the window must be positive".into());
        }
        Ok(RateLimit {
            max_requests,
            window: Duration::from_secs_f64(secs),
        })
    }
}

/// Seeded fault injection on API calls and, apart, on the object store
/// (never on the control endpoints). Rates are probabilities per request
/// and are drawn from generators seeded with `seed`, so a run is
/// reproducible.
#[derive(Debug, Clone, Default)]
pub struct FaultConfig {
    pub seed: u64,
    /// Share of requests answered 500, 502 or 503 without being applied.
    pub error_rate: f64,
    /// Share of requests whose connection is closed without an answer, not applied.
    pub drop_rate: f64,
    /// Share of writes (POST, PUT, DELETE) that are applied but whose
    /// connection is then closed without an answer.
    pub lost_answer_rate: f64,
    /// Added to every API answer.
    pub latency: Duration,
    /// A random extra in `0..=latency_jitter` added to every API answer.
    pub latency_jitter: Duration,
    /// Share of object-store requests (PUT, GET, form POST) answered 503
    /// `SlowDown` without storing anything; 1 is a dead store. Drawn from
    /// a generator of its own, so API faults stay as the seed gives them.
    pub store_error_rate: f64,
    /// The `Retry-After` (seconds) those 503s carry. S3 sends none, and
    /// the guides say nothing of the store's; a store that asks is the
    /// other reading, which the client heeds.
    pub store_retry_after: Option<u64>,
}

impl FaultConfig {
    fn check(&self) -> Result<(), SandboxError> {
        let rates = [self.error_rate, self.drop_rate, self.lost_answer_rate];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) || rates.iter().sum::<f64>() > 1.0 {
            return Err(SandboxError::Config(
                "fault rates must be between 0 and 1 and add up to at most 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.store_error_rate) {
            return Err(SandboxError::Config(
                "the store fault rate must be between 0 and 1".into(),
            ));
        }
        Ok(())
    }
}

/// Which of `filename` / `file_name` request-upload insists on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameFields {
    /// Both must be present (the default: the guide says to send both).
    #[default]
    Both,
    /// One is enough, as some tenants validate only one of them.
    Either,
}

/// The `upload_type` answered for a one-PUT upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SingleUploadType {
    #[default]
    Single,
    Standard,
}

impl SingleUploadType {
    pub fn as_str(self) -> &'static str {
        match self {
            SingleUploadType::Single => "single",
            SingleUploadType::Standard => "standard",
        }
    }
}

/// Upload behaviour.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    pub name_fields: NameFields,
    pub single_upload_type: SingleUploadType,
    /// Sizes above this get a multipart upload.
    pub multipart_threshold: u64,
    /// Size of every part but the last.
    pub part_size: u64,
    /// Lifetime of presigned upload URLs.
    pub url_ttl: Duration,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            name_fields: NameFields::Both,
            single_upload_type: SingleUploadType::Single,
            multipart_threshold: 8 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            url_ttl: Duration::from_secs(3600),
        }
    }
}

impl UploadConfig {
    fn check(&self) -> Result<(), SandboxError> {
        if self.part_size == 0 {
            return Err(SandboxError::Config(
                "the part size must be positive".into(),
            ));
        }
        Ok(())
    }
}
