//! Shared harness of the remote-client tests: a seeded in-process
//! sandbox, a `Connection` to it, and scripted faults.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use pxmctl::remote::limiter::RateLimit;
use pxmctl::remote::secret::Secret;
use pxmctl::remote::{Connection, Credentials, TokenCacheSetting};
use pxmctl::sandbox::{RunningSandbox, Sandbox, SandboxConfig, Seed};
use serde_json::{Map, Value, json};

/// An account with every kind: 3 regions, 6 attributes, 2 groups,
/// `categories` categories (a few nested), `collections` collections
/// (parents with variants, several in more than one category), files
/// linked to collections, and resources on categories and collections.
pub fn seed(categories: usize, collections: usize) -> Seed {
    let obj = |v: Value| -> Map<String, Value> { v.as_object().unwrap().clone() };
    let mut s = Seed::default();
    for (i, name) in ["United States", "Canada", "Germany"].iter().enumerate() {
        s.regions.push(obj(
            json!({"id": format!("r{i}"), "name": name, "is_primary": i == 0}),
        ));
    }
    let types = ["Text", "Date", "List", "Pick List", "Boolean", "Number"];
    for (i, t) in types.iter().enumerate() {
        let mut a = json!({"id": format!("a{i}"), "name": format!("Attr {t}"), "type": t});
        if *t == "Pick List" {
            a["options"] = json!(["Red", "Blue"]);
        }
        s.attributes.push(obj(a));
    }
    s.attribute_groups.push(obj(
        json!({"id": "g0", "name": "Basics", "attributes": ["a0", "a5"]}),
    ));
    s.attribute_groups.push(obj(
        json!({"id": "g1", "name": "Looks", "attributes": ["a3"]}),
    ));
    for i in 0..categories {
        let mut c = json!({"id": format!("cat{i}"), "name": format!("Category {i}")});
        if i >= 3 {
            c["parent_id"] = json!(format!("cat{}", i % 3));
        }
        s.categories.push(obj(c));
    }
    for i in 0..collections {
        let mut c = json!({
            "id": format!("col{i}"),
            "name": format!("Product {i}"),
            "parent_id": format!("cat{}", i % categories),
            "additional_title": format!("SKU-{i:05}"),
        });
        if i % 10 == 0 {
            c["collection_type"] = json!("parent");
        } else if i % 10 < 3 {
            c["collection_type"] = json!("variant");
            c["parent_topic_id"] = json!(format!("col{}", i - i % 10));
        }
        if i % 7 == 0 {
            c["direct_parent"] = json!([format!("cat{}", (i + 1) % categories)]);
            c["region_ids"] = json!(["r0", "r2"]);
        }
        s.collections.push(obj(c));
    }
    for i in 0..collections / 5 {
        s.files.push(obj(json!({
            "id": format!("f{i}"),
            "file_name": format!("image-{i}.jpg"),
            "mime_type": "image/jpeg",
            "size": 1000 + i,
            "collections": [{"id": format!("col{}", i * 5)}],
        })));
    }
    s.resources.push(obj(json!({"id": "res0", "description": "Care", "link": "https://example.com/care", "category_id": "cat0"})));
    s.resources.push(obj(json!({"id": "res1", "description": "Spec", "link": "https://example.com/spec", "collections": ["col1", "col2"]})));
    s
}

pub async fn start(config: SandboxConfig) -> RunningSandbox {
    Sandbox::start(config).await.unwrap()
}

/// A seeded sandbox (no limit, no faults) and a client of it.
pub async fn sandbox_and_client(seed: Seed) -> (RunningSandbox, pxmctl::remote::Client) {
    let sandbox = start(config(seed)).await;
    let client = pxmctl::remote::Client::new(&connection(&sandbox, 100)).unwrap();
    (sandbox, client)
}

/// A GET answered with JSON.
pub async fn get_json(client: &pxmctl::remote::Client, path: &str) -> Value {
    let r = client
        .send(pxmctl::remote::Request::get(path))
        .await
        .unwrap();
    serde_json::from_slice(&r.body).unwrap()
}

/// A sandbox with no rate limit and no faults, seeded.
pub fn config(seed: Seed) -> SandboxConfig {
    SandboxConfig {
        rate_limit: None,
        seed: Some(seed),
        ..SandboxConfig::default()
    }
}

/// A connection with the client credentials, no token cache, a generous
/// limit and the given page size.
pub fn connection(sandbox: &RunningSandbox, page_size: u32) -> Connection {
    Connection {
        base_url: sandbox.base_url().to_owned(),
        credentials: Credentials::Client {
            id: sandbox.client_id().to_owned(),
            secret: Secret::new(sandbox.client_secret()),
        },
        rate_limit: RateLimit::new(100_000, Duration::from_secs(1)),
        concurrency: 8,
        page_size,
        timeout: Duration::from_secs(5),
        token_cache: TokenCacheSetting::Off,
        credentials_from: None,
    }
}

/// Scripts the sandbox's next answers (see docs/sandbox.md).
pub async fn script(sandbox: &RunningSandbox, fault: Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let r = reqwest::Client::new()
        .post(sandbox.url("/_sandbox/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "scripting {fault}: {}", r.status());
}

/// List requests a full read of `n` objects costs at page size `limit`:
/// every page holding objects, then the empty one that proves the end
/// (a short page alone does not: a server may cap its pages).
pub fn pages(n: usize, limit: usize) -> u64 {
    (n.div_ceil(limit) + 1) as u64
}

/// Requests that changed the account or carried bytes to it: everything
/// but reads and the token request. A catalog that cannot be planned may
/// have started reading the account (the read overlaps the check), never
/// this.
pub fn writes(sandbox: &RunningSandbox) -> u64 {
    sandbox
        .stats()
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("GET ") && !route.contains("oauth"))
        .map(|(_, statuses)| statuses.values().sum::<u64>())
        .sum()
}
