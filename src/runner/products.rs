//! The analyst's rasters next to the tiles, on the grid of the product's first scene (its CRS
//! and resolution, no Web Mercator resampling) or the grid the pipeline chooses: the product as a Float32 COG with NaN nodata
//! (`index.tif`) and, for class tables, the classified COG (`classes.tif`, Byte, 0 = nodata,
//! class `i` stored as `i + 1`, colour table and class names in its metadata).
//!
//! The pixels are computed once (`pixels`), a few windows at a time, never the whole raster;
//! then the COGs are put together and the classes outlined (`outline`).

use super::overlap::{Beside, Gate};
use super::pixels::{batch_len, computed, pixel_pass, windows, Observations, Sinks};
use super::{outline, Engine, Interrupt, Job, RunOptions};
use crate::compute::area_stats::AreaStats;
use crate::error::Error;
use crate::layout::{self, CLASSES_COG_KEY, COMPOSITE_COG_KEY, INDEX_COG_KEY};
use crate::metadata;
use crate::plan::ProductGrid;
use crate::raster::cog::{ClassInfo, GridWriter};
use crate::raster::{Grid, PixelAreas, ReaderPool};
use crate::render::{Composite, Style};
use crate::store::OutputStore;

/// Logs how long each step of the products took, in wall and CPU seconds (`RUST_LOG=info`),
/// for `make bench` and operators.
struct Steps {
    wall: std::time::Instant,
    cpu: f64,
}

/// The CPU seconds this process has used so far, on every thread (0 where unknown).
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return 0.0;
    }
    // SAFETY: initialised by the successful call above (and zeroed before it).
    let usage = unsafe { usage.assume_init() };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

impl Steps {
    fn start() -> Steps {
        Steps {
            wall: std::time::Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    fn done(&mut self, step: &'static str) {
        let seconds = self.wall.elapsed().as_secs_f64();
        let cpu = cpu_seconds();
        let cpu_seconds = cpu - self.cpu;
        tracing::info!(step, seconds, cpu_seconds, "product step done");
        *self = Steps {
            wall: std::time::Instant::now(),
            cpu,
        };
    }
}

/// The grid the product rasters are computed on; `None` when the product reads no scene or
/// the pipeline asks for tiles only (`[output] products = false`).
pub(super) fn product_grid(job: &Job) -> Result<Option<Grid>, Error> {
    if !job.plan.output.products {
        return Ok(None);
    }
    let scene_grid = match &job.plan.product.grid {
        ProductGrid::FirstScene => job.inputs.first().map(|i| i.grid.clone()),
        // compile checks that the product reads the scene
        ProductGrid::Scene(name) => job
            .inputs
            .iter()
            .find(|i| &i.name == name)
            .map(|i| i.grid.clone()),
        // The footprint is already within the area of interest.
        ProductGrid::Custom { crs, resolution } => {
            return Ok(Some(Grid::covering(
                job.footprint.bounds,
                crs,
                *resolution,
            )?));
        }
    };
    // A scene's grid, cut to the area of interest (prepare checked that they meet).
    match (scene_grid, &job.aoi) {
        (Some(grid), Some(aoi)) => Ok(Some(grid.cropped_to(aoi.lon_lat)?.unwrap_or(grid))),
        (grid, _) => Ok(grid),
    }
}

/// What the products came to: their grid, the keys written (or why none) and their time.
pub(super) struct ProductsDone {
    pub grid: Option<Grid>,
    pub written: Result<Vec<String>, Error>,
    pub seconds: f64,
}

impl ProductsDone {
    /// No products computed: none asked for (`Ok(None)`), or no grid for them (`Err`).
    pub fn without_grid(grid: Result<Option<Grid>, Error>) -> ProductsDone {
        ProductsDone {
            grid: None,
            written: grid.map(|_| Vec::new()),
            seconds: 0.0,
        }
    }
}

/// The products after the tiles (nothing beside them).
pub(super) fn alone(
    engine: &Engine,
    job: &Job,
    store: &OutputStore,
    options: &RunOptions,
) -> ProductsDone {
    match product_grid(job) {
        Ok(grid) => {
            let gate = Gate::open();
            written(engine, job, grid, store, options, Beside::nothing(&gate))
        }
        Err(e) => ProductsDone::without_grid(Err(e)),
    }
}

/// The products on `grid` (none without one), on the engine's product pool.
pub(super) fn written(
    engine: &Engine,
    job: &Job,
    grid: Option<Grid>,
    store: &OutputStore,
    options: &RunOptions,
    beside: Beside,
) -> ProductsDone {
    let start = std::time::Instant::now();
    let written = match &grid {
        Some(grid) => engine.pool.install(|| {
            write_products(
                job,
                grid,
                store,
                &engine.runtime,
                &options.interrupt,
                beside,
            )
        }),
        None => Ok(Vec::new()),
    };
    ProductsDone {
        grid,
        written,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Computes and uploads the product COGs on `grid`; returns the keys written.
fn write_products(
    job: &Job,
    grid: &Grid,
    store: &OutputStore,
    runtime: &tokio::runtime::Runtime,
    interrupt: &Interrupt,
    beside: Beside,
) -> Result<Vec<String>, Error> {
    let grid = grid.clone();
    let scratch = tempfile::tempdir().map_err(|e| Error::Runtime {
        what: "creating a scratch directory for the product rasters",
        message: e.to_string(),
    })?;
    let dir = scratch.path();
    if let Style::Composite(composite) = &job.plan.style {
        return write_composite(
            job,
            composite,
            &grid,
            dir,
            (runtime, store, beside),
            interrupt,
        );
    }
    let index = GridWriter::float(&dir.join("index-rows.tif"), &grid)?;
    let table = job.plan.style.class_table();
    let infos: Vec<ClassInfo> = table.map_or_else(Vec::new, |t| {
        t.classes
            .iter()
            .map(|c| ClassInfo {
                name: c.name.clone(),
                interval: c.interval(),
                rgba: c.color.0,
            })
            .collect()
    });
    let classes = match table {
        Some(_) => Some(GridWriter::classes(
            &dir.join("classes-rows.tif"),
            &grid,
            &infos,
        )?),
        None => None,
    };
    let readers = ReaderPool::for_grid(&grid).stopped_by(interrupt.flag());
    let areas = PixelAreas::of(&grid)?;
    let stats = AreaStats::new(table.map_or(0, |t| t.classes.len()));
    let observations = Observations::new(job, &grid, dir)?;
    let unit = job.plan.product.min_mapping_unit;
    let outline = table.map(|table| outline::Outline {
        grid: &grid,
        unit,
        table,
        infos: &infos,
        areas: &areas,
        dir,
    });
    // The sieve's first reading is this pass.
    let measuring = outline.as_ref().and_then(outline::Measuring::start);
    let mut steps = Steps::start();
    let sinks = Sinks {
        grid: &grid,
        areas: &areas,
        table,
        index,
        classes,
        stats,
        observations,
        measuring,
    };
    let Sinks {
        index,
        classes,
        stats,
        observations,
        measuring,
        ..
    } = pixel_pass(job, &readers, &grid, sinks, interrupt)?;
    // The scenes' GDAL handles and their cached blocks are not needed again; what the pass
    // freed goes back to the system before the sieve's arrays are made.
    drop(readers);
    release_free_memory();
    steps.done("pixels: read, index, classes, areas");
    let uploads = beside.pass_over(runtime, store);
    let mut written = observations.finish(dir, &uploads, &interrupt.flag())?;
    let (polygons, flatgeobuf) = (
        dir.join(layout::POLYGONS_KEY),
        dir.join(layout::POLYGONS_FGB_KEY),
    );
    let stop = interrupt.flag();
    let finish = |writer: GridWriter, key: &str| -> Result<(), Error> {
        let path = dir.join(key);
        writer.finish(&path, &stop)?;
        // Taken by the store: the scratch disk holds the next files, not this one too.
        uploads.cog(&path, key)
    };
    // The index's tiles are made: its COG is put together, and uploaded once the tiles are
    // done, while the sieve reads the classes back and the polygons are drawn.
    let (index_done, outlined) = std::thread::scope(|scope| {
        let assembling = scope.spawn(|| finish(index, INDEX_COG_KEY));
        let outlined = (|| -> Result<Option<outline::Sieved>, Error> {
            let (Some(c), Some(o)) = (&classes, &outline) else {
                return Ok(None);
            };
            let measured = outline::measure(c, o, measuring, interrupt)?;
            steps.done("minimum mapping unit: patches measured");
            let sieved = outline::draw(c, o, measured, (&polygons, &flatgeobuf), interrupt)?;
            uploads.file(&polygons, layout::POLYGONS_KEY, layout::GEOJSON_MEDIA_TYPE)?;
            let fgb = layout::FLATGEOBUF_MEDIA_TYPE;
            uploads.file(&flatgeobuf, layout::POLYGONS_FGB_KEY, fgb)?;
            steps.done("polygons.geojson and polygons.fgb");
            Ok(sieved)
        })();
        let index_done = assembling.join().unwrap_or_else(|_| {
            Err(Error::Runtime {
                what: "writing index.tif",
                message: "the writing thread panicked".into(),
            })
        });
        (index_done, outlined)
    });
    interrupt.check()?;
    index_done?;
    let sieved = outlined?;
    steps.done("index.tif uploaded");
    let summary = sieved.as_ref().map(|s| metadata::SieveSummary {
        min_area_ha: unit.hectares,
        min_pixels: s.min_pixels,
        in_classes: unit.in_classes,
        counts: s.counts,
        after: stats.with_classes(s.areas.clone()),
    });
    let style = &job.plan.style;
    let json = metadata::stats_json(&stats, style, job.plan.product.name(), summary.as_ref());
    let shown = match &summary {
        Some(s) if s.in_classes => &s.after,
        _ => &stats,
    };
    let csv = metadata::stats_csv(shown, style);
    uploads.json(layout::STATS_JSON_KEY, &json)?;
    uploads.bytes(layout::STATS_CSV_KEY, csv.into_bytes(), "text/csv")?;
    written.extend([
        layout::STATS_JSON_KEY.to_string(),
        layout::STATS_CSV_KEY.to_string(),
    ]);
    written.push(INDEX_COG_KEY.to_string());
    if let Some(unsieved) = classes {
        // `sieve_classes`: classes.tif is the sieved raster.
        match sieved.and_then(|s| s.writer) {
            Some(sieved) => {
                drop(unsieved);
                finish(sieved, CLASSES_COG_KEY)?;
            }
            None => finish(unsieved, CLASSES_COG_KEY)?,
        }
        written.push(CLASSES_COG_KEY.to_string());
        steps.done("classes.tif");
        written.push(layout::POLYGONS_KEY.to_string());
        written.push(layout::POLYGONS_FGB_KEY.to_string());
    }
    Ok(written)
}

/// Returns the heap's free pages to the system (glibc keeps them otherwise), so that a step
/// that frees much before the next allocates much does not count both in the peak.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory no allocation holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The composite as displayed, an RGBA Byte COG (`composite.tif`): each channel stretched as
/// in the tiles, alpha 0 where a band has no data.
fn write_composite(
    job: &Job,
    composite: &Composite,
    grid: &Grid,
    dir: &std::path::Path,
    (runtime, store, beside): (&tokio::runtime::Runtime, &OutputStore, Beside),
    interrupt: &Interrupt,
) -> Result<Vec<String>, Error> {
    let mut writer = GridWriter::rgba(&dir.join("composite-rows.tif"), grid)?;
    let readers = ReaderPool::for_grid(grid).stopped_by(interrupt.flag());
    let mut observations = Observations::new(job, grid, dir)?;
    for batch in windows(job, grid).chunks(batch_len(job, grid)) {
        interrupt.check()?;
        for (rows, window) in batch.iter().zip(computed(job, &readers, grid, batch)) {
            let mut window = window?;
            observations.write(rows.start, &mut window)?;
            writer.write(rows.start, &composite.render(&window.values))?;
        }
    }
    drop(readers);
    let uploads = beside.pass_over(runtime, store);
    let path = dir.join(COMPOSITE_COG_KEY);
    writer.finish(&path, &interrupt.flag())?;
    uploads.cog(&path, COMPOSITE_COG_KEY)?;
    let mut written = observations.finish(dir, &uploads, &interrupt.flag())?;
    written.push(COMPOSITE_COG_KEY.to_string());
    Ok(written)
}
