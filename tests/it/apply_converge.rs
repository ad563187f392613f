//! Convergence: for 30 seeded random catalogs, each against a sandbox
//! with a fault profile (5xx, dropped connections, committed writes whose
//! answers are lost, 429 bursts, a mix), repeated applies reach an empty
//! plan, with no duplicate objects, every UI-made link to an unmanaged
//! collection kept, exactly the prune scope deleted and everything
//! outside it kept. In a fifth of the cases (every profile) the first apply is killed
//! mid-run (its future dropped with requests in flight). Ten of the
//! catalogs run again against the other reading of every silent guide
//! (`Readings::strict`: no values in file lists, capped pages, a
//! processing delay after confirm, date-only filters, no file delete,
//! presigned POST uploads).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support::account::{duplicates, exists, pruned, snapshot};
use crate::support::case::{Case, case};
use crate::support::profile::{convergence_connection, profile_for};
use crate::support::sandbox::{script, start};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pxmctl::apply::{ApplyOptions, Event};
use std::collections::BTreeMap;

use pxmctl::catalog::hashes::{Census, hash_catalog};
use pxmctl::catalog::model::Catalog;
use pxmctl::config::DEFAULT_HASH_ATTRIBUTE;
use pxmctl::plan::PlanOptions;
use pxmctl::remote::file_values::ValueCache;
use pxmctl::remote::{Client, LiveSnapshot};
use pxmctl::sandbox::{Readings, SandboxConfig, UploadForm};
use pxmctl::session;
use tokio::sync::Notify;

/// Applies allowed before a case must have converged.
const ROUNDS: usize = 8;

async fn converge(seed: u64, readings: &Readings) -> Result<String, String> {
    let case = case(seed);
    let profile = profile_for(seed);
    let sandbox = start(SandboxConfig {
        readings: readings.clone(),
        ..profile.sandbox_config(case.live.clone())
    })
    .await;
    // Random faults depend on how many requests a run makes and on how
    // fast the machine is (a slow one may never outrun the low limit):
    // one scripted fault of the profile's kind makes sure it meets one.
    let first_fault = match profile.name {
        "none" => None,
        "rate-limited" => {
            Some(serde_json::json!({"action": "status", "status": 429, "retry_after": 1}))
        }
        "dropped-connections" => Some(serde_json::json!({"action": "drop"})),
        "lost-answers" => Some(serde_json::json!({"action": "lost_answer"})),
        _ => Some(serde_json::json!({"action": "status", "status": 503})),
    };
    if let Some(fault) = first_fault {
        script(&sandbox, fault).await;
    }
    let mut catalog = case.catalog();
    catalog
        .declare_hash_attribute(DEFAULT_HASH_ATTRIBUTE)
        .map_err(|d| format!("seed {seed}: {d:?}"))?;
    let hashes = hash_catalog(&catalog, &Census::default())
        .map_err(|e| format!("seed {seed}: {e}"))?
        .by_path;
    let options = PlanOptions {
        hashes: hashes.clone(),
        ..PlanOptions::default()
    };
    // Every profile gets a killed run: seeds 1, 6, 11, ... cycle through them.
    let kill_after = (seed % 5 == 1).then_some(1 + (seed as usize % 4));
    let mut applied = 0;
    for round in 0..ROUNDS {
        // A new client per round, as a new process would have.
        let client = Client::new(&convergence_connection(&sandbox)).unwrap();
        let Ok(mut live) = LiveSnapshot::fetch(&client).await else {
            continue;
        };
        let mut no_cache = ValueCache::open(None, "");
        let values =
            session::complete_snapshot(&client, &catalog, &mut live, &options, &mut no_cache).await;
        if values.failed > 0 {
            continue;
        }
        let plan = pxmctl::plan::plan(&catalog, &live, &options).map_err(|d| {
            format!(
                "seed {seed} round {round}: plan failed: {d:?}\n{}",
                case.yaml_text()
            )
        })?;
        if plan.is_empty() {
            // What pxmctl itself read, before the checks read the account.
            let values_read = sandbox
                .stats()
                .requests
                .get("GET /v2.1/attribute/{entity}/{id}")
                .map_or(0, |s| s.values().sum::<u64>());
            let converged = snapshot(&sandbox).await;
            check(&case, &converged)?;
            check_hashes(seed, &catalog, &hashes, &converged, &plan)?;
            let stats = sandbox.stats();
            let faults: u64 = stats.faults.values().sum::<u64>() + stats.rate_limited;
            // Under the other readings, uploads went by form and file
            // values were read one by one.
            let served = |prefix: &str| {
                stats
                    .requests
                    .iter()
                    .filter(|(route, _)| route.starts_with(prefix))
                    .flat_map(|(_, by_status)| by_status.values())
                    .sum::<u64>()
            };
            if readings.upload_form == UploadForm::Post
                && !case.assets.is_empty()
                && served("POST /_store") == 0
            {
                return Err(format!("seed {seed}: no upload went by form"));
            }
            // The plan that found the account converged needed the recorded
            // hash of every live file holding an asset.
            if !readings.file_list_values && !case.assets.is_empty() && values_read == 0 {
                return Err(format!("seed {seed}: no file's values were read"));
            }
            // A fault profile that served no fault tested nothing.
            if profile.name != "none" && faults == 0 {
                return Err(format!(
                    "seed {seed} ({}): no fault was served",
                    profile.name
                ));
            }
            return Ok(format!(
                "seed {seed} ({}): converged after {applied} applies, {faults} faults served{}",
                profile.name,
                if kill_after.is_some() {
                    ", first apply killed"
                } else {
                    ""
                }
            ));
        }
        applied += 1;
        let finished = Arc::new(AtomicUsize::new(0));
        let kill = Arc::new(Notify::new());
        let on_event = {
            let (finished, kill) = (finished.clone(), kill.clone());
            move |e: Event<'_>| {
                if let Event::Finished { .. } = e {
                    let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
                    if round == 0 && kill_after == Some(n) {
                        kill.notify_one();
                    }
                }
            }
        };
        let options = ApplyOptions {
            concurrency: 4,
            ..ApplyOptions::default()
        };
        tokio::select! {
            result = pxmctl::apply::apply(&plan, &catalog, &live, &client, &options, &on_event) => {
                result.map_err(|d| format!("seed {seed}: apply refused: {d:?}"))?;
            }
            () = kill.notified() => {}
        }
    }
    Err(format!(
        "seed {seed} ({}): no empty plan after {ROUNDS} applies\n{}",
        profile.name,
        case.yaml_text()
    ))
}

/// The invariants of a converged account.
fn check(case: &Case, live: &LiveSnapshot) -> Result<(), String> {
    let seed = case.seed;
    let dups = duplicates(live);
    if !dups.is_empty() {
        return Err(format!("seed {seed}: duplicates {dups:?}"));
    }
    for (file, collection) in &case.unmanaged_links {
        let kept = live
            .files
            .iter()
            .find(|f| &f.id == file)
            .is_some_and(|f| f.collections.contains(collection));
        if !kept {
            return Err(format!(
                "seed {seed}: the UI link of file {file} to collection {collection} was lost"
            ));
        }
    }
    for (kind, id) in &case.expected_deletions {
        if !pruned(live, kind, id) {
            return Err(format!("seed {seed}: {kind} {id} should have been pruned"));
        }
    }
    for (kind, id) in &case.must_survive {
        if !exists(live, kind, id) {
            return Err(format!(
                "seed {seed}: {kind} {id} was deleted outside the prune scope"
            ));
        }
    }
    Ok(())
}

/// Every asset's hash is recorded on its file, but where the plan says the
/// file is unverified (a run stopped between confirm and recording).
fn check_hashes(
    seed: u64,
    catalog: &Catalog,
    hashes: &BTreeMap<String, String>,
    live: &LiveSnapshot,
    plan: &pxmctl::plan::Plan,
) -> Result<(), String> {
    let attribute = live
        .attributes
        .iter()
        .find(|a| a.name == DEFAULT_HASH_ATTRIBUTE);
    for (key, entry) in &catalog.files {
        let Some(asset) = &entry.value.content else {
            continue;
        };
        let Some(file) = live.files.iter().find(|f| f.file_name == entry.value.name) else {
            return Err(format!("seed {seed}: file `{key}` is not live"));
        };
        let recorded = attribute.and_then(|a| {
            file.attributes
                .iter()
                .flatten()
                .find(|v| *v.id == *a.id)
                .and_then(|v| v.value.as_str())
        });
        let unverified = plan.notes.iter().any(|n| &n.key == key);
        if recorded != hashes.get(&asset.path).map(String::as_str) && !unverified {
            return Err(format!(
                "seed {seed}: file `{key}` records {recorded:?}, not the hash of `{}`",
                asset.path
            ));
        }
    }
    Ok(())
}

async fn seeds(range: std::ops::Range<u64>, readings: Readings) {
    let mut failures = Vec::new();
    for seed in range {
        match converge(seed, &readings).await {
            Ok(line) => eprintln!("{line}"),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_catalogs_0_to_9_converge_under_faults() {
    seeds(0..10, Readings::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_catalogs_10_to_19_converge_under_faults() {
    seeds(10..20, Readings::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_catalogs_20_to_29_converge_under_faults() {
    seeds(20..30, Readings::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_catalogs_0_to_9_converge_under_the_strict_readings() {
    seeds(0..10, Readings::strict()).await;
}
