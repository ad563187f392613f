//! What a user meets before any catalog: `--version` names the commit the
//! binary was built from, every command's `--help` ends with examples of
//! itself, and the shell completions know every command.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support::cli::{Pxmctl, stdout};

use std::path::Path;
use std::process::{Command, Output};

/// `pxmctl ARGS` 200 columns wide, so help is wrapped as on a wide terminal.
fn wide(args: &[&str]) -> Output {
    Pxmctl::new(args).env("COLUMNS", "200").output()
}

/// `git ARGS` in this package's checkout, or `None` without git or when
/// the package is not its own checkout (as build.rs decides).
fn git(args: &[&str]) -> Option<String> {
    let run = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
    };
    let top = run(&["rev-parse", "--show-toplevel"])?;
    let same = Path::new(&top).canonicalize().ok()?
        == Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().ok()?;
    if same { run(args) } else { None }
}

#[test]
fn version_names_the_package_version_and_the_commit_built_from() {
    let out = wide(&["--version"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let prefix = concat!("pxmctl ", env!("CARGO_PKG_VERSION"), " (");
    let inside = text
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("`{text}` is not `{prefix}…)`"));
    assert_eq!(stdout(&wide(&["-V"])), text, "-V says the same");

    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else {
        assert_eq!(inside, "commit unknown");
        return;
    };
    let (commit, date) = inside.split_once(' ').unwrap();
    let dirty = commit.ends_with("-dirty");
    assert_eq!(commit.trim_end_matches("-dirty"), head);
    assert_eq!(Some(date.to_owned()), git(&["log", "-1", "--format=%cs"]));
    // Dirty exactly when the sources the binary is built from differ from
    // the commit (the list build.rs watches).
    let changed = git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
        "examples/ci",
    ])
    .unwrap();
    assert_eq!(dirty, !changed.is_empty(), "{changed}");
}

/// The subcommands `pxmctl --help` lists, so a new command is checked
/// without editing this test.
fn subcommands() -> Vec<String> {
    let help = stdout(&wide(&["--help"]));
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Wrapped descriptions continue on lines indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_help_ends_with_examples_of_itself() {
    let commands = subcommands();
    for expected in [
        "init",
        "validate",
        "schema",
        "status",
        "plan",
        "apply",
        "export",
        "sandbox",
        "completions",
    ] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
    let mut missing = Vec::new();
    for command in commands.iter().map(String::as_str).chain([""]) {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let out = wide(&args);
        assert!(out.status.success(), "{args:?}");
        let help = stdout(&out);
        let examples: Vec<&str> = help
            .lines()
            .skip_while(|l| *l != "Examples:")
            .skip(1)
            .collect();
        let itself = format!("  pxmctl {command}").trim_end().to_owned();
        if !examples.iter().any(|l| l.starts_with(&itself)) {
            missing.push(format!("pxmctl {command}"));
        }
    }
    assert!(
        missing.is_empty(),
        "no `Examples:` of themselves: {missing:?}"
    );
}

#[test]
fn completions_for_every_shell_know_every_command() {
    let commands = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = wide(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        for command in &commands {
            assert!(script.contains(command.as_str()), "{shell}: {command}");
        }
        assert!(script.contains("detailed-exitcode"), "{shell}: flags too");
    }
    let out = wide(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn bash_completes_a_command_and_a_flag() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: no bash");
        return;
    }
    let script = stdout(&wide(&["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pxmctl.bash");
    std::fs::write(&file, script).unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let probe = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n_pxmctl pxmctl '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            file.display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out).lines().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(complete("pxmctl pl"), ["plan"]);
    assert!(complete("pxmctl plan --det").contains(&"--detailed-exitcode".to_owned()));
    assert!(complete("pxmctl completions ").contains(&"zsh".to_owned()));
}
