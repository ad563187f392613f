//! Diagnostics as data: what went wrong in a user's input, where, and how
//! to fix it. Gathered by the checkers, rendered by `render`; nothing here
//! prints.

mod code;
mod diagnostic;
mod location;
mod printable;

pub use code::Code;
pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity};
pub use location::{Location, SourceFile, Sources};
pub use printable::printable;
