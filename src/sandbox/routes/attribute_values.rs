//! The attribute values of one object: `GET /v2.1/attribute/{entity}/{id}`
//! and the per-attribute update `PUT /v2.1/attribute/{entity}/{id}/{attribute_id}`
//! (body `{"value": ...}`; `null` clears), which unlike the `attributes`
//! array of an object PUT leaves the other values alone. A file still
//! processing answers 404 on all of them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::{JsonObject, Routes};
use crate::api::paths;
use crate::sandbox::api_error::ApiError;
use crate::sandbox::app::App;
use crate::sandbox::kind::Kind;
use crate::sandbox::validate::check_value;

pub(super) fn routes() -> Routes {
    vec![
        (paths::ATTRIBUTE_VALUES_ROUTE.into(), get(values)),
        (
            paths::ATTRIBUTE_VALUE_ROUTE.into(),
            get(one_value).put(set_value).delete(clear_value),
        ),
    ]
}

fn entity(entity: &str) -> Result<Kind, ApiError> {
    Kind::from_entity(entity).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!("unknown entity `{entity}` (expected `collection`, `file` or `category`)"),
        )
    })
}

async fn values(
    State(app): State<Arc<App>>,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = entity(&kind)?;
    app.available(kind, &id)?;
    let db = app.db();
    let record = App::require(&db, kind, &id)?;
    Ok(axum::Json(app.renderer(&db).attribute_values(record)).into_response())
}

async fn one_value(
    State(app): State<Arc<App>>,
    Path((kind, id, attribute_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let kind = entity(&kind)?;
    app.available(kind, &id)?;
    let db = app.db();
    let record = App::require(&db, kind, &id)?;
    let value = app
        .renderer(&db)
        .attribute_values(record)
        .into_iter()
        .find(|v| v.get("id").and_then(Value::as_str) == Some(attribute_id.as_str()))
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                format!("no value for attribute `{attribute_id}`"),
            )
        })?;
    Ok(axum::Json(value).into_response())
}

async fn set_value(
    State(app): State<Arc<App>>,
    Path((kind, id, attribute_id)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let value = body
        .get("value")
        .ok_or_else(|| ApiError::required("value"))?;
    write(&app, &kind, &id, &attribute_id, Some(value))
}

async fn clear_value(
    State(app): State<Arc<App>>,
    Path((kind, id, attribute_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    write(&app, &kind, &id, &attribute_id, None)
}

fn write(
    app: &App,
    kind: &str,
    id: &str,
    attribute_id: &str,
    value: Option<&Value>,
) -> Result<Response, ApiError> {
    let kind = entity(kind)?;
    app.available(kind, id)?;
    let mut db = app.db();
    let state = db.state();
    let mut record = state
        .get(kind, id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, id))?;
    let attribute = state
        .get(Kind::Attribute, attribute_id)
        .ok_or_else(|| ApiError::not_found(Kind::Attribute, attribute_id))?;
    match value.filter(|v| !v.is_null()) {
        Some(v) => {
            check_value(attribute, v)?;
            record.values.insert(attribute_id.to_string(), v.clone());
        }
        None => {
            record.values.remove(attribute_id);
        }
    }
    record.updated_at = App::now();
    App::put(&mut db, kind, &record)?;
    Ok(axum::Json(app.renderer(&db).attribute_values(&record)).into_response())
}
