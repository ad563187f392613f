//! What both sides of the wire share about the PXM API: the kinds and
//! their paths (`kind`, `paths`), the names the guides leave to guess
//! (`names`) and how values are read and written (`codec`). The client
//! side and the sandbox both build on this and on nothing of each other.
//! Nothing here does I/O.

pub mod codec;
pub mod fields;
mod kind;
pub mod names;
pub mod paths;

pub use kind::Kind;
