//! The sandbox-and-client fixture: a sandbox started for one test, with
//! pxmctl's own client of it (retries, limiter, token: what the program
//! does) and raw requests with a bearer token (what the sandbox itself
//! answers, for the sandbox's own tests and for what a UI would do).

use pxmctl::remote::Client;
use pxmctl::sandbox::{RunningSandbox, SandboxConfig, Seed};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::connection::{client, http};
use super::sandbox::{config, seeded, start};

pub struct Harness {
    pub sandbox: RunningSandbox,
    /// pxmctl's client, pages of 100 ([`super::connection::connection`]).
    pub client: Client,
    /// Raw HTTP over pxmctl's transport ([`super::connection::http`]).
    pub http: reqwest::Client,
    /// The bearer token of the raw requests.
    pub token: String,
}

impl Harness {
    /// A sandbox started with `config`, authorized through OAuth as a
    /// client would be (one `POST /v2.1/oauth/authorize`, which must
    /// succeed); pxmctl's client has sent nothing yet.
    pub async fn start(config: SandboxConfig) -> Harness {
        Harness::attach(start(config).await).await
    }

    /// [`Harness::start`] with [`config`].
    pub async fn default() -> Harness {
        Harness::start(config()).await
    }

    /// A sandbox started with `config` that has been sent nothing: the
    /// raw requests' token is the one the sandbox holds, not one asked
    /// of OAuth (which a faulty sandbox may refuse, and which its stats
    /// would count).
    pub async fn start_with_sandbox_token(config: SandboxConfig) -> Harness {
        let sandbox = start(config).await;
        let token = sandbox.access_token().to_owned();
        Harness::new(sandbox, token)
    }

    /// [`Harness::start_with_sandbox_token`] holding `seed` (no limit, no
    /// faults).
    pub async fn seeded(seed: Seed) -> Harness {
        Harness::start_with_sandbox_token(seeded(seed)).await
    }

    /// Authorizes against a running sandbox through OAuth.
    pub async fn attach(sandbox: RunningSandbox) -> Harness {
        let response = http()
            .post(sandbox.url("/v2.1/oauth/authorize"))
            .basic_auth(sandbox.client_id(), Some(sandbox.client_secret()))
            .json(&json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_string();
        Harness::new(sandbox, token)
    }

    fn new(sandbox: RunningSandbox, token: String) -> Harness {
        Harness {
            client: client(&sandbox, 100),
            http: http(),
            sandbox,
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.sandbox.url(path)
    }

    /// A raw request with the token; the status and the body (JSON, or
    /// the text as a string, or null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// A raw `method path` that must succeed; its body.
    pub async fn expect_success(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        let (status, value) = self.call(method, path, body).await;
        assert!(status.is_success(), "{what}: {status} {value}");
        value
    }

    /// Creates an object and returns it, asserting success.
    pub async fn create(&self, segment: &str, body: Value) -> Value {
        let (status, value) = self.post(&format!("/v2.1/{segment}"), body).await;
        assert!(status.is_success(), "create {segment}: {status} {value}");
        value
    }

    pub async fn primary_region(&self) -> String {
        let (_, regions) = self.get("/v2.1/region").await;
        regions
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["is_primary"] == json!(true))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// PUTs bytes to a presigned URL with a Content-Length; returns status and ETag.
    pub async fn put_bytes(&self, url: &str, data: Vec<u8>) -> (StatusCode, Option<String>) {
        let response = self.http.put(url).body(data).send().await.unwrap();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (response.status(), etag)
    }

    /// request-upload under `version` ("v2.1" or "v3").
    pub async fn request_upload(&self, version: &str, name: &str, size: usize) -> Value {
        let (status, body) = self
            .post(
                &format!("/{version}/file/request-upload"),
                json!({ "filename": name, "file_name": name, "mime_type": "application/octet-stream", "size": size }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Sends the bytes the way `upload_data` says; returns the confirm
    /// body's upload fields (file_path, file_name, file_size, upload_id?, multipart?).
    pub async fn send_bytes(&self, upload: &Value, data: &[u8]) -> Value {
        let d = &upload["upload_data"];
        let mut confirm = json!({
            "file_path": d["file_path"],
            "file_name": d["file_name"],
            "file_size": data.len(),
        });
        if d["upload_type"] == "multipart" {
            let mut parts = Vec::new();
            for p in d["parts"].as_array().unwrap() {
                let start = p["start_byte"].as_u64().unwrap() as usize;
                let end = p["end_byte"].as_u64().unwrap() as usize;
                let (status, etag) = self
                    .put_bytes(
                        p["upload_url"].as_str().unwrap(),
                        data[start..=end].to_vec(),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                parts.push(json!({ "part_number": p["part_number"], "etag": etag.unwrap() }));
            }
            confirm["upload_id"] = d["upload_id"].clone();
            confirm["multipart"] = Value::Array(parts);
        } else {
            let (status, _) = self
                .put_bytes(d["upload_url"].as_str().unwrap(), data.to_vec())
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        confirm
    }

    /// The whole documented flow; returns the confirmed file.
    pub async fn upload(&self, name: &str, data: &[u8]) -> Value {
        let upload = self.request_upload("v3", name, data.len()).await;
        let confirm = self.send_bytes(&upload, data).await;
        let (status, file) = self.post("/v3/file/confirm-upload", confirm).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        file
    }

    /// GETs a URL (presigned, no token) and returns status and bytes.
    pub async fn fetch(&self, url: &str) -> (StatusCode, Vec<u8>) {
        let response = self.http.get(url).send().await.unwrap();
        (response.status(), response.bytes().await.unwrap().to_vec())
    }

    /// `GET /_sandbox/stats`, as the control endpoint answers it.
    pub async fn stats(&self) -> Value {
        self.http
            .get(self.url("/_sandbox/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}
