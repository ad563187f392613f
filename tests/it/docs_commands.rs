//! Every command the README and docs/ show in a ```sh block runs as
//! written: each block in a fresh workspace (the bundled catalog at
//! `catalog/` with the settings `pxmctl init` writes beside it, and a
//! sandbox holding its regions that every environment points at), each
//! line on its own through bash. A line passes when it exits 0, 2 or 3
//! (plan's "changes" and "deletions"); 1 is an error. A block that cannot
//! run here says why in a `<!-- docs-test: skip … -->` line above it;
//! `<!-- docs-test: empty -->` runs it in an empty directory instead. A
//! line whose comment says it `asks` (on a terminal) is not run. The
//! sandbox has the credentials the docs use (`demo` / `demo-secret`).
#![allow(clippy::unwrap_used)]

use crate::support::cli::{bin_dir, text};
use crate::support::files::{copy_dir, repo};
use crate::support::served::Served;

use std::path::{Path, PathBuf};
use std::process::Command;

use pxmctl::sandbox::{Credentials, SandboxConfig, Seed};

struct Block {
    file: String,
    line: usize,
    marker: Option<String>,
    commands: Vec<String>,
}

/// The ```sh blocks of a Markdown file, with the marker line above each.
fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```sh" {
            let marker = lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .and_then(|l| l.trim().strip_prefix("<!-- docs-test:"))
                .map(|m| m.trim_end_matches("-->").trim().to_owned());
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && lines[end].trim() != "```" {
                end += 1;
            }
            out.push(Block {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                line: start,
                marker,
                commands: lines[start..end]
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| (*l).to_owned())
                    .collect(),
            });
            i = end;
        }
        i += 1;
    }
    out
}

fn documents() -> Vec<PathBuf> {
    let mut paths = vec![repo("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
}

/// A fresh workspace for one block and the sandbox it talks to.
fn workspace(empty: bool) -> (tempfile::TempDir, Served) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("home")).unwrap();
    let catalog = pxmctl::catalog::load(&repo("catalog")).catalog.unwrap();
    let served = Served::configured(SandboxConfig {
        rate_limit: None,
        seed: Some(Seed::with_regions(
            catalog.regions.values().map(|r| r.value.name.as_str()),
        )),
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: "demo-secret".into(),
        }),
        ..SandboxConfig::default()
    });
    if !empty {
        copy_dir(&repo("catalog"), &dir.path().join("catalog"));
        let init = run(dir.path(), &served, "pxmctl init catalog --ci none");
        assert!(init.status.success(), "{}", text(&init));
    }
    (dir, served)
}

fn run(dir: &Path, served: &Served, line: &str) -> std::process::Output {
    // The README's first command builds pxmctl; here it is built.
    let line = line.replace("cargo run --locked -- ", "pxmctl ");
    let secret = served.sandbox().client_secret();
    let path = format!("{}:/usr/bin:/bin", bin_dir().display());
    Command::new("bash")
        .args(["-c", &line])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.join("home"))
        .envs(served.env())
        .env("PXM_SANDBOX_CLIENT_SECRET", secret)
        .env("PXM_STAGING_CLIENT_SECRET", secret)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn every_documented_command_runs_as_written() {
    assert!(
        Command::new("bash").arg("-c").arg("true").status().is_ok(),
        "the documented commands are shell: this test needs bash"
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for doc in documents() {
        for block in blocks(&doc) {
            let marker = block.marker.as_deref().unwrap_or("");
            if marker.starts_with("skip") {
                assert!(
                    marker.len() > "skip".len() + 2,
                    "{}:{}: say why a block is skipped",
                    block.file,
                    block.line
                );
                continue;
            }
            let (dir, served) = workspace(marker == "empty");
            for command in &block.commands {
                if command
                    .split_once('#')
                    .is_some_and(|(_, c)| c.contains("asks"))
                {
                    continue;
                }
                let o = run(dir.path(), &served, command);
                ran += 1;
                if !matches!(o.status.code(), Some(0 | 2 | 3)) {
                    let t = text(&o);
                    let tail: String = t
                        .lines()
                        .rev()
                        .take(6)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n");
                    failures.push(format!(
                        "{}:{}: `{command}` exited {:?}:\n{tail}",
                        block.file,
                        block.line,
                        o.status.code()
                    ));
                }
            }
        }
    }
    assert!(ran >= 25, "only {ran} documented commands ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
