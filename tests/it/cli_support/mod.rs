//! Shared harness of the tests that use pxmctl as a user does, from a
//! shell in a directory: a sandbox served on its own runtime (so the test
//! can block on the binary), the binary run with the sandbox's
//! credentials, and copies of example catalogs.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pxmctl::sandbox::{Readings, RunningSandbox, Sandbox, SandboxConfig, Seed};
use serde_json::Value;

/// An in-process sandbox, no rate limit, no faults.
pub struct Served {
    // Dropped before the runtime that serves it.
    pub sandbox: RunningSandbox,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start(seed: Seed) -> Self {
        Self::reading(seed, Readings::default())
    }

    /// [`Served::start`], serving `readings` where the guides are silent.
    pub fn reading(seed: Seed, readings: Readings) -> Self {
        Self::configured(SandboxConfig {
            rate_limit: None,
            seed: Some(seed),
            readings,
            ..SandboxConfig::default()
        })
    }

    /// A sandbox started with `config`.
    pub fn configured(config: SandboxConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        Self {
            sandbox,
            _runtime: runtime,
        }
    }

    /// The variables a user (or CI) sets to reach this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("PXM_BASE_URL", self.sandbox.base_url()),
            ("PXM_CLIENT_ID", self.sandbox.client_id()),
            ("PXM_CLIENT_SECRET", self.sandbox.client_secret()),
            ("PXM_TOKEN_CACHE", "off"),
            ("NO_COLOR", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Runs `future` on the sandbox's runtime (to script a fault, read a
    /// value) from a test that is not async itself.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self._runtime.block_on(future)
    }

    /// Live objects of one kind (`category`, `collection`, `file`, ...).
    pub fn count(&self, kind: &str) -> usize {
        self.sandbox.stats().objects.get(kind).copied().unwrap_or(0)
    }
}

/// The directory holding the built `pxmctl`, to put on `PATH`.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pxmctl"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `pxmctl ARGS` in `dir` with only `env` set (and no terminal).
pub fn pxmctl(dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pxmctl"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// stdout then stderr, for assertions and failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Copies a directory tree (an example catalog into a temp dir, so runs
/// leave nothing behind in the repository).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A path in this repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A catalog directory and a sandbox, with the binary run between them.
pub struct Run {
    pub served: Served,
    pub work: tempfile::TempDir,
}

impl Run {
    pub fn new(seed: Seed, readings: Readings, files: &[(&str, &[u8])]) -> Self {
        Self::on(Served::reading(seed, readings), files)
    }

    /// The catalog files `files` beside the sandbox `served`.
    pub fn on(served: Served, files: &[(&str, &[u8])]) -> Self {
        let work = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = work.path().join("catalog").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        Self { served, work }
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.work.path().join("catalog").join(name), bytes).unwrap();
    }

    pub fn pxmctl(&self, args: &[&str]) -> std::process::Output {
        pxmctl(self.work.path(), &self.served.env(), args)
    }

    /// `pxmctl ARGS catalog` must exit `code`; its output.
    pub fn expect(&self, code: i32, args: &[&str]) -> String {
        let mut all = args.to_vec();
        all.push("catalog");
        let out = self.pxmctl(&all);
        assert_eq!(out.status.code(), Some(code), "{args:?}\n{}", text(&out));
        text(&out)
    }

    pub fn sandbox(&self) -> &RunningSandbox {
        &self.served.sandbox
    }

    pub fn count(&self, route: &str) -> u64 {
        self.sandbox()
            .stats()
            .requests
            .get(route)
            .map_or(0, |by_status| by_status.values().sum())
    }

    /// A GET through the API, as a UI would see it.
    pub fn get(&self, path: &str) -> Value {
        let sandbox = self.sandbox();
        self.served.block_on(async {
            let response = crate::sandbox_support::client()
                .get(sandbox.url(path))
                .bearer_auth(sandbox.access_token())
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "GET {path}: {}",
                response.status()
            );
            response.json().await.unwrap()
        })
    }

    pub fn script(&self, fault: Value) {
        let sandbox = self.sandbox();
        self.served.block_on(async {
            let r = crate::sandbox_support::client()
                .post(sandbox.url("/_sandbox/faults"))
                .json(&fault)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        });
    }

    pub fn files(&self) -> Vec<Value> {
        self.get("/v2.1/file?limit=1000")
            .as_array()
            .unwrap()
            .clone()
    }
}
