//! All integration tests, in one binary: each file under tests/ used to link
//! its own ~300 MB test executable, which filled the CI disk and spent most
//! of the test time linking. Modules keep the files as they were.

#![allow(unreachable_pub)] // a test binary has no outside: its `pub` is reach, not surface

mod api_fields;
mod apply;
mod apply_assets;
mod apply_cases;
mod apply_converge;
mod apply_cost;
mod apply_dead_store;
mod apply_upload;
mod cli_apply;
mod cli_demo;
mod cli_discovery;
mod cli_help;
mod cli_init;
mod cli_messages;
mod cli_plan;
mod cli_remote;
mod cli_validate;
mod config;
mod docs_commands;
mod duplicate_content;
mod environments;
mod examples;
mod export;
mod export_values;
mod hashes;
mod layers;
mod loader_never_panics;
mod lock;
mod plan;
mod readings;
mod remote_client;
mod remote_snapshot;
mod render_apply;
mod render_golden;
mod render_plan;
mod reviewed;
mod sandbox_auth;
mod sandbox_faults;
mod sandbox_limits;
mod sandbox_lists;
mod sandbox_persistence;
mod sandbox_readings;
mod sandbox_seed;
mod sandbox_stats;
mod sandbox_store;
mod sandbox_uploads;
mod sandbox_writes;
mod schema;
mod validate_corpus;

mod support;
