//! `pxmctl status`: which account a catalog talks to, whether the
//! credentials work, and what the account holds. The first command to run
//! after setting credentials, and the quickest check that they work.

use std::path::PathBuf;

use super::connect::{ConnectArgs, connect, runtime};
use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone};
use crate::remote::Credentials;
use crate::remote::LiveSnapshot;

/// Show the account and environment in use, check the credentials, and
/// count the live objects of every kind.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  pxmctl status\n  pxmctl status --env production catalog")]
pub(super) struct StatusArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The catalog directory (where `pxmctl.yaml` lives).
    #[arg(default_value = "catalog")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub(super) fn run(args: &StatusArgs, out: Output) -> Outcome {
    let Ok(connected) = connect(&args.dir, &args.connect, &out) else {
        return Err(Reported);
    };
    let settings = &connected.settings;
    let environment = match (&settings.environment, &settings.config_file) {
        (Some(env), Some(file)) => format!("{env} (from {})", file.display()),
        (Some(env), None) => env.clone(),
        (None, Some(file)) => {
            out.warning(&format!(
                "`{}` defines environments but none is selected: pass `--env NAME`, set `PXM_ENV`, or add `default_environment:`",
                file.display()
            ));
            format!("none selected (in {})", file.display())
        }
        (None, None) => "none (no pxmctl.yaml; settings from the environment)".to_owned(),
    };
    let credentials = match &settings.connection.credentials {
        Credentials::Token(_) => "a bearer token from the environment".to_owned(),
        Credentials::Client { id, .. } => format!("client `{id}`"),
    };
    out.stdout(&format!(
        "environment  {environment}\naccount      {}\ncredentials  {credentials}\n",
        settings.connection.base_url
    ));
    let Ok(rt) = runtime(&out) else {
        return Err(Reported);
    };
    let client = connected.client;
    match rt.block_on(LiveSnapshot::fetch(&client)) {
        Ok(snapshot) => {
            let counts: Vec<String> = snapshot
                .counts()
                .iter()
                .map(|(kind, n)| super::output::section_count(kind, *n))
                .collect();
            let stats = client.stats();
            // Regions are read-only in PXM: a catalog names them as they are.
            let regions: Vec<String> = snapshot
                .regions
                .iter()
                .map(|r| {
                    let primary = if r.is_primary { " (primary)" } else { "" };
                    crate::render::printable(&format!("{}{primary}", r.name))
                })
                .collect();
            out.stdout(&format!(
                "live         {} ({} requests)\nregions      {}\n{} credentials work\n",
                counts.join(", "),
                stats.requests,
                if regions.is_empty() {
                    "none".to_owned()
                } else {
                    regions.join(", ")
                },
                out.paint("ok:", Tone::Good)
            ));
            let env = args
                .connect
                .env
                .as_ref()
                .map_or(String::new(), |name| format!(" --env {name}"));
            out.stderr(&format!("next: pxmctl plan{env} {}\n", args.dir.display()));
            Ok(Exit::Success)
        }
        Err(e) => {
            out.error(&e.to_string());
            Err(Reported)
        }
    }
}
