//! Keyword search: `GET /v2/{entity}/search` answers a raw array,
//! `GET /v3/{entity}/search` answers `{"hits": [...], "total": N}`;
//! entity `folder` searches collections, `file` searches files. With a
//! page cap, v3 answers `{"hits": [...]}` without `total`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::Routes;
use crate::sandbox::api_error::ApiError;
use crate::sandbox::app::App;
use crate::sandbox::db::Record;
use crate::sandbox::kind::Kind;
use crate::sandbox::query::{ListParams, Params};

type AppState = State<Arc<App>>;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new();
    for (entity, kind) in [("folder", Kind::Collection), ("file", Kind::File)] {
        routes.push((
            format!("/v2/{entity}/search"),
            get(move |s: AppState, p: Params| search(s, kind, p, false)),
        ));
        routes.push((
            format!("/v3/{entity}/search"),
            get(move |s: AppState, p: Params| search(s, kind, p, true)),
        ));
    }
    routes
}

async fn search(
    State(app): AppState,
    kind: Kind,
    params: Params,
    with_total: bool,
) -> Result<Response, ApiError> {
    let params = ListParams::parse(&params, &app.readings)?;
    let db = app.db();
    let matching: Vec<&Record> = db
        .state()
        .table(kind)
        .filter(|r| params.matches(kind, r))
        .collect();
    let renderer = app.renderer(&db);
    let hits: Vec<_> = params
        .page(&matching)
        .iter()
        .map(|r| renderer.object(kind, r, params.detail))
        .collect();
    Ok(match (with_total, params.cap) {
        (true, None) => {
            axum::Json(json!({ "hits": hits, "total": matching.len() })).into_response()
        }
        // A capped server (`--page-cap`) gives no `total` to page by.
        (true, Some(_)) => axum::Json(json!({ "hits": hits })).into_response(),
        (false, _) => axum::Json(hits).into_response(),
    })
}
