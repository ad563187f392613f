//! `pxmctl demo`: the first run of a new user. Starts the built-in
//! sandbox, then runs the very commands a user would type against it
//! (this binary, as child processes with the sandbox's variables): plan,
//! apply, plan again, which must be empty. Ends with where to go next.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::connect::runtime;
use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone};
use crate::catalog;
use crate::sandbox::{Credentials, Sandbox, SandboxConfig, Seed};

/// Try pxmctl on a catalog without an account: plan, apply and plan
/// again against a throwaway local sandbox.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl demo                 # the bundled catalog/\n  pxmctl demo examples/apparel"
)]
pub(super) struct DemoArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The catalog directory.
    #[arg(default_value = "catalog")]
    pub dir: PathBuf,
}

pub(super) fn run(args: &DemoArgs, out: Output) -> Outcome {
    let loaded = catalog::load(&args.dir);
    let Some(checked) = loaded.catalog else {
        out.error(&format!(
            "catalog `{}` is invalid; run `pxmctl validate {}` for details",
            args.dir.display(),
            args.dir.display()
        ));
        return Err(Reported);
    };
    let rt = runtime(&out)?;
    // PXM regions are read-only: the account must already hold the ones
    // the catalog names, as a real account would.
    let seed = Seed::with_regions(checked.regions.values().map(|r| r.value.name.as_str()));
    let config = SandboxConfig {
        seed: Some(seed),
        credentials: Some(Credentials {
            client_id: "demo".into(),
            client_secret: "demo-secret".into(),
        }),
        ..SandboxConfig::default()
    };
    let sandbox = match rt.block_on(Sandbox::start(config)) {
        Ok(s) => s,
        Err(e) => {
            out.error(&format!("cannot start the sandbox: {e}"));
            return Err(Reported);
        }
    };
    out.stderr(&format!(
        "{} a sandbox PXM account at {} (in memory, gone when the demo ends)\n",
        out.paint("Started", Tone::Good),
        sandbox.base_url()
    ));
    let dir = args.dir.display().to_string();
    let steps: [(&str, Vec<&str>, &str); 3] = [
        (
            "1/3",
            vec!["plan", &dir],
            "what apply would change in the empty account",
        ),
        (
            "2/3",
            vec!["apply", &dir, "--auto-approve", "-q"],
            "make the account match the catalog (-q: the plan is above)",
        ),
        (
            "3/3",
            vec!["plan", &dir, "--detailed-exitcode"],
            "nothing changed in the catalog, so nothing is left to do",
        ),
    ];
    let mut outcome = Ok(Exit::Success);
    for (n, step, why) in &steps {
        out.stdout(&format!(
            "\n{} pxmctl {}   # {why}\n",
            out.paint(&format!("==> {n}"), Tone::Good),
            step.join(" ")
        ));
        match pxmctl(
            step,
            &args.dir,
            (
                sandbox.base_url(),
                sandbox.client_id(),
                sandbox.client_secret(),
            ),
        ) {
            Ok(0) => {}
            Ok(status) => {
                out.error(&format!(
                    "`pxmctl {}` exited with {status}; the output above says why",
                    step.join(" ")
                ));
                outcome = Err(Reported);
                break;
            }
            Err(e) => {
                out.error(&format!("cannot run pxmctl again as a child process: {e}"));
                outcome = Err(Reported);
                break;
            }
        }
    }
    let _ = rt.block_on(sandbox.shutdown());
    if outcome.is_ok() {
        out.stdout(&next_steps(&args.dir));
    }
    outcome
}

/// Runs this binary with `args` against the sandbox; its exit status.
/// Whatever environment a `pxmctl.yaml` beside the catalog selects, its
/// secret variable holds the sandbox's secret and its token variable is
/// unset, so the children reach the demo's sandbox and nothing else.
fn pxmctl(
    args: &[&str],
    dir: &Path,
    (base_url, id, secret): (&str, &str, &str),
) -> std::io::Result<i32> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(args)
        .env("PXM_BASE_URL", base_url)
        .env("PXM_CLIENT_ID", id)
        .env("PXM_CLIENT_SECRET", secret)
        .env("PXM_TOKEN_CACHE", "off")
        .env_remove("PXM_ENV")
        .env_remove("PXM_TOKEN");
    let settings = dir.join(crate::config::FILE_NAME);
    if let Ok(text) = std::fs::read_to_string(&settings)
        && let Ok(file) = crate::config::ConfigFile::parse(&settings, &text)
    {
        for env in file.environments.values() {
            if let Some(var) = &env.client_secret_env {
                command.env(var, secret);
            }
            if let Some(var) = &env.token_env {
                command.env_remove(var);
            }
        }
    }
    Ok(command.status()?.code().unwrap_or(1))
}

fn next_steps(dir: &Path) -> String {
    let dir = dir.display();
    format!(
        "
Done: the sandbox account matched `{dir}` after one apply, and the second plan was empty.

Where to look next:
  - Change a file in {dir}/ (a product's name, an image) and run `pxmctl demo` again.
  - Keep a sandbox running, holding the regions the catalog names:
      pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret --catalog {dir}
    then, in another terminal, `pxmctl init {dir}` (settings and CI files beside it) and
      PXM_SANDBOX_CLIENT_SECRET=demo-secret pxmctl plan {dir}
  - Start your own catalog with `pxmctl init` (docs/ci.md walks from there to a merged
    pull request). Every catalog field, with examples, is in docs/catalog.md.
  - Connect to a real account: README, \"Connecting to an account\".
"
    )
}
