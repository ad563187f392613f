//! The catalog: YAML model, loading with spans, checking raw entries into
//! model types. Does no network I/O; reads only the catalog directory.

pub(crate) mod asset_cache;
pub(crate) mod asset_dir;
pub mod check;
pub mod direct;
pub mod duplicates;
pub mod entries;
pub mod format;
pub mod hashes;
pub mod json_schema;
pub mod load;
pub mod model;
pub mod parse;
pub mod schema;
mod schema_errors;
pub mod sorted;
pub mod source;
pub mod suggest;
pub mod tree;

pub use load::{Loaded, load, load_with};
