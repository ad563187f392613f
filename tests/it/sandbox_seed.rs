//! Seed files (YAML and JSON) with fixed ids, and the `pxmctl sandbox`
//! command line.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{Pxmctl, pxmctl, stderr, text};
use crate::support::connection::http;
use crate::support::files::{copy_dir, repo};
use crate::support::harness::Harness;
use crate::support::sandbox::config;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use pxmctl::sandbox::{SandboxConfig, Seed};
use reqwest::StatusCode;
use serde_json::json;

const SEED: &str = r#"
regions:
  - { id: us, name: United States, language: en }
  - { id: eu, name: Europe, language: de }
attributes:
  - { id: material, name: Material, type: Text }
categories:
  - { id: apparel, name: Apparel }
  - { id: jackets, name: Jackets, parent_id: apparel }
collections:
  - { id: family, name: Rain Jacket, collection_type: parent, parent_id: jackets,
      attributes: [ { id: material, value: Nylon } ] }
  - { id: blue-m, name: "Rain Jacket, Blue, M", collection_type: variant, parent_topic_id: family,
      region_ids: [eu], additional_title: SKU-BRJ-001 }
files:
  - { id: hero, file_name: hero.txt, content: "hello seed", collections: [family] }
resources:
  - { description: Care guide, link: "https://example.com/care.pdf", category_id: jackets }
"#;

#[tokio::test]
async fn a_yaml_seed_loads_objects_with_fixed_ids_and_a_primary_region() {
    let seed = Seed::from_yaml(SEED, "seed.yaml").unwrap();
    let h = Harness::start(SandboxConfig {
        seed: Some(seed),
        ..config()
    })
    .await;
    assert_eq!(
        h.primary_region().await,
        "us",
        "the first region becomes primary"
    );
    let (_, family) = h.get("/v2.1/collection/family").await;
    assert_eq!(family["attributes"][0]["value"], "Nylon");
    assert_eq!(family["region_ids"], json!(["us"]));
    let (_, variant) = h.get("/v2.1/collection/blue-m").await;
    assert_eq!(variant["parent_topic_id"], "family");
    let (_, hero) = h.get("/v2.1/file/hero").await;
    assert_eq!(hero["size"], 10);
    assert_eq!(hero["collections"], json!([{ "id": "family" }]));
    assert_eq!(
        h.fetch(hero["download_url"].as_str().unwrap()).await.1,
        b"hello seed"
    );
    let (_, resources) = h.get("/v2.1/resource").await;
    assert_eq!(resources[0]["category_id"], "jackets");
}

#[tokio::test]
async fn a_json_seed_works_and_bad_seeds_are_refused_with_the_reason() {
    let seed = Seed::from_json(r#"{"categories":[{"id":"a","name":"A"}]}"#, "seed.json").unwrap();
    let h = Harness::start(SandboxConfig {
        seed: Some(seed),
        ..config()
    })
    .await;
    assert_eq!(h.get("/v2.1/category/a").await.0, StatusCode::OK);
    assert_eq!(
        h.primary_region().await.len(),
        36,
        "a generated primary region"
    );

    let dangling = Seed::from_yaml(
        "categories:\n  - { name: Child, parent_id: nowhere }\n",
        "s",
    )
    .unwrap();
    let err = pxmctl::sandbox::Sandbox::start(SandboxConfig {
        seed: Some(dangling),
        ..config()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("parent_id"), "{err}");
    assert!(
        Seed::from_yaml("widgets: []\n", "s").is_err(),
        "unknown sections are refused"
    );
}

#[test]
fn the_cli_refuses_a_non_loopback_address() {
    let out = Pxmctl::new(&["sandbox", "--listen", "0.0.0.0:0"]).output();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("non-loopback"));
}

#[tokio::test]
async fn the_cli_prints_the_url_and_fixed_credentials_and_serves() {
    let mut child = Pxmctl::new(&[
        "sandbox",
        "--client-id",
        "demo",
        "--client-secret",
        "s3cret",
        "--rate-limit",
        "off",
    ])
    .command()
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let id = lines.next().unwrap().unwrap();
    let secret = lines.next().unwrap().unwrap();
    assert_eq!(id, "PXM_CLIENT_ID=demo");
    assert_eq!(secret, "PXM_CLIENT_SECRET=s3cret");
    let base = url.strip_prefix("PXM_BASE_URL=").unwrap();
    let http = http();
    let r = http
        .post(format!("{base}/v2.1/oauth/authorize"))
        .basic_auth("demo", Some("s3cret"))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `pxmctl sandbox --catalog DIR` holds the regions the catalog names, and
/// what it prints for `eval` is what the scaffolded `sandbox` environment
/// reads: the bundled catalog plans against it as it is.
#[test]
fn a_sandbox_started_for_a_catalog_holds_its_regions_and_serves_its_environment() {
    let root = tempfile::tempdir().unwrap();
    let catalog = root.path().join("catalog");
    copy_dir(&repo("catalog"), &catalog);
    // The settings `pxmctl init` scaffolds beside an existing catalog.
    let init = pxmctl(root.path(), &[], &["init", "catalog"]);
    assert!(init.status.success(), "{}", text(&init));
    assert!(catalog.join("pxmctl.yaml").is_file());
    let mut child = Pxmctl::new(&["sandbox", "--rate-limit", "off", "--catalog"])
        .arg(&catalog)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .take(4)
        .map(Result::unwrap)
        .collect();
    let vars: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .chain([("PXM_TOKEN_CACHE".into(), "off".into())])
        .collect();
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names[..4],
        [
            "PXM_BASE_URL",
            "PXM_CLIENT_ID",
            "PXM_CLIENT_SECRET",
            "PXM_SANDBOX_CLIENT_SECRET"
        ]
    );
    // The scaffolded environment reads PXM_SANDBOX_CLIENT_SECRET only.
    let only_sandbox: Vec<(String, String)> = vars
        .iter()
        .filter(|(k, _)| k != "PXM_CLIENT_SECRET")
        .cloned()
        .collect();
    let o = pxmctl(root.path(), &only_sandbox, &["plan", "--env", "sandbox"]);
    let t = text(&o);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(o.status.success(), "{t}");
    assert!(!t.contains("missing-live"), "{t}");
    assert!(t.contains("to add"), "{t}");
}
