//! Records the Git commit pxmctl is built from, for `pxmctl --version`
//! and for the CI files `pxmctl init` writes (which install this same
//! commit). Without git, or outside pxmctl's own checkout (a crate
//! tarball, a copy vendored into another repository), the commit is
//! `commit unknown` rather than whatever repository happens to enclose it.

use std::path::Path;
use std::process::Command;

/// What the binary is built from. `-dirty` compares exactly these, so a
/// change elsewhere (docs) does not mark a binary as built from changes.
const SOURCES: &[&str] = &["src", "build.rs", "Cargo.toml", "Cargo.lock", "examples/ci"];

fn main() {
    println!("cargo:rerun-if-env-changed=PXMCTL_BUILD_COMMIT");
    for path in SOURCES {
        println!("cargo:rerun-if-changed={path}");
    }
    let (commit, summary) = match std::env::var("PXMCTL_BUILD_COMMIT") {
        // For packagers building from a tarball who know the commit.
        Ok(commit) if !commit.trim().is_empty() => {
            (commit.trim().to_owned(), commit.trim().to_owned())
        }
        _ => match from_git() {
            Some(found) => found,
            None => (String::new(), "commit unknown".to_owned()),
        },
    };
    println!("cargo:rustc-env=PXMCTL_COMMIT={commit}");
    println!("cargo:rustc-env=PXMCTL_BUILD={summary}");
}

/// The full commit hash (empty when dirty), and `abc1234[-dirty] YYYY-MM-DD`.
fn from_git() -> Option<(String, String)> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), Path::new(&manifest)) {
        return None;
    }
    // HEAD moves on checkout, the branch's ref on commit (loose or packed);
    // `--git-path` finds them in a linked worktree too.
    let head = git(&["rev-parse", "--git-path", "HEAD"])?;
    watch(&head);
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(&git(&["rev-parse", "--git-path", &branch])?);
    }
    watch(&git(&["rev-parse", "--git-path", "packed-refs"])?);
    let full = git(&["rev-parse", "HEAD"])?;
    let line = git(&["log", "-1", "--format=%h %cs", "HEAD"])?;
    let (short, date) = line.split_once(' ')?;
    // Read-only: a build must not rewrite the index under a running git.
    let mut status = vec!["--no-optional-locks", "status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = git(&status).is_some_and(|s| !s.is_empty());
    // Only a clean build is exactly its commit, worth pinning CI files to.
    let (pin, suffix) = if dirty {
        (String::new(), "-dirty")
    } else {
        (full, "")
    };
    Some((pin, format!("{short}{suffix} {date}")))
}

/// Reruns this script when `path` changes; a path that does not exist
/// (no packed refs yet) would make every build rerun it, so it is left out.
fn watch(path: &str) {
    if Path::new(path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `git ARGS` in the package directory: its trimmed stdout, or `None` if
/// git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_owned())
}
