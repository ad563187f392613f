//! Everything pxmctl knows about a live account comes through here: the
//! transport (the HTTP stack and the one retry budget under API and
//! object-store traffic), the API client with its auth, token cache, rate
//! limiter and pagination, the wire types, and the live snapshot. Nothing
//! here prints.

mod auth;
pub mod client;
mod connection;
pub mod error;
pub mod file_values;
pub mod limiter;
pub mod lock;
pub mod page;
pub mod retry;
pub mod secret;
pub mod snapshot;
pub mod token_cache;
pub mod transport;
pub mod wire;

pub use client::{Client, ClientStats, Request, Response};
pub use connection::{Connection, Credentials, TokenCacheSetting};
pub use error::RemoteError;
pub use snapshot::LiveSnapshot;
pub use transport::Transport;
