//! The pipeline as a library (as Terraform's `backend/local`): connecting
//! to an account (`connect`), the catalog checked while the account is
//! read and the plan made of the two (`prepare`), a saved plan checked
//! before it is applied (`saved`), and the steps between reading the
//! account and planning. `cli` runs these and renders what they return;
//! nothing here prints.

mod connect;
mod prepare;
pub mod saved;

pub use connect::{ConnectError, Connected, connect};
pub use prepare::{HeldLock, LockWait, Notice, PrepareError, PrepareOptions, Prepared, prepare};

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
