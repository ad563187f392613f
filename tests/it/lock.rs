//! One writer per account: two applies started together never both
//! write (0 duplicates in 5 races), the second one names the holder or
//! waits its turn with `--lock-timeout`, a holder killed with SIGKILL
//! blocks the next apply only until its lease runs out, and `pxmctl
//! unlock` removes a lock at once. The lock never shows in a plan.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{Pxmctl, pxmctl, text};
use crate::support::files::{copy_dir, repo};
use crate::support::run::Run;
use crate::support::served::Served;

use std::process::Stdio;
use std::time::{Duration, Instant};

use pxmctl::sandbox::{FaultConfig, SandboxConfig, Seed};
use reqwest::Method;

fn demo() -> Run {
    demo_with(Duration::ZERO)
}

/// The demo catalog beside an account holding its regions, answering
/// every API request `latency` late.
fn demo_with(latency: Duration) -> Run {
    let catalog = pxmctl::catalog::load(&repo("catalog")).catalog.unwrap();
    let seed = Seed::with_regions(catalog.regions.values().map(|r| r.value.name.as_str()));
    let served = Served::configured(SandboxConfig {
        rate_limit: None,
        seed: Some(seed),
        faults: FaultConfig {
            latency,
            ..FaultConfig::default()
        },
        ..SandboxConfig::default()
    });
    let run = Run::on(served, &[]);
    copy_dir(&repo("catalog"), &run.work.path().join("catalog"));
    run
}

/// `pxmctl unlock ARGS`, which must succeed; its output.
fn unlock(run: &Run, args: &[&str]) -> String {
    let mut all = vec!["unlock"];
    all.extend(args);
    let out = run.pxmctl(&all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    text(&out)
}

/// Whether the account holds a lock attribute, asked over the API.
fn locked(run: &Run) -> bool {
    let attributes = run.get("/v2.1/attribute?limit=1000");
    attributes
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "pxmctl_lock")
}

fn spawn(run: &Run, args: &[&str]) -> std::process::Child {
    Pxmctl::new(args)
        .dir(run.work.path())
        .envs(&run.served.env())
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Live objects that share an identity: what two writers would make.
fn objects(run: &Run) -> usize {
    [
        "attribute",
        "attribute_group",
        "category",
        "collection",
        "file",
        "resource",
    ]
    .iter()
    .map(|k| run.served.objects(k))
    .sum()
}

#[test]
fn two_applies_at_once_never_both_write() {
    let mut expected = None;
    for round in 0..5 {
        let run = demo();
        let args = ["apply", "catalog", "--auto-approve"];
        let (a, b) = (spawn(&run, &args), spawn(&run, &args));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        let losers: Vec<String> = [&a, &b]
            .iter()
            .filter(|o| o.status.code() != Some(0))
            .map(|o| text(o))
            .collect();
        assert!(
            codes.contains(&Some(0)),
            "round {round}: {}\n{}",
            text(&a),
            text(&b)
        );
        for loser in &losers {
            assert!(
                loser.contains("the account is locked by another pxmctl"),
                "{loser}"
            );
            assert!(loser.contains("pxmctl unlock"), "{loser}");
        }
        let made = objects(&run);
        assert_eq!(
            *expected.get_or_insert(made),
            made,
            "round {round}: duplicates"
        );
        run.expect(0, &["plan", "--detailed-exitcode"]);
        let locks = unlock(&run, &[]);
        assert!(locks.contains("not locked"), "released: {locks}");
    }
}

#[test]
fn with_a_lock_timeout_the_second_apply_waits_and_plans_again() {
    let run = demo();
    let args = ["apply", "catalog", "--auto-approve", "--lock-timeout", "60"];
    let (a, b) = (spawn(&run, &args), spawn(&run, &args));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let both = format!("{}{}", text(&a), text(&b));
    assert!(
        both.contains("No changes"),
        "the second read the account after the first: {both}"
    );
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn a_killed_holder_blocks_only_until_its_lease_runs_out() {
    // A slow account keeps the first apply writing long enough to kill it.
    let run = demo_with(Duration::from_millis(40));
    let mut holder = spawn(
        &run,
        &["apply", "catalog", "--auto-approve", "--lock-lease", "5"],
    );
    let started = Instant::now();
    while !locked(&run) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the holder never locked"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    holder.kill().unwrap();
    let _ = holder.wait();
    let blocked = run.pxmctl(&["apply", "catalog", "--auto-approve"]);
    assert_eq!(blocked.status.code(), Some(1), "{}", text(&blocked));
    assert!(text(&blocked).contains("locked by"), "{}", text(&blocked));
    // Lease 5 s, and as much again for clock skew: taken over within 15 s.
    let next = run.pxmctl(&["apply", "catalog", "--auto-approve", "--lock-timeout", "30"]);
    assert_eq!(next.status.code(), Some(0), "{}", text(&next));
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn unlock_removes_a_lock_by_id_and_a_plan_never_shows_it() {
    let run = demo();
    run.expect(0, &["apply", "--auto-approve"]);
    // A lock as a killed run leaves it.
    let body = serde_json::json!({"name": "pxmctl_lock", "type": "Text",
        "description": "{\"who\":\"ci@runner\",\"since\":\"2026-12-01T00:00:00Z\",\"until\":\"2999-01-01T00:00:00Z\",\"token\":\"ab\"}"});
    let id = run.served.call(Method::POST, "/v2.1/attribute", Some(body))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run.expect(0, &["plan", "--detailed-exitcode"]);
    // Nothing to do takes no lock; a change to make meets it.
    run.expect(0, &["apply", "--auto-approve"]);
    let products = run.work.path().join("catalog/products/footwear.yaml");
    let text_before = std::fs::read_to_string(&products).unwrap();
    std::fs::write(
        &products,
        text_before.replacen(
            "name: Ridgeline Trail Boot",
            "name: Ridgeline Trail Boot II",
            1,
        ),
    )
    .unwrap();
    let blocked = run.pxmctl(&["apply", "catalog", "--auto-approve"]);
    assert!(
        text(&blocked).contains("ci@runner since 2026-12-01T00:00:00Z"),
        "{}",
        text(&blocked)
    );
    assert!(text(&blocked).contains(&id), "{}", text(&blocked));
    let listed = unlock(&run, &[]);
    assert!(listed.contains(&id), "{listed}");
    unlock(&run, &[&id]);
    run.expect(0, &["apply", "--auto-approve"]);
}

#[test]
fn the_lock_attributes_name_is_reserved() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join("c.yaml"),
        "attributes:\n  mine: { name: pxmctl_lock, type: text }\n",
    )
    .unwrap();
    let out = pxmctl(
        work.path(),
        &[],
        &["validate", "--format", "short", "catalog"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out)
            .contains("c.yaml:2:17: error[invalid-value]: attribute `mine` is named `pxmctl_lock`"),
        "{}",
        text(&out)
    );
}
