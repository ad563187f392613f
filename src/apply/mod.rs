//! Executing a plan against the live account. For now only the upload of
//! one asset lives here; the executor comes with its own issue.

pub mod upload;
