//! The upload guide's three steps, single and multipart, byte for byte;
//! request-upload and confirm-upload validation; name conflicts;
//! publishing metadata; renditions.
#![allow(clippy::unwrap_used)]

use crate::support::assets::{bytes, md5_hex};
use crate::support::harness::Harness;
use crate::support::sandbox::{config, small_parts};

use pxmctl::sandbox::{NameFields, SandboxConfig, SingleUploadType, UploadConfig};
use reqwest::StatusCode;
use serde_json::json;

/// A sandbox whose uploads need several parts ([`small_parts`]).
fn with_small_parts() -> SandboxConfig {
    SandboxConfig {
        uploads: small_parts(),
        ..config()
    }
}

#[tokio::test]
async fn single_upload_round_trips_byte_for_byte_on_both_api_versions() {
    let h = Harness::default().await;
    for version in ["v2.1", "v3"] {
        let name = format!("hero-{version}.jpg");
        let data = bytes(100_000, 7);
        let upload = h.request_upload(version, &name, data.len()).await;
        let d = &upload["upload_data"];
        assert_eq!(d["upload_type"], "single");
        assert_eq!(d["file_name"], json!(name));
        assert!(d["file_path"].as_str().unwrap().ends_with(&name));
        let (status, etag) = h
            .put_bytes(d["upload_url"].as_str().unwrap(), data.clone())
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(etag.unwrap(), format!("\"{}\"", md5_hex(&data)));
        let (_, before) = h.get("/v2.1/file").await;
        assert!(
            before
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["file_name"] != json!(name)),
            "invisible before confirm"
        );
        let (status, file) = h
            .post(
                &format!("/{version}/file/confirm-upload"),
                json!({ "file_path": d["file_path"], "file_name": name, "file_size": data.len() }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(file["size"], data.len());
        let (status, got) = h.fetch(file["download_url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, data);
        for rendition in ["preview", "large", "medium", "small", "thumb"] {
            let (status, got) = h
                .fetch(file["renditions"][rendition].as_str().unwrap())
                .await;
            assert_eq!(
                (status, got.len()),
                (StatusCode::OK, data.len()),
                "{rendition}"
            );
        }
        let (_, listed) = h
            .get(&format!("/v2.1/file/{}", file["id"].as_str().unwrap()))
            .await;
        assert_eq!(listed["file_name"], json!(name));
    }
}

#[tokio::test]
async fn multipart_upload_round_trips_with_part_etags() {
    let h = Harness::start(with_small_parts()).await;
    let data = bytes(200_000, 3);
    let upload = h.request_upload("v3", "video.mp4", data.len()).await;
    let d = &upload["upload_data"];
    assert_eq!(d["upload_type"], "multipart");
    assert!(d["upload_id"].is_string());
    let parts = d["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 4);
    assert_eq!(
        (parts[0]["start_byte"].clone(), parts[0]["end_byte"].clone()),
        (json!(0), json!(65535))
    );
    assert_eq!(parts[3]["end_byte"], json!(199_999));
    let confirm = h.send_bytes(&upload, &data).await;
    for (i, p) in confirm["multipart"].as_array().unwrap().iter().enumerate() {
        let start = i * 65536;
        let end = (start + 65536).min(data.len());
        assert_eq!(
            p["etag"],
            json!(format!("\"{}\"", md5_hex(&data[start..end])))
        );
    }
    let (status, file) = h.post("/v3/file/confirm-upload", confirm).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let (_, got) = h.fetch(file["download_url"].as_str().unwrap()).await;
    assert_eq!(got, data);
    // Exactly at the threshold is still a single PUT.
    let at = h.request_upload("v3", "edge.bin", 64 * 1024).await;
    assert_eq!(at["upload_data"]["upload_type"], "single");
}

#[tokio::test]
async fn confirm_checks_part_etags_quoted_or_bare_and_refuses_wrong_or_missing_ones() {
    let h = Harness::start(with_small_parts()).await;
    let data = bytes(100_000, 9);
    let upload = h.request_upload("v2.1", "big.bin", data.len()).await;
    let confirm = h.send_bytes(&upload, &data).await;
    let mut wrong = confirm.clone();
    wrong["multipart"][1]["etag"] = json!("\"0123456789abcdef0123456789abcdef\"");
    let (status, body) = h.post("/v2.1/file/confirm-upload", wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut missing = confirm.clone();
    missing["multipart"].as_array_mut().unwrap().pop();
    assert_eq!(
        h.post("/v2.1/file/confirm-upload", missing).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut no_etag = confirm.clone();
    no_etag["multipart"][0]
        .as_object_mut()
        .unwrap()
        .remove("etag");
    assert_eq!(
        h.post("/v2.1/file/confirm-upload", no_etag).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut no_id = confirm.clone();
    no_id.as_object_mut().unwrap().remove("upload_id");
    assert_eq!(
        h.post("/v2.1/file/confirm-upload", no_id).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut bare = confirm.clone();
    for p in bare["multipart"].as_array_mut().unwrap() {
        p["etag"] = json!(p["etag"].as_str().unwrap().trim_matches('"'));
    }
    let (status, file) = h.post("/v2.1/file/confirm-upload", bare).await;
    assert_eq!(status, StatusCode::OK, "{file}");
}

#[tokio::test]
async fn request_upload_needs_both_names_and_a_positive_integer_size() {
    let h = Harness::default().await;
    for body in [
        json!({ "file_name": "a.jpg", "size": 10 }),
        json!({ "filename": "a.jpg", "size": 10 }),
        json!({ "filename": "a.jpg", "file_name": "a.jpg" }),
        json!({ "filename": "a.jpg", "file_name": "a.jpg", "size": 0 }),
        json!({ "filename": "a.jpg", "file_name": "a.jpg", "size": -5 }),
        json!({ "filename": "a.jpg", "file_name": "a.jpg", "size": 1.5 }),
        json!({ "filename": "a.jpg", "file_name": "a.jpg", "size": "10" }),
    ] {
        let (status, answer) = h.post("/v3/file/request-upload", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer["field"].is_string(), "{answer}");
    }
    let lenient = Harness::start(SandboxConfig {
        uploads: UploadConfig {
            name_fields: NameFields::Either,
            single_upload_type: SingleUploadType::Standard,
            ..UploadConfig::default()
        },
        ..config()
    })
    .await;
    for body in [
        json!({ "file_name": "a.jpg", "size": 10 }),
        json!({ "filename": "b.jpg", "size": 10 }),
    ] {
        let (status, answer) = lenient.post("/v3/file/request-upload", body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["upload_data"]["upload_type"], "standard");
    }
}

#[tokio::test]
async fn confirm_fails_without_a_request_with_a_wrong_size_or_when_the_bytes_differ() {
    let h = Harness::default().await;
    let (status, _) = h
        .post(
            "/v3/file/confirm-upload",
            json!({ "file_path": "s3path/temp/x/a.jpg", "file_name": "a.jpg", "file_size": 3 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let upload = h.request_upload("v3", "a.jpg", 10).await;
    let d = &upload["upload_data"];
    let confirm = json!({ "file_path": d["file_path"], "file_name": "a.jpg", "file_size": 10 });
    let (status, _) = h.post("/v3/file/confirm-upload", confirm.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nothing uploaded yet");
    h.put_bytes(d["upload_url"].as_str().unwrap(), b"only7by".to_vec())
        .await;
    let (status, body) = h.post("/v3/file/confirm-upload", confirm.clone()).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "stored bytes differ from size: {body}"
    );
    h.put_bytes(d["upload_url"].as_str().unwrap(), b"exactly10!".to_vec())
        .await;
    let mut wrong_size = confirm.clone();
    wrong_size["file_size"] = json!(11);
    assert_eq!(
        h.post("/v3/file/confirm-upload", wrong_size).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.post("/v3/file/confirm-upload", confirm.clone()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.post("/v3/file/confirm-upload", confirm).await.0,
        StatusCode::BAD_REQUEST,
        "confirmed once only"
    );
}

#[tokio::test]
async fn confirm_applies_publishing_and_region_metadata() {
    let h = Harness::default().await;
    let data = b"pdf".to_vec();
    let upload = h.request_upload("v3", "spec.pdf", data.len()).await;
    let mut confirm = h.send_bytes(&upload, &data).await;
    let primary = h.primary_region().await;
    confirm["metadata"] = json!({ "published": true });
    assert_eq!(
        h.post("/v3/file/confirm-upload", confirm.clone()).await.0,
        StatusCode::BAD_REQUEST
    );
    confirm["metadata"] =
        json!({ "published": true, "published_start_date": "2026-01-21", "region_ids": [primary] });
    let (status, file) = h.post("/v3/file/confirm-upload", confirm).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["published"], true);
    assert_eq!(file["published_start_date"], "2026-01-21");
    assert_eq!(file["region_ids"], json!([primary]));
    let plain = h.upload("plain.pdf", b"x").await;
    assert_eq!(
        plain["published"], false,
        "files are not published automatically"
    );
}

#[tokio::test]
async fn a_name_conflict_is_reported_and_resolved_by_overwrite_or_version() {
    let h = Harness::default().await;
    let attr = h
        .create(
            "attribute",
            json!({ "name": "pxmctl_sha256", "type": "Text" }),
        )
        .await;
    let col = h.create("collection", json!({ "name": "C" })).await;
    let original = h.upload("hero.jpg", b"first").await;
    let fid = original["id"].as_str().unwrap();
    h.put(
        &format!("/v2.1/file/{fid}"),
        json!({ "collections": [{ "id": col["id"] }], "attributes": [{ "id": attr["id"], "type": "update", "value": "h1" }] }),
    )
    .await;

    let upload = h.request_upload("v3", "hero.jpg", 6).await;
    assert_eq!(upload["is_conflict"], true);
    assert_eq!(upload["conflict_file_id"], json!(fid));
    assert_eq!(upload["upload_data"]["conflict_file_id"], json!(fid));
    let confirm = h.send_bytes(&upload, b"second").await;
    let (status, body) = h.post("/v3/file/confirm-upload", confirm.clone()).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a conflict needs a choice: {body}"
    );
    let mut overwrite = confirm.clone();
    overwrite["conflict_action"] = json!("overwrite");
    let (status, file) = h.post("/v3/file/confirm-upload", overwrite).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["id"], json!(fid));
    assert_eq!(file["size"], 6);
    assert_eq!(file["collections"], json!([{ "id": col["id"] }]));
    assert_eq!(file["attributes"][0]["value"], "h1");
    assert_eq!(file["version"], 1);
    assert_eq!(
        h.fetch(file["download_url"].as_str().unwrap()).await.1,
        b"second"
    );
    let (status, _) = h.fetch(original["download_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the old bytes are gone");

    let upload = h.request_upload("v3", "hero.jpg", 5).await;
    let mut version = h.send_bytes(&upload, b"third").await;
    version["conflict_action"] = json!("version");
    let (status, file) = h.post("/v3/file/confirm-upload", version).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["id"], json!(fid));
    assert_eq!(file["version"], 2);
    assert_eq!(file["versions"][0]["version"], 1);
    let (_, files) = h.get("/v2.1/file").await;
    assert_eq!(files.as_array().unwrap().len(), 1);
    // Skip = do not confirm: nothing changes, the session just stays open.
    let skipped = h.request_upload("v3", "hero.jpg", 4).await;
    assert_eq!(skipped["is_conflict"], true);
    let (_, same) = h.get(&format!("/v2.1/file/{fid}")).await;
    assert_eq!(same["size"], 5);
}
