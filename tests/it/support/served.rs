//! A sandbox served on its own runtime, so a test that is not async can
//! block on the binary while the sandbox answers it.

use std::future::Future;

use pxmctl::sandbox::{Readings, RunningSandbox, SandboxConfig, Seed};
use reqwest::Method;
use serde_json::Value;

use super::harness::Harness;
use super::sandbox::seeded;

pub struct Served {
    /// The sandbox and its clients; dropped before the runtime that
    /// serves it.
    pub harness: Harness,
    runtime: tokio::runtime::Runtime,
}

impl Served {
    /// Holding `seed`, no rate limit, no faults.
    pub fn start(seed: Seed) -> Self {
        Self::reading(seed, Readings::default())
    }

    /// [`Served::start`], serving `readings` where the guides are silent.
    pub fn reading(seed: Seed, readings: Readings) -> Self {
        Self::configured(SandboxConfig {
            readings,
            ..seeded(seed)
        })
    }

    /// A sandbox started with `config`, sent nothing yet.
    pub fn configured(config: SandboxConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let harness = runtime.block_on(Harness::start_with_sandbox_token(config));
        Self { harness, runtime }
    }

    pub fn sandbox(&self) -> &RunningSandbox {
        &self.harness.sandbox
    }

    /// The variables a user (or CI) sets to reach this sandbox, and
    /// `NO_COLOR`.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = super::cli::sandbox_env(self.sandbox());
        env.push(("NO_COLOR".to_owned(), "1".to_owned()));
        env
    }

    /// Runs `future` on the sandbox's runtime (to script a fault, read a
    /// value) from a test that is not async itself.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A raw request with the token, as a UI would send it, which must
    /// succeed; its body.
    pub fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.block_on(self.harness.expect_success(method, path, body))
    }

    /// A GET through the API, as a UI would see it.
    pub fn get(&self, path: &str) -> Value {
        self.call(Method::GET, path, None)
    }

    /// Scripts the sandbox's next answers.
    pub fn script(&self, fault: Value) {
        self.block_on(super::sandbox::script(self.sandbox(), fault));
    }

    /// Live objects of one kind (`category`, `collection`, `file`, ...).
    pub fn objects(&self, kind: &str) -> usize {
        self.sandbox()
            .stats()
            .objects
            .get(kind)
            .copied()
            .unwrap_or(0)
    }
}
