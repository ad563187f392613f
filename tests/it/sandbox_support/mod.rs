//! Shared harness of the sandbox integration tests: an in-process
//! sandbox on an ephemeral port, a reqwest client and the token the
//! sandbox's OAuth endpoint hands out.
#![allow(dead_code, clippy::unwrap_used)]

use md5::{Digest, Md5};
use pxmctl::sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Harness {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub token: String,
}

/// Defaults for tests: rate limit off, everything else as configured by default.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        rate_limit: None,
        ..SandboxConfig::default()
    }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Deterministic test bytes.
pub fn bytes(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

impl Harness {
    pub async fn start(config: SandboxConfig) -> Harness {
        let sandbox = Sandbox::start(config).await.unwrap();
        Harness::attach(sandbox).await
    }

    pub async fn default() -> Harness {
        Harness::start(config()).await
    }

    /// Authorizes against a running sandbox through OAuth.
    pub async fn attach(sandbox: RunningSandbox) -> Harness {
        let http = client();
        let response = http
            .post(sandbox.url("/v2.1/oauth/authorize"))
            .basic_auth(sandbox.client_id(), Some(sandbox.client_secret()))
            .json(&json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_string();
        Harness {
            sandbox,
            http,
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.sandbox.url(path)
    }

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

/// `len` bytes after a PNG signature: an asset whose type its first bytes
/// show, with `salt` making different content of the same size.
pub fn png(len: usize, salt: u8) -> Vec<u8> {
    let mut data = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    data.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt)));
    data
}
