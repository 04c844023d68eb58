//! Reading a tile without GDAL's warper: the exact source positions of a coarse grid of tile
//! points (GDAL's transformer), the source window under the tile read once at full resolution
//! (GDAL's RasterIO, through its block cache), and the resampling done here
//! ([`super::resample`]). Falls back to GDAL's warper (returns `None`) where this would be
//! inexact or slow: kernels other than nearest/bilinear/average, points outside the
//! projection, a transform that is not close to linear over a grid cell, or a tile much
//! coarser than the source (the window would be large).

use super::resample::{resample, scale, supported, CornerGrid, Window, LANES};
use super::warp::Warper;
use super::Resampling;

/// Tile pixels between exactly transformed points.
const STEP: usize = 32;
/// The largest error (source pixels) of interpolating positions between grid points that is
/// accepted; gdalwarp's default for its approximating transformer.
const MAX_ERROR: f64 = 0.125;
/// Source pixels per tile pixel above which GDAL's warper is used.
const MAX_SCALE: f64 = 2.0;
/// Source pixels read beyond the positions the tile covers, for the bilinear kernel.
const MARGIN: f64 = 3.0;

/// Warps `bands` (1-based) of the warper's source into a `size`×`size` tile with
/// geotransform `gt`; `None` when GDAL's warper should do it.
pub(super) fn read_tile(
    warper: &Warper,
    bands: &[usize],
    nodata: Option<f64>,
    gt: [f64; 6],
    size: usize,
    resampling: Resampling,
) -> Option<Result<Vec<Vec<f32>>, String>> {
    if !supported(resampling) || size % STEP != 0 {
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
    let span = |v: &[f64], limit: usize| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min) - MARGIN;
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max) + MARGIN;
        let lo = lo.floor().clamp(0.0, limit as f64) as usize;
        let hi = hi.ceil().clamp(0.0, limit as f64) as usize;
        (lo, hi)
    };
    let (x0, x1) = span(&xs, width);
    let (y0, y1) = span(&ys, height);
    if x0 >= x1 || y0 >= y1 {
        return Some(Ok(vec![vec![f32::NAN; size * size]; bands.len()]));
    }
    let (w, h) = (x1 - x0, y1 - y0);
    let mut planes = Vec::with_capacity(bands.len());
    for chunk in bands.chunks(LANES) {
        let pixels = match warper.read_source(chunk, (x0, y0), (w, h)) {
            Ok(pixels) => pixels,
            Err(e) => return Some(Err(e)),
        };
        let mut window = Window {
            x0,
            y0,
            width: w,
            height: h,
            bands: chunk.len(),
            nodata: nodata.map(|v| v as f32),
            pixels,
        };
        planes.extend(resample(&mut window, &grid, resampling)?);
    }
    Some(Ok(planes))
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
