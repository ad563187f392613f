//! OAuth client credentials: `POST /v2.1/oauth/authorize` (and the
//! upload guide's `/v2/oauth/authorize`) trades Basic credentials for the
//! long-lived bearer token, and the middleware that refuses every other
//! API call without that token.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::app::App;

/// Token lifetime the guide documents (one year), as the string it shows.
const EXPIRES_IN: &str = "31536000";

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn grant_type(body: &[u8]) -> Option<String> {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        return map.get("grant_type")?.as_str().map(str::to_string);
    }
    // An OAuth client may send the form encoding instead of JSON.
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("grant_type="))
        .map(str::to_string)
}

/// `POST /v2.1/oauth/authorize`.
pub(crate) async fn authorize(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let given = basic_credentials(&headers);
    let valid = given.as_ref().is_some_and(|(id, secret)| {
        *id == app.credentials.client_id && *secret == app.credentials.client_secret
    });
    if !valid {
        return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_client").into_response();
    }
    if grant_type(&body).as_deref() != Some("client_credentials") {
        return ApiError::field(
            "grant_type",
            "unsupported_grant_type: expected `client_credentials`",
        )
        .into_response();
    }
    axum::Json(json!({
        "access_token": app.token,
        "token_type": "Bearer",
        "expires_in": EXPIRES_IN,
    }))
    .into_response()
}

/// Middleware on API routes other than authorize: a valid bearer token or 401.
pub(crate) async fn middleware(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == app.token
        });
    if !authorized {
        return ApiError::unauthorized().into_response();
    }
    next.run(request).await
}
