//! `GET /_sandbox/stats`: requests by route and status, 429s, faults,
//! bytes stored and objects per kind.
#![allow(clippy::unwrap_used)]

use crate::support::harness::Harness;

use serde_json::json;

#[tokio::test]
async fn stats_count_requests_by_route_template_and_status() {
    let h = Harness::default().await;
    let cat = h.create("category", json!({ "name": "A" })).await;
    h.get(&format!("/v2.1/category/{}", cat["id"].as_str().unwrap()))
        .await;
    h.get("/v2.1/category/missing").await;
    h.post("/v2.1/category", json!({})).await;
    h.upload("a.bin", b"12345").await;
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["POST /v2.1/oauth/authorize"]["200"], 1);
    assert_eq!(stats["requests"]["POST /v2.1/category"]["201"], 1);
    assert_eq!(stats["requests"]["POST /v2.1/category"]["400"], 1);
    assert_eq!(stats["requests"]["GET /v2.1/category/{id}"]["200"], 1);
    assert_eq!(stats["requests"]["GET /v2.1/category/{id}"]["404"], 1);
    assert_eq!(stats["requests"]["PUT /_store/{*key}"]["200"], 1);
    assert_eq!(stats["requests"]["POST /v3/file/confirm-upload"]["200"], 1);
    assert_eq!(stats["requests_total"], 8);
    assert_eq!(stats["bytes_stored"], 5);
    assert_eq!(stats["objects"]["category"], 1);
    assert_eq!(stats["objects"]["file"], 1);
    assert_eq!(stats["objects"]["region"], 1);
    assert_eq!(stats["rate_limited"], 0);
    assert_eq!(stats["uploads_pending"], 0);
    assert_eq!(
        serde_json::to_value(h.sandbox.stats()).unwrap()["requests"],
        stats["requests"]
    );
}
