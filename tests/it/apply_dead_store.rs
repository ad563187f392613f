//! A dead object store ends an apply within the run's one retry budget,
//! the budget the API calls spend too: every PUT is answered 503, and the
//! run stops after at most the budget's retries in all, not after each
//! file's own retries (issue 19, "One transport"). Counted from the
//! sandbox's per-route stats.
#![allow(clippy::unwrap_used)]

use crate::support::assets::png;
use crate::support::run::Run;
use crate::support::served::Served;

use pxmctl::remote::retry::RetryPolicy;
use pxmctl::sandbox::{FaultConfig, SandboxConfig, Seed};

const STORE_PUT: &str = "PUT /_store/{*key}";
const CONFIRM_UPLOAD: &str = "POST /v3/file/confirm-upload";
const FILES: u64 = 20;

/// A catalog of `count` new assets on a sandbox whose store faults as
/// `faults` says.
fn assets_on(faults: FaultConfig, count: u64) -> Run {
    let served = Served::configured(SandboxConfig {
        rate_limit: None,
        seed: Some(Seed::default()),
        faults,
        ..SandboxConfig::default()
    });
    let assets: Vec<(String, Vec<u8>)> = (0..count)
        .map(|i| {
            let salt = u8::try_from(i).unwrap();
            (format!("a{i}.png"), png(2000, salt))
        })
        .collect();
    let mut catalog = "files:\n".to_owned();
    for i in 0..count {
        catalog.push_str(&format!("  a{i}: {{ path: a{i}.png }}\n"));
    }
    let mut files: Vec<(&str, &[u8])> = vec![("c.yaml", catalog.as_bytes())];
    files.extend(assets.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    Run::on(served, &files)
}

#[test]
fn a_dead_store_ends_the_run_within_the_retry_budget() {
    let run = assets_on(
        FaultConfig {
            store_error_rate: 1.0,
            ..FaultConfig::default()
        },
        FILES,
    );

    let out = run.expect(1, &["apply", "--auto-approve"]);

    let stats = run.sandbox().stats();
    let puts = &stats.requests[STORE_PUT];
    let sent: u64 = puts.values().sum();
    assert_eq!(
        puts.get("503").copied().unwrap_or(0),
        sent,
        "every PUT failed: {puts:?}"
    );
    // Each success earns back 0.2 of a retry: the API's successes (the
    // reads, the lock, the request-uploads) bound what was earned back.
    let api_ok: u64 = stats
        .requests
        .iter()
        .filter(|(route, _)| !route.contains(" /_"))
        .flat_map(|(_, by_status)| by_status.iter())
        .filter(|(status, _)| status.starts_with('2'))
        .map(|(_, n)| n)
        .sum();
    let policy = RetryPolicy::DEFAULT;
    let earned = policy.budget_per_success * api_ok as f64;
    assert!(sent >= FILES, "each file's PUT was tried: {sent}");
    let retries = sent - FILES;
    assert!(
        retries as f64 <= policy.budget_initial + earned,
        "{retries} retries, more than the budget of {} and {earned:.1} earned back",
        policy.budget_initial
    );
    let per_file = u64::try_from(policy.max_retries).unwrap() + 1;
    assert!(
        sent < FILES * per_file,
        "the budget, not each file's retries, ended the run: {sent} PUTs"
    );
    assert_eq!(run.requests_to(CONFIRM_UPLOAD), 0, "nothing was confirmed");
    // The summary counts the store's requests apart from the API's, and
    // all of them: its retries are those requests, not the API's.
    assert!(
        out.contains(&format!(", {sent} to the object store, {retries} retried")),
        "{out}"
    );

    assert!(out.contains("the object store answered 503"), "{out}");
    assert!(out.contains("retry budget is spent"), "{out}");
    assert!(
        !out.contains("Signature") && !out.contains("/_store"),
        "{out}"
    );
}

/// The guides say nothing of the store's `Retry-After`; S3 sends none. A
/// store that sheds load and asks for a pause gets it (each retry waits
/// the second it asks), one that does not gets the backoff, and both
/// uploads complete.
#[test]
fn a_store_that_asks_for_a_pause_gets_it_and_one_that_does_not_the_backoff() {
    for asked in [Some(1), None] {
        let run = assets_on(
            FaultConfig {
                seed: 7,
                store_error_rate: 0.4,
                store_retry_after: asked,
                ..FaultConfig::default()
            },
            3,
        );
        let out = run.expect(0, &["apply", "--auto-approve", "-v"]);
        let shed = run.sandbox().stats().requests[STORE_PUT]
            .get("503")
            .copied()
            .unwrap_or(0);
        assert!(shed >= 1, "the seed sheds at least one PUT ({asked:?})");
        let paused = out.matches("retrying in 1000 ms").count() as u64;
        match asked {
            Some(_) => assert_eq!(paused, shed, "every shed PUT waited 1 s\n{out}"),
            None => assert!(paused < shed, "the backoff, not a pause\n{out}"),
        }
        assert_eq!(
            run.requests_to(CONFIRM_UPLOAD),
            3,
            "{asked:?}: all three uploaded"
        );
    }
}
