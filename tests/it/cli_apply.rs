//! The `pxmctl apply` binary against the sandbox: it refuses to run
//! unasked without a terminal, emits one JSON event per action, and
//! applies a saved plan only while what it read is unchanged.
#![allow(clippy::unwrap_used)]

use crate::support::assets::png;
use crate::support::cli::{Pxmctl, pxmctl_against, text};
use crate::support::connection::client;
use crate::support::requests::writes;
use crate::support::sandbox::{seeded, start};
use crate::support::seed::obj;

use std::path::Path;

use pxmctl::remote::Request;
use pxmctl::sandbox::{RunningSandbox, Seed};
use serde_json::{Value, json};

const CATALOG: &str = "regions:\n  global: { name: Global }\ncategories:\n  gear: { name: Gear }\n  tents: { name: Tents, parent: gear }\n  packs: { name: Packs, parent: gear }\n";

async fn sandbox() -> RunningSandbox {
    let mut seed = Seed::default();
    seed.regions.push(obj(
        json!({"id": "r1", "name": "Global", "is_primary": true}),
    ));
    seed.categories
        .push(obj(json!({"id": "k1", "name": "Gear"})));
    start(seeded(seed)).await
}

fn catalog_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("catalog")).unwrap();
    std::fs::write(dir.path().join("catalog/catalog.yaml"), CATALOG).unwrap();
    dir
}

#[tokio::test]
async fn without_a_terminal_apply_asks_for_auto_approve_and_changes_nothing() {
    let sandbox = sandbox().await;
    let dir = catalog_dir();
    let out = pxmctl_against(&sandbox, dir.path(), &["apply"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--auto-approve"), "{}", text(&out));
    assert_eq!(writes(&sandbox), 0);
}

#[tokio::test]
async fn json_events_one_per_action_then_a_summary() {
    let sandbox = sandbox().await;
    let dir = catalog_dir();
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "--auto-approve", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&Value> = events.iter().filter(|e| e["event"] == "action").collect();
    assert_eq!(actions.len(), 2, "{events:?}");
    assert!(
        actions
            .iter()
            .all(|a| a["outcome"] == "done" && a["op"] == "create")
    );
    assert!(actions.iter().all(|a| a["id"].is_string()));
    let last = events.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["done"].as_u64()),
        (Some("summary"), Some(2))
    );
    let again = pxmctl_against(&sandbox, dir.path(), &["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[tokio::test]
async fn a_saved_plan_is_refused_once_what_it_read_has_changed() {
    let sandbox = sandbox().await;
    let dir = catalog_dir();
    let out = pxmctl_against(&sandbox, dir.path(), &["plan", "--out", "plan.json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Someone renames the live category in the UI.
    let client = client(&sandbox, 100);
    client
        .send(Request::put("/v2.1/category/k1", &json!({"name": "Gear (UI)"})).idempotent(true))
        .await
        .unwrap();
    let before = writes(&sandbox);
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "plan.json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("live category `k1` changed since the plan was made (entry `"),
        "{}",
        text(&out)
    );
    assert_eq!(writes(&sandbox), before, "nothing applied");
    // A fresh plan applies, without a question: it was reviewed.
    let out = pxmctl_against(&sandbox, dir.path(), &["plan", "--out", "plan.json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // ... unless a catalog file changed since, which the refusal names.
    let yaml = dir.path().join("catalog/catalog.yaml");
    let original = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{original}# a comment\n")).unwrap();
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "plan.json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("catalog file `catalog.yaml` changed since the plan was made"),
        "{}",
        text(&out)
    );
    std::fs::write(&yaml, original).unwrap();
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "plan.json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("Apply complete! 3 done"),
        "{}",
        text(&out)
    );
    let out = pxmctl_against(&sandbox, dir.path(), &["plan", "--detailed-exitcode"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test]
async fn a_run_killed_mid_way_converges_on_the_next_apply() {
    let sandbox = slow_sandbox(40).await;
    let dir = categories((0..40).map(|i| {
        format!("  c{i}: {{ name: Category {i} }}\n  s{i}: {{ name: Sub {i}, parent: c{i} }}\n")
    }));
    let client = client(&sandbox, 100);
    let mut child = spawn_apply(&sandbox, dir.path(), "4");
    // Kill it once some categories exist, not all.
    until_categories(&sandbox, 10).await;
    child.kill().unwrap();
    let _ = child.wait();
    let after_kill = sandbox
        .stats()
        .objects
        .get("category")
        .copied()
        .unwrap_or(0);
    assert!(
        (10..80).contains(&after_kill),
        "killed mid-run with {after_kill} categories"
    );

    // The killed run still holds the account lock: the next apply names
    // it, and `pxmctl unlock ID` (what the message says) removes it.
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "--auto-approve", "-q"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let message = text(&out);
    let id = message
        .split("pxmctl unlock ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no lock id in: {message}"))
        .trim_end_matches(['`', '.', ')'])
        .to_owned();
    let out = pxmctl_against(&sandbox, dir.path(), &["unlock", &id]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "--auto-approve", "-q"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let live = pxmctl::remote::LiveSnapshot::fetch(&client).await.unwrap();
    assert_eq!(live.categories.len(), 80, "every category once");
    let mut names: Vec<&str> = live.categories.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 80, "no duplicates");
    let out = pxmctl_against(&sandbox, dir.path(), &["plan", "--detailed-exitcode"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test]
async fn ctrl_c_lets_running_actions_finish_and_reports_the_rest() {
    let sandbox = slow_sandbox(100).await;
    let dir = categories((0..60).map(|i| format!("  c{i}: {{ name: Category {i} }}\n")));
    let child = spawn_apply(&sandbox, dir.path(), "2");
    until_categories(&sandbox, 4).await;
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(err.contains("Apply interrupted."), "{err}");
    assert!(err.contains("not started"), "{err}");
    // Nothing was cut off mid-write: what exists is whole, and the next
    // apply finishes the rest.
    let out = pxmctl_against(&sandbox, dir.path(), &["apply", "--auto-approve", "-q"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sandbox.stats().objects.get("category").copied(), Some(60));
}

/// A sandbox that answers every API call after `latency_ms`, so a signal
/// lands while writes are in flight.
async fn slow_sandbox(latency_ms: u64) -> RunningSandbox {
    let mut seed = Seed::default();
    seed.regions.push(obj(
        json!({"id": "r1", "name": "Global", "is_primary": true}),
    ));
    start(pxmctl::sandbox::SandboxConfig {
        faults: pxmctl::sandbox::FaultConfig {
            latency: std::time::Duration::from_millis(latency_ms),
            ..Default::default()
        },
        ..seeded(seed)
    })
    .await
}

/// A catalog directory (`catalog/catalog.yaml`) of these category lines.
fn categories(lines: impl Iterator<Item = String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("catalog")).unwrap();
    let mut yaml = String::from("regions:\n  global: { name: Global }\ncategories:\n");
    yaml.extend(lines);
    std::fs::write(dir.path().join("catalog/catalog.yaml"), yaml).unwrap();
    dir
}

/// `pxmctl apply --auto-approve -q` started in the background, stderr kept.
fn spawn_apply(sandbox: &RunningSandbox, dir: &Path, concurrency: &str) -> std::process::Child {
    Pxmctl::new(&["apply", "--auto-approve", "-q"])
        .dir(dir)
        .against(sandbox)
        .env("PXM_CONCURRENCY", concurrency)
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the sandbox holds at least `n` categories.
async fn until_categories(sandbox: &RunningSandbox, n: usize) {
    for _ in 0..400 {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        if sandbox
            .stats()
            .objects
            .get("category")
            .copied()
            .unwrap_or(0)
            >= n
        {
            return;
        }
    }
}

#[tokio::test]
async fn a_saved_plan_is_refused_when_an_asset_changed_since() {
    let sandbox = sandbox().await;
    let dir = catalog_dir();
    std::fs::write(
        dir.path().join("catalog/files.yaml"),
        "files:\n  hero: { path: hero.png }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("catalog/hero.png"), png(5_000, 1)).unwrap();
    let plan = pxmctl_against(&sandbox, dir.path(), &["plan", "--out", "plan.json"]).await;
    assert!(plan.status.success(), "{}", text(&plan));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["assets"]["hero.png"].as_str().unwrap().len(), 64);

    // Same size, other bytes: only the recorded hash can tell.
    std::fs::write(dir.path().join("catalog/hero.png"), png(5_000, 2)).unwrap();
    let before = writes(&sandbox);
    let apply = pxmctl_against(&sandbox, dir.path(), &["apply", "plan.json"]).await;
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply));
    assert!(
        text(&apply).contains("asset `hero.png` changed since the plan was made"),
        "{}",
        text(&apply)
    );
    assert_eq!(writes(&sandbox), before, "nothing was applied");
}

#[tokio::test]
async fn bad_assets_are_refused_before_any_request() {
    let outside = tempfile::tempdir().unwrap();
    let outside_png = outside.path().join("secret.png");
    std::fs::write(&outside_png, png(100, 0)).unwrap();
    let cases: [(&str, &str, &str); 5] = [
        ("empty", "path: empty.png", "is empty (0 bytes)"),
        ("mismatch", "path: photo.jpg", "error[asset-type-mismatch]"),
        (
            "dotdot",
            "path: ../secret.png",
            "error[asset-outside-catalog]",
        ),
        ("absolute", "ABSOLUTE", "error[asset-outside-catalog]"),
        ("symlink", "path: link.png", "error[asset-outside-catalog]"),
    ];
    for (name, entry, expect) in cases {
        let sandbox = sandbox().await;
        let dir = catalog_dir();
        let catalog = dir.path().join("catalog");
        std::fs::write(catalog.join("empty.png"), b"").unwrap();
        std::fs::write(catalog.join("photo.jpg"), png(100, 3)).unwrap();
        std::fs::write(dir.path().join("secret.png"), png(100, 0)).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside_png, catalog.join("link.png")).unwrap();
        let entry = entry.replace("ABSOLUTE", &format!("path: {}", outside_png.display()));
        std::fs::write(
            catalog.join("files.yaml"),
            format!("files:\n  {name}:\n    {entry}\n"),
        )
        .unwrap();
        let apply = pxmctl_against(&sandbox, dir.path(), &["apply", "--auto-approve"]).await;
        let out = text(&apply);
        assert_eq!(apply.status.code(), Some(1), "{name}: {out}");
        assert!(out.contains(expect), "{name}: expected `{expect}` in {out}");
        assert!(
            out.contains("files.yaml:3"),
            "{name}: names file and line: {out}"
        );
        assert_eq!(writes(&sandbox), 0, "{name}: nothing written or uploaded");
    }
}
