//! Kernel taps along one axis: which source pixels a tile pixel reads and their weights.

/// Taps of a kernel along one axis at most: a bilinear kernel widened ×2 spans 5 pixels, a
/// footprint of 2 pixels (rotated a little) at most 4.
pub(super) const MAX_TAPS: usize = 6;

/// Source pixels (window-relative) and their weights along one axis.
#[derive(Clone, Copy)]
pub(super) struct Taps {
    pub(super) first: usize,
    pub(super) count: usize,
    pub(super) weights: [f32; MAX_TAPS],
}

impl Taps {
    /// The pixels `from..to` clipped to `0..len`; weights to be filled.
    #[inline(always)]
    pub(super) fn clipped(from: i32, to: i32, len: usize) -> Self {
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
    pub(super) fn interval(a: f32, b: f32, len: usize) -> Self {
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
    pub(super) fn triangle(centre: f32, radius: f32, len: usize) -> Self {
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
pub(super) fn coverage(a: f32, b: f32, i: f32) -> f32 {
    (b.min(i + 1.0) - a.max(i)).max(0.0)
}

/// The weight of source pixel `i` in a triangle of radius 1 / `inverse` around `centre`
/// (pixel-centre coordinates): the bilinear kernel, widened when downsampling.
#[inline(always)]
pub(super) fn tent(centre: f32, inverse: f32, i: f32) -> f32 {
    (1.0 - (i - centre).abs() * inverse).max(0.0)
}

/// The weights of one axis of a [`FIXED`]² kernel.
pub(super) type Weights = [f32; FIXED];

/// The [`FIXED`]² kernels of one tile row: per pixel, the source footprint (average) or the
/// centre's neighbourhood (bilinear) along each axis, its first pixel (-1 when the kernel is
/// not fixed-size inside the window) and weights.
#[derive(Default)]
pub(super) struct RowTaps {
    pub(super) lo_x: Vec<f32>,
    pub(super) hi_x: Vec<f32>,
    pub(super) lo_y: Vec<f32>,
    pub(super) hi_y: Vec<f32>,
    pub(super) first_x: Vec<i32>,
    pub(super) first_y: Vec<i32>,
    pub(super) wx: Vec<Weights>,
    pub(super) wy: Vec<Weights>,
}

impl RowTaps {
    pub(super) fn resize(&mut self, size: usize) {
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
pub(super) const FIXED: usize = 4;

/// ⌊x⌋ without a libm call (x86-64 without SSE4.1 has no rounding instruction).
#[inline(always)]
pub(super) fn floor(x: f32) -> i32 {
    let i = x as i32;
    i - i32::from((i as f32) > x)
}

#[inline(always)]
pub(super) fn ceil(x: f32) -> i32 {
    let i = x as i32;
    i + i32::from((i as f32) < x)
}

pub(super) fn min4(v: [f32; 4]) -> f32 {
    v[0].min(v[1]).min(v[2].min(v[3]))
}

pub(super) fn max4(v: [f32; 4]) -> f32 {
    v[0].max(v[1]).max(v[2].max(v[3]))
}
