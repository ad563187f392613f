//! `pxmctl init` and the CI files it writes, as a user meets them: the
//! scaffold validates and its settings resolve, existing files are never
//! replaced unasked, and the GitHub and GitLab jobs' own scripts, run
//! with bash against the sandbox, validate, plan, comment-ready Markdown,
//! and apply the reviewed plan (and only it) on merge.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::cli_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_support::{Served, bin_dir, pxmctl, repo, text};
use pxmctl::config::{Credentials, Settings};
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
    pxmctl(root, &[("NO_COLOR".into(), "1".into())], &all)
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
        "catalog/.gitignore",
        ".vscode/settings.json",
        ".github/workflows/pxmctl.yml",
        ".gitlab-ci.yml",
    ] {
        assert!(root.join(file).is_file(), "{file}");
        assert!(said.contains(&format!("created   {file}")), "{said}");
    }
    assert!(said.contains("next: pxmctl validate catalog"), "{said}");

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
        ("PXM_BASE_URL".into(), served.sandbox.base_url().into()),
        ("PXM_CLIENT_ID".into(), served.sandbox.client_id().into()),
        (
            "PXM_SANDBOX_CLIENT_SECRET".into(),
            served.sandbox.client_secret().into(),
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
        (served.count("category"), served.count("collection")),
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
/// own actions (checkout, cache, artifacts, the comment) and are skipped.
fn github_steps(workflow: &Value, job: &str) -> Vec<Step> {
    let mut env = plain_vars(&workflow["env"]);
    env.extend(plain_vars(&workflow["jobs"][job]["env"]));
    let steps = workflow["jobs"][job]["steps"].as_array().unwrap();
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

/// A GitLab job as one script: its template's `before_script`, then its
/// `script`, each line in turn as the runner does.
fn gitlab_job(ci: &Value, job: &str) -> Step {
    let spec = &ci[job];
    let template = spec["extends"].as_str().map_or(&Value::Null, |t| &ci[t]);
    let lines = |key: &str| -> Vec<String> {
        let list = if spec[key].is_null() {
            &template[key]
        } else {
            &spec[key]
        };
        list.as_array()
            .into_iter()
            .flatten()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect()
    };
    let mut script = lines("before_script");
    script.extend(lines("script"));
    let mut env = plain_vars(&ci["variables"]);
    env.extend(plain_vars(&spec["variables"]));
    Step {
        name: job.to_owned(),
        script: script.join("\n"),
        env,
    }
}

/// A CI runner in `root` (the repository checkout): `pxmctl` on `PATH`,
/// and `cargo` and `rustup` stubs that fail, so an install step that
/// would build pxmctl shows up as a failure instead of a download.
struct Runner {
    root: PathBuf,
    _stubs: tempfile::TempDir,
    path: String,
    /// The platform's variables: the sandbox's credentials (standing in
    /// for the secret store) and the like.
    env: Vec<(String, String)>,
}

impl Runner {
    fn new(root: &Path, served: &Served) -> Self {
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
        let mut env = served.env();
        env.retain(|(k, _)| k != "PXM_TOKEN_CACHE");
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

#[test]
fn the_github_workflow_plans_pull_requests_and_applies_the_reviewed_plan_on_merge() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let served = Served::start(Seed::default());
    let (root, out) = init(&["--ci", "github"]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let workflow = parse_yaml(&root.join(".github/workflows/pxmctl.yml"));
    let plan_job = github_steps(&workflow, "plan");
    let apply_job = github_steps(&workflow, "apply");
    assert_eq!(plan_job.len(), 3, "install, validate, plan");
    assert_eq!(apply_job.len(), 2, "install, apply");
    let runner = Runner::new(root, &served);
    let pull_request = [("GITHUB_EVENT_NAME", "pull_request")];
    let merged = [
        ("GITHUB_EVENT_NAME", "push"),
        ("PXMCTL_APPLY_FRESH", "false"),
        ("REVIEWED_IN", "12"),
    ];

    // The pull request: validated, planned, the plan saved and rendered
    // for the comment.
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("planned"), Some("true"), "{}", job.outputs);
    assert_eq!(job.output("changes"), Some("true"), "{}", job.outputs);
    let markdown = read(root.join("pxmctl-plan/plan.md"));
    assert!(
        markdown.starts_with("### pxmctl plan (production)\n"),
        "the heading names the environment: {markdown}"
    );
    assert!(markdown.contains("2 to add"), "{markdown}");
    assert_eq!(job.summary, markdown, "the job summary shows the plan");
    let saved: Value = serde_json::from_str(&read(root.join("pxmctl-plan/plan.json"))).unwrap();
    assert!(saved.is_object());
    assert_eq!(served.count("category"), 0, "a plan changes nothing");

    // The merge: the reviewed plan (the artifact, downloaded to the same
    // place) is applied, and the account then matches the catalog.
    let job = runner.job(&apply_job, &merged);
    assert!(job.succeeded(apply_job.len()), "{}", job.log());
    assert!(
        job.log().contains("reviewed in pull request #12"),
        "{}",
        job.log()
    );
    assert_eq!(served.count("category"), 1);
    assert_eq!(served.count("collection"), 1);
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("changes"), Some("false"), "{}", job.log());
    assert!(read(root.join("pxmctl-plan/plan.md")).contains("No changes"));

    // Main moved on after the review: the reviewed plan is refused and
    // nothing is applied; running the workflow by hand applies main.
    add_category(root, "stoves", "Stoves");
    let job = runner.job(&plan_job, &pull_request);
    assert_eq!(job.output("changes"), Some("true"), "{}", job.log());
    add_category(root, "lamps", "Lamps");
    let job = runner.job(&apply_job, &merged);
    assert!(!job.succeeded(apply_job.len()), "{}", job.log());
    assert!(job.log().contains("Run workflow"), "{}", job.log());
    assert_eq!(served.count("category"), 1, "nothing applied");
    let by_hand = [
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("PXMCTL_APPLY_FRESH", "true"),
    ];
    let job = runner.job(&apply_job, &by_hand);
    assert!(job.succeeded(apply_job.len()), "{}", job.log());
    assert!(job.summary.contains("2 to add"), "{}", job.summary);
    assert_eq!(served.count("category"), 3);

    // A push with no reviewed plan applies nothing.
    std::fs::remove_dir_all(root.join("pxmctl-plan")).unwrap();
    add_category(root, "tarps", "Tarps");
    let job = runner.job(&apply_job, &merged);
    assert!(!job.succeeded(apply_job.len()), "{}", job.log());
    assert!(job.log().contains("no reviewed plan"), "{}", job.log());
    assert_eq!(served.count("category"), 3);
}

#[test]
fn the_github_workflow_fails_an_invalid_catalog_and_validates_forks_only() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let served = Served::start(Seed::default());
    let (root, _) = init(&["--ci", "github"]);
    let root = root.path();
    let workflow = parse_yaml(&root.join(".github/workflows/pxmctl.yml"));
    let plan_job = github_steps(&workflow, "plan");
    let mut runner = Runner::new(root, &served);
    let pull_request = [("GITHUB_EVENT_NAME", "pull_request")];

    // A fork's pull request has no secrets: validated, not planned.
    runner.env.retain(|(k, _)| !k.starts_with("PXM_CLIENT"));
    let job = runner.job(&plan_job, &pull_request);
    assert!(job.succeeded(plan_job.len()), "{}", job.log());
    assert_eq!(job.output("planned"), None, "{}", job.log());
    assert!(
        job.log().contains("validated, not planned"),
        "{}",
        job.log()
    );

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
fn the_gitlab_pipeline_plans_merge_requests_and_applies_the_reviewed_plan() {
    if !bash_available() {
        eprintln!("skipped: no bash");
        return;
    }
    let served = Served::start(Seed::default());
    let (root, out) = init(&["--ci", "gitlab"]);
    let root = root.path();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ci = parse_yaml(&root.join(".gitlab-ci.yml"));
    let plan = [gitlab_job(&ci, "pxmctl-plan")];
    let apply = [gitlab_job(&ci, "pxmctl-apply")];
    let runner = Runner::new(root, &served);
    let mr = [("CI_PIPELINE_SOURCE", "merge_request_event")];

    let job = runner.job(&plan, &mr);
    assert!(job.succeeded(1), "{}", job.log());
    let markdown = read(root.join("pxmctl-plan/plan.md"));
    assert!(markdown.contains("2 to add"), "{markdown}");
    assert!(job.log().contains(&markdown), "the plan is in the job log");
    // What the pxmctl-reviewed-plan job leaves beside the artifact.
    std::fs::write(root.join("pxmctl-plan/merge-request"), "7\n").unwrap();

    let job = runner.job(&apply, &[("CI_PIPELINE_SOURCE", "push")]);
    assert!(job.succeeded(1), "{}", job.log());
    assert!(
        job.log().contains("reviewed in merge request !7"),
        "{}",
        job.log()
    );
    assert_eq!(served.count("collection"), 1);
    let job = runner.job(&plan, &mr);
    assert!(job.succeeded(1), "{}", job.log());
    assert!(read(root.join("pxmctl-plan/plan.md")).contains("No changes"));

    // A stale plan is refused; a pipeline run by hand applies the branch.
    add_category(root, "stoves", "Stoves");
    let job = runner.job(&apply, &[("CI_PIPELINE_SOURCE", "push")]);
    assert!(!job.succeeded(1), "{}", job.log());
    assert!(job.log().contains("Run pipeline"), "{}", job.log());
    assert_eq!(served.count("category"), 1);
    let job = runner.job(
        &apply,
        &[
            ("CI_PIPELINE_SOURCE", "web"),
            ("PXMCTL_APPLY_FRESH", "true"),
        ],
    );
    assert!(job.succeeded(1), "{}", job.log());
    assert_eq!(served.count("category"), 2);
}
