//! One asset upload against the in-process sandbox: single and multipart
//! byte for byte, name conflicts by `on_conflict`, publishing metadata,
//! paths that escape the catalog and files that changed size refused
//! before anything is sent, and a confirm whose answer is lost.
#![allow(clippy::unwrap_used)]

mod remote_support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pxmctl::apply::upload::{UploadError, UploadJob, Uploaded, Uploader};
use pxmctl::catalog::model::{Asset, OnConflict};
use pxmctl::remote::wire::LiveFile;
use pxmctl::remote::{Client, Request};
use pxmctl::sandbox::{RunningSandbox, SandboxConfig, Seed, SingleUploadType, UploadConfig};
use remote_support::{connection, start};
use serde_json::{Map, Value, json};

const REQUEST_UPLOAD: &str = "POST /v3/file/request-upload";
const CONFIRM_UPLOAD: &str = "POST /v3/file/confirm-upload";
const STORE_PUT: &str = "PUT /_store/{*key}";

/// Regions r0..r2, no other objects; uploads of more than 64 KiB are
/// multipart with 64 KiB parts.
fn sandbox_config(single: SingleUploadType) -> SandboxConfig {
    let mut seed = Seed::default();
    for (i, name) in ["United States", "Canada", "Germany"].iter().enumerate() {
        let region = json!({"id": format!("r{i}"), "name": name, "is_primary": i == 0});
        seed.regions.push(region.as_object().unwrap().clone());
    }
    SandboxConfig {
        uploads: UploadConfig {
            multipart_threshold: 64 * 1024,
            part_size: 64 * 1024,
            single_upload_type: single,
            ..UploadConfig::default()
        },
        ..remote_support::config(seed)
    }
}

struct Setup {
    sandbox: RunningSandbox,
    client: Client,
    uploader: Uploader,
    catalog: tempfile::TempDir,
}

async fn setup(single: SingleUploadType) -> Setup {
    let sandbox = start(sandbox_config(single)).await;
    let client = Client::new(&connection(&sandbox, 100)).unwrap();
    Setup {
        sandbox,
        client,
        uploader: Uploader::new().unwrap(),
        catalog: tempfile::tempdir().unwrap(),
    }
}

/// Deterministic test bytes.
fn bytes(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt) ^ (i >> 8) as u8)
        .collect()
}

/// Writes `data` at `rel` inside `root` and returns the checked asset.
fn asset(root: &Path, rel: &str, data: &[u8], on_conflict: OnConflict) -> Asset {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    Asset {
        path: rel.to_owned(),
        mime_type: "image/jpeg".to_owned(),
        size: data.len() as u64,
        on_conflict,
    }
}

impl Setup {
    fn root(&self) -> &Path {
        self.catalog.path()
    }

    async fn upload(
        &self,
        asset: &Asset,
        name: &str,
        metadata: Map<String, Value>,
    ) -> Result<Uploaded, UploadError> {
        let job = UploadJob {
            root: self.root(),
            asset,
            name,
            metadata,
            progress: None,
        };
        self.uploader.upload(&self.client, &job).await
    }

    async fn upload_file(&self, asset: &Asset, name: &str) -> LiveFile {
        match self.upload(asset, name, Map::new()).await.unwrap() {
            Uploaded::File(file) => file,
            other => panic!("expected a file, got {other:?}"),
        }
    }

    /// The file as the API lists it now, raw.
    async fn get_file(&self, id: &str) -> Value {
        let r = self
            .client
            .send(Request::get(format!("/v2.1/file/{id}")))
            .await
            .unwrap();
        serde_json::from_slice(&r.body).unwrap()
    }

    /// Every live file with this name, raw.
    async fn files_named(&self, name: &str) -> Vec<Value> {
        let r = self
            .client
            .send(Request::get("/v2.1/file?limit=1000"))
            .await
            .unwrap();
        let all: Vec<Value> = serde_json::from_slice(&r.body).unwrap();
        all.into_iter()
            .filter(|f| f["file_name"] == json!(name))
            .collect()
    }

    fn count(&self, route: &str, status: &str) -> u64 {
        self.sandbox.stats().count(route, status)
    }

    /// Requests to `route`, whatever the answer.
    fn count_any(&self, route: &str) -> u64 {
        self.sandbox
            .stats()
            .requests
            .get(route)
            .map_or(0, |by_status| by_status.values().sum())
    }
}

/// The bytes behind a file's download URL.
async fn download(file: &Value) -> Vec<u8> {
    let url = file["download_url"].as_str().unwrap();
    let r = reqwest::get(url).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_single_upload_round_trips_byte_for_byte() {
    for single in [SingleUploadType::Single, SingleUploadType::Standard] {
        let s = setup(single).await;
        let data = bytes(60_000, 1);
        let a = asset(s.root(), "assets/hero.jpg", &data, OnConflict::Overwrite);
        let file = s.upload_file(&a, "hero.jpg").await;
        assert_eq!(file.file_name, "hero.jpg");
        assert_eq!(file.size, Some(60_000));
        assert_eq!(file.mime_type.as_deref(), Some("image/jpeg"));
        let live = s.get_file(&file.id).await;
        assert_eq!(download(&live).await, data, "{single:?}");
        // One PUT, accepted: the sandbox answers 501 to a chunked body and
        // 411 without Content-Length, as S3 does.
        assert_eq!(s.count(STORE_PUT, "200"), 1);
        assert_eq!(s.count_any(STORE_PUT), 1);
        assert_eq!(s.count(REQUEST_UPLOAD, "200"), 1);
        assert_eq!(s.count(CONFIRM_UPLOAD, "200"), 1);
        assert_eq!(s.sandbox.stats().uploads_pending, 0);
    }
}

#[tokio::test]
async fn a_multipart_upload_sends_every_part_and_round_trips_byte_for_byte() {
    let s = setup(SingleUploadType::Single).await;
    // 4 parts: 3 of 64 KiB and a short last one.
    let data = bytes(3 * 65_536 + 1_234, 2);
    let a = asset(s.root(), "video/clip.mp4", &data, OnConflict::Overwrite);
    let file = s.upload_file(&a, "clip.mp4").await;
    assert_eq!(file.size, Some(data.len() as u64));
    assert_eq!(s.count(STORE_PUT, "200"), 4, "one PUT per part");
    assert_eq!(s.count_any(STORE_PUT), 4, "and nothing refused");
    let live = s.get_file(&file.id).await;
    assert_eq!(download(&live).await, data);
}

#[tokio::test]
async fn a_name_conflict_follows_on_conflict() {
    let s = setup(SingleUploadType::Single).await;
    let first = bytes(10_000, 3);
    let a = asset(s.root(), "a/hero.jpg", &first, OnConflict::Overwrite);
    let original = s.upload_file(&a, "hero.jpg").await;
    assert_eq!(s.get_file(&original.id).await["version"], 1);

    // overwrite: same file, new bytes, same version.
    let second = bytes(90_000, 4);
    let a = asset(s.root(), "b/hero.jpg", &second, OnConflict::Overwrite);
    let overwritten = s.upload_file(&a, "hero.jpg").await;
    assert_eq!(overwritten.id, original.id);
    let live = s.get_file(&original.id).await;
    assert_eq!(live["version"], 1);
    assert_eq!(live["size"], 90_000);
    assert_eq!(download(&live).await, second);

    // version: same file, new bytes, version bumped.
    let third = bytes(5_000, 5);
    let a = asset(s.root(), "c/hero.jpg", &third, OnConflict::Version);
    let versioned = s.upload_file(&a, "hero.jpg").await;
    assert_eq!(versioned.id, original.id);
    let live = s.get_file(&original.id).await;
    assert_eq!(live["version"], 2);
    assert_eq!(live["versions"].as_array().unwrap().len(), 1);
    assert_eq!(download(&live).await, third);

    // skip: nothing sent, nothing confirmed, bytes untouched.
    let puts = s.count_any(STORE_PUT);
    let confirms = s.count_any(CONFIRM_UPLOAD);
    let a = asset(s.root(), "d/hero.jpg", &bytes(7_000, 6), OnConflict::Skip);
    let skipped = s.upload(&a, "hero.jpg", Map::new()).await.unwrap();
    assert_eq!(
        skipped,
        Uploaded::Skipped {
            conflict_file_id: Some(original.id.clone())
        }
    );
    assert_eq!(s.count_any(STORE_PUT), puts, "no bytes sent on skip");
    assert_eq!(s.count_any(CONFIRM_UPLOAD), confirms, "no confirm on skip");
    let live = s.get_file(&original.id).await;
    assert_eq!(live["version"], 2);
    assert_eq!(download(&live).await, third);

    assert_eq!(
        s.files_named("hero.jpg").await.len(),
        1,
        "never a second file"
    );
}

#[tokio::test]
async fn metadata_publishes_and_scopes_the_file() {
    let s = setup(SingleUploadType::Single).await;
    let a = asset(
        s.root(),
        "hero.jpg",
        &bytes(2_000, 7),
        OnConflict::Overwrite,
    );
    let metadata = json!({
        "published": true,
        "published_start_date": "2026-01-01",
        "region_ids": ["r0", "r2"],
    });
    let file = match s
        .upload(&a, "hero.jpg", metadata.as_object().unwrap().clone())
        .await
        .unwrap()
    {
        Uploaded::File(f) => f,
        other => panic!("{other:?}"),
    };
    assert!(file.publishing.published);
    let live = s.get_file(&file.id).await;
    assert_eq!(live["published"], true, "{live}");
    assert_eq!(live["published_start_date"], "2026-01-01", "{live}");
    let mut regions: Vec<&str> = live["region_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().or_else(|| r["id"].as_str()).unwrap())
        .collect();
    regions.sort_unstable();
    assert_eq!(regions, ["r0", "r2"], "{live}");

    // Without metadata a file is not published.
    let b = asset(
        s.root(),
        "plain.jpg",
        &bytes(2_000, 8),
        OnConflict::Overwrite,
    );
    let plain = s.upload_file(&b, "plain.jpg").await;
    assert_eq!(s.get_file(&plain.id).await["published"], false);
}

#[tokio::test]
async fn a_path_that_escapes_the_catalog_is_refused_before_any_request() {
    let s = setup(SingleUploadType::Single).await;
    let catalog = s.root().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    let outside = s.root().join("outside.jpg");
    let data = bytes(1_000, 9);
    std::fs::write(&outside, &data).unwrap();
    let escape = |path: String| Asset {
        path,
        mime_type: "image/jpeg".into(),
        size: data.len() as u64,
        on_conflict: OnConflict::Overwrite,
    };
    let mut tries = vec![
        escape("../outside.jpg".into()),
        escape("assets/../../outside.jpg".into()),
        escape(outside.display().to_string()),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, catalog.join("link.jpg")).unwrap();
        std::os::unix::fs::symlink("../outside.jpg", catalog.join("relative-link.jpg")).unwrap();
        tries.push(escape("link.jpg".into()));
        tries.push(escape("relative-link.jpg".into()));
    }
    for a in &tries {
        let job = UploadJob {
            root: &catalog,
            asset: a,
            name: "outside.jpg",
            metadata: Map::new(),
            progress: None,
        };
        let err = s.uploader.upload(&s.client, &job).await.unwrap_err();
        assert!(matches!(err, UploadError::Open { .. }), "{}: {err}", a.path);
        assert!(err.to_string().contains(&a.path), "{err}");
    }
    assert_eq!(s.client.stats().requests, 0, "not even an authorize");
    assert_eq!(s.count_any(REQUEST_UPLOAD), 0);
    assert_eq!(s.count_any(STORE_PUT), 0);

    // A symlink that stays inside the catalog is fine.
    #[cfg(unix)]
    {
        std::fs::write(catalog.join("real.jpg"), &data).unwrap();
        std::os::unix::fs::symlink("real.jpg", catalog.join("alias.jpg")).unwrap();
        let a = escape("alias.jpg".into());
        let job = UploadJob {
            root: &catalog,
            asset: &a,
            name: "alias.jpg",
            metadata: Map::new(),
            progress: None,
        };
        let uploaded = s.uploader.upload(&s.client, &job).await.unwrap();
        assert!(matches!(uploaded, Uploaded::File(_)), "{uploaded:?}");
    }
}

#[tokio::test]
async fn a_file_whose_size_changed_is_refused_before_any_byte() {
    let s = setup(SingleUploadType::Single).await;
    let mut a = asset(
        s.root(),
        "hero.jpg",
        &bytes(1_000, 10),
        OnConflict::Overwrite,
    );
    for size in [1_001, 999] {
        a.size = size;
        let err = s.upload(&a, "hero.jpg", Map::new()).await.unwrap_err();
        let UploadError::Changed {
            path,
            expected,
            actual,
        } = &err
        else {
            panic!("expected Changed, got {err}");
        };
        assert_eq!(
            (path.as_str(), *expected, *actual),
            ("hero.jpg", size, 1_000)
        );
        let text = err.to_string();
        assert!(
            text.contains("`hero.jpg`")
                && text.contains(&size.to_string())
                && text.contains("1000"),
            "{text}"
        );
        assert!(text.contains("run plan again"), "{text}");
    }
    assert_eq!(s.client.stats().requests, 0);
    assert_eq!(s.count_any(REQUEST_UPLOAD), 0);
    assert_eq!(s.count_any(STORE_PUT), 0);
}

#[tokio::test]
async fn a_missing_asset_names_its_path() {
    let s = setup(SingleUploadType::Single).await;
    let a = Asset {
        path: "assets/gone.jpg".into(),
        mime_type: "image/jpeg".into(),
        size: 10,
        on_conflict: OnConflict::Overwrite,
    };
    let err = s.upload(&a, "gone.jpg", Map::new()).await.unwrap_err();
    assert!(matches!(err, UploadError::Open { .. }), "{err}");
    assert!(err.to_string().contains("`assets/gone.jpg`"), "{err}");
    assert_eq!(s.client.stats().requests, 0);
}

/// A pass-through in front of the sandbox's API that, once armed, scripts
/// a `lost_answer` fault just before forwarding the next confirm-upload,
/// and loses the answer downstream too. The fault queue serves the next
/// API request, so this is how it lands on the confirm and not on the
/// request-upload before it.
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    lose_next_confirm: AtomicBool,
}

async fn start_proxy(sandbox: &RunningSandbox) -> (String, Arc<Proxy>) {
    use axum::extract::State;
    use axum::response::{IntoResponse, Response};

    async fn forward(State(p): State<Arc<Proxy>>, request: axum::extract::Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        if parts.uri.path().ends_with("/file/confirm-upload")
            && p.lose_next_confirm.swap(false, Ordering::SeqCst)
        {
            let r = p
                .http
                .post(format!("{}/_sandbox/faults", p.upstream))
                .json(&json!({"action": "lost_answer", "count": 1}))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
        let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let mut upstream = p
            .http
            .request(parts.method.clone(), format!("{}{path}", p.upstream))
            .body(body);
        for (name, value) in &parts.headers {
            if !matches!(name.as_str(), "host" | "content-length" | "connection") {
                upstream = upstream.header(name, value);
            }
        }
        let answer = match upstream.send().await {
            Ok(r) => {
                let status = r.status();
                let headers = r.headers().clone();
                r.bytes().await.map(|b| (status, headers, b))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, headers, bytes)) => {
                let mut response = (status, bytes).into_response();
                for name in ["content-type", "retry-after"] {
                    if let Some(v) = headers.get(name) {
                        response.headers_mut().insert(name, v.clone());
                    }
                }
                response
            }
            // The sandbox closed the connection: close ours as well.
            Err(_) => axum::body::Body::from_stream(futures_util::stream::once(async {
                Err::<bytes::Bytes, _>(std::io::Error::other("answer lost"))
            }))
            .into_response(),
        }
    }

    let proxy = Arc::new(Proxy {
        upstream: sandbox.base_url().to_owned(),
        http: reqwest::Client::new(),
        lose_next_confirm: AtomicBool::new(false),
    });
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), proxy)
}

#[tokio::test]
async fn a_confirm_whose_answer_is_lost_is_unclear_and_not_repeated() {
    let s = setup(SingleUploadType::Single).await;
    let (proxy_url, proxy) = start_proxy(&s.sandbox).await;
    let mut via_proxy = connection(&s.sandbox, 100);
    via_proxy.base_url = proxy_url;
    let client = Client::new(&via_proxy).unwrap();
    let data = bytes(100_000, 11);
    let a = asset(s.root(), "hero.jpg", &data, OnConflict::Overwrite);
    proxy.lose_next_confirm.store(true, Ordering::SeqCst);
    let job = UploadJob {
        root: s.root(),
        asset: &a,
        name: "hero.jpg",
        metadata: Map::new(),
        progress: None,
    };
    let err = s.uploader.upload(&client, &job).await.unwrap_err();
    assert!(err.is_unclear(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("`hero.jpg`") && text.contains("confirm-upload"),
        "{text}"
    );
    assert_eq!(s.sandbox.stats().faults.get("lost_answer"), Some(&1));
    assert_eq!(
        s.count_any(CONFIRM_UPLOAD),
        1,
        "the confirm was not repeated"
    );
    assert_eq!(s.count(CONFIRM_UPLOAD, "dropped"), 1);

    // It did take effect: the file is there, with the bytes.
    let files = s.files_named("hero.jpg").await;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["size"], 100_000);
    let live = s.get_file(files[0]["id"].as_str().unwrap()).await;
    assert_eq!(download(&live).await, data);
}

#[tokio::test]
async fn errors_and_debug_output_never_show_a_presigned_url() {
    let s = setup(SingleUploadType::Single).await;
    let a = asset(
        s.root(),
        "hero.jpg",
        &bytes(1_000, 12),
        OnConflict::Overwrite,
    );
    let file = s.upload_file(&a, "hero.jpg").await;
    let shown = format!("{:?}", Uploaded::File(file));
    assert!(
        !shown.contains("Signature") && !shown.contains("_store"),
        "{shown}"
    );
}
