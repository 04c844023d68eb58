//! Reading a tile without GDAL's warper: the exact source positions of a coarse grid of tile
//! points (GDAL's transformer), the source window under the tile read once at full resolution
//! (GDAL's RasterIO, through its block cache), and the resampling done here
//! ([`crate::compute::resample`]). Falls back to GDAL's warper (returns `None`) where this would be
//! inexact or slow: kernels other than nearest/bilinear/average, points outside the
//! projection, a transform that is not close to linear over a grid cell, or a tile much
//! coarser than the source (the window would be large).

use super::error::GdalFailure;
use super::warp::Warper;
use crate::compute::resample::{self, resample, scale, CornerGrid, LANES};
use crate::plan::Resampling;

/// Tile pixels between exactly transformed points.
const STEP: usize = 32;
/// The largest error (source pixels) of interpolating positions between grid points that is
/// accepted; gdalwarp's default for its approximating transformer.
const MAX_ERROR: f64 = 0.125;
/// Source pixels per tile pixel above which GDAL's warper is used.
const MAX_SCALE: f64 = 2.0;
/// Source pixels read beyond the positions the tile covers, for the bilinear kernel.
const MARGIN: f64 = 3.0;
/// Tile rows resampled from one source window: the window (a few dozen source rows of
/// f32 pixels) stays in the CPU's cache while it is read, converted and resampled.
const STRIP: usize = 16;

/// Warps `bands` (1-based) of the warper's source into a `size`×`size` tile with
/// geotransform `gt`; `None` when GDAL's warper should do it.
pub(super) fn read_tile(
    warper: &Warper,
    bands: &[usize],
    nodata: Option<f64>,
    gt: [f64; 6],
    size: usize,
    resampling: Resampling,
) -> Option<Result<Vec<Vec<f32>>, GdalFailure>> {
    let kernel = super::resampling::kernel(resampling)?;
    if !size.is_multiple_of(STEP) {
        return None;
    }
    let n = size / STEP + 1;
    let (mut xs, mut ys) = (Vec::with_capacity(n * n), Vec::with_capacity(n * n));
    for j in 0..n {
        for i in 0..n {
            xs.push((i * STEP) as f64);
            ys.push((j * STEP) as f64);
        }
    }
    if !warper.source_positions(gt, &mut xs, &mut ys) {
        return None;
    }
    let grid = CornerGrid::from_coarse(size, STEP, &xs, &ys);
    if !close_to_linear(warper, gt, &grid, n) {
        return None;
    }
    let (sx, sy) = scale(&grid);
    if sx > MAX_SCALE || sy > MAX_SCALE {
        return None;
    }
    let (width, height) = warper.source_size();
    let side = size + 1;
    let mut planes = Vec::with_capacity(bands.len());
    for chunk in bands.chunks(LANES) {
        let mut pixels = Vec::with_capacity(size * size);
        for first in (0..size).step_by(STRIP) {
            let rows = first..(first + STRIP).min(size);
            let corners = rows.start * side..(rows.end + 1) * side;
            let (x0, x1) = span(&grid.x[corners.clone()], width);
            let (y0, y1) = span(&grid.y[corners], height);
            if x0 >= x1 || y0 >= y1 {
                pixels.resize(rows.end * size, [f32::NAN; LANES]);
                continue;
            }
            let window = match warper.read_window(chunk, (x0, y0), (x1 - x0, y1 - y0), nodata) {
                Ok(window) => window,
                Err(e) => return Some(Err(e)),
            };
            resample(&window, &grid, rows, kernel, &mut pixels);
        }
        planes.extend(resample::planes(&pixels, chunk.len()));
    }
    Some(Ok(planes))
}

/// Reads `bands` (1-based) into a `size` window with geotransform `gt` that lies on the
/// source's own lattice ([`Warper::aligned_offset`]): the source's pixels as they are, NaN
/// outside the source and where a value equals `nodata`, as GDAL's warper gives them there.
/// `None` when the window is not on the lattice.
pub(super) fn read_aligned(
    warper: &Warper,
    bands: &[usize],
    nodata: Option<f64>,
    gt: [f64; 6],
    (width, height): (usize, usize),
) -> Option<Result<Vec<Vec<f32>>, GdalFailure>> {
    let (ox, oy) = warper.aligned_offset(gt, bands)?;
    let (sw, sh) = warper.source_size();
    let (x0, x1) = (ox.max(0), (ox + width as i64).min(sw as i64));
    let (y0, y1) = (oy.max(0), (oy + height as i64).min(sh as i64));
    let mut planes = vec![vec![f32::NAN; width * height]; bands.len()];
    if x0 >= x1 || y0 >= y1 {
        return Some(Ok(planes));
    }
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let nodata = nodata.map(|v| v as f32);
    for (plane, band) in planes.iter_mut().zip(bands) {
        let values = match warper.read_band(*band, (x0 as usize, y0 as usize), (w, h)) {
            Ok(values) => values,
            Err(e) => return Some(Err(e)),
        };
        for (r, line) in values.chunks_exact(w).enumerate() {
            let start = (y0 - oy) as usize * width + r * width + (x0 - ox) as usize;
            for (out, &v) in plane[start..start + w].iter_mut().zip(line) {
                *out = if Some(v) == nodata { f32::NAN } else { v };
            }
        }
    }
    Some(Ok(planes))
}

/// The source pixels `lo..hi` under positions `v`, widened by [`MARGIN`] and clipped to
/// `0..limit`.
fn span(v: &[f64], limit: usize) -> (usize, usize) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min) - MARGIN;
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max) + MARGIN;
    let lo = lo.floor().clamp(0.0, limit as f64) as usize;
    let hi = hi.ceil().clamp(0.0, limit as f64) as usize;
    (lo, hi)
}

/// Whether positions interpolated between grid points are within [`MAX_ERROR`] of the
/// exact ones, checked at the centre of every grid cell.
fn close_to_linear(warper: &Warper, gt: [f64; 6], grid: &CornerGrid, n: usize) -> bool {
    let half = STEP / 2;
    let mut cells = Vec::with_capacity((n - 1) * (n - 1));
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            cells.push((i * STEP + half, j * STEP + half));
        }
    }
    let mut xs: Vec<f64> = cells.iter().map(|c| c.0 as f64).collect();
    let mut ys: Vec<f64> = cells.iter().map(|c| c.1 as f64).collect();
    if !warper.source_positions(gt, &mut xs, &mut ys) {
        return false;
    }
    let side = grid.size + 1;
    cells
        .iter()
        .zip(xs.iter().zip(&ys))
        .all(|(&(col, row), (x, y))| {
            let k = row * side + col;
            (grid.x[k] - x).abs() <= MAX_ERROR && (grid.y[k] - y).abs() <= MAX_ERROR
        })
}
