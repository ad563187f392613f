//! Counters for `GET /_sandbox/stats`: requests by route and status,
//! 429s from the limiter, faults served; plus what the state holds when
//! a snapshot is taken (objects per kind, bytes stored, open uploads,
//! files still processing).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::app::App;
use super::db::State as DbState;
use super::kind::Kind;

#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    rate_limited: AtomicU64,
    background_admitted: AtomicU64,
    background_refused: AtomicU64,
    faults: Mutex<BTreeMap<String, u64>>,
    /// When each API request arrived, admitted or not, so tests can check
    /// a client's traffic over any sliding window.
    arrivals: Mutex<Vec<tokio::time::Instant>>,
}

/// What `GET /_sandbox/stats` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// Every counted request (API and object store; not control endpoints).
    pub requests_total: u64,
    /// `"METHOD /route/{param}"` → status (or `"dropped"`) → count.
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// 429s answered by the rate limiter (scripted 429s count as faults).
    pub rate_limited: u64,
    /// Background requests (`--background-load`) the limiter admitted and
    /// refused; absent from the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub background_admitted: u64,
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub background_refused: u64,
    /// Faults served by name: `status_500`, `drop`, `lost_answer`, ...
    pub faults: BTreeMap<String, u64>,
    /// Bytes held by the object store (files and unconfirmed uploads).
    pub bytes_stored: u64,
    /// Objects per kind.
    pub objects: BTreeMap<String, usize>,
    /// Requested uploads not confirmed yet.
    pub uploads_pending: usize,
    /// Confirmed files still processing (`Readings::processing_delay`);
    /// absent from the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_processing: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl StatsSnapshot {
    /// Requests to `route` answered with `status` (e.g. `"200"`, `"dropped"`).
    pub fn count(&self, route: &str, status: &str) -> u64 {
        self.requests
            .get(route)
            .and_then(|s| s.get(status))
            .copied()
            .unwrap_or(0)
    }
}

/// The `"METHOD /route/{template}"` a request is counted under, put in
/// its extensions by the stats layer for the layers inside it.
#[derive(Debug, Clone)]
pub(crate) struct RouteName(pub Arc<str>);

impl Stats {
    pub(crate) fn count_request(&self, route: &str, status: &str) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let by_status = match requests.get_mut(route) {
            Some(s) => s,
            None => requests.entry(route.to_string()).or_default(),
        };
        match by_status.get_mut(status) {
            Some(n) => *n += 1,
            None => {
                by_status.insert(status.to_string(), 1);
            }
        }
    }

    pub(crate) fn record_arrival(&self, at: tokio::time::Instant) {
        let mut arrivals = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        // A long-running sandbox keeps the first million (16 MB), enough
        // for any test or benchmark.
        if arrivals.len() < 1_000_000 {
            arrivals.push(at);
        }
    }

    pub(crate) fn arrivals(&self) -> Vec<tokio::time::Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn count_background(&self, admitted: bool) {
        let counter = if admitted {
            &self.background_admitted
        } else {
            &self.background_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_fault(&self, name: &str) {
        *self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default() += 1;
    }

    pub(crate) fn snapshot(&self, state: &DbState) -> StatsSnapshot {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        StatsSnapshot {
            requests_total: requests.values().flat_map(BTreeMap::values).sum(),
            requests,
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            background_admitted: self.background_admitted.load(Ordering::Relaxed),
            background_refused: self.background_refused.load(Ordering::Relaxed),
            faults: self
                .faults
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            bytes_stored: state.blobs.values().map(|b| b.len).sum(),
            objects: Kind::ALL
                .iter()
                .map(|k| (k.ident().to_string(), state.count(*k)))
                .collect(),
            uploads_pending: state.sessions.len(),
            files_processing: 0,
        }
    }
}

/// Outermost middleware on API and object-store routes.
pub(crate) async fn middleware(
    State((app, template)): State<(Arc<App>, Arc<str>)>,
    mut request: Request,
    next: Next,
) -> Response {
    let route: Arc<str> = format!("{} {template}", request.method()).into();
    request.extensions_mut().insert(RouteName(route.clone()));
    let response = next.run(request).await;
    app.stats.count_request(&route, response.status().as_str());
    response
}
