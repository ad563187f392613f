//! Control endpoints under `/_sandbox/` (no token, not rate limited, not
//! faulted, not counted): stats, and scripting the next answers' faults.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::JsonObject;
use crate::sandbox::api_error::ApiError;
use crate::sandbox::app::App;
use crate::sandbox::faults::ScriptedFault;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/_sandbox/stats", get(stats)).route(
        "/_sandbox/faults",
        axum::routing::post(script).delete(clear),
    )
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    axum::Json(app.stats_snapshot()).into_response()
}

/// Queues a fault for the next `count` API requests, e.g.
/// `{"action": "status", "status": 429, "retry_after": 2, "count": 3}`.
async fn script(
    State(app): State<Arc<App>>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let scripted: ScriptedFault = serde_json::from_value(body.into())
        .map_err(|e| ApiError::bad_request(format!("invalid fault: {e}")))?;
    let (fault, count, route) = scripted.parse()?;
    app.faults.push_script(fault, count, route);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn clear(State(app): State<Arc<App>>) -> Response {
    app.faults.clear_script();
    StatusCode::NO_CONTENT.into_response()
}
