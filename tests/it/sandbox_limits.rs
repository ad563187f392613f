//! The rate limit: N requests in any sliding window, then the guide's
//! 429; presigned store and control endpoints are not API calls; a
//! scripted 429 burst for client tests.
#![allow(clippy::unwrap_used)]

use crate::support::harness::Harness;
use crate::support::sandbox::config;

use std::time::Duration;

use pxmctl::sandbox::{RateLimit, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn limited(n: u32, window: Duration) -> SandboxConfig {
    SandboxConfig {
        rate_limit: Some(RateLimit {
            max_requests: n,
            window,
        }),
        ..config()
    }
}

#[tokio::test]
async fn the_default_limit_is_the_guides_1000_per_60_seconds() {
    assert_eq!(
        SandboxConfig::default().rate_limit,
        Some(RateLimit {
            max_requests: 1000,
            window: Duration::from_secs(60)
        })
    );
    assert_eq!("950/60".parse::<RateLimit>().unwrap().max_requests, 950);
    assert!("950".parse::<RateLimit>().is_err());
}

#[tokio::test]
async fn requests_past_the_limit_get_429_with_retry_after_and_the_documented_body() {
    // The OAuth call is request 1 of the window.
    let h = Harness::start(limited(5, Duration::from_secs(1))).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            h.http
                .get(h.url("/v2.1/region"))
                .bearer_auth(&h.token)
                .send()
                .await
                .unwrap(),
        );
    }
    let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(codes, vec![200, 200, 200, 200, 429, 429]);
    let limited = statuses.pop().unwrap();
    assert_eq!(limited.headers()["retry-after"], "1");
    assert_eq!(limited.headers()["x-ratelimit-limit"], "5");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "error": "Rate limit exceeded.", "retry_after": 1 })
    );

    // Control requests are not API calls.
    let upload_status = h
        .http
        .get(h.url("/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(upload_status, StatusCode::OK);
    let stats = h.sandbox.stats();
    assert_eq!(stats.rate_limited, 2);
    assert_eq!(stats.count("GET /v2.1/region", "429"), 2);

    // Once the window has slid past the first requests, calls pass again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = h
        .http
        .get(h.url("/v2.1/region"))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn presigned_store_requests_do_not_count_against_the_limit() {
    let h = Harness::start(limited(3, Duration::from_secs(30))).await;
    let upload = h.request_upload("v3", "a.bin", 4).await; // request 2
    for _ in 0..5 {
        let (status, _) = h
            .put_bytes(
                upload["upload_data"]["upload_url"].as_str().unwrap(),
                b"abcd".to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let d = &upload["upload_data"];
    let (status, _) = h
        .post(
            "/v3/file/confirm-upload",
            json!({ "file_path": d["file_path"], "file_name": "a.bin", "file_size": 4 }),
        )
        .await; // request 3
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.get("/v2.1/file").await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_scripted_429_burst_answers_the_next_requests_then_stops() {
    let h = Harness::default().await;
    let scripted = h
        .http
        .post(h.url("/_sandbox/faults"))
        .json(&json!({ "action": "status", "status": 429, "retry_after": 7, "count": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(scripted.status(), StatusCode::NO_CONTENT);
    for _ in 0..3 {
        let r = h
            .http
            .get(h.url("/v2.1/category"))
            .bearer_auth(&h.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "7");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["retry_after"], 7);
    }
    assert_eq!(h.get("/v2.1/category").await.0, StatusCode::OK);
    let bad = h
        .http
        .post(h.url("/_sandbox/faults"))
        .json(&json!({ "action": "explode" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn with_the_limit_off_nothing_is_refused() {
    let h = Harness::default().await;
    for _ in 0..50 {
        assert_eq!(h.get("/v2.1/region").await.0, StatusCode::OK);
    }
    assert_eq!(h.sandbox.stats().rate_limited, 0);
}

#[tokio::test]
async fn background_load_spends_part_of_the_limit() {
    let h = Harness::start(SandboxConfig {
        background_load: Some(RateLimit {
            max_requests: 16,
            window: Duration::from_secs(1),
        }),
        ..limited(20, Duration::from_secs(1))
    })
    .await;
    // Let the others fill most of a window.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut codes = Vec::new();
    for _ in 0..10 {
        let answer = h
            .http
            .get(h.url("/v2.1/region"))
            .bearer_auth(&h.token)
            .send()
            .await
            .unwrap();
        codes.push(answer.status().as_u16());
    }
    let refused = codes.iter().filter(|c| **c == 429).count();
    assert!(refused >= 4, "others hold most of the window: {codes:?}");
    let stats = h.stats().await;
    assert!(
        stats["background_admitted"].as_u64().unwrap() >= 16,
        "{stats}"
    );
}

#[test]
fn background_load_needs_a_limit_it_leaves_room_in() {
    let load = Some(RateLimit {
        max_requests: 10,
        window: Duration::from_secs(1),
    });
    let without_limit = SandboxConfig {
        rate_limit: None,
        background_load: load,
        ..config()
    };
    assert!(
        without_limit
            .check()
            .unwrap_err()
            .to_string()
            .contains("set a rate limit")
    );
    let all_of_it = SandboxConfig {
        background_load: load,
        ..limited(10, Duration::from_secs(1))
    };
    assert!(
        all_of_it
            .check()
            .unwrap_err()
            .to_string()
            .contains("leaves nothing")
    );
}
