//! One asset upload against the in-process sandbox: single and multipart
//! byte for byte, name conflicts by `on_conflict`, publishing metadata,
//! paths that escape the catalog and files that changed size refused
//! before anything is sent, a confirm whose answer is lost, expired
//! presigned URLs, a file changed during its upload, byte progress.
#![allow(clippy::unwrap_used)]

use crate::support::assets::unrepeating_bytes;
use crate::support::connection::{connection, download, get_json, http};
use crate::support::harness::Harness;
use crate::support::requests::requests_to;
use crate::support::sandbox::{seeded, small_parts};
use crate::support::seed::regions;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use pxmctl::apply::upload::{UploadError, UploadJob, Uploaded, Uploader};
use pxmctl::catalog::model::{Asset, IfDuplicate, OnConflict};
use pxmctl::remote::Client;
use pxmctl::remote::wire::LiveFile;
use pxmctl::sandbox::assumptions::{SIGNATURE_PARAM, STORE_PREFIX};
use pxmctl::sandbox::{RunningSandbox, SandboxConfig, SingleUploadType, UploadConfig};
use serde_json::{Map, Value, json};

const REQUEST_UPLOAD: &str = "POST /v3/file/request-upload";
const CONFIRM_UPLOAD: &str = "POST /v3/file/confirm-upload";
const STORE_PUT: &str = "PUT /_store/{*key}";

/// Regions r0..r2, no other objects; uploads of more than 64 KiB are
/// multipart with 64 KiB parts.
fn sandbox_config(single: SingleUploadType) -> SandboxConfig {
    let seed = regions(&["United States", "Canada", "Germany"]);
    SandboxConfig {
        uploads: UploadConfig {
            single_upload_type: single,
            ..small_parts()
        },
        ..seeded(seed)
    }
}

struct Setup {
    sandbox: RunningSandbox,
    client: Client,
    uploader: Uploader,
    catalog: tempfile::TempDir,
}

async fn setup(single: SingleUploadType) -> Setup {
    setup_with(sandbox_config(single)).await
}

async fn setup_with(config: SandboxConfig) -> Setup {
    let Harness {
        sandbox, client, ..
    } = Harness::start_with_sandbox_token(config).await;
    Setup {
        sandbox,
        client,
        uploader: Uploader::new(),
        catalog: tempfile::tempdir().unwrap(),
    }
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
        if_duplicate: IfDuplicate::Upload,
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
            replaces: None,
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
        get_json(&self.client, &format!("/v2.1/file/{id}")).await
    }

    /// Every live file with this name, raw.
    async fn files_named(&self, name: &str) -> Vec<Value> {
        let all: Vec<Value> =
            serde_json::from_value(get_json(&self.client, "/v2.1/file?limit=1000").await).unwrap();
        all.into_iter()
            .filter(|f| f["file_name"] == json!(name))
            .collect()
    }

    fn count(&self, route: &str, status: &str) -> u64 {
        self.sandbox.stats().count(route, status)
    }

    /// Requests to `route`, whatever the answer.
    fn count_any(&self, route: &str) -> u64 {
        requests_to(&self.sandbox, route)
    }
}

#[tokio::test]
async fn a_single_upload_round_trips_byte_for_byte() {
    for single in [SingleUploadType::Single, SingleUploadType::Standard] {
        let s = setup(single).await;
        let data = unrepeating_bytes(60_000, 1);
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
    let data = unrepeating_bytes(3 * 65_536 + 1_234, 2);
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
    let first = unrepeating_bytes(10_000, 3);
    let a = asset(s.root(), "a/hero.jpg", &first, OnConflict::Overwrite);
    let original = s.upload_file(&a, "hero.jpg").await;
    assert_eq!(s.get_file(&original.id).await["version"], 1);

    // overwrite: same file, new bytes, same version.
    let second = unrepeating_bytes(90_000, 4);
    let a = asset(s.root(), "b/hero.jpg", &second, OnConflict::Overwrite);
    let overwritten = s.upload_file(&a, "hero.jpg").await;
    assert_eq!(overwritten.id, original.id);
    let live = s.get_file(&original.id).await;
    assert_eq!(live["version"], 1);
    assert_eq!(live["size"], 90_000);
    assert_eq!(download(&live).await, second);

    // version: same file, new bytes, version bumped.
    let third = unrepeating_bytes(5_000, 5);
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
    let a = asset(
        s.root(),
        "d/hero.jpg",
        &unrepeating_bytes(7_000, 6),
        OnConflict::Skip,
    );
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
async fn new_content_for_a_file_renamed_since_it_was_read_is_refused_not_uploaded_as_a_second_file()
{
    let s = setup(SingleUploadType::Single).await;
    let a = asset(
        s.root(),
        "hero.jpg",
        &unrepeating_bytes(10_000, 3),
        OnConflict::Overwrite,
    );
    let original = s.upload_file(&a, "hero.jpg").await;
    let other = asset(
        s.root(),
        "other.jpg",
        &unrepeating_bytes(3_000, 4),
        OnConflict::Overwrite,
    );
    let other = s.upload_file(&other, "other.jpg").await;
    let changed = asset(
        s.root(),
        "new.jpg",
        &unrepeating_bytes(20_000, 5),
        OnConflict::Overwrite,
    );
    let replace = |name: &'static str| UploadJob {
        root: s.root(),
        asset: &changed,
        name,
        replaces: Some(original.id.as_str()),
        metadata: Map::new(),
        progress: None,
    };
    let confirms = s.count_any(CONFIRM_UPLOAD);

    // Renamed in the UI after the read: no file holds the read name.
    let err = s
        .uploader
        .upload(&s.client, &replace("hero-old.jpg"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("renamed or deleted since it was read"),
        "{err}"
    );
    // The read name now belongs to another file.
    let err = s
        .uploader
        .upload(&s.client, &replace("other.jpg"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("belongs to file {}", other.id)),
        "{err}"
    );

    assert_eq!(s.count_any(CONFIRM_UPLOAD), confirms, "nothing confirmed");
    assert!(
        s.files_named("hero-old.jpg").await.is_empty(),
        "no second file"
    );
    assert_eq!(s.get_file(&original.id).await["size"], 10_000);
    assert_eq!(s.get_file(&other.id).await["size"], 3_000);
}

#[tokio::test]
async fn metadata_publishes_and_scopes_the_file() {
    let s = setup(SingleUploadType::Single).await;
    let a = asset(
        s.root(),
        "hero.jpg",
        &unrepeating_bytes(2_000, 7),
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
        &unrepeating_bytes(2_000, 8),
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
    let data = unrepeating_bytes(1_000, 9);
    std::fs::write(&outside, &data).unwrap();
    let escape = |path: String| Asset {
        path,
        mime_type: "image/jpeg".into(),
        size: data.len() as u64,
        on_conflict: OnConflict::Overwrite,
        if_duplicate: IfDuplicate::Upload,
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
            replaces: None,
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
            replaces: None,
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
        &unrepeating_bytes(1_000, 10),
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
        if_duplicate: IfDuplicate::Upload,
    };
    let err = s.upload(&a, "gone.jpg", Map::new()).await.unwrap_err();
    assert!(matches!(err, UploadError::Open { .. }), "{err}");
    assert!(err.to_string().contains("`assets/gone.jpg`"), "{err}");
    assert_eq!(s.client.stats().requests, 0);
}

/// What the proxy does to one object-store PUT.
#[derive(Debug, Clone, Copy)]
enum StoreFault {
    /// Forwarded with a broken signature: the sandbox refuses it with 403,
    /// as S3 does an expired URL.
    Refuse403,
    /// Forwarded and stored, but the client is answered 503.
    Fail503,
    /// Forwarded with one byte flipped: stored damaged, and answered with
    /// the ETag (MD5) of the damaged bytes.
    Corrupt,
}

/// A pass-through in front of the sandbox. Presigned URLs in
/// request-upload answers are rewritten to point here (their signature
/// covers the path and the query, not the host), so object-store PUTs
/// pass through too. Once armed, it scripts a `lost_answer` fault just
/// before forwarding the next confirm-upload, and loses the answer
/// downstream too (the fault queue serves the next API request, so this
/// is how it lands on the confirm and not on the request-upload before
/// it); `store_faults` are applied to the next PUTs in turn, `None` for
/// one passed untouched.
struct Proxy {
    upstream: String,
    own: String,
    http: reqwest::Client,
    lose_next_confirm: AtomicBool,
    store_faults: Mutex<VecDeque<Option<StoreFault>>>,
}

async fn start_proxy(sandbox: &RunningSandbox) -> (String, Arc<Proxy>) {
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    async fn forward(State(p): State<Arc<Proxy>>, request: axum::extract::Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let route = parts.uri.path();
        if route.ends_with("/file/confirm-upload")
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
        let store_fault = if route.starts_with(STORE_PREFIX) && parts.method == "PUT" {
            p.store_faults.lock().unwrap().pop_front().flatten()
        } else {
            None
        };
        let mut path = parts
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        if let Some(StoreFault::Refuse403) = store_fault {
            let signature = format!("{SIGNATURE_PARAM}=");
            assert!(path.contains(&signature), "a signed URL");
            path = path.replace(&signature, &format!("{signature}0"));
        }
        let body = if let Some(StoreFault::Corrupt) = store_fault {
            let mut damaged = body.to_vec();
            damaged[0] ^= 0xff;
            bytes::Bytes::from(damaged)
        } else {
            body
        };
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
            Ok(_) if matches!(store_fault, Some(StoreFault::Fail503)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "<Error><Code>SlowDown</Code></Error>",
            )
                .into_response(),
            Ok((status, headers, mut bytes)) => {
                if route.ends_with("/file/request-upload") {
                    let text = String::from_utf8(bytes.to_vec()).unwrap();
                    bytes = text.replace(&p.upstream, &p.own).into();
                }
                let mut response = (status, bytes).into_response();
                for name in ["content-type", "retry-after", "etag"] {
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

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let proxy = Arc::new(Proxy {
        upstream: sandbox.base_url().to_owned(),
        own: own.clone(),
        http: http(),
        lose_next_confirm: AtomicBool::new(false),
        store_faults: Mutex::new(VecDeque::new()),
    });
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (own, proxy)
}

impl Setup {
    /// A client whose requests, and object-store PUTs, go through a proxy.
    async fn via_proxy(&self) -> (Client, Arc<Proxy>) {
        let (proxy_url, proxy) = start_proxy(&self.sandbox).await;
        let mut via_proxy = connection(&self.sandbox, 100);
        via_proxy.base_url = proxy_url;
        (Client::new(&via_proxy).unwrap(), proxy)
    }
}

/// Collects what a job's progress hook is told.
#[derive(Default)]
struct Reports(Mutex<Vec<u64>>);

impl Reports {
    fn hook(&self) -> impl Fn(u64) + Sync + '_ {
        |n| self.0.lock().unwrap().push(n)
    }

    fn total(&self) -> u64 {
        self.0.lock().unwrap().iter().sum()
    }

    fn calls(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[tokio::test]
async fn a_confirm_whose_answer_is_lost_is_unclear_and_not_repeated() {
    let s = setup(SingleUploadType::Single).await;
    let (client, proxy) = s.via_proxy().await;
    let data = unrepeating_bytes(100_000, 11);
    let a = asset(s.root(), "hero.jpg", &data, OnConflict::Overwrite);
    proxy.lose_next_confirm.store(true, Ordering::SeqCst);
    let job = UploadJob {
        root: s.root(),
        asset: &a,
        name: "hero.jpg",
        replaces: None,
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
        &unrepeating_bytes(1_000, 12),
        OnConflict::Overwrite,
    );
    let file = s.upload_file(&a, "hero.jpg").await;
    let shown = format!("{:?}", Uploaded::File(file));
    assert!(
        !shown.contains("Signature") && !shown.contains("_store"),
        "{shown}"
    );
}

impl Setup {
    async fn upload_with(
        &self,
        client: &Client,
        asset: &Asset,
        name: &str,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Uploaded, UploadError> {
        let job = UploadJob {
            root: self.root(),
            asset,
            name,
            replaces: None,
            metadata: Map::new(),
            progress: Some(progress),
        };
        self.uploader.upload(client, &job).await
    }
}

#[tokio::test]
async fn progress_adds_up_to_the_size_chunk_by_chunk() {
    let s = setup(SingleUploadType::Single).await;
    for (name, len, chunks) in [("one.jpg", 60_000, 1), ("parts.jpg", 3 * 65_536 + 1_234, 4)] {
        let data = unrepeating_bytes(len, 14);
        let a = asset(s.root(), name, &data, OnConflict::Overwrite);
        let reports = Reports::default();
        let uploaded = s
            .upload_with(&s.client, &a, name, &reports.hook())
            .await
            .unwrap();
        assert!(matches!(uploaded, Uploaded::File(_)), "{uploaded:?}");
        assert_eq!(reports.total(), len as u64, "{name}");
        assert!(reports.calls() >= chunks, "{name}: {}", reports.calls());
    }
}

#[tokio::test]
async fn a_part_damaged_on_the_way_is_refused_by_its_etag_and_sent_again() {
    let s = setup(SingleUploadType::Single).await;
    let (client, proxy) = s.via_proxy().await;
    let data = unrepeating_bytes(3 * 65_536 + 1_234, 21);
    let a = asset(s.root(), "video/clip.mp4", &data, OnConflict::Overwrite);
    // Part 2 arrives damaged; its ETag gives it away.
    proxy
        .store_faults
        .lock()
        .unwrap()
        .extend([None, Some(StoreFault::Corrupt)]);
    let uploaded = s
        .upload_with(&client, &a, "clip.mp4", &|_| {})
        .await
        .unwrap();
    let Uploaded::File(file) = uploaded else {
        panic!("expected a file, got {uploaded:?}");
    };
    assert_eq!(s.count(STORE_PUT, "200"), 5, "part 2 twice");
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 1);
    let live = s.get_file(&file.id).await;
    assert_eq!(download(&live).await, data, "the damaged part was replaced");

    // A single PUT too.
    let small = unrepeating_bytes(10_000, 22);
    let b = asset(s.root(), "small.jpg", &small, OnConflict::Overwrite);
    proxy
        .store_faults
        .lock()
        .unwrap()
        .push_back(Some(StoreFault::Corrupt));
    let Uploaded::File(file) = s
        .upload_with(&client, &b, "small.jpg", &|_| {})
        .await
        .unwrap()
    else {
        panic!("expected a file");
    };
    assert_eq!(download(&s.get_file(&file.id).await).await, small);
}

#[tokio::test]
async fn an_expired_url_starts_over_from_a_fresh_request_upload() {
    let s = setup(SingleUploadType::Single).await;
    let (client, proxy) = s.via_proxy().await;
    // 4 parts of 64 KiB at most.
    let data = unrepeating_bytes(3 * 65_536 + 1_234, 13);
    let a = asset(s.root(), "video/clip.mp4", &data, OnConflict::Overwrite);
    // First session: part 1 accepted, part 2 refused with 403. Second
    // session: part 3 is stored but answered 503, and sent again on its URL.
    proxy.store_faults.lock().unwrap().extend([
        None,
        Some(StoreFault::Refuse403),
        None,
        None,
        Some(StoreFault::Fail503),
    ]);
    let reports = Reports::default();
    let uploaded = s
        .upload_with(&client, &a, "clip.mp4", &reports.hook())
        .await
        .unwrap();
    let Uploaded::File(file) = uploaded else {
        panic!("expected a file, got {uploaded:?}");
    };
    assert_eq!(
        s.count(REQUEST_UPLOAD, "200"),
        2,
        "one fresh request-upload"
    );
    assert_eq!(s.count_any(REQUEST_UPLOAD), 2);
    assert_eq!(s.count(STORE_PUT, "403"), 1);
    assert_eq!(
        s.count(STORE_PUT, "200"),
        1 + 4 + 1,
        "part 1 of the dead session, all 4 again, part 3 once more"
    );
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 1);
    assert!(proxy.store_faults.lock().unwrap().is_empty());
    assert_eq!(
        reports.total(),
        data.len() as u64,
        "bytes sent again are not counted again"
    );
    let live = s.get_file(&file.id).await;
    assert_eq!(download(&live).await, data);
    assert_eq!(s.files_named("clip.mp4").await.len(), 1);
}

#[tokio::test]
async fn urls_that_are_always_expired_fail_after_three_request_uploads() {
    let mut config = sandbox_config(SingleUploadType::Single);
    // Expired from the moment they are made.
    config.uploads.url_ttl = Duration::ZERO;
    let s = setup_with(config).await;
    let a = asset(
        s.root(),
        "assets/hero.jpg",
        &unrepeating_bytes(1_000, 15),
        OnConflict::Overwrite,
    );
    let err = s.upload(&a, "hero.jpg", Map::new()).await.unwrap_err();
    assert!(
        matches!(err, UploadError::Expired { requests: 3, .. }),
        "{err}"
    );
    assert!(err.is_expired());
    assert_eq!(s.count(REQUEST_UPLOAD, "200"), 3);
    assert_eq!(s.count(STORE_PUT, "403"), 3);
    assert_eq!(s.count_any(STORE_PUT), 3, "a 403 is not retried on its URL");
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 0);
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("`assets/hero.jpg`")
            && text.contains("PUT of the bytes")
            && text.contains("Request has expired")
            && text.contains("3 request-upload"),
        "{text}"
    );
    assert!(
        !text.contains(SIGNATURE_PARAM) && !text.contains("/_store"),
        "{text}"
    );
}

/// Sets `path`'s modification time to a fixed moment long ago.
fn touch(path: &Path, seconds: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
        .unwrap();
}

#[tokio::test]
async fn a_file_touched_during_its_upload_is_not_confirmed() {
    let s = setup(SingleUploadType::Single).await;
    let data = unrepeating_bytes(3 * 65_536 + 1_234, 16);
    let a = asset(s.root(), "video/clip.mp4", &data, OnConflict::Overwrite);
    let on_disk = s.root().join("video/clip.mp4");
    touch(&on_disk, 1_500_000_000);
    let touched = AtomicBool::new(false);
    // Same size, same bytes, a new modification time.
    let hook = |_: u64| {
        if !touched.swap(true, Ordering::SeqCst) {
            touch(&on_disk, 1_600_000_000);
        }
    };
    let err = s
        .upload_with(&s.client, &a, "clip.mp4", &hook)
        .await
        .unwrap_err();
    let UploadError::ChangedWhileUploading { path, detail } = &err else {
        panic!("expected ChangedWhileUploading, got {err}");
    };
    assert_eq!(path, "video/clip.mp4");
    assert!(detail.contains("modification time"), "{detail}");
    let text = err.to_string();
    assert!(
        text.contains("`video/clip.mp4`")
            && text.contains("changed while it was being uploaded")
            && text.contains("nothing was confirmed"),
        "{text}"
    );
    assert_eq!(s.count(STORE_PUT, "200"), 4, "every part was sent");
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 0, "but none confirmed");
    assert!(s.files_named("clip.mp4").await.is_empty());
}

#[tokio::test]
async fn a_file_that_grows_during_its_upload_is_not_confirmed() {
    let s = setup(SingleUploadType::Single).await;
    let a = asset(
        s.root(),
        "hero.jpg",
        &unrepeating_bytes(60_000, 17),
        OnConflict::Overwrite,
    );
    let on_disk = s.root().join("hero.jpg");
    let grown = AtomicBool::new(false);
    let hook = |_: u64| {
        if !grown.swap(true, Ordering::SeqCst) {
            use std::io::Write;
            let mut file = std::fs::File::options()
                .append(true)
                .open(&on_disk)
                .unwrap();
            file.write_all(&[0; 10]).unwrap();
        }
    };
    let err = s
        .upload_with(&s.client, &a, "hero.jpg", &hook)
        .await
        .unwrap_err();
    let UploadError::ChangedWhileUploading { detail, .. } = &err else {
        panic!("expected ChangedWhileUploading, got {err}");
    };
    assert!(detail.contains("60010 bytes, not 60000"), "{detail}");
    assert_eq!(s.count(STORE_PUT, "200"), 1);
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 0);
}

#[tokio::test]
async fn a_file_replaced_at_its_path_during_its_upload_is_not_confirmed() {
    let s = setup(SingleUploadType::Single).await;
    let data = unrepeating_bytes(60_000, 18);
    let a = asset(s.root(), "hero.jpg", &data, OnConflict::Overwrite);
    let on_disk = s.root().join("hero.jpg");
    touch(&on_disk, 1_500_000_000);
    let replaced = AtomicBool::new(false);
    // The open file is untouched; another one, of the same size, takes
    // its name.
    let hook = |_: u64| {
        if !replaced.swap(true, Ordering::SeqCst) {
            let next = s.root().join("hero.jpg.next");
            std::fs::write(&next, unrepeating_bytes(60_000, 19)).unwrap();
            touch(&next, 1_600_000_000);
            std::fs::rename(&next, &on_disk).unwrap();
        }
    };
    let err = s
        .upload_with(&s.client, &a, "hero.jpg", &hook)
        .await
        .unwrap_err();
    let UploadError::ChangedWhileUploading { detail, .. } = &err else {
        panic!("expected ChangedWhileUploading, got {err}");
    };
    assert!(detail.contains("the file at its path"), "{detail}");
    assert_eq!(s.count_any(CONFIRM_UPLOAD), 0);
}
