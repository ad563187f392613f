//! Log lines (`-v`): library code emits `tracing` events; this installs
//! the subscriber that writes them to stderr. Every line goes through
//! [`redact`] on its way out, so even an event from a dependency that
//! quotes a header or a presigned URL cannot show a credential.

use std::io::Write;

use tracing::Level;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;

use crate::remote::secret::redact;

/// `-v` of the commands that talk to an API (the others have no request
/// to log, so their help does not offer it).
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(super) struct LogArgs {
    /// Log each API request to stderr (`-vv`: more). Secrets never appear.
    #[arg(long, short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Installs the subscriber: warnings always, `-v` adds pxmctl's request
/// lines, `-vv` also the HTTP library's connection events.
pub(super) fn init(verbosity: u8) {
    let (ours, theirs) = match verbosity {
        0 => (Level::WARN, LevelFilter::WARN),
        1 => (Level::DEBUG, LevelFilter::WARN),
        _ => (Level::TRACE, LevelFilter::DEBUG),
    };
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), ours)
        .with_default(theirs);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(|| RedactingStderr(Vec::new()))
        .with_target(false)
        .without_time()
        .with_ansi(false);
    let subscriber = tracing_subscriber::registry().with(layer).with(filter);
    // A second install (tests running `main` twice) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Buffers one event, then writes it redacted.
struct RedactingStderr(Vec<u8>);

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingStderr {
    fn drop(&mut self) {
        let text = redact(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
