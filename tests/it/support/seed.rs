//! Accounts to seed a sandbox with: regions alone, or one with every
//! kind of object; and [`obj`], the JSON object a seed entry is.

use pxmctl::sandbox::Seed;
use serde_json::{Map, Value, json};

/// `v`, which must be a JSON object, as a seed entry.
pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// An account holding the regions `names` as `r0`, `r1`, ..., the first
/// of them primary.
pub fn regions(names: &[&str]) -> Seed {
    let mut s = Seed::default();
    for (i, name) in names.iter().enumerate() {
        s.regions.push(obj(
            json!({"id": format!("r{i}"), "name": name, "is_primary": i == 0}),
        ));
    }
    s
}

/// An account with every kind: 3 regions, 6 attributes, 2 groups,
/// `categories` categories (a few nested), `collections` collections
/// (parents with variants, several in more than one category), files
/// linked to collections, and resources on categories and collections.
pub fn every_kind(categories: usize, collections: usize) -> Seed {
    let mut s = regions(&["United States", "Canada", "Germany"]);
    let types = ["Text", "Date", "List", "Pick List", "Boolean", "Number"];
    for (i, t) in types.iter().enumerate() {
        let mut a = json!({"id": format!("a{i}"), "name": format!("Attr {t}"), "type": t});
        if *t == "Pick List" {
            a["options"] = json!(["Red", "Blue"]);
        }
        s.attributes.push(obj(a));
    }
    s.attribute_groups.push(obj(
        json!({"id": "g0", "name": "Basics", "attributes": ["a0", "a5"]}),
    ));
    s.attribute_groups.push(obj(
        json!({"id": "g1", "name": "Looks", "attributes": ["a3"]}),
    ));
    for i in 0..categories {
        let mut c = json!({"id": format!("cat{i}"), "name": format!("Category {i}")});
        if i >= 3 {
            c["parent_id"] = json!(format!("cat{}", i % 3));
        }
        s.categories.push(obj(c));
    }
    for i in 0..collections {
        let mut c = json!({
            "id": format!("col{i}"),
            "name": format!("Product {i}"),
            "parent_id": format!("cat{}", i % categories),
            "additional_title": format!("SKU-{i:05}"),
        });
        if i % 10 == 0 {
            c["collection_type"] = json!("parent");
        } else if i % 10 < 3 {
            c["collection_type"] = json!("variant");
            c["parent_topic_id"] = json!(format!("col{}", i - i % 10));
        }
        if i % 7 == 0 {
            c["direct_parent"] = json!([format!("cat{}", (i + 1) % categories)]);
            c["region_ids"] = json!(["r0", "r2"]);
        }
        s.collections.push(obj(c));
    }
    for i in 0..collections / 5 {
        s.files.push(obj(json!({
            "id": format!("f{i}"),
            "file_name": format!("image-{i}.jpg"),
            "mime_type": "image/jpeg",
            "size": 1000 + i,
            "collections": [{"id": format!("col{}", i * 5)}],
        })));
    }
    s.resources.push(obj(json!({"id": "res0", "description": "Care", "link": "https://example.com/care", "category_id": "cat0"})));
    s.resources.push(obj(json!({"id": "res1", "description": "Spec", "link": "https://example.com/spec", "collections": ["col1", "col2"]})));
    s
}
