//! `SandboxError`: why the sandbox could not start, load or save its state.
//! Errors met while serving a request are `ApiError`s instead.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A failure to configure, start, load, persist or stop the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    #[error(
        "refusing to listen on non-loopback address `{0}` (allow it explicitly to serve other hosts)"
    )]
    NonLoopback(SocketAddr),
    #[error("cannot listen on `{addr}`")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot read seed file `{path}`")]
    SeedRead {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("invalid seed `{origin}`: {message}")]
    Seed { origin: String, message: String },
    #[error("cannot {action} `{path}`")]
    Persist {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("corrupt sandbox state in `{path}` at line {line}: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read entropy from the operating system: {0}")]
    Entropy(getrandom::Error),
    #[error("the sandbox server task failed")]
    Join(#[source] tokio::task::JoinError),
}
