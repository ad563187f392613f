//! pxmctl: catalog-as-code for the PXM product-information API.
//!
//! The module list is the pipeline: `catalog` (load, check) → `plan` →
//! `render` | `apply`, with `remote` and `sandbox` on either side of the
//! wire and `cli` on top. Library code returns values and errors; only
//! `cli` prints and chooses exit codes.

pub mod api;
pub mod apply;
pub mod atomic_file;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diag;
pub mod export;
pub mod plan;
pub mod remote;
pub mod render;
pub mod sandbox;
pub mod session;
