//! The `tuanthu` binary: parse the command line, run, exit with the spec's code. The command
//! line ([`cli`]) is the binary's own code over the library's public API.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
