//! The floor for `pxmctl validate`: parses every catalog YAML file in a
//! directory with the parser validate uses (serde-saphyr, with the
//! loader's options) into `serde::de::IgnoredAny` — every event read, no
//! tree built, nothing checked — over rayon's threads as the loader does.
//! Prints the files, bytes and wall time. `benches/validate.sh` runs it
//! beside `pxmctl validate` on the same catalog.
//!
//! Usage: cargo bench --bench yaml_parse -- DIR

// A benchmark's output is its result: it prints to stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

use pxmctl::catalog::load::{is_catalog_yaml, walk};
use pxmctl::catalog::tree::parse_options;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the directory is the first other argument.
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench yaml_parse -- DIR");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let files: Vec<PathBuf> = walk(Path::new(&dir))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_catalog_yaml(&e.file_name().to_string_lossy()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let parsed: Result<Vec<usize>, String> = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(&text, parse_options())
                .map_err(|e| format!("`{}`: {e}", path.display()))?;
            Ok(text.len())
        })
        .collect();
    let bytes: usize = match parsed {
        Ok(sizes) => sizes.iter().sum(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "bare parse (serde-saphyr into IgnoredAny, {} threads): {} files, {:.1} MB, wall {secs:.2} s",
        rayon::current_num_threads(),
        files.len(),
        bytes as f64 / 1e6
    );
    ExitCode::SUCCESS
}
