//! The content-hash gate against the sandbox: each upload records the
//! asset's SHA-256 on its live file, so an unchanged catalog uploads
//! nothing; a changed asset replaces its file's bytes in place (links,
//! attributes and id kept); a file uploaded by hand with no recorded hash
//! is reported "unverified" rather than overwritten, until forced.
#![allow(clippy::unwrap_used)]

use crate::support::assets::png;
use crate::support::connection::{download, get_json};
use crate::support::harness::Harness;

use std::path::Path;

use pxmctl::apply::{ApplyOptions, Report};
use pxmctl::catalog::{self, hashes, model::Catalog};
use pxmctl::config::DEFAULT_HASH_ATTRIBUTE;
use pxmctl::plan::{Op, Plan, PlanOptions, SHA256_FIELD};
use pxmctl::remote::{Client, LiveSnapshot, Request};
use pxmctl::sandbox::{RunningSandbox, Seed};

use serde_json::{Value, json};

const CATALOG: &str = "\
collections:
  tent: { name: Tent }
files:
  hero:
    path: hero.png
    collections: [tent]
";

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// What `pxmctl plan` does: load, declare the hash attribute, hash the
/// assets (with the cache), read the account, plan.
async fn plan_with(
    dir: &Path,
    client: &Client,
    force_upload: bool,
) -> (Plan, Catalog, LiveSnapshot) {
    let loaded = catalog::load(dir);
    let mut catalog = loaded
        .catalog
        .unwrap_or_else(|| panic!("invalid catalog: {:?}", loaded.diagnostics));
    catalog
        .declare_hash_attribute(DEFAULT_HASH_ATTRIBUTE)
        .unwrap();
    let hashes = hashes::hash_catalog(&catalog, &loaded.assets).unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let options = PlanOptions {
        hashes: hashes.by_path,
        force_upload,
        ..PlanOptions::default()
    };
    let plan = pxmctl::plan::plan(&catalog, &live, &options).unwrap();
    (plan, catalog, live)
}

async fn apply_with(dir: &Path, client: &Client, force_upload: bool) -> (Plan, Report) {
    let (plan, catalog, live) = plan_with(dir, client, force_upload).await;
    let report = pxmctl::apply::apply(
        &plan,
        &catalog,
        &live,
        client,
        &ApplyOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
    assert!(report.succeeded(), "{:?}", report.outcomes);
    (plan, report)
}

async fn apply(dir: &Path, client: &Client) -> (Plan, Report) {
    apply_with(dir, client, false).await
}

/// The only file of the account, as the API shows it.
async fn only_file(client: &Client) -> Value {
    let live = LiveSnapshot::fetch(client).await.unwrap();
    assert_eq!(live.files.len(), 1, "{:?}", live.files);
    get_json(client, &format!("/v2.1/file/{}", live.files[0].id)).await
}

/// The value of the hash attribute on file `id`, if any.
async fn recorded_hash(client: &Client, id: &str) -> Option<String> {
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let attribute = live
        .attributes
        .iter()
        .find(|a| a.name == DEFAULT_HASH_ATTRIBUTE)?;
    assert_eq!(attribute.kind, "Text");
    let file = live.files.iter().find(|f| f.id == id).unwrap();
    file.attributes
        .iter()
        .flatten()
        .find(|v| *v.id == *attribute.id)
        .and_then(|v| v.value.as_str().map(str::to_owned))
}

fn sha256(bytes: &[u8]) -> String {
    hashes::sha256(bytes).unwrap().0
}

/// Requests the object store received (every presigned PUT).
fn store_puts(sandbox: &RunningSandbox) -> u64 {
    let stats = sandbox.stats();
    stats
        .requests
        .iter()
        .filter(|(route, _)| route.starts_with("PUT /_store"))
        .flat_map(|(_, by_status)| by_status.values())
        .sum()
}

fn uploads(plan: &Plan) -> Vec<&pxmctl::plan::Action> {
    plan.actions.iter().filter(|a| a.op == Op::Upload).collect()
}

#[tokio::test]
async fn an_unchanged_asset_uploads_nothing_the_second_time() {
    let h = Harness::seeded(Seed::default()).await;
    let (sandbox, client) = (&h.sandbox, &h.client);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), CATALOG).unwrap();
    let bytes = png(300_000, 1);
    write(dir.path(), "hero.png", &bytes);

    let (first, _) = apply(dir.path(), client).await;
    let created: Vec<_> = first
        .actions
        .iter()
        .filter(|a| a.op == Op::Create)
        .map(|a| a.key.as_str())
        .collect();
    assert!(created.contains(&DEFAULT_HASH_ATTRIBUTE), "{created:?}");
    assert_eq!(first.summary.upload_bytes, bytes.len() as u64);
    let file = only_file(client).await;
    let id = file["id"].as_str().unwrap();
    assert_eq!(recorded_hash(client, id).await, Some(sha256(&bytes)));
    assert_eq!(download(&file).await, bytes);

    let puts = store_puts(sandbox);
    let stored = sandbox.stats().bytes_stored;
    let (second, _) = apply(dir.path(), client).await;
    assert!(second.is_empty(), "{:?}", second.actions);
    assert!(second.notes.is_empty(), "{:?}", second.notes);
    assert_eq!(store_puts(sandbox), puts, "no byte sent the second time");
    assert_eq!(sandbox.stats().bytes_stored, stored);
    assert_eq!(
        sandbox.stats().count("POST /v3/file/request-upload", "200"),
        1,
        "one upload session in all"
    );
}

#[tokio::test]
async fn a_changed_asset_replaces_the_files_bytes_and_keeps_its_links() {
    let mut seed = Seed::default();
    seed.collections.push(
        json!({"id": "ui-1", "name": "Made in the UI"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let h = Harness::seeded(seed).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), CATALOG).unwrap();
    write(dir.path(), "hero.png", &png(50_000, 1));
    apply(dir.path(), client).await;
    let file = only_file(client).await;
    let id = file["id"].as_str().unwrap().to_owned();
    // Someone links the file to a collection pxmctl does not manage.
    let mut links: Vec<Value> = file["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    links.push(json!("ui-1"));
    client
        .send(Request::put(
            format!("/v2.1/file/{id}"),
            &json!({ "collections": links }),
        ))
        .await
        .unwrap();

    // Same size, other bytes: only the hash can tell.
    let changed = png(50_000, 2);
    write(dir.path(), "hero.png", &changed);
    let (plan, _) = apply(dir.path(), client).await;
    let up = uploads(&plan);
    assert_eq!(up.len(), 1, "{:?}", plan.actions);
    assert_eq!(up[0].id.as_deref(), Some(id.as_str()));
    assert!(
        up[0]
            .note
            .as_deref()
            .unwrap()
            .contains("content changed: sha256"),
        "{:?}",
        up[0].note
    );
    let sha = up[0]
        .changes
        .iter()
        .find(|c| c.field == SHA256_FIELD)
        .unwrap();
    assert_eq!(sha.after, Some(json!(sha256(&changed))));
    assert!(sha.before.is_some());

    let after = only_file(client).await;
    assert_eq!(after["id"], json!(id), "the same file, not a new one");
    assert_eq!(download(&after).await, changed);
    let links: Vec<&str> = after["collections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str().or_else(|| l["id"].as_str()))
        .collect();
    assert!(links.contains(&"ui-1"), "the UI link survives: {links:?}");
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(recorded_hash(client, &id).await, Some(sha256(&changed)));
    let (again, ..) = plan_with(dir.path(), client, false).await;
    assert!(again.is_empty(), "{:?}", again.actions);
}

#[tokio::test]
async fn a_renamed_file_with_new_bytes_keeps_its_id() {
    let h = Harness::seeded(Seed::default()).await;
    let client = &h.client;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), CATALOG).unwrap();
    write(dir.path(), "hero.png", &png(10_000, 1));
    apply(dir.path(), client).await;
    let id = only_file(client).await["id"].as_str().unwrap().to_owned();

    let renamed = CATALOG.replace(
        "    path: hero.png\n",
        "    path: hero.png\n    name: tent-hero.png\n    renamed_from: hero.png\n",
    );
    std::fs::write(dir.path().join("c.yaml"), renamed).unwrap();
    let changed = png(12_000, 3);
    write(dir.path(), "hero.png", &changed);
    apply(dir.path(), client).await;
    let file = only_file(client).await;
    assert_eq!(file["id"], json!(id));
    assert_eq!(file["file_name"], json!("tent-hero.png"));
    assert_eq!(download(&file).await, changed);
}

#[tokio::test]
async fn a_file_uploaded_by_hand_is_unverified_until_forced() {
    let h = Harness::seeded(Seed::default()).await;
    let (sandbox, client) = (&h.sandbox, &h.client);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), CATALOG).unwrap();
    // Uploaded by hand (no hash recorded): other bytes of the same size.
    let by_hand = png(20_000, 9);
    write(dir.path(), "hero.png", &by_hand);
    let hand_catalog = "files:\n  hero: { path: hero.png }\n";
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("c.yaml"), hand_catalog).unwrap();
    write(other.path(), "hero.png", &by_hand);
    let loaded = catalog::load(other.path()).catalog.unwrap();
    let live = LiveSnapshot::fetch(client).await.unwrap();
    let plan = pxmctl::plan::plan(&loaded, &live, &PlanOptions::default()).unwrap();
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
    let id = only_file(client).await["id"].as_str().unwrap().to_owned();
    assert_eq!(recorded_hash(client, &id).await, None);

    let ours = png(20_000, 4);
    write(dir.path(), "hero.png", &ours);
    let puts = store_puts(sandbox);
    let (plan, _) = apply(dir.path(), client).await;
    assert!(uploads(&plan).is_empty(), "{:?}", plan.actions);
    assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
    assert!(
        plan.notes[0].message.starts_with("unverified"),
        "{:?}",
        plan.notes
    );
    assert_eq!(plan.notes[0].key, "hero");
    assert_eq!(store_puts(sandbox), puts, "not overwritten silently");
    assert_eq!(download(&only_file(client).await).await, by_hand);

    let (forced, _) = apply_with(dir.path(), client, true).await;
    assert_eq!(uploads(&forced).len(), 1, "{:?}", forced.actions);
    let file = only_file(client).await;
    assert_eq!(file["id"], json!(id));
    assert_eq!(download(&file).await, ours);
    assert_eq!(recorded_hash(client, &id).await, Some(sha256(&ours)));
    let (again, ..) = plan_with(dir.path(), client, false).await;
    assert!(again.is_empty() && again.notes.is_empty(), "{again:?}");
}
