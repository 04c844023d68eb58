//! The analyst's rasters next to the tiles, on the grid of the product's first scene (its CRS
//! and resolution, no Web Mercator resampling) or the grid the pipeline chooses: the product as a Float32 COG with NaN nodata
//! (`index.tif`) and, for class tables, the classified COG (`classes.tif`, Byte, 0 = nodata,
//! class `i` stored as `i + 1`, colour table and class names in its metadata).
//!
//! Rows are computed in windows on rayon, one batch of windows per worker at a time, and
//! written in order, so memory holds a few windows, never the raster.

use std::ops::Range;

use rayon::prelude::*;

use super::{Interrupt, Job};
use crate::compute::area_stats::AreaStats;
use crate::error::Error;
use crate::layout::{self, CLASSES_COG_KEY, COG_MEDIA_TYPE, COMPOSITE_COG_KEY, INDEX_COG_KEY};
use crate::metadata;
use crate::plan::ProductGrid;
use crate::raster::cog::{ClassInfo, GridWriter};
use crate::raster::polygons::class_polygons;
use crate::raster::{Grid, PixelAreas, RasterError, ReaderPool};
use crate::render::{Composite, Style};
use crate::store::OutputStore;

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
    let mut classes = match table {
        Some(t) => {
            let infos: Vec<ClassInfo> = t
                .classes
                .iter()
                .map(|c| ClassInfo {
                    name: c.name.clone(),
                    interval: c.interval(),
                    rgba: c.color.0,
                })
                .collect();
            Some(GridWriter::classes(
                &dir.join("classes-rows.tif"),
                &grid,
                &infos,
            )?)
        }
        None => None,
    };
    let readers = ReaderPool::for_grid(&grid).stopped_by(interrupt.flag());
    let areas = PixelAreas::of(&grid)?;
    let mut stats = AreaStats::new(table.map_or(0, |t| t.classes.len()));
    let mut observations = Observations::new(job, &grid, dir)?;
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
    let mut written = observations.finish(dir, store, runtime)?;
    let style = &job.plan.style;
    let json = metadata::stats_json(&stats, style, job.plan.product.name());
    let csv = metadata::stats_csv(&stats, style);
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
    let mut outputs = vec![(index, INDEX_COG_KEY)];
    if let Some(c) = classes {
        outputs.push((c, CLASSES_COG_KEY));
    }
    for (writer, key) in outputs {
        let path = dir.join(key);
        writer.finish(&path)?;
        upload(runtime, store, &path, key)?;
        written.push(key.to_string());
        if let (CLASSES_COG_KEY, Some(t)) = (key, table) {
            let polygons = class_polygons(&path, &interrupt.flag())?;
            let doc = metadata::polygons_geojson(&polygons, t);
            runtime.block_on(store.put(
                layout::POLYGONS_KEY,
                serde_json::to_vec(&doc).unwrap_or_default().into(),
                "application/geo+json",
            ))?;
            written.push(layout::POLYGONS_KEY.to_string());
        }
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
    writer.finish(&path)?;
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

/// Uploads a finished COG.
fn upload(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
    path: &std::path::Path,
    key: &str,
) -> Result<(), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Runtime {
        what: "reading back a product raster",
        message: format!("{}: {e}", path.display()),
    })?;
    Ok(runtime.block_on(store.put(key, bytes.into(), COG_MEDIA_TYPE))?)
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
            writer.finish(&path)?;
            upload(runtime, store, &path, &key)?;
            written.push(key);
        }
        Ok(written)
    }
}
