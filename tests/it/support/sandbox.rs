//! Starting an in-process sandbox for a test, and scripting its next
//! answers. A test sandbox has no rate limit and no faults unless the
//! test asks for them.

use pxmctl::sandbox::{RunningSandbox, Sandbox, SandboxConfig, Seed, UploadConfig};
use serde_json::Value;

/// No rate limit, no faults, the default account (a primary region).
pub fn config() -> SandboxConfig {
    SandboxConfig {
        rate_limit: None,
        ..SandboxConfig::default()
    }
}

/// [`config`] holding `seed`.
pub fn seeded(seed: Seed) -> SandboxConfig {
    SandboxConfig {
        seed: Some(seed),
        ..config()
    }
}

/// Uploads of more than 64 KiB are multipart, in parts of 64 KiB: small
/// enough for a test's file to need several.
pub fn small_parts() -> UploadConfig {
    UploadConfig {
        multipart_threshold: 64 * 1024,
        part_size: 64 * 1024,
        ..UploadConfig::default()
    }
}

pub async fn start(config: SandboxConfig) -> RunningSandbox {
    Sandbox::start(config).await.unwrap()
}

/// Scripts the sandbox's next answers (see docs/sandbox.md).
pub async fn script(sandbox: &RunningSandbox, fault: Value) {
    let r = crate::support::connection::http()
        .post(sandbox.url("/_sandbox/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "scripting {fault}: {}", r.status());
}
