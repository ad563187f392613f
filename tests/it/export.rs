//! `pxmctl export` against the in-process sandbox: an account with every
//! kind becomes a catalog that loads without a single diagnostic, keys are
//! readable and unique where names collide, the same account always gives
//! the same bytes, assets download byte for byte, pxmctl's hash attribute
//! stays out, and the CLI will not write over an existing catalog unless
//! told to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::assets::png;
use crate::support::cli::{self, Pxmctl};
use crate::support::connection::client;
use crate::support::harness::Harness;
use crate::support::sandbox::{seeded, start};

use std::collections::BTreeMap;
use std::path::Path;

use pxmctl::catalog::model::{
    AttributeValue, Catalog, Entries, Entry, Family, Publishing, ResourceOwner, SortedMap,
    SortedSet,
};
use pxmctl::export::download::download_all;
use pxmctl::export::write::write_files;
use pxmctl::export::{Export, ExportOptions, export};
use pxmctl::remote::LiveSnapshot;
use pxmctl::remote::retry::RetryPolicy;
use pxmctl::render::diagnostics::short;
use pxmctl::sandbox::{FaultConfig, RunningSandbox, SandboxConfig, Seed};
use serde_json::json;

/// An account with every kind and the collisions export must untangle:
/// two regions named Europe, three categories named Sale (top level, under
/// Apparel, under Shoes), two families with a variant named Blue M, two
/// standalone Tees, a category whose name gives no slug, values of every
/// attribute type, a collection in several categories, files with links,
/// resources on a category and on collections, and pxmctl's hash
/// attribute with a value on a file.
fn seed() -> Seed {
    let yaml = r#"
regions:
  - { id: r1, name: United States, is_primary: true }
  - { id: r2, name: Europe }
  - { id: r3, name: Europe }
attributes:
  - { id: a1, name: Material, type: Text }
  - { id: a2, name: Launch date, type: Date }
  - { id: a3, name: Features, type: List }
  - { id: a4, name: Color, type: Pick List, options: [Red, Blue] }
  - { id: a5, name: Waterproof, type: Boolean }
  - { id: a6, name: Weight (g), type: Number }
  - { id: a7, name: pxmctl_sha256, type: Text }
attribute_groups:
  - { id: g1, name: Specs, attributes: [a1, a6, a7] }
  - { id: g2, name: Looks, attributes: [a4] }
categories:
  - { id: c1, name: Apparel }
  - { id: c2, name: Jackets, parent_id: c1 }
  - { id: c3, name: Sale }
  - { id: c4, name: Sale, parent_id: c1 }
  - { id: c5, name: Shoes }
  - { id: c6, name: Sale, parent_id: c5 }
  - { id: c7, name: "日本" }
collections:
  - id: p1
    name: Rain Jacket
    collection_type: parent
    parent_id: c2
    direct_parent: [c3, c4]
    region_ids: [r1, r2]
    attributes: [{ id: a1, value: Nylon }]
  - { id: p2, name: Parka, collection_type: parent, parent_id: c2 }
  - { id: s1, name: Tee, parent_id: c5, additional_title: TEE-1 }
  - { id: s2, name: Tee, parent_id: c5, additional_title: TEE-2 }
  - { id: s3, name: Gift Card }
  - { id: s4, name: Sale Item, parent_id: c3, direct_parent: [c4, c6] }
  - id: v1
    name: Blue M
    collection_type: variant
    parent_topic_id: p1
    additional_title: SKU-RJ-BM
    published: true
    published_start_date: "2026-01-01"
    published_end_date: "2026-12-31T00:00:00Z"
    region_ids: [r3]
    attributes:
      - { id: a2, value: "2026-03-01" }
      - { id: a3, value: [Hood, Taped seams] }
      - { id: a4, value: Blue }
      - { id: a5, value: true }
      - { id: a6, value: 420.5 }
      - { id: a7, value: deadbeef }
  - { id: v2, name: Blue M, collection_type: variant, parent_topic_id: p2, additional_title: SKU-PK-BM }
files:
  - id: f1
    file_name: hero.jpg
    content: "not really a jpeg"
    collections: [p1, v1]
    region_ids: [r1]
    attributes: [{ id: a7, value: deadbeef }]
  - { id: f2, file_name: size chart.pdf, content: "chart", collections: [p1] }
resources:
  - { id: res1, description: Care guide, link: "https://example.com/care", category_id: c2 }
  - { id: res2, description: Care guide, link: "https://example.com/care2", collections: [p1, p2] }
"#;
    Seed::from_yaml(yaml, "export test seed").unwrap()
}

/// A sandbox holding [`seed`].
async fn start_seeded() -> RunningSandbox {
    start(seeded(seed())).await
}

async fn snapshot(sandbox: &RunningSandbox, page_size: u32) -> LiveSnapshot {
    LiveSnapshot::fetch(&client(sandbox, page_size))
        .await
        .unwrap()
}

fn defaults() -> ExportOptions {
    ExportOptions::default()
}

/// Writes an export into a fresh directory and loads it back, asserting
/// that the loader finds nothing at all to say.
fn write_and_load(exported: &Export, dir: &Path) -> Catalog {
    write_files(dir, &exported.files).unwrap();
    let loaded = pxmctl::catalog::load(dir);
    assert!(
        loaded.diagnostics.is_empty(),
        "the export does not load cleanly:\n{}\n{}",
        short(&loaded.diagnostics),
        exported
            .files
            .values()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    loaded.catalog.expect("a valid catalog")
}

fn keys<T>(entries: &Entries<Entry<T>>) -> Vec<&str> {
    entries.keys().map(String::as_str).collect()
}

fn set(items: &[&str]) -> Option<SortedSet<String>> {
    Some(items.iter().map(|s| (*s).to_owned()).collect())
}

#[tokio::test]
async fn an_account_with_every_kind_exports_to_a_catalog_that_loads_cleanly() {
    let sandbox = start_seeded().await;
    // Page size 2: every kind takes several pages.
    let live = snapshot(&sandbox, 2).await;
    let exported = export(&live, &defaults()).unwrap();
    assert!(
        exported.warnings.is_empty(),
        "nothing in this account needs a warning: {:?}",
        exported.warnings
    );
    assert_eq!(
        exported
            .files
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "attributes.yaml",
            "catalog.schema.json",
            "categories.yaml",
            "collections/apparel.yaml",
            "collections/sale.yaml",
            "collections/shoes.yaml",
            "collections/uncategorized.yaml",
            "files.yaml",
            "regions.yaml",
            "resources.yaml",
        ]
    );
    assert_eq!(
        exported.files["catalog.schema.json"],
        pxmctl::catalog::schema::schema_text()
    );
    assert!(
        exported.files["collections/apparel.yaml"]
            .starts_with("# yaml-language-server: $schema=../catalog.schema.json\n")
    );
    assert!(
        exported.files["regions.yaml"]
            .starts_with("# yaml-language-server: $schema=catalog.schema.json\n")
    );

    let dir = tempfile::tempdir().unwrap();
    let catalog = write_and_load(&exported, dir.path());

    // Only the two regions named Europe share an identity, so only they
    // are pinned: the rest fits any account holding the same objects.
    assert!(
        catalog
            .regions
            .values()
            .all(|e| e.id.is_some() == (e.value.name == "Europe"))
    );
    assert!(catalog.collections.values().all(|e| e.id.is_none()));
    assert!(catalog.files.values().all(|e| e.id.is_none()));
    assert!(
        exported
            .files
            .iter()
            .filter(|(path, _)| path.as_str() != "regions.yaml")
            .all(|(_, t)| !t.contains("\n    id:"))
    );

    let rain = &catalog.collections["rain-jacket"];
    assert_eq!(rain.value.name, "Rain Jacket");
    assert_eq!(rain.value.family, Family::Parent);
    assert_eq!(rain.value.category.as_deref(), Some("jackets"));
    assert_eq!(rain.value.also_in, set(&["apparel-sale", "sale"]));
    assert_eq!(rain.value.regions, set(&["europe", "united-states"]));
    assert_eq!(
        rain.value.attributes,
        Some(SortedMap::from_iter([(
            "material".to_owned(),
            AttributeValue::Text("Nylon".into())
        )]))
    );

    let variant = &catalog.collections["blue-m"];
    assert_eq!(
        variant.value.family,
        Family::Variant {
            parent: "rain-jacket".into()
        }
    );
    assert_eq!(variant.value.sku.as_deref(), Some("SKU-RJ-BM"));
    assert_eq!(variant.value.regions, set(&["europe-2"]));
    let Some(Publishing::Window { start, end }) = variant.value.published.as_deref() else {
        panic!("published window expected: {:?}", variant.value.published);
    };
    assert_eq!(start.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(
        end.map(|e| e.to_string()).as_deref(),
        Some("2026-12-31T00:00:00Z")
    );
    let values = variant.value.attributes.as_ref().unwrap();
    assert_eq!(
        values.keys().map(String::as_str).collect::<Vec<_>>(),
        ["color", "features", "launch-date", "waterproof", "weight-g"]
    );
    assert_eq!(values["color"], AttributeValue::Choice("Blue".into()));
    assert_eq!(
        values["features"],
        AttributeValue::List(vec!["Hood".into(), "Taped seams".into()])
    );
    assert!(
        matches!(values["launch-date"], AttributeValue::Date(d) if d.to_string() == "2026-03-01T00:00:00Z")
    );
    assert_eq!(values["waterproof"], AttributeValue::Boolean(true));
    assert_eq!(
        values["weight-g"],
        AttributeValue::Number(serde_json::Number::from_f64(420.5).unwrap())
    );

    let in_three = &catalog.collections["sale-item"];
    assert_eq!(in_three.value.category.as_deref(), Some("sale"));
    assert_eq!(in_three.value.also_in, set(&["apparel-sale", "shoes-sale"]));
    assert_eq!(catalog.collections["gift-card"].value.category, None);
    assert_eq!(
        catalog.collections["gift-card"].value.published.as_deref(),
        Some(&Publishing::Unpublished)
    );

    // Files without --with-assets: the live file by name, links and all.
    let hero = &catalog.files["hero-jpg"];
    assert_eq!(hero.value.name, "hero.jpg");
    assert_eq!(hero.value.content, None);
    assert_eq!(hero.value.collections, set(&["blue-m", "rain-jacket"]));
    assert_eq!(hero.value.regions, set(&["united-states"]));
    assert!(!exported.files["files.yaml"].contains("path:"));
    assert!(exported.downloads.is_empty());

    assert_eq!(
        catalog.resources["care-guide"].value.owner,
        ResourceOwner::Category("jackets".into())
    );
    assert_eq!(
        catalog.resources["rain-jacket-care-guide"].value.owner,
        ResourceOwner::Collections(set(&["parka", "rain-jacket"]).unwrap())
    );
    assert_eq!(
        catalog.attribute_groups["looks"]
            .value
            .attributes
            .as_deref(),
        Some(&["color".to_owned()][..])
    );
    assert_eq!(
        exported.counts,
        [
            ("regions", 3),
            ("attributes", 6),
            ("attribute_groups", 2),
            ("categories", 7),
            ("collections", 8),
            ("files", 2),
            ("resources", 2),
        ]
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn colliding_names_get_unique_readable_keys() {
    let sandbox = start_seeded().await;
    let exported = export(&snapshot(&sandbox, 100).await, &defaults()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_and_load(&exported, dir.path());
    assert_eq!(
        keys(&catalog.regions),
        ["europe", "europe-2", "united-states"]
    );
    assert_eq!(
        keys(&catalog.categories),
        [
            "apparel",
            "apparel-sale",
            "category-c7",
            "jackets",
            "sale",
            "shoes",
            "shoes-sale"
        ]
    );
    // Same name, other parents: told apart without a pin.
    assert_eq!(catalog.categories["apparel-sale"].id, None);
    assert_eq!(catalog.categories["apparel-sale"].value.name, "Sale");
    assert_eq!(
        catalog.categories["apparel-sale"].value.parent.as_deref(),
        Some("apparel")
    );
    // Two live regions named Europe: only the ids tell them apart.
    assert!(catalog.regions["europe"].id.is_some());
    assert!(catalog.regions["europe-2"].id.is_some());
    assert_eq!(catalog.regions["united-states"].id, None);
    assert!(
        exported.files["regions.yaml"]
            .contains("# pxmctl: pinned: another live region in this account has the same name"),
        "{}",
        exported.files["regions.yaml"]
    );
    assert_eq!(
        catalog.categories["shoes-sale"].value.parent.as_deref(),
        Some("shoes")
    );
    assert_eq!(
        keys(&catalog.collections),
        [
            "blue-m",
            "gift-card",
            "parka",
            "parka-blue-m",
            "rain-jacket",
            "sale-item",
            "tee",
            "tee-tee-2"
        ]
    );
    // Blue M in two families: told apart by the family, without a pin.
    assert_eq!(catalog.collections["parka-blue-m"].id, None);
    assert_eq!(
        catalog.collections["tee-tee-2"].value.sku.as_deref(),
        Some("TEE-2")
    );
    assert_eq!(
        keys(&catalog.resources),
        ["care-guide", "rain-jacket-care-guide"]
    );
    assert_eq!(
        keys(&catalog.attributes),
        [
            "color",
            "features",
            "launch-date",
            "material",
            "waterproof",
            "weight-g"
        ]
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn exporting_the_same_account_twice_gives_identical_bytes() {
    let sandbox = start_seeded().await;
    let first = export(&snapshot(&sandbox, 3).await, &defaults()).unwrap();
    let second = export(&snapshot(&sandbox, 100).await, &defaults()).unwrap();
    assert_eq!(first.files, second.files);

    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_files(a.path(), &first.files).unwrap();
    write_files(b.path(), &second.files).unwrap();
    let tree = |root: &Path| -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    };
    assert_eq!(tree(a.path()), tree(b.path()));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_hash_attribute_is_not_exported() {
    let sandbox = start_seeded().await;
    let live = snapshot(&sandbox, 100).await;
    let exported = export(&live, &defaults()).unwrap();
    let yaml: String = exported
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".yaml"))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(!yaml.contains("pxmctl_sha256"), "{yaml}");
    assert!(!yaml.contains("pxmctl-sha256"), "{yaml}");
    assert!(!yaml.contains("deadbeef"), "{yaml}");
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_and_load(&exported, dir.path());
    assert_eq!(
        catalog.attribute_groups["specs"]
            .value
            .attributes
            .as_deref(),
        Some(&["material".to_owned(), "weight-g".to_owned()][..])
    );

    // With another hash attribute configured, this one is ordinary data.
    let other = ExportOptions {
        hash_attribute: "some_other_hash".to_owned(),
        ..defaults()
    };
    let exported = export(&live, &other).unwrap();
    assert!(exported.files["attributes.yaml"].contains("pxmctl_sha256"));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn with_assets_the_bytes_are_downloaded_exactly_and_the_catalog_names_them() {
    let h = Harness::start(seeded(seed())).await;
    let uploads: Vec<(&str, Vec<u8>)> = vec![
        ("photo.png", png(150_000, 11)),
        ("notes.txt", b"hello, assets\n".to_vec()),
        ("odd: name?.txt", b"odd\n".to_vec()),
        ("spec.yaml", b"a: 1\n".to_vec()),
    ];
    let mut ids = BTreeMap::new();
    for (name, data) in &uploads {
        let file = h.upload(name, data).await;
        let id = file["id"].as_str().unwrap().to_owned();
        let (status, body) = h
            .put(
                &format!("/v2.1/file/{id}"),
                json!({ "collections": ["p1"] }),
            )
            .await;
        assert!(status.is_success(), "{body}");
        ids.insert(*name, id);
    }

    let live = snapshot(&h.sandbox, 2).await;
    let options = ExportOptions {
        with_assets: true,
        ..defaults()
    };
    let exported = export(&live, &options).unwrap();
    // Two seeded files and three uploads; the YAML one stays by name.
    assert_eq!(exported.downloads.len(), 5);
    assert!(
        exported
            .warnings
            .iter()
            .any(|w| w.subject.contains(&ids["spec.yaml"]) && w.message.contains("catalog file")),
        "{:?}",
        exported.warnings
    );
    for d in &exported.downloads {
        assert!(!format!("{d:?}").contains("Signature"), "{d:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let client = client(&h.sandbox, 2);
    let done = download_all(client.transport(), &exported.downloads, dir.path(), 2).await;
    assert!(done.failures.is_empty(), "{:?}", done.failures);
    assert_eq!(done.files, 5);
    let catalog = write_and_load(&exported, dir.path());

    let by_name = |name: &str| {
        catalog
            .files
            .values()
            .find(|e| e.value.name == name)
            .unwrap()
    };
    for (name, data) in &uploads {
        let entry = by_name(name);
        assert_eq!(entry.value.name, *name);
        assert_eq!(entry.value.collections, set(&["rain-jacket"]));
        if *name == "spec.yaml" {
            assert_eq!(entry.value.content, None);
            continue;
        }
        let asset = entry.value.content.as_ref().expect("a path entry");
        assert!(asset.path.starts_with("assets/"), "{}", asset.path);
        assert_eq!(asset.size, data.len() as u64);
        assert_eq!(&std::fs::read(dir.path().join(&asset.path)).unwrap(), data);
    }
    let photo = by_name("photo.png").value.content.clone().unwrap();
    assert_eq!(
        (photo.path.as_str(), photo.mime_type.as_str()),
        ("assets/photo.png", "image/png")
    );
    let odd = by_name("odd: name?.txt").value.content.clone().unwrap();
    assert_eq!(odd.path, "assets/odd- name-.txt");
    let hero = by_name("hero.jpg").value.content.clone().unwrap();
    assert_eq!(
        std::fs::read(dir.path().join(hero.path)).unwrap(),
        b"not really a jpeg"
    );
    assert!(exported.files["files.yaml"].contains("path: assets/hero.jpg"));
    h.sandbox.shutdown().await.unwrap();
}

/// Live data the catalog cannot say as it is: every such thing becomes
/// a warning (and a `# pxmctl:` comment), and the result still loads.
fn odd_account() -> LiveSnapshot {
    fn list<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Vec<T> {
        serde_json::from_value(value).unwrap()
    }
    LiveSnapshot {
        regions: list(json!([
            {"id": "r1", "name": "United States"},
            {"id": "r2", "name": ""},
        ])),
        attributes: list(json!([
            {"id": "a1", "name": "Notes", "type": "Rich Text"},
            {"id": "a2", "name": "Shade", "type": "Pick List", "options": []},
            {"id": "a3", "name": "Size", "type": "Text", "options": ["S", "M"]},
            {"id": "a4", "name": "Weight", "type": "Number"},
            {"id": "a5", "name": "pxmctl_sha256", "type": "Text"},
        ])),
        attribute_groups: list(json!([
            {"id": "g1", "name": "All", "attributes": ["a1", "a2", "a5", "a9"]},
        ])),
        categories: list(json!([
            {"id": "k1", "name": "Loop A", "parent_id": "k2"},
            {"id": "k2", "name": "Loop B", "parent_id": "k1"},
            {"id": "k3", "name": "Orphan", "parent_id": "gone",
             "attributes": [{"id": "a3", "value": "S"}]},
            {"id": "k4", "name": "!!!"},
        ])),
        collections: list(json!([
            {"id": "c1", "name": "Lonely variant", "collection_type": "variant", "parent_topic_id": "gone"},
            {"id": "c2", "name": "Standalone"},
            {"id": "c3", "name": "Wrong family", "collection_type": "variant", "parent_topic_id": "c2"},
            {"id": "c4", "name": "Published forever", "published": true},
            {"id": "c5", "name": "Backwards", "published": true,
             "published_start_date": "2026-02-01", "published_end_date": "2026-01-01"},
            {"id": "c6", "name": "Everywhere", "parent_id": "k3", "direct_parent": ["k3", "k4", "zz"],
             "region_ids": ["r1", "r2", "r9"], "collection_type": "bundle",
             "attributes": [
                {"id": "a1", "value": "<b>rich</b>"},
                {"id": "a2", "value": "Green"},
                {"id": "a3", "value": "M"},
                {"id": "a4", "value": "twelve"},
                {"id": "a5", "value": "cafe"},
                {"id": "a8", "name": "Ghost", "value": 1}
             ]},
            {"id": "c7", "name": ""},
        ])),
        files: list(json!([
            {"id": "f1", "file_name": "a.jpg", "collections": ["c7", "c2"], "parent_id": "k3",
             "attributes": [{"id": "a3", "value": "S"}, {"id": "a5", "value": "cafe"}]},
            {"id": "f2", "file_name": "empty.txt", "size": 0, "download_url": "http://x/e?X-Amz-Signature=s3cr3t"},
            {"id": "f3", "file_name": "spec.yml", "size": 3, "download_url": "http://x/s?X-Amz-Signature=s3cr3t"},
            {"id": "f4", "file_name": "...", "size": 3, "mime_type": "image/png",
             "download_url": "http://x/d?X-Amz-Signature=s3cr3t"},
        ])),
        resources: list(json!([
            {"id": "s1", "description": "Both", "link": "https://example.com/b", "category_id": "k3", "collections": ["c2"]},
            {"id": "s2", "description": "Bad link", "link": "example.com"},
            {"id": "s3", "description": "", "link": "https://example.com/n"},
        ])),
        ..LiveSnapshot::default()
    }
}

#[test]
fn what_the_catalog_cannot_say_is_left_out_with_a_warning_and_the_rest_loads() {
    let live = odd_account();
    let exported = export(&live, &defaults()).unwrap();
    let warnings: Vec<String> = exported.warnings.iter().map(ToString::to_string).collect();
    let expect = [
        "region r2: not exported: it has no name",
        "attribute a1: not exported: its type `Rich Text` is not one the catalog knows",
        "attribute `shade` (id a2): the pick list has no options in PXM; the values in use are written as its options (Green)",
        "attribute `size` (id a3): options left out",
        "attribute group `all` (id g1): dropped member attribute a1, which is not exported",
        "attribute group `all` (id g1): dropped member attribute a9, which is not in the account",
        "category `loop-a` (id k1): dropped `parent`: the live parent chain loops back",
        "category `orphan` (id k3): dropped reference `parent` to category gone, which is not in the account",
        "collection c7: not exported: it has no name",
        "collection `lonely-variant` (id c1): a variant, but its family parent gone is not in the account; written as a standalone collection",
        "collection `wrong-family` (id c3): a variant, but its family parent c2 is not a collection of type parent",
        "collection `published-forever` (id c4): published without a start date",
        "collection `backwards` (id c5): publishing ends (2026-01-01) before it starts (2026-02-01)",
        "collection `everywhere` (id c6): collection type `bundle` is not one the catalog knows",
        "collection `everywhere` (id c6): dropped reference `also_in` to category zz, which is not in the account",
        "collection `everywhere` (id c6): dropped reference `regions` to region r2, which is not exported",
        "collection `everywhere` (id c6): dropped reference `regions` to region r9, which is not in the account",
        "collection `everywhere` (id c6): dropped the value of attribute a1, which is not exported",
        "collection `everywhere` (id c6): dropped the value of attribute `weight`: value \"twelve\" does not fit its type",
        "collection `everywhere` (id c6): dropped the value of attribute a8 (Ghost), which is not in the account",
        "file `a-jpg` (id f1): dropped reference `collections` to collection c7, which is not exported",
        "1 file(s) sit in a category folder",
        "resource s2: not exported: its link `example.com` is not an absolute URL",
        "resource s3: not exported: it has no description",
        "resource `both` (id s1): also linked to collections",
        "1 attribute value(s) on categories are not exported",
        "1 attribute value(s) on files are not exported",
    ];
    for wanted in expect {
        assert!(
            warnings.iter().any(|w| w.starts_with(wanted)),
            "no warning starts with {wanted:?}:\n{}",
            warnings.join("\n")
        );
    }
    assert_eq!(warnings.len(), expect.len(), "{}", warnings.join("\n"));

    let dir = tempfile::tempdir().unwrap();
    let catalog = write_and_load(&exported, dir.path());
    assert_eq!(keys(&catalog.regions), ["united-states"]);
    assert_eq!(catalog.categories["category-k4"].value.name, "!!!");
    let everywhere = &catalog.collections["everywhere"].value;
    assert_eq!(everywhere.category.as_deref(), Some("orphan"));
    assert_eq!(everywhere.also_in, set(&["category-k4"]));
    assert_eq!(everywhere.family, Family::Standalone);
    assert_eq!(
        everywhere
            .attributes
            .as_ref()
            .map(|a| a.keys().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["shade", "size"])
    );
    assert_eq!(
        catalog.collections["lonely-variant"].value.family,
        Family::Standalone
    );
    assert_eq!(
        catalog.collections["published-forever"].value.published,
        None
    );
    // One of the loop keeps its parent, so nesting is kept where it can be.
    assert_eq!(
        catalog.categories["loop-b"].value.parent.as_deref(),
        Some("loop-a")
    );
    assert_eq!(catalog.categories["loop-a"].value.parent, None);
    let yaml = &exported.files["collections/orphan.yaml"];
    assert!(
        yaml.contains(
            "  # pxmctl: dropped reference `also_in` to category zz, which is not in the account\n"
        ) && yaml.contains("(Ghost), which is not in the account\n  everywhere:\n"),
        "{yaml}"
    );
    assert!(!exported.files.values().any(|t| t.contains("cafe")));

    // With assets, files that cannot have bytes say why and stay by name.
    let options = ExportOptions {
        with_assets: true,
        ..defaults()
    };
    let exported = export(&live, &options).unwrap();
    let warnings: Vec<String> = exported.warnings.iter().map(ToString::to_string).collect();
    for wanted in [
        "file `a-jpg` (id f1): PXM lists no download URL",
        "file `empty-txt` (id f2): empty (0 bytes) in PXM",
        "file `spec-yml` (id f3): not downloaded: a `.yaml`/`.yml` asset",
    ] {
        assert!(
            warnings.iter().any(|w| w.starts_with(wanted)),
            "no warning starts with {wanted:?}:\n{}",
            warnings.join("\n")
        );
    }
    assert_eq!(exported.downloads.len(), 1);
    let download = &exported.downloads[0];
    assert_eq!(
        (download.path.as_str(), download.size),
        ("assets/file-f4", Some(3))
    );
    let files = &exported.files["files.yaml"];
    assert!(
        files.contains("path: assets/file-f4\n    name: \"...\"\n    mime_type: image/png\n"),
        "{files}"
    );
    assert!(!files.contains("s3cr3t") && !format!("{exported:?}").contains("s3cr3t"));
}

/// `pxmctl export ARGS` against `sandbox`, reading pages of 3, run off
/// the async runtime that serves the sandbox.
async fn export_from(sandbox: &RunningSandbox, args: &[&str]) -> std::process::Output {
    Pxmctl::new(&["export"])
        .args(args)
        .against(sandbox)
        .env("PXM_PAGE_SIZE", "3")
        .output_off_runtime()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_exports_and_the_result_validates() {
    let sandbox = start_seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("catalog");
    let result = export_from(&sandbox, &["--out", out.to_str().unwrap()]).await;
    let stderr = cli::stderr(&result);
    assert!(result.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "exported 3 regions, 6 attributes, 2 attribute groups, 7 categories, 8 collections, 2 files, 2 resources to `"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(" requests)"), "{stderr}");
    assert!(stderr.contains("next: pxmctl validate"), "{stderr}");
    assert!(!stderr.contains(sandbox.client_secret()), "{stderr}");
    assert!(out.join("catalog.schema.json").is_file());

    let checked = Pxmctl::new(&["validate"])
        .arg(&out)
        .output_off_runtime()
        .await;
    assert!(checked.status.success(), "{}", cli::stdout(&checked));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_directory_holding_a_catalog_unless_forced() {
    let sandbox = start_seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let old = "# mine\nregions: { united-states: { name: Home } }\n";
    std::fs::write(dir.path().join("mine.yaml"), old).unwrap();
    std::fs::write(dir.path().join("regions.yaml"), old).unwrap();

    let out = dir.path().to_str().unwrap();
    let refused = export_from(&sandbox, &["--out", out]).await;
    let stderr = cli::stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("already holds 2 catalog YAML files"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("regions.yaml")).unwrap(),
        old
    );
    assert!(!dir.path().join("categories.yaml").exists());
    assert_eq!(
        sandbox.stats().requests_total,
        0,
        "refused before any request"
    );

    let forced = export_from(&sandbox, &["--force", "--out", out]).await;
    let stderr = cli::stderr(&forced);
    // `mine.yaml` declares a region under a key the export uses too: the
    // export still writes, says what it replaced and what it left, and
    // fails because the directory as a whole no longer validates.
    assert_eq!(forced.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--force replaced 1 existing file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 catalog YAML file from before the export stay"),
        "{stderr}"
    );
    assert!(stderr.contains("does not validate"), "{stderr}");
    assert_ne!(
        std::fs::read_to_string(dir.path().join("regions.yaml")).unwrap(),
        old
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.yaml")).unwrap(),
        old
    );

    std::fs::remove_file(dir.path().join("mine.yaml")).unwrap();
    let clean = export_from(&sandbox, &["--force", "--out", out]).await;
    assert!(clean.status.success(), "{}", cli::stderr(&clean));
    sandbox.shutdown().await.unwrap();
}

#[test]
fn export_help_shows_an_example() {
    let output = Pxmctl::new(&["export", "--help"]).output();
    let help = cli::stdout(&output);
    assert!(output.status.success(), "{help}");
    assert!(
        help.contains("--with-assets") && help.contains("--force"),
        "{help}"
    );
    assert!(help.contains("Examples:\n  pxmctl export"), "{help}");
}

/// Downloads spend the run's one retry budget, the one the reads before
/// them spent too: with every store GET answered 503, twenty files cost
/// at most one GET each plus the budget's retries, not three each.
#[tokio::test]
async fn a_dead_store_ends_the_downloads_within_the_retry_budget() {
    const FILES: u64 = 20;
    let mut yaml = "files:\n".to_owned();
    for i in 0..FILES {
        yaml.push_str(&format!(
            "  - {{ id: f{i}, file_name: f{i}.txt, content: \"bytes {i}\" }}\n"
        ));
    }
    let sandbox = start(SandboxConfig {
        faults: FaultConfig {
            store_error_rate: 1.0,
            ..FaultConfig::default()
        },
        ..seeded(Seed::from_yaml(&yaml, "dead store seed").unwrap())
    })
    .await;
    let client = client(&sandbox, 100);
    let live = LiveSnapshot::fetch(&client).await.unwrap();
    let options = ExportOptions {
        with_assets: true,
        ..defaults()
    };
    let exported = export(&live, &options).unwrap();
    assert_eq!(exported.downloads.len() as u64, FILES);

    let dir = tempfile::tempdir().unwrap();
    let done = download_all(client.transport(), &exported.downloads, dir.path(), 4).await;

    assert_eq!(done.failures.len() as u64, FILES, "{:?}", done.failures);
    let gets: u64 = sandbox.stats().requests["GET /_store/{*key}"]
        .values()
        .sum();
    assert!(gets >= FILES, "each file was tried: {gets}");
    let policy = RetryPolicy::DEFAULT;
    let earned = policy.budget_per_success * client.stats().requests as f64;
    assert!(
        (gets - FILES) as f64 <= policy.budget_initial + earned,
        "{gets} GETs for {FILES} files: more retries than the budget of {} and {earned:.1} earned back",
        policy.budget_initial
    );
    let text = done
        .failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("retry budget is spent"), "{text}");
    assert!(
        !text.contains("Signature") && !text.contains("/_store"),
        "{text}"
    );
}
