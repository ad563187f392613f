//! `pxmctl unlock`: show the account lock, or remove one left by a run
//! that was killed (as `terraform force-unlock`).

use std::path::PathBuf;

use super::connect::{ConnectArgs, connect, runtime};
use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone};
use crate::remote::lock;
use crate::render::printable;

/// Show who holds the account lock, or remove a lock left by a run that
/// was killed. A lock whose lease ran out is removed by the next apply
/// anyway; this is for the rest.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl unlock                 # who holds the lock, and its id\n  pxmctl unlock 6f1c2e…         # remove that lock"
)]
pub(super) struct UnlockArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// The id of the lock to remove, as `pxmctl unlock` or apply's error shows it.
    pub id: Option<String>,
    /// The catalog directory (where `pxmctl.yaml` lives).
    #[arg(long, default_value = "catalog", value_name = "DIR")]
    pub catalog: PathBuf,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub(super) fn run(args: &UnlockArgs, out: Output) -> Outcome {
    let Ok(connected) = connect(&args.catalog, &args.connect, &out) else {
        return Err(Reported);
    };
    let Ok(rt) = runtime(&out) else {
        return Err(Reported);
    };
    let client = &connected.client;
    let locks = match rt.block_on(lock::locks(client)) {
        Ok(locks) => locks,
        Err(e) => {
            out.error(&e.to_string());
            return Err(Reported);
        }
    };
    let Some(id) = &args.id else {
        if locks.is_empty() {
            out.stdout("the account is not locked\n");
        }
        for l in &locks {
            let holder = l
                .holder
                .as_ref()
                .map_or_else(|| "no record".to_owned(), ToString::to_string);
            out.stdout(&printable(&format!("locked by {holder} (id {})", l.id)));
            out.stdout("\n");
        }
        return Ok(Exit::Success);
    };
    if !locks.iter().any(|l| &l.id == id) {
        out.error(&format!(
            "no lock with id `{}` on this account; `pxmctl unlock` lists the locks",
            printable(id)
        ));
        return Err(Reported);
    }
    match rt.block_on(lock::delete(client, id)) {
        Ok(()) => {
            out.stdout(&format!(
                "{} removed lock {}\n",
                out.paint("ok:", Tone::Good),
                printable(id)
            ));
            Ok(Exit::Success)
        }
        Err(e) => {
            out.error(&e.to_string());
            Err(Reported)
        }
    }
}
