//! The steps of a run that need both the catalog and the account, as a
//! library: what `plan` and `apply` (and the tests) run between reading
//! the account and planning. No printing; results are values.

use crate::catalog::model::Catalog;
use crate::plan::{PlanOptions, file_values_needed};
use crate::remote::file_values::{self, Completed, ValueCache};
use crate::remote::{Client, LiveSnapshot};

/// Reads, one file at a time, the attribute values planning needs from
/// files whose list items carried none (`remote::file_values`), so the
/// content gate sees every recorded hash it decides on.
pub async fn complete_snapshot(
    client: &Client,
    catalog: &Catalog,
    live: &mut LiveSnapshot,
    options: &PlanOptions,
    cache: &mut ValueCache,
) -> Completed {
    let wanted = file_values_needed(catalog, live, options);
    if wanted.is_empty() {
        return Completed::default();
    }
    let completed = file_values::complete(client, live, &wanted, cache).await;
    cache.save();
    completed
}
