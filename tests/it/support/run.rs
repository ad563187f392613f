//! A catalog directory and a sandbox, with the binary run between them:
//! the fixture of the tests that use pxmctl as a user does.

use std::process::Output;

use pxmctl::sandbox::{Readings, RunningSandbox, Seed};
use serde_json::Value;

use super::cli::{pxmctl, text};
use super::served::Served;

pub struct Run {
    pub served: Served,
    /// Holds `catalog/`, and is where the binary runs.
    pub work: tempfile::TempDir,
}

impl Run {
    pub fn new(seed: Seed, readings: Readings, files: &[(&str, &[u8])]) -> Self {
        Self::on(Served::reading(seed, readings), files)
    }

    /// The catalog files `files` beside the sandbox `served`.
    pub fn on(served: Served, files: &[(&str, &[u8])]) -> Self {
        let work = tempfile::tempdir().unwrap();
        super::files::write_files(&work.path().join("catalog"), files);
        Self { served, work }
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.work.path().join("catalog").join(name), bytes).unwrap();
    }

    /// `pxmctl ARGS` in the work directory, reaching the sandbox.
    pub fn pxmctl(&self, args: &[&str]) -> Output {
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
        self.served.sandbox()
    }

    /// Requests to `route`, whatever the answer.
    pub fn requests_to(&self, route: &str) -> u64 {
        super::requests::requests_to(self.sandbox(), route)
    }

    /// A GET through the API, as a UI would see it.
    pub fn get(&self, path: &str) -> Value {
        self.served.get(path)
    }

    pub fn script(&self, fault: Value) {
        self.served.script(fault);
    }

    pub fn files(&self) -> Vec<Value> {
        self.get("/v2.1/file?limit=1000")
            .as_array()
            .unwrap()
            .clone()
    }
}
