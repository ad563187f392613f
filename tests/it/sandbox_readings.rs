//! The other readings of the guides (`Readings`): each switch on and off,
//! over raw HTTP. Off must be the sandbox as it always was; on must show
//! in the answers or in `/_sandbox/stats`.
#![allow(clippy::unwrap_used)]

use crate::support::assets::{bytes, md5_hex};
use crate::support::harness::Harness;
use crate::support::sandbox::{config, small_parts};

use std::time::Duration;

use pxmctl::sandbox::{Readings, SandboxConfig, UploadForm};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn with(readings: Readings) -> SandboxConfig {
    SandboxConfig {
        readings,
        ..config()
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(id).collect()
}

// --- file_list_values ------------------------------------------------------

/// A file with one attribute value, linked to a collection and a category.
async fn file_with_a_value(h: &Harness) -> (String, String, String) {
    let material = id(&h
        .create("attribute", json!({ "name": "Material", "type": "Text" }))
        .await);
    let category = id(&h.create("category", json!({ "name": "Jackets" })).await);
    let collection = id(&h
        .create(
            "collection",
            json!({ "name": "Rain Jacket", "attributes": [{ "id": material, "type": "update", "value": "Nylon" }] }),
        )
        .await);
    let file = id(&h.upload("hero.jpg", b"hero").await);
    let (status, _) = h
        .put(
            &format!("/v2.1/file/{file}"),
            json!({ "parent_id": category, "collections": [{ "id": collection }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = h
        .put(
            &format!("/v2.1/attribute/file/{file}/{material}"),
            json!({ "value": "Leather" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    (file, collection, category)
}

#[tokio::test]
async fn file_values_are_in_every_file_answer_by_default() {
    let h = Harness::default().await;
    let (file, collection, category) = file_with_a_value(&h).await;
    for path in [
        "/v2.1/file".to_string(),
        format!("/v2.1/collection/{collection}/files"),
        format!("/v2.1/category/{category}/files"),
    ] {
        let (_, list) = h.get(&path).await;
        assert_eq!(list[0]["attributes"][0]["value"], "Leather", "{path}");
    }
    let (_, one) = h.get(&format!("/v2.1/file/{file}")).await;
    assert_eq!(one["attributes"][0]["value"], "Leather");
}

#[tokio::test]
async fn without_file_list_values_files_carry_none_but_the_attribute_endpoint_has_them() {
    let h = Harness::start(with(Readings {
        file_list_values: false,
        ..Readings::default()
    }))
    .await;
    let (file, collection, category) = file_with_a_value(&h).await;
    for path in [
        "/v2.1/file".to_string(),
        format!("/v2.1/collection/{collection}/files"),
        format!("/v2.1/category/{category}/files"),
        format!("/v2.1/file/{file}"),
    ] {
        let (status, body) = h.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let item = if body.is_array() { &body[0] } else { &body };
        assert_eq!(id(item), file, "{path}");
        assert!(item.get("attributes").is_none(), "{path}: {item}");
    }
    let (status, values) = h.get(&format!("/v2.1/attribute/file/{file}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(values[0]["value"], "Leather");
    // Collections (and categories) keep theirs.
    let (_, collections) = h.get("/v2.1/collection").await;
    assert_eq!(
        collections["collections"][0]["attributes"][0]["value"],
        "Nylon"
    );
}

// --- page_cap --------------------------------------------------------------

async fn five_jackets(h: &Harness) -> Vec<String> {
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(id(&h
            .create("collection", json!({ "name": format!("Jacket {n}") }))
            .await));
    }
    created
}

#[tokio::test]
async fn without_a_page_cap_limit_decides_and_v3_search_has_a_total() {
    let h = Harness::default().await;
    let all = five_jackets(&h).await;
    let (_, page) = h.get("/v2.1/collection?limit=100").await;
    assert_eq!(ids(&page["collections"]), all);
    let (_, found) = h.get("/v3/folder/search?keyword=jacket&limit=100").await;
    assert_eq!(found["total"], 5);
    assert_eq!(found["hits"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_page_cap_shortens_every_list_honours_offset_and_drops_total() {
    let h = Harness::start(with(Readings {
        page_cap: Some(2),
        ..Readings::default()
    }))
    .await;
    let all = five_jackets(&h).await;
    let (_, page) = h.get("/v2.1/collection?limit=100").await;
    assert_eq!(ids(&page["collections"]), all[..2]);
    let (_, page) = h.get("/v2.1/collection?limit=100&offset=3").await;
    assert_eq!(ids(&page["collections"]), all[3..]);
    let (_, page) = h.get("/v2.1/collection?limit=1&offset=1").await;
    assert_eq!(
        ids(&page["collections"]),
        all[1..2],
        "a smaller limit still wins"
    );
    let (_, regions) = h.get("/v2.1/region?limit=100").await;
    assert_eq!(regions.as_array().unwrap().len(), 1);
    let (_, found) = h.get("/v3/folder/search?keyword=jacket&limit=100").await;
    assert_eq!(found["hits"].as_array().unwrap().len(), 2);
    assert!(found.get("total").is_none(), "{found}");
    let (_, found) = h.get("/v2/folder/search?keyword=jacket&limit=100").await;
    assert_eq!(found.as_array().unwrap().len(), 2);
}

// --- processing_delay ------------------------------------------------------

#[tokio::test]
async fn without_a_processing_delay_a_confirmed_file_is_there_at_once() {
    let h = Harness::default().await;
    let file = id(&h.upload("a.bin", b"abc").await);
    let (status, _) = h.get(&format!("/v2.1/file/{file}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h.stats().await.get("files_processing").is_none());
}

#[tokio::test]
async fn a_just_confirmed_file_answers_404_then_200_once_processed() {
    let h = Harness::start(with(Readings {
        processing_delay: Duration::from_millis(300),
        ..Readings::default()
    }))
    .await;
    let file = id(&h.upload("a.bin", b"abc").await);
    let by_id = format!("/v2.1/file/{file}");
    assert_eq!(h.get(&by_id).await.0, StatusCode::NOT_FOUND);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = h.get(&by_id).await;
        if status == StatusCode::OK {
            assert_eq!(id(&body), file);
            break;
        }
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            tokio::time::Instant::now() < deadline,
            "never became available"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _) = h.get(&format!("/v2.1/attribute/file/{file}")).await;
    assert_eq!(status, StatusCode::OK);
    let stats = h.stats().await;
    assert!(stats.get("files_processing").is_none(), "{stats}");
    assert!(stats["requests"]["GET /v2.1/file/{id}"]["404"].as_u64() >= Some(1));
    assert_eq!(h.delete(&by_id).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_processing_file_is_404_on_every_by_id_route_but_listed() {
    // Long enough that the test never sees it end.
    let h = Harness::start(with(Readings {
        processing_delay: Duration::from_secs(600),
        ..Readings::default()
    }))
    .await;
    let attribute = id(&h
        .create("attribute", json!({ "name": "Material", "type": "Text" }))
        .await);
    let file = id(&h.upload("a.bin", b"abc").await);
    let by_id = format!("/v2.1/file/{file}");
    let values = format!("/v2.1/attribute/file/{file}");
    let value = format!("{values}/{attribute}");
    let answers = [
        h.get(&by_id).await,
        h.put(&by_id, json!({ "region_ids": [] })).await,
        h.delete(&by_id).await,
        h.get(&values).await,
        h.put(&value, json!({ "value": "Nylon" })).await,
        h.get(&value).await,
        h.delete(&value).await,
    ];
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"], format!("file `{file}` not found"));
    }
    let (_, listed) = h.get("/v2.1/file").await;
    assert_eq!(ids(&listed), std::slice::from_ref(&file), "listed");
    let (_, found) = h.get("/v3/file/search?keyword=a.bin").await;
    assert_eq!(found["total"], 1);
    assert_eq!(h.stats().await["files_processing"], 1);
    assert_eq!(h.sandbox.stats().files_processing, 1);
}

// --- strict_dates ----------------------------------------------------------

async fn date_answers(h: &Harness) -> Vec<(StatusCode, Value)> {
    let mut answers = Vec::new();
    for filter in [
        "created_start_date",
        "created_end_date",
        "updated_start_date",
        "updated_end_date",
    ] {
        answers.push(
            h.get(&format!("/v2.1/file?{filter}=2025-01-01T00:00:00Z"))
                .await,
        );
        answers.push(h.get(&format!("/v2.1/file?{filter}=2025-01-01")).await);
    }
    let bare = json!({ "name": "A", "published": true, "published_start_date": "2025-01-01" });
    answers.push(h.post("/v2.1/collection", bare).await);
    let full = json!({ "name": "B", "published": true, "published_start_date": "2025-01-01T00:00:00Z",
                       "published_end_date": "2026-01-01" });
    answers.push(h.post("/v2.1/collection", full).await);
    let upload = h.request_upload("v3", "a.bin", 3).await;
    let mut confirm = h.send_bytes(&upload, b"abc").await;
    confirm["metadata"] = json!({ "published": true, "published_start_date": "2026-01-21" });
    answers.push(h.post("/v3/file/confirm-upload", confirm).await);
    answers
}

#[tokio::test]
async fn dates_are_taken_in_either_form_by_default() {
    let h = Harness::default().await;
    for (status, body) in date_answers(&h).await {
        assert!(status.is_success(), "{status} {body}");
    }
}

#[tokio::test]
async fn strict_dates_refuse_date_times_in_filters_and_bare_published_dates() {
    let h = Harness::start(with(Readings {
        strict_dates: true,
        ..Readings::default()
    }))
    .await;
    let answers = date_answers(&h).await;
    let filters = [
        "created_start_date",
        "created_end_date",
        "updated_start_date",
        "updated_end_date",
    ];
    for (i, filter) in filters.iter().enumerate() {
        let (status, body) = &answers[2 * i];
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{filter}");
        assert_eq!(body["field"], *filter);
        assert_eq!(
            answers[2 * i + 1].0,
            StatusCode::OK,
            "{filter} takes YYYY-MM-DD"
        );
    }
    let fields: Vec<&Value> = answers[8..].iter().map(|(_, b)| &b["field"]).collect();
    assert_eq!(
        answers[8..].iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [StatusCode::BAD_REQUEST; 3]
    );
    assert_eq!(
        fields,
        [
            "published_start_date",
            "published_end_date",
            "published_start_date"
        ]
    );
    let full =
        json!({ "name": "C", "published": true, "published_start_date": "2025-01-01T00:00:00Z" });
    assert_eq!(
        h.post("/v2.1/collection", full).await.0,
        StatusCode::CREATED
    );
}

// --- file_delete -----------------------------------------------------------

#[tokio::test]
async fn file_delete_is_405_with_the_usual_error_body_when_off() {
    let on = Harness::default().await;
    let file = id(&on.upload("a.bin", b"abc").await);
    assert_eq!(
        on.delete(&format!("/v2.1/file/{file}")).await.0,
        StatusCode::NO_CONTENT
    );

    let off = Harness::start(with(Readings {
        file_delete: false,
        ..Readings::default()
    }))
    .await;
    let file = id(&off.upload("a.bin", b"abc").await);
    let response = off
        .http
        .delete(off.url(&format!("/v2.1/file/{file}")))
        .bearer_auth(&off.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, PUT");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(
        off.get(&format!("/v2.1/file/{file}")).await.0,
        StatusCode::OK
    );
    let category = id(&off.create("category", json!({ "name": "A" })).await);
    assert_eq!(
        off.delete(&format!("/v2.1/category/{category}")).await.0,
        StatusCode::NO_CONTENT,
        "other kinds still delete"
    );
    assert_eq!(
        off.stats().await["requests"]["DELETE /v2.1/file/{id}"]["405"],
        1
    );
}

// --- upload_form -----------------------------------------------------------

const BOUNDARY: &str = "pxmctl-test-7d3f";

/// A `multipart/form-data` body: `fields` in order, then the file, then `after`.
fn form_body(fields: &[(String, String)], file: &[u8], after: &[(&str, &str)]) -> Vec<u8> {
    fn text(body: &mut Vec<u8>, name: &str, value: &str) {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let mut body = Vec::new();
    for (name, value) in fields {
        text(&mut body, name, value);
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n");
    for (name, value) in after {
        text(&mut body, name, value);
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Form fields in order.
type Form = Vec<(String, String)>;

fn fields_of(upload: &Value) -> Form {
    upload["upload_data"]["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// POSTs a form body to `url`: status, ETag, body text.
async fn post_form(h: &Harness, url: &str, body: Vec<u8>) -> (StatusCode, Option<String>, String) {
    let response = h
        .http
        .post(url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    (response.status(), etag, response.text().await.unwrap())
}

fn post_readings() -> SandboxConfig {
    SandboxConfig {
        readings: Readings {
            upload_form: UploadForm::Post,
            ..Readings::default()
        },
        // Small enough that the file below would be multipart under PUT.
        uploads: small_parts(),
        ..config()
    }
}

#[tokio::test]
async fn a_post_form_upload_round_trips_and_confirms_with_its_etag() {
    let h = Harness::start(post_readings()).await;
    let data = bytes(100_000, 9);
    let (status, upload) = h
        .post(
            "/v3/file/request-upload",
            json!({ "filename": "big.jpg", "file_name": "big.jpg", "mime_type": "image/jpeg", "size": data.len() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let d = &upload["upload_data"];
    assert_eq!(d["upload_type"], "post", "no multipart in POST mode: {d}");
    assert!(d.get("parts").is_none() && d.get("upload_id").is_none());
    assert_eq!(d["file_name"], "big.jpg");
    let url = d["upload_url"].as_str().unwrap();
    assert_eq!(url, h.url("/_store/pxm-uploads"));
    let fields = d["fields"].as_object().unwrap();
    assert_eq!(fields["key"], d["file_path"]);
    assert_eq!(fields["Content-Type"], "image/jpeg");
    assert!(fields["x-sandbox-signature"].is_string());
    let policy: Value =
        serde_json::from_slice(&base64_decode(fields["policy"].as_str().unwrap())).unwrap();
    assert!(policy["expiration"].is_string(), "{policy}");
    assert!(
        policy["conditions"].as_array().unwrap().contains(&json!([
            "content-length-range",
            data.len(),
            data.len()
        ])),
        "{policy}"
    );

    // Parts after the file are ignored, as S3 does.
    let body = form_body(&fields_of(&upload), &data, &[("key", "elsewhere")]);
    let (status, etag, text) = post_form(&h, url, body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    let etag = etag.unwrap();
    assert_eq!(etag, format!("\"{}\"", md5_hex(&data)));

    let confirm =
        json!({ "file_path": d["file_path"], "file_name": "big.jpg", "file_size": data.len() });
    let (status, missing) = h.post("/v3/file/confirm-upload", confirm.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(missing["field"], "etag");
    let mut wrong = confirm.clone();
    wrong["etag"] = json!(md5_hex(b"other"));
    let (status, body) = h.post("/v3/file/confirm-upload", wrong).await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("etag"))
    );
    let mut good = confirm;
    good["etag"] = json!(etag);
    let (status, file) = h.post("/v3/file/confirm-upload", good).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["size"], data.len());
    assert_eq!(file["mime_type"], "image/jpeg");
    let (status, got) = h.fetch(file["download_url"].as_str().unwrap()).await;
    assert_eq!((status, got), (StatusCode::OK, data));
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["POST /_store/{*key}"]["204"], 1);
    assert_eq!(stats["uploads_pending"], 0);
}

#[tokio::test]
async fn a_post_form_confirms_with_a_bare_etag_too() {
    let h = Harness::start(post_readings()).await;
    let upload = h.request_upload("v2.1", "a.txt", 3).await;
    let d = &upload["upload_data"];
    let (status, etag, _) = post_form(
        &h,
        d["upload_url"].as_str().unwrap(),
        form_body(&fields_of(&upload), b"abc", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let bare = etag.unwrap().trim_matches('"').to_string();
    let (status, file) = h
        .post(
            "/v2.1/file/confirm-upload",
            json!({ "file_path": d["file_path"], "file_name": "a.txt", "file_size": 3, "etag": bare }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
}

#[tokio::test]
async fn a_post_form_with_a_changed_missing_or_extra_field_or_a_bad_signature_is_403() {
    let h = Harness::start(post_readings()).await;
    let upload = h.request_upload("v3", "a.txt", 3).await;
    let url = upload["upload_data"]["upload_url"].as_str().unwrap();
    let fields = fields_of(&upload);
    let changed = |name: &str, value: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| {
                let v = if k == name {
                    value.to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect()
    };
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "changed key",
            changed("key", "s3path/temp/other/a.txt"),
            "AccessDenied",
        ),
        (
            "changed content type",
            changed("Content-Type", "text/html"),
            "AccessDenied",
        ),
        (
            "missing key",
            fields.iter().filter(|(k, _)| k != "key").cloned().collect(),
            "AccessDenied",
        ),
        (
            "extra field",
            [fields.clone(), vec![("acl".into(), "public-read".into())]].concat(),
            "AccessDenied",
        ),
        (
            "bad signature",
            changed("x-sandbox-signature", &"0".repeat(64)),
            "SignatureDoesNotMatch",
        ),
        (
            "missing policy",
            fields
                .iter()
                .filter(|(k, _)| k != "policy")
                .cloned()
                .collect(),
            "AccessDenied",
        ),
    ];
    for (case, form, code) in cases {
        let (status, _, text) = post_form(&h, url, form_body(&form, b"abc", &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{case}: {text}");
        assert!(
            text.contains(&format!("<Code>{code}</Code>")),
            "{case}: {text}"
        );
    }
    // A field after the file does not count: `key` is then missing.
    let without_key: Vec<(String, String)> =
        fields.iter().filter(|(k, _)| k != "key").cloned().collect();
    let key = fields.iter().find(|(k, _)| k == "key").unwrap().1.clone();
    let (status, _, _) =
        post_form(&h, url, form_body(&without_key, b"abc", &[("key", &key)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(h.stats().await["requests"]["POST /_store/{*key}"]["403"], 7);
    // Nothing was stored.
    let confirm = json!({ "file_path": upload["upload_data"]["file_path"], "file_name": "a.txt", "file_size": 3, "etag": md5_hex(b"abc") });
    assert_eq!(
        h.post("/v3/file/confirm-upload", confirm).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_post_form_file_outside_the_policy_size_is_400() {
    let h = Harness::start(post_readings()).await;
    let upload = h.request_upload("v3", "a.txt", 3).await;
    let url = upload["upload_data"]["upload_url"].as_str().unwrap();
    let fields = fields_of(&upload);
    for (data, code) in [
        (b"ab".as_slice(), "EntityTooSmall"),
        (b"abcd".as_slice(), "EntityTooLarge"),
    ] {
        let (status, _, text) = post_form(&h, url, form_body(&fields, data, &[])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains(&format!("<Code>{code}</Code>")), "{text}");
    }
    let (status, _, text) = post_form(&h, url, b"not a form".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
}

#[tokio::test]
async fn presigned_put_mode_has_no_form_and_no_store_post() {
    let h = Harness::default().await;
    let upload = h.request_upload("v3", "a.txt", 3).await;
    assert_eq!(upload["upload_data"]["upload_type"], "single");
    assert!(upload["upload_data"].get("fields").is_none());
    let response = h
        .http
        .post(h.url("/_store/pxm-uploads"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // A PUT upload's confirm needs no `etag`.
    let file = h.upload("b.txt", b"abc").await;
    assert_eq!(file["size"], 3);
}

// --- strict ----------------------------------------------------------------

#[tokio::test]
async fn the_strict_profile_turns_every_switch() {
    let h = Harness::start(with(Readings::strict())).await;
    let upload = h.request_upload("v3", "a.txt", 3).await;
    let d = &upload["upload_data"];
    assert_eq!(d["upload_type"], "post");
    let (status, etag, _) = post_form(
        &h,
        d["upload_url"].as_str().unwrap(),
        form_body(&fields_of(&upload), b"abc", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let confirm = json!({ "file_path": d["file_path"], "file_name": "a.txt", "file_size": 3,
                          "etag": etag.unwrap(),
                          "metadata": { "published": true, "published_start_date": "2026-01-21T00:00:00Z" } });
    let (status, file) = h.post("/v3/file/confirm-upload", confirm).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert!(file.get("attributes").is_none());
    let by_id = format!("/v2.1/file/{}", id(&file));
    assert_eq!(h.get(&by_id).await.0, StatusCode::NOT_FOUND, "processing");
    assert_eq!(h.delete(&by_id).await.0, StatusCode::METHOD_NOT_ALLOWED);
    let (_, listed) = h.get("/v2.1/file?updated_start_date=2025-01-01").await;
    assert!(listed[0].get("attributes").is_none(), "{listed}");
    let (status, body) = h
        .get("/v2.1/file?updated_start_date=2025-01-01T00:00:00Z")
        .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("updated_start_date"))
    );
    for n in 0..21 {
        h.create("category", json!({ "name": format!("C{n}") }))
            .await;
    }
    let (_, page) = h.get("/v2.1/category?limit=100").await;
    assert_eq!(page.as_array().unwrap().len(), 20);
    let (_, found) = h.get("/v3/file/search?keyword=a").await;
    assert!(found.get("total").is_none(), "{found}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
