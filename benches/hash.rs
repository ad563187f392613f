//! Hashing throughput of catalog assets: hashes one file with
//! `pxmctl::catalog::hashes::hash_assets` (no cache, so every byte is
//! read and hashed) and prints its size, the time taken and GB/s (10^9
//! bytes per second). `benches/assets.sh` compares it with `sha256sum` on
//! the same file.
//!
//! Usage: cargo bench --bench hash -- FILE

// A benchmark's output is its result: it prints to stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use pxmctl::catalog::hashes::hash_assets;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the file is the first other argument.
    let Some(file) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench hash -- FILE");
        return ExitCode::from(2);
    };
    let path = Path::new(&file);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        eprintln!("error: `{file}` has no UTF-8 file name");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let hashes = match hash_assets(dir, [name], false) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let bytes = hashes.bytes_read;
    let rate = bytes as f64 / seconds / 1e9;
    println!("{bytes} bytes in {seconds:.6} s = {rate:.3} GB/s");
    ExitCode::SUCCESS
}
