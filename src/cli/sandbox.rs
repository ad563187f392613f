//! `pxmctl sandbox`: serve the local PXM API until stopped. Parses the
//! flags into a `SandboxConfig`, starts the sandbox, prints where it is
//! and the credentials to use, and stops cleanly on Ctrl-C or SIGTERM.

use super::exit::{Exit, Outcome, Reported};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::sandbox::{
    Credentials, FaultConfig, NameFields, RateLimit, Readings, Sandbox, SandboxConfig,
    SandboxError, Seed, SingleUploadType, UploadConfig, UploadForm,
};

/// Arguments of `pxmctl sandbox`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret --catalog catalog   # the regions the catalog names\n  pxmctl sandbox --data .sandbox --seed seed.yaml     # state kept across restarts, first filled from a seed\n  pxmctl sandbox --fault-rate 0.05 --latency 200      # a flaky, slow API to try apply against\n  pxmctl sandbox --profile strict --page-cap 5        # the other reading of every silent guide, pages of 5"
)]
pub(super) struct SandboxArgs {
    #[command(flatten)]
    pub log: super::logging::LogArgs,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Permit a non-loopback --listen address (the sandbox has no TLS).
    #[arg(long)]
    allow_remote: bool,
    /// Keep state in DIR so it survives a restart (default: in memory).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Load regions and objects from a YAML or JSON FILE into a fresh state.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Start with the regions the catalog in DIR names (PXM regions are
    /// read-only, so an account must hold them before a plan).
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Fixed OAuth client id (default: random, or the persisted one).
    #[arg(long, value_name = "ID", requires = "client_secret")]
    client_id: Option<String>,
    /// Fixed OAuth client secret.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// API rate limit as N/SECONDS, or `off`.
    #[arg(long, default_value = "1000/60", value_name = "N/SECONDS")]
    rate_limit: String,
    /// Requests other integrations spend of the rate limit, as N/SECONDS
    /// spread evenly (e.g. 500/60 takes half of the API's limit).
    #[arg(long, value_name = "N/SECONDS")]
    background_load: Option<String>,
    /// Share of API requests answered 500, 502 or 503 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    fault_rate: f64,
    /// Share of API requests whose connection is closed without an answer.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    drop_rate: f64,
    /// Share of API writes applied but whose answer is lost (connection closed).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    lost_answer_rate: f64,
    /// Share of object-store requests answered 503 SlowDown, nothing
    /// stored (1 is a dead store).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    store_fault_rate: f64,
    /// The `Retry-After` those 503s carry, in seconds (S3 sends none).
    #[arg(long, value_name = "SECONDS")]
    store_retry_after: Option<u64>,
    /// Seed of the fault generator: same seed, same faults.
    #[arg(long, default_value_t = 0, value_name = "N")]
    fault_seed: u64,
    /// Milliseconds added to every API answer.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency: u64,
    /// Up to this many random milliseconds more per API answer.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency_jitter: u64,
    /// Validate only one of `filename` / `file_name` in request-upload, as some tenants do.
    #[arg(long)]
    single_name_field: bool,
    /// `upload_type` answered for a one-PUT upload.
    #[arg(long, default_value = "single", value_parser = ["single", "standard"])]
    upload_type: String,
    /// Uploads larger than BYTES are multipart.
    #[arg(long, default_value_t = 8 * 1024 * 1024, value_name = "BYTES")]
    multipart_threshold: u64,
    /// Size of each multipart part but the last.
    #[arg(long, default_value_t = 8 * 1024 * 1024, value_name = "BYTES")]
    part_size: u64,
    /// Lifetime of presigned upload URLs, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    url_ttl: u64,
    /// Readings of the guides where they are silent: `default`, or `strict`
    /// for every switch below; the switches add to the profile.
    #[arg(long, default_value = "default", value_parser = ["default", "strict"], help_heading = "Other readings")]
    profile: String,
    /// File objects carry no `attributes` (read them at /v2.1/attribute/file/{id}).
    #[arg(long, help_heading = "Other readings")]
    no_file_list_values: bool,
    /// Every list answers at most N items whatever `limit` asks; v3 search gives no `total`.
    #[arg(long, value_name = "N", help_heading = "Other readings")]
    page_cap: Option<usize>,
    /// A confirmed file answers 404 on its by-id routes for MS milliseconds (processing).
    #[arg(long, value_name = "MS", help_heading = "Other readings")]
    processing_delay: Option<u64>,
    /// Date filters take only YYYY-MM-DD; published dates only RFC 3339 date-times.
    #[arg(long, help_heading = "Other readings")]
    strict_dates: bool,
    /// DELETE /v2.1/file/{id} answers 405 Method Not Allowed.
    #[arg(long, help_heading = "Other readings")]
    no_file_delete: bool,
    /// request-upload answers presigned PUT URLs (`put`) or a presigned POST form (`post`).
    #[arg(long, value_name = "FORM", value_parser = ["put", "post"], help_heading = "Other readings")]
    upload_form: Option<String>,
    /// The rate limit counts in fixed windows, reset every window, so a 429's Retry-After may be the whole window.
    #[arg(long, help_heading = "Other readings")]
    fixed_rate_window: bool,
}

impl SandboxArgs {
    /// The profile's readings with the explicit switches on top.
    fn readings(&self) -> Result<Readings, String> {
        let mut r = match self.profile.as_str() {
            "strict" => Readings::strict(),
            _ => Readings::default(),
        };
        if self.no_file_list_values {
            r.file_list_values = false;
        }
        if let Some(cap) = self.page_cap {
            r.page_cap = Some(cap);
        }
        if let Some(ms) = self.processing_delay {
            r.processing_delay = Duration::from_millis(ms);
        }
        if self.strict_dates {
            r.strict_dates = true;
        }
        if self.no_file_delete {
            r.file_delete = false;
        }
        if self.fixed_rate_window {
            r.fixed_rate_window = true;
        }
        if let Some(form) = &self.upload_form {
            r.upload_form = form
                .parse::<UploadForm>()
                .map_err(|e| format!("--upload-form: {e}"))?;
        }
        Ok(r)
    }

    /// Checks the flags into a config.
    fn config(&self) -> Result<SandboxConfig, String> {
        let rate_limit = match self.rate_limit.trim() {
            "off" | "none" | "0" => None,
            s => Some(
                s.parse::<RateLimit>()
                    .map_err(|e| format!("--rate-limit: {e}"))?,
            ),
        };
        let background_load = match &self.background_load {
            Some(s) => Some(
                s.parse::<RateLimit>()
                    .map_err(|e| format!("--background-load: {e}"))?,
            ),
            None => None,
        };
        let mut seed = match &self.seed {
            Some(path) => Some(Seed::from_path(path).map_err(|e| error_chain(&e))?),
            None => None,
        };
        if let Some(dir) = &self.catalog {
            let loaded = crate::catalog::load(dir);
            let catalog = loaded.catalog.ok_or_else(|| {
                format!(
                    "--catalog: `{}` is not a valid catalog; run `pxmctl validate {}`",
                    dir.display(),
                    dir.display()
                )
            })?;
            seed.get_or_insert_with(Seed::default)
                .add_regions(catalog.regions.values().map(|r| r.value.name.as_str()));
        }
        let credentials = match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Some(Credentials {
                client_id: id.clone(),
                client_secret: secret.clone(),
            }),
            _ => None,
        };
        Ok(SandboxConfig {
            listen: self.listen,
            allow_non_loopback: self.allow_remote,
            data_dir: self.data.clone(),
            seed,
            credentials,
            rate_limit,
            background_load,
            faults: FaultConfig {
                seed: self.fault_seed,
                error_rate: self.fault_rate,
                drop_rate: self.drop_rate,
                lost_answer_rate: self.lost_answer_rate,
                latency: Duration::from_millis(self.latency),
                latency_jitter: Duration::from_millis(self.latency_jitter),
                store_error_rate: self.store_fault_rate,
                store_retry_after: self.store_retry_after,
            },
            uploads: UploadConfig {
                name_fields: if self.single_name_field {
                    NameFields::Either
                } else {
                    NameFields::Both
                },
                single_upload_type: if self.upload_type == "standard" {
                    SingleUploadType::Standard
                } else {
                    SingleUploadType::Single
                },
                multipart_threshold: self.multipart_threshold,
                part_size: self.part_size,
                url_ttl: Duration::from_secs(self.url_ttl),
            },
            readings: self.readings()?,
        })
    }
}

/// `error: outer: cause: cause`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}

// A server's errors go straight to stderr: it has no `Output` to share.
fn fail(message: &str) -> Reported {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    Reported
}

pub(super) fn run(args: &SandboxArgs) -> Outcome {
    let config = args.config().map_err(|e| fail(&e))?;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return Err(fail(&format!("cannot start the async runtime: {e}"))),
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => Ok(Exit::Success),
        Err(e) => Err(fail(&error_chain(&e))),
    }
}

async fn serve(config: SandboxConfig) -> Result<(), SandboxError> {
    let persisted = config.data_dir.clone();
    let sandbox = Sandbox::start(config).await?;
    {
        // Lines a script can `eval` or grep; the secret is the sandbox's own.
        // PXM_SANDBOX_CLIENT_SECRET is what the `sandbox` environment of
        // `pxmctl init`'s pxmctl.yaml reads; PXM_CLIENT_SECRET serves a
        // setup with no pxmctl.yaml.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PXM_BASE_URL={}", sandbox.base_url());
        let _ = writeln!(out, "PXM_CLIENT_ID={}", sandbox.client_id());
        let _ = writeln!(out, "PXM_CLIENT_SECRET={}", sandbox.client_secret());
        let _ = writeln!(out, "PXM_SANDBOX_CLIENT_SECRET={}", sandbox.client_secret());
        let _ = out.flush();
    }
    {
        let mut err = std::io::stderr().lock();
        let where_ = persisted.map_or_else(
            || "in memory".to_string(),
            |d| format!("in `{}`", d.display()),
        );
        let _ = writeln!(
            err,
            "sandbox serving {} (state {where_}); Ctrl-C stops it",
            sandbox.base_url()
        );
    }
    stop_signal().await;
    sandbox.shutdown().await
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SandboxArgs,
    }

    fn readings(args: &[&str]) -> Result<Readings, String> {
        let cli = Cli::try_parse_from(["pxmctl"].iter().chain(args)).map_err(|e| e.to_string())?;
        cli.args.readings()
    }

    #[test]
    fn switches_add_to_the_profile_and_values_override_it() {
        assert_eq!(readings(&[]), Ok(Readings::default()));
        assert_eq!(readings(&["--profile", "strict"]), Ok(Readings::strict()));
        let some = readings(&[
            "--no-file-list-values",
            "--page-cap",
            "5",
            "--processing-delay",
            "250",
            "--strict-dates",
            "--no-file-delete",
            "--fixed-rate-window",
            "--upload-form",
            "post",
        ]);
        assert_eq!(
            some,
            Ok(Readings {
                page_cap: Some(5),
                processing_delay: Duration::from_millis(250),
                ..Readings::strict()
            })
        );
        assert_eq!(
            readings(&["--profile", "strict", "--upload-form", "put"]),
            Ok(Readings {
                upload_form: UploadForm::Put,
                ..Readings::strict()
            })
        );
        assert!(readings(&["--upload-form", "form"]).is_err());
        assert!(readings(&["--profile", "lenient"]).is_err());
    }
}
