//! List, create, get, update and delete for every kind (regions: list
//! only; files: no create, uploads make them), and the files of a
//! category or a collection. A file still processing answers 404 by id,
//! and with `--no-file-delete` its DELETE answers 405.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{JsonObject, Routes, list_response};
use crate::sandbox::api_error::ApiError;
use crate::sandbox::app::App;
use crate::sandbox::assumptions::{CREATE_STATUS, DELETE_STATUS, FILE_CATEGORY_FIELD};
use crate::sandbox::db::{Change, Record};
use crate::sandbox::kind::Kind;
use crate::sandbox::query::{ListParams, Params};
use crate::sandbox::refs::{self, REFS};
use crate::sandbox::validate::apply_body;

type AppState = State<Arc<App>>;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new();
    for kind in Kind::ALL {
        let base = kind.path();
        let list = get(move |s: AppState, p: Params| list(s, kind, p));
        let list = match kind {
            Kind::Region | Kind::File => list,
            _ => list.post(move |s: AppState, b: JsonObject| create(s, kind, b)),
        };
        routes.push((base.to_owned(), list));
        if kind != Kind::Region {
            routes.push((
                format!("{base}/{{id}}"),
                get(move |s: AppState, id: Path<String>| read(s, kind, id))
                    .put(move |s: AppState, id: Path<String>, b: JsonObject| update(s, kind, id, b))
                    .delete(move |s: AppState, id: Path<String>| delete(s, kind, id)),
            ));
        }
    }
    for owner in [Kind::Category, Kind::Collection] {
        routes.push((
            format!("{}/{{id}}/files", owner.path()),
            get(move |s: AppState, id: Path<String>, p: Params| files_of(s, owner, id, p)),
        ));
    }
    routes
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
}

async fn list(State(app): AppState, kind: Kind, params: Params) -> Result<Response, ApiError> {
    let params = ListParams::parse(&params, &app.readings)?;
    let db = app.db();
    let state = db.state();
    let renderer = app.renderer(&db);
    let items = if params.filters() {
        let matching: Vec<&Record> = state
            .table(kind)
            .filter(|r| params.matches(kind, r))
            .collect();
        params
            .page(&matching)
            .iter()
            .map(|r| renderer.object(kind, r, params.detail))
            .collect()
    } else {
        state
            .table_range(kind, params.page_range(state.count(kind)))
            .map(|r| renderer.object(kind, r, params.detail))
            .collect()
    };
    Ok(list_response(kind, items))
}

async fn files_of(
    State(app): AppState,
    owner: Kind,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let params = ListParams::parse(&params, &app.readings)?;
    let db = app.db();
    let state = db.state();
    if !state.contains(owner, &id) {
        return Err(ApiError::not_found(owner, &id));
    }
    let linked = |f: &&Record| match owner {
        Kind::Category => f.str_field(FILE_CATEGORY_FIELD) == Some(id.as_str()),
        _ => f.id_list("collections").contains(&id.as_str()),
    };
    let matching: Vec<&Record> = state
        .table(Kind::File)
        .filter(linked)
        .filter(|r| params.matches(Kind::File, r))
        .collect();
    let renderer = app.renderer(&db);
    let items = params
        .page(&matching)
        .iter()
        .map(|r| renderer.object(Kind::File, r, params.detail))
        .collect();
    Ok(list_response(Kind::File, items))
}

async fn create(
    State(app): AppState,
    kind: Kind,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let mut record = Record::new(app.ids.uuid(), App::now());
    let mut db = app.db();
    apply_body(
        db.state(),
        kind,
        &mut record,
        &body,
        true,
        app.published_dates(),
    )?;
    App::put(&mut db, kind, &record)?;
    let body = app.renderer(&db).object(kind, &record, Default::default());
    Ok((status(CREATE_STATUS), axum::Json(body)).into_response())
}

async fn read(
    State(app): AppState,
    kind: Kind,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    app.available(kind, &id)?;
    let db = app.db();
    let record = App::require(&db, kind, &id)?;
    Ok(axum::Json(app.renderer(&db).object(kind, record, Default::default())).into_response())
}

async fn update(
    State(app): AppState,
    kind: Kind,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    app.available(kind, &id)?;
    let mut db = app.db();
    let mut record = App::require(&db, kind, &id)?.clone();
    apply_body(
        db.state(),
        kind,
        &mut record,
        &body,
        false,
        app.published_dates(),
    )?;
    record.updated_at = App::now();
    App::put(&mut db, kind, &record)?;
    Ok(axum::Json(app.renderer(&db).object(kind, &record, Default::default())).into_response())
}

async fn delete(
    State(app): AppState,
    kind: Kind,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if kind == Kind::File && !app.readings.file_delete {
        return Ok(file_delete_not_allowed());
    }
    app.available(kind, &id)?;
    let content = {
        let mut db = app.db();
        let state = db.state();
        let record = state
            .get(kind, &id)
            .ok_or_else(|| ApiError::not_found(kind, &id))?;
        let content = record.content.clone();
        let mut changes = unlink(state, kind, &id)?;
        if let Some(key) = &content {
            changes.push(Change::DropBlob { key: key.clone() });
        }
        changes.push(Change::Delete { kind, id });
        App::commit(&mut db, changes)?;
        content
    };
    if let Some(key) = content {
        app.blobs.remove(&key).await;
    }
    Ok(status(DELETE_STATUS).into_response())
}

/// `--no-file-delete`: the guides list no file delete, so the route
/// answers 405 with the usual error body and the methods it has.
fn file_delete_not_allowed() -> Response {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "files cannot be deleted through the API",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, PUT"));
    response
}

/// The changes that remove every link to `kind`/`id`, or a 400 when a
/// child category or a variant still hangs from it.
fn unlink(
    state: &crate::sandbox::db::State,
    kind: Kind,
    id: &str,
) -> Result<Vec<Change>, ApiError> {
    let now = App::now();
    let mut changed: Vec<(Kind, Record)> = Vec::new();
    for r in REFS.iter().filter(|r| r.target == kind) {
        for owner in state.table(r.owner) {
            let Some(value) = owner.fields.get(r.field) else {
                continue;
            };
            if !refs::points_at(r.shape, value, id) {
                continue;
            }
            if r.blocks_delete {
                return Err(ApiError::bad_request(format!(
                    "{} `{id}` still has {} `{}` pointing at it through `{}`; delete or move that first",
                    kind.ident(),
                    r.owner.ident(),
                    owner.id,
                    r.field
                )));
            }
            let position = changed
                .iter()
                .position(|(k, o)| *k == r.owner && o.id == owner.id);
            let entry = match position {
                Some(i) => &mut changed[i].1,
                None => {
                    changed.push((r.owner, owner.clone()));
                    let last = changed.len() - 1;
                    &mut changed[last].1
                }
            };
            let scrubbed = refs::without(r.shape, value, id);
            entry.fields.insert(r.field.to_string(), scrubbed);
            entry.updated_at = now;
        }
    }
    if kind == Kind::Attribute {
        for owner_kind in Kind::ALL.into_iter().filter(|k| k.has_attribute_values()) {
            for owner in state
                .table(owner_kind)
                .filter(|o| o.values.contains_key(id))
            {
                let mut owner = owner.clone();
                owner.values.remove(id);
                owner.updated_at = now;
                changed.push((owner_kind, owner));
            }
        }
    }
    Ok(changed
        .into_iter()
        .map(|(kind, record)| Change::Put { kind, record })
        .collect())
}
