//! The pixel pass of the products: the windows of the product grid read and computed on the
//! workers, a batch ahead of the sinks that take them in order (the COGs' tiles, the areas
//! per class, the sieve's first reading, the composites' counts of observations).

use std::ops::Range;

use rayon::prelude::*;

use super::overlap::Uploads;
use super::{outline, Interrupt, Job};
use crate::compute::area_stats::AreaStats;
use crate::error::Error;
use crate::layout;
use crate::raster::cog::GridWriter;
use crate::raster::{Grid, PixelAreas, RasterError, ReaderPool};

/// Rows per window: 256 rows of a 10980-px Sentinel-2 tile are 11 MB of f32 per band.
const ROWS_PER_WINDOW: usize = 256;
const MIN_ROWS_PER_WINDOW: usize = 8;

/// Where the pixel pass puts each window of the product: the index COG, the classes COG,
/// the areas per class, the composites' counts of observations, and the sieve's first
/// reading.
pub(super) struct Sinks<'a> {
    pub grid: &'a Grid,
    pub areas: &'a PixelAreas,
    pub table: Option<&'a crate::render::ClassTable>,
    pub index: GridWriter,
    pub classes: Option<GridWriter>,
    pub stats: AreaStats,
    pub observations: Observations,
    pub measuring: Option<outline::Measuring>,
}

impl Sinks<'_> {
    /// Takes the next window: the classes (codes, areas, sieve, COG tiles) beside the index's
    /// COG tiles.
    fn take(&mut self, rows: &Range<usize>, mut window: Window) -> Result<(), Error> {
        let (grid, areas, table) = (self.grid, self.areas, self.table);
        self.observations.write(rows.start, &mut window)?;
        let values = window.values;
        let area = |i: usize| areas.at(i % grid.width, rows.start + i / grid.width);
        let (stats, classes, measuring) = (&mut self.stats, &mut self.classes, &mut self.measuring);
        let index = &mut self.index;
        let (coded, indexed) = rayon::join(
            || -> Result<(), Error> {
                match (classes.as_mut(), table) {
                    (Some(writer), Some(t)) => {
                        let coded: Vec<u8> = values.iter().map(|&v| t.code_of(v)).collect();
                        stats.add(&values, Some(&coded), area);
                        if let Some(m) = measuring.as_mut() {
                            m.rows(&coded)?;
                        }
                        writer.write(rows.start, &coded)?;
                    }
                    _ => stats.add(&values, None, area),
                }
                Ok(())
            },
            || index.write(rows.start, &values),
        );
        coded?;
        Ok(indexed?)
    }
}

/// Reads and computes the windows of `grid` on the workers, a batch ahead of `sinks`, which
/// take them in order on a thread of their own (their serial parts beside the next batch).
pub(super) fn pixel_pass<'a>(
    job: &Job,
    readers: &ReaderPool,
    grid: &Grid,
    mut sinks: Sinks<'a>,
    interrupt: &Interrupt,
) -> Result<Sinks<'a>, Error> {
    let batch_len = rayon::current_num_threads().max(1);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(Range<usize>, Window)>(1);
    std::thread::scope(|scope| {
        let taking = scope.spawn(move || -> Result<Sinks<'a>, Error> {
            for (rows, window) in receiver {
                sinks.take(&rows, window)?;
            }
            Ok(sinks)
        });
        let computed = (|| -> Result<(), Error> {
            for batch in windows(job, grid).chunks(batch_len) {
                interrupt.check()?;
                let computed: Vec<Result<Window, RasterError>> = batch
                    .par_iter()
                    .map(|rows| window_values(job, readers, grid, rows.clone()))
                    .collect();
                for (rows, window) in batch.iter().zip(computed) {
                    if sender.send((rows.clone(), window?)).is_err() {
                        // The sinks failed: their error is the one reported.
                        return Ok(());
                    }
                }
            }
            Ok(())
        })();
        drop(sender);
        let sinks = taking.join().unwrap_or_else(|_| {
            Err(Error::Runtime {
                what: "writing the product rasters",
                message: "the writing thread panicked".into(),
            })
        });
        computed?;
        sinks
    })
}

/// Row windows covering `grid`, top to bottom; fewer rows when a composite holds the window
/// of each of its acquisitions at once, so a window's memory does not grow with them.
pub(super) fn windows(job: &Job, grid: &Grid) -> Vec<Range<usize>> {
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

/// One window of the product, and the counts of observations of each composite scene.
pub(super) struct Window {
    pub values: Vec<f32>,
    pub observations: Vec<Vec<u16>>,
}

pub(super) fn window_values(
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
pub(super) struct Observations {
    writers: Vec<(String, GridWriter)>,
}

impl Observations {
    pub fn new(job: &Job, grid: &Grid, dir: &std::path::Path) -> Result<Observations, Error> {
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

    pub fn write(&mut self, first_row: usize, window: &mut Window) -> Result<(), Error> {
        for ((_, writer), counts) in self.writers.iter_mut().zip(&mut window.observations) {
            writer.write(first_row, counts)?;
        }
        Ok(())
    }

    /// Finishes and uploads each COG; returns the keys written.
    pub fn finish(
        self,
        dir: &std::path::Path,
        uploads: &Uploads,
        stop: &std::sync::atomic::AtomicUsize,
    ) -> Result<Vec<String>, Error> {
        let mut written = Vec::new();
        for (key, writer) in self.writers {
            let path = dir.join(&key);
            writer.finish(&path, stop)?;
            uploads.cog(&path, &key)?;
            written.push(key);
        }
        Ok(written)
    }
}
