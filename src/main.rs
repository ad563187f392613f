//! The `pxmctl` binary: everything lives in the library's `cli` module;
//! here its outcome becomes the exit code.

// Loading a large catalog is allocation-bound (a node per YAML value);
// mimalloc is faster there than the system allocator and fragments less
// across rayon's threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    pxmctl::cli::exit_code(pxmctl::cli::run())
}
