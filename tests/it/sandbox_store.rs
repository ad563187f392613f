//! The presigned object store: signatures, expiry, Content-Length rules,
//! part lengths and ETags, as S3 answers them.
#![allow(clippy::unwrap_used)]

use crate::support::assets::{bytes, md5_hex};
use crate::support::harness::Harness;
use crate::support::sandbox::config;

use std::time::Duration;

use pxmctl::sandbox::{SandboxConfig, UploadConfig};
use reqwest::StatusCode;

async fn put_status(h: &Harness, url: &str, data: &[u8]) -> (StatusCode, String) {
    let response = h.http.put(url).body(data.to_vec()).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn tampered_or_unsigned_urls_are_403_with_an_s3_error() {
    let h = Harness::default().await;
    let upload = h.request_upload("v3", "a.bin", 4).await;
    let url = upload["upload_data"]["upload_url"]
        .as_str()
        .unwrap()
        .to_string();
    let sig_at = url.find("X-Sandbox-Signature=").unwrap() + "X-Sandbox-Signature=".len();
    let mut tampered = url.clone();
    let flipped = if &url[sig_at..=sig_at] == "0" {
        "1"
    } else {
        "0"
    };
    tampered.replace_range(sig_at..=sig_at, flipped);
    let (status, body) = put_status(&h, &tampered, b"abcd").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    let longer = url.replace("X-Sandbox-Expires=", "X-Sandbox-Expires=9");
    assert_eq!(
        put_status(&h, &longer, b"abcd").await.0,
        StatusCode::FORBIDDEN,
        "the expiry is signed"
    );
    let unsigned = url.split('?').next().unwrap();
    let (status, body) = put_status(&h, unsigned, b"abcd").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("<Code>AccessDenied</Code>"));
    // No bearer token is needed on a good URL.
    assert_eq!(put_status(&h, &url, b"abcd").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_url_is_403() {
    let h = Harness::start(SandboxConfig {
        uploads: UploadConfig {
            url_ttl: Duration::ZERO,
            ..UploadConfig::default()
        },
        ..config()
    })
    .await;
    let upload = h.request_upload("v3", "a.bin", 4).await;
    let (status, body) = put_status(
        &h,
        upload["upload_data"]["upload_url"].as_str().unwrap(),
        b"abcd",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Request has expired"), "{body}");
}

#[tokio::test]
async fn a_chunked_body_without_content_length_is_501() {
    let h = Harness::default().await;
    let upload = h.request_upload("v3", "a.bin", 4).await;
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        bytes::Bytes::from_static(b"abcd"),
    )]);
    let response = h
        .http
        .put(upload["upload_data"]["upload_url"].as_str().unwrap())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<Code>NotImplemented</Code>")
    );
}

#[tokio::test]
async fn a_part_must_match_its_byte_range_and_answers_its_md5_etag() {
    let h = Harness::start(SandboxConfig {
        uploads: UploadConfig {
            multipart_threshold: 1000,
            part_size: 1000,
            ..UploadConfig::default()
        },
        ..config()
    })
    .await;
    let upload = h.request_upload("v3", "p.bin", 2500).await;
    let parts = upload["upload_data"]["parts"].as_array().unwrap();
    let first = parts[0]["upload_url"].as_str().unwrap();
    let (status, body) = put_status(&h, first, &bytes(999, 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = put_status(&h, first, &bytes(1001, 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let last = parts[2]["upload_url"].as_str().unwrap();
    let data = bytes(500, 2);
    let (status, etag) = h.put_bytes(last, data.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag.unwrap(), format!("\"{}\"", md5_hex(&data)));
    let renumbered = first.replace("partNumber=1", "partNumber=3");
    assert_eq!(
        put_status(&h, &renumbered, &data).await.0,
        StatusCode::FORBIDDEN,
        "the part number is signed"
    );
}

#[tokio::test]
async fn large_bodies_pass_the_default_body_limit() {
    let h = Harness::default().await;
    let data = bytes(5 * 1024 * 1024, 5);
    let file = h.upload("large.bin", &data).await;
    let (status, got) = h.fetch(file["download_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(md5_hex(&got), md5_hex(&data));
    let download = file["download_url"].as_str().unwrap();
    let (status, _) = h
        .fetch(&download.replace("/_store/files/", "/_store/filez/"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
