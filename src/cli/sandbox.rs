//! `pxmctl sandbox`: serve the local PXM API until stopped. Parses the
//! flags into a `SandboxConfig`, starts the sandbox, prints where it is
//! and the credentials to use, and stops cleanly on Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::sandbox::{
    Credentials, FaultConfig, NameFields, RateLimit, Sandbox, SandboxConfig, SandboxError, Seed,
    SingleUploadType, UploadConfig,
};

/// Arguments of `pxmctl sandbox`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl sandbox --listen 127.0.0.1:8765 --client-id demo --client-secret demo-secret\n  pxmctl sandbox --data .sandbox --seed seed.yaml     # state kept across restarts, first filled from a seed\n  pxmctl sandbox --fault-rate 0.05 --latency 200      # a flaky, slow API to try apply against"
)]
pub struct SandboxArgs {
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
    /// Fixed OAuth client id (default: random, or the persisted one).
    #[arg(long, value_name = "ID", requires = "client_secret")]
    client_id: Option<String>,
    /// Fixed OAuth client secret.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// API rate limit as N/SECONDS, or `off`.
    #[arg(long, default_value = "1000/60", value_name = "N/SECONDS")]
    rate_limit: String,
    /// Share of API requests answered 500, 502 or 503 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    fault_rate: f64,
    /// Share of API requests whose connection is closed without an answer.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    drop_rate: f64,
    /// Share of API writes applied but whose answer is lost (connection closed).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    lost_answer_rate: f64,
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
}

impl SandboxArgs {
    /// Checks the flags into a config.
    fn config(&self) -> Result<SandboxConfig, String> {
        let rate_limit = match self.rate_limit.trim() {
            "off" | "none" | "0" => None,
            s => Some(
                s.parse::<RateLimit>()
                    .map_err(|e| format!("--rate-limit: {e}"))?,
            ),
        };
        let seed = match &self.seed {
            Some(path) => Some(Seed::from_path(path).map_err(|e| error_chain(&e))?),
            None => None,
        };
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
            faults: FaultConfig {
                seed: self.fault_seed,
                error_rate: self.fault_rate,
                drop_rate: self.drop_rate,
                lost_answer_rate: self.lost_answer_rate,
                latency: Duration::from_millis(self.latency),
                latency_jitter: Duration::from_millis(self.latency_jitter),
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

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::from(1)
}

pub fn run(args: &SandboxArgs) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&error_chain(&e)),
    }
}

async fn serve(config: SandboxConfig) -> Result<(), SandboxError> {
    let persisted = config.data_dir.clone();
    let sandbox = Sandbox::start(config).await?;
    {
        // Lines a script can `eval` or grep; the secret is the sandbox's own.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PXM_BASE_URL={}", sandbox.base_url());
        let _ = writeln!(out, "PXM_CLIENT_ID={}", sandbox.client_id());
        let _ = writeln!(out, "PXM_CLIENT_SECRET={}", sandbox.client_secret());
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
