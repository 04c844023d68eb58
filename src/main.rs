//! The `aftermath` command: parse arguments, set up logging and signal handling, call the
//! library, map the result to an exit code (0 ok, 1 run failed, 2 bad usage/pipeline/input,
//! 3 finished with failed tiles, 130/143 stopped by SIGINT/SIGTERM).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use aftermath::error::exit_code;
use aftermath::runner::{self, signal_name, Interrupt, RunOptions};
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
    /// Print one JSON document on stdout (the run's summary, the plan, the check, or the
    /// error) instead of text; logs stay on stderr.
    #[arg(long, global = true)]
    json: bool,
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
    let interrupt = Interrupt::new();
    if matches!(cli.command, Command::Run { .. }) {
        if let Err(e) = stop_on_signals(&interrupt) {
            tracing::warn!(error = %e, "cannot handle SIGINT/SIGTERM; they will kill the run");
        }
    }
    let json = cli.json;
    match execute(cli.command, json, &interrupt) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json {
                let (status, signal) = match &e {
                    aftermath::Error::Interrupted { signal } => {
                        ("interrupted", Some(signal_name(*signal)))
                    }
                    _ => ("error", None),
                };
                let doc = serde_json::json!({
                    "status": status,
                    "exit_code": e.exit_code(),
                    "signal": signal,
                    "error": e.to_string(),
                });
                println!("{doc}");
            }
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// SIGINT and SIGTERM set `interrupt` (the run stops starting tiles, writes those in flight,
/// leaves run.json unwritten and exits 130/143); a second one exits at once, same code.
fn stop_on_signals(interrupt: &Interrupt) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let again = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        let code = i32::from(exit_code::interrupted(signal));
        // Handlers run in the order registered: the shutdown only fires once `again` is set.
        signal_hook::flag::register_conditional_shutdown(signal, code, Arc::clone(&again))?;
        signal_hook::flag::register(signal, Arc::clone(&again))?;
        signal_hook::flag::register_usize(signal, interrupt.flag(), signal as usize)?;
    }
    Ok(())
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

fn execute(command: Command, json: bool, interrupt: &Interrupt) -> Result<u8, aftermath::Error> {
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
            let options = RunOptions {
                threads,
                resume,
                interrupt: interrupt.clone(),
            };
            let summary = runner::run(&plan, &options)?;
            if json {
                println!("{}", summary.to_json());
            } else {
                print!("{summary}");
            }
            Ok(summary.exit_code())
        }
        Command::Validate { pipeline } => {
            let plan = spec::load_plan(&pipeline, &ProcessEnvironment, &Overrides::default())?;
            let prepared = runner::prepare(&plan)?;
            let scenes: Vec<&str> = prepared.inputs.iter().map(|i| i.name.as_str()).collect();
            if json {
                let doc = serde_json::json!({
                    "status": "ok",
                    "pipeline": pipeline.display().to_string(),
                    "product": plan.product.name(),
                    "scenes": scenes,
                    "zooms": { "min": prepared.zooms.min, "max": prepared.zooms.max },
                });
                println!("{doc}");
                return Ok(exit_code::OK);
            }
            println!(
                "{}: ok ({} of {}, zooms {})",
                pipeline.display(),
                plan.product.name(),
                scenes.join(" → "),
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
            let bounds = aftermath::tiling::lon_lat_bounds(prepared.footprint.bounds);
            let counts = prepared.tile_counts();
            if json {
                let per_zoom: serde_json::Map<String, serde_json::Value> = counts
                    .iter()
                    .map(|(z, n)| (z.to_string(), (*n).into()))
                    .collect();
                let doc = serde_json::json!({
                    "pipeline": pipeline.display().to_string(),
                    "product": plan.product.name(),
                    "bounds": bounds,
                    "zooms": { "min": prepared.zooms.min, "max": prepared.zooms.max },
                    "tile_size": plan.tiling.tile_size,
                    "tiles": {
                        "per_zoom": per_zoom,
                        "total": counts.iter().map(|(_, n)| n).sum::<u64>(),
                    },
                    "output": plan.output.url,
                });
                println!("{doc}");
                return Ok(exit_code::OK);
            }
            let [w, s, e, n] = bounds;
            println!("pipeline: {}", pipeline.display());
            println!("product:  {}", plan.product.name());
            println!("bounds:   {w:.6}, {s:.6}, {e:.6}, {n:.6} (lon/lat)");
            println!(
                "zooms:    {} (tile size {})",
                prepared.zooms, plan.tiling.tile_size
            );
            let mut total = 0;
            for (z, count) in counts {
                println!("  zoom {z:>2}: {count} tiles at most");
                total += count;
            }
            println!("total:    {total} tiles at most (tiles without data are skipped)");
            println!("output:   {}", plan.output.url);
            Ok(exit_code::OK)
        }
    }
}
