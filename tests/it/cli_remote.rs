//! The binary against the sandbox: `pxmctl status`, secrets that never
//! reach any output (with `-vv`, failing or not), and the token cache
//! reused across runs with mode 0600 even under `umask 000`.
#![allow(clippy::unwrap_used)]

use crate::remote_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use pxmctl::sandbox::{Credentials, RunningSandbox, SandboxConfig};
use remote_support::{config, script, seed, start};
use serde_json::json;

const CANARY_SECRET: &str = "canary-secret-5f2e91";

async fn sandbox() -> RunningSandbox {
    start(SandboxConfig {
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: CANARY_SECRET.into(),
        }),
        ..config(seed(6, 30))
    })
    .await
}

/// Runs the binary (through `sh`, so a umask can be set) off the async
/// runtime that serves the sandbox.
async fn pxmctl(sandbox: &RunningSandbox, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("pxmctl");
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PXM_BASE_URL", sandbox.base_url())
        .env("PXM_CLIENT_ID", "demo")
        .env("PXM_CLIENT_SECRET", CANARY_SECRET)
        .env("PXM_TOKEN_CACHE", "off")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        command.env(k, v);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_no_secret(output: &Output, secrets: &[&str]) {
    let all = text(output);
    for secret in secrets {
        assert!(!all.contains(secret), "`{secret}` leaked into:\n{all}");
    }
}

fn empty_catalog() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn status_counts_the_account_and_never_shows_a_secret() {
    let sandbox = sandbox().await;
    let dir = empty_catalog();
    let path = dir.path().to_str().unwrap();
    let secrets = [CANARY_SECRET, sandbox.access_token()];

    let ok = pxmctl(&sandbox, &[], &["status", path, "-vv"]).await;
    assert!(ok.status.success(), "{}", text(&ok));
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.contains("6 categories, 30 collections"), "{stdout}");
    assert!(
        text(&ok).contains("GET /v2.1/collection?limit=100&offset=0"),
        "-vv logs requests"
    );
    assert_no_secret(&ok, &secrets);

    // Failing runs: refused credentials, a refused token, a faulty API.
    let wrong = pxmctl(
        &sandbox,
        &[("PXM_CLIENT_SECRET", "canary-wrong-0001")],
        &["status", path, "-vv"],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong).contains("PXM_CLIENT_SECRET"),
        "{}",
        text(&wrong)
    );
    assert_no_secret(&wrong, &[CANARY_SECRET, "canary-wrong-0001"]);

    let token = pxmctl(
        &sandbox,
        &[("PXM_TOKEN", "canary-token-0002")],
        &["status", path, "-vv"],
    )
    .await;
    assert_eq!(token.status.code(), Some(1));
    assert_no_secret(&token, &["canary-token-0002"]);

    script(
        &sandbox,
        json!({"action": "status", "status": 503, "count": 40}),
    )
    .await;
    let faulty = pxmctl(&sandbox, &[], &["status", path, "-vv"]).await;
    assert_eq!(faulty.status.code(), Some(1), "{}", text(&faulty));
    assert!(text(&faulty).contains("503"), "{}", text(&faulty));
    assert_no_secret(&faulty, &secrets);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_cache_is_private_and_reused_across_runs() {
    let sandbox = sandbox().await;
    let dir = empty_catalog();
    let path = dir.path().to_str().unwrap();
    let cache = dir.path().join("cache");
    let cache_env = [("PXM_TOKEN_CACHE", cache.to_str().unwrap())];

    let first = pxmctl(&sandbox, &cache_env, &["status", path]).await;
    assert!(first.status.success(), "{}", text(&first));
    let authorized = sandbox.stats().count("POST /v2.1/oauth/authorize", "200");
    assert_eq!(authorized, 1);

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700, "cache directory under umask 000");
    let files: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600, "token file under umask 000");

    let second = pxmctl(&sandbox, &cache_env, &["status", path]).await;
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        sandbox.stats().count("POST /v2.1/oauth/authorize", "200"),
        authorized,
        "the second run used the cached token"
    );

    // A cache others can read is refused with a warning, and not used.
    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    let third = pxmctl(&sandbox, &cache_env, &["status", path]).await;
    assert!(third.status.success(), "{}", text(&third));
    assert!(
        text(&third).contains("readable by other users"),
        "{}",
        text(&third)
    );
    assert_eq!(
        sandbox.stats().count("POST /v2.1/oauth/authorize", "200"),
        authorized + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn configuration_problems_are_reported_with_their_location() {
    let sandbox = sandbox().await;
    let dir = empty_catalog();
    std::fs::write(
        dir.path().join("pxmctl.yaml"),
        "environments:\n  sandbox:\n    base_url: http://127.0.0.1:1\n    pagesize: 10\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let bad = pxmctl(&sandbox, &[], &["status", path]).await;
    assert_eq!(bad.status.code(), Some(1));
    let all = text(&bad);
    assert!(all.contains("pxmctl.yaml:4:5"), "{all}");
    assert!(all.contains("page_size"), "did you mean: {all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_with_assets_shows_no_signature_or_secret() {
    let mut account = seed(6, 30);
    account.files.push(
        json!({"id": "hero", "file_name": "hero.txt", "content": "hello bytes", "collections": [{"id": "col0"}]})
            .as_object()
            .unwrap()
            .clone(),
    );
    let sandbox = start(SandboxConfig {
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: CANARY_SECRET.into(),
        }),
        ..config(account)
    })
    .await;
    let dir = empty_catalog();
    let out_dir = dir.path().join("exported");
    let run = pxmctl(
        &sandbox,
        &[],
        &[
            "export",
            "--with-assets",
            "-vv",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    )
    .await;
    assert!(run.status.success(), "{}", text(&run));
    assert_eq!(
        std::fs::read(out_dir.join("assets/hero.txt")).unwrap(),
        b"hello bytes"
    );
    assert_no_secret(&run, &[CANARY_SECRET, sandbox.access_token()]);
    let all = text(&run);
    assert!(!all.contains("X-Sandbox-Signature="), "{all}");
}
