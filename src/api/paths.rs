//! The paths of the PXM API that are not a kind's list (those are
//! [`Kind::path`](super::Kind::path)), written once for the client and the
//! sandbox.

use super::Kind;

/// OAuth client credentials (integration guide).
pub const AUTHORIZE: &str = "/v2.1/oauth/authorize";
/// The same under `/v2/` (upload guide, "Step 0").
pub const AUTHORIZE_V2: &str = "/v2/oauth/authorize";
/// Step 1 of the upload guide (the path pxmctl uses).
pub const REQUEST_UPLOAD: &str = "/v3/file/request-upload";
/// Step 3 of the upload guide (the path pxmctl uses).
pub const CONFIRM_UPLOAD: &str = "/v3/file/confirm-upload";
/// request-upload under the integration guide's `/v2.1/`.
pub const REQUEST_UPLOAD_V2_1: &str = "/v2.1/file/request-upload";
/// confirm-upload under the integration guide's `/v2.1/`.
pub const CONFIRM_UPLOAD_V2_1: &str = "/v2.1/file/confirm-upload";
/// Route template of one object's attribute values.
pub const ATTRIBUTE_VALUES_ROUTE: &str = "/v2.1/attribute/{entity}/{id}";
/// Route template of one attribute value of one object.
pub const ATTRIBUTE_VALUE_ROUTE: &str = "/v2.1/attribute/{entity}/{id}/{attribute_id}";

/// "Get attributes on a specific object" for object `id` of `kind`.
#[must_use]
pub fn attribute_values(kind: Kind, id: &str) -> String {
    format!("/v2.1/attribute/{}/{id}", kind.ident())
}

/// "Update the value of a specific attribute on an object".
#[must_use]
pub fn attribute_value(kind: Kind, id: &str, attribute: &str) -> String {
    format!("/v2.1/attribute/{}/{id}/{attribute}", kind.ident())
}
