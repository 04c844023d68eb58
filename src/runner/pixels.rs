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

/// Rows per window: 512, a multiple of the usual block heights (256, 512), so that each block
/// of a scene read as is is decoded once. Each window is read as a few column parts (of
/// [`PART_COLUMNS`] multiples, whole blocks too) on the workers side by side, so a part holds
/// about 256 full rows' pixels: 256 rows of a 10980-px Sentinel-2 tile are 11 MB of f32 per
/// band. (Two threads reading the two halves of one block row on their own GDAL handles
/// would each decode every block: that was a third of the products' decoding.)
const ROWS_PER_WINDOW: usize = 512;
const MIN_ROWS_PER_WINDOW: usize = 8;
/// Pixels of a window's part, at most (where the width allows): 256 full rows (fewer for a
/// composite, as its windows).
const PART_ROWS: usize = 256;
/// Columns of a part are a multiple of this (whole 256- and 512-px blocks).
const PART_COLUMNS: usize = 512;

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
        // By row: a pixel's area is its column's on the row, without a division per pixel.
        let width = grid.width.max(1);
        let add = |stats: &mut AreaStats, codes: Option<&[u8]>| {
            let area = |r: usize| move |x: usize| areas.at(x, rows.start + r);
            match codes {
                Some(codes) => {
                    let rows_of = values.chunks(width).zip(codes.chunks(width));
                    for (r, (row, coded)) in rows_of.enumerate() {
                        stats.add(row, Some(coded), area(r));
                    }
                }
                None => {
                    for (r, row) in values.chunks(width).enumerate() {
                        stats.add(row, None, area(r));
                    }
                }
            }
        };
        let (stats, classes, measuring) = (&mut self.stats, &mut self.classes, &mut self.measuring);
        let index = &mut self.index;
        let (coded, indexed) = rayon::join(
            || -> Result<(), Error> {
                match (classes.as_mut(), table) {
                    (Some(writer), Some(t)) => {
                        let coded = t.codes(&values);
                        add(stats, Some(&coded));
                        if let Some(m) = measuring.as_mut() {
                            m.rows(&coded)?;
                        }
                        writer.write(rows.start, &coded)?;
                    }
                    _ => add(stats, None),
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
    let batch_len = batch_len(job, grid);
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
                for (rows, window) in batch.iter().zip(computed(job, readers, grid, batch)) {
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
    let rows = window_rows(job);
    (0..grid.height)
        .step_by(rows)
        .map(|start| start..(start + rows).min(grid.height))
        .collect()
}

/// Rows of a window (but the last).
fn window_rows(job: &Job) -> usize {
    (ROWS_PER_WINDOW / acquisitions(job)).max(MIN_ROWS_PER_WINDOW)
}

/// Windows per batch: enough parts for every worker.
pub(super) fn batch_len(job: &Job, grid: &Grid) -> usize {
    let rows = window_rows(job).min(grid.height);
    let parts = column_parts(job, grid.width, rows).len();
    rayon::current_num_threads().div_ceil(parts).max(1)
}

/// The column ranges a window of `rows` rows is read in: parts of about [`PART_ROWS`] full
/// rows' pixels (divided by a composite's acquisitions), their widths multiples of
/// [`PART_COLUMNS`].
fn column_parts(job: &Job, width: usize, rows: usize) -> Vec<Range<usize>> {
    let budget = (PART_ROWS / acquisitions(job)).max(MIN_ROWS_PER_WINDOW);
    split_columns(width, rows, budget)
}

/// `0..width` in parts of whole [`PART_COLUMNS`], as many as `rows` rows take of `budget`
/// full rows each (as far as the width allows).
fn split_columns(width: usize, rows: usize, budget: usize) -> Vec<Range<usize>> {
    let wanted = rows.div_ceil(budget.max(1)).max(1);
    let blocks = width.div_ceil(PART_COLUMNS);
    let parts = wanted.min(blocks).max(1);
    let per_part = blocks.div_ceil(parts) * PART_COLUMNS;
    (0..width)
        .step_by(per_part)
        .map(|start| start..(start + per_part).min(width))
        .collect()
}

/// The windows of `batch` read and computed on the workers, each as its column parts side by
/// side, put back together in order.
pub(super) fn computed(
    job: &Job,
    readers: &ReaderPool,
    grid: &Grid,
    batch: &[Range<usize>],
) -> Vec<Result<Window, RasterError>> {
    let splits: Vec<Vec<Range<usize>>> = (batch.iter())
        .map(|rows| column_parts(job, grid.width, rows.len()))
        .collect();
    let pieces: Vec<(Range<usize>, Range<usize>)> = (batch.iter().zip(&splits))
        .flat_map(|(rows, cols)| cols.iter().map(move |c| (rows.clone(), c.clone())))
        .collect();
    let mut parts: Vec<Result<Window, RasterError>> = pieces
        .par_iter()
        .map(|(rows, cols)| window_values(job, readers, grid, (rows.clone(), cols.clone())))
        .collect();
    let mut windows = Vec::with_capacity(batch.len());
    for (rows, cols) in batch.iter().zip(&splits) {
        let widths: Vec<usize> = cols.iter().map(|c| c.len()).collect();
        let own: Vec<_> = parts.drain(..widths.len()).collect();
        windows.push(stitched(own, &widths, rows.len()));
    }
    windows
}

/// A window from its column parts (of `widths` columns, left to right).
fn stitched(
    parts: Vec<Result<Window, RasterError>>,
    widths: &[usize],
    rows: usize,
) -> Result<Window, RasterError> {
    let mut parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
    if parts.len() == 1 {
        if let Some(whole) = parts.pop() {
            return Ok(whole);
        }
    }
    // Each part holds its channels (a composite's bands, else one) one after the other.
    let pixels = |w: usize| (w * rows).max(1);
    let channels =
        (parts.first().zip(widths.first())).map_or(0, |(p, &w)| p.values.len() / pixels(w));
    let mut values = Vec::with_capacity(widths.iter().sum::<usize>() * rows * channels);
    for c in 0..channels {
        let planes: Vec<&[f32]> = (parts.iter().zip(widths))
            .map(|(p, &w)| &p.values[c * w * rows..(c + 1) * w * rows])
            .collect();
        values.extend(interleave(&planes, widths, rows));
    }
    let scenes = parts.first().map_or(0, |p| p.observations.len());
    let observations = (0..scenes)
        .map(|s| {
            let planes: Vec<&[u16]> = parts.iter().map(|p| p.observations[s].as_slice()).collect();
            interleave(&planes, widths, rows)
        })
        .collect();
    Ok(Window {
        values,
        observations,
    })
}

/// Rows of `planes` (of `widths` columns each, `rows` rows) side by side.
fn interleave<T: Copy>(planes: &[&[T]], widths: &[usize], rows: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(widths.iter().sum::<usize>() * rows);
    for r in 0..rows {
        for (plane, &w) in planes.iter().zip(widths) {
            out.extend_from_slice(&plane[r * w..(r + 1) * w]);
        }
    }
    out
}

/// The most acquisitions a composite scene of the job holds at once (1 without composites).
fn acquisitions(job: &Job) -> usize {
    (job.inputs.iter())
        .map(|i| i.acquisitions())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// One window of the product, and the counts of observations of each composite scene.
pub(super) struct Window {
    pub values: Vec<f32>,
    pub observations: Vec<Vec<u16>>,
}

fn window_values(
    job: &Job,
    readers: &ReaderPool,
    grid: &Grid,
    part: (Range<usize>, Range<usize>),
) -> Result<Window, RasterError> {
    let resampling = job.plan.tiling.resampling;
    let per_scene = job
        .inputs
        .iter()
        .map(|input| readers.read_rows(input, grid, part.clone(), resampling))
        .collect::<Result<Vec<_>, _>>()?;
    let observations = (job.inputs.iter().zip(&per_scene))
        .filter_map(|(input, planes)| planes.get(input.observations_plane()?))
        .map(|counts| counts.iter().map(|&c| c as u16).collect())
        .collect();
    let mut values = job.compute(&per_scene);
    if let Some(aoi) = &job.aoi {
        Job::clip(&mut values, &readers.aoi_rows(aoi, grid, part)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_split_into_whole_blocks_as_the_rows_ask() {
        assert_eq!(split_columns(8192, 512, 256), vec![0..4096, 4096..8192]);
        // 20000 px: 40 blocks of 512, the last one partial.
        assert_eq!(split_columns(20000, 512, 256), vec![0..10240, 10240..20000]);
        assert_eq!(split_columns(20000, 300, 256), vec![0..10240, 10240..20000]);
        assert_eq!(split_columns(8192, 256, 256), vec![0..8192]);
        // Within one block: one part.
        assert_eq!(split_columns(500, 512, 256), vec![0..500]);
        assert_eq!(split_columns(900, 512, 256), vec![0..512, 512..900]);
        assert_eq!(split_columns(1100, 512, 256), vec![0..1024, 1024..1100]);
        assert_eq!(split_columns(8192, 2048, 256).len(), 8);
    }

    #[test]
    fn parts_stitch_back_into_the_whole_window() {
        // A 3-channel window of 4 rows × 7 columns, and one scene's counts, as parts of 3 and
        // 4 columns: every value tells its channel, row and column.
        let (width, rows, channels) = (7, 4, 3);
        let value = |c: usize, r: usize, x: usize| (c * 1000 + r * 10 + x) as f32;
        let part = |cols: Range<usize>| {
            let mut values = Vec::new();
            let mut counts = Vec::new();
            for c in 0..channels {
                for r in 0..rows {
                    for x in cols.clone() {
                        values.push(value(c, r, x));
                        if c == 0 {
                            counts.push((r * 10 + x) as u16);
                        }
                    }
                }
            }
            Window {
                values,
                observations: vec![counts],
            }
        };
        let whole =
            stitched(vec![Ok(part(0..3)), Ok(part(3..7))], &[3, 4], rows).expect("stitched");
        let expected: Vec<f32> = (0..channels)
            .flat_map(|c| (0..rows).flat_map(move |r| (0..width).map(move |x| value(c, r, x))))
            .collect();
        assert_eq!(whole.values, expected);
        let counts: Vec<u16> = (0..rows)
            .flat_map(|r| (0..width).map(move |x| (r * 10 + x) as u16))
            .collect();
        assert_eq!(whole.observations, vec![counts]);
        // A part that failed fails the window.
        let failed = RasterError::Write {
            path: "x".into(),
            message: "no".into(),
        };
        assert!(stitched(vec![Ok(part(0..3)), Err(failed)], &[3, 4], rows).is_err());
    }
}
