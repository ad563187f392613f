//! The kinds of objects the sandbox stores: the shared description in
//! `api`, so the sandbox spells no kind's path or wire shape itself.

pub use crate::api::Kind;
