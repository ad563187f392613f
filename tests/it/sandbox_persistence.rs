//! `--data DIR`: state survives a clean restart, a kill (no final
//! compaction) and a torn last journal line; a corrupt middle line is an
//! error, not silent loss.
#![allow(clippy::unwrap_used)]

use crate::support::assets::bytes;
use crate::support::harness::Harness;
use crate::support::sandbox::config;

use std::io::Write;

use pxmctl::sandbox::{Sandbox, SandboxConfig, SandboxError, Seed};
use reqwest::StatusCode;
use serde_json::json;

fn persisted(dir: &std::path::Path) -> SandboxConfig {
    SandboxConfig {
        data_dir: Some(dir.to_path_buf()),
        ..config()
    }
}

#[tokio::test]
async fn a_clean_restart_keeps_objects_bytes_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(30_000, 4);
    let (cat, file, client_id, token) = {
        let h = Harness::start(persisted(dir.path())).await;
        let cat = h.create("category", json!({ "name": "Kept" })).await;
        let file = h.upload("kept.bin", &data).await;
        let pending = h.request_upload("v3", "pending.bin", 3).await;
        h.put_bytes(
            pending["upload_data"]["upload_url"].as_str().unwrap(),
            b"abc".to_vec(),
        )
        .await;
        let id = h.sandbox.client_id().to_string();
        let token = h.token.clone();
        h.sandbox.shutdown().await.unwrap();
        (cat, file, id, token)
    };
    let h = Harness::start(persisted(dir.path())).await;
    assert_eq!(h.sandbox.client_id(), client_id);
    assert_eq!(h.token, token, "a cached token stays valid across restarts");
    let (status, got) = h
        .get(&format!("/v2.1/category/{}", cat["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, cat);
    let (_, f) = h
        .get(&format!("/v2.1/file/{}", file["id"].as_str().unwrap()))
        .await;
    let (status, bytes_back) = h.fetch(f["download_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes_back, data);
    assert_eq!(h.sandbox.stats().uploads_pending, 1);
}

#[tokio::test]
async fn a_kill_and_a_torn_last_journal_line_lose_nothing_that_was_answered() {
    let dir = tempfile::tempdir().unwrap();
    {
        let h = Harness::start(persisted(dir.path())).await;
        for i in 0..5 {
            h.create("collection", json!({ "name": format!("c{i}") }))
                .await;
        }
        // Dropped without `shutdown`: no final snapshot, as after kill -9.
    }
    let journal = dir.path().join("journal.jsonl");
    assert!(std::fs::metadata(&journal).unwrap().len() > 0);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    f.write_all(br#"[{"op":"put","kind":"collection","record":{"id":"half"#)
        .unwrap();
    drop(f);
    let h = Harness::start(persisted(dir.path())).await;
    let (_, list) = h.get("/v2.1/collection").await;
    let names: Vec<&str> = list["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["c0", "c1", "c2", "c3", "c4"]);
}

#[tokio::test]
async fn a_corrupt_line_before_the_end_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let h = Harness::start(persisted(dir.path())).await;
        h.create("category", json!({ "name": "a" })).await;
    }
    let journal = dir.path().join("journal.jsonl");
    let good = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, format!("garbage\n{good}")).unwrap();
    let err = Sandbox::start(persisted(dir.path())).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::Corrupt { line: 1, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_seed_fills_a_fresh_data_dir_only() {
    let dir = tempfile::tempdir().unwrap();
    let seed = Seed::from_yaml("categories:\n  - { id: seeded, name: Seeded }\n", "test").unwrap();
    let with_seed = SandboxConfig {
        seed: Some(seed),
        ..persisted(dir.path())
    };
    {
        let h = Harness::start(with_seed.clone()).await;
        let (status, _) = h.delete("/v2.1/category/seeded").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        h.sandbox.shutdown().await.unwrap();
    }
    let h = Harness::start(with_seed).await;
    assert_eq!(
        h.get("/v2.1/category/seeded").await.0,
        StatusCode::NOT_FOUND
    );
}
