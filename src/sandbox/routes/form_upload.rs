//! `POST /_store/<bucket>` (`--upload-form post`): the object store's
//! S3-style presigned POST. The body is `multipart/form-data` holding the
//! `fields` request-upload handed out, unchanged, then the file as the
//! last part named `file` (parts after it are ignored, as S3 does). The
//! policy's signature, expiry, conditions and `content-length-range` are
//! checked; on success the bytes are stored under the upload's key, as a
//! single PUT stores them, and the answer is 204 with the MD5 `ETag`.
//! Refusals are S3 XML errors.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;

use super::store::{commit_blob, s3_error};
use super::uploads::single_key;
use crate::sandbox::app::App;
use crate::sandbox::assumptions::{
    FORM_BUCKET, FORM_FILE_FIELD, FORM_KEY_FIELD, FORM_POLICY_FIELD, FORM_SIGNATURE_FIELD,
    STORE_PREFIX,
};
use crate::sandbox::form_data;
use crate::sandbox::form_policy::FormPolicy;

/// Room a form may take besides its file: the fields, part headers and
/// whatever follows the file part (S3 allows 20 KB of fields).
const FORM_OVERHEAD: u64 = 1024 * 1024;

pub(super) async fn post_form(State(app): State<Arc<App>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let bucket = path
        .strip_prefix(STORE_PREFIX)
        .unwrap_or(&path)
        .trim_matches('/')
        .to_string();
    if bucket != FORM_BUCKET {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
            &path,
        );
    }
    let boundary = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(form_data::boundary);
    let Some(boundary) = boundary else {
        return s3_error(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "Bucket POST must be of the enclosure-type multipart/form-data",
            &path,
        );
    };
    let body = match read_body(&app, request).await {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(&path),
    };
    let form = match form_data::parse(&body, &boundary, FORM_FILE_FIELD) {
        Ok(form) => form,
        Err(why) => {
            let message = format!(
                "The body of your POST request is not well-formed multipart/form-data: {why}"
            );
            return s3_error(
                StatusCode::BAD_REQUEST,
                "MalformedPOSTRequest",
                &message,
                &path,
            );
        }
    };
    let Some(file) = form.file else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
            &path,
        );
    };
    let field = |name: &str| {
        let mut values = form.fields.iter().filter(|(k, _)| k == name);
        match (values.next(), values.next()) {
            (Some((_, v)), None) => Ok(Some(v.as_str())),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(name.to_string()),
        }
    };
    if let Some(duplicate) = form.fields.iter().find_map(|(k, _)| field(k).err()) {
        let message = format!("Form field `{duplicate}` appears more than once");
        return s3_error(StatusCode::BAD_REQUEST, "InvalidArgument", &message, &path);
    }
    let (Ok(Some(policy)), Ok(Some(signature))) =
        (field(FORM_POLICY_FIELD), field(FORM_SIGNATURE_FIELD))
    else {
        let message = format!(
            "Bucket POST must contain a field named '{FORM_POLICY_FIELD}' and one named '{FORM_SIGNATURE_FIELD}'"
        );
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", &message, &path);
    };
    if !app.signer.verify_policy(policy, signature) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            &path,
        );
    }
    let Some(policy) = FormPolicy::decode(policy) else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidPolicyDocument",
            "The content of the form does not meet the conditions specified in the policy document.",
            &path,
        );
    };
    let checked = policy
        .check_fields(
            &form.fields,
            &bucket,
            &[FORM_POLICY_FIELD, FORM_SIGNATURE_FIELD],
            App::now(),
        )
        .and_then(|()| policy.check_length(file.len() as u64));
    if let Err(refusal) = checked {
        let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
        let (code, message) = refusal.s3();
        return s3_error(status, code, &message, &path);
    }
    let key = field(FORM_KEY_FIELD).ok().flatten().unwrap_or_default();
    store(&app, &path, key, file).await
}

/// Stores the file of a checked form under its upload's key.
async fn store(app: &App, path: &str, file_path: &str, file: bytes::Bytes) -> Response {
    let blob_key = {
        let db = app.db();
        let session = db
            .state()
            .sessions
            .values()
            .find(|s| s.post_form && s.file_path == file_path);
        match session {
            Some(s) => single_key(&s.upload_id),
            None => {
                return s3_error(
                    StatusCode::NOT_FOUND,
                    "NoSuchUpload",
                    "No form upload is open for this key.",
                    path,
                );
            }
        }
    };
    let blob = match app.blobs.put(&blob_key, file).await {
        Ok(blob) => blob,
        Err(e) => {
            return s3_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                &e.to_string(),
                path,
            );
        }
    };
    commit_blob(app, blob_key, blob, StatusCode::NO_CONTENT, path)
}

/// Why the body could not be read.
enum BodyRefusal {
    TooLarge,
    Incomplete,
}

impl BodyRefusal {
    fn into_response(self, path: &str) -> Response {
        match self {
            BodyRefusal::TooLarge => s3_error(
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                path,
            ),
            BodyRefusal::Incomplete => s3_error(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "The request body ended early",
                path,
            ),
        }
    }
}

/// Buffers the body, refusing one longer than the largest open form
/// upload plus [`FORM_OVERHEAD`] (no form could be valid beyond that).
async fn read_body(app: &App, request: Request) -> Result<bytes::Bytes, BodyRefusal> {
    let largest = app
        .db()
        .state()
        .sessions
        .values()
        .filter(|s| s.post_form)
        .map(|s| s.size)
        .max()
        .unwrap_or(0);
    let limit = largest.saturating_add(FORM_OVERHEAD);
    let mut stream = request.into_body().into_data_stream();
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyRefusal::Incomplete)?;
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(BodyRefusal::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
