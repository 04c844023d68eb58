//! Resampling a source window into a tile without GDAL's warper: the kernels GDAL's warper
//! uses for nearest, bilinear and average, over source pixel positions interpolated from a
//! coarse grid of exactly transformed points. GDAL's warper costs more per tile than the
//! arithmetic (a warp operation, a MEM dataset, mask buffers per call); this is the
//! arithmetic only.
//!
//! Coordinates are source pixel/line, continuous: source pixel (i, j) covers [i, i+1) ×
//! [j, j+1), its centre is (i + 0.5, j + 0.5).

mod grid;
mod kernels;
mod weights;
mod window;

pub use grid::{scale, CornerGrid};
pub use kernels::{resample, Kernel};
pub use window::{planes, Pixel, Sample, Window, LANES};

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
    fn whole(window: &Window, bands: usize, grid: &CornerGrid, kernel: Kernel) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        resample(window, grid, 0..grid.size, kernel, &mut out);
        planes(&out, bands)
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
        let out = &whole(&w, 1, &g, Kernel::Average)[0];
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
            whole(&w, 2, &g, Kernel::Bilinear),
            vec![vec![17.5], vec![35.0]]
        );
        assert_eq!(
            whole(&w, 2, &g, Kernel::Nearest),
            vec![vec![20.0], vec![40.0]]
        );
    }

    #[test]
    fn the_nodata_value_counts_as_no_data_in_every_kernel() {
        // Source 2×1 with nodata 0: 0, 8. Tile pixel centred in the first source pixel.
        let w = Window::from_planes((0, 0), (2, 1), &[0u16, 8], Some(0.0));
        assert!(!w.complete);
        let g = affine(1, 1, |x, y| (0.2 + 1.2 * x, 0.5 * y));
        let nan = |r: Vec<Vec<f32>>| r[0][0];
        assert!(nan(whole(&w, 1, &g, Kernel::Nearest)).is_nan());
        assert!(nan(whole(&w, 1, &g, Kernel::Bilinear)).is_nan());
        // Average over x 0.2..1.4: only the valid pixel 1 counts.
        assert_eq!(nan(whole(&w, 1, &g, Kernel::Average)), 8.0);
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
        for kernel in [Kernel::Average, Kernel::Bilinear] {
            let fast = whole(&complete, 3, &g, kernel);
            let slow = whole(&general, 3, &g, kernel);
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
        let out = &whole(&window, 1, &g, Kernel::Bilinear)[0];
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
        for kernel in [Kernel::Average, Kernel::Bilinear, Kernel::Nearest] {
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
