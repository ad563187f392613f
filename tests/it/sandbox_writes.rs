//! Create, update and delete as the guide describes them: PUT replaces
//! array fields wholesale and leaves omitted fields alone; the documented
//! validation rules; attribute values; timestamps; deletes.
#![allow(clippy::unwrap_used)]

use crate::support::harness::Harness;

use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn put_replaces_arrays_wholesale_and_leaves_omitted_fields_alone() {
    let h = Harness::default().await;
    let c1 = id(&h.create("category", json!({ "name": "One" })).await);
    let c2 = id(&h.create("category", json!({ "name": "Two" })).await);
    let c3 = id(&h.create("category", json!({ "name": "Three" })).await);
    let col = h
        .create(
            "collection",
            json!({ "name": "Jacket", "additional_title": "SKU-1", "direct_parent": [c1, c2] }),
        )
        .await;
    let path = format!("/v2.1/collection/{}", id(&col));
    let (status, updated) = h.put(&path, json!({ "direct_parent": [c3] })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["direct_parent"], json!([c3]));
    assert_eq!(updated["name"], "Jacket");
    assert_eq!(updated["additional_title"], "SKU-1");
    let (_, fresh) = h.get(&path).await;
    assert_eq!(fresh["direct_parent"], json!([c3]));
    assert_eq!(fresh["additional_title"], "SKU-1");

    // region_ids too: a PUT with one region leaves only that region.
    let seeded_primary = h.primary_region().await;
    assert_eq!(fresh["region_ids"], json!([seeded_primary]));
    let (_, renamed) = h.put(&path, json!({ "name": "Rain Jacket" })).await;
    assert_eq!(
        renamed["direct_parent"],
        json!([c3]),
        "omitted arrays are untouched"
    );
    assert_eq!(renamed["region_ids"], json!([seeded_primary]));
}

#[tokio::test]
async fn a_files_collections_and_attribute_values_are_replaced_wholesale() {
    let h = Harness::default().await;
    let a = id(&h.create("collection", json!({ "name": "A" })).await);
    let b = id(&h.create("collection", json!({ "name": "B" })).await);
    let color = id(&h
        .create(
            "attribute",
            json!({ "name": "Color", "type": "Pick List", "options": ["Red", "Blue"] }),
        )
        .await);
    let size = id(&h
        .create("attribute", json!({ "name": "Size", "type": "number" }))
        .await);
    let file = h.upload("a.txt", b"hello").await;
    let path = format!("/v2.1/file/{}", id(&file));
    h.put(&path, json!({ "collections": [{ "id": a }, { "id": b }] }))
        .await;
    let (_, one) = h.put(&path, json!({ "collections": [{ "id": b }] })).await;
    assert_eq!(one["collections"], json!([{ "id": b }]));

    let col = format!("/v2.1/collection/{a}");
    let (status, _) = h
        .put(
            &col,
            json!({ "attributes": [
            { "id": color, "type": "update", "value": "Red" },
            { "id": size, "type": "update", "value": 42 }
        ] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = h
        .put(
            &col,
            json!({ "attributes": [{ "id": size, "type": "update", "value": 44 }] }),
        )
        .await;
    let values = after["attributes"].as_array().unwrap();
    assert_eq!(
        values.len(),
        1,
        "values not in the array are cleared: {after}"
    );
    assert_eq!(values[0]["value"], 44);
    let (_, cleared) = h
        .put(
            &col,
            json!({ "attributes": [{ "id": size, "type": "delete" }] }),
        )
        .await;
    assert_eq!(cleared["attributes"], json!([]));
    let (_, via_entity) = h.get(&format!("/v2.1/attribute/collection/{a}")).await;
    assert_eq!(via_entity, json!([]));
}

#[tokio::test]
async fn the_per_attribute_update_sets_one_value_and_keeps_the_others() {
    let h = Harness::default().await;
    let color = id(&h
        .create("attribute", json!({ "name": "Color", "type": "Text" }))
        .await);
    let material = id(&h
        .create("attribute", json!({ "name": "Material", "type": "Text" }))
        .await);
    let col = id(&h
        .create("collection", json!({ "name": "Jacket", "attributes": [{ "id": color, "type": "update", "value": "Red" }] }))
        .await);
    let (status, values) = h
        .put(
            &format!("/v2.1/attribute/collection/{col}/{material}"),
            json!({ "value": "Nylon" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(values.as_array().unwrap().len(), 2);
    let (_, got) = h.get(&format!("/v2.1/attribute/collection/{col}")).await;
    let by_name: Vec<(&str, &str)> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["value"].as_str().unwrap()))
        .collect();
    assert!(by_name.contains(&("Color", "Red")) && by_name.contains(&("Material", "Nylon")));
    let (status, _) = h.get("/v2.1/attribute/widget/x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn name_is_required_on_create_with_a_message_naming_the_field() {
    let h = Harness::default().await;
    for segment in ["category", "collection", "attribute", "attribute-group"] {
        let (status, body) = h
            .post(&format!("/v2.1/{segment}"), json!({ "parent_id": null }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{segment}");
        assert_eq!(body["field"], "name", "{segment}: {body}");
        assert!(body["error"].as_str().unwrap().contains("name"));
    }
    let (status, body) = h
        .post("/v2.1/resource", json!({ "description": "Spec" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "link");
    let (status, body) = h
        .post("/v2.1/category", json!(["not", "an", "object"]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = h
        .post(
            "/v2.1/attribute",
            json!({ "name": "Weird", "type": "Colour" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_variant_needs_an_existing_parent_collection() {
    let h = Harness::default().await;
    let standalone = id(&h.create("collection", json!({ "name": "Loose" })).await);
    let parent = id(&h
        .create(
            "collection",
            json!({ "name": "Family", "collection_type": "parent" }),
        )
        .await);
    let (status, body) = h
        .post(
            "/v2.1/collection",
            json!({ "name": "V", "collection_type": "variant" }),
        )
        .await;
    assert_eq!(
        (status, body["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("parent_topic_id"))
    );
    let (status, _) = h
        .post(
            "/v2.1/collection",
            json!({ "name": "V", "collection_type": "variant", "parent_topic_id": "missing" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h
        .post(
            "/v2.1/collection",
            json!({ "name": "V", "collection_type": "variant", "parent_topic_id": standalone }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the parent must have collection_type parent"
    );
    let variant = h
        .create(
            "collection",
            json!({ "name": "V", "collection_type": "variant", "parent_topic_id": parent }),
        )
        .await;
    assert_eq!(variant["parent_topic_id"], json!(parent));
    // The parent cannot go while a variant hangs from it.
    let (status, _) = h.delete(&format!("/v2.1/collection/{parent}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn published_true_needs_a_published_start_date() {
    let h = Harness::default().await;
    let (status, body) = h
        .post(
            "/v2.1/collection",
            json!({ "name": "P", "published": true }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "published_start_date");
    let ok = h
        .create("collection", json!({ "name": "P", "published": true, "published_start_date": "2025-01-01T00:00:00Z" }))
        .await;
    let (status, _) = h
        .put(
            &format!("/v2.1/collection/{}", id(&ok)),
            json!({ "published_start_date": null }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h
        .put(
            &format!("/v2.1/collection/{}", id(&ok)),
            json!({ "published_start_date": "soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn references_and_attribute_ops_must_name_existing_objects_and_fit_their_type() {
    let h = Harness::default().await;
    let col = id(&h.create("collection", json!({ "name": "C" })).await);
    let path = format!("/v2.1/collection/{col}");
    for body in [
        json!({ "direct_parent": ["no-such-category"] }),
        json!({ "region_ids": ["no-such-region"] }),
        json!({ "parent_id": "no-such-category" }),
        json!({ "attributes": [{ "id": "no-such-attribute", "type": "update", "value": "x" }] }),
    ] {
        let (status, answer) = h.put(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
    }
    let number = id(&h
        .create("attribute", json!({ "name": "Weight", "type": "Number" }))
        .await);
    for op in [
        json!({ "id": number, "type": "update", "value": "heavy" }),
        json!({ "id": number, "type": "update" }),
        json!({ "id": number, "type": "replace", "value": 1 }),
    ] {
        let (status, _) = h.put(&path, json!({ "attributes": [op.clone()] })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{op}");
    }
}

#[tokio::test]
async fn objects_carry_timestamps_and_default_to_the_primary_region() {
    let h = Harness::default().await;
    let primary = h.primary_region().await;
    let col = h.create("collection", json!({ "name": "T" })).await;
    assert_eq!(col["region_ids"], json!([primary]));
    let created = col["created_at"].as_str().unwrap().to_string();
    assert!(created.parse::<jiff::Timestamp>().is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (_, after) = h
        .put(
            &format!("/v2.1/collection/{}", id(&col)),
            json!({ "name": "T2" }),
        )
        .await;
    assert_eq!(after["created_at"], json!(created));
    assert!(after["updated_at"].as_str().unwrap() > created.as_str());
}

#[tokio::test]
async fn delete_answers_204_then_404_and_unlinks_what_pointed_at_it() {
    let h = Harness::default().await;
    let cat = id(&h.create("category", json!({ "name": "Gone" })).await);
    let keep = id(&h.create("category", json!({ "name": "Kept" })).await);
    let col = id(&h
        .create(
            "collection",
            json!({ "name": "C", "direct_parent": [cat, keep] }),
        )
        .await);
    let res = id(&h.create("resource", json!({ "description": "Spec", "link": "https://example.com/s.pdf", "category_id": cat })).await);
    let (status, _) = h.delete(&format!("/v2.1/category/{cat}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = h.get(&format!("/v2.1/category/{cat}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, c) = h.get(&format!("/v2.1/collection/{col}")).await;
    assert_eq!(c["direct_parent"], json!([keep]));
    let (_, r) = h.get(&format!("/v2.1/resource/{res}")).await;
    assert_eq!(r["category_id"], Value::Null);
    let (status, _) = h.delete(&format!("/v2.1/category/{cat}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let child_parent = id(&h.create("category", json!({ "name": "Parent" })).await);
    h.create(
        "category",
        json!({ "name": "Child", "parent_id": child_parent }),
    )
    .await;
    let (status, _) = h.delete(&format!("/v2.1/category/{child_parent}")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a category with children stays"
    );
}

#[tokio::test]
async fn attribute_groups_and_resources_round_trip() {
    let h = Harness::default().await;
    let attr = id(&h
        .create("attribute", json!({ "name": "Material", "type": "text" }))
        .await);
    let group = h
        .create(
            "attribute-group",
            json!({ "name": "Fabric", "attributes": [attr] }),
        )
        .await;
    assert_eq!(group["attributes"], json!([attr]));
    let col = id(&h.create("collection", json!({ "name": "C" })).await);
    let res = h
        .create("resource", json!({ "description": "Assembly", "link": "https://example.com/a.pdf", "collections": [col] }))
        .await;
    let (_, got) = h.get(&format!("/v2.1/resource/{}", id(&res))).await;
    assert_eq!(got["collections"], json!([col]));
    assert_eq!(got["link"], "https://example.com/a.pdf");
    let (_, attrs) = h.get(&format!("/v2.1/attribute/{attr}")).await;
    assert_eq!(attrs["type"], "Text");
}
