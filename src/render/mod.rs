//! Output formats: one renderer per format, each a pure function from data
//! to text. Nothing here writes to a terminal; `cli` does.

pub mod apply;
pub mod diagnostics;
pub mod pacing;
pub mod plan;
pub mod tone;

pub use crate::diag::printable;
