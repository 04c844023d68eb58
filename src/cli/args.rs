//! The command line: subcommands, options and their parsers.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::runner::{Interrupt, Progress, RunOptions};
use crate::spec::{Overrides, ProcessEnvironment};
use crate::tiling::{Shard, ZoomRange};

#[derive(Parser)]
#[command(
    name = "aftermath",
    version,
    about = "Satellite rasters in, damage-index web map tiles out"
)]
pub struct Cli {
    /// Log format on stderr (filter with RUST_LOG, e.g. RUST_LOG=aftermath=debug).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Print one JSON document on stdout (the run's summary, the plan, the check, or the
    /// error) instead of text; logs stay on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What `run` and `finalize` share: the pipeline, where the output goes, and how to write.
#[derive(clap::Args)]
pub struct JobArgs {
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
    #[arg(long, value_parser = ZoomRange::parse)]
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
    pub(super) fn load(
        self,
        interrupt: &Interrupt,
        shard: Option<Shard>,
    ) -> Result<(crate::plan::Plan, RunOptions), crate::Error> {
        let overrides = Overrides {
            output: self.output,
            zoom: self.zoom,
            max_tiles: self.max_tiles,
            store_options: self.store_opt,
        };
        let plan = super::warned(crate::runner::load_plan(
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
pub enum Command {
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
    /// List the STAC items the pipeline's `stac` scenes would read: times, cloud cover and
    /// how much of the area of interest each covers.
    Search { pipeline: PathBuf },
    /// Print bounds, zoom range and tile counts per zoom, touching no output.
    Plan {
        pipeline: PathBuf,
        #[arg(long, value_parser = ZoomRange::parse)]
        zoom: Option<ZoomRange>,
        /// The most tiles the plan may hold, replacing [tiling] max_tiles.
        #[arg(long, value_name = "N")]
        max_tiles: Option<u64>,
        /// Also list how N shards (`run --shard I/N`) split the tiles.
        #[arg(long, value_name = "N")]
        shards: Option<usize>,
    },
}

/// A command-line value that does not parse, and the form expected.
#[derive(Debug, thiserror::Error)]
#[error("expected {expected}, got {given:?}")]
pub struct BadValue {
    expected: &'static str,
    given: String,
}

fn parse_store_opt(text: &str) -> Result<(String, String), BadValue> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_ascii_lowercase(), value.to_string()))
        }
        _ => Err(BadValue {
            expected: "KEY=VALUE, e.g. aws_endpoint=http://127.0.0.1:3900",
            given: text.into(),
        }),
    }
}

/// `I/N`, or `/N` (the index from the environment).
fn parse_shard(text: &str) -> Result<(Option<usize>, usize), BadValue> {
    let usage = || BadValue {
        expected: "I/N (e.g. 0/4) or /N",
        given: text.into(),
    };
    let (index, count) = text.split_once('/').ok_or_else(usage)?;
    let count: usize = count.trim().parse().map_err(|_| usage())?;
    let index = match index.trim() {
        "" => None,
        i => Some(i.parse().map_err(|_| usage())?),
    };
    Ok((index, count))
}
