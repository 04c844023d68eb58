//! The `aftermath` command: parse arguments, set up logging, call the library, map the result
//! to an exit code (0 ok, 1 run failed, 2 bad usage/pipeline/input, 3 finished with failed tiles).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use aftermath::error::exit_code;
use aftermath::runner::{self, RunOptions};
use aftermath::spec::{self, Overrides, ProcessEnvironment};
use aftermath::tiling::ZoomRange;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "aftermath",
    version,
    about = "Satellite rasters in, damage-index web map tiles out"
)]
struct Cli {
    /// Log format on stderr (filter with RUST_LOG, e.g. RUST_LOG=aftermath=debug).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline: read the scenes, compute the index, write tiles, TileJSON and run.json.
    Run {
        pipeline: PathBuf,
        /// Output directory or URL (s3://bucket/prefix, gs://…, az://…, file:///…, memory://),
        /// replacing [output] url.
        #[arg(long)]
        output: Option<String>,
        /// Object-store option KEY=VALUE (object_store's names: aws_endpoint, aws_region,
        /// aws_allow_http, azure_storage_account_name, …), over the environment; repeatable.
        #[arg(long = "store-opt", value_name = "KEY=VALUE", value_parser = parse_store_opt)]
        store_opt: Vec<(String, String)>,
        /// Zoom range MIN-MAX (or one level), replacing [tiling] zoom.
        #[arg(long, value_parser = parse_zoom)]
        zoom: Option<ZoomRange>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Leave outputs whose stored content is already identical (checked by content hash,
        /// not existence); rewrite stale or missing ones. A finished, unchanged job writes
        /// nothing.
        #[arg(long)]
        resume: bool,
    },
    /// Check a pipeline file and its inputs without writing anything.
    Validate { pipeline: PathBuf },
    /// Print bounds, zoom range and tile counts per zoom, touching no output.
    Plan {
        pipeline: PathBuf,
        #[arg(long, value_parser = parse_zoom)]
        zoom: Option<ZoomRange>,
    },
}

fn parse_store_opt(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_ascii_lowercase(), value.to_string()))
        }
        _ => Err("expected KEY=VALUE, e.g. aws_endpoint=http://127.0.0.1:3900".into()),
    }
}

fn parse_zoom(text: &str) -> Result<ZoomRange, String> {
    ZoomRange::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    aftermath::read::log_gdal_messages();
    match execute(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("aftermath=info,gdal=warn,warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn execute(command: Command) -> Result<u8, aftermath::Error> {
    match command {
        Command::Run {
            pipeline,
            output,
            store_opt,
            zoom,
            threads,
            resume,
        } => {
            let overrides = Overrides {
                output,
                zoom,
                store_options: store_opt,
            };
            let plan = spec::load_plan(&pipeline, &ProcessEnvironment, &overrides)?;
            let summary = runner::run(&plan, &RunOptions { threads, resume })?;
            print!("{summary}");
            Ok(summary.exit_code())
        }
        Command::Validate { pipeline } => {
            let plan = spec::load_plan(&pipeline, &ProcessEnvironment, &Overrides::default())?;
            let prepared = runner::prepare(&plan)?;
            println!(
                "{}: ok ({} of {}, zooms {})",
                pipeline.display(),
                plan.product.name(),
                prepared
                    .inputs
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" → "),
                prepared.zooms
            );
            Ok(exit_code::OK)
        }
        Command::Plan { pipeline, zoom } => {
            let overrides = Overrides {
                zoom,
                ..Overrides::default()
            };
            let plan = spec::load_plan(&pipeline, &ProcessEnvironment, &overrides)?;
            let prepared = runner::prepare(&plan)?;
            let [w, s, e, n] = aftermath::tiling::lon_lat_bounds(prepared.footprint.bounds);
            println!("pipeline: {}", pipeline.display());
            println!("product:  {}", plan.product.name());
            println!("bounds:   {w:.6}, {s:.6}, {e:.6}, {n:.6} (lon/lat)");
            println!(
                "zooms:    {} (tile size {})",
                prepared.zooms, plan.tiling.tile_size
            );
            let mut total = 0;
            for (z, count) in prepared.tile_counts() {
                println!("  zoom {z:>2}: {count} tiles at most");
                total += count;
            }
            println!("total:    {total} tiles at most (tiles without data are skipped)");
            println!("output:   {}", plan.output.url);
            Ok(exit_code::OK)
        }
    }
}
