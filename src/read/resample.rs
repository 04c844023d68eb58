//! Resampling a source window into a tile without GDAL's warper: the kernels GDAL's warper
//! uses for nearest, bilinear and average, over source pixel positions interpolated from a
//! coarse grid of exactly transformed points. GDAL's warper costs more per tile than the
//! arithmetic (a warp operation, a MEM dataset, mask buffers per call); this is the
//! arithmetic only.
//!
//! Coordinates are source pixel/line, continuous: source pixel (i, j) covers [i, i+1) ×
//! [j, j+1), its centre is (i + 0.5, j + 0.5).

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
        let mut x = vec![0.0; side * side];
        let mut y = vec![0.0; side * side];
        for row in 0..side {
            let (j, fy) = cell(row, step, n);
            for col in 0..side {
                let (i, fx) = cell(col, step, n);
                let at = |p: &[f64]| {
                    let (a, b) = (p[j * n + i], p[j * n + i + 1]);
                    let (c, d) = (p[(j + 1) * n + i], p[(j + 1) * n + i + 1]);
                    (a * (1.0 - fx) + b * fx) * (1.0 - fy) + (c * (1.0 - fx) + d * fx) * fy
                };
                x[row * side + col] = at(points_x);
                y[row * side + col] = at(points_y);
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
/// source pixel (`x0`, `y0`), as stored; a value equal to `nodata`, or NaN, has no data.
pub(super) struct Window<'a> {
    pub x0: usize,
    pub y0: usize,
    pub width: usize,
    pub height: usize,
    /// How many lanes hold bands.
    pub bands: usize,
    /// The bands' nodata value (checked here, not in a pass over the window).
    pub nodata: Option<f32>,
    pub pixels: &'a [Pixel],
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
/// footprint of 2 pixels at most 4.
const MAX_TAPS: usize = 6;

/// Source pixels (relative to the window) and their weights along one axis.
#[derive(Clone, Copy)]
struct Taps {
    first: usize,
    weights: [f32; MAX_TAPS],
    count: usize,
}

impl Taps {
    /// Pixels `from..to` (absolute; clipped to the window, which starts at `origin` and is
    /// `len` long), weighted by a triangle of radius `radius` around `centre`.
    #[inline]
    fn triangle(from: i64, to: i64, origin: usize, len: usize, centre: f64, radius: f64) -> Self {
        let mut taps = Taps::clipped(from, to, origin, len);
        let lo = (taps.first + origin) as f64;
        for k in 0..taps.count {
            let d = (lo + k as f64 - centre).abs() / radius;
            taps.weights[k] = (1.0 - d).max(0.0) as f32;
        }
        taps
    }

    /// Pixels under the interval `[a, b)` (absolute), each weighted by its length inside.
    #[inline]
    fn interval(a: f64, b: f64, origin: usize, len: usize) -> Self {
        let mut taps = Taps::clipped(floor(a), ceil(b), origin, len);
        let lo = (taps.first + origin) as f64;
        for k in 0..taps.count {
            let i = lo + k as f64;
            taps.weights[k] = (b.min(i + 1.0) - a.max(i)).max(0.0) as f32;
        }
        taps
    }

    #[inline]
    fn clipped(from: i64, to: i64, origin: usize, len: usize) -> Self {
        let lo = from.max(origin as i64);
        let hi = to.min((origin + len) as i64).min(lo + MAX_TAPS as i64);
        Taps {
            first: (lo - origin as i64).max(0) as usize,
            weights: [0.0; MAX_TAPS],
            count: (hi - lo).max(0) as usize,
        }
    }
}

/// Resamples every band of `window` into a `size`×`size` tile; `None` for kernels left to
/// GDAL. Weights are computed once per tile pixel and applied to all bands at once.
pub(super) fn resample(
    window: &Window,
    grid: &CornerGrid,
    resampling: Resampling,
) -> Option<Vec<Vec<f32>>> {
    if !matches!(
        resampling,
        Resampling::Nearest | Resampling::Bilinear | Resampling::Average
    ) {
        return None;
    }
    let size = grid.size;
    let side = size + 1;
    let width = window.width;
    let mut out = vec![vec![f32::NAN; size * size]; window.bands];
    let (sx, sy) = scale(grid);
    let (rx, ry) = (sx.max(1.0), sy.max(1.0));
    let (wx0, wy0) = (window.x0, window.y0);
    // NaN in every lane when there is no nodata value: `v == NaN` is always false.
    let nodata = [window.nodata.unwrap_or(f32::NAN); LANES];
    for row in 0..size {
        for col in 0..size {
            let k = row * side + col;
            let xs = [
                grid.x[k],
                grid.x[k + 1],
                grid.x[k + side],
                grid.x[k + side + 1],
            ];
            let ys = [
                grid.y[k],
                grid.y[k + 1],
                grid.y[k + side],
                grid.y[k + side + 1],
            ];
            let cx = (xs[0] + xs[1] + xs[2] + xs[3]) * 0.25;
            let cy = (ys[0] + ys[1] + ys[2] + ys[3]) * 0.25;
            let p = row * size + col;
            // The pixel under the centre: nearest's value, and bilinear's validity (as GDAL).
            let (ci, cj) = (floor(cx) - wx0 as i64, floor(cy) - wy0 as i64);
            let centre =
                (ci >= 0 && cj >= 0 && (ci as usize) < width && (cj as usize) < window.height)
                    .then(|| window.pixels[cj as usize * width + ci as usize]);
            let (tx, ty) = match (resampling, centre) {
                (Resampling::Nearest, Some(c)) => {
                    for ((o, v), nd) in out.iter_mut().zip(c).zip(nodata) {
                        if v != nd {
                            o[p] = v;
                        }
                    }
                    continue;
                }
                (Resampling::Nearest | Resampling::Bilinear, None) => continue,
                (Resampling::Bilinear, Some(_)) => {
                    let (px, py) = (cx - 0.5, cy - 0.5);
                    (
                        Taps::triangle(ceil(px - rx), floor(px + rx) + 1, wx0, width, px, rx),
                        Taps::triangle(
                            ceil(py - ry),
                            floor(py + ry) + 1,
                            wy0,
                            window.height,
                            py,
                            ry,
                        ),
                    )
                }
                _ => (
                    Taps::interval(min4(xs), max4(xs), wx0, width),
                    Taps::interval(min4(ys), max4(ys), wy0, window.height),
                ),
            };
            if tx.count == 0 || ty.count == 0 {
                continue;
            }
            let (sum, weights) = weighted_sums(window.pixels, width, &tx, &ty, &nodata);
            for (lane, o) in out.iter_mut().enumerate() {
                // Bilinear has no value where the pixel under the centre has none (GDAL).
                let centre_valid = resampling != Resampling::Bilinear
                    || centre.is_some_and(|c| !c[lane].is_nan() && c[lane] != nodata[lane]);
                if weights[lane] > 1e-5 && centre_valid {
                    o[p] = sum[lane] / weights[lane];
                }
            }
        }
    }
    Some(out)
}

/// Per lane, Σ w·v and Σ w over the taps that have data (not NaN, not `nodata`).
#[inline]
fn weighted_sums(
    pixels: &[Pixel],
    width: usize,
    tx: &Taps,
    ty: &Taps,
    nodata: &Pixel,
) -> (Pixel, Pixel) {
    let mut sum = [0.0f32; LANES];
    let mut weights = [0.0f32; LANES];
    for (dj, wy) in ty.weights[..ty.count].iter().enumerate() {
        let start = (ty.first + dj) * width + tx.first;
        for (px, wx) in pixels[start..start + tx.count]
            .iter()
            .zip(&tx.weights[..tx.count])
        {
            let w = wx * wy;
            for l in 0..LANES {
                let valid = !px[l].is_nan() && px[l] != nodata[l];
                sum[l] += if valid { px[l] * w } else { 0.0 };
                weights[l] += if valid { w } else { 0.0 };
            }
        }
    }
    (sum, weights)
}

/// ⌊x⌋ without a libm call (x86-64 without SSE4.1 has no rounding instruction).
fn floor(x: f64) -> i64 {
    let i = x as i64;
    if (i as f64) > x {
        i - 1
    } else {
        i
    }
}

fn ceil(x: f64) -> i64 {
    let i = x as i64;
    if (i as f64) < x {
        i + 1
    } else {
        i
    }
}

fn min4(v: [f64; 4]) -> f64 {
    v[0].min(v[1]).min(v[2].min(v[3]))
}

fn max4(v: [f64; 4]) -> f64 {
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
        let values = [1.0, 3.0, f32::NAN, 7.0].map(|v| [v, 0.0, 0.0, 0.0]);
        let w = Window {
            x0: 0,
            y0: 0,
            width: 4,
            height: 1,
            bands: 1,
            nodata: None,
            pixels: &values,
        };
        let g = affine(2, 1, |x, y| (0.5 + 2.0 * x, y * 0.5));
        let out = &resample(&w, &g, Resampling::Average).expect("average")[0];
        assert!((out[0] - 3.5 / 1.5).abs() < 1e-6, "{}", out[0]);
        assert_eq!(out[1], 7.0);
    }

    #[test]
    fn bilinear_interpolates_between_centres_and_nearest_takes_the_pixel_under_the_centre() {
        // Source 2×1: 10, 20. A tile pixel centred at x = 1.25 lies between the centres
        // 0.5 and 1.5: bilinear 10 + 0.75·10; nearest: pixel 1 → 20.
        // Two bands: the second is the first doubled.
        let values = [[10.0, 20.0, 0.0, 0.0], [20.0, 40.0, 0.0, 0.0]];
        let w = Window {
            x0: 0,
            y0: 0,
            width: 2,
            height: 1,
            bands: 2,
            nodata: None,
            pixels: &values,
        };
        let g = affine(1, 1, |x, y| (1.0 + 0.5 * x, 0.5 * y));
        assert_eq!(
            resample(&w, &g, Resampling::Bilinear),
            Some(vec![vec![17.5], vec![35.0]])
        );
        assert_eq!(
            resample(&w, &g, Resampling::Nearest),
            Some(vec![vec![20.0], vec![40.0]])
        );
        assert_eq!(resample(&w, &g, Resampling::Cubic), None);
    }

    #[test]
    fn the_nodata_value_counts_as_no_data_in_every_kernel() {
        // Source 2×1 with nodata 0: 0, 8. Tile pixel centred in the first source pixel.
        let values = [[0.0, 0.0, 0.0, 0.0], [8.0, 0.0, 0.0, 0.0]];
        let w = Window {
            x0: 0,
            y0: 0,
            width: 2,
            height: 1,
            bands: 1,
            nodata: Some(0.0),
            pixels: &values,
        };
        let g = affine(1, 1, |x, y| (0.2 + 1.2 * x, 0.5 * y));
        let nan = |r: Option<Vec<Vec<f32>>>| r.expect("kernel")[0][0];
        assert!(nan(resample(&w, &g, Resampling::Nearest)).is_nan());
        assert!(nan(resample(&w, &g, Resampling::Bilinear)).is_nan());
        // Average over x 0.2..1.4: only the valid pixel 1 counts.
        assert_eq!(nan(resample(&w, &g, Resampling::Average)), 8.0);
    }
}
