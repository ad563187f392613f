//! List endpoints: the differing shapes, pagination (default 20), the
//! documented filters, trimmed/metadata_only, search v2/v3, and the files
//! of a category or collection.
#![allow(clippy::unwrap_used)]

use crate::support::harness::Harness;
use crate::support::sandbox::config;

use pxmctl::sandbox::{SandboxConfig, Seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn list_shapes_differ_by_endpoint_as_the_guide_says() {
    let h = Harness::default().await;
    h.create("category", json!({ "name": "Apparel" })).await;
    h.create("collection", json!({ "name": "Rain Jacket" }))
        .await;
    h.create("attribute", json!({ "name": "Material", "type": "Text" }))
        .await;
    for raw in [
        "/v2.1/category",
        "/v2.1/file",
        "/v2.1/attribute",
        "/v2.1/region",
        "/v2.1/attribute-group",
        "/v2.1/resource",
    ] {
        let (status, body) = h.get(raw).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.is_array(), "{raw} answers a raw array: {body}");
    }
    let (_, collections) = h.get("/v2.1/collection").await;
    assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
    let (_, v3) = h.get("/v3/folder/search?keyword=rain").await;
    assert_eq!(v3["total"], 1);
    assert_eq!(v3["hits"][0]["name"], "Rain Jacket");
    let (_, v2) = h.get("/v2/folder/search?keyword=rain").await;
    assert!(v2.is_array(), "v2 search has no total: {v2}");
    assert_eq!(v2[0]["name"], "Rain Jacket");
    let (_, regions) = h.get("/v2.1/region").await;
    assert_eq!(
        regions
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["is_primary"] == true)
            .count(),
        1
    );
}

#[tokio::test]
async fn pages_default_to_20_and_limit_offset_walk_to_a_short_last_page() {
    let h = Harness::default().await;
    for i in 0..45 {
        h.create("category", json!({ "name": format!("c{i:02}") }))
            .await;
    }
    let (_, first) = h.get("/v2.1/category").await;
    assert_eq!(first.as_array().unwrap().len(), 20);
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (_, page) = h
            .get(&format!("/v2.1/category?limit=20&offset={offset}"))
            .await;
        let n = page.as_array().unwrap().len();
        seen.extend(ids(&page));
        if n < 20 {
            break;
        }
        offset += 20;
    }
    assert_eq!(seen.len(), 45);
    seen.dedup();
    assert_eq!(seen.len(), 45);
    let (status, _) = h.get("/v2.1/category?limit=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ids_region_and_parent_filters_select_the_right_objects() {
    let h = Harness::default().await;
    let primary = h.primary_region().await;
    let cat = h.create("category", json!({ "name": "Jackets" })).await;
    let other = h.create("category", json!({ "name": "Sale" })).await;
    let a = h
        .create("collection", json!({ "name": "A", "parent_id": cat["id"] }))
        .await;
    let b = h
        .create(
            "collection",
            json!({ "name": "B", "direct_parent": [other["id"]] }),
        )
        .await;
    let c = h
        .create("collection", json!({ "name": "C", "region_ids": [] }))
        .await;
    let (_, by_ids) = h
        .get(&format!(
            "/v2.1/collection?ids={},{}",
            a["id"].as_str().unwrap(),
            c["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&by_ids["collections"]).len(), 2);
    let (_, by_region) = h
        .get(&format!("/v2.1/collection?region_ids={primary}"))
        .await;
    let got = ids(&by_region["collections"]);
    assert!(
        got.contains(&a["id"].as_str().unwrap().to_string())
            && !got.contains(&c["id"].as_str().unwrap().to_string())
    );
    let (_, by_parent) = h
        .get(&format!(
            "/v2.1/collection?parent_id={}",
            cat["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        ids(&by_parent["collections"]),
        vec![a["id"].as_str().unwrap().to_string()]
    );
    let (_, by_direct) = h
        .get(&format!(
            "/v2.1/collection?parent_id={}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        ids(&by_direct["collections"]),
        vec![b["id"].as_str().unwrap().to_string()]
    );
}

#[tokio::test]
async fn created_and_updated_date_filters_use_the_object_timestamps() {
    let seed = Seed::from_yaml(
        r#"
categories:
  - { id: old, name: Old, created_at: "2024-01-10T08:00:00Z", updated_at: "2024-01-10T08:00:00Z" }
  - { id: mid, name: Mid, created_at: "2024-06-15T12:00:00Z", updated_at: "2025-02-01T00:00:00Z" }
  - { id: new, name: New, created_at: "2025-03-01T00:00:00Z", updated_at: "2025-03-01T00:00:00Z" }
"#,
        "test",
    )
    .unwrap();
    let h = Harness::start(SandboxConfig {
        seed: Some(seed),
        ..config()
    })
    .await;
    let (_, a) = h
        .get("/v2.1/category?created_start_date=2024-06-15&created_end_date=2024-06-15")
        .await;
    assert_eq!(ids(&a), vec!["mid"]);
    let (_, b) = h.get("/v2.1/category?updated_start_date=2025-01-01").await;
    assert_eq!(ids(&b), vec!["mid", "new"]);
    let (_, c) = h
        .get("/v2.1/category?updated_end_date=2024-12-31T23:59:59Z")
        .await;
    assert_eq!(ids(&c), vec!["old"]);
    let (status, _) = h.get("/v2.1/category?created_start_date=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, one) = h.get("/v2.1/category/mid").await;
    assert_eq!(one["created_at"], "2024-06-15T12:00:00Z");
}

#[tokio::test]
async fn lists_carry_what_a_client_needs_unless_trimmed_or_metadata_only() {
    let h = Harness::default().await;
    let attr = h
        .create(
            "attribute",
            json!({ "name": "pxmctl_sha256", "type": "Text" }),
        )
        .await;
    let col = h
        .create("collection", json!({ "name": "Rain Jacket" }))
        .await;
    let file = h.upload("hero.jpg", b"jpeg bytes").await;
    let (status, _) = h
        .put(
            &format!("/v2.1/file/{}", file["id"].as_str().unwrap()),
            json!({ "collections": [{ "id": col["id"] }], "attributes": [{ "id": attr["id"], "type": "update", "value": "abc123" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, files) = h.get("/v2.1/file").await;
    let f = &files[0];
    assert_eq!(f["file_name"], "hero.jpg");
    assert_eq!(f["size"], 10);
    assert!(f["mime_type"].is_string());
    assert_eq!(f["collections"], json!([{ "id": col["id"] }]));
    assert_eq!(f["region_ids"], json!([h.primary_region().await]));
    assert_eq!(f["attributes"][0]["id"], attr["id"]);
    assert_eq!(f["attributes"][0]["name"], "pxmctl_sha256");
    assert_eq!(f["attributes"][0]["value"], "abc123");
    let (_, trimmed) = h.get("/v2.1/file?trimmed=true").await;
    assert!(trimmed[0].get("attributes").is_none() && trimmed[0].get("collections").is_none());
    assert_eq!(trimmed[0]["id"], file["id"]);

    let (status, _) = h
        .put(
            &format!("/v2.1/collection/{}", col["id"].as_str().unwrap()),
            json!({ "attributes": [{ "id": attr["id"], "type": "update", "value": "x" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, full) = h.get("/v2.1/collection").await;
    assert_eq!(full["collections"][0]["attributes"][0]["value"], "x");
    let (_, meta) = h.get("/v2.1/collection?metadata_only=true").await;
    assert!(meta["collections"][0].get("attributes").is_none());
    assert_eq!(meta["collections"][0]["name"], "Rain Jacket");
}

#[tokio::test]
async fn files_of_a_category_or_collection_and_file_search() {
    let h = Harness::default().await;
    let cat = h.create("category", json!({ "name": "Docs" })).await;
    let col = h.create("collection", json!({ "name": "Boot" })).await;
    let a = h.upload("boot-manual.pdf", b"%PDF-1.7").await;
    let b = h.upload("boot-hero.png", b"png").await;
    h.put(
        &format!("/v2.1/file/{}", a["id"].as_str().unwrap()),
        json!({ "parent_id": cat["id"] }),
    )
    .await;
    h.put(
        &format!("/v2.1/file/{}", b["id"].as_str().unwrap()),
        json!({ "collections": [col["id"]] }),
    )
    .await;
    let (_, in_cat) = h
        .get(&format!(
            "/v2.1/category/{}/files",
            cat["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&in_cat), vec![a["id"].as_str().unwrap().to_string()]);
    let (_, in_col) = h
        .get(&format!(
            "/v2.1/collection/{}/files",
            col["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&in_col), vec![b["id"].as_str().unwrap().to_string()]);
    let (_, by_col) = h
        .get(&format!(
            "/v2.1/file?collection_ids={}",
            col["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&by_col), vec![b["id"].as_str().unwrap().to_string()]);
    let (_, found) = h.get("/v3/file/search?keyword=MANUAL").await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["hits"][0]["file_name"], "boot-manual.pdf");
    let (status, _) = h.get("/v2.1/category/nope/files").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
