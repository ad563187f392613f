//! The `pxmctl` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    pxmctl::cli::main()
}
