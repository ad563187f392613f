//! List parameters (`limit`, `offset`, `ids`, `region_ids`, `parent_id`,
//! the created/updated date filters, `trimmed`, `metadata_only`, the
//! search keyword): parsing them, filtering records and paging, under the
//! readings that change them (`page_cap`, `strict_dates`).

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};

use super::api_error::ApiError;
use super::assumptions::{FILE_COLLECTIONS_PARAM, SEARCH_KEYWORD_PARAM};
use super::db::Record;
use super::kind::Kind;
use super::readings::Readings;
use super::render::Detail;
use super::validate::{is_bare_date, parse_date};

/// The guide's default page size.
pub(crate) const DEFAULT_LIMIT: usize = 20;

/// Raw query pairs, percent-decoded; a malformed query is a 400.
pub(crate) struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|Query(pairs)| Params(pairs))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// A bound of a date filter.
#[derive(Debug, Clone, Copy)]
struct Bound {
    at: Timestamp,
    /// A bare date as an end bound covers that whole day.
    whole_day: bool,
}

#[derive(Debug, Default)]
pub(crate) struct ListParams {
    pub limit: usize,
    pub offset: usize,
    /// `Readings::page_cap`: no page is longer, whatever `limit` says.
    pub cap: Option<usize>,
    pub detail: Detail,
    pub keyword: Option<String>,
    ids: Option<Vec<String>>,
    region_ids: Option<Vec<String>>,
    collection_ids: Option<Vec<String>>,
    parent_id: Option<String>,
    created: [Option<Bound>; 2],
    updated: [Option<Bound>; 2],
}

fn number(name: &str, value: &str, min: usize) -> Result<usize, ApiError> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= min)
        .ok_or_else(|| {
            ApiError::field(
                name,
                format!("`{name}` must be an integer of at least {min}, found `{value}`"),
            )
        })
}

fn boolean(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim() {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::field(
            name,
            format!("`{name}` must be true or false"),
        )),
    }
}

fn date(name: &str, value: &str, strict: bool) -> Result<Bound, ApiError> {
    if strict && !is_bare_date(value.trim()) {
        return Err(ApiError::field(
            name,
            format!("`{name}` must be a date (YYYY-MM-DD), found `{value}`"),
        ));
    }
    parse_date(value.trim())
        .map(|(at, whole_day)| Bound { at, whole_day })
        .ok_or_else(|| {
            ApiError::field(
                name,
                format!("`{name}` must be a date (YYYY-MM-DD) or an RFC 3339 date-time"),
            )
        })
}

fn push_ids(list: &mut Option<Vec<String>>, value: &str) {
    list.get_or_insert_with(Vec::new).extend(
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
}

impl ListParams {
    pub(crate) fn parse(params: &Params, readings: &Readings) -> Result<Self, ApiError> {
        let mut p = ListParams {
            limit: DEFAULT_LIMIT,
            cap: readings.page_cap,
            ..ListParams::default()
        };
        let strict = readings.strict_dates;
        for (name, value) in &params.0 {
            match name.as_str() {
                "limit" => p.limit = number(name, value, 1)?,
                "offset" => p.offset = number(name, value, 0)?,
                "ids" | "ids[]" => push_ids(&mut p.ids, value),
                "region_ids" | "region_ids[]" => push_ids(&mut p.region_ids, value),
                n if n == FILE_COLLECTIONS_PARAM => push_ids(&mut p.collection_ids, value),
                "parent_id" => p.parent_id = Some(value.trim().to_string()),
                "created_start_date" => p.created[0] = Some(date(name, value, strict)?),
                "created_end_date" => p.created[1] = Some(date(name, value, strict)?),
                "updated_start_date" => p.updated[0] = Some(date(name, value, strict)?),
                "updated_end_date" => p.updated[1] = Some(date(name, value, strict)?),
                "trimmed" if boolean(name, value)? => p.detail = Detail::Trimmed,
                "metadata_only" if boolean(name, value)? && p.detail != Detail::Trimmed => {
                    p.detail = Detail::MetadataOnly;
                }
                n if n == SEARCH_KEYWORD_PARAM => p.keyword = Some(value.to_lowercase()),
                _ => {}
            }
        }
        Ok(p)
    }

    /// Whether `record` passes every filter given.
    pub(crate) fn matches(&self, kind: Kind, record: &Record) -> bool {
        // The record's list is read only when the filter is given.
        let any_of = |filter: &Option<Vec<String>>, field: &str| {
            filter.as_ref().is_none_or(|wanted| {
                record
                    .id_list(field)
                    .iter()
                    .any(|h| wanted.iter().any(|w| w == h))
            })
        };
        let in_window = |bounds: &[Option<Bound>; 2], at: Timestamp| {
            bounds[0].is_none_or(|b| at >= b.at)
                && bounds[1].is_none_or(|b| {
                    if b.whole_day {
                        at < b.at + SignedDuration::from_hours(24)
                    } else {
                        at <= b.at
                    }
                })
        };
        self.ids.as_ref().is_none_or(|ids| ids.contains(&record.id))
            && any_of(&self.region_ids, "region_ids")
            && any_of(&self.collection_ids, "collections")
            && self
                .parent_id
                .as_ref()
                .is_none_or(|p| parent_matches(kind, record, p))
            && in_window(&self.created, record.created_at)
            && in_window(&self.updated, record.updated_at)
            && self
                .keyword
                .as_ref()
                .is_none_or(|k| keyword_matches(kind, record, k))
    }

    /// Whether any filter is given. Without one every record matches, so
    /// a page is a range of the table ([`Self::page_range`]) and costs
    /// what it holds, not what the table holds: reading a table of a
    /// million records page by page would otherwise be quadratic.
    pub(crate) fn filters(&self) -> bool {
        self.ids.is_some()
            || self.region_ids.is_some()
            || self.collection_ids.is_some()
            || self.parent_id.is_some()
            || self.keyword.is_some()
            || self
                .created
                .iter()
                .chain(&self.updated)
                .any(Option::is_some)
    }

    /// The positions, among `len` matching items, of the page that
    /// `limit` and `offset` select (at most `cap` long).
    pub(crate) fn page_range(&self, len: usize) -> std::ops::Range<usize> {
        let limit = self.cap.map_or(self.limit, |cap| self.limit.min(cap));
        let start = self.offset.min(len);
        let end = start.saturating_add(limit).min(len);
        start..end
    }

    /// The page of `items` that `limit` and `offset` select (at most `cap` long).
    pub(crate) fn page<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        &items[self.page_range(items.len())]
    }
}

/// `parent_id` filters collections by category (primary or
/// `direct_parent`) or by parent collection, other kinds by their parent.
fn parent_matches(kind: Kind, record: &Record, parent: &str) -> bool {
    let direct = |field| record.str_field(field) == Some(parent);
    match kind {
        Kind::Collection => {
            direct("parent_id")
                || direct("parent_topic_id")
                || record.id_list("direct_parent").contains(&parent)
        }
        Kind::Resource => direct("category_id"),
        _ => direct("parent_id"),
    }
}

/// Case-insensitive substring match on the name (and, for collections,
/// `additional_title`, where SKUs live).
fn keyword_matches(kind: Kind, record: &Record, keyword: &str) -> bool {
    let hit = |field| {
        record
            .str_field(field)
            .is_some_and(|v| v.to_lowercase().contains(keyword))
    };
    hit(kind.name_field()) || (kind == Kind::Collection && hit("additional_title"))
}
