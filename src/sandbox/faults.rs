//! Fault injection on API calls: scripted faults (queued through the
//! control endpoint, served first) and seeded random ones (error
//! statuses, dropped connections, committed writes whose answer is lost,
//! latency). Every request draws the same number of values from one
//! generator, so a seed and a request order give the same faults. The
//! object store's one fault (a 503 at `store_error_rate`) draws from a
//! generator of its own, so store traffic never shifts the API's faults.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::api_error::ApiError;
use super::app::App;
use super::config::{FaultConfig, RateLimit};
use super::limit::too_many_requests;
use super::server::ConnControl;
use super::stats::RouteName;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer with this status (and `Retry-After` for a 429) without applying.
    Status { status: u16, retry_after: u64 },
    /// Close the connection without applying or answering.
    Drop,
    /// Apply, then close the connection without answering (writes only).
    LostAnswer,
}

impl Fault {
    fn stat_name(self) -> String {
        match self {
            Fault::Status { status, .. } => format!("status_{status}"),
            Fault::Drop => "drop".into(),
            Fault::LostAnswer => "lost_answer".into(),
        }
    }
}

/// A fault queued through `POST /_sandbox/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedFault {
    /// `status`, `drop` or `lost_answer`.
    pub action: String,
    /// For `status`: the status to answer (e.g. 429, 500, 503).
    #[serde(default)]
    pub status: Option<u16>,
    /// For a 429: the `Retry-After` seconds (default 1).
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// How many of the next API requests get it (default 1).
    #[serde(default)]
    pub count: Option<u32>,
    /// Only requests to this route get it (`"POST /v3/file/confirm-upload"`,
    /// as stats name routes); others pass by it.
    #[serde(default)]
    pub route: Option<String>,
}

impl ScriptedFault {
    pub(crate) fn parse(&self) -> Result<(Fault, u32, Option<String>), ApiError> {
        let fault = match self.action.as_str() {
            "status" => {
                let status = self.status.ok_or_else(|| ApiError::required("status"))?;
                if StatusCode::from_u16(status).is_err() || status < 400 {
                    return Err(ApiError::field(
                        "status",
                        "`status` must be an error status (400-599)",
                    ));
                }
                Fault::Status {
                    status,
                    retry_after: self.retry_after.unwrap_or(1),
                }
            }
            "drop" => Fault::Drop,
            "lost_answer" => Fault::LostAnswer,
            other => {
                return Err(ApiError::field(
                    "action",
                    format!(
                        "unknown action `{other}` (expected `status`, `drop` or `lost_answer`)"
                    ),
                ));
            }
        };
        Ok((fault, self.count.unwrap_or(1), self.route.clone()))
    }
}

#[derive(Debug)]
pub(crate) struct Faults {
    config: FaultConfig,
    random: bool,
    rng: Mutex<SmallRng>,
    store_rng: Mutex<SmallRng>,
    /// Faults to serve first, with how many times and on which route.
    script: Mutex<VecDeque<(Fault, u32, Option<String>)>>,
}

const ERROR_STATUSES: [u16; 3] = [500, 502, 503];

impl Faults {
    pub(crate) fn new(config: FaultConfig) -> Self {
        let random = config.error_rate > 0.0
            || config.drop_rate > 0.0
            || config.lost_answer_rate > 0.0
            || !config.latency_jitter.is_zero();
        Faults {
            rng: Mutex::new(SmallRng::seed_from_u64(config.seed)),
            // Any other stream than the API's will do.
            store_rng: Mutex::new(SmallRng::seed_from_u64(!config.seed)),
            config,
            random,
            script: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn push_script(&self, fault: Fault, count: u32, route: Option<String>) {
        if count > 0 {
            self.script
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back((fault, count, route));
        }
    }

    pub(crate) fn clear_script(&self) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub(crate) fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Whether the next object-store request fails (503).
    pub(crate) fn store_fails(&self) -> bool {
        let rate = self.config.store_error_rate;
        if rate <= 0.0 {
            return false;
        }
        let roll: f64 = self
            .store_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .random();
        roll < rate
    }

    /// The fault (if any) and the latency for the next request, to `route`.
    pub(crate) fn decide(&self, is_write: bool, route: &str) -> (Option<Fault>, Duration) {
        let scripted = {
            let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
            let at = script
                .iter()
                .position(|(_, _, only)| only.as_deref().is_none_or(|r| r == route));
            at.and_then(|i| {
                let (fault, left, _) = script.get_mut(i)?;
                *left -= 1;
                let fault = *fault;
                if *left == 0 {
                    script.remove(i);
                }
                Some(fault)
            })
        };
        let mut latency = self.config.latency;
        let mut fault = None;
        if self.random {
            let c = &self.config;
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            let roll: f64 = rng.random();
            let status = ERROR_STATUSES[rng.random_range(0..ERROR_STATUSES.len())];
            let jitter_ms = u64::try_from(c.latency_jitter.as_millis()).unwrap_or(u64::MAX);
            latency += Duration::from_millis(rng.random_range(0..=jitter_ms));
            fault = if roll < c.error_rate {
                Some(Fault::Status {
                    status,
                    retry_after: 1,
                })
            } else if roll < c.error_rate + c.drop_rate {
                Some(Fault::Drop)
            } else if roll < c.error_rate + c.drop_rate + c.lost_answer_rate && is_write {
                Some(Fault::LostAnswer)
            } else {
                None
            };
        }
        (scripted.or(fault), latency)
    }
}

/// Middleware on API routes, inside the rate limit.
pub(crate) async fn middleware(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let is_write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let route = request
        .extensions()
        .get::<RouteName>()
        .map_or_else(|| request.uri().path().to_string(), |r| r.0.to_string());
    // `route` is already "METHOD /template".
    let (fault, latency) = app.faults.decide(is_write, &route);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    app.stats.count_fault(&fault.stat_name());
    match fault {
        Fault::Status {
            status: 429,
            retry_after,
        } => {
            // With the limiter off, advertise the real API's limit.
            let limit = app
                .limiter
                .as_ref()
                .map_or(RateLimit::default().max_requests, |l| l.max_requests());
            too_many_requests(retry_after, limit)
        }
        Fault::Status { status, .. } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(
                status,
                status.canonical_reason().unwrap_or("Injected fault"),
            )
            .into_response()
        }
        Fault::Drop => {
            abort(
                &app,
                &route,
                request.extensions().get::<ConnControl>().cloned(),
            )
            .await
        }
        Fault::LostAnswer => {
            let control = request.extensions().get::<ConnControl>().cloned();
            let _committed = next.run(request).await;
            abort(&app, &route, control).await
        }
    }
}

/// Closes the connection without an answer; never returns unless the
/// request did not come through the sandbox's own connection loop.
async fn abort(app: &App, route: &str, control: Option<ConnControl>) -> Response {
    app.stats.count_request(route, "dropped");
    match control {
        Some(control) => {
            control.abort();
            std::future::pending().await
        }
        None => ApiError::internal("cannot drop a connection here").into_response(),
    }
}
