//! The runner: the only module that knows every stage. It loads the plan (compile, then the
//! catalog and PROJ: `load.rs`), prepares the inputs, builds the tile
//! pyramid on rayon (READ → COMPUTE → RENDER per tile), hands encoded tiles to an async writer
//! over a bounded channel (STORE on tokio) beside the products' steps after their pixel pass
//! (`overlap.rs`), then publishes TileJSON and the other documents and, last, `run.json`. A
//! sharded job splits this: each shard builds its part of the tiles
//! (`shards.rs`), `finalize` the zooms above them and the publishing. A signal stops it between
//! tiles ([`Interrupt`]); [`Progress`] counts the tiles for a display.

mod interrupt;
mod load;
mod outline;
mod overlap;
mod pixels;
mod prepare;
mod products;
mod progress;
mod pyramid;
mod search;
mod shards;
mod summary;
mod supersede;
mod writer;

pub use crate::error::exit_code::signal_name;
pub use crate::job::{Job, Summary, TileFailure};
pub use crate::tiling::Shard;
pub use interrupt::Interrupt;
pub use load::load_plan;
pub use prepare::prepare;
pub use progress::Progress;
pub use pyramid::index_values;
pub use search::search_report;
pub use shards::{finalize, shard_plan};

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::error::Error;
use crate::layout::{self, PMTILES_KEY, PMTILES_MEDIA_TYPE};
use crate::metadata;
use crate::plan::{Plan, TileFormat};
use crate::render;
use crate::store::pmtiles::{ArchiveInfo, TileSpool};
use crate::store::OutputStore;
use crate::tiling;
use pyramid::{Below, Roots};
use writer::TileSink;

/// Knobs of one run that are not part of the pipeline.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads for READ/COMPUTE/RENDER; default: all cores.
    pub threads: Option<usize>,
    /// Leave objects whose stored content is already identical (`--resume`).
    pub resume: bool,
    /// Set (by a signal handler) to stop the run early.
    pub interrupt: Interrupt,
    /// Build only this shard's part of the tiles (`--shard I/N`); `aftermath finalize` then
    /// writes the rest.
    pub shard: Option<Shard>,
    /// Counts tiles planned and stored, for a progress display.
    pub progress: Progress,
}

/// GDAL block cache per run, MiB. Together with the tiles in flight this bounds memory.
pub const GDAL_CACHE_MB: usize = 64;
/// Encoded tiles waiting for the writer at most.
pub const CHANNEL_CAPACITY: usize = 256;
/// Uploads in flight at most.
pub const UPLOADS_IN_FLIGHT: usize = 32;

/// Runs a plan to the output named in it. Inputs are checked before the output is touched, so
/// a bad input leaves nothing behind.
pub fn run(plan: &Plan, options: &RunOptions) -> Result<Summary, Error> {
    let started = SystemTime::now();
    let job = prepare(plan)?;
    let store =
        OutputStore::open_with(&plan.output.url, &plan.output.store)?.resuming(options.resume);
    let result = run_job(&job, &store, options, started);
    if result.is_err() {
        store.discard_if_empty();
    }
    result
}

/// Runs a plan into an already opened store (tests use this with `memory://`).
pub fn run_to_store(
    plan: &Plan,
    store: &OutputStore,
    options: &RunOptions,
) -> Result<Summary, Error> {
    let started = SystemTime::now();
    run_job(&prepare(plan)?, store, options, started)
}

/// What every part of a job needs: the I/O runtime and the worker threads.
struct Engine {
    runtime: tokio::runtime::Runtime,
    /// The tiles' workers.
    tile_pool: rayon::ThreadPool,
    /// The products' workers: a pool of their own, so the tiles made beside the products'
    /// later steps never wait for a worker the products hold.
    pool: rayon::ThreadPool,
    clock: Instant,
    prepare_seconds: f64,
}

impl Engine {
    /// Starts the runtime and the workers, and checks the output is writable.
    fn start(store: &OutputStore, options: &RunOptions) -> Result<Engine, Error> {
        let clock = Instant::now();
        options.interrupt.check()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime {
                what: "starting the I/O runtime",
                message: e.to_string(),
            })?;
        runtime.block_on(store.check_writable())?;
        let pool = |name: &'static str| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(options.threads.unwrap_or(0))
                .thread_name(move |i| format!("aftermath-{name}-{i}"))
                .build()
                .map_err(|e| Error::Runtime {
                    what: "starting worker threads",
                    message: e.to_string(),
                })
        };
        Ok(Engine {
            runtime,
            tile_pool: pool("tile")?,
            pool: pool("product")?,
            prepare_seconds: clock.elapsed().as_secs_f64(),
            clock,
        })
    }

    /// Builds `roots` and the tiles below them (see [`pyramid::build`]) and writes them;
    /// returns the summary of what was written, the values of listed roots and, for
    /// PMTiles, the spool of tiles.
    fn tiles(
        &self,
        job: &Job,
        store: &OutputStore,
        options: &RunOptions,
        roots: Roots,
        below: Below,
    ) -> Result<TilesDone, Error> {
        let plan = &job.plan;
        let started = Instant::now();
        tracing::info!(
            pipeline = %plan.pipeline.display(),
            zooms = %job.zooms,
            output = store.url(),
            "tiling"
        );
        let (sender, receiver) = tokio::sync::mpsc::channel(CHANNEL_CAPACITY);
        let sink = match plan.output.format {
            TileFormat::Xyz => TileSink::Store(store.clone()),
            TileFormat::Pmtiles => {
                TileSink::Spool(TileSpool::new().map_err(|e| Error::Runtime {
                    what: "creating the scratch file for the PMTiles archive",
                    message: e.to_string(),
                })?)
            }
        };
        let below_zoom = match below {
            Below::Sources => None,
            Below::Known { zoom, .. } => Some(zoom),
        };
        options.progress.plan(job.tiles_under(
            match roots {
                Roots::Top => None,
                Roots::These(list) => Some(list),
            },
            below_zoom,
        ));
        let stops = writer::Stops {
            interrupt: options.interrupt.clone(),
            halt: Arc::new(AtomicBool::new(false)),
        };
        let writer = self.runtime.spawn(writer::write_tiles(
            sink,
            receiver,
            stops.clone(),
            UPLOADS_IN_FLIGHT,
            plan.output.encoding,
            options.progress.clone(),
        ));
        let mut built = self
            .tile_pool
            .install(|| pyramid::build(job, roots, below, sender, &stops));
        if let Some(signal) = options.interrupt.signal() {
            tracing::warn!(
                signal = %signal_name(signal),
                "interrupted: no new tiles; writing the tiles in flight"
            );
        }
        let (written, spool) = self.runtime.block_on(writer).map_err(|e| Error::Runtime {
            what: "the tile writer",
            message: e.to_string(),
        })?;
        options.interrupt.check()?;
        if let Some(message) = &written.store_down {
            return Err(Error::StoreDown {
                in_a_row: writer::FAILURES_IN_A_ROW,
                message: message.clone(),
                failures: (written.failures.iter())
                    .map(|f| (f.tile.to_string(), f.message.clone()))
                    .collect(),
            });
        }
        let roots = std::mem::take(&mut built.roots);
        let mut summary = summary::summarize(job, store, built, written);
        summary.prepare_seconds = self.prepare_seconds;
        summary.tiles_seconds = started.elapsed().as_secs_f64();
        Ok(TilesDone {
            summary,
            roots,
            spool,
        })
    }
}

/// What [`Engine::tiles`] did: the summary so far, the values of the roots it built (with
/// data), and for PMTiles the spool of tiles.
struct TilesDone {
    summary: Summary,
    roots: Vec<(tiling::TileId, Vec<f32>)>,
    spool: Option<TileSpool>,
}

fn run_job(
    job: &Job,
    store: &OutputStore,
    options: &RunOptions,
    started: SystemTime,
) -> Result<Summary, Error> {
    if let Some(shard) = options.shard {
        return shards::run_shard(job, store, options, shard);
    }
    let engine = Engine::start(store, options)?;
    supersede::supersede(&engine.runtime, store, job, options, true)?;
    // With products, the tiles are made beside the steps after their pixel pass.
    let (tiles, products) = match products::product_grid(job) {
        Ok(Some(grid)) => overlap::tiles_and_products(&engine, job, &grid, store, options),
        grid => (
            engine.tiles(job, store, options, Roots::Top, Below::Sources),
            products::ProductsDone::without_grid(grid),
        ),
    };
    let done = tiles?;
    if done.summary.tiles_written() == 0 && done.summary.failures.is_empty() {
        return Err(Error::NoValidPixels {
            why: prepare::why_empty(job),
        });
    }
    publish(
        job,
        store,
        options,
        &engine,
        (done.summary, done.spool),
        products,
        started,
    )
}

/// Everything after the tiles and the product rasters: the legend, TileJSON, the preview
/// page, WMTS capabilities or the PMTiles archive, the STAC item and, last, `run.json`.
fn publish(
    job: &Job,
    store: &OutputStore,
    options: &RunOptions,
    engine: &Engine,
    (mut summary, spool): (Summary, Option<TileSpool>),
    products: products::ProductsDone,
    started: SystemTime,
) -> Result<Summary, Error> {
    let plan = &job.plan;
    let (runtime, clock) = (&engine.runtime, engine.clock);
    let (prepare_seconds, tiles_seconds) = (summary.prepare_seconds, summary.tiles_seconds);
    summary.product_grid = products.grid;
    summary.products_seconds = products.seconds;
    options.interrupt.check()?;
    // A failure of the product rasters is reported like a failed tile (exit 3), so the
    // tiles already written stay usable.
    match products.written {
        Ok(keys) => summary.products = keys,
        Err(e @ Error::Interrupted { .. }) => return Err(e),
        Err(e) => {
            // Product errors may quote GDAL's /vsis3/ or a server's answer: redacted as tiles'.
            let message = crate::secrets::redact(&e.to_string());
            tracing::warn!(error = %message, "product rasters failed");
            summary.product_errors.push(message);
        }
    }
    let legend = metadata::legend_json(&plan.style, plan.display_title());
    put_json(
        runtime,
        store,
        layout::LEGEND_KEY,
        &legend,
        layout::JSON_MEDIA_TYPE,
    )?;
    let legend_png =
        render::legend_png(&plan.style, plan.display_title()).map_err(|e| Error::Runtime {
            what: "the legend image",
            message: e.to_string(),
        })?;
    runtime.block_on(store.put(layout::LEGEND_PNG_KEY, legend_png.into(), "image/png"))?;
    let tilejson = metadata::tilejson(job, store);
    put_json(
        runtime,
        store,
        layout::TILEJSON_KEY,
        &tilejson,
        layout::JSON_MEDIA_TYPE,
    )?;
    let preview = metadata::preview_html(job);
    runtime.block_on(store.put(
        layout::PREVIEW_KEY,
        preview.into_bytes().into(),
        "text/html; charset=utf-8",
    ))?;
    if let Some(spool) = spool {
        let archive = pmtiles_archive(job, spool, &tilejson)?;
        runtime.block_on(store.put_file(PMTILES_KEY, archive.path(), PMTILES_MEDIA_TYPE))?;
    } else {
        let wmts = metadata::wmts_capabilities(job, store);
        runtime.block_on(store.put(
            layout::WMTS_KEY,
            wmts.into_bytes().into(),
            "application/xml",
        ))?;
    }
    summary.seconds = clock.elapsed().as_secs_f64();
    if summary.failures.is_empty() && summary.product_errors.is_empty() {
        summary.removed = supersede::remove_stale(runtime, store)?;
    }
    // A resumed run that found every object already in place leaves the finished job as it
    // was: the item and the record (which carry timestamps) are not rewritten.
    let unchanged_finished_job = options.resume
        && store.put_counts().0 == 0
        && summary.removed.is_empty()
        && summary.failures.is_empty()
        && summary.product_errors.is_empty()
        && runtime.block_on(store.get(layout::RUN_RECORD_KEY)).is_ok();
    if unchanged_finished_job {
        tracing::info!("--resume: every object is already in place; nothing written");
        summary.products.push(layout::STAC_ITEM_KEY.to_string());
        summary.completed = true;
    } else if summary.product_errors.is_empty() {
        let item = metadata::stac_item(job, &summary, store, SystemTime::now());
        put_json(
            runtime,
            store,
            layout::STAC_ITEM_KEY,
            &item,
            layout::GEOJSON_MEDIA_TYPE,
        )?;
        summary.products.push(layout::STAC_ITEM_KEY.to_string());
    }
    options.interrupt.check()?;
    if !unchanged_finished_job && summary.failures.is_empty() && summary.product_errors.is_empty() {
        // Written last: its presence means the run completed.
        let record = metadata::run_record(job, &summary, started, prepare_seconds, tiles_seconds);
        put_json(
            runtime,
            store,
            layout::RUN_RECORD_KEY,
            &record,
            layout::JSON_MEDIA_TYPE,
        )?;
        summary.completed = true;
    }
    summary.seconds = clock.elapsed().as_secs_f64();
    summary.objects = store.put_counts();
    Ok(summary)
}

/// The run's tiles as one PMTiles archive in a scratch file (removed when dropped), with the
/// TileJSON as its metadata.
fn pmtiles_archive(
    job: &Job,
    spool: TileSpool,
    tilejson: &metadata::TileJson,
) -> Result<tempfile::NamedTempFile, Error> {
    let failed = |message: String| Error::Runtime {
        what: "building the PMTiles archive",
        message,
    };
    let [w, s, e, n] = job.footprint.web_bounds();
    let info = ArchiveInfo {
        min_zoom: job.zooms.min,
        max_zoom: job.zooms.max,
        bounds: [w, s, e, n],
        center: ((w + e) / 2.0, (s + n) / 2.0, job.zooms.min),
        metadata: serde_json::to_string(tilejson).unwrap_or_default(),
    };
    let file = tempfile::NamedTempFile::new().map_err(|e| failed(e.to_string()))?;
    let out = file.reopen().map_err(|e| failed(e.to_string()))?;
    spool
        .write_archive(&info, out)
        .map_err(|e| failed(e.to_string()))?;
    Ok(file)
}

/// Uploads a JSON document (pretty-printed: these are read by people too).
fn put_json(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
    key: &str,
    doc: &impl serde::Serialize,
    media_type: &str,
) -> Result<(), Error> {
    Ok(runtime.block_on(store.put(key, pretty_json(doc).into(), media_type))?)
}

/// A document as pretty-printed JSON.
fn pretty_json(doc: &impl serde::Serialize) -> Vec<u8> {
    // Typed documents always serialise (no maps with non-string keys, no failing Serialize).
    serde_json::to_vec_pretty(doc).unwrap_or_default()
}
