//! OAuth client credentials and bearer-token checks, as the integration
//! guide's "Authentication & Getting a Token" section describes them.
#![allow(clippy::unwrap_used)]

use crate::support::connection::http;
use crate::support::harness::Harness;
use crate::support::sandbox::{config, start};

use pxmctl::sandbox::{Credentials, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn client_credentials_give_a_long_lived_bearer_token_on_both_documented_paths() {
    let sb = start(config()).await;
    let http = http();
    for path in ["/v2.1/oauth/authorize", "/v2/oauth/authorize"] {
        let response = http
            .post(sb.url(path))
            .basic_auth(sb.client_id(), Some(sb.client_secret()))
            .json(&json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(!body["access_token"].as_str().unwrap().is_empty());
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], "31536000");
        let regions = http
            .get(sb.url("/v2.1/region"))
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(regions.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_401() {
    let sb = start(config()).await;
    let http = http();
    let grant = json!({ "grant_type": "client_credentials" });
    let wrong = http
        .post(sb.url("/v2.1/oauth/authorize"))
        .basic_auth(sb.client_id(), Some("not-the-secret"))
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let missing = http
        .post(sb.url("/v2.1/oauth/authorize"))
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let bad_grant = http
        .post(sb.url("/v2.1/oauth/authorize"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .json(&json!({ "grant_type": "password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_grant.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_api_call_without_a_valid_token_is_401() {
    let h = Harness::default().await;
    for path in [
        "/v2.1/region",
        "/v2.1/category",
        "/v2.1/collection",
        "/v2.1/file",
        "/v3/file/search",
    ] {
        let none = h.http.get(h.url(path)).send().await.unwrap();
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "{path}");
        let wrong = h
            .http
            .get(h.url(path))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let write = h
        .http
        .post(h.url("/v2.1/category"))
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.sandbox.stats().objects["category"], 0);
    // Control endpoints need no token.
    let stats = h.http.get(h.url("/_sandbox/stats")).send().await.unwrap();
    assert_eq!(stats.status(), StatusCode::OK);
}

#[tokio::test]
async fn configured_credentials_are_used_and_random_ones_differ_per_start() {
    let fixed = SandboxConfig {
        credentials: Some(Credentials {
            client_id: "ci-client".into(),
            client_secret: "ci-secret".into(),
        }),
        ..config()
    };
    let a = Harness::start(fixed).await;
    assert_eq!(a.sandbox.client_id(), "ci-client");
    assert_eq!(a.sandbox.client_secret(), "ci-secret");
    let b = start(config()).await;
    let c = start(config()).await;
    assert_ne!(b.client_secret(), c.client_secret());
    assert_ne!(b.access_token(), c.access_token());
}
