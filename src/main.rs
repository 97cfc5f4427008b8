//! The `tuanthu` binary: parse the command line, run, exit with the spec's code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tuanthu::cli::Cli::parse();
    let code = tuanthu::cli::run(cli);
    std::process::ExitCode::from(code as u8)
}
