//! Applying a saved plan: it is applied only while it still describes
//! what apply would meet (the same account, catalog, assets and live
//! objects) and is the plan this catalog makes of that account now.

use std::path::Path;

use super::prepare::Prepared;
use crate::diag::Diagnostics;
use crate::plan::Plan;
use crate::plan::saved::{self, SavedPlan, SavedPlanError, Stale};

/// Why a saved plan is not applied.
#[derive(Debug)]
pub enum Refusal {
    Unreadable(SavedPlanError),
    /// What the plan was made from has changed: each change, with the
    /// catalog entry behind a live object where the plan recorded one.
    Stale(Vec<(Stale, Option<String>)>),
    /// The file's plan is not the one this catalog makes of this account:
    /// it was edited after it was made.
    Tampered(Vec<String>),
    /// The catalog cannot be planned against the account.
    Unplannable(Diagnostics),
}

/// The saved plan at `path`, if it still holds.
///
/// # Errors
/// Why it does not.
pub fn check(path: &Path, prepared: &Prepared) -> Result<Plan, Refusal> {
    let saved = SavedPlan::read(path).map_err(Refusal::Unreadable)?;
    let base_url = prepared.connected.client.base_url();
    let account = prepared.connected.settings.connection.account();
    let mut stale: Vec<Stale> = saved::other_account(&saved, base_url, &account)
        .into_iter()
        .collect();
    stale.extend(saved::staleness(
        &saved,
        (&prepared.digest(), &prepared.file_digests()),
        &saved::live_fingerprints(&prepared.live),
    ));
    stale.extend(saved::asset_changes(&saved, &prepared.hashes.by_path));
    if !stale.is_empty() {
        // Name the entry behind a live object: the one that managed it
        // when the plan was made.
        let entry = |s: &Stale| {
            let (kind, id) = s.live_object()?;
            saved.entries.get(&saved::live_key(kind, id)).cloned()
        };
        return Err(Refusal::Stale(
            stale
                .into_iter()
                .map(|s| {
                    let key = entry(&s);
                    (s, key)
                })
                .collect(),
        ));
    }
    // Same catalog, same account: the plan pxmctl makes now is the one
    // that was reviewed, unless the file was edited since.
    let now = prepared
        .plan(&saved.options.targets, saved.options.force_upload)
        .map_err(Refusal::Unplannable)?;
    let tampered = saved::tampering(&saved.plan, &now);
    if tampered.is_empty() {
        Ok(saved.plan)
    } else {
        Err(Refusal::Tampered(tampered))
    }
}
