//! Seeded fault injection: error statuses, dropped connections and lost
//! answers, deterministic for a seed; latency; faults counted in stats.
#![allow(clippy::unwrap_used)]

use crate::support::connection::http;
use crate::support::harness::Harness;
use crate::support::sandbox::{config, script};

use std::time::{Duration, Instant};

use pxmctl::sandbox::{FaultConfig, SandboxConfig};
use reqwest::StatusCode;
use serde_json::json;

fn faulty(faults: FaultConfig) -> SandboxConfig {
    SandboxConfig { faults, ..config() }
}

/// Status codes (0 = connection closed) of `n` sequential GETs.
async fn outcomes(h: &Harness, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        // A fresh connection per request, so a drop cannot affect the next one.
        let http = http();
        let r = http
            .get(h.url("/v2.1/category"))
            .bearer_auth(&h.token)
            .send()
            .await;
        out.push(r.map_or(0, |r| r.status().as_u16()));
    }
    out
}

/// OAuth is faulted too: the harness takes the sandbox's token instead.
async fn start(cfg: SandboxConfig) -> Harness {
    Harness::start_with_sandbox_token(cfg).await
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let cfg = FaultConfig {
        seed: 42,
        error_rate: 0.3,
        drop_rate: 0.2,
        ..FaultConfig::default()
    };
    let a = outcomes(&start(faulty(cfg.clone())).await, 40).await;
    let b = outcomes(&start(faulty(cfg.clone())).await, 40).await;
    assert_eq!(a, b);
    assert!(a.iter().any(|s| [500, 502, 503].contains(s)), "{a:?}");
    assert!(a.contains(&0), "{a:?}");
    assert!(a.contains(&200), "{a:?}");
    assert!(
        a.iter().all(|s| [0, 200, 500, 502, 503].contains(s)),
        "{a:?}"
    );
    let other = outcomes(&start(faulty(FaultConfig { seed: 43, ..cfg })).await, 40).await;
    assert_ne!(a, other);
}

#[tokio::test]
async fn a_lost_answer_commits_the_write_but_closes_the_connection() {
    let h = start(faulty(FaultConfig {
        lost_answer_rate: 1.0,
        ..FaultConfig::default()
    }))
    .await;
    let sent = http()
        .post(h.url("/v2.1/category"))
        .bearer_auth(&h.token)
        .json(&json!({ "name": "Duplicated by naive retries" }))
        .send()
        .await;
    assert!(sent.is_err(), "no answer arrives");
    let (status, list) = h.get("/v2.1/category").await;
    assert_eq!(status, StatusCode::OK, "reads are not affected");
    assert_eq!(list[0]["name"], "Duplicated by naive retries");
    let stats = h.sandbox.stats();
    assert_eq!(stats.faults["lost_answer"], 1);
    assert_eq!(stats.count("POST /v2.1/category", "dropped"), 1);
}

#[tokio::test]
async fn a_dropped_request_is_not_applied() {
    let h = start(faulty(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    }))
    .await;
    let sent = http()
        .post(h.url("/v2.1/category"))
        .bearer_auth(&h.token)
        .json(&json!({ "name": "never" }))
        .send()
        .await;
    assert!(sent.is_err());
    assert_eq!(h.sandbox.stats().objects["category"], 0);
    assert_eq!(h.sandbox.stats().faults["drop"], 1);
}

#[tokio::test]
async fn scripted_faults_and_error_statuses_are_counted() {
    let h = Harness::default().await;
    for fault in [
        json!({ "action": "status", "status": 503, "count": 2 }),
        json!({ "action": "drop" }),
    ] {
        script(&h.sandbox, fault).await;
    }
    assert_eq!(outcomes(&h, 4).await, vec![503, 503, 0, 200]);
    let stats = h.stats().await;
    assert_eq!(stats["faults"]["status_503"], 2);
    assert_eq!(stats["faults"]["drop"], 1);
}

#[tokio::test]
async fn latency_is_added_to_api_answers() {
    let h = start(faulty(FaultConfig {
        latency: Duration::from_millis(150),
        ..FaultConfig::default()
    }))
    .await;
    let started = Instant::now();
    assert_eq!(h.get("/v2.1/region").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn fault_rates_are_checked() {
    let bad = faulty(FaultConfig {
        error_rate: 0.7,
        drop_rate: 0.7,
        ..FaultConfig::default()
    });
    assert!(pxmctl::sandbox::Sandbox::start(bad).await.is_err());
}
