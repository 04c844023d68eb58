//! The `aftermath` command: parse arguments, set up logging and signal handling, call the
//! library, map the result to an exit code (0 ok, 1 run failed, 2 bad usage/pipeline/input,
//! 3 finished with failed tiles, 130/143 stopped by SIGINT/SIGTERM).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aftermath::error::exit_code;
use aftermath::runner::{self, signal_name, Interrupt, Progress, RunOptions};
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

/// What `run` and `finalize` share: the pipeline, where the output goes, and how to write.
#[derive(clap::Args)]
struct JobArgs {
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
    /// Worker threads (default: all cores; at most 1024).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// The most tiles the plan may hold, replacing [tiling] max_tiles (default 10000000).
    #[arg(long, value_name = "N")]
    max_tiles: Option<u64>,
    /// Leave outputs whose stored content is already identical (checked by content hash,
    /// not existence); rewrite stale or missing ones. A finished, unchanged job writes
    /// nothing.
    #[arg(long)]
    resume: bool,
}

impl JobArgs {
    /// The plan of the pipeline with this command line's overrides, and the run options.
    fn load(
        self,
        interrupt: &Interrupt,
        shard: Option<runner::Shard>,
    ) -> Result<(aftermath::plan::Plan, RunOptions), aftermath::Error> {
        let overrides = Overrides {
            output: self.output,
            zoom: self.zoom,
            max_tiles: self.max_tiles,
            store_options: self.store_opt,
        };
        let plan = warned(spec::load_plan(
            &self.pipeline,
            &ProcessEnvironment,
            &overrides,
        )?);
        let options = RunOptions {
            threads: self.threads.map(usize::from),
            resume: self.resume,
            interrupt: interrupt.clone(),
            shard,
            progress: Progress::new(),
        };
        Ok((plan, options))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline: read the scenes, compute the index, write tiles, TileJSON and run.json.
    Run {
        #[command(flatten)]
        job: JobArgs,
        /// Build shard I of N (I from 0) of the tiles; `aftermath finalize` writes the rest
        /// once every shard has finished. `/N` takes I from JOB_COMPLETION_INDEX (Kubernetes
        /// Indexed Jobs) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array jobs).
        #[arg(long, value_name = "I/N", value_parser = parse_shard)]
        shard: Option<(Option<usize>, usize)>,
    },
    /// After every shard of a sharded job (`run --shard I/N`): build the zooms above the
    /// shards', write the products, TileJSON, STAC item and, last, run.json.
    Finalize {
        #[command(flatten)]
        job: JobArgs,
    },
    /// Check a pipeline file and its inputs without writing anything.
    Validate { pipeline: PathBuf },
    /// Print bounds, zoom range and tile counts per zoom, touching no output.
    Plan {
        pipeline: PathBuf,
        #[arg(long, value_parser = parse_zoom)]
        zoom: Option<ZoomRange>,
        /// The most tiles the plan may hold, replacing [tiling] max_tiles.
        #[arg(long, value_name = "N")]
        max_tiles: Option<u64>,
        /// Also list how N shards (`run --shard I/N`) split the tiles.
        #[arg(long, value_name = "N")]
        shards: Option<usize>,
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

/// Runs `job`, drawing a progress bar of `progress` on stderr when stderr is an interactive
/// terminal (never in logs redirected to a file or a CI system).
fn with_progress_bar<T>(progress: &Progress, job: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return job();
    }
    let done = Arc::new(AtomicBool::new(false));
    let drawer = {
        let (progress, done) = (progress.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            // Hidden until the run has planned its tiles (after reading the inputs).
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(0),
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} tiles  {per_sec}  {elapsed_precise}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            while !done.load(Ordering::Relaxed) {
                if bar.is_hidden() && progress.planned() > 0 {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_length(progress.planned());
                bar.set_position(progress.stored());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    };
    let result = job();
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    result
}

/// A run's summary (text or JSON) into `out`; returns its exit code.
fn print_summary(
    summary: &runner::Summary,
    json: bool,
    out: &mut String,
) -> Result<u8, aftermath::Error> {
    if json {
        let _ = writeln!(out, "{}", summary.to_json());
    } else {
        let _ = write!(out, "{summary}");
    }
    Ok(summary.exit_code())
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

/// `I/N`, or `/N` (the index from the environment).
fn parse_shard(text: &str) -> Result<(Option<usize>, usize), String> {
    let usage = || format!("expected I/N (e.g. 0/4) or /N, got {text:?}");
    let (index, count) = text.split_once('/').ok_or_else(usage)?;
    let count: usize = count.trim().parse().map_err(|_| usage())?;
    let index = match index.trim() {
        "" => None,
        i => Some(i.parse().map_err(|_| usage())?),
    };
    Ok((index, count))
}

/// The shard to build: the index given, or the scheduler's array index from the environment.
fn resolve_shard(
    (index, count): (Option<usize>, usize),
) -> Result<runner::Shard, aftermath::Error> {
    const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];
    let index = match index {
        Some(i) => i,
        None => {
            let found = INDEX_VARIABLES
                .iter()
                .find_map(|v| std::env::var(v).ok().map(|value| (*v, value)));
            let Some((variable, value)) = found else {
                return Err(aftermath::Error::ShardUsage(format!(
                    "--shard /{count} takes the index from {}, and none is set; give --shard I/{count}",
                    INDEX_VARIABLES.join(" or ")
                )));
            };
            value.trim().parse().map_err(|_| {
                aftermath::Error::ShardUsage(format!("{variable}={value:?} is not a shard index"))
            })?
        }
    };
    runner::Shard::new(index, count)
}

fn parse_zoom(text: &str) -> Result<ZoomRange, String> {
    ZoomRange::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    aftermath::read::log_gdal_messages();
    let interrupt = Interrupt::new();
    if matches!(cli.command, Command::Run { .. } | Command::Finalize { .. }) {
        if let Err(e) = stop_on_signals(&interrupt) {
            tracing::warn!(error = %e, "cannot handle SIGINT/SIGTERM; they will kill the run");
        }
    }
    let json = cli.json;
    let mut out = String::new();
    match execute(cli.command, json, &interrupt, &mut out) {
        Ok(code) if print_stdout(&out) => ExitCode::from(code),
        Ok(_) => ExitCode::from(exit_code::RUN_FAILED),
        Err(e) => {
            // Messages may quote a server's answer or a URL: never with credentials in them.
            let message = aftermath::secrets::redact(&e.to_string());
            if json {
                let (status, signal) = match &e {
                    aftermath::Error::Interrupted { signal } => {
                        ("interrupted", Some(signal_name(*signal)))
                    }
                    _ => ("error", None),
                };
                let mut doc = serde_json::json!({
                    "status": status,
                    "exit_code": e.exit_code(),
                    "signal": signal,
                    "error": message,
                });
                if let aftermath::Error::StoreDown { failures, .. } = &e {
                    doc["failures"] = failures
                        .iter()
                        .map(|(tile, why)| serde_json::json!({ "tile": tile, "message": why }))
                        .collect();
                }
                print_stdout(&format!("{doc}\n"));
            }
            eprintln!("error: {message}");
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

/// Logs what the pipeline says but probably does not mean, before anything runs.
fn warned(plan: aftermath::plan::Plan) -> aftermath::plan::Plan {
    for warning in &plan.warnings {
        tracing::warn!("{}: {warning}", plan.pipeline.display());
    }
    plan
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

fn execute(
    command: Command,
    json: bool,
    interrupt: &Interrupt,
    out: &mut String,
) -> Result<u8, aftermath::Error> {
    match command {
        Command::Run { job, shard } => {
            let shard = shard.map(resolve_shard).transpose()?;
            let (plan, options) = job.load(interrupt, shard)?;
            let summary = with_progress_bar(&options.progress, || runner::run(&plan, &options));
            print_summary(&summary?, json, out)
        }
        Command::Finalize { job } => {
            let (plan, options) = job.load(interrupt, None)?;
            let summary =
                with_progress_bar(&options.progress, || runner::finalize(&plan, &options));
            print_summary(&summary?, json, out)
        }
        Command::Validate { pipeline } => {
            let plan = warned(spec::load_plan(
                &pipeline,
                &ProcessEnvironment,
                &Overrides::default(),
            )?);
            let prepared = runner::prepare(&plan)?;
            let scenes: Vec<&str> = prepared.inputs.iter().map(|i| i.name.as_str()).collect();
            if json {
                let doc = serde_json::json!({
                    "status": "ok",
                    "pipeline": pipeline.display().to_string(),
                    "product": plan.product.name(),
                    "scenes": scenes,
                    "zooms": { "min": prepared.zooms.min, "max": prepared.zooms.max },
                    "warnings": plan.warnings,
                });
                let _ = writeln!(out, "{doc}");
                return Ok(exit_code::OK);
            }
            let _ = writeln!(
                out,
                "{}: ok ({} of {}, zooms {})",
                pipeline.display(),
                plan.product.name(),
                scenes.join(" → "),
                prepared.zooms
            );
            Ok(exit_code::OK)
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
            let plan = warned(spec::load_plan(&pipeline, &ProcessEnvironment, &overrides)?);
            let prepared = runner::prepare(&plan)?;
            let bounds = prepared.footprint.wgs84_bbox();
            let counts = prepared.tile_counts();
            let split = shards
                .map(|n| runner::shard_plan(&prepared, n))
                .transpose()?;
            let shard_list: Option<Vec<serde_json::Value>> = split.as_ref().map(|split| {
                (0..split.roots.len())
                    .map(|i| {
                        serde_json::json!({
                            "shard": i,
                            "roots": split.roots[i].len(),
                            "tiles": prepared.tiles_under(Some(&split.roots[i]), None),
                            "deepest_zoom_tiles": split.load[i],
                        })
                    })
                    .collect()
            });
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
                    "shards": split.as_ref().map(|split| serde_json::json!({
                        "count": split.roots.len(),
                        "shard_zoom": split.zoom,
                        "finalize_zooms": (prepared.zooms.min < split.zoom)
                            .then(|| [prepared.zooms.min, split.zoom - 1]),
                        "shards": shard_list,
                    })),
                });
                let _ = writeln!(out, "{doc}");
                return Ok(exit_code::OK);
            }
            let [w, s, e, n] = bounds;
            let _ = writeln!(out, "pipeline: {}", pipeline.display());
            let _ = writeln!(out, "product:  {}", plan.product.name());
            let _ = writeln!(out, "bounds:   {w:.6}, {s:.6}, {e:.6}, {n:.6} (lon/lat)");
            let _ = writeln!(
                out,
                "zooms:    {} (tile size {})",
                prepared.zooms, plan.tiling.tile_size
            );
            let mut total = 0;
            for (z, count) in counts {
                let _ = writeln!(out, "  zoom {z:>2}: {count} tiles at most");
                total += count;
            }
            let _ = writeln!(
                out,
                "total:    {total} tiles at most (tiles without data are skipped)"
            );
            if let Some(split) = &split {
                let _ = writeln!(
                    out,
                    "shards:   {} at zoom {} (finalize builds the zooms above)",
                    split.roots.len(),
                    split.zoom
                );
                for (i, roots) in split.roots.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "  shard {i:>3}: {} tiles at most ({} roots)",
                        prepared.tiles_under(Some(roots), None),
                        roots.len()
                    );
                }
            }
            let _ = writeln!(out, "output:   {}", plan.output.url);
            Ok(exit_code::OK)
        }
    }
}
