//! The local PXM API and presigned object store (`pxmctl sandbox`).
//!
//! Owns a faithful stand-in for the PXM API as the guides in
//! `shared/reference/` describe it (OAuth, the object kinds, uploads,
//! list shapes, PUT semantics, the rate limit) plus the S3-like store its
//! presigned URLs point at, with persistence, seeding, fault injection
//! and counters. It returns values and errors; it never prints (the
//! `cli` module does). Every guess the guides leave open is a constant
//! in [`assumptions`].

mod api_error;
mod app;
pub mod assumptions;
mod auth;
mod blobs;
mod config;
mod db;
mod error;
mod faults;
mod form_data;
mod form_policy;
mod ids;
mod kind;
mod limit;
mod persist;
mod presign;
mod processing;
mod query;
mod readings;
mod refs;
mod render;
mod routes;
mod running;
mod seed;
mod server;
mod stats;
mod validate;

pub use config::{
    Credentials, FaultConfig, NameFields, RateLimit, SandboxConfig, SingleUploadType, UploadConfig,
};
pub use error::SandboxError;
pub use faults::ScriptedFault;
pub use kind::Kind;
pub use readings::{Readings, UploadForm};
pub use running::{RunningSandbox, Sandbox};
pub use seed::Seed;
pub use stats::StatsSnapshot;
