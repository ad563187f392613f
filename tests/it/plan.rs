//! Planning against the sandbox: a fresh account plans every create in a
//! valid order; links made in the UI to objects outside the catalog are
//! never planned away; a rename is an update; ambiguous and vanished
//! matches fail at the entry; prune stays inside its scope.
#![allow(clippy::unwrap_used)]

use crate::support::connection::client;
use crate::support::sandbox::{seeded, start};
use crate::support::seed::obj;
use crate::support::seed::{self, every_kind};

use pxmctl::catalog::model::Catalog;
use pxmctl::diag::Code;
use pxmctl::plan::{Kind, Op, Plan, PlanOptions, plan};
use pxmctl::remote::LiveSnapshot;
use pxmctl::sandbox::Seed;
use serde_json::json;

fn demo() -> Catalog {
    let loaded = pxmctl::catalog::load(std::path::Path::new("catalog"));
    loaded.catalog.expect("the demo catalog is valid")
}

/// The demo's regions exist in every account (they are read-only).
fn regions_seed() -> Seed {
    seed::regions(&["Global", "United States", "Europe"])
}

async fn live(seed: Seed) -> LiveSnapshot {
    let sandbox = start(seeded(seed)).await;
    let client = client(&sandbox, 100);
    LiveSnapshot::fetch(&client).await.unwrap()
}

fn position(plan: &Plan, kind: Kind, key: &str, op: Op) -> usize {
    plan.actions
        .iter()
        .position(|a| a.kind == kind && a.key == key && a.op == op)
        .unwrap_or_else(|| panic!("no {op:?} of {kind:?} {key} in {:#?}", plan.actions))
}

#[tokio::test]
async fn a_fresh_account_plans_every_create_in_a_valid_order() {
    let catalog = demo();
    let plan = plan(
        &catalog,
        &live(regions_seed()).await,
        &PlanOptions::default(),
    )
    .unwrap();
    let creates = plan.summary.create + plan.summary.upload;
    let entries = catalog.attributes.len()
        + catalog.attribute_groups.len()
        + catalog.categories.len()
        + catalog.collections.len()
        + catalog.files.len()
        + catalog.resources.len();
    assert_eq!(creates, entries, "{:#?}", plan.summary);
    assert_eq!(plan.summary.delete, 0);
    for (i, a) in plan.actions.iter().enumerate() {
        assert!(
            a.depends_on.iter().all(|d| *d < i),
            "{} waits for a later action",
            a.key
        );
    }
    // Parents before children, families before variants, bytes before links.
    for (key, e) in &catalog.categories {
        if let Some(parent) = &e.value.parent {
            assert!(
                position(&plan, Kind::Category, parent, Op::Create)
                    < position(&plan, Kind::Category, key, Op::Create)
            );
        }
    }
    for (key, e) in &catalog.collections {
        if let pxmctl::catalog::model::Family::Variant { parent } = &e.value.family {
            assert!(
                position(&plan, Kind::Collection, parent, Op::Create)
                    < position(&plan, Kind::Collection, key, Op::Create)
            );
        }
    }
    for (key, e) in &catalog.files {
        if e.value.collections.as_ref().is_some_and(|c| !c.is_empty()) {
            assert!(
                position(&plan, Kind::File, key, Op::Upload)
                    < position(&plan, Kind::File, key, Op::Link)
            );
        }
    }
    // Deterministic: the same inputs give the same plan.
    let again = pxmctl::plan::plan(
        &catalog,
        &live(regions_seed()).await,
        &PlanOptions::default(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&plan).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[tokio::test]
async fn a_missing_region_is_an_error_at_the_entry() {
    let diagnostics = plan(
        &demo(),
        &live(Seed::default()).await,
        &PlanOptions::default(),
    )
    .unwrap_err();
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::MissingLive), "{codes:?}");
}

/// A small catalog written to a temp dir.
fn catalog(yaml: &str) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), yaml).unwrap();
    let loaded = pxmctl::catalog::load(dir.path());
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:#?}",
        loaded.diagnostics
    );
    loaded.catalog.unwrap()
}

fn account() -> Seed {
    let mut s = regions_seed();
    s.categories
        .push(obj(json!({"id": "c1", "name": "Apparel"})));
    s.categories.push(obj(json!({"id": "c2", "name": "Sale"})));
    s.categories
        .push(obj(json!({"id": "c9", "name": "Made in the UI"})));
    s.categories
        .push(obj(json!({"id": "c10", "name": "Old", "parent_id": "c1"})));
    s.collections.push(obj(json!({
        "id": "p1", "name": "Rain Jacket", "parent_id": "c1",
        "direct_parent": ["c2", "c9"], "region_ids": ["r0", "r2"]
    })));
    s.collections.push(obj(
        json!({"id": "p2", "name": "UI Bundle", "parent_id": "c9"}),
    ));
    s.files.push(obj(json!({"id": "f1", "file_name": "hero.jpg", "size": 10, "collections": [{"id": "p1"}, {"id": "p2"}]})));
    s
}

#[tokio::test]
async fn the_same_catalog_plans_nothing_and_ui_links_survive() {
    let live = live(account()).await;
    let same = catalog(
        "categories:\n  apparel: { name: Apparel }\n  sale: { name: Sale }\n  old: { name: Old, parent: apparel }\n\
         collections:\n  rain-jacket: { name: Rain Jacket, category: apparel, also_in: [sale] }\n\
         files:\n  hero: { name: hero.jpg, collections: [rain-jacket] }\n",
    );
    let p = plan(&same, &live, &PlanOptions::default()).unwrap();
    assert!(p.is_empty(), "{:#?}", p.actions);

    // Removing `sale` from also_in removes only that managed link: the
    // UI-made link to `c9` (not in the catalog) stays.
    let fewer = catalog(
        "categories:\n  apparel: { name: Apparel }\n  sale: { name: Sale }\n\
         collections:\n  rain-jacket: { name: Rain Jacket, category: apparel, also_in: [] }\n",
    );
    let p = plan(&fewer, &live, &PlanOptions::default()).unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let change = &p.actions[0].changes[0];
    assert_eq!(change.field, "also_in");
    assert_eq!(change.before, Some(json!(["id:c9", "sale"])));
    assert_eq!(change.after, Some(json!(["id:c9"])));
}

#[tokio::test]
async fn a_rename_is_an_update() {
    let live = live(account()).await;
    let renamed = catalog("categories:\n  apparel: { name: Clothing, renamed_from: Apparel }\n");
    let p = plan(&renamed, &live, &PlanOptions::default()).unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!((a.op, a.id.as_deref()), (Op::Update, Some("c1")));
    assert_eq!(a.note.as_deref(), Some("renamed from \"Apparel\""));
}

#[tokio::test]
async fn ambiguous_and_vanished_matches_fail_clearly() {
    let mut seed = account();
    seed.categories
        .push(obj(json!({"id": "c11", "name": "Sale"})));
    let live = live(seed).await;
    let d = plan(
        &catalog("categories:\n  sale: { name: Sale }\n"),
        &live,
        &PlanOptions::default(),
    )
    .unwrap_err();
    let message = &d.iter().next().unwrap().message;
    assert!(
        message.contains("`c2`") && message.contains("`c11`"),
        "{message}"
    );

    let d = plan(
        &catalog("categories:\n  gone: { name: Gone, id: c404 }\n"),
        &live,
        &PlanOptions::default(),
    )
    .unwrap_err();
    let first = d.iter().next().unwrap();
    assert_eq!(first.code, Code::VanishedId);
    assert!(first.message.contains("c404"), "{}", first.message);
}

#[tokio::test]
async fn prune_deletes_only_inside_its_scope() {
    let live = live(account()).await;
    // Subcategories of `apparel` are pruned: only `Old` (c10) goes;
    // top-level categories the catalog does not name stay.
    let p = plan(
        &catalog("categories:\n  apparel: { name: Apparel, prune: true }\n"),
        &live,
        &PlanOptions::default(),
    )
    .unwrap();
    let deleted: Vec<&str> = p
        .actions
        .iter()
        .filter(|a| a.op == Op::Delete)
        .filter_map(|a| a.id.as_deref())
        .collect();
    assert_eq!(deleted, ["c10"]);
    assert!(p.deletes());

    // `prune: [collections]` deletes every unmatched collection, nothing else.
    let p = plan(
        &catalog("prune: [collections]\ncollections:\n  rain-jacket: { name: Rain Jacket, category: apparel }\ncategories:\n  apparel: { name: Apparel }\n"),
        &live,
        &PlanOptions::default(),
    )
    .unwrap();
    let deleted: Vec<(Kind, &str)> = p
        .actions
        .iter()
        .filter(|a| a.op == Op::Delete)
        .map(|a| (a.kind, a.id.as_deref().unwrap()))
        .collect();
    assert_eq!(deleted, [(Kind::Collection, "p2")]);
    // Deletions come last.
    assert_eq!(p.actions.last().unwrap().op, Op::Delete);
}

#[tokio::test]
async fn target_keeps_an_entry_and_what_it_needs() {
    let catalog = demo();
    let live = live(regions_seed()).await;
    let full = plan(&catalog, &live, &PlanOptions::default()).unwrap();
    let variant = catalog
        .collections
        .iter()
        .find(|(_, e)| {
            matches!(
                e.value.family,
                pxmctl::catalog::model::Family::Variant { .. }
            )
        })
        .map(|(k, _)| k.clone())
        .unwrap();
    let options = PlanOptions {
        targets: vec![format!("collections.{variant}")],
        ..PlanOptions::default()
    };
    let p = plan(&catalog, &live, &options).unwrap();
    assert!(p.actions.len() < full.actions.len());
    assert!(p.actions.iter().any(|a| a.key == variant));
    for (i, a) in p.actions.iter().enumerate() {
        assert!(a.depends_on.iter().all(|d| *d < i));
    }
    let bad = PlanOptions {
        targets: vec!["no-such-entry".into()],
        ..PlanOptions::default()
    };
    assert!(plan(&catalog, &live, &bad).is_err());
}

#[tokio::test]
async fn an_exported_account_plans_nothing() {
    // Every kind, variants, collections in several categories, values of
    // every attribute type, files with links, resources on both owners.
    let mut seed = every_kind(12, 60);
    seed.collections[1].insert(
        "attributes".into(),
        json!([
            {"id": "a0", "type": "update", "value": "Nylon"},
            {"id": "a1", "type": "update", "value": "2026-02-01"},
            {"id": "a2", "type": "update", "value": ["b", "a"]},
            {"id": "a3", "type": "update", "value": "Red"},
            {"id": "a4", "type": "update", "value": true},
            {"id": "a5", "type": "update", "value": 12.5}
        ]),
    );
    seed.collections[3].insert("published".into(), json!(true));
    seed.collections[3].insert("published_start_date".into(), json!("2026-01-01"));
    let live = live(seed).await;
    let exported = pxmctl::export::export(
        &live,
        &pxmctl::export::ExportOptions {
            with_assets: false,
            hash_attribute: "pxmctl_sha256".into(),
            ..pxmctl::export::ExportOptions::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    pxmctl::export::write::write_files(dir.path(), &exported.files).unwrap();
    let loaded = pxmctl::catalog::load(dir.path());
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:#?}",
        loaded.diagnostics
    );
    let catalog = loaded.catalog.unwrap();
    let p = plan(&catalog, &live, &PlanOptions::default()).unwrap();
    assert!(p.is_empty(), "{:#?}", p.actions);
}
