//! `pxmctl plan` as a user runs it, against the sandbox: the exit codes
//! of `--detailed-exitcode`, an empty plan after export, a deletion
//! inside a prune scope, formats, colour, and a saved plan.
#![allow(clippy::unwrap_used)]

use crate::cli_support;
use crate::remote_support;

use std::process::Output;

use cli_support::copy_dir;
use pxmctl::sandbox::{RunningSandbox, Seed};
use remote_support::{config, start};
use serde_json::json;

fn regions() -> Seed {
    let mut seed = Seed::default();
    for (i, name) in ["Global", "United States", "Europe"].iter().enumerate() {
        seed.regions.push(
            json!({"id": format!("r{i}"), "name": name, "is_primary": i == 0})
                .as_object()
                .unwrap()
                .clone(),
        );
    }
    seed
}

async fn pxmctl(sandbox: &RunningSandbox, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("pxmctl"));
    command
        .args(args)
        .env_clear()
        .env("PXM_BASE_URL", sandbox.base_url())
        .env("PXM_CLIENT_ID", sandbox.client_id())
        .env("PXM_CLIENT_SECRET", sandbox.client_secret())
        .env("PXM_TOKEN_CACHE", "off");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_plans_creates_with_exit_code_2_and_every_format() {
    let sandbox = start(config(regions())).await;
    let text = pxmctl(&sandbox, &["plan", "catalog", "--detailed-exitcode"]).await;
    assert_eq!(text.status.code(), Some(2), "{}", stderr(&text));
    let out = stdout(&text);
    assert!(
        out.contains("Plan: 28 to add, 0 to change, 0 to destroy, 4 uploads"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour in a pipe");
    assert!(
        stderr(&text).contains("read 3 live objects"),
        "{}",
        stderr(&text)
    );

    let coloured = pxmctl(&sandbox, &["plan", "catalog", "--color", "always"]).await;
    assert!(stdout(&coloured).contains('\u{1b}'), "colour on request");
    assert_eq!(
        coloured.status.code(),
        Some(0),
        "without --detailed-exitcode"
    );

    let json = pxmctl(&sandbox, &["plan", "catalog", "--format", "json"]).await;
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["summary"]["create"], 28);

    let md = pxmctl(&sandbox, &["plan", "catalog", "--format", "markdown"]).await;
    let md = stdout(&md);
    assert!(md.contains("<details>") && md.len() < 65_536, "{md}");
    // Settings from variables alone name no environment.
    assert!(md.starts_with("### pxmctl plan\n"), "{md}");

    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    let run = pxmctl(
        &sandbox,
        &["plan", "catalog", "--out", saved.to_str().unwrap()],
    )
    .await;
    assert!(run.status.success(), "{}", stderr(&run));
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        text.contains("\"catalog_digest\"") && text.contains("region/r0"),
        "{text}"
    );
    assert!(!text.contains(sandbox.client_secret()) && !text.contains(sandbox.access_token()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_account_plans_empty_and_prune_exits_3() {
    let mut seed = remote_support::seed(8, 40);
    seed.regions = regions().regions;
    let sandbox = start(config(seed)).await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let export = pxmctl(&sandbox, &["export", "--out", catalog.to_str().unwrap()]).await;
    assert!(export.status.success(), "{}", stderr(&export));

    let same = pxmctl(
        &sandbox,
        &["plan", catalog.to_str().unwrap(), "--detailed-exitcode"],
    )
    .await;
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        stdout(&same),
        stderr(&same)
    );
    assert!(stdout(&same).contains("No changes."), "{}", stdout(&same));

    // Drop one collection from the catalog and prune collections: exactly
    // that one is deleted, and the exit code asks for a second look.
    let pruned = dir.path().join("pruned");
    copy_dir(&catalog, &pruned);
    let file = walkdir::WalkDir::new(pruned.join("collections"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("  product-39:")))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("  product-39:").unwrap();
    let end = text[start + 1..]
        .find("\n  product")
        .map_or(text.len(), |e| start + 1 + e + 1);
    std::fs::write(&file, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let regions_file = pruned.join("regions.yaml");
    let regions_text = std::fs::read_to_string(&regions_file).unwrap();
    std::fs::write(
        &regions_file,
        format!("prune: [collections]\n{regions_text}"),
    )
    .unwrap();
    let plan = pxmctl(
        &sandbox,
        &["plan", pruned.to_str().unwrap(), "--detailed-exitcode"],
    )
    .await;
    let out = stdout(&plan);
    assert_eq!(plan.status.code(), Some(3), "{out}{}", stderr(&plan));
    assert!(out.contains("0 to add, 0 to change, 1 to destroy"), "{out}");
    assert!(out.contains("col39"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_catalog_or_an_unplannable_one_exits_1() {
    let sandbox = start(config(Seed::default())).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), "categories:\n  a: { nam: A }\n").unwrap();
    let invalid = pxmctl(
        &sandbox,
        &["plan", dir.path().to_str().unwrap(), "--detailed-exitcode"],
    )
    .await;
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).contains("pxmctl validate"),
        "{}",
        stderr(&invalid)
    );
    assert_eq!(
        remote_support::writes(&sandbox),
        0,
        "nothing written for an invalid catalog"
    );

    // The account is read while the catalog is checked, but the catalog's
    // problems still come first: no word of the missing credentials.
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("pxmctl"))
        .args(["plan", dir.path().to_str().unwrap()])
        .env_clear()
        .env("PXM_BASE_URL", sandbox.base_url())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("c.yaml:2") && !err.contains("credentials"),
        "{err}"
    );

    // The demo names regions this account does not have.
    let missing = pxmctl(&sandbox, &["plan", "catalog"]).await;
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert!(
        err.contains("missing-live") && err.contains("United States"),
        "{err}"
    );
}
