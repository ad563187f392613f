//! The one set of helpers every integration test shares, a file per
//! thing it owns: running the binary (`cli`), files and the repository
//! (`files`), seeds (`seed`) and asset bytes (`assets`), starting a
//! sandbox (`sandbox`), counting what it was asked (`requests`), the
//! connection and HTTP client to it (`connection`), the sandbox with its
//! clients (`harness`), a sandbox on its own runtime for tests that block
//! on the binary (`served`), a catalog directory beside one (`run`), and
//! the generated convergence cases (`case`, `profile`, `account`).
//!
//! Nothing here asserts what a test is about; a helper asserts only what
//! it needs to hand back a value (a request it sends succeeded).
#![allow(clippy::unwrap_used)]

pub mod account;
pub mod assets;
pub mod case;
pub mod cli;
pub mod connection;
pub mod files;
pub mod harness;
pub mod profile;
pub mod requests;
pub mod run;
pub mod sandbox;
pub mod seed;
pub mod served;
