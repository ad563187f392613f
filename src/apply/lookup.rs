//! Finding an object whose create may or may not have happened (the
//! answer was lost): list what changed recently and match the catalog's
//! identity of the entry (name, parent, sku, file name, link and owner).
//! Creating again without looking would make a duplicate.
//!
//! The list's date filters are typed `date (YYYY-MM-DD)` in the guide, so
//! the filter names a day, not an instant: the list holds everything
//! changed since the start of that day, and is narrowed here to objects
//! that match the identity and that no entry already owns (an object the
//! plan matched is not the one a lost create made).

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

use super::desired::Field;
use super::ids::Ids;
use super::merge;
use crate::api::codec::{self, DateType};
use crate::api::fields as api_fields;
use crate::plan::Kind;
use crate::remote::page::list_all;
use crate::remote::wire::id_of;
use crate::remote::{Client, RemoteError};

/// How far before the lost request to look: covers clock skew between
/// this machine and the API.
const SKEW: SignedDuration = SignedDuration::from_mins(15);

/// The fields that identify an object of `kind` among the `fields` a
/// create sends (plan::identity matches on the same ones).
fn identity(kind: Kind, fields: &[Field]) -> Vec<&Field> {
    let has_sku = fields
        .iter()
        .any(|f| f.name == api_fields::collection::SKU.wire);
    let wanted = api_fields::identity(kind, has_sku);
    fields
        .iter()
        .filter(|f| wanted.iter().any(|w| w.wire == f.name))
        .collect()
}

/// The id of a live object of `kind`, changed since the day of `since`
/// (less the skew), whose identity fields match `fields` and that no
/// entry but `key` owns.
pub(super) async fn find(
    client: &Client,
    ids: &Ids,
    (kind, key): (Kind, &str),
    fields: &[Field],
    since: Timestamp,
) -> Result<Option<String>, RemoteError> {
    let own = ids.get(kind, key);
    let (path, wrapper) = (kind.path(), kind.list_key());
    let from = codec::write_date(since.checked_sub(SKEW).unwrap_or(since), DateType::Date);
    let recent: Vec<Value> = list_all(
        client,
        &format!("{path}?updated_start_date={from}"),
        wrapper,
    )
    .await?;
    let wanted = identity(kind, fields);
    let found = recent
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|object| Some((object, object.get("id").and_then(id_of)?)))
        .filter(|(_, id)| own.as_ref() == Some(id) || !ids.is_managed(kind, id))
        .find(|(object, _)| wanted.iter().all(|f| merge::holds(f, object, ids)));
    Ok(found.map(|(_, id)| id))
}

/// An object from a create or get answer: the object itself, or the one
/// object it is wrapped in (`{"collection": {...}}`).
#[must_use]
pub(super) fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(o) if o.contains_key("id") => Some(o),
        Value::Object(o) if o.len() == 1 => match o.into_iter().next()? {
            (_, Value::Object(inner)) if inner.contains_key("id") => Some(inner),
            _ => None,
        },
        _ => None,
    }
}
