//! The kernels: nearest, bilinear and average over a [`Window`], as GDAL's warper computes
//! them.

use std::ops::Range;

use super::grid::{scale, CornerGrid};
use super::weights::*;
use super::window::{Pixel, Window, LANES};

/// The kernels done here; GDAL's warper does the others (cubic, lanczos, mode, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Nearest,
    Bilinear,
    Average,
}

/// Resamples tile `rows` (a range of the grid's rows) from `window`, which covers them,
/// appending their pixels (every band, one lane each) to `out`. Weights are computed once
/// per tile pixel and applied to all bands at once.
pub fn resample(
    window: &Window,
    grid: &CornerGrid,
    rows: Range<usize>,
    resampling: Kernel,
    out: &mut Vec<Pixel>,
) {
    let size = grid.size;
    let side = size + 1;
    // Window-relative corner positions in f32 (a window is at most a few thousand pixels
    // wide: f32 keeps them to better than 0.001 pixel), for the rows' corners only.
    let corners = rows.start * side..(rows.end + 1) * side;
    let relative = |v: &[f64], origin: usize| -> Vec<f32> {
        v[corners.clone()]
            .iter()
            .map(|v| (v - origin as f64) as f32)
            .collect()
    };
    let (gx, gy) = (relative(&grid.x, window.x0), relative(&grid.y, window.y0));
    let (sx, sy) = scale(grid);
    let source = Source {
        pixels: &window.pixels,
        width: window.width,
        height: window.height,
        complete: window.complete,
        resampling,
        radius: (sx.max(1.0) as f32, sy.max(1.0) as f32),
    };
    let fixed = window.complete && resampling != Kernel::Nearest;
    let mut taps = RowTaps::default();
    for row in 0..rows.len() {
        let rows_x = (&gx[row * side..][..side], &gx[(row + 1) * side..][..side]);
        let rows_y = (&gy[row * side..][..side], &gy[(row + 1) * side..][..side]);
        let corners = |col: usize| {
            (
                [
                    rows_x.0[col],
                    rows_x.0[col + 1],
                    rows_x.1[col],
                    rows_x.1[col + 1],
                ],
                [
                    rows_y.0[col],
                    rows_y.0[col + 1],
                    rows_y.1[col],
                    rows_y.1[col + 1],
                ],
            )
        };
        if !fixed {
            out.extend((0..size).map(|col| {
                let (xs, ys) = corners(col);
                source.general(xs, ys)
            }));
            continue;
        }
        source.row_taps(rows_x, rows_y, &mut taps);
        out.extend((0..size).map(|col| {
            source.fixed_sum(&taps, col).unwrap_or_else(|| {
                let (xs, ys) = corners(col);
                source.general(xs, ys)
            })
        }));
    }
}

/// A source window as the kernels see it.
struct Source<'a> {
    pixels: &'a [Pixel],
    width: usize,
    height: usize,
    /// Whether every band has data everywhere (no NaN).
    complete: bool,
    resampling: Kernel,
    /// The bilinear kernel's radius along x and y (widened when downsampling, as GDAL).
    radius: (f32, f32),
}
impl Source<'_> {
    /// The [`FIXED`]² kernel of every pixel of a tile row with corners on the source rows
    /// `xs` (top, bottom) and `ys`: one pass per quantity over the row, so each is computed
    /// for several pixels at once.
    fn row_taps(&self, xs: (&[f32], &[f32]), ys: (&[f32], &[f32]), taps: &mut RowTaps) {
        let size = xs.0.len() - 1;
        taps.resize(size);
        // Average: the footprint's extent; bilinear: its centre (both bounds).
        let bilinear = self.resampling == Kernel::Bilinear;
        let pairs = |v: (&[f32], &[f32]), lo: &mut Vec<f32>, hi: &mut Vec<f32>| {
            for (col, (lo, hi)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                let c = [v.0[col], v.0[col + 1], v.1[col], v.1[col + 1]];
                let centre = (c[0] + c[1] + c[2] + c[3]) * 0.25;
                (*lo, *hi) = if bilinear {
                    (centre, centre)
                } else {
                    (min4(c), max4(c))
                };
            }
        };
        pairs(xs, &mut taps.lo_x, &mut taps.hi_x);
        pairs(ys, &mut taps.lo_y, &mut taps.hi_y);
        let (rx, ry) = self.radius;
        let axis =
            |lo: &[f32], hi: &[f32], r: f32, len: usize, first: &mut [i32], w: &mut [Weights]| {
                let inverse = 1.0 / r;
                for (((lo, hi), first), w) in
                    lo.iter().zip(hi).zip(first.iter_mut()).zip(w.iter_mut())
                {
                    let (f, fits) = if bilinear {
                        // The centre (pixel-centre coordinates) and a triangle of radius r.
                        let c = (lo + hi) * 0.5 - 0.5;
                        let f = ceil(c - r);
                        *w = std::array::from_fn(|k| tent(c, inverse, (f + k as i32) as f32));
                        (f, floor(c + r) < f + FIXED as i32)
                    } else {
                        // The footprint [lo, hi), each pixel weighted by its length inside.
                        let f = floor(*lo);
                        *w = std::array::from_fn(|k| coverage(*lo, *hi, (f + k as i32) as f32));
                        (f, ceil(*hi) <= f + FIXED as i32)
                    };
                    let inside = f >= 0 && f + FIXED as i32 <= len as i32;
                    *first = if fits && inside { f } else { -1 };
                }
            };
        axis(
            &taps.lo_x,
            &taps.hi_x,
            rx,
            self.width,
            &mut taps.first_x,
            &mut taps.wx,
        );
        axis(
            &taps.lo_y,
            &taps.hi_y,
            ry,
            self.height,
            &mut taps.first_y,
            &mut taps.wy,
        );
    }

    /// The value of pixel `col` of the row in `taps`, for a complete window; `None` when its
    /// kernel is not [`FIXED`]² inside the window. Weights past a kernel's own taps are zero,
    /// so the loops have fixed bounds.
    #[inline(always)]
    fn fixed_sum(&self, taps: &RowTaps, col: usize) -> Option<Pixel> {
        let (fx, fy) = (taps.first_x[col], taps.first_y[col]);
        if fx < 0 || fy < 0 {
            return None;
        }
        let (wx, wy) = (taps.wx[col], taps.wy[col]);
        let start = fy as usize * self.width + fx as usize;
        let mut sum = [0.0f32; LANES];
        for (dj, w) in wy.iter().enumerate() {
            let line = self.pixels.get(start + dj * self.width..)?.get(..FIXED)?;
            let mut row = [0.0f32; LANES];
            for (px, v) in line.iter().zip(wx) {
                for l in 0..LANES {
                    row[l] += px[l] * v;
                }
            }
            for l in 0..LANES {
                sum[l] += row[l] * w;
            }
        }
        let weight = wx.iter().sum::<f32>() * wy.iter().sum::<f32>();
        if weight <= 1e-5 {
            return Some([f32::NAN; LANES]);
        }
        let inverse = 1.0 / weight;
        Some(sum.map(|v| v * inverse))
    }

    /// The value of the tile pixel with source corners `xs`, `ys`: any supported kernel,
    /// any window.
    fn general(&self, xs: [f32; 4], ys: [f32; 4]) -> Pixel {
        let (pixels, width, height) = (self.pixels, self.width, self.height);
        let cx = (xs[0] + xs[1] + xs[2] + xs[3]) * 0.25;
        let cy = (ys[0] + ys[1] + ys[2] + ys[3]) * 0.25;
        // The pixel under the centre: nearest's value, and bilinear's validity (as GDAL).
        let (ci, cj) = (floor(cx), floor(cy));
        let inside = ci >= 0 && cj >= 0 && (ci as usize) < width && (cj as usize) < height;
        let centre = if inside {
            pixels[cj as usize * width + ci as usize]
        } else {
            [f32::NAN; LANES]
        };
        let (tx, ty) = match self.resampling {
            Kernel::Nearest => return centre,
            Kernel::Bilinear => {
                if !inside {
                    return [f32::NAN; LANES];
                }
                let (rx, ry) = self.radius;
                (
                    Taps::triangle(cx - 0.5, rx, width),
                    Taps::triangle(cy - 0.5, ry, height),
                )
            }
            _ => (
                Taps::interval(min4(xs), max4(xs), width),
                Taps::interval(min4(ys), max4(ys), height),
            ),
        };
        let mut value = [f32::NAN; LANES];
        if self.complete {
            let (sum, weight) = weighted_sums_complete(pixels, width, &tx, &ty);
            if weight > 1e-5 {
                let inverse = 1.0 / weight;
                value = sum.map(|v| v * inverse);
            }
            return value;
        }
        let (sum, weights) = weighted_sums(pixels, width, &tx, &ty);
        for lane in 0..LANES {
            // Bilinear has no value where the pixel under the centre has none (GDAL).
            let centre_valid = self.resampling != Kernel::Bilinear || !centre[lane].is_nan();
            if weights[lane] > 1e-5 && centre_valid {
                value[lane] = sum[lane] / weights[lane];
            }
        }
        value
    }
}

/// Per lane Σ w·v, and Σ w, over the taps, all of which have data.
#[inline(always)]
fn weighted_sums_complete(pixels: &[Pixel], width: usize, tx: &Taps, ty: &Taps) -> (Pixel, f32) {
    let mut sum = [0.0f32; LANES];
    for (dj, wy) in ty.weights.iter().take(ty.count).enumerate() {
        let start = (ty.first + dj) * width + tx.first;
        let Some(line) = pixels.get(start..start + tx.count) else {
            continue;
        };
        let mut row = [0.0f32; LANES];
        for (px, wx) in line.iter().zip(&tx.weights) {
            for l in 0..LANES {
                row[l] += px[l] * wx;
            }
        }
        for l in 0..LANES {
            sum[l] += row[l] * wy;
        }
    }
    let wx: f32 = tx.weights.iter().take(tx.count).sum();
    let wy: f32 = ty.weights.iter().take(ty.count).sum();
    (sum, wx * wy)
}

/// Per lane, Σ w·v and Σ w over the taps that have data (not NaN).
#[inline(always)]
fn weighted_sums(pixels: &[Pixel], width: usize, tx: &Taps, ty: &Taps) -> (Pixel, Pixel) {
    let mut sum = [0.0f32; LANES];
    let mut weights = [0.0f32; LANES];
    for (dj, wy) in ty.weights.iter().take(ty.count).enumerate() {
        let start = (ty.first + dj) * width + tx.first;
        let Some(line) = pixels.get(start..start + tx.count) else {
            continue;
        };
        for (px, wx) in line.iter().zip(&tx.weights) {
            let w = wx * wy;
            for l in 0..LANES {
                let valid = !px[l].is_nan();
                sum[l] += if valid { px[l] * w } else { 0.0 };
                weights[l] += if valid { w } else { 0.0 };
            }
        }
    }
    (sum, weights)
}
