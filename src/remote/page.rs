//! Reading whole lists: `limit`/`offset` pages until the end is proven,
//! each page in whatever shape the endpoint uses (a raw array, `{
//! "<kind>": [...] }`, `{ "hits": [...], "total": N }`, or another single
//! array field). Items are decoded one by one so an error names the item.
//!
//! The guide says to "stop when the returned count is less than limit",
//! but a server may cap its pages below the `limit` asked for, and then
//! every page is short: stopping at the first would read part of the list
//! and plan creates for the rest. So a short page ends the list only when
//! `total` says so or the next page is empty, which costs at most one
//! request per list.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::client::{Client, Request};
use super::error::{RemoteError, RequestName};

/// Keys that commonly wrap a list, tried after the endpoint's own.
const WRAPPER_KEYS: [&str; 5] = ["hits", "items", "data", "results", "records"];

/// The items of one list answer and, when the answer says, the total.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Box<RawValue>>,
    pub total: Option<u64>,
}

/// Finds the list in an answer. `wrapper` is the key the endpoint is
/// documented to use, if any.
pub fn read_page(body: &[u8], wrapper: Option<&str>) -> Result<Page, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => serde_json::from_slice(body)
            .map(|items| Page { items, total: None })
            .map_err(|e| format!("not a JSON list: {e}")),
        Some(b'{') => {
            let object: std::collections::HashMap<String, Box<RawValue>> =
                serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
            let total = object
                .get("total")
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t.get()).ok())
                .and_then(|t| t.as_u64().or_else(|| t.get("value")?.as_u64()));
            let is_list = |raw: &RawValue| raw.get().trim_start().starts_with('[');
            let key = wrapper
                .into_iter()
                .chain(WRAPPER_KEYS)
                .find(|k| object.get(*k).is_some_and(|v| is_list(v)))
                .map(str::to_owned)
                .or_else(|| {
                    // Exactly one list-valued field: that is the list.
                    let mut lists = object.iter().filter(|(_, v)| is_list(v));
                    match (lists.next(), lists.next()) {
                        (Some((k, _)), None) => Some(k.clone()),
                        _ => None,
                    }
                });
            let Some(key) = key else {
                let mut fields: Vec<&str> = object.keys().map(String::as_str).collect();
                fields.sort_unstable();
                return Err(format!(
                    "expected a list, got an object with fields {}",
                    fields.join(", ")
                ));
            };
            let raw = object.get(&key).map_or("[]", |v| v.get());
            serde_json::from_str(raw)
                .map(|items| Page { items, total })
                .map_err(|e| format!("`{key}` is not a list: {e}"))
        }
        _ => Err("expected a JSON list".into()),
    }
}

/// Every item of a list endpoint, page by page. `path` has no query, or
/// ends in one (`?parent_id=7`); `limit` and `offset` are appended.
pub async fn list_all<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    wrapper: Option<&str>,
) -> Result<Vec<T>, RemoteError> {
    let limit = client.page_size();
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut offset: u64 = 0;
    let mut previous_first: Option<String> = None;
    loop {
        let request = Request::get(format!("{path}{separator}limit={limit}&offset={offset}"));
        let name = request.name();
        let response = client.send(request).await?;
        let page =
            read_page(&response.body, wrapper).map_err(|detail| unexpected(&name, detail))?;
        let count = page.items.len();
        // An API that ignores `offset` would hand back page one forever.
        let first = page.items.first().map(|raw| raw.get().to_owned());
        if offset > 0 && first.is_some() && first == previous_first {
            return Err(unexpected(
                &name,
                "the page repeats the previous one: the endpoint seems to ignore `offset`".into(),
            ));
        }
        previous_first = first;
        out.reserve(count);
        for (index, raw) in page.items.iter().enumerate() {
            let item = serde_json::from_str(raw.get()).map_err(|e| {
                unexpected(
                    &name,
                    format!("item {index} of the page cannot be read: {e}"),
                )
            })?;
            out.push(item);
        }
        offset += count as u64;
        let done_by_total = page.total.is_some_and(|total| offset >= total);
        if count == 0 || done_by_total {
            return Ok(out);
        }
        if count < limit as usize {
            tracing::debug!(
                "{name} answered {count} of the {limit} asked for; reading on until an empty page"
            );
        }
    }
}

fn unexpected(request: &RequestName, detail: String) -> RemoteError {
    RemoteError::Unexpected {
        request: request.clone(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(page: &Page) -> Vec<String> {
        page.items.iter().map(|r| r.get().to_owned()).collect()
    }

    #[test]
    fn every_documented_shape() {
        let raw = read_page(b" [1, 2]", None).expect("array");
        assert_eq!(ids(&raw), ["1", "2"]);
        let keyed =
            read_page(br#"{"collections": [3], "count": 1}"#, Some("collections")).expect("keyed");
        assert_eq!(ids(&keyed), ["3"]);
        let hits = read_page(br#"{"hits": [4, 5], "total": 9, "took": 3}"#, None).expect("hits");
        assert_eq!(
            (ids(&hits), hits.total),
            (vec!["4".into(), "5".into()], Some(9))
        );
        let other = read_page(br#"{"files": [6], "meta": {"x": 1}}"#, None).expect("one list");
        assert_eq!(ids(&other), ["6"]);
    }

    #[test]
    fn shapes_that_are_not_lists() {
        let e = read_page(br#"{"error": "nope"}"#, None).expect_err("no list");
        assert!(e.contains("fields error"), "{e}");
        assert!(
            read_page(br#"{"a": [], "b": []}"#, None).is_err(),
            "ambiguous"
        );
        assert!(read_page(b"null", None).is_err());
        assert!(read_page(b"[1,", None).is_err());
    }
}
