//! `pxmctl apply` against the sandbox: apply then plan is empty; a UI
//! link survives; prune deletes exactly its scope; a lost answer creates
//! nothing twice; a failure skips only its dependents; a stop request
//! starts nothing new.
#![allow(clippy::unwrap_used)]

use crate::support::connection::get_json;
use crate::support::files::{repo, write_files};
use crate::support::harness::Harness;
use crate::support::sandbox::script;
use crate::support::seed::obj;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pxmctl::apply::{ApplyOptions, Outcome, Report};
use pxmctl::catalog;
use pxmctl::plan::{Op, Plan, PlanOptions};
use pxmctl::remote::{Client, LiveSnapshot, Request};
use pxmctl::sandbox::Seed;
use serde_json::{Value, json};

fn regions() -> Seed {
    let mut s = Seed::default();
    for (id, name, primary) in [
        ("r1", "Global", true),
        ("r2", "United States", false),
        ("r3", "Europe", false),
    ] {
        s.regions
            .push(obj(json!({"id": id, "name": name, "is_primary": primary})));
    }
    s
}

async fn plan_of(dir: &Path, client: &Client) -> (Plan, LiveSnapshot) {
    let loaded = catalog::load(dir);
    let catalog = loaded
        .catalog
        .unwrap_or_else(|| panic!("invalid catalog: {:?}", loaded.diagnostics));
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&catalog, &live, &PlanOptions::default()).unwrap();
    (plan, live)
}

async fn apply_with(dir: &Path, client: &Client, options: &ApplyOptions) -> (Plan, Report) {
    let loaded = catalog::load(dir);
    let catalog = loaded.catalog.unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&catalog, &live, &PlanOptions::default()).unwrap();
    let report = pxmctl::apply::apply(&plan, &catalog, &live, client, options, &|_| {})
        .await
        .unwrap();
    (plan, report)
}

async fn apply(dir: &Path, client: &Client) -> (Plan, Report) {
    apply_with(dir, client, &ApplyOptions::default()).await
}

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().or_else(|| i["id"].as_str()).unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_bundled_catalog_applies_and_then_plans_empty() {
    let h = Harness::seeded(regions()).await;
    let client = &h.client;
    let dir = repo("catalog");
    let (plan, report) = apply(&dir, client).await;
    assert!(plan.summary.create > 20, "{:?}", plan.summary);
    assert!(report.succeeded(), "{:?}", report.outcomes);
    let (again, _) = plan_of(&dir, client).await;
    assert!(
        again.is_empty(),
        "a second plan still has {:?}",
        again.actions
    );
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let storm = live
        .collections
        .iter()
        .find(|c| c.additional_title.as_deref() == Some("RO-SS-RED-L"))
        .unwrap();
    assert_eq!(*storm.region_ids, ["r2"], "regions resolved to live ids");
    assert_eq!(live.files.len(), 4, "{:?}", live.files);
}

const TAXONOMY: &str = "regions:\n  global: { name: Global }\ncategories:\n  gear: { name: Gear }\n  tents: { name: Tents, parent: gear }\n";

#[tokio::test]
async fn a_link_made_in_the_ui_survives_an_apply_that_changes_the_same_files_links() {
    let mut seed = regions();
    for (id, name) in [
        ("c-ui", "UI only"),
        ("c-a", "Managed A"),
        ("c-b", "Managed B"),
        ("c-ui2", "UI later"),
    ] {
        seed.collections.push(obj(json!({"id": id, "name": name})));
    }
    seed.files.push(obj(json!({
        "id": "f1", "file_name": "tent.jpg", "mime_type": "image/jpeg", "size": 10,
        "collections": [{"id": "c-ui"}, {"id": "c-a"}],
    })));
    let h = Harness::seeded(seed).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("taxonomy.yaml", TAXONOMY),
            (
                "products.yaml",
                "collections:\n  a: { name: Managed A }\n  b: { name: Managed B }\nfiles:\n  tent: { name: tent.jpg, collections: [b] }\n",
            ),
        ],
    );
    let (plan, live) = plan_of(dir.path(), client).await;
    let link = plan.actions.iter().find(|a| a.op == Op::Link).unwrap();
    assert_eq!(link.id.as_deref(), Some("f1"));
    // Between plan and apply, someone links the file to another
    // unmanaged collection in the UI.
    client
        .send(
            Request::put(
                "/v2.1/file/f1",
                &json!({"collections": [{"id": "c-ui"}, {"id": "c-a"}, {"id": "c-ui2"}]}),
            )
            .idempotent(true),
        )
        .await
        .unwrap();
    let loaded = catalog::load(dir.path()).catalog.unwrap();
    let report = pxmctl::apply::apply(
        &plan,
        &loaded,
        &live,
        client,
        &ApplyOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
    assert!(report.succeeded(), "{:?}", report.outcomes);
    let file = get_json(client, "/v2.1/file/f1").await;
    assert_eq!(ids(&file["collections"]), ["c-b", "c-ui", "c-ui2"]);
    assert!(plan_of(dir.path(), client).await.0.is_empty());
}

#[tokio::test]
async fn prune_deletes_exactly_its_scope() {
    let mut seed = regions();
    seed.categories
        .push(obj(json!({"id": "k1", "name": "Gear"})));
    seed.categories
        .push(obj(json!({"id": "k2", "name": "Old", "parent_id": "k1"})));
    seed.categories
        .push(obj(json!({"id": "k3", "name": "Older", "parent_id": "k2"})));
    seed.categories
        .push(obj(json!({"id": "k4", "name": "Elsewhere"})));
    seed.collections
        .push(obj(json!({"id": "c1", "name": "Kept", "parent_id": "k4"})));
    seed.collections
        .push(obj(json!({"id": "c2", "name": "Stray"})));
    let h = Harness::seeded(seed).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "catalog.yaml",
            "regions:\n  global: { name: Global }\ncategories:\n  gear: { name: Gear, prune: true }\n  tents: { name: Tents, parent: gear }\n",
        )],
    );
    let (plan, report) = apply(dir.path(), client).await;
    assert!(report.succeeded(), "{:?}", report.outcomes);
    let deleted: Vec<&str> = plan
        .actions
        .iter()
        .filter(|a| a.op == Op::Delete)
        .map(|a| a.id.as_deref().unwrap())
        .collect();
    assert_eq!(deleted, ["k3", "k2"], "the subtree, children first");
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let mut names: Vec<&str> = live.categories.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Elsewhere", "Gear", "Tents"]);
    assert_eq!(
        live.collections.len(),
        2,
        "collections are outside the scope"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_not_made_twice() {
    let h = Harness::seeded(regions()).await;
    let (sandbox, client) = (&h.sandbox, &h.client);
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("taxonomy.yaml", TAXONOMY)]);
    let options = ApplyOptions {
        concurrency: 1,
        ..ApplyOptions::default()
    };
    let loaded = catalog::load(dir.path()).catalog.unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&loaded, &live, &PlanOptions::default()).unwrap();
    // The first create commits, then its connection drops unanswered.
    script(sandbox, json!({"action": "lost_answer"})).await;
    let report = pxmctl::apply::apply(&plan, &loaded, &live, client, &options, &|_| {})
        .await
        .unwrap();
    assert!(report.succeeded(), "{:?}", report.outcomes);
    assert_eq!(plan.summary.create, 2);
    let first = report.outcomes.iter().find_map(|o| match o {
        Outcome::Done { detail, .. } => detail.clone(),
        _ => None,
    });
    assert_eq!(first.as_deref(), Some("found after a lost answer"));
    let live = LiveSnapshot::fetch(client).await.unwrap();
    assert_eq!(live.categories.len(), 2, "{:?}", live.categories);
    assert_eq!(sandbox.stats().faults.get("lost_answer").copied(), Some(1));
    assert!(plan_of(dir.path(), client).await.0.is_empty());
}

#[tokio::test]
async fn a_failure_skips_its_dependents_and_nothing_else() {
    let h = Harness::seeded(regions()).await;
    let (sandbox, client) = (&h.sandbox, &h.client);
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "catalog.yaml",
            "regions:\n  global: { name: Global }\ncategories:\n  a: { name: A }\n  a1: { name: A1, parent: a }\n  a2: { name: A2, parent: a1 }\n  b: { name: B }\n",
        )],
    );
    // One at a time, in plan order: `a` is the first request after the
    // snapshot, and the API refuses it.
    let options = ApplyOptions {
        concurrency: 1,
        ..ApplyOptions::default()
    };
    let loaded = catalog::load(dir.path()).catalog.unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&loaded, &live, &PlanOptions::default()).unwrap();
    assert_eq!(plan.actions[0].key, "a");
    script(sandbox, json!({"action": "status", "status": 400})).await;
    let report = pxmctl::apply::apply(&plan, &loaded, &live, client, &options, &|_| {})
        .await
        .unwrap();
    let by_key = |k: &str| {
        let i = plan.actions.iter().position(|a| a.key == k).unwrap();
        report.outcomes[i].clone()
    };
    assert!(matches!(by_key("a"), Outcome::Failed { reason } if reason.contains("400")));
    assert_eq!(by_key("a1"), Outcome::Skipped { because: 0 });
    assert_eq!(by_key("a2"), Outcome::Skipped { because: 0 });
    assert!(by_key("b").is_done());
    assert!(!report.succeeded());
    // Running again finishes the job.
    let (_, report) = apply(dir.path(), client).await;
    assert!(report.succeeded(), "{:?}", report.outcomes);
    assert!(plan_of(dir.path(), client).await.0.is_empty());
}

#[tokio::test]
async fn a_stop_request_starts_nothing_new() {
    let h = Harness::seeded(regions()).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("taxonomy.yaml", TAXONOMY)]);
    let options = ApplyOptions {
        concurrency: 1,
        stop: Arc::new(AtomicBool::new(false)),
    };
    let stop = options.stop.clone();
    let loaded = catalog::load(dir.path()).catalog.unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&loaded, &live, &PlanOptions::default()).unwrap();
    let on_event = move |e: pxmctl::apply::Event<'_>| {
        if matches!(e, pxmctl::apply::Event::Started { .. }) {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let report = pxmctl::apply::apply(&plan, &loaded, &live, client, &options, &on_event)
        .await
        .unwrap();
    assert!(report.interrupted);
    assert!(report.outcomes[0].is_done(), "the running action finished");
    assert_eq!(report.outcomes[1], Outcome::NotStarted);
    let (_, report) = apply(dir.path(), client).await;
    assert!(report.succeeded());
    assert!(plan_of(dir.path(), client).await.0.is_empty());
}

#[tokio::test]
async fn an_update_merges_into_fresh_state_and_keeps_unnamed_values() {
    let mut seed = regions();
    seed.attributes
        .push(obj(json!({"id": "a1", "name": "Material", "type": "Text"})));
    seed.attributes
        .push(obj(json!({"id": "a2", "name": "Notes", "type": "Text"})));
    seed.collections.push(obj(json!({
        "id": "c1", "name": "Tent", "additional_title": "T-1",
        "attributes": [{"id": "a1", "type": "update", "value": "Nylon"}, {"id": "a2", "type": "update", "value": "UI note"}],
        "region_ids": ["r3"],
    })));
    let h = Harness::seeded(seed).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "catalog.yaml",
            "regions:\n  global: { name: Global }\nattributes:\n  material: { name: Material, type: text }\ncollections:\n  tent:\n    name: Tent\n    sku: T-1\n    attributes: { material: Polyester }\n    regions: [global]\n",
        )],
    );
    let (plan, report) = apply(dir.path(), client).await;
    assert_eq!(plan.summary.update, 1, "{:?}", plan.actions);
    assert!(report.succeeded(), "{:?}", report.outcomes);
    let c = get_json(client, "/v2.1/collection/c1").await;
    let values: Vec<(String, Value)> = c["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["id"].as_str().unwrap().to_owned(), v["value"].clone()))
        .collect();
    assert_eq!(
        values,
        [
            ("a1".into(), json!("Polyester")),
            ("a2".into(), json!("UI note"))
        ]
    );
    assert_eq!(
        ids(&c["region_ids"]),
        ["r1", "r3"],
        "an unmanaged region stays"
    );
    assert!(plan_of(dir.path(), client).await.0.is_empty());
}
