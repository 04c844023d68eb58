//! The `aftermath` command: parse the arguments, run the command, exit with its code (0 ok,
//! 1 run failed, 2 bad usage/pipeline/input, 3 finished with failed tiles, 130/143 stopped
//! by SIGINT/SIGTERM). Everything else is in the library's `cli` module.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ExitCode::from(aftermath::cli::Cli::parse().run())
}
