//! CLI: the `aftermath` command's arguments and what each command calls. `main.rs` only
//! parses and exits with the code [`Cli::run`] returns.

mod args;
mod logging;
mod progress_bar;
mod shard_index;
mod signals;

pub use args::{Cli, Command, JobArgs, LogFormat};

use crate::error::{exit_code, Error};
use crate::report::{self, FailureReport, PlanReport, ValidateReport};
use crate::runner::{self, Interrupt};
use crate::spec::{Overrides, ProcessEnvironment};
use progress_bar::with_progress_bar;

impl Cli {
    /// Runs the command: logs on stderr, the report on stdout, and the exit code (0 ok, 1 run
    /// failed, 2 bad usage/pipeline/input, 3 finished with failed tiles, 130/143 signals).
    pub fn run(self) -> u8 {
        logging::init_logging(self.log_format);
        crate::raster::log_gdal_messages();
        crate::raster::configure_remote_reads();
        let interrupt = Interrupt::new();
        if matches!(self.command, Command::Run { .. } | Command::Finalize { .. }) {
            if let Err(e) = signals::stop_on_signals(&interrupt) {
                tracing::warn!(error = %e, "cannot handle SIGINT/SIGTERM; they will kill the run");
            }
        }
        let json = self.json;
        match execute(self.command, json, &interrupt) {
            Ok((code, out)) if print_stdout(&out) => code,
            Ok(_) => exit_code::RUN_FAILED,
            Err(e) => {
                let failure = FailureReport::new(&e);
                if json {
                    print_stdout(&report::render(&failure, true));
                }
                eprint!("{failure}");
                failure.exit_code
            }
        }
    }
}

/// The command's exit code and report.
fn execute(command: Command, json: bool, interrupt: &Interrupt) -> Result<(u8, String), Error> {
    match command {
        Command::Run { job, shard } => {
            let shard = shard.map(shard_index::resolve_shard).transpose()?;
            let (plan, options) = job.load(interrupt, shard)?;
            let summary = with_progress_bar(&options.progress, || runner::run(&plan, &options))?;
            Ok((summary.exit_code(), report::render(&summary, json)))
        }
        Command::Finalize { job } => {
            let (plan, options) = job.load(interrupt, None)?;
            let summary =
                with_progress_bar(&options.progress, || runner::finalize(&plan, &options))?;
            Ok((summary.exit_code(), report::render(&summary, json)))
        }
        Command::Validate { pipeline } => {
            let plan = runner::load_plan(&pipeline, &ProcessEnvironment, &Overrides::default())?;
            let job = runner::prepare(&warned(plan))?;
            let report = ValidateReport::new(&pipeline, &job);
            Ok((exit_code::OK, report::render(&report, json)))
        }
        Command::Search { pipeline } => {
            let plan = runner::load_plan(&pipeline, &ProcessEnvironment, &Overrides::default())?;
            let report = runner::search_report(&pipeline, &warned(plan))?;
            Ok((exit_code::OK, report::render(&report, json)))
        }
        Command::Plan {
            pipeline,
            zoom,
            max_tiles,
            shards,
        } => {
            let overrides = Overrides {
                zoom,
                max_tiles,
                ..Overrides::default()
            };
            let plan = runner::load_plan(&pipeline, &ProcessEnvironment, &overrides)?;
            let job = runner::prepare(&warned(plan))?;
            let split = shards.map(|n| runner::shard_plan(&job, n)).transpose()?;
            let report = PlanReport::new(&pipeline, &job, split.as_ref());
            Ok((exit_code::OK, report::render(&report, json)))
        }
    }
}

/// Writes the command's report on stdout; false when stdout cannot take it (a full disk, a
/// closed pipe), which the caller reports instead of panicking as `println!` would.
fn print_stdout(text: &str) -> bool {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write the report to stdout: {e}");
            false
        }
    }
}

/// Logs what the pipeline says but probably does not mean, before anything runs.
fn warned(plan: crate::plan::Plan) -> crate::plan::Plan {
    for warning in &plan.warnings {
        tracing::warn!("{}: {warning}", plan.pipeline.display());
    }
    plan
}
