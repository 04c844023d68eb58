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
/// source pixel (`x0`, `y0`), as stored; a value equal to `nodata`, or NaN, has no data.
pub(super) struct Window {
    pub x0: usize,
    pub y0: usize,
    pub width: usize,
    pub height: usize,
    /// How many lanes hold bands.
    pub bands: usize,
    /// The bands' nodata value (replaced by NaN in place before resampling).
    pub nodata: Option<f32>,
    pub pixels: Vec<Pixel>,
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
            *w = (b.min(i + 1.0) - a.max(i)).max(0.0);
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
            *w = (1.0 - (i - centre).abs() * inverse).max(0.0);
            i += 1.0;
        }
        taps
    }
}

/// Whether `resampling` is one of the kernels done here (the others are left to GDAL).
pub(super) fn supported(resampling: Resampling) -> bool {
    matches!(
        resampling,
        Resampling::Nearest | Resampling::Bilinear | Resampling::Average
    )
}

/// Resamples every band of `window` into a `size`×`size` tile; `None` for kernels left to
/// GDAL (see [`supported`]). Weights are computed once per tile pixel and applied to all
/// bands at once.
pub(super) fn resample(
    window: &mut Window,
    grid: &CornerGrid,
    resampling: Resampling,
) -> Option<Vec<Vec<f32>>> {
    if !supported(resampling) {
        return None;
    }
    let size = grid.size;
    let side = size + 1;
    let (width, height) = (window.width, window.height);
    // Window-relative corner positions in f32 (a window is at most a few thousand pixels
    // wide: f32 keeps them to better than 0.001 pixel).
    let gx: Vec<f32> = grid
        .x
        .iter()
        .map(|x| (x - window.x0 as f64) as f32)
        .collect();
    let gy: Vec<f32> = grid
        .y
        .iter()
        .map(|y| (y - window.y0 as f64) as f32)
        .collect();
    let (sx, sy) = scale(grid);
    let (rx, ry) = (sx.max(1.0) as f32, sy.max(1.0) as f32);
    // Nodata becomes NaN once, so the kernels test one thing; a window where every band has
    // data everywhere (most tiles) skips the test altogether.
    if let Some(nodata) = window.nodata {
        for px in window.pixels.iter_mut() {
            *px = px.map(|v| if v == nodata { f32::NAN } else { v });
        }
    }
    let pixels: &[Pixel] = &window.pixels;
    let complete = pixels
        .iter()
        .all(|px| px[..window.bands].iter().all(|v| !v.is_nan()));
    let mut out: Vec<Pixel> = vec![[f32::NAN; LANES]; size * size];
    for row in 0..size {
        for col in 0..size {
            let k = row * side + col;
            let xs = [gx[k], gx[k + 1], gx[k + side], gx[k + side + 1]];
            let ys = [gy[k], gy[k + 1], gy[k + side], gy[k + side + 1]];
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
            let o = &mut out[row * size + col];
            let (tx, ty) = match resampling {
                Resampling::Nearest => {
                    *o = centre;
                    continue;
                }
                Resampling::Bilinear => {
                    if !inside {
                        continue;
                    }
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
            if complete {
                let (sum, weight) = weighted_sums_complete(pixels, width, &tx, &ty);
                if weight > 1e-5 {
                    let inverse = 1.0 / weight;
                    *o = sum.map(|v| v * inverse);
                }
                continue;
            }
            let (sum, weights) = weighted_sums(pixels, width, &tx, &ty);
            for lane in 0..LANES {
                // Bilinear has no value where the pixel under the centre has none (GDAL).
                let centre_valid = resampling != Resampling::Bilinear || !centre[lane].is_nan();
                if weights[lane] > 1e-5 && centre_valid {
                    o[lane] = sum[lane] / weights[lane];
                }
            }
        }
    }
    Some(
        (0..window.bands)
            .map(|lane| out.iter().map(|px| px[lane]).collect())
            .collect(),
    )
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
        let mut w = Window {
            x0: 0,
            y0: 0,
            width: 4,
            height: 1,
            bands: 1,
            nodata: None,
            pixels: values.to_vec(),
        };
        let g = affine(2, 1, |x, y| (0.5 + 2.0 * x, y * 0.5));
        let out = &resample(&mut w, &g, Resampling::Average).expect("average")[0];
        assert!((out[0] - 3.5 / 1.5).abs() < 1e-6, "{}", out[0]);
        assert_eq!(out[1], 7.0);
    }

    #[test]
    fn bilinear_interpolates_between_centres_and_nearest_takes_the_pixel_under_the_centre() {
        // Source 2×1: 10, 20. A tile pixel centred at x = 1.25 lies between the centres
        // 0.5 and 1.5: bilinear 10 + 0.75·10; nearest: pixel 1 → 20.
        // Two bands: the second is the first doubled.
        let values = [[10.0, 20.0, 0.0, 0.0], [20.0, 40.0, 0.0, 0.0]];
        let mut w = Window {
            x0: 0,
            y0: 0,
            width: 2,
            height: 1,
            bands: 2,
            nodata: None,
            pixels: values.to_vec(),
        };
        let g = affine(1, 1, |x, y| (1.0 + 0.5 * x, 0.5 * y));
        assert_eq!(
            resample(&mut w, &g, Resampling::Bilinear),
            Some(vec![vec![17.5], vec![35.0]])
        );
        assert_eq!(
            resample(&mut w, &g, Resampling::Nearest),
            Some(vec![vec![20.0], vec![40.0]])
        );
        assert_eq!(resample(&mut w, &g, Resampling::Cubic), None);
    }

    #[test]
    fn the_nodata_value_counts_as_no_data_in_every_kernel() {
        // Source 2×1 with nodata 0: 0, 8. Tile pixel centred in the first source pixel.
        let values = [[0.0, 0.0, 0.0, 0.0], [8.0, 0.0, 0.0, 0.0]];
        let mut w = Window {
            x0: 0,
            y0: 0,
            width: 2,
            height: 1,
            bands: 1,
            nodata: Some(0.0),
            pixels: values.to_vec(),
        };
        let g = affine(1, 1, |x, y| (0.2 + 1.2 * x, 0.5 * y));
        let nan = |r: Option<Vec<Vec<f32>>>| r.expect("kernel")[0][0];
        assert!(nan(resample(&mut w, &g, Resampling::Nearest)).is_nan());
        assert!(nan(resample(&mut w, &g, Resampling::Bilinear)).is_nan());
        // Average over x 0.2..1.4: only the valid pixel 1 counts.
        assert_eq!(nan(resample(&mut w, &g, Resampling::Average)), 8.0);
    }

    #[test]
    #[ignore = "timing, run by hand: cargo test --release --lib timing -- --ignored --nocapture"]
    fn timing_of_one_tile() {
        let (w, h) = (500usize, 500usize);
        let pixels: Vec<Pixel> = (0..w * h)
            .map(|i| {
                [
                    (i % 97 + 1) as f32,
                    (i % 89 + 1) as f32,
                    (i % 83 + 1) as f32,
                    0.0,
                ]
            })
            .collect();
        let mut window = Window {
            x0: 0,
            y0: 0,
            width: w,
            height: h,
            bands: 3,
            nodata: Some(0.0),
            pixels,
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
            let started = std::time::Instant::now();
            for _ in 0..50 {
                std::hint::black_box(resample(&mut window, &g, kernel));
            }
            eprintln!(
                "{kernel:?}: {:.2} ms per tile",
                started.elapsed().as_secs_f64() * 1000.0 / 50.0
            );
        }
        let started = std::time::Instant::now();
        for _ in 0..50 {
            std::hint::black_box(affine(256, 32, |x, y| (3.0 + 1.9 * x, 4.0 + 1.9 * y)));
        }
        eprintln!(
            "corner grid: {:.2} ms per tile",
            started.elapsed().as_secs_f64() * 1000.0 / 50.0
        );
    }
}
