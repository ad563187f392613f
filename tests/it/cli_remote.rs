//! The binary against the sandbox: `pxmctl status`, secrets that never
//! reach any output (with `-vv`, failing or not), and the token cache
//! reused across runs with mode 0600 even under `umask 000`.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{Pxmctl, text};
use crate::support::sandbox::{script, seeded, start};
use crate::support::seed::{every_kind, obj};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use pxmctl::sandbox::{Credentials, RunningSandbox, SandboxConfig};
use serde_json::json;

const CANARY_SECRET: &str = "canary-secret-5f2e91";

async fn sandbox() -> RunningSandbox {
    start(SandboxConfig {
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: CANARY_SECRET.into(),
        }),
        ..seeded(every_kind(6, 30))
    })
    .await
}

/// `pxmctl ARGS` against the sandbox (client `demo`, the canary secret)
/// with `envs` besides, under `umask 000`, so a private file is pxmctl's
/// own doing.
async fn pxmctl_under_umask_000(
    sandbox: &RunningSandbox,
    envs: &[(&str, &str)],
    args: &[&str],
) -> Output {
    Pxmctl::new(args)
        .against(sandbox)
        .envs(envs)
        .umask("000")
        .output_off_runtime()
        .await
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

    let ok = pxmctl_under_umask_000(&sandbox, &[], &["status", path, "-vv"]).await;
    assert!(ok.status.success(), "{}", text(&ok));
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.contains("6 categories, 30 collections"), "{stdout}");
    assert!(
        text(&ok).contains("GET /v2.1/collection?limit=100&offset=0"),
        "-vv logs requests"
    );
    assert_no_secret(&ok, &secrets);

    // Failing runs: refused credentials, a refused token, a faulty API.
    let wrong = pxmctl_under_umask_000(
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

    let token = pxmctl_under_umask_000(
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
    let faulty = pxmctl_under_umask_000(&sandbox, &[], &["status", path, "-vv"]).await;
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

    let first = pxmctl_under_umask_000(&sandbox, &cache_env, &["status", path]).await;
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

    let second = pxmctl_under_umask_000(&sandbox, &cache_env, &["status", path]).await;
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        sandbox.stats().count("POST /v2.1/oauth/authorize", "200"),
        authorized,
        "the second run used the cached token"
    );

    // A cache others can read is refused with a warning, and not used.
    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    let third = pxmctl_under_umask_000(&sandbox, &cache_env, &["status", path]).await;
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
    let bad = pxmctl_under_umask_000(&sandbox, &[], &["status", path]).await;
    assert_eq!(bad.status.code(), Some(1));
    let all = text(&bad);
    assert!(all.contains("pxmctl.yaml:4:5"), "{all}");
    assert!(all.contains("page_size"), "did you mean: {all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_with_assets_shows_no_signature_or_secret() {
    let mut account = every_kind(6, 30);
    account.files.push(obj(
        json!({"id": "hero", "file_name": "hero.txt", "content": "hello bytes", "collections": [{"id": "col0"}]}),
    ));
    let sandbox = start(SandboxConfig {
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: CANARY_SECRET.into(),
        }),
        ..seeded(account)
    })
    .await;
    let dir = empty_catalog();
    let out_dir = dir.path().join("exported");
    let run = pxmctl_under_umask_000(
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
