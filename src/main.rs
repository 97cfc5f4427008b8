//! The `tuanthu` binary: parse the command line, run, exit with the spec's code. The command
//! line ([`cli`]) is the binary's own code over the library's public API.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let code = cli::run(cli::Cli::parse());
    std::process::ExitCode::from(code as u8)
}
