//! `pxmctl init` and the CI files it writes, as a user meets them: the
//! scaffold validates and its settings resolve, existing files are never
//! replaced unasked, and the GitHub and GitLab jobs' own scripts, run
//! with bash against two sandboxes (staging and production), validate,
//! plan both into one comment-ready Markdown file, apply the plan
//! reviewed for staging on merge and the one reviewed for production
//! after it (and only those), and tell drift from no drift on a schedule.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support::cli::{bin_dir, pxmctl, text};
use crate::support::files::repo;
use crate::support::served::Served;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pxmctl::config::Settings;
use pxmctl::remote::Credentials;
use pxmctl::sandbox::Seed;
use serde_json::Value;

/// `pxmctl init ARGS` in a fresh directory.
fn init(args: &[&str]) -> (tempfile::TempDir, Output) {
    let root = tempfile::tempdir().unwrap();
    let out = init_in(root.path(), args);
    (root, out)
}

fn init_in(root: &Path, args: &[&str]) -> Output {
    let mut all = vec!["init"];
    all.extend(args);
    pxmctl(root, &[], &all)
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn init_writes_a_catalog_that_validates_with_settings_that_resolve() {
    let (root, out) = init(&[]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    for file in [
        "catalog/pxmctl.yaml",
        "catalog/catalog.yaml",
        "catalog/catalog.schema.json",
        "catalog/pxmctl.schema.json",
        "catalog/.gitignore",
        ".vscode/settings.json",
        ".github/workflows/pxmctl.yml",
        ".github/workflows/pxmctl-drift.yml",
        ".gitlab-ci.yml",
    ] {
        assert!(root.join(file).is_file(), "{file}");
        assert!(said.contains(&format!("created   {file}")), "{said}");
    }
    assert!(said.contains("next: pxmctl validate catalog"), "{said}");
    // What CI needs before it can plan: the client ids in the settings,
    // and the two secrets the settings name.
    assert!(
        said.contains("ci: pull requests plan staging and production")
            && said.contains("`client_id` of staging and production in `catalog/pxmctl.yaml`")
            && said.contains("`PXM_STAGING_CLIENT_SECRET` and `PXM_CLIENT_SECRET`"),
        "{said}"
    );

    let validated = pxmctl(root, &[], &["validate", "catalog"]);
    assert_eq!(validated.status.code(), Some(0), "{}", text(&validated));

    // The editor pragma points at a schema that is there, and is the one
    // `pxmctl schema` prints.
    let starter = read(root.join("catalog/catalog.yaml"));
    let pragma = starter.lines().next().unwrap();
    let schema = pragma
        .strip_prefix("# yaml-language-server: $schema=")
        .unwrap();
    let printed = pxmctl(root, &[], &["schema"]);
    assert_eq!(
        read(root.join("catalog").join(schema)).as_bytes(),
        printed.stdout
    );
    let settings: Value = serde_json::from_str(&read(root.join(".vscode/settings.json"))).unwrap();
    assert_eq!(
        settings["yaml.schemas"]["./catalog/catalog.schema.json"],
        serde_json::json!([
            "catalog/**/*.yaml",
            "catalog/**/*.yml",
            "!catalog/pxmctl.yaml",
            "!catalog/pxmctl.yml"
        ])
    );
    // pxmctl.yaml has its own schema, pointed at the same two ways.
    let settings_pragma = read(root.join("catalog/pxmctl.yaml"));
    let settings_schema = settings_pragma
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
        .unwrap();
    let printed = pxmctl(root, &[], &["schema", "--settings"]);
    assert_eq!(
        read(root.join("catalog").join(settings_schema)).as_bytes(),
        printed.stdout
    );
    assert_eq!(
        settings["yaml.schemas"]["./catalog/pxmctl.schema.json"],
        serde_json::json!(["catalog/pxmctl.yaml", "catalog/pxmctl.yml"])
    );
    assert!(
        read(root.join("catalog/.gitignore"))
            .lines()
            .any(|l| l == ".pxmctl/")
    );

    // One copy of each CI file: init writes the examples, pinned to the
    // commit it was built from when that is known.
    for (written, example) in [
        (
            ".github/workflows/pxmctl.yml",
            "examples/ci/github/pxmctl.yml",
        ),
        (
            ".github/workflows/pxmctl-drift.yml",
            "examples/ci/github/pxmctl-drift.yml",
        ),
        (".gitlab-ci.yml", "examples/ci/gitlab/.gitlab-ci.yml"),
    ] {
        let written = read(root.join(written));
        let unpinned: String = written
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("PXMCTL_REV:") {
                    "  PXMCTL_REV: \"\"".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(unpinned.trim_end(), read(repo(example)).trim_end());
    }

    // Local runs default to the sandbox, with its secret from a variable;
    // CI picks production, where the id and secret come from variables.
    let catalog = root.join("catalog");
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let sandbox = Settings::resolve(
        &catalog,
        None,
        &vars(&[("PXM_SANDBOX_CLIENT_SECRET", "demo-secret")]),
    )
    .unwrap();
    assert_eq!(sandbox.environment.as_deref(), Some("sandbox"));
    assert_eq!(sandbox.connection.base_url, "http://127.0.0.1:8765");
    assert!(
        matches!(&sandbox.connection.credentials, Credentials::Client { id, .. } if id == "demo")
    );
    let production = Settings::resolve(
        &catalog,
        None,
        &vars(&[
            ("PXM_ENV", "production"),
            ("PXM_CLIENT_ID", "ci-client"),
            ("PXM_CLIENT_SECRET", "ci-secret"),
        ]),
    )
    .unwrap();
    assert_eq!(production.connection.base_url, "https://entapi.amplifi.io");
    let missing = Settings::resolve(&catalog, Some("staging"), &vars(&[])).unwrap_err();
    assert!(
        missing.to_string().contains("PXM_STAGING_CLIENT_SECRET"),
        "{missing}"
    );
}

#[test]
fn init_never_replaces_a_file_unasked() {
    let (root, out) = init(&[]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Again, nothing changed: every file is as init would write it.
    let again = init_in(root, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("unchanged catalog/pxmctl.yaml"),
        "{}",
        text(&again)
    );

    let mine = "# mine\nenvironments:\n  production: {}\n";
    std::fs::write(root.join("catalog/pxmctl.yaml"), mine).unwrap();
    std::fs::write(root.join(".gitlab-ci.yml"), "stages: [mine]\n").unwrap();
    std::fs::remove_file(root.join(".vscode/settings.json")).unwrap();
    let refused = init_in(root, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let said = text(&refused);
    assert!(said.contains("`catalog/pxmctl.yaml`"), "{said}");
    assert!(said.contains("`.gitlab-ci.yml`"), "{said}");
    assert!(said.contains("--force"), "{said}");
    assert_eq!(read(root.join("catalog/pxmctl.yaml")), mine);
    assert!(
        !root.join(".vscode/settings.json").exists(),
        "nothing written"
    );

    let forced = init_in(root, &["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    assert!(
        text(&forced).contains("replaced  catalog/pxmctl.yaml"),
        "{}",
        text(&forced)
    );
    assert!(
        text(&forced).contains("created   .vscode/settings.json"),
        "{}",
        text(&forced)
    );
    assert_ne!(read(root.join("catalog/pxmctl.yaml")), mine);
}

#[test]
fn init_in_a_subdirectory_points_ci_and_the_editor_at_it() {
    let (root, out) = init(&["--ci", "github", "shop/catalog"]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("next: pxmctl validate shop/catalog"));
    assert!(!root.join(".gitlab-ci.yml").exists(), "--ci github only");
    let workflow = read(root.join(".github/workflows/pxmctl.yml"));
    assert!(
        workflow.contains("PXMCTL_CATALOG: shop/catalog\n"),
        "{workflow}"
    );
    assert!(workflow.contains("- \"shop/catalog/**\""), "{workflow}");
    assert!(!workflow.contains("\"catalog/**\""), "{workflow}");
    let drift = read(root.join(".github/workflows/pxmctl-drift.yml"));
    assert!(drift.contains("PXMCTL_CATALOG: shop/catalog\n"), "{drift}");
    let settings = read(root.join(".vscode/settings.json"));
    assert!(
        settings.contains("\"./shop/catalog/catalog.schema.json\""),
        "{settings}"
    );
    let validated = pxmctl(root, &[], &["validate", "shop/catalog"]);
    assert_eq!(validated.status.code(), Some(0), "{}", text(&validated));

    for outside in ["../catalog", "/tmp/elsewhere", "my catalog"] {
        let out = init_in(root, &[outside]);
        assert_eq!(out.status.code(), Some(1), "{outside}: {}", text(&out));
        assert!(text(&out).contains("relative to"), "{}", text(&out));
    }
}

#[test]
fn init_beside_an_existing_catalog_adds_no_starter() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir(root.join("catalog")).unwrap();
    std::fs::write(
        root.join("catalog/gear.yaml"),
        "categories:\n  gear: { name: Gear }\n",
    )
    .unwrap();
    let out = init_in(root, &["--ci", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!root.join("catalog/catalog.yaml").exists());
    assert!(
        text(&out).contains("no starter file written"),
        "{}",
        text(&out)
    );
    assert!(!root.join(".github").exists() && !root.join(".gitlab-ci.yml").exists());
    assert!(
        !text(&out).contains("ci:"),
        "no CI, no CI setup: {}",
        text(&out)
    );
    let validated = pxmctl(root, &[], &["validate", "catalog"]);
    assert_eq!(validated.status.code(), Some(0), "{}", text(&validated));
    assert!(text(&validated).contains("1 categories") || text(&validated).contains("1 category"));
}

#[test]
fn the_first_hour_init_validate_status_plan_apply_against_the_local_sandbox() {
    let served = Served::start(Seed::default());
    let (root, _) = init(&["--ci", "none"]);
    let root = root.path();
    // As the init output says: the `sandbox` environment, its secret in
    // PXM_SANDBOX_CLIENT_SECRET (this sandbox listens on another port).
    let env: Vec<(String, String)> = vec![
        ("PXM_BASE_URL".into(), served.sandbox().base_url().into()),
        ("PXM_CLIENT_ID".into(), served.sandbox().client_id().into()),
        (
            "PXM_SANDBOX_CLIENT_SECRET".into(),
            served.sandbox().client_secret().into(),
        ),
        ("PXM_TOKEN_CACHE".into(), "off".into()),
    ];
    let run = |args: &[&str]| pxmctl(root, &env, args);

    let missing = run(&["validate", "katalog"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("pxmctl init katalog"),
        "{}",
        text(&missing)
    );
    let status = run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    assert!(
        text(&status).contains("environment  sandbox"),
        "{}",
        text(&status)
    );
    assert!(
        text(&status).contains("next: pxmctl plan catalog"),
        "{}",
        text(&status)
    );
    let plan = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    let apply = run(&["apply", "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let again = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(
        (served.objects("category"), served.objects("collection")),
        (1, 1)
    );
}

// ---------------------------------------------------------------------
// The CI files' scripts, run as the CI would run them.

/// One shell step of a CI job: what it is called, its script, and the
/// variables the file gives it (values computed by the CI platform, such
/// as `${{ secrets.X }}`, are left to the test).
struct Step {
    name: String,
    script: String,
    env: BTreeMap<String, String>,
}

/// Plain values of a YAML mapping of variables.
fn plain_vars(map: &Value) -> BTreeMap<String, String> {
    map.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => return None,
                other => other.to_string(),
            };
            (!v.contains("${{")).then(|| (k.clone(), v))
        })
        .collect()
}

fn parse_yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap()
}

/// The `run:` steps of a GitHub Actions job; `uses:` steps are GitHub's
/// own actions (checkout, cache, artifacts, the comment, the issue) and
/// are skipped.
fn github_steps(workflow: &Value, job: &str) -> Vec<Step> {
    let mut env = plain_vars(&workflow["env"]);
    env.extend(plain_vars(&workflow["jobs"][job]["env"]));
    let steps = workflow["jobs"][job]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no job `{job}`"));
    steps
        .iter()
        .filter_map(|step| {
            let script = step["run"].as_str()?;
            // Expressions inside a script are an injection risk, and would
            // not run the same anywhere else.
            assert!(!script.contains("${{"), "{script}");
            let mut env = env.clone();
            env.extend(plain_vars(&step["env"]));
            Some(Step {
                name: step["name"].as_str().unwrap_or(script).to_owned(),
                script: script.to_owned(),
                env,
            })
        })
        .collect()
}

/// A GitLab job's key, looked up through its `extends:` chain (the job
/// first, then each template it extends, as GitLab merges them).
fn gitlab_key<'a>(ci: &'a Value, job: &str, key: &str) -> &'a Value {
    let mut spec = &ci[job];
    for _ in 0..11 {
        if !spec[key].is_null() {
            return &spec[key];
        }
        match spec["extends"].as_str() {
            Some(template) => spec = &ci[template],
            None => break,
        }
    }
    &Value::Null
}

/// A GitLab job as one script: its `before_script`, then its `script`,
/// each line in turn as the runner does, with the file's variables and
/// those of the job and its templates.
fn gitlab_job(ci: &Value, job: &str) -> Step {
    assert!(ci[job].is_object(), "no job `{job}`");
    let lines = |key: &str| -> Vec<String> {
        gitlab_key(ci, job, key)
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect()
    };
    let mut script = lines("before_script");
    script.extend(lines("script"));
    let mut env = plain_vars(&ci["variables"]);
    let mut chain = vec![&ci[job]];
    while let Some(template) = chain.last().unwrap()["extends"].as_str() {
        chain.push(&ci[template]);
    }
    for spec in chain.iter().rev() {
        env.extend(plain_vars(&spec["variables"]));
    }
    Step {
        name: job.to_owned(),
        script: script.join("\n"),
        env,
    }
}

/// The variables a GitLab rule adds to its job (`PXMCTL_APPLY_FRESH` when
/// run by hand), for the rule whose `if:` contains `source`.
fn gitlab_rule<'a>(ci: &'a Value, job: &str, source: &str) -> &'a Value {
    ci[job]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["if"].as_str().unwrap().contains(source))
        .unwrap_or_else(|| panic!("`{job}` has no rule for {source}"))
}

/// Points the `staging` and `production` environments of the
/// `pxmctl.yaml` init wrote at two sandboxes, as a user sets their
/// accounts: the base URL, and the client id uncommented (it is not a
/// secret; CI reads only the secrets from its store).
fn point_environments(root: &Path, staging: &Served, production: &Served) {
    let path = root.join("catalog/pxmctl.yaml");
    let settings = read(&path);
    let mut current = "";
    let mut pointed = Vec::new();
    let mut lines = Vec::new();
    for line in settings.lines() {
        if let Some(name) = line
            .strip_prefix("  ")
            .and_then(|l| l.strip_suffix(':'))
            .filter(|l| !l.starts_with([' ', '#']))
        {
            current = name;
        }
        let served = match current {
            "staging" => staging,
            "production" => production,
            _ => {
                lines.push(line.to_owned());
                continue;
            }
        };
        lines.push(if line.starts_with("    base_url:") {
            format!("    base_url: {}", served.sandbox().base_url())
        } else if line.starts_with("    # client_id:") || line.starts_with("    client_id:") {
            pointed.push(current);
            format!("    client_id: {}", served.sandbox().client_id())
        } else {
            line.to_owned()
        });
    }
    assert_eq!(pointed, ["staging", "production"], "a client_id line each");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// A CI runner in `root` (the repository checkout): `pxmctl` on `PATH`,
/// and `cargo` and `rustup` stubs that fail, so an install step that
/// would build pxmctl shows up as a failure instead of a download.
struct Runner {
    root: PathBuf,
    _stubs: tempfile::TempDir,
    path: String,
    /// The platform's variables: the sandboxes' secrets (standing in for
    /// the secret store) and the like.
    env: Vec<(String, String)>,
}

impl Runner {
    /// A runner for the repository `root` whose `pxmctl.yaml` points
    /// staging and production at two sandboxes, with their secrets in the
    /// variables that file names.
    fn new(root: &Path, staging: &Served, production: &Served) -> Self {
        point_environments(root, staging, production);
        let env = vec![
            (
                "PXM_STAGING_CLIENT_SECRET".to_owned(),
                staging.sandbox().client_secret().to_owned(),
            ),
            (
                "PXM_CLIENT_SECRET".to_owned(),
                production.sandbox().client_secret().to_owned(),
            ),
            ("NO_COLOR".to_owned(), "1".to_owned()),
        ];
        let stubs = tempfile::tempdir().unwrap();
        for tool in ["cargo", "rustup"] {
            let stub = stubs.path().join(tool);
            std::fs::write(
                &stub,
                "#!/bin/sh\necho \"test: $0 must not run\" >&2\nexit 97\n",
            )
            .unwrap();
            let mut perms = std::fs::metadata(&stub).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&stub, perms).unwrap();
        }
        let path = format!(
            "{}:{}:{}",
            bin_dir().display(),
            stubs.path().display(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned())
        );
        Self {
            root: root.to_path_buf(),
            _stubs: stubs,
            path,
            env,
        }
    }

    /// Runs `steps` in order until one fails, as a job does, with `extra`
    /// variables (the event, what `${{ }}` would give). Returns each
    /// step's output, and the job's `GITHUB_OUTPUT` and summary.
    fn job(&self, steps: &[Step], extra: &[(&str, &str)]) -> Job {
        let files = tempfile::tempdir().unwrap();
        let output = files.path().join("output");
        let summary = files.path().join("summary");
        let mut ran = Vec::new();
        for step in steps {
            let script = files.path().join("step.sh");
            std::fs::write(&script, &step.script).unwrap();
            let out = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script)
                .current_dir(&self.root)
                .env_clear()
                .env("PATH", &self.path)
                .env("HOME", files.path())
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("CI_PROJECT_DIR", &self.root)
                .envs(step.env.iter())
                // The secret store wins over the file's variables, as a
                // GitLab project variable does.
                .envs(self.env.iter().map(|(k, v)| (k, v)))
                .envs(extra.iter().copied())
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let failed = !out.status.success();
            ran.push((step.name.clone(), out));
            if failed {
                break;
            }
        }
        Job {
            ran,
            outputs: std::fs::read_to_string(&output).unwrap_or_default(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    }
}

struct Job {
    ran: Vec<(String, Output)>,
    outputs: String,
    summary: String,
}

impl Job {
    fn succeeded(&self, steps: usize) -> bool {
        self.ran.len() == steps && self.ran.iter().all(|(_, o)| o.status.success())
    }

    fn log(&self) -> String {
        self.ran
            .iter()
            .map(|(name, o)| format!("## {name} ({:?})\n{}", o.status.code(), text(o)))
            .collect()
    }

    fn output(&self, key: &str) -> Option<&str> {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
    }
}

fn bash_available() -> bool {
    Command::new("bash").arg("--version").output().is_ok()
}

fn add_category(root: &Path, key: &str, name: &str) {
    let file = root.join("catalog/more.yaml");
    let mut yaml = std::fs::read_to_string(&file).unwrap_or_else(|_| "categories:\n".to_owned());
    yaml.push_str(&format!("  {key}: {{ name: {name} }}\n"));
    std::fs::write(file, yaml).unwrap();
}

/// Staging, empty, and production, already holding the starter's
/// category (made in the PXM UI before the catalog existed): the two
/// plans of one pull request differ, so each apply shows whose it took.
fn two_accounts() -> (Served, Served) {
    let production = Seed::from_yaml(
        "categories:\n  - { id: made-in-the-ui, name: Tents }\n",
        "production seed",
    )
    .unwrap();
    (Served::start(Seed::default()), Served::start(production))
}

/// The sections of a Markdown file holding several plans, by the
/// environment its heading names, in order.
fn sections(markdown: &str) -> Vec<(String, String)> {
    markdown
        .split("### pxmctl plan (")
        .skip(1)
        .map(|s| {
            let (env, rest) = s.split_once(")\n").unwrap();
            (env.to_owned(), rest.to_owned())
        })
        .collect()
}

/// The saved plans of a pull request: for staging and production, each
/// made against its own account.
fn assert_saved_plans(root: &Path, staging: &Served, production: &Served) {
    for (env, served) in [("staging", staging), ("production", production)] {
        let saved: Value =
            serde_json::from_str(&read(root.join(format!("pxmctl-plan/{env}.json")))).unwrap();
        assert_eq!(saved["environment"], env, "{saved}");
        assert_eq!(saved["base_url"], served.sandbox().base_url(), "{saved}");
    }
}

fn counts(served: &Served) -> (usize, usize) {
    (served.objects("category"), served.objects("collection"))
}

#[test]
fn the_github_workflow_plans_both_environments_and_promotes_the_reviewed_plans() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let (staging, production) = two_accounts();
    let (root, out) = init(&["--ci", "github"]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let workflow = parse_yaml(&root.join(".github/workflows/pxmctl.yml"));
    let plan_job = github_steps(&workflow, "plan");
    let to_staging = github_steps(&workflow, "apply-staging");
    let to_production = github_steps(&workflow, "apply-production");
    assert_eq!(plan_job.len(), 3, "install, validate, plan");
    assert_eq!(to_staging.len(), 2, "install, apply");
    assert_eq!(to_production.len(), 2, "install, apply");
    // Promotion: production waits for staging, and for the approval its
    // environment asks for; each applies its own plan with one script.
    let jobs = &workflow["jobs"];
    assert_eq!(jobs["apply-staging"]["environment"], "staging");
    assert_eq!(jobs["apply-production"]["environment"], "production");
    assert_eq!(jobs["apply-production"]["needs"], "apply-staging");
    assert_eq!(to_staging[1].script, to_production[1].script);
    assert_eq!(to_staging[1].env["PXM_ENV"], "staging");
    assert_eq!(to_production[1].env["PXM_ENV"], "production");
    for job in ["apply-staging", "apply-production"] {
        assert_eq!(jobs[job]["concurrency"]["cancel-in-progress"], false);
    }

    let runner = Runner::new(root, &staging, &production);
    let pull_request = [("GITHUB_EVENT_NAME", "pull_request")];
    let merged = [
        ("GITHUB_EVENT_NAME", "push"),
        ("PXMCTL_APPLY_FRESH", "false"),
        ("REVIEWED_IN", "12"),
    ];

    // The pull request: validated, both environments planned into one
    // Markdown file (the comment), each plan saved for its apply.
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("planned"), Some("true"), "{}", job.outputs);
    assert_eq!(job.output("changes"), Some("true"), "{}", job.outputs);
    let markdown = read(root.join("pxmctl-plan/plan.md"));
    let found = sections(&markdown);
    let names: Vec<&str> = found.iter().map(|(env, _)| env.as_str()).collect();
    assert_eq!(names, ["staging", "production"], "{markdown}");
    assert!(found[0].1.contains("2 to add"), "{markdown}");
    assert!(
        found[1].1.contains("1 to add"),
        "production holds the category already: {markdown}"
    );
    assert_eq!(job.summary, markdown, "the job summary shows both plans");
    assert_saved_plans(root, &staging, &production);
    assert_eq!((counts(&staging), counts(&production)), ((0, 0), (1, 0)));

    // The merge: staging applies the plan reviewed for it, and production
    // is untouched until its job runs.
    let job = runner.job(&to_staging, &merged);
    assert!(job.succeeded(to_staging.len()), "{}", job.log());
    assert!(
        job.log()
            .contains("Applying the staging plan reviewed in pull request #12"),
        "{}",
        job.log()
    );
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 0)));

    // Approved: production applies the plan reviewed for production (the
    // staging one would be refused there, as made for another account).
    let job = runner.job(&to_production, &merged);
    assert!(job.succeeded(to_production.len()), "{}", job.log());
    assert!(
        job.log()
            .contains("Applying the production plan reviewed in pull request #12"),
        "{}",
        job.log()
    );
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 1)));
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("changes"), Some("false"), "{}", job.log());
    let again = sections(&read(root.join("pxmctl-plan/plan.md")));
    assert_eq!(again.len(), 2);
    assert!(again.iter().all(|(_, s)| s.contains("No changes")));

    // Main moved on after the review: the reviewed plans are refused and
    // nothing is applied; running the workflow by hand plans and applies
    // main, staging then production.
    add_category(root, "stoves", "Stoves");
    let job = runner.job(&plan_job, &pull_request);
    assert_eq!(job.output("changes"), Some("true"), "{}", job.log());
    add_category(root, "lamps", "Lamps");
    for apply in [&to_staging, &to_production] {
        let job = runner.job(apply, &merged);
        assert!(!job.succeeded(apply.len()), "{}", job.log());
        assert!(job.log().contains("Run workflow"), "{}", job.log());
    }
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 1)));
    let by_hand = [
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("PXMCTL_APPLY_FRESH", "true"),
    ];
    let job = runner.job(&to_staging, &by_hand);
    assert!(job.succeeded(to_staging.len()), "{}", job.log());
    assert!(job.summary.contains("2 to add"), "{}", job.summary);
    assert_eq!((counts(&staging), counts(&production)), ((3, 1), (1, 1)));
    let job = runner.job(&to_production, &by_hand);
    assert!(job.succeeded(to_production.len()), "{}", job.log());
    assert_eq!(counts(&production), (3, 1));

    // A push with no reviewed plan applies nothing.
    std::fs::remove_dir_all(root.join("pxmctl-plan")).unwrap();
    add_category(root, "tarps", "Tarps");
    let job = runner.job(&to_staging, &merged);
    assert!(!job.succeeded(to_staging.len()), "{}", job.log());
    assert!(
        job.log().contains("no staging plan reviewed"),
        "{}",
        job.log()
    );
    assert_eq!(counts(&staging), (3, 1));
}

#[test]
fn the_github_workflow_fails_an_invalid_catalog_and_validates_forks_only() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let (staging, production) = two_accounts();
    let (root, _) = init(&["--ci", "github"]);
    let root = root.path();
    let workflow = parse_yaml(&root.join(".github/workflows/pxmctl.yml"));
    let plan_job = github_steps(&workflow, "plan");
    let mut runner = Runner::new(root, &staging, &production);
    let pull_request = [("GITHUB_EVENT_NAME", "pull_request")];

    // One environment that cannot be planned (its secret is wrong): the
    // comment still shows both, saying which failed, and the check fails.
    let good = runner.env.clone();
    for (k, v) in &mut runner.env {
        if k == "PXM_STAGING_CLIENT_SECRET" {
            *v = "wrong".to_owned();
        }
    }
    let job = runner.job(&plan_job, &pull_request);
    assert!(!job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("planned"), Some("true"), "{}", job.log());
    let found = sections(&read(root.join("pxmctl-plan/plan.md")));
    assert_eq!(found.len(), 2);
    assert!(found[0].1.contains("The plan failed"), "{found:?}");
    assert!(found[1].1.contains("to add"), "{found:?}");
    assert!(
        job.log().contains("the plan failed for: staging"),
        "{}",
        job.log()
    );
    runner.env = good;

    // A fork's pull request has no secrets: validated, not planned.
    runner.env.retain(|(k, _)| !k.ends_with("CLIENT_SECRET"));
    std::fs::remove_dir_all(root.join("pxmctl-plan")).unwrap();
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("planned"), None, "{}", job.log());
    assert!(
        job.log().contains("validated, not planned"),
        "{}",
        job.log()
    );
    assert!(!root.join("pxmctl-plan").exists());

    std::fs::write(
        root.join("catalog/more.yaml"),
        "categories:\n  tents: { name: Tents again }\n",
    )
    .unwrap();
    let job = runner.job(&plan_job, &pull_request);
    let (failed, out) = job.ran.last().unwrap();
    assert_eq!(failed, "Validate the catalog", "{}", job.log());
    assert_eq!(out.status.code(), Some(1), "{}", job.log());
    assert!(text(out).contains("duplicate"), "{}", job.log());
}

#[test]
fn the_gitlab_pipeline_plans_both_environments_and_promotes_the_reviewed_plans() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let (staging, production) = two_accounts();
    let (root, out) = init(&["--ci", "gitlab"]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ci = parse_yaml(&root.join(".gitlab-ci.yml"));
    let plan = [gitlab_job(&ci, "pxmctl-plan")];
    let to_staging = [gitlab_job(&ci, "pxmctl-apply-staging")];
    let to_production = [gitlab_job(&ci, "pxmctl-apply-production")];
    // Promotion: production is a manual job in its own environment, after
    // staging; both run one script, for the environment in PXM_ENV.
    assert_eq!(ci["pxmctl-apply-staging"]["environment"], "staging");
    assert_eq!(ci["pxmctl-apply-production"]["environment"], "production");
    let push_rule = gitlab_rule(&ci, "pxmctl-apply-production", "\"push\"");
    assert_eq!(push_rule["when"], "manual", "{push_rule}");
    assert!(
        ci["pxmctl-apply-production"]["needs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["job"] == "pxmctl-apply-staging"),
        "production waits for staging"
    );
    assert_eq!(to_staging[0].script, to_production[0].script);
    assert_eq!(to_staging[0].env["PXM_ENV"], "staging");
    assert_eq!(to_production[0].env["PXM_ENV"], "production");
    let by_hand: Vec<(String, String)> =
        plain_vars(&gitlab_rule(&ci, "pxmctl-apply-production", "\"web\"")["variables"])
            .into_iter()
            .chain([("CI_PIPELINE_SOURCE".to_owned(), "web".to_owned())])
            .collect();
    let by_hand: Vec<(&str, &str)> = by_hand
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let runner = Runner::new(root, &staging, &production);
    let mr = [("CI_PIPELINE_SOURCE", "merge_request_event")];
    let push = [("CI_PIPELINE_SOURCE", "push")];

    let job = runner.job(&plan, &mr);
    assert!(job.succeeded(1), "{}", job.log());
    let markdown = read(root.join("pxmctl-plan/plan.md"));
    let found = sections(&markdown);
    let names: Vec<&str> = found.iter().map(|(env, _)| env.as_str()).collect();
    assert_eq!(names, ["staging", "production"], "{markdown}");
    assert!(found[0].1.contains("2 to add"), "{markdown}");
    assert!(found[1].1.contains("1 to add"), "{markdown}");
    assert!(
        job.log().contains(&markdown),
        "the plans are in the job log"
    );
    assert_saved_plans(root, &staging, &production);
    // What the pxmctl-reviewed-plan job leaves beside the artifact.
    std::fs::write(root.join("pxmctl-plan/merge-request"), "7\n").unwrap();

    let job = runner.job(&to_staging, &push);
    assert!(job.succeeded(1), "{}", job.log());
    assert!(
        job.log()
            .contains("Applying the staging plan reviewed in merge request !7"),
        "{}",
        job.log()
    );
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 0)));
    let job = runner.job(&to_production, &push);
    assert!(job.succeeded(1), "{}", job.log());
    assert!(
        job.log()
            .contains("Applying the production plan reviewed in merge request !7"),
        "{}",
        job.log()
    );
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 1)));
    let job = runner.job(&plan, &mr);
    assert!(job.succeeded(1), "{}", job.log());
    assert!(
        sections(&read(root.join("pxmctl-plan/plan.md")))
            .iter()
            .all(|(_, s)| s.contains("No changes"))
    );

    // A stale plan is refused; a pipeline run by hand applies the branch,
    // staging then production.
    add_category(root, "stoves", "Stoves");
    for apply in [&to_staging, &to_production] {
        let job = runner.job(apply, &push);
        assert!(!job.succeeded(1), "{}", job.log());
        assert!(job.log().contains("Run pipeline"), "{}", job.log());
    }
    assert_eq!((counts(&staging), counts(&production)), ((1, 1), (1, 1)));
    let job = runner.job(&to_staging, &by_hand);
    assert!(job.succeeded(1), "{}", job.log());
    assert_eq!((counts(&staging), counts(&production)), ((2, 1), (1, 1)));
    let job = runner.job(&to_production, &by_hand);
    assert!(job.succeeded(1), "{}", job.log());
    assert_eq!(counts(&production), (2, 1));
}

/// Changes production behind Git's back, as an edit in the PXM UI would:
/// the starter's collection renamed, with pxmctl run from elsewhere.
fn edit_in_the_ui(production: &Served) {
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir(elsewhere.path().join("catalog")).unwrap();
    std::fs::write(
        elsewhere.path().join("catalog/ui.yaml"),
        "categories:\n  tents: { name: Tents }\ncollections:\n  tent:\n    name: Renamed in the UI\n    category: tents\n    sku: TENT-2P\n",
    )
    .unwrap();
    let out = pxmctl(
        elsewhere.path(),
        &production.env(),
        &["apply", "--auto-approve", "catalog"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn the_drift_checks_tell_drift_from_none_by_the_plans_exit_code() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let (staging, production) = two_accounts();
    let (root, out) = init(&[]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let workflow = parse_yaml(&root.join(".github/workflows/pxmctl-drift.yml"));
    assert!(
        workflow["on"]["schedule"][0]["cron"].is_string(),
        "{workflow}"
    );
    assert!(workflow["on"].get("workflow_dispatch").is_some());
    let github = github_steps(&workflow, "drift");
    assert_eq!(github.len(), 2, "install, plan");
    assert_eq!(github[1].env["PXM_ENV"], "production");
    // The issue is GitHub's part, and acts on the plan step's decision.
    let steps = workflow["jobs"]["drift"]["steps"].as_array().unwrap();
    let issue = steps.last().unwrap();
    assert_eq!(
        issue["env"]["DRIFTED"],
        "${{ steps.drift.outputs.drifted }}"
    );
    let ci = parse_yaml(&root.join(".gitlab-ci.yml"));
    let gitlab = [gitlab_job(&ci, "pxmctl-drift")];
    assert_eq!(gitlab[0].env["PXM_ENV"], "production");
    gitlab_rule(&ci, "pxmctl-drift", "\"schedule\"");
    gitlab_rule(&ci, "pxmctl-drift-issue", "\"schedule\"");
    assert_eq!(ci["pxmctl-drift-issue"]["needs"][0], "pxmctl-drift");
    let runner = Runner::new(root, &staging, &production);
    let schedule = [
        ("GITHUB_EVENT_NAME", "schedule"),
        ("CI_PIPELINE_SOURCE", "schedule"),
    ];
    // Both platforms' checks, on the same account: the GitHub step's
    // output and the GitLab job's dotenv report carry the decision.
    let check = |want: &str| {
        let job = runner.job(&github, &schedule);
        assert!(job.succeeded(github.len()), "{}", job.log());
        assert_eq!(job.output("drifted"), Some(want), "{}", job.log());
        let markdown = read(root.join("pxmctl-drift/plan.md"));
        assert!(
            markdown.starts_with("### pxmctl plan (production)\n"),
            "{markdown}"
        );
        assert_eq!(job.summary, markdown, "the run's summary shows the plan");
        let job = runner.job(&gitlab, &schedule);
        assert!(job.succeeded(1), "{}", job.log());
        assert_eq!(
            read(root.join("pxmctl-drift/drift.env")),
            format!("PXMCTL_DRIFTED={want}\n")
        );
        markdown
    };

    // Production is behind main (a merge not yet approved there): drift,
    // and the issue body would be the plan that catches it up.
    let markdown = check("true");
    assert!(markdown.contains("1 to add"), "{markdown}");
    // Caught up: no drift, so an open issue is closed.
    let ci_plan = github_steps(
        &parse_yaml(&root.join(".github/workflows/pxmctl.yml")),
        "plan",
    );
    let job = runner.job(&ci_plan, &[("GITHUB_EVENT_NAME", "pull_request")]);
    assert!(job.succeeded(ci_plan.len()), "{}", job.log());
    let apply = github_steps(
        &parse_yaml(&root.join(".github/workflows/pxmctl.yml")),
        "apply-production",
    );
    let job = runner.job(&apply, &[("PXMCTL_APPLY_FRESH", "false")]);
    assert!(job.succeeded(apply.len()), "{}", job.log());
    let markdown = check("false");
    assert!(markdown.contains("No changes"), "{markdown}");
    // Someone edits production in the PXM UI: drift, and the plan says
    // what applying main would put back.
    edit_in_the_ui(&production);
    let markdown = check("true");
    assert!(markdown.contains("Renamed in the UI"), "{markdown}");
    assert_eq!(counts(&staging), (0, 0), "the checks touch no account");

    // An error is neither: the job fails and the issue is left alone.
    let mut broken = Runner::new(root, &staging, &production);
    broken.env.retain(|(k, _)| k != "PXM_CLIENT_SECRET");
    let job = broken.job(&github, &schedule);
    assert!(!job.succeeded(github.len()), "{}", job.log());
    assert_eq!(job.ran.last().unwrap().1.status.code(), Some(1));
    assert_eq!(job.output("drifted"), None, "{}", job.log());
    let job = broken.job(&gitlab, &schedule);
    assert!(!job.succeeded(1), "{}", job.log());
}

/// A stand-in for GitLab's issues API on the runner: `curl` records each
/// call (and the JSON body it sends) in `dir`, and answers the search for
/// open issues with `dir/open.json`; `apk` does nothing.
fn fake_gitlab(dir: &Path) {
    let tools = [
        ("apk", "#!/bin/sh\nexit 0\n".to_owned()),
        (
            "curl",
            format!(
                "#!/bin/bash\nd='{}'\necho \"$*\" >> \"$d/calls\"\nfor a in \"$@\"; do\n  case \"$a\" in @*) cat \"${{a#@}}\" >> \"$d/sent\"; echo >> \"$d/sent\" ;; esac\ndone\ncase \" $* \" in *\" -G \"*) cat \"$d/open.json\" ;; esac\n",
                dir.display()
            ),
        ),
    ];
    for (name, script) in tools {
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).unwrap();
    }
}

#[test]
fn the_gitlab_drift_issue_is_opened_updated_and_closed_by_the_decision() {
    if !bash_available() || Command::new("jq").arg("--version").output().is_err() {
        eprintln!("skipped: no bash or jq");
        return;
    }
    let (staging, production) = two_accounts();
    let (root, _) = init(&["--ci", "gitlab"]);
    let root = root.path();
    let ci = parse_yaml(&root.join(".gitlab-ci.yml"));
    let drift = [gitlab_job(&ci, "pxmctl-drift")];
    let issue = [gitlab_job(&ci, "pxmctl-drift-issue")];
    let api = tempfile::tempdir().unwrap();
    fake_gitlab(api.path());
    let mut runner = Runner::new(root, &staging, &production);
    runner.path = format!("{}:{}", api.path().display(), runner.path);
    let schedule = [
        ("CI_PIPELINE_SOURCE", "schedule"),
        ("CI_API_V4_URL", "https://gitlab.test/api/v4"),
        ("CI_PROJECT_ID", "42"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_COMMIT_SHORT_SHA", "abc1234"),
        ("CI_PIPELINE_ID", "99"),
        ("CI_PIPELINE_URL", "https://gitlab.test/p/99"),
        ("PXMCTL_GITLAB_TOKEN", "glpat-test"),
    ];
    let issues = "https://gitlab.test/api/v4/projects/42/issues";
    let ours = r#"[{"iid": 4, "description": "someone else's"}, {"iid": 5, "description": "<!-- pxmctl-drift -->\nold plan"}]"#;
    // The issue job with these open issues, after the drift job decided:
    // the calls it made, and the bodies it sent.
    let file_issue = |open: &str| -> (Vec<String>, String) {
        let job = runner.job(&drift, &schedule);
        assert!(job.succeeded(1), "{}", job.log());
        let decided = read(root.join("pxmctl-drift/drift.env"));
        let drifted = decided.trim().strip_prefix("PXMCTL_DRIFTED=").unwrap();
        for file in ["calls", "sent"] {
            let _ = std::fs::remove_file(api.path().join(file));
        }
        std::fs::write(api.path().join("open.json"), open).unwrap();
        let mut env = schedule.to_vec();
        env.push(("PXMCTL_DRIFTED", drifted));
        let job = runner.job(&issue, &env);
        assert!(job.succeeded(1), "{}", job.log());
        let calls = std::fs::read_to_string(api.path().join("calls")).unwrap_or_default();
        let calls = calls.lines().map(str::to_owned).collect();
        let sent = std::fs::read_to_string(api.path().join("sent")).unwrap_or_default();
        (calls, sent)
    };
    let wrote = |calls: &[String]| -> Vec<String> {
        calls
            .iter()
            .filter(|c| c.contains(" -X "))
            .map(|c| {
                let method = c.split(" -X ").nth(1).unwrap().split(' ').next().unwrap();
                format!("{method} {}", c.split(' ').next_back().unwrap())
            })
            .collect()
    };

    // Drift (production is behind main), no issue yet: one is opened with
    // the plan as its body, after a search for ours by title.
    let (calls, sent) = file_issue("[]");
    assert!(
        calls[0].contains("-G") && calls[0].contains("in=title"),
        "{calls:?}"
    );
    assert_eq!(wrote(&calls), [format!("POST {issues}")], "{calls:?}");
    let body: Value = serde_json::from_str(sent.trim()).unwrap();
    assert_eq!(body["title"], "pxmctl: production differs from main");
    let description = body["description"].as_str().unwrap();
    assert!(
        description.starts_with("<!-- pxmctl-drift -->\n"),
        "{description}"
    );
    assert!(
        description.contains("### pxmctl plan (production)") && description.contains("1 to add"),
        "{description}"
    );

    // Still drifted, our issue open: its body is replaced, no new one.
    let (calls, _) = file_issue(ours);
    assert_eq!(wrote(&calls), [format!("PUT {issues}/5")], "{calls:?}");

    // Applied: no drift, so our issue gets a note and is closed...
    let plan = [gitlab_job(&ci, "pxmctl-plan")];
    let job = runner.job(&plan, &[("CI_PIPELINE_SOURCE", "merge_request_event")]);
    assert!(job.succeeded(1), "{}", job.log());
    let apply = [gitlab_job(&ci, "pxmctl-apply-production")];
    let job = runner.job(&apply, &[("CI_PIPELINE_SOURCE", "push")]);
    assert!(job.succeeded(1), "{}", job.log());
    let (calls, sent) = file_issue(ours);
    assert_eq!(
        wrote(&calls),
        [format!("POST {issues}/5/notes"), format!("PUT {issues}/5")],
        "{calls:?}"
    );
    assert!(calls[2].contains("state_event=close"), "{calls:?}");
    assert!(sent.contains("No drift any more"), "{sent}");
    // ... and with none open, nothing is written.
    let (calls, _) = file_issue("[]");
    assert_eq!(calls.len(), 1, "only the search: {calls:?}");
}

/// The install step takes a pinned release binary when one is named, and
/// refuses one whose checksum differs; without one it would build (not
/// run here). A local "release" stands in for the download.
#[test]
fn the_github_install_step_takes_a_checked_release_binary() {
    if !bash_available() {
        return;
    }
    let workflow = parse_yaml(&repo("examples/ci/github/pxmctl.yml"));
    let steps = github_steps(&workflow, "plan");
    let install = steps.iter().find(|s| s.name == "Install pxmctl").unwrap();
    let root = tempfile::tempdir().unwrap();
    let tag = "v0.1.0";
    let name = format!("pxmctl-{tag}-x86_64-unknown-linux-gnu");
    let release = root.path().join("releases/download").join(tag);
    std::fs::create_dir_all(release.join(&name)).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_pxmctl"),
        release.join(&name).join("pxmctl"),
    )
    .unwrap();
    let packed = Command::new("tar")
        .args(["-czf", &format!("{name}.tar.gz"), &name])
        .current_dir(&release)
        .status()
        .unwrap();
    assert!(packed.success());
    let bytes = std::fs::read(release.join(format!("{name}.tar.gz"))).unwrap();
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let home = root.path().join("home");
    let runner_temp = root.path().join("tmp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let run = |sha256: &str| {
        let mut env = install.env.clone();
        env.insert(
            "PXMCTL_GIT".into(),
            format!("file://{}", root.path().display()),
        );
        env.insert("PXMCTL_RELEASE".into(), tag.into());
        env.insert("PXMCTL_SHA256".into(), sha256.into());
        Command::new("bash")
            .args(["-eo", "pipefail", "-c", &install.script])
            .env_clear()
            .envs(env)
            .env("HOME", &home)
            .env("RUNNER_TEMP", &runner_temp)
            .env(
                "PATH",
                format!("{}/.cargo/bin:/usr/bin:/bin", home.display()),
            )
            .output()
            .unwrap()
    };
    let wrong = run(&"0".repeat(64));
    assert!(!wrong.status.success(), "{}", text(&wrong));
    let unset = run("");
    assert!(
        text(&unset).contains("PXMCTL_RELEASE is set but PXMCTL_SHA256 is empty"),
        "{}",
        text(&unset)
    );
    assert!(
        !home.join(".cargo/bin/pxmctl").exists(),
        "an unchecked binary was installed"
    );
    let right = run(&sha);
    assert!(right.status.success(), "{}", text(&right));
    assert!(
        text(&right).contains(concat!("pxmctl ", env!("CARGO_PKG_VERSION"))),
        "{}",
        text(&right)
    );
    // Installed now: the step does nothing more, whatever the checksum.
    assert!(run("").status.success());
}
