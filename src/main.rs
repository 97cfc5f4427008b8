//! The `tuanthu` binary: parse the command line, run, exit with the spec's code. The command
//! line ([`cli`]) is the binary's own code over the library's public API.

mod cli;

/// mimalloc rather than the C library's allocator: evaluating thousands of systems allocates
/// millions of small verdicts and findings across threads (measured in benches/engine.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
