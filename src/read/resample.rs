//! Resampling a source window into a tile without GDAL's warper: the kernels GDAL's warper
//! uses for nearest, bilinear and average, over source pixel positions interpolated from a
//! coarse grid of exactly transformed points. GDAL's warper costs more per tile than the
//! arithmetic (a warp operation, a MEM dataset, mask buffers per call); this is the
//! arithmetic only.
//!
//! Coordinates are source pixel/line, continuous: source pixel (i, j) covers [i, i+1) ×
//! [j, j+1), its centre is (i + 0.5, j + 0.5).

use std::ops::{Not, Range};

use super::Resampling;

/// Source positions of a tile's pixel corners: `(size + 1)²` points, row-major.
pub(super) struct CornerGrid {
    pub size: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl CornerGrid {
    /// Interpolates the corners from exactly transformed points every `step` pixels
    /// (`points_x`/`points_y`: `(size / step + 1)²` values, row-major).
    pub fn from_coarse(size: usize, step: usize, points_x: &[f64], points_y: &[f64]) -> Self {
        let n = size / step + 1;
        let side = size + 1;
        let mut x = Vec::with_capacity(side * side);
        let mut y = Vec::with_capacity(side * side);
        let (mut row_x, mut row_y) = (vec![0.0; n], vec![0.0; n]);
        let cells: Vec<(usize, f64)> = (0..side).map(|col| cell(col, step, n)).collect();
        for &(j, fy) in &cells {
            // The coarse points interpolated to this row, then along it.
            for i in 0..n {
                row_x[i] = points_x[j * n + i] * (1.0 - fy) + points_x[(j + 1) * n + i] * fy;
                row_y[i] = points_y[j * n + i] * (1.0 - fy) + points_y[(j + 1) * n + i] * fy;
            }
            for &(i, fx) in &cells {
                x.push(row_x[i] + (row_x[i + 1] - row_x[i]) * fx);
                y.push(row_y[i] + (row_y[i + 1] - row_y[i]) * fx);
            }
        }
        CornerGrid { size, x, y }
    }
}

/// The coarse cell holding fine index `k` and the fraction across it.
fn cell(k: usize, step: usize, n: usize) -> (usize, f64) {
    let i = (k / step).min(n - 2);
    (i, (k - i * step) as f64 / step as f64)
}

/// Bands resampled together, one lane each: four f32 are one SIMD register, so a tap costs
/// one multiply-add for all of them.
pub(super) const LANES: usize = 4;
pub(super) type Pixel = [f32; LANES];

/// A window of up to [`LANES`] source bands, pixel-interleaved: `width`×`height` pixels from
/// source pixel (`x0`, `y0`); NaN where a band has no data.
pub(super) struct Window {
    pub x0: usize,
    pub y0: usize,
    pub width: usize,
    pub height: usize,
    /// Whether every band has data everywhere (most windows): the kernels skip the tests.
    pub complete: bool,
    pub pixels: Vec<Pixel>,
}

/// A source sample type, read as stored and turned into f32 here (one pass that also marks
/// nodata, instead of GDAL converting while it interleaves).
pub(super) trait Sample: Copy + Default {
    fn value(self) -> f32;
}

macro_rules! sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            #[inline(always)]
            fn value(self) -> f32 {
                self as f32
            }
        }
    )*};
}
sample!(u8, u16, i16, f32, f64);

impl Window {
    /// The window at `origin` of `size` pixels from band-sequential `planes` (one plane of
    /// width×height values per band, at most [`LANES`] bands); a value equal to `nodata`, or
    /// NaN, has no data.
    pub fn from_planes<T: Sample>(
        origin: (usize, usize),
        (width, height): (usize, usize),
        planes: &[T],
        nodata: Option<f64>,
    ) -> Window {
        let len = width * height;
        let bands = planes.len().checked_div(len).unwrap_or(0).min(LANES);
        let nodata = nodata.map_or(f32::NAN, |v| v as f32);
        let plane = |b: usize| &planes[b * len..(b + 1) * len];
        let (pixels, complete) = match bands {
            1 => interleave([plane(0)], nodata),
            2 => interleave([plane(0), plane(1)], nodata),
            3 => interleave([plane(0), plane(1), plane(2)], nodata),
            4 => interleave([plane(0), plane(1), plane(2), plane(3)], nodata),
            _ => (vec![[f32::NAN; LANES]; len], false),
        };
        Window {
            x0: origin.0,
            y0: origin.1,
            width,
            height,
            complete,
            pixels,
        }
    }
}

/// `N` planes as pixels of f32 lanes (lanes past `N` are 0), NaN where a value is `nodata` or
/// NaN; and whether no value was. Two simple passes, which the compiler turns into SIMD: a
/// test of every value, and the conversion (with the marking only when the test found any).
fn interleave<T: Sample, const N: usize>(planes: [&[T]; N], nodata: f32) -> (Vec<Pixel>, bool) {
    let len = planes.iter().map(|p| p.len()).min().unwrap_or(0);
    let planes = planes.map(|p| &p[..len]);
    let bad = |v: f32| v == nodata || v.is_nan();
    let complete = planes.iter().all(|plane| {
        plane
            .iter()
            .fold(false, |missing, v| missing | bad(v.value()))
            .not()
    });
    let mut pixels = Vec::with_capacity(len);
    if complete {
        pixels.extend((0..len).map(|i| {
            let mut px = [0.0f32; LANES];
            for (lane, plane) in px.iter_mut().zip(&planes) {
                *lane = plane[i].value();
            }
            px
        }));
    } else {
        pixels.extend((0..len).map(|i| {
            let mut px = [0.0f32; LANES];
            for (lane, plane) in px.iter_mut().zip(&planes) {
                let v = plane[i].value();
                *lane = if bad(v) { f32::NAN } else { v };
            }
            px
        }));
    }
    (pixels, complete)
}

/// Source pixels per tile pixel along x and y (≥ 1 when the tile is coarser than the source).
pub(super) fn scale(grid: &CornerGrid) -> (f64, f64) {
    let s = grid.size;
    let nw = (grid.x[0], grid.y[0]);
    let side = s + 1;
    let (x_end, y_end) = (
        (grid.x[s] - nw.0, grid.y[s] - nw.1),
        (grid.x[s * side] - nw.0, grid.y[s * side] - nw.1),
    );
    (
        x_end.0.hypot(x_end.1) / s as f64,
        y_end.0.hypot(y_end.1) / s as f64,
    )
}

/// Taps of a kernel along one axis at most: a bilinear kernel widened ×2 spans 5 pixels, a
/// footprint of 2 pixels (rotated a little) at most 4.
const MAX_TAPS: usize = 6;

/// Source pixels (window-relative) and their weights along one axis.
#[derive(Clone, Copy)]
struct Taps {
    first: usize,
    count: usize,
    weights: [f32; MAX_TAPS],
}

impl Taps {
    /// The pixels `from..to` clipped to `0..len`; weights to be filled.
    #[inline(always)]
    fn clipped(from: i32, to: i32, len: usize) -> Self {
        let lo = from.max(0);
        let hi = to.min(len as i32).min(lo + MAX_TAPS as i32);
        Taps {
            first: lo as usize,
            count: (hi - lo).max(0) as usize,
            weights: [0.0; MAX_TAPS],
        }
    }

    /// Pixels under the interval `[a, b)`, each weighted by its length inside.
    #[inline(always)]
    fn interval(a: f32, b: f32, len: usize) -> Self {
        let mut taps = Taps::clipped(floor(a), ceil(b), len);
        let mut i = taps.first as f32;
        for w in taps.weights.iter_mut().take(taps.count) {
            *w = coverage(a, b, i);
            i += 1.0;
        }
        taps
    }

    /// Pixels within `radius` of `centre` (pixel-centre coordinates), weighted by a triangle.
    #[inline(always)]
    fn triangle(centre: f32, radius: f32, len: usize) -> Self {
        let mut taps = Taps::clipped(ceil(centre - radius), floor(centre + radius) + 1, len);
        let mut i = taps.first as f32;
        let inverse = 1.0 / radius;
        for w in taps.weights.iter_mut().take(taps.count) {
            *w = tent(centre, inverse, i);
            i += 1.0;
        }
        taps
    }
}

/// The length of source pixel `i` (covering `[i, i + 1)`) inside the footprint `[a, b)`: its
/// weight in the average kernel.
#[inline(always)]
fn coverage(a: f32, b: f32, i: f32) -> f32 {
    (b.min(i + 1.0) - a.max(i)).max(0.0)
}

/// The weight of source pixel `i` in a triangle of radius 1 / `inverse` around `centre`
/// (pixel-centre coordinates): the bilinear kernel, widened when downsampling.
#[inline(always)]
fn tent(centre: f32, inverse: f32, i: f32) -> f32 {
    (1.0 - (i - centre).abs() * inverse).max(0.0)
}

/// Whether `resampling` is one of the kernels done here (the others are left to GDAL).
pub(super) fn supported(resampling: Resampling) -> bool {
    matches!(
        resampling,
        Resampling::Nearest | Resampling::Bilinear | Resampling::Average
    )
}

/// Resamples tile `rows` (a range of the grid's rows) from `window`, which covers them,
/// appending their pixels (every band, one lane each) to `out`; `false` for kernels left to
/// GDAL (see [`supported`]). Weights are computed once per tile pixel and applied to all
/// bands at once.
pub(super) fn resample(
    window: &Window,
    grid: &CornerGrid,
    rows: Range<usize>,
    resampling: Resampling,
    out: &mut Vec<Pixel>,
) -> bool {
    if !supported(resampling) {
        return false;
    }
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
    let fixed = window.complete && resampling != Resampling::Nearest;
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
    true
}

/// The first `bands` lanes of `pixels` as one plane each.
pub(super) fn planes(pixels: &[Pixel], bands: usize) -> Vec<Vec<f32>> {
    (0..bands.min(LANES))
        .map(|lane| pixels.iter().map(|px| px[lane]).collect())
        .collect()
}

/// A source window as the kernels see it.
struct Source<'a> {
    pixels: &'a [Pixel],
    width: usize,
    height: usize,
    /// Whether every band has data everywhere (no NaN).
    complete: bool,
    resampling: Resampling,
    /// The bilinear kernel's radius along x and y (widened when downsampling, as GDAL).
    radius: (f32, f32),
}

/// The weights of one axis of a [`FIXED`]² kernel.
type Weights = [f32; FIXED];

/// The [`FIXED`]² kernels of one tile row: per pixel, the source footprint (average) or the
/// centre's neighbourhood (bilinear) along each axis, its first pixel (-1 when the kernel is
/// not fixed-size inside the window) and weights.
#[derive(Default)]
struct RowTaps {
    lo_x: Vec<f32>,
    hi_x: Vec<f32>,
    lo_y: Vec<f32>,
    hi_y: Vec<f32>,
    first_x: Vec<i32>,
    first_y: Vec<i32>,
    wx: Vec<Weights>,
    wy: Vec<Weights>,
}

impl RowTaps {
    fn resize(&mut self, size: usize) {
        for v in [
            &mut self.lo_x,
            &mut self.hi_x,
            &mut self.lo_y,
            &mut self.hi_y,
        ] {
            v.resize(size, 0.0);
        }
        self.first_x.resize(size, -1);
        self.first_y.resize(size, -1);
        self.wx.resize(size, [0.0; FIXED]);
        self.wy.resize(size, [0.0; FIXED]);
    }
}

/// Taps along each axis of the fixed-size kernel: footprints up to about 2 source pixels per
/// tile pixel and bilinear up to 2, the common case near the source resolution.
const FIXED: usize = 4;

impl Source<'_> {
    /// The [`FIXED`]² kernel of every pixel of a tile row with corners on the source rows
    /// `xs` (top, bottom) and `ys`: one pass per quantity over the row, so each is computed
    /// for several pixels at once.
    fn row_taps(&self, xs: (&[f32], &[f32]), ys: (&[f32], &[f32]), taps: &mut RowTaps) {
        let size = xs.0.len() - 1;
        taps.resize(size);
        // Average: the footprint's extent; bilinear: its centre (both bounds).
        let bilinear = self.resampling == Resampling::Bilinear;
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
            Resampling::Nearest => return centre,
            Resampling::Bilinear => {
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
            let centre_valid = self.resampling != Resampling::Bilinear || !centre[lane].is_nan();
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

/// ⌊x⌋ without a libm call (x86-64 without SSE4.1 has no rounding instruction).
#[inline(always)]
fn floor(x: f32) -> i32 {
    let i = x as i32;
    i - i32::from((i as f32) > x)
}

#[inline(always)]
fn ceil(x: f32) -> i32 {
    let i = x as i32;
    i + i32::from((i as f32) < x)
}

fn min4(v: [f32; 4]) -> f32 {
    v[0].min(v[1]).min(v[2].min(v[3]))
}

fn max4(v: [f32; 4]) -> f32 {
    v[0].max(v[1]).max(v[2].max(v[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid mapping tile pixel corners to source coordinates by an affine map.
    fn affine(size: usize, step: usize, f: impl Fn(f64, f64) -> (f64, f64)) -> CornerGrid {
        let n = size / step + 1;
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for j in 0..n {
            for i in 0..n {
                let (x, y) = f((i * step) as f64, (j * step) as f64);
                xs.push(x);
                ys.push(y);
            }
        }
        CornerGrid::from_coarse(size, step, &xs, &ys)
    }

    /// Every row of a tile resampled from `window`, as `bands` planes.
    fn whole(
        window: &Window,
        bands: usize,
        grid: &CornerGrid,
        kernel: Resampling,
    ) -> Option<Vec<Vec<f32>>> {
        let mut out = Vec::new();
        resample(window, grid, 0..grid.size, kernel, &mut out).then(|| planes(&out, bands))
    }

    #[test]
    fn corners_between_coarse_points_are_interpolated_exactly_for_an_affine_map() {
        let g = affine(8, 4, |x, y| (2.0 * x + 1.0, 0.5 * y + 3.0));
        assert_eq!(g.x.len(), 81);
        assert_eq!((g.x[5 * 9 + 3], g.y[5 * 9 + 3]), (7.0, 5.5));
        assert_eq!((g.x[80], g.y[80]), (17.0, 7.0));
        assert_eq!(scale(&g), (2.0, 0.5));
    }

    #[test]
    fn average_weights_partly_covered_pixels_and_skips_nodata() {
        // Source 4×1: 1, 3, NaN, 7. Tile pixel 0 covers x 0.5..2.5 → (0.5·1 + 1·3) / 1.5;
        // tile pixel 1 covers x 2.5..4.5: only pixel 3 (half of it) is valid → 7.
        let w = Window::from_planes((0, 0), (4, 1), &[1.0f32, 3.0, f32::NAN, 7.0], None);
        let g = affine(2, 1, |x, y| (0.5 + 2.0 * x, y * 0.5));
        let out = &whole(&w, 1, &g, Resampling::Average).expect("average")[0];
        assert!((out[0] - 3.5 / 1.5).abs() < 1e-6, "{}", out[0]);
        assert_eq!(out[1], 7.0);
    }

    #[test]
    fn bilinear_interpolates_between_centres_and_nearest_takes_the_pixel_under_the_centre() {
        // Source 2×1: 10, 20. A tile pixel centred at x = 1.25 lies between the centres
        // 0.5 and 1.5: bilinear 10 + 0.75·10; nearest: pixel 1 → 20.
        // Two bands: the second is the first doubled.
        let w = Window::from_planes((0, 0), (2, 1), &[10u16, 20, 20, 40], None);
        let g = affine(1, 1, |x, y| (1.0 + 0.5 * x, 0.5 * y));
        assert_eq!(
            whole(&w, 2, &g, Resampling::Bilinear),
            Some(vec![vec![17.5], vec![35.0]])
        );
        assert_eq!(
            whole(&w, 2, &g, Resampling::Nearest),
            Some(vec![vec![20.0], vec![40.0]])
        );
        assert_eq!(whole(&w, 2, &g, Resampling::Cubic), None);
    }

    #[test]
    fn the_nodata_value_counts_as_no_data_in_every_kernel() {
        // Source 2×1 with nodata 0: 0, 8. Tile pixel centred in the first source pixel.
        let w = Window::from_planes((0, 0), (2, 1), &[0u16, 8], Some(0.0));
        assert!(!w.complete);
        let g = affine(1, 1, |x, y| (0.2 + 1.2 * x, 0.5 * y));
        let nan = |r: Option<Vec<Vec<f32>>>| r.expect("kernel")[0][0];
        assert!(nan(whole(&w, 1, &g, Resampling::Nearest)).is_nan());
        assert!(nan(whole(&w, 1, &g, Resampling::Bilinear)).is_nan());
        // Average over x 0.2..1.4: only the valid pixel 1 counts.
        assert_eq!(nan(whole(&w, 1, &g, Resampling::Average)), 8.0);
    }

    /// A complete synthetic window of `w`×`h` pixels, three bands of a fixed pseudo-random
    /// texture.
    fn synthetic_texture(w: usize, h: usize) -> Window {
        let mut state = 12345u32;
        let planes: Vec<u16> = (0..3 * w * h)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u16 % 3000 + 1
            })
            .collect();
        Window::from_planes((0, 0), (w, h), &planes, Some(0.0))
    }

    #[test]
    fn the_fixed_size_kernels_give_what_the_general_ones_give() {
        // Downsampling ×1.7 with a rotation: footprints of 2–4 pixels per axis, so most tile
        // pixels take the fixed 4×4 path and the tile's edges the general one.
        let complete = synthetic_texture(80, 80);
        assert!(complete.complete);
        let general = Window {
            complete: false,
            pixels: complete.pixels.clone(),
            ..complete
        };
        let g = affine(32, 8, |x, y| {
            (4.0 + 1.7 * x + 0.05 * y, 5.0 + 1.7 * y - 0.05 * x)
        });
        for kernel in [Resampling::Average, Resampling::Bilinear] {
            let fast = whole(&complete, 3, &g, kernel).expect("kernel");
            let slow = whole(&general, 3, &g, kernel).expect("kernel");
            for (a, b) in fast.iter().flatten().zip(slow.iter().flatten()) {
                assert!(
                    (a - b).abs() <= 1e-3 * b.abs().max(1.0),
                    "{kernel:?}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn bilinear_reproduces_a_linear_ramp_exactly_when_upsampling() {
        // v(i, j) = 3·(i + 0.5) + 5·(j + 0.5) at pixel centres: bilinear interpolation of a
        // linear function is the function itself at the tile pixel's centre.
        let (w, h) = (40usize, 40usize);
        let plane: Vec<f32> = (0..w * h)
            .map(|k| 3.0 * ((k % w) as f32 + 0.5) + 5.0 * ((k / w) as f32 + 0.5))
            .collect();
        let window = Window::from_planes((0, 0), (w, h), &plane, None);
        let (scale, x0, y0) = (0.6, 7.3, 9.1);
        let g = affine(32, 8, |x, y| (x0 + scale * x, y0 + scale * y));
        let out = &whole(&window, 1, &g, Resampling::Bilinear).expect("bilinear")[0];
        for row in 0..32 {
            for col in 0..32 {
                let cx = x0 + scale * (col as f64 + 0.5);
                let cy = y0 + scale * (row as f64 + 0.5);
                let expected = (3.0 * cx + 5.0 * cy) as f32;
                let got = out[row * 32 + col];
                assert!(
                    (got - expected).abs() < 1e-3,
                    "({col}, {row}): {got} vs {expected}"
                );
            }
        }
    }

    #[test]
    #[ignore = "timing, run by hand: cargo test --release --lib timing -- --ignored --nocapture"]
    fn timing_of_one_tile() {
        let (w, h) = (500usize, 500usize);
        let planes: Vec<u16> = [97, 89, 83]
            .iter()
            .flat_map(|m| (0..w * h).map(move |i| (i % m + 1) as u16))
            .collect();
        let window = Window::from_planes((0, 0), (w, h), &planes, Some(0.0));
        // The least time of 20 runs: the machine's noise only ever adds.
        let least = |f: &mut dyn FnMut()| {
            (0..20)
                .map(|_| {
                    let started = std::time::Instant::now();
                    f();
                    started.elapsed().as_secs_f64() * 1000.0
                })
                .fold(f64::INFINITY, f64::min)
        };
        // Scale 1.9 with a slight rotation, as UTM → Web Mercator at zoom 13 for 10 m pixels.
        let g = affine(256, 32, |x, y| {
            (3.0 + 1.9 * x + 0.03 * y, 4.0 + 1.9 * y - 0.03 * x)
        });
        for kernel in [
            Resampling::Average,
            Resampling::Bilinear,
            Resampling::Nearest,
        ] {
            let ms = least(&mut || {
                std::hint::black_box(whole(&window, 3, &g, kernel));
            });
            eprintln!("{kernel:?}: {ms:.2} ms per tile");
        }
        let ms = least(&mut || {
            std::hint::black_box(Window::from_planes((0, 0), (w, h), &planes, Some(0.0)));
        });
        eprintln!("u16 planes to pixels: {ms:.2} ms per tile");
        let ms = least(&mut || {
            std::hint::black_box(affine(256, 32, |x, y| (3.0 + 1.9 * x, 4.0 + 1.9 * y)));
        });
        eprintln!("corner grid: {ms:.2} ms per tile");
    }
}
