//! The presigned object store at `/_store/...`: S3-like PUT of a single
//! object or of one part (`partNumber`, `uploadId`), answering the MD5
//! `ETag`, and GET of stored bytes. No bearer token: the signed URL is
//! the credential. Errors are S3-style XML. With `--upload-form post` the
//! same route takes the POST form (`form_upload`). With
//! `--store-fault-rate` a share of requests is answered 503 `SlowDown`
//! before anything is read or stored.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Routes;
use super::form_upload::post_form;
use super::uploads::{part_key, single_key};
use crate::sandbox::app::App;
use crate::sandbox::assumptions::STORE_PREFIX;
use crate::sandbox::blobs::WriteError;
use crate::sandbox::db::Change;
use crate::sandbox::kind::Kind;
use crate::sandbox::presign::Refusal;
use crate::sandbox::readings::UploadForm;

pub(super) fn routes(app: &Arc<App>, form: UploadForm) -> Routes {
    let route = get(serve).put(serve);
    // POST exists only where request-upload hands out POST forms, so the
    // PUT reading's store answers exactly as it always has.
    let route = match form {
        UploadForm::Put => route,
        UploadForm::Post => route.post(post_form),
    };
    vec![(
        format!("{STORE_PREFIX}/{{*key}}"),
        route
            .layer(DefaultBodyLimit::disable())
            .layer(from_fn_with_state(app.clone(), faults)),
    )]
}

/// `--store-fault-rate`: S3's answer when it sheds load.
async fn faults(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if !app.faults.store_fails() {
        return next.run(request).await;
    }
    app.stats.count_fault("store_status_503");
    let mut answer = s3_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "SlowDown",
        "Please reduce your request rate.",
        request.uri().path(),
    );
    if let Some(secs) = app.faults.config().store_retry_after {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    answer
}

/// An S3 error document.
pub(super) fn s3_error(status: StatusCode, code: &str, message: &str, resource: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><Resource>{}</Resource></Error>",
        xml_escape(message),
        xml_escape(resource)
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn serve(State(app): State<Arc<App>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let params = match app.signer.verify(
        method.as_str(),
        &path,
        request.uri().query(),
        App::now().as_second(),
    ) {
        Ok(params) => params,
        Err(Refusal::Unsigned) => {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Query-string authentication requires a signature and an expiry",
                &path,
            );
        }
        Err(Refusal::Expired) => {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
                &path,
            );
        }
        Err(Refusal::BadSignature) => {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                &path,
            );
        }
    };
    let key = path
        .strip_prefix(STORE_PREFIX)
        .unwrap_or(&path)
        .trim_start_matches('/')
        .to_string();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if method == Method::PUT {
        put(
            &app,
            request,
            &path,
            &key,
            param("partNumber"),
            param("uploadId"),
        )
        .await
    } else {
        get_object(&app, &path, &key).await
    }
}

async fn put(
    app: &App,
    request: Request,
    path: &str,
    key: &str,
    part: Option<String>,
    upload: Option<String>,
) -> Response {
    let headers = request.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return s3_error(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented: Transfer-Encoding",
            path,
        );
    }
    let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return s3_error(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
            path,
        );
    };

    let blob_key = {
        let db = app.db();
        let state = db.state();
        match (part, upload) {
            (Some(part), Some(upload_id)) => {
                let session = state
                    .sessions
                    .get(&upload_id)
                    .filter(|s| single_key(&s.upload_id) == key);
                let Some(session) = session else {
                    return s3_error(
                        StatusCode::NOT_FOUND,
                        "NoSuchUpload",
                        "The specified multipart upload does not exist.",
                        path,
                    );
                };
                let range = part
                    .parse::<u32>()
                    .ok()
                    .and_then(|n| session.parts.iter().find(|p| p.part_number == n));
                let Some(range) = range else {
                    return s3_error(
                        StatusCode::BAD_REQUEST,
                        "InvalidArgument",
                        "partNumber is not a part of this upload",
                        path,
                    );
                };
                if length != range.len() {
                    let message = format!(
                        "part {} covers bytes {}-{} and must be {} bytes long, not {length}",
                        range.part_number,
                        range.start_byte,
                        range.end_byte,
                        range.len()
                    );
                    return s3_error(StatusCode::BAD_REQUEST, "InvalidPartSize", &message, path);
                }
                part_key(&upload_id, range.part_number)
            }
            (None, None) => {
                let open = state
                    .sessions
                    .values()
                    .any(|s| single_key(&s.upload_id) == key && !s.is_multipart());
                if !open {
                    return s3_error(
                        StatusCode::NOT_FOUND,
                        "NoSuchUpload",
                        "No single upload is open at this key.",
                        path,
                    );
                }
                key.to_string()
            }
            _ => {
                return s3_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequest",
                    "partNumber and uploadId go together",
                    path,
                );
            }
        }
    };

    let blob = match app
        .blobs
        .write(&blob_key, request.into_body(), length)
        .await
    {
        Ok(blob) => blob,
        Err(WriteError::Io(e)) => {
            return s3_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                &e.to_string(),
                path,
            );
        }
        Err(e) => {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                &e.to_string(),
                path,
            );
        }
    };
    commit_blob(app, blob_key, blob, StatusCode::OK, path)
}

/// Records a stored blob under `key` and answers `status` with its
/// `ETag` (the MD5 of its bytes, quoted, as S3 does).
pub(super) fn commit_blob(
    app: &App,
    key: String,
    blob: crate::sandbox::db::BlobMeta,
    status: StatusCode,
    path: &str,
) -> Response {
    let etag = format!("\"{}\"", blob.md5);
    if let Err(e) = App::commit(&mut app.db(), vec![Change::PutBlob { key, blob }]) {
        return s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &e.message,
            path,
        );
    }
    let mut response = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

async fn get_object(app: &App, path: &str, key: &str) -> Response {
    let (blob, mime) = {
        let db = app.db();
        let state = db.state();
        let Some(blob) = state.blobs.get(key).cloned() else {
            return s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
                path,
            );
        };
        let mime = state
            .table(Kind::File)
            .find(|f| f.content.as_deref() == Some(key))
            .and_then(|f| f.str_field("mime_type").map(str::to_string))
            .unwrap_or_else(|| "application/octet-stream".to_string());
        (blob, mime)
    };
    match app.blobs.read(key).await {
        Ok(bytes) => {
            let etag = format!("\"{}\"", blob.md5);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, mime), (header::ETAG, etag)],
                bytes,
            )
                .into_response()
        }
        Err(e) => s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &e.to_string(),
            path,
        ),
    }
}
