//! Every choice the sandbox makes where the PXM guides give no path, field
//! name or behaviour. One place, so a reader can audit them and
//! `docs/sandbox.md` can list them; the rest of the module uses these
//! constants instead of repeating the literals.
//!
//! Documented facts (paths, `upload_data`, `is_conflict`, list shapes,
//! 1,000 requests / 60 s, ...) are not here: only the guesses are.

/// Timestamps every object carries (RFC 3339, UTC). The guide names the
/// filters `created_start_date` etc. but not the fields.
pub const CREATED_FIELD: &str = "created_at";
/// See [`CREATED_FIELD`].
pub const UPDATED_FIELD: &str = "updated_at";

/// Attribute values in responses: `"attributes": [{"id","name","type","value"}]`,
/// sorted by attribute id. Requests use the guide's op array
/// `[{"id","type":"update","value"} | {"id","type":"delete"}]`.
pub const ATTRIBUTES_FIELD: &str = "attributes";

/// File-list filter: files linked to any of these collections
/// (comma-separated; the guide names the parameter's meaning, not its name).
pub const FILE_COLLECTIONS_PARAM: &str = "collection_ids";

/// Search keyword query parameter of `/v2|v3/{entity}/search`.
pub const SEARCH_KEYWORD_PARAM: &str = "keyword";

/// A file is "in" a category when its `parent_id` is that category
/// (`GET /v2.1/category/{id}/files`).
pub const FILE_CATEGORY_FIELD: &str = "parent_id";

/// Shared with the client: the conflict choice on confirm and the POST
/// form's names (`api::names`).
pub use crate::api::names::{
    CONFIRM_ETAG_FIELD, CONFLICT_ACTION_FIELD, CONFLICT_OVERWRITE, CONFLICT_VERSION,
    FORM_FIELDS_FIELD, FORM_FILE_FIELD,
};

/// `file_path` returned by request-upload: `s3path/temp/{upload_id}/{file_name}`
/// (the shape of the guide's example).
pub const FILE_PATH_PREFIX: &str = "s3path/temp/";

/// Route prefix of the presigned object store on the same server.
pub const STORE_PREFIX: &str = "/_store";
/// Presigned-URL query parameter: expiry, Unix seconds.
pub const EXPIRES_PARAM: &str = "X-Sandbox-Expires";
/// Presigned-URL query parameter: hex HMAC-SHA256 over method, path and the
/// other query parameters.
pub const SIGNATURE_PARAM: &str = "X-Sandbox-Signature";
/// Lifetime of download and rendition URLs in file responses, counted from
/// the file's `updated_at` so the URL is stable between two reads.
pub const DOWNLOAD_URL_LIFETIME_SECS: i64 = 10 * 365 * 24 * 3600;
/// Renditions a file response links to (all serve the original bytes).
pub const RENDITIONS: [&str; 5] = ["preview", "large", "medium", "small", "thumb"];

/// Status of a successful create (POST of an object).
pub const CREATE_STATUS: u16 = 201;
/// Status of a successful delete (no body).
pub const DELETE_STATUS: u16 = 204;

/// Canonical attribute type names; requests may use any case and `_` for space.
pub const ATTRIBUTE_TYPES: [&str; 6] = ["Text", "Date", "List", "Pick List", "Boolean", "Number"];
/// Field of a Pick List attribute that lists its allowed values.
pub const PICK_LIST_OPTIONS_FIELD: &str = "options";

/// Route prefix of the control endpoints (no token, not rate limited).
pub const CONTROL_PREFIX: &str = "/_sandbox";

// Other readings (`Readings`): the guesses each non-default switch makes.

/// Page cap of [`crate::sandbox::Readings::strict`]: the guide's "default
/// limit is typically 20", read as a limit the server will not exceed.
pub const STRICT_PAGE_CAP: usize = 20;
/// Processing delay of [`crate::sandbox::Readings::strict`], in
/// milliseconds; the guide gives no duration for "6. Processing".
pub const STRICT_PROCESSING_DELAY_MS: u64 = 1000;

/// `upload_type` of a presigned POST form (the guide knows only
/// `single`/`standard` and `multipart`).
pub const POST_UPLOAD_TYPE: &str = "post";
/// Bucket-like path segment the POST form is sent to: `/_store/<bucket>`.
pub const FORM_BUCKET: &str = "pxm-uploads";
/// Form field holding the object key (S3's name); its value is the `file_path`.
pub const FORM_KEY_FIELD: &str = "key";
/// Form field holding the object's MIME type (S3's name).
pub const FORM_CONTENT_TYPE_FIELD: &str = "Content-Type";
/// Form field holding the base64 JSON policy (S3's name and shape:
/// `expiration` and `conditions`, with `content-length-range`).
pub const FORM_POLICY_FIELD: &str = "policy";
/// Form field holding the hex HMAC-SHA256 of the policy (S3 uses
/// `x-amz-signature` over a derived key; the sandbox signs with its own key).
pub const FORM_SIGNATURE_FIELD: &str = "x-sandbox-signature";
