//! `pxmctl init [DIR]`: start a catalog repository. Writes the catalog
//! directory (settings with sandbox, staging and production environments,
//! a starter file, the schema for editors, a `.gitignore` for caches) and,
//! at the repository root it is run from, the editor settings and the CI
//! files of `examples/ci/` (compiled in, so there is one copy of each).
//! Never replaces a file that differs from what it would write unless
//! given `--force`.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone};
use crate::catalog::format::is_valid_key;
use crate::catalog::load::{is_catalog_yaml, walk};
use crate::catalog::schema::schema_text;
use crate::config::format::{SCHEMA as SETTINGS_SCHEMA, SCHEMA_FILE as SETTINGS_SCHEMA_FILE};
use crate::config::{ALT_FILE_NAME, FILE_NAME};
use crate::export::SCHEMA_FILE;

const GITHUB_WORKFLOW: &str = include_str!("../../examples/ci/github/pxmctl.yml");
const GITHUB_DRIFT: &str = include_str!("../../examples/ci/github/pxmctl-drift.yml");
const GITLAB_CI: &str = include_str!("../../examples/ci/gitlab/.gitlab-ci.yml");

/// The commit this binary was built from (build.rs), empty when unknown or
/// built from uncommitted changes: the CI files install the same one.
const COMMIT: &str = env!("PXMCTL_COMMIT");

/// The starter catalog file inside DIR.
const STARTER: &str = "catalog.yaml";

/// Which CI files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(super) enum Ci {
    /// Both GitHub Actions and GitLab CI.
    #[default]
    All,
    /// `.github/workflows/pxmctl.yml` and `pxmctl-drift.yml`.
    Github,
    /// `.gitlab-ci.yml`.
    Gitlab,
    /// No CI files.
    None,
}

/// Start a catalog repository: the catalog directory, editor settings and
/// CI files.
///
/// Writes `DIR/pxmctl.yaml` (environments `sandbox`, `staging`,
/// `production`; secrets only from environment variables), a starter
/// `DIR/catalog.yaml`, `DIR/catalog.schema.json` and `DIR/.gitignore`; and,
/// in the current directory (the repository root), `.vscode/settings.json`
/// and the CI files that validate every pull request and plan it against
/// staging and production, apply on merge (staging, then production once
/// approved), and check production for drift on a schedule. Run it at the root of your repository. Files that already exist
/// and differ are listed and left alone unless given `--force`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl init                  # catalog/ here, CI for GitHub and GitLab\n  pxmctl init --ci github shop/catalog\n  pxmctl init --force          # replace files that differ from the templates"
)]
pub(super) struct InitArgs {
    /// The catalog directory to create, relative to the repository root
    /// (the current directory).
    #[arg(default_value = "catalog")]
    pub dir: PathBuf,
    /// Which CI files to write at the repository root.
    #[arg(long, value_enum, default_value_t)]
    pub ci: Ci,
    /// Replace existing files that differ from what init writes.
    #[arg(long)]
    pub force: bool,
}

/// One file init writes, relative to the current directory.
struct Planned {
    path: PathBuf,
    text: String,
}

/// What happens to a planned file.
enum Fate {
    Create,
    Replace,
    Unchanged,
}

pub(super) fn run(args: &InitArgs, out: Output) -> Outcome {
    match init(args, &out) {
        Ok(()) => Ok(Exit::Success),
        Err(message) => {
            out.error(&message);
            Err(Reported)
        }
    }
}

fn init(args: &InitArgs, out: &Output) -> Result<(), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let dir = relative_dir(&args.dir, &cwd)?;
    let mut notes = Vec::new();
    let files = planned(&dir, args.ci, &mut notes)?;

    let mut fates = Vec::with_capacity(files.len());
    let mut conflicts = Vec::new();
    for file in &files {
        let fate = match std::fs::read(&file.path) {
            Ok(bytes) if bytes == file.text.as_bytes() => Fate::Unchanged,
            Ok(_) => {
                conflicts.push(file.path.display().to_string());
                Fate::Replace
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fate::Create,
            Err(e) => return Err(format!("cannot read `{}`: {e}", file.path.display())),
        };
        fates.push(fate);
    }
    if !conflicts.is_empty() && !args.force {
        let listed = conflicts
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(if conflicts.len() == 1 {
            format!(
                "{listed} already exists and differs from what init writes; nothing was written. \
                 Pass `--force` to replace it, or move it aside"
            )
        } else {
            format!(
                "{} files already exist and differ from what init writes: {listed}; nothing was \
                 written. Pass `--force` to replace them, or move them aside",
                conflicts.len()
            )
        });
    }

    let mut report = String::new();
    for (file, fate) in files.iter().zip(&fates) {
        let verb = match fate {
            Fate::Unchanged => "unchanged",
            Fate::Create => "created  ",
            Fate::Replace => "replaced ",
        };
        if !matches!(fate, Fate::Unchanged) {
            if let Some(parent) = file.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
            }
            crate::atomic_file::write(&file.path, file.text.as_bytes())
                .map_err(|e| format!("cannot write `{}`: {e}", file.path.display()))?;
        }
        let _ = writeln!(report, "{verb} {}", file.path.display());
    }
    out.stderr(&report);
    for note in notes {
        out.stderr(&format!("note: {note}\n"));
    }
    let shown = dir.display();
    if args.ci != Ci::None {
        out.stderr(&format!(
            "ci: pull requests plan staging and production in one comment; merging applies \
             staging, then production once approved; a scheduled check reports production drift\n  \
             set `client_id` of staging and production in `{settings}`, and the secrets \
             `PXM_STAGING_CLIENT_SECRET` and `PXM_CLIENT_SECRET` in CI, as the comment atop each \
             CI file says\n",
            settings = dir.join(FILE_NAME).display(),
        ));
    }
    out.stderr(&format!(
        "{} catalog `{shown}` is ready; try it against a local sandbox:\n  \
         pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret   # in another terminal\n  \
         PXM_SANDBOX_CLIENT_SECRET=demo-secret pxmctl plan {shown}\n\
         to start from what is already in PXM instead, delete `{starter}` and run \
         `pxmctl export --env production --out {shown}`\n\
         next: pxmctl validate {shown}\n",
        out.paint("ok:", Tone::Good),
        starter = dir.join(STARTER).display(),
    ));
    Ok(())
}

/// Every file init writes for the catalog `dir`, in the order it reports
/// them.
fn planned(dir: &Path, ci: Ci, notes: &mut Vec<String>) -> Result<Vec<Planned>, String> {
    let slashed = slashed(dir);
    let mut files = Vec::new();
    if dir.join(ALT_FILE_NAME).exists() {
        notes.push(format!(
            "kept `{}`: pxmctl reads it as the settings file (no `{FILE_NAME}` written beside it)",
            dir.join(ALT_FILE_NAME).display()
        ));
    } else {
        files.push(Planned {
            path: dir.join(FILE_NAME),
            text: SETTINGS.to_owned(),
        });
    }
    let others = other_catalog_files(dir);
    if others.is_empty() {
        files.push(Planned {
            path: dir.join(STARTER),
            text: STARTER_CATALOG.to_owned(),
        });
    } else {
        notes.push(format!(
            "`{}` already holds a catalog ({}, ...): no starter file written",
            dir.display(),
            others[0].display()
        ));
    }
    files.push(Planned {
        path: dir.join(SCHEMA_FILE),
        text: schema_text(),
    });
    files.push(Planned {
        path: dir.join(SETTINGS_SCHEMA_FILE),
        text: SETTINGS_SCHEMA.text(),
    });
    files.push(Planned {
        path: dir.join(".gitignore"),
        text: GITIGNORE.to_owned(),
    });
    files.push(Planned {
        path: PathBuf::from(".vscode/settings.json"),
        text: vscode_settings(&slashed),
    });
    if matches!(ci, Ci::All | Ci::Github) {
        files.push(Planned {
            path: PathBuf::from(".github/workflows/pxmctl.yml"),
            text: ci_file(GITHUB_WORKFLOW, &slashed, COMMIT, Paths::Filtered)?,
        });
        files.push(Planned {
            path: PathBuf::from(".github/workflows/pxmctl-drift.yml"),
            text: ci_file(GITHUB_DRIFT, &slashed, COMMIT, Paths::Unfiltered)?,
        });
    }
    if matches!(ci, Ci::All | Ci::Gitlab) {
        files.push(Planned {
            path: PathBuf::from(".gitlab-ci.yml"),
            text: ci_file(GITLAB_CI, &slashed, COMMIT, Paths::Filtered)?,
        });
    }
    Ok(files)
}

/// Catalog YAML already in `dir` other than the starter, relative to it.
fn other_catalog_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(dir)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_catalog_yaml(&e.file_name().to_string_lossy()))
        .map(|e| e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf())
        .filter(|p| p != Path::new(STARTER))
        .collect();
    files.sort_unstable();
    files
}

/// `dir` relative to the repository root `cwd`, made only of names the CI
/// files and editor settings can hold unquoted.
fn relative_dir(dir: &Path, cwd: &Path) -> Result<PathBuf, String> {
    let relative = if dir.is_absolute() {
        dir.strip_prefix(cwd).map_err(|_| {
            format!(
                "`{}` is outside the current directory; run `pxmctl init` at the root of your repository and name the catalog directory relative to it",
                dir.display()
            )
        })?
    } else {
        dir
    };
    let mut clean = PathBuf::new();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) if name.to_str().is_some_and(is_valid_key) => {
                clean.push(name);
            }
            _ => {
                return Err(format!(
                    "`{}` cannot be the catalog directory: name it relative to the repository root (the current directory), without `..`, using letters, digits, `-`, `_` and `.` (for example `catalog`)",
                    dir.display()
                ));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(
            "the catalog needs a directory of its own below the repository root, such as `catalog`"
                .to_owned(),
        );
    }
    Ok(clean)
}

/// The path with `/` separators, as CI files and globs want it.
fn slashed(dir: &Path) -> String {
    dir.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a CI template runs only when the catalog changed (and so names
/// it in a `catalog/**` path filter), or on a schedule whatever changed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paths {
    Filtered,
    Unfiltered,
}

/// A CI template pointed at the catalog `dir` and, when known, pinned to
/// the commit `rev`.
fn ci_file(template: &str, dir: &str, rev: &str, paths: Paths) -> Result<String, String> {
    let missing = |what: &str| format!("the built-in CI template has no `{what}` line to fill in");
    let catalog_line = "PXMCTL_CATALOG: catalog\n";
    let rev_line = "PXMCTL_REV: \"\"\n";
    if template.matches(catalog_line).count() != 1 {
        return Err(missing(catalog_line.trim_end()));
    }
    if template.matches(rev_line).count() != 1 {
        return Err(missing(rev_line.trim_end()));
    }
    if paths == Paths::Filtered && !template.contains("catalog/**") {
        return Err(missing("catalog/**"));
    }
    let mut text = template
        .replace(catalog_line, &format!("PXMCTL_CATALOG: {dir}\n"))
        .replace("catalog/**", &format!("{dir}/**"));
    if !rev.is_empty() {
        text = text.replace(rev_line, &format!("PXMCTL_REV: \"{rev}\"\n"));
    }
    Ok(text)
}

/// VS Code settings binding the catalog's YAML to its schema (files
/// without the pragma line too), and the settings file to its own.
fn vscode_settings(dir: &str) -> String {
    let settings = serde_json::json!({
        "yaml.schemas": {
            format!("./{dir}/{SCHEMA_FILE}"): [
                format!("{dir}/**/*.yaml"),
                format!("{dir}/**/*.yml"),
                format!("!{dir}/{FILE_NAME}"),
                format!("!{dir}/{ALT_FILE_NAME}"),
            ],
            format!("./{dir}/{SETTINGS_SCHEMA_FILE}"): [
                format!("{dir}/{FILE_NAME}"),
                format!("{dir}/{ALT_FILE_NAME}"),
            ]
        }
    });
    let mut text = serde_json::to_string_pretty(&settings).unwrap_or_default();
    text.push('\n');
    text
}

const SETTINGS: &str = r#"# yaml-language-server: $schema=pxmctl.schema.json
# Where pxmctl plans and applies this catalog, and how it signs in.
# Choose an environment with `--env NAME` or PXM_ENV; without either,
# pxmctl uses the local sandbox. Secrets never go in this file (it is in
# Git): each environment names the variable that holds its client secret.
# PXM_BASE_URL and PXM_CLIENT_ID, when set, win over the values here.
default_environment: sandbox

environments:
  # `pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret`
  # serves a local PXM API; then `PXM_SANDBOX_CLIENT_SECRET=demo-secret pxmctl plan`.
  sandbox:
    base_url: http://127.0.0.1:8765
    client_id: demo
    client_secret_env: PXM_SANDBOX_CLIENT_SECRET

  # What CI plans on every pull request and applies on merge: staging,
  # then production once approved. A client id is not a secret: CI reads
  # it here, each environment its own (PXM_CLIENT_ID, when set, would win
  # for every environment), and only the secrets from its secret store.
  staging:
    base_url: https://entapi.amplifi.io
    # client_id: your-staging-client-id
    client_secret_env: PXM_STAGING_CLIENT_SECRET

  production:
    base_url: https://entapi.amplifi.io
    # client_id: your-production-client-id
    client_secret_env: PXM_CLIENT_SECRET
"#;

const STARTER_CATALOG: &str = r"# yaml-language-server: $schema=catalog.schema.json
#
# A starter catalog: replace these entries with yours, in as many files
# and subdirectories of this directory as you like. Keys (`tents`,
# `two-person-tent`) are yours to choose and are how entries refer to each
# other; in PXM a category is found by its name, a product by its `sku`.
#
#   pxmctl validate   checks the catalog, with the file and line of each problem
#   pxmctl plan       shows what `pxmctl apply` would change in the account

categories:
  tents:
    name: Tents

collections:
  two-person-tent:
    name: Two-Person Backpacking Tent
    category: tents
    sku: TENT-2P
";

const GITIGNORE: &str = "# pxmctl's local caches (asset hashes)\n.pxmctl/\n";
