//! `pxmctl plan` as a user runs it, against the sandbox: the exit codes
//! of `--detailed-exitcode`, an empty plan after export, a deletion
//! inside a prune scope, formats, colour, and a saved plan.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{Pxmctl, pxmctl_against, stderr, stdout};
use crate::support::files::{copy_dir, repo};
use crate::support::requests::writes;
use crate::support::sandbox::{seeded, start};
use crate::support::seed::{self, every_kind};

use pxmctl::sandbox::Seed;

/// The demo catalog's regions.
fn regions() -> Seed {
    seed::regions(&["Global", "United States", "Europe"])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_plans_creates_with_exit_code_2_and_every_format() {
    let sandbox = start(seeded(regions())).await;
    let text = pxmctl_against(
        &sandbox,
        &repo("."),
        &["plan", "catalog", "--detailed-exitcode"],
    )
    .await;
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

    let coloured = pxmctl_against(
        &sandbox,
        &repo("."),
        &["plan", "catalog", "--color", "always"],
    )
    .await;
    assert!(stdout(&coloured).contains('\u{1b}'), "colour on request");
    assert_eq!(
        coloured.status.code(),
        Some(0),
        "without --detailed-exitcode"
    );

    let json = pxmctl_against(
        &sandbox,
        &repo("."),
        &["plan", "catalog", "--format", "json"],
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["summary"]["create"], 28);

    let md = pxmctl_against(
        &sandbox,
        &repo("."),
        &["plan", "catalog", "--format", "markdown"],
    )
    .await;
    let md = stdout(&md);
    assert!(md.contains("<details>") && md.len() < 65_536, "{md}");
    // Settings from variables alone name no environment.
    assert!(md.starts_with("### pxmctl plan\n"), "{md}");

    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    let run = pxmctl_against(
        &sandbox,
        &repo("."),
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
    let mut seed = every_kind(8, 40);
    seed.regions = regions().regions;
    let sandbox = start(seeded(seed)).await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let export = pxmctl_against(
        &sandbox,
        &repo("."),
        &["export", "--out", catalog.to_str().unwrap()],
    )
    .await;
    assert!(export.status.success(), "{}", stderr(&export));

    let same = pxmctl_against(
        &sandbox,
        &repo("."),
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
    let plan = pxmctl_against(
        &sandbox,
        &repo("."),
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
    let sandbox = start(seeded(Seed::default())).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), "categories:\n  a: { nam: A }\n").unwrap();
    let invalid = pxmctl_against(
        &sandbox,
        &repo("."),
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
        writes(&sandbox),
        0,
        "nothing written for an invalid catalog"
    );

    // The account is read while the catalog is checked, but the catalog's
    // problems still come first: no word of the missing credentials.
    let output = Pxmctl::new(&["plan", dir.path().to_str().unwrap()])
        .env("PXM_BASE_URL", sandbox.base_url())
        .output_off_runtime()
        .await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("c.yaml:2") && !err.contains("credentials"),
        "{err}"
    );

    // The demo names regions this account does not have.
    let missing = pxmctl_against(&sandbox, &repo("."), &["plan", "catalog"]).await;
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert!(
        err.contains("missing-live") && err.contains("United States"),
        "{err}"
    );
    // Quoted from the file read again: a catalog's text is let go once it
    // checks (`Sources::release_texts`), and it has not changed since.
    assert!(err.contains(" 9 |   us: { name: United States }"), "{err}");
}
