//! The analyst's rasters next to the tiles, on the grid of the product's first scene (its CRS
//! and resolution, no Web Mercator resampling) or the grid the pipeline chooses: the product as a Float32 COG with NaN nodata
//! (`index.tif`) and, for class tables, the classified COG (`classes.tif`, Byte, 0 = nodata,
//! class `i` stored as `i + 1`, colour table and class names in its metadata).
//!
//! Rows are computed in windows on rayon, one batch of windows per worker at a time, and
//! written in order, so memory holds a few windows, never the raster.

use std::ops::Range;

use rayon::prelude::*;

use super::{outline, Interrupt, Job};
use crate::compute::area_stats::AreaStats;
use crate::error::Error;
use crate::layout::{self, CLASSES_COG_KEY, COG_MEDIA_TYPE, COMPOSITE_COG_KEY, INDEX_COG_KEY};
use crate::metadata;
use crate::plan::ProductGrid;
use crate::raster::cog::{ClassInfo, GridWriter};
use crate::raster::{Grid, PixelAreas, RasterError, ReaderPool};
use crate::render::{Composite, Style};
use crate::store::OutputStore;

/// Logs how long each step of the products took (`RUST_LOG=info`), for `make bench` and
/// operators.
struct Steps(std::time::Instant);

impl Steps {
    fn start() -> Steps {
        Steps(std::time::Instant::now())
    }

    fn done(&mut self, step: &'static str) {
        let seconds = self.0.elapsed().as_secs_f64();
        tracing::info!(step, seconds, "product step done");
        self.0 = std::time::Instant::now();
    }
}

/// Rows per window: 256 rows of a 10980-px Sentinel-2 tile are 11 MB of f32 per band.
const ROWS_PER_WINDOW: usize = 256;
const MIN_ROWS_PER_WINDOW: usize = 8;

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

/// Computes and uploads the product COGs on `grid`; returns the keys written.
pub(super) fn write_products(
    job: &Job,
    grid: &Grid,
    store: &OutputStore,
    runtime: &tokio::runtime::Runtime,
    interrupt: &Interrupt,
) -> Result<Vec<String>, Error> {
    let grid = grid.clone();
    let scratch = tempfile::tempdir().map_err(|e| Error::Runtime {
        what: "creating a scratch directory for the product rasters",
        message: e.to_string(),
    })?;
    let dir = scratch.path();
    if let Style::Composite(composite) = &job.plan.style {
        return write_composite(job, composite, &grid, dir, store, runtime, interrupt);
    }
    let mut index = GridWriter::float(&dir.join("index-rows.tif"), &grid)?;
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
    let mut classes = match table {
        Some(_) => Some(GridWriter::classes(
            &dir.join("classes-rows.tif"),
            &grid,
            &infos,
        )?),
        None => None,
    };
    let readers = ReaderPool::for_grid(&grid).stopped_by(interrupt.flag());
    let areas = PixelAreas::of(&grid)?;
    let mut stats = AreaStats::new(table.map_or(0, |t| t.classes.len()));
    let mut observations = Observations::new(job, &grid, dir)?;
    let mut steps = Steps::start();
    for batch in windows(job, &grid).chunks(rayon::current_num_threads().max(1)) {
        interrupt.check()?;
        let computed: Vec<Result<Window, RasterError>> = batch
            .par_iter()
            .map(|rows| window_values(job, &readers, &grid, rows.clone()))
            .collect();
        for (rows, window) in batch.iter().zip(computed) {
            let mut window = window?;
            observations.write(rows.start, grid.width, &mut window)?;
            let values = window.values;
            let area = |i: usize| areas.at(i % grid.width, rows.start + i / grid.width);
            if let (Some(writer), Some(t)) = (classes.as_mut(), table) {
                let coded: Vec<u8> = values.iter().map(|&v| t.code_of(v)).collect();
                stats.add(&values, Some(&coded), area);
                writer.write(rows.start, grid.width, coded)?;
            } else {
                stats.add(&values, None, area);
            }
            index.write(rows.start, grid.width, values)?;
        }
    }
    steps.done("pixels: read, index, classes, areas");
    let mut written = observations.finish(dir, store, runtime)?;
    let unit = job.plan.product.min_mapping_unit;
    let (polygons, flatgeobuf) = (
        dir.join(layout::POLYGONS_KEY),
        dir.join(layout::POLYGONS_FGB_KEY),
    );
    let stop = interrupt.flag();
    let finish = |writer: GridWriter, key: &str| -> Result<(), Error> {
        let path = dir.join(key);
        writer.finish(&path, &stop)?;
        upload(runtime, store, &path, key)
    };
    let outline = table.map(|table| outline::Outline {
        grid: &grid,
        unit,
        table,
        infos: &infos,
        areas: &areas,
        dir,
    });
    let measured = match (&classes, &outline) {
        (Some(c), Some(o)) => outline::measure(c, o, interrupt)?,
        _ => None,
    };
    steps.done("minimum mapping unit: patches measured");
    // The index COG is encoded (on every core) while the polygoniser, which runs on one,
    // draws the sieved classes; not while the sieve measures, whose memory grows with the
    // number of patches.
    let (index_done, sieved) = std::thread::scope(|scope| {
        let mut drawing = Steps::start();
        let encoding = scope.spawn(|| finish(index, INDEX_COG_KEY));
        let sieved = match (&classes, &outline) {
            (Some(c), Some(o)) => {
                outline::draw(c, o, measured, (&polygons, &flatgeobuf), interrupt).and_then(
                    |sieved| {
                        runtime.block_on(store.put_file(
                            layout::POLYGONS_KEY,
                            &polygons,
                            layout::GEOJSON_MEDIA_TYPE,
                        ))?;
                        runtime.block_on(store.put_file(
                            layout::POLYGONS_FGB_KEY,
                            &flatgeobuf,
                            layout::FLATGEOBUF_MEDIA_TYPE,
                        ))?;
                        Ok(sieved)
                    },
                )
            }
            _ => Ok(None),
        };
        drawing.done("polygons.geojson");
        let index_done = encoding.join().unwrap_or_else(|_| {
            Err(Error::Runtime {
                what: "encoding index.tif",
                message: "the encoding thread panicked".into(),
            })
        });
        (index_done, sieved)
    });
    interrupt.check()?;
    let sieved = sieved?;
    index_done?;
    steps.done("polygons.geojson and index.tif (encoded beside them)");
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
    super::put_json(
        runtime,
        store,
        layout::STATS_JSON_KEY,
        &json,
        layout::JSON_MEDIA_TYPE,
    )?;
    runtime.block_on(store.put(layout::STATS_CSV_KEY, csv.into_bytes().into(), "text/csv"))?;
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

/// The composite as displayed, an RGBA Byte COG (`composite.tif`): each channel stretched as
/// in the tiles, alpha 0 where a band has no data.
fn write_composite(
    job: &Job,
    composite: &Composite,
    grid: &Grid,
    dir: &std::path::Path,
    store: &OutputStore,
    runtime: &tokio::runtime::Runtime,
    interrupt: &Interrupt,
) -> Result<Vec<String>, Error> {
    let mut writer = GridWriter::rgba(&dir.join("composite-rows.tif"), grid)?;
    let readers = ReaderPool::for_grid(grid).stopped_by(interrupt.flag());
    let mut observations = Observations::new(job, grid, dir)?;
    for batch in windows(job, grid).chunks(rayon::current_num_threads().max(1)) {
        interrupt.check()?;
        let computed: Vec<Result<Window, RasterError>> = batch
            .par_iter()
            .map(|rows| window_values(job, &readers, grid, rows.clone()))
            .collect();
        for (rows, window) in batch.iter().zip(computed) {
            let mut window = window?;
            observations.write(rows.start, grid.width, &mut window)?;
            writer.write_interleaved(rows.start, grid.width, &composite.render(&window.values))?;
        }
    }
    let path = dir.join(COMPOSITE_COG_KEY);
    writer.finish(&path, &interrupt.flag())?;
    upload(runtime, store, &path, COMPOSITE_COG_KEY)?;
    let mut written = observations.finish(dir, store, runtime)?;
    written.push(COMPOSITE_COG_KEY.to_string());
    Ok(written)
}

/// Row windows covering `grid`, top to bottom; fewer rows when a composite holds the window
/// of each of its acquisitions at once, so a window's memory does not grow with them.
fn windows(job: &Job, grid: &Grid) -> Vec<Range<usize>> {
    let acquisitions = job
        .inputs
        .iter()
        .map(|i| i.acquisitions())
        .max()
        .unwrap_or(1);
    let rows = (ROWS_PER_WINDOW / acquisitions).max(MIN_ROWS_PER_WINDOW);
    (0..grid.height)
        .step_by(rows)
        .map(|start| start..(start + rows).min(grid.height))
        .collect()
}

/// Uploads a finished COG, streamed from its scratch file.
fn upload(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
    path: &std::path::Path,
    key: &str,
) -> Result<(), Error> {
    Ok(runtime.block_on(store.put_file(key, path, COG_MEDIA_TYPE))?)
}

/// One window of the product, and the counts of observations of each composite scene.
struct Window {
    values: Vec<f32>,
    observations: Vec<Vec<u16>>,
}

fn window_values(
    job: &Job,
    readers: &ReaderPool,
    grid: &Grid,
    rows: Range<usize>,
) -> Result<Window, RasterError> {
    let resampling = job.plan.tiling.resampling;
    let per_scene = job
        .inputs
        .iter()
        .map(|input| readers.read_rows(input, grid, rows.clone(), resampling))
        .collect::<Result<Vec<_>, _>>()?;
    let observations = (job.inputs.iter().zip(&per_scene))
        .filter_map(|(input, planes)| planes.get(input.observations_plane()?))
        .map(|counts| counts.iter().map(|&c| c as u16).collect())
        .collect();
    let mut values = job.compute(&per_scene);
    if let Some(aoi) = &job.aoi {
        Job::clip(&mut values, &readers.aoi_rows(aoi, grid, rows)?);
    }
    Ok(Window {
        values,
        observations,
    })
}

/// The count-of-observations COGs of the composite scenes, written beside the product.
struct Observations {
    writers: Vec<(String, GridWriter)>,
}

impl Observations {
    fn new(job: &Job, grid: &Grid, dir: &std::path::Path) -> Result<Observations, Error> {
        let mut writers = Vec::new();
        for input in job
            .inputs
            .iter()
            .filter(|i| i.observations_plane().is_some())
        {
            let key = layout::observations_key(&input.name);
            let writer = GridWriter::counts(&dir.join(format!("rows-{key}")), grid)?;
            writers.push((key, writer));
        }
        Ok(Observations { writers })
    }

    fn write(&mut self, first_row: usize, width: usize, window: &mut Window) -> Result<(), Error> {
        for ((_, writer), counts) in self.writers.iter_mut().zip(&mut window.observations) {
            writer.write(first_row, width, std::mem::take(counts))?;
        }
        Ok(())
    }

    /// Finishes and uploads each COG; returns the keys written.
    fn finish(
        self,
        dir: &std::path::Path,
        store: &OutputStore,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Vec<String>, Error> {
        let mut written = Vec::new();
        for (key, writer) in self.writers {
            let path = dir.join(&key);
            writer.finish(&path, &std::sync::atomic::AtomicUsize::new(0))?;
            upload(runtime, store, &path, &key)?;
            written.push(key);
        }
        Ok(written)
    }
}
