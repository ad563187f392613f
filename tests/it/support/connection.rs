//! How a test reaches a running sandbox from this side of the wire:
//! pxmctl's own `remote::Connection` and `remote::Client`, and for
//! requests sent exactly as written (no retries, no token), the HTTP
//! client of pxmctl's own `remote::Transport`. Nothing here builds TLS or
//! a reqwest client itself.

use std::time::Duration;

use pxmctl::remote::limiter::RateLimit;
use pxmctl::remote::retry::RetryPolicy;
use pxmctl::remote::secret::Secret;
use pxmctl::remote::{Client, Connection, Credentials, Request, TokenCacheSetting, Transport};
use pxmctl::sandbox::RunningSandbox;
use serde_json::Value;

/// A connection to `sandbox` with its client credentials, no token cache,
/// 8 requests in flight, a 5 s timeout, a limit no test reaches
/// (100,000 a second) and pages of `page_size`. A test that needs other
/// settings says so: `Connection { concurrency: 1, ..connection(s, 100) }`.
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

/// pxmctl's client over [`connection`].
pub fn client(sandbox: &RunningSandbox, page_size: u32) -> Client {
    Client::new(&connection(sandbox, page_size)).unwrap()
}

/// A GET through pxmctl's client, answered with JSON.
pub async fn get_json(client: &Client, path: &str) -> Value {
    let r = client.send(Request::get(path)).await.unwrap();
    serde_json::from_slice(&r.body).unwrap()
}

/// The bytes behind a file's `download_url` (presigned), which must be
/// served.
pub async fn download(file: &Value) -> Vec<u8> {
    let url = file["download_url"].as_str().unwrap();
    let r = http().get(url).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.bytes().await.unwrap().to_vec()
}

/// A fresh HTTP client (its own connections) as pxmctl's transport builds
/// it, for requests the test sends as they are: what a status, a dropped
/// connection or a presigned URL does without pxmctl's retries. A
/// minute bounds each request.
pub fn http() -> reqwest::Client {
    Transport::new(Duration::from_secs(60), 16, RetryPolicy::DEFAULT)
        .unwrap()
        .api()
        .clone()
}
