//! The router: API routes (stats → rate limit → faults → bearer auth →
//! handler), the presigned object store (stats only) and the control
//! endpoints (nothing in front). Also the request-body extractor shared
//! by the API handlers.

mod attribute_values;
mod control;
mod form_upload;
mod objects;
mod search;
mod store;
mod uploads;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use bytes::Bytes;
use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::app::App;
use super::kind::Kind;
use super::{auth, faults, limit, stats};
use crate::api::paths;

/// A request body that must be a JSON object (400 otherwise).
pub(crate) struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::bad_request(
                "the request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::bad_request(format!(
                "the request body is not valid JSON: {e}"
            ))),
        }
    }
}

/// A list answer in the shape the endpoint uses: a raw array, or an
/// object with the kind's key (`{"collections": [...]}`).
pub(crate) fn list_response(kind: Kind, items: Vec<Value>) -> Response {
    match kind.list_key() {
        Some(key) => {
            let mut wrapper = Map::new();
            wrapper.insert(key.to_string(), Value::Array(items));
            axum::Json(Value::Object(wrapper)).into_response()
        }
        None => axum::Json(Value::Array(items)).into_response(),
    }
}

async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no such route").into_response()
}

/// Route templates and their handlers, before the middleware goes on.
pub(crate) type Routes = Vec<(String, MethodRouter<Arc<App>>)>;

/// Wraps one route in the layers its class needs. Layers go on each
/// route (not the router) so the stats layer knows the route template.
fn layered(
    app: &Arc<App>,
    path: &str,
    route: MethodRouter<Arc<App>>,
    class: Class,
) -> MethodRouter<Arc<App>> {
    let route = match class {
        Class::Api { authorized: true } => {
            route.layer(from_fn_with_state(app.clone(), auth::middleware))
        }
        _ => route,
    };
    let route = match class {
        Class::Api { .. } => route
            .layer(from_fn_with_state(app.clone(), faults::middleware))
            .layer(from_fn_with_state(app.clone(), limit::middleware)),
        Class::Store => route,
    };
    route.layer(from_fn_with_state(
        (app.clone(), Arc::<str>::from(path)),
        stats::middleware,
    ))
}

#[derive(Clone, Copy)]
enum Class {
    Api { authorized: bool },
    Store,
}

pub(crate) fn router(app: Arc<App>) -> Router {
    let oauth: Routes = vec![
        (paths::AUTHORIZE.into(), post(auth::authorize)),
        (paths::AUTHORIZE_V2.into(), post(auth::authorize)),
    ];
    let classes = [
        (oauth, Class::Api { authorized: false }),
        (objects::routes(), Class::Api { authorized: true }),
        (attribute_values::routes(), Class::Api { authorized: true }),
        (search::routes(), Class::Api { authorized: true }),
        (uploads::routes(), Class::Api { authorized: true }),
        (store::routes(&app, app.readings.upload_form), Class::Store),
    ];
    let mut router = control::routes();
    for (routes, class) in classes {
        for (path, route) in routes {
            router = router.route(&path, layered(&app, &path, route, class));
        }
    }
    router.fallback(not_found).with_state(app)
}
