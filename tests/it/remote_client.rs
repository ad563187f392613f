//! The API client against the sandbox: retries and what is never retried,
//! tokens fetched once and again once on a 401, the token cache, and a
//! dead API failing after a bounded number of requests.
#![allow(clippy::unwrap_used)]

use crate::support::connection::{client, connection};
use crate::support::sandbox::{script, seeded, start};
use crate::support::seed::every_kind;

use pxmctl::remote::secret::Secret;
use pxmctl::remote::token_cache::{self, CachedToken, TokenCache};
use pxmctl::remote::{Client, LiveSnapshot, RemoteError, Request};
use pxmctl::remote::{Credentials, TokenCacheSetting};
use pxmctl::sandbox::{FaultConfig, SandboxConfig, Seed};
use serde_json::json;

#[tokio::test]
async fn a_refusal_is_not_retried_and_names_method_path_and_message() {
    let sandbox = start(seeded(Seed::default())).await;
    let client = client(&sandbox, 100);
    let err = client
        .send(Request::post(
            "/v2.1/category",
            &json!({"description": "no name"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let text = err.to_string();
    assert!(text.contains("POST /v2.1/category"), "{text}");
    assert!(text.contains("`name` is required"), "{text}");

    script(
        &sandbox,
        json!({"action": "status", "status": 404, "count": 1}),
    )
    .await;
    let before = client.stats().requests;
    let err = client
        .send(Request::get("/v2.1/category"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(client.stats().requests - before, 1, "a 404 is asked once");
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let sandbox = start(seeded(Seed::default())).await;
    let client = client(&sandbox, 100);
    client.send(Request::get("/v2.1/region")).await.unwrap();
    script(
        &sandbox,
        json!({"action": "status", "status": 503, "count": 2}),
    )
    .await;
    script(&sandbox, json!({"action": "drop", "count": 1})).await;
    let before = client.stats();
    client.send(Request::get("/v2.1/region")).await.unwrap();
    let after = client.stats();
    assert_eq!(after.requests - before.requests, 4);
    assert_eq!(after.retries - before.retries, 3);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_repeated() {
    let sandbox = start(seeded(Seed::default())).await;
    let client = client(&sandbox, 100);
    client.send(Request::get("/v2.1/region")).await.unwrap();
    script(&sandbox, json!({"action": "lost_answer", "count": 1})).await;
    let err = client
        .send(Request::post("/v2.1/category", &json!({"name": "Once"})))
        .await
        .unwrap_err();
    assert!(matches!(err, RemoteError::Unclear { .. }), "{err}");
    assert!(err.to_string().contains("POST /v2.1/category"), "{err}");
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    let named: Vec<_> = snapshot
        .categories
        .iter()
        .filter(|c| c.name == "Once")
        .collect();
    assert_eq!(named.len(), 1, "created exactly once");

    // A PUT replaces what it names: repeating it after a lost answer is safe.
    let id = &named[0].id;
    script(&sandbox, json!({"action": "lost_answer", "count": 1})).await;
    client
        .send(Request::put(
            format!("/v2.1/category/{id}"),
            &json!({"name": "Twice"}),
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_dead_api_fails_after_a_bounded_number_of_requests() {
    let sandbox = start(SandboxConfig {
        faults: FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::default()
        },
        ..seeded(every_kind(10, 50))
    })
    .await;
    let mut conn = connection(&sandbox, 10);
    conn.credentials = Credentials::Token(Secret::new(sandbox.access_token()));
    let client = Client::new(&conn).unwrap();
    let err = LiveSnapshot::fetch(&client).await.unwrap_err();
    assert!(matches!(err, RemoteError::GaveUp { .. }), "{err}");
    let policy = pxmctl::remote::retry::RetryPolicy::DEFAULT;
    // Seven kinds start at once; all retries come from one budget.
    let bound = 7 + policy.budget_initial as u64;
    assert!(
        client.stats().requests <= bound,
        "{} requests against a dead API (bound {bound})",
        client.stats().requests
    );
}

#[tokio::test]
async fn a_refused_token_is_fetched_again_once() {
    let sandbox = start(seeded(Seed::default())).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = TokenCache::new(dir.path().join("tokens"));
    let stale = CachedToken {
        token: Secret::new("stale-token"),
        expires_at: u64::MAX / 2,
    };
    let owner = token_cache::owner(sandbox.client_id(), &Secret::new(sandbox.client_secret()));
    cache.store(&owner, sandbox.base_url(), &stale).unwrap();
    let mut conn = connection(&sandbox, 100);
    conn.token_cache = TokenCacheSetting::Dir(dir.path().join("tokens"));
    let client = Client::new(&conn).unwrap();
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    assert_eq!(snapshot.regions.len(), 1, "the primary region");
    assert_eq!(
        client.stats().authorizations,
        1,
        "seven 401s, one authorize"
    );
    let fresh = cache.load(&owner, sandbox.base_url(), 0).unwrap().unwrap();
    assert_eq!(fresh.token.expose(), sandbox.access_token());

    // A second client reuses the cached token: no authorize at all.
    let again = Client::new(&conn).unwrap();
    LiveSnapshot::fetch(&again).await.unwrap();
    assert_eq!(again.stats().authorizations, 0);
}

#[tokio::test]
async fn a_given_token_that_is_refused_is_an_error_with_a_hint() {
    let sandbox = start(seeded(Seed::default())).await;
    let mut conn = connection(&sandbox, 100);
    conn.credentials = Credentials::Token(Secret::new("canary-token-0451"));
    conn.credentials_from = Some("`PXM_TOKEN`".to_owned());
    let client = Client::new(&conn).unwrap();
    let err = client.send(Request::get("/v2.1/region")).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("PXM_TOKEN"), "{text}");
    assert!(!text.contains("canary-token-0451"), "{text}");
    assert_eq!(client.stats().requests, 1);
}

#[tokio::test]
async fn wrong_client_credentials_are_an_error_that_hides_the_secret() {
    let sandbox = start(seeded(Seed::default())).await;
    let mut conn = connection(&sandbox, 100);
    conn.credentials = Credentials::Client {
        id: sandbox.client_id().to_owned(),
        secret: Secret::new("canary-secret-7731"),
    };
    conn.credentials_from = Some("`PXM_CLIENT_ID` and `PXM_CLIENT_SECRET`".to_owned());
    let client = Client::new(&conn).unwrap();
    let err = client.send(Request::get("/v2.1/region")).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, RemoteError::Unauthorized { .. }), "{text}");
    assert!(text.contains("PXM_CLIENT_SECRET"), "{text}");
    assert!(!text.contains("canary-secret-7731"), "{text}");
}
