//! The upload flow of the upload guide, under `/v2.1/file/` and
//! `/v3/file/`: request-upload opens a session and hands out presigned
//! URLs (one, or one per part above the multipart threshold), or with
//! `--upload-form post` a presigned POST form; confirm-upload checks what
//! was stored against the session (and a form's `etag`), applies the
//! conflict choice and `metadata`, makes the file visible and starts its
//! processing delay.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{JsonObject, Routes};
use crate::api::paths;
use crate::sandbox::api_error::ApiError;
use crate::sandbox::app::App;
use crate::sandbox::assumptions::{
    CONFIRM_ETAG_FIELD, CONFLICT_ACTION_FIELD, CONFLICT_OVERWRITE, CONFLICT_VERSION,
    FILE_PATH_PREFIX, FORM_BUCKET, FORM_CONTENT_TYPE_FIELD, FORM_FIELDS_FIELD, FORM_KEY_FIELD,
    FORM_POLICY_FIELD, FORM_SIGNATURE_FIELD, POST_UPLOAD_TYPE, STORE_PREFIX,
};
use crate::sandbox::config::NameFields;
use crate::sandbox::db::{Change, PartRange, Record, State as DbState, UploadSession};
use crate::sandbox::form_policy::FormPolicy;
use crate::sandbox::kind::Kind;
use crate::sandbox::readings::UploadForm;
use crate::sandbox::validate::apply_body;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new();
    for path in [paths::REQUEST_UPLOAD, paths::REQUEST_UPLOAD_V2_1] {
        routes.push((path.to_owned(), post(request_upload)));
    }
    for path in [paths::CONFIRM_UPLOAD, paths::CONFIRM_UPLOAD_V2_1] {
        routes.push((path.to_owned(), post(confirm_upload)));
    }
    routes
}

/// Blob key of a single-PUT upload.
pub(super) fn single_key(upload_id: &str) -> String {
    format!("temp/{upload_id}")
}

/// Blob key of one part of a multipart upload.
pub(super) fn part_key(upload_id: &str, part_number: u32) -> String {
    format!("temp/{upload_id}/part-{part_number}")
}

/// Blob key of a file's bytes; one per confirmed upload, so a download
/// URL never serves bytes other than those it was issued for.
fn content_key(file_id: &str, upload_id: &str) -> String {
    format!("files/{file_id}/{upload_id}")
}

fn non_empty_str<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
        Some(_) => Err(ApiError::field(
            field,
            format!("`{field}` must be a non-empty string"),
        )),
    }
}

fn positive_size(body: &Map<String, Value>, field: &str) -> Result<u64, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(ApiError::required(field)),
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::field(field, format!("`{field}` must be a positive integer"))),
    }
}

fn file_name(app: &App, body: &Map<String, Value>) -> Result<String, ApiError> {
    let a = non_empty_str(body, "filename")?;
    let b = non_empty_str(body, "file_name")?;
    match (a, b, app.uploads.name_fields) {
        (Some(a), Some(b), _) if a != b => Err(ApiError::field(
            "filename",
            "`filename` and `file_name` differ",
        )),
        (Some(_), Some(b), _) => Ok(b.to_string()),
        (None, _, NameFields::Both) => Err(ApiError::required("filename")),
        (_, None, NameFields::Both) => Err(ApiError::required("file_name")),
        (Some(n), None, NameFields::Either) | (None, Some(n), NameFields::Either) => {
            Ok(n.to_string())
        }
        (None, None, NameFields::Either) => Err(ApiError::required("file_name")),
    }
}

fn parts(size: u64, part_size: u64) -> Vec<PartRange> {
    (0..size.div_ceil(part_size))
        .map(|i| PartRange {
            part_number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            start_byte: i * part_size,
            end_byte: ((i + 1) * part_size).min(size) - 1,
        })
        .collect()
}

/// `POST /v2.1|v3/file/request-upload`.
async fn request_upload(
    State(app): State<Arc<App>>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let file_name = file_name(&app, &body)?;
    let size = positive_size(&body, "size")?;
    let mime_type = non_empty_str(&body, "mime_type")?.map(str::to_string);
    let upload_id = app.ids.uuid();
    let post_form = app.readings.upload_form == UploadForm::Post;
    let session = UploadSession {
        file_path: format!("{FILE_PATH_PREFIX}{upload_id}/{file_name}"),
        upload_id: upload_id.clone(),
        file_name,
        mime_type,
        size,
        parts: if size > app.uploads.multipart_threshold && !post_form {
            parts(size, app.uploads.part_size)
        } else {
            Vec::new()
        },
        created_at: App::now(),
        post_form,
    };
    let expires = App::now().as_second()
        + i64::try_from(app.uploads.url_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let path = format!("{STORE_PREFIX}/{}", single_key(&upload_id));
    let mut data = Map::new();
    if session.post_form {
        data.insert("upload_type".into(), json!(POST_UPLOAD_TYPE));
        data.insert(
            "upload_url".into(),
            json!(format!("{}{STORE_PREFIX}/{FORM_BUCKET}", app.base_url)),
        );
        data.insert(
            FORM_FIELDS_FIELD.into(),
            Value::Object(form_fields(&app, &session, expires)),
        );
    } else if session.is_multipart() {
        let parts: Vec<Value> = session
            .parts
            .iter()
            .map(|p| {
                let params = [
                    ("partNumber", p.part_number.to_string()),
                    ("uploadId", upload_id.clone()),
                ];
                json!({
                    "part_number": p.part_number,
                    "upload_url": app.signer.url(&app.base_url, "PUT", &path, &params, expires),
                    "start_byte": p.start_byte,
                    "end_byte": p.end_byte,
                })
            })
            .collect();
        data.insert("upload_type".into(), json!("multipart"));
        data.insert("upload_id".into(), json!(upload_id));
        data.insert("parts".into(), Value::Array(parts));
    } else {
        data.insert(
            "upload_type".into(),
            json!(app.uploads.single_upload_type.as_str()),
        );
        data.insert(
            "upload_url".into(),
            json!(app.signer.url(&app.base_url, "PUT", &path, &[], expires)),
        );
    }
    data.insert("file_path".into(), json!(session.file_path));
    data.insert("file_name".into(), json!(session.file_name));

    let mut db = app.db();
    let conflict = db
        .state()
        .file_named(&session.file_name)
        .map(|f| f.id.clone());
    let mut answer = Map::new();
    if let Some(id) = conflict {
        // Both in `upload_data` and beside it: the guide shows the two
        // fields on their own, without saying where they sit.
        for target in [&mut data, &mut answer] {
            target.insert("is_conflict".into(), json!(true));
            target.insert("conflict_file_id".into(), json!(id));
        }
    }
    answer.insert("upload_data".into(), Value::Object(data));
    App::commit(&mut db, vec![Change::OpenUpload { session }])?;
    Ok(axum::Json(Value::Object(answer)).into_response())
}

/// The fields of a presigned POST form: the key, the content type, the
/// policy fixing both and the size, and the policy's signature.
fn form_fields(app: &App, session: &UploadSession, expires: i64) -> Map<String, Value> {
    let mime = mime_of(session);
    let policy = FormPolicy {
        expiration: Timestamp::from_second(expires).unwrap_or(Timestamp::MAX),
        exact: vec![
            ("bucket".into(), FORM_BUCKET.into()),
            (FORM_KEY_FIELD.into(), session.file_path.clone()),
            (FORM_CONTENT_TYPE_FIELD.into(), mime.clone()),
        ],
        length: (session.size, session.size),
    }
    .encode();
    let mut fields = Map::new();
    fields.insert(FORM_KEY_FIELD.into(), json!(session.file_path));
    fields.insert(FORM_CONTENT_TYPE_FIELD.into(), json!(mime));
    fields.insert(
        FORM_SIGNATURE_FIELD.into(),
        json!(app.signer.policy_signature(&policy)),
    );
    fields.insert(FORM_POLICY_FIELD.into(), json!(policy));
    fields
}

/// The MIME type the upload declared, else the one its name suggests.
fn mime_of(session: &UploadSession) -> String {
    session.mime_type.clone().unwrap_or_else(|| {
        mime_guess::from_path(&session.file_name)
            .first_or_octet_stream()
            .to_string()
    })
}

/// What confirm-upload will do with the session's bytes.
enum Target {
    New,
    Overwrite(Record),
    Version(Record),
}

/// Checks a confirm body against its session; returns the session and
/// the blob keys holding the bytes, in order.
fn check_confirm(
    state: &DbState,
    body: &Map<String, Value>,
) -> Result<(UploadSession, Vec<String>), ApiError> {
    let file_path =
        non_empty_str(body, "file_path")?.ok_or_else(|| ApiError::required("file_path"))?;
    let session = state
        .sessions
        .values()
        .find(|s| s.file_path == file_path)
        .cloned()
        .ok_or_else(|| {
            ApiError::field(
                "file_path",
                format!("no upload was requested for `file_path` `{file_path}`"),
            )
        })?;
    let name = non_empty_str(body, "file_name")?.ok_or_else(|| ApiError::required("file_name"))?;
    if name != session.file_name {
        return Err(ApiError::field(
            "file_name",
            format!(
                "`file_name` `{name}` differs from the requested `{}`",
                session.file_name
            ),
        ));
    }
    let file_size = positive_size(body, "file_size")?;
    if file_size != session.size {
        return Err(ApiError::field(
            "file_size",
            format!(
                "`file_size` {file_size} differs from the requested size {}",
                session.size
            ),
        ));
    }
    if !session.is_multipart() {
        let key = single_key(&session.upload_id);
        let stored = state.blobs.get(&key).ok_or_else(|| {
            ApiError::bad_request("no bytes were uploaded to the presigned URL of this upload")
        })?;
        if stored.len != session.size {
            return Err(ApiError::bad_request(format!(
                "the uploaded object holds {} bytes but the requested size is {}",
                stored.len, session.size
            )));
        }
        if session.post_form {
            check_form_etag(body, &stored.md5)?;
        }
        return Ok((session, vec![key]));
    }
    match non_empty_str(body, "upload_id")? {
        Some(id) if id == session.upload_id => {}
        Some(id) => {
            return Err(ApiError::field(
                "upload_id",
                format!("`upload_id` `{id}` is not this upload's"),
            ));
        }
        None => return Err(ApiError::required("upload_id")),
    }
    let listed = body
        .get("multipart")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::required("multipart"))?;
    if listed.len() != session.parts.len() {
        return Err(ApiError::field(
            "multipart",
            format!(
                "`multipart` lists {} parts; the upload has {}",
                listed.len(),
                session.parts.len()
            ),
        ));
    }
    let mut keys = Vec::with_capacity(listed.len());
    for (entry, part) in listed.iter().zip(&session.parts) {
        let n = part.part_number;
        if entry.get("part_number").and_then(Value::as_u64) != Some(u64::from(n)) {
            return Err(ApiError::field(
                "multipart",
                format!(
                    "`multipart` must list parts 1 to {} in order",
                    session.parts.len()
                ),
            ));
        }
        let key = part_key(&session.upload_id, n);
        let stored = state
            .blobs
            .get(&key)
            .ok_or_else(|| ApiError::field("multipart", format!("part {n} was not uploaded")))?;
        // S3 accepts the ETag quoted, as returned, or bare.
        let etag = entry
            .get("etag")
            .and_then(Value::as_str)
            .map(|e| e.trim().trim_matches('"'));
        match etag {
            Some(e) if e == stored.md5 => {}
            Some(e) => {
                return Err(ApiError::field(
                    "multipart",
                    format!("the ETag `{e}` of part {n} does not match the uploaded part"),
                ));
            }
            None => {
                return Err(ApiError::field(
                    "multipart",
                    format!("part {n} has no `etag`"),
                ));
            }
        }
        keys.push(key);
    }
    Ok((session, keys))
}

/// A POST-form upload is confirmed with the `etag` the store answered
/// (quoted as returned, or bare), as the peer guide's success call is.
fn check_form_etag(body: &Map<String, Value>, md5: &str) -> Result<(), ApiError> {
    let field = CONFIRM_ETAG_FIELD;
    let etag = non_empty_str(body, field)?.ok_or_else(|| {
        ApiError::field(
            field,
            format!("`{field}` is required: the ETag the form upload answered"),
        )
    })?;
    let bare = etag.trim().trim_matches('"');
    if bare != md5 {
        return Err(ApiError::field(
            field,
            format!("the `{field}` `{bare}` does not match the uploaded object"),
        ));
    }
    Ok(())
}

/// `POST /v2.1|v3/file/confirm-upload`.
async fn confirm_upload(
    State(app): State<Arc<App>>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let (session, target, sources) = plan_confirm(&app, &body)?;
    let (record, previous) = prepare_record(&app, &session, target);
    let key = content_key(&record.id, &session.upload_id);
    let blob = app.blobs.concat(&sources, &key).await?;
    let confirmed = Confirmed {
        session,
        record,
        key: key.clone(),
        blob,
        sources,
        previous,
    };
    match finish_confirm(&app, &body, &confirmed) {
        Ok(answer) => {
            for k in confirmed.sources.iter().chain(confirmed.previous.iter()) {
                app.blobs.remove(k).await;
            }
            Ok(axum::Json(answer).into_response())
        }
        Err(e) => {
            app.blobs.remove(&key).await;
            Err(e)
        }
    }
}

/// Checks the confirm body and decides the target, under the lock.
fn plan_confirm(
    app: &App,
    body: &Map<String, Value>,
) -> Result<(UploadSession, Target, Vec<String>), ApiError> {
    let db = app.db();
    let state = db.state();
    let (session, sources) = check_confirm(state, body)?;
    let action = non_empty_str(body, CONFLICT_ACTION_FIELD)?;
    let target = match (state.file_named(&session.file_name), action) {
        (None, _) => Target::New,
        (Some(existing), Some(CONFLICT_OVERWRITE)) => Target::Overwrite(existing.clone()),
        (Some(existing), Some(CONFLICT_VERSION)) => Target::Version(existing.clone()),
        (Some(existing), other) => {
            let message = match other {
                Some(o) => format!("unknown `{CONFLICT_ACTION_FIELD}` `{o}`"),
                None => format!("a file named `{}` already exists", session.file_name),
            };
            return Err(ApiError::field(
                CONFLICT_ACTION_FIELD,
                format!(
                    "{message} (`conflict_file_id` `{}`): send `{CONFLICT_ACTION_FIELD}` `{CONFLICT_OVERWRITE}` or `{CONFLICT_VERSION}`, or do not confirm to skip",
                    existing.id
                ),
            ));
        }
    };
    Ok((session, target, sources))
}

/// The record the confirmed bytes will belong to, and the blob it replaces.
fn prepare_record(app: &App, session: &UploadSession, target: Target) -> (Record, Option<String>) {
    match target {
        Target::New => {
            let mut r = Record::new(app.ids.uuid(), App::now());
            r.fields
                .insert("file_name".into(), json!(session.file_name));
            r.fields.insert("collections".into(), json!([]));
            r.fields.insert("published".into(), json!(false));
            r.fields.insert("version".into(), json!(1));
            (r, None)
        }
        Target::Overwrite(r) => {
            let old = r.content.clone();
            (r, old)
        }
        Target::Version(mut r) => {
            let v = r.fields.get("version").and_then(Value::as_u64).unwrap_or(1);
            let entry =
                json!({ "version": v, "size": r.fields.get("size"), "updated_at": r.updated_at });
            match r.fields.get_mut("versions") {
                Some(Value::Array(list)) => list.push(entry),
                _ => {
                    r.fields.insert("versions".into(), json!([entry]));
                }
            }
            r.fields.insert("version".into(), json!(v + 1));
            let old = r.content.clone();
            (r, old)
        }
    }
}

/// A confirm whose bytes are assembled, ready to commit.
struct Confirmed {
    session: UploadSession,
    record: Record,
    key: String,
    blob: crate::sandbox::db::BlobMeta,
    sources: Vec<String>,
    previous: Option<String>,
}

/// Applies `metadata` and commits the file, under the lock.
fn finish_confirm(app: &App, body: &Map<String, Value>, c: &Confirmed) -> Result<Value, ApiError> {
    let mut db = app.db();
    if !db.state().sessions.contains_key(&c.session.upload_id) {
        return Err(ApiError::field(
            "file_path",
            "this upload was already confirmed",
        ));
    }
    let mut record = c.record.clone();
    let creating = record.content.is_none();
    record.fields.insert("size".into(), json!(c.session.size));
    record
        .fields
        .insert("mime_type".into(), json!(mime_of(&c.session)));
    record.content = Some(c.key.clone());
    record.updated_at = App::now();
    let metadata: Map<String, Value> = match body.get("metadata") {
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "published" | "published_start_date" | "published_end_date" | "region_ids"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(ApiError::field("metadata", "`metadata` must be an object")),
    };
    apply_body(
        db.state(),
        Kind::File,
        &mut record,
        &metadata,
        creating,
        app.published_dates(),
    )?;
    let mut changes = vec![Change::PutBlob {
        key: c.key.clone(),
        blob: c.blob.clone(),
    }];
    changes.extend(
        c.sources
            .iter()
            .map(|k| Change::DropBlob { key: k.clone() }),
    );
    changes.extend(
        c.previous
            .iter()
            .map(|k| Change::DropBlob { key: k.clone() }),
    );
    changes.push(Change::Put {
        kind: Kind::File,
        record: record.clone(),
    });
    changes.push(Change::CloseUpload {
        upload_id: c.session.upload_id.clone(),
    });
    App::commit(&mut db, changes)?;
    app.processing.start(&record.id);
    Ok(app
        .renderer(&db)
        .object(Kind::File, &record, Default::default()))
}
