//! Names the guides do not give, which pxmctl and its sandbox must agree
//! on: each one written once, here. The sandbox's other guesses (its own
//! control paths, signing, ids) stay in `sandbox::assumptions`.

/// confirm-upload field that resolves a name conflict: `"overwrite"` or
/// `"version"` (skip = do not confirm). The guide's table is cut off.
pub const CONFLICT_ACTION_FIELD: &str = "conflict_action";
/// [`CONFLICT_ACTION_FIELD`] value: replace the existing file's bytes, keep id, links, attributes.
pub const CONFLICT_OVERWRITE: &str = "overwrite";
/// [`CONFLICT_ACTION_FIELD`] value: same as overwrite, but `version` is bumped
/// and the previous one is listed in `versions`.
pub const CONFLICT_VERSION: &str = "version";

/// The Text attribute that holds the account lock (`remote::lock`): an
/// attribute, because every account has attributes and no guide names a
/// place for tool state; its description records the holder and lease.
pub const LOCK_ATTRIBUTE: &str = "pxmctl_lock";

/// request-upload's field holding a presigned POST form's fields (S3's name).
pub const FORM_FIELDS_FIELD: &str = "fields";
/// The form part that carries the bytes of a presigned POST (S3's name).
pub const FORM_FILE_FIELD: &str = "file";
/// confirm-upload's field for the ETag of a presigned POST (the peer
/// upload guide confirms with the key and the `etag`).
pub const CONFIRM_ETAG_FIELD: &str = "etag";
