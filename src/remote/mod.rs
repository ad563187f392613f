//! Everything pxmctl knows about a live account comes through here: the
//! HTTP client with its auth, token cache, rate limiter, retries and
//! pagination, the wire types, and the live snapshot. Nothing here prints.

pub mod limiter;
pub mod secret;
pub mod token_cache;
